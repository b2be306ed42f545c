"""Which database to use: --db, else TRACKER_DATABASE_URL, else `database` in the user's
configuration (tracker.userconfig), else a SQLite file in the user data dir.

A bare path is accepted wherever a URL is (`--db ./team.db`), because that is what people type.
A SQLite URL is read as its writer meant it (tracker.sqlite_url); one that keeps nothing (in
memory) or names a host is refused before any command runs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracker import sqlite_url
from tracker.errors import InputError

ENV_VAR = "TRACKER_DATABASE_URL"
APP_NAME = "tracker"


def default_sqlite_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "tracker.db"


def resolve_url(option: str | None) -> str:
    raw = (option or os.environ.get(ENV_VAR) or "").strip()
    if not raw:
        # The user's configuration (tracker.userconfig) comes after the flag and the variable.
        from tracker import userconfig

        raw = userconfig.read_file().get("database", "").strip()
        if raw.startswith("~"):
            raw = str(Path(raw).expanduser())
    if not raw:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in raw:
        return sqlite_url.from_path(Path(raw).expanduser().resolve())
    target = sqlite_url.parse(raw)
    if target is None:
        # A SQLite URL is read here; sparing it SQLAlchemy's parser keeps shell completion of
        # codes from importing SQLAlchemy.
        check_url(raw)
    elif target.host:
        raise InputError(
            f"a SQLite URL names no host ({target.host!r} in {mask_url(raw)}): use "
            "sqlite:///FILE (relative), sqlite:////PATH (absolute) or a file path"
        )
    elif target.in_memory:
        # SQLAlchemy would open it, empty, and drop it at exit: every read would find nothing
        # and every write would be lost, each said as if it had worked.
        raise InputError(
            f"{mask_url(raw)} is an in-memory SQLite database: it starts empty and keeps nothing "
            "after the command; give a file (sqlite:///FILE or a path)"
        )
    return raw


SUPPORTED = ("sqlite", "postgresql")


def check_url(url: str) -> None:
    """Refuse, in one line, a URL that does not parse or names an engine tracker does not run on
    (its password masked)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except (ArgumentError, ValueError) as exc:
        raise InputError(f"cannot parse the database URL {mask_url(url)}: {exc}") from None
    if backend not in SUPPORTED:
        raise InputError(
            f"unsupported database {backend!r} in {mask_url(url)}; tracker runs on SQLite "
            "(a file path or sqlite:///FILE) and PostgreSQL (postgresql+psycopg://...)"
        )


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (as SQLite opens it: decoded, a `file:` URI's path), or None
    for other engines and in-memory databases."""
    target = sqlite_url.parse(url)
    return None if target is None else target.path


_QUERY_PASSWORD = re.compile(r"([?&](?:password|passwd|pass|pwd)=)[^&#]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """The URL with any password replaced, safe to print: in the user part and in the query
    (`?password=...`)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    rest = _QUERY_PASSWORD.sub(r"\1***", rest)
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        creds, _, host = authority.rpartition("@")
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        authority = f"{creds}@{host}"
    return f"{scheme}://{authority}{slash}{tail}"


def secrets_in(url: str) -> list[str]:
    """The password values a URL holds (to mask them wherever else they might be echoed)."""
    found = [m.group(0).split("=", 1)[1] for m in _QUERY_PASSWORD.finditer(url)]
    authority = url.partition("://")[2].partition("/")[0]
    if "@" in authority:
        creds = authority.rpartition("@")[0]
        if ":" in creds:
            found.append(creds.split(":", 1)[1])
    return [f for f in found if f]
