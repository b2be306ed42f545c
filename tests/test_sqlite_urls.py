"""SQLite URLs mean what they say (tracker.sqlite_url): `mode=ro` (or `immutable=1`) opens the
file read-only, every command that would write refuses in one line and writes nothing; an
in-memory database (which starts empty and keeps nothing) is refused by every command; no URL
form leaves a file under a name it did not mean, in the folder given or the working one.

Each test works in its own temporary folder, which is also the working directory, and checks
what is in it afterwards.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import pytest
from hostile_helpers import one_line_error
from support import Cli, copy_database


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that is also the working directory (a stray relative file lands here)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def database(initialised_sqlite: Path, folder: Path) -> Path:
    """An initialised SQLite file with one event, and nothing else in the folder."""
    copy_database(initialised_sqlite, folder / "t.db")
    Cli(str(folder / "t.db")).ok("progress", "CYB-01", "-s", "in_progress", "-m", "before")
    from tracker.db import dispose_engines

    dispose_engines()  # closes it: SQLite folds the WAL into the file and removes it
    assert _files(folder) == ["t.db"]
    return folder / "t.db"


def _read_only_urls(db: Path) -> list[str]:
    return [
        f"sqlite:///{db}?mode=ro",
        f"sqlite:///{db}?mode=ro&uri=true",  # SQLAlchemy made `t.db?mode=ro` the file name
        f"sqlite:///file:{db}?mode=ro&uri=true",
        f"sqlite:///file:{db}?mode=ro",  # a file: URI without uri=true: still a URI
        f"sqlite+pysqlite:///{db}?immutable=1",
    ]


READS = [
    ["list", "--all"],
    ["show", "CYB-01"],
    ["log"],
    ["report", "-f", "json"],
    ["report", "-f", "md"],
    ["verify"],
    ["export"],
    ["milestone", "list"],
    ["db", "current"],
]
WRITES = [
    ["progress", "CYB-02", "-s", "in_progress"],
    ["correct", "1", "--reason", "wrong", "-s", "stalled"],
    ["milestone", "set", "ministers-2026", "2026-12-15"],
    ["cutoff", "set", "2027-01-31", "--reason", "moved"],
    ["init"],
    ["db", "upgrade"],
    ["db", "downgrade", "-1", "--yes"],
    ["db", "guard"],
    ["db", "rebuild"],
]


@pytest.mark.parametrize("which", range(5))
def test_a_read_only_url_reads_and_refuses_every_write(
    database: Path, folder: Path, which: int
) -> None:
    url = _read_only_urls(database)[which]
    cli = Cli(url)
    before = _digest(database)
    expected = Cli(str(database)).ok("export")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in READS:
            result = cli(*args)
            assert result.exit_code == 0, (args, result.output)
            assert result.stderr == "", (args, result.stderr)
        assert "before" in cli.ok("show", "CYB-01")
        assert cli.ok("export") == expected
        for args in WRITES:
            line = one_line_error(cli(*args), 1)
            assert "is opened read-only (" in line and "nothing was written" in line, line
    assert [str(w.message) for w in caught] == []
    from tracker.db import dispose_engines

    dispose_engines()
    assert _digest(database) == before
    # SQLite's own companions of a WAL database may stay (a read-only reader cannot remove
    # them); nothing else appears.
    assert set(_files(folder)) <= {"t.db", "t.db-wal", "t.db-shm"}
    assert Cli(str(database)).ok("export") == expected


def test_a_read_only_url_creates_no_database(folder: Path, export_file: Path) -> None:
    for url in _read_only_urls(folder / "new.db"):
        cli = Cli(url)
        assert "is opened read-only" in one_line_error(cli("init"), 1)
        assert "is opened read-only" in one_line_error(cli("import", str(export_file)), 1)
        assert "no tracker database" in one_line_error(cli("list"), 1)
    assert _files(folder) == []


IN_MEMORY = [
    "sqlite://",
    "sqlite:///",
    "sqlite:///:memory:",
    "sqlite+pysqlite:///:memory:",
    "sqlite:///file:memdb1?mode=memory&uri=true",
    "sqlite:///file:memdb1?mode=memory",
    "sqlite:///file::memory:?cache=shared",
    "sqlite:///file:?uri=true",  # an empty path: a private temporary database
    "sqlite:///x.db?vfs=memdb",
]
EVERY_KIND = [
    ["init"],
    ["list"],
    ["report", "-f", "md"],
    ["progress", "CYB-01", "-s", "in_progress"],
    ["verify"],
    ["export"],
    ["db", "current"],
    ["db", "history"],
    ["db", "upgrade"],
]


@pytest.fixture(scope="module")
def export_file(tmp_path_factory: pytest.TempPathFactory, initialised_sqlite: Path) -> Path:
    folder = tmp_path_factory.mktemp("export")
    path = folder / "export.json"
    Cli(copy_database(initialised_sqlite, folder / "s.db")).ok("export", "-o", str(path))
    return path


@pytest.mark.parametrize("url", IN_MEMORY)
def test_an_in_memory_database_is_refused_by_every_command(
    folder: Path, url: str, export_file: Path
) -> None:
    cli = Cli(url)
    for args in [*EVERY_KIND, ["import", str(export_file)]]:
        line = one_line_error(cli(*args), 2)
        assert "is an in-memory SQLite database" in line, (args, line)
        assert "keeps nothing" in line
    assert _files(folder) == []


def test_an_in_memory_database_from_the_environment_is_refused(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from tracker.cli import app

    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite://")
    result = CliRunner().invoke(app, ["init"])
    assert "in-memory" in one_line_error(result, 2)
    assert _files(folder) == []


def test_a_sqlite_url_with_a_host_is_one_line(folder: Path) -> None:
    line = one_line_error(Cli("sqlite://somehost/t.db")("init"), 2)
    assert "names no host" in line
    line = one_line_error(Cli("sqlite:///file://somehost/t.db?uri=true")("init"), 2)
    assert "names no host" in line
    assert _files(folder) == []


@pytest.mark.parametrize(
    ("url", "made"),
    [
        ("sqlite:///{f}/a%20b.db", "a b.db"),  # SQLAlchemy decodes the path: so does tracker
        ("sqlite:///file:{f}/c.db?uri=true", "c.db"),
        ("sqlite:///file:c.db?uri=true", "c.db"),  # relative to the working directory
        ("sqlite:///file://localhost{f}/d%2520e.db?mode=rwc", "d e.db"),  # decoded twice
        ("sqlite:///{f}/g.db?mode=rwc&uri=true", "g.db"),
        ("sqlite:///{f}/h.db?cache=private&timeout=5", "h.db"),
        ("{f}/we?ird%20.db", "we?ird%20.db"),  # a path is taken as it is
    ],
)
def test_every_url_form_makes_the_file_it_names(folder: Path, url: str, made: str) -> None:
    from tracker.db import dispose_engines

    cli = Cli(url.format(f=folder))
    assert "(created)" in cli.ok("init")
    dispose_engines()  # closed, a WAL database has no companion files left
    assert _files(folder) == [made]
    cli.ok("progress", "CYB-01", "-s", "in_progress")
    assert "CYB-01" in cli.ok("log")
    dispose_engines()
    assert _files(folder) == [made]


def test_import_into_a_path_that_needs_encoding(folder: Path, export_file: Path) -> None:
    """import builds a new file under a temporary name beside the target, then links it into
    place: with a path SQLAlchemy decodes, both names must be the ones meant."""
    export = export_file
    for url, made in [
        (f"sqlite:///{folder}/a%20b.db", "a b.db"),
        (f"sqlite:///file:{folder}/c%2525.db?uri=true", "c%.db"),
        (str(folder / "d?e.db"), "d?e.db"),
    ]:
        cli = Cli(url)
        assert "Imported into" in cli.ok("import", str(export))
        assert made in _files(folder)
        assert cli.ok("verify").startswith("verify: OK")
    from tracker.db import dispose_engines

    dispose_engines()
    assert _files(folder) == sorted(["a b.db", "c%.db", "d?e.db"])
    assert not [p for p in os.listdir(folder) if p.startswith(".")]
