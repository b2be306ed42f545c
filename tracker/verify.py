"""Check every commitment's event chain and cached status against what was recorded.

Findings are plain data; the CLI prints them. Commitments are read in batches, so a large
history is verified in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker import chain
from tracker.models import Commitment, StatusEvent
from tracker.progress import content_of
from tracker.statuses import DEFAULT_STATUS

BATCH = 500


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass
class VerifyResult:
    commitments: int = 0
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    heads: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def digest(self) -> str:
        return chain.heads_digest(self.heads)


def _check(commitment: Commitment, events: list[StatusEvent]) -> Iterator[str]:
    by_id = {e.id: e for e in events}
    previous = chain.GENESIS
    expected_seq = 1
    for event in events:
        label = f"event #{event.id} (seq {event.seq})"
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                missing = ", ".join(str(n) for n in range(expected_seq, event.seq))
                yield f"seq {missing} missing before {label}: an event was deleted"
            else:
                yield f"{label} is out of sequence: an event was inserted or reordered"
        if event.prev_hash != previous:
            yield f"{label} does not link to the event before it: deleted, inserted or reordered"
        corrects_seq = None
        if event.corrects_id is not None:
            target = by_id.get(event.corrects_id)
            if target is None:
                yield f"{label} corrects event #{event.corrects_id}, not of this commitment"
            else:
                corrects_seq = target.seq
        digest = chain.event_hash(event.prev_hash, content_of(event, commitment.code, corrects_seq))
        if digest != event.hash:
            yield f"{label} does not match its hash: edited or inserted outside the tool"
        previous = event.hash
        expected_seq = event.seq + 1
    length = events[-1].seq if events else 0
    if commitment.chain_length != length or commitment.chain_head != previous:
        yield (
            f"chain end is seq {length} but the commitment records seq "
            f"{commitment.chain_length}: the latest events were deleted or added outside the tool"
        )
    corrected = {e.corrects_id for e in events if e.corrects_id is not None}
    whole = [e for e in events if e.party is None and e.id not in corrected]
    last = max(whole, key=lambda e: (e.effective_on, e.id), default=None)
    derived = last.to_status if last else DEFAULT_STATUS.value
    if commitment.status != derived:
        yield f"current status {commitment.status} disagrees with its last event ({derived})"


def verify(session: Session) -> VerifyResult:
    result = VerifyResult()
    last_id = 0
    while True:
        batch = list(
            session.scalars(
                select(Commitment)
                .where(Commitment.id > last_id)
                .order_by(Commitment.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return result
        last_id = batch[-1].id
        events: dict[int, list[StatusEvent]] = {c.id: [] for c in batch}
        for event in session.scalars(
            select(StatusEvent)
            .where(StatusEvent.commitment_id.in_(list(events)))
            .order_by(StatusEvent.commitment_id, StatusEvent.seq)
            .options(selectinload(StatusEvent.evidence))
        ):
            events[event.commitment_id].append(event)
        for commitment in batch:
            history = events[commitment.id]
            result.commitments += 1
            result.events += len(history)
            result.heads.append((commitment.code, commitment.chain_head))
            result.findings += [Finding(commitment.code, m) for m in _check(commitment, history)]
        session.expunge_all()
