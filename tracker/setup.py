"""Bringing a database into being, for `tracker init` (a declaration) and `tracker import`.

Both run one sequence: create the SQLite file if there is none, migrate to head and fill, in one
transaction (SQLite and PostgreSQL both have transactional DDL), so a failure at any step leaves
the database as it was; a file the sequence created is removed again, not left half-made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session

from tracker import loading, schema, testpoints
from tracker.config import sqlite_path
from tracker.db import REVISIONS, dispose_engines, ensure_sqlite_file, stored_revision
from tracker.errors import TrackerError
from tracker.loading import LoadResult
from tracker.paths import bundled_fixture

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


T = TypeVar("T")


def remove_sqlite_files(url: str) -> None:
    """Remove a SQLite database and its journals (the database is closed first)."""
    dispose_engines()
    path = sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def migrate_and_fill(
    url: str, fill: Callable[[Session], T], revision: str = "head"
) -> tuple[T, bool]:
    """Create the SQLite file if there is none, migrate to `revision` (head, or an earlier one
    for a fill that upgrades after it: an old export) and run `fill`, in one transaction;
    returns what `fill` returned and whether the file was created."""

    created = ensure_sqlite_file(url)
    try:
        with schema.migrating(url) as connection:
            testpoints.pause("setup:before-write")
            stored = stored_revision(connection)
            if (
                revision in REVISIONS
                and stored in REVISIONS
                and REVISIONS.index(stored) > REVISIONS.index(revision)
            ):
                raise TrackerError(
                    f"the database is at {stored}, past {revision}: data of {revision} is "
                    "restored into a new database, then upgraded"
                )
            schema.upgrade(connection, url, revision)
            with Session(bind=connection) as session:
                result = fill(session)
                session.flush()
    except BaseException:
        # Interrupted (Ctrl-C) as much as failed: leave no half-made database behind.
        if created:
            remove_sqlite_files(url)
        raise
    return result, created


@dataclass(frozen=True)
class Initialised:
    created: bool
    loaded: LoadResult


def initialise(url: str, fixture: Path | None = None) -> Initialised:
    """Create the database (or upgrade it to head) and load a declaration fixture into it
    (the bundled declaration by default). Safe to run again: nothing is duplicated."""

    # Read first: a fixture that does not parse creates nothing.
    declaration = loading.read_fixture(fixture or bundled_fixture())
    loaded, created = migrate_and_fill(url, lambda s: loading.sync_fixture(s, declaration))
    return Initialised(created=created, loaded=loaded)
