"""The rules of tracker.timeline, written once in SQL (report, list) and once over a list of events
(show, progress, verify), give the same answers on random histories, on every engine.

Each example records a random history through `record_progress` (whole-item and party events,
out of date order, corrections of corrections) on commitments of a declaration of its own, then
asks the bulk paths and the pure functions the same questions on dates around the events: the
item's status, each party's, the latest event, the burn-up's last counts, what is overdue.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from conftest import Cli
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.commitments import ListFilter, list_commitments
from tracker.db import run_in_transaction, session_scope
from tracker.models import Commitment, Declaration, Pillar, events_table
from tracker.progress import record_progress
from tracker.reports.build import build
from tracker.statuses import STATUSES, Kind
from tracker.timeline import Timeline, is_overdue

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


def _declaration(s: Session, kinds: list[tuple[Kind, dt.date | None]]) -> tuple[str, list[str]]:
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


def _record(s: Session, codes: list[str], history: list[tuple[Any, ...]]) -> None:
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


def _timelines(s: Session, codes: list[str]) -> dict[str, tuple[Commitment, Timeline[Any]]]:
    E = events_table.c
    found = {}
    for c in s.scalars(select(Commitment).where(Commitment.code.in_(codes))):
        events = s.execute(
            select(E.id, E.party, E.effective_on, E.to_status, E.corrects_id).where(
                E.commitment_id == c.id
            )
        ).all()
        found[c.code] = (c, Timeline(events))
    return found


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kinds=items, history=histories, dates=st.lists(day, min_size=1, max_size=4))
def test_sql_and_pure_rules_agree(
    cli: Cli, kinds: list[Any], history: list[Any], dates: list[dt.date]
) -> None:
    def setup(s: Session) -> tuple[str, list[str]]:
        slug, codes = _declaration(s, kinds)
        _record(s, codes, history)
        return slug, codes

    slug, codes = run_in_transaction(cli.url, setup)
    with session_scope(cli.url, write=False) as s:
        pure = _timelines(s, codes)
        for on in sorted({*dates, DECLARED - dt.timedelta(days=6), TODAY}):
            note(f"as of {on}")
            report = build(s, declaration=slug, as_of=on, today=TODAY)
            reported = {p.party for p in report.parties}
            for item in report.items:
                commitment, events = pure[item.code]
                status = events.status(on)
                assert item.status == status, item.code
                assert set(item.party_status) == set(commitment.parties) & reported
                for party, own in item.party_status.items():
                    assert own == events.party_status(party, on), (item.code, party)
                last = events.last_update(on, reported)
                assert (item.last_event and item.last_event.id) == (last and last.id)
                assert item.overdue == is_overdue(item.kind, item.target_date, status, on)
            # The burn-up's last point counts the same statuses (its SQL: whole_transitions).
            counts = dict.fromkeys(STATUSES, 0)
            counts.update(Counter(events.status(on) for _, events in pure.values()))
            assert report.history[-1].counts == counts

            # The list reads the cached current status (and a party's own, now) in SQL.
            overdue = {
                row.code
                for row in list_commitments(
                    s, ListFilter(declaration=slug, overdue_on=on, include_closed=True)
                )
            }
            assert overdue == {
                code
                for code, (c, events) in pure.items()
                if is_overdue(Kind(c.kind), c.target_date, events.status(), on)
            }
        for party in ITEM_PARTIES[2]:
            listed = {
                row.code: row.status
                for row in list_commitments(
                    s, ListFilter(declaration=slug, party=party, include_closed=True)
                )
            }
            assert listed == {
                code: events.party_status(party).value
                for code, (c, events) in pure.items()
                if party in c.parties
            }
