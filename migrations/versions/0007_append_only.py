"""append-only history in the database itself: triggers refuse UPDATE and DELETE

`status_events`, `evidence` and `chain_builds` get triggers (tracker.guards) that refuse UPDATE
and DELETE on SQLite and PostgreSQL (and TRUNCATE on PostgreSQL), so only someone who first
drops a guard can rewrite history, and `tracker verify` reports a missing guard. A database
that passed 0003_chain before chain_builds was part of it gets the table here; whether its
chains were built by that upgrade is not known, and verify cannot say. No rows change.

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

from tracker import guards

revision: str = "0007_append_only"
down_revision: str | None = "0006_japanese"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    guards.install(bind)


def downgrade() -> None:
    guards.remove(op.get_bind())
