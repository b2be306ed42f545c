"""`tracker report`: the status report, in the format asked for.

With no --format, a terminal gets the rich terminal view and anything else (a pipe, a file from
--output) gets Markdown. Colour only on a terminal and never when NO_COLOR is set.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, TextIO

import typer

from tracker.cli.options import (
    DeclarationOpt,
    OutputOpt,
    PartyOpt,
    PillarOpt,
    held_output,
    parse_date,
    session,
    write_output,
)

# The terminal view is laid out for 80 columns; it follows the terminal between these bounds.
MIN_WIDTH = 60
MAX_WIDTH = 100
PLAIN_WIDTH = 80


class ReportFormat(StrEnum):
    terminal = "terminal"
    md = "md"
    html = "html"
    json = "json"
    csv = "csv"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(stream: TextIO) -> bool:
    """Colour on a terminal only; never with NO_COLOR set (no-color.org) or TERM=dumb."""
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    return _is_tty(stream)


def terminal_width(stream: TextIO) -> int:
    if not _is_tty(stream):
        return PLAIN_WIDTH
    columns = shutil.get_terminal_size((PLAIN_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(columns, MAX_WIDTH))


def report(
    ctx: typer.Context,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="terminal, md, html, json or csv [default: terminal on a terminal, else md].",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    as_of: Annotated[
        str | None, typer.Option(help="Status as of this date, rebuilt from the history.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="List the changes on or after this date [default: 30 days before]."),
    ] = None,
    pillar: PillarOpt = None,
    party: PartyOpt = None,
    declaration: DeclarationOpt = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="md and html: list every commitment in the all-items table "
            "[default: the first 1,000, then where the rest are].",
        ),
    ] = False,
    history: Annotated[
        bool | None,
        typer.Option(
            "--history/--no-history",
            help="Include the burn-up series (status counts over time) "
            "[default: in terminal and html, which draw it].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """A status report: counts, completion, compliance scores, overdue and open items.

    Formats: terminal (tables and bars; a list past 100 rows shows its first 100 and says how
    many more), md (Markdown), html (one self-contained file with charts, printable on A4),
    json (versioned, for programs), csv (one row per commitment). md and html list every figure
    and attention list in full and the first 1,000 commitments of the all-items table, unless
    --full; csv and json list every commitment.

    Example: tracker report --format html --output report.html --since 2026-10-01
    """
    import datetime as dt

    from tracker.reports.model import build

    as_of_date = parse_date(as_of, "--as-of")
    since_date = parse_date(since, "--since") or (
        (as_of_date or dt.date.today()) - dt.timedelta(days=30)
    )
    if fmt is None:
        on_terminal = output is None and _is_tty(sys.stdout)
        fmt = ReportFormat.terminal if on_terminal else ReportFormat.md
    if history is None:
        history = fmt in (ReportFormat.terminal, ReportFormat.html)
    streaming = fmt is ReportFormat.json
    with held_output() as held, session(ctx) as s:
        model = build(
            s,
            as_of=as_of_date,
            since=since_date,
            pillar=pillar,
            party=party,
            declaration=declaration,
            with_history=history,
            # JSON streams its changes from the open session while it writes them (a busy month
            # holds hundreds of thousands), into held output; the other formats render from
            # memory after the transaction has ended.
            stream_changes=streaming,
        )
        if streaming:
            from tracker.reports import as_json

            write_output(as_json.chunks(model), output, stdout=held)
            return
    # Documents are written as they are rendered, never held whole as text.
    text: str | Iterator[str]
    if fmt is ReportFormat.terminal:
        from tracker.reports import as_terminal

        to_screen = output is None
        text = as_terminal.render(
            model,
            width=terminal_width(sys.stdout) if to_screen else PLAIN_WIDTH,
            color=to_screen and use_color(sys.stdout),
        )
    elif fmt is ReportFormat.html:
        from tracker.reports import as_html

        text = as_html.chunks(model, full=full)
    elif fmt is ReportFormat.csv:
        from tracker.reports import as_csv

        text = as_csv.chunks(model)
    else:
        from tracker.reports import as_markdown

        text = as_markdown.chunks(model, full=full)
    write_output(text, output)
