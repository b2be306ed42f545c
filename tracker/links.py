"""Follow-ups across declarations: a later item `follows` an earlier one (takes it further) or
`reaffirms` it (restates it). Each item keeps its own kind, history and event chain; a link
only says which earlier item a later one continues, so `show` can list both directions and a
report can say "continued from IND-01: in progress since 2026-03-01".

Links come from a fixture's `follows:` and `reaffirms:` (tracker.loading) or from `tracker
link` for one found later. They are history: appended with who, when and why, one hash chain
over all of them (tracker.chain.link_hash), guarded append-only like events
(tracker.triggers), checked by `tracker verify`, never removed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from tracker import chain, clock
from tracker.commitments import get_commitment, normalise_code
from tracker.concurrency import lock_for_link
from tracker.errors import TrackerError
from tracker.models import (
    LINK_KINDS,
    Commitment,
    Declaration,
    ItemLink,
    StatusEvent,
    links_table,
)
from tracker.timeline import NEWEST_FIRST, is_live

L = links_table.c


def parse_ref(text: str) -> tuple[str | None, str]:
    """`IND-01` -> (None, "IND-01"); `japan-uk-2026:IND-01` -> ("japan-uk-2026", "IND-01")."""
    slug, sep, code = text.strip().rpartition(":")
    return (slug.strip() or None) if sep else None, normalise_code(code)


def resolve_ref(session: Session, text: str) -> Commitment:
    """The item a reference names; with SLUG:CODE the code must be that declaration's."""
    slug, code = parse_ref(text)
    item = get_commitment(session, code)
    if slug is not None and item.declaration.slug.lower() != slug.lower():
        raise TrackerError(
            f"{item.code} is an item of declaration {item.declaration.slug}, not {slug}"
        )
    return item


def _edges(session: Session) -> dict[int, set[int]]:
    """Every link as later id -> earlier ids (a few per declaration: read whole)."""
    edges: dict[int, set[int]] = defaultdict(set)
    for later, earlier in session.execute(select(L.commitment_id, L.target_id)):
        edges[later].add(earlier)
    return edges


def makes_cycle(edges: dict[int, set[int]], later: int, earlier: int) -> bool:
    """Whether a link later -> earlier closes a cycle: `earlier` already leads to `later`."""
    seen: set[int] = set()
    todo = [earlier]
    while todo:
        node = todo.pop()
        if node == later:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return False


@dataclass(frozen=True)
class LinkResult:
    code: str
    target: str
    kind: str
    seq: int


def add_link(
    session: Session,
    later: Commitment,
    earlier: Commitment,
    kind: str,
    reason: str,
    source: str,
    actor: str,
    edges: dict[int, set[int]] | None = None,
) -> LinkResult:
    """Append one link to the chain (refused: an item linked to itself, a link that exists, a
    cycle). `edges` (from _edges), when given, is kept up to date: a load adds many."""
    if kind not in LINK_KINDS:
        raise TrackerError(f"no link kind {kind!r}; kinds: {', '.join(LINK_KINDS)}")
    if not reason.strip():
        raise TrackerError("a link needs a reason: say why the later item continues the earlier")
    if later.id == earlier.id:
        raise TrackerError(f"{later.code} cannot follow itself")
    lock_for_link(session)
    edges = _edges(session) if edges is None else edges
    if earlier.id in edges.get(later.id, ()):
        raise TrackerError(f"{later.code} is already linked to {earlier.code}")
    if makes_cycle(edges, later.id, earlier.id):
        raise TrackerError(
            f"{later.code} cannot follow {earlier.code}: {earlier.code} already follows "
            f"{later.code} (directly or through other items), and links run from later to earlier"
        )
    last = session.execute(select(L.seq, L.hash).order_by(L.seq.desc()).limit(1)).first()
    seq, previous = (last.seq + 1, last.hash) if last else (1, chain.GENESIS)
    recorded_at = clock.now(session)
    content = chain.LinkContent(
        seq=seq,
        code=later.code,
        target=earlier.code,
        kind=kind,
        reason=reason.strip(),
        source=source,
        actor=actor,
        recorded_at=recorded_at,
    )
    session.add(
        ItemLink(
            seq=seq,
            commitment_id=later.id,
            target_id=earlier.id,
            kind=kind,
            reason=content.reason,
            source=source,
            actor=actor,
            recorded_at=recorded_at,
            prev_hash=previous,
            hash=chain.link_hash(previous, content),
        )
    )
    session.flush()
    edges[later.id].add(earlier.id)
    return LinkResult(later.code, earlier.code, kind, seq)


def link(
    session: Session, later: str, earlier: str, kind: str, reason: str, actor: str
) -> LinkResult:
    """`tracker link LATER EARLIER`: a link found after the later declaration was loaded."""
    return add_link(
        session, resolve_ref(session, later), resolve_ref(session, earlier), kind, reason,
        "link", actor,
    )  # fmt: skip


@dataclass(frozen=True)
class Linked:
    """The other end of a link, as `show` and the reports name it."""

    code: str
    declaration: str
    title: str
    kind: str  # the link's: follows or reaffirms
    status: str
    # The day its current whole-item status took effect (None: no event: not started).
    since: dt.date | None
    reason: str


def _since(session: Session, ids: Collection[int], as_of: dt.date | None) -> dict[int, dt.date]:
    """Each item's latest live whole-item event's date (on or before as_of)."""
    E = StatusEvent
    query = select(E.commitment_id, func.max(E.effective_on)).where(
        E.commitment_id.in_(ids), E.party.is_(None), is_live()
    )
    if as_of is not None:
        query = query.where(E.effective_on <= as_of)
    return dict(session.execute(query.group_by(E.commitment_id)).all())


def links_of(session: Session, commitment_id: int) -> tuple[list[Linked], list[Linked]]:
    """What the item follows (earlier items) and what follows it (later items), each with its
    current status and since when."""
    other = aliased(Commitment)
    rows = session.execute(
        select(L.commitment_id, L.target_id, L.kind, L.reason, other, Declaration.slug)
        .join(other, or_(
            (L.commitment_id == commitment_id) & (other.id == L.target_id),
            (L.target_id == commitment_id) & (other.id == L.commitment_id),
        ))
        .join(Declaration, other.declaration_id == Declaration.id)
        .where(or_(L.commitment_id == commitment_id, L.target_id == commitment_id))
        .order_by(L.seq)
    ).all()  # fmt: skip
    since = _since(session, [r[4].id for r in rows], None)
    follows: list[Linked] = []
    followed_by: list[Linked] = []
    for later, _earlier, kind, reason, item, slug in rows:
        linked = Linked(item.code, slug, item.title, kind, item.status, since.get(item.id), reason)
        (follows if later == commitment_id else followed_by).append(linked)
    return follows, followed_by


def continued_from(
    session: Session, ids: Iterable[int] | None, as_of: dt.date
) -> dict[str, list[Linked]]:
    """By the later item's code, the earlier items it continues, each with its status on as_of
    (the latest live whole-item event by then) and since when: what a report marks."""
    later, earlier = aliased(Commitment), aliased(Commitment)
    query = (
        select(later.code, earlier.id, earlier.code, earlier.title, Declaration.slug, L.kind,
               L.reason)
        .join(later, later.id == L.commitment_id)
        .join(earlier, earlier.id == L.target_id)
        .join(Declaration, earlier.declaration_id == Declaration.id)
        .order_by(L.seq)
    )  # fmt: skip
    if ids is not None:
        query = query.where(L.commitment_id.in_(list(ids)))
    rows = session.execute(query).all()
    if not rows:
        return {}
    status = _status_on(session, {r[1] for r in rows}, as_of)
    found: dict[str, list[Linked]] = defaultdict(list)
    for code, eid, ecode, title, slug, kind, reason in rows:
        st, on = status.get(eid, ("not_started", None))
        found[code].append(Linked(ecode, slug, title, kind, st, on, reason))
    return dict(found)


def _status_on(
    session: Session, ids: Collection[int], as_of: dt.date
) -> dict[int, tuple[str, dt.date]]:
    """Each item's whole-item status on as_of and the day it took effect (few items: the
    earlier ends of links)."""
    E = StatusEvent
    found: dict[int, tuple[str, dt.date]] = {}
    for cid, to_status, on in session.execute(
        select(E.commitment_id, E.to_status, E.effective_on)
        .where(E.commitment_id.in_(ids), E.party.is_(None), E.effective_on <= as_of, is_live())
        .order_by(E.commitment_id, *NEWEST_FIRST)
    ):
        found.setdefault(cid, (to_status, on))
    return found


def check_chain(session: Session) -> Iterator[tuple[str, str]]:
    """Each break in the links' chain as (who, what): a link changed, removed, inserted or
    reordered outside the tool since its hash was written."""
    later, earlier = aliased(Commitment), aliased(Commitment)
    previous = chain.GENESIS
    rows = session.execute(
        select(links_table, later.code.label("code"), earlier.code.label("target"))
        .join(later, later.id == L.commitment_id)
        .join(earlier, earlier.id == L.target_id)
        .order_by(L.seq)
    ).all()
    for n, row in enumerate(rows, start=1):
        who = f"link {row.code} -> {row.target}"
        if row.seq != n:
            yield (
                who,
                f"link #{row.id} is number {row.seq} of the links' chain, not {n}: "
                "one was removed or inserted",
            )
            return
        if row.prev_hash != previous:
            yield who, f"link #{row.id} does not follow the one before it"
            return
        content = chain.LinkContent(
            seq=row.seq, code=row.code, target=row.target, kind=row.kind, reason=row.reason,
            source=row.source, actor=row.actor, recorded_at=row.recorded_at,
        )  # fmt: skip
        if chain.link_hash(previous, content) != row.hash:
            yield who, f"link #{row.id} was changed after it was recorded"
            return
        previous = row.hash
