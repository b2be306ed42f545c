"""Which events count: a corrected event is superseded by its correction.

Events are never updated or deleted; a mistake is fixed by a new event naming the one it corrects.
Every query that derives a status asks for the live events only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.compiler import compiles

from tracker.models import events_table


class Live(ColumnElement[bool]):
    """True for events no other event corrects; written for each engine's planner (below)."""

    inherit_cache = True
    # No Boolean type: SQLite would render the criterion as `(...) = 1`.


def live() -> ColumnElement[bool]:
    return Live()


def _not_in() -> ColumnElement[bool]:
    corrections = events_table.alias("corrections")
    # corrects_id IS NOT NULL keeps NULLs out of the set, which would make NOT IN unknown.
    return events_table.c.id.not_in(
        select(corrections.c.corrects_id).where(corrections.c.corrects_id.is_not(None))
    )


def _not_exists() -> ColumnElement[bool]:
    corrections = events_table.alias("corrections")
    return ~exists().where(corrections.c.corrects_id == events_table.c.id)


@compiles(Live)
def _live_default(element: Live, compiler: Any, **kw: Any) -> str:
    # SQLite evaluates an uncorrelated NOT IN once into a lookup table; a correlated NOT EXISTS
    # would probe the index again for every candidate row, twice the cost of the report's
    # latest-event lookups at 100,000 commitments.
    return str(compiler.process(_not_in(), **kw))


@compiles(Live, "postgresql")
def _live_postgresql(element: Live, compiler: Any, **kw: Any) -> str:
    # PostgreSQL plans NOT EXISTS as an anti-join at any size; its NOT IN is hashed only while
    # the corrected ids fit in work_mem and degrades to a scan per row beyond that.
    return str(compiler.process(_not_exists(), **kw))
