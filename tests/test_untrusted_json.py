"""Adversarial: JSON files handed to `verify --against` and `import`. One reader
(tracker.jsonfile, tracker.export_file) holds both to the same depth, size and type limits:
a value of the wrong type or shape is refused in one line naming its JSON path, never a
traceback, never read as if the file had no items; and the same hostile export gets the same
words from both commands."""

from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_helpers import one_line_error
from support import BUNDLED, Cli, copy_database, record

from tracker.paths import bundled_fixture

Change = Callable[[dict[str, Any]], object]

# The bundled items' codes in the fixture's order (a report lists them in that order).
BUNDLED_CODES = [
    item["code"]
    for pillar in yaml.safe_load(bundled_fixture().read_text(encoding="utf-8"))["pillars"]
    for item in pillar["commitments"]
]


@pytest.fixture(scope="module")
def saved(initialised_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A database with a little history, its JSON report and its export (parsed), shared by
    the module: every test here is refused before the database is opened, or only reads it."""
    folder = tmp_path_factory.mktemp("saved")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_DATA_HOME", str(folder / "data"))
        env.delenv("TRACKER_DATABASE_URL", raising=False)
        cli = Cli(copy_database(initialised_sqlite, folder / "tracker.db"))
        record(cli, [["CYB-01", "-s", "in_progress", "-m", "met", "-e", "https://a.example/x"],
                     ["MIN-01", "-s", "in_progress", "--party", "UK"]])  # fmt: skip
        report = json.loads(cli.ok("report", "--format", "json"))
        export = json.loads(cli.ok("export"))
    return {"url": cli.url, "report": report, "export": export}


def _write(folder: Path, data: Any, name: str = "anchor.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _changed(data: dict[str, Any], change: Change) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    change(copied)
    return copied


def _against(saved: dict[str, Any], path: Path) -> str:
    return one_line_error(Cli(saved["url"])("verify", "--against", str(path)))


def _set(section: str, index: int, key: str, value: Any) -> Change:
    return lambda d: d[section][index].__setitem__(key, value)


def _drop(section: str, index: int, key: str) -> Change:
    return lambda d: d[section][index].pop(key)


def _top(key: str, value: Any) -> Change:
    return lambda d: d.__setitem__(key, value)


def _item(d: dict[str, Any]) -> dict[str, Any]:
    return d["commitments"][3]  # type: ignore[no-any-return]


# Each change to a saved report, and the words after `error: FILE: `.
REPORT: dict[str, tuple[Change, str]] = {
    # The anchored fields of an item: wrong types, missing, out of form.
    "code a number": (_set("commitments", 3, "code", 5), "commitments[3].code is not text"),
    "code a list": (_set("commitments", 3, "code", ["CYB-01"]), "commitments[3].code is not text"),
    "code null": (_set("commitments", 3, "code", None), "commitments[3].code is missing"),
    "code missing": (_drop("commitments", 3, "code"), "commitments[3].code is missing"),
    "code not a code": (
        _set("commitments", 3, "code", "\x1b[2J"),
        "commitments[3].code is not a code of the form ABC-01",
    ),
    "chain_length text": (
        _set("commitments", 3, "chain_length", "abc"),
        "commitments[3].chain_length is not an integer",
    ),
    "chain_length a fraction": (
        _set("commitments", 3, "chain_length", 1.5),
        "commitments[3].chain_length is not an integer",
    ),
    "chain_length a boolean": (
        _set("commitments", 3, "chain_length", True),
        "commitments[3].chain_length is not an integer",
    ),
    "chain_length negative": (
        _set("commitments", 3, "chain_length", -1),
        "commitments[3].chain_length is less than 0",
    ),
    "chain_length missing": (
        _drop("commitments", 3, "chain_length"),
        "commitments[3].chain_length is missing",
    ),
    "chain_head a number": (
        _set("commitments", 3, "chain_head", 7),
        "commitments[3].chain_head is not text",
    ),
    "chain_head not a hash": (
        _set("commitments", 3, "chain_head", "abc"),
        "commitments[3].chain_head is not a hash (64 hex digits)",
    ),
    "chain_head missing": (
        _drop("commitments", 3, "chain_head"),
        "commitments[3].chain_head is missing",
    ),
    "content_hash an object": (
        _set("commitments", 3, "content_hash", {"a": 1}),
        "commitments[3].content_hash is not text",
    ),
    "content_hash upper case": (
        _set("commitments", 3, "content_hash", "A" * 64),
        "commitments[3].content_hash is not a hash (64 hex digits)",
    ),
    "content_hash missing": (
        _drop("commitments", 3, "content_hash"),
        "commitments[3].content_hash is missing",
    ),
    # The fields that name what changed: typed too, when given.
    "parties not names": (
        _set("commitments", 3, "parties", [1]),
        "commitments[3].parties is not a list of names",
    ),
    "target not a date": (
        _set("commitments", 3, "target", "soon"),
        "commitments[3].target is not a date",
    ),
    # A declaration's anchored fields.
    "slug a number": (_set("declarations", 0, "slug", 1), "declarations[0].slug is not text"),
    "slug missing": (_drop("declarations", 0, "slug"), "declarations[0].slug is missing"),
    "slug not a slug": (
        _set("declarations", 0, "slug", "Japan UK"),
        "declarations[0].slug is not a slug of lower-case words and hyphens",
    ),
    "declaration hash a list": (
        _set("declarations", 0, "content_hash", []),
        "declarations[0].content_hash is not text",
    ),
    "declaration hash missing": (
        _drop("declarations", 0, "content_hash"),
        "declarations[0].content_hash is missing",
    ),
    # Lists that are not lists, elements that are not objects.
    "commitments a number": (_top("commitments", 5), "commitments is not a list"),
    "commitments text": (_top("commitments", "CYB-01"), "commitments is not a list"),
    "commitments an object": (_top("commitments", {}), "commitments is not a list"),
    # ijson reads `commitments.item` as a member "item" of an object too.
    "commitments an object with an item": (
        lambda d: d.__setitem__("commitments", {"item": _item(d)}),
        "commitments is not a list",
    ),
    "commitments null": (_top("commitments", None), "commitments is missing"),
    "commitments missing": (lambda d: d.pop("commitments"), "commitments is missing"),
    "declarations a number": (_top("declarations", 5), "declarations is not a list"),
    "declarations missing": (lambda d: d.pop("declarations"), "declarations is missing"),
    "a declaration a number": (_top("declarations", [1]), "declarations[0] is not an object"),
    "an item a list": (
        lambda d: d["commitments"].__setitem__(3, []),
        "commitments[3] is not an object",
    ),
    "an item text": (
        lambda d: d["commitments"].__setitem__(3, "CYB-01"),
        "commitments[3] is not an object",
    ),
    "an item twice": (
        lambda d: d["commitments"].append(_item(d)),
        f"commitments[{BUNDLED}].code {BUNDLED_CODES[3]} is given twice",
    ),
    "filters a list": (_top("filters", ["cyber"]), "filters is not an object"),
}


@pytest.mark.parametrize("case", list(REPORT))
def test_a_report_of_the_wrong_shape_is_one_line(
    saved: dict[str, Any], tmp_path: Path, case: str
) -> None:
    change, words = REPORT[case]
    path = _write(tmp_path, _changed(saved["report"], change))
    assert _against(saved, path) == f"error: {path}: {words}"


def test_the_item_named_is_the_one_wrong(saved: dict[str, Any], tmp_path: Path) -> None:
    """The index is the item's place in the list, counted from 0."""
    path = _write(tmp_path, _changed(saved["report"], _set("commitments", 7, "chain_length", "")))
    assert _against(saved, path).endswith("commitments[7].chain_length is not an integer")


def test_a_key_given_twice_is_refused(saved: dict[str, Any], tmp_path: Path) -> None:
    """JSON readers disagree on which of two equal keys wins: neither is taken."""
    text = json.dumps(saved["report"])
    path = tmp_path / "twice.json"
    path.write_text(text[:-1] + ', "commitments": []}', encoding="utf-8")
    assert _against(saved, path) == f"error: {path}: commitments is given twice"


def test_a_report_from_before_anchors_keeps_its_message(
    saved: dict[str, Any], tmp_path: Path
) -> None:
    """Reports made before anchors were saved carry neither field on any item, nor a hash on
    their declarations: they are refused as such, not as malformed."""

    def old(d: dict[str, Any]) -> None:
        for item in d["commitments"]:
            del item["chain_length"], item["content_hash"]
        for declaration in d["declarations"]:
            del declaration["content_hash"]

    path = _write(tmp_path, _changed(saved["report"], old))
    assert "carry no chain_length or content_hash (a report made before anchors" in (
        _against(saved, path)
    )


def test_a_sound_report_and_export_still_compare(saved: dict[str, Any], tmp_path: Path) -> None:
    for kind in ("report", "export"):
        path = _write(tmp_path, saved[kind], f"{kind}.json")
        out = Cli(saved["url"]).ok("verify", "--against", str(path))
        assert f"unchanged since {path}" in out


# --- an export: the same words from verify --against and import ---------------------------------
# verify --against reads the tables it compares (declarations, pillars, commitments; the events
# only to trace a rewritten chain), each with import's own reader.


def _cell(table: str, row: int, column: str, value: Any) -> Change:
    def change(d: dict[str, Any]) -> None:
        columns = d["tables"][table]["columns"]
        d["tables"][table]["rows"][row][columns.index(column)] = value

    return change


def _table(table: str, key: str, value: Any) -> Change:
    return lambda d: d["tables"][table].__setitem__(key, value)


EXPORT: dict[str, tuple[Change, str]] = {
    "tables a list": (_top("tables", []), "tables is not an object"),
    "tables missing": (lambda d: d.pop("tables"), "tables is missing"),
    "a table a list": (
        lambda d: d["tables"].__setitem__("commitments", []),
        "tables.commitments is not an object",
    ),
    "columns text": (
        _table("commitments", "columns", "code"),
        "tables.commitments.columns is not a list",
    ),
    "rows a number": (_table("pillars", "rows", 5), "tables.pillars.rows is not a list"),
    "rows an object with an item": (
        lambda d: d["tables"]["pillars"].__setitem__(
            "rows", {"item": d["tables"]["pillars"]["rows"][0]}
        ),
        "tables.pillars.rows is not a list",
    ),
    "rows missing": (
        lambda d: d["tables"]["pillars"].pop("rows"),
        "tables.pillars.rows is missing",
    ),
    "a row an object": (
        lambda d: d["tables"]["pillars"]["rows"].__setitem__(1, {"id": 2}),
        "tables.pillars.rows[1] is not a row of 6 values: {'id': 2}",
    ),
    "chain_length text": (
        _cell("commitments", 3, "chain_length", "abc"),
        "table commitments, row id 4: chain_length is not an integer",
    ),
    "code a list": (
        _cell("commitments", 3, "code", ["CYB-01"]),
        "table commitments, row id 4: code is not text",
    ),
    "chain_head null": (
        _cell("commitments", 3, "chain_head", None),
        "table commitments, row id 4: chain_head is missing",
    ),
    "owners with a blank name": (
        _cell("commitments", 3, "owners", ["MOD", " "]),
        "table commitments, row id 4: owners[1] is blank",
    ),
    "guidelines short of a score": (
        _cell("commitments", 3, "guidelines", {"-1": "a", "0": "b"}),
        "table commitments, row id 4: guidelines lacks +1",
    ),
    "inferred an unknown field": (
        _cell("commitments", 3, "inferred", {"quote": "x"}),
        "table commitments, row id 4: inferred.quote is not one of owners, target, parties",
    ),
    "a declaration's slug a number": (
        _cell("declarations", 0, "slug", 1),
        "table declarations, row id 1: slug is not text",
    ),
}


@pytest.mark.parametrize("case", list(EXPORT))
def test_import_and_verify_refuse_a_hostile_export_alike(
    saved: dict[str, Any], tmp_path: Path, case: str
) -> None:
    change, words = EXPORT[case]
    path = _write(tmp_path, _changed(saved["export"], change), "export.json")
    target = tmp_path / "imported.db"
    imported = one_line_error(Cli(f"sqlite:///{target}")("import", str(path)))
    assert imported == f"error: {path}: {words}"
    assert _against(saved, path) == imported
    assert not target.exists()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            _cell("text_revisions", 0, "items", {"cyb-01": "0" * 64}),
            "items has a key that is not a code of the form ABC-01",
        ),
        (
            _cell("text_revisions", 0, "changes", {"CYB-01": "title"}),
            'changes["CYB-01"] is not a list',
        ),
        (_cell("text_revisions", 0, "declaration_hash", "x"), "declaration_hash is not a hash"),
    ],
    ids=["item code", "changes", "declaration hash"],
)
def test_import_holds_text_revisions_to_the_table(
    saved: dict[str, Any], tmp_path: Path, change: Change, words: str
) -> None:
    """Tables verify --against does not compare are read by import alone, to the same table."""
    path = _write(tmp_path, _changed(saved["export"], change), "export.json")
    target = tmp_path / "imported.db"
    line = one_line_error(Cli(f"sqlite:///{target}")("import", str(path)))
    assert line.startswith(f"error: {path}: table text_revisions, row id 1: {words}"), line
    assert not target.exists()


# --- depth and size: the scan import runs, before any parser ----------------------------------


def _hostile(folder: Path, shape: str) -> Path:
    """A report whose commitments nest 200,000 lists deep, or hold a title longer than any text
    the tracker stores (which a parser would rescan on every read)."""
    from tracker.jsonfile import MAX_RAW_STRING

    path = folder / f"{shape}.json"
    with path.open("w", encoding="utf-8") as out:
        out.write('{"schema": 1, "heads_digest": "' + "0" * 64 + '", "commitments": [')
        if shape == "nested":
            out.write("[" * 200_000)
        else:
            out.write('{"code": "CYB-01", "title": "')
            for _ in range(MAX_RAW_STRING // 2**20 + 1):
                out.write("x" * 2**20)
            out.write('"}]}')
    return path


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        ("nested", "not a tracker file (nested deeper than 8 levels)"),
        ("long string", "not a tracker file (a string longer than 25165824 bytes)"),
    ],
)
def test_verify_refuses_hostile_shapes_as_import_does(
    saved: dict[str, Any], tmp_path: Path, shape: str, words: str
) -> None:
    path = _hostile(tmp_path, shape)
    line = _against(saved, path)
    assert line == f"error: {path}: {words}"
    target = tmp_path / "imported.db"
    assert one_line_error(Cli(f"sqlite:///{target}")("import", str(path))) == line
    assert not target.exists()


@pytest.mark.parametrize("shape", ["nested", "long string"])
def test_hostile_shapes_are_refused_in_bounded_memory(tmp_path: Path, shape: str) -> None:
    """The scan reads a megabyte at a time and builds nothing: refusing a 25 MB string or
    200,000 levels takes a few megabytes, not the gigabytes a parser would."""
    from tracker import anchor
    from tracker.errors import TrackerError

    path = _hostile(tmp_path, shape)
    tracemalloc.start()
    try:
        with pytest.raises(TrackerError, match="not a tracker file"):
            anchor.read(str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, peak
