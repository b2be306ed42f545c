"""each item's last update cached beside its status

`list` shows when each item was last updated: the effective date of its latest live event (one
not superseded by a correction), of the item as a whole or of any party. Reading it from the
events for every row would cost `list --all` a lookup per item, so it is kept in
`commitments.last_update`, written in the same transaction as each event (as the cached status
is) and checked by `tracker verify`. Derived: exports do not carry it; import recomputes it.

The upgrade fills it from the existing events; the downgrade drops it (nothing is lost). It also
indexes the events by recording time, for `log --recorded-since` and `news` (what was recorded
since a moment, whatever its effective date).

Revision ID: 0017_last_update
Revises: 0016_follows
Create Date: 2026-12-08 00:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_last_update"
down_revision: str | None = "0016_follows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The latest effective date among an item's live events: an event is live unless a later one
# names it in corrects_id.
FILL = (
    "UPDATE commitments SET last_update = ("
    "SELECT MAX(e.effective_on) FROM status_events e "
    "WHERE e.commitment_id = commitments.id "
    "AND NOT EXISTS (SELECT 1 FROM status_events x WHERE x.corrects_id = e.id))"
)


def upgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update", sa.Date(), nullable=True))
    op.execute(FILL)
    # An index, not a rebuild: the guarded table keeps its triggers on SQLite.
    op.create_index(
        op.f("ix_status_events_recorded_at"), "status_events", ["recorded_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_status_events_recorded_at"), table_name="status_events")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("last_update")
