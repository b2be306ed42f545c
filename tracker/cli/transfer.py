"""`tracker export` and `tracker import`: everything, as versioned JSON, losslessly."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import DeclarationOpt
from tracker.cli.output import say, write_output
from tracker.cli.running import database_url, session
from tracker.i18n import counted

app = typer.Typer()


@app.command()
def export(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write here (atomically) instead of stdout."
        ),
    ] = None,
    declaration: DeclarationOpt = None,
) -> None:
    """Export everything (declarations, pillars, commitments, every event and its evidence).

    With --declaration, those declarations only, as a database holding only them (their
    digests); their follow-up links come along when every link is within them.

    Example: tracker export --output tracker-2026-11-25.json
    """
    from tracker.transfer import export_lines

    with session(ctx) as s:
        # Owner-only, like the database: an export holds every unpublished assessment.
        write_output(
            export_lines(s, tuple(declaration or ())),
            output,
            database=database_url(ctx),
            new_mode=0o600,
        )


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="An export file.", show_default=False)
    ],
    allow_unverified: Annotated[
        bool,
        typer.Option(
            "--allow-unverified",
            help="Import a history whose chains or heads digest do not verify, and say so "
            "(`tracker verify` will keep reporting it).",
        ),
    ] = False,
) -> None:
    """Restore an export into a new, empty database (created and migrated if needed).

    Every row is checked against the same limits as the commands that write them, and every
    hash chain and the heads digest are verified before anything is committed: a file that
    does not verify is refused, naming the first bad event. A new SQLite file is built under a
    temporary name beside it and renamed at the end, so an import that fails or is killed
    leaves no file.

    Example: tracker --db postgresql+psycopg://tracker@db/tracker import tracker.json
    """
    from tracker.db import describe
    from tracker.export_file import read_export
    from tracker.transfer import restore

    export = read_export(path)
    url = database_url(ctx)
    result = restore(url, export, allow_unverified=allow_unverified)
    summary = ", ".join(f"{n} {name}" for name, n in result.counts.items())
    say(f"Imported into {describe(url)}: {summary}.")
    if result.unverified:
        # The problem quotes the file's codes (say).
        say(
            f"warning: imported UNVERIFIED, {counted(len(result.unverified), 'problem')}, "
            f"the first: {result.unverified[0]}; `tracker verify` lists them",
            err=True,
        )
