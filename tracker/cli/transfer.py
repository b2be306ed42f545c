"""`tracker export` and `tracker import`: everything, as versioned JSON, losslessly."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import database_url, session


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
    from tracker.errors import TrackerError
    from tracker.transfer import write_export

    with session(ctx) as s:
        if output is None:
            write_export(s, sys.stdout)
            return
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    write_export(s, handle)
                os.replace(tmp, output)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise TrackerError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {output}", err=True)


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

    data = read_export(path)
    url = database_url(ctx)
    created = ensure_sqlite_file(url)
    try:
        with schema.migrating(url) as connection:
            schema.upgrade(connection, url)
            with Session(bind=connection) as s:
                counts = import_export(s, data, path)
                s.flush()
    except BaseException:
        if created:
            from tracker.cli.setup import remove_sqlite_files

            remove_sqlite_files(url)
        raise
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    typer.echo(f"Imported into {describe(url)}: {summary}.")
