"""`tracker milestone ...` and `tracker cutoff set`: the dates the reports count down to and
assess at, set from the command line as chained, append-only announcements
(tracker.milestones)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.cli.options import (
    EvidenceDateOpt,
    EvidenceKindOpt,
    EvidenceOpt,
    EvidenceTitleOpt,
    evidence_specs,
    parse_date,
)
from tracker.cli.output import say
from tracker.cli.running import clock_today, session, transact

if TYPE_CHECKING:
    from tracker.milestones import AnnouncementResult
    from tracker.progress import EvidenceSpec

app = typer.Typer(
    help="The meetings the items' targets name, and the dates announced for them.\n\n"
    "Example: tracker milestone set ministers-2026 2026-12-15 -e https://www.gov.uk/...",
    no_args_is_help=True,
    rich_markup_mode=None,
)
cutoff_app = typer.Typer(
    help="The end of a declaration's compliance period (its final assessment).\n\n"
    'Example: tracker cutoff set 2027-01-31 --reason "the 2+2 slipped to January"',
    no_args_is_help=True,
    rich_markup_mode=None,
)

DeclarationOpt = Annotated[
    str | None,
    typer.Option(
        "--declaration",
        metavar="SLUG",
        help="The declaration (needed only when several are loaded).",
    ),
]
OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="DATE",
        help="When it was announced (2026-11-03, yesterday...) [default: today].",
    ),
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        help="Who records it [default: `tracker config` by, git's user.name, login].",
    ),
]


def _date(ctx: typer.Context, value: str, option: str) -> dt.date:
    parsed = parse_date(value, option, clock_today(ctx))
    assert parsed is not None
    return parsed


def _how(
    ctx: typer.Context, on: str | None, by: str | None, evidence: list[EvidenceSpec]
) -> dict[str, Any]:
    """What `milestone set` and `cutoff set` share: when announced, by whom, on what evidence."""
    return {
        "announced_on": parse_date(on, "--on", clock_today(ctx)),
        "actor": by,
        "evidence": evidence,
    }


def _print(result: AnnouncementResult, what: str) -> None:
    say(
        f"{what} {result.declaration}/{result.slug}: {result.previous.isoformat()} → "
        f"{result.date.isoformat()}, announced {result.announced_on.isoformat()} "
        f"(announcement #{result.event_id})"
    )


@app.command("set")
def set_date(
    ctx: typer.Context,
    slug: Annotated[
        str, typer.Argument(metavar="SLUG", help="The milestone (e.g. ministers-2026).")
    ],
    date: Annotated[
        str, typer.Argument(metavar="DATE", help="The date announced (2026-11-03, yesterday...).")
    ],
    note: Annotated[
        str | None, typer.Option("--note", "-m", metavar="TEXT", help="What was announced.")
    ] = None,
    evidence: EvidenceOpt = None,
    evidence_kind: EvidenceKindOpt = None,
    evidence_title: EvidenceTitleOpt = None,
    evidence_date: EvidenceDateOpt = None,
    on: OnOpt = None,
    by: ByOpt = None,
    declaration: DeclarationOpt = None,
) -> None:
    """Record the date announced for a milestone: every report counts down to it and the items
    it targets are due by it. The announcement is appended to the milestone's history (a
    hash chain that `tracker verify` checks); a later one supersedes it.

    Example: tracker milestone set ministers-2026 2026-12-15 -e https://www.gov.uk/...
    """
    from tracker.milestones import set_meeting

    how = _how(
        ctx,
        on,
        by,
        evidence_specs(evidence, evidence_kind, evidence_title, evidence_date, clock_today(ctx)),
    )
    when = _date(ctx, date, "DATE")
    result = transact(ctx, lambda s: set_meeting(s, declaration, slug, when, note=note, **how))
    _print(result, "milestone")


@app.command("list")
def list_milestones(
    ctx: typer.Context,
    declaration: DeclarationOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array, for scripts.")] = False,
) -> None:
    """Every milestone with its deadline, the dates announced for it (oldest first) and the one
    that stands.

    Example: tracker milestone list
    """
    from tracker.milestones import listing

    with session(ctx) as s:
        found = listing(s, declaration)
        rows: list[dict[str, Any]] = [
            {
                "declaration": listed.declaration,
                "slug": listed.milestone.slug,
                "kind": listed.milestone.kind,
                "title": listed.milestone.title,
                "deadline": listed.milestone.date.isoformat(),
                "rule": listed.milestone.rule or None,
                "date": (
                    listed.events[-1].date if listed.events else listed.milestone.date
                ).isoformat(),
                "announcements": [
                    {
                        "id": e.id,
                        "date": e.date.isoformat(),
                        "announced_on": e.announced_on.isoformat(),
                        "note": e.note,
                        "evidence": e.evidence,
                        "actor": e.actor,
                        "recorded_at": e.recorded_at.isoformat(),
                        "hash": e.hash,
                    }
                    for e in listed.events
                ],
            }
            for listed in found
        ]
    from tracker.scrub import json_text, one_line

    if as_json:
        typer.echo(json_text(json.dumps(rows, ensure_ascii=False, indent=2)))
        return

    if not rows:
        typer.echo("No milestones.")
    for row in rows:
        state = (
            f"{row['date']} (announced)"
            if row["announcements"]
            else f"{row['date']} (deadline; no date announced)"
        )
        where = one_line(f"{row['declaration']}/{row['slug']}")
        typer.echo(f"{where}  {one_line(row['title'])}: {state}")
        if row["rule"]:
            typer.echo(f"    rule: {one_line(row['rule'])}")
        for e in row["announcements"]:
            line = f"    #{e['id']} {e['announced_on']}: {e['date']} by {one_line(e['actor'])}"
            typer.echo(line + (f" — {one_line(e['note'])}" if e["note"] else ""))
            for source in e["evidence"]:
                title = f" ({one_line(source['title'])})" if source["title"] else ""
                typer.echo(f"        evidence: {one_line(source['reference'])}{title}")


@cutoff_app.command("set")
def set_cutoff(
    ctx: typer.Context,
    date: Annotated[
        str, typer.Argument(metavar="DATE", help="The new cut-off date (2026-11-03, yesterday...).")
    ],
    reason: Annotated[
        str,
        typer.Option(metavar="TEXT", help="Why the compliance period changes (required)."),
    ],
    evidence: EvidenceOpt = None,
    evidence_kind: EvidenceKindOpt = None,
    evidence_title: EvidenceTitleOpt = None,
    evidence_date: EvidenceDateOpt = None,
    on: OnOpt = None,
    by: ByOpt = None,
    declaration: DeclarationOpt = None,
) -> None:
    """Move a declaration's cut-off: after it, reports are the final assessment (each
    commitment's status on the cut-off date; one never assessed scores -1). Recorded as an
    announcement in the cut-off's own chained history, with the reason.

    Example: tracker cutoff set 2027-01-31 --reason "the 2+2 moved to January"
    """
    from tracker.milestones import set_cutoff as record

    how = _how(
        ctx,
        on,
        by,
        evidence_specs(evidence, evidence_kind, evidence_title, evidence_date, clock_today(ctx)),
    )
    when = _date(ctx, date, "DATE")
    result = transact(ctx, lambda s: record(s, declaration, when, reason=reason, **how))
    _print(result, "cut-off")
