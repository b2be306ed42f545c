"""The everyday commands: list, show, progress, log."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.cli.options import (
    PartyOpt,
    PillarOpt,
    StatusesOpt,
    StatusOpt,
    parse_date,
    parse_kinds,
    parse_statuses,
    session,
)
from tracker.statuses import LABELS, SCORES, Status, parse_status, status_for_party

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.commitments import CommitmentRow
    from tracker.models import Commitment, StatusEvent


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ShowFormat(StrEnum):
    text = "text"
    json = "json"


LIST_FIELDS = ["code", "title", "pillar", "kind", "parties", "owner", "target", "status"]


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _label(status: str) -> str:
    return LABELS[Status(status)]


def _print_table(rows: list[CommitmentRow]) -> None:
    from rich.console import Console
    from rich.table import Table

    # Fit the terminal (80 columns when piped): the title takes what the short columns leave,
    # and parties are dropped below 100 columns rather than squeezing the title.
    console = Console(highlight=False)
    wide = console.width >= 100
    table = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    table.add_column("Code", no_wrap=True)
    table.add_column("Title", ratio=1, overflow="fold")
    table.add_column("Pillar", no_wrap=True, max_width=20 if wide else 12, overflow="ellipsis")
    if wide:
        table.add_column("Parties", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Target", no_wrap=True)
    for r in rows:
        cells = [r.code, r.title, r.pillar]
        if wide:
            cells.append(", ".join(r.parties))
        cells += [_label(r.status), r.target.isoformat() if r.target else ""]
        table.add_row(*cells)
    console.print(table, markup=False)
    console.print(f"{len(rows)} item{'s' if len(rows) != 1 else ''}", markup=False)


def list_command(
    ctx: typer.Context,
    status: StatusesOpt = None,
    pillar: PillarOpt = None,
    party: PartyOpt = None,
    owner: Annotated[str | None, typer.Option(help="Only items this body leads.")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="commitment, ongoing or prospective (repeatable).", show_default=False),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Target passed, not achieved.")
    ] = False,
    due_before: Annotated[
        str | None, typer.Option(help="Target date before this date (YYYY-MM-DD).")
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Text in the code, title, description or quote.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include closed items.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many rows.")] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ListFormat.table
    ),
) -> None:
    """List commitments: the open ones by default (not started, in progress, stalled).

    json is an array of objects and csv has a header row; both carry code, title, pillar, kind,
    parties, owner, target and status, in that order.

    Example: tracker list --pillar cyber --format csv
    """
    import datetime as dt

    from tracker.commitments import ListFilter, list_commitments

    flt = ListFilter(
        statuses=parse_statuses(status),
        pillar=pillar,
        party=party,
        owner=owner,
        kinds=parse_kinds(kind),
        overdue_on=dt.date.today() if overdue else None,
        due_before=parse_date(due_before, "--due-before"),
        search=search,
        include_closed=all_,
        limit=limit,
    )
    with session(ctx) as s:
        rows = list_commitments(s, flt)
        if fmt is ListFormat.table:
            _print_table(list(rows))
        elif fmt is ListFormat.json:
            out = sys.stdout
            out.write("[")
            for n, row in enumerate(rows):
                data = {k: row.as_dict()[k] for k in LIST_FIELDS}
                out.write(("," if n else "") + "\n  " + json.dumps(data, ensure_ascii=False))
            out.write("\n]\n")
        else:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(LIST_FIELDS)
            for row in rows:
                data = row.as_dict()
                writer.writerow(
                    [
                        "; ".join(v) if isinstance(v := data[k], list) else ("" if v is None else v)
                        for k in LIST_FIELDS
                    ]
                )


def _event_data(e: StatusEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "on": e.effective_on.isoformat(),
        "party": e.party,
        "from_status": e.from_status,
        "status": e.to_status,
        "note": e.note,
        "reason": e.reason,
        "evidence": [ev.reference for ev in e.evidence],
        "actor": e.actor,
        "recorded_at": e.recorded_at.isoformat(),
    }


def _party_status(c: Commitment, events: list[StatusEvent]) -> dict[str, str]:
    """Each party's status: its own latest event, else the commitment's (events are in order)."""
    own = {e.party: Status(e.to_status) for e in events if e.party is not None}
    whole = Status(c.status)
    return {p: status_for_party(own.get(p), whole).value for p in c.parties}


def _commitment_data(c: Commitment, events: list[StatusEvent]) -> dict[str, Any]:
    return {
        "code": c.code,
        "title": c.title,
        "declaration": c.declaration.slug,
        "pillar": c.pillar.slug,
        "pillar_title": c.pillar.title,
        "kind": c.kind,
        "parties": list(c.parties),
        "owner": list(c.owners),
        "target": c.target_date.isoformat() if c.target_date else None,
        "target_label": c.target_label,
        "status": c.status,
        "score": SCORES[Status(c.status)],
        "party_status": _party_status(c, events),
        "description": c.description,
        "quote": c.quote,
        "events": [_event_data(e) for e in events],
    }


def show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Commitment code, e.g. CYB-02.", show_default=False)],
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.text
    ),
) -> None:
    """Everything about one commitment, with its full timeline of status events.

    Example: tracker show CYB-01
    """
    from tracker.commitments import get_commitment, timeline

    with session(ctx) as s:
        c = get_commitment(s, code)
        events = timeline(s, c)
        data = _commitment_data(c, events)
    if fmt is ShowFormat.json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = _console()
    target = data["target"] or "none"
    if data["target_label"]:
        target = f"{data['target_label']} ({target})"
    lines = [
        f"{data['code']}  {data['title']}",
        f"Status:      {_label(data['status'])} (score {data['score']:+d})",
        "By party:    " + "; ".join(f"{p}: {_label(st)}" for p, st in data["party_status"].items()),
        f"Pillar:      {data['pillar_title']} [{data['pillar']}]",
        f"Kind:        {data['kind']}",
        f"Parties:     {', '.join(data['parties'])}",
        f"Lead bodies: {', '.join(data['owner']) or '—'}",
        f"Target:      {target}",
        f"Declaration: {data['declaration']}",
        "",
        data["description"],
        "",
        f"Source: “{data['quote']}”",
        "",
        f"Timeline ({len(events)} event{'s' if len(events) != 1 else ''}):",
    ]
    for line in lines:
        console.print(line, markup=False)
    if not events:
        console.print("  no events yet: not started (not yet rated)", markup=False)
    for e in data["events"]:
        change = (
            _label(e["status"])
            if e["from_status"] == e["status"]
            else f"{_label(e['from_status'])} → {_label(e['status'])}"
        )
        who = f"[{e['party']}] " if e["party"] else ""
        console.print(
            f"  {e['on']}  {who}{change}  by {e['actor']}  "
            f"(#{e['id']}, recorded {e['recorded_at']})",
            markup=False,
        )
        if e["note"]:
            console.print(f"      {e['note']}", markup=False)
        if e["reason"]:
            console.print(f"      reason: {e['reason']}", markup=False)
        for ref in e["evidence"]:
            console.print(f"      evidence: {ref}", markup=False)


def progress(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Commitment code, e.g. CYB-02.", show_default=False)],
    status: StatusOpt,
    note: Annotated[str | None, typer.Option("--note", "-m", help="What happened.")] = None,
    evidence: Annotated[
        list[str] | None,
        typer.Option(
            "--evidence", "-e", help="URL or document citation (repeatable).", show_default=False
        ),
    ] = None,
    on: Annotated[
        str | None, typer.Option(help="When it happened (YYYY-MM-DD) [default: today].")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who records it [default: your user name].")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(help="Why, when leaving achieved, partially achieved or dropped."),
    ] = None,
    party: Annotated[
        str | None,
        typer.Option(
            help="Assess one party's part (e.g. UK) rather than the commitment as a whole."
        ),
    ] = None,
) -> None:
    """Record a status event for a commitment (the same status again adds a note or evidence).

    With --party the event assesses that party alone (G7 style: a joint pledge can be kept by
    one side and not the other); the commitment's own status is unchanged.

    Example: tracker progress CYB-01 --status in_progress -m "Working group met"
    -e https://www.gov.uk/...
    """
    from tracker.errors import TrackerError
    from tracker.progress import record_progress

    try:
        new = parse_status(status)
    except ValueError as exc:
        raise TrackerError(str(exc)) from None
    when = parse_date(on, "--on")
    with session(ctx, write=True) as s:
        result = record_progress(
            s,
            code=code,
            status=new,
            note=note,
            evidence=evidence or [],
            on=when,
            actor=by,
            reason=reason,
            party=party,
        )
    change = (
        f"{LABELS[result.old]} (unchanged)"
        if result.old == result.new
        else f"{LABELS[result.old]} → {LABELS[result.new]}"
    )
    who = f" [{result.party}]" if result.party else ""
    typer.echo(
        f"{result.code}{who}: {change} on {result.effective_on.isoformat()} "
        f"(event #{result.event_id})"
    )
    if result.current != result.new:
        typer.echo(
            f"{result.code}{who}: current status stays {LABELS[result.current]} "
            "(a later event exists)"
        )


def log(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="Events on or after this date.")] = None,
    code: Annotated[str | None, typer.Option(help="Only this commitment.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many events.")] = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.text
    ),
) -> None:
    """Recent status events across all commitments, newest first.

    Example: tracker log --since 2026-06-01
    """
    from tracker.history import recent_events

    since_date = parse_date(since, "--since")
    with session(ctx) as s:
        logged = recent_events(s, since=since_date, code=code, limit=limit)
        data = [{"code": x.code, **_event_data(x.event)} for x in logged]
    if fmt is ShowFormat.json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = _console()
    if not data:
        console.print("No events.", markup=False)
    for e in data:
        change = (
            _label(e["status"])
            if e["from_status"] == e["status"]
            else f"{_label(e['from_status'])} → {_label(e['status'])}"
        )
        who = f" [{e['party']}]" if e["party"] else ""
        console.print(f"{e['on']}  {e['code']}{who}  {change}  by {e['actor']}", markup=False)
        if e["note"]:
            console.print(f"    {e['note']}", markup=False)
        if e["reason"]:
            console.print(f"    reason: {e['reason']}", markup=False)
        for ref in e["evidence"]:
            console.print(f"    evidence: {ref}", markup=False)
