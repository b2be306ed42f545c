"""What the commands share: option aliases, date parsing, the session for this invocation.

Only Typer and the standard library are imported here, so `tracker --help` and shell completion
stay fast; commands import the database layer inside their bodies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, TypeVar

import typer

from tracker.errors import InputError, TrackerError
from tracker.statuses import KINDS, STATUSES, Kind, Status, parse_kind, parse_status

T = TypeVar("T")

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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

    try:
        url = resolve_url(ctx.find_root().params.get("db"))
    except TrackerError:
        return []
    return [name for name in read(url) if name.startswith(incomplete)]


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
    str | None,
    typer.Option("--declaration", metavar="SLUG", help="Declaration slug (default: all)."),
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
                published_on=parse_date(day, "--evidence-date"),
            )
        )
    return specs


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text == "today":
        return dt.date.today()
    if text == "yesterday":
        return dt.date.today() - dt.timedelta(days=1)
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


def database_url(ctx: typer.Context) -> str:
    from tracker.config import resolve_url

    obj = ctx.find_root().obj or {}
    return resolve_url(obj.get("db"))


@contextmanager
def session(ctx: typer.Context, *, write: bool = False) -> Iterator[Session]:
    from tracker.db import session_scope

    with session_scope(database_url(ctx), write=write) as s:
        yield s


def transact(ctx: typer.Context, work: Callable[[Session], T]) -> T:
    """Run a writing command's work in one transaction, retried on a conflict."""
    from tracker.db import run_in_transaction

    return run_in_transaction(database_url(ctx), work)


# Past this size held output waits in a temporary file rather than in memory.
HELD_IN_MEMORY = 8 * 2**20


def pause_collector(ctx: typer.Context) -> None:
    """Turn the cyclic garbage collector off until the command ends (it is turned back on when
    its context closes, error or not). For a command that builds 100,000 report lines: they
    hold no reference cycles (tests/test_gc.py counts what a collection finds at the end), yet
    each pass of the collector walks every line made since the last, 0.15 s of a JSON report
    at 100k."""
    gc.disable()
    ctx.call_on_close(gc.enable)


@contextmanager
def held_output() -> Iterator[IO[str]]:
    """Somewhere to print while a transaction is open; it reaches stdout once the block ends.

    Long listings are written as they are read, a block at a time, so they never sit whole in
    memory; holding them here until the transaction has ended means that a slow reader (`| less`)
    holds no transaction open (on PostgreSQL an idle transaction blocks `db upgrade`, and a
    server may cut it off half-way), and that a command failing part-way prints nothing. Open it
    before the session, so that the session ends first.
    """
    with tempfile.SpooledTemporaryFile(
        max_size=HELD_IN_MEMORY, mode="w+", encoding="utf-8", newline=""
    ) as held:
        yield held
        held.seek(0)
        shutil.copyfileobj(held, sys.stdout, 2**20)
        sys.stdout.flush()


def write_output(
    text: str | bytes | Iterable[str],
    output: Path | None,
    *,
    database: str | None = None,
    new_mode: int | None = None,
    stdout: IO[str] | None = None,
) -> None:
    """Print (to `stdout`, default sys.stdout), or write the file through tracker.outfile:
    atomically, over a regular file only, never over the `database` in use or its companions.

    A new file gets `new_mode` less the umask; by default that is what any program creates
    (0666 less the umask), narrowed to the SQLite database's own permissions, so a report of an
    owner-only database is owner-only too. An existing file keeps its mode: create the file with
    the mode you want first to say otherwise. `text` may be a stream of chunks, written as they
    come (large reports stay small in memory),
    or bytes (a PDF).
    """
    if isinstance(text, bytes) and output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
        return
    parts: Iterable[str] | bytes = [text] if isinstance(text, str) else text
    if output is None:
        assert not isinstance(parts, bytes)
        out = sys.stdout if stdout is None else stdout
        for part in parts:
            out.write(part)
        out.flush()
        return
    from tracker.outfile import sqlite_companions, write_file

    protected: list[Path] = []
    mode = 0o666 if new_mode is None else new_mode
    if database is not None:
        from tracker.config import sqlite_path

        db_file = sqlite_path(database)
        if db_file is not None:
            protected = sqlite_companions(db_file)
            # Read and write bits only: a report is never executable.
            with contextlib.suppress(OSError):
                mode &= os.stat(db_file).st_mode & 0o666
    write_file(output, parts, new_mode=mode, protected=protected)
    typer.echo(f"Wrote {output}", err=True)
