"""Dates as people say them: a small grammar, read without a date library.

A date option (`--on`, `--since`, `--as-of`, `--evidence-date`, `--due-before`, ...) takes:

    2026-11-03          an ISO date
    today, yesterday    the tracker's today (tracker.clock), or the day before
    N days ago          N whole days before today (also: 1 day ago, N weeks ago)
    last week           the Monday that starts the week before this one (ISO weeks)
    last month          the first day of the month before this one
    2026-11             a month: its first day, or its last for an end (`--as-of`)
    2026年11月3日        a Japanese date; 2026年11月 a Japanese month (as 2026-11)

Case, surrounding spaces and full-width digits are forgiven; nothing else is guessed (no
"next Friday", no 03/11/2026, whose order differs between the two parties). A heavy parser
would cost every command its start-up time (README, Performance); this one is pure and costs
nothing until a word needs today, which is asked for only then (a database read).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

# Full-width digits (２０２６年１１月) as typed with a Japanese input method.
_WIDE = str.maketrans("０１２３４５６７８９－", "0123456789-")
_AGO = re.compile(r"(\d{1,5})\s*(day|days|week|weeks)\s+ago")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_JAPANESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")


class DateWordError(ValueError):
    """Text that is not a date of the grammar (the message says why, without the option)."""


def read_date(text: str, today: Callable[[], dt.date], *, month_end: bool = False) -> dt.date:
    """The date `text` says; `today` is called only when a relative word needs it. A month
    means its first day, or its last when `month_end` (an as-of date covers the whole month)."""
    said = " ".join(text.translate(_WIDE).strip().lower().split())
    try:
        return dt.date.fromisoformat(said)
    except ValueError:
        pass
    if said in ("today", "今日"):
        return today()
    if said in ("yesterday", "昨日"):
        return today() - dt.timedelta(days=1)
    if said == "last week":
        day = today()
        return day - dt.timedelta(days=day.weekday() + 7)
    if said == "last month":
        first = today().replace(day=1)
        return (first - dt.timedelta(days=1)).replace(day=1)
    found = _AGO.fullmatch(said)
    if found:
        count = int(found.group(1))
        days = count * 7 if found.group(2).startswith("week") else count
        try:
            return today() - dt.timedelta(days=days)
        except OverflowError:
            raise DateWordError(f"{text!r} is too far back") from None
    found = _MONTH.fullmatch(said) or _JAPANESE.fullmatch(said)
    if found:
        year, month = int(found.group(1)), int(found.group(2))
        day_text = found.group(3) if found.re is _JAPANESE else None
        try:
            if day_text is not None:
                return dt.date(year, month, int(day_text))
            return _month_end(year, month) if month_end else dt.date(year, month, 1)
        except ValueError as exc:
            raise DateWordError(f"{text!r} is not a date ({exc})") from None
    raise DateWordError(f"invalid date {text!r}")


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    dt.date(year, month, 1)  # a month that does not exist is refused as itself
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def is_iso(text: str) -> bool:
    """Whether the text was already the ISO date it means (then nothing is echoed back)."""
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True
