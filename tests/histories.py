"""Random event histories for property tests: a declaration of its own with three items, and
steps recorded through `record_progress` (whole-item and party events, out of date order,
corrections of corrections). Shared by tests/test_timeline.py and tests/test_burnup.py."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tracker.models import Commitment, Declaration, Pillar
from tracker.progress import record_progress
from tracker.statuses import STATUSES, Kind

DECLARED = dt.date(2026, 1, 1)
TODAY = DECLARED + dt.timedelta(days=120)
PARTIES = ["Japan", "UK"]
# The third item names a party the declaration does not (Italy in GCAP).
ITEM_PARTIES = [PARTIES, PARTIES, [*PARTIES, "Italy"]]

day = st.integers(-5, 40).map(lambda n: DECLARED + dt.timedelta(days=n))
progress = st.tuples(
    st.just("progress"),
    st.integers(0, len(ITEM_PARTIES) - 1),
    st.sampled_from([None, None, *ITEM_PARTIES[2]]),
    st.sampled_from(STATUSES),
    day,
)
# Which of the events recorded so far (by index, modulo their number) a correction replaces.
correction = st.tuples(
    st.just("correct"), st.integers(0, 50), st.none() | st.sampled_from(STATUSES), st.none() | day
)
histories = st.lists(st.one_of(progress, progress, correction), min_size=1, max_size=14)
items = st.lists(st.tuples(st.sampled_from(list(Kind)), st.none() | day), min_size=3, max_size=3)


def declaration(s: Session, kinds: list[tuple[Kind, dt.date | None]]) -> tuple[str, list[str]]:
    slug = f"t-{uuid.uuid4().hex[:10]}"
    declaration = Declaration(
        slug=slug,
        title=slug,
        date=DECLARED,
        place="Tokyo",
        parties=PARTIES,
        source="test",
        source_text="test",
    )
    s.add(declaration)
    s.flush()
    pillar = Pillar(declaration_id=declaration.id, slug="p", title="P", position=0)
    s.add(pillar)
    s.flush()
    codes = []
    for n, ((kind, target), parties) in enumerate(zip(kinds, ITEM_PARTIES, strict=True)):
        code = f"{slug[2:8].upper()}-{n}"
        s.add(
            Commitment(
                code=code,
                declaration_id=declaration.id,
                pillar_id=pillar.id,
                position=n,
                title=code,
                description="",
                quote="",
                kind=kind.value,
                parties=parties,
                owners=[],
                target_date=target,
                target_label="summit" if target else None,
            )
        )
        codes.append(code)
    s.flush()
    return slug, codes


def record(s: Session, codes: list[str], history: list[tuple[Any, ...]]) -> None:
    recorded: list[int] = []
    corrected: set[int] = set()
    for step in history:
        which: dict[str, Any]
        if step[0] == "progress":
            _, item, party, status, on = step
            if party not in ITEM_PARTIES[item]:
                party = None
            which = {"code": codes[item], "party": party}
        else:
            open_ = [e for e in recorded if e not in corrected]
            if not open_:
                continue
            _, pick, status, on = step
            which = {"corrects": open_[pick % len(open_)]}
            corrected.add(which["corrects"])
        result = record_progress(
            s,
            status=status,
            on=on,
            reason="r",
            actor="t",
            today=TODAY,
            before_declaration=True,
            **which,
        )
        recorded.append(result.event_id)
