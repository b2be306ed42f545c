"""What the commands take: option aliases, completion, and parsing dates, statuses and
evidence (the session is tracker.cli.running's, output tracker.cli.output's).

Only Typer and the standard library are imported here, so `tracker --help` and shell completion
stay fast; commands import the database layer inside their bodies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from tracker.errors import InputError, TrackerError
from tracker.statuses import KINDS, STATUSES, Kind, Status, parse_kind, parse_status

T = TypeVar("T")

if TYPE_CHECKING:
    from tracker.progress import EvidenceSpec


def complete_status(incomplete: str) -> list[str]:
    return [s.value for s in STATUSES if s.value.startswith(incomplete)]


def complete_kind(incomplete: str) -> list[str]:
    return [k.value for k in KINDS if k.value.startswith(incomplete)]


def _database_names(
    ctx: typer.Context, incomplete: str, read: Callable[[str], list[str]]
) -> list[str]:
    """The names (from tracker.names) that start with what was typed, from the database this
    command line names. During completion the root callback has not run: --db (or its
    environment variable) is in the root's parameters. Typer matches case-sensitively, so we do."""
    from tracker.config import resolve_url
    from tracker.scrub import visible

    try:
        url = resolve_url(ctx.find_root().params.get("db"))
    except TrackerError:
        return []
    # A name with a control or line-breaking character (a database someone sent) is not
    # offered: the shell would print it raw, or take it for several candidates.
    return [n for n in read(url) if n.startswith(incomplete) and visible(n) == n]


def complete_code(ctx: typer.Context, incomplete: str) -> list[str]:
    from tracker import names

    return _database_names(ctx, incomplete, names.codes)


def complete_pillar(ctx: typer.Context, incomplete: str) -> list[str]:
    from tracker import names

    return _database_names(ctx, incomplete, names.pillars)


def complete_party(ctx: typer.Context, incomplete: str) -> list[str]:
    from tracker import names

    return _database_names(ctx, incomplete, names.parties)


STATUS_CHOICES = ", ".join(STATUSES)

CodeArg = Annotated[
    str,
    typer.Argument(
        metavar="CODE",
        help="Commitment code, e.g. CYB-02.",
        autocompletion=complete_code,
        show_default=False,
    ),
]
StatusOpt = Annotated[
    str,
    typer.Option(
        "--status",
        "-s",
        metavar="STATUS",
        help=f"New status: {STATUS_CHOICES}.",
        autocompletion=complete_status,
        show_default=False,
    ),
]
StatusesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        "-s",
        metavar="STATUS",
        help=f"Only these statuses (repeatable): {STATUS_CHOICES}.",
        autocompletion=complete_status,
        show_default=False,
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar="LANG",
        help="Language of the text: en or ja [default: TRACKER_LANG, then the locale, then en].",
        show_default=False,
    ),
]
PillarOpt = Annotated[
    str | None,
    typer.Option(
        "--pillar",
        "-p",
        metavar="PILLAR",
        help="Pillar slug or title.",
        autocompletion=complete_pillar,
        show_default=False,
    ),
]
PartyOpt = Annotated[
    str | None,
    typer.Option(
        "--party",
        metavar="PARTY",
        help="Only items this party is responsible for.",
        autocompletion=complete_party,
    ),
]
DeclarationOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--declaration",
        metavar="SLUG",
        help="Only this declaration (repeatable) [default: all].",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to this file (atomically) instead of stdout.",
    ),
]
BeforeDeclarationOpt = Annotated[
    bool,
    typer.Option(
        "--before-declaration",
        help="Accept an --on date before the declaration's own (a genuine earlier fact).",
    ),
]
EvidenceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--evidence",
        "-e",
        metavar="SOURCE",
        help="URL or document citation (repeatable).",
        show_default=False,
    ),
]
EvidenceKindOpt = Annotated[
    list[str] | None,
    typer.Option(
        metavar="KIND",
        help="official_statement, news_report, document or other, for each -e in order.",
        show_default=False,
    ),
]
EvidenceTitleOpt = Annotated[
    list[str] | None,
    typer.Option(metavar="TITLE", help="Title of each -e in order.", show_default=False),
]
EvidenceDateOpt = Annotated[
    list[str] | None,
    typer.Option(
        metavar="DATE",
        help="Publication date of each -e in order (YYYY-MM-DD).",
        show_default=False,
    ),
]


def evidence_specs(
    references: list[str] | None,
    kinds: list[str] | None,
    titles: list[str] | None,
    dates: list[str] | None,
    today: Callable[[], dt.date],
) -> list[EvidenceSpec]:
    """Pair -e with its details in order; one detail given once applies to every -e."""
    from tracker.progress import EvidenceSpec

    refs = references or []

    def spread(values: list[str] | None, option: str) -> list[str | None]:
        if not values:
            return [None] * len(refs)
        if len(values) == 1:
            return [values[0]] * len(refs)
        if len(values) != len(refs):
            raise TrackerError(
                f"{option} given {len(values)} times for {len(refs)} --evidence; "
                "give it once (for all) or once per --evidence"
            )
        return list(values)

    if not refs and (kinds or titles or dates):
        raise TrackerError("evidence details need --evidence")
    specs = []
    for ref, kind, title, day in zip(
        refs,
        spread(kinds, "--evidence-kind"),
        spread(titles, "--evidence-title"),
        spread(dates, "--evidence-date"),
        strict=True,
    ):
        specs.append(
            EvidenceSpec(
                reference=ref,
                kind=(kind or "other").strip().lower().replace("-", "_").replace(" ", "_"),
                title=title,
                published_on=parse_date(day, "--evidence-date", today),
            )
        )
    return specs


def parse_date(value: str | None, option: str, today: Callable[[], dt.date]) -> dt.date | None:
    """A date given as YYYY-MM-DD, "today" or "yesterday"; `today` reads the tracker's clock
    (tracker.clock), only when a relative word needs it."""
    if value is None:
        return None
    text = value.strip().lower()
    if text == "today":
        return today()
    if text == "yesterday":
        return today() - dt.timedelta(days=1)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise TrackerError(
            f"{option}: invalid date {value!r}; use YYYY-MM-DD (or 'today')"
        ) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        # Far outside any declaration's life, and where date arithmetic (the report's 30 days
        # before --as-of) would overflow: a typo, said so.
        raise InputError(
            f"{option}: {day.isoformat()} is out of range "
            f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})"
        )
    return day


EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(9000, 12, 31)


def parse_statuses(values: list[str] | None) -> list[Status]:
    try:
        return [parse_status(v) for v in values or []]
    except ValueError as exc:
        raise TrackerError(str(exc)) from None


def parse_kinds(values: list[str] | None) -> list[Kind]:
    try:
        return [parse_kind(v) for v in values or []]
    except ValueError as exc:
        raise TrackerError(str(exc)) from None
