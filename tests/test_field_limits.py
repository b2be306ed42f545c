"""One table of field limits (tracker.limits) for every writer: `load` takes nothing that
`import` refuses, so whatever a database holds moves to another engine by export and import.

A fixture with every text field at exactly its limit loads, is recorded against at the
commands' limits, exports and imports on each engine byte for byte; one character more in any
field is refused by `load` (or the command) in one line naming the item and the field, with
nothing written."""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_helpers import assert_unchanged, one_line_error, state
from support import Cli

from tracker import limits
from tracker.limits import MAX_SOURCE_CHARS, MAX_TEXT, length

CODE = "A" * 27 + "-0001"  # 32 characters, the code's limit
PILLAR = "b" * 80
MILESTONE = "c" * 80
PARTIES = ["J" * 79 + "1", "U" * 79 + "2"]
OWNERS = ["O" * 80]
SOURCE = "source.txt"
QUOTE = "q" * MAX_TEXT


def _text(table: str, column: str, fill: str = "t") -> str:
    return fill * length(table, column)


def _origin(table: str) -> str:
    limit = limits.FIELDS[(table, "inferred")]
    assert isinstance(limit, limits.Mapping)
    return "i" * limit.value.length


def _guideline() -> str:
    limit = limits.FIELDS[("commitments", "guidelines")]
    assert isinstance(limit, limits.Mapping)
    return "g" * limit.value.length


def at_limits() -> dict[str, Any]:
    """A fixture whose every stored text is exactly as long as its column allows."""
    item = {
        "code": CODE,
        "title": _text("commitments", "title"),
        "description": _text("commitments", "description", "d"),
        "title_ja": _text("commitments", "title_ja", "日"),
        "description_ja": _text("commitments", "description_ja", "本"),
        "quote": QUOTE,
        "kind": "commitment",
        "parties": list(PARTIES),
        "owners": list(OWNERS),
        "target": MILESTONE,
        "basis": _text("commitments", "basis", "b"),
        "inferred": {f: _origin("commitments") for f in ("owners", "target", "parties")},
        "guidelines": {score: _guideline() for score in ("-1", "0", "+1")},
    }
    return {
        "schema": 1,
        "declaration": {
            "slug": _text("declarations", "slug", "a"),
            "title": _text("declarations", "title"),
            "title_ja": _text("declarations", "title_ja", "宣"),
            "date": dt.date(2026, 1, 31),
            "place": _text("declarations", "place", "p"),
            "parties": list(PARTIES),
            "source": _text("declarations", "source", "s"),
            "source_file": SOURCE,
            "inferred": {f: _origin("declarations") for f in ("date", "place", "parties")},
        },
        "milestones": {
            MILESTONE: {
                "title": _text("milestones", "title", "m"),
                "title_ja": _text("milestones", "title_ja", "会"),
                "date": dt.date(2026, 12, 31),
                "rule": _text("milestones", "rule", "r"),
            }
        },
        "pillars": [
            {
                "slug": PILLAR,
                "title": _text("pillars", "title"),
                "title_ja": _text("pillars", "title_ja", "柱"),
                "commitments": [item],
            }
        ],
    }


def source_text(size: int = MAX_SOURCE_CHARS) -> str:
    """A source text of `size` characters that quotes QUOTE."""
    start = "The parties will: "
    return start + QUOTE + "." * (size - len(start) - len(QUOTE))


def write(folder: Path, spec: dict[str, Any], text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fixture.yaml"
    # JSON is YAML, and written many times faster than PyYAML's emitter writes YAML.
    path.write_text(json.dumps(spec, ensure_ascii=False, default=str), encoding="utf-8")
    (folder / SOURCE).write_text(text if text is not None else source_text(2 * MAX_TEXT))
    return path


def _item(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["pillars"][0]["commitments"][0]  # type: ignore[no-any-return]


Edit = Callable[[dict[str, Any]], None]


def _longer(*path: str | int) -> Edit:
    """One character more at `path` (a key in the item when it starts there)."""

    def edit(spec: dict[str, Any]) -> None:
        node: Any = _item(spec) if path[0] in _item(spec) else spec
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] += node[path[-1]][-1]

    return edit


_ITEM = f"item {CODE}"
_MS = '["' + "c" * 37 + '..."]'
# One character more in each field the loader stores, the column it is stored in and the
# words `load` says, after `error: FILE: `.
TOO_LONG: dict[str, tuple[Edit, tuple[str, str], str]] = {
    "declaration slug": (
        _longer("declaration", "slug"),
        ("declarations", "slug"),
        "declaration.slug is longer than 80 characters",
    ),
    "declaration title": (
        _longer("declaration", "title"),
        ("declarations", "title"),
        "declaration.title is longer than 300 characters",
    ),
    "declaration title_ja": (
        _longer("declaration", "title_ja"),
        ("declarations", "title_ja"),
        "declaration.title_ja is longer than 300 characters",
    ),
    "declaration place": (
        _longer("declaration", "place"),
        ("declarations", "place"),
        "declaration.place is longer than 200 characters",
    ),
    "declaration party": (
        _longer("declaration", "parties", 1),
        ("declarations", "parties"),
        "declaration.parties[1] is longer than 80 characters",
    ),
    "declaration source": (
        _longer("declaration", "source"),
        ("declarations", "source"),
        "declaration.source is longer than 100000 characters",
    ),
    "declaration inferred": (
        _longer("declaration", "inferred", "place"),
        ("declarations", "inferred"),
        "declaration.inferred.place is longer than 500 characters",
    ),
    "declaration place_ja": (
        lambda s: s["declaration"].__setitem__("place_ja", "場" * 201),
        ("declarations", "place_ja"),
        "declaration.place_ja is longer than 200 characters",
    ),
    "declaration inferred_ja": (
        lambda s: s["declaration"]["inferred"].__setitem__(
            "place", {"origin": "reporting", "note": "n", "note_ja": "注" * 501}
        ),
        ("declarations", "inferred_ja"),
        "declaration.inferred.place.note_ja is longer than 500 characters",
    ),
    "milestone slug": (
        lambda s: s.__setitem__("milestones", {MILESTONE + "c": s["milestones"][MILESTONE]}),
        ("milestones", "slug"),
        f'milestones["{"c" * 37}..."] is longer than 80 characters',
    ),
    "milestone title": (
        _longer("milestones", MILESTONE, "title"),
        ("milestones", "title"),
        f"milestones{_MS}.title is longer than 200 characters",
    ),
    "milestone title_ja": (
        _longer("milestones", MILESTONE, "title_ja"),
        ("milestones", "title_ja"),
        f"milestones{_MS}.title_ja is longer than 200 characters",
    ),
    "milestone rule": (
        _longer("milestones", MILESTONE, "rule"),
        ("milestones", "rule"),
        f"milestones{_MS}.rule is longer than 500 characters",
    ),
    "pillar slug": (
        lambda s: s["pillars"][0].__setitem__("slug", PILLAR + "b"),
        ("pillars", "slug"),
        f"pillar {PILLAR}b: slug is longer than 80 characters",
    ),
    "pillar title": (
        lambda s: s["pillars"][0].__setitem__("title", s["pillars"][0]["title"] + "t"),
        ("pillars", "title"),
        f"pillar {PILLAR}: title is longer than 200 characters",
    ),
    "pillar title_ja": (
        lambda s: s["pillars"][0].__setitem__("title_ja", s["pillars"][0]["title_ja"] + "柱"),
        ("pillars", "title_ja"),
        f"pillar {PILLAR}: title_ja is longer than 200 characters",
    ),
    "code": (
        lambda s: _item(s).__setitem__("code", "A" + CODE),
        ("commitments", "code"),
        f"item A{CODE}: code is longer than 32 characters",
    ),
    "title": (
        _longer("title"),
        ("commitments", "title"),
        f"{_ITEM}: title is longer than 200 characters",
    ),
    "description": (
        _longer("description"),
        ("commitments", "description"),
        f"{_ITEM}: description is longer than 100000 characters",
    ),
    "title_ja": (
        _longer("title_ja"),
        ("commitments", "title_ja"),
        f"{_ITEM}: title_ja is longer than 200 characters",
    ),
    "description_ja": (
        _longer("description_ja"),
        ("commitments", "description_ja"),
        f"{_ITEM}: description_ja is longer than 4000 characters",
    ),
    "quote": (
        _longer("quote"),
        ("commitments", "quote"),
        f"{_ITEM}: quote is longer than 100000 characters",
    ),
    "party": (
        _longer("parties", 0),
        ("commitments", "parties"),
        f"{_ITEM}: parties[0] is longer than 80 characters",
    ),
    "owner": (
        _longer("owners", 0),
        ("commitments", "owners"),
        f"{_ITEM}: owners[0] is longer than 80 characters",
    ),
    "basis": (
        _longer("basis"),
        ("commitments", "basis"),
        f"{_ITEM}: basis is longer than 2000 characters",
    ),
    "inferred": (
        _longer("inferred", "owners"),
        ("commitments", "inferred"),
        f"{_ITEM}: inferred.owners is longer than 500 characters",
    ),
    "inferred_ja": (
        lambda s: _item(s)["inferred"].__setitem__(
            "owners", {"origin": "analyst", "note": "n", "note_ja": "注" * 501}
        ),
        ("commitments", "inferred_ja"),
        f"{_ITEM}: inferred.owners.note_ja is longer than 500 characters",
    ),
    "owner's Japanese name": (
        lambda s: s.__setitem__("owners_ja", dict.fromkeys(OWNERS, "省" * 81)),
        ("commitments", "owners_ja"),
        'owners_ja["' + "O" * 37 + '..."] is longer than 80 characters',  # a long key, cut
    ),
    "guidelines": (
        _longer("guidelines", "+1"),
        ("commitments", "guidelines"),
        f'{_ITEM}: guidelines["+1"] is longer than 2000 characters',
    ),
}
# Stored from other fields of the fixture, or by the tracker itself, or by a command.
NOT_FROM_FIXTURE_FIELDS = {
    # The kind of an inferred value's origin: one of three words the schema lists.
    ("declarations", "inferred_origins"),
    ("commitments", "inferred_origins"),
    ("declarations", "source_text"),  # the source file: see the test below
    ("commitments", "target_label"),  # the target milestone's title
    ("commitments", "target_label_ja"),  # and its translation
    ("commitments", "milestone"),  # and its slug
    ("commitments", "kind"),
    ("commitments", "status"),
    ("commitments", "chain_head"),
    ("commitments", "content_hash"),
    ("milestones", "kind"),
}


def test_every_field_the_loader_stores_is_covered() -> None:
    loaded = {key for key in limits.FIELDS if key[0] in ("declarations", "pillars", "commitments")}
    loaded |= {key for key in limits.FIELDS if key[0] == "milestones"}
    covered = {case[1] for case in TOO_LONG.values()}
    assert covered == loaded - NOT_FROM_FIXTURE_FIELDS


def test_every_stored_text_has_a_limit_within_its_column() -> None:
    """Every text or JSON column of every table has an entry, and a String(n) column's limit
    is at most n (PostgreSQL refuses longer; SQLite would take it, and export it)."""
    from sqlalchemy import JSON, String

    from tracker.models import Base

    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | JSON):
                continue
            limit = limits.FIELDS.get((table.name, column.name))
            assert limit is not None, f"{table.name}.{column.name} has no limit"
            if isinstance(column.type, String) and column.type.length is not None:
                assert isinstance(limit, limits.Text)
                assert limit.length <= column.type.length, (table.name, column.name)


def test_the_loader_and_the_table_name_the_same_keys() -> None:
    """The JSON columns' keys: what the loader's schema accepts is what import accepts."""
    from tracker.loading import CommitmentSpec, DeclarationSpec, GuidelinesSpec

    def keys(model: Any) -> set[str]:
        # dict[Literal[...], ...] inside Annotated[...]: the Literal's values.
        hint = typing.get_type_hints(model, include_extras=True)["inferred"]
        mapping = typing.get_args(hint)[0]
        return set(typing.get_args(typing.get_args(mapping)[0]))

    for model, table in ((CommitmentSpec, "commitments"), (DeclarationSpec, "declarations")):
        limit = limits.FIELDS[(table, "inferred")]
        assert isinstance(limit, limits.Mapping)
        assert keys(model) == set(limit.keys)
    guidelines = limits.FIELDS[("commitments", "guidelines")]
    assert isinstance(guidelines, limits.Mapping) and guidelines.every
    # The bands are stored under their keys; `joint` (which bands only a joint act can earn) is
    # read by the loader and not stored: the band's own words say so.
    fields = GuidelinesSpec.model_fields
    assert {f.alias for name, f in fields.items() if name != "joint"} == set(guidelines.keys)
    assert "joint" in fields and fields["joint"].alias is None


@pytest.mark.parametrize("case", list(TOO_LONG))
def test_one_character_more_is_refused_by_load(cli_sqlite: Cli, tmp_path: Path, case: str) -> None:
    edit, _, words = TOO_LONG[case]
    spec = at_limits()
    edit(spec)
    path = write(tmp_path / "fx", spec)
    assert one_line_error(cli_sqlite("load", str(path))) == f"error: {path}: {words}"


def test_a_refused_description_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    """The case of the issue (a 216,000-character description that import then refused), on
    each engine: refused before anything is written."""
    spec = at_limits()
    _item(spec)["description"] = "d" * 216_000
    path = write(tmp_path / "fx", spec)
    before = state(cli)
    line = one_line_error(cli("load", str(path)))
    assert line == f"error: {path}: item {CODE}: description is longer than 100000 characters"
    assert_unchanged(cli, before)


def test_a_source_text_one_character_too_long_is_refused(cli_sqlite: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "fx", at_limits(), source_text(MAX_SOURCE_CHARS + 1))
    line = one_line_error(cli_sqlite("load", str(path)))
    assert line == (
        f"error: {path}: field 'declaration.source_file': cannot read 'source.txt': larger "
        f"than {MAX_SOURCE_CHARS} bytes"
    )


# --- at the limits: load, record, export, import ------------------------------------------------

NOTE = "n" * length("status_events", "note")
ACTOR = "a" * length("status_events", "actor")
REFERENCE = "e" * length("evidence", "reference")
EVIDENCE_TITLE = "h" * length("evidence", "title")


def _record_at_limits(cli: Cli) -> None:
    """An event and an announcement with every text the commands take at its limit."""
    evidence = ["-e", REFERENCE, "--evidence-title", EVIDENCE_TITLE]
    cli.ok("progress", CODE, "-s", "achieved", "-m", NOTE, "--by", ACTOR, *evidence)
    cli.ok("progress", CODE, "-s", "in_progress", "--party", PARTIES[0], "-m", NOTE,
           "--by", ACTOR, "--reason", NOTE, *evidence)  # fmt: skip
    cli.ok("milestone", "set", MILESTONE, "2026-12-15", "-m", NOTE, "--by", ACTOR, *evidence)


def test_what_load_takes_exports_and_imports_on_each_engine(
    cli_empty: Cli, empty_url: str, tmp_path: Path
) -> None:
    """Loaded into SQLite at every limit, recorded against at the commands' limits, exported,
    and imported into a new database of each engine: the same export comes back."""
    path = write(tmp_path / "fx", at_limits(), source_text())
    source = Cli(f"sqlite:///{tmp_path / 'source.db'}")
    source.ok("init", "--fixture", str(path))
    _record_at_limits(source)
    export = tmp_path / "export.json"
    source.ok("export", "-o", str(export))
    cli_empty.ok("import", str(export))
    assert cli_empty.ok("export") == export.read_text(encoding="utf-8")
    assert cli_empty.ok("verify").startswith("verify: OK, 1 commitment, 2 events")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["progress", "CYB-01", "-s", "in_progress", "-m", NOTE + "n"], "--note"),
        (["progress", "CYB-01", "-s", "stalled", "--reason", NOTE + "n"], "--reason"),
        (["progress", "CYB-01", "-s", "in_progress", "--by", ACTOR + "a"], "--by"),
        (["progress", "CYB-01", "-s", "in_progress", "-e", REFERENCE + "e"], "--evidence"),
        (
            ["progress", "CYB-01", "-s", "in_progress", "-e", "x", "--evidence-title", NOTE + "n"],
            "--evidence-title",
        ),
        (["milestone", "set", "ministers-2026", "2026-12-15", "-m", NOTE + "n"], "--note"),
        (["milestone", "set", "ministers-2026", "2026-12-15", "--by", ACTOR + "a"], "--by"),
    ],
    ids=["note", "reason", "actor", "evidence", "evidence title", "announcement", "announcer"],
)
def test_one_character_more_is_refused_by_the_commands(
    cli: Cli, args: list[str], words: str
) -> None:
    """The commands hold what they store to the same table; an actor's limit is its column's
    (200: PostgreSQL refused a longer one with a database error, SQLite stored it and import
    refused the export)."""
    before = state(cli)
    limit = 200 if words == "--by" else MAX_TEXT
    assert one_line_error(cli(*args)).endswith(f"{words} is longer than {limit} characters")
    assert_unchanged(cli, before)
