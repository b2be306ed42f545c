"""Appending many events at once: the chain and caches `record_progress` keeps, in bulk.

The benchmark builds its history of a million events with it, and tests seed large histories;
it is not part of the tracker, whose one write path is `tracker.progress.record_progress`. Each
commitment's events are given in order and extend its existing chain; inserts go through
SQLAlchemy Core in batches, so a million events take seconds, not hours.

It holds its events to the rules progress holds a user's to (a settled status is left only with
a reason; an event is dated and recorded no earlier than the item's events before it) and
refuses what breaks them, so the data it builds is data the tracker could have recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from tracker import burnup, chain
from tracker.models import commitments_table, events_table
from tracker.statuses import DEFAULT_STATUS, Status, check_transition

BATCH = 10_000
T = TypeVar("T")


@dataclass(frozen=True)
class NewEvent:
    to_status: Status
    effective_on: dt.date
    note: str
    actor: str
    recorded_at: dt.datetime
    reason: str | None = None


class _EventRow(NamedTuple):
    """A row of status_events as appended here: a whole-commitment event, correcting none."""

    commitment_id: int
    seq: int
    from_status: str
    to_status: str
    note: str
    actor: str
    effective_on: dt.date
    recorded_at: dt.datetime
    prev_hash: str
    party: str | None = None
    reason: str | None = None
    corrects_id: int | None = None


def append_events(session: Session, histories: Iterable[tuple[str, Sequence[NewEvent]]]) -> int:
    """Append each commitment's events (by code, in timeline order); returns how many.

    Whole-commitment events only, each dated and recorded on or after the one before it (the
    commitment's existing events included: their last date and time are read here).
    """
    events, commitments = events_table, commitments_table
    pending: list[dict[str, object]] = []
    heads: list[dict[str, object]] = []
    # Each event moves its item from the status before it (the item's current one: events come
    # after the existing ones) to its own; summed per day here, written to the cache at the end.
    moves: burnup.Moves = {}
    total = 0

    def flush() -> None:
        if pending:
            session.execute(insert(events), pending)
            pending.clear()
        if heads:
            session.execute(
                update(commitments)
                .where(commitments.c.id == bindparam("cid"))
                .values(
                    status=bindparam("new_status"),
                    last_update=bindparam("last_update"),
                    chain_length=bindparam("length"),
                    chain_head=bindparam("head"),
                ),
                heads,
            )
            heads.clear()

    codes: dict[str, tuple[int, int, int, str, str]] = {}
    for history in _batched(histories, 1000):
        wanted = [code for code, _ in history]
        codes = {
            row.code: (row.id, row.declaration_id, row.chain_length, row.chain_head, row.status)
            for row in session.execute(
                select(
                    commitments.c.id,
                    commitments.c.declaration_id,
                    commitments.c.code,
                    commitments.c.chain_length,
                    commitments.c.chain_head,
                    commitments.c.status,
                ).where(commitments.c.code.in_(wanted))
            )
        }
        last = _last_events(session, [codes[code][0] for code in wanted])
        for code, new_events in history:
            commitment_id, declaration_id, seq, head, status = codes[code]
            current = Status(status) if status else DEFAULT_STATUS
            after = last.get(commitment_id)
            for event in new_events:
                check_transition(current, event.to_status, event.reason)
                if after is not None and (event.effective_on, event.recorded_at) < after:
                    raise ValueError(
                        f"{code}: an event of {event.effective_on} recorded at "
                        f"{event.recorded_at.isoformat()} comes before the one before it"
                    )
                after = (event.effective_on, event.recorded_at)
                seq += 1
                row = _EventRow(
                    commitment_id=commitment_id,
                    seq=seq,
                    from_status=current.value,
                    to_status=event.to_status.value,
                    note=event.note,
                    actor=event.actor,
                    effective_on=event.effective_on,
                    recorded_at=event.recorded_at,
                    prev_hash=head,
                    reason=event.reason,
                )
                digest = chain.event_hash(head, chain.event_content(row, code, None, ()))
                pending.append({**row._asdict(), "hash": digest})
                burnup.add_moves(
                    moves, declaration_id, event.effective_on, current.value, event.to_status.value
                )
                head, current = digest, event.to_status
                total += 1
            # Events come after the existing ones: the last is the latest update.
            latest = after[0] if after is not None else None
            heads.append(
                {
                    "cid": commitment_id,
                    "new_status": current.value,
                    "last_update": latest,
                    "length": seq,
                    "head": head,
                }
            )
            if len(pending) >= BATCH:
                flush()
    flush()
    burnup.apply(session.connection(), moves)
    return total


def _last_events(session: Session, ids: list[int]) -> dict[int, tuple[dt.date, dt.datetime]]:
    """Each commitment's latest (effective date, recorded time) among its events."""
    E = events_table.c
    found: dict[int, tuple[dt.date, dt.datetime]] = {}
    for row in session.execute(
        select(E.commitment_id, E.effective_on, E.recorded_at).where(E.commitment_id.in_(ids))
    ):
        recorded = row.recorded_at
        if recorded.tzinfo is None:  # SQLite gives naive UTC
            recorded = recorded.replace(tzinfo=dt.UTC)
        key = (row.effective_on, recorded)
        if row.commitment_id not in found or key > found[row.commitment_id]:
            found[row.commitment_id] = key
    return found


def _batched(items: Iterable[T], size: int) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
