"""The report's queries: every figure a report shows, computed once from the event history.

The state on the as-of date is rebuilt from the live events as tracker.timeline reads them, not
read from the cached current status, so a report as of any past date is exact. The result is
the plain model of tracker.reports.model, which the renderers read without a database; the one
thing too large to hold, a busy period's changes, can be a Stream read from the open session.

A screen shows figures and the first rows of each list, not every item: for it (`rows`) the
figures are SQL aggregates over the cached status and each list an ORDER BY ... LIMIT, which is
exact whenever no event takes effect after the as-of date (_cached_status_is_current); a
report as of an earlier date is built item by item as above.

Rows are read by their labelled columns: each row shape below is a NamedTuple whose fields are
the labels, its positions looked up by name once per query (a Row's attribute access costs five
times as much, at 100,000 items).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Label,
    Select,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from tracker import burnup, clock, timeline
from tracker import milestones as meeting_dates
from tracker.anchor import declaration_hashes
from tracker.chain import heads_digest
from tracker.commitments import (
    decode_names,
    json_list_contains,
    name_lists,
    resolve_declarations,
    resolve_party,
    resolve_pillar,
)
from tracker.models import (
    Declaration,
    Pillar,
    commitments_table,
    events_table,
    evidence_table,
    pillars_table,
    plain,
    read_date,
    read_utc,
    status_days_table,
)
from tracker.reports import page_one
from tracker.reports.model import (
    Continuation,
    Cut,
    DeclarationFigures,
    DeclarationInfo,
    EventLine,
    Figures,
    HistoryPoint,
    ItemCut,
    ItemLine,
    Milestone,
    PartyFigures,
    PillarFigures,
    Report,
    Source,
    Stream,
)
from tracker.statuses import (
    DEFAULT_STATUS,
    STATUS_BY_VALUE,
    STATUSES,
    Kind,
    Status,
    assessed_status,
    is_final,
    item_score,
)

# The report reads rows, not objects: Core columns skip the ORM's per-row work.
C, E, V = commitments_table.c, events_table.c, evidence_table.c

# Rows of a few hundred ids per IN (...): bounded memory whatever the size of the history.
ID_BLOCK = 500
# Items (with their latest events) and changes are read this many rows at a time.
ROW_BLOCK = 2000

_KIND = {k.value: k for k in Kind}


def _reader(keys: Sequence[str], shape: Any) -> Callable[[Sequence[Any]], Any]:
    """Rows with the columns `keys` as `shape` (a NamedTuple of labels): by name, not position."""
    positions = [list(keys).index(name) for name in shape._fields]
    get, make = operator.itemgetter(*positions), shape._make
    return lambda row: make(get(row))


# --- events -------------------------------------------------------------------------------------

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


class EventRow(NamedTuple):
    """An event's columns, labelled (see _labelled), with its commitment's code and title."""

    event_id: int | None
    event_effective_on: str | dt.date  # read_date
    event_recorded_at: str | dt.datetime  # read_utc
    event_from_status: str
    event_to_status: str
    event_note: str
    event_reason: str | None
    event_actor: str
    event_party: str | None
    event_corrects_id: int | None
    code: str
    title: str


def _labelled(columns: Any) -> list[Label[Any]]:
    """The event columns of `columns` (status_events or an alias of it), labelled for EventRow,
    its date and time read plain (see tracker.models.plain)."""
    return [
        (plain(columns[c.key]) if c.key in _PLAIN else columns[c.key]).label(f"event_{c.key}")
        for c in _EVENT_COLUMNS
    ]


_PLAIN = {"effective_on", "recorded_at"}


def _event_reader(keys: Sequence[str]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """An event's columns from rows with the columns `keys`, in EventRow's order, as a plain
    tuple for _event_line (no NamedTuple made per event: a report reads 100,000)."""
    return operator.itemgetter(*[list(keys).index(name) for name in EventRow._fields])


def _event_line(columns: tuple[Any, ...], evidence: Sequence[Source]) -> EventLine:
    """The EventLine of an event's columns (see _event_reader)."""
    (event_id, on, recorded_at, from_status, to_status, note, reason, actor, party, corrects, code,
     title) = columns  # fmt: skip
    return EventLine(
        id=event_id or 0,
        code=code,
        title=title,
        on=read_date(on),  # type: ignore[arg-type]
        recorded_at=read_utc(recorded_at),  # type: ignore[arg-type]
        from_status=STATUS_BY_VALUE[from_status],
        to_status=STATUS_BY_VALUE[to_status],
        note=note,
        reason=reason,
        actor=sys.intern(actor),  # a few names, on 100,000 lines
        evidence=evidence,
        party=party,
        corrects_id=corrects,
    )


def _evidence_of(session: Session, event_ids: list[int]) -> dict[int, list[Source]]:
    """The evidence of the given events, by event id, in order."""
    found: dict[int, list[Source]] = defaultdict(list)
    for start in range(0, len(event_ids), ID_BLOCK):
        for row in session.execute(
            select(V.event_id, V.reference, V.title, plain(V.published_on))
            .where(V.event_id.in_(event_ids[start : start + ID_BLOCK]))
            .order_by(V.event_id, V.position)
        ):
            found[row[0]].append(Source(row[1], row[2], read_date(row[3])))
    return found


def _evidence_array(session: Session, event_id: Any) -> Any:
    """The evidence of the event whose id is `event_id` (a column of the enclosing query), in
    order, as one JSON array of [reference, title, date] per row (decode with _sources): the
    latest events of 100,000 items get their evidence in the item query itself, where a lookup
    by lists of ids cost a tenth of the report (mostly in building the lists' parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        entry = func.json_build_array(V.reference, V.title, V.published_on)
        return (
            select(func.json_agg(aggregate_order_by(entry, V.position)))
            .where(V.event_id == event_id)
            .scalar_subquery()
        )
    # Correlated by hand: SQLAlchemy does not correlate a subquery in a FROM clause.
    ordered = (
        select(func.json_array(V.reference, V.title, V.published_on).label("entry"))
        .where(V.event_id == event_id)
        .order_by(V.position)
        .correlate(event_id.table)
        .subquery()
    )
    return select(func.json_group_array(func.json(ordered.c.entry))).scalar_subquery()


def _sources(raw: str | list[list[Any]] | None) -> Sequence[Source]:
    """_evidence_array's value: a JSON array as text (SQLite; '[]' when there is none) or
    already decoded (PostgreSQL's driver; NULL when there is none)."""
    if raw is None or raw == "[]":
        return ()
    entries = json.loads(raw) if isinstance(raw, str) else raw
    return [Source(ref, title, read_date(on)) for ref, title, on in entries]


def _event_rows() -> Select[Any]:
    """Events as EventRows: their labelled columns with their commitment's code and title."""
    return select(*_labelled(E), C.code, C.title).join(commitments_table, E.commitment_id == C.id)


def _lines_of(session: Session, keys: Sequence[str], rows: Sequence[Any]) -> Iterator[EventLine]:
    """EventLines from rows of _event_rows() (whose column labels are `keys`), with evidence."""
    read = _event_reader(keys)
    events = [read(row) for row in rows]
    evidence = _evidence_of(session, [e[0] for e in events])
    for e in events:
        yield _event_line(e, evidence.get(e[0], []))


def _event_lines(session: Session, event_ids: list[int]) -> dict[int, EventLine]:
    lines: dict[int, EventLine] = {}
    for start in range(0, len(event_ids), ID_BLOCK):
        chunk = event_ids[start : start + ID_BLOCK]
        result = session.execute(_event_rows().where(E.id.in_(chunk)))
        keys = list(result.keys())
        lines.update((line.id, line) for line in _lines_of(session, keys, result.all()))
    return lines


def _party_latest(
    session: Session, parties: list[str], as_of: dt.date, among: Collection[int] | None = None
) -> dict[tuple[int, str], EventLine]:
    """Each (commitment id, party)'s own latest live event on or before as_of (of the
    commitments `among` only, when given)."""
    latest = timeline.latest_party_events(session, parties, as_of)
    if among is not None:
        latest = {key: event_id for key, event_id in latest.items() if key[0] in among}
    lines = _event_lines(session, sorted(latest.values()))
    return {key: lines[event_id] for key, event_id in latest.items()}


# --- the filter and the changes -----------------------------------------------------------------


def _item_filter(
    session: Session,
    declaration_ids: list[int] | None,
    pillar: str | None,
    party: str | None,
) -> Select[Any]:
    """The ids of the items reported: of these declarations (None: all), in this pillar, of
    this party. Of all items, a query without a condition (see _within)."""
    query = select(C.id)
    if declaration_ids is not None:
        query = query.where(C.declaration_id.in_(declaration_ids))
    if pillar:
        query = query.where(C.pillar_id.in_(resolve_pillar(session, pillar, declaration_ids)))
    if party:
        query = query.where(json_list_contains(C.parties, party))
    return query


def _within(column: ColumnElement[int], items: Select[Any]) -> ColumnElement[bool]:
    """`column` (a commitment id) is one of `items` (_item_filter). Of all items, no condition:
    `id IN (every id)` would make SQLite gather 100,000 ids and look each row up by them, a
    third more than scanning the table, in each of a screen report's dozen queries."""
    return true() if items.whereclause is None else column.in_(items)


def _change_stream(
    session: Session,
    items: Select[Any],
    since: dt.date,
    as_of: dt.date,
    windows: ColumnElement[bool] | None = None,
) -> Iterator[EventLine]:
    """The changes of the items `items` selects (events effective from `since` to `as_of`),
    newest first, read from the open session a block at a time with each block's evidence:
    a busy month holds hundreds of thousands, which the JSON report writes as it reads them."""
    result = session.execute(
        _change_query(items, since, as_of, windows).execution_options(yield_per=ROW_BLOCK)
    )
    keys = list(result.keys())
    for block in result.partitions():
        yield from _lines_of(session, keys, block)


def _change_query(
    items: Select[Any],
    since: dt.date,
    as_of: dt.date,
    windows: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """The changes of the items `items` selects (_item_filter), newest first, as EventRows.

    The filter's conditions apply to the commitments the events are joined to, not as
    `commitment_id IN (subquery)`: SQLite then walks the items' index once instead of
    gathering the subquery's ids (a third of the count of a busy half-year at 100k)."""
    condition = items.whereclause
    return (
        _event_rows()
        .where(
            true() if condition is None else condition,
            E.effective_on >= since,
            E.effective_on <= as_of,
            timeline.is_change(),
            true() if windows is None else windows,
        )
        .order_by(*timeline.NEWEST_FIRST)
    )


# --- the burn-up --------------------------------------------------------------------------------


def _history(
    session: Session,
    commitment_ids: Select[Any],
    total: int,
    start: dt.date,
    as_of: dt.date,
    cached: list[int] | None = None,
) -> list[HistoryPoint]:
    """Status counts after each day with events, from the declaration date to as_of.

    `cached`: the declarations whose every item is reported, whose per-day moves the burn-up
    cache holds (tracker.burnup); a few thousand rows instead of a window over every event.
    Otherwise (a pillar or party picks some items) the database aggregates transitions per day
    (each event against the item's previous event in its timeline), so the work here is one
    step per (day, move), not per event.
    """
    moves: Iterable[tuple[dt.date, str, int]]
    if cached is not None:
        S = status_days_table.c
        moves = session.execute(
            select(S.day, S.status, func.sum(S.delta))
            .where(S.declaration_id.in_(cached), S.day <= as_of)
            .group_by(S.day, S.status)
            .order_by(S.day)
        )
    else:
        moves = _transitions(session, commitment_ids, as_of)
    counts = dict.fromkeys(STATUSES, 0)
    counts[DEFAULT_STATUS] = total
    start = min(start, as_of)
    points = [HistoryPoint(on=start, counts=dict(counts))]
    for on, status, delta in moves:
        counts[STATUS_BY_VALUE[status]] += delta
        # An event dated before the declaration (work already under way) is part of the
        # starting state: the series starts at the declaration and stays in date order.
        if on <= start or points[-1].on == on:
            points[-1] = HistoryPoint(on=points[-1].on, counts=dict(counts))
        else:
            points.append(HistoryPoint(on=on, counts=dict(counts)))
    if points[-1].on != as_of:
        points.append(HistoryPoint(on=as_of, counts=dict(counts)))
    return points


def _transitions(
    session: Session, commitment_ids: Select[Any], as_of: dt.date
) -> list[tuple[dt.date, str, int]]:
    """Per day, in date order, the change in each status's count, from the events (the same
    aggregate the burn-up cache is built from, summed over declarations)."""
    per_day: dict[tuple[dt.date, str], int] = defaultdict(int)
    for (_, on, status), (delta, _moves) in burnup.from_history(
        session.connection(), commitment_ids, as_of
    ).items():
        per_day[on, status] += delta
    return sorted((on, status, delta) for (on, status), delta in per_day.items())


# --- the items ----------------------------------------------------------------------------------


class ItemRow(NamedTuple):
    """An item's columns in build's query (its latest event's: EventRow, same rows)."""

    id: int
    code: str
    title: str
    pillar_id: int
    kind: str
    parties: str | None
    owners: str | None
    target_date: str | dt.date | None  # read_date
    target_label: str | None
    declaration_id: int
    milestone: str | None
    chain_head: str
    chain_length: int
    content_hash: str
    title_ja: str | None
    target_label_ja: str | None
    basis: str | None
    inferred: str | None
    guidelines: str | None
    owners_ja: str | None
    inferred_origins: str | None
    inferred_ja: str | None
    # The evidence of the latest event (see _evidence_array and _sources).
    evidence: str | list[list[Any]] | None
    # Whether any event assesses it on as_of (see _item_query).
    assessed: Any


def _item_query(
    session: Session, items: Select[Any], as_of: dt.date, with_guidelines: bool, current: bool
) -> Select[Any]:
    """Each item reported with its latest live whole-item event on as_of (timeline), and
    whether any live event (for the whole or a party) assesses it by then: when the cached
    status is current (_cached_status_is_current), whether it has any event at all."""
    last, on_last = timeline.latest_events(session.get_bind().dialect.name, as_of, _EVENT_COLUMNS)
    assessed = (
        C.chain_length > 0
        if current
        else exists().where(E.commitment_id == C.id, E.effective_on <= as_of, timeline.is_live())
    )
    return (
        select(
            C.id,
            C.code,
            C.title,
            C.pillar_id,
            C.kind,
            # As text, decoded once per distinct list below: most items share a few lists.
            cast(C.parties, Text).label("parties"),
            cast(C.owners, Text).label("owners"),
            plain(C.target_date).label("target_date"),
            C.target_label,
            C.declaration_id,
            C.milestone,
            C.chain_head,
            C.chain_length,
            C.content_hash,
            C.title_ja,
            C.target_label_ja,
            C.basis,
            cast(C.inferred, Text).label("inferred"),
            (cast(C.guidelines, Text) if with_guidelines else literal(None)).label("guidelines"),
            cast(C.owners_ja, Text).label("owners_ja"),
            cast(C.inferred_origins, Text).label("inferred_origins"),
            cast(C.inferred_ja, Text).label("inferred_ja"),
            *_labelled(last.c),
            _evidence_array(session, last.c.id).label("evidence"),
            assessed.label("assessed"),
        )
        .join(pillars_table, C.pillar_id == pillars_table.c.id)
        .outerjoin(last, on_last)
        .where(_within(C.id, items))
        .order_by(C.declaration_id, pillars_table.c.position, C.position)
    )


class _Scope(NamedTuple):
    """What a report covers: its declarations, the ids of its items (a subquery), the filters
    as it names them, the parties it gives figures for, and its pillars by id."""

    declarations: list[Declaration]
    items: Select[Any]
    filters: dict[str, str]
    parties: list[str]
    pillars: dict[int, Pillar]


def _scope(session: Session, slugs: Sequence[str], pillar: str | None, party: str | None) -> _Scope:
    decl_query = select(Declaration).order_by(Declaration.date, Declaration.id)
    if slugs:
        decl_query = decl_query.where(Declaration.id.in_(resolve_declarations(session, slugs)))
    declarations = list(session.scalars(decl_query))
    decl_ids = [d.id for d in declarations]

    every = decl_ids if slugs else None
    item_filter = _item_filter(session, every, pillar, None)
    filters: dict[str, str] = {}
    if slugs:
        filters["declaration"] = ", ".join(d.slug for d in declarations)
    if pillar:
        filters["pillar"] = pillar

    parties: list[str] = list(dict.fromkeys(p for d in declarations for p in d.parties))
    # A third party the text names on some items (Italy in GCAP) is reported once it has an
    # assessment of its own: one scan of the party index.
    parties += [
        p
        for p in session.scalars(
            select(E.party)
            .where(E.party.is_not(None), _within(E.commitment_id, item_filter), timeline.is_live())
            .distinct()
            .order_by(E.party)
        )
        if p is not None and p not in parties
    ]
    if party:
        chosen = resolve_party(party, parties, what="declaration parties:")
        item_filter = _item_filter(session, every, pillar, chosen)
        filters["party"] = chosen
        parties = [chosen]

    pillars = {
        p.id: p for p in session.scalars(select(Pillar).where(Pillar.declaration_id.in_(decl_ids)))
    }
    return _Scope(declarations, item_filter, filters, parties, pillars)


def _known(session: Session, scope: _Scope, as_of: dt.date) -> list[meeting_dates.MilestoneDate]:
    """The milestones of the declarations reported, with their dates as known on as_of."""
    return meeting_dates.known_on(session, as_of, [d.id for d in scope.declarations])


def _milestones(
    session: Session, scope: _Scope, known: Sequence[meeting_dates.MilestoneDate], as_of: dt.date
) -> list[Milestone]:
    """The meetings the reported items' targets name, in date order, each with its date as
    known on as_of: the announced one, else the deadline the text gives or implies."""
    slugs = {d.id: d.slug for d in scope.declarations}
    named = set(
        session.execute(
            select(C.declaration_id, C.milestone)
            .where(_within(C.id, scope.items), C.milestone.is_not(None))
            .distinct()
        ).all()
    )
    found = [
        Milestone(
            title=m.title,
            date=m.date,
            days_left=(m.date - as_of).days,
            title_ja=m.title_ja,
            announced_on=m.announced_on,
            deadline=bool(m.rule) and not m.announced,
            slug=m.slug,
            declaration=slugs.get(key[0], ""),
        )
        for key, m in meeting_dates.meetings(known).items()
        if key in named
    ]
    return sorted(found, key=lambda m: (m.date, m.title))


def _declaration_info(d: Declaration, hashes: dict[str, str]) -> DeclarationInfo:
    return DeclarationInfo(
        slug=d.slug,
        title=d.title,
        date=d.date,
        place=d.place,
        parties=list(d.parties),
        source=d.source,
        content_hash=hashes[d.slug],
        inferred=dict(d.inferred or {}),
        title_ja=d.title_ja,
        place_ja=d.place_ja,
        inferred_origins=dict(d.inferred_origins or {}),
        inferred_ja=dict(d.inferred_ja or {}),
    )


def _pillar_figures(pillars: dict[int, Pillar], figures: dict[int, Figures]) -> list[PillarFigures]:
    """Each pillar with items, in the declarations' order, with its figures."""
    return [
        PillarFigures(slug=p.slug, title=p.title, figures=figures[pid], title_ja=p.title_ja)
        for pid, p in sorted(pillars.items(), key=lambda kv: (kv[1].declaration_id, kv[1].position))
        if pid in figures
    ]


@dataclass(frozen=True)
class ReportSpec:
    """What a report covers and how much of it to read.

    `rows`: each list's first rows only (a screen), counted in full; None: every row. With
    `stream_changes` the changes are a Stream read from the session as they are iterated (the
    JSON report), so the session must stay open until the report is rendered. With no `since`
    and `default_since`, the changes are those since the last meeting (see since_default).
    `with_history=False` skips the burn-up series, the one figure that reads every event.
    `with_guidelines` reads each item's scoring guidelines (the HTML appendix prints them)."""

    as_of: dt.date | None = None
    since: dt.date | None = None
    default_since: bool = False
    pillar: str | None = None
    party: str | None = None
    # Declaration slugs (none: every declaration).
    declarations: tuple[str, ...] = ()
    with_history: bool = True
    with_guidelines: bool = False
    title: str | None = None
    prepared_by: str | None = None
    marking: str | None = None
    # Where the rows a cut list leaves out are, as the caller names its own command.
    every_row: str | None = None
    rows: int | None = None
    stream_changes: bool = False
    today: dt.date | None = None
    # Page one's lists (tracker.reports.page_one): the formats for people print them.
    page_one: bool = True


def build(session: Session, spec: ReportSpec) -> Report:
    """The report, one shape for every format.

    A report cut for a screen (`spec.rows`) takes its figures from SQL aggregates over the
    cached status and each list from an ORDER BY ... LIMIT, whenever that is exact (see
    _cached_status_is_current); otherwise every item is read, as of its date, and the lists
    are cut here. Either way the lists are chosen by tracker.timeline's rules (the SQL twin of
    each, or the plain function)."""
    today = spec.today or clock.today(session)
    as_of = spec.as_of or today
    scope = _scope(session, spec.declarations, spec.pillar, spec.party)
    current = _cached_status_is_current(session, as_of)
    # The milestones and cut-offs as known on as_of: read once, for the cut-off and the lists.
    known = _known(session, scope, as_of)
    cutoff = _cutoff(scope.declarations, known)
    final = is_final(cutoff, as_of)
    # Every item as of as_of, when the report reads them all: each declaration's figures are
    # grouped from the same rows (_by_declaration), not from a report of its own.
    read: list[ItemLine] | None = None
    tallied: list[_Tally] = []
    if spec.rows is not None and current:
        report = _from_tallies(session, scope, as_of, spec, known, final=final, keep=tallied)
    else:
        read = []
        report = _from_items(
            session, scope, as_of, spec, known, final=final, current=current, keep=read
        )
    if final:
        assert cutoff is not None
        # The final assessment: every figure from each item's status on the cut-off date (its
        # figures only: no changes are read for it).
        figures_only = replace(
            spec, rows=None, stream_changes=False, since=None, default_since=False
        )
        assessed = _from_items(
            session, scope, cutoff, figures_only, _known(session, scope, cutoff), final=True
        )
        report = replace(
            report, overall=assessed.overall, pillars=assessed.pillars, parties=assessed.parties
        )
    if spec.page_one:
        report = _page_one(
            session,
            scope,
            report,
            cutoff if final and cutoff else as_of,
            final,
            since_windows(spec, scope, report.milestones, as_of),
        )
    _mark_continuations(session, report, cutoff if final and cutoff else as_of)
    hashes = dict(declaration_hashes(session))
    cutoffs = {meeting_dates.cutoff_on(known, d) for d in scope.declarations}
    return replace(
        report,
        by_declaration=_by_declaration(
            session, scope, spec, as_of, known, report, read, tallied, cutoff, final, current
        ),
        periods_match=(len(cutoffs) <= 1 and None not in cutoffs) or len(scope.declarations) <= 1,
        cutoff=cutoff,
        final=final,
        declarations=[_declaration_info(d, hashes) for d in scope.declarations],
        generated_on=today,
        filters=scope.filters,
        history=_history(
            session,
            scope.items,
            report.overall.items,
            min((d.date for d in scope.declarations), default=as_of),
            as_of,
            cached=None if spec.pillar or spec.party else [d.id for d in scope.declarations],
        )
        if spec.with_history
        else [],
        with_history=spec.with_history,
        title=spec.title or None,
        prepared_by=spec.prepared_by or None,
        marking=spec.marking or None,
        every_row=spec.every_row,
    )


def _only(scope: _Scope, d: Declaration) -> _Scope:
    """The scope narrowed to one of its declarations: the report filtered to it."""
    return scope._replace(declarations=[d], items=scope.items.where(C.declaration_id == d.id))


def _by_declaration(
    session: Session,
    scope: _Scope,
    spec: ReportSpec,
    as_of: dt.date,
    known: Sequence[meeting_dates.MilestoneDate],
    report: Report,
    read: list[ItemLine] | None,
    tallied: list[_Tally],
    cutoff: dt.date | None,
    final: bool,
    current: bool,
) -> list[DeclarationFigures]:
    """Each declaration's figures, as the report filtered to it gives them: over its items, its
    parties, its own cut-off (read as of it when it has passed) and its own "since". Grouped
    from what the report read: its items (`read`), or its one GROUP BY (`tallied`, a report
    for a screen, with each party's own assessments read once); never a report per
    declaration. Only a declaration whose cut-off has passed is read again, as of it."""
    if len(scope.declarations) == 1:
        d = scope.declarations[0]
        return [
            DeclarationFigures(
                slug=d.slug, title=d.title, date=d.date, overall=report.overall,
                parties=report.parties, cutoff=cutoff, final=final, since=report.since,
                title_ja=d.title_ja,
            )
        ]  # fmt: skip
    if read is None and not tallied:
        read, _pillars = _items(
            session, scope.items, scope.pillars, scope.parties, as_of, False,
            current=current, targets=meeting_dates.meetings(known),
        )  # fmt: skip
    own_events = timeline.latest_party_events(session, scope.parties, as_of) if read is None else {}
    # A third party counts in a declaration's figures once it has an assessment of its own
    # among that declaration's items (as _scope decides for a report of it alone).
    third: dict[int, set[str]] = defaultdict(set)
    for declaration_id, party in session.execute(
        select(C.declaration_id, E.party)
        .join(commitments_table, C.id == E.commitment_id)
        .where(E.party.is_not(None), _within(E.commitment_id, scope.items), timeline.is_live())
        .distinct()
    ):
        third[declaration_id].add(party)
    by_slug: dict[str, list[ItemLine]] = defaultdict(list)
    for item in read or ():
        by_slug[item.declaration].append(item)
    found = []
    for d in scope.declarations:
        own = _only(scope, d)
        d_cutoff = meeting_dates.cutoff_on(known, d)
        d_final = is_final(d_cutoff, as_of)
        items = by_slug.get(d.slug, [])
        if "party" in scope.filters:
            parties = list(scope.parties)
        else:
            parties = list(d.parties)
            parties += sorted(p for p in third.get(d.id, ()) if p not in parties)
        reported = _milestones(session, own, known, as_of)
        since = _since(spec.since, spec.default_since, reported, [d], as_of)
        if read is None and not d_final:
            # From the GROUP BY: counts scored by this declaration's own period.
            tally = tallied[0]

            found.append(
                DeclarationFigures(
                    slug=d.slug,
                    title=d.title,
                    date=d.date,
                    overall=Figures.tallied(_scored(tally.by_declaration.get(d.id, Counter()))),
                    parties=_party_figures(
                        session,
                        own._replace(parties=parties),
                        as_of,
                        {
                            text: _scored(raw)
                            for text, raw in tally.by_declaration_parties.get(d.id, {}).items()
                        },
                        d_final,
                        own_events,
                    ),
                    cutoff=d_cutoff,
                    final=d_final,
                    since=since,
                    title_ja=d.title_ja,
                )
            )
            continue
        if d_final:
            assert d_cutoff is not None
            items, _pillars = _items(
                session, own.items, scope.pillars, scope.parties, d_cutoff, False, final=True,
                targets=meeting_dates.meetings(_known(session, own, d_cutoff)),
            )  # fmt: skip
        found.append(
            DeclarationFigures(
                slug=d.slug,
                title=d.title,
                date=d.date,
                overall=Figures.of(
                    (i.kind, assessed_status(i.status, i.assessed, d_final)) for i in items
                ),
                parties=[
                    PartyFigures(
                        party=p,
                        figures=Figures.of(
                            (
                                i.kind,
                                assessed_status(
                                    i.party_status[p], p not in i.unassessed_parties, d_final
                                ),
                            )
                            for i in items
                            if p in i.party_status
                        ),
                    )
                    for p in parties
                ],
                cutoff=d_cutoff,
                final=d_final,
                since=since,
                title_ja=d.title_ja,
            )
        )
    return found


def _scored(raw: Counter[tuple[str, str, bool]]) -> Counter[tuple[Kind, Status | None]]:
    """Counts by (kind, cached status, assessed) as Figures counts them before a cut-off."""
    out: Counter[tuple[Kind, Status | None]] = Counter()
    for (kind, status, assessed), n in raw.items():
        out[_KIND[kind], assessed_status(STATUS_BY_VALUE[status], assessed, False)] += n
    return out


def _mark_continuations(session: Session, report: Report, standing_on: dt.date) -> None:
    """Mark each listed item that continues an earlier one (tracker.links) with that item's
    status on `standing_on`: "continued from IND-01: in progress since 2026-03-01"."""
    from tracker.links import continued_from

    found = continued_from(session, None, standing_on)
    if not found:
        return
    for cut in (report.pledges, report.outlook, report.due_soon, report.overdue, report.stalled):
        for item in cut.rows:
            links = found.get(item.code)
            if links:
                item.continues = tuple(
                    Continuation(x.code, x.declaration, x.kind, STATUS_BY_VALUE[x.status], x.since)
                    for x in links
                )


def _page_one(
    session: Session,
    scope: _Scope,
    report: Report,
    standing_on: dt.date,
    final: bool,
    windows: ColumnElement[bool] | None = None,
) -> Report:
    """The report with page one's lists: each changed item's net change, since when and why the
    first stalled items are stalled, and the scored commitments party by party (as of
    `standing_on`: the cut-off date in a final assessment, as the figures)."""
    rows = page_one.PAGE_ONE_ROWS
    moves = (
        page_one.moves(session, scope.items, report.since, report.as_of, rows, windows)
        if report.since is not None
        else Cut((), 0)
    )
    matrix, differences = page_one.matrix(
        session, scope.items, scope.parties, standing_on, rows, final=final
    )
    return replace(
        report,
        moves=moves,
        why=page_one.stalled_why(session, report.stalled.rows[:rows], report.as_of),
        matrix=matrix,
        differences=differences,
    )


def _cutoff(
    declarations: Sequence[Declaration], known: Sequence[meeting_dates.MilestoneDate]
) -> dt.date | None:
    """The end of the compliance period of the declarations reported, as known on the as-of
    date (`tracker cutoff set` moves it): the latest of their cut-offs, when every one has one
    (figures per declaration are a later change)."""
    cutoffs = [meeting_dates.cutoff_on(known, d) for d in declarations]
    if not cutoffs or any(c is None for c in cutoffs):
        return None
    return max(c for c in cutoffs if c is not None)


def since_windows(
    spec: ReportSpec,
    scope: _Scope,
    milestones: Sequence[Milestone],
    as_of: dt.date,
) -> ColumnElement[bool] | None:
    """Over several declarations with the default "since": each declaration's changes from its
    own since (its previous milestone, else its date), as a condition on the changes; None
    when one "since" serves all (one declaration, or --since given)."""
    if spec.since is not None or not spec.default_since or len(scope.declarations) < 2:
        return None
    windows = [
        and_(
            C.declaration_id == d.id,
            E.effective_on
            >= since_default([m for m in milestones if m.declaration == d.slug], [d], as_of),
        )
        for d in scope.declarations
        if d.date <= as_of
    ]
    return or_(*windows) if windows else None


def _changes(
    session: Session,
    scope: _Scope,
    since: dt.date | None,
    as_of: dt.date,
    spec: ReportSpec,
    windows: ColumnElement[bool] | None = None,
) -> Cut[EventLine] | Stream[EventLine]:
    if since is None:
        return Cut([], 0)
    if spec.rows is not None:
        changed = _change_query(scope.items, since, as_of, windows)
        result = session.execute(changed.limit(spec.rows))
        total = session.scalar(select(func.count()).select_from(changed.order_by(None).subquery()))
        return Cut(list(_lines_of(session, list(result.keys()), result.all())), total or 0)
    if spec.stream_changes:
        return Stream(_change_stream(session, scope.items, since, as_of, windows))
    lines = list(_change_stream(session, scope.items, since, as_of, windows))
    return Cut(lines, len(lines))


class ItemLists(NamedTuple):
    """The item lists of a report, as Report holds them."""

    pledges: ItemCut
    outlook: ItemCut
    due_soon: ItemCut
    overdue: ItemCut
    stalled: ItemCut


def item_lists(
    items: Sequence[ItemLine],
    as_of: dt.date,
    milestones: Sequence[Milestone],
    rows: int | None = None,
) -> ItemLists:
    """The lists of `items` (in report order) by tracker.timeline's rules as of `as_of`, each
    cut at `rows` (None: every row): _list_conditions is the same in SQL."""
    upcoming = [m.date for m in milestones if m.days_left >= 0]
    milestone = min(upcoming) if upcoming else None

    def cut(rule: Callable[[ItemLine], bool]) -> ItemCut:
        return ItemCut.of([i for i in items if rule(i)], rows)

    return ItemLists(
        pledges=cut(lambda i: timeline.is_pledged(i.kind)),
        outlook=cut(lambda i: not timeline.is_pledged(i.kind)),
        due_soon=cut(lambda i: timeline.is_due(i.kind, i.target_date, i.status, as_of, milestone)),
        overdue=cut(lambda i: i.overdue),
        stalled=cut(lambda i: timeline.is_stalled(i.kind, i.status)),
    )


def _from_items(
    session: Session,
    scope: _Scope,
    as_of: dt.date,
    spec: ReportSpec,
    known: Sequence[meeting_dates.MilestoneDate],
    *,
    final: bool = False,
    current: bool = False,
    keep: list[ItemLine] | None = None,
) -> Report:
    """The report from every item read as of its date, each list cut at `spec.rows` (`keep`,
    when given, receives every item read); `final`:
    the figures of the final assessment (an unassessed commitment as not started); `known`:
    the milestones as known on as_of (_known)."""
    items, by_pillar = _items(
        session,
        scope.items,
        scope.pillars,
        scope.parties,
        as_of,
        spec.with_guidelines,
        final=final,
        current=current,
        targets=meeting_dates.meetings(known),
    )
    if keep is not None:
        keep.extend(items)
    reported = _milestones(session, scope, known, as_of)
    since = _since(spec.since, spec.default_since, reported, scope.declarations, as_of)
    overall = Figures.of((i.kind, assessed_status(i.status, i.assessed, final)) for i in items)
    return Report(
        declarations=[],
        generated_on=as_of,
        as_of=as_of,
        since=since,
        milestones=reported,
        overall=overall,
        pillars=_pillar_figures(
            scope.pillars,
            {
                pid: Figures.of(
                    (i.kind, assessed_status(i.status, i.assessed, final)) for i in lines
                )
                for pid, lines in by_pillar.items()
            },
        ),
        parties=[
            PartyFigures(
                party=p,
                figures=Figures.of(
                    (
                        i.kind,
                        assessed_status(i.party_status[p], p not in i.unassessed_parties, final),
                    )
                    for i in items
                    if p in i.party_status
                ),
            )
            for p in scope.parties
        ],
        **item_lists(items, as_of, reported, spec.rows)._asdict(),
        changes=_changes(
            session, scope, since, as_of, spec, since_windows(spec, scope, reported, as_of)
        ),
        heads_digest=heads_digest(map(operator.attrgetter("code", "chain_head"), items)),
        open_pledges=_open_pledges(Counter((i.kind, i.status) for i in items)),
    )


def _open_pledges(tally: Mapping[tuple[Kind, Status | None], int]) -> int:
    """How many pledges (every kind but the source's outlook) are open (not yet assessed: not
    started)."""
    return sum(
        n
        for (kind, status), n in tally.items()
        if timeline.is_pledged(kind) and timeline.is_open(status or Status.NOT_STARTED)
    )


def _since(
    since: dt.date | None,
    default_since: bool,
    milestones: Sequence[Milestone],
    declarations: Sequence[Declaration],
    as_of: dt.date,
) -> dt.date | None:
    if since is None and default_since:
        return since_default(milestones, declarations, as_of)
    return since


# --- a report cut for a screen, from the cached status ------------------------------------------


def _cached_status_is_current(session: Session, as_of: dt.date) -> bool:
    """Whether each item's cached status (commitments.status, kept with each event by
    progress and checked by verify) is its status on as_of: so when no event takes effect
    after as_of. Corrected events count too, which can only make the answer no where yes
    would have been right; an index gives the MAX."""
    latest = session.scalar(select(func.max(E.effective_on)))
    return latest is None or latest <= as_of


def _has_key(session: Session, column: Any, key: str) -> ColumnElement[bool]:
    """Whether the JSON object in `column` has `key` (SQLAlchemy's column[key] would not do:
    on SQLite it quotes a missing value as the text 'null')."""
    if session.get_bind().dialect.name == "postgresql":
        return func.json_extract_path(column, key).is_not(None)
    return func.json_type(column, f"$.{key}").is_not(None)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _list_conditions(
    as_of: dt.date, milestones: Sequence[Milestone], target: ColumnElement[Any]
) -> dict[str, ColumnElement[bool]]:
    """The report's lists as conditions on commitments with their cached status: the SQL twins
    of the rules _from_items applies to each item (tracker.timeline)."""
    upcoming = [m.date for m in milestones if m.days_left >= 0]
    return {
        "due_soon": timeline.due_sql(C.status, as_of, min(upcoming) if upcoming else None, target),
        "overdue": timeline.overdue_sql(C.status, as_of, target),
        "stalled": timeline.stalled_sql(C.status),
        "pledges": timeline.pledged_sql(),
        "outlook": ~timeline.pledged_sql(),
    }


class _Tally(NamedTuple):
    """Items by (kind, status): in all, by pillar id, by list of parties (as text); and for
    each list, how many items it holds and how many of them are overdue or have an inferred
    target (the marks the terminal's footnotes explain)."""

    overall: Counter[tuple[Kind, Status | None]]
    by_pillar: dict[int, Counter[tuple[Kind, Status | None]]]
    by_parties: dict[str | None, Counter[tuple[Kind, Status | None]]]
    lists: dict[str, Counter[str]]
    # Per declaration id: items by (kind, cached status, assessed), in all and by list of
    # parties, scored later by each declaration's own period (_by_declaration).
    by_declaration: dict[int, Counter[tuple[str, str, bool]]]
    by_declaration_parties: dict[int, dict[str | None, Counter[tuple[str, str, bool]]]]


def _tally(
    session: Session,
    scope: _Scope,
    as_of: dt.date,
    conditions: dict[str, ColumnElement[bool]],
    final: bool,
    target: ColumnElement[Any],
) -> _Tally:
    """One GROUP BY over the items reported: by pillar, kind, cached status, parties, and the
    two marks (grouped on, so each is worked out once per item: the inferred target reads
    JSON), with how many of each group every list holds."""
    parties_text = cast(C.parties, Text)
    overdue = timeline.overdue_sql(C.status, as_of, target)
    inferred = _has_key(session, C.inferred, "target")
    assessed = C.chain_length > 0  # any event at all: the cached status is current
    result = session.execute(
        select(
            C.declaration_id,
            C.pillar_id,
            C.kind,
            C.status,
            parties_text.label("parties"),
            overdue.label("overdue"),
            inferred.label("inferred"),
            assessed.label("assessed"),
            func.count().label("n"),
            *(_count_if(condition).label(f"in_{name}") for name, condition in conditions.items()),
        )
        .where(_within(C.id, scope.items))
        .group_by(
            C.declaration_id,
            C.pillar_id,
            C.kind,
            C.status,
            parties_text,
            overdue,
            inferred,
            assessed,
        )
    )
    position = {key: n for n, key in enumerate(result.keys())}
    tally = _Tally(
        Counter(),
        defaultdict(Counter),
        defaultdict(Counter),
        {},
        defaultdict(Counter),
        defaultdict(lambda: defaultdict(Counter)),
    )
    for name in conditions:
        tally.lists[name] = Counter()
    for row in result:
        key = _KIND[row.kind], assessed_status(STATUS_BY_VALUE[row.status], row.assessed, final)
        tally.overall[key] += row.n
        tally.by_pillar[row.pillar_id][key] += row.n
        tally.by_parties[row.parties][key] += row.n
        raw = row.kind, row.status, bool(row.assessed)
        tally.by_declaration[row.declaration_id][raw] += row.n
        tally.by_declaration_parties[row.declaration_id][row.parties][raw] += row.n
        for name, counts in tally.lists.items():
            listed = row[position[f"in_{name}"]]
            counts["n"] += listed
            counts["overdue"] += listed if row.overdue else 0
            counts["inferred"] += listed if row.inferred else 0
    return tally


def _first_rows(
    session: Session,
    scope: _Scope,
    as_of: dt.date,
    conditions: dict[str, ColumnElement[bool]],
    rows: int,
    final: bool,
    targets: Mapping[tuple[int, str], meeting_dates.MilestoneDate],
) -> dict[str, list[ItemLine]]:
    """Each list's first `rows` items in the report's order (pledges first, then by
    declaration, pillar and place in it), read whole with their latest events."""
    order = (
        case((timeline.pledged_sql(), 0), else_=1),
        C.declaration_id,
        pillars_table.c.position,
        C.position,
    )
    shown = {
        name: list(
            session.execute(
                select(C.id, C.code)
                .join(pillars_table, C.pillar_id == pillars_table.c.id)
                .where(_within(C.id, scope.items), condition)
                .order_by(*order)
                .limit(rows)
            ).all()
        )
        for name, condition in conditions.items()
    }
    ids = {row.id for listed in shown.values() for row in listed}
    lines, _ = _items(
        session,
        select(C.id).where(C.id.in_(ids)),
        scope.pillars,
        scope.parties,
        as_of,
        False,
        among=ids,
        final=final,
        current=True,
        targets=targets,
    )
    by_code = {i.code: i for i in lines}
    return {name: [by_code[row.code] for row in listed] for name, listed in shown.items()}


def _from_tallies(
    session: Session,
    scope: _Scope,
    as_of: dt.date,
    spec: ReportSpec,
    known: Sequence[meeting_dates.MilestoneDate],
    *,
    final: bool = False,
    keep: list[_Tally] | None = None,
) -> Report:
    """The report as a screen shows it, from the cached statuses (see
    _cached_status_is_current): figures from one GROUP BY over the items, each list's first
    `spec.rows` items by an ORDER BY ... LIMIT in the report's order, and only those items
    read whole (with their latest events)."""
    assert spec.rows is not None
    reported = _milestones(session, scope, known, as_of)
    since = _since(spec.since, spec.default_since, reported, scope.declarations, as_of)
    target = meeting_dates.target_sql(known)
    conditions = _list_conditions(as_of, reported, target)
    tally = _tally(session, scope, as_of, conditions, final, target)
    if keep is not None:
        keep.append(tally)
    first = _first_rows(
        session, scope, as_of, conditions, spec.rows, final, meeting_dates.meetings(known)
    )
    overall = Figures.tallied(tally.overall)
    cuts = {
        name: ItemCut(
            rows=first[name],
            total=counts["n"],
            any_overdue=counts["overdue"] > 0,
            any_inferred_target=counts["inferred"] > 0,
        )
        for name, counts in tally.lists.items()
    }
    return Report(
        declarations=[],
        generated_on=as_of,
        as_of=as_of,
        since=since,
        milestones=reported,
        overall=overall,
        pillars=_pillar_figures(
            scope.pillars, {pid: Figures.tallied(t) for pid, t in tally.by_pillar.items()}
        ),
        parties=_party_figures(session, scope, as_of, tally.by_parties, final),
        pledges=cuts["pledges"],
        outlook=cuts["outlook"],
        due_soon=cuts["due_soon"],
        overdue=cuts["overdue"],
        stalled=cuts["stalled"],
        changes=_changes(
            session, scope, since, as_of, spec, since_windows(spec, scope, reported, as_of)
        ),
        # Plain tuples: heads_digest sorts them, and comparing Rows costs ten times as much.
        heads_digest=heads_digest(
            (code, head)
            for code, head in session.execute(
                select(C.code, C.chain_head).where(_within(C.id, scope.items))
            ).all()
        ),
        open_pledges=_open_pledges(tally.overall),
    )


def _party_figures(
    session: Session,
    scope: _Scope,
    as_of: dt.date,
    by_parties: dict[str | None, Counter[tuple[Kind, Status | None]]],
    final: bool,
    own: dict[tuple[int, str], int] | None = None,
) -> list[PartyFigures]:
    """Each party's figures from the items' (kind, status) counts by list of parties: every item
    a party is party to counts with the item's status, except where the party has an
    assessment of its own (timeline.party_status), which few items have."""
    tallies: dict[str, Counter[tuple[Kind, Status | None]]] = {p: Counter() for p in scope.parties}
    for text, counts in by_parties.items():
        for p in decode_names(text):
            if p in tallies:
                tallies[p].update(counts)
    if own is None:
        own = timeline.latest_party_events(session, scope.parties, as_of)
    own = {key: event for key, event in own.items() if key[1] in tallies}
    commitment_ids = sorted({cid for cid, _party in own})
    items: dict[int, Any] = {}
    for start in range(0, len(commitment_ids), ID_BLOCK):
        items.update(
            (row.id, row)
            for row in session.execute(
                select(C.id, C.kind, C.status, cast(C.parties, Text).label("parties")).where(
                    C.id.in_(commitment_ids[start : start + ID_BLOCK]), _within(C.id, scope.items)
                )
            )
        )
    event_ids = sorted(own.values())
    events: dict[int, Any] = {}
    for start in range(0, len(event_ids), ID_BLOCK):
        events.update(
            (row.id, row)
            for row in session.execute(
                select(E.id, E.effective_on, E.party, E.to_status, E.corrects_id).where(
                    E.id.in_(event_ids[start : start + ID_BLOCK])
                )
            )
        )
    for (cid, p), event_id in own.items():
        item = items.get(cid)
        if item is None or p not in decode_names(item.parties):
            continue
        kind, whole = _KIND[item.kind], STATUS_BY_VALUE[item.status]
        tallies[p][kind, whole] -= 1
        tallies[p][kind, timeline.party_status(events[event_id], whole)] += 1
    if not final:
        # An item assessed for some party only: the other parties are not yet assessed (the
        # tallies counted them with the item, which has events). Few items have such events.
        whole_event = exists().where(E.commitment_id == C.id, E.party.is_(None))
        for row in session.execute(
            select(C.id, C.kind, C.status, cast(C.parties, Text).label("parties")).where(
                C.id.in_(select(E.commitment_id).where(E.party.is_not(None))),
                _within(C.id, scope.items),
                ~whole_event,
            )
        ):
            kind, whole = _KIND[row.kind], STATUS_BY_VALUE[row.status]
            for p in decode_names(row.parties):
                if p in tallies and (row.id, p) not in own:
                    tallies[p][kind, whole] -= 1
                    tallies[p][kind, None] += 1
    return [PartyFigures(party=p, figures=Figures.tallied(tallies[p])) for p in scope.parties]


def _items(
    session: Session,
    item_filter: Select[Any],
    pillars: dict[int, Pillar],
    parties: list[str],
    as_of: dt.date,
    with_guidelines: bool,
    among: Collection[int] | None = None,
    *,
    final: bool = False,
    current: bool = False,
    targets: Mapping[tuple[int, str], meeting_dates.MilestoneDate] | None = None,
) -> tuple[list[ItemLine], dict[int, list[ItemLine]]]:
    """The items reported, in the order every format lists them, and by pillar id (`among`:
    the ids item_filter selects, when there are few, spares reading other items' events;
    `final`: scored as the final assessment; `current`: the cached status is the as-of one;
    `targets`: the meetings as known on as_of, whose announced dates are their items' targets)."""
    party_events = _party_latest(session, parties, as_of, among)
    targets = targets or {}
    items: list[ItemLine] = []
    by_pillar: dict[int, list[ItemLine]] = defaultdict(list)
    # Items share a few party-status maps, lists of names and provenance maps: one object per
    # distinct value, not one per item (the model types them read-only), which at scale is much
    # of the HTML report's peak memory.
    shared_status: dict[tuple[tuple[str, Status], ...], dict[str, Status]] = {}
    plain_status: dict[tuple[Status, str | None], dict[str, Status]] = {}
    own = {commitment_id for commitment_id, _party in party_events}
    names = name_lists()
    shared_maps: dict[str | None, dict[str, str]] = {}
    # Read once, not through the ORM's attributes per item.
    pillar_names = {pid: (p.slug, p.title, p.title_ja) for pid, p in pillars.items()}
    slugs: dict[int, str] = dict(session.execute(select(Declaration.id, Declaration.slug)).all())

    def mapping(raw: str | None) -> dict[str, str]:
        found = shared_maps.get(raw)
        if found is None:
            found = shared_maps[raw] = _decode_map(raw)
        return found

    # Read a block of rows at a time: the rows of every item are never all held beside the
    # lines made from them.
    query = _item_query(session, item_filter, as_of, with_guidelines, current)
    result = session.execute(query.execution_options(yield_per=ROW_BLOCK))
    keys = list(result.keys())
    read_item, read_event = _reader(keys, ItemRow), _event_reader(keys)
    event_id = keys.index("event_id")
    for block in result.partitions():
        for raw in block:
            row = read_item(raw)
            item_parties, owners = names(row.parties), names(row.owners)
            event = (
                _event_line(read_event(raw), _sources(row.evidence))
                if raw[event_id] is not None
                else None
            )
            status = timeline.status_of(event)
            newest = event
            # Most items have no party's own assessment: their parties' statuses are the item's,
            # one shared map per (status, list of parties).
            party_status = plain_status.get((status, row.parties)) if row.id not in own else None
            if party_status is None:
                own_status: dict[str, Status] = {}
                for p in parties:
                    found = party_events.get((row.id, p))
                    if p in item_parties:
                        own_status[p] = timeline.party_status(found, status)
                    if found is not None:
                        newest = timeline.newest(newest, found)
                party_status = shared_status.setdefault(tuple(own_status.items()), own_status)
                if row.id not in own:
                    plain_status[status, row.parties] = party_status
            pillar_slug, pillar_title, pillar_title_ja = pillar_names[row.pillar_id]
            kind = _KIND[row.kind]
            assessed = bool(row.assessed)
            # Parties nobody has assessed: none when the whole item has an event (it assesses
            # every party without one of its own).
            unassessed: Sequence[str] = ()
            if event is None:
                unassessed = (
                    item_parties
                    if row.id not in own
                    else tuple(p for p in item_parties if (row.id, p) not in party_events)
                )
            target = read_date(row.target_date)
            if row.milestone is not None and targets:
                target = meeting_dates.effective_target(
                    targets, row.declaration_id, row.milestone, target
                )
            item = ItemLine(
                code=row.code,
                title=row.title,
                pillar=pillar_slug,
                pillar_title=pillar_title,
                kind=kind,
                parties=item_parties,
                owners=owners,
                target_date=target,
                target_label=row.target_label and sys.intern(row.target_label),
                status=status,
                score=item_score(kind, assessed_status(status, assessed, final)),
                overdue=timeline.is_overdue(kind, target, status, as_of),
                last_event=newest,
                party_status=party_status,
                chain_head=row.chain_head,
                chain_length=row.chain_length,
                content_hash=row.content_hash,
                title_ja=row.title_ja,
                pillar_title_ja=pillar_title_ja,
                target_label_ja=row.target_label_ja,
                basis=sys.intern(row.basis or ""),  # a few texts, shared by many items
                inferred=mapping(row.inferred),
                guidelines=mapping(row.guidelines) or None,
                owners_ja=names(row.owners_ja) if row.owners_ja not in (None, "null") else None,
                inferred_origins=mapping(row.inferred_origins),
                inferred_ja=mapping(row.inferred_ja),
                assessed=assessed,
                unassessed_parties=unassessed,
                declaration=slugs[row.declaration_id],
            )
            items.append(item)
            by_pillar[row.pillar_id].append(item)

    # The parties' pledges first, then the source's outlook: every format shows them apart.
    items.sort(key=lambda i: not timeline.is_pledged(i.kind))
    return items, by_pillar


def since_default(
    milestones: Sequence[Milestone], declarations: Sequence[Declaration], as_of: dt.date
) -> dt.date:
    """Since the last meeting: the previous milestone, else the declaration date (the most
    recent one on or before as_of), else 30 days before as_of. Over several declarations, the
    earliest of each one's own (its previous milestone, else its date): the changes then hold
    every declaration's window, not only the newest declaration's."""
    if len(declarations) > 1:
        each = [
            since_default([m for m in milestones if m.declaration == d.slug], [d], as_of)
            for d in declarations
            if d.date <= as_of
        ]
        if each:
            return min(each)
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
