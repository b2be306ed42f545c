"""`tracker report`: the status report, in the format asked for.

With no --format, a terminal gets the rich terminal view and anything else (a pipe, a file from
--output) gets Markdown. Colour only on a terminal and never when NO_COLOR is set. On a terminal,
a report longer than the screen goes through a pager ($PAGER, else `less`), never when piped.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from tracker.cli.options import (
    DeclarationOpt,
    ExcelOpt,
    OutputOpt,
    PartyOpt,
    PillarOpt,
    parse_date,
)
from tracker.cli.output import held_output, write_output
from tracker.cli.running import clock_today, database_url, pause_collector, session
from tracker.i18n import Language
from tracker.statuses import N_

if TYPE_CHECKING:
    from tracker.reports.model import Report

# The terminal view is laid out for 80 columns; it follows the terminal between these bounds
# (titles use the whole width; bars and tables stay readable at the narrowest).
MIN_WIDTH = 60
MAX_WIDTH = 240
PLAIN_WIDTH = 80
# less: quit when the text fits one screen, pass colour through, leave the text on screen.
LESS_DEFAULT = "FRX"
# Where the rows a cut list leaves out are (Report.every_row): the terminal cuts every list, the
# documents their all-items table only.
EVERY_ROW = {
    True: N_("the same report with `--format md --full` (or csv, json, html --full)"),
    False: N_("`tracker report --full` (or `tracker list --all --format csv|json`)"),
}


app = typer.Typer()


class ReportFormat(StrEnum):
    terminal = "terminal"
    md = "md"
    html = "html"
    json = "json"
    csv = "csv"
    pdf = "pdf"
    docx = "docx"


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


def _clean(text: str | None) -> str | None:
    """A header value on one line; blank means none."""
    return " ".join(text.split()) or None if text is not None else None


def screen_height(stream: TextIO) -> int:
    return shutil.get_terminal_size((PLAIN_WIDTH, 24)).lines if _is_tty(stream) else 0


def page(text: str) -> bool:
    """Show `text` through the user's pager; False when there is none to run (then the caller
    prints it). PAGER is split as a shell would (`less -S`), and empty or `cat` means none."""
    import shlex
    import subprocess

    command = os.environ.get("PAGER", "less")
    try:
        argv = shlex.split(command)
    except ValueError:
        return False
    if not argv or os.path.basename(argv[0]) == "cat":
        return False
    env = dict(os.environ)
    env.setdefault("LESS", LESS_DEFAULT)
    env.setdefault("LV", "-c")
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert pager.stdin is not None
    try:
        pager.stdin.write(text.encode(sys.stdout.encoding or "utf-8", "replace"))
        pager.stdin.close()
    except BrokenPipeError:
        pass  # the reader quit the pager early: nothing is lost
    except KeyboardInterrupt:
        pager.kill()
    pager.wait()
    return True


def _languages(option: str | None, bilingual: bool) -> tuple[Language, bool]:
    """--lang (one code, or two joined by a comma for a bilingual page) and --bilingual: the
    page's language and whether it gives the English beside it. A bilingual page is in
    Japanese with the English of each heading and title, whichever order the two are given."""
    from tracker.i18n import DEFAULT, resolve

    codes = [resolve(code) for code in option.split(",")] if option else [resolve(None)]
    if len(codes) > 2 or len(set(codes)) != len(codes):
        raise typer.BadParameter(
            "give one language, or two for a bilingual page", param_hint="--lang"
        )
    if len(codes) == 2:
        if DEFAULT not in codes:
            raise typer.BadParameter(
                "a bilingual page pairs en with one other language", param_hint="--lang"
            )
        bilingual = True
    others = [c for c in codes if c != DEFAULT]
    if bilingual:
        return Language(others[0] if others else "ja"), True
    return Language(codes[0]), False


@app.command()
def report(
    ctx: typer.Context,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="terminal, md, html, json, csv, pdf or docx [default: terminal on a terminal, "
            "else md].",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Status as of this date, rebuilt from the history (2026-11: its last day).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="List the changes on or after this date [default: since the last meeting: the "
            "previous milestone, else the declaration date, else 30 days before].",
            show_default=False,
        ),
    ] = None,
    pillar: PillarOpt = None,
    party: PartyOpt = None,
    declaration: DeclarationOpt = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="md, html, pdf and docx: list every commitment in the all-items table "
            "[default: the first 1,000, then where the rest are].",
        ),
    ] = False,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief",
            help="terminal, md, html and docx: page one alone (the briefing), for email and chat.",
        ),
    ] = False,
    history: Annotated[
        bool | None,
        typer.Option(
            "--history/--no-history",
            help="Include the burn-up series (status counts over time) "
            "[default: in terminal, html, pdf and docx, which draw it].",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", help="A title for the report's header."),
    ] = None,
    prepared_by: Annotated[
        str | None,
        typer.Option(
            "--prepared-by",
            metavar="NAME",
            help="Who prepared it (header and print footer) [default: `tracker config`].",
        ),
    ] = None,
    marking: Annotated[
        str | None,
        typer.Option(
            "--marking",
            metavar="TEXT",
            help='A protective marking such as "OFFICIAL" (header and print footer) '
            "[default: TRACKER_MARKING, then `tracker config`].",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANG",
            help="Language of the report: en or ja; en,ja (or --bilingual) gives html and pdf "
            "each heading and title in both [default: TRACKER_LANG, then the locale, then en].",
            show_default=False,
        ),
    ] = None,
    bilingual: Annotated[
        bool,
        typer.Option(
            "--bilingual",
            help="html and pdf in Japanese and English: each heading and title in both.",
        ),
    ] = False,
    excel: ExcelOpt = False,
    pager: Annotated[
        bool,
        typer.Option(
            "--pager/--no-pager",
            help="Page a terminal report longer than the screen ($PAGER, else less); never "
            "when piped.",
        ),
    ] = True,
) -> None:
    """A status report: counts, completion, compliance scores, overdue and open items.

    Page one is the briefing: the headline, what changed since the last meeting, what is due
    by the next milestone, what is overdue or stalled, and the parties side by side; the
    figures, every item, the source's outlook and the method follow.
    md and html list every figure and attention list in full and the first 1,000 items of the
    all-items tables, unless --full; csv and json list every item.

    Formats: terminal (summary first, paged on a terminal; a list past 100 rows shows its first
    100 and says how many more), md (Markdown), html (one self-contained file with charts,
    printable on A4), json (versioned, for programs), csv (one row per item; --excel for
    Excel), pdf (the HTML briefing as a PDF; needs pip install 'tracker[pdf]'), docx (a Word
    brief with the same pages; needs pip install 'tracker[docx]').

    In Japanese (--lang ja) every format for people gives headings, statuses, party names,
    dates (2026年12月1日) and titles (the project's unofficial translation) in Japanese; json
    keeps its keys and figures and translates only its method texts; csv is unchanged.

    Example: tracker report -f pdf -o 2plus2.pdf --marking OFFICIAL --prepared-by "J. Smith"
    """
    from tracker import userconfig
    from tracker.reports.build import ReportSpec, build

    language, bilingual = _languages(lang, bilingual)
    if bilingual and fmt not in (ReportFormat.html, ReportFormat.pdf):
        raise typer.BadParameter(
            "a bilingual report is html or pdf; give --format html or pdf",
            param_hint="--lang" if lang else "--bilingual",
        )

    if excel and fmt is not ReportFormat.csv:
        raise typer.BadParameter("--excel is for --format csv", param_hint="--excel")

    today = clock_today(ctx)
    as_of_date = parse_date(as_of, "--as-of", today, month_end=True)
    since_date = parse_date(since, "--since", today)
    if since_date is not None and since_date > (as_of_date or today()):
        from tracker.errors import InputError

        raise InputError(
            f"--since {since_date.isoformat()} is after "
            f"{'--as-of ' if as_of_date else 'today, '}"
            f"{(as_of_date or today()).isoformat()}: no change could be listed"
        )
    if fmt is ReportFormat.pdf:
        from tracker.reports import as_pdf

        as_pdf.check_available()
        if output is None and _is_tty(sys.stdout):
            raise typer.BadParameter("a PDF is not for a terminal; give --output FILE")
    if fmt is ReportFormat.docx:
        from tracker.reports import as_docx

        as_docx.check_available()
        if output is None and _is_tty(sys.stdout):
            raise typer.BadParameter("a Word document is not for a terminal; give --output FILE")
    if fmt is None:
        on_terminal = output is None and _is_tty(sys.stdout)
        fmt = ReportFormat.terminal if on_terminal else ReportFormat.md
    if brief and fmt not in BRIEF_FORMATS:
        raise typer.BadParameter(
            "--brief is page one alone, for people: give --format terminal, md, html or docx",
            param_hint="--brief",
        )
    if history is None:
        # Page one alone draws no burn-up.
        history = not brief and fmt in DRAWN
    to_screen = fmt is ReportFormat.terminal and output is None
    how = Rendering(
        lang=language,
        bilingual=bilingual,
        full=full,
        brief=brief,
        width=terminal_width(sys.stdout) if to_screen else PLAIN_WIDTH,
        color=to_screen and use_color(sys.stdout),
        excel=excel,
    )
    spec = ReportSpec(
        as_of=as_of_date,
        since=since_date,
        default_since=True,
        with_guidelines=not brief and fmt in (ReportFormat.html, ReportFormat.pdf),
        title=_clean(title),
        prepared_by=_clean(prepared_by or userconfig.setting("prepared_by")),
        marking=_clean(marking or userconfig.setting("marking")),
        pillar=pillar,
        party=party,
        declarations=tuple(declaration or ()),
        with_history=history,
        rows=_rows_shown(fmt),
        # JSON writes every change as it reads it from the open session (a busy month holds
        # hundreds of thousands), into held output; the other formats render from memory
        # after the transaction has ended.
        stream_changes=fmt is ReportFormat.json,
        page_one=fmt not in (ReportFormat.json, ReportFormat.csv),
        # The terminal says it in its language; the documents' sentence around it is English.
        every_row=language._(EVERY_ROW[True]) if fmt is ReportFormat.terminal else EVERY_ROW[False],
    )
    pause_collector(ctx)
    with held_output() as held, session(ctx) as s:
        model = build(s, spec)
        if spec.stream_changes:
            write_output(
                RENDERERS[fmt](model, how), output, database=database_url(ctx), stdout=held
            )
            return
    rendered = RENDERERS[fmt](model, how)
    if (
        to_screen
        and pager
        and isinstance(rendered, str)
        and rendered.count("\n") >= screen_height(sys.stdout) > 0
        and page(rendered)
    ):
        return
    write_output(rendered, output, database=database_url(ctx))


def _rows_shown(fmt: ReportFormat) -> int | None:
    """How many rows of each list a format shows: the terminal its first (the database counts
    the rest), every other format all of them."""
    if fmt is ReportFormat.terminal:
        from tracker.reports import as_terminal

        return as_terminal.MAX_ROWS
    return None


@dataclass(frozen=True)
class Rendering:
    """How a renderer is asked to write: the language, and what the format takes of the rest."""

    lang: Language
    bilingual: bool
    full: bool
    width: int
    color: bool
    brief: bool = False
    excel: bool = False


Rendered = str | bytes | Iterable[str]


# Each format's renderer, imported when it is used (each pulls in its own libraries).
def _terminal(report: Report, how: Rendering) -> Rendered:
    from tracker.reports import as_terminal

    return as_terminal.render(
        report, lang=how.lang, width=how.width, color=how.color, brief=how.brief
    )


def _markdown(report: Report, how: Rendering) -> Rendered:
    from tracker.reports import as_markdown

    return as_markdown.chunks(report, lang=how.lang, full=how.full, brief=how.brief)


def _html(report: Report, how: Rendering) -> Rendered:
    from tracker.reports import as_html

    return as_html.chunks(
        report, lang=how.lang, bilingual=how.bilingual, full=how.full, brief=how.brief
    )


def _pdf(report: Report, how: Rendering) -> Rendered:
    from tracker.reports import as_pdf

    return as_pdf.render(report, lang=how.lang, bilingual=how.bilingual, full=how.full)


def _docx(report: Report, how: Rendering) -> Rendered:
    from tracker.reports import as_docx

    return as_docx.render(report, lang=how.lang, full=how.full, brief=how.brief)


def _json(report: Report, how: Rendering) -> Rendered:
    from tracker.reports import as_json
    from tracker.scrub import json_text

    return map(json_text, as_json.chunks(report, how.lang))


def _csv(report: Report, how: Rendering) -> Rendered:
    from tracker.reports import as_csv

    return as_csv.chunks(report, excel=how.excel)


# The formats that draw the burn-up (and so read the history by default).
DRAWN = (ReportFormat.terminal, ReportFormat.html, ReportFormat.pdf, ReportFormat.docx)

# The formats that have a page one of their own to print alone (--brief).
BRIEF_FORMATS = (ReportFormat.terminal, ReportFormat.md, ReportFormat.html, ReportFormat.docx)

RENDERERS: dict[ReportFormat, Callable[[Report, Rendering], Rendered]] = {
    ReportFormat.terminal: _terminal,
    ReportFormat.md: _markdown,
    ReportFormat.html: _html,
    ReportFormat.pdf: _pdf,
    ReportFormat.docx: _docx,
    ReportFormat.json: _json,
    ReportFormat.csv: _csv,
}
