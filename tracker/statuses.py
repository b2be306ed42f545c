"""The domain rules: statuses, which moves need a reason, and the compliance score.

Pure and import-free on purpose: the CLI, the loader, the report and the tests all read the
rules from here, and the README documents exactly this table.

Scores follow the G7 Research Group's compliance scale: +1 full compliance, 0 partial or work
under way, -1 no compliance (nothing done yet, stalled, or abandoned).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


def N_(message: str) -> str:
    """Mark a string for the message catalogs (tracker.i18n translates it where it is shown)."""
    return message


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    STALLED = "stalled"
    PARTIALLY_ACHIEVED = "partially_achieved"
    ACHIEVED = "achieved"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return LABELS[self]


class Kind(StrEnum):
    """Who says what, and how firmly (fixtures/README.md gives the test for each).

    Only a firm commitment of the parties is scored; the rest are tracked and listed.
    """

    COMMITMENT = "commitment"  # the parties commit, agree or undertake to do something specific
    PRIORITY = "priority"  # a priority or topic the parties state (recognise, identify, discuss)
    ONGOING = "ongoing"  # cooperation the text describes as already happening
    OUTLOOK = "outlook"  # the source's own commentary or forecast, not the parties' words

    @property
    def scored(self) -> bool:
        return self in SCORED_KINDS

    @property
    def pledged(self) -> bool:
        """The parties' own words (every kind but the source's outlook): what can fall due."""
        return self is not Kind.OUTLOOK


SCORED_KINDS: frozenset[Kind] = frozenset({Kind.COMMITMENT})
# Kinds of earlier versions, read as the kind that replaced them (databases and fixtures).
FORMER_KINDS: dict[str, Kind] = {"prospective": Kind.OUTLOOK}

DEFAULT_STATUS = Status.NOT_STARTED
STATUSES: tuple[Status, ...] = tuple(Status)
# Status by its value, for readers of many rows: a lookup here costs a tenth of Status(value).
STATUS_BY_VALUE: dict[str, Status] = {s.value: s for s in Status}
KINDS: tuple[Kind, ...] = tuple(Kind)

OPEN: frozenset[Status] = frozenset({Status.NOT_STARTED, Status.IN_PROGRESS, Status.STALLED})
# Leaving one of these re-opens a settled assessment, so it must be justified.
SETTLED: frozenset[Status] = frozenset({Status.ACHIEVED, Status.PARTIALLY_ACHIEVED, Status.DROPPED})

SCORES: dict[Status, int] = {
    Status.ACHIEVED: 1,
    Status.IN_PROGRESS: 0,
    Status.PARTIALLY_ACHIEVED: 0,
    Status.NOT_STARTED: -1,
    Status.STALLED: -1,
    Status.DROPPED: -1,
}

# The scoring guideline a settled status claims to meet (a scored item's "-1", "0", "+1").
CLAIMS: dict[Status, str] = {Status.ACHIEVED: "+1", Status.PARTIALLY_ACHIEVED: "0"}

# Credit towards a completion rate with partial credit: achieved counts fully, partly half.
CREDIT: dict[Status, float] = dict.fromkeys(Status, 0.0) | {
    Status.ACHIEVED: 1.0,
    Status.PARTIALLY_ACHIEVED: 0.5,
}

LABELS: dict[Status, str] = {
    Status.NOT_STARTED: N_("not started"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.STALLED: N_("stalled"),
    Status.PARTIALLY_ACHIEVED: N_("partially achieved"),
    Status.ACHIEVED: N_("achieved"),
    Status.DROPPED: N_("dropped"),
}

KIND_LABELS: dict[Kind, str] = {
    Kind.COMMITMENT: N_("commitment"),
    Kind.PRIORITY: N_("priority"),
    Kind.ONGOING: N_("ongoing"),
    Kind.OUTLOOK: N_("outlook"),
}


# The kinds in a narrow column (`tracker list`).
KIND_SHORT: dict[Kind, str] = {
    Kind.COMMITMENT: N_("commit"),
    Kind.PRIORITY: N_("priority"),
    Kind.ONGOING: N_("ongoing"),
    Kind.OUTLOOK: N_("outlook"),
}


class TransitionError(ValueError):
    """A move the rules do not allow as asked."""


class ReasonRequired(TransitionError):
    """A move that re-opens a settled assessment, asked without a reason."""


def parse_status(text: str) -> Status:
    """Accept `in_progress`, `in-progress` or `In Progress`; reject anything else."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Status(key)
    except ValueError:
        valid = ", ".join(STATUSES)
        raise TransitionError(f"invalid status {text!r}; valid statuses: {valid}") from None


def parse_kind(text: str) -> Kind:
    key = text.strip().lower()
    if key in FORMER_KINDS:
        return FORMER_KINDS[key]
    try:
        return Kind(key)
    except ValueError:
        valid = ", ".join(KINDS)
        raise TransitionError(f"invalid kind {text!r}; valid kinds: {valid}") from None


def item_score(kind: Kind, status: Status | None) -> int | None:
    """An item's compliance score, or None when its kind is not scored (never -1 for it) or
    nobody has assessed it yet (see assessed_status)."""
    return SCORES[status] if status is not None and kind in SCORED_KINDS else None


def is_final(cutoff: dt.date | None, on: dt.date) -> bool:
    """Whether figures as of `on` are the final assessment: the cut-off, if any, has passed."""
    return cutoff is not None and on > cutoff


def unscored_label(kind: Kind) -> str:
    """Why an item has no score (the message; each format words it): its kind is not scored,
    or, for a commitment, nobody has assessed it yet."""
    return N_("not yet assessed") if kind.scored else N_("not scored")


def assessed_status(status: Status, assessed: bool, final: bool) -> Status | None:
    """The status a figure counts: None ("not yet assessed": no score, in no mean) for an item
    nobody has assessed, until the declaration's cut-off; in the final assessment after it, the
    status as it stands (so an unassessed commitment counts as not started, -1: the G7 Research
    Group's rule). An explicitly recorded status, not started included, is an assessment."""
    return status if assessed or final else None


def needs_reason(old: Status, new: Status) -> bool:
    """Leaving a settled status (achieved, partially achieved, dropped) needs a reason.

    The one forward move out of a settled status, partially achieved -> achieved, does not;
    nor does keeping the same status (a note with new evidence).
    """
    if old not in SETTLED or new == old:
        return False
    return not (old is Status.PARTIALLY_ACHIEVED and new is Status.ACHIEVED)


def check_transition(old: Status, new: Status, reason: str | None) -> None:
    if needs_reason(old, new) and not (reason and reason.strip()):
        raise ReasonRequired(f"moving from {old} to {new} re-opens a settled assessment")
