"""`tracker report`: the status report, in the format asked for."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from tracker.cli.options import (
    DeclarationOpt,
    OutputOpt,
    PartyOpt,
    PillarOpt,
    parse_date,
    session,
    write_output,
)


class ReportFormat(StrEnum):
    md = "md"
    json = "json"


def report(
    ctx: typer.Context,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ReportFormat.md
    ),
    output: OutputOpt = None,
    as_of: Annotated[
        str | None, typer.Option(help="Status as of this date, rebuilt from the history.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="List the changes on or after this date.")
    ] = None,
    pillar: PillarOpt = None,
    party: PartyOpt = None,
    declaration: DeclarationOpt = None,
) -> None:
    """A status report: counts, completion, compliance scores, overdue and open items.

    Example: tracker report --format md --output report.md --since 2026-10-01
    """
    from tracker.reports.model import build

    as_of_date = parse_date(as_of, "--as-of")
    since_date = parse_date(since, "--since")
    with session(ctx) as s:
        model = build(
            s,
            as_of=as_of_date,
            since=since_date,
            pillar=pillar,
            party=party,
            declaration=declaration,
        )
    if fmt is ReportFormat.json:
        from tracker.reports.as_json import render
    else:
        from tracker.reports.as_markdown import render
    write_output(render(model), output)
