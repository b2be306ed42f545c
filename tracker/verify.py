"""Check every commitment's event chain and cached status against what was recorded.

Findings are plain data; the CLI prints them. Commitments are read in batches, so a large
history is verified in bounded memory, as Core rows: the ORM's per-object work was a third of
the time at 1,000,000 events.

Beyond the chains: the burn-up cache must be what the events give (tracker.burnup), the
append-only guards (tracker.triggers) must be in place, chains that an upgrade built over
existing events are reported as such (their hashes say nothing of what happened before), and
the anchor digest covers every item's text and chain length and each
declaration's source, for comparison with a saved copy (tracker.anchor).
"""

from __future__ import annotations

import datetime as dt
import sys
from bisect import bisect_right, insort
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import (
    anchor,
    attachments,
    burnup,
    chain,
    clock,
    links,
    milestones,
    revisions,
    triggers,
)
from tracker.i18n import counted
from tracker.models import (
    chain_builds_table,
    declarations_table,
    events_table,
    evidence_table,
    read_date,
)
from tracker.statuses import DEFAULT_STATUS, ReasonRequired, Status, check_transition
from tracker.timeline import Timeline

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

E, V = events_table.c, evidence_table.c

BATCH = 500


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass
class VerifyResult:
    commitments: int = 0
    events: int = 0
    # Milestone announcements (tracker.milestones), each chain checked like an item's.
    announcements: int = 0
    findings: list[Finding] = field(default_factory=list)
    heads: list[tuple[str, str]] = field(default_factory=list)
    # Facts that are not tampering but limit what the hashes prove (chains built after the fact).
    notes: list[str] = field(default_factory=list)
    current: anchor.Current = field(default_factory=anchor.Current)
    changes: list[anchor.Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings and not any(c.suspicious for c in self.changes)

    @property
    def digest(self) -> str:
        return chain.heads_digest(self.heads)

    @property
    def anchor_digest(self) -> str:
        return self.current.anchor_digest


def _check(
    commitment: Any, events: Sequence[Any], evidence: Mapping[int, Sequence[chain.HashedEvidence]]
) -> Iterator[str]:
    """The findings for one commitment (a row of commitments) and its events (rows of
    status_events, in seq order), with the evidence of those events by event id."""
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
        content = chain.event_content(
            event, commitment.code, corrects_seq, evidence.get(event.id, ())
        )
        digest = chain.event_hash(event.prev_hash, content)
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
    history = Timeline(events)
    derived = history.status().value
    if commitment.status != derived:
        yield f"current status {commitment.status} disagrees with its last event ({derived})"
    latest = history.last_update()
    updated = latest.effective_on if latest is not None else None
    if read_date(commitment.last_update) != updated:
        cached = commitment.last_update or "none"
        yield (
            f"last update {cached} disagrees with its latest event "
            f"({updated.isoformat() if updated else 'none'}): changed outside the tool "
            "(`tracker db rebuild` rebuilds it)"
        )


def _rules(
    commitment: Any, events: Sequence[Any], zone: ZoneInfo, parties: Sequence[str]
) -> Iterator[str]:
    """The tool's own rules, which a row inserted with a correct hash can still break: the
    commands would then disagree (a future-dated event is current for `list` and not yet for
    a report; an event of "uk" is UK's for one reader and nobody's for another).

    Each event, in chain order, against the events recorded before it: dated no later than the
    day it was recorded (in the tracker's clock), recorded after the event before it, of a party
    of the item spelt as the item spells it, a legal move from where the item stood on its date,
    and a correction of an earlier event of the same item and party not corrected before."""
    by_id = {e.id: e for e in events}
    corrected: dict[int, int] = {}
    previous: Any = None
    standing = _Standing()
    for event in events:
        label = f"event #{event.id} (seq {event.seq})"
        recorded = clock.local_day(event.recorded_at, zone)
        if event.effective_on > recorded:
            yield (
                f"{label} is dated {event.effective_on.isoformat()}, after the day it was "
                f"recorded ({recorded.isoformat()}, {zone.key}): the tool refuses a future date"
            )
        if previous is not None and (
            event.recorded_at < previous.recorded_at or event.id < previous.id
        ):
            yield (
                f"{label} was recorded before the event it follows in the chain "
                f"(#{previous.id}): inserted outside the tool"
            )
        if event.party is not None and event.party not in parties:
            near = [p for p in parties if p.lower() == event.party.lower()]
            spelt = f"; the item spells it {near[0]!r}" if near else ""
            yield (
                f"{label} assesses {event.party!r}, not a party to the item "
                f"({', '.join(parties) or 'none'}){spelt}"
            )
        target = by_id.get(event.corrects_id) if event.corrects_id is not None else None
        if target is not None:
            if target.seq >= event.seq:
                yield f"{label} corrects #{target.id}, which was recorded after it"
            elif target.id in corrected:
                yield (
                    f"{label} corrects #{target.id}, already corrected by #{corrected[target.id]}"
                )
            if target.party != event.party:
                yield f"{label} corrects #{target.id}, an event of another party"
            corrected.setdefault(target.id, event.id)
        # The move is judged from where the item (or the party) stood by the events before it,
        # not from the stored from_status: databases written by earlier versions started a
        # party's first event from not_started, and readers never read it.
        if event.corrects_id is None:
            old = standing.status(event.effective_on, event.party)
            try:
                check_transition(old, Status(event.to_status), event.reason)
            except ReasonRequired as exc:
                yield f"{label}: {exc} without a reason: the tool refuses it"
        standing.add(event)
        previous = event


class _Standing:
    """Where an item and each party stood, by the events seen so far (in chain order): what
    Timeline(seen).status(on) and .party_status(party, on) give, kept as each event comes, so a
    long history is judged in n log n, not n squared (import verifies every event)."""

    def __init__(self) -> None:
        # Per party (None: the item as a whole), live events as (effective_on, id, to_status),
        # in timeline order.
        self.live: dict[str | None, list[tuple[dt.date, int, str]]] = defaultdict(list)
        self.keys: dict[int, tuple[str | None, tuple[dt.date, int, str]]] = {}

    def _latest(self, party: str | None, on: dt.date) -> str | None:
        events = self.live.get(party)
        if not events:
            return None
        at = bisect_right(events, (on, sys.maxsize, ""))
        return events[at - 1][2] if at else None

    def status(self, on: dt.date, party: str | None) -> Status:
        whole = self._latest(None, on)
        own = self._latest(party, on) if party is not None else None
        found = own if own is not None else whole
        return Status(found) if found is not None else DEFAULT_STATUS

    def add(self, event: Any) -> None:
        if event.corrects_id is not None and event.corrects_id in self.keys:
            party, key = self.keys.pop(event.corrects_id)
            self.live[party].remove(key)
        key = (event.effective_on, event.id, event.to_status)
        insort(self.live[event.party], key)
        self.keys[event.id] = (event.party, key)


def _chain_builds(session: Session) -> Iterator[str]:
    for build in session.execute(select(chain_builds_table).order_by(chain_builds_table.c.id)):
        yield (
            f"{counted(build.events, 'event')} (#{build.last_event_id} and earlier) "
            f"{'was' if build.events == 1 else 'were'} chained after the "
            f"fact, by upgrade {build.revision} at {build.built_at:%Y-%m-%d %H:%M} UTC: their "
            "hashes show changes made since then, not before"
        )


def _burnup(session: Session) -> Iterator[Finding]:
    """The burn-up cache against the history it is derived from, one finding per declaration."""
    differing = burnup.disagreements(session.connection())
    if not differing:
        return
    D = declarations_table.c
    slugs = {row.id: row.slug for row in session.execute(select(D.id, D.slug))}
    for declaration_id, first in sorted(differing.items()):
        yield Finding(
            "database",
            f"the burn-up cache of declaration {slugs.get(declaration_id, declaration_id)} "
            f"disagrees with the history from {first.isoformat()} on: changed outside the tool "
            "(reports would draw a wrong burn-up; `tracker db rebuild` rebuilds it)",
        )


def verify(session: Session, saved: anchor.Saved | None = None) -> VerifyResult:
    """Check every chain, the guards and the cached statuses; compare with `saved` if given."""
    result = VerifyResult()
    connection = session.connection()
    for trigger in triggers.missing(connection):
        result.findings.append(
            Finding(
                "database",
                f"the append-only guard {trigger.name} on {trigger.table} is missing, disabled "
                "or altered: history can be rewritten by plain SQL (restore it with "
                "`tracker db guard`)",
            )
        )
    result.notes += _chain_builds(session)
    result.notes += revisions.upgrade_notes(session)
    zone = clock.zone(session)
    # Per item, its declaration and FORMAT 2 content hash, for the text revisions' check.
    texts: dict[str, tuple[int, str]] = {}
    current = result.current
    current.declarations = dict(anchor.declaration_hashes(session))
    wanted = saved.items if saved is not None else None
    # The database's side of a comparison is hashed in the saved anchor's format (a report
    # saved before FORMAT 2 keeps working); a bare digest may be of either.
    if saved is None:
        older: tuple[int, ...] = ()
    elif saved.items is None:
        older = tuple(v for v in chain.ANCHOR_FORMATS if v != chain.ANCHOR_FORMAT)
    else:
        older = () if saved.anchor_format == chain.ANCHOR_FORMAT else (saved.anchor_format,)
    other: dict[int, list[chain.ItemAnchor]] = {v: [] for v in older}
    query = anchor.item_query()
    C = query.selected_columns
    last_id = 0
    while True:
        batch = session.execute(query.where(C.id > last_id).order_by(C.id).limit(BATCH)).all()
        if not batch:
            break
        last_id = batch[-1].id
        ids = [c.id for c in batch]
        events: dict[int, list[Any]] = {i: [] for i in ids}
        for event in session.execute(
            select(events_table).where(E.commitment_id.in_(ids)).order_by(E.commitment_id, E.seq)
        ).all():
            events[event.commitment_id].append(event)
        evidence: dict[int, list[chain.HashedEvidence]] = defaultdict(list)
        for ref in session.execute(
            select(
                V.event_id,
                V.reference,
                V.kind,
                V.title,
                V.published_on,
                V.attachment_name,
                V.attachment_size,
                V.attachment_type,
                V.attachment_sha256,
            )
            .join(events_table, V.event_id == E.id)
            .where(E.commitment_id.in_(ids))
            .order_by(V.event_id, V.position)
        ).all():
            evidence[ref.event_id].append(ref)
        for commitment in batch:
            history = events[commitment.id]
            result.commitments += 1
            result.events += len(history)
            result.heads.append((commitment.code, commitment.chain_head))
            result.findings += [
                Finding(commitment.code, m) for m in _check(commitment, history, evidence)
            ]
            parties = anchor.names(commitment.parties)
            result.findings += [
                Finding(commitment.code, m) for m in _rules(commitment, history, zone, parties)
            ]
            content = anchor.row_content(commitment)
            code = commitment.code
            content_hash = chain.item_hash(content)
            if commitment.content_hash != content_hash:
                result.findings.append(
                    Finding(
                        code,
                        "its stored content hash (what reports print) disagrees with its text: "
                        "the text or the hash was changed outside the tool",
                    )
                )
            current.items[code] = chain.ItemAnchor(
                code, commitment.chain_length, commitment.chain_head, content_hash
            )
            texts[code] = (commitment.declaration_id, content_hash)
            for version, anchors in other.items():
                anchors.append(
                    chain.ItemAnchor(
                        code,
                        commitment.chain_length,
                        commitment.chain_head,
                        chain.item_hash(content, version),
                    )
                )
            if wanted is not None and code in wanted:
                current.contents[code] = content
                length = wanted[code].anchor.chain_length
                at = [e.hash for e in history if e.seq == length]
                current.hash_at_saved[code] = at[0] if at else None
    result.findings += _burnup(session)
    result.findings += [Finding(who, what) for who, what in attachments.check(session)]
    # What the text revisions record, read once for the check and the comparison.
    recorded = revisions.states(session)
    result.findings += [
        Finding(who, what)
        for who, what in revisions.check(session, recorded, current.declarations, texts)
    ]
    if saved is not None:
        current.explained = revisions.explained(session, recorded, current.declarations, texts)
    result.findings += [Finding(who, what) for who, what in milestones.check_chains(session)]
    result.findings += [Finding(who, what) for who, what in links.check_chain(session)]
    result.announcements = milestones.count_announcements(session)
    current.heads_digest = result.digest
    current.anchor_digest = chain.anchor_digest(
        current.declarations.items(), current.items.values()
    )
    for version, anchors in other.items():
        declarations = dict(anchor.declaration_hashes(session, version))
        current.older_digests.append(chain.anchor_digest(declarations.items(), anchors, version))
        if saved is not None and saved.items is not None:
            # Compared in the saved format: its items and declarations as that format hashes.
            current.items = {a.code: a for a in anchors}
            current.declarations = declarations
    if saved is not None:
        result.changes = anchor.compare(saved, current)
        if saved.export is not None:
            result.changes = anchor.trace_rewrites(session, saved.export, result.changes)
    return result
