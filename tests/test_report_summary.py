"""The terminal report cut for a screen (build with `cut_at`) prints exactly what the report
built item by item prints, on the same database.

The cut path counts figures with SQL aggregates over the cached status and reads only the rows
it shows; the full path rebuilds every item's status from its events. The history here has
what makes the two differ if a rule is restated wrongly: parties' own assessments (one by a
third party named on one item only), corrections of a whole-item and of a party event, overdue
pledges, outlook items with past targets (never overdue), inferred targets, and lists longer
than the cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, func, select
from support import Build, Cli, record

from tracker.cli.report import EVERY_ROW
from tracker.db import session_scope
from tracker.i18n import Language
from tracker.models import commitments_table, events_table
from tracker.reports import as_terminal
from tracker.reports.build import ReportSpec, build
from tracker.reports.model import Report

AS_OF = dt.date(2026, 11, 1)
ROWS = 2

SOURCE = (
    "Testville, 2026-02-01. Aland and Bland will do each thing, some by 2026-04-30, some by "
    "2026-11-30; Cland joins one. Observers expect more.\n"
)
COMMITMENT = {
    "kind": "commitment",
    "quote": "will do each thing",
    "basis": "'will': the parties undertake it",
    "guidelines": {"-1": "Nothing.", "0": "Some.", "+1": "All."},
}
PRIORITY = {"kind": "priority", "quote": "will do each thing", "basis": "a topic"}
ONGOING = {"kind": "ongoing", "quote": "will do each thing", "basis": "already happening"}
OUTLOOK = {"kind": "outlook", "quote": "Observers expect more", "basis": "the source's view"}
TWO = ["Aland", "Bland"]


def _item(code: str, shape: dict[str, Any], parties: list[str], **extra: Any) -> dict[str, Any]:
    return {"code": code, "title": f"Item {code}", **shape, "parties": parties, **extra}


SPEC = {
    "schema": 1,
    "declaration": {
        "slug": "summary-test",
        "title": "A declaration with long lists",
        "date": dt.date(2026, 2, 1),
        "place": "Testville",
        "parties": TWO,
        "source": "Test source",
        "source_file": "summary-test.txt",
    },
    "milestones": {
        "spring": {"title": "Spring review", "date": dt.date(2026, 4, 30)},
        "autumn": {"title": "Autumn summit", "date": dt.date(2026, 11, 30)},
    },
    "pillars": [
        {
            "slug": "alpha",
            "title": "Alpha",
            "commitments": [
                _item("SUM-01", COMMITMENT, TWO, target="spring"),
                _item("SUM-02", COMMITMENT, TWO, target="spring"),
                _item("SUM-03", COMMITMENT, ["Aland"], target="spring"),
                _item("SUM-04", COMMITMENT, TWO, target="autumn"),
                _item("SUM-05", COMMITMENT, TWO, target="autumn"),
                _item(
                    "SUM-06",
                    COMMITMENT,
                    TWO,
                    target=dt.date(2026, 11, 15),
                    inferred={"target": "test"},
                ),
                _item("SUM-07", PRIORITY, TWO, target="spring"),
                _item("SUM-08", PRIORITY, ["Bland"], target="spring"),
            ],
        },
        {
            "slug": "beta",
            "title": "Beta",
            "commitments": [
                _item("SUM-09", ONGOING, [*TWO, "Cland"], target="autumn"),
                _item("SUM-10", OUTLOOK, TWO, target="spring"),
                _item("SUM-11", OUTLOOK, TWO, target="spring", inferred={"target": "test"}),
                _item("SUM-12", OUTLOOK, TWO),
                _item("SUM-13", COMMITMENT, TWO),
                _item("SUM-14", COMMITMENT, ["Bland"]),
            ],
        },
    ],
}

EVENTS: list[tuple[str, ...]] = [
    ("SUM-01", "in_progress", "--on", "2026-03-01"),
    ("SUM-01", "achieved", "--on", "2026-05-01", "-e", "https://example.org/done"),
    ("SUM-02", "stalled", "--on", "2026-03-02"),
    ("SUM-03", "stalled", "--on", "2026-03-03"),
    ("SUM-13", "stalled", "--on", "2026-04-01"),
    ("SUM-07", "stalled", "--on", "2026-04-02"),
    ("SUM-04", "in_progress", "--on", "2026-06-01"),
    ("SUM-04", "achieved", "--party", "Aland", "--on", "2026-07-01"),
    ("SUM-02", "in_progress", "--party", "Bland", "--on", "2026-06-02"),
    ("SUM-09", "in_progress", "--party", "Cland", "--on", "2026-08-01"),
    ("SUM-05", "in_progress", "--on", "2026-05-05"),
    ("SUM-05", "achieved", "--on", "2026-06-06"),
    ("SUM-06", "achieved", "--party", "Aland", "--on", "2026-07-07"),
    ("SUM-10", "in_progress", "--on", "2026-07-08"),
    ("SUM-14", "partially_achieved", "--on", "2026-09-09"),
    ("CYB-02", "achieved", "--party", "UK", "--on", "2026-09-01"),
    ("MIN-01", "in_progress", "--on", "2026-08-15"),
]


def _latest_event(url: str, code: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.scalar(
                select(func.max(events_table.c.id))
                .join(commitments_table, events_table.c.commitment_id == commitments_table.c.id)
                .where(commitments_table.c.code == code)
            )
    finally:
        engine.dispose()
    assert found is not None
    return int(found)


@pytest.fixture
def history(built: Callable[[Build], Cli]) -> Cli:
    """The bundled declaration and the one above, with the history above, on each engine."""
    return built(record_history)


def record_history(cli: Cli, tmp_path: Path) -> Cli:
    """Load the declaration above and record the history above (with two corrections)."""
    (tmp_path / "summary-test.txt").write_text(SOURCE, encoding="utf-8")
    spec = tmp_path / "summary-test.yaml"
    spec.write_text(yaml.safe_dump(SPEC, sort_keys=False), encoding="utf-8")
    cli.ok("load", str(spec))
    record(
        cli,
        [(code, "-s", status, "-m", f"{code} {status}", *rest) for code, status, *rest in EVENTS],
    )
    # Corrections: SUM-05's achievement was only partial; Aland's SUM-06 was only under way.
    for code, status in (("SUM-05", "partially_achieved"), ("SUM-06", "in_progress")):
        wrong = _latest_event(cli.url, code)
        party = ("--party", "Aland") if code == "SUM-06" else ()
        cli.ok(
            "progress", code, "-s", status, "--corrects", str(wrong), "--reason", "misread", *party
        )
    return cli


def _both(url: str, **view: Any) -> tuple[Report, Report]:
    with session_scope(url, write=False) as s:
        options: dict[str, Any] = {"as_of": AS_OF, "today": AS_OF, "default_since": True, **view}
        full = build(s, ReportSpec(**options))
        cut = build(s, ReportSpec(**options, rows=ROWS))
    return full, cut


VIEWS = [
    pytest.param({}, id="everything"),
    pytest.param({"party": "aland"}, id="party"),
    pytest.param({"party": "Cland"}, id="third-party"),
    pytest.param({"pillar": "alpha"}, id="pillar"),
    pytest.param(
        {"declarations": ("summary-test",), "since": dt.date(2026, 3, 1)}, id="declaration"
    ),
    pytest.param({"as_of": dt.date(2027, 1, 15)}, id="no-milestone-ahead"),
]


@pytest.mark.parametrize("view", VIEWS)
def test_the_cut_report_prints_what_the_full_one_prints(
    history: Cli, view: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(as_terminal, "MAX_ROWS", ROWS)
    full, cut = _both(history.url, **view)
    assert full.complete and (not cut.complete or full.pledges.total <= ROWS)
    for lang in (Language("en"), Language("ja")):
        for width in (80, 100):
            expected = as_terminal.render(full, width=width, lang=lang)
            assert as_terminal.render(cut, width=width, lang=lang) == expected
    # The data really has lists longer than the cut, or the comparison proves little.
    if not view:
        text = as_terminal.render(cut, width=100)
        for heading in ("Due by the Autumn summit (3)", "Overdue (", "Stalled (4)"):
            assert heading in text
        # The pledges, the outlook and the annex's changes; page one's lists say where the rest
        # are too.
        assert text.count("more not shown") >= 3 and text.count("more in the full tables") >= 2
        assert "Cland" in text and "* inferred" in text and "! overdue" in text


def test_the_cut_lists_and_figures_match_the_full_report(history: Cli) -> None:
    """The cut report (SQL tallies over the cached status, each list by ORDER BY ... LIMIT)
    is the full one (every item read as of its date) cut: the same report, one shape."""
    full, cut = _both(history.url)
    assert cut == full.first(ROWS)
    assert cut.first(1) == full.first(1)
    assert [i.code for i in cut.overdue.rows] == [i.code for i in full.overdue.rows[:ROWS]]
    # Each list says how many it leaves out; the data has lists longer than the cut.
    for name in ("pledges", "outlook", "due_soon", "overdue", "stalled"):
        listed = getattr(cut, name)
        assert listed.total == getattr(full, name).total
        assert listed.more == max(0, listed.total - ROWS)
    assert cut.pledges.more > 0 and not cut.complete and full.complete


def test_a_past_as_of_reads_every_item(history: Cli) -> None:
    """Before the last event the cached status is not the status then: every item is read
    as of that date, and the lists cut after."""
    on = dt.date(2026, 6, 15)
    with session_scope(history.url, write=False) as s:
        cut = build(s, ReportSpec(as_of=on, today=AS_OF, rows=ROWS))
        full = build(s, ReportSpec(as_of=on, today=AS_OF))
    assert cut == full.first(ROWS)
    assert {i.code: i.status.value for i in full.items}["SUM-14"] == "not_started"


def test_the_terminal_command_prints_the_full_report(
    history: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(as_terminal, "MAX_ROWS", ROWS)
    printed = history.ok("report", "--format", "terminal", "--as-of", AS_OF.isoformat())
    with session_scope(history.url, write=False) as s:
        full = build(s, ReportSpec(as_of=AS_OF, default_since=True))
    full = replace(full, every_row=EVERY_ROW[True])  # what the command says of the cut lists
    assert (
        printed.split("Status as of", 1)[1]
        == (as_terminal.render(full, width=80).split("Status as of", 1)[1])
    )
