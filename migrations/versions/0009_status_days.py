"""the burn-up cache: each declaration's status counts moved per day

The report's burn-up series read every live whole-item event through a window query: about
2 s at 1,000,000 events, more than the rest of the terminal report. `status_days` keeps, per
declaration, day and status, the net change in the number of items in that status and how many
moves made it (tracker.burnup); `progress`, bulk appends and `import` keep it in the same
transaction as the events, and `tracker verify` recomputes it. The upgrade builds it from the
existing events; the downgrade drops it (derived: nothing is lost).

Revision ID: 0009_status_days
Revises: 0008_content_hash
Create Date: 2026-12-02 01:22:58
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.burnup import rebuild

revision: str = "0009_status_days"
down_revision: str | None = "0008_content_hash"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("status_days")
