"""each item's content hash stored beside its text

A report lists every item's content hash (tracker.chain.item_hash: what `verify --against`
compares with a saved copy); hashing 100,000 items took a quarter of the JSON report. `load`
and `import` now keep the hash in `commitments.content_hash`, and `tracker verify` recomputes
it from the text and reports an item whose stored hash disagrees. The upgrade computes it for
every existing item; the downgrade drops it (derived: nothing is lost).

Revision ID: 0008_content_hash
Revises: 0007_append_only
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.anchor import store_content_hashes

revision: str = "0008_content_hash"
down_revision: str | None = "0007_append_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_hash", sa.String(length=64), server_default="", nullable=False)
        )
    store_content_hashes(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("content_hash")
