"""one clock for everyone: the tracker's time zone in the database, and who inserted each event

- `settings`: settings of the whole tracker, not of one user; the first is `time_zone` (an
  IANA name; absent means UTC), the zone in which "today" is reckoned by every command
  (tracker.clock), so a Tokyo user's "today" is not "tomorrow" for a colleague in London.
- `status_events.db_user`: on PostgreSQL, the database user (`session_user`) that inserted the
  event, beside the name typed with --by. A BEFORE INSERT trigger sets it, so a recorder role
  cannot write another name; the tables' owner (who restores an export) may keep the one a row
  carries. SQLite has no users: the column stays empty there.

Existing events keep an empty db_user (who inserted them is not known). No hash changes: the
column is outside the event hash, and the trigger guards it instead.

Revision ID: 0013_clock
Revises: 0012_no_replace
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_clock"
down_revision: str | None = "0012_no_replace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "tracker_db_user"
BODY = (
    " BEGIN IF NOT pg_has_role(session_user, "
    "(SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') "
    "THEN NEW.db_user := session_user; END IF; RETURN NEW; END "
)


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    # A plain ADD COLUMN on SQLite too: batch mode would rebuild the table and drop its guards.
    op.add_column("status_events", sa.Column("db_user", sa.String(length=63), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $${BODY}$$"
        )
        op.execute(
            "CREATE TRIGGER status_events_db_user BEFORE INSERT ON status_events "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS status_events_db_user ON status_events")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    # SQLite 3.35+ drops a column in place (no rebuild, so the guards stay).
    op.execute("ALTER TABLE status_events DROP COLUMN db_user")
    op.drop_table("settings")
