"""Adversarial: files handed to tracker. A fixture reads only a bounded regular file inside its
own folder and its YAML cannot explode or hide a key; an import takes only what verifies and
what the CLI itself would have written, in linear time. Each on both engines, and each leaves
the database as it was (or, for an import into a new SQLite file, no file at all)."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from hostile_helpers import assert_unchanged, one_line_error, state

from tracker.paths import bundled_fixture

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- fixtures --------------------------------------------------------------------------------


def _fixture_copy(folder: Path, source_file: str | None = None) -> Path:
    """The bundled fixture and its text copied into `folder`, optionally naming another
    source_file."""
    folder.mkdir(parents=True, exist_ok=True)
    original = bundled_fixture()
    text = original.read_text(encoding="utf-8")
    name = re.search(r"^\s*source_file:\s*(\S+)", text, re.MULTILINE)
    assert name is not None
    shutil.copy(original.parent / name.group(1), folder / name.group(1))
    if source_file is not None:
        text = text.replace(name.group(0), name.group(0).replace(name.group(1), source_file), 1)
    path = folder / "fixture.yaml"
    path.write_text(text, encoding="utf-8")
    return path


OUTSIDE = ["/etc/passwd", "../../../../etc/passwd", "../outside.txt", "/dev/zero"]


@pytest.mark.parametrize("source", OUTSIDE)
def test_source_file_must_stay_in_the_fixture_folder(cli, tmp_path: Path, source: str) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    fixture = _fixture_copy(tmp_path / "fx", source)
    before = state(cli)
    line = one_line_error(cli("load", str(fixture)))
    assert "must be a file inside the fixture's folder" in line
    assert "secret" not in line and "root:" not in line
    assert_unchanged(cli, before)


def test_refusal_is_no_oracle_on_outside_files(cli, tmp_path: Path) -> None:
    """An outside file that exists and one that does not get the same answer."""
    fx = tmp_path / "fx"
    (tmp_path / "exists.txt").write_text("x")
    lines = []
    for name in ("../exists.txt", "../missing.txt"):
        fixture = _fixture_copy(fx, name)
        lines.append(one_line_error(cli("load", str(fixture))).replace(name, "NAME"))
    assert lines[0] == lines[1]


def test_a_symbolic_link_out_of_the_folder_is_refused(cli, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret")
    fx = tmp_path / "fx"
    fixture = _fixture_copy(fx, "link.txt")
    (fx / "link.txt").symlink_to(tmp_path / "outside.txt")
    assert "inside the fixture's folder" in one_line_error(cli("load", str(fixture)))


def test_a_symbolic_link_inside_the_folder_is_followed(cli, tmp_path: Path) -> None:
    fx = tmp_path / "fx"
    fixture = _fixture_copy(fx)
    text_name = re.search(r"source_file:\s*(\S+)", fixture.read_text()).group(1)  # type: ignore[union-attr]
    (fx / "alias.txt").symlink_to(fx / text_name)
    fixture.write_text(fixture.read_text().replace(text_name, "alias.txt", 1))
    cli.ok("load", str(fixture))


@pytest.mark.parametrize("kind", ["fifo", "directory", "zero-device", "too-large"])
def test_source_file_must_be_a_bounded_regular_file(cli, tmp_path: Path, kind: str) -> None:
    fx = tmp_path / "fx"
    fixture = _fixture_copy(fx, "source.txt")
    target = fx / "source.txt"
    if kind == "fifo":
        os.mkfifo(target)  # would hang a reader forever
    elif kind == "directory":
        target.mkdir()
    elif kind == "zero-device":
        if not IS_ROOT:
            pytest.skip("making a device node needs root")
        os.mknod(target, 0o444 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's device, here
    else:
        from tracker.fixture_input import MAX_SOURCE_BYTES

        target.write_bytes(b"a" * (MAX_SOURCE_BYTES + 1))
    before = state(cli)
    line = one_line_error(cli("load", str(fixture)))
    assert "not a regular file" in line or "larger than" in line
    assert_unchanged(cli, before)


def test_the_fixture_itself_must_be_a_regular_file(cli, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fixture.yaml")
    assert "not a regular file" in one_line_error(cli("load", str(tmp_path / "fixture.yaml")))


def test_duplicate_keys_name_the_line(cli, tmp_path: Path) -> None:
    fixture = _fixture_copy(tmp_path / "fx")
    lines = fixture.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if re.match(r"^\s+slug:", line))
    indent = re.match(r"^\s+", lines[at]).group(0)  # type: ignore[union-attr]
    lines.insert(at + 1, f"{indent}slug: another-slug")
    fixture.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = state(cli)
    line = one_line_error(cli("load", str(fixture)))
    assert f"(line {at + 2}, column {len(indent) + 1}): duplicate key 'slug'" in line
    assert_unchanged(cli, before)


def test_an_alias_bomb_is_refused_quickly(cli, tmp_path: Path) -> None:
    """Nine aliases of nine aliases, twelve levels deep (282 billion values), with a backslash
    (which once sent the whole expansion through the NUL check)."""
    lines = ['a: &a ["\\\\x", "b"]']
    for level in range(12):
        name, prev = f"l{level}", "a" if level == 0 else f"l{level - 1}"
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    before = state(cli)
    assert "expands to more than" in one_line_error(cli("load", str(bomb)))
    assert_unchanged(cli, before)


def test_modest_aliases_still_load(tmp_path: Path) -> None:
    from tracker.fixture_input import load_yaml

    assert load_yaml("a: &x [1, 2]\nb: *x\nc: {<<: {k: 1}, k: 2}\n") == {
        "a": [1, 2],
        "b": [1, 2],
        "c": {"k": 2},
    }


# --- import ----------------------------------------------------------------------------------


@pytest.fixture
def exported(cli_sqlite, tmp_path: Path) -> dict[str, Any]:
    """An export with history: events with evidence, a party's event and a correction."""
    cli = cli_sqlite
    cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-03-01", "-m", "met",
           "-e", "https://a.example/x", "--evidence-date", "2026-03-01")  # fmt: skip
    cli.ok("progress", "MIN-01", "-s", "in_progress", "--party", "UK")
    cli.ok("correct", "1", "--status", "stalled", "--reason", "misread")
    data: dict[str, Any] = json.loads(cli.ok("export"))
    return data


def _cell(data: dict[str, Any], table: str, row: int, column: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    columns = changed["tables"][table]["columns"]
    changed["tables"][table]["rows"][row][columns.index(column)] = value
    return changed


def _without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    node = changed
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return changed


def _target(empty_url: str, tmp_path: Path) -> tuple[str, Path | None]:
    if empty_url.startswith("sqlite"):
        path = tmp_path / "imported" / "new.db"
        return f"sqlite:///{path}", path
    return empty_url, None


def _assert_nothing_imported(url: str, path: Path | None) -> None:
    from sqlalchemy import create_engine, inspect, text

    from tracker.db import dispose_engines

    dispose_engines()
    if path is not None:
        assert not path.exists()
        assert not list(path.parent.glob(f".{path.name}*"))
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for name in inspect(conn).get_table_names():
                assert not conn.scalar(text(f"SELECT count(*) FROM {name}")), name
    finally:
        engine.dispose()


TAMPERED = {
    "edited note (hash mismatch)": (
        lambda d: _cell(d, "status_events", 0, "note", "edited"),
        "does not verify: CYB-01: event #1 (seq 1) does not match its hash",
    ),
    "no heads_digest": (lambda d: _without(d, "heads_digest"), "no heads_digest"),
    "wrong heads_digest": (
        lambda d: {**d, "heads_digest": "0" * 64},
        "heads digest",
    ),
    "no status_events": (
        lambda d: _without(d, "tables", "status_events"),
        "no table status_events",
    ),
    "no evidence": (lambda d: _without(d, "tables", "evidence"), "no table evidence"),
    "no declarations": (lambda d: _without(d, "tables", "declarations"), "no table declarations"),
    "events of a missing commitment": (
        lambda d: _cell(d, "status_events", 0, "commitment_id", 99999),
        "status_events",
    ),
    "NUL in an actor": (
        lambda d: _cell(d, "status_events", 0, "actor", "a\x00b"),
        "actor contains a NUL character",
    ),
    "over-long title": (
        lambda d: _cell(d, "commitments", 0, "title", "T" * 201),
        "title is longer than 200 characters",
    ),
    "over-long note": (
        lambda d: _cell(d, "status_events", 0, "note", "n" * 100_001),
        "note is longer than 100000 characters",
    ),
    "parties not a list": (
        lambda d: _cell(d, "commitments", 0, "parties", "Japan"),
        "parties is not a list of names",
    ),
    "parties of numbers": (
        lambda d: _cell(d, "commitments", 0, "parties", [1, 2]),
        "parties is not a list of names",
    ),
    "a code with escapes": (
        lambda d: _cell(d, "commitments", 0, "code", "\x1b[2J"),
        "is not a code of the form ABC-01",
    ),
    "a status out of the vocabulary": (
        lambda d: _cell(d, "commitments", 0, "status", "done"),
        "commitments",
    ),
    "an id that is text": (
        lambda d: _cell(d, "pillars", 0, "id", "1"),
        "id is not an integer",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_import_refuses_what_it_cannot_vouch_for(
    exported: dict[str, Any], empty_url: str, tmp_path: Path, case: str
) -> None:
    from support import Cli

    change, needle = TAMPERED[case]
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(change(exported), ensure_ascii=False), encoding="utf-8")
    url, file = _target(empty_url, tmp_path)
    line = one_line_error(Cli(url)("import", str(path)))
    assert needle in line, line
    _assert_nothing_imported(url, file)


def test_allow_unverified_imports_and_flags(
    exported: dict[str, Any], empty_url: str, tmp_path: Path
) -> None:
    from support import Cli

    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(_cell(exported, "status_events", 0, "note", "edited")))
    url, _ = _target(empty_url, tmp_path)
    result = Cli(url)("import", "--allow-unverified", str(path))
    assert result.exit_code == 0, result.output
    assert "imported UNVERIFIED" in result.stderr
    after = Cli(url)("verify")
    assert after.exit_code == 1
    assert "does not match its hash" in after.stderr


def test_an_untampered_export_imports_and_verifies(
    exported: dict[str, Any], empty_url: str, tmp_path: Path
) -> None:
    from support import Cli

    path = tmp_path / "good.json"
    path.write_text(json.dumps(exported, ensure_ascii=False, indent=1))
    url, file = _target(empty_url, tmp_path)
    Cli(url).ok("import", str(path))
    if file is not None:
        # Built under a temporary name, moved into place, nothing else left beside it.
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert [p.name for p in file.parent.iterdir()] == [file.name]
    assert Cli(url).ok("verify").startswith("verify: OK")


def _header(data: dict[str, Any]) -> str:
    return json.dumps({k: data[k] for k in ("format", "schema", "revision", "heads_digest")})[:-1]


@pytest.mark.parametrize("shape", ["nested", "long string", "long escaped string"])
def test_import_reads_hostile_shapes_in_linear_time(
    exported: dict[str, Any], empty_url: str, tmp_path: Path, shape: str
) -> None:
    """200 KB of `[` (once 24 GB and an OOM kill) and a 128 MB string (once 232 s) are refused
    by the pre-scan, before a parser builds anything. (No timed assertion: a regression shows
    as a test that takes minutes or is killed for memory.)"""
    from support import Cli

    path = tmp_path / "hostile.json"
    with path.open("w", encoding="utf-8") as out:
        out.write(_header(exported) + ', "tables": {"declarations": {"columns": [], "rows": [')
        if shape == "nested":
            out.write("[" * 200_000)
            needle = "nested deeper than"
        else:
            unit = "x" if shape == "long string" else '\\"'
            out.write('["')
            for _ in range(128 // len(unit)):
                out.write(unit * 2**20)
            out.write('"]]}}}')
            needle = "a string longer than"
    url, file = _target(empty_url, tmp_path)
    assert needle in one_line_error(Cli(url)("import", str(path)))
    _assert_nothing_imported(url, file)


def test_shape_scan_handles_escapes_across_chunks(tmp_path: Path) -> None:
    """Backslashes and quotes that straddle the scanner's chunk boundary are read right: a legal
    file passes whatever the chunk size."""
    from tracker import jsonfile

    text = json.dumps({"a": ["\\" * 7 + '"' + "x" * 50, [[{"b": '\\"'}]]]})
    path = tmp_path / "t.json"
    path.write_text(text)
    original = jsonfile.SCAN_CHUNK
    try:
        for size in range(1, 12):
            jsonfile.SCAN_CHUNK = size
            jsonfile.check_shape(path)
    finally:
        jsonfile.SCAN_CHUNK = original


def test_import_of_a_fifo_or_device_is_refused(empty_url: str, tmp_path: Path) -> None:
    from support import Cli

    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    url, file = _target(empty_url, tmp_path)
    assert "not a regular file" in one_line_error(Cli(url)("import", str(fifo)))
    _assert_nothing_imported(url, file)
