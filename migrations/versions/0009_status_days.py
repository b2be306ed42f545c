"""the burn-up cache: each declaration's status counts moved per day

The report's burn-up series read every live whole-item event through a window query: about
2 s at 1,000,000 events, more than the rest of the terminal report. `status_days` keeps, per
declaration, day and status, the net change in the number of items in that status and how many
moves made it (tracker.burnup); `progress`, bulk appends and `import` keep it in the same
transaction as the events, and `tracker verify` recomputes it. The upgrade builds it from the
existing events; the downgrade drops it (derived: nothing is lost).

Self-contained: the rules below (an event is live when no event corrects it; an item moves from
the status of its previous live whole-item event, else not_started) are this revision's copy of
tracker.timeline and tracker.burnup, so a later change there cannot change this upgrade.

Revision ID: 0009_status_days
Revises: 0008_content_hash
Create Date: 2026-12-02 01:22:58
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_status_days"
down_revision: str | None = "0008_content_hash"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Each live whole-item event with the status its item had before it (NULL: its first).
MOVES = """
SELECT c.declaration_id, m.effective_on, m.previous, m.to_status, COUNT(*) AS n
FROM (
    SELECT e.commitment_id, e.effective_on, e.to_status,
           LAG(e.to_status) OVER (
               PARTITION BY e.commitment_id ORDER BY e.effective_on, e.id
           ) AS previous
    FROM status_events e
    WHERE e.party IS NULL AND NOT EXISTS (
        SELECT 1 FROM status_events corrections WHERE corrections.corrects_id = e.id
    )
) m JOIN commitments c ON c.id = m.commitment_id
GROUP BY c.declaration_id, m.effective_on, m.previous, m.to_status
"""


def _rebuild(bind: sa.Connection) -> None:
    rows: dict[tuple[int, dt.date, str], list[int]] = {}
    for declaration_id, day, previous, status, n in bind.execute(sa.text(MOVES)):
        on = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)  # SQLite: text
        for key, delta in (
            ((declaration_id, on, status), n),
            ((declaration_id, on, previous or "not_started"), -n),
        ):
            row = rows.setdefault(key, [0, 0])
            row[0] += delta
            row[1] += n
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO status_days (declaration_id, day, status, delta, moves) "
                "VALUES (:declaration_id, :day, :status, :delta, :moves)"
            ).bindparams(sa.bindparam("day", type_=sa.Date())),
            [
                {"declaration_id": d, "day": on, "status": status, "delta": delta, "moves": moves}
                for (d, on, status), (delta, moves) in sorted(rows.items())
            ],
        )


def upgrade() -> None:
    op.create_table(
        "status_days",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'stalled', 'partially_achieved', 'achieved', 'dropped')",
            name=op.f("ck_status_days_status"),
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_status_days_declaration_id_declarations"),
        ),
        sa.PrimaryKeyConstraint("declaration_id", "day", "status", name=op.f("pk_status_days")),
    )
    _rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("status_days")
