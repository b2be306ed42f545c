"""The names a user types after an option, read from the database for shell completion: item
codes, pillar slugs and party names.

Completion runs on every TAB, so it answers at once and never fails loudly. A SQLite file is read
with the standard library, read-only (a missing file is not created): a few milliseconds, where
importing SQLAlchemy would take a third of a second. A server database goes through SQLAlchemy.
No database, a database of another schema or a server that is down all give no names.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

from tracker.config import sqlite_path

CODES = "SELECT code FROM commitments ORDER BY code"
PILLARS = "SELECT DISTINCT slug FROM pillars ORDER BY slug"
# Few distinct lists of parties, however many items share them; as text, because PostgreSQL's
# json has no equality for DISTINCT.
PARTIES = "SELECT DISTINCT CAST(parties AS TEXT) FROM commitments"


def codes(url: str) -> list[str]:
    return [str(code) for code in _column(url, CODES)]


def pillars(url: str) -> list[str]:
    return [str(slug) for slug in _column(url, PILLARS)]


def parties(url: str) -> list[str]:
    found: set[str] = set()
    for names in _column(url, PARTIES):
        found.update(json.loads(names))
    return sorted(found)


def _column(url: str, sql: str) -> list[Any]:
    try:
        path = sqlite_path(url)
        if path is None:
            return _server_column(url, sql)
        if not path.is_file():
            return []
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            return [row[0] for row in connection.execute(sql)]
    except Exception:
        # Inside the user's shell a traceback would land in the command line being typed;
        # offering nothing is the only failure completion can show.
        return []


def _server_column(url: str, sql: str) -> list[Any]:
    from sqlalchemy import text

    from tracker.db import make_engine

    with make_engine(url).connect() as connection:
        return list(connection.scalars(text(sql)))
