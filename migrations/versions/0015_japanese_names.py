"""Japanese for what Japanese reports printed in English: the place, the owners, the provenance

A Japanese report printed the declaration's place, the owners (MOD, JMOD) and every note on an
inferred value in English, and labelled every inferred value 推定 whatever its origin. Nullable
columns, None until `tracker load` of a fixture that gives them (the report then falls back to
the English, marked):

- declarations.place_ja; declarations and commitments: inferred_origins (each inferred field's
  kind of origin: reporting, analyst or rule) and inferred_ja (its note in Japanese);
- commitments.owners_ja: the owners' Japanese names, from the fixture's table of names.

No data changes on upgrade: content hashes cover these fields only when they are set
(tracker.chain), so every stored hash stays valid. The downgrade drops them (it asks first when
any is set) and recomputes the content hash of every item without them (this revision's own
copy of FORMAT 2), and appends a text revision per declaration it changed (source "downgrade
0015_japanese_names") recording the text as it leaves it.

Revision ID: 0015_japanese_names
Revises: 0014_text_revisions
Create Date: 2026-12-08 00:20:00
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

revision: str = "0015_japanese_names"
down_revision: str | None = "0014_text_revisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_ja", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("inferred_origins", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("inferred_ja", sa.JSON(), nullable=True))
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owners_ja", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("inferred_origins", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("inferred_ja", sa.JSON(), nullable=True))


# --- FORMAT 2 without this revision's fields (as 0014 wrote it) ---------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value)
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _names(value: Any) -> list[str | None]:
    return [_text(v) for v in _json(value) or []]


def _mapping(value: Any) -> dict[str, str | None] | None:
    value = _json(value)
    if value is None:
        return None
    return {_text(k) or "": _text(v) for k, v in dict(value).items()}


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return dt.date.fromisoformat(str(value)[:10]).isoformat()


def _item_hash(row: Any) -> str:
    fields: list[Any] = [
        2,
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
        _text(row.declaration),
        _text(row.pillar_title),
        _text(row.pillar_title_ja),
        _text(row.title_ja),
        _text(row.description_ja),
        _text(row.target_label_ja),
        _text(row.milestone),
        _text(row.basis or ""),
        _mapping(row.inferred) or {},
        _mapping(row.guidelines),
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _declaration_hash(row: Any, milestones: list[Any]) -> str:
    fields = [
        2,
        _text(row.slug),
        _text(row.title),
        _day(row.date),
        _text(row.place),
        _names(row.parties),
        _text(row.source),
        _text(row.source_text),
        _text(row.title_ja),
        _mapping(row.inferred) or {},
        _day(row.cutoff),
        [
            [_text(m.slug), _text(m.kind), _text(m.title), _text(m.title_ja), _day(m.date),
             _text(m.rule or "")]
            for m in sorted(milestones, key=lambda m: m.slug)
            if m.kind != "cutoff"
        ],
    ]  # fmt: skip
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _revision_hash(previous: str, slug: str, values: dict[str, Any]) -> str:
    stamp = values["recorded_at"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = [
        ("format", 1),
        ("revision", _text(slug)),
        ("seq", values["seq"]),
        ("source", _text(values["source"])),
        ("actor", _text(values["actor"])),
        ("recorded_at", stamp),
        (
            "changes",
            sorted([_text(k), [_text(n) for n in v]] for k, v in values["changes"].items()),
        ),
        ("declaration_hash", values["declaration_hash"]),
        ("items", sorted([_text(k), v] for k, v in values["items"].items())),
    ]
    content = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(previous.encode("ascii") + content).hexdigest()


ITEMS = (
    "SELECT c.id, c.code, c.declaration_id, d.slug AS declaration, p.slug AS pillar, "
    "p.title AS pillar_title, p.title_ja AS pillar_title_ja, c.title, c.description, c.quote, "
    "c.kind, c.parties, c.owners, c.target_date, c.target_label, c.title_ja, "
    "c.description_ja, c.target_label_ja, c.milestone, c.basis, c.inferred, c.guidelines "
    "FROM commitments c JOIN pillars p ON p.id = c.pillar_id "
    "JOIN declarations d ON d.id = c.declaration_id "
    "WHERE c.owners_ja IS NOT NULL OR c.inferred_origins IS NOT NULL "
    "OR c.inferred_ja IS NOT NULL ORDER BY c.id"
)


DECLARATIONS = (
    "SELECT id, slug, title, date, place, parties, source, source_text, title_ja, inferred, "
    "cutoff FROM declarations WHERE place_ja IS NOT NULL OR inferred_origins IS NOT NULL "
    "OR inferred_ja IS NOT NULL ORDER BY id"
)
DROPPED = ["place_ja", "owners_ja", "inferred_origins", "inferred_ja"]


def downgrade() -> None:
    bind = op.get_bind()
    # Only items and declarations with a field of this revision have a hash that covers one:
    # each gets its hash without them, and each declaration a text revision recording the text
    # as the downgrade leaves it (so `verify` does not call the dropped fields an edit).
    hashes = []
    items: dict[int, dict[str, str]] = {}
    for row in bind.execute(sa.text(ITEMS)):
        digest = _item_hash(row)
        hashes.append({"id": row.id, "hash": digest})
        items.setdefault(row.declaration_id, {})[row.code] = digest
    changed = {row.id: row for row in bind.execute(sa.text(DECLARATIONS))}
    milestones: dict[int, list[Any]] = {}
    for m in bind.execute(
        sa.text("SELECT declaration_id, slug, kind, title, title_ja, date, rule FROM milestones")
    ):
        milestones.setdefault(m.declaration_id, []).append(m)
    revisions = []
    now = dt.datetime.now(dt.UTC)
    for declaration_id in sorted(set(items) | set(changed)):
        row = (
            changed.get(declaration_id)
            or bind.execute(
                sa.text(DECLARATIONS.split(" WHERE ")[0] + " WHERE id = :id"),
                {"id": declaration_id},
            ).one()
        )
        last = bind.execute(
            sa.text(
                "SELECT seq, hash FROM text_revisions WHERE declaration_id = :id "
                "ORDER BY seq DESC LIMIT 1"
            ),
            {"id": declaration_id},
        ).first()
        seq, previous = (last.seq + 1, last.hash) if last else (1, "0" * 64)
        changes = {code: list(DROPPED[1:]) for code in items.get(declaration_id, {})}
        if declaration_id in changed:
            changes[f"declaration {row.slug}"] = [DROPPED[0], *DROPPED[2:]]
        values: dict[str, Any] = {
            "declaration_id": declaration_id,
            "seq": seq,
            "source": f"downgrade {revision}",
            "actor": "tracker",
            "recorded_at": now,
            "changes": changes,
            "declaration_hash": _declaration_hash(row, milestones.get(declaration_id, [])),
            "items": items.get(declaration_id, {}),
            "prev_hash": previous,
        }
        values["hash"] = _revision_hash(previous, row.slug, values)
        if bind.dialect.name == "sqlite":
            values["recorded_at"] = now.replace(tzinfo=None)  # stored as UTC, as UTCDateTime
        revisions.append(values)
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("inferred_ja")
        batch_op.drop_column("inferred_origins")
        batch_op.drop_column("owners_ja")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("inferred_ja")
        batch_op.drop_column("inferred_origins")
        batch_op.drop_column("place_ja")
    if hashes:
        bind.execute(sa.text("UPDATE commitments SET content_hash = :hash WHERE id = :id"), hashes)
    table = sa.table(
        "text_revisions",
        *(sa.column(name) for name in ("declaration_id", "seq", "source", "actor",
                                       "declaration_hash", "prev_hash", "hash")),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("changes", sa.JSON()),
        sa.column("items", sa.JSON()),
    )  # fmt: skip
    for values in revisions:
        bind.execute(table.insert().values(**values))
