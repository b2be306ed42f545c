"""Milestones: the meetings the items' targets name, the declaration's cut-off, and the dates
announced for them.

A milestone's date in the fixture is what the text gives or implies: the 2+2 "in 2026" is due by
31 December 2026, a deadline, not a meeting date. When a date is announced, `tracker milestone
set` appends an announcement: a row of milestone_events that is never updated or deleted
(guarded like status_events), hash-chained per milestone (tracker.chain.announcement_hash) and
checked by `tracker verify`. A milestone's date on a day is that of its latest announcement made
on or before that day (by the day it was announced, then recording order), else its deadline:
a report as of a day before the announcement uses the date known then.

The declaration's cut-off (the end of its compliance period) is a milestone of kind `cutoff`,
made by the first `tracker cutoff set`; until then the fixture's `cutoff` stands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, func, literal, select
from sqlalchemy.orm import Session

from tracker import chain, clock
from tracker.concurrency import lock_for_announcement
from tracker.errors import DateOutOfRange, FieldError, NotFoundError, TrackerError
from tracker.models import Announcement, Declaration, Milestone, commitments_table
from tracker.progress import EvidenceSpec, clean_evidence, clean_text, default_actor

C = commitments_table.c

CUTOFF_SLUG = "cut-off"
CUTOFF_TITLE = "End of the compliance period (cut-off)"
KINDS = ("meeting", "cutoff")


@dataclass(frozen=True)
class MilestoneDate:
    """A milestone as known on a day: its deadline, and the date announced by then if any."""

    declaration_id: int
    slug: str
    kind: str
    title: str
    title_ja: str | None
    deadline: dt.date
    rule: str
    date: dt.date
    announced_on: dt.date | None = None

    @property
    def announced(self) -> bool:
        return self.announced_on is not None


def known_on(
    session: Session, on: dt.date, declaration_ids: Iterable[int] | None = None
) -> list[MilestoneDate]:
    """Every milestone (of these declarations) with its date as known on `on`."""
    query = select(Milestone)
    if declaration_ids is not None:
        query = query.where(Milestone.declaration_id.in_(list(declaration_ids)))
    milestones = list(session.scalars(query.order_by(Milestone.id)))
    if not milestones:
        return []
    latest: dict[int, Announcement] = {}
    for event in session.scalars(
        select(Announcement)
        .where(
            Announcement.milestone_id.in_([m.id for m in milestones]),
            Announcement.announced_on <= on,
        )
        .order_by(Announcement.milestone_id, Announcement.announced_on, Announcement.seq)
    ):
        latest[event.milestone_id] = event
    found = []
    for m in milestones:
        last = latest.get(m.id)
        found.append(
            MilestoneDate(
                declaration_id=m.declaration_id,
                slug=m.slug,
                kind=m.kind,
                title=m.title,
                title_ja=m.title_ja,
                deadline=m.date,
                rule=m.rule,
                date=last.date if last is not None else m.date,
                announced_on=last.announced_on if last is not None else None,
            )
        )
    return found


def meetings(known: Sequence[MilestoneDate]) -> dict[tuple[int, str], MilestoneDate]:
    """The meetings among `known` (not the cut-offs), by (declaration id, slug)."""
    return {(m.declaration_id, m.slug): m for m in known if m.kind == "meeting"}


def target_sql(known: Sequence[MilestoneDate]) -> ColumnElement[Any]:
    """An item's target date as known: its milestone's announced date where one was announced,
    else its own target_date (the fixture's date, kept by `load`). Most milestones have none,
    and then this is the column itself, so its index serves as before."""
    announced = [m for m in known if m.kind == "meeting" and m.announced]
    if not announced:
        return C.target_date
    return case(
        *(
            (
                and_(C.declaration_id == m.declaration_id, C.milestone == m.slug),
                literal(m.date, Date),
            )
            for m in announced
        ),
        else_=C.target_date,
    )


def effective_target(
    known: Mapping[tuple[int, str], MilestoneDate],
    declaration_id: int,
    milestone: str | None,
    target: dt.date | None,
) -> dt.date | None:
    """target_sql for one item (`known`: meetings())."""
    if milestone is None:
        return target
    found = known.get((declaration_id, milestone))
    return found.date if found is not None and found.announced else target


def cutoff_on(known: Sequence[MilestoneDate], declaration: Declaration) -> dt.date | None:
    """The declaration's cut-off as known (`known`: known_on its date): the latest set by
    `tracker cutoff set` by then, else the fixture's."""
    for m in known:
        if m.declaration_id == declaration.id and m.kind == "cutoff" and m.announced:
            return m.date
    return declaration.cutoff


# --- announcing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnouncementResult:
    declaration: str
    slug: str
    title: str
    event_id: int
    seq: int
    date: dt.date
    previous: dt.date
    announced_on: dt.date


def declaration_named(session: Session, slug: str | None) -> Declaration:
    """The declaration `slug`, or the only one loaded when none is named."""
    declarations = list(session.scalars(select(Declaration).order_by(Declaration.id)))
    names = ", ".join(d.slug for d in declarations) or "none loaded"
    if slug is None:
        if len(declarations) == 1:
            return declarations[0]
        if not declarations:
            raise TrackerError("no declaration loaded; run `tracker load FILE` first")
        raise TrackerError(f"several declarations are loaded; name one ({names})")
    for d in declarations:
        if d.slug == slug:
            return d
    raise NotFoundError(f"no declaration {slug!r}; declarations: {names}")


def _meeting(session: Session, declaration: Declaration, slug: str) -> Milestone:
    found = session.scalar(
        select(Milestone).where(
            Milestone.declaration_id == declaration.id,
            Milestone.slug == slug,
            Milestone.kind == "meeting",
        )
    )
    if found is None:
        known = session.scalars(
            select(Milestone.slug)
            .where(Milestone.declaration_id == declaration.id, Milestone.kind == "meeting")
            .order_by(Milestone.slug)
        ).all()
        raise NotFoundError(
            f"no milestone {slug!r} in {declaration.slug}; milestones: {', '.join(known) or 'none'}"
        )
    return found


def _cutoff(session: Session, declaration: Declaration, date: dt.date) -> Milestone:
    found = session.scalar(
        select(Milestone).where(
            Milestone.declaration_id == declaration.id, Milestone.kind == "cutoff"
        )
    )
    if found is None:
        found = Milestone(
            declaration_id=declaration.id,
            slug=CUTOFF_SLUG,
            kind="cutoff",
            title=CUTOFF_TITLE,
            date=declaration.cutoff or date,
            rule="the fixture's cut-off" if declaration.cutoff else "",
        )
        session.add(found)
        session.flush()
    return found


def announce(
    session: Session,
    milestone: Milestone,
    date: dt.date,
    *,
    note: str | None = None,
    evidence: Sequence[EvidenceSpec | str] = (),
    announced_on: dt.date | None = None,
    actor: str | None = None,
    today: dt.date | None = None,
) -> AnnouncementResult:
    """Append an announcement of `date` for `milestone`, chained after its last one."""
    today = today or clock.today(session)
    announced_on = announced_on or today
    if announced_on > today:
        raise DateOutOfRange(
            "{effective_on} {day} is in the future; an announcement is recorded once made",
            "effective_on",
            exit_code=1,
            day=announced_on.isoformat(),
        )
    declaration = session.get(Declaration, milestone.declaration_id)
    assert declaration is not None
    if date < declaration.date:
        raise TrackerError(
            f"{date.isoformat()} is before the declaration {declaration.slug} "
            f"({declaration.date.isoformat()}): a milestone comes after it"
        )
    specs = clean_evidence(evidence, today)
    note_text = clean_text(note, "note", "milestone_events", "note").strip()
    who = (
        clean_text(actor, "actor", "milestone_events", "actor").strip()
        if actor is not None
        else default_actor()
    )
    if not who:
        raise FieldError("{actor} must not be empty", "actor")
    lock_for_announcement(session)
    before = known_on(session, announced_on, [declaration.id])
    previous = next(m.date for m in before if m.slug == milestone.slug)
    last = session.scalar(
        select(Announcement)
        .where(Announcement.milestone_id == milestone.id)
        .order_by(Announcement.seq.desc())
        .limit(1)
    )
    event = Announcement(
        milestone_id=milestone.id,
        seq=(last.seq if last else 0) + 1,
        date=date,
        announced_on=announced_on,
        note=note_text,
        actor=who,
        recorded_at=clock.now(session),
        evidence=[
            {
                "reference": e.reference,
                "kind": e.kind,
                "title": e.title,
                "published_on": e.published_on.isoformat() if e.published_on else None,
            }
            for e in specs
        ],
        prev_hash=last.hash if last else chain.GENESIS,
    )
    event.hash = chain.announcement_hash(event.prev_hash, content(event, declaration, milestone))
    session.add(event)
    session.flush()
    return AnnouncementResult(
        declaration=declaration.slug,
        slug=milestone.slug,
        title=milestone.title,
        event_id=event.id,
        seq=event.seq,
        date=date,
        previous=previous,
        announced_on=announced_on,
    )


def set_meeting(
    session: Session, declaration: str | None, slug: str, date: dt.date, **how: Any
) -> AnnouncementResult:
    """`tracker milestone set`: announce the date of a declaration's meeting."""
    d = declaration_named(session, declaration)
    return announce(session, _meeting(session, d, slug), date, **how)


def set_cutoff(
    session: Session, declaration: str | None, date: dt.date, *, reason: str, **how: Any
) -> AnnouncementResult:
    """`tracker cutoff set`: move a declaration's cut-off; the reason is the event's note."""
    if not reason.strip():
        raise FieldError("moving a cut-off needs {reason}", "reason")
    d = declaration_named(session, declaration)
    if date < d.date:
        raise TrackerError(
            f"the cut-off {date.isoformat()} is before the declaration {d.slug} "
            f"({d.date.isoformat()})"
        )
    return announce(session, _cutoff(session, d, date), date, note=reason, **how)


def content(
    event: Announcement, declaration: Declaration, milestone: Milestone
) -> chain.AnnouncementContent:
    """The hash input of an announcement (tracker.chain): names, not ids."""
    return chain.AnnouncementContent(
        declaration=declaration.slug,
        milestone=milestone.slug,
        seq=event.seq,
        date=event.date,
        announced_on=event.announced_on,
        note=event.note,
        actor=event.actor,
        recorded_at=event.recorded_at,
        evidence=[
            chain.EvidenceContent(
                str(e["reference"]),
                str(e["kind"]),
                e["title"],
                dt.date.fromisoformat(e["published_on"]) if e["published_on"] else None,
            )
            for e in event.evidence
        ],
    )


# --- reading and checking ---------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A milestone with its announcements, oldest first (`tracker milestone list`, show)."""

    declaration: str
    milestone: Milestone
    events: list[Announcement]


def listing(session: Session, declaration: str | None = None) -> list[Listed]:
    query = select(Milestone, Declaration.slug).join(
        Declaration, Milestone.declaration_id == Declaration.id
    )
    if declaration is not None:
        query = query.where(Declaration.slug == declaration_named(session, declaration).slug)
    rows = session.execute(
        query.order_by(Declaration.id, Milestone.kind.desc(), Milestone.date, Milestone.slug)
    ).all()
    events: dict[int, list[Announcement]] = {m.id: [] for m, _ in rows}
    for event in session.scalars(
        select(Announcement)
        .where(Announcement.milestone_id.in_(list(events)))
        .order_by(Announcement.milestone_id, Announcement.seq)
    ):
        events[event.milestone_id].append(event)
    return [Listed(slug, m, events[m.id]) for m, slug in rows]


def check_chains(session: Session) -> Iterator[tuple[str, str]]:
    """Each broken announcement chain as (who, what): a row changed, removed, inserted or
    reordered outside the tool since its hash was written."""
    for listed in listing(session):
        m = listed.milestone
        who = f"milestone {listed.declaration}/{m.slug}"
        previous = chain.GENESIS
        declaration = session.get(Declaration, m.declaration_id)
        assert declaration is not None
        for n, event in enumerate(listed.events, start=1):
            if event.seq != n:
                yield (
                    who,
                    f"announcement #{event.id} is number {event.seq} of its chain, not {n}: "
                    "one was removed or inserted",
                )
                break
            if event.prev_hash != previous:
                yield who, f"announcement #{event.id} does not follow the one before it"
                break
            if chain.announcement_hash(previous, content(event, declaration, m)) != event.hash:
                yield who, f"announcement #{event.id} was changed after it was recorded"
                break
            previous = event.hash


def count_announcements(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Announcement)) or 0
