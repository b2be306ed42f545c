"""Engines, sessions and the schema-revision guard.

One command is one transaction. On SQLite a writing command takes the write lock up front
(BEGIN IMMEDIATE) so concurrent writers queue on the busy timeout instead of failing on a lock
upgrade; WAL lets readers run beside a writer. The revision guard reads `alembic_version` and
compares it with the revisions this code knows, without importing Alembic, so every call stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from tracker import sqlite_url
from tracker.config import mask_url, secrets_in, sqlite_path
from tracker.errors import SchemaError, TrackerError

T = TypeVar("T")

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

# Every revision in migrations/versions, oldest first. A test keeps this in step with Alembic.
REVISIONS: tuple[str, ...] = (
    "0001_initial",
    "0002_event_party",
    "0003_chain",
    "0004_party_index",
    "0005_provenance",
    "0006_japanese",
    "0007_append_only",
    "0008_content_hash",
    "0009_status_days",
    "0010_cutoff",
    "0011_milestones",
    "0012_no_replace",
    "0013_clock",
    "0014_text_revisions",
    "0015_japanese_names",
    "0016_follows",
    "0017_last_update",
    "0018_attachments",
)
HEAD_REVISION = REVISIONS[-1]

BUSY_TIMEOUT_MS = 60_000

_engines: dict[tuple[str, bool, bool], Engine] = {}


def make_engine(url: str, *, write: bool = False, foreign_keys: bool = True) -> Engine:
    key = (url, write, foreign_keys)
    if key in _engines:
        return _engines[key]
    from sqlalchemy import event

    target = sqlite_url.parse(url)
    if target is not None:
        if write:
            require_writable(url)
        read_only = target.read_only is not None
        engine = _create_engine(
            target.engine_url(url), connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's begin event, not the driver, decide when a transaction starts.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not read_only:  # switching to WAL writes; a WAL file is read as it is
                _wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    else:
        engine = _create_engine(url, pool_pre_ping=False)
        if engine.dialect.name == "postgresql":

            @event.listens_for(engine, "connect")
            def _session_settings(dbapi_connection: Any, _record: Any) -> None:
                # The report's one big query (every item, each with a LIMIT 1 lookup of its
                # latest event) is estimated costly enough that PostgreSQL JIT-compiles it, which
                # took nearly as long as running it (README, Performance). Our queries are index
                # walks that JIT does not speed up.
                cursor = dbapi_connection.cursor()
                cursor.execute("SET jit = off")
                # Times come back in UTC, as the model keeps them (models.UTCDateTime): psycopg
                # then gives datetime.UTC itself, which needs no conversion per row, where a
                # server zone (even Etc/UTC) gives a ZoneInfo to convert from.
                cursor.execute("SET TIME ZONE 'UTC'")
                cursor.close()
                dbapi_connection.commit()

    _engines[key] = engine
    return engine


def _wal(cursor: Any) -> None:
    """Put the database in WAL mode. On a new file two processes (two `tracker init`) may try
    at once, and SQLite answers the one that loses "database is locked" at once, without
    waiting on the busy timeout; once the other has switched, asking again is a no-op. So the
    loser asks again, for up to the busy timeout."""
    import sqlite3
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _create_engine(url: str, **options: Any) -> Engine:
    """create_engine, with a driver that cannot be loaded said in one line."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import NoSuchModuleError

    try:
        return create_engine(url, **options)
    except NoSuchModuleError as exc:
        # A driver name SQLAlchemy does not know (postgresql+nosuch://): the user's to fix.
        raise connection_error(url, exc) from None
    except ImportError as exc:
        # A driver SQLAlchemy knows but tracker does not install (psycopg2, pysqlcipher3).
        use = (
            "sqlite:///FILE"
            if url.startswith("sqlite")
            else "postgresql+psycopg://... with pip install 'tracker[postgres]'"
        )
        raise TrackerError(
            f"cannot use {mask_url(url)}: its driver is not installed ({exc.name or exc}); "
            f"use {use}"
        ) from None


def dispose_engines() -> None:
    """Close every pooled connection (tests between databases; tracker.cli.leave at exit)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def describe(url: str) -> str:
    """Where a database is, for messages: the file, or the masked URL."""
    path = sqlite_path(url)
    return str(path) if path is not None else mask_url(url)


def require_writable(url: str) -> None:
    """Refuse, before connecting, to change a SQLite database its URL opens read-only
    (`mode=ro`, `immutable=1`): SQLite would fail part-way, and a new file would be made first."""
    target = sqlite_url.parse(url)
    if target is not None and target.read_only is not None:
        raise TrackerError(
            f"the database {describe(url)} is opened read-only ({target.read_only}): nothing "
            f"was written; open it without {target.read_only} to change it"
        )


def ensure_sqlite_file(url: str) -> bool:
    """Create the SQLite file (owner-only permissions) and its folder. True if it was created."""
    require_writable(url)
    path = sqlite_path(url)
    if path is None or path.exists():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False  # another `tracker init` created it between our check and here
    except OSError as exc:
        raise TrackerError(f"cannot create the database at {path}: {exc.strerror or exc}") from None
    os.close(fd)
    return True


def require_existing(url: str) -> None:
    """Refuse before connecting: SQLite would otherwise create an empty file for a typo."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise SchemaError(f"no tracker database at {path}; run `tracker init` first")


def stored_revision(connection: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def check_revision(revision: str | None, where: str) -> None:
    if revision == HEAD_REVISION:
        return
    if revision is None:
        raise SchemaError(f"the database at {where} is not initialised; run `tracker init`")
    if revision in REVISIONS:
        raise SchemaError(
            f"the database at {where} is at revision {revision}, older than this tracker "
            f"({HEAD_REVISION}); run `tracker db upgrade`"
        )
    raise SchemaError(
        f"the database at {where} is at revision {revision}, unknown to this tracker "
        f"(head {HEAD_REVISION}); it was made by a newer version: upgrade tracker"
    )


def retriable(exc: BaseException) -> bool:
    """A conflict with another writer that a fresh attempt can resolve."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock detected
        return True
    return "database is locked" in str(orig or "")


@contextmanager
def session_scope(url: str, *, write: bool) -> Iterator[Session]:
    """A session in one transaction on a database at head; commits on success, else rolls back."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    require_existing(url)
    engine = make_engine(url, write=write)
    try:
        with engine.connect() as connection:
            if not write and connection.dialect.name == "postgresql":
                # One snapshot for every query of a reading command, as SQLite gives anyway: a
                # report's items, parties' assessments, evidence and changes agree. A transaction
                # that only reads never fails to serialize at this level.
                connection.execution_options(isolation_level="REPEATABLE READ")
            check_revision(stored_revision(connection), describe(url))
            with Session(bind=connection, expire_on_commit=False) as session:
                yield session
                session.commit()
            connection.commit()
    except OperationalError as exc:
        if retriable(exc):
            raise
        raise connection_error(url, exc) from None


def run_in_transaction(
    url: str, work: Callable[[Session], T], *, write: bool = True, attempts: int = 8
) -> T:
    """Run `work` in one transaction, again from the start if another writer got in the way.

    PostgreSQL reports serialization failures and deadlocks; SQLite, a lock held past the busy
    timeout. The back-off is bounded and jittered, so a crowd of writers spreads out.
    """
    import random
    import time

    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            with session_scope(url, write=write) as session:
                return work(session)
        except DBAPIError as exc:
            if not retriable(exc):
                raise
            if attempt == attempts - 1:
                raise connection_error(url, exc) from None
            time.sleep(min(0.05 * 2**attempt, 2.0) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def connection_error(url: str, exc: BaseException) -> TrackerError:
    """One line naming the server and database (password masked) and the driver's reason."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    path = sqlite_path(url)
    if path is not None:
        return TrackerError(f"database error on {path}: {first}")
    for secret in secrets_in(url):
        first = first.replace(secret, "***")
    try:
        parsed = make_url(url)
    except (ValueError, ArgumentError):
        return TrackerError(f"cannot use database {mask_url(url)}: {first}")
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return TrackerError(
        f"cannot use database {parsed.database!r} on {host}{port} ({mask_url(url)}): {first}"
    )
