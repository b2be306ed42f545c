"""unofficial Japanese translations of titles and descriptions

Nullable columns: an item without a translation is shown in English, marked as such. No data
changes; `tracker load` of a fixture with `title_ja`/`description_ja` fills them.

Revision ID: 0006_japanese
Revises: 0005_provenance
Create Date: 2026-12-01 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_japanese"
down_revision: str | None = "0005_provenance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_ja", sa.String(length=300), nullable=True))
    with op.batch_alter_table("pillars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_ja", sa.String(length=200), nullable=True))
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_ja", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("description_ja", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("target_label_ja", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("target_label_ja")
        batch_op.drop_column("description_ja")
        batch_op.drop_column("title_ja")
    with op.batch_alter_table("pillars", schema=None) as batch_op:
        batch_op.drop_column("title_ja")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("title_ja")
