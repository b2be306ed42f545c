"""content hashes in FORMAT 2, covering all that readers read, and text revisions

FORMAT 1 of an item's content hash covered its English text and assignment; the Japanese text,
the basis, the guidelines, what is inferred, its pillar's titles, its milestone and its
declaration could be rewritten with plain SQL and every digest stayed the same. Here:

- every item's `content_hash` (derived) is recomputed in FORMAT 2 (tracker/chain.py), which
  covers them all; a declaration's hash in FORMAT 2 also covers its Japanese title, what is
  inferred, its cut-off and its meetings. Anchors saved before (reports, exports, digests) say
  FORMAT 1 by saying nothing, and `verify --against` recomputes FORMAT 1 for them;
- `text_revisions`: per declaration, a hash-chained, append-only record of each change of its
  text by `tracker load` (tracker.revisions), guarded as events are. This upgrade records the
  text it finds as each declaration's first revision (source "upgrade 0014_text_revisions"):
  what revisions prove starts then, and `verify` says so.

The hashing here is this revision's own copy (tracker.chain is the live one; a test holds them
equal while FORMAT 2 stands). The downgrade drops the revisions (it asks first when `load` made
any) and puts FORMAT 1 hashes back.

Revision ID: 0014_text_revisions
Revises: 0013_clock
Create Date: 2026-12-07 22:30:00
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

revision: str = "0014_text_revisions"
down_revision: str | None = "0013_clock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARDED = "text_revisions"
PG_FUNCTION = "tracker_append_only"
GENESIS = "0" * 64
SOURCE = "upgrade 0014_text_revisions"


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


def _digest(fields: list[Any]) -> str:
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_hash(row: Any, version: int) -> str:
    fields: list[Any] = [
        version,
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
    if version == 2:
        fields += [
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
    return _digest(fields)


def declaration_hash(row: Any, milestones: list[Any]) -> str:
    return _digest(
        [
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
        ]
    )  # fmt: skip


def revision_hash(previous: str, slug: str, values: dict[str, Any]) -> str:
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
    "JOIN declarations d ON d.id = c.declaration_id ORDER BY c.id"
)


def _store(bind: sa.Connection, version: int) -> dict[int, dict[str, str]]:
    """Every item's content hash recomputed in `version`; by declaration, code → hash."""
    by_declaration: dict[int, dict[str, str]] = {}
    hashes = []
    for row in bind.execute(sa.text(ITEMS)):
        digest = item_hash(row, version)
        hashes.append({"id": row.id, "hash": digest})
        by_declaration.setdefault(row.declaration_id, {})[row.code] = digest
    if hashes:
        bind.execute(sa.text("UPDATE commitments SET content_hash = :hash WHERE id = :id"), hashes)
    return by_declaration


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
        f"WHEN EXISTS (SELECT 1 FROM {GUARDED} WHERE id = NEW.id OR (declaration_id = "
        "NEW.declaration_id AND seq = NEW.seq)) BEGIN "
        f"SELECT RAISE(ABORT, '{GUARDED} is append-only: REPLACE refused (tracker)'); END"
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        GUARDED,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("declaration_hash", sa.String(length=64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_text_revisions_declaration_id_declarations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_revisions")),
        sa.UniqueConstraint(
            "declaration_id", "seq", name=op.f("uq_text_revisions_declaration_id_seq")
        ),
    )
    _guard(bind)
    items = _store(bind, 2)
    milestones: dict[int, list[Any]] = {}
    for m in bind.execute(
        sa.text("SELECT declaration_id, slug, kind, title, title_ja, date, rule FROM milestones")
    ):
        milestones.setdefault(m.declaration_id, []).append(m)
    table = sa.table(
        GUARDED,
        *(sa.column(name) for name in ("declaration_id", "seq", "source", "actor",
                                       "declaration_hash", "prev_hash", "hash")),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("changes", sa.JSON()),
        sa.column("items", sa.JSON()),
    )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    for row in bind.execute(
        sa.text(
            "SELECT id, slug, title, date, place, parties, source, source_text, title_ja, "
            "inferred, cutoff FROM declarations ORDER BY id"
        )
    ):
        values: dict[str, Any] = {
            "declaration_id": row.id,
            "seq": 1,
            "source": SOURCE,
            "actor": "tracker",
            "recorded_at": now,
            "changes": {},
            "declaration_hash": declaration_hash(row, milestones.get(row.id, [])),
            "items": items.get(row.id, {}),
            "prev_hash": GENESIS,
        }
        values["hash"] = revision_hash(GENESIS, row.slug, values)
        if bind.dialect.name == "sqlite":
            values["recorded_at"] = now.replace(tzinfo=None)  # stored as UTC, as UTCDateTime
        bind.execute(table.insert().values(**values))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_append_only ON {GUARDED}")
        op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_no_truncate ON {GUARDED}")
    else:
        for suffix in ("no_update", "no_delete", "no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_{suffix}")
    op.drop_table(GUARDED)
    _store(bind, 1)
