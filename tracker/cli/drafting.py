"""`tracker draft`: a fixture skeleton from a declaration's text, for an analyst to review."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import OutputOpt
from tracker.cli.output import write_output
from tracker.cli.running import database_url

app = typer.Typer()


def _source_file(text: Path, output: Path | None) -> str:
    """How the draft names its text: relative to the folder it is written to when the text is
    inside it (the loader reads a source file only there), else by its name alone (the header
    of the draft says to put the text beside it)."""
    if output is None:
        return text.name
    folder = Path(os.path.realpath(output.absolute().parent))
    real = Path(os.path.realpath(text))
    return real.relative_to(folder).as_posix() if real.is_relative_to(folder) else text.name


@app.command()
def draft(
    ctx: typer.Context,
    text: Annotated[
        Path,
        typer.Argument(
            metavar="TEXT", help="The declaration's source text (UTF-8).", show_default=False
        ),
    ],
    output: OutputOpt = None,
    slug: Annotated[
        str | None,
        typer.Option(metavar="SLUG", help="The declaration's slug [default: from TEXT's name]."),
    ] = None,
) -> None:
    """Draft a declaration fixture from its text: one candidate item per sentence the method
    tracks (commitment, priority, ongoing, outlook), each with its verbatim quote, the verb
    found, its parties, and TODOs for the analyst. The draft is marked `draft: true`, which
    `tracker load` refuses until it has been reviewed.

    Example: tracker draft statement.txt -o statement.yaml
    """
    from tracker.draft import draft_fixture, read_text, slug_of
    from tracker.errors import TrackerError

    if slug is not None:
        from tracker.errors import InputError
        from tracker.limits import check

        problem = check("declarations", "slug")(slug)
        if problem is not None:
            raise InputError(f"--slug {slug!r}: {problem}")
    source = read_text(text)
    if output is not None and os.path.realpath(output) == os.path.realpath(text):
        raise TrackerError(f"refusing to write {output}: it is the text being drafted from")
    document = draft_fixture(source, _source_file(text, output), slug or slug_of(text))
    write_output(document, output, database=database_url(ctx))
