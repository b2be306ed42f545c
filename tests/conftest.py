"""Shared fixtures: a real database per test (a SQLite file, and a PostgreSQL schema when a server
is there), the CLI runner, and isolation from the user's own tracker. Helpers a test calls by
name (Cli, record, tamper, ...) are in tests/support.py.

PostgreSQL: TRACKER_TEST_POSTGRES_URL names a server database (default: the local server). The
session creates one scratch database on it and gives every test its own schema there. Without a
server the PostgreSQL variants skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from sqlalchemy import Engine
from support import IN_CI, Build, Cli, copy_database, pg_schema_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# tools/mutate.py runs the tests with this profile: a failing example is reported as found, not
# shrunk (shrinking took minutes per killed mutant, and a kill needs no minimal example).
settings.register_profile(
    "mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate], deadline=None
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch the user's data directory or a database named in the environment.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    # Nor the user's own settings (tracker.userconfig) or git's name for them.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in ("TRACKER_CONFIG", "TRACKER_BY", "TRACKER_PREPARED_BY", "TRACKER_MARKING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # Tests run as root in CI: the once-only warning about recording as root is taken as said
    # (tests/test_userconfig.py removes the marker to see it).
    marker = home / "data" / "tracker" / "warned-root-recorder"
    marker.parent.mkdir(parents=True)
    marker.touch()
    monkeypatch.setenv("NO_COLOR", "1")
    # English unless a test asks for another language (the user's locale must not leak in).
    for name in ("TRACKER_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("COLUMNS", "100")


def _pg_admin_url() -> str:
    return os.environ.get("TRACKER_TEST_POSTGRES_URL") or DEFAULT_PG


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A scratch PostgreSQL database for this test session, dropped at the end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(_pg_admin_url())
    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = "psycopg is not installed (pip install '.[postgres]')"
        if IN_CI:
            pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
        pytest.skip(reason)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        reason = (
            f"no PostgreSQL server at {base.render_as_string(hide_password=True)} "
            f"({type(exc).__name__}); set TRACKER_TEST_POSTGRES_URL"
        )
        if IN_CI:
            pytest.fail(f"PostgreSQL must be reachable in CI: {reason}")
        pytest.skip(reason)
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        from tracker.db import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=ENGINES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables) on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        yield from pg_schema_url(request.getfixturevalue("pg_database"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def cli_empty(empty_url: str) -> Cli:
    return Cli(empty_url)


# `tracker init` runs nine migrations and a load (a third of a second); a test that only needs
# an initialised database gets a copy of one made once per session (what `init` makes is covered
# by the tests that run it).


@pytest.fixture(scope="session")
def initialised_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file after `tracker init`, to be copied (copy_database), never opened."""
    path = tmp_path_factory.mktemp("initialised") / "tracker.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_DATA_HOME", str(path.parent / "data"))
        env.delenv("TRACKER_DATABASE_URL", raising=False)
        Cli(f"sqlite:///{path}").ok("init")
    _checkpointed(path)
    return path


@pytest.fixture(scope="session")
def initialised_postgres(pg_database: str) -> Iterator[str]:
    """The name of a PostgreSQL database after `tracker init`, a template for copies."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tracker.db import dispose_engines

    name = f"tracker_init_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        Cli(make_url(pg_database).set(database=name).render_as_string(False)).ok("init")
        dispose_engines()  # CREATE DATABASE ... TEMPLATE needs it unused
        yield name
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _pg_copy_url(pg_database: str, template: str) -> Generator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tracker.db import dispose_engines

    name = f"tracker_copy_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(pg_database).set(database=name).render_as_string(False)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def initialised_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database initialised with the bundled declaration, on each engine."""
    if request.param == "sqlite":
        yield copy_database(request.getfixturevalue("initialised_sqlite"), tmp_path / "tracker.db")
    else:
        yield from _pg_copy_url(
            request.getfixturevalue("pg_database"),
            request.getfixturevalue("initialised_postgres"),
        )


@pytest.fixture
def cli(initialised_url: str) -> Cli:
    """A CLI on a database initialised with the bundled declaration, on each engine."""
    return Cli(initialised_url)


@pytest.fixture
def cli_sqlite(initialised_sqlite: Path, tmp_path: Path) -> Cli:
    return Cli(copy_database(initialised_sqlite, tmp_path / "tracker.db"))


# pytest-alembic's fixtures (tests/test_alembic_standard.py): its runner on each engine.
@pytest.fixture
def alembic_config(empty_url: str):  # type: ignore[no-untyped-def]
    from tracker import schema

    return schema.alembic_config(empty_url)


@pytest.fixture
def alembic_engine(empty_url: str) -> Iterator[object]:
    from sqlalchemy import create_engine

    engine = create_engine(empty_url)
    try:
        yield engine
    finally:
        engine.dispose()


# A history recorded (or a declaration loaded) by a test module's fixture is made once per
# session and engine, then copied for each test, like the initialised database above: recording
# the same events again for every test was a quarter of the suite's set-up time.


def _checkpointed(path: Path) -> None:
    """Close every connection and fold the WAL into the file, so that a plain copy is whole."""
    from tracker.db import dispose_engines

    dispose_engines()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


class Templates:
    """Initialised databases with a module's history on them, one per build step and engine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite_made: dict[str, Path] = {}
        self.postgres_made: dict[str, str] = {}

    @staticmethod
    def key(build: Build) -> str:
        return f"{build.__module__}.{build.__qualname__}"

    def sqlite(self, build: Build, initialised: Path) -> Path:
        key = self.key(build)
        if key not in self.sqlite_made:
            folder = self.folder / f"sqlite-{len(self.sqlite_made)}"
            build(Cli(copy_database(initialised, folder / "t.db")), folder)
            _checkpointed(folder / "t.db")
            self.sqlite_made[key] = folder / "t.db"
        return self.sqlite_made[key]

    def postgres(self, build: Build, pg_database: str, initialised: str) -> str:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from tracker.db import dispose_engines

        key = self.key(build)
        if key not in self.postgres_made:
            name = f"tracker_tpl_{uuid.uuid4().hex[:10]}"
            admin = self._admin()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{initialised}"'))
            admin.dispose()
            self.postgres_made[key] = name  # dropped at the end even if the step fails
            folder = self.folder / f"postgres-{len(self.postgres_made)}"
            folder.mkdir()
            build(Cli(make_url(pg_database).set(database=name).render_as_string(False)), folder)
            dispose_engines()  # a template must be unused to be copied
        return self.postgres_made[key]

    def _admin(self) -> Engine:
        from sqlalchemy import create_engine

        # The server's own database: the session's scratch one may be gone by the end.
        return create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        from sqlalchemy import text

        from tracker.db import dispose_engines

        if not self.postgres_made:
            return
        dispose_engines()
        admin = self._admin()
        with admin.connect() as conn:
            for name in self.postgres_made.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.close()


@pytest.fixture(params=ENGINES)
def built(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Callable[[Build], Cli]:
    """`built(step)`: a CLI on a copy of an initialised database after `step`, on each engine
    (the step runs once per session and engine; a test may change its copy freely)."""

    def make(build: Build) -> Cli:
        if request.param == "sqlite":
            template = templates.sqlite(build, request.getfixturevalue("initialised_sqlite"))
            return Cli(copy_database(template, tmp_path / "tracker.db"))
        pg_database = request.getfixturevalue("pg_database")
        initialised = request.getfixturevalue("initialised_postgres")
        copies = _pg_copy_url(pg_database, templates.postgres(build, pg_database, initialised))
        request.addfinalizer(copies.close)
        return Cli(next(copies))

    return make


@pytest.fixture
def built_sqlite(
    tmp_path: Path, templates: Templates, initialised_sqlite: Path
) -> Callable[[Build], Cli]:
    """`built` on SQLite only."""

    def make(build: Build) -> Cli:
        template = templates.sqlite(build, initialised_sqlite)
        return Cli(copy_database(template, tmp_path / "tracker.db"))

    return make
