"""`tracker export` and `tracker import`: everything, as versioned JSON, losslessly."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.options import database_url, session, write_output
from tracker.errors import TrackerError

if TYPE_CHECKING:
    from tracker.transfer import Export, ImportResult


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
) -> None:
    """Export everything (declarations, pillars, commitments, every event and its evidence).

    Example: tracker export --output tracker-2026-11-25.json
    """
    from tracker.transfer import export_lines

    with session(ctx) as s:
        # Owner-only, like the database: an export holds every unpublished assessment.
        write_output(export_lines(s), output, database=database_url(ctx), new_mode=0o600)


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
    from tracker.config import sqlite_path
    from tracker.db import describe
    from tracker.transfer import read_export

    export = read_export(path)
    url = database_url(ctx)
    target = sqlite_path(url)
    if target is not None and not target.exists():
        result = _import_new_sqlite(url, target, export, allow_unverified)
    else:
        result = _import(url, export, allow_unverified)
    summary = ", ".join(f"{n} {name}" for name, n in result.counts.items())
    typer.echo(f"Imported into {describe(url)}: {summary}.")
    if result.unverified:
        typer.echo(
            f"warning: imported UNVERIFIED, {len(result.unverified)} problem(s), the first: "
            f"{result.unverified[0]}; `tracker verify` lists them",
            err=True,
        )


def _import(url: str, export: Export, allow_unverified: bool) -> ImportResult:
    from sqlalchemy.orm import Session

    from tracker import schema
    from tracker.transfer import import_export

    with schema.migrating(url) as connection:
        schema.upgrade(connection, url)
        with Session(bind=connection) as s:
            result = import_export(s, export, allow_unverified=allow_unverified)
            s.flush()
    return result


def _import_new_sqlite(
    url: str, target: Path, export: Export, allow_unverified: bool
) -> ImportResult:
    """Import into a temporary file beside `target`, then move it into place: killed at any
    moment, this leaves no file at `target` (at worst a hidden temporary one)."""
    import os
    import secrets

    from tracker.cli.setup import remove_sqlite_files
    from tracker.db import dispose_engines, ensure_sqlite_file

    temporary = target.parent / f".{target.name}.import-{secrets.token_hex(4)}"
    temporary_url = url.replace(str(target), str(temporary), 1)
    if not ensure_sqlite_file(temporary_url):
        raise TrackerError(f"cannot create a temporary database beside {target}")
    try:
        result = _import(temporary_url, export, allow_unverified)
        dispose_engines()  # closes the connections: SQLite folds its WAL into the file
        wal = Path(f"{temporary}-wal")
        if wal.exists() and wal.stat().st_size:
            raise TrackerError(f"cannot finish {target}: its write-ahead log was not folded in")
        try:
            # A link, not a rename: it fails rather than replace a file created meanwhile.
            os.link(temporary, target)
        except FileExistsError:
            raise TrackerError(
                f"{target} appeared during the import; nothing was replaced"
            ) from None
        except OSError as exc:
            raise TrackerError(f"cannot create {target}: {exc.strerror or exc}") from None
    finally:
        remove_sqlite_files(temporary_url)
    return result
