"""The burn-up cache (tracker.burnup): kept in step with every write, the series a report draws
from it is the one the window query over every event gives; `verify` catches a cache changed
behind the tool's back, `db rebuild` repairs it, and export/import rebuild it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from bulk import NewEvent, append_events
from histories import DECLARED, TODAY, day, declaration, histories, items, record
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from support import Cli, tamper

from tracker import burnup
from tracker.db import run_in_transaction, session_scope
from tracker.models import status_days_table
from tracker.reports.build import ReportSpec, build
from tracker.statuses import Status

SLUG = "japan-uk-2026"


def _rows(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            S = status_days_table.c
            query = select(S.declaration_id, S.day, S.status, S.delta, S.moves)
            return [
                tuple(r) for r in conn.execute(query.order_by(S.declaration_id, S.day, S.status))
            ]
    finally:
        engine.dispose()


def _both_series(s: Session, slug: str, on: dt.date) -> tuple[Any, Any]:
    """The burn-up of a whole declaration (read from the cache) and of its one pillar, which
    holds every item (a pillar filter reads the events through the window query)."""
    whole = build(s, ReportSpec(declarations=(slug,), as_of=on, today=TODAY))
    pillar = build(s, ReportSpec(declarations=(slug,), pillar="p", as_of=on, today=TODAY))
    return whole.history, pillar.history


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kinds=items, history=histories, dates=st.lists(day, min_size=1, max_size=4))
def test_the_cached_series_is_the_window_query_series(
    cli: Cli, kinds: list[Any], history: list[Any], dates: list[dt.date]
) -> None:
    """Random histories (party events, which do not count; corrections of corrections; events
    out of date order and before the declaration), each event recorded in its own
    `record_progress`: the cache follows event by event, and the series drawn from it is
    identical, point by point, to the one derived from the events."""

    def setup(s: Session) -> str:
        slug, codes = declaration(s, kinds)
        record(s, codes, history)
        return slug

    slug = run_in_transaction(cli.url, setup)
    with session_scope(cli.url, write=False) as s:
        # What a rebuild from the whole history gives, for this example and every earlier one.
        assert burnup.disagreements(s.connection()) == {}
        for on in sorted({*dates, DECLARED - dt.timedelta(days=6), DECLARED, TODAY}):
            note(f"as of {on}")
            cached, derived = _both_series(s, slug, on)
            assert cached == derived


def test_a_bulk_append_keeps_the_cache(cli: Cli) -> None:
    cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-03-01")
    at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

    def append(s: Session) -> int:
        return append_events(
            s,
            [
                ("CYB-01", [NewEvent(Status.ACHIEVED, dt.date(2026, 4, 1), "", "b", at)]),
                ("CYB-02", [NewEvent(Status.IN_PROGRESS, dt.date(2026, 4, 1), "", "b", at),
                            NewEvent(Status.STALLED, dt.date(2026, 5, 1), "", "b", at)]),
            ],
        )  # fmt: skip

    assert run_in_transaction(cli.url, append) == 3
    with session_scope(cli.url, write=False) as s:
        assert burnup.disagreements(s.connection()) == {}
        declaration_id = s.scalar(text("SELECT id FROM declarations"))
    assert [r[1:] for r in _rows(cli.url) if r[0] == declaration_id] == [
        (dt.date(2026, 3, 1), "in_progress", 1, 1),
        (dt.date(2026, 3, 1), "not_started", -1, 1),
        # CYB-01 leaves in_progress as CYB-02 enters it: its count stays, the day is a point.
        (dt.date(2026, 4, 1), "achieved", 1, 1),
        (dt.date(2026, 4, 1), "in_progress", 0, 2),
        (dt.date(2026, 4, 1), "not_started", -1, 1),
        (dt.date(2026, 5, 1), "in_progress", -1, 1),
        (dt.date(2026, 5, 1), "stalled", 1, 1),
    ]


def _history(cli: Cli) -> None:
    """A history with a party event, a backdated event and a correction that moves a day."""
    cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-03-01")
    cli.ok("progress", "CYB-01", "-s", "stalled", "--on", "2026-04-01", "--party", "UK")
    cli.ok("progress", "CYB-01", "-s", "achieved", "--on", "2026-05-01")
    cli.ok("progress", "CYB-02", "-s", "stalled", "--on", "2026-06-01", "--reason", "r")
    cli.ok("progress", "CYB-02", "-s", "in_progress", "--on", "2026-02-15")
    last = json.loads(cli.ok("show", "CYB-02", "--format", "json"))["events"][-1]["id"]
    cli.ok("correct", str(last), "--reason", "wrong day", "--on", "2026-02-20")


def _described(url: str) -> str:
    from tracker.db import describe

    return describe(url)


def test_verify_catches_a_changed_cache_and_db_rebuild_repairs_it(cli: Cli) -> None:
    _history(cli)
    assert cli.ok("verify").startswith("verify: OK")
    tamper(cli.url, "UPDATE status_days SET delta = delta + 1 WHERE day = '2026-05-01' "
           "AND status = 'achieved'")  # fmt: skip
    result = cli("verify")
    assert result.exit_code == 1
    assert (
        f"database: the burn-up cache of declaration {SLUG} disagrees with the history from "
        "2026-05-01 on"
    ) in result.stderr
    assert "`tracker db rebuild` rebuilds it" in result.stderr
    # A row removed: the first day that differs is named.
    tamper(cli.url, "DELETE FROM status_days WHERE day = '2026-02-20'")
    assert "history from 2026-02-20 on" in cli("verify").stderr
    rebuilt = cli.ok("db", "rebuild")
    assert cli.ok("verify").startswith("verify: OK")
    # It says how many rows the cache now holds.
    assert f"Rebuilt the burn-up cache of {_described(cli.url)} ({len(_rows(cli.url))} rows)." in (
        rebuilt
    )


def test_export_leaves_the_cache_out_and_import_rebuilds_it(cli: Cli, tmp_path: Path) -> None:
    _history(cli)
    export = tmp_path / "export.json"
    cli.ok("export", "-o", str(export))
    assert "status_days" not in json.loads(export.read_text(encoding="utf-8"))["tables"]
    copy = Cli(f"sqlite:///{tmp_path / 'copy.db'}")
    copy.ok("import", str(export))
    assert _rows(copy.url) == _rows(cli.url)
    assert copy.ok("verify").startswith("verify: OK")
    with (
        session_scope(cli.url, write=False) as s,
        session_scope(copy.url, write=False) as t,
    ):
        on = dt.date(2026, 11, 30)
        spec = ReportSpec(as_of=on, today=on)
        assert build(s, spec).history == build(t, spec).history


def test_the_cache_counts_items_moving_together_and_forgets_an_emptied_day(cli: Cli) -> None:
    """Two items making the same move on one day are one row counting both; a correction that
    moves a day's only event away leaves no row for that day; rebuilding gives the same rows."""
    for code in ("CYB-03", "CYB-04"):
        cli.ok("progress", code, "-s", "in_progress", "--on", "2026-03-01")
    # A third item the same day, from the same status to another: a row of its own; and a
    # fourth from another status to that one.
    cli.ok("progress", "CYB-01", "-s", "stalled", "--on", "2026-03-01")
    cli.ok("progress", "SEC-01", "-s", "in_progress", "--on", "2026-02-15")
    cli.ok("progress", "SEC-01", "-s", "stalled", "--on", "2026-03-01")
    out = cli.ok("progress", "CYB-02", "-s", "in_progress", "--on", "2026-03-07")
    only = out.split("event #")[1].split(")")[0]
    before = [row[1:] for row in _rows(cli.url)]
    assert before == [
        (dt.date(2026, 2, 15), "in_progress", 1, 1),
        (dt.date(2026, 2, 15), "not_started", -1, 1),
        (dt.date(2026, 3, 1), "in_progress", 1, 3),
        (dt.date(2026, 3, 1), "not_started", -3, 3),
        (dt.date(2026, 3, 1), "stalled", 2, 2),
        (dt.date(2026, 3, 7), "in_progress", 1, 1),
        (dt.date(2026, 3, 7), "not_started", -1, 1),
    ]
    cli.ok("correct", only, "--on", "2026-03-08", "--reason", "a day late")
    after = [row[1:] for row in _rows(cli.url)]
    assert after == [
        (dt.date(2026, 2, 15), "in_progress", 1, 1),
        (dt.date(2026, 2, 15), "not_started", -1, 1),
        (dt.date(2026, 3, 1), "in_progress", 1, 3),
        (dt.date(2026, 3, 1), "not_started", -3, 3),
        (dt.date(2026, 3, 1), "stalled", 2, 2),
        (dt.date(2026, 3, 8), "in_progress", 1, 1),
        (dt.date(2026, 3, 8), "not_started", -1, 1),
    ]
    assert cli.ok("verify").startswith("verify: OK")
    cli.ok("db", "rebuild")
    assert [row[1:] for row in _rows(cli.url)] == after
