"""What the commands share: option aliases, date parsing, the session for this invocation.

Only Typer and the standard library are imported here, so `tracker --help` and shell completion
stay fast; commands import the database layer inside their bodies.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.errors import TrackerError
from tracker.statuses import KINDS, STATUSES, Kind, Status, parse_kind, parse_status

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def complete_status(incomplete: str) -> list[str]:
    return [s.value for s in STATUSES if s.value.startswith(incomplete)]


def complete_kind(incomplete: str) -> list[str]:
    return [k.value for k in KINDS if k.value.startswith(incomplete)]


StatusOpt = Annotated[
    str,
    typer.Option(
        "--status",
        "-s",
        help=f"New status: {', '.join(STATUSES)}.",
        autocompletion=complete_status,
        show_default=False,
    ),
]
StatusesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        "-s",
        help="Only these statuses (repeatable).",
        autocompletion=complete_status,
        show_default=False,
    ),
]
PillarOpt = Annotated[
    str | None, typer.Option("--pillar", "-p", help="Pillar slug or title.", show_default=False)
]
PartyOpt = Annotated[
    str | None, typer.Option("--party", help="Only items this party is responsible for.")
]
DeclarationOpt = Annotated[
    str | None, typer.Option("--declaration", help="Declaration slug (default: all).")
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout."),
]


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text == "today":
        return dt.date.today()
    if text == "yesterday":
        return dt.date.today() - dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TrackerError(
            f"{option}: invalid date {value!r}; use YYYY-MM-DD (or 'today')"
        ) from None


def parse_statuses(values: list[str] | None) -> list[Status]:
    try:
        return [parse_status(v) for v in values or []]
    except ValueError as exc:
        raise TrackerError(str(exc)) from None


def parse_kinds(values: list[str] | None) -> list[Kind]:
    try:
        return [parse_kind(v) for v in values or []]
    except ValueError as exc:
        raise TrackerError(str(exc)) from None


def database_url(ctx: typer.Context) -> str:
    from tracker.config import resolve_url

    obj = ctx.find_root().obj or {}
    return resolve_url(obj.get("db"))


@contextmanager
def session(ctx: typer.Context, *, write: bool = False) -> Iterator[Session]:
    from tracker.db import session_scope

    with session_scope(database_url(ctx), write=write) as s:
        yield s


def write_output(text: str, output: Path | None) -> None:
    """Print, or write the file atomically (a reader never sees half a report)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise TrackerError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {output}", err=True)
