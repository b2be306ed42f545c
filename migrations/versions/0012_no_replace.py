"""SQLite: REPLACE refused on the append-only tables

`REPLACE INTO status_events ...` (or `INSERT OR REPLACE`) naming an existing event deletes it
and inserts the new row, and SQLite fires no DELETE trigger for that unless recursive triggers
are on: the append-only guards of 0007 and 0011 let it through. A BEFORE INSERT trigger on each
guarded table refuses a row whose id or chain key (commitment and seq, event and position,
milestone and seq) is already there, which no honest insert has. PostgreSQL has no REPLACE; its
`INSERT ... ON CONFLICT DO UPDATE` is an UPDATE, which its guards refuse already. No rows change.

The triggers' SQL is this revision's own copy (tracker.triggers is `tracker db guard`'s).

Revision ID: 0012_no_replace
Revises: 0011_milestones
Create Date: 2026-12-07 20:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_no_replace"
down_revision: str | None = "0011_milestones"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = {
    "status_events": ("commitment_id", "seq"),
    "evidence": ("event_id", "position"),
    "chain_builds": (),
    "milestone_events": ("milestone_id", "seq"),
}


def _trigger(table: str, keys: tuple[str, ...]) -> str:
    clash = "id = NEW.id"
    if keys:
        clash += " OR (" + " AND ".join(f"{k} = NEW.{k}" for k in keys) + ")"
    return (
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
        f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) BEGIN "
        f"SELECT RAISE(ABORT, '{table} is append-only: REPLACE refused (tracker)'); END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, keys in KEYS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        op.execute(_trigger(table, keys))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in KEYS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
