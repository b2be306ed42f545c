"""kinds that say who says what; basis, provenance and scoring guidelines

The kinds become commitment / priority / ongoing / outlook. An old `prospective` item was a
direction the source announced without an undertaking, which is what `outlook` now names; the
others keep their kind until `tracker load` of a reclassified fixture says otherwise (and reports
each change). Every row and event is kept; hashes cover events only, so no chain changes.

Revision ID: 0005_provenance
Revises: 0004_party_index
Create Date: 2026-12-01 21:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_provenance"
down_revision: str | None = "0004_party_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('commitment', 'ongoing', 'prospective')"
NEW_KINDS = "kind IN ('commitment', 'priority', 'ongoing', 'outlook')"


def upgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inferred", sa.JSON(), server_default="{}", nullable=False))

    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_commitments_kind"), type_="check")
        batch_op.add_column(sa.Column("basis", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("inferred", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("guidelines", sa.JSON(), nullable=True))

    op.execute("UPDATE commitments SET kind = 'outlook' WHERE kind = 'prospective'")

    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_commitments_kind"), NEW_KINDS)


def downgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_commitments_kind"), type_="check")

    # The old vocabulary scored every stated priority as a commitment.
    op.execute("UPDATE commitments SET kind = 'prospective' WHERE kind = 'outlook'")
    op.execute("UPDATE commitments SET kind = 'commitment' WHERE kind = 'priority'")

    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("guidelines")
        batch_op.drop_column("inferred")
        batch_op.drop_column("basis")
        batch_op.create_check_constraint(op.f("ck_commitments_kind"), OLD_KINDS)

    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("inferred")
