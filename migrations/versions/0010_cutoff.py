"""a declaration's compliance period: the cut-off date of its final assessment

Nullable: a declaration without a cut-off is assessed as it goes, and an unassessed commitment
is "not yet assessed" (no score) in every report. `tracker load` of a fixture with `cutoff:`
fills it; the downgrade drops it (the fixture gives it again: nothing recorded is lost).

Revision ID: 0010_cutoff
Revises: 0009_status_days
Create Date: 2026-12-07 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_cutoff"
down_revision: str | None = "0009_status_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cutoff", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("cutoff")
