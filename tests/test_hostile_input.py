"""Adversarial: every command-line input checked. Each hostile or careless value is one line on
stderr, a non-zero exit (2 for usage) and an unchanged database, on both engines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hostile_helpers import assert_unchanged, one_line_error, state
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db import HEAD_REVISION, REVISIONS

BAD = "\udcff"  # how Python hands over the byte 0xff of a non-UTF-8 argv (PEP 383)

NON_UTF8 = [
    ["progress", "CYB-01", "-s", "in_progress", "-m", BAD],
    ["progress", "CYB-01", "-s", "in_progress", "--by", BAD],
    ["progress", "CYB-01", "-s", "in_progress", "-e", BAD],
    ["show", BAD],
    ["list", "--search", BAD],
    ["list", "--party", BAD],
    ["list", "--owner", BAD],
    ["log", "--code", BAD],
    ["report", "--declaration", BAD],
]


@pytest.mark.parametrize("args", NON_UTF8, ids=lambda a: " ".join(a[:2]))
def test_non_utf8_arguments_are_a_usage_error(cli, args: list[str]) -> None:
    before = state(cli)
    line = one_line_error(cli(*args), code=2)
    assert "is not valid UTF-8" in line and "b'\\xff'" in line
    assert_unchanged(cli, before)


HUGE = [
    ["list", "--limit", "99999999999999999999999"],
    ["log", "--limit", "9223372036854775808"],
    ["correct", "99999999999999999999999", "--reason", "x"],
    ["progress", "CYB-01", "-s", "in_progress", "--corrects", "-99999999999999999999"],
]


@pytest.mark.parametrize("args", HUGE, ids=lambda a: " ".join(a[:2]))
def test_huge_integers_are_a_usage_error(cli, args: list[str]) -> None:
    before = state(cli)
    assert "too large" in one_line_error(cli(*args), code=2)
    assert_unchanged(cli, before)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--limit", "0"], "Invalid value for '--limit': 0 is smaller than 1."),
        (["log", "--limit", "-3"], "Invalid value for '--limit': -3 is smaller than 1."),
        (["list", "--limit", "x"], "Invalid value for '--limit': 'x' is not a valid integer."),
        (["correct", "twelve", "--reason", "r"], "Invalid value for 'ID': 'twelve' is not a"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else "",
)
def test_integers_are_refused_in_plain_words(cli_sqlite, args: list[str], message: str) -> None:
    """tracker/cli/coercion.py's wording, not pydantic's ("Input should be greater than or equal
    to 1"), which Typer would use without it."""
    assert message in one_line_error(cli_sqlite(*args), code=2)


FUTURE = (dt.date.today() + dt.timedelta(days=400)).isoformat()

REFUSED_DATES = [
    (["report", "--as-of", "0001-01-01"], "out of range"),
    (["report", "--since", "0001-01-01"], "out of range"),
    (["report", "--as-of", "9999-12-31"], "out of range"),
    (["log", "--since", "0001-01-01"], "out of range"),
    (["list", "--due-before", "0001-01-01"], "out of range"),
    (["report", "--since", "2026-10-01", "--as-of", "2026-09-01"], "is after --as-of 2026-09-01"),
    (["report", "--since", FUTURE], "is after today"),
    (
        ["progress", "CYB-01", "-s", "in_progress", "-e", "x", "--evidence-date", FUTURE],
        "is in the future",
    ),
    (["progress", "CYB-01", "-s", "in_progress", "--on", "0001-01-01"], "out of range"),
]


@pytest.mark.parametrize(("args", "needle"), REFUSED_DATES, ids=lambda a: str(a)[:40])
def test_dates_out_of_range_or_contradictory(cli, args: list[str], needle: str) -> None:
    before = state(cli)
    assert needle in one_line_error(cli(*args), code=2)
    assert_unchanged(cli, before)


def test_a_date_before_the_declaration_needs_saying_so(cli) -> None:
    before = state(cli)
    line = one_line_error(cli("progress", "CYB-01", "-s", "in_progress", "--on", "2025-03-01"), 2)
    assert "before the declaration japan-uk-2026 (2026-01-31)" in line
    assert "--before-declaration" in line
    assert_unchanged(cli, before)
    cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2025-03-01",
           "--before-declaration")  # fmt: skip
    event = json.loads(cli.ok("show", "CYB-01", "-f", "json"))["events"][0]
    assert event["on"] == "2025-03-01"
    # Correcting it keeps its date without saying so again; moving it earlier still needs it.
    cli.ok("correct", str(event["id"]), "--reason", "the note was wrong", "-m", "fixed")
    assert cli.ok("verify").startswith("verify: OK")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["list", "--party", "Jpan"], "no party 'Jpan'; parties: Italy, Japan, UK"),
        (["list", "--owner", "NCSCX"], "no owner 'NCSCX'; owners: "),
        (["report", "--party", "Jpan"], "no party 'Jpan'"),
        (["list", "--pillar", "nonexistent"], "no pillar 'nonexistent'"),
    ],
)
def test_unknown_party_or_owner_lists_the_known_ones(cli, args: list[str], needle: str) -> None:
    assert needle in one_line_error(cli(*args))


def test_known_party_and_owner_in_any_case(cli) -> None:
    assert "IND-01" in cli.ok("list", "--party", "italy")
    assert "CYB-01" in cli.ok("list", "--owner", "ncsc")


REPEATED = [
    ["list", "--pillar", "cyber", "--pillar", "minerals"],
    ["list", "-p", "cyber", "--pillar", "minerals"],
    ["list", "--limit", "1", "--limit", "2"],
    ["report", "--format", "md", "-f", "json"],
    ["progress", "CYB-01", "-s", "in_progress", "-s", "achieved"],
    ["progress", "CYB-01", "-s", "in_progress", "--on", "2026-03-01", "--on", "2026-03-02"],
    ["log", "--since", "2026-01-01", "--since", "2026-02-01"],
]


@pytest.mark.parametrize("args", REPEATED, ids=lambda a: " ".join(a[:3]))
def test_a_single_valued_option_given_twice_is_a_usage_error(cli, args: list[str]) -> None:
    before = state(cli)
    assert "was given more than once" in one_line_error(cli(*args), code=2)
    assert_unchanged(cli, before)


def test_repeatable_options_still_repeat(cli) -> None:
    """Every value of a repeatable option counts, not only the last."""
    cli.ok("progress", "CYB-02", "-s", "stalled", "--on", "2026-03-01")
    cli.ok("progress", "CYB-01", "-s", "in_progress", "-e", "a", "-e", "b", "--on", "2026-03-02")
    listed = json.loads(cli.ok("list", "--all", "-s", "in_progress", "-s", "stalled", "-f", "json"))
    assert {(row["code"], row["status"]) for row in listed} == {
        ("CYB-01", "in_progress"),
        ("CYB-02", "stalled"),
    }
    event = json.loads(cli.ok("show", "CYB-01", "-f", "json"))["events"][-1]
    assert event["evidence"] == ["a", "b"]


# --- the database: revisions, URLs, folders, passwords ---------------------------------------


def _set_revision(url: str, revision: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()
    from tracker.db import dispose_engines

    dispose_engines()


@pytest.mark.parametrize(
    "args", [["db", "upgrade", "bogus"], ["db", "downgrade", "bogus"], ["db", "upgrade", "+9"]]
)
def test_unknown_target_revision_is_one_line(cli, args: list[str]) -> None:
    before = state(cli)
    assert "unknown revision" in one_line_error(cli(*args))
    assert_unchanged(cli, before)


def test_a_database_at_an_unknown_revision_is_one_line(cli) -> None:
    _set_revision(cli.url, "9999_from_the_future")
    for args in (["db", "upgrade"], ["db", "downgrade", "-1"], ["init"], ["list"]):
        line = one_line_error(cli(*args))
        assert "9999_from_the_future, unknown to this tracker" in line
    current = cli.ok("db", "current")
    assert "Unknown to this tracker" in current and "would apply" not in current
    history = cli.ok("db", "history")
    assert "[applied]" not in history
    _set_revision(cli.url, HEAD_REVISION)
    assert cli.ok("verify").startswith("verify: OK")


def test_downgrade_minus_one_is_a_revision_not_an_option(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    from tracker.db import ensure_sqlite_file

    ensure_sqlite_file(url)
    assert runner.invoke(app, ["--db", url, "db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["--db", url, "db", "downgrade", "-1"])
    assert result.exit_code == 0, result.output
    assert f"{REVISIONS[-1]} -> {REVISIONS[-2]}" in result.stdout


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://u:pw@h/d", "unsupported database 'mysql' in mysql://u:***@h/d"),
        ("oracle://u@h/d", "unsupported database 'oracle'"),
        ("postgresql+psycopg://u:pw@h:notaport/d", "cannot parse the database URL"),
        ("://x", "cannot parse the database URL"),
    ],
)
def test_unsupported_or_unparsable_url_is_one_line(url: str, needle: str) -> None:
    for args in (["list"], ["init"], ["db", "current"]):
        line = one_line_error(CliRunner().invoke(app, ["--db", url, *args]), code=2)
        assert needle in line
        assert "pw@" not in line


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://ana:s3cret@127.0.0.1:1/tracker",
        "postgresql+psycopg://ana@127.0.0.1:1/tracker?password=s3cret",
        "postgresql+psycopg://ana@127.0.0.1:1/tracker?sslmode=disable&password=s3cret",
    ],
)
def test_passwords_are_masked_everywhere_in_a_url(url: str) -> None:
    line = one_line_error(CliRunner().invoke(app, ["--db", url, "list"]))
    assert "s3cret" not in line
    assert "***" in line


def test_mask_url_covers_user_and_query() -> None:
    from tracker.config import mask_url

    assert (
        mask_url("postgresql://a:b@h/d?password=c&x=1") == "postgresql://a:***@h/d?password=***&x=1"
    )
    assert mask_url("postgresql://a@h/d?PASSWORD=c") == "postgresql://a@h/d?PASSWORD=***"
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_init_where_no_folder_can_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = one_line_error(CliRunner().invoke(app, ["--db", str(blocker / "sub" / "t.db"), "init"]))
    assert "cannot create the database at" in line
    assert blocker.read_text() == "not a folder"


def test_non_utf8_database_variable_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"/tmp/{BAD}.db")
    assert "TRACKER_DATABASE_URL" in one_line_error(CliRunner().invoke(app, ["list"]), code=2)
