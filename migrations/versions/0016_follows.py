"""follow-up links between items: `item_links`, hash-chained and append-only

A later statement continues earlier commitments (issue 25): an item `follows` an earlier one or
`reaffirms` it. Each link names the later and the earlier item, its kind, why, what made it
(`load FILE` or `link`), who and when, and its place in one hash chain over all links
(tracker.chain.link_hash); like events it is guarded against UPDATE and DELETE (and TRUNCATE,
and SQLite's REPLACE) with this revision's own copy of the guard SQL (tracker.triggers).

The downgrade drops the links (it asks first when there are any).

Revision ID: 0016_follows
Revises: 0015_japanese_names
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_follows"
down_revision: str | None = "0015_japanese_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARDED = "item_links"
PG_FUNCTION = "tracker_append_only"


def _guard(bind: sa.Connection) -> None:
    if bind.dialect.name == "postgresql":
        # The function is 0007's, shared by every guarded table.
        for name, when, each in (
            (f"{GUARDED}_append_only", "UPDATE OR DELETE", "ROW"),
            (f"{GUARDED}_no_truncate", "TRUNCATE", "STATEMENT"),
        ):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {when} ON {GUARDED} "
                f"FOR EACH {each} EXECUTE FUNCTION {PG_FUNCTION}()"
            )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {GUARDED}_no_{operation.lower()} BEFORE {operation} ON {GUARDED} "
            f"BEGIN SELECT RAISE(ABORT, '{GUARDED} is append-only: {operation} refused "
            "(tracker)'); END"
        )
    op.execute(
        f"CREATE TRIGGER {GUARDED}_no_replace BEFORE INSERT ON {GUARDED} "
        f"WHEN EXISTS (SELECT 1 FROM {GUARDED} WHERE id = NEW.id OR (seq = NEW.seq)) BEGIN "
        f"SELECT RAISE(ABORT, '{GUARDED} is append-only: REPLACE refused (tracker)'); END"
    )


def upgrade() -> None:
    op.create_table(
        GUARDED,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('follows', 'reaffirms')", name=op.f("ck_item_links_kind")),
        sa.CheckConstraint("commitment_id <> target_id", name=op.f("ck_item_links_not_self")),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name=op.f("fk_item_links_commitment_id_commitments"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["commitments.id"], name=op.f("fk_item_links_target_id_commitments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_links")),
        sa.UniqueConstraint(
            "commitment_id", "target_id", name=op.f("uq_item_links_commitment_id_target_id")
        ),
        sa.UniqueConstraint("seq", name=op.f("uq_item_links_seq")),
    )
    op.create_index("ix_item_links_target_id", GUARDED, ["target_id"], unique=False)
    _guard(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_append_only ON {GUARDED}")
        op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_no_truncate ON {GUARDED}")
    else:
        for suffix in ("no_update", "no_delete", "no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_{suffix}")
    op.drop_index("ix_item_links_target_id", table_name=GUARDED)
    op.drop_table(GUARDED)
