"""Shared fixtures: a real database per test (a SQLite file, and a PostgreSQL schema when a server
is there), the CLI runner, and isolation from the user's own tracker. Helpers a test calls by
name (Cli, record, tamper, ...) are in tests/support.py.

PostgreSQL: TRACKER_TEST_POSTGRES_URL names a server database (default: the local server). The
session creates one scratch database on it and gives every test its own schema there. Without a
server the PostgreSQL variants skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import IN_CI, Cli, copy_database, pg_schema_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch the user's data directory or a database named in the environment.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
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
    import sqlite3

    from tracker.db import dispose_engines

    path = tmp_path_factory.mktemp("initialised") / "tracker.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_DATA_HOME", str(path.parent / "data"))
        env.delenv("TRACKER_DATABASE_URL", raising=False)
        Cli(f"sqlite:///{path}").ok("init")
    dispose_engines()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the one file
    connection.close()
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


def _pg_copy_url(pg_database: str, template: str) -> Iterator[str]:
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
