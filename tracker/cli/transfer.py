"""`tracker export` and `tracker import`: everything, as versioned JSON, losslessly."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import database_url, session, write_output


def export(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (atomically) instead of stdout."),
    ] = None,
) -> None:
    """Export everything (declarations, pillars, commitments, every event and its evidence).

    Example: tracker export --output tracker-2026-11-25.json
    """
    from tracker.transfer import export_lines

    with session(ctx) as s:
        # Owner-only, like the database: an export holds every unpublished assessment.
        write_output(export_lines(s), output, database=database_url(ctx), new_mode=0o600)


def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="An export file.", show_default=False)],
) -> None:
    """Restore an export into a new, empty database (created and migrated if needed).

    Example: tracker --db postgresql+psycopg://tracker@db/tracker import tracker.json
    """
    from sqlalchemy.orm import Session

    from tracker import schema
    from tracker.db import describe, ensure_sqlite_file
    from tracker.transfer import import_export, read_export

    export = read_export(path)
    url = database_url(ctx)
    created = ensure_sqlite_file(url)
    try:
        with schema.migrating(url) as connection:
            schema.upgrade(connection, url)
            with Session(bind=connection) as s:
                counts = import_export(s, export)
                s.flush()
    except BaseException:
        if created:
            from tracker.cli.setup import remove_sqlite_files

            remove_sqlite_files(url)
        raise
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    typer.echo(f"Imported into {describe(url)}: {summary}.")
