"""The tracker's clock: one time zone and one source of "now" for everyone who uses it.

"Today" decides what a command may record (nothing dated in the future) and what a report
shows (its as-of day). Reckoned in each user's own zone, a Tokyo user's progress dated today
is "tomorrow" for a colleague in London from 15:00 to 24:00 UTC every day: `list` would say
achieved and the colleague's report not started. So the zone is a setting of the database
(`settings.time_zone`, an IANA name; UTC when unset), the same whoever runs the command.

"Now" is the database server's clock on PostgreSQL (a laptop with a skewed clock cannot put an
event before the one it follows) and this machine's on SQLite, whose file is this machine's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, select

from tracker.errors import TrackerError
from tracker.models import events_table, settings_table

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

ZONE_KEY = "time_zone"
DEFAULT_ZONE = "UTC"


def zone_name(session: Session | Connection) -> str:
    S = settings_table.c
    value = session.execute(select(S.value).where(S.key == ZONE_KEY)).scalar()
    return value or DEFAULT_ZONE


def load_zone(name: str) -> ZoneInfo:
    """The zone of an IANA name, or a one-line error."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if not name or "\x00" in name or name.startswith("/") or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TrackerError(
            f"unknown time zone {name!r}; use an IANA name such as UTC, Europe/London or Asia/Tokyo"
        ) from None


def zone(session: Session | Connection) -> ZoneInfo:
    return load_zone(zone_name(session))


def now(session: Session | Connection) -> dt.datetime:
    """The current time, aware, in UTC: the server's clock on PostgreSQL."""
    return stamp(session)[0]


def stamp(session: Session | Connection) -> tuple[dt.datetime, str | None]:
    """The current time (aware, UTC) and the database user (`session_user`; None on SQLite,
    which has none): what an event records of when and by which connection it was inserted."""
    bind = session if isinstance(session, Connection) else session.connection()
    if bind.dialect.name == "postgresql":
        # clock_timestamp(), not now(): now() is the transaction's start, and a transaction
        # that waited for a lock would be stamped before the one it waited for.
        moment, user = session.execute(select(func.clock_timestamp(), func.session_user())).one()
        return moment.astimezone(dt.UTC), str(user)
    return dt.datetime.now(dt.UTC), None


def local_day(moment: dt.datetime, where: ZoneInfo) -> dt.date:
    """The calendar day of a moment in the tracker's zone."""
    if moment.tzinfo is None:  # stored as UTC without a zone (SQLite)
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(where).date()


def today(session: Session | Connection) -> dt.date:
    return local_day(now(session), zone(session))


def first_breach(session: Session, where: ZoneInfo) -> tuple[int, dt.date, dt.date] | None:
    """The first event (id, effective date, day recorded) that `where` would put after the day
    it was recorded: a zone west of the one in force can make a same-day record "future"."""
    E = events_table.c
    for event_id, effective, recorded in session.execute(
        select(E.id, E.effective_on, E.recorded_at).order_by(E.id)
    ).yield_per(5000):
        day = local_day(recorded, where)
        if effective > day:
            return event_id, effective, day
    return None


def set_zone(session: Session, name: str) -> tuple[str, str]:
    """Make `name` the tracker's time zone; (old, new) names. Refused when an event already
    recorded would then be dated after the day it was recorded (verify would flag it)."""
    where = load_zone(name.strip())
    new = where.key
    old = zone_name(session)
    breach = first_breach(session, where)
    if breach is not None:
        event_id, effective, day = breach
        raise TrackerError(
            f"in {new}, event #{event_id} (dated {effective.isoformat()}) would have been "
            f"recorded on {day.isoformat()}, the day before its date: keep {old}, or choose a "
            "zone no further west"
        )
    S = settings_table.c
    if session.execute(select(S.key).where(S.key == ZONE_KEY)).first() is None:
        session.execute(settings_table.insert().values(key=ZONE_KEY, value=new))
    else:
        session.execute(settings_table.update().where(S.key == ZONE_KEY).values(value=new))
    return old, new
