"""`tracker init` and `tracker load`: create the database and bring declarations into it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.output import say
from tracker.cli.running import database_url, transact

if TYPE_CHECKING:
    from tracker.loading import LoadResult


app = typer.Typer()


def _print_result(result: LoadResult) -> None:
    # Codes, slugs and reasons come from the file loaded, which someone else may have written.
    verb = "loaded" if result.created_declaration else "synced"
    parts = [f"{len(result.added)} added", f"{len(result.changed)} changed"]
    parts.append(f"{result.unchanged} unchanged")
    if result.missing:
        parts.append(f"{len(result.missing)} missing from the file")
    say(f"Declaration {result.declaration} {verb}: {', '.join(parts)}.")
    if result.added and len(result.added) <= 50:
        say(f"  added: {', '.join(result.added)}")
    for code, fields in list(result.changed.items())[:50]:
        say(f"  changed {code}: {', '.join(fields)}")
    items = result.unchanged + len(result.added) + len([c for c in result.changed if "-" in c])
    if 0 < len(result.untranslated) < items:
        # A file that translates some items: the rest show in English, marked, in Japanese.
        shown = ", ".join(result.untranslated[:20]) + (
            " …" if len(result.untranslated) > 20 else ""
        )
        say(f"  no Japanese translation (shown in English, marked): {shown}")
    for code, (into, why) in result.retired.items():
        became = f"now part of {into}" if into else "no longer tracked"
        say(f"  retired {code} (kept, with its history; {became}): {why}")
    if result.linked:
        say(f"  linked: {', '.join(result.linked[:50])}")
    if result.missing:
        say(f"  missing (kept, with their history): {', '.join(result.missing)}", err=True)


@app.command()
def init(
    ctx: typer.Context,
    fixture: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Declaration fixture to load [default: the bundled 2026 declaration].",
        ),
    ] = None,
) -> None:
    """Create the database (or upgrade it to the current schema) and load the declaration.

    Safe to run again: nothing is duplicated and no history is touched.

    Example: tracker init
    """
    from tracker.db import describe
    from tracker.setup import initialise

    url = database_url(ctx)
    done = initialise(url, fixture)
    say(f"Database: {describe(url)}{' (created)' if done.created else ''}")
    _print_result(done.loaded)


@app.command()
def load(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="Declaration fixture (YAML).", show_default=False)
    ],
) -> None:
    """Load a declaration fixture, or sync the database with an updated one.

    New items are added and changed wording is updated; history is never touched, and items
    the file no longer lists are reported, not deleted.

    Example: tracker load fixtures/japan-uk-2026.yaml
    """
    from tracker.loading import read_fixture, sync_fixture

    loaded = read_fixture(path)
    _print_result(transact(ctx, lambda s: sync_fixture(s, loaded)))
