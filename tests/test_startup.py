"""Fast start: `--help` loads no heavy library, completion no database layer, everyday
commands no more than they use.

Timing lives in benchmarks/run.py (never a timed assertion here); these tests pin the causes.
Typer 0.29 converts every parameter value through pydantic, `parser=` included, so everything
that parses a command line (completion too) loads pydantic: the price of using Typer's public
API only (tracker/cli/coercion.py), which the benchmark's targets still leave room for.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest


def _loaded(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    code = (
        "import json, os, sys\n"
        "args = json.loads(os.environ['PROBE_ARGS'])\n"
        "sys.argv = ['tracker', *args]\n"
        "import tracker.cli\n"
        "from tracker.cli import main\n"
        "import io, contextlib\n"
        # main() ends the process without teardown (tracker.cli.leave); here it must return.
        "def stay(code):\n"
        "    raise SystemExit(code)\n"
        "tracker.cli.leave = stay\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    import os

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "PROBE_ARGS": json.dumps(args)},
        check=True,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


HEAVY = ("sqlalchemy", "alembic", "jinja2", "pydantic", "yaml", "matplotlib", "rich")


def _roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_help_loads_nothing_heavy() -> None:
    assert not _roots(_loaded(["--help"])) & set(HEAVY)


def test_completion_loads_no_database_layer_or_renderer(cli_sqlite) -> None:
    """Status values come from the code; item codes from a SQLite file through the standard
    library's sqlite3 (tracker.names), not SQLAlchemy."""
    for words in ("tracker progress CYB-01 --status ", f"tracker --db {cli_sqlite.url} show CY"):
        env = {"_TRACKER_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "4"}
        loaded = _roots(_loaded([], env))
        assert "tracker" in loaded and not loaded & (set(HEAVY) - {"pydantic"})


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--format", "csv", "--limit", "3"],
        ["show", "CYB-01", "--format", "json"],
        [
            "progress",
            "CYB-01",
            "-s",
            "in_progress",
            "-m",
            "x",
            "-e",
            "y",
            "--evidence-kind",
            "document",
        ],
    ],
    ids=["list", "show", "progress"],
)
def test_everyday_commands_skip_yaml_migrations_and_renderers(cli_sqlite, args: list[str]) -> None:
    loaded = _roots(_loaded(["--db", cli_sqlite.url, *args]))
    assert "sqlalchemy" in loaded  # the command really ran
    assert not loaded & {"yaml", "alembic", "jinja2", "matplotlib"}


def test_show_progress_and_list_skip_rich(cli_sqlite) -> None:
    for args in (["show", "CYB-01"], ["progress", "CYB-02", "-s", "in_progress"], ["list"]):
        loaded = _roots(_loaded(["--db", cli_sqlite.url, *args]))
        assert "sqlalchemy" in loaded
        assert "rich" not in loaded


def _tracker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args], capture_output=True, text=True, check=False
    )


def test_the_app_as_a_process_suggests_and_helps(cli_sqlite) -> None:
    """The whole app, as the installed command runs it: a typo gets a suggestion, and each
    command and group its help."""
    typo = _tracker("--db", cli_sqlite.url, "shw", "CYB-01")
    assert typo.returncode == 2 and "Did you mean 'show'?" in typo.stderr
    assert "show [OPTIONS] {CODE}" in _tracker("show", "--help").stdout
    assert "current" in _tracker("--db", cli_sqlite.url, "db", "--help").stdout


# An underscored module of typer, imported by its dotted name or named in a from-import.
PRIVATE_TYPER = re.compile(r"\b(from|import)\s+typer\._|\bfrom\s+typer\s+import\s+\(?\s*_")


def test_no_private_typer_module_is_imported() -> None:
    """Typer vendors click as `typer._click` and keeps its conversion in `typer._coercion`;
    its maintainers advise against importing them, and a release may change them silently."""
    from pathlib import Path

    import tracker

    package = Path(tracker.__file__).parent
    tests = Path(__file__).parent
    sources = [*package.rglob("*.py"), *tests.glob("*.py")]
    private = [
        str(path) for path in sources if PRIVATE_TYPER.search(path.read_text(encoding="utf-8"))
    ]
    assert private == []


def test_leaving_early_keeps_exit_codes_output_and_a_clean_database(cli_sqlite) -> None:
    """main() ends the process without interpreter teardown: exit codes and output are as
    before, and the SQLite connection was closed properly (its WAL checkpointed and removed)."""
    from pathlib import Path

    from tracker.config import sqlite_path
    from tracker.db import dispose_engines

    path = sqlite_path(cli_sqlite.url)
    assert path is not None
    dispose_engines()  # this test process's own connection would keep the WAL alive
    done = _tracker("--db", cli_sqlite.url, "progress", "CYB-01", "-s", "in_progress", "-m", "x")
    assert done.returncode == 0 and done.stdout.startswith("CYB-01: ")
    assert not Path(f"{path}-wal").exists()
    shown = _tracker("--db", cli_sqlite.url, "show", "CYB-01", "--format", "json")
    assert json.loads(shown.stdout)["status"] == "in_progress"
    wrong = _tracker("--db", cli_sqlite.url, "show", "CYB-99")
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: no commitment")
    assert _tracker("--db", cli_sqlite.url, "list", "--bogus").returncode == 2
    assert _tracker("--version").stdout.startswith("tracker ")
    report = _tracker("--db", cli_sqlite.url, "report", "--format", "json")
    assert json.loads(report.stdout)["schema"] == 3  # a long output, flushed whole


def test_leave_closes_every_connection_first(cli_sqlite, monkeypatch: pytest.MonkeyPatch) -> None:
    """On both engines connections sit in engine pools; leave() disposes them before it ends
    the process, so a PostgreSQL server sees a normal goodbye rather than a dropped socket."""
    import os

    import tracker.cli
    from tracker import db

    engine = db.make_engine(cli_sqlite.url)
    with engine.connect():
        pass
    assert engine.pool.checkedin() == 1
    exits: list[int] = []

    def fake_exit(code: int) -> None:
        exits.append(code)
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", fake_exit)
    with pytest.raises(SystemExit):
        tracker.cli.leave(3)
    assert exits == [3]
    assert engine.pool.checkedin() == 0
    assert not db._engines


def test_closed_output_streams_keep_a_success_a_success(cli_sqlite) -> None:
    """With stdout or stderr closed at start (`>&-`), Python has no stream at all; a command
    that did its work still exits 0, so a script does not retry a recorded event."""
    base = f"{sys.executable} -m tracker --db '{cli_sqlite.url}'"
    for command in (
        f"{sys.executable} -m tracker --version >&-",
        f"{base} list 2>&-",
        f"{base} progress CYB-01 -s in_progress >&-",
    ):
        assert subprocess.run(["sh", "-c", command], check=False).returncode == 0, command
    shown = _tracker("--db", cli_sqlite.url, "show", "CYB-01", "--format", "json")
    assert len(json.loads(shown.stdout)["events"]) == 1
