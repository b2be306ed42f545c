"""per-party assessment: the party an event assesses

Existing events keep party NULL: they assess the commitment as a whole, as they always did.

Revision ID: 0002_event_party
Revises: 0001_initial
Create Date: 2026-11-25 11:16:57.989047
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.errors import TrackerError

revision: str = "0002_event_party"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party", sa.String(length=80), nullable=True))
        batch_op.create_index(
            "ix_status_events_commitment_id_party",
            ["commitment_id", "party", "effective_on"],
            unique=False,
        )


def downgrade() -> None:
    # Without the column a party's event would read as a whole-commitment one and change the
    # derived status; refuse rather than rewrite history.
    count = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM status_events WHERE party IS NOT NULL"))
        .scalar_one()
    )
    if count:
        raise TrackerError(
            f"cannot downgrade below 0002_event_party: {count} per-party events would lose "
            "their party; export first (tracker export) if you must"
        )
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.drop_index("ix_status_events_commitment_id_party")
        batch_op.drop_column("party")
