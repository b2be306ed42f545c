"""`tracker verify`: is the recorded history intact, and unchanged since a saved anchor?"""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.output import say
from tracker.cli.running import session
from tracker.i18n import counted

app = typer.Typer()


@app.command()
def verify(
    ctx: typer.Context,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            metavar="FILE",
            help="A JSON report, an export or a digest saved earlier: name what changed since.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Recompute every commitment's event chain and cached status; exit 1 if anything is wrong.

    Detects events edited, deleted, inserted or reordered outside the tool, a current status
    that disagrees with the last event, a burn-up cache that disagrees with the events, and a
    missing append-only guard; notes chains that an upgrade built over existing events. Prints
    the heads digest (chain heads only) and the anchor digest (chain heads and lengths, every
    item's text, each declaration's source).

    With --against, also compares with a saved report (tracker report --format json), export,
    or either digest, and names what changed since: events added or removed per item, a chain
    rewritten, items added or removed, text changed. What the tool made and recorded (events and
    items added, text revised by `tracker load`) is exit 0; anything else is exit 1.

    Example: tracker verify --against reports/2plus2.json
    """
    from tracker import anchor
    from tracker.verify import verify as run

    saved = anchor.read(against) if against is not None else None
    with session(ctx) as s:
        result = run(s, saved)
    # Findings name what they found: codes and slugs of a database that may be hostile (say).
    for finding in result.findings:
        say(f"{finding.code}: {finding.message}", err=True)
    for note in result.notes:
        say(f"note: {note}", err=True)
    for change in result.changes:
        if change.suspicious:
            say(f"{change.code}: {change.message}", err=True)
        elif not quiet:
            say(f"{change.code}: {change.message}")
    if not result.ok:
        bad = len({f.code for f in result.findings})
        parts = []
        if result.findings:
            parts.append(
                f"{counted(len(result.findings), 'problem')} in {bad} of "
                f"{counted(result.commitments, 'commitment')}"
                if all(not f.code.startswith("milestone ") for f in result.findings)
                else counted(len(result.findings), "problem")
            )
        suspicious = sum(c.suspicious for c in result.changes)
        if suspicious:
            parts.append(
                f"{counted(suspicious, 'change')} since {saved.source if saved else 'the anchor'}"
            )
        say(f"verify: {'; '.join(parts)}", err=True)
        raise typer.Exit(1)
    if not quiet:
        since = ""
        if saved is not None:
            added = len(result.changes)
            what = counted(added, "recorded change") if added else "unchanged"
            since = f"; {what} since {saved.source}"
        say(
            f"verify: OK, {counted(result.commitments, 'commitment')}, "
            f"{counted(result.events, 'event')}"
            + (f", {counted(result.announcements, 'announcement')}" if result.announcements else "")
            + "; "
            f"heads digest {result.digest}; anchor digest {result.anchor_digest}{since}"
        )
