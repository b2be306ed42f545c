"""Serialising writers that touch the same thing.

SQLite needs nothing here: every writing command holds the database write lock from its first
statement (BEGIN IMMEDIATE in tracker.db). PostgreSQL lets writers run side by side, so the events
of one commitment are serialised by a row lock on the commitment, and fixture loads by a
transaction-scoped advisory lock (two loads of one file then leave one copy of each item).
"""

from __future__ import annotations

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from tracker.models import Commitment

# PostgreSQL advisory lock keys, one per kind of work they serialise: ASCII tags, so that they
# read as ours in pg_locks and cannot meet each other.
LOAD_LOCK_KEY = 0x7472_6B6C  # "trkl"
MIGRATION_LOCK_KEY = 0x7472_6B6D  # "trkm"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _advisory_lock(executor: Session | Connection, key: int) -> None:
    executor.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


ANNOUNCE_LOCK_KEY = 0x7472_6B61  # "trka"


def lock_for_announcement(session: Session) -> None:
    """Two announcements at once would both read the same chain end: the second waits. An
    advisory lock, as a recorder role may not SELECT ... FOR UPDATE (it cannot UPDATE); SQLite
    takes one writer at a time anyway."""
    if _is_postgres(session):
        _advisory_lock(session, ANNOUNCE_LOCK_KEY)


LINK_LOCK_KEY = 0x7472_6B66  # "trkf"


def lock_for_link(session: Session) -> None:
    """Two links at once would both read the same end of the links' chain: the second waits."""
    if _is_postgres(session):
        _advisory_lock(session, LINK_LOCK_KEY)


def lock_for_load(session: Session) -> None:
    if _is_postgres(session):
        _advisory_lock(session, LOAD_LOCK_KEY)


def lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        _advisory_lock(connection, MIGRATION_LOCK_KEY)


def lock_commitment(session: Session, commitment_id: int) -> Commitment:
    """The commitment, locked for this transaction and re-read so its status is current."""
    statement = select(Commitment).where(Commitment.id == commitment_id)
    if _is_postgres(session):
        statement = statement.with_for_update()
    found = session.scalars(statement.execution_options(populate_existing=True)).one()
    return found
