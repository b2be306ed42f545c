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
    BeforeDeclarationOpt,
    CodeArg,
    DeclarationOpt,
    EvidenceDateOpt,
    EvidenceKindOpt,
    EvidenceOpt,
    EvidenceTitleOpt,
    LangOpt,
    PartyOpt,
    PillarOpt,
    StatusesOpt,
    StatusOpt,
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
from tracker.i18n import DEFAULT, Language
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


def _print_table(rows: list[CommitmentRow], lang: Language) -> None:
    import shutil

    from tracker.cli.table import render

    _ = lang._

    # Fit the terminal (80 columns when piped): the title takes what the short columns leave,
    # and parties are dropped below 100 columns rather than squeezing the title.
    width = shutil.get_terminal_size().columns
    wide = width >= 100
    headers = [
        _("Code"),
        _("Title"),
        _("Pillar"),
        *([_("Parties")] if wide else []),
        _("Status"),
        _("Target"),
    ]
    cells = [
        [
            r.code,
            lang.text(r.title, r.title_ja),
            r.pillar,
            *([", ".join(lang.party(p) for p in r.parties)] if wide else []),
            lang.status(r.status),
            lang.date(r.target) if r.target else "",
        ]
        for r in rows
    ]
    for text in render(headers, cells, width=width, flexible=1, max_widths={2: 20 if wide else 12}):
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
        typer.Option(metavar="DATE", help="Target date before this date (YYYY-MM-DD)."),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(metavar="TEXT", help="Text in the code, title, description or quote."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include closed items.")] = False,
    limit: Annotated[
        int | None,
        typer.Option(metavar="N", parser=whole_number(minimum=1), help="At most this many rows."),
    ] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ListFormat.table
    ),
    lang: LangOpt = None,
) -> None:
    """List commitments: the open ones by default (not started, in progress, stalled).

    json is an array of objects and csv has a header row; both carry code, title, pillar, kind,
    parties, owners, target, status, inferred and declaration, in that order.

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
    )
    if fmt is ListFormat.table:
        language = Language(resolve_language(lang))
        with session(ctx) as s:
            table = list(list_commitments(s, flt))
        _print_table(table, language)  # after the transaction: the terminal may page it
        return
    from tracker.scrub import csv_blocks, csv_row, json_text

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
            fields = operator.attrgetter(*LIST_FIELDS)  # as_dict's values, read in C
            cells = (
                csv_row(
                    ["; ".join(v) if isinstance(v, list) else str(v or "") for v in fields(row)]
                )
                for row in rows
            )
            for block in csv_blocks(LIST_FIELDS, cells):
                out.write(block)


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
    status: StatusOpt,
    note: Annotated[
        str | None, typer.Option("--note", "-m", metavar="TEXT", help="What happened.")
    ] = None,
    evidence: EvidenceOpt = None,
    on: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="When it happened (YYYY-MM-DD) [default: today]."),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="NAME", help="Who records it [default: your user name]."),
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
) -> None:
    """Record a status event for a commitment (the same status again adds a note or evidence).

    With --party the event assesses that party alone (G7 style: a joint pledge can be kept by
    one side and not the other); the commitment's own status is unchanged.

    Evidence details pair up with -e in order (--evidence-kind news_report); a single one
    applies to every -e.

    Example: tracker progress CYB-01 --status in_progress -m "Working group met"
    -e https://www.gov.uk/...
    """
    _record(
        ctx,
        status,
        on,
        evidence_specs(evidence, evidence_kind, evidence_title, evidence_date, clock_today(ctx)),
        code=code,
        note=note,
        actor=by,
        reason=reason,
        party=party,
        corrects=corrects,
        before_declaration=before_declaration,
    )


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
        typer.Option(metavar="DATE", help="The right date (YYYY-MM-DD) [default: the event's]."),
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
        typer.Option("--by", metavar="NAME", help="Who records it [default: your user name]."),
    ] = None,
    before_declaration: BeforeDeclarationOpt = False,
) -> None:
    """Correct a recorded event with a new one; the original stays in the history, marked.

    Example: tracker correct 12 --status stalled --reason "misread the MOD statement"
    """
    _record(
        ctx,
        status,
        on,
        evidence_specs(evidence, evidence_kind, evidence_title, evidence_date, clock_today(ctx)),
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
        str | None, typer.Option(metavar="DATE", help="Events on or after this date.")
    ] = None,
    code: Annotated[
        str | None,
        typer.Option(metavar="CODE", help="Only this commitment.", autocompletion=complete_code),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(metavar="N", parser=whole_number(minimum=1), help="At most this many events."),
    ] = None,
    declaration: DeclarationOpt = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.text
    ),
) -> None:
    """Recent status events across all commitments, newest first.

    Example: tracker log --since 2026-06-01
    """
    from tracker.history import recent_events
    from tracker.item_view import event_data

    since_date = parse_date(since, "--since", clock_today(ctx))
    # Written as read, a block at a time (a long log never sits whole in memory), into held
    # output that is printed once the transaction has ended.
    with held_output() as out, session(ctx) as s:
        logged = recent_events(
            s, since=since_date, code=code, limit=limit, declarations=tuple(declaration or ())
        )
        if fmt is ShowFormat.json:
            _log_json(logged, out)
            return
        lines: list[str] = []
        empty = True
        for x in logged:
            empty = False
            lines.extend(_log_lines(x.code, event_data(x.event, x.corrected_by)))
            if len(lines) >= _PRINT_BLOCK:
                out.write("\n".join(lines) + "\n")
                lines = []
        if empty:
            lines.append("No events.")
        if lines:
            out.write("\n".join(lines) + "\n")


# Lines (or JSON objects) written at once: one write per block, not per line.
_PRINT_BLOCK = 1000


def _log_lines(code: str, e: dict[str, Any]) -> Iterator[str]:
    change = _change(e)
    who = f" [{_flat(e['party'])}]" if e["party"] else ""
    marks = f"  [correction of #{e['corrects']}]" if e["corrects"] else ""
    if e["corrected_by"]:
        marks += f"  [corrected by #{e['corrected_by']}]"
    yield f"{e['on']}  #{e['id']}  {_flat(code)}{who}  {change}  by {_flat(e['actor'])}{marks}"
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
