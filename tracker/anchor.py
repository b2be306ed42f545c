"""A saved anchor (a JSON report, an export, or a digest) and what changed since it.

`verify` alone proves that each chain is consistent with itself; someone who can write to the
database can still cut a chain back, delete an item, rewrite an item's text or recompute every
hash. A copy of the anchor kept elsewhere pins each item's chain length and head and its text's
hash, and each declaration's; comparing names what changed: events added (expected) or removed,
a chain rewritten at or before the saved head, items added or removed, text changed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from tracker import chain, export_file, jsonfile, limits
from tracker.errors import FieldError, TrackerError
from tracker.i18n import counted
from tracker.models import (
    commitments_table,
    declarations_table,
    events_table,
    milestones_table,
    pillars_table,
)

HEX64 = re.compile(r"[0-9a-f]{64}")
SAVED = "a saved JSON report or export"

# The columns of a commitment that its content hash covers (FORMAT 1's first), with its
# pillar's slug and titles and its declaration's slug.
ITEM_COLUMNS = (
    "code",
    "title",
    "description",
    "quote",
    "kind",
    "parties",
    "owners",
    "target_date",
    "target_label",
    "title_ja",
    "description_ja",
    "target_label_ja",
    "milestone",
    "basis",
    "inferred",
    "guidelines",
    "owners_ja",
    "inferred_origins",
    "inferred_ja",
)
DECLARATION_COLUMNS = (
    "slug",
    "title",
    "date",
    "place",
    "parties",
    "source",
    "source_text",
    "title_ja",
    "inferred",
    "cutoff",
    "place_ja",
    "inferred_origins",
    "inferred_ja",
)
MILESTONE_COLUMNS = ("slug", "kind", "title", "title_ja", "date", "rule")


def names(value: Any) -> list[str]:
    if isinstance(value, str):  # a JSON column read as text
        value = json.loads(value)
    return [str(v) for v in value or []]


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _mapping(value: Any) -> dict[str, str] | None:
    if isinstance(value, str):  # a JSON column read as text
        value = json.loads(value)
    if value is None:
        return None
    return {str(k): str(v) for k, v in dict(value).items()}


def item_content(
    values: dict[str, Any],
    pillar: str,
    pillar_title: str = "",
    pillar_title_ja: str | None = None,
    declaration: str = "",
) -> chain.ItemContent:
    """An item's content from a row's values by column name (database or export), with its
    pillar's slug and titles and its declaration's slug (FORMAT 2). A row without the columns
    FORMAT 2 adds (an export made before them) gives them empty."""
    return chain.ItemContent(
        code=values["code"],
        pillar=pillar,
        title=values["title"],
        description=values["description"],
        quote=values["quote"],
        kind=values["kind"],
        parties=names(values["parties"]),
        owners=names(values["owners"]),
        target_date=_day(values["target_date"]),
        target_label=values["target_label"],
        declaration=declaration,
        pillar_title=pillar_title,
        pillar_title_ja=pillar_title_ja,
        title_ja=values.get("title_ja"),
        description_ja=values.get("description_ja"),
        target_label_ja=values.get("target_label_ja"),
        milestone=values.get("milestone"),
        basis=values.get("basis") or "",
        inferred=_mapping(values.get("inferred")) or {},
        guidelines=_mapping(values.get("guidelines")),
        owners_ja=names(values.get("owners_ja")) or None,
        inferred_origins=_mapping(values.get("inferred_origins")),
        inferred_ja=_mapping(values.get("inferred_ja")),
    )


def row_content(row: Any) -> chain.ItemContent:
    """An item's content from a row of item_query()."""
    return item_content(
        row._asdict(), row.pillar_slug, row.pillar_title, row.pillar_title_ja, row.declaration_slug
    )


def declaration_content(
    values: dict[str, Any], milestones: Sequence[dict[str, Any]] = ()
) -> chain.DeclarationContent:
    day = _day(values["date"])
    assert day is not None
    return chain.DeclarationContent(
        slug=values["slug"],
        title=values["title"],
        date=day,
        place=values["place"],
        parties=names(values["parties"]),
        source=values["source"],
        source_text=values["source_text"],
        title_ja=values.get("title_ja"),
        inferred=_mapping(values.get("inferred")) or {},
        cutoff=_day(values.get("cutoff")),
        # The meetings the text names; a cut-off's row is the tool's (its dates are chained
        # announcements), made by the first `tracker cutoff set`.
        milestones=[
            chain.MilestoneContent(
                m["slug"], m["kind"], m["title"], m.get("title_ja"), _day(m["date"]) or day,
                m.get("rule") or "",
            )
            for m in milestones
            if m["kind"] != "cutoff"
        ],
        place_ja=values.get("place_ja"),
        inferred_origins=_mapping(values.get("inferred_origins")),
        inferred_ja=_mapping(values.get("inferred_ja")),
    )  # fmt: skip


def declaration_hashes(
    session: Session,
    version: int = chain.ANCHOR_FORMAT,
    declaration_ids: Sequence[int] | None = None,
) -> list[tuple[str, str]]:
    """(slug, content hash) of every declaration, or of those given."""
    D, M = declarations_table.c, milestones_table.c
    milestones = select(M.declaration_id, *(M[c] for c in MILESTONE_COLUMNS))
    declarations = select(D.id, *(D[c] for c in DECLARATION_COLUMNS))
    if declaration_ids is not None:
        milestones = milestones.where(M.declaration_id.in_(declaration_ids))
        declarations = declarations.where(D.id.in_(declaration_ids))
    by_declaration: dict[int, list[dict[str, Any]]] = {}
    for m in session.execute(milestones):
        by_declaration.setdefault(m.declaration_id, []).append(m._asdict())
    rows = session.execute(declarations)
    return [
        (
            row.slug,
            chain.declaration_hash(
                declaration_content(row._asdict(), by_declaration.get(row.id, [])), version
            ),
        )
        for row in rows
    ]


def item_query() -> Any:
    """Every commitment's content columns, chain end, stored content hash, pillar slug and
    titles and declaration slug (call .where/.order_by)."""
    C, P, D = commitments_table.c, pillars_table.c, declarations_table.c
    return (
        select(
            C.id,
            *(C[c] for c in ITEM_COLUMNS),
            C.chain_length,
            C.chain_head,
            C.status,
            C.last_update,
            C.content_hash,
            C.declaration_id,
            P.slug.label("pillar_slug"),
            P.title.label("pillar_title"),
            P.title_ja.label("pillar_title_ja"),
            D.slug.label("declaration_slug"),
        )
        .join(pillars_table, P.id == C.pillar_id)
        .join(declarations_table, D.id == C.declaration_id)
    )


def store_content_hashes(
    connection: Connection, declaration_ids: Sequence[int] | None = None
) -> int:
    """Bring the stored content hash of every item (of the given declarations) in step with its
    text; the number of items whose hash was written. `load`, `import` and the migration that
    added the column call it, so a report can read the hash instead of computing it."""
    C = commitments_table.c
    query = item_query()
    if declaration_ids is not None:
        query = query.where(C.declaration_id.in_(declaration_ids))
    stale = [
        {"item_id": row.id, "hash": digest}
        for row in connection.execute(query)
        if (digest := chain.item_hash(row_content(row))) != row.content_hash
    ]
    if stale:
        connection.execute(
            update(commitments_table)
            .where(C.id == bindparam("item_id"))
            .values(content_hash=bindparam("hash")),
            stale,
        )
    return len(stale)


def anchor_digest_of(session: Session, declaration_ids: Sequence[int] | None = None) -> str:
    """The anchor digest of the whole database, as `tracker verify` prints it (of these
    declarations only, when given: what `verify` prints for a database holding only them)."""
    query = item_query()
    if declaration_ids is not None:
        query = query.where(commitments_table.c.declaration_id.in_(declaration_ids))
    items = (
        chain.ItemAnchor(
            row.code,
            row.chain_length,
            row.chain_head,
            chain.item_hash(row_content(row)),
        )
        for row in session.execute(query.execution_options(yield_per=2000))
    )
    return chain.anchor_digest(declaration_hashes(session, declaration_ids=declaration_ids), items)


@dataclass
class SavedItem:
    anchor: chain.ItemAnchor
    # What the saved copy says of the item's fields, to name those that changed (a report
    # holds some of them, an export all).
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Saved:
    """What a saved report, export or digest pins."""

    source: str
    digest: str | None = None
    heads_digest: str | None = None
    items: dict[str, SavedItem] | None = None
    declarations: dict[str, str] | None = None
    # False when the report was filtered (--pillar, --party, --declaration): items it does not
    # list were not removed.
    complete: bool = True
    # An export holds every event: a rewritten chain can be traced to its first changed event.
    export: export_file.Export | None = None
    # The chain.ANCHOR_FORMAT its hashes were written in (1 when the file does not say: it was
    # written before FORMAT 2); the database's side is recomputed in the same one.
    anchor_format: int = chain.ANCHOR_FORMAT


def read(value: str) -> Saved:
    """A digest (64 hex digits) or the path of a JSON report or an export."""
    if HEX64.fullmatch(value.lower()):
        return Saved(source="the digest given", digest=value.lower())
    path = Path(value)
    if not path.is_file():
        raise FieldError(
            "{against} {value!r}: not a digest (64 hex digits) nor a readable file",
            "against",
            value=value,
        )
    # The scan and outline `import` reads an export with: a hostile file is refused before it
    # is parsed, and an export is then read by import's own reader (tracker.export_file).
    jsonfile.check_shape(path)
    found = jsonfile.outline(path, REPORT_OUTLINE | export_file.OUTLINE, SAVED)
    if _given(found, "format") and found["format"].value == export_file.FORMAT:
        return _read_export(export_file.read_export(path, found))
    if _given(found, "schema") and _given(found, "heads_digest"):
        return _read_report(path, found)
    raise TrackerError(f"{path}: neither a JSON report nor an export")


# What a report's outline looks at (tracker.jsonfile.outline).
REPORT_OUTLINE = frozenset(
    {
        "schema",
        "heads_digest",
        "anchor_digest",
        "anchor_format",
        "filters",
        "declarations",
        "commitments",
    }
)


def _given(found: dict[str, jsonfile.Found], key: str) -> bool:
    return key in found and found[key].kind != "null"


def _text_or_none(found: dict[str, jsonfile.Found], key: str) -> str | None:
    value = found[key].value if key in found else None
    return value if isinstance(value, str) else None


def _anchor_format(path: Path, found: dict[str, jsonfile.Found]) -> int:
    """The anchor format a saved file declares; 1 when it declares none (written before 2)."""
    if not _given(found, "anchor_format"):
        return 1
    value = found["anchor_format"].value
    if isinstance(value, bool) or value not in chain.ANCHOR_FORMATS:
        shown = value if found["anchor_format"].kind not in ("object", "list") else "…"
        raise TrackerError(
            f"{path}: anchor_format {shown!r} is not one this tracker knows "
            f"({', '.join(map(str, chain.ANCHOR_FORMATS))}): written by a newer version?"
        )
    return int(value)


def _date_or_none(value: Any) -> str | None:
    if value is None:
        return None
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return "is not a date"
    return None


def _optional(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else check(value)


# What a report's item must hold to be compared: the anchored fields, then the fields that
# name what changed (each as the report writes it, or absent).
ITEM_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "code": limits.check("commitments", "code"),
    "chain_length": lambda value: limits.integer_problem(value, least=0),
    "chain_head": limits.check("commitments", "chain_head"),
    "content_hash": limits.check("commitments", "content_hash"),
    "title": limits.check("commitments", "title", nullable=True),
    "pillar": limits.check("pillars", "slug", nullable=True),
    "kind": limits.check("commitments", "kind", nullable=True),
    "parties": _optional(limits.check("commitments", "parties")),
    "owners": _optional(limits.check("commitments", "owners")),
    "target": _date_or_none,
    "target_label": limits.check("commitments", "target_label", nullable=True),
}
DECLARATION_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "slug": limits.check("declarations", "slug"),
    "content_hash": lambda value: limits.text_problem(value, limits.HASH),
}


def _checked(
    path: Path, where: str, value: Any, checks: dict[str, Callable[[Any], str | None]]
) -> dict[str, Any]:
    """A report's element, refused in one line naming the first field that is wrong."""
    if not isinstance(value, dict):
        raise TrackerError(f"{path}: {where} is not an object")
    for name, check in checks.items():
        problem = check(value.get(name))
        if problem is not None:
            raise TrackerError(f"{path}: {limits.said(where + limits.step(name), problem)}")
    return value


def _read_report(path: Path, found: dict[str, jsonfile.Found]) -> Saved:
    saved = Saved(
        source=str(path),
        digest=_text_or_none(found, "anchor_digest"),
        heads_digest=_text_or_none(found, "heads_digest"),
        items={},
        declarations={},
        complete=_unfiltered(path, found),
        anchor_format=_anchor_format(path, found),
    )
    assert saved.items is not None and saved.declarations is not None
    for where, c in jsonfile.elements(path, found, "commitments", SAVED):
        if isinstance(c, dict) and "chain_length" not in c and "content_hash" not in c:
            raise TrackerError(
                f"{path}: its commitments carry no chain_length or content_hash (a report "
                "made before anchors were saved in reports); compare with its heads_digest "
                "instead"
            )
        _checked(path, where, c, ITEM_CHECKS)
        if c["code"] in saved.items:
            raise TrackerError(f"{path}: {where}.code {c['code']} is given twice")
        fields = {
            "title": c.get("title"),
            "pillar": c.get("pillar"),
            "kind": c.get("kind"),
            "parties": c.get("parties"),
            "owners": c.get("owners"),
            "target_date": c.get("target"),
            "target_label": c.get("target_label"),
        }
        saved.items[c["code"]] = SavedItem(
            chain.ItemAnchor(c["code"], c["chain_length"], c["chain_head"], c["content_hash"]),
            fields,
        )
    for where, d in jsonfile.elements(path, found, "declarations", SAVED):
        _checked(path, where, d, DECLARATION_CHECKS)
        if d["slug"] in saved.declarations:
            raise TrackerError(f"{path}: {where}.slug {d['slug']} is given twice")
        saved.declarations[d["slug"]] = d["content_hash"]
    return saved


def _unfiltered(path: Path, found: dict[str, jsonfile.Found]) -> bool:
    """Whether the report lists everything: it names no filters."""
    if not _given(found, "filters"):
        return True
    jsonfile.require(path, found, "filters", "object")
    return not jsonfile.first(path, "filters", SAVED)


def _read_export(export: export_file.Export) -> Saved:
    path = export.path
    version = _anchor_format(path, export.outline)
    saved = Saved(
        source=str(path),
        digest=export.anchor_digest,
        heads_digest=export.heads_digest,
        items={},
        declarations={},
        export=export,
        anchor_format=version,
    )
    assert saved.items is not None and saved.declarations is not None
    milestones: dict[Any, list[dict[str, Any]]] = {}
    if version >= 2:
        wanted = ("declaration_id", *MILESTONE_COLUMNS)
        for m in export_file.table_rows(export, "milestones", wanted):
            milestones.setdefault(m["declaration_id"], []).append(m)
    slugs = {}
    for d in export_file.table_rows(export, "declarations", ("id", *DECLARATION_COLUMNS[:7])):
        slugs[d["id"]] = d["slug"]
        content_d = declaration_content(d, milestones.get(d["id"], []))
        saved.declarations[d["slug"]] = chain.declaration_hash(content_d, version)
    pillars = {p["id"]: p for p in export_file.table_rows(export, "pillars", ("slug", "title"))}
    needs = ("id", "declaration_id", "pillar_id", "chain_length", "chain_head", *ITEM_COLUMNS[:9])
    for c in export_file.table_rows(export, "commitments", needs):
        pillar = pillars.get(c["pillar_id"])
        declaration = slugs.get(c["declaration_id"])
        if pillar is None or declaration is None:
            missing = "pillar_id" if pillar is None else "declaration_id"
            table = "pillars" if pillar is None else "declarations"
            raise TrackerError(
                f"{path}: table commitments, row id {c['id']}: {missing} {c[missing]} is no "
                f"row of table {table}"
            )
        content = item_content(
            c, pillar["slug"], pillar["title"], pillar.get("title_ja"), declaration
        )
        saved.items[c["code"]] = SavedItem(
            chain.ItemAnchor(
                c["code"], c["chain_length"], c["chain_head"], chain.item_hash(content, version)
            ),
            {name: getattr(content, name) for name in _compared(version)},
        )
    return saved


@dataclass(frozen=True)
class Change:
    code: str
    message: str
    # A change an append-only history cannot make (removed, rewritten, text changed) rather
    # than one it makes every day (events or items added).
    suspicious: bool
    # A chain whose saved head is gone: trace_rewrites names its first differing event.
    rewritten: bool = False


@dataclass
class Current:
    """What verify found, for the comparison: per item its anchor, content and the hash of the
    event at the saved chain length (None when the chain is shorter)."""

    items: dict[str, chain.ItemAnchor] = field(default_factory=dict)
    contents: dict[str, chain.ItemContent] = field(default_factory=dict)
    hash_at_saved: dict[str, str | None] = field(default_factory=dict)
    declarations: dict[str, str] = field(default_factory=dict)
    anchor_digest: str = ""
    heads_digest: str = ""
    # The anchor digest in earlier formats, for a bare digest saved before FORMAT 2.
    older_digests: list[str] = field(default_factory=list)
    # Items (by code) and declarations (by slug) whose text now is what a text revision
    # recorded (tracker.revisions), with that revision in words: a change since an anchor that
    # the tool made and recorded, not an edit.
    explained: dict[str, str] = field(default_factory=dict)


# What a report's copy of an item does not hold, and so cannot name when only they changed.
_UNSAVED = (
    "a field the saved report does not hold (description, quote, Japanese text, basis, "
    "guidelines, inferred, milestone, the declaration's)"
)


def _compared(version: int) -> tuple[str, ...]:
    """The fields of an item's content that a hash of `version` covers, by name."""
    first = ("pillar", *ITEM_COLUMNS[1:9])
    if version == 1:
        return first
    return (*first, "declaration", "pillar_title", "pillar_title_ja", *ITEM_COLUMNS[9:])


def _changed_fields(saved: SavedItem, now: chain.ItemContent) -> list[str]:
    changed = []
    for name, old in saved.fields.items():
        new: Any = getattr(now, name)
        if isinstance(new, dt.date):
            new = new.isoformat()
        if isinstance(old, dt.date):
            old = old.isoformat()
        if isinstance(new, list | tuple):
            new = list(new)
        if isinstance(new, Mapping):
            new = dict(new)
        if old != new:
            changed.append(name.replace("target_date", "target"))
    return changed


def compare(saved: Saved, current: Current) -> list[Change]:
    """What changed between a saved anchor and the database now, item by item."""
    if saved.items is None:  # a bare digest says only whether anything changed
        if saved.digest in (current.anchor_digest, current.heads_digest, *current.older_digests):
            return []
        return [
            Change(
                "anchor",
                "the digest matches neither the anchor digest nor the heads digest of this "
                "database: something changed since (compare with a saved report or export to "
                "see what)",
                True,
            )
        ]
    changes: list[Change] = []
    for slug, content in sorted((saved.declarations or {}).items()):
        now = current.declarations.get(slug)
        if now is None:
            changes.append(Change(slug, "declaration removed since", True))
        elif now != content:
            why = current.explained.get(f"declaration {slug}")
            if why is not None:
                changes.append(Change(slug, f"declaration text revised since {why}", False))
            else:
                changes.append(
                    Change(slug, "declaration changed since (its source text or details)", True)
                )
    for code, item in sorted(saved.items.items()):
        changes += _compare_item(code, item, current)
    if saved.complete:
        for code in sorted(set(current.items) - set(saved.items)):
            changes.append(Change(code, "item added since", False))
        for slug in sorted(set(current.declarations) - set(saved.declarations or {})):
            changes.append(Change(slug, "declaration added since", False))
    return changes


def _compare_item(code: str, item: SavedItem, current: Current) -> Iterable[Change]:
    now = current.items.get(code)
    if now is None:
        yield Change(
            code, f"item removed since, with its {counted(item.anchor.chain_length, 'event')}", True
        )
        return
    then = item.anchor
    if now.content_hash != then.content_hash:
        names = _changed_fields(item, current.contents[code]) if code in current.contents else []
        why = current.explained.get(code)
        if why is not None:
            yield Change(code, f"text revised since {why}", False)
        else:
            what = ", ".join(names) if names else _UNSAVED
            yield Change(code, f"text changed since: {what}", True)
    if then.chain_length > now.chain_length:
        removed = then.chain_length - now.chain_length
        seqs = (
            f"seq {now.chain_length + 1}-{then.chain_length}"
            if removed > 1
            else (f"seq {then.chain_length}")
        )
        yield Change(code, f"{counted(removed, 'event')} removed since ({seqs})", True)
    elif then.chain_length and current.hash_at_saved.get(code) != then.chain_head:
        yield Change(
            code,
            f"history rewritten since: the saved head (seq {then.chain_length}) is no longer "
            f"in the chain; events at or before seq {then.chain_length} were edited, removed, "
            "inserted or reordered, and the hashes recomputed",
            True,
            rewritten=True,
        )
    elif now.chain_length > then.chain_length:
        added = now.chain_length - then.chain_length
        yield Change(code, f"{counted(added, 'event')} added since", False)


EVENT_FIELDS = (
    "party",
    "from_status",
    "to_status",
    "note",
    "reason",
    "actor",
    "effective_on",
    "recorded_at",
    "corrects_id",
)


def _as_exported(value: Any) -> Any:
    """A value as `tracker export` writes it (tracker.transfer): times in UTC, ISO 8601."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def trace_rewrites(
    session: Session, export: export_file.Export, changes: list[Change]
) -> list[Change]:
    """For each chain rewritten since an export, name its first event that differs from the
    export's copy, and the fields that differ. Reads only those items' events."""

    rewritten = {c.code for c in changes if c.rewritten}
    if not rewritten:
        return changes
    ids = {
        row["id"]: row["code"]
        for row in export_file.table_rows(export, "commitments", ("code",))
        if row["code"] in rewritten
    }
    saved: dict[str, dict[int, dict[str, Any]]] = {code: {} for code in rewritten}
    needs = ("id", "commitment_id", "seq", "hash", *EVENT_FIELDS)
    for row in export_file.table_rows(export, "status_events", needs):
        code = ids.get(row["commitment_id"])
        if code is not None:
            saved[code][row["seq"]] = row
    E = events_table.c
    first: dict[str, str] = {}
    for code in rewritten:
        now = {
            row.seq: row
            for row in session.execute(
                select(events_table)
                .join(commitments_table, commitments_table.c.id == E.commitment_id)
                .where(commitments_table.c.code == code)
            )
        }
        for seq in sorted(saved[code]):
            old = saved[code][seq]
            new = now.get(seq)
            if new is None:
                first[code] = f"event #{old['id']} (seq {seq}) is gone"
                break
            if new.hash != old["hash"]:
                fields = [
                    f for f in EVENT_FIELDS if _as_exported(getattr(new, f)) != _as_exported(old[f])
                ]
                if new.id != old["id"]:
                    fields.insert(0, f"id, was #{old['id']}")
                what = ", ".join(fields) or "its evidence, or an event before it"
                first[code] = f"event #{new.id} (seq {seq}) differs from the export: {what}"
                break
    return [
        Change(c.code, f"history rewritten since: {first[c.code]}", True, rewritten=True)
        if c.code in first and c.rewritten
        else c
        for c in changes
    ]
