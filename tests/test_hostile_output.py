"""Adversarial: what the tool writes. `--output` never replaces what is not a regular file nor
the database in use, keeps modes; user text cannot command a terminal, forge a line, run in a
spreadsheet or break a JSON line; a confirmation that cannot be printed does not fail a
recorded event. Each case on both engines where a database is involved.

Device nodes are made by the tests themselves in their temporary folder (root only: the tests
skip, saying so, otherwise); nothing here touches the system's /dev.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest
from hostile_helpers import (
    HOSTILE_NOTE,
    ROOT,
    UNSAFE,
    assert_unchanged,
    one_line_error,
    state,
    tracker_command,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")


def _char_device(path: Path, major: int, minor: int) -> Path:
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    return path


# --- --output: only over a regular file -----------------------------------------------------


@needs_root
@pytest.mark.parametrize("command", [["report"], ["report", "-f", "json"], ["export"]])
def test_output_refuses_a_device_node(cli, tmp_path: Path, command: list[str]) -> None:
    node = _char_device(tmp_path / "null", 1, 3)  # the same device as /dev/null, made here
    before = state(cli)
    line = one_line_error(cli(*command, "-o", str(node)))
    assert "character device" in line
    link = tmp_path / "innocent.md"
    link.symlink_to(node)  # a link is followed to what it names: still the device
    assert "character device" in one_line_error(cli(*command, "-o", str(link)))
    assert stat.S_ISCHR(node.lstat().st_mode)
    assert link.is_symlink()
    assert_unchanged(cli, before)


@pytest.mark.parametrize("kind", ["fifo", "socket", "directory"])
def test_output_refuses_what_is_not_a_regular_file(cli, tmp_path: Path, kind: str) -> None:
    target = tmp_path / kind
    held = None
    if kind == "fifo":
        os.mkfifo(target)
        test = stat.S_ISFIFO
    elif kind == "socket":
        held = socket.socket(socket.AF_UNIX)
        held.bind(str(target))
        test = stat.S_ISSOCK
    else:
        target.mkdir()
        test = stat.S_ISDIR
    try:
        for command in (["report"], ["export"]):
            line = one_line_error(cli(*command, "--output", str(target)))
            assert "regular file" in line
            assert test(target.lstat().st_mode)
    finally:
        if held is not None:
            held.close()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_output_refuses_the_database_and_its_companions(cli_sqlite, suffix: str) -> None:
    db = Path(cli_sqlite.url.removeprefix("sqlite:///"))
    companion = Path(f"{db}{suffix}")
    if not companion.exists():
        companion.write_bytes(b"")
    before = state(cli_sqlite)
    content = companion.read_bytes()
    for command in (["export"], ["report"]):
        line = one_line_error(cli_sqlite(*command, "-o", str(companion)))
        assert "database in use" in line
    assert companion.read_bytes() == content
    assert_unchanged(cli_sqlite, before)


def test_output_refuses_another_path_to_the_database(cli_sqlite, tmp_path: Path) -> None:
    """A hard link, a symbolic link and a path with `..`: the same file, refused."""
    db = Path(cli_sqlite.url.removeprefix("sqlite:///"))
    hard, soft = tmp_path / "hard.db", tmp_path / "soft.db"
    os.link(db, hard)
    soft.symlink_to(db)
    dotted = tmp_path / "sub" / ".." / db.name
    (tmp_path / "sub").mkdir()
    before = state(cli_sqlite)
    for target in (hard, soft, dotted):
        assert "database in use" in one_line_error(cli_sqlite("export", "-o", str(target)))
    assert_unchanged(cli_sqlite, before)


def test_output_follows_a_link_to_a_regular_file(cli_sqlite, tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    cli_sqlite.ok("report", "-o", str(link))
    assert link.is_symlink()
    assert real.read_text().startswith("# Status report")


# --- --output never goes where another user points it (issue 24) -------------------------------

as_root = pytest.mark.skipif(not IS_ROOT, reason="files of another user need root to make")


def _nobody() -> tuple[int, int]:
    import pwd

    user = pwd.getpwnam("nobody")
    return user.pw_uid, user.pw_gid


def _shared_folder(tmp_path: Path) -> Path:
    """A folder like /tmp: sticky and world-writable, made here."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    return shared


@as_root
def test_output_refuses_a_link_another_user_planted_in_a_shared_folder(
    cli_sqlite, tmp_path: Path
) -> None:
    """`ln -s /etc/some.conf /tmp/brief.md` by another user, then `tracker report -o
    /tmp/brief.md` as root: the file the link names is never replaced."""
    victim = tmp_path / "some.conf"
    victim.write_text("precious")
    shared = _shared_folder(tmp_path)
    planted = shared / "brief.md"
    planted.symlink_to(victim)
    os.lchown(planted, *_nobody())
    line = one_line_error(cli_sqlite("report", "-o", str(planted)))
    assert "symbolic link in a folder other users can write to" in line
    assert victim.read_text() == "precious" and planted.is_symlink()
    # Even root's own link there is not followed: another user could swap it.
    mine = shared / "mine.md"
    mine.symlink_to(victim)
    assert "symbolic link" in one_line_error(cli_sqlite("report", "-o", str(mine)))
    assert victim.read_text() == "precious"


@as_root
def test_output_refuses_another_users_link_or_file(cli_sqlite, tmp_path: Path) -> None:
    victim = tmp_path / "victim.md"
    victim.write_text("precious")
    theirs = tmp_path / "theirs.md"
    theirs.symlink_to(victim)
    os.lchown(theirs, *_nobody())
    assert "belongs to another user" in one_line_error(cli_sqlite("report", "-o", str(theirs)))
    # A link of ours to a file of theirs.
    os.chown(victim, *_nobody())
    ours = tmp_path / "ours.md"
    ours.symlink_to(victim)
    line = one_line_error(cli_sqlite("report", "-o", str(ours)))
    assert "a file that belongs to another user" in line
    # A file of theirs in a shared folder is not replaced (nor handed back to them).
    shared = _shared_folder(tmp_path)
    planted = shared / "brief.md"
    planted.write_text("theirs")
    os.chown(planted, *_nobody())
    line = one_line_error(cli_sqlite("report", "-o", str(planted)))
    assert "belongs to another user, in a folder other users can write to" in line
    assert victim.read_text() == "precious" and planted.read_text() == "theirs"


def test_output_never_creates_missing_folders(cli_sqlite, tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "brief.md"
    line = one_line_error(cli_sqlite("report", "-o", str(target)))
    assert f"the folder {target.parent} does not exist" in line
    assert not (tmp_path / "new").exists()


def test_output_in_a_shared_folder_writes_a_new_file_of_ours(cli_sqlite, tmp_path: Path) -> None:
    shared = _shared_folder(tmp_path)
    cli_sqlite.ok("report", "-o", str(shared / "brief.md"))
    written = shared / "brief.md"
    assert written.read_text().startswith("# Status report")
    assert written.stat().st_uid == os.geteuid()
    cli_sqlite.ok("report", "-o", str(written))  # and replaces it again, ours
    assert sorted(p.name for p in shared.iterdir()) == ["brief.md"]


def test_output_keeps_an_existing_mode_and_honours_the_umask(cli, tmp_path: Path) -> None:
    kept = tmp_path / "kept.md"
    kept.write_text("old")
    kept.chmod(0o600)
    cli.ok("report", "-o", str(kept))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    kept.chmod(0o664)
    cli.ok("report", "-o", str(kept))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o664
    old = os.umask(0o077)
    try:
        cli.ok("report", "-o", str(tmp_path / "new.md"))
        cli.ok("export", "-o", str(tmp_path / "new.json"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o600


def test_a_report_of_an_owner_only_database_is_owner_only(cli_sqlite, tmp_path: Path) -> None:
    db = Path(cli_sqlite.url.removeprefix("sqlite:///"))
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # as tracker creates it
    old = os.umask(0o022)
    try:
        cli_sqlite.ok("report", "-o", str(tmp_path / "private.md"))
        db.chmod(0o644)
        cli_sqlite.ok("report", "-o", str(tmp_path / "shared.md"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "private.md").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared.md").stat().st_mode) == 0o644


def test_output_leaves_no_temporary_file(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    cli.ok("report", "-f", "json", "-o", str(out / "r.json"))
    cli.ok("export", "-o", str(out / "e.json"))
    assert sorted(p.name for p in out.iterdir()) == ["e.json", "r.json"]


# --- a confirmation that cannot be printed ---------------------------------------------------


@needs_root
def test_progress_to_a_full_device_records_once_and_succeeds(cli, tmp_path: Path) -> None:
    """`progress ... > /dev/full`: the event is committed, so the exit is 0 and stderr says what
    was recorded; a script does not retry and record it twice."""
    full = _char_device(tmp_path / "full", 1, 7)  # the /dev/full device, made here
    with full.open("w") as sink:
        done = subprocess.run(
            [*tracker_command(), "--db", cli.url, "progress", "CYB-01", "-s", "in_progress"],
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        "recorded CYB-01 event #1 (could not print the confirmation: No space left on device)"
    ]
    events = json.loads(cli.ok("show", "CYB-01", "-f", "json"))["events"]
    assert len(events) == 1
    with full.open("w") as sink:
        listing = subprocess.run(
            [*tracker_command(), "--db", cli.url, "list"],
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    assert listing.returncode == 1
    assert listing.stderr.strip().splitlines() == [
        "error: cannot write the output: No space left on device"
    ]


# --- user text neutralised for its medium ----------------------------------------------------


@pytest.fixture
def hostile(cli):
    cli.ok("progress", "CYB-01", "-s", "in_progress", "-m", HOSTILE_NOTE,
           "--by", "eve\x1b[31m", "-e", "=HYPERLINK(\"http://x\")")  # fmt: skip
    return cli


def test_log_and_show_cannot_be_forged_or_escape(hostile) -> None:
    for args in (["log"], ["show", "CYB-01"]):
        out = hostile.ok(*args)
        for char in UNSAFE:
            assert char not in out, (args, repr(char))
        # The forged "event" stays inside the note's indented block.
        forged = [line for line in out.splitlines() if "#999" in line]
        assert forged and all(line.startswith("    ") for line in forged)
    log_lines = [line for line in hostile.ok("log").splitlines() if not line.startswith(" ")]
    assert len(log_lines) == 1


@pytest.mark.parametrize("fmt", ["terminal", "md", "html", "csv"])
def test_reports_neutralise_controls_and_bidi(hostile, fmt: str) -> None:
    out = hostile.ok("report", "-f", fmt, "--since", "2026-01-31")
    for char in UNSAFE:
        assert char not in out, (fmt, repr(char))
    assert "\ufffd" in out


@pytest.mark.parametrize(
    "args", [["list", "-f", "csv"], ["report", "-f", "csv", "--since", "2026-01-31"]]
)
def test_every_csv_guards_formulas(cli, args: list[str]) -> None:
    """A title can come from a fixture or an import: = + - @ at the start are made inert in the
    list as in the report."""
    from sqlalchemy import create_engine, text

    engine = create_engine(cli.url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE commitments SET title = :t WHERE code = 'CYB-01'"),
                {"t": '=HYPERLINK("http://evil","x")'},
            )
    finally:
        engine.dispose()
    rows = list(csv.reader(io.StringIO(cli.ok(*args))))
    titles = [r[1] for r in rows if r[0] == "CYB-01"]
    assert titles == ['\'=HYPERLINK("http://evil","x")']
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell


@pytest.mark.parametrize(
    "args",
    [
        ["report", "-f", "json", "--since", "2026-01-31"],
        ["log", "-f", "json"],
        ["show", "CYB-01", "-f", "json"],
        ["list", "-f", "json"],
    ],
)
def test_json_lines_survive_line_oriented_tools(hostile, args: list[str]) -> None:
    out = hostile.ok(*args)
    for char in ("\u2028", "\u2029", "\x85"):
        assert char not in out
    data = json.loads(out)  # still the same JSON
    if args[0] == "report":
        notes = [e["note"] for e in data["changes"]]
        assert HOSTILE_NOTE in notes
        # One object per line: every change line parses on its own.
        lines = out.splitlines()
        change_lines = [ln for ln in lines if ln.startswith('{"id"')]
        assert change_lines
        for line in change_lines:
            json.loads(line.rstrip(","))


def test_scrub_is_the_one_rule() -> None:
    """Every renderer's helper gives the same verdict on every unsafe character."""
    from tracker import scrub
    from tracker.cli.items import _flat
    from tracker.reports.as_csv import neutralise
    from tracker.reports.as_markdown import esc
    from tracker.reports.presentation import one_line

    for char in [*map(chr, range(0, 32)), "\x7f", "\x9b", "\u061c", "\u200e", "\u200f",
                 *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)),
                 "\u2028", "\u2029"]:  # fmt: skip
        text = f"a{char}b"
        for rendered in (_flat(text), one_line(text), esc(text)):
            assert char not in rendered, (repr(char), rendered)
        if char != "\n":
            assert char not in neutralise(text)
        assert char not in scrub.visible(text)
    assert scrub.csv_cell("+1") == "'+1"
    assert scrub.json_text('"a\u2028b"') == '"a\\u2028b"'


def test_a_csv_row_is_scrubbed_as_its_cells_are() -> None:
    """csv_row scans a whole row at once; its verdict must be csv_cell's for every cell, whether
    the row is clean, has a formula, or has an unsafe character in any one cell."""
    from tracker import scrub

    clean = ["B1-P1-0001", "A title", "cyber", "Japan; UK", "2026-09-30", ""]
    rows = [clean, [*clean, "=SUM(A1)"], [*clean, "-1", "@x"], [*clean, "line\nbreak"]]
    rows += [[*clean[:i], f"x{chr(c)}y", *clean[i:]] for i, c in enumerate((0x1B, 0x202E, 0x85))]
    for cells in rows:
        assert scrub.csv_row(cells) == [scrub.csv_cell(c) for c in cells], cells
