"""Serialising writers that touch the same thing.

SQLite needs nothing here: every writing command holds the database write lock from its first
statement (BEGIN IMMEDIATE in tracker.db). PostgreSQL lets writers run side by side, so the events
of one commitment are serialised by a row lock on the commitment, and fixture loads by a
transaction-scoped advisory lock (two loads of one file then leave one copy of each item).
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tracker.models import Commitment

_LOAD_LOCK_KEY = 0x7472_6B6C  # "trkl"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_for_load(session: Session) -> None:
    if _is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOAD_LOCK_KEY})


def lock_commitment(session: Session, commitment_id: int) -> Commitment:
    """The commitment, locked for this transaction and re-read so its status is current."""
    statement = select(Commitment).where(Commitment.id == commitment_id)
    if _is_postgres(session):
        statement = statement.with_for_update()
    found = session.scalars(statement.execution_options(populate_existing=True)).one()
    return found
