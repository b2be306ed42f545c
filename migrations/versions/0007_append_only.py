"""append-only history in the database itself: triggers refuse UPDATE and DELETE

`status_events`, `evidence` and `chain_builds` get triggers that refuse UPDATE
and DELETE on SQLite and PostgreSQL (and TRUNCATE on PostgreSQL), so only someone who first
drops a guard can rewrite history, and `tracker verify` reports a missing guard. A database
that passed 0003_chain before chain_builds was part of it gets the table here; whether its
chains were built by that upgrade is not known, and verify cannot say. No rows change.

The triggers' SQL is this revision's own copy, not tracker.triggers' (which `tracker verify`
and `tracker db guard` use): a later change of the guards comes with a migration of its own.

Revision ID: 0007_append_only
Revises: 0006_japanese
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0007_append_only"
down_revision: str | None = "0006_japanese"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARDED = ("status_events", "evidence", "chain_builds")
PG_FUNCTION = "tracker_append_only"
PG_BODY = (
    " BEGIN RAISE EXCEPTION '% is append-only: % refused (tracker)', TG_TABLE_NAME, TG_OP "
    "USING ERRCODE = 'restrict_violation'; END "
)


def _install(bind: sa.Connection) -> None:
    if bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $${PG_BODY}$$"
        )
        for table in GUARDED:
            for name, when, each in (
                (f"{table}_append_only", "UPDATE OR DELETE", "ROW"),
                (f"{table}_no_truncate", "TRUNCATE", "STATEMENT"),
            ):
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {when} ON {table} "
                    f"FOR EACH {each} EXECUTE FUNCTION {PG_FUNCTION}()"
                )
        return
    for table in GUARDED:
        for operation in ("UPDATE", "DELETE"):
            name = f"{table}_no_{operation.lower()}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only: {operation} refused (tracker)'); END"
            )


def _remove(bind: sa.Connection) -> None:
    postgres = bind.dialect.name == "postgresql"
    for table in GUARDED:
        suffixes = ("append_only", "no_truncate") if postgres else ("no_update", "no_delete")
        for suffix in suffixes:
            on = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}{on}")
    if postgres:
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")


def _create_chain_builds() -> None:
    # The table is 0003's; reuse its definition rather than keep two copies.
    path = Path(__file__).with_name("0003_chain.py")
    spec = importlib.util.spec_from_file_location("tracker_migration_0003", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.create_chain_builds()


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("chain_builds"):
        _create_chain_builds()
    _install(bind)


def downgrade() -> None:
    _remove(op.get_bind())
