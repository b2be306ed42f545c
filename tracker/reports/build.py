"""The report's queries: every figure a report shows, computed once from the event history.

The state on the as-of date is rebuilt from events (effective date on or before it; the latest by
date then recording order wins), not read from the cached current status, so a report as of any
past date is exact. The result is the plain model of tracker.reports.model.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, overload

from sqlalchemy import ColumnElement, Select, Text, cast, func, literal, select, true
from sqlalchemy.orm import Session

from tracker.chain import DeclarationContent, declaration_hash
from tracker.commitments import decode_names, json_list_contains, resolve_party, resolve_pillar
from tracker.errors import TrackerError
from tracker.events import live
from tracker.models import (
    Declaration,
    Pillar,
    commitments_table,
    events_table,
    evidence_table,
    pillars_table,
)
from tracker.reports.model import (
    DeclarationInfo,
    EventLine,
    Figures,
    HistoryPoint,
    ItemLine,
    Milestone,
    PartyFigures,
    PillarFigures,
    Report,
)
from tracker.statuses import (
    DEFAULT_STATUS,
    STATUSES,
    Kind,
    Status,
    item_score,
    status_for_party,
)

# The report reads rows, not objects: Core columns skip the ORM's per-row work.
C, E, V = commitments_table.c, events_table.c, evidence_table.c
# In build's item query: ten item columns, basis, inferred, guidelines, then _EVENT_COLUMNS.
FIRST_EVENT = 13


def _latest_event_id(as_of: dt.date) -> Any:
    """For the commitment of the enclosing query: its last live whole-commitment event on or
    before as_of (parties' own events: _party_latest).

    A correlated lookup walks the (commitment_id, party, effective_on) index backwards and stops
    at the first live row, so the cost is per commitment, not per event in the history.
    """
    return (
        select(E.id)
        .where(
            E.commitment_id == C.id,
            E.party.is_(None),
            E.effective_on <= as_of,
            live(),
        )
        .order_by(E.effective_on.desc(), E.id.desc())
        .limit(1)
        .correlate(commitments_table)
        .scalar_subquery()
    )


def _latest_events(session: Session, as_of: dt.date) -> tuple[Any, ColumnElement[bool]]:
    """What the report joins to each commitment for its latest event, and on what condition.

    SQLite looks the event up by the id _latest_event_id finds, one index walk per commitment.
    PostgreSQL given that join hashes all 1,000,000 events (and spills them to disk) to match
    100,000 ids: 4.3 s where a LATERAL subquery, the same walk per commitment, takes a fraction
    (EXPLAIN ANALYZE on the benchmark's data). SQLite has no LATERAL.
    """
    if session.get_bind().dialect.name == "postgresql":
        lateral = (
            select(*_EVENT_COLUMNS)
            .where(
                E.commitment_id == C.id,
                E.party.is_(None),
                E.effective_on <= as_of,
                live(),
            )
            .order_by(E.effective_on.desc(), E.id.desc())
            .limit(1)
            .lateral("last_event")
        )
        return lateral, true()
    last = events_table.alias("last_event")
    return last, last.c.id == _latest_event_id(as_of)


def _history(
    session: Session, commitment_ids: Select[int], total: int, start: dt.date, as_of: dt.date
) -> list[HistoryPoint]:
    """Status counts after each day with events, from the declaration date to as_of.

    The database aggregates transitions per day (each event against the item's previous
    event in its timeline), so the work here is one step per (day, move), not per event.
    """
    timeline = (
        select(
            E.effective_on,
            E.to_status,
            func.lag(E.to_status)
            .over(
                partition_by=E.commitment_id,
                order_by=(E.effective_on, E.id),
            )
            .label("previous"),
        )
        .where(
            E.party.is_(None),
            E.effective_on <= as_of,
            E.commitment_id.in_(commitment_ids),
            live(),
        )
        .subquery()
    )
    moves = session.execute(
        select(timeline.c.effective_on, timeline.c.previous, timeline.c.to_status, func.count())
        .group_by(timeline.c.effective_on, timeline.c.previous, timeline.c.to_status)
        .order_by(timeline.c.effective_on)
    ).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts[DEFAULT_STATUS] = total
    start = min(start, as_of)
    points = [HistoryPoint(on=start, counts=dict(counts))]
    for on, previous, to_status, n in moves:
        counts[Status(previous) if previous else DEFAULT_STATUS] -= n
        counts[Status(to_status)] += n
        # An event dated before the declaration (work already under way) is part of the
        # starting state: the series starts at the declaration and stays in date order.
        if on <= start or points[-1].on == on:
            points[-1] = HistoryPoint(on=points[-1].on, counts=dict(counts))
        else:
            points.append(HistoryPoint(on=on, counts=dict(counts)))
    if points[-1].on != as_of:
        points.append(HistoryPoint(on=as_of, counts=dict(counts)))
    return points


_EVENT_COLUMNS = (
    E.id,
    E.effective_on,
    E.recorded_at,
    E.from_status,
    E.to_status,
    E.note,
    E.reason,
    E.actor,
    E.party,
    E.corrects_id,
)


def _event_line(values: Sequence[Any], code: str, title: str, evidence: list[str]) -> EventLine:
    """An EventLine from the values of _EVENT_COLUMNS, in that order (positional: fast)."""
    event_id, on, recorded_at, from_status, to_status, note, reason, actor, party, fixes = values
    return EventLine(
        id=event_id,
        code=code,
        title=title,
        on=on,
        recorded_at=recorded_at,
        from_status=_STATUS[from_status],
        to_status=_STATUS[to_status],
        note=note,
        reason=reason,
        actor=actor,
        evidence=evidence,
        party=party,
        corrects_id=fixes,
    )


_STATUS = {s.value: s for s in STATUSES}


_KIND = {k.value: k for k in Kind}


def _evidence_of(session: Session, event_ids: list[int]) -> dict[int, list[str]]:
    """The evidence of the given events, by event id, a few hundred ids per query (bounded
    memory whatever the size of the whole history's evidence)."""
    found: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(event_ids), 500):
        for event_id, reference in session.execute(
            select(V.event_id, V.reference)
            .where(V.event_id.in_(event_ids[start : start + 500]))
            .order_by(V.event_id, V.position)
        ):
            found[event_id].append(reference)
    return found


def _evidence_array(session: Session, event_id: Any) -> Any:
    """The references of the event whose id is `event_id` (a column of the enclosing query), in
    order, as one JSON array per row (decode with _references): the latest events of 100,000
    items get their evidence in the item query itself, where a lookup by lists of ids cost a
    tenth of the report (mostly in building the lists' parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        return (
            select(func.json_agg(aggregate_order_by(V.reference, V.position)))
            .where(V.event_id == event_id)
            .scalar_subquery()
        )
    # Correlated by hand: SQLAlchemy does not correlate a subquery in a FROM clause.
    ordered = (
        select(V.reference)
        .where(V.event_id == event_id)
        .order_by(V.position)
        .correlate(event_id.table)
        .subquery()
    )
    return select(func.json_group_array(ordered.c.reference)).scalar_subquery()


def _references(raw: str | list[str] | None) -> list[str]:
    """_evidence_array's value: a JSON array as text (SQLite; '[]' when there is none) or
    already decoded (PostgreSQL's driver; NULL when there is none)."""
    if raw is None or raw == "[]":
        return []
    return json.loads(raw) if isinstance(raw, str) else raw


def _event_rows() -> Select[Any]:
    """_EVENT_COLUMNS with the code and title of each event's commitment (see _lines_of)."""
    return select(*_EVENT_COLUMNS, C.code, C.title).join(commitments_table, E.commitment_id == C.id)


def _lines_of(session: Session, rows: Sequence[Any]) -> Iterator[EventLine]:
    """EventLines from rows of _event_rows(), with their evidence."""
    evidence = _evidence_of(session, [row[0] for row in rows])
    for row in rows:
        *values, code, title = row
        yield _event_line(values, code, title, evidence.get(row[0], []))


def _event_lines(session: Session, event_ids: list[int]) -> dict[int, EventLine]:
    lines: dict[int, EventLine] = {}
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        rows = session.execute(_event_rows().where(E.id.in_(chunk))).all()
        lines.update((line.id, line) for line in _lines_of(session, rows))
    return lines


class ChangeFeed(Sequence[EventLine]):
    """The events effective from `since` to `as_of`, newest first, read a block at a time.

    A report as of a busy month can list hundreds of thousands of changes; they are streamed
    from the database each time they are iterated (with each block's evidence), never held
    whole, so the report must be rendered while its session is open.
    """

    BLOCK = 2000

    def __init__(self, session: Session, item_filter: Select[Any], since: dt.date, as_of: dt.date):
        self._session = session
        self._where = (
            E.commitment_id.in_(item_filter),
            E.effective_on >= since,
            E.effective_on <= as_of,
        )
        self._count: int | None = None
        self._all: list[EventLine] | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = (
                self._session.scalar(
                    select(func.count()).select_from(events_table).where(*self._where)
                )
                or 0
            )
        return self._count

    def __iter__(self) -> Iterator[EventLine]:
        query = (
            _event_rows()
            .where(*self._where)
            .order_by(E.effective_on.desc(), E.id.desc())
            .execution_options(yield_per=self.BLOCK)
        )
        for block in self._session.execute(query).partitions():
            yield from _lines_of(self._session, block)

    @overload
    def __getitem__(self, index: int) -> EventLine: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[EventLine]: ...
    def __getitem__(self, index: int | slice) -> EventLine | Sequence[EventLine]:
        # Renderers only iterate; indexing (rare) reads the whole feed once and keeps it.
        if self._all is None:
            self._all = list(self)
        return self._all[index]


def _party_latest(
    session: Session, parties: list[str], as_of: dt.date
) -> dict[tuple[int, str], EventLine]:
    """Each (commitment id, party)'s own latest live event on or before as_of.

    Parties' own assessments are few beside the whole-commitment ones, so one scan of the party
    index finds them all; the latest per pair is picked here, by (date, id) as everywhere.
    """
    if not parties:
        return {}
    latest: dict[tuple[int, str], tuple[dt.date, int]] = {}
    for event_id, commitment_id, party, on in session.execute(
        select(E.id, E.commitment_id, E.party, E.effective_on).where(
            E.party.in_(parties), E.effective_on <= as_of, live()
        )
    ):
        assert party is not None  # the IN above
        key = (commitment_id, party)
        if key not in latest or (on, event_id) > latest[key]:
            latest[key] = (on, event_id)
    lines = _event_lines(session, sorted(event_id for _, event_id in latest.values()))
    return {key: lines[event_id] for key, (_, event_id) in latest.items()}


ROW_BLOCK = 2000


def build(
    session: Session,
    *,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    pillar: str | None = None,
    party: str | None = None,
    declaration: str | None = None,
    with_history: bool = True,
    stream_changes: bool = False,
    default_since: bool = False,
    with_guidelines: bool = False,
    report_title: str | None = None,
    prepared_by: str | None = None,
    marking: str | None = None,
) -> Report:
    """The report; `with_history=False` skips the burn-up series, the one figure that reads
    every event (the terminal and HTML reports draw it; JSON carries it on request).
    `stream_changes=True` leaves the changes as a ChangeFeed over the session, to be rendered
    before the session closes; otherwise they are read into a list here. With no `since` and
    `default_since`, the changes are those since the last meeting (see since_default).
    `with_guidelines` reads each item's scoring guidelines (the HTML appendix prints them)."""
    today = today or dt.date.today()
    as_of = as_of or today

    decl_query = select(Declaration).order_by(Declaration.date, Declaration.id)
    if declaration:
        decl_query = decl_query.where(Declaration.slug == declaration)
    declarations = list(session.scalars(decl_query))
    if declaration and not declarations:
        known = ", ".join(session.scalars(select(Declaration.slug))) or "none loaded"
        raise TrackerError(f"no declaration {declaration!r}; declarations: {known}")
    decl_ids = [d.id for d in declarations]

    item_filter = select(C.id).where(C.declaration_id.in_(decl_ids))
    filters: dict[str, str] = {}
    if declaration:
        filters["declaration"] = declaration
    if pillar:
        item_filter = item_filter.where(C.pillar_id.in_(resolve_pillar(session, pillar)))
        filters["pillar"] = pillar

    parties: list[str] = list(dict.fromkeys(p for d in declarations for p in d.parties))
    # A third party the text names on some items (Italy in GCAP) is reported once it has an
    # assessment of its own: one scan of the party index.
    parties += [
        p
        for p in session.scalars(
            select(E.party)
            .where(E.party.is_not(None), E.commitment_id.in_(item_filter), live())
            .distinct()
            .order_by(E.party)
        )
        if p is not None and p not in parties
    ]
    if party:
        chosen = resolve_party(party, parties, what="declaration parties:")
        item_filter = item_filter.where(json_list_contains(C.parties, chosen))
        filters["party"] = chosen
        parties = [chosen]

    last, on_last = _latest_events(session, as_of)
    query = (
        select(
            C.id,
            C.code,
            C.title,
            C.pillar_id,
            C.kind,
            # As text, decoded once per distinct list below: most items share a few lists.
            cast(C.parties, Text),
            cast(C.owners, Text),
            C.target_date,
            C.target_label,
            C.chain_head,
            C.basis,
            cast(C.inferred, Text),
            cast(C.guidelines, Text) if with_guidelines else literal(None),
            *[last.c[c.key] for c in _EVENT_COLUMNS],
            # Last, so the positions above stay as they are.
            C.chain_length,
            C.title_ja,
            C.target_label_ja,
            C.content_hash,
            _evidence_array(session, last.c.id),
        )
        .join(pillars_table, C.pillar_id == pillars_table.c.id)
        .outerjoin(last, on_last)
        .where(C.id.in_(item_filter))
        .order_by(C.declaration_id, pillars_table.c.position, C.position)
    )
    party_events = _party_latest(session, parties, as_of)
    pillars = {
        p.id: p for p in session.scalars(select(Pillar).where(Pillar.declaration_id.in_(decl_ids)))
    }
    items: list[ItemLine] = []
    by_pillar: dict[int, list[ItemLine]] = defaultdict(list)
    n_events = len(_EVENT_COLUMNS)
    # Items share a few party-status maps: one dict per distinct map, not one per item.
    shared_status: dict[tuple[tuple[str, Status], ...], dict[str, Status]] = {}
    # Read a block of rows at a time, with that block's evidence: the rows of 100,000 items are
    # never all held beside the lines made from them (that was 40 MB of peak memory).
    blocks = session.execute(query.execution_options(yield_per=ROW_BLOCK)).partitions()
    for block in blocks:
        for fields in block:
            _, code, title, pillar_id, kind, raw_parties, raw_owners, target, label, head = fields[
                :10
            ]
            basis, raw_inferred, raw_guidelines = fields[10:FIRST_EVENT]
            item_parties, owners = decode_names(raw_parties), decode_names(raw_owners)
            values = fields[FIRST_EVENT : FIRST_EVENT + n_events]
            event = (
                _event_line(values, code, title, _references(fields[-1]))
                if values[0] is not None
                else None
            )
            status = event.to_status if event else DEFAULT_STATUS
            newest = event
            own_status: dict[str, Status] = {}
            for p in parties:
                own = party_events.get((fields[0], p))
                if p in item_parties:
                    own_status[p] = status_for_party(own.to_status if own else None, status)
                if own is not None and (
                    newest is None or (own.on, own.id) > (newest.on, newest.id)
                ):
                    newest = own
            party_status = shared_status.setdefault(tuple(own_status.items()), own_status)
            pillar_row = pillars[pillar_id]
            item_kind = _KIND[kind]
            item = ItemLine(
                code=code,
                title=title,
                pillar=pillar_row.slug,
                pillar_title=pillar_row.title,
                kind=item_kind,
                parties=item_parties,
                owners=owners,
                target_date=target,
                target_label=label,
                status=status,
                score=item_score(item_kind, status),
                # The source's forecast is nobody's pledge, so it cannot fall overdue.
                overdue=target is not None
                and target < as_of
                and status is not Status.ACHIEVED
                and item_kind is not Kind.OUTLOOK,
                last_event=newest,
                party_status=party_status,
                chain_head=head,
                chain_length=fields[-5],
                title_ja=fields[-4],
                pillar_title_ja=pillar_row.title_ja,
                target_label_ja=fields[-3],
                content_hash=fields[-2],
                basis=basis or "",
                inferred=_decode_map(raw_inferred),
                guidelines=_decode_map(raw_guidelines) or None,
            )
            items.append(item)
            by_pillar[pillar_id].append(item)

    # The parties' pledges first, then the source's outlook: every format shows them apart.
    items.sort(key=lambda i: i.kind is Kind.OUTLOOK)

    pillar_figures = [
        PillarFigures(
            slug=p.slug,
            title=p.title,
            figures=Figures.of((i.kind, i.status) for i in by_pillar[pid]),
            title_ja=p.title_ja,
        )
        for pid, p in sorted(pillars.items(), key=lambda kv: (kv[1].declaration_id, kv[1].position))
        if by_pillar[pid]
    ]

    milestones = sorted(
        {
            (i.target_label, i.target_date)
            for i in items
            if i.target_label is not None and i.target_date is not None
        },
        key=lambda m: (m[1], m[0]),
    )

    labels_ja = {
        (i.target_label, i.target_date): i.target_label_ja for i in items if i.target_label_ja
    }
    report_milestones = [
        Milestone(
            title=label,
            date=date,
            days_left=(date - as_of).days,
            title_ja=labels_ja.get((label, date)),
        )
        for label, date in milestones
    ]
    if since is None and default_since:
        since = since_default(report_milestones, declarations, as_of)
    changes: Sequence[EventLine] = []
    if since is not None:
        feed = ChangeFeed(session, item_filter, since, as_of)
        changes = feed if stream_changes else list(feed)

    return Report(
        declarations=[
            DeclarationInfo(
                slug=d.slug,
                title=d.title,
                date=d.date,
                place=d.place,
                parties=list(d.parties),
                source=d.source,
                content_hash=declaration_hash(
                    DeclarationContent(
                        d.slug, d.title, d.date, d.place, list(d.parties), d.source, d.source_text
                    )
                ),
                inferred=dict(d.inferred or {}),
                title_ja=d.title_ja,
            )
            for d in declarations
        ],
        generated_on=today,
        as_of=as_of,
        since=since,
        milestones=report_milestones,
        overall=Figures.of((i.kind, i.status) for i in items),
        pillars=pillar_figures,
        parties=[
            PartyFigures(
                party=p,
                figures=Figures.of(
                    (i.kind, i.party_status[p]) for i in items if p in i.party_status
                ),
            )
            for p in parties
        ],
        items=items,
        changes=changes,
        filters=filters,
        history=_history(
            session,
            item_filter,
            len(items),
            min((d.date for d in declarations), default=as_of),
            as_of,
        )
        if with_history
        else [],
        with_history=with_history,
        title=report_title or None,
        prepared_by=prepared_by or None,
        marking=marking or None,
    )


def since_default(
    milestones: Sequence[Milestone], declarations: Sequence[Declaration], as_of: dt.date
) -> dt.date:
    """Since the last meeting: the previous milestone, else the declaration date (the most
    recent one on or before as_of), else 30 days before as_of."""
    past = [m.date for m in milestones if m.date < as_of]
    if past:
        return max(past)
    dates = [d.date for d in declarations if d.date <= as_of]
    if dates:
        return max(dates)
    return as_of - dt.timedelta(days=30)


@functools.lru_cache(maxsize=1024)
def _decode_text(raw: str) -> tuple[tuple[str, str], ...]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in value.items())


def _decode_map(raw: str | None) -> dict[str, str]:
    """A JSON object of text read as text (inferred fields, guidelines); most items share a
    few, so each distinct one is decoded once."""
    return dict(_decode_text(raw)) if raw and raw != "null" else {}
