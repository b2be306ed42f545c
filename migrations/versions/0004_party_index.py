"""index on the party of status events

Reports find every party's own assessments in one range scan of this index instead of one
lookup per commitment and party. No data changes; creating the index keeps every row.

Revision ID: 0004_party_index
Revises: 0003_chain
Create Date: 2026-11-25 13:26:06.162405
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_party_index"
down_revision: str | None = "0003_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain CREATE INDEX on both engines: no table rebuild, so no batch mode.
    op.create_index("ix_status_events_party", "status_events", ["party", "commitment_id"])


def downgrade() -> None:
    op.drop_index("ix_status_events_party", table_name="status_events")
