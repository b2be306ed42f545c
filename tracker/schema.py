"""Alembic, driven from code: upgrade, downgrade, current, history, and the init sequence.

Migrations run in one transaction on a connection we open (SQLite and PostgreSQL both have
transactional DDL), passed to env.py through `config.attributes`, so `init` can migrate and load
the declaration atomically. On SQLite, foreign keys are off while migrating, because batch
migrations rebuild tables.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from tracker.concurrency import lock_for_migration
from tracker.db import (
    REVISIONS,
    check_revision,
    connection_error,
    describe,
    make_engine,
    require_existing,
    stored_revision,
)
from tracker.errors import SchemaError, TrackerError
from tracker.paths import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    # Alembic binds its default stdout when first imported; name the current one explicitly.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def migrating(url: str) -> Iterator[Connection]:
    """One transaction with the schema open for changes."""

    engine = make_engine(url, write=True, foreign_keys=False)
    try:
        with engine.begin() as connection:
            lock_for_migration(connection)
            yield connection
    except OperationalError as exc:
        raise connection_error(url, exc) from None


@contextmanager
def _revisions_checked(connection: Connection, url: str, target: str) -> Iterator[None]:
    """Alembic's errors about revisions, as one line: the database's own revision unknown to
    this tracker (made by a newer one), or a target revision that does not exist."""

    stored = stored_revision(connection)
    if stored is not None and stored not in REVISIONS:
        check_revision(stored, describe(url))  # raises, naming it
    try:
        yield
    except (CommandError, RevisionError):
        raise SchemaError(
            f"unknown revision {target!r}; revisions: {', '.join(REVISIONS)} "
            "(or head, base, -N, +N)"
        ) from None


def upgrade(connection: Connection, url: str, revision: str = "head") -> None:
    with _revisions_checked(connection, url, revision):
        command.upgrade(alembic_config(url, connection), revision)


def regrant(connection: Connection) -> tuple[list[str], list[tuple[str, str]]]:
    """Apply `tracker db grants` again to each recorder role (PostgreSQL), in the upgrade's
    transaction: the roles renewed, and those refused with the reason (a role that has since
    gained a power a recorder must not have keeps the rights it had, and is named)."""
    from tracker import triggers
    from tracker.errors import TrackerError

    renewed: list[str] = []
    refused: list[tuple[str, str]] = []
    for role in triggers.recorders(connection):
        try:
            statements = triggers.grants(connection, role)
        except TrackerError as exc:
            refused.append((role, str(exc)))
            continue
        for statement in statements:
            connection.execute(text(statement))
        renewed.append(role)
    return renewed, refused


def downgrade(connection: Connection, url: str, revision: str) -> None:
    with _revisions_checked(connection, url, revision):
        command.downgrade(alembic_config(url, connection), revision)


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    message: str
    applied: bool


def history(url: str, current: str | None) -> list[RevisionInfo]:
    """Every revision, oldest first, marked applied up to the database's current one."""

    script = ScriptDirectory.from_config(alembic_config(url))
    ordered = list(reversed(list(script.walk_revisions())))
    applied_ids: set[str] = set()
    if current is not None and current in {s.revision for s in ordered}:
        # A revision unknown to this tracker (a newer one made it) marks nothing applied.
        applied_ids = {s.revision for s in script.iterate_revisions(current, "base")}
    return [
        RevisionInfo(s.revision, (s.doc or "").strip(), s.revision in applied_ids) for s in ordered
    ]


def current_revision(url: str) -> str | None:
    require_existing(url)
    try:
        with make_engine(url).connect() as connection:
            return stored_revision(connection)
    except OperationalError as exc:
        raise connection_error(url, exc) from None


def resolve_downgrade(current: str | None, target: str) -> str | None:
    """The revision a downgrade to `target` ends at: a revision name, `base` (None), or `-N`
    (N revisions back from `current`). Refuses anything that is not older than `current`."""

    if current is None:
        raise TrackerError("the database is not initialised: nothing to downgrade")
    if current not in REVISIONS:
        raise TrackerError(
            f"the database is at revision {current}, unknown to this tracker (a newer version "
            "made it): downgrade it with that version"
        )
    here = REVISIONS.index(current)
    if target == "base":
        return None
    if target.startswith("-") and target[1:].isdigit():
        steps = int(target[1:])
        if steps < 1 or steps > here + 1:
            raise TrackerError(
                f"cannot go {target} from {current}: it is {here + 1} revision(s) above base"
            )
        return None if steps == here + 1 else REVISIONS[here - steps]
    if target not in REVISIONS:
        raise TrackerError(
            f"unknown revision {target!r}; revisions: {', '.join(REVISIONS)}, base, or -N"
        )
    if REVISIONS.index(target) >= here:
        raise TrackerError(f"{target} is not older than the database's revision {current}")
    return target


def downgrade_losses(connection: Connection, current: str, target: str | None) -> list[str]:
    """What a downgrade from `current` to `target` (None: base) would drop, in words; empty when
    it drops no data. Each migration's downgrade runs from the newest down."""

    def count(sql: str) -> int:
        return int(connection.execute(text(sql)).scalar_one())

    start = REVISIONS.index(current)
    stop = -1 if target is None else REVISIONS.index(target)
    undone = set(REVISIONS[stop + 1 : start + 1])
    if "0001_initial" in undone:
        declarations = count("SELECT COUNT(*) FROM declarations")
        commitments = count("SELECT COUNT(*) FROM commitments")
        events = count("SELECT COUNT(*) FROM status_events")
        if declarations or commitments or events:
            return [
                f"every table: {declarations} declaration(s), {commitments} commitment(s) and "
                f"{events} event(s) with their evidence and hash chains"
            ]
        return []
    losses = []
    if "0018_attachments" in undone:
        documents = count("SELECT COUNT(*) FROM attachments")
        cited = count("SELECT COUNT(*) FROM evidence WHERE attachment_sha256 IS NOT NULL")
        if documents or cited:
            losses.append(
                f"{documents} attached document(s) and the attachment fields of {cited} "
                "evidence record(s) (their events' hashes cover them: those events would no "
                "longer verify)"
            )
    if "0016_follows" in undone:
        links = count("SELECT COUNT(*) FROM item_links")
        if links:
            losses.append(
                f"{links} follow-up link(s) between items (`follows`/`reaffirms`, with their "
                "reasons and hash chain)"
            )
    if "0015_japanese_names" in undone:
        japanese = count(
            "SELECT COUNT(*) FROM commitments WHERE owners_ja IS NOT NULL "
            "OR inferred_origins IS NOT NULL OR inferred_ja IS NOT NULL"
        ) + count(
            "SELECT COUNT(*) FROM declarations WHERE place_ja IS NOT NULL "
            "OR inferred_origins IS NOT NULL OR inferred_ja IS NOT NULL"
        )
        if japanese:
            losses.append(
                f"the Japanese place, owners' names or provenance notes of {japanese} item(s) "
                "and declaration(s)"
            )
    if "0014_text_revisions" in undone:
        # What an upgrade or a downgrade recorded is the tool's, not a load's.
        loads = count(
            "SELECT COUNT(*) FROM text_revisions WHERE source NOT LIKE 'upgrade %' "
            "AND source NOT LIKE 'downgrade %'"
        )
        if loads:
            losses.append(
                f"{loads} text revision(s) (the chained record of what each `tracker load` "
                "changed in the declarations' text)"
            )
    if "0013_clock" in undone:
        users = count("SELECT COUNT(*) FROM status_events WHERE db_user IS NOT NULL")
        if users:
            losses.append(f"the database user that inserted each of {users} event(s)")
        zone = connection.execute(
            text("SELECT value FROM settings WHERE key = 'time_zone'")
        ).scalar()
        if zone and zone != "UTC":
            losses.append(f"the tracker's time zone ({zone}; reports would reckon in UTC)")
    if "0011_milestones" in undone:
        announced = count("SELECT COUNT(*) FROM milestone_events")
        if announced:
            losses.append(
                f"{announced} milestone announcement(s) (dates announced for meetings and "
                "cut-offs moved, with their evidence and hash chains)"
            )
    if "0006_japanese" in undone:
        translated = count("SELECT COUNT(*) FROM commitments WHERE title_ja IS NOT NULL")
        if translated:
            losses.append(f"the Japanese translations of {translated} item(s)")
    if "0005_provenance" in undone:
        provenance = count(
            "SELECT COUNT(*) FROM commitments WHERE basis <> '' OR guidelines IS NOT NULL "
            "OR CAST(inferred AS TEXT) NOT IN ('{}', '') OR kind = 'priority'"
        )
        provenance += count(
            "SELECT COUNT(*) FROM declarations WHERE CAST(inferred AS TEXT) NOT IN ('{}', '')"
        )
        if provenance:
            losses.append(
                f"the basis, inferred fields, scoring guidelines or 'priority' kind of "
                f"{provenance} item(s) and declaration(s)"
            )
    if "0003_chain" in undone:
        events = count("SELECT COUNT(*) FROM status_events")
        if events:
            evidence = count("SELECT COUNT(*) FROM evidence")
            losses.append(
                f"the hash chain of {events} event(s) (a later upgrade computes a new one over "
                "whatever the rows then say, and records that it did)"
                + (
                    f" and the kind, title and date of {evidence} evidence record(s)"
                    if evidence
                    else ""
                )
            )
    return losses
