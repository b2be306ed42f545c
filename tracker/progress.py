"""Recording progress: one new status event, and the commitment's cached status brought in line.

A commitment's timeline is its events ordered by effective date, then by the order they were
recorded. An event dated before later ones slots into that timeline: its from-status is the
status on its date, and the cached current status stays that of the last event in the timeline.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.commitments import get_commitment, resolve_party
from tracker.concurrency import lock_commitment
from tracker.errors import TrackerError
from tracker.models import Evidence, StatusEvent
from tracker.statuses import DEFAULT_STATUS, Status, TransitionError, check_transition

MAX_TEXT = 100_000


@dataclass(frozen=True)
class ProgressResult:
    code: str
    event_id: int
    old: Status
    new: Status
    current: Status
    effective_on: dt.date
    party: str | None


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _latest(
    session: Session, commitment_id: int, party: str | None, on: dt.date | None
) -> Status | None:
    query = select(StatusEvent.to_status).where(
        StatusEvent.commitment_id == commitment_id,
        StatusEvent.party.is_(None) if party is None else StatusEvent.party == party,
    )
    if on is not None:
        query = query.where(StatusEvent.effective_on <= on)
    found = session.scalar(
        query.order_by(StatusEvent.effective_on.desc(), StatusEvent.id.desc()).limit(1)
    )
    return None if found is None else Status(found)


def status_on(
    session: Session, commitment_id: int, on: dt.date | None = None, party: str | None = None
) -> Status:
    """The status at the end of a day (or now), from the event history.

    For a party: its own latest assessment, else the commitment's as a whole.
    """
    if party is not None:
        own = _latest(session, commitment_id, party, on)
        if own is not None:
            return own
    return _latest(session, commitment_id, None, on) or DEFAULT_STATUS


def _clean(text: str | None, what: str) -> str:
    value = text or ""
    if "\x00" in value:
        raise TrackerError(f"{what} contains a NUL character")
    if len(value) > MAX_TEXT:
        raise TrackerError(f"{what} is longer than {MAX_TEXT} characters")
    return value


def record_progress(
    session: Session,
    *,
    code: str,
    status: Status,
    note: str | None = None,
    evidence: Sequence[str] = (),
    on: dt.date | None = None,
    actor: str | None = None,
    reason: str | None = None,
    party: str | None = None,
    today: dt.date | None = None,
) -> ProgressResult:
    today = today or dt.date.today()
    on = on or today
    if on > today:
        raise TrackerError(
            f"--on {on.isoformat()} is in the future; progress is recorded as it happens"
        )
    references = [_clean(ref, "evidence").strip() for ref in evidence]
    if any(not ref for ref in references):
        raise TrackerError("evidence must not be empty")
    note_text = _clean(note, "the note")
    reason_text = _clean(reason, "the reason") or None
    who = _clean(actor, "--by").strip() if actor is not None else default_actor()
    if not who:
        raise TrackerError("--by must not be empty")

    commitment = lock_commitment(session, get_commitment(session, code).id)
    if party is not None:
        party = resolve_party(party, commitment.parties, what=f"{commitment.code} is a pledge of")
    old = status_on(session, commitment.id, on, party)
    try:
        check_transition(old, status, reason_text)
    except TransitionError as exc:
        raise TrackerError(f"{commitment.code}: {exc}") from None

    event = StatusEvent(
        commitment_id=commitment.id,
        party=party,
        from_status=old.value,
        to_status=status.value,
        note=note_text,
        reason=reason_text,
        actor=who,
        effective_on=on,
        recorded_at=utc_now(),
    )
    event.evidence = [Evidence(position=i, reference=ref) for i, ref in enumerate(references)]
    session.add(event)
    session.flush()
    current = status_on(session, commitment.id, None, party)
    if party is None:
        commitment.status = current.value
        session.flush()
    return ProgressResult(
        code=commitment.code,
        event_id=event.id,
        old=old,
        new=status,
        current=current,
        effective_on=on,
        party=party,
    )
