"""The burn-up cache: per declaration and day, how the number of its items in each status moved.

The report's burn-up series is the count of items in each status after every day with events.
Derived from the history, it is a window over every live whole-item event, which at scale cost
more than the rest of the terminal report (README, Performance); status_days keeps the per-day
sums, so the series is a sum over a few thousand rows.

Each live whole-item event moves its item from the status before it (the previous live
whole-item event's, else the default: tracker.timeline) to its own: +1 to its status and -1 to
the one before, on its effective date. A row also counts its moves, so a day whose moves cancel
out (an item moved to the status it had, two items swapping) is still a point of the series, as
the window query gives it, and a row with no moves left is deleted.

The cache is written in the same transaction as the events: `record_progress` applies the
difference its event makes to the item's moves (a backdated event or a correction changes the
status before later ones), a bulk append adds its events' moves, and import and the migration
build it whole. `tracker verify` recomputes it and reports a declaration whose cache differs;
`tracker db rebuild` builds it again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, delete, func, select

from tracker import timeline
from tracker.models import commitments_table, status_days_table
from tracker.statuses import DEFAULT_STATUS

C, S = commitments_table.c, status_days_table.c

# (declaration id, day, status) -> (delta, moves): the rows of status_days, or changes to them.
Key = tuple[int, dt.date, str]
Moves = dict[Key, tuple[int, int]]

BATCH = 5000


def _add(moves: Moves, key: Key, delta: int, count: int) -> None:
    old_delta, old_count = moves.get(key, (0, 0))
    moves[key] = (old_delta + delta, old_count + count)


def add_moves(
    moves: Moves, declaration_id: int, on: dt.date, before: str, after: str, count: int = 1
) -> None:
    """Count `count` items of a declaration moving from status `before` to `after` on a day."""
    _add(moves, (declaration_id, on, after), count, count)
    _add(moves, (declaration_id, on, before), -count, count)


def item_moves(declaration_id: int, events: Iterable[timeline.Event]) -> Moves:
    """What one item's events (all of them: the live rule is applied here) put in the cache."""
    moves: Moves = {}
    for event, before in timeline.Timeline(events).whole_moves():
        add_moves(moves, declaration_id, event.effective_on, before.value, event.to_status)
    return moves


def difference(before: Mapping[Key, tuple[int, int]], after: Moves) -> Moves:
    """What turns the cache rows `before` into `after` (keys whose rows do not change left out)."""
    changes: Moves = {}
    for key in before.keys() | after.keys():
        old_delta, old_count = before.get(key, (0, 0))
        new_delta, new_count = after.get(key, (0, 0))
        if (old_delta, old_count) != (new_delta, new_count):
            changes[key] = (new_delta - old_delta, new_count - old_count)
    return changes


def refresh_item(
    connection: Connection,
    declaration_id: int,
    before: Iterable[timeline.Event],
    after: Iterable[timeline.Event],
) -> None:
    """Bring the cache in line after one item's events changed from `before` to `after`."""
    apply(
        connection,
        difference(item_moves(declaration_id, before), item_moves(declaration_id, after)),
    )


def _upsert(connection: Connection) -> Any:
    # Imported here: each command loads the one dialect its engine uses, not both.
    statement: Any
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(status_days_table)
    else:
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(status_days_table)
    # Two recorders adding to the same day's row: the conflict clause makes the second one
    # add to the first's row (PostgreSQL locks it until the first commits) instead of failing.
    return statement.on_conflict_do_update(
        index_elements=[S.declaration_id, S.day, S.status],
        set_={
            "delta": S.delta + statement.excluded.delta,
            "moves": S.moves + statement.excluded.moves,
        },
    )


def _rows(moves: Mapping[Key, tuple[int, int]]) -> list[dict[str, Any]]:
    return [
        {"declaration_id": d, "day": on, "status": status, "delta": delta, "moves": count}
        for (d, on, status), (delta, count) in sorted(moves.items())
    ]


def apply(connection: Connection, changes: Mapping[Key, tuple[int, int]]) -> None:
    """Add `changes` to the cache, deleting the rows left with no moves."""
    if not changes:
        return
    rows = _rows(changes)
    # Sorted keys: two writers touching the same rows lock them in the same order.
    for start in range(0, len(rows), BATCH):
        connection.execute(_upsert(connection), rows[start : start + BATCH])
    emptied = [row for row in rows if row["moves"] < 0]
    if emptied:
        connection.execute(
            delete(status_days_table).where(
                and_(
                    S.declaration_id == bindparam("d"),
                    S.day == bindparam("on"),
                    S.status == bindparam("s"),
                    S.moves <= 0,
                )
            ),
            [{"d": r["declaration_id"], "on": r["day"], "s": r["status"]} for r in emptied],
        )


def from_history(
    connection: Connection, items: Select[Any] | None = None, as_of: dt.date | None = None
) -> Moves:
    """What the cache should hold, from the events (of the items `items` selects, effective on
    or before `as_of`; None: all). A report filtered by pillar or party draws its burn-up from
    this too, the cache holding whole declarations only.

    The database pairs each live whole-item event with the status before it and counts the
    pairs per day, so the work here is one step per (day, move), not per event.
    """
    moves = timeline.whole_transitions(items, as_of)
    query = (
        select(
            C.declaration_id,
            moves.c.effective_on,
            moves.c.previous,
            moves.c.to_status,
            func.count().label("n"),
        )
        .join(commitments_table, C.id == moves.c.commitment_id)
        .group_by(C.declaration_id, moves.c.effective_on, moves.c.previous, moves.c.to_status)
    )
    found: Moves = {}
    for row in connection.execute(query):
        before = row.previous or DEFAULT_STATUS.value
        add_moves(found, row.declaration_id, row.effective_on, before, row.to_status, row.n)
    return found


def stored(connection: Connection) -> Moves:
    return {
        (row.declaration_id, row.day, row.status): (row.delta, row.moves)
        for row in connection.execute(select(status_days_table))
    }


def rebuild(connection: Connection) -> int:
    """Build the whole cache again from the events; returns how many rows it holds."""
    connection.execute(delete(status_days_table))
    rows = _rows(from_history(connection))
    for start in range(0, len(rows), BATCH):
        connection.execute(status_days_table.insert(), rows[start : start + BATCH])
    return len(rows)


def disagreements(connection: Connection) -> dict[int, dt.date]:
    """Per declaration whose cache is not what its history gives, the first day that differs."""
    differing = difference(stored(connection), from_history(connection))
    first: dict[int, dt.date] = defaultdict(lambda: dt.date.max)
    for declaration_id, on, _ in differing:
        first[declaration_id] = min(first[declaration_id], on)
    return dict(first)
