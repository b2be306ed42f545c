"""`tracker verify`: is the recorded history intact?"""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.options import session


def verify(
    ctx: typer.Context,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Recompute every commitment's event chain and cached status; exit 1 if anything is wrong.

    Detects events edited, deleted, inserted or reordered outside the tool, and a current
    status that disagrees with the last event. Prints the digest over all chain heads, to
    compare with the one in a report or export.

    Example: tracker verify
    """
    from tracker.verify import verify as run

    with session(ctx) as s:
        result = run(s)
    for finding in result.findings:
        typer.echo(f"{finding.code}: {finding.message}", err=True)
    if not result.ok:
        bad = len({f.code for f in result.findings})
        typer.echo(
            f"verify: {len(result.findings)} problem(s) in {bad} of {result.commitments} "
            "commitments",
            err=True,
        )
        raise typer.Exit(1)
    if not quiet:
        typer.echo(
            f"verify: OK, {result.commitments} commitments, {result.events} events; "
            f"heads digest {result.digest}"
        )
