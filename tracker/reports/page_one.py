"""Page one's queries: what changed per item, since when the stalled items are stalled, and the
scored commitments party by party.

Each reads the whole event history of a few items only (page one shows PAGE_ONE_ROWS of each
list) and applies tracker.timeline's rules to it, so a report of 100,000 items pays for eight
timelines, not for every item: the lists themselves are chosen by one grouped query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select, true
from sqlalchemy.orm import Session

from tracker import timeline
from tracker.models import commitments_table, events_table, evidence_table, pillars_table, plain
from tracker.models import read_date as _read_date
from tracker.reports.model import (
    PAGE_ONE_ROWS,
    Cut,
    ItemLine,
    MatrixRow,
    Move,
    PartyCell,
    Source,
    Why,
    reason_line,
)

__all__ = ["PAGE_ONE_ROWS", "matrix", "moves", "stalled_why"]
from tracker.statuses import STATUS_BY_VALUE, Kind, Status, item_score

C, E, V = commitments_table.c, events_table.c, evidence_table.c


@dataclass(slots=True)
class _Event:
    """An event as a Timeline reads it, with what page one prints of it."""

    id: int
    commitment_id: int
    effective_on: dt.date
    party: str | None
    from_status: str
    to_status: str
    corrects_id: int | None
    note: str
    reason: str | None

    @classmethod
    def of(cls, row: Any) -> _Event:
        on = _read_date(row.effective_on)
        assert on is not None
        return cls(
            row.id,
            row.commitment_id,
            on,
            row.party,
            row.from_status,
            row.to_status,
            row.corrects_id,
            row.note or "",
            row.reason,
        )


def _timelines(
    session: Session, commitment_ids: Collection[int]
) -> dict[int, timeline.Timeline[_Event]]:
    """The whole event history of a few items, as one Timeline each."""
    events: dict[int, list[_Event]] = defaultdict(list)
    for row in session.execute(
        select(
            E.id,
            E.commitment_id,
            plain(E.effective_on).label("effective_on"),
            E.party,
            E.from_status,
            E.to_status,
            E.corrects_id,
            E.note,
            E.reason,
        ).where(E.commitment_id.in_(list(commitment_ids)))
    ):
        events[row.commitment_id].append(_Event.of(row))
    return {cid: timeline.Timeline(events.get(cid, ())) for cid in commitment_ids}


def _first_source(session: Session, event_ids: Sequence[int]) -> dict[int, Source]:
    """The first source of each of the given events that has any."""
    found: dict[int, Source] = {}
    if not event_ids:
        return found
    for row in session.execute(
        select(V.event_id, V.reference, V.title, plain(V.published_on))
        .where(V.event_id.in_(list(event_ids)))
        .order_by(V.event_id, V.position)
    ):
        found.setdefault(row[0], Source(row[1], row[2], _read_date(row[3])))
    return found


def moves(
    session: Session,
    items: Select[Any],
    since: dt.date,
    as_of: dt.date,
    rows: int,
    windows: ColumnElement[bool] | None = None,
) -> Cut[Move]:
    """The items with changes from `since` to `as_of` (tracker.timeline's changes), the latest
    changed first: each one's net change, its first `rows` in full and how many in all.

    A busy year holds a million changes: the items are counted with one index probe each (the
    first change in the window ends it) and found by walking the changes newest first until
    `rows` items have appeared, never by grouping every change."""
    condition = items.whereclause
    within = true() if condition is None else condition
    window: tuple[ColumnElement[bool], ...] = (
        E.effective_on >= since,
        E.effective_on <= as_of,
        timeline.is_change(),
    )
    if windows is not None:  # each declaration's own "since" (reports.build.since_windows)
        window = (*window, windows)
    changed = exists().where(E.commitment_id == C.id, *window)
    total = (
        session.scalar(select(func.count()).select_from(commitments_table).where(within, changed))
        or 0
    )
    newest = (
        select(E.commitment_id, plain(E.effective_on))
        .join(commitments_table, E.commitment_id == C.id)
        .where(within, *window)
        .order_by(*timeline.NEWEST_FIRST)
    )
    last_on: dict[int, dt.date] = {}
    offset, block = 0, 64
    while len(last_on) < min(rows, total):
        batch = session.execute(newest.limit(block).offset(offset)).all()
        if not batch:
            break
        for cid, on in batch:
            if cid not in last_on and len(last_on) < rows:
                last_on[cid] = _read_date(on)  # type: ignore[assignment]
        offset, block = offset + block, block * 4
    if not last_on:
        return Cut((), total)
    ids = list(last_on)
    titles = {
        row.id: row
        for row in session.execute(select(C.id, C.code, C.title, C.title_ja).where(C.id.in_(ids)))
    }
    timelines = _timelines(session, ids)
    before = since - dt.timedelta(days=1)
    in_window = {
        cid: [
            e
            for e in line.live
            if since <= e.effective_on <= as_of and timeline.counts_as_change(e)
        ][::-1]
        for cid, line in timelines.items()
    }
    sources = _first_source(session, [e.id for events in in_window.values() for e in events])
    lines: list[Move] = []
    for cid in ids:
        line = timelines[cid]
        whole = (line.status(before), line.status(as_of))
        parties: list[tuple[str, Status, Status]] = []
        for party in dict.fromkeys(e.party for e in line.live if e.party is not None):
            own = (line.party_status(party, before), line.party_status(party, as_of))
            if own != whole:
                parties.append((party, *own))
        item = titles[cid]
        lines.append(
            Move(
                code=item.code,
                title=item.title,
                on=last_on[cid],
                changes=len(in_window[cid]),
                from_status=whole[0],
                to_status=whole[1],
                parties=parties,
                evidence=next((sources[e.id] for e in in_window[cid] if e.id in sources), None),
                title_ja=item.title_ja,
            )
        )
    return Cut(lines, total)


def stalled_why(session: Session, stalled: Sequence[ItemLine], as_of: dt.date) -> dict[str, Why]:
    """Since when each of these stalled items has been stalled (the live whole-item event that
    made it so), with that event's one-line reason."""
    if not stalled:
        return {}
    ids = {
        row.code: row.id
        for row in session.execute(
            select(C.id, C.code).where(C.code.in_([i.code for i in stalled]))
        )
    }
    timelines = _timelines(session, ids.values())
    found: dict[str, Why] = {}
    for code, cid in ids.items():
        began = None
        for event, before in timelines[cid].whole_moves():
            if event.effective_on > as_of:
                break
            if event.to_status == Status.STALLED.value and before is not Status.STALLED:
                began = event
        if began is not None:
            found[code] = Why(began.effective_on, reason_line(began.reason, began.note))
    return found


def matrix(
    session: Session,
    items: Select[Any],
    parties: Sequence[str],
    on: dt.date,
    rows: int,
    *,
    final: bool,
) -> tuple[Cut[MatrixRow], int]:
    """The scored commitments with each party's standing on `on`, the ones where the parties
    differ first, then in report order: the first `rows` and how many in all, and how many
    differ."""
    condition = items.whereclause
    scored = (
        select(C.id)
        .join(pillars_table, C.pillar_id == pillars_table.c.id)
        .where(true() if condition is None else condition, C.kind == Kind.COMMITMENT.value)
        .order_by(C.declaration_id, pillars_table.c.position, C.position)
    )
    total = session.scalar(select(func.count()).select_from(scored.order_by(None).subquery())) or 0
    if not total or not parties:
        return Cut((), total), 0
    # Only an item with some party's own assessment can differ: few beside the whole-item ones.
    own = timeline.latest_party_events(session, parties, on)
    candidates = sorted({cid for cid, _party in own})
    differing: list[int] = []
    built: dict[int, MatrixRow] = {}
    for start in range(0, len(candidates), 500):
        block = candidates[start : start + 500]
        ids = list(session.scalars(scored.where(C.id.in_(block)).order_by(None)))
        rows_of = _rows(session, ids, parties, on, final=final)
        differing += [cid for cid in ids if rows_of[cid].differs]
        # The differing rows are kept (the first of them are shown), not every candidate's.
        built.update((cid, rows_of[cid]) for cid in ids if rows_of[cid].differs)
    order = {cid: n for n, cid in enumerate(session.scalars(scored.where(C.id.in_(differing))))}
    differing.sort(key=order.__getitem__)
    chosen = differing[:rows]
    if len(chosen) < rows:
        rest = list(session.scalars(scored.where(C.id.not_in(differing)).limit(rows - len(chosen))))
        built.update(_rows(session, rest, parties, on, final=final))
        chosen += rest
    return Cut([built[cid] for cid in chosen], total), len(differing)


def _rows(
    session: Session, ids: Sequence[int], parties: Sequence[str], on: dt.date, *, final: bool
) -> Mapping[int, MatrixRow]:
    """The matrix rows of these scored items, by id."""
    if not ids:
        return {}
    timelines = _timelines(session, ids)
    found: dict[int, MatrixRow] = {}
    for row in session.execute(
        select(C.id, C.code, C.title, C.title_ja, C.parties).where(C.id.in_(list(ids)))
    ):
        line = timelines[row.id]
        whole = line.latest(on)
        names = row.parties or []
        cells = []
        for party in parties:
            if party not in names:
                continue
            mine = line.latest(on, party)
            event = mine or whole
            status: Status | None = (
                STATUS_BY_VALUE[event.to_status]
                if event is not None
                else (Status.NOT_STARTED if final else None)
            )
            cells.append(
                PartyCell(
                    party=party,
                    status=status,
                    score=item_score(Kind.COMMITMENT, status),
                    on=event.effective_on if event is not None else None,
                    own=mine is not None,
                )
            )
        found[row.id] = MatrixRow(row.code, row.title, cells, row.title_ja)
    return found
