"""`tracker evidence get`: a document attached as evidence, back out of the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.coercion import whole_number
from tracker.cli.output import say, write_output
from tracker.cli.running import database_url, session

app = typer.Typer(
    help="Documents attached as evidence (progress --attach FILE), kept in the database.\n\n"
    "Example: tracker evidence get 12 -o readout.pdf",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command()
def get(
    ctx: typer.Context,
    evidence_id: Annotated[
        int,
        typer.Argument(
            metavar="ID",
            parser=whole_number(),
            help="The evidence record (its id: `show CODE --format json`, evidence_details).",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Where to write it.", show_default=False
        ),
    ],
) -> None:
    """Write the document attached to an evidence record to FILE, byte for byte, once its
    content is checked against the hash the event recorded.

    Example: tracker evidence get 12 -o readout.pdf
    """
    from tracker.attachments import fetch

    with session(ctx) as s:
        document = fetch(s, evidence_id)
    # After the transaction; through the safe writer (never over the database, a link another
    # user owns or a device).
    write_output(document.content, output, database=database_url(ctx))
    say(f"{document.name} ({document.media_type}, sha256 {document.sha256})", err=True)
