"""The rules of tracker.timeline, written once in SQL (report, list) and once over a list of events
(show, progress, verify), give the same answers on random histories, on every engine.

Each example records a random history through `record_progress` (whole-item and party events,
out of date order, corrections of corrections) on commitments of a declaration of its own, then
asks the bulk paths and the pure functions the same questions on dates around the events: the
item's status, each party's, the latest event, the burn-up's last counts, what is overdue, and
which of the report's lists (pledges, open, stalled, due by a milestone, overdue) holds it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from histories import DECLARED, ITEM_PARTIES, TODAY, day, declaration, histories, items, record
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from support import Cli

from tracker import timeline
from tracker.commitments import ListFilter, list_commitments
from tracker.db import run_in_transaction, session_scope
from tracker.models import Commitment, commitments_table, declarations_table, events_table
from tracker.reports.build import ReportSpec, build
from tracker.statuses import DEFAULT_STATUS, STATUSES, Kind
from tracker.timeline import Timeline, is_due, is_open, is_overdue, is_pledged, is_stalled


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


def _lists_in_sql(
    s: Session, slug: str, on: dt.date, milestone: dt.date | None
) -> dict[str, dict[str, bool]]:
    """Per item of the declaration, whether each list's SQL condition holds as of `on`."""
    E, C = events_table.c, commitments_table.c
    last, joined = timeline.latest_events(s.get_bind().dialect.name, on, [E.id, E.to_status])
    status = func.coalesce(last.c.to_status, DEFAULT_STATUS.value)
    conditions = {
        "pledged": timeline.pledged_sql(),
        "open": timeline.open_sql(status),
        "stalled": timeline.stalled_sql(status),
        "due": timeline.due_sql(status, on, milestone),
        "overdue": timeline.overdue_sql(status, on),
    }
    rows = s.execute(
        select(C.code, *(case((c, 1), else_=0).label(n) for n, c in conditions.items()))
        .select_from(commitments_table)
        .join(declarations_table, declarations_table.c.id == C.declaration_id)
        .outerjoin(last, joined)
        .where(declarations_table.c.slug == slug)
    )
    return {row.code: {n: bool(row._mapping[n]) for n in conditions} for row in rows}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=items,
    history=histories,
    dates=st.lists(day, min_size=1, max_size=4),
    milestone=st.none() | day,
)
def test_sql_and_pure_rules_agree(
    cli: Cli, kinds: list[Any], history: list[Any], dates: list[dt.date], milestone: Any
) -> None:
    def setup(s: Session) -> tuple[str, list[str]]:
        slug, codes = declaration(s, kinds)
        record(s, codes, history)
        return slug, codes

    slug, codes = run_in_transaction(cli.url, setup)
    with session_scope(cli.url, write=False) as s:
        pure = _timelines(s, codes)
        for on in sorted({*dates, DECLARED - dt.timedelta(days=6), TODAY}):
            note(f"as of {on}")
            report = build(s, ReportSpec(declarations=(slug,), as_of=on, today=TODAY))
            # The report's lists: each rule in SQL (over the status as of `on`) and plain.
            sql = _lists_in_sql(s, slug, on, milestone)
            for code, (c, events) in pure.items():
                kind, status = Kind(c.kind), events.status(on)
                assert sql[code] == {
                    "pledged": is_pledged(kind),
                    "open": is_open(status),
                    "stalled": is_stalled(kind, status),
                    "due": is_due(kind, c.target_date, status, on, milestone),
                    "overdue": is_overdue(kind, c.target_date, status, on),
                }, (code, status)
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
                    s, ListFilter(declarations=(slug,), overdue_on=on, include_closed=True)
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
                    s, ListFilter(declarations=(slug,), party=party, include_closed=True)
                )
            }
            assert listed == {
                code: events.party_status(party).value
                for code, (c, events) in pure.items()
                if party in c.parties
            }


def test_last_update_reads_only_the_parties_asked_for() -> None:
    """A report of some parties shows as an item's last update the latest event of the whole or
    of one of those parties, never another party's."""
    from types import SimpleNamespace

    def event(id: int, on: str, party: str | None) -> SimpleNamespace:
        return SimpleNamespace(
            id=id, effective_on=dt.date.fromisoformat(on), party=party,
            to_status="in_progress", corrects_id=None,
        )  # fmt: skip

    whole, uk = event(1, "2026-03-01", None), event(2, "2026-04-01", "UK")
    history = Timeline([whole, uk])
    assert history.last_update(parties=["Japan"]) is whole
    assert history.last_update(parties=["UK"]) is uk
    assert history.last_update() is uk
    assert history.last_update(on=dt.date(2026, 3, 15)) is whole
