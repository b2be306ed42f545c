"""Reading the event history: recent events across commitments, newest first, by effective
date (what happened lately) or by recording time (what was recorded lately: a backdated entry
shows at the top, not buried among the dates it belongs to)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.commitments import get_commitment, resolve_declarations
from tracker.models import Commitment, StatusEvent
from tracker.timeline import NEWEST_FIRST

# Recording order: the time, then the id (two events of one instant in insertion order).
LATEST_RECORDED_FIRST = (StatusEvent.recorded_at.desc(), StatusEvent.id.desc())


def day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The first moment of a calendar day in the tracker's zone, as an aware time."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


@dataclass(frozen=True)
class LoggedEvent:
    event: StatusEvent
    code: str
    title: str
    corrected_by: int | None = None


BLOCK = 1000


def recent_events(
    session: Session,
    *,
    since: dt.date | None = None,
    code: str | None = None,
    limit: int | None = None,
    recorded_since: dt.datetime | None = None,
    skip: Collection[int] = (),
    declarations: Sequence[str] = (),
) -> Iterator[LoggedEvent]:
    """Events newest first, read a block at a time, each block with its evidence and with the
    corrections of its events: a log since a date of a busy year lists hundreds of thousands,
    and is never held whole. Iterate while the session is open.

    With `recorded_since` (an aware time): the events recorded then or later, latest recorded
    first, less those in `skip` (already seen). An unknown code is an error here, before
    anything is read or written.
    """
    order = NEWEST_FIRST if recorded_since is None else LATEST_RECORDED_FIRST
    query = (
        select(StatusEvent, Commitment.code, Commitment.title)
        .join(Commitment, StatusEvent.commitment_id == Commitment.id)
        .options(selectinload(StatusEvent.evidence))
        .order_by(*order)
        .execution_options(yield_per=BLOCK)
    )
    if recorded_since is not None:
        query = query.where(StatusEvent.recorded_at >= recorded_since)
    if skip:
        query = query.where(StatusEvent.id.not_in(list(skip)))
    if code is not None:
        query = query.where(StatusEvent.commitment_id == get_commitment(session, code).id)
    if declarations:
        ids = resolve_declarations(session, declarations)
        query = query.where(Commitment.declaration_id.in_(ids))
    if since is not None:
        query = query.where(StatusEvent.effective_on >= since)
    if limit is not None:
        query = query.limit(limit)
    return _blocks(session, session.execute(query).partitions())


def _blocks(session: Session, blocks: Iterator[Sequence[Any]]) -> Iterator[LoggedEvent]:
    for block in blocks:
        # A block is at most BLOCK ids: one query finds the events correcting any of them.
        corrected_by: dict[int, int] = {
            fixed: fixer
            for fixer, fixed in session.execute(
                select(StatusEvent.id, StatusEvent.corrects_id).where(
                    StatusEvent.corrects_id.in_([e.id for e, _, _ in block])
                )
            )
            if fixed is not None
        }
        for e, c, t in block:
            yield LoggedEvent(event=e, code=c, title=t, corrected_by=corrected_by.get(e.id))
