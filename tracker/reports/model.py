"""The report model: every figure a report shows, as plain data.

Built by tracker.reports.build (the queries) and read by one renderer per format; nothing here
touches the database, so a renderer runs on a model made by hand as well as on one built.
Figures follow the G7 Research Group: completion and mean compliance score are computed over
items of kind `commitment`; ongoing and prospective items are counted and listed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from operator import attrgetter
from pathlib import PurePath
from typing import Generic, NamedTuple, TypeVar

from tracker.chain import AnchorTuple, anchor_digest
from tracker.statuses import CREDIT, N_, SCORES, STATUSES, Kind, Status

SCHEMA_VERSION = 3

# Rows of each of page one's lists (changes, attention lists, the party matrix); the rest are in
# the annex or the full tables.
PAGE_ONE_ROWS = 8


def reason_line(reason: str | None, note: str) -> str | None:
    """An event's one-line why: its recorded reason, else the first line of its note."""
    for text in (reason, note):
        first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
        if first:
            return first
    return None


# What each figure means, keyed by the name JSON uses; METHOD_LABELS names them for people.
METHOD = {
    "kinds": N_(
        "Each item has a kind that says who says what, and how firmly. A commitment: the "
        "parties commit, agree or undertake to do something specific; it is scored. A priority: "
        "the parties recognise, identify, emphasise or discuss a topic; it is tracked, not scored. "
        "Ongoing: cooperation the text describes as already happening; not scored. Outlook: the "
        "source's own commentary or forecast, not the parties' words; not scored, and shown apart "
        "from the parties' pledges."
    ),
    "counts": N_("Items by their status on the as-of date, every kind included."),
    "completion_rate": N_(
        "Achieved commitments divided by all commitments (items of the other kinds are not scored)."
    ),
    "completion_rate_partial": N_(
        "As the completion rate, with partially achieved commitments counted as half."
    ),
    "mean_score": N_(
        "The mean compliance score of the commitments, from −1 to +1 (the G7 Research "
        "Group's scale): achieved +1; in progress and partially achieved 0; not started, "
        "stalled and dropped −1. Items of other kinds show 'not scored'."
    ),
    "per_party": N_(
        "A party's figures use, for each commitment it is party to, that party's own "
        "latest assessment (an event recorded for that party), else the item's status as a whole. "
        "A third "
        "party (such as Italy) appears once it has an assessment of its own."
    ),
    "party_mean_score": N_(
        "The all-parties average: the mean of every party's score on every "
        "commitment it is party to (the G7 Research Group's headline figure), with the number of "
        "(party, commitment) scores it averages."
    ),
    "overdue": N_("Items whose target date is before the as-of date and that are not achieved."),
    "due_soon": N_("Open items with a target date from the as-of date to the next milestone."),
    "changes": N_(
        "Events effective from the 'since' date to the as-of date; by default since the "
        "previous milestone, else the declaration date, else 30 days before the as-of date."
    ),
    "status_as_of": N_(
        "Rebuilt from the event history: the last event effective on or before the as-of date."
    ),
    "inferred": N_(
        "A value marked (inferred) is not in the source text: an owner, target or party "
        "assigned by the analyst or taken from other public reporting."
    ),
}

METHOD_LABELS = {
    "kinds": N_("What is scored"),
    "counts": N_("Counts"),
    "completion_rate": N_("Completion rate"),
    "completion_rate_partial": N_("With partial credit"),
    "mean_score": N_("Mean compliance score"),
    "per_party": N_("Per party"),
    "party_mean_score": N_("All-parties average"),
    "overdue": N_("Overdue"),
    "due_soon": N_("Due by the next milestone"),
    "changes": N_("Changes since"),
    "status_as_of": N_("Status as of a date"),
    "inferred": N_("Inferred values"),
}


# An item's anchor as a plain tuple (chain.AnchorTuple), read in C.
_anchor_of = attrgetter("code", "chain_length", "chain_head", "content_hash")


class Source(NamedTuple):
    """A piece of evidence as a report cites it: by its title and date, the reference as the
    link (or, for a local file, its name)."""

    reference: str
    title: str | None = None
    published_on: dt.date | None = None

    @property
    def name(self) -> str:
        """What a reader sees: the title, else a local file's name, else the reference."""
        if self.title:
            return self.title
        ref = self.reference.strip()
        if "://" in ref:
            return ref
        return PurePath(ref).name or ref


@dataclass(slots=True)
class EventLine:
    id: int
    code: str
    title: str
    on: dt.date
    recorded_at: dt.datetime
    from_status: Status
    to_status: Status
    note: str
    reason: str | None
    actor: str
    evidence: Sequence[Source]  # read-only: events without evidence share one empty tuple
    party: str | None = None
    corrects_id: int | None = None

    @property
    def effective_on(self) -> dt.date:
        """The date by its name in status_events, which tracker.timeline orders events by."""
        return self.on


@dataclass(slots=True)
class ItemLine:
    code: str
    title: str
    pillar: str
    pillar_title: str
    kind: Kind
    # Read-only: items with the same lists share one (reports/build.py).
    parties: Sequence[str]
    owners: Sequence[str]
    target_date: dt.date | None
    target_label: str | None
    status: Status
    # None for a kind that is not scored (never -1 for it): see tracker.statuses.item_score.
    score: int | None
    overdue: bool
    last_event: EventLine | None
    # Each responsible party's status on the as-of date: its own latest event, else the whole.
    party_status: dict[str, Status] = field(default_factory=dict)
    # The hash at the end of the item's event chain when the report was made (tracker verify).
    chain_head: str = ""
    # Its length (tracker verify --against compares it with a saved copy's).
    chain_length: int = 0
    # The project's unofficial Japanese translations (None: not translated yet).
    title_ja: str | None = None
    pillar_title_ja: str | None = None
    target_label_ja: str | None = None

    # The hash of its text, as stored by `load` (tracker.anchor.store_content_hashes) and
    # checked by `verify`.
    content_hash: str = ""

    # Why the item has its kind, in the text's operative words (fixtures/README.md).
    basis: str = ""
    # Fields whose values the source text does not give -> where they come from.
    inferred: Mapping[str, str] = field(default_factory=dict)
    # Scoring guidelines {"-1", "0", "+1"} -> text, read only when the report prints them.
    guidelines: Mapping[str, str] | None = None
    # The owners' Japanese names (None: none given); each inferred field's kind of origin
    # (tracker.provenance) and its note in Japanese.
    owners_ja: Sequence[str] | None = None
    inferred_origins: Mapping[str, str] = field(default_factory=dict)
    inferred_ja: Mapping[str, str] = field(default_factory=dict)
    # Whether anyone has assessed it (an event for it on or before the as-of date), and the
    # parties nobody has assessed (no event of their own nor one for the whole item): before the
    # cut-off these have no score (tracker.statuses.assessed_status). Read-only, shared.
    assessed: bool = True
    unassessed_parties: Sequence[str] = ()
    # The slug of the declaration it belongs to (codes are unique across declarations).
    declaration: str = ""
    # The earlier items it continues (follows or reaffirms), with their status: read-only.
    continues: Sequence[Continuation] = ()

    @property
    def scored(self) -> bool:
        return self.kind.scored


@dataclass(frozen=True)
class Figures:
    items: int
    counts: dict[Status, int]
    # Items by kind: how many are firm commitments (scored), priorities, ongoing and outlook.
    kinds: dict[Kind, int]
    # The scored items (commitments) by status: what a progress bar colours as scored.
    scored_counts: dict[Status, int]
    commitments: int
    # The commitments someone has assessed (all of them in a final assessment): the figures
    # below are over these; the rest are "not yet assessed".
    assessed: int
    achieved: int
    completion_rate: float | None
    completion_rate_partial: float | None
    mean_score: float | None
    # The sum of the scores behind mean_score: an average over several Figures weighs by it.
    score_sum: int = 0

    @classmethod
    def of(cls, assessed: Iterable[tuple[Kind, Status | None]]) -> Figures:
        """Figures over (kind, status) pairs: one per item, with the status being scored, None
        for an item not yet assessed (statuses.assessed_status): counted as not started, but
        in no figure.

        The pairs are tallied once (in C, by Counter); everything else works on the at most
        eighteen distinct pairs, so 100,000 items cost one pass.
        """
        return cls.tallied(Counter(assessed))

    @classmethod
    def tallied(cls, tally: Mapping[tuple[Kind, Status | None], int]) -> Figures:
        """Figures over (kind, status) pairs already counted (a database's GROUP BY)."""
        counts = dict.fromkeys(STATUSES, 0)
        kinds = dict.fromkeys(Kind, 0)
        scored_counts = dict.fromkeys(STATUSES, 0)
        commitments = n = achieved = 0
        credit = 0.0
        score = 0
        for (kind, assessed), k in tally.items():
            status = Status.NOT_STARTED if assessed is None else assessed
            counts[status] += k
            kinds[kind] += k
            if kind.scored:
                scored_counts[status] += k
                commitments += k
                if assessed is None:
                    continue
                n += k
                achieved += k if status is Status.ACHIEVED else 0
                credit += CREDIT[status] * k
                score += SCORES[status] * k
        return cls(
            items=sum(tally.values()),
            counts=counts,
            kinds=kinds,
            scored_counts=scored_counts,
            commitments=commitments,
            assessed=n,
            achieved=achieved,
            completion_rate=achieved / n if n else None,
            completion_rate_partial=credit / n if n else None,
            mean_score=score / n if n else None,
            score_sum=score,
        )


@dataclass(frozen=True)
class PillarFigures:
    slug: str
    title: str
    figures: Figures
    title_ja: str | None = None


@dataclass(frozen=True)
class PartyFigures:
    party: str
    figures: Figures


@dataclass(frozen=True)
class HistoryPoint:
    """Items by status at the end of a day: the burn-up's data."""

    on: dt.date
    counts: dict[Status, int]


@dataclass(frozen=True, slots=True)
class Move:
    """One item's net change over a report's window (page one): its status the day before
    `since` and on the as-of date, the parties whose own status moved otherwise, and the latest
    evidence recorded in the window."""

    code: str
    title: str
    # The date of its latest change in the window, and how many changes the window holds.
    on: dt.date
    changes: int
    from_status: Status
    to_status: Status
    # (party, from, to) of each party whose own status differs from the item's at either end.
    parties: Sequence[tuple[str, Status, Status]] = ()
    evidence: Source | None = None
    title_ja: str | None = None

    @property
    def moved(self) -> bool:
        return self.from_status is not self.to_status


@dataclass(frozen=True, slots=True)
class Why:
    """Since when an item on page one's stalled or overdue list has been so, and the one-line
    reason recorded (the event's reason, else the first line of its note; None: none)."""

    since: dt.date
    text: str | None = None


@dataclass(frozen=True, slots=True)
class PartyCell:
    """One party's standing on a scored commitment: its status (None: not yet assessed), score,
    and the date of the assessment it follows; `own`: an assessment of its own, not the
    item's as a whole."""

    party: str
    status: Status | None
    score: int | None
    on: dt.date | None
    own: bool


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """A scored commitment with each of its parties' standing (the side-by-side matrix)."""

    code: str
    title: str
    cells: Sequence[PartyCell]
    title_ja: str | None = None

    @property
    def differs(self) -> bool:
        """Whether the parties stand differently on it."""
        return len({c.status for c in self.cells}) > 1

    def cell(self, party: str) -> PartyCell | None:
        return next((c for c in self.cells if c.party == party), None)


@dataclass(frozen=True)
class Milestone:
    """A meeting the items' targets name, with its date as known on the as-of date."""

    title: str
    date: dt.date
    days_left: int
    title_ja: str | None = None
    # The day its date was announced (tracker milestone set); None: not announced.
    announced_on: dt.date | None = None
    # Whether `date` is only the deadline the text implies ("in 2026": 31 December), no
    # meeting date having been announced.
    deadline: bool = False
    slug: str = ""
    # The slug of the declaration whose milestone it is.
    declaration: str = ""


@dataclass(frozen=True)
class DeclarationInfo:
    slug: str
    title: str
    date: dt.date
    place: str
    parties: list[str]
    source: str
    # Covers the source text too (tracker.chain.declaration_hash), for verify --against.
    content_hash: str = ""
    # Fields whose values the source text does not give (date, place) -> where they come from.
    inferred: dict[str, str] = field(default_factory=dict)
    title_ja: str | None = None
    place_ja: str | None = None
    inferred_origins: dict[str, str] = field(default_factory=dict)
    inferred_ja: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeclarationFigures:
    """One declaration's figures in a report over several: over its own items, for its own
    compliance period (its cut-off, its final assessment after it) and with its own "since"
    (its previous milestone, else its date); equal to the report filtered to it."""

    slug: str
    title: str
    date: dt.date
    overall: Figures
    parties: list[PartyFigures]
    cutoff: dt.date | None = None
    final: bool = False
    since: dt.date | None = None
    title_ja: str | None = None

    @property
    def party_scores(self) -> int:
        return sum(p.figures.assessed for p in self.parties)

    @property
    def party_mean_score(self) -> float | None:
        n = self.party_scores
        return sum(p.figures.score_sum for p in self.parties) / n if n else None


@dataclass(frozen=True, slots=True)
class Continuation:
    """An earlier item a reported item continues (tracker.links), with its whole-item status on
    the as-of date and the day that status took effect (None: never assessed)."""

    code: str
    declaration: str
    link: str  # follows or reaffirms
    status: Status
    since: dt.date | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class Cut(Generic[T]):
    """A list as a report shows it: its first rows, and how many it holds in all. A report of
    everything is a cut at infinity: its rows are all of them."""

    rows: Sequence[T]
    total: int

    @property
    def more(self) -> int:
        """How many are not among the rows."""
        return self.total - len(self.rows)


@dataclass(frozen=True)
class Stream(Generic[T]):
    """Every row of a list too long to hold, read as it is iterated: the changes of a report
    that writes them as it reads them (JSON). The command that built the report keeps the
    session they come from open until its renderer is done; they are not counted."""

    rows: Iterable[T]
    total: None = None
    more: int = 0


@dataclass(frozen=True)
class ItemCut(Cut[ItemLine]):
    """A list of items cut for a screen. The marks a footnote explains (overdue "!", inferred
    target "*") are looked for among all `total` items, not only the rows shown."""

    any_overdue: bool = False
    any_inferred_target: bool = False

    @classmethod
    def of(cls, items: Sequence[ItemLine], rows: int | None = None) -> ItemCut:
        """The first `rows` of `items` (None: all of them)."""
        return cls(
            rows=list(items if rows is None else items[:rows]),
            total=len(items),
            any_overdue=any(i.overdue for i in items),
            any_inferred_target=any("target" in i.inferred for i in items),
        )


@dataclass(frozen=True)
class Report:
    """Every figure and list a report shows, as tracker.reports.build made it.

    One shape whatever the format: each list is a Cut (a screen's first rows with its total; a
    document's every row), the changes a Cut or, for the JSON report, a Stream. Which items
    each list holds is decided by the rules of tracker.timeline, not here.
    """

    declarations: list[DeclarationInfo]
    generated_on: dt.date
    as_of: dt.date
    since: dt.date | None
    milestones: list[Milestone]
    overall: Figures
    pillars: list[PillarFigures]
    parties: list[PartyFigures]
    # What the parties said (commitments, priorities, ongoing cooperation), in report order.
    pledges: ItemCut
    # The source's own commentary or forecast: shown apart from the parties' pledges.
    outlook: ItemCut
    due_soon: ItemCut
    overdue: ItemCut
    stalled: ItemCut
    # Newest first.
    changes: Cut[EventLine] | Stream[EventLine]
    # One digest over the chain heads of every item reported, as `tracker verify` prints it.
    heads_digest: str
    # How many pledges (the outlook apart: nobody's pledge) are open on the as-of date.
    open_pledges: int
    filters: dict[str, str] = field(default_factory=dict)
    history: list[HistoryPoint] = field(default_factory=list)
    with_history: bool = True
    # How the report presents itself: a title of its own, who prepared it, and a protective
    # marking such as OFFICIAL (header and print footer).
    title: str | None = None
    prepared_by: str | None = None
    marking: str | None = None
    # Where a reader finds the rows a cut list leaves out, as the program that made the report
    # says it (the command line names its own command); None: not said.
    every_row: str | None = None
    # The end of the compliance period (None: none set); after it the figures are the final
    # assessment, each item's status on the cut-off date, unassessed commitments at -1.
    cutoff: dt.date | None = None
    final: bool = False
    # Page one: each changed item's net change (the newest first; all the changes are the
    # annex's), since when and why the first stalled and overdue items are so (by code), and the
    # scored commitments by party (the differences first).
    moves: Cut[Move] = field(default_factory=lambda: Cut((), 0))
    why: Mapping[str, Why] = field(default_factory=dict)
    matrix: Cut[MatrixRow] = field(default_factory=lambda: Cut((), 0))
    # How many scored commitments the parties stand on differently (the matrix's first rows).
    differences: int = 0
    # Each declaration's own figures (one per declaration reported, in report order), and
    # whether their compliance periods match (the same cut-off): only then are the combined
    # figures one period's.
    by_declaration: list[DeclarationFigures] = field(default_factory=list)
    periods_match: bool = True

    @property
    def several(self) -> bool:
        """Whether the report covers more than one declaration (figures shown apart)."""
        return len(self.by_declaration) > 1

    def first(self, rows: int) -> Report:
        """The same report with each list cut at `rows` rows at most (its totals kept)."""

        def cut(items: ItemCut) -> ItemCut:
            return replace(items, rows=list(items.rows[:rows]))

        changes = self.changes
        if isinstance(changes, Cut):
            changes = Cut(list(changes.rows[:rows]), changes.total)
        stalled = cut(self.stalled)
        return replace(
            self,
            why={i.code: self.why[i.code] for i in stalled.rows if i.code in self.why},
            pledges=cut(self.pledges),
            outlook=cut(self.outlook),
            due_soon=cut(self.due_soon),
            overdue=cut(self.overdue),
            stalled=stalled,
            changes=changes,
        )

    @property
    def complete(self) -> bool:
        """Whether the item lists hold every item (a report of everything)."""
        return not (self.pledges.more or self.outlook.more)

    @cached_property
    def items(self) -> list[ItemLine]:
        """The items listed: the pledges, then the outlook (every item of a complete report)."""
        return [*self.pledges.rows, *self.outlook.rows]

    @property
    def party_mean_score(self) -> float | None:
        """The all-parties average: every party's score on every commitment it is party to."""
        n = self.party_scores
        return sum(p.figures.score_sum for p in self.parties) / n if n else None

    @property
    def party_scores(self) -> int:
        """How many (party, commitment) scores party_mean_score averages: the assessed ones."""
        return sum(p.figures.assessed for p in self.parties)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        titles = "; ".join(d.title for d in self.declarations) or "No declaration loaded"
        return f"Status report: {titles}"

    @property
    def previous_milestone(self) -> Milestone | None:
        past = [m for m in self.milestones if m.days_left < 0]
        return max(past, key=lambda m: m.date) if past else None

    @property
    def next_milestone(self) -> Milestone | None:
        upcoming = [m for m in self.milestones if m.days_left >= 0]
        return min(upcoming, key=lambda m: m.date) if upcoming else None

    def anchor_items(self) -> list[AnchorTuple]:
        """Each listed item's chain end and content hash, as the JSON report writes them (a
        complete report's: every item)."""
        return list(map(_anchor_of, self.items))

    def anchor_digest(self, items: list[AnchorTuple] | None = None) -> str:
        """The anchor digest over the declarations and items reported; of an unfiltered
        complete report, the one `tracker verify` prints."""
        return anchor_digest(
            ((d.slug, d.content_hash) for d in self.declarations),
            self.anchor_items() if items is None else items,
        )
