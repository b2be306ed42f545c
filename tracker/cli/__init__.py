"""The `tracker` command: wires the command modules together and turns errors into one line.

Every failure the user can act on leaves as `error: <one line>` on stderr with exit code 1
(2 for usage errors), never a traceback; each command runs in one transaction, so a failure
writes nothing.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from tracker import __version__
from tracker.cli import (
    database,
    drafting,
    evidence,
    integrity,
    items,
    report,
    schedule,
    settings,
    setup,
    transfer,
)
from tracker.cli.argv import refuse_repeats, undecodable
from tracker.errors import FieldError, TrackerError

# The flag that sets each field a domain error can name (tracker.errors.FieldError).
FLAGS: dict[str, str] = {
    "effective_on": "--on",
    "published_on": "--evidence-date",
    "reason": "--reason",
    "actor": "--by",
    "note": "--note",
    "evidence": "--evidence",
    "evidence_title": "--evidence-title",
    "before_declaration": "--before-declaration",
    "output": "--output",
    "against": "--against",
    "allow_unverified": "--allow-unverified",
    "declaration": "--declaration",
}


def said(exc: TrackerError) -> str:
    """An error as the command line says it: fields named by their flags."""
    return exc.render(FLAGS) if isinstance(exc, FieldError) else str(exc)


def _error(message: str) -> None:
    """The one `error:` line. A message can quote what it refused (a code from the database, a
    name from a file, a value typed): what in it could command a terminal or break the line is
    shown as U+FFFD (tracker.scrub), so the error is always one harmless line."""
    from tracker.scrub import visible

    typer.echo(f"error: {visible(message)}", err=True)


def _fail(message: str, code: int) -> NoReturn:
    _error(message)
    raise typer.Exit(code)


class TrackerGroup(TyperGroup):
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        refuse_repeats(self)
        return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            _fail(said(exc), exc.exit_code)
        except Exception as exc:
            # Only the database's own failures (a DBAPIError wraps the driver's: connection
            # refused, disk full, a constraint) are one line; any other SQLAlchemy error is a
            # bug here and keeps its traceback. Looked up, not imported: a command that never
            # loaded SQLAlchemy cannot have raised its errors, and should not pay for the import.
            sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
            if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.DBAPIError):
                from tracker.config import resolve_url
                from tracker.db import connection_error

                root = ctx.find_root().obj or {}
                _fail(str(connection_error(resolve_url(root.get("db")), exc)), 1)
            raise

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        bad = undecodable(sys.argv[1:] if args is None else list(args))
        if bad is not None:
            _error(bad)
            sys.exit(2)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as exc:
            # Click's errors, which Typer vendors, all derive from this public class; a usage
            # error (a bad option or value) is the one with exit code 2 and a context.
            message = exc.format_message()
            if exc.exit_code == 2:
                ctx = getattr(exc, "ctx", None)
                path = ctx.command_path if ctx is not None else "tracker"
                message = f"{message} (see `{path} --help`)"
            _error(message)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


def main_callback(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            envvar="TRACKER_DATABASE_URL",
            help="Database URL or SQLite file path "
            "[default: tracker.db in the user data directory].",
            show_default=False,
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Track the commitments of the 2026 Japan–UK declaration: progress, lists, reports.

    Example: tracker init && tracker list && tracker report
    """
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is None:
        # `tracker` alone (or with only --db): what there is to do, as a usage error.
        typer.echo(ctx.get_help(), err=True)
        raise typer.Exit(2)


app = typer.Typer(
    cls=TrackerGroup,
    name="tracker",
    help="Track the commitments of the 2026 Japan–UK declaration: progress, lists, reports.",
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.callback()(main_callback)
# Each module registers its commands on its own Typer, beside their definitions; without a
# name, add_typer lists them at the top level, in this order.
for commands in (setup.app, drafting.app, items.app, report.app, integrity.app, transfer.app):
    app.add_typer(commands)
app.add_typer(schedule.app, name="milestone")
app.add_typer(schedule.cutoff_app, name="cutoff")
app.add_typer(database.app, name="db")
app.add_typer(settings.app, name="config")
app.add_typer(evidence.app, name="evidence")


def main() -> None:
    # A command's objects (rows, report lines, loaded items) hold no reference cycles
    # (tests/test_gc.py): the collector's default passes (one per 700 allocations, now and then
    # a full one over every live row) find nothing but cost a large load a quarter of its CPU;
    # this threshold gives nearly all of what turning it off would (README, Performance), and
    # left on, the collector is a safety net for a cycle someone adds.
    gc.set_threshold(100_000, 50, 100)
    try:
        app()
    except BrokenPipeError:
        # `tracker list | head`: the reader left; stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        leave(1)
    except OSError as exc:
        # Output that cannot be written (`> /dev/full`, a full disk): one line, not a traceback.
        # Nothing was committed by a reading command; a writing one says so itself (progress).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        with contextlib.suppress(OSError):
            sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
        leave(1)
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            leave(done.code or 0)
        raise
    leave(0)


def leave(code: int) -> NoReturn:
    """End the process now that the command is done, skipping the interpreter's teardown.

    Tearing down the modules and objects of SQLAlchemy, Typer and ours took a sixth of a short
    command (README, Performance). Nothing of ours needs it: each command has committed or
    rolled back and written its output by now, files are closed by their `with` blocks, and
    database connections are closed here, as teardown would have (cleanly: a PostgreSQL server
    sees a normal goodbye, a SQLite WAL is checkpointed).
    """
    db = sys.modules.get("tracker.db")
    if db is not None:
        db.dispose_engines()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe, a closed stream, or none at all (fd closed at start: `>&-`): nothing
        # more can be said there, and the command's work is done; the exit code stands.
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.flush()
    os._exit(code)
