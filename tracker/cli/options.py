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
        help="Language of the text: en or ja [default: TRACKER_LANG, then `tracker config`, "
        "then the locale, then en].",
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
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel",
        help="csv for Excel: a UTF-8 byte-order mark and CRLF line ends (report: and a score "
        "column of numbers only, its text in score_label).",
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
        help="Publication date of each -e in order (YYYY-MM-DD, yesterday, ...).",
        show_default=False,
    ),
]


AttachOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--attach",
        metavar="FILE",
        help="Keep this document in the database as evidence, by its SHA-256 (repeatable; "
        "at most 25 MB, or TRACKER_ATTACHMENT_MAX_MB).",
        show_default=False,
    ),
]


def attachment_specs(paths: list[Path] | None) -> list[EvidenceSpec]:
    """Each --attach FILE read (before any transaction opens) as document evidence."""
    from tracker.attachments import read_document
    from tracker.progress import attachment_spec

    return [attachment_spec(read_document(path)) for path in paths or []]


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

    if not refs and (kinds or titles or dates):
        raise TrackerError("evidence details need --evidence")
    specs = []
    # Each date read (and echoed back) once, before it is paired with every -e it applies to.
    days: list[dt.date | None] | None = (
        [parse_date(d, "--evidence-date", today) for d in dates] if dates else None
    )
    kind_each = _spread(kinds, "--evidence-kind", len(refs))
    title_each = _spread(titles, "--evidence-title", len(refs))
    day_each = _spread(days, "--evidence-date", len(refs))
    for ref, kind, title, day in zip(refs, kind_each, title_each, day_each, strict=True):
        specs.append(
            EvidenceSpec(
                reference=ref,
                kind=(kind or "other").strip().lower().replace("-", "_").replace(" ", "_"),
                title=title,
                published_on=day,
            )
        )
    return specs


def _spread(values: list[T] | None, option: str, count: int) -> list[T | None]:
    """A detail for each of `count` --evidence: none, one for all, or one each."""
    if not values:
        return [None] * count
    if len(values) == 1:
        return [values[0]] * count
    if len(values) != count:
        raise TrackerError(
            f"{option} given {len(values)} times for {count} --evidence; "
            "give it once (for all) or once per --evidence"
        )
    return list(values)


def parse_date(
    value: str | None, option: str, today: Callable[[], dt.date], *, month_end: bool = False
) -> dt.date | None:
    """A date as people say it (tracker.dates: YYYY-MM-DD, today, 3 days ago, last week,
    2026-11, 2026年11月...); `today` reads the tracker's clock (tracker.clock), only when a
    relative word needs it. What was not typed as an ISO date is echoed back as one on stderr,
    so the user sees what was understood ("--since last week: 2026-11-30")."""
    if value is None:
        return None
    from tracker.dates import DateWordError, is_iso, read_date

    try:
        day = read_date(value, today, month_end=month_end)
    except DateWordError as exc:
        raise InputError(
            f"{option}: {exc}; use YYYY-MM-DD, YYYY-MM, today, yesterday, N days ago, "
            "last week or last month"
        ) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        # Far outside any declaration's life, and where date arithmetic (the report's 30 days
        # before --as-of) would overflow: a typo, said so.
        raise InputError(
            f"{option}: {day.isoformat()} is out of range "
            f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})"
        )
    if not is_iso(value):
        from tracker.scrub import one_line

        typer.echo(f"{option} {one_line(value.strip())}: {day.isoformat()}", err=True)
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
