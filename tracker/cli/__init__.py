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
from typer._click import exceptions as click_exceptions
from typer.core import TyperGroup

from tracker import __version__
from tracker.errors import TrackerError


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


class TrackerGroup(TyperGroup):
    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        from tracker.cli.coercion import speed_up
        from tracker.cli.guards import refuse_repeats

        speed_up(self)
        refuse_repeats(self)
        return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            _fail(str(exc), exc.exit_code)
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
        from tracker.cli.guards import undecodable

        bad = undecodable(sys.argv[1:] if args is None else list(args))
        if bad is not None:
            typer.echo(f"error: {bad}", err=True)
            sys.exit(2)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except click_exceptions.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
            sys.exit(2)
        except click_exceptions.UsageError as exc:
            path = exc.ctx.command_path if exc.ctx else "tracker"
            typer.echo(f"error: {exc.format_message()} (see `{path} --help`)", err=True)
            sys.exit(exc.exit_code)
        except click_exceptions.ClickException as exc:
            typer.echo(f"error: {exc.format_message()}", err=True)
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


# Command name -> (module in tracker.cli, function); "db" is a group of its own.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("setup", "init"),
    "load": ("setup", "load"),
    "list": ("items", "list_command"),
    "show": ("items", "show"),
    "progress": ("items", "progress"),
    "correct": ("items", "correct"),
    "log": ("items", "log"),
    "report": ("report", "report"),
    "verify": ("integrity", "verify"),
    "export": ("transfer", "export"),
    "import": ("transfer", "import_"),
    "db": ("database", "app"),
}


def make_app(names: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """The `tracker` app with the given commands, in COMMANDS order."""
    import importlib

    tracker_app = typer.Typer(
        cls=TrackerGroup,
        name="tracker",
        help="Track the commitments of the 2026 Japan–UK declaration: progress, lists, reports.",
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    tracker_app.callback()(main_callback)
    for name in COMMANDS:
        if name not in names:
            continue
        module, attr = COMMANDS[name]
        target = getattr(importlib.import_module(f"tracker.cli.{module}"), attr)
        if isinstance(target, typer.Typer):
            tracker_app.add_typer(target, name=name)
        else:
            tracker_app.command(name)(target)
    return tracker_app


app = make_app()


def invoked_command(argv: Sequence[str]) -> str | None:
    """The command a command line runs, when it is plainly one of ours; else None.

    Only the root options can come before it: --db VALUE or --db=VALUE. Help, --version and
    anything unexpected return None, and the whole app (every command) handles them.
    """
    rest = iter(argv)
    for arg in rest:
        if arg == "--db":
            next(rest, None)
        elif arg.startswith("--db="):
            continue
        else:
            return arg if arg in COMMANDS else None
    return None


def main() -> None:
    # A command is one short process whose objects (rows, report lines, loaded items) hold no
    # reference cycles, so the cyclic collector frees next to nothing (tests/test_gc.py checks
    # that the garbage does not grow with the data), while its passes over 100,000 live rows
    # cost a large load half its time. Reference counting still frees everything as it goes.
    gc.disable()
    # Typer builds every registered command's parameters on each call (about 10 ms for ours);
    # a command line that plainly runs one command gets an app that holds only that one.
    # Shell completion and help need them all.
    name = None if "_TRACKER_COMPLETE" in os.environ else invoked_command(sys.argv[1:])
    try:
        (make_app([name]) if name else app)()
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

    Tearing down the modules and objects of SQLAlchemy, Typer and ours took 50-60 ms of every
    call, a sixth of a short command. Nothing of ours needs it: each command has committed or
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
