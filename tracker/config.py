"""Which database to use: --db, else TRACKER_DATABASE_URL, else a SQLite file in the user data dir.

A bare path is accepted wherever a URL is (`--db ./team.db`), because that is what people type.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "TRACKER_DATABASE_URL"
APP_NAME = "tracker"


def default_sqlite_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "tracker.db"


def resolve_url(option: str | None) -> str:
    raw = option or os.environ.get(ENV_VAR) or ""
    raw = raw.strip()
    if not raw:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in raw:
        return f"sqlite:///{Path(raw).expanduser().resolve()}"
    return raw


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other engines and in-memory databases."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix) :].split("?", 1)[0]
            if rest in ("", ":memory:"):
                return None
            return Path(rest)
    return None


def mask_url(url: str) -> str:
    """The URL with any password replaced, safe to print."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    if ":" in creds:
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
