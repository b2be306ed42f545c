"""`tracker db ...`: the schema revision of the database, and moving it."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.options import database_url
from tracker.errors import TrackerError

app = typer.Typer(
    help="Inspect and migrate the database schema.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the schema (to the latest revision by default), keeping all data.

    Example: tracker db upgrade
    """
    from tracker import schema
    from tracker.db import describe, require_existing

    url = database_url(ctx)
    require_existing(url)
    before = schema.current_revision(url)
    with schema.migrating(url) as connection:
        schema.upgrade(connection, url, revision)
    after = schema.current_revision(url)
    if before == after:
        typer.echo(f"{describe(url)} is already at {after}.")
    else:
        typer.echo(f"Upgraded {describe(url)}: {before or 'empty'} -> {after}.")


# "-1" (one revision down) starts with a dash; without this Click reads it as an option.
@app.command(context_settings={"ignore_unknown_options": True})
def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(help="Target revision, e.g. -1 or base.", show_default=False)
    ],
) -> None:
    """Downgrade the schema to an earlier revision (data in dropped columns is lost).

    Example: tracker db downgrade -1
    """
    from tracker import schema
    from tracker.db import describe, require_existing

    url = database_url(ctx)
    require_existing(url)
    before = schema.current_revision(url)
    with schema.migrating(url) as connection:
        schema.downgrade(connection, url, revision)
    after = schema.current_revision(url)
    typer.echo(f"Downgraded {describe(url)}: {before} -> {after or 'base'}.")


@app.command()
def current(ctx: typer.Context) -> None:
    """Show the schema revision of the database and what an upgrade would apply.

    Example: tracker db current
    """
    from tracker import schema
    from tracker.db import HEAD_REVISION, REVISIONS, describe

    url = database_url(ctx)
    revision = schema.current_revision(url)
    typer.echo(f"{describe(url)}: {revision or 'empty (not initialised)'}")
    pending = [r for r in schema.history(url, revision) if not r.applied]
    if revision is not None and revision not in REVISIONS:
        pending = []  # a newer tracker made it: nothing here applies
    if revision == HEAD_REVISION:
        typer.echo("Up to date (head).")
    elif pending:
        typer.echo("`tracker db upgrade` would apply:")
        for r in pending:
            typer.echo(f"  {r.revision}  {r.message}")
    else:
        typer.echo(f"Unknown to this tracker (head {HEAD_REVISION}); upgrade tracker.")


@app.command()
def history(ctx: typer.Context) -> None:
    """List every schema revision, oldest first, marking those applied to this database.

    Example: tracker db history
    """
    from tracker import schema

    url = database_url(ctx)
    try:
        revision = schema.current_revision(url)
    except TrackerError:  # the history is known without a database
        revision = None
    for r in schema.history(url, revision):
        mark = "applied" if r.applied else "pending"
        typer.echo(f"{r.revision}  [{mark}]  {r.message}")
