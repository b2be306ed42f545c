"""Where a command's output goes: held until its transaction has ended, or written to the
file the user named (atomically, over a regular file only, never over the database).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import typer

# Past this size held output waits in a temporary file rather than in memory.
HELD_IN_MEMORY = 8 * 2**20


@contextmanager
def held_output() -> Iterator[IO[str]]:
    """Somewhere to print while a transaction is open; it reaches stdout once the block ends.

    Long listings are written as they are read, a block at a time, so they never sit whole in
    memory; holding them here until the transaction has ended means that a slow reader (`| less`)
    holds no transaction open (on PostgreSQL an idle transaction blocks `db upgrade`, and a
    server may cut it off half-way), and that a command failing part-way prints nothing. Open it
    before the session, so that the session ends first.
    """
    with tempfile.SpooledTemporaryFile(
        max_size=HELD_IN_MEMORY, mode="w+", encoding="utf-8", newline=""
    ) as held:
        yield held
        held.seek(0)
        shutil.copyfileobj(held, sys.stdout, 2**20)
        sys.stdout.flush()


def say(line: str, *, err: bool = False) -> None:
    """Print one line of ours that carries names from the database or a file (a code, a slug, a
    title, a path): a database someone sent can hold escape sequences or line breaks in any of
    them, so every control, reordering or line-breaking character is shown as U+FFFD
    (tracker.scrub), and the line stays one line."""
    from tracker.scrub import visible

    typer.echo(visible(line), err=err)


def write_output(
    text: str | bytes | Iterable[str],
    output: Path | None,
    *,
    database: str | None = None,
    new_mode: int | None = None,
    stdout: IO[str] | None = None,
) -> None:
    """Print (to `stdout`, default sys.stdout), or write the file through tracker.outfile:
    atomically, over a regular file only, never over the `database` in use or its companions.

    A new file gets `new_mode` less the umask; by default that is what any program creates
    (0666 less the umask), narrowed to the SQLite database's own permissions, so a report of an
    owner-only database is owner-only too. An existing file keeps its mode: create the file with
    the mode you want first to say otherwise. `text` may be a stream of chunks, written as they
    come (large reports stay small in memory),
    or bytes (a PDF).
    """
    if isinstance(text, bytes) and output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
        return
    parts: Iterable[str] | bytes = [text] if isinstance(text, str) else text
    if output is None:
        assert not isinstance(parts, bytes)
        out = sys.stdout if stdout is None else stdout
        for part in parts:
            out.write(part)
        out.flush()
        return
    from tracker.outfile import sqlite_companions, write_file

    protected: list[Path] = []
    mode = 0o666 if new_mode is None else new_mode
    if database is not None:
        from tracker.config import sqlite_path

        db_file = sqlite_path(database)
        if db_file is not None:
            protected = sqlite_companions(db_file)
            # Read and write bits only: a report is never executable.
            with contextlib.suppress(OSError):
                mode &= os.stat(db_file).st_mode & 0o666
    write_file(output, parts, new_mode=mode, protected=protected)
    say(f"Wrote {output}", err=True)
