"""attached documents kept by content

`progress --attach FILE` keeps the document itself, not only a path that may move or change:
its bytes go to `attachments`, once per distinct content (keyed by SHA-256), and the evidence
row records the file's name, size, media type and hash, inside the event's hash. `attachments`
is append-only like the history (the same guards as 0007's; a recorder role may insert into
it). The downgrade drops the documents and the evidence's attachment fields (it asks first when
there are any).

Revision ID: 0018_attachments
Revises: 0017_last_update
Create Date: 2026-12-08 00:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_attachments"
down_revision: str | None = "0017_last_update"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARDED = "attachments"
PG_FUNCTION = "tracker_append_only"
COLUMNS = ("attachment_name", "attachment_size", "attachment_type", "attachment_sha256")


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
        f"WHEN EXISTS (SELECT 1 FROM {GUARDED} WHERE id = NEW.id OR (sha256 = NEW.sha256)) "
        f"BEGIN SELECT RAISE(ABORT, '{GUARDED} is append-only: REPLACE refused (tracker)'); END"
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        GUARDED,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("sha256", name=op.f("uq_attachments_sha256")),
    )
    _guard(bind)
    # Plain ALTER TABLE ... ADD COLUMN on both engines: evidence is not rebuilt (on SQLite a
    # rebuild would drop its append-only triggers).
    op.add_column("evidence", sa.Column("attachment_name", sa.String(length=255), nullable=True))
    op.add_column("evidence", sa.Column("attachment_size", sa.Integer(), nullable=True))
    op.add_column("evidence", sa.Column("attachment_type", sa.String(length=100), nullable=True))
    op.add_column("evidence", sa.Column("attachment_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_append_only ON {GUARDED}")
        op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_no_truncate ON {GUARDED}")
    else:
        for suffix in ("no_update", "no_delete", "no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_{suffix}")
    op.drop_table(GUARDED)
    # SQLite (3.35 and later) drops a column in place, as PostgreSQL does: no rebuild.
    for column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE evidence DROP COLUMN {column}")
