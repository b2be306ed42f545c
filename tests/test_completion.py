"""Shell completion through Typer's protocol (_TRACKER_COMPLETE, COMP_WORDS, COMP_CWORD): status
values from the code, item codes, pillars and parties from the database the command line
names, on both engines; nothing at all, and nothing created, when there is no database."""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app


def _complete(line: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash is offered for the last word of `line` (in-process)."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    result = CliRunner().invoke(
        app,
        [],
        env={
            "_TRACKER_COMPLETE": "complete_bash",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
            **(env or {}),
        },
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return [word for word in result.stdout.splitlines() if word]


def test_codes_pillars_and_parties_come_from_the_database(cli) -> None:
    """On both engines; the URL reaches completion through the environment, as a PostgreSQL
    URL usually does (COMP_WORDS carries --db in the SQLite tests below)."""
    env = {"TRACKER_DATABASE_URL": cli.url}
    assert _complete("tracker show CYB-0", env) == ["CYB-01", "CYB-02", "CYB-03", "CYB-04"]
    assert _complete("tracker progress SEC", env) == ["SEC-01", "SEC-02", "SEC-03", "SEC-04"]
    assert _complete("tracker log --code MIN-", env) == ["MIN-01", "MIN-02"]
    assert _complete("tracker list --pillar c", env) == ["collective-security", "cyber"]
    assert _complete("tracker report -p cy", env) == ["cyber"]
    assert _complete("tracker list --party ", env) == ["Italy", "Japan", "UK"]
    assert _complete("tracker progress IND-01 -s in_progress --party I", env) == ["Italy"]
    assert _complete("tracker report --party U", env) == ["UK"]


def test_status_values_need_no_database(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert _complete(f"tracker --db {missing} progress X --status p") == ["partially_achieved"]
    assert _complete(f"tracker --db {missing} list -s ") == [
        "not_started", "in_progress", "stalled", "partially_achieved", "achieved", "dropped",
    ]  # fmt: skip
    assert not missing.exists()


def test_no_database_offers_nothing_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "none.db"
    for line in (
        f"tracker --db {missing} show ",
        f"tracker --db sqlite:///{missing} list --pillar ",
        f"tracker --db {missing} list --party ",
    ):
        assert _complete(line) == [], line
    assert not missing.parent.exists()
    # The default database (in the user data directory, isolated by conftest) is not there.
    assert _complete("tracker show ") == []


def test_a_file_that_is_not_a_tracker_offers_nothing(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    for path in (other, garbage):
        assert _complete(f"tracker --db {path} show ") == []
        assert _complete(f"tracker --db {path} list --party ") == []
    assert _complete("tracker --db postgresql+psycopg://nobody@127.0.0.1:1/x show ") == []


def test_the_installed_command_completes_codes_from_a_sqlite_file(cli_sqlite) -> None:
    """The whole protocol, as bash runs it: a separate process, the words in the environment."""
    path = cli_sqlite.url.removeprefix("sqlite:///")
    line = f"tracker --db {path} show CYB-0"
    env = {
        **os.environ,
        "_TRACKER_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": "4",
    }
    # The script pip installs: bash calls it by its name, which names the variable.
    script = Path(sys.executable).with_name("tracker")
    done = subprocess.run([script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["CYB-01", "CYB-02", "CYB-03", "CYB-04"]
    assert done.stderr == ""


@pytest.mark.parametrize("shell", ["complete_zsh", "complete_fish"])
def test_other_shells_get_the_codes_too(cli_sqlite, shell: str) -> None:
    """zsh and fish hand over the command line in Typer's own variable (fish asks for the
    candidates with an action)."""
    path = cli_sqlite.url.removeprefix("sqlite:///")
    env = {
        "_TRACKER_COMPLETE": shell,
        "_TYPER_COMPLETE_ARGS": f"tracker --db {path} show CYB-0",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
    }
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0, result.output
    assert "CYB-01" in result.stdout and "CYB-04" in result.stdout
