"""The fixture loader: `tracker init` / `tracker load` through the CLI, and `read_fixture` itself.

Small fixtures are built in tmp_path (a YAML file and the source text it quotes). Syncing must be
idempotent, update wording without touching history, report (never delete) items the file no
longer lists, and reject a bad file with one line naming the file, the item and the field, having
written nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, inspect, text

from tracker.errors import TrackerError
from tracker.loading import read_fixture
from tracker.paths import bundled_fixture

SOURCE = (
    "Both governments will build a bridge across the river before the end of the decade.\n"
    "They will also plant a thousand trees along its banks.\n"
    "Ministers will meet again in 2027 to review progress.\n"
)
SLUG = "test-decl"
TABLES = ("declarations", "pillars", "commitments", "status_events", "evidence")


# --- building fixture files ----------------------------------------------------------------


GUIDELINES = {"-1": "Nothing is built.", "0": "Work has started.", "+1": "It is done."}


def _item(code: str, title: str, quote: str, **extra: Any) -> dict[str, Any]:
    item = {
        "code": code,
        "title": title,
        "description": f"{title}, as agreed.",
        "quote": quote,
        "basis": f"'{quote}': the parties will do it.",
        "kind": "commitment",
        "parties": ["Aland", "Bland"],
        "owners": ["Works"],
        **extra,
    }
    # The made-up parties, owners and targets are not in SOURCE: marked, as the loader demands.
    marks = {"parties": "test", "owners": "test", "target": "test"}
    item.setdefault("inferred", {k: v for k, v in marks.items() if item.get(k)})
    if item["kind"] == "commitment":
        item.setdefault("guidelines", GUIDELINES)
    return item


def base_spec(slug: str = SLUG, prefix: str = "TST") -> dict[str, Any]:
    """A valid three-item fixture; tests copy and change it."""
    return {
        "schema": 1,
        "declaration": {
            "slug": slug,
            "title": "A test declaration",
            "date": dt.date(2026, 2, 1),
            "place": "Testville",
            "parties": ["Aland", "Bland"],
            "source": "Test source",
            "source_file": f"{slug}.txt",
            "inferred": {"date": "test", "place": "test", "parties": "test"},
        },
        "milestones": {
            "review-2027": {"title": "2027 review meeting", "date": dt.date(2027, 12, 31)},
        },
        "pillars": [
            {
                "slug": "infrastructure",
                "title": "Infrastructure",
                "commitments": [
                    _item(f"{prefix}-01", "Build a bridge", "build a bridge across the river"),
                    _item(
                        f"{prefix}-02",
                        "Plant trees",
                        "plant a thousand trees",
                        kind="outlook",
                        target=dt.date(2030, 12, 31),
                    ),
                ],
            },
            {
                "slug": "follow-up",
                "title": "Follow-up",
                "commitments": [
                    _item(
                        f"{prefix}-03",
                        "Meet again in 2027",
                        "meet again in 2027",
                        target="review-2027",
                    ),
                ],
            },
        ],
    }


def write_fixture(
    directory: Path,
    spec: dict[str, Any],
    source: str | None = SOURCE,
    *,
    name: str = SLUG,
) -> Path:
    """Write `name.yaml` and, unless source is None, the source text it names; return the YAML."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    source_file = (spec.get("declaration") or {}).get("source_file")
    if source is not None and source_file:
        (directory / source_file).write_text(source, encoding="utf-8")
    return path


def items_of(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for p in spec["pillars"] for i in p["commitments"]}


# --- reading the database ------------------------------------------------------------------


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the loader writes, in a comparable form."""
    queries = {
        "declarations": "SELECT slug, title, date, place, source, source_text FROM declarations",
        "pillars": "SELECT declaration_id, slug, title, position FROM pillars",
        "commitments": (
            "SELECT code, declaration_id, pillar_id, position, title, description, quote, kind, "
            "target_date, target_label, status FROM commitments"
        ),
        "status_events": "SELECT id, commitment_id, to_status, note FROM status_events",
    }
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted(tuple(row) for row in conn.execute(text(sql)))
                for name, sql in queries.items()
            }
    finally:
        engine.dispose()


def table_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


def sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def show(cli: Any, code: str) -> dict[str, Any]:
    return json.loads(cli.ok("show", code, "--format", "json"))


def listed_codes(cli: Any) -> list[str]:
    return [row["code"] for row in json.loads(cli.ok("list", "--all", "--format", "json"))]


def assert_one_error_line(result: Any, *fragments: str) -> str:
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert "Traceback" not in result.output
    return line


# --- idempotency ---------------------------------------------------------------------------


def test_loading_bundled_fixture_again_changes_nothing(cli: Any) -> None:
    before = snapshot(cli.url)
    counts = row_counts(cli.url)
    out = cli.ok("load", str(bundled_fixture()))
    assert "Declaration japan-uk-2026 synced: 0 added, 0 changed" in out
    assert "missing" not in out
    assert row_counts(cli.url) == counts
    assert snapshot(cli.url) == before
    # init on an initialised database is a sync too.
    out = cli.ok("init")
    assert "0 added, 0 changed" in out
    assert row_counts(cli.url) == counts


def test_loading_same_file_twice(cli: Any, tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "fx", base_spec())
    base = row_counts(cli.url)

    first = cli.ok("load", str(path))
    assert f"Declaration {SLUG} loaded: 3 added, 0 changed, 0 unchanged." in first
    assert "added: TST-01, TST-02, TST-03" in first
    counts = row_counts(cli.url)
    assert counts["declarations"] == base["declarations"] + 1
    assert counts["pillars"] == base["pillars"] + 2
    assert counts["commitments"] == base["commitments"] + 3
    state = snapshot(cli.url)

    second = cli.ok("load", str(path))
    assert f"Declaration {SLUG} synced: 0 added, 0 changed, 3 unchanged." in second
    assert "added:" not in second
    assert row_counts(cli.url) == counts
    assert snapshot(cli.url) == state


def test_loaded_items_have_the_fixture_values(cli: Any, tmp_path: Path) -> None:
    cli.ok("load", str(write_fixture(tmp_path / "fx", base_spec())))
    one = show(cli, "TST-01")
    assert one["declaration"] == SLUG
    assert one["pillar"] == "infrastructure"
    assert one["quote"] == "build a bridge across the river"
    assert one["status"] == "not_started"
    assert one["target"] is None
    assert show(cli, "TST-02")["target"] == "2030-12-31"
    three = show(cli, "TST-03")
    assert three["pillar"] == "follow-up"
    assert three["target"] == "2027-12-31"
    assert three["target_label"] == "2027 review meeting"
    # Lower-case codes in the commands find the stored upper-case code.
    assert show(cli, "tst-03")["code"] == "TST-03"


# --- updating a loaded declaration ---------------------------------------------------------


def test_updated_file_adds_items_and_updates_wording_keeping_history(
    cli: Any, tmp_path: Path
) -> None:
    spec = base_spec()
    path = write_fixture(tmp_path / "fx", spec)
    cli.ok("load", str(path))
    cli.ok("progress", "TST-01", "--status", "in_progress", "-m", "x")
    events_before = row_counts(cli.url)["status_events"]

    newer = copy.deepcopy(spec)
    item = items_of(newer)["TST-01"]
    item["title"] = "Build the river bridge"
    item["quote"] = "build a bridge across the river before the end of the decade"
    newer["pillars"][1]["commitments"].append(
        _item("TST-04", "Review progress", "review progress", kind="ongoing")
    )
    write_fixture(tmp_path / "fx", newer)

    result = cli("load", str(path))
    assert result.exit_code == 0, result.output
    assert f"Declaration {SLUG} synced: 1 added, 1 changed, 2 unchanged." in result.stdout
    assert "added: TST-04" in result.stdout
    assert "changed TST-01: title, quote" in result.stdout
    assert "missing" not in result.output

    one = show(cli, "TST-01")
    assert one["title"] == "Build the river bridge"
    assert one["quote"] == "build a bridge across the river before the end of the decade"
    assert one["status"] == "in_progress"
    assert len(one["events"]) == 1
    assert one["events"][0]["note"] == "x"
    assert row_counts(cli.url)["status_events"] == events_before

    four = show(cli, "TST-04")
    assert four["pillar"] == "follow-up"
    assert four["kind"] == "ongoing"
    assert four["status"] == "not_started"
    assert four["events"] == []

    again = cli.ok("load", str(path))
    assert "0 added, 0 changed, 4 unchanged" in again


def test_moving_an_item_to_another_pillar_and_retargeting(cli: Any, tmp_path: Path) -> None:
    spec = base_spec()
    path = write_fixture(tmp_path / "fx", spec)
    cli.ok("load", str(path))
    cli.ok("progress", "TST-02", "--status", "achieved", "-m", "planted")

    newer = copy.deepcopy(spec)
    moved = newer["pillars"][0]["commitments"].pop(1)
    moved["target"] = "review-2027"
    newer["pillars"][1]["commitments"].append(moved)
    write_fixture(tmp_path / "fx", newer)

    out = cli.ok("load", str(path))
    assert "changed TST-02: pillar_id, target_date, target_label" in out
    two = show(cli, "TST-02")
    assert two["pillar"] == "follow-up"
    assert two["target"] == "2027-12-31"
    assert two["target_label"] == "2027 review meeting"
    assert two["status"] == "achieved"
    assert len(two["events"]) == 1


def test_item_missing_from_newer_file_is_reported_not_deleted(cli: Any, tmp_path: Path) -> None:
    spec = base_spec()
    path = write_fixture(tmp_path / "fx", spec)
    cli.ok("load", str(path))
    cli.ok("progress", "TST-02", "--status", "in_progress", "-m", "seedlings ordered")
    counts = row_counts(cli.url)

    newer = copy.deepcopy(spec)
    del newer["pillars"][0]["commitments"][1]  # TST-02
    write_fixture(tmp_path / "fx", newer)

    result = cli("load", str(path))
    assert result.exit_code == 0, result.output
    assert "1 missing from the file" in result.stdout
    assert "missing" in result.output
    assert "TST-02" in result.output
    assert row_counts(cli.url) == counts

    assert "TST-02" in listed_codes(cli)
    two = show(cli, "TST-02")
    assert two["status"] == "in_progress"
    assert len(two["events"]) == 1

    # Still reported on the next sync; still not deleted.
    again = cli("load", str(path))
    assert again.exit_code == 0
    assert "TST-02" in again.output
    assert "missing" in again.output
    assert "TST-02" in listed_codes(cli)


# --- validation errors ---------------------------------------------------------------------

# Each case writes a broken fixture into a directory and returns its path and the fragments the
# one-line error must contain besides the path.
Case = Callable[[Path], tuple[Path, list[str]]]


def _missing_quote(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    del items_of(spec)["TST-02"]["quote"]
    return write_fixture(d, spec), ["item TST-02", "field 'quote'", "required"]


def _bad_kind(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-02"]["kind"] = "promise"
    return write_fixture(d, spec), ["item TST-02", "field 'kind'", "commitment"]


def _quote_not_in_source(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-03"]["quote"] = "ministers will meet in 2028"
    return write_fixture(d, spec), ["item TST-03", "field 'quote'", "not found verbatim"]


def _quote_differs_in_case(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-01"]["quote"] = "Build a bridge across the river"
    return write_fixture(d, spec), ["item TST-01", "field 'quote'", "not found verbatim"]


def _duplicate_code(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-03"]["code"] = "TST-01"
    return write_fixture(d, spec), ["item TST-01", "code", "twice"]


def _duplicate_code_other_case(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-03"]["code"] = "tst-01"
    return write_fixture(d, spec), ["item TST-01", "code", "twice"]


def _unknown_milestone(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-03"]["target"] = "review-2028"
    return write_fixture(d, spec), [
        "item TST-03",
        "field 'target'",
        "unknown milestone 'review-2028'",
        "review-2027",
    ]


def _bad_code_format(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-02"]["code"] = "TST_02"
    return write_fixture(d, spec), ["item TST_02", "field 'code'", "ABC-01"]


def _unknown_field(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-01"]["owner"] = ["Works"]
    return write_fixture(d, spec), ["item TST-01", "field 'owner'"]


def _no_items_in_pillar(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    spec["pillars"][1]["commitments"] = []
    return write_fixture(d, spec), ["pillar follow-up", "field 'commitments'"]


def _unsupported_schema(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    spec["schema"] = 2
    return write_fixture(d, spec), ["field 'schema'", "schema 2"]


def _invalid_yaml(d: Path) -> tuple[Path, list[str]]:
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{SLUG}.yaml"
    path.write_text(
        "schema: 1\ndeclaration:\n  slug: test-decl\n  title: [unclosed\npillars: []\n",
        encoding="utf-8",
    )
    return path, ["not valid YAML", "line 5"]


def _not_a_mapping(d: Path) -> tuple[Path, list[str]]:
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{SLUG}.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    return path, ["expected a mapping"]


def _missing_file(d: Path) -> tuple[Path, list[str]]:
    return d / "absent.yaml", ["cannot read fixture", "No such file"]


def _missing_source_file(d: Path) -> tuple[Path, list[str]]:
    return write_fixture(d, base_spec(), source=None), [
        "field 'declaration.source_file'",
        f"{SLUG}.txt",
        "No such file",
    ]


def _no_source_file_field(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    del spec["declaration"]["source_file"]
    return write_fixture(d, spec, source=None), ["field 'declaration.source_file'", "required"]


def _unknown_field_near(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-01"]["gudelines"] = GUIDELINES
    return write_fixture(d, spec), [
        "item TST-01: field 'gudelines' is not allowed; did you mean 'guidelines'? allowed: code,",
    ]


def _unquoted_guideline_keys(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    path = write_fixture(d, spec)
    text_in = path.read_text(encoding="utf-8")
    assert "'-1':" in text_in and "'0':" in text_in and "'+1':" in text_in
    for key in ("-1", "0", "+1"):
        text_in = text_in.replace(f"'{key}':", f"{key}:")
    path.write_text(text_in, encoding="utf-8")
    return path, [
        "item TST-01: field 'guidelines': quote the guideline keys: '-1', '0', '+1'",
    ]


def _year_as_target(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-01"]["target"] = 2035
    return write_fixture(d, spec), [
        "item TST-01: field 'target': 2035 is not a date; write a date as YYYY-MM-DD",
    ]


def _date_with_time(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    spec["declaration"]["date"] = dt.datetime(2026, 2, 1, 10, 30)
    return write_fixture(d, spec), [
        "field 'declaration.date': write a date as YYYY-MM-DD, without a time",
    ]


def _typographic_apostrophe(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-03"]["quote"] = "the ministers' review"
    source = SOURCE + "It will be the ministers’ review.\n"
    return write_fixture(d, spec, source), [
        "item TST-03: field 'quote': not found verbatim",
        'closest passage (line 4): "the ministers’ review"',
        'first difference at character 14 of the quote: "\'" (U+0027) where the text has '
        "'’' (U+2019)",
        "typographic mark",
    ]


def _guideline_for_the_pair(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-01"]["guidelines"] = {**GUIDELINES, "-1": "Neither side builds."}
    return write_fixture(d, spec), [
        "item TST-01: field 'guidelines': band '-1' speaks of the pair ('Neither')",
        "write each band for one party",
    ]


def _not_scored_yet_achieved(d: Path) -> tuple[Path, list[str]]:
    spec = base_spec()
    items_of(spec)["TST-02"]["achieved_at_meeting"] = True
    return write_fixture(d, spec), [
        "item TST-02: field 'achieved_at_meeting': only a commitment is achieved",
    ]


CASES: dict[str, Case] = {
    "missing-quote": _missing_quote,
    "bad-kind": _bad_kind,
    "quote-not-in-source": _quote_not_in_source,
    "quote-differs-in-case": _quote_differs_in_case,
    "duplicate-code": _duplicate_code,
    "duplicate-code-other-case": _duplicate_code_other_case,
    "unknown-milestone": _unknown_milestone,
    "bad-code-format": _bad_code_format,
    "unknown-field": _unknown_field,
    "pillar-without-items": _no_items_in_pillar,
    "unsupported-schema": _unsupported_schema,
    "invalid-yaml": _invalid_yaml,
    "not-a-mapping": _not_a_mapping,
    "missing-file": _missing_file,
    "missing-source-file": _missing_source_file,
    "no-source-file-field": _no_source_file_field,
    "unknown-field-near": _unknown_field_near,
    "unquoted-guideline-keys": _unquoted_guideline_keys,
    "year-as-target": _year_as_target,
    "date-with-time": _date_with_time,
    "typographic-apostrophe": _typographic_apostrophe,
    "guideline-for-the-pair": _guideline_for_the_pair,
    "not-scored-yet-achieved": _not_scored_yet_achieved,
}
# The cases run against both engines; the rest against SQLite only (validation runs before the
# database is opened, so the engine only matters for "nothing written").
BOTH_ENGINES = ("missing-quote", "quote-not-in-source", "invalid-yaml", "missing-source-file")


@pytest.mark.parametrize("case", list(CASES))
def test_read_fixture_rejects(case: str, tmp_path: Path) -> None:
    path, fragments = CASES[case](tmp_path / "fx")
    with pytest.raises(TrackerError) as info:
        read_fixture(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    # Named once: the item's validators leave the naming to the one place that does it.
    assert "item TST-01: item" not in message and "item TST-02: item" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_read_fixture_messages_exactly(tmp_path: Path) -> None:
    path, _ = _quote_not_in_source(tmp_path / "a")
    with pytest.raises(TrackerError) as info:
        read_fixture(path)
    assert str(info.value) == (
        f"{path}: item TST-03: field 'quote': not found verbatim in {SLUG}.txt; closest passage "
        '(line 3): "Ministers will meet again i"; first difference at character 1 of the '
        "quote: 'm' (U+006D) where the text has 'M' (U+004D)"
    )

    path, _ = _bad_code_format(tmp_path / "b")
    with pytest.raises(TrackerError) as info:
        read_fixture(path)
    assert str(info.value) == (
        f"{path}: item TST_02: field 'code': code 'TST_02' is not of the form ABC-01"
    )


def _check_load_rejected(cli: Any, case: str, tmp_path: Path) -> None:
    # A loaded earlier version, so a failed sync would have something to overwrite.
    good = write_fixture(tmp_path / "good", base_spec())
    cli.ok("load", str(good))
    counts = row_counts(cli.url)
    state = snapshot(cli.url)

    path, fragments = CASES[case](tmp_path / "fx")
    result = cli("load", str(path))
    assert_one_error_line(result, str(path), *fragments)
    assert result.stdout == ""
    assert row_counts(cli.url) == counts
    assert snapshot(cli.url) == state


@pytest.mark.parametrize("case", BOTH_ENGINES)
def test_load_rejects_on_each_engine(cli: Any, case: str, tmp_path: Path) -> None:
    _check_load_rejected(cli, case, tmp_path)


@pytest.mark.parametrize("case", [c for c in CASES if c not in BOTH_ENGINES])
def test_load_rejects(cli_sqlite: Any, case: str, tmp_path: Path) -> None:
    _check_load_rejected(cli_sqlite, case, tmp_path)


def test_invalid_date_is_one_error_line(cli_sqlite: Any, tmp_path: Path) -> None:
    """`date: 2026-02-30` is a YAML timestamp PyYAML cannot build: it raises ValueError."""
    counts = row_counts(cli_sqlite.url)
    d = tmp_path / "fx"
    path = write_fixture(d, base_spec())
    path.write_text(
        path.read_text(encoding="utf-8").replace("2026-02-01", "2026-02-30"), encoding="utf-8"
    )
    result = cli_sqlite("load", str(path))
    assert_one_error_line(result, str(path))
    assert row_counts(cli_sqlite.url) == counts


@pytest.mark.parametrize("case", ["missing-quote", "invalid-yaml", "missing-file"])
def test_init_with_bad_fixture_leaves_nothing(cli_empty: Any, case: str, tmp_path: Path) -> None:
    path, fragments = CASES[case](tmp_path / "fx")
    result = cli_empty("init", "--fixture", str(path))
    assert_one_error_line(result, str(path), *fragments)
    db_file = sqlite_file(cli_empty.url)
    if db_file is not None:
        assert not db_file.exists()
        assert not list(db_file.parent.glob(f"{db_file.name}*"))
    else:
        assert table_names(cli_empty.url) == []


def test_init_failing_while_loading_leaves_nothing(
    cli_empty: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the schema is created (and the SQLite file made) rolls it all back."""
    import tracker.loading

    def boom(session: Any, fixture: Any) -> Any:
        raise TrackerError("loading failed on purpose")

    monkeypatch.setattr(tracker.loading, "sync_fixture", boom)
    result = cli_empty("init")
    assert_one_error_line(result, "loading failed on purpose")
    db_file = sqlite_file(cli_empty.url)
    if db_file is not None:
        assert not list(db_file.parent.glob(f"{db_file.name}*"))
    else:
        assert table_names(cli_empty.url) == []


def test_init_with_own_fixture(cli_empty: Any, tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "fx", base_spec())
    out = cli_empty.ok("init", "--fixture", str(path))
    assert f"Declaration {SLUG} loaded: 3 added" in out
    assert listed_codes(cli_empty) == ["TST-01", "TST-02", "TST-03"]


# --- the database must exist ---------------------------------------------------------------


def test_load_without_database(cli_empty: Any) -> None:
    result = cli_empty("load", str(bundled_fixture()))
    assert_one_error_line(result, "tracker init")
    db_file = sqlite_file(cli_empty.url)
    if db_file is not None:
        assert not db_file.exists()
    else:
        assert table_names(cli_empty.url) == []


def test_load_with_bare_path_to_missing_database(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tracker.cli import app

    db = tmp_path / "sub" / "nope.db"
    result = CliRunner().invoke(app, ["--db", str(db), "load", str(bundled_fixture())])
    assert_one_error_line(result, str(db), "tracker init")
    assert not db.exists()
    assert not db.parent.exists()


# --- codes are global across declarations --------------------------------------------------


def test_code_of_another_declaration_is_rejected(cli: Any, tmp_path: Path) -> None:
    counts = row_counts(cli.url)
    state = snapshot(cli.url)
    spec = base_spec(slug="other-decl")
    items_of(spec)["TST-02"]["code"] = "cyb-01"  # the bundled declaration's, in lower case
    path = write_fixture(tmp_path / "fx", spec)

    result = cli("load", str(path))
    assert_one_error_line(
        result,
        str(path),
        "item CYB-01: code already used by declaration japan-uk-2026",
        "a prefix of their own, e.g. OD-01",
    )
    assert row_counts(cli.url) == counts
    assert snapshot(cli.url) == state
    assert show(cli, "CYB-01")["declaration"] == "japan-uk-2026"


def test_every_clashing_code_is_named_at_once(cli: Any, tmp_path: Path) -> None:
    """Not one code at a time: the analyst renumbers the file once."""
    counts = row_counts(cli.url)
    spec = base_spec(slug="other-decl")
    items_of(spec)["TST-01"]["code"] = "IND-01"
    items_of(spec)["TST-02"]["code"] = "CYB-02"
    path = write_fixture(tmp_path / "fx", spec)

    result = cli("load", str(path))
    assert_one_error_line(
        result, str(path), "items IND-01, CYB-02: codes already used by declaration japan-uk-2026"
    )
    assert row_counts(cli.url) == counts


def test_rejected_sync_rolls_back_declaration_changes(cli: Any, tmp_path: Path) -> None:
    """The clash is found after the declaration row is updated: that update must not stick."""
    spec = base_spec()
    path = write_fixture(tmp_path / "fx", spec)
    cli.ok("load", str(path))
    state = snapshot(cli.url)

    newer = copy.deepcopy(spec)
    newer["declaration"]["title"] = "A renamed declaration"
    newer["pillars"][0]["title"] = "Renamed pillar"
    newer["pillars"][0]["commitments"].append(
        _item("SEC-01", "Not ours", "plant a thousand trees along its banks")
    )
    write_fixture(tmp_path / "fx", newer)

    result = cli("load", str(path))
    assert_one_error_line(result, str(path), "item SEC-01", "already used by declaration")
    assert snapshot(cli.url) == state


def test_quotes_in_any_order_and_repeated_are_found(tmp_path: Path) -> None:
    """The quote check looks on from the previous quote first; a quote earlier in the text, or
    the same passage quoted twice, is still found verbatim."""
    spec = base_spec()
    items = items_of(spec)
    items["TST-01"]["quote"] = "Ministers will meet again in 2027"
    items["TST-02"]["quote"] = "Both governments will build a bridge"
    items["TST-03"]["quote"] = "Both governments will build a bridge"
    fixture = read_fixture(write_fixture(tmp_path, spec))
    quotes = [i.quote for p in fixture.spec.pillars for i in p.commitments]
    assert quotes[0] == "Ministers will meet again in 2027"
    items["TST-03"]["quote"] = "Ministers will meet again in 2028"
    with pytest.raises(TrackerError, match="item TST-03: field 'quote': not found verbatim"):
        read_fixture(write_fixture(tmp_path / "bad", spec))


@pytest.mark.parametrize(
    ("cutoff", "needle"),
    [
        ("2025-01-01", "field 'declaration.cutoff': 2025-01-01 is before the declaration's date"),
        ("soon", "field 'declaration.cutoff': 'soon' is not a date; write a date as YYYY-MM-DD"),
    ],
)
def test_a_cutoff_before_the_declaration_or_not_a_date_is_one_line(
    tmp_path: Path, cutoff: str, needle: str
) -> None:
    from tracker.paths import fixtures_dir

    for name in ("japan-uk-2026.yaml", "japan-uk-2026.txt"):
        (tmp_path / name).write_bytes((fixtures_dir() / name).read_bytes())
    spec = tmp_path / "japan-uk-2026.yaml"
    text_in = spec.read_text(encoding="utf-8")
    assert "  cutoff: 2026-12-31\n" in text_in
    spec.write_text(text_in.replace("  cutoff: 2026-12-31\n", f"  cutoff: {cutoff}\n"), "utf-8")
    with pytest.raises(TrackerError) as caught:
        read_fixture(spec)
    assert needle in str(caught.value) and "\n" not in str(caught.value)


# --- provenance: nothing the text does not say, unmarked -----------------------------------


@pytest.mark.parametrize(
    ("source", "party"),
    [
        # The declaration's parties are marked inferred; the item's own are not: a party the
        # source never names is refused for the item, whatever the declaration says.
        (SOURCE, "Aland"),
        # A party "named" only inside another word is not named.
        (SOURCE + "Alandic ferries run daily.\n", "Aland"),
        ("The UKRAINE question came up.\n" + SOURCE, "UK"),
    ],
)
def test_an_items_party_the_text_does_not_name_needs_its_own_mark(
    tmp_path: Path, source: str, party: str
) -> None:
    spec = base_spec()
    spec["declaration"]["parties"] = ["Aland", "Bland", "UK"]
    item = items_of(spec)["TST-01"]
    item["parties"] = [party]
    item["inferred"] = {k: v for k, v in item["inferred"].items() if k != "parties"}
    path = write_fixture(tmp_path, spec, source)
    with pytest.raises(TrackerError) as info:
        read_fixture(path)
    assert f"item TST-01: field 'parties': {party!r} is not in the source text" in str(info.value)


def test_a_party_the_text_names_as_a_word_needs_no_mark(tmp_path: Path) -> None:
    spec = base_spec()
    item = items_of(spec)["TST-01"]
    item["inferred"] = {k: v for k, v in item["inferred"].items() if k != "parties"}
    path = write_fixture(tmp_path, spec, "Aland and Bland agreed (Aland–Bland talks).\n" + SOURCE)
    read_fixture(path)
