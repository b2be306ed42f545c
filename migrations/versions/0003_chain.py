"""tamper-evident chain, corrections, evidence records

Existing events get their place in each commitment's chain (seq, in recording order) and their
hashes computed here, so a database upgraded with history verifies like a new one. Existing
evidence becomes kind 'other'. Hashes computed here prove nothing about what happened to those
events before the upgrade, so the upgrade records that it built them (table chain_builds, with
when and how many), and `tracker verify` says so. It never recomputes a hash an event already
had: the columns are new here.

Self-contained on purpose: the hash below is chain FORMAT 1 as this revision wrote it, copied
here rather than imported from tracker.chain, so a later change there cannot change what an
upgrade from an older database computes (tests/test_migrations.py holds it to the golden
vectors).

Revision ID: 0003_chain
Revises: 0002_event_party
Create Date: 2026-11-25 11:23:43.025073
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

from tracker.errors import TrackerError

revision: str = "0003_chain"
down_revision: str | None = "0002_event_party"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _utc(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(previous: str, row: Any, seq: int, evidence: list[str]) -> str:
    """Chain FORMAT 1 of an event of this revision: no correction yet, evidence of kind
    'other' without title or date."""
    fields: list[tuple[str, object]] = [
        ("format", 1),
        ("code", _text(row.code)),
        ("seq", seq),
        ("party", _text(row.party)),
        ("from_status", row.from_status),
        ("to_status", row.to_status),
        ("note", _text(row.note)),
        ("reason", _text(row.reason)),
        ("actor", _text(row.actor)),
        ("effective_on", row.effective_on.isoformat()),
        ("recorded_at", _utc(row.recorded_at)),
        ("corrects_seq", None),
        ("evidence", [[_text(reference), "other", None, None] for reference in evidence]),
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(canonical.encode("utf-8"))
    return digest.hexdigest()


def _backfill_chain() -> None:
    bind = op.get_bind()
    events = bind.execute(
        sa.text(
            "SELECT e.id, e.commitment_id, c.code, e.party, e.from_status, e.to_status, e.note, "
            "e.reason, e.actor, e.effective_on, e.recorded_at "
            "FROM status_events e JOIN commitments c ON c.id = e.commitment_id "
            "ORDER BY e.commitment_id, e.id"
        ).columns(effective_on=sa.Date(), recorded_at=sa.DateTime(timezone=True))
    ).all()
    evidence: dict[int, list[str]] = {}
    for event_id, reference in bind.execute(
        sa.text("SELECT event_id, reference FROM evidence ORDER BY event_id, position")
    ):
        evidence.setdefault(event_id, []).append(reference)
    previous: dict[int, tuple[int, str]] = {}
    for row in events:
        seq, prev_hash = previous.get(row.commitment_id, (0, GENESIS))
        seq += 1
        digest = event_hash(prev_hash, row, seq, evidence.get(row.id, []))
        bind.execute(
            sa.text(
                "UPDATE status_events SET seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id"
            ),
            {"seq": seq, "prev": prev_hash, "hash": digest, "id": row.id},
        )
        previous[row.commitment_id] = (seq, digest)
    if events:
        bind.execute(
            sa.text(
                "INSERT INTO chain_builds (revision, built_at, events, last_event_id) "
                "VALUES (:revision, :at, :n, :last)"
            ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True))),
            {
                "revision": revision,
                "at": dt.datetime.now(dt.UTC),
                "n": len(events),
                "last": max(row.id for row in events),
            },
        )
    for commitment_id, (length, head) in previous.items():
        bind.execute(
            sa.text("UPDATE commitments SET chain_length = :n, chain_head = :head WHERE id = :id"),
            {"n": length, "head": head, "id": commitment_id},
        )


def create_chain_builds() -> None:
    """Also called by 0006 on a database that passed 0003 before this table was added to it."""
    op.create_table(
        "chain_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=32), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_builds")),
    )


def upgrade() -> None:
    create_chain_builds()
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=30), server_default="other", nullable=False)
        )
        batch_op.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("published_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_evidence_kind"),
            "kind IN ('official_statement', 'news_report', 'document', 'other')",
        )

    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain_length", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("chain_head", sa.String(length=64), server_default=GENESIS, nullable=False)
        )

    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("corrects_id", sa.Integer(), nullable=True))

    _backfill_chain()

    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_status_events_corrects_id", ["corrects_id"], unique=False)
        batch_op.create_unique_constraint(
            op.f("uq_status_events_commitment_id_seq"), ["commitment_id", "seq"]
        )
        batch_op.create_foreign_key(
            op.f("fk_status_events_corrects_id_status_events"),
            "status_events",
            ["corrects_id"],
            ["id"],
        )


def downgrade() -> None:
    # Without corrects_id a correction would read as a plain event and change derived statuses.
    count = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM status_events WHERE corrects_id IS NOT NULL"))
        .scalar_one()
    )
    if count:
        raise TrackerError(
            f"cannot downgrade below 0003_chain: {count} corrections would lose what they "
            "correct; export first (tracker export) if you must"
        )
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_status_events_corrects_id_status_events"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("uq_status_events_commitment_id_seq"), type_="unique")
        batch_op.drop_index("ix_status_events_corrects_id")
        for column in ("corrects_id", "hash", "prev_hash", "seq"):
            batch_op.drop_column(column)

    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("chain_head")
        batch_op.drop_column("chain_length")

    # IF EXISTS: a database that passed 0003 before the table was part of it got it from 0007_append_only.
    op.execute("DROP TABLE IF EXISTS chain_builds")

    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_evidence_kind"), type_="check")
        for column in ("published_on", "title", "kind"):
            batch_op.drop_column(column)
