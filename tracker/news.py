"""What was recorded since you last looked: `tracker news`.

`log` sorts by effective date, so an entry a colleague backdated to last month sits among last
month's events, where nobody looks. `news` lists what was *recorded* since the user last ran it
(tracker.history, by recording time), and marks an entry dated before the day of that last look
as backdated.

Where each user last looked is theirs, not the team's: a small JSON file in the user data folder
(platformdirs), one entry per database, keyed by a digest of its URL (without a password; a
SQLite file by its absolute path) so two databases never share a last look. The CLI saves it
only after the events were read and printed: a failed read shows them again next time.

A transaction that stamped its events before the last look but committed after it would be
missed by a plain "recorded after the last look"; so the look reaches back `MARGIN` before it,
and the ids seen within that margin are remembered and skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.config import APP_NAME, mask_url, sqlite_path
from tracker.models import StatusEvent

STATE_FILE = "news.json"
# The first look, without a saved one, covers this much.
FIRST_LOOK = dt.timedelta(days=7)
# How far a look reaches back before the last one (see the module's docstring).
MARGIN = dt.timedelta(minutes=10)
# A state file larger than this is not one we wrote: it is ignored (and rewritten).
MAX_STATE_BYTES = 1_000_000


@dataclass
class LastLook:
    """When a user last read the news of one database, and the events seen near that time."""

    at: dt.datetime
    seen: set[int] = field(default_factory=set)


def state_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / STATE_FILE


def database_key(url: str) -> str:
    """The key of a database in the state file: its URL's digest, without a password; a SQLite
    database by its file's absolute path (two spellings of one file are one database)."""
    path = sqlite_path(url)
    identity = mask_url(url) if path is None else "sqlite:" + str(path.expanduser().resolve())
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def _read_state(path: Path) -> dict[str, Any]:
    """The saved looks; a missing, unreadable or foreign file reads as none (news then shows
    the first look's span again: nothing is lost)."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_STATE_BYTES + 1)
    except OSError:
        return {}
    if len(raw) > MAX_STATE_BYTES:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def last_look(url: str, path: Path | None = None) -> LastLook | None:
    entry = _read_state(path or state_path()).get(database_key(url))
    if not isinstance(entry, dict):
        return None
    try:
        at = dt.datetime.fromisoformat(str(entry["at"]))
        seen = {int(i) for i in entry.get("seen", [])}
    except (KeyError, TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return LastLook(at.astimezone(dt.UTC), seen)


def save_look(url: str, look: LastLook, path: Path | None = None) -> None:
    """Record a look (after a successful read), replacing the file atomically; readable by the
    user alone."""
    target = path or state_path()
    state = _read_state(target)
    state[database_key(url)] = {"at": look.at.isoformat(), "seen": sorted(look.seen)}
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=1, sort_keys=True)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


@dataclass(frozen=True)
class NewsWindow:
    """What a read of the news covers: events recorded from `since` (less `skip`), marked
    backdated when dated before `day` (the day of the last look, in the tracker's zone)."""

    since: dt.datetime
    skip: frozenset[int]
    # The last look (or the first look's start): what the user is told.
    start: dt.datetime
    day: dt.date
    first: bool
    # The look this read will save once it has succeeded.
    now: LastLook


def window(session: Session, previous: LastLook | None) -> NewsWindow:
    """The span to read, from the last look (or the first look's span), and the look to save:
    now by the database's clock, with the ids recorded within MARGIN of it."""
    now = clock.now(session)
    zone = clock.zone(session)
    start = previous.at if previous is not None else now - FIRST_LOOK
    recent: Iterable[int] = session.scalars(
        select(StatusEvent.id).where(StatusEvent.recorded_at >= now - MARGIN)
    )
    return NewsWindow(
        since=start - MARGIN if previous is not None else start,
        skip=frozenset(previous.seen) if previous is not None else frozenset(),
        start=start,
        day=clock.local_day(start, zone),
        first=previous is None,
        now=LastLook(now, set(recent)),
    )


def is_backdated(effective_on: dt.date, news: NewsWindow) -> bool:
    """An entry dated before the day of the last look: it belongs among events already shown
    by date, so it is marked."""
    return effective_on < news.day
