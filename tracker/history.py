"""Reading the event history: recent events across commitments, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.commitments import get_commitment
from tracker.models import Commitment, StatusEvent


@dataclass(frozen=True)
class LoggedEvent:
    event: StatusEvent
    code: str
    title: str
    corrected_by: int | None = None


def recent_events(
    session: Session,
    *,
    since: dt.date | None = None,
    code: str | None = None,
    limit: int | None = None,
) -> list[LoggedEvent]:
    query = (
        select(StatusEvent, Commitment.code, Commitment.title)
        .join(Commitment, StatusEvent.commitment_id == Commitment.id)
        .options(selectinload(StatusEvent.evidence))
        .order_by(StatusEvent.effective_on.desc(), StatusEvent.id.desc())
    )
    if code is not None:
        query = query.where(StatusEvent.commitment_id == get_commitment(session, code).id)
    if since is not None:
        query = query.where(StatusEvent.effective_on >= since)
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.execute(query))
    ids = [e.id for e, _, _ in rows]
    corrected_by: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        for fixer, fixed in session.execute(
            select(StatusEvent.id, StatusEvent.corrects_id).where(
                StatusEvent.corrects_id.in_(ids[start : start + 500])
            )
        ):
            if fixed is not None:
                corrected_by[fixed] = fixer
    return [
        LoggedEvent(event=e, code=c, title=t, corrected_by=corrected_by.get(e.id))
        for e, c, t in rows
    ]
