"""Finding, listing and describing commitments. Plain functions over a Session."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from tracker import clock
from tracker.errors import FieldError, NotFoundError, TrackerError
from tracker.models import (
    Commitment,
    cached_day,
    commitments_table,
    declarations_table,
    events_table,
    pillars_table,
    plain,
    read_date,
)
from tracker.statuses import OPEN, SCORED_KINDS, SCORES, Kind, Status
from tracker.timeline import (
    is_live,
    order_key,
    overdue_sql,
    own_latest_status,
    party_status_sql,
    pledged_sql,
)


def normalise_code(code: str) -> str:
    return code.strip().upper()


def suggest_codes(session: Session, code: str, limit: int = 3) -> list[str]:
    wanted = normalise_code(code)
    prefix = wanted.split("-", 1)[0]
    # Same prefix first (cheap and usually right), then everything.
    codes = list(
        session.scalars(select(Commitment.code).where(Commitment.code.like(f"{prefix}-%")))
    )
    close = difflib.get_close_matches(wanted, codes, n=limit, cutoff=0.5)
    if not close:
        codes = list(session.scalars(select(Commitment.code)))
        close = difflib.get_close_matches(wanted, codes, n=limit, cutoff=0.5)
    return close


def get_commitment(session: Session, code: str) -> Commitment:
    wanted = normalise_code(code)
    found = session.scalar(select(Commitment).where(Commitment.code == wanted))
    if found is not None:
        return found
    close = suggest_codes(session, wanted)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise NotFoundError(f"no commitment {code.strip()!r}{hint}")


def resolve_party(text: str, known: Iterable[str], what: str = "parties:") -> str:
    """The canonical spelling of a party (`uk` -> `UK`), or an error listing the choices."""
    names = list(dict.fromkeys(known))
    for name in names:
        if name.lower() == text.strip().lower():
            return name
    raise TrackerError(f"no party {text.strip()!r}; {what} {', '.join(names)}")


def json_list_contains(
    column: InstrumentedAttribute[Any] | ColumnElement[Any], value: str
) -> ColumnElement[bool]:
    # JSON arrays are stored as text on SQLite and as json on PostgreSQL; their text form holds
    # each name quoted, so a LIKE on the quoted name is exact and portable.
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(cast(column, String)).like(f'%"{escaped.lower()}"%', escape="\\")


@dataclass(frozen=True)
class ListFilter:
    statuses: Sequence[Status] = ()
    pillar: str | None = None
    party: str | None = None
    owner: str | None = None
    kinds: Sequence[Kind] = ()
    overdue_on: dt.date | None = None
    due_before: dt.date | None = None
    search: str | None = None
    # Declaration slugs (none: every declaration), checked by resolve_declarations.
    declarations: Sequence[str] = ()
    include_closed: bool = False
    limit: int | None = None
    pillar_ids: Sequence[int] | None = None  # resolved from `pillar`, in listing order
    # None: declaration, pillar and text order; else one of SORTS.
    sort: str | None = None


# --sort: the target date (soonest first), the last update (latest first) or the code; items
# without the date last, ties in listing order.
SORTS = ("target", "updated", "code")


def resolve_declarations(session: Session, slugs: Iterable[str]) -> list[int]:
    """The ids of the declarations named by slug (case-insensitive), in the order given; an
    unknown one is an error listing the loaded ones. No slugs: an empty list (every one)."""
    d = declarations_table.c
    known: dict[str, int] = {
        slug.lower(): did for did, slug in session.execute(select(d.id, d.slug).order_by(d.id))
    }
    ids: list[int] = []
    for slug in slugs:
        found = known.get(slug.strip().lower())
        if found is None:
            names = ", ".join(session.scalars(select(d.slug).order_by(d.id))) or "none loaded"
            raise TrackerError(f"no declaration {slug.strip()!r}; declarations: {names}")
        if found not in ids:
            ids.append(found)
    return ids


def resolve_pillar(
    session: Session, text: str, declaration_ids: Sequence[int] | None = None
) -> list[int]:
    """Pillar ids matching a slug or a title (case-insensitive), of these declarations (None or
    empty: any); error with the choices. A pillar belongs to its declaration: a slug that
    several declarations use is refused unless --declaration says which (never merged)."""
    wanted = text.strip().lower()
    p, d = pillars_table.c, declarations_table.c
    query = select(p.id, p.slug, p.title, d.slug).join(declarations_table, p.declaration_id == d.id)
    if declaration_ids:
        query = query.where(p.declaration_id.in_(declaration_ids))
    pillars = list(session.execute(query.order_by(d.id, p.position)))
    found = [row for row in pillars if wanted in (row[1].lower(), row[2].lower())]
    if not found:
        found = [row for row in pillars if row[1].lower().startswith(wanted)]
    if not found:
        choices = ", ".join(sorted({row[1] for row in pillars}))
        raise TrackerError(f"no pillar {text!r}; pillars: {choices}")
    owners = list(dict.fromkeys(row[3] for row in found))
    if len(owners) > 1:
        raise FieldError(
            "pillar {pillar!r} is in declarations {owners}: add {declaration} {first} (or "
            "another) to say which",
            "declaration",
            pillar=text.strip(),
            owners=", ".join(owners[:-1]) + " and " + owners[-1],
            first=owners[0],
        )
    return [row[0] for row in found]


@functools.lru_cache(maxsize=4096)
def _decoded_names(raw: str) -> tuple[str, ...]:
    names = json.loads(raw) if raw else []
    return tuple(names) if isinstance(names, list) else ()


def decode_names(raw: str | None) -> list[str]:
    """A JSON list of names read as text; most items share a few lists, so each is decoded once
    (cached as a tuple) and every caller gets its own list, which it may change freely."""
    return list(_decoded_names(raw or ""))


def name_lists() -> Callable[[str | None], list[str]]:
    """decode_names for a reader of many rows: one list per distinct text, shared by every row
    that has it (so the rows only read it): 100,000 rows hold a few lists, not 200,000."""
    shared: dict[str | None, list[str]] = {}

    def names(raw: str | None) -> list[str]:
        found = shared.get(raw)
        if found is None:
            found = shared[raw] = decode_names(raw)
        return found

    return names


def list_query(session: Session, flt: ListFilter) -> Select[*tuple[Any, ...]]:
    """The listed columns (see list_commitments), with the party's own status under --party."""
    from tracker import milestones as meeting_dates

    status: ColumnElement[str]
    c, p = commitments_table.c, pillars_table.c
    # A milestone's announced date is its items' target, as in the report.
    target = meeting_dates.target_sql(meeting_dates.known_on(session, clock.today(session)))
    columns = (
        c.code,
        c.title,
        c.pillar_id,
        c.kind,
        cast(c.parties, Text),
        cast(c.owners, Text),
        plain(target),  # read_date: SQLite's Date parses with a regular expression
        c.target_label,
        c.declaration_id,
        cast(c.inferred, Text),
        c.title_ja,
        plain(c.last_update),
    )
    if flt.party:
        own = own_latest_status(flt.party)
        status = party_status_sql(own.c.to_status, c.status)
        query = select(*columns, status, score_sql(session, status)).outerjoin(
            own, own.c.commitment_id == c.id
        )
    else:
        status = c.status
        query = select(*columns, status, score_sql(session, status))
    query = query.join(pillars_table, c.pillar_id == p.id)
    statuses = list(flt.statuses)
    if not statuses and not flt.include_closed:
        statuses = sorted(OPEN)
    if statuses:
        query = query.where(status.in_([s.value for s in statuses]))
    if flt.pillar_ids is not None:
        query = query.where(c.pillar_id.in_(flt.pillar_ids))
    elif flt.pillar:
        query = query.where(c.pillar_id.in_(_pillar_ids(session, flt)))
    if flt.declarations:
        query = query.where(c.declaration_id.in_(resolve_declarations(session, flt.declarations)))
    if flt.party:
        query = query.where(json_list_contains(c.parties, flt.party))
    if flt.owner:
        query = query.where(json_list_contains(c.owners, flt.owner))
    if flt.kinds:
        query = query.where(c.kind.in_([k.value for k in flt.kinds]))
    elif not flt.include_closed:
        # The open list is of the parties' pledges: the source's outlook only when asked for.
        query = query.where(pledged_sql())
    if flt.overdue_on is not None:
        query = query.where(overdue_sql(status, flt.overdue_on, target))
    if flt.due_before is not None:
        query = query.where(target < flt.due_before)
    if flt.search:
        pattern = f"%{flt.search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(c.code).like(pattern),
                func.lower(c.title).like(pattern),
                func.lower(c.description).like(pattern),
                func.lower(c.quote).like(pattern),
            )
        )
    listing = (c.declaration_id, p.position, c.position)
    if flt.sort == "target":
        query = query.order_by(target.is_(None), target, *listing)
    elif flt.sort == "updated":
        query = query.order_by(c.last_update.is_(None), c.last_update.desc(), *listing)
    elif flt.sort == "code":
        query = query.order_by(c.code)
    else:
        query = query.order_by(*listing)
    if flt.limit is not None:
        query = query.limit(flt.limit)
    return query


def _pillar_ids(session: Session, flt: ListFilter) -> list[int]:
    assert flt.pillar is not None
    return resolve_pillar(session, flt.pillar, resolve_declarations(session, flt.declarations))


@dataclass(slots=True)
class CommitmentRow:
    """One listed item. Not frozen: `list --all` makes 100,000, and a frozen dataclass sets
    each field through object.__setattr__, twice the cost of making one."""

    code: str
    title: str
    pillar: str
    kind: str
    parties: list[str]
    owners: list[str]
    target: dt.date | None
    target_label: str | None
    status: str
    declaration: str
    # Fields whose values the source text does not give (see Commitment.inferred).
    inferred: list[str] = dataclasses.field(default_factory=list)
    title_ja: str | None = None
    # The pillar's titles, for a listing in words (a Japanese one prints no English slug).
    pillar_title: str = ""
    pillar_title_ja: str | None = None
    # The effective date of the latest live event of any party (the cached last update).
    last_update: dt.date | None = None
    # The compliance score as the report gives it today (None: not scored, or not yet assessed).
    score: int | None = None
    # The parties' own statuses (their own latest live events), only for items that have any:
    # most have none, and `list --all` makes 100,000 rows.
    own: dict[str, str] | None = None

    @property
    def differing(self) -> dict[str, str]:
        """The parties whose own status is not the item's, with theirs (`party_differs`)."""
        if not self.own:
            return {}
        return {p: s for p, s in self.own.items() if s != self.status and p in self.parties}

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "pillar": self.pillar,
            "kind": self.kind,
            "parties": self.parties,
            "owners": self.owners,
            "target": self.target.isoformat() if self.target else None,
            "target_label": self.target_label,
            "status": self.status,
            "declaration": self.declaration,
            "inferred": self.inferred,
            "last_update": self.last_update.isoformat() if self.last_update else None,
            "score": self.score,
            "party_differs": self.differing,
        }


# Inferable fields in the order a reader meets them; a cache, as the same few maps repeat.
_FIELD_ORDER = ("parties", "owners", "target")


def ordered_fields(names: Iterable[str]) -> list[str]:
    return sorted(names, key=lambda f: (*_FIELD_ORDER, f).index(f))


@functools.lru_cache(maxsize=256)
def _inferred_fields(text: str) -> tuple[str, ...]:
    return tuple(ordered_fields(json.loads(text) if text else {}))


def inferred_fields(text: str | None) -> list[str]:
    """The field names of a stored `inferred` map (JSON text), in a stable order."""
    return list(_inferred_fields(text or ""))


def known_names(session: Session, column: Any) -> list[str]:
    """Every name in a JSON list column of commitments (parties or owners), sorted.

    Most items share a few lists, so the distinct texts are few even at 100,000 items.
    """
    names: set[str] = set()
    for raw in session.scalars(select(cast(column, Text)).distinct()):
        names.update(n for n in decode_names(raw) if isinstance(n, str))
    return sorted(names, key=str.lower)


def check_names(session: Session, flt: ListFilter) -> ListFilter:
    """An unknown --party or --owner is an error listing the known ones (as --pillar is), not
    an empty list that reads as "nothing open". The filter comes back with the party spelt as
    the items spell it: a party's own events are matched exactly, as the report matches them
    (and as verify requires them to be spelt), so "uk" finds UK's events, not events of "uk"."""
    c = commitments_table.c
    for option, wanted, column in (("party", flt.party, c.parties), ("owner", flt.owner, c.owners)):
        if not wanted:
            continue
        known = known_names(session, column)
        typed = wanted.strip()
        matches = [n for n in known if n.lower() == typed.lower()]
        if not matches:
            plural = "parties" if option == "party" else "owners"
            raise TrackerError(f"no {option} {typed!r}; {plural}: {', '.join(known) or 'none'}")
        if option == "party":
            flt = dataclasses.replace(flt, party=typed if typed in matches else matches[0])
    return flt


def list_commitments(session: Session, flt: ListFilter) -> Iterator[CommitmentRow]:
    """Rows in declaration, pillar and fixture order, streamed in batches."""
    if flt.pillar_ids is None:
        flt = check_names(session, flt)
    p, d = pillars_table.c, declarations_table.c
    pillars = {
        row.id: (row.slug, row.title, row.title_ja)
        for row in session.execute(select(p.id, p.slug, p.title, p.title_ja))
    }
    declarations: dict[int, str] = dict(session.execute(select(d.id, d.slug)).all())
    if flt.pillar and flt.limit is not None and flt.pillar_ids is None:
        # A few rows from one pillar: walk its pillars in listing order, each through the
        # (pillar_id, position) index, and stop when the limit is reached, instead of sorting
        # every matching row of every declaration first.
        ids = set(_pillar_ids(session, flt))
        ordered = session.scalars(
            select(p.id).where(p.id.in_(ids)).order_by(p.declaration_id, p.position)
        ).all()
        left = flt.limit
        for pillar_id in ordered:
            part = dataclasses.replace(flt, pillar_ids=[pillar_id], limit=left)
            for item in list_commitments(session, part):
                left -= 1
                yield item
            if left <= 0:
                return
        return
    names = name_lists()
    days = cached_day
    # Under --party the status is already that party's; otherwise each item's parties' own.
    own = {} if flt.party else own_statuses(session)
    query = list_query(session, flt).execution_options(yield_per=2000)
    for row in session.execute(query):
        (code, title, pillar_id, kind, parties, owners, target, label, declaration_id, inferred,
         title_ja, updated, status, score) = row  # fmt: skip
        slug, pillar_title, pillar_title_ja = pillars[pillar_id]
        yield CommitmentRow(
            code=code,
            title=title,
            pillar=slug,
            kind=kind,
            parties=names(parties),
            owners=names(owners),
            target=days(target) or read_date(target),
            target_label=label,
            status=status,
            declaration=declarations[declaration_id],
            inferred=inferred_fields(inferred),
            title_ja=title_ja,
            pillar_title=pillar_title,
            pillar_title_ja=pillar_title_ja,
            last_update=days(updated) or read_date(updated),
            score=score,
            own=own.get(code) if own else None,
        )


def score_sql(session: Session, status: ColumnElement[str]) -> ColumnElement[Any]:
    """An item's score as the report gives it today (tracker.statuses.item_score of
    assessed_status), in SQL: each row's in the database's C, not in Python (`list --all`):
    None for a kind that is not scored, and for an item nobody has assessed (no event, so no
    last update) until its declaration's cut-off has passed."""
    c = commitments_table.c
    assessed: ColumnElement[bool] = c.last_update.is_not(None)
    final = final_declarations(session)
    if final:
        assessed = or_(assessed, c.declaration_id.in_(sorted(final)))
    scored = [k.value for k in SCORED_KINDS]
    by_status = case({s.value: SCORES[s] for s in Status}, value=status)
    return case((and_(c.kind.in_(scored), assessed), by_status), else_=null())


def own_statuses(session: Session) -> dict[str, dict[str, str]]:
    """Per item code, each party's status by its own latest live event, for the items that
    have any. Parties' own assessments are few beside the whole-item ones: one scan of the
    party index finds them all (tracker.timeline.latest_party_events does the same as of a
    date)."""
    E, c = events_table.c, commitments_table.c
    latest: dict[tuple[str, str], Any] = {}
    for row in session.execute(
        select(E.id, c.code, E.party, E.effective_on, E.to_status)
        .join(commitments_table, c.id == E.commitment_id)
        # `>= ''`, not IS NOT NULL: the same rows (a party is a name), and SQLite walks the
        # party index for a range where it scans every event for IS NOT NULL.
        .where(E.party >= "", is_live())
    ):
        key = (row.code, row.party)
        if key not in latest or order_key(row) > order_key(latest[key]):
            latest[key] = row
    found: dict[str, dict[str, str]] = {}
    for (code, party), row in latest.items():
        found.setdefault(code, {})[party] = row.to_status
    return found


def final_declarations(session: Session) -> set[int]:
    """The declarations whose cut-off has passed today: their unassessed commitments score as
    not started (tracker.statuses.assessed_status)."""
    from tracker import milestones as meeting_dates
    from tracker.statuses import is_final

    today = clock.today(session)
    known = meeting_dates.known_on(session, today)
    d = declarations_table.c
    return {
        row.id
        for row in session.execute(select(d.id, d.cutoff))
        if is_final(meeting_dates.cutoff_on(known, row), today)  # type: ignore[arg-type]
    }
