"""each item's content hash stored beside its text

A report lists every item's content hash (tracker.chain.item_hash: what `verify --against`
compares with a saved copy); hashing 100,000 items took a quarter of the JSON report. `load`
and `import` now keep the hash in `commitments.content_hash`, and `tracker verify` recomputes
it from the text and reports an item whose stored hash disagrees. The upgrade computes it for
every existing item; the downgrade drops it (derived: nothing is lost).

Self-contained: the item hash below is ANCHOR_FORMAT 1 of tracker.chain as this revision wrote
it (tests/test_migrations.py holds the two equal while the format stands).

Revision ID: 0008_content_hash
Revises: 0007_append_only
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008_content_hash"
down_revision: str | None = "0007_append_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _names(value: Any) -> list[str | None]:
    if isinstance(value, str):  # a JSON column read as text (SQLite)
        value = json.loads(value)
    return [_text(str(v)) for v in value or []]


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return (
        value.isoformat()
        if isinstance(value, dt.date)
        else dt.date.fromisoformat(str(value)).isoformat()
    )


def item_hash(row: Any) -> str:
    fields = [
        1,
        _text(row.code),
        _text(row.pillar),
        _text(row.title),
        _text(row.description),
        _text(row.quote),
        _text(row.kind),
        _names(row.parties),
        _names(row.owners),
        _day(row.target_date),
        _text(row.target_label),
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def store_content_hashes(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT c.id, c.code, p.slug AS pillar, c.title, c.description, c.quote, c.kind, "
            "c.parties, c.owners, c.target_date, c.target_label "
            "FROM commitments c JOIN pillars p ON p.id = c.pillar_id"
        )
    ).all()
    hashes = [{"id": row.id, "hash": item_hash(row)} for row in rows]
    if hashes:
        bind.execute(sa.text("UPDATE commitments SET content_hash = :hash WHERE id = :id"), hashes)


def upgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_hash", sa.String(length=64), server_default="", nullable=False)
        )
    store_content_hashes(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("content_hash")
