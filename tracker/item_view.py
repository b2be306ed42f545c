"""What `tracker show` and `tracker log` say about an item and its events, as plain data.

The dicts are what `show --format json` and `log --format json` print (their keys are documented
in the README); the CLI prints them as JSON, or as text through tracker.cli.show_text. Statuses
come from tracker.timeline, like every other path's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.commitments import get_commitment, ordered_fields
from tracker.models import Commitment, Evidence, StatusEvent
from tracker.statuses import Kind, Status, assessed_status, is_final, item_score
from tracker.timeline import CHRONOLOGICAL, Timeline, party_status


def evidence_data(e: Evidence) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reference": e.reference,
        "kind": e.kind,
        "title": e.title,
        "published_on": e.published_on.isoformat() if e.published_on else None,
    }
    if e.attachment_sha256 is not None:
        # `tracker evidence get ID` gives the document back.
        data["id"] = e.id
        data["attachment"] = {
            "name": e.attachment_name,
            "size": e.attachment_size,
            "media_type": e.attachment_type,
            "sha256": e.attachment_sha256,
        }
    return data


def event_data(e: StatusEvent, corrected_by: int | None = None) -> dict[str, Any]:
    return {
        "id": e.id,
        "on": e.effective_on.isoformat(),
        "party": e.party,
        "from_status": e.from_status,
        "to_status": e.to_status,
        # The name before the report's vocabulary was adopted; kept for one release.
        "status": e.to_status,
        "note": e.note,
        "reason": e.reason,
        "evidence": [ev.reference for ev in e.evidence],
        "evidence_details": [evidence_data(ev) for ev in e.evidence],
        "actor": e.actor,
        # PostgreSQL: the database user that inserted it (tracker.clock), beside the typed name.
        "db_user": e.db_user,
        "recorded_at": e.recorded_at.isoformat(),
        "corrects": e.corrects_id,
        "corrected_by": corrected_by,
        "seq": e.seq,
        "hash": e.hash,
    }


def events_of(session: Session, commitment: Commitment) -> list[StatusEvent]:
    """Every event of the commitment, corrected ones too, in timeline order."""
    return list(
        session.scalars(
            select(StatusEvent)
            .where(StatusEvent.commitment_id == commitment.id)
            .order_by(*CHRONOLOGICAL)
            .options(selectinload(StatusEvent.evidence))
        )
    )


def _linked(x: Any) -> dict[str, Any]:
    return {
        "code": x.code,
        "declaration": x.declaration,
        "title": x.title,
        "link": x.kind,
        "status": x.status,
        "since": x.since.isoformat() if x.since else None,
        "reason": x.reason,
    }


def item_data(session: Session, code: str) -> dict[str, Any]:
    """Everything `tracker show` says about one commitment, with its whole timeline."""
    c = get_commitment(session, code)
    events = events_of(session, c)
    history = Timeline(events)
    # The current status is the cached one, as shown beside it; each party's own is read from
    # the live events (tracker verify checks that the cache agrees with them).
    whole = Status(c.status)
    # Scored as the report scores it today: no score until someone assesses it, unless the
    # declaration's cut-off has passed (tracker.statuses.assessed_status).
    from tracker import milestones as meeting_dates

    today = clock.today(session)
    known = meeting_dates.known_on(session, today, [c.declaration_id])
    final = is_final(meeting_dates.cutoff_on(known, c.declaration), today)
    meetings = meeting_dates.meetings(known)
    target = meeting_dates.effective_target(meetings, c.declaration_id, c.milestone, c.target_date)
    milestone = meetings.get((c.declaration_id, c.milestone)) if c.milestone else None
    assessed = bool(events)
    corrected_by = {e.corrects_id: e.id for e in events if e.corrects_id is not None}
    from tracker.links import links_of

    follows, followed_by = links_of(session, c.id)
    return {
        "code": c.code,
        "title": c.title,
        "title_ja": c.title_ja,
        "declaration": c.declaration.slug,
        "pillar": c.pillar.slug,
        "pillar_title": c.pillar.title,
        "pillar_title_ja": c.pillar.title_ja,
        "kind": c.kind,
        "parties": list(c.parties),
        "owners": list(c.owners),
        "target": target.isoformat() if target else None,
        "target_label": c.target_label,
        # The milestone the target names: its slug, the deadline the text implies, and the day
        # its date was announced (None: not announced; the target is the deadline).
        "milestone": {
            "slug": milestone.slug,
            "deadline": milestone.deadline.isoformat(),
            "announced_on": milestone.announced_on.isoformat() if milestone.announced_on else None,
        }
        if milestone is not None
        else None,
        "target_label_ja": c.target_label_ja,
        "status": c.status,
        "score": item_score(Kind(c.kind), assessed_status(whole, assessed, final)),
        "assessed": assessed,
        "party_status": {p: party_status(history.latest(party=p), whole).value for p in c.parties},
        "description": c.description,
        "description_ja": c.description_ja,
        "quote": c.quote,
        "basis": c.basis,
        "inferred": ordered_fields(c.inferred),
        "provenance": dict(c.inferred),
        # For Japanese output: each inferred value's kind of origin and its note in Japanese,
        # and the owners' Japanese names (None where the fixture gives none).
        "provenance_origins": dict(c.inferred_origins or {}),
        "provenance_ja": dict(c.inferred_ja or {}),
        "owners_ja": list(c.owners_ja) if c.owners_ja else None,
        "guidelines": c.guidelines,
        "chain_head": c.chain_head,
        # The tracker's time zone (tracker.clock), in which `show` prints recording times.
        "time_zone": clock.zone_name(session),
        "events": [event_data(e, corrected_by.get(e.id)) for e in events],
        # Follow-ups (tracker.links): the earlier items it continues, the later ones that
        # continue it, each with its status now and the day that status took effect.
        "follows": [_linked(x) for x in follows],
        "followed_by": [_linked(x) for x in followed_by],
        # The name before the report's vocabulary was adopted; kept for one release.
        "owner": list(c.owners),
    }
