"""`tracker db ...`: the schema revision of the database, and moving it.

Lines that name a revision or a path go through `say`: a database someone sent can hold any
text in alembic_version, and a path can hold any character.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.output import say
from tracker.cli.running import database_url
from tracker.errors import TrackerError
from tracker.i18n import counted

app = typer.Typer(
    help="Inspect and migrate the database schema.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(metavar="REVISION", help="Target revision.")] = "head",
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
        # A table the upgrade added is not in the recorder roles' grants: give it to them
        # now, or their next `tracker progress` fails on it.
        regranted, refused = schema.regrant(connection)
    after = schema.current_revision(url)
    if before == after:
        say(f"{describe(url)} is already at {after}.")
    else:
        say(f"Upgraded {describe(url)}: {before or 'empty'} -> {after}.")
    if regranted and before != after:
        say(f"Recorder rights renewed for {', '.join(regranted)}.")
    for _role, why in refused:
        say(f"warning: {why}; its rights were not renewed", err=True)


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty()


# "-1" (one revision down) starts with a dash; without this Click reads it as an option.
@app.command(context_settings={"ignore_unknown_options": True})
def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str,
        typer.Argument(
            metavar="REVISION",
            help="Target revision: a name, base, or -N (N back).",
            show_default=False,
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Drop what the downgrade drops, without asking.")
    ] = False,
) -> None:
    """Downgrade the schema to an earlier revision.

    A downgrade that would drop data (translations below 0006, items' provenance below 0005,
    the hash chain below 0003, every table at base) says what and how many events, and asks;
    without a terminal it refuses unless --yes. An upgrade after dropping the chain builds a
    new one over the rows as they are then, and records that it did: `tracker verify` reports
    those events as chained after the fact.

    Example: tracker db downgrade -1
    """
    from tracker import schema
    from tracker.db import describe, require_existing

    url = database_url(ctx)
    require_existing(url)
    before = schema.current_revision(url)
    target = schema.resolve_downgrade(before, revision)
    assert before is not None
    where = describe(url)
    with schema.migrating(url) as connection:
        losses = schema.downgrade_losses(connection, before, target)
        if losses and not yes:
            what = "; ".join(losses)
            question = f"Downgrading {where} to {target or 'base'} drops {what}."
            if not _interactive():
                raise TrackerError(f"{question[:-1]}: refused without --yes (nothing changed)")
            if not typer.confirm(f"{question} Continue?", default=False, err=True):
                raise TrackerError("downgrade cancelled; nothing changed")
        schema.downgrade(connection, url, target or "base")
    after = schema.current_revision(url)
    dropped = f" (dropped {'; '.join(losses)})" if losses else ""
    say(f"Downgraded {where}: {before} -> {after or 'base'}{dropped}.")


def _existing_at_head(ctx: typer.Context) -> str:
    """The database's URL, once it is known to exist and to be at the code's revision: the
    repairs below work on a current schema only."""
    from tracker import schema
    from tracker.db import check_revision, describe, require_existing

    url = database_url(ctx)
    require_existing(url)
    check_revision(schema.current_revision(url), describe(url))
    return url


@app.command()
def guard(ctx: typer.Context) -> None:
    """Put back the append-only guards (triggers) that `tracker verify` reports missing.

    Example: tracker db guard
    """
    from tracker import schema, triggers
    from tracker.db import HEAD_REVISION, describe

    url = _existing_at_head(ctx)
    with schema.migrating(url) as connection:
        missing = triggers.missing(connection)
        triggers.install(connection)
    names = ", ".join(t.name for t in missing) or "none missing"
    say(f"Guards in place on {describe(url)} at {HEAD_REVISION} (restored: {names}).")


@app.command("time-zone")
def time_zone(
    ctx: typer.Context,
    zone: Annotated[
        str | None,
        typer.Argument(
            metavar="[ZONE]",
            help="An IANA time zone (UTC, Europe/London, Asia/Tokyo); omit it to show the "
            "current one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The tracker's time zone: the one in which every command reckons "today" (the default
    --on, --as-of and the future-date check), whoever runs it and wherever. UTC unless set.

    Example: tracker db time-zone Europe/London
    """
    from tracker import clock
    from tracker.cli.running import session, transact

    if zone is None:
        with session(ctx) as s:
            say(f"{clock.zone_name(s)} (today is {clock.today(s).isoformat()})")
        return
    _existing_at_head(ctx)
    old, new = transact(ctx, lambda s: clock.set_zone(s, zone))
    say(f"Time zone: {old} -> {new}." if old != new else f"Time zone: {new} (unchanged).")


@app.command()
def rebuild(ctx: typer.Context) -> None:
    """Rebuild the burn-up cache (and each item's cached last update) from the events, when
    `tracker verify` reports it out of step.

    Example: tracker db rebuild
    """
    from tracker import burnup, schema
    from tracker.db import describe
    from tracker.timeline import store_last_updates

    url = _existing_at_head(ctx)
    with schema.migrating(url) as connection:
        rows = burnup.rebuild(connection)
        store_last_updates(connection)
    say(f"Rebuilt the burn-up cache of {describe(url)} ({counted(rows, 'row')}).")


@app.command()
def grants(
    ctx: typer.Context,
    role: Annotated[
        str, typer.Argument(metavar="ROLE", help="The recorder role.", show_default=False)
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Run the statements instead of printing them.")
    ] = False,
) -> None:
    """PostgreSQL: the grants of a recorder role that can read everything and record progress
    (insert events and evidence, update an item's cached status and chain end) but never
    update or delete history, nor drop its guards (it does not own the tables).

    Prints the SQL for the database's schema; --apply runs it. Create the role first
    (CREATE ROLE recorder LOGIN PASSWORD '...'); run `tracker init`, `load` and `db` commands
    as the tables' owner.

    Example: tracker db grants recorder
    """
    from tracker import schema, triggers
    from tracker.db import check_revision, describe, require_existing

    url = database_url(ctx)
    require_existing(url)
    check_revision(schema.current_revision(url), describe(url))
    with schema.migrating(url) as connection:
        statements = triggers.grants(connection, role)
        if apply:
            from sqlalchemy import text

            for statement in statements:
                connection.execute(text(statement))
    if apply:
        say(f"Granted recorder rights to {role} on {describe(url)}.")
    else:
        for statement in statements:
            say(f"{statement};")


@app.command()
def current(ctx: typer.Context) -> None:
    """Show the schema revision of the database and what an upgrade would apply.

    Example: tracker db current
    """
    from tracker import schema
    from tracker.db import HEAD_REVISION, REVISIONS, describe

    url = database_url(ctx)
    revision = schema.current_revision(url)
    say(f"{describe(url)}: {revision or 'empty (not initialised)'}")
    pending = [r for r in schema.history(url, revision) if not r.applied]
    if revision is not None and revision not in REVISIONS:
        pending = []  # a newer tracker made it: nothing here applies
    if revision == HEAD_REVISION:
        typer.echo("Up to date (head).")
    elif pending:
        typer.echo("`tracker db upgrade` would apply:")
        for r in pending:
            say(f"  {r.revision}  {r.message}")
    else:
        say(f"Unknown to this tracker (head {HEAD_REVISION}); upgrade tracker.")


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
        say(f"{r.revision}  [{mark}]  {r.message}")
