"""Which events count: a corrected event is superseded by its correction.

Events are never updated or deleted; a mistake is fixed by a new event naming the one it corrects.
Every query that derives a status asks for the live events only.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import aliased

from tracker.models import StatusEvent


def live() -> ColumnElement[bool]:
    """True for events no other event corrects."""
    correction = aliased(StatusEvent)
    return ~exists(select(correction.id).where(correction.corrects_id == StatusEvent.id))
