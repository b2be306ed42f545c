"""Which events count, which is the latest, and what a status is on a date: the one place.

Events are never updated or deleted; a mistake is fixed by a new event naming the one it
corrects, and from then on only the correction counts. So:

- an event is *live* when no other event corrects it;
- of an item's live events, the *latest* on a date is the one with the highest (effective date,
  id) on or before it: recording order breaks a tie between events of the same day;
- an event without a party assesses the item as a whole; the item's *status* on a date is that
  of its latest live whole-item event, else not started;
- an event with a party assesses that party's part; a *party's status* on a date is that of its
  own latest live event, else the item's status (a joint pledge can be kept by one side only);
- an item is *overdue* on a date when its target date is before that date, it is not achieved,
  and it is a pledge of the parties (the source's outlook is nobody's pledge);
- a *change* (what a report lists as changed in a window) is a live event, except a correction
  that puts back the status from before the event it retracts (nothing changed after all);
- the lists a report shows: the *pledges* (every kind but the source's outlook), the *open*
  items (not started, in progress, stalled), the *stalled* pledges, and the pledges *due by* the
  next milestone (open, with a target date from the as-of date to the milestone's date).

Each rule is written twice, side by side: as SQL for the paths that read thousands of items at
once (report, list), and as plain functions over one item's events for the paths that read one
(show, progress, verify). tests/test_timeline.py checks the two agree on random histories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from tracker.models import commitments_table, events_table
from tracker.statuses import DEFAULT_STATUS, OPEN, STATUS_BY_VALUE, Kind, Status

C, E = commitments_table.c, events_table.c

# --- the rules as plain functions -----------------------------------------------------------


class Dated(Protocol):
    """What orders events: a StatusEvent, a row of status_events, a report's EventLine."""

    @property
    def id(self) -> int: ...
    @property
    def effective_on(self) -> dt.date: ...


class Event(Dated, Protocol):
    """What the rules read of an event."""

    @property
    def party(self) -> str | None: ...
    @property
    def to_status(self) -> str: ...
    @property
    def corrects_id(self) -> int | None: ...


class Move(Event, Protocol):
    """An event with the status it moved from (what tells a change from a retraction)."""

    @property
    def from_status(self) -> str: ...


D = TypeVar("D", bound=Dated)
EventT = TypeVar("EventT", bound=Event)


def order_key(event: Dated) -> tuple[dt.date, int]:
    """Events in timeline order: by effective date, then in the order they were recorded."""
    return event.effective_on, event.id


def newest(*events: D | None) -> D | None:
    """The latest of the given events (None where there is none)."""
    found = [e for e in events if e is not None]
    return max(found, key=order_key) if found else None


def status_of(event: Event | None) -> Status:
    """An item's status given its latest live whole-item event, or None when it has none."""
    return DEFAULT_STATUS if event is None else STATUS_BY_VALUE[event.to_status]


def party_status(own: Event | None, whole: Status) -> Status:
    """A party's status given its own latest live event (None: it has none) and the item's."""
    return whole if own is None else STATUS_BY_VALUE[own.to_status]


def counts_as_change(event: Move) -> bool:
    """Of a live event: whether a report lists it as a change (is_change in SQL): a
    correction that puts back the status it retracted is none."""
    return event.corrects_id is None or event.from_status != event.to_status


def is_overdue(kind: Kind, target: dt.date | None, status: Status, on: dt.date) -> bool:
    return target is not None and target < on and status is not Status.ACHIEVED and kind.pledged


def is_pledged(kind: Kind) -> bool:
    """The parties' own words: every kind but the source's outlook."""
    return kind.pledged


def is_open(status: Status) -> bool:
    return status in OPEN


def is_stalled(kind: Kind, status: Status) -> bool:
    return kind.pledged and status is Status.STALLED


def is_due(
    kind: Kind, target: dt.date | None, status: Status, on: dt.date, milestone: dt.date | None
) -> bool:
    """Due by the next milestone (its date; None: there is none) as seen on `on`."""
    return (
        milestone is not None
        and kind.pledged
        and status in OPEN
        and target is not None
        and on <= target <= milestone
    )


class Timeline(Generic[EventT]):
    """One item's events, read by the rules above.

    `superseded` leaves out one more event as if it were already corrected: the status an event
    correcting it starts from.
    """

    def __init__(self, events: Iterable[EventT], *, superseded: int | None = None) -> None:
        everything = list(events)
        corrected = {e.corrects_id for e in everything if e.corrects_id is not None}
        if superseded is not None:
            corrected.add(superseded)
        self.live: list[EventT] = sorted(
            (e for e in everything if e.id not in corrected), key=order_key
        )

    def latest(self, on: dt.date | None = None, party: str | None = None) -> EventT | None:
        """The latest live event of the item as a whole (or of `party`) on or before `on`."""
        found = None
        for e in self.live:
            if on is not None and e.effective_on > on:
                break
            if e.party == party:
                found = e
        return found

    def status(self, on: dt.date | None = None) -> Status:
        return status_of(self.latest(on))

    def party_status(self, party: str, on: dt.date | None = None) -> Status:
        return party_status(self.latest(on, party), self.status(on))

    def whole_moves(self) -> Iterator[tuple[EventT, Status]]:
        """Each live whole-item event in timeline order, with the item's status before it."""
        before = DEFAULT_STATUS
        for e in self.live:
            if e.party is None:
                yield e, before
                before = Status(e.to_status)

    def last_update(
        self, on: dt.date | None = None, parties: Collection[str] | None = None
    ) -> EventT | None:
        """The latest live event of the whole or of one of `parties` (any party when None)."""
        found = None
        for e in self.live:
            if on is not None and e.effective_on > on:
                break
            if e.party is None or parties is None or e.party in parties:
                found = e
        return found


# --- the same rules in SQL --------------------------------------------------------------------

# Latest first, and timeline order: the index (commitment_id, effective_on, id) serves both.
NEWEST_FIRST = (E.effective_on.desc(), E.id.desc())
CHRONOLOGICAL = (E.effective_on, E.id)


class Live(ColumnElement[bool]):
    """True for events no other event corrects; written for each engine's planner (below)."""

    inherit_cache = True
    # No Boolean type: SQLite would render the criterion as `(...) = 1`.


def is_live() -> ColumnElement[bool]:
    return Live()


def is_change() -> ColumnElement[bool]:
    """Events a report lists as changes (in a window the caller adds)."""
    return and_(is_live(), or_(E.corrects_id.is_(None), E.from_status != E.to_status))


def _not_in() -> ColumnElement[bool]:
    corrections = events_table.alias("corrections")
    # corrects_id IS NOT NULL keeps NULLs out of the set, which would make NOT IN unknown.
    return E.id.not_in(
        select(corrections.c.corrects_id).where(corrections.c.corrects_id.is_not(None))
    )


def _not_exists() -> ColumnElement[bool]:
    corrections = events_table.alias("corrections")
    return ~exists().where(corrections.c.corrects_id == E.id)


@compiles(Live)
def _live_default(element: Live, compiler: Any, **kw: Any) -> str:
    # SQLite evaluates an uncorrelated NOT IN once into a lookup table; a correlated NOT EXISTS
    # would probe the index again for every candidate row, twice the cost of the report's
    # latest-event lookups at 100,000 commitments.
    return str(compiler.process(_not_in(), **kw))


@compiles(Live, "postgresql")
def _live_postgresql(element: Live, compiler: Any, **kw: Any) -> str:
    # PostgreSQL plans NOT EXISTS as an anti-join at any size; its NOT IN is hashed only while
    # the corrected ids fit in work_mem and degrades to a scan per row beyond that.
    return str(compiler.process(_not_exists(), **kw))


def last_updates() -> Select[tuple[int, Any]]:
    """Timeline.last_update().effective_on in SQL, per commitment with events: the latest
    effective date among its live events, of any party (commitment_id, last_update)."""
    return (
        select(E.commitment_id, func.max(E.effective_on).label("last_update"))
        .where(is_live())
        .group_by(E.commitment_id)
    )


def store_last_updates(connection: Any) -> int:
    """Write every item's cached last update from its events (import; `db rebuild`)."""
    from sqlalchemy import bindparam, update

    found = dict(connection.execute(last_updates()).all())
    rows = connection.execute(select(C.id, C.last_update)).all()
    changed = [
        {"cid": cid, "day": found.get(cid)} for cid, day in rows if _day(day) != found.get(cid)
    ]
    if changed:
        connection.execute(
            update(commitments_table)
            .where(C.id == bindparam("cid"))
            .values(last_update=bindparam("day")),
            changed,
        )
    return len(changed)


def _day(value: Any) -> dt.date | None:
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value  # type: ignore[no-any-return]


def _whole_on(as_of: dt.date) -> tuple[ColumnElement[bool], ...]:
    """Live whole-item events of the commitment of the enclosing query, on or before as_of."""
    return E.commitment_id == C.id, E.party.is_(None), E.effective_on <= as_of, is_live()


def latest_event_id(as_of: dt.date) -> Any:
    """For the commitment of the enclosing query: its latest live whole-item event on or
    before as_of (parties' own events: latest_party_events).

    A correlated lookup walks the (commitment_id, party, effective_on) index backwards and stops
    at the first live row, so the cost is per commitment, not per event in the history.
    """
    return (
        select(E.id)
        .where(*_whole_on(as_of))
        .order_by(*NEWEST_FIRST)
        .limit(1)
        .correlate(commitments_table)
        .scalar_subquery()
    )


def latest_events(
    dialect: str, as_of: dt.date, columns: Iterable[ColumnElement[Any]]
) -> tuple[FromClause, ColumnElement[bool]]:
    """What to outer-join to commitments for each one's latest live whole-item event on or
    before as_of (its `columns` of status_events), and on what condition.

    SQLite looks the event up by the id latest_event_id finds, one index walk per commitment.
    PostgreSQL given that join hashes every event (and spills them to disk) to match the ids,
    many times slower than a LATERAL subquery, the same walk per commitment (README,
    Performance). SQLite has no LATERAL.
    """
    if dialect == "postgresql":
        lateral = (
            select(*columns)
            .where(*_whole_on(as_of))
            .order_by(*NEWEST_FIRST)
            .limit(1)
            .lateral("last_event")
        )
        return lateral, true()
    last = events_table.alias("last_event")
    return last, last.c.id == latest_event_id(as_of)


def latest_party_events(
    session: Session, parties: Collection[str], as_of: dt.date
) -> dict[tuple[int, str], int]:
    """Each (commitment id, party)'s latest live event of its own on or before as_of, by id.

    Parties' own assessments are few beside the whole-item ones, so one scan of the party index
    finds them all and the latest of each pair is picked here.
    """
    if not parties:
        return {}
    latest: dict[tuple[int, str], Any] = {}
    for row in session.execute(
        select(E.id, E.commitment_id, E.party, E.effective_on).where(
            E.party.in_(parties), E.effective_on <= as_of, is_live()
        )
    ):
        key = (row.commitment_id, row.party)
        if key not in latest or order_key(row) > order_key(latest[key]):
            latest[key] = row
    return {key: row.id for key, row in latest.items()}


def own_latest_status(party: str) -> Any:
    """Per commitment, the status of a party's own latest live event (a subquery of
    commitment_id, to_status; the party's name as the items spell it, matched exactly, as
    Timeline matches it)."""
    ranked = (
        select(
            E.commitment_id,
            E.to_status,
            func.row_number()
            .over(partition_by=E.commitment_id, order_by=NEWEST_FIRST)
            .label("rank"),
        )
        .where(E.party == party, is_live())
        .subquery()
    )
    return (
        select(ranked.c.commitment_id, ranked.c.to_status)
        .where(ranked.c.rank == 1)
        .subquery("party_status")
    )


def party_status_sql(own: ColumnElement[str], whole: ColumnElement[str]) -> ColumnElement[str]:
    """party_status in SQL: the party's own status where it has one, else the item's."""
    return func.coalesce(own, whole)


PLEDGED = [k.value for k in Kind if k.pledged]


def pledged_sql() -> ColumnElement[bool]:
    """Kind.pledged in SQL, for a query over commitments."""
    return C.kind.in_(PLEDGED)


def overdue_sql(
    status: ColumnElement[str], on: dt.date, target: ColumnElement[Any] | None = None
) -> ColumnElement[bool]:
    """is_overdue in SQL, for a query over commitments with the item's `status` column and its
    `target` date (its target_date unless a milestone's announced date replaces it)."""
    target = C.target_date if target is None else target
    return (target < on) & (status != Status.ACHIEVED.value) & pledged_sql()


def open_sql(status: ColumnElement[str]) -> ColumnElement[bool]:
    """is_open in SQL."""
    return status.in_([s.value for s in OPEN])


def stalled_sql(status: ColumnElement[str]) -> ColumnElement[bool]:
    """is_stalled in SQL, for a query over commitments."""
    return pledged_sql() & (status == Status.STALLED.value)


def due_sql(
    status: ColumnElement[str],
    on: dt.date,
    milestone: dt.date | None,
    target: ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """is_due in SQL, for a query over commitments with the item's `status` column (and its
    `target` date: see overdue_sql)."""
    if milestone is None:
        return false()
    target = C.target_date if target is None else target
    return pledged_sql() & open_sql(status) & target.between(on, milestone)


def whole_transitions(
    commitment_ids: Select[Any] | None = None, as_of: dt.date | None = None
) -> Any:
    """Every live whole-item event (of these commitments, on or before as_of; None: all) with
    the status before it (`previous`: the to_status of the item's event before it in timeline
    order; NULL for its first). Timeline.whole_moves is the same over one item's events."""
    criteria = [E.party.is_(None), is_live()]
    if as_of is not None:
        criteria.append(E.effective_on <= as_of)
    if commitment_ids is not None:
        criteria.append(E.commitment_id.in_(commitment_ids))
    return (
        select(
            E.commitment_id,
            E.effective_on,
            E.to_status,
            func.lag(E.to_status)
            .over(partition_by=E.commitment_id, order_by=CHRONOLOGICAL)
            .label("previous"),
        )
        .where(*criteria)
        .subquery()
    )
