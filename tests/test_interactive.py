"""`tracker progress` at a terminal (a real pseudo-terminal): the status is asked for, the note
written in an editor, and exactly that recorded; without a terminal, the usage error as before."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import Cli

from tracker.asking import note_from_edit

DEADLINE = 60.0


def _editor(tmp_path: Path, note: str) -> Path:
    """An editor that keeps a copy of the template it was given and writes `note` above it."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import shutil, sys\n"
        f"shutil.copy(sys.argv[1], {str(tmp_path / 'template.txt')!r})\n"
        "old = open(sys.argv[1], encoding='utf-8').read()\n"
        f"open(sys.argv[1], 'w', encoding='utf-8').write({note!r} + old)\n"
    )
    return script


class Terminal:
    """`python -m tracker ...` with a pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str) -> str:
        end = time.monotonic() + DEADLINE
        while text not in self.seen:
            if time.monotonic() > end:
                raise AssertionError(f"{text!r} never came; the terminal shows:\n{self.seen}")
            if not self._read(0.2) and self.proc.poll() is not None:
                raise AssertionError(f"exited before {text!r}:\n{self.seen}")
        return self.seen

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # the other side closed (Linux: EIO)
            return False
        self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return bool(chunk)

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def finish(self) -> int:
        end = time.monotonic() + DEADLINE
        while self.proc.poll() is None and time.monotonic() < end:
            self._read(0.1)
        while self._read(0.05):
            pass
        os.close(self.master)
        return self.proc.wait(timeout=5)


def _env(cli: Cli, editor: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VISUAL", "EDITOR")}
    env["TRACKER_DATABASE_URL"] = cli.url
    env["TRACKER_BY"] = "a.clarke"
    if editor is not None:
        env["VISUAL"] = f"{sys.executable} {editor}"
    return env


def _events(cli: Cli, code: str) -> list[dict]:
    return json.loads(cli.ok("show", code, "--format", "json"))["events"]


def test_progress_at_a_terminal_asks_and_records_what_was_typed(cli: Cli, tmp_path: Path) -> None:
    editor = _editor(tmp_path, "Working group met in Tokyo.\n\nNext: joint exercise.\n")
    term = Terminal(["progress", "CYB-03"], _env(cli, editor))
    screen = term.expect("New status (number or name)")
    # Every status is offered; the scored item's settled ones with the guideline they claim.
    assert "Status now: not started" in screen
    assert "  5. achieved\n       scores +1 if:" in screen
    assert "scores 0 if:" in screen
    term.send("in_progress")
    assert term.finish() == 0, term.seen
    [event] = _events(cli, "CYB-03")
    assert event["to_status"] == "in_progress"
    assert event["note"] == "Working group met in Tokyo.\n\nNext: joint exercise."
    assert event["actor"] == "a.clarke"
    # One line says what was recorded, with the event's id.
    assert f"CYB-03: not started → in progress on {event['on']} (event #{event['id']})" in term.seen
    template = (tmp_path / "template.txt").read_text()
    assert template.startswith("\n# Note for CYB-03: not started → in progress\n")
    assert "# Exchange information on the nature of cyber threats" in template
    assert "# Guidelines:" in template and "#   +1: " in template


def test_a_number_chooses_and_a_settled_status_asks_for_a_reason(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "achieved", "-m", "done")
    editor = _editor(tmp_path, "It lapsed.\n")
    term = Terminal(["progress", "CYB-03"], _env(cli_sqlite, editor))
    screen = term.expect("New status (number or name)")
    assert "5. achieved (now: adds a note)" in screen
    assert "3. stalled (needs a reason)" in screen
    term.send("3")
    term.expect("Reason")
    term.send("the exchange stopped")
    assert term.finish() == 0, term.seen
    last = _events(cli_sqlite, "CYB-03")[-1]
    assert (last["to_status"], last["reason"], last["note"]) == (
        "stalled",
        "the exchange stopped",
        "It lapsed.",
    )


def test_an_empty_note_aborts_with_nothing_written(cli_sqlite: Cli, tmp_path: Path) -> None:
    editor = _editor(tmp_path, "# only a comment\n   \n")
    term = Terminal(["progress", "CYB-03", "-s", "in_progress"], _env(cli_sqlite, editor))
    assert term.finish() == 1
    assert "error: empty note; nothing recorded" in term.seen
    assert _events(cli_sqlite, "CYB-03") == []


def test_a_failing_editor_aborts_with_nothing_written(cli_sqlite: Cli, tmp_path: Path) -> None:
    env = _env(cli_sqlite, None)
    env["EDITOR"] = "false"
    term = Terminal(["progress", "CYB-03", "-s", "in_progress"], env)
    assert term.finish() == 1
    assert "the editor exited with status 1; nothing recorded" in term.seen
    assert _events(cli_sqlite, "CYB-03") == []


@pytest.mark.parametrize("flags", [["-m", "typed"], ["--no-edit"]])
def test_a_note_given_or_refused_opens_no_editor(
    cli_sqlite: Cli, tmp_path: Path, flags: list[str]
) -> None:
    env = _env(cli_sqlite, None)
    env["EDITOR"] = "false"  # would fail the command if it were run
    term = Terminal(["progress", "CYB-03", "-s", "in_progress", *flags], env)
    assert term.finish() == 0, term.seen
    assert _events(cli_sqlite, "CYB-03")[0]["note"] == ("typed" if "-m" in flags else "")


def test_without_a_terminal_a_missing_status_is_a_one_line_usage_error(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    editor = _editor(tmp_path, "never\n")
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "progress", "CYB-03"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(cli_sqlite, editor),
        timeout=DEADLINE,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: Missing option '--status' / '-s'. (see `")
    assert line.endswith("tracker progress --help`)")
    assert done.stdout == ""
    assert not (tmp_path / "template.txt").exists()
    assert _events(cli_sqlite, "CYB-03") == []


def test_without_a_terminal_no_editor_opens_for_a_missing_note(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    editor = _editor(tmp_path, "never\n")
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "progress", "CYB-03", "-s", "in_progress"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=_env(cli_sqlite, editor),
        timeout=DEADLINE,
        check=False,
    )
    assert result.returncode == 0
    assert not (tmp_path / "template.txt").exists()
    assert _events(cli_sqlite, "CYB-03")[0]["note"] == ""


def test_note_from_edit_drops_comments_and_outer_blank_lines() -> None:
    text = "\n\nfirst  \n# dropped\n\n  second\n\n#end\n"
    assert note_from_edit(text) == "first\n\n  second"


def test_no_text_of_the_item_can_become_a_line_of_the_note() -> None:
    from tracker.asking import ItemBrief, note_template
    from tracker.i18n import Language
    from tracker.statuses import Kind, Status

    brief = ItemBrief(
        code="CYB-03",
        title="A title\nforged note line",
        title_ja=None,
        kind=Kind.COMMITMENT,
        status=Status.IN_PROGRESS,
        party="UK\rmore",
        guidelines={"+1": "done\n\nsecond paragraph", "0": "part\u2028ly", "-1": "none"},
    )
    for lang in ("en", "ja"):
        assert note_from_edit(note_template(brief, Status.ACHIEVED, Language(lang))) == ""
