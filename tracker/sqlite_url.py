"""What a SQLite URL names: the file (or none, in memory), whether it is opened read-only, and
the URL that opens exactly that.

SQLAlchemy's pysqlite dialect and SQLite read the same URL in two steps, and a user's URL can
mean something else than it says. SQLAlchemy percent-decodes the path; it passes SQLite's URI
parameters (mode, immutable, cache, vfs, ...) only with `uri=true`, and otherwise drops them
with a warning, so `?mode=ro` opened the file for writing; with `uri=true` and a plain path it
makes `FILE?mode=ro` the file's name; SQLite reads `file:` URIs (decoding their path once more)
only when asked to. Here every form is read as its writer meant it, `file:` always a URI, and
`engine_url` writes the form that SQLAlchemy and SQLite both read that way.

In memory (`sqlite://`, `:memory:`, `mode=memory`, the memdb VFS, an empty `file:` path) a
database keeps nothing past the connection: callers refuse it.

Standard library only: shell completion reads it on every TAB.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode

# The pysqlite dialect's own query arguments (SQLAlchemy's create_connect_args); every other
# parameter is SQLite's.
DRIVER_ARGS = frozenset(
    {"timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements", "uri"}
)
# How SQLite reads a boolean URI parameter.
_TRUE = frozenset({"1", "true", "yes", "on"})
_URL = re.compile(
    r"(?P<driver>sqlite(?:\+pysqlite)?)://(?P<host>[^/?]*)(?:/(?P<database>[^?]*))?(?:\?(?P<query>.*))?",
    re.DOTALL,
)


@dataclass(frozen=True)
class SQLiteURL:
    driver: str
    host: str  # SQLite has none: a URL (or a `file:` URI) that names one is refused
    path: Path | None  # the file; None in memory
    parameters: tuple[tuple[str, str], ...]  # SQLite's URI parameters
    driver_args: tuple[tuple[str, str], ...]
    uri: bool  # given as a `file:` URI

    @property
    def in_memory(self) -> bool:
        return self.path is None

    @property
    def read_only(self) -> str | None:
        """The parameter that makes the connection read-only (`mode=ro`, `immutable=1`), or
        None."""
        given = dict(self.parameters)
        if given.get("mode") == "ro":
            return "mode=ro"
        if given.get("immutable", "").lower() in _TRUE:
            return f"immutable={given['immutable']}"
        return None

    def engine_url(self, url: str) -> str:
        """The URL to give SQLAlchemy for `url` (this one's text): unchanged when it is a plain
        file path; else an absolute `file:` URI with `uri=true`, its path encoded for SQLite
        and once more for SQLAlchemy, so that both open this file with these parameters."""
        if self.path is None or (not self.uri and not self.parameters):
            return url
        for_sqlite = "file:" + quote(os.path.abspath(self.path), safe="/")
        query = urlencode([*self.parameters, *self.driver_args, ("uri", "true")])
        return f"{self.driver}:///{quote(for_sqlite, safe='/:')}?{query}"


def parse(url: str) -> SQLiteURL | None:
    """The SQLite URL `url`, read as above; None for a URL of another engine or driver (which
    SQLAlchemy refuses, saying which)."""
    found = _URL.fullmatch(url)
    if found is None:
        return None
    query = found.group("query") or ""
    pairs = parse_qsl(query, keep_blank_values=True)
    parameters = tuple((k, v) for k, v in pairs if k not in DRIVER_ARGS)
    driver_args = tuple((k, v) for k, v in pairs if k in DRIVER_ARGS and k != "uri")
    host = found.group("host")
    database = unquote(found.group("database") or "")
    uri = database.startswith("file:")
    if uri:
        authority, database = _uri_path(database.removeprefix("file:"))
        host = host or authority
    given = dict(parameters)
    memory = (
        database in ("", ":memory:") or given.get("mode") == "memory" or given.get("vfs") == "memdb"
    )
    return SQLiteURL(
        driver=found.group("driver"),
        host=host,
        path=None if memory else Path(database),
        parameters=parameters,
        driver_args=driver_args,
        uri=uri,
    )


def _uri_path(rest: str) -> tuple[str, str]:
    """The authority and the file of a `file:` URI, by SQLite's rules: an authority, if any, is
    `localhost` or empty (anything else is refused); the path is percent-decoded."""
    authority = ""
    if rest.startswith("//"):
        authority, _, path = rest[2:].partition("/")
        rest = "/" + path
        if authority == "localhost":
            authority = ""
    return authority, unquote(rest.partition("#")[0])


def from_path(path: Path) -> str:
    """The URL of a SQLite file given as a path: `%` and `?` encoded, which SQLAlchemy would
    otherwise decode or take for the start of a query."""
    return "sqlite:///" + str(path).replace("%", "%25").replace("?", "%3F")


def with_path(url: str, path: Path) -> str:
    """`url` (a SQLite file's URL) naming `path` instead, with the same parameters."""
    query = url.partition("?")[2]
    driver = url.partition("://")[0]
    return from_path(path).replace("sqlite", driver, 1) + (f"?{query}" if query else "")
