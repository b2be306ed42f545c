"""The user's settings (tracker config, tracker.userconfig): the file, precedence, the recorder."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest
from support import Cli
from typer.testing import CliRunner

from tracker.cli import app
from tracker.userconfig import render


def _actors(cli: Cli, code: str) -> list[str]:
    return [e["actor"] for e in json.loads(cli.ok("show", code, "--format", "json"))["events"]]


def test_config_set_by_makes_it_the_default_recorder(cli_sqlite: Cli) -> None:
    out = cli_sqlite.ok("config", "set", "by", "a.clarke")
    assert out.startswith("by = a.clarke  (")
    cli_sqlite.ok("progress", "CYB-01", "-s", "in_progress", "-m", "met")
    assert _actors(cli_sqlite, "CYB-01") == ["a.clarke"]
    assert cli_sqlite.ok("config", "get", "by") == "a.clarke\n"


def test_a_flag_beats_the_variable_which_beats_the_file(
    cli_sqlite: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_sqlite.ok("config", "set", "by", "from.file")
    monkeypatch.setenv("TRACKER_BY", "from.env")
    cli_sqlite.ok("progress", "CYB-01", "-s", "in_progress", "-m", "a")
    cli_sqlite.ok("progress", "CYB-01", "-s", "in_progress", "-m", "b", "--by", "from.flag")
    assert _actors(cli_sqlite, "CYB-01") == ["from.env", "from.flag"]
    listed = cli_sqlite("config", "list")
    assert listed.stdout == "by = from.env  (from TRACKER_BY)\n"


def test_without_a_configured_name_git_user_name_is_used(
    cli_sqlite: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (Path(os.environ["HOME"]) / ".gitconfig").write_text("[user]\n\tname = Aiko Sato\n")
    monkeypatch.chdir(tmp_path)  # no repository's own name in the way
    cli_sqlite.ok("progress", "CYB-01", "-s", "in_progress", "-m", "a")
    assert _actors(cli_sqlite, "CYB-01") == ["Aiko Sato"]


def test_the_file_is_toml_written_privately_and_read_back(cli_sqlite: Cli) -> None:
    cli_sqlite.ok("config", "set", "prepared_by", 'J. "Jo" Smith \\ MOD')
    cli_sqlite.ok("config", "set", "lang", "JA")
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "tracker" / "config.toml"
    with path.open("rb") as f:
        assert tomllib.load(f) == {"lang": "ja", "prepared_by": 'J. "Jo" Smith \\ MOD'}
    assert path.stat().st_mode & 0o077 == 0
    cli_sqlite.ok("config", "unset", "lang")
    with path.open("rb") as f:
        assert tomllib.load(f) == {"prepared_by": 'J. "Jo" Smith \\ MOD'}


def test_render_escapes_what_toml_needs() -> None:
    values = {"by": 'a"b\\c\x7fé', "marking": "OFFICIAL-SENSITIVE"}
    assert tomllib.loads(render(values)) == values


def test_configured_language_and_marking_are_used(cli_sqlite: Cli) -> None:
    cli_sqlite.ok("config", "set", "marking", "OFFICIAL")
    assert "OFFICIAL" in cli_sqlite.ok("report", "-f", "md", "--brief")
    cli_sqlite.ok("config", "set", "lang", "ja")
    assert "件" in cli_sqlite.ok("list")


def test_configured_database_is_used_after_flag_and_variable(
    initialised_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    import shutil

    copy = tmp_path / "team.db"
    shutil.copy(initialised_sqlite, copy)
    runner = CliRunner()
    os.chdir(tmp_path)
    assert runner.invoke(app, ["config", "set", "database", "team.db"]).exit_code == 0
    os.chdir(tmp_path.parent)  # saved absolute: still the same file from elsewhere
    assert runner.invoke(app, ["config", "get", "database"]).stdout == f"{copy}\n"
    result = runner.invoke(app, ["show", "CYB-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    missing = runner.invoke(app, ["--db", str(tmp_path / "absent.db"), "list"])
    assert missing.exit_code == 1 and "tracker init" in missing.stderr
    monkeypatch.setenv("TRACKER_DATABASE_URL", str(tmp_path / "other.db"))
    missing = runner.invoke(app, ["list"])
    assert missing.exit_code == 1 and "other.db" in missing.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["config", "set", "bi", "x"], "unknown setting 'bi'; did you mean by?"),
        (["config", "get", "prepared-by"], "did you mean prepared_by?"),
        (["config", "set", "lang", "fr"], "unknown language"),
        (["config", "set", "by", "a\nb"], "control or line-breaking"),
        (["config", "set", "database", "sqlite://"], "in-memory"),
    ],
)
def test_bad_settings_are_one_line(cli_sqlite: Cli, args: list[str], needle: str) -> None:
    result = cli_sqlite(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "tracker" / "config.toml").exists()


def test_a_broken_file_is_named_in_one_line(cli_sqlite: Cli, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("by = [1, 2]\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(bad))
    result = cli_sqlite("progress", "CYB-01", "-s", "in_progress", "-m", "x")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {bad}: by must be a string"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own a link as another user")
def test_root_does_not_read_a_link_another_user_planted(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "theirs.toml"
    target.write_text('database = "/tmp/evil.db"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    os.lchown(link, 65534, 65534)
    monkeypatch.setenv("TRACKER_CONFIG", str(link))
    result = CliRunner().invoke(app, ["config", "get", "by"])
    assert result.exit_code == 1
    assert "symbolic link owned by another user" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the warning is for recording as root")
def test_recording_as_root_by_default_warns_once(cli_sqlite: Cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (Path(os.environ["XDG_DATA_HOME"]) / "tracker" / "warned-root-recorder").unlink()
    first = cli_sqlite("progress", "CYB-01", "-s", "in_progress", "-m", "a")
    second = cli_sqlite("progress", "CYB-01", "-s", "in_progress", "-m", "b")
    assert first.exit_code == second.exit_code == 0
    assert "warning: recorded as root" in first.stderr
    assert "warning" not in second.stderr
    assert _actors(cli_sqlite, "CYB-01") == ["root", "root"]


def test_a_wrong_language_in_the_file_names_the_file(
    cli_sqlite: Cli, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "c.toml"
    path.write_text('lang = "fr"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(path))
    result = cli_sqlite("list")
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == f"error: {path}: lang: unknown language 'fr'; choose from en, ja"
    )
