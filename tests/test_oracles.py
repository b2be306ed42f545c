"""Figures held to values computed here, from the events, by rules written here.

Comparison tests (screen against full, SQL against pure, cache against window) cannot see a
mistake both sides share. These compute each figure independently: the events are read back
with `tracker log --format json`, the live ones chosen and each item's and party's status found
by the rules below, and the figures worked out by the table below. When a rule of the tracker
changes on purpose (how an unassessed commitment counts, figures per declaration), this table
is the one place a test says what the figure should now be.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from support import Cli, record

# --- the rules, as a reader of the method section would apply them by hand --------------------

SCORE = {"achieved": 1, "partially_achieved": 0, "in_progress": 0,
         "not_started": -1, "stalled": -1, "dropped": -1}  # fmt: skip
CREDIT = {"achieved": 1.0, "partially_achieved": 0.5}  # every other status: 0
OPEN = {"not_started", "in_progress", "stalled"}
SCORED_KIND = "commitment"

AS_OF = "2026-10-01"

# A year of the desk officer's kind: partial credit, per-party assessments that differ from the
# whole, a correction, an unscored item achieved, a pledge open before its milestone.
HISTORY = [
    ("CYB-02", "partially_achieved", "2026-05-01", ()),
    ("CYB-02", "in_progress", "2026-06-01", ("--party", "Japan", "--reason", "its part is open")),
    ("CYB-03", "achieved", "2026-04-01", ()),
    ("CYB-04", "achieved", "2026-08-01", ()),
    ("CYB-04", "achieved", "2026-09-10", ("--party", "UK")),
    ("MIN-01", "in_progress", "2026-03-15", ()),
    ("SEC-03", "achieved", "2026-07-01", ()),
    # After the as-of date: no figure of the report may see it.
    ("CYB-03", "dropped", "2026-11-01", ("--reason", "the exchange was called off")),
]


def _record(cli: Cli) -> None:
    record(cli, [(code, "-s", status, "--on", on, "-m", f"{code} {status}", *extra)
                 for code, status, on, extra in HISTORY])  # fmt: skip
    # CYB-04's whole-item "achieved" was a misreading: corrected to stalled (same date).
    event = next(
        e["id"]
        for e in json.loads(cli.ok("log", "--code", "CYB-04", "--format", "json"))
        if e["party"] is None
    )
    cli.ok("correct", str(event), "-s", "stalled", "--reason", "misread the readout")
    # MIN-02 never moved: an entry made against the wrong item, retracted.
    wrong = record(cli, [("MIN-02", "-s", "in_progress", "--on", "2026-05-20", "-m", "wrong item")])
    event = json.loads(wrong.ok("log", "--code", "MIN-02", "--format", "json"))[0]["id"]
    cli.ok("correct", str(event), "-s", "not_started", "--reason", "recorded on the wrong item")


def _statuses(cli: Cli, as_of: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Each item's status and each (item, party)'s, on `as_of`, from the events by hand."""
    events = json.loads(cli.ok("log", "--format", "json", "--limit", "1000"))
    corrected = {e["corrects"] for e in events if e["corrects"] is not None}
    live = sorted(
        (e for e in events if e["id"] not in corrected and e["on"] <= as_of),
        key=lambda e: (e["on"], e["id"]),
    )
    whole: dict[str, str] = {}
    own: dict[tuple[str, str], str] = {}
    for e in live:  # in timeline order: the last one written wins
        if e["party"] is None:
            whole[e["code"]] = e["to_status"]
        else:
            own[(e["code"], e["party"])] = e["to_status"]
    return whole, own


def _figures(statuses: list[str]) -> dict[str, float | None]:
    n = len(statuses)
    if not n:
        return {"completion_rate": None, "completion_rate_partial": None, "mean_score": None}
    return {
        "completion_rate": sum(s == "achieved" for s in statuses) / n,
        "completion_rate_partial": sum(CREDIT.get(s, 0.0) for s in statuses) / n,
        "mean_score": sum(SCORE[s] for s in statuses) / n,
    }


def _close(a: float | None, b: float | None) -> bool:
    return a == b if a is None or b is None else abs(a - b) < 1e-9


@pytest.fixture
def recorded(cli: Cli) -> Cli:
    _record(cli)
    return cli


def test_completion_and_scores_overall_and_per_party(recorded: Cli) -> None:
    report = json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF))
    items = {c["code"]: c for c in report["commitments"]}
    whole, own = _statuses(recorded, AS_OF)
    status = {code: whole.get(code, "not_started") for code in items}
    scored = [code for code, c in items.items() if c["kind"] == SCORED_KIND]
    assert len(scored) == 4

    expected = _figures([status[code] for code in scored])
    for name, value in expected.items():
        assert _close(report["summary"][name], value), (name, report["summary"][name], value)
    assert expected["completion_rate_partial"] == pytest.approx(0.375)  # the history is as meant

    per_party: dict[str, list[str]] = {}
    for code in scored:
        for party in items[code]["parties"]:
            per_party.setdefault(party, []).append(own.get((code, party), status[code]))
    got = {p["party"]: p for p in report["parties"]}
    for party, statuses in per_party.items():
        for name, value in _figures(statuses).items():
            assert _close(got[party][name], value), (party, name, got[party][name], value)
    assert per_party["UK"] != per_party["Japan"]  # the parties differ, as meant

    every = [s for statuses in per_party.values() for s in statuses]
    assert report["summary"]["party_scores"] == len(every)
    assert _close(report["summary"]["party_mean_score"], sum(SCORE[s] for s in every) / len(every))

    for code, c in items.items():
        assert c["status"] == status[code], code
        assert c["score"] == (SCORE[status[code]] if c["kind"] == SCORED_KIND else None), code


def test_open_counts_pledges_and_the_outlook_apart(recorded: Cli) -> None:
    report = json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF))
    whole, _ = _statuses(recorded, AS_OF)
    kinds = {c["code"]: c["kind"] for c in report["commitments"]}
    status = {code: whole.get(code, "not_started") for code in kinds}
    outlook = [code for code, kind in kinds.items() if kind == "outlook"]
    open_pledges = [c for c, kind in kinds.items() if kind != "outlook" and status[c] in OPEN]
    assert outlook and any(status[c] in OPEN for c in outlook)  # the outlook would change it
    md = recorded.ok("report", "-f", "md", "--as-of", AS_OF)
    assert f"- Open pledges: {len(open_pledges)}; " in md
    assert f"; and {len(outlook)} outlook items followed apart" in md


def test_changes_since_a_date_are_the_live_events_in_the_window(recorded: Cli) -> None:
    since = "2026-05-01"  # an event falls on the day itself: it is in the window
    report = json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF, "--since", since))
    events = json.loads(recorded.ok("log", "--format", "json", "--limit", "1000"))
    corrected = {e["corrects"] for e in events if e["corrects"] is not None}
    # What stands: no corrected event, and no correction that puts back the status from before
    # the event it retracts (the item did not change after all).
    changes = [
        e
        for e in events
        if e["id"] not in corrected and not (e["corrects"] and e["from_status"] == e["to_status"])
    ]
    expected = {e["id"] for e in changes if since <= e["on"] <= AS_OF}
    assert {c["id"] for c in report["changes"]} == expected
    assert any(e["on"] == since for e in events if e["id"] in expected)
    # The history has both kinds of correction inside the window, as meant.
    in_window = [e for e in events if since <= e["on"] <= AS_OF]
    assert any(e["id"] in corrected for e in in_window)
    assert any(e["corrects"] and e["from_status"] == e["to_status"] for e in in_window)
    # The count a reader sees says the same.
    md = recorded.ok("report", "-f", "md", "--as-of", AS_OF, "--since", since)
    assert f"## Annex: every change since {since}: {len(expected)}\n" in md
    # Page one: one line per item with a change.
    items = {e["code"] for e in changes if e["id"] in expected}
    assert f"## What changed since {since}: {len(items)} items\n" in md


def _due(cli: Cli, report: dict, as_of: str) -> list[str]:
    """The pledges due by the next milestone on `as_of`, by hand: open, with a target from
    `as_of` to the milestone's date."""
    whole, _ = _statuses(cli, as_of)
    milestone = min(m["date"] for m in report["milestones"] if m["date"] >= as_of)
    return sorted(
        c["code"]
        for c in report["commitments"]
        if c["kind"] != "outlook"
        and whole.get(c["code"], "not_started") in OPEN
        and c["target"] is not None
        and as_of <= c["target"] <= milestone
    )


def test_due_by_the_next_milestone(recorded: Cli) -> None:
    report = json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF))
    expected = _due(recorded, report, AS_OF)
    assert sorted(report["due_soon"]) == expected == ["MIN-01"]
    assert report["overdue"] == []  # no target before the as-of date


def test_due_on_a_screen_is_counted_by_the_database(recorded: Cli) -> None:
    """The terminal report after the last event reads the cached statuses and counts its lists
    in SQL (timeline.due_sql): the same due list, worked out here from the events."""
    as_of = "2026-11-15"  # after every event: the screen's SQL path
    report = json.loads(recorded.ok("report", "-f", "json", "--as-of", as_of))
    expected = _due(recorded, report, as_of)
    assert expected == ["MIN-01"]
    term = recorded.ok("report", "-f", "terminal", "--as-of", as_of, "--no-history")
    due = term.split("Due by the ", 1)[1].split("\nOverdue", 1)[0]
    assert f"({len(expected)})" in due.splitlines()[0]
    assert sorted(re.findall(r"^([A-Z]+-\d+) ", due, re.M)) == expected


def test_changes_since_the_last_meeting_on_the_meeting_day() -> None:
    """On a meeting's own day the meeting has not passed: the changes run from the meeting
    before it (here the declaration), not from the day itself."""
    from types import SimpleNamespace

    from tracker.reports.build import since_default
    from tracker.reports.model import Milestone

    declared = SimpleNamespace(date=dt.date(2026, 1, 31))
    meeting = dt.date(2026, 6, 1)
    milestones = [Milestone("2+2", meeting, 0)]
    assert since_default(milestones, [declared], meeting) == declared.date  # type: ignore[list-item]
    after = meeting + dt.timedelta(days=1)
    assert since_default(milestones, [declared], after) == meeting  # type: ignore[list-item]
    assert since_default([], [], dt.date(2026, 3, 1)) == dt.date(2026, 1, 30)


def test_overdue_and_due_on_a_declaration_with_targets(cli: Cli, tmp_path: Path) -> None:
    """Targets in the past and ahead, kinds that can and cannot fall due, corrections: the
    overdue and due lists by the rules above, at dates on either side of each target."""
    from test_report_summary import record_history

    recorded = record_history(cli, tmp_path)
    targets = {
        c["code"]: c
        for c in json.loads(recorded.ok("list", "--all", "--format", "json"))
        if c["code"].startswith("SUM-")
    }
    for as_of in ("2026-04-30", "2026-05-01", "2026-11-01"):
        report = json.loads(recorded.ok("report", "-f", "json", "--as-of", as_of,
                                        "--declaration", "summary-test"))  # fmt: skip
        whole, _ = _statuses(recorded, as_of)
        milestone = min((m["date"] for m in report["milestones"] if m["date"] >= as_of),
                        default=None)  # fmt: skip
        overdue, due = [], []
        for code, c in sorted(targets.items()):
            status, target = whole.get(code, "not_started"), c["target"]
            pledged = c["kind"] != "outlook"
            if pledged and target is not None and target < as_of and status != "achieved":
                overdue.append(code)
            if (pledged and status in OPEN and target is not None and milestone is not None
                    and as_of <= target <= milestone):  # fmt: skip
                due.append(code)
        assert sorted(report["overdue"]) == overdue, as_of
        assert sorted(report["due_soon"]) == due, as_of
        # The source's outlook is listed apart, and nothing else is.
        outlook = sorted(code for code, c in targets.items() if c["kind"] == "outlook")
        assert sorted(report["outlook"]) == outlook == ["SUM-10", "SUM-11", "SUM-12"]
        assert overdue or due  # each date has something to find


def test_a_correction_starts_from_the_status_before_what_it_corrects(cli: Cli) -> None:
    """The event it replaces no longer counts: its move starts where that event's did."""
    record(cli, [
        ("CYB-03", "-s", "in_progress", "--on", "2026-03-01"),
        ("CYB-03", "-s", "achieved", "--on", "2026-04-01"),
    ])  # fmt: skip
    wrong = json.loads(cli.ok("log", "--code", "CYB-03", "--format", "json"))[0]
    assert (wrong["from_status"], wrong["to_status"]) == ("in_progress", "achieved")
    cli.ok("correct", str(wrong["id"]), "-s", "stalled", "--reason", "misread")
    fix = json.loads(cli.ok("log", "--code", "CYB-03", "--format", "json"))[0]
    assert fix["corrects"] == wrong["id"]
    assert (fix["from_status"], fix["to_status"]) == ("in_progress", "stalled")


# --- not yet assessed, and the final assessment -----------------------------------------------

CUTOFF = "2026-12-31"  # the bundled declaration's, in fixtures/japan-uk-2026.yaml


def test_a_fresh_database_has_no_score_before_anyone_assessed(cli: Cli) -> None:
    data = json.loads(cli.ok("report", "-f", "json"))
    summary = data["summary"]
    assert (summary["commitments"], summary["assessed"]) == (4, 0)
    assert summary["mean_score"] is None and summary["completion_rate"] is None
    assert summary["party_mean_score"] is None and summary["party_scores"] == 0
    assert summary["cutoff"] == CUTOFF and summary["final"] is False
    assert all(p["mean_score"] is None and p["assessed"] == 0 for p in data["parties"])
    assert all(c["score"] is None and not c["assessed"] for c in data["commitments"])
    for fmt in ("md", "terminal", "html"):
        text = cli.ok("report", "-f", fmt)
        assert "0 of 4 commitments assessed" in text, fmt
        assert "-1.00" not in text and "−1.00" not in text, fmt
    # show says the same of one commitment.
    assert "Status:      not started (not yet assessed)" in cli.ok("show", "MIN-01")
    shown = json.loads(cli.ok("show", "MIN-01", "--format", "json"))
    assert shown["score"] is None and shown["assessed"] is False


def test_after_the_cut_off_an_unassessed_commitment_counts_minus_one(cli: Cli) -> None:
    record(
        cli,
        [
            ("CYB-02", "-s", "achieved", "--on", "2026-05-01", "-m", "done"),
            ("CYB-03", "-s", "in_progress", "--party", "UK", "--on", "2026-06-01"),
        ],
    )
    before = json.loads(cli.ok("report", "-f", "json", "--as-of", CUTOFF))["summary"]
    after = json.loads(cli.ok("report", "-f", "json", "--as-of", "2027-01-15"))
    summary = after["summary"]
    whole, own = _statuses(cli, CUTOFF)
    scored = [c["code"] for c in after["commitments"] if c["kind"] == SCORED_KIND]
    # Until the cut-off (its own day included): over the assessed ones only. CYB-03 has an
    # event (for the UK), so the item is assessed, as not started on the whole.
    assessed = [code for code in scored if code in whole or any(k[0] == code for k in own)]
    assert before["final"] is False and before["assessed"] == len(assessed) == 2
    expected = _figures([whole.get(code, "not_started") for code in assessed])
    assert _close(before["mean_score"], expected["mean_score"])
    # After it: every commitment, the unassessed ones as not started (-1), and it says final.
    assert summary["final"] is True and summary["assessed"] == summary["commitments"] == 4
    expected = _figures([whole.get(code, "not_started") for code in scored])
    for name, value in expected.items():
        assert _close(summary[name], value), (name, summary[name], value)
    assert all(c["score"] is not None for c in after["commitments"] if c["kind"] == SCORED_KIND)
    # Japan assessed nothing of its own: after the cut-off it counts on every commitment.
    japan = next(p for p in after["parties"] if p["party"] == "Japan")
    assert japan["assessed"] == 4
    md = cli.ok("report", "-f", "md", "--as-of", "2027-01-15")
    assert "Final assessment at the cut-off, 2026-12-31" in md
