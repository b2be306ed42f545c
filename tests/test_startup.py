"""Fast start: `--help` and completion load no heavy library; everyday commands skip pydantic.

Timing lives in benchmarks/run.py (never a timed assertion here); these tests pin the causes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _loaded(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    code = (
        "import json, os, sys\n"
        "args = json.loads(os.environ['PROBE_ARGS'])\n"
        "sys.argv = ['tracker', *args]\n"
        "from tracker.cli import main\n"
        "import io, contextlib\n"
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


def test_completion_loads_nothing_heavy() -> None:
    env = {
        "_TRACKER_COMPLETE": "complete_bash",
        "COMP_WORDS": "tracker progress CYB-01 --status ",
        "COMP_CWORD": "4",
    }
    assert not _roots(_loaded([], env)) & set(HEAVY)


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
def test_everyday_commands_skip_pydantic_and_yaml(cli_sqlite, args: list[str]) -> None:
    loaded = _roots(_loaded(["--db", cli_sqlite.url, *args]))
    assert "sqlalchemy" in loaded  # the command really ran
    assert not loaded & {"pydantic", "yaml", "alembic", "jinja2", "matplotlib"}


def test_show_progress_and_list_skip_rich(cli_sqlite) -> None:
    for args in (["show", "CYB-01"], ["progress", "CYB-02", "-s", "in_progress"], ["list"]):
        loaded = _roots(_loaded(["--db", cli_sqlite.url, *args]))
        assert "sqlalchemy" in loaded
        assert "rich" not in loaded
