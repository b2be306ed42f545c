"""Text revisions: every change of what readers read, recorded like history.

Events are hash-chained, but the words they are about (an item's title and its Japanese, the
guidelines a score is argued from, what is inferred, the declaration's source and milestones)
lived outside any chain: an UPDATE by plain SQL, with the stored content hash recomputed, left
no trace. Now `tracker load` appends a revision per declaration it changes, recording the
declaration's content hash and that of each item it added or changed (FORMAT 2,
tracker.chain), chained per declaration and append-only like events. `verify` compares the
text with the latest revision recording it: text that no revision explains was changed outside
the tool, and is named.

On PostgreSQL a recorder role can neither update the text nor insert a revision; the tables'
owner can, as it can drop a guard. On SQLite nothing can tell `load` from plain SQL: there this
is detection, like the event chain, made certain only by an anchor kept elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import chain, clock
from tracker.models import commitments_table, declarations_table, revisions_table

R = revisions_table.c


@dataclass
class State:
    """What a declaration's revisions say its text is: the latest declaration hash, and per item
    the hash of the latest revision recording it (with that revision's seq)."""

    declaration_hash: str = ""
    items: dict[str, tuple[str, int]] = field(default_factory=dict)
    seq: int = 0
    head: str = chain.GENESIS
    last_at: Any = None
    # Per revision (by seq): what made it, when, and what it says changed.
    log: dict[int, tuple[str, Any, dict[str, list[str]]]] = field(default_factory=dict)
    # The seq of the revision that recorded the declaration's own hash last.
    declaration_seq: int = 0

    def explains(self, seq: int, key: str) -> str:
        """A revision in words, for `verify --against`: "by load x.yaml on 2026-12-07
        (text revision 2: title, title_ja)"."""
        source, at, changes = self.log[seq]
        fields = ", ".join(changes.get(key, []))
        return (
            f"by {source} on {at:%Y-%m-%d} (text revision {seq}{': ' + fields if fields else ''})"
        )


def _content(row: Any, slug: str) -> chain.RevisionContent:
    return chain.RevisionContent(
        declaration=slug,
        seq=row.seq,
        source=row.source,
        actor=row.actor,
        recorded_at=row.recorded_at,
        changes=_json(row.changes),
        declaration_hash=row.declaration_hash,
        items=_json(row.items),
    )


def _json(value: Any) -> Any:
    if isinstance(value, str):  # a JSON column read as text
        return json.loads(value)
    return value


def states(session: Session, declaration_ids: Iterable[int] | None = None) -> dict[int, State]:
    """Per declaration, what its revisions say, read in chain order."""
    query = select(revisions_table).order_by(R.declaration_id, R.seq)
    if declaration_ids is not None:
        query = query.where(R.declaration_id.in_(list(declaration_ids)))
    found: dict[int, State] = {}
    for row in session.execute(query):
        state = found.setdefault(row.declaration_id, State())
        if row.declaration_hash != state.declaration_hash:
            state.declaration_seq = row.seq
        state.declaration_hash = row.declaration_hash
        state.log[row.seq] = (row.source, row.recorded_at, _json(row.changes))
        for code, digest in _json(row.items).items():
            state.items[code] = (digest, row.seq)
        state.seq, state.head, state.last_at = row.seq, row.hash, row.recorded_at
    return found


def record(
    session: Session,
    declaration_id: int,
    source: str,
    changes: Mapping[str, list[str]],
    actor: str,
) -> int | None:
    """Append a revision of one declaration when its text differs from what its revisions
    record (the content hashes must be current: call after store_content_hashes); its seq, or
    None when nothing differs."""
    from tracker.anchor import declaration_hashes

    D, C = declarations_table.c, commitments_table.c
    slug = session.execute(select(D.slug).where(D.id == declaration_id)).scalar_one()
    state = states(session, [declaration_id]).get(declaration_id, State())
    declared = dict(declaration_hashes(session, declaration_ids=[declaration_id]))[slug]
    # In code order, as every JSON column here is: an export is the same on both engines.
    items = {
        code: digest
        for code, digest in session.execute(
            select(C.code, C.content_hash)
            .where(C.declaration_id == declaration_id)
            .order_by(C.code)
        )
        if state.items.get(code, ("", 0))[0] != digest
    }
    if declared == state.declaration_hash and not items:
        return None
    now = clock.now(session)
    seq = state.seq + 1
    values = {
        "declaration_id": declaration_id,
        "seq": seq,
        "source": source[:300],
        "actor": actor,
        "recorded_at": now,
        "changes": {k: list(changes[k]) for k in sorted(changes)},
        "declaration_hash": declared,
        "items": items,
        "prev_hash": state.head,
    }
    values["hash"] = chain.revision_hash(state.head, _content(SimpleNamespace(**values), slug))
    session.execute(revisions_table.insert().values(**values))
    return seq


def check(
    session: Session,
    recorded: Mapping[int, State],
    declarations: Mapping[str, str],
    items: Mapping[str, tuple[int, str]],
) -> Iterator[tuple[str, str]]:
    """(who, finding) for each revision chain broken and each text no revision explains.
    `recorded`: states(session); `declarations`: the current content hash by slug; `items`: by
    code, the item's declaration id and current content hash (both as verify computed them,
    FORMAT 2)."""
    D = declarations_table.c
    slugs = dict(session.execute(select(D.id, D.slug)).all())
    previous: dict[int, tuple[int, str]] = {}
    for row in session.execute(select(revisions_table).order_by(R.declaration_id, R.seq)):
        slug = slugs.get(row.declaration_id, str(row.declaration_id))
        seq, head = previous.get(row.declaration_id, (0, chain.GENESIS))
        label = f"text revision #{row.id} (seq {row.seq})"
        if row.seq != seq + 1 or row.prev_hash != head:
            yield (
                slug,
                f"{label} does not follow the revision before it: one was deleted or inserted",
            )
        if chain.revision_hash(row.prev_hash, _content(row, slug)) != row.hash:
            yield slug, f"{label} was changed after it was recorded"
        previous[row.declaration_id] = (row.seq, row.hash)
    for declaration_id, slug in sorted(slugs.items(), key=lambda kv: kv[1]):
        state = recorded.get(declaration_id)
        if state is None:
            yield slug, "has no text revision: its text was added outside the tool"
            continue
        if declarations.get(slug) != state.declaration_hash:
            yield (
                slug,
                (
                    "its text (title, source, place, parties, Japanese title, what is inferred, "
                    f"cut-off or milestones) is not what its last text revision (seq {state.seq}) "
                    "recorded: changed outside the tool"
                ),
            )
    # Where each item was last recorded: a declaration's revisions never drop an item, so an
    # item recorded under another declaration than its own was moved.
    where: dict[str, int] = {}
    for declaration_id, state in recorded.items():
        for code, (_, seq) in state.items.items():
            if code not in where or seq > recorded[where[code]].items[code][1]:
                where[code] = declaration_id
    for code, (declaration_id, digest) in sorted(items.items()):
        home = where.get(code)
        if home is None:
            yield code, "is in no text revision: added outside the tool"
            continue
        if home != declaration_id:
            yield (
                code,
                (
                    f"belongs to {slugs.get(declaration_id)} but its text revisions are those of "
                    f"{slugs.get(home)}: moved to another declaration outside the tool"
                ),
            )
            continue
        kept = recorded[home].items[code]
        if kept[0] != digest:
            yield (
                code,
                (
                    f"its text is not what text revision seq {kept[1]} of its declaration recorded "
                    "(a title, description, quote, translation, basis, guideline, inferred mark, "
                    "pillar, milestone or its declaration): changed outside the tool (a "
                    "comparison with an export names the field)"
                ),
            )


def explained(
    session: Session,
    recorded: Mapping[int, State],
    declarations: Mapping[str, str],
    items: Mapping[str, tuple[int, str]],
) -> dict[str, str]:
    """The texts (items by code, declarations as "declaration SLUG") that are now what a
    revision made by `load` recorded, each with that revision in words."""
    D = declarations_table.c
    ids = {slug: i for i, slug in session.execute(select(D.id, D.slug))}
    found: dict[str, str] = {}
    for code, (declaration_id, digest) in items.items():
        state = recorded.get(declaration_id)
        kept = state.items.get(code) if state else None
        if state is not None and kept is not None and kept[0] == digest and kept[1] > 1:
            found[code] = state.explains(kept[1], code)
    for slug, digest in declarations.items():
        state = recorded.get(ids.get(slug, -1))
        if state is not None and state.declaration_hash == digest and state.declaration_seq > 1:
            found[f"declaration {slug}"] = state.explains(
                state.declaration_seq, f"declaration {slug}"
            )
    return found


def upgrade_notes(session: Session) -> Iterator[str]:
    """The revisions an upgrade recorded over text it found (what it proves starts then)."""
    D = declarations_table.c
    query = (
        select(D.slug, R.source, R.recorded_at)
        .join(declarations_table, D.id == R.declaration_id)
        .where(R.seq == 1, R.source.like("upgrade %"))
        .order_by(D.slug)
    )
    for slug, source, at in session.execute(query):
        yield (
            f"the text revisions of {slug} begin with {source} at {at:%Y-%m-%d %H:%M} UTC: "
            "they show text changed since, not before"
        )
