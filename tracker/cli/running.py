"""How a command runs against the database: the URL of this invocation, its session, one
transaction per writing command, and the collector paused for a command that builds large
reports. The database layer is imported inside each, so `tracker --help` and completion, which
load this module, stay fast.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


def database_url(ctx: typer.Context) -> str:
    from tracker.config import resolve_url

    obj = ctx.find_root().obj or {}
    return resolve_url(obj.get("db"))


@contextmanager
def session(ctx: typer.Context, *, write: bool = False) -> Iterator[Session]:
    from tracker.db import session_scope

    with session_scope(database_url(ctx), write=write) as s:
        yield s


def clock_today(ctx: typer.Context) -> Callable[[], dt.date]:
    """Today in the tracker's clock (tracker.clock), read from the database when first asked
    and kept for the rest of the command, so every date of one command agrees."""
    root = ctx.find_root()

    def today() -> dt.date:
        if root.obj is None:
            root.obj = {}
        if "today" not in root.obj:
            from tracker import clock

            with session(ctx) as s:
                root.obj["today"] = clock.today(s)
        day: dt.date = root.obj["today"]
        return day

    return today


def transact(ctx: typer.Context, work: Callable[[Session], T]) -> T:
    """Run a writing command's work in one transaction, retried on a conflict."""
    from tracker.db import run_in_transaction

    return run_in_transaction(database_url(ctx), work)


def pause_collector(ctx: typer.Context) -> None:
    """Turn the cyclic garbage collector off until the command ends (it is turned back on when
    its context closes, error or not). For a command that builds many report lines: they hold
    no reference cycles (tests/test_gc.py counts what a collection finds at the end), yet each
    pass of the collector walks every line made since the last (README, Performance)."""
    gc.disable()
    ctx.call_on_close(gc.enable)
