"""The everyday commands: list, show, progress, log."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from tracker.cli.coercion import whole_number
from tracker.cli.options import (
    STATUS_CHOICES,
    AttachOpt,
    BeforeDeclarationOpt,
    CodeArg,
    DeclarationOpt,
    EvidenceDateOpt,
    EvidenceKindOpt,
    EvidenceOpt,
    EvidenceTitleOpt,
    ExcelOpt,
    LangOpt,
    PartyOpt,
    PillarOpt,
    StatusesOpt,
    attachment_specs,
    complete_code,
    complete_kind,
    complete_party,
    complete_status,
    evidence_specs,
    parse_date,
    parse_kinds,
    parse_statuses,
)
from tracker.cli.output import held_output, say
from tracker.cli.running import clock_today, session, transact
from tracker.i18n import DEFAULT, Language, counted
from tracker.i18n import resolve as resolve_language
from tracker.statuses import LABELS, parse_status

if TYPE_CHECKING:
    from tracker.commitments import CommitmentRow
    from tracker.history import LoggedEvent
    from tracker.progress import EvidenceSpec, ProgressResult


app = typer.Typer()


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ListSort(StrEnum):
    target = "target"
    updated = "updated"
    code = "code"


class ShowFormat(StrEnum):
    text = "text"
    json = "json"


LIST_FIELDS = [
    "code",
    "title",
    "pillar",
    "kind",
    "parties",
    "owners",
    "target",
    "status",
    "inferred",
    "declaration",
    "last_update",
    "score",
    "party_differs",
]
# Keys kept for one release under their names before the report's vocabulary: `owner`.
LIST_JSON_ALIASES = {"owner": "owners"}


def _shown(text: str) -> str:
    """User text as printed on a terminal: control and reordering characters (terminal escapes,
    U+202E) are shown as �; line breaks stay (see _indented for text inside a line's block)."""
    from tracker.scrub import terminal

    return terminal(text)


def _say(text: str) -> None:
    """Print a line of user text (see _shown)."""
    typer.echo(_shown(text))


def _indented(prefix: str, text: str) -> Iterator[str]:
    """Multi-line user text under an event, every line behind `prefix`: a line break in a note
    cannot start a line that reads as an event of its own."""
    from tracker.scrub import lines

    for line in lines(text):
        yield prefix + line


def _flat(text: str | None) -> str:
    """User text inside a line of ours (an actor, a party): on one line, made visible."""
    from tracker.scrub import one_line

    return one_line(text or "")


def _change(e: dict[str, Any]) -> str:
    from tracker.reports.presentation import change_text

    return change_text(e["from_status"], e["to_status"], Language(DEFAULT))


# From this width (or with --wide) the table also shows score, target, pillar and declaration.
WIDE_FROM = 120


def _status_cell(row: CommitmentRow, lang: Language) -> str:
    """The item's status, and each party's own where it differs: in progress (UK: stalled)."""
    whole = lang.status(row.status)
    differing = row.differing
    if not differing:
        return whole
    parts = ", ".join(f"{lang.party(p)}: {lang.status(s)}" for p, s in differing.items())
    return f"{whole} ({parts})"


def _print_table(rows: list[CommitmentRow], lang: Language, *, wide: bool = False) -> None:
    import shutil

    from tracker.cli.table import render
    from tracker.reports.presentation import signed_text
    from tracker.statuses import KIND_SHORT, Kind

    _ = lang._

    # Fit the terminal (80 columns when piped), one line per item: the title takes what the
    # short columns leave and is cut with an ellipsis, never wrapped (a list is read at a
    # glance, and a wrapped title pushes the next item off the screen).
    width = shutil.get_terminal_size().columns
    wide = wide or width >= WIDE_FROM
    headers = [
        _("Code"),
        _("Kind"),
        _("Status"),
        _("Updated"),
        *([_("Score"), _("Target"), _("Pillar"), _("Declaration")] if wide else []),
        _("Title"),
    ]
    cells = [
        [
            r.code,
            _(KIND_SHORT[Kind(r.kind)]),
            _status_cell(r, lang),
            lang.date(r.last_update) if r.last_update else "",
            *(
                [
                    "" if r.score is None else signed_text(r.score),
                    lang.date(r.target) if r.target else "",
                    # In English the slug, which --pillar takes; in another language the title.
                    r.pillar
                    if lang.code == DEFAULT
                    else lang.text(r.pillar_title, r.pillar_title_ja),
                    r.declaration,
                ]
                if wide
                else []
            ),
            lang.text(r.title, r.title_ja),
        ]
        for r in rows
    ]
    # Caps keep the title at least its minimum at 80 columns: a long code or a status with
    # several parties' is cut, with an ellipsis, rather than the title.
    caps = {0: 10, 1: 10, 2: 26} | ({6: 20, 7: 16} if wide else {})
    title = len(headers) - 1
    for text in render(headers, cells, width=width, flexible=title, max_widths=caps, wrap=False):
        typer.echo(text)
    typer.echo(lang.ngettext("{n} item", "{n} items", len(rows)).format(n=len(rows)))


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: StatusesOpt = None,
    pillar: PillarOpt = None,
    declaration: DeclarationOpt = None,
    party: PartyOpt = None,
    owner: Annotated[
        str | None, typer.Option(metavar="OWNER", help="Only items this body leads.")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KIND",
            help="commitment, priority, ongoing or outlook (repeatable).",
            autocompletion=complete_kind,
            show_default=False,
        ),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Target passed, not achieved.")
    ] = False,
    due_before: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="Target date before this date (2026-11-03, yesterday...)."
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(metavar="TEXT", help="Text in the code, title, description or quote."),
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", "-a", help="Every item of every kind, closed and outlook included."),
    ] = False,
    sort: Annotated[
        ListSort | None,
        typer.Option(
            "--sort",
            help="Order by target (soonest first), updated (latest first) or code "
            "[default: declaration order].",
            show_default=False,
        ),
    ] = None,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            "-w",
            help=f"Also score, target, pillar and declaration (from {WIDE_FROM} "
            "columns without asking).",
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(metavar="N", parser=whole_number(minimum=1), help="At most this many rows."),
    ] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ListFormat.table
    ),
    excel: ExcelOpt = False,
    lang: LangOpt = None,
) -> None:
    """List commitments: by default the parties' open pledges (not started, in progress,
    stalled; commitments, priorities and ongoing cooperation; the outlook with --kind outlook).

    The table shows code, kind, status (and each party's where it differs), the last update
    and the title, one line each; from 120 columns or with --wide also score, target, pillar
    and declaration. json is an array of objects and csv has a header row; both carry code,
    title, pillar, kind, parties, owners, target, status, inferred, declaration, last_update,
    score and party_differs (each party whose own status is not the item's, with it), in that
    order. csv --excel writes the same columns with a byte-order mark and CRLF line ends, as
    Excel on Windows reads UTF-8.

    Example: tracker list --pillar cyber --format csv
    """

    from tracker.commitments import ListFilter, list_commitments

    flt = ListFilter(
        statuses=parse_statuses(status),
        pillar=pillar,
        party=party,
        owner=owner,
        kinds=parse_kinds(kind),
        overdue_on=clock_today(ctx)() if overdue else None,
        due_before=parse_date(due_before, "--due-before", clock_today(ctx)),
        search=search,
        declarations=tuple(declaration or ()),
        include_closed=all_,
        limit=limit,
        sort=sort.value if sort is not None else None,
    )
    if excel and fmt is not ListFormat.csv:
        raise typer.BadParameter("--excel is for --format csv", param_hint="--excel")
    if fmt is ListFormat.table:
        language = Language(resolve_language(lang))
        with session(ctx) as s:
            table = list(list_commitments(s, flt))
        # After the transaction: the terminal may page it.
        _print_table(table, language, wide=wide)
        return
    from tracker.scrub import csv_blocks, json_text

    with held_output() as out, session(ctx) as s:
        rows = list_commitments(s, flt)
        if fmt is ListFormat.json:
            out.write("[")
            for n, row in enumerate(rows):
                full = row.as_dict()
                data = {k: full[k] for k in LIST_FIELDS}
                data.update((old, full[new]) for old, new in LIST_JSON_ALIASES.items())
                out.write(
                    ("," if n else "") + "\n  " + json_text(json.dumps(data, ensure_ascii=False))
                )
            out.write("\n]\n")
        else:
            # A block of rows to a write: a write to the held output is three Python calls,
            # one per row would be a tenth of `list --all`.
            for block in csv_blocks(LIST_FIELDS, _csv_cells(rows), excel=excel):
                out.write(block)


def _csv_cells(rows: Iterable[CommitmentRow]) -> Iterator[list[str | int]]:
    """Each row's cells in LIST_FIELDS order: values read in C (attrgetter), lists `; `-joined,
    None empty, dates ISO; made safe by csv_row. This loop is most of `list --all --format
    csv`."""
    from tracker.scrub import csv_row

    fields = operator.attrgetter(*LIST_FIELDS[:-1])
    score_at = LIST_FIELDS.index("score")
    for row in rows:
        cells = [
            v
            if v.__class__ is str
            else "; ".join(v)
            if v.__class__ is list
            else ""
            if v is None
            else str(v)
            for v in fields(row)
        ]
        # Most items have no party's own status: their last cell is empty.
        cells.append("; ".join(f"{p}: {s}" for p, s in row.differing.items()) if row.own else "")
        safe: list[str | int] = csv_row(cells)  # type: ignore[assignment]
        if row.score is not None and row.score < 0:
            # A number, not a formula: csv_row quoted "-1"; the report's CSV keeps -1 too.
            safe[score_at] = row.score
        yield safe


@app.command()
def show(
    ctx: typer.Context,
    code: CodeArg,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.text
    ),
    lang: LangOpt = None,
) -> None:
    """Everything about one commitment, with its full timeline of status events.

    Example: tracker show CYB-01
    """
    from tracker.item_view import item_data

    resolve_language(lang)  # a wrong --lang is refused before the database is opened
    with session(ctx) as s:
        data = item_data(s, code)
    if fmt is ShowFormat.json:
        from tracker.scrub import json_text

        typer.echo(json_text(json.dumps(data, ensure_ascii=False, indent=2)))
        return
    from tracker.cli.show_text import show_lines

    for line in show_lines(data, Language(resolve_language(lang))):
        _say(line)


@app.command()
def progress(
    ctx: typer.Context,
    code: CodeArg,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help=f"New status: {STATUS_CHOICES} [asked for at a terminal].",
            autocompletion=complete_status,
            show_default=False,
        ),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(
            "--note",
            "-m",
            metavar="TEXT",
            help="What happened [at a terminal: written in $VISUAL or $EDITOR].",
        ),
    ] = None,
    no_edit: Annotated[
        bool, typer.Option("--no-edit", help="At a terminal, record without a note.")
    ] = False,
    evidence: EvidenceOpt = None,
    on: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="When it happened (2026-11-03, yesterday...) [default: today]."
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="NAME",
            help="Who records it [default: `tracker config` by, git's user.name, login].",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT", help="Why, when leaving achieved, partially achieved or dropped."
        ),
    ] = None,
    party: Annotated[
        str | None,
        typer.Option(
            metavar="PARTY",
            help="Assess one party's part (e.g. UK) rather than the commitment as a whole.",
            autocompletion=complete_party,
        ),
    ] = None,
    corrects: Annotated[
        int | None,
        typer.Option(
            metavar="ID",
            parser=whole_number(),
            help="Correct this event (by its #id): the new event supersedes it; needs --reason.",
        ),
    ] = None,
    evidence_kind: EvidenceKindOpt = None,
    evidence_title: EvidenceTitleOpt = None,
    evidence_date: EvidenceDateOpt = None,
    before_declaration: BeforeDeclarationOpt = False,
    attach: AttachOpt = None,
) -> None:
    """Record a status event for a commitment (the same status again adds a note or evidence).

    With --party the event assesses that party alone (G7 style: a joint pledge can be kept by
    one side and not the other); the commitment's own status is unchanged.

    Evidence details pair up with -e in order (--evidence-kind news_report); a single one
    applies to every -e. --attach FILE keeps the document itself in the database (by its
    SHA-256, inside the event's hash); `tracker evidence get ID -o FILE` gives it back.

    At a terminal, a missing --status is asked for (with the guideline each status claims)
    and a missing note is written in $VISUAL or $EDITOR, as for a git commit: lines starting
    with # are dropped, and an empty note records nothing. Scripts and pipes are never asked.

    Example: tracker progress CYB-01 --status in_progress -m "Working group met"
    -e https://www.gov.uk/...
    """
    from tracker.cli.interactive import MissingOption, at_terminal

    interactive = at_terminal()
    if status is None and not interactive:
        raise MissingOption("", param_hint="'--status' / '-s'")
    specs = evidence_specs(evidence, evidence_kind, evidence_title, evidence_date, clock_today(ctx))
    if interactive and (status is None or (note is None and not no_edit)):
        status, note, reason = _ask(ctx, code, party, status, note, reason, no_edit)
    _record(
        ctx,
        status,
        on,
        specs + attachment_specs(attach),
        code=code,
        note=note,
        actor=by,
        reason=reason,
        party=party,
        corrects=corrects,
        before_declaration=before_declaration,
    )


def _ask(
    ctx: typer.Context,
    code: str,
    party: str | None,
    status: str | None,
    note: str | None,
    reason: str | None,
    no_edit: bool,
) -> tuple[str, str | None, str | None]:
    """What a person at a terminal did not give: the status (chosen from a list), a reason if
    it re-opens a settled assessment, the note (in their editor). The item is read in a short
    session of its own, closed before the first prompt: nothing is locked while they think."""
    from tracker.asking import item_brief
    from tracker.cli.interactive import ask_reason, ask_status, edit_note
    from tracker.errors import TrackerError
    from tracker.statuses import needs_reason

    language = Language(resolve_language(None))
    with session(ctx) as s:
        brief = item_brief(s, code, party)
    try:
        new = parse_status(status) if status is not None else ask_status(brief, language)
    except ValueError as exc:
        raise TrackerError(str(exc)) from None
    if needs_reason(brief.status, new) and not (reason and reason.strip()):
        reason = ask_reason(language)
    if note is None and not no_edit:
        note = edit_note(brief, new, language)
    return new.value, note, reason


def _record(
    ctx: typer.Context,
    status: str | None,
    on: str | None,
    evidence: list[EvidenceSpec],
    **fields: Any,
) -> None:
    """Parse what `progress` and `correct` share, record the event in one transaction, print it."""
    from tracker.errors import TrackerError
    from tracker.progress import record_progress

    try:
        new = parse_status(status) if status is not None else None
    except ValueError as exc:
        raise TrackerError(str(exc)) from None
    when = parse_date(on, "--on", clock_today(ctx))
    by_default = fields.get("actor") is None
    if by_default:
        from tracker.identity import recorder

        fields["actor"], source = recorder()
    result = transact(
        ctx,
        lambda s: record_progress(s, status=new, on=when, evidence=evidence, **fields),
    )
    try:
        _print_progress(result)
    except OSError as exc:
        # The event is committed: an error exit now would make a script record it again.
        # Say on stderr what was recorded, and succeed.
        _recorded_anyway(result, exc)
    if by_default:
        _warn_if_root(fields["actor"], source)


def _warn_if_root(actor: str, source: str) -> None:
    """Recording as root because nobody gave a name is said once (tracker.identity), after the
    event is recorded, with how to give one."""
    from tracker.identity import root_warning_due

    if source == "login" and actor == "root" and root_warning_due():
        say(
            "warning: recorded as root; set your name with `tracker config set by NAME` "
            "(or --by, or git's user.name). Said once.",
            err=True,
        )


def _print_progress(result: ProgressResult) -> None:
    # The code and the scoring criterion are the database's (say).
    change = (
        f"{LABELS[result.old]} (unchanged)"
        if result.old == result.new
        else f"{LABELS[result.old]} → {LABELS[result.new]}"
    )
    who = f" [{result.party}]" if result.party else ""
    fixes = f", correcting #{result.corrects_id}" if result.corrects_id else ""
    say(
        f"{result.code}{who}: {change} on {result.effective_on.isoformat()} "
        f"(event #{result.event_id}{fixes})"
    )
    if result.current != result.new:
        say(
            f"{result.code}{who}: current status stays {LABELS[result.current]} "
            "(a later event exists)"
        )
    if result.criterion is not None:
        # The recorder sees what they are claiming, in the words the item is scored by.
        key, text = result.criterion
        say(f"  scores {key} if: {text}")


def _recorded_anyway(result: ProgressResult, exc: OSError) -> None:
    import contextlib
    import os
    import sys

    # Whatever stdout still buffers can never be written: drop it, so that the exit does not
    # try again (and fail again) to flush it.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    say(
        f"recorded {result.code} event #{result.event_id} "
        f"(could not print the confirmation: {exc.strerror or exc})",
        err=True,
    )


@app.command()
def correct(
    ctx: typer.Context,
    event_id: Annotated[
        int,
        typer.Argument(
            metavar="ID",
            parser=whole_number(),
            help="The event to correct (#id).",
            show_default=False,
        ),
    ],
    reason: Annotated[
        str, typer.Option(metavar="TEXT", help="Why the event was wrong.", show_default=False)
    ],
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help="The right status [default: the event's].",
            autocompletion=complete_status,
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            metavar="DATE", help="The right date (2026-11-03, yesterday...) [default: the event's]."
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", "-m", metavar="TEXT", help="The right note.")
    ] = None,
    evidence: EvidenceOpt = None,
    evidence_kind: EvidenceKindOpt = None,
    evidence_title: EvidenceTitleOpt = None,
    evidence_date: EvidenceDateOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="NAME",
            help="Who records it [default: `tracker config` by, git's user.name, login].",
        ),
    ] = None,
    before_declaration: BeforeDeclarationOpt = False,
    attach: AttachOpt = None,
) -> None:
    """Correct a recorded event with a new one; the original stays in the history, marked.

    Example: tracker correct 12 --status stalled --reason "misread the MOD statement"
    """
    _record(
        ctx,
        status,
        on,
        evidence_specs(evidence, evidence_kind, evidence_title, evidence_date, clock_today(ctx))
        + attachment_specs(attach),
        note=note,
        actor=by,
        reason=reason,
        corrects=event_id,
        before_declaration=before_declaration,
    )


@app.command()
def link(
    ctx: typer.Context,
    later: Annotated[
        str,
        typer.Argument(
            metavar="NEW",
            help="The later item (CODE or SLUG:CODE).",
            autocompletion=complete_code,
            show_default=False,
        ),
    ],
    earlier: Annotated[
        str,
        typer.Argument(
            metavar="OLD",
            help="The earlier item it continues (CODE or SLUG:CODE).",
            autocompletion=complete_code,
            show_default=False,
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", metavar="TEXT", help="Why NEW continues OLD (required).", show_default=False
        ),
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", metavar="KIND", help="follows (takes it further) or reaffirms (restates it)."
        ),
    ] = "follows",
    by: Annotated[
        str | None, typer.Option(metavar="NAME", help="Who records it [default: your login].")
    ] = None,
) -> None:
    """Record that a later item continues an earlier one, found after both were loaded.

    The link is history: appended with who, when and why, hash-chained, never removed. Each
    item keeps its own history; `show` lists the link on both.

    Example: tracker link GCP-02 IND-01 --reason "the contract is for the GCAP fighter"
    """
    from tracker.links import link as add
    from tracker.progress import default_actor

    done = transact(
        ctx,
        lambda s: add(s, later, earlier, kind.strip().lower(), reason, by or default_actor()),
    )
    say(f"{done.code} {done.kind} {done.target} (link #{done.seq})")


@app.command()
def log(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Events on or after this date (last week, 2026-11...)."),
    ] = None,
    code: Annotated[
        str | None,
        typer.Option(metavar="CODE", help="Only this commitment.", autocompletion=complete_code),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(metavar="N", parser=whole_number(minimum=1), help="At most this many events."),
    ] = None,
    recorded_since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Events recorded on or after this day (in the tracker's time zone), latest "
            "recorded first, whatever their dates.",
        ),
    ] = None,
    declaration: DeclarationOpt = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.text
    ),
) -> None:
    """Recent status events across all commitments, newest first (by the date each happened;
    with --recorded-since, by when each was recorded, so a backdated entry shows).

    Example: tracker log --since 2026-06-01
    """
    from tracker.history import day_start, recent_events
    from tracker.item_view import event_data

    since_date = parse_date(since, "--since", clock_today(ctx))
    recorded_day = parse_date(recorded_since, "--recorded-since", clock_today(ctx))
    # Written as read, a block at a time (a long log never sits whole in memory), into held
    # output that is printed once the transaction has ended.
    with held_output() as out, session(ctx) as s:
        recorded_from = None
        if recorded_day is not None:
            from tracker import clock

            recorded_from = day_start(recorded_day, clock.zone(s))
        logged = recent_events(
            s,
            since=since_date,
            code=code,
            limit=limit,
            recorded_since=recorded_from,
            declarations=tuple(declaration or ()),
        )
        if fmt is ShowFormat.json:
            _log_json(logged, out)
            return
        from tracker.clock import zone_name

        # Recording times as `show` prints them: to the minute, in the tracker's zone.
        zone = zone_name(s)
        lines: list[str] = []
        empty = True
        for x in logged:
            empty = False
            lines.extend(_log_lines(x.code, event_data(x.event, x.corrected_by), zone))
            if len(lines) >= _PRINT_BLOCK:
                out.write("\n".join(lines) + "\n")
                lines = []
        if empty:
            lines.append("No events.")
        if lines:
            out.write("\n".join(lines) + "\n")


# Lines (or JSON objects) written at once: one write per block, not per line.
_PRINT_BLOCK = 1000


@app.command()
def news(
    ctx: typer.Context,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.text
    ),
) -> None:
    """What was recorded since you last ran `tracker news` (the first time: the last 7 days),
    latest recorded first. An entry dated before the day of your last look is marked
    [backdated]: `log` would list it among the older dates.

    Where you last looked is kept per user and per database in your data folder, and saved
    only once the news was read and printed.

    Example: tracker news
    """
    from tracker import news as feed
    from tracker.cli.running import database_url
    from tracker.history import recent_events
    from tracker.item_view import event_data

    url = database_url(ctx)
    previous = feed.last_look(url)
    with held_output() as out, session(ctx) as s:
        window = feed.window(s, previous)
        from tracker.clock import zone_name

        zone = zone_name(s)  # recording times as `log` and `show` print them
        logged = recent_events(s, recorded_since=window.since, skip=window.skip)
        when = window.start.strftime("%Y-%m-%d %H:%M UTC")
        events = []
        for x in logged:
            data = {"code": x.code, **event_data(x.event, x.corrected_by)}
            data["backdated"] = feed.is_backdated(x.event.effective_on, window)
            events.append(data)
        if fmt is ShowFormat.json:
            from tracker.scrub import json_text

            shown = {"since": window.start.isoformat(), "first": window.first, "events": events}
            out.write(json_text(json.dumps(shown, ensure_ascii=False, indent=2)) + "\n")
        else:
            lines = [
                (f"First look: recorded in the last 7 days (since {when})"
                 if window.first else f"Recorded since your last look ({when})")
                + f": {counted(len(events), 'event')}."
            ]  # fmt: skip
            for e in events:
                block = list(_log_lines(e["code"], e, zone))
                if e["backdated"]:
                    block[0] += "  [backdated]"
                lines.extend(block)
            out.write("\n".join(lines) + "\n")
    # Read and printed: only now does this count as a look.
    try:
        feed.save_look(url, window.now)
    except OSError as exc:
        say(f"warning: cannot save when you last looked: {exc.strerror or exc}", err=True)


def _log_lines(code: str, e: dict[str, Any], zone: str) -> Iterator[str]:
    from tracker.cli.show_text import recorded_text

    change = _change(e)
    who = f" [{_flat(e['party'])}]" if e["party"] else ""
    marks = f"  [correction of #{e['corrects']}]" if e["corrects"] else ""
    if e["corrected_by"]:
        marks += f"  [corrected by #{e['corrected_by']}]"
    when = recorded_text(e["recorded_at"], zone)
    yield (
        f"{e['on']}  #{e['id']}  {_flat(code)}{who}  {change}  by {_flat(e['actor'])}"
        f"  (recorded {when}){marks}"
    )
    # Only the line above starts at the margin; everything the user wrote is indented.
    if e["note"]:
        yield from _indented("    ", e["note"])
    if e["reason"]:
        yield from _indented("    ", f"reason: {e['reason']}")
    for ref in e["evidence"]:
        yield f"    evidence: {_flat(ref)}"


def _log_json(logged: Iterable[LoggedEvent], out: IO[str]) -> None:
    """The events as one JSON array, written a block at a time as it is read: the same text as
    json.dumps of the whole list with indent=2.

    Each block is dumped as a list and its brackets are dropped. (json.dumps with an indent
    builds nested closures that form a reference cycle; one per block, not one per event,
    leaves next to nothing for the collector, which the CLI runs without.)
    """
    from tracker.item_view import event_data

    block: list[dict[str, Any]] = []
    opened = False
    for x in logged:
        block.append({"code": x.code, **event_data(x.event, x.corrected_by)})
        if len(block) == _PRINT_BLOCK:
            out.write(("," if opened else "[") + _inner(block))
            block, opened = [], True
    if block:
        out.write(("," if opened else "[") + _inner(block))
        opened = True
    out.write("\n]\n" if opened else "[]\n")


def _inner(objects: list[dict[str, Any]]) -> str:
    """A JSON list at indent=2 without its brackets: a newline and two spaces before each
    object, no newline after the last."""
    from tracker.scrub import json_text

    return json_text(json.dumps(objects, ensure_ascii=False, indent=2)[1:-2])
