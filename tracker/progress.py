"""Recording progress: one new status event, chained, and the cached status brought in line.

A commitment's timeline is its live events (not superseded by a correction) ordered by effective
date, then by the order they were recorded. An event dated before later ones slots into that
timeline: its from-status is the status on its date, and the cached current status stays that of
the last event in the timeline. The chain (tracker.chain) follows recording order instead: each
new event links to the previous one's hash, computed under the same lock that serialises the
commitment's events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import burnup, chain, clock, limits
from tracker.commitments import get_commitment, resolve_party
from tracker.concurrency import lock_commitment
from tracker.errors import DateOutOfRange, FieldError, MissingReason, NotFoundError, TrackerError
from tracker.models import EVIDENCE_KINDS, Commitment, Evidence, StatusEvent, events_table
from tracker.statuses import (
    CLAIMS,
    ReasonRequired,
    Status,
    check_transition,
)
from tracker.timeline import Event, Timeline

if TYPE_CHECKING:
    from tracker.attachments import Document


@dataclass(frozen=True)
class EvidenceSpec:
    reference: str
    kind: str = "other"
    title: str | None = None
    published_on: dt.date | None = None
    # An attached document (tracker.attachments): its bytes when newly read (stored by hash
    # with the event), or None when a correction carries over one already stored.
    attachment: Attached | None = None
    content: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Attached:
    """What an evidence row records of an attached document."""

    name: str
    size: int
    media_type: str
    sha256: str


def attachment_spec(document: Document) -> EvidenceSpec:
    """Evidence for a document read with tracker.attachments.read_document: cited by its file
    name, as a document."""
    return EvidenceSpec(
        reference=document.name,
        kind="document",
        attachment=Attached(document.name, document.size, document.media_type, document.sha256),
        content=document.content,
    )


@dataclass(frozen=True)
class ProgressResult:
    code: str
    event_id: int
    old: Status
    new: Status
    current: Status
    effective_on: dt.date
    party: str | None
    corrects_id: int | None = None
    # The scoring guideline the new status claims ("+1" for achieved, "0" for partly), if any.
    criterion: tuple[str, str] | None = None


def criterion_for(guidelines: dict[str, str] | None, status: Status) -> tuple[str, str] | None:
    """The guideline a settled status claims: +1 for achieved, 0 for partially achieved."""
    key = CLAIMS.get(status)
    if key is None or not guidelines or key not in guidelines:
        return None
    return key, guidelines[key]


def default_actor() -> str:
    """Who records without a name: configured, else git's, else the login (tracker.identity)."""
    from tracker.identity import recorder

    return recorder()[0]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def events_of(session: Session, commitment_id: int) -> list[Event]:
    """Every event of a commitment, as much of each as tracker.timeline reads."""
    E = events_table.c
    return list(
        session.execute(
            select(E.id, E.party, E.effective_on, E.to_status, E.corrects_id).where(
                E.commitment_id == commitment_id
            )
        ).all()
    )


def status_on(
    events: Sequence[Event],
    on: dt.date | None = None,
    party: str | None = None,
    superseded: int | None = None,
) -> Status:
    """The status at the end of a day (or now), from a commitment's live events, as
    tracker.timeline reads them; `superseded` is the event a correction is about to replace.

    For a party: its own latest assessment, else the commitment's as a whole.
    """
    history = Timeline(events, superseded=superseded)
    return history.status(on) if party is None else history.party_status(party, on)


def clean_text(text: str | None, field: str, table: str, column: str) -> str:
    """User text for `field`, to be stored in `table.column`: refused when it holds a NUL or is
    longer than the column's limit (tracker.limits, which import and the loader read too)."""
    value = text or ""
    problem = limits.text_problem(value, limits.text_of(table, column))
    if problem is not None:
        raise FieldError("{" + field + "} " + problem, field)
    return value


def clean_evidence(specs: Sequence[EvidenceSpec | str], today: dt.date) -> list[EvidenceSpec]:
    """The evidence given, checked: not empty, a known kind, not published in the future."""
    cleaned = []
    for spec in specs:
        item = EvidenceSpec(spec) if isinstance(spec, str) else spec
        reference = clean_text(item.reference, "evidence", "evidence", "reference").strip()
        if not reference:
            raise TrackerError("evidence must not be empty")
        if item.kind not in EVIDENCE_KINDS:
            raise TrackerError(
                f"invalid evidence kind {item.kind!r}; kinds: {', '.join(EVIDENCE_KINDS)}"
            )
        if item.published_on is not None and item.published_on > today:
            raise DateOutOfRange(
                "{published_on} {day} is in the future; evidence is published before it is cited",
                "published_on",
                day=item.published_on.isoformat(),
            )
        title = clean_text(item.title, "evidence_title", "evidence", "title").strip() or None
        cleaned.append(
            EvidenceSpec(
                reference, item.kind, title, item.published_on, item.attachment, item.content
            )
        )
    return cleaned


def get_event(session: Session, event_id: int) -> StatusEvent:
    event = session.get(StatusEvent, event_id)
    if event is None:
        raise NotFoundError(f"no event #{event_id}")
    return event


def record_progress(
    session: Session,
    *,
    code: str | None = None,
    status: Status | None = None,
    note: str | None = None,
    evidence: Sequence[EvidenceSpec | str] = (),
    on: dt.date | None = None,
    actor: str | None = None,
    reason: str | None = None,
    party: str | None = None,
    corrects: int | None = None,
    today: dt.date | None = None,
    before_declaration: bool = False,
) -> ProgressResult:
    """Append one event. With `corrects`, the new event supersedes that event (same commitment
    and party; its status and date unless given) and a reason is required.

    A date before the declaration's own is refused (a 2025-for-2026 typo would skew every
    history) unless `before_declaration` says it is a genuine earlier fact."""
    today = today or clock.today(session)
    specs = clean_evidence(evidence, today)
    note_text = clean_text(note, "note", "status_events", "note")
    reason_text = clean_text(reason, "reason", "status_events", "reason").strip() or None
    who = (
        clean_text(actor, "actor", "status_events", "actor").strip()
        if actor is not None
        else default_actor()
    )
    if not who:
        raise FieldError("{actor} must not be empty", "actor")

    corrected: StatusEvent | None = None
    if corrects is not None:
        corrected = get_event(session, corrects)
        target: Commitment = corrected.commitment
        if code is not None and get_commitment(session, code).id != target.id:
            raise TrackerError(f"event #{corrects} belongs to {target.code}, not {code.upper()}")
        if reason_text is None:
            raise MissingReason("correcting event #{event} needs {reason}", event=corrects)
        party = corrected.party
        status = status or Status(corrected.to_status)
        on = on or corrected.effective_on
        # A correction keeps its own note: a copy of the corrected one would repeat what was
        # wrong ("exercise held") under the right status. The evidence carries over unless
        # restated: the documents usually stand, it is their reading that was wrong.
        if not specs:
            specs = [
                EvidenceSpec(
                    reference=e.reference,
                    kind=e.kind,
                    title=e.title,
                    published_on=e.published_on,
                    attachment=Attached(
                        e.attachment_name or "",
                        e.attachment_size or 0,
                        e.attachment_type or "",
                        e.attachment_sha256,
                    )
                    if e.attachment_sha256 is not None
                    else None,
                )
                for e in corrected.evidence
            ]
    else:
        if code is None or status is None:
            raise TrackerError("a commitment code and a status are required")
        target = get_commitment(session, code)

    on = on or today
    if on > today:
        raise DateOutOfRange(
            "{effective_on} {day} is in the future; progress is recorded as it happens",
            "effective_on",
            exit_code=1,
            day=on.isoformat(),
        )
    assert status is not None
    declared = target.declaration.date
    if (
        on < declared
        and not before_declaration
        and (corrected is None or on != corrected.effective_on)
    ):
        raise DateOutOfRange(
            "{effective_on} {day} is before the declaration {slug} ({declared}); if that is a "
            "genuine earlier fact, say so with {before_declaration}",
            "effective_on",
            "before_declaration",
            day=on.isoformat(),
            slug=target.declaration.slug,
            declared=declared.isoformat(),
        )
    commitment = lock_commitment(session, target.id)
    if party is not None and corrected is None:
        party = resolve_party(party, commitment.parties, what=f"{commitment.code} is a pledge of")
    corrects_seq: int | None = None
    if corrected is not None:
        # Re-checked under the lock: two people correcting one event at once.
        already = session.scalar(
            select(StatusEvent.id).where(StatusEvent.corrects_id == corrected.id)
        )
        if already is not None:
            raise TrackerError(
                f"event #{corrected.id} was already corrected by #{already}; correct #{already}"
            )
        corrects_seq = corrected.seq
    # Read under the lock: what the burn-up cache holds of this item until this event.
    before = events_of(session, commitment.id)
    old = status_on(before, on, party, superseded=corrected.id if corrected else None)
    if corrected is None:
        try:
            check_transition(old, status, reason_text)
        except ReasonRequired as exc:
            raise MissingReason(
                "{code}: {problem}; give {reason}", code=commitment.code, problem=str(exc)
            ) from None

    # The commitment row is locked, so its chain end is current; the time is read after the
    # lock (the server's clock, tracker.clock), so recording times follow chain order.
    seq, previous = commitment.chain_length, commitment.chain_head
    recorded_at, db_user = clock.stamp(session)
    event = StatusEvent(
        commitment_id=commitment.id,
        party=party,
        from_status=old.value,
        to_status=status.value,
        note=note_text,
        reason=reason_text,
        actor=who,
        effective_on=on,
        recorded_at=recorded_at,
        db_user=db_user,
        seq=seq + 1,
        prev_hash=previous,
        corrects_id=corrected.id if corrected else None,
    )
    event.evidence = [
        Evidence(
            position=i,
            reference=e.reference,
            kind=e.kind,
            title=e.title,
            published_on=e.published_on,
            attachment_name=e.attachment.name if e.attachment else None,
            attachment_size=e.attachment.size if e.attachment else None,
            attachment_type=e.attachment.media_type if e.attachment else None,
            attachment_sha256=e.attachment.sha256 if e.attachment else None,
        )
        for i, e in enumerate(specs)
    ]
    for spec in specs:
        if spec.attachment is not None and spec.content is not None:
            from tracker.attachments import Document, store

            a = spec.attachment
            store(session, Document(a.name, a.size, a.media_type, a.sha256, spec.content))
    content = chain.event_content(event, commitment.code, corrects_seq, event.evidence)
    event.hash = chain.event_hash(previous, content)
    session.add(event)
    commitment.chain_length = event.seq
    commitment.chain_head = event.hash
    session.flush()
    after = [*before, event]
    current = status_on(after, None, party)
    if party is None:
        commitment.status = current.value
    # Cached beside the status, for `list` (verify checks it): any party's event counts.
    latest = Timeline(after).last_update()
    commitment.last_update = latest.effective_on if latest is not None else None
    session.flush()
    # In this transaction: a report never sees the event without its place in the burn-up.
    burnup.refresh_item(session.connection(), commitment.declaration_id, before, after)
    return ProgressResult(
        code=commitment.code,
        event_id=event.id,
        old=old,
        new=status,
        current=current,
        effective_on=on,
        party=party,
        corrects_id=corrected.id if corrected else None,
        criterion=criterion_for(commitment.guidelines, status),
    )
