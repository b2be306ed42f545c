"""Which events count: a corrected event is superseded by its correction.

Events are never updated or deleted; a mistake is fixed by a new event naming the one it corrects.
Every query that derives a status asks for the live events only.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from tracker.models import events_table


def live() -> ColumnElement[bool]:
    """True for events no other event corrects.

    An uncorrelated NOT IN: both engines evaluate the (small) set of corrected ids once, where a
    correlated NOT EXISTS probes the index again for every candidate row (twice the cost of the
    report's latest-event lookups at 100,000 commitments). corrects_id IS NOT NULL keeps NULLs
    out of the set, which would otherwise make NOT IN unknown for every row.
    """
    corrections = events_table.alias("corrections")
    return events_table.c.id.not_in(
        select(corrections.c.corrects_id).where(corrections.c.corrects_id.is_not(None))
    )
