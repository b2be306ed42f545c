"""Asking a person at a terminal: the status to record and, in their editor, the note.

Only when both standard input and output are a terminal: a script, a pipe or CI gets the usage
errors it always got, never a prompt that would wait for ever. Everything here happens before
the recording transaction opens (tracker.asking).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from tracker.asking import ItemBrief, choices, note_from_edit, note_template
from tracker.errors import TrackerError
from tracker.i18n import Language
from tracker.scrub import one_line
from tracker.statuses import Status, parse_status

# An editor's file is read up to this size; a note's own limit is checked when it is recorded.
MAX_NOTE_FILE = 1024 * 1024


class MissingOption(typer.BadParameter):
    """Click's wording for a missing required option, for an option that is required only when
    nobody is at a terminal to be asked."""

    def format_message(self) -> str:
        return f"Missing option {self.param_hint}."


def at_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


def ask_status(brief: ItemBrief, lang: Language) -> Status:
    """The new status, chosen by number or name from the list shown."""
    import shutil
    import textwrap

    _ = lang._
    options = choices(brief)
    width = shutil.get_terminal_size().columns - 7
    if lang.code == "ja":
        width //= 2  # textwrap counts characters; a Japanese one takes two columns
    typer.echo(f"{one_line(brief.code)}  {one_line(lang.text(brief.title, brief.title_ja))}")
    typer.echo(_("Status now: {status}").format(status=lang.status(brief.status)))
    for n, choice in enumerate(options, start=1):
        marks = []
        if choice.current:
            marks.append(_("now: adds a note"))
        if choice.needs_reason:
            marks.append(_("needs a reason"))
        line = f"  {n}. {lang.status(choice.status)}"
        if marks:
            line += f" ({'; '.join(marks)})"
        typer.echo(line)
        if choice.claim is not None:
            # The claim under its status, wrapped to the terminal: a guideline is a paragraph.
            key, text = choice.claim
            claim = _("scores {key} if: {text}").format(key=key, text=one_line(text))
            for wrapped in textwrap.wrap(claim, width=max(40, width - 1)):
                typer.echo("       " + wrapped)
    while True:
        answer = typer.prompt(_("New status (number or name)"), default="", show_default=False)
        answer = answer.strip()
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1].status
        try:
            return parse_status(answer)
        except ValueError:
            typer.echo(_("Choose 1-{n} or a status name.").format(n=len(options)), err=True)


def ask_reason(lang: Language) -> str:
    while True:
        reason = str(typer.prompt(lang._("Reason (this re-opens a settled assessment)"))).strip()
        if reason:
            return reason


def edit_note(brief: ItemBrief, new: Status, lang: Language) -> str:
    """The note written in $VISUAL or $EDITOR (else vi) on the template; an empty one, or an
    editor that fails, aborts the command with nothing recorded."""
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        command = shlex.split(editor)
    except ValueError:
        command = []
    if not command:
        raise TrackerError(f"cannot run the editor {editor!r}; set VISUAL or EDITOR, or give -m")
    # A private folder (0700): the note is nobody else's to read or swap while it is edited.
    with tempfile.TemporaryDirectory(prefix="tracker-note-") as folder:
        path = Path(folder) / f"{brief.code}-NOTE.txt"
        path.write_text(note_template(brief, new, lang), encoding="utf-8")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise TrackerError(
                f"cannot run the editor {editor!r}: {exc.strerror or exc}; nothing recorded"
            ) from None
        if done.returncode != 0:
            raise TrackerError(f"the editor exited with status {done.returncode}; nothing recorded")
        from tracker.fixture_input import read_bounded

        text = read_bounded(path, MAX_NOTE_FILE, "cannot read the note")
    note = note_from_edit(text)
    if not note:
        raise TrackerError("empty note; nothing recorded (--no-edit records without one)")
    return note
