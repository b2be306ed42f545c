"""Every renderer runs on a report model made by hand: plain data in, a document out, no database.

The model (tracker.reports.model) is frozen or plain dataclasses; the queries that fill it live
in tracker.reports.build. Rendering in a fresh interpreter proves no renderer reaches for
SQLAlchemy, and so none can touch a database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from tracker.chain import heads_digest
from tracker.i18n import Language
from tracker.reports import as_csv, as_html, as_json, as_markdown, as_terminal
from tracker.reports.model import (
    Cut,
    DeclarationInfo,
    EventLine,
    Figures,
    HistoryPoint,
    ItemCut,
    ItemLine,
    Milestone,
    PartyFigures,
    PillarFigures,
    Report,
    Source,
    Stream,
)
from tracker.statuses import STATUSES, Kind, Status

AS_OF = dt.date(2026, 6, 1)
RECORDED = dt.datetime(2026, 5, 2, 9, 30, tzinfo=dt.UTC)


def _event(
    event_id: int, code: str, old: Status, new: Status, party: str | None = None
) -> EventLine:
    return EventLine(
        id=event_id,
        code=code,
        title=f"Title of {code}",
        on=dt.date(2026, 5, 2),
        recorded_at=RECORDED,
        from_status=old,
        to_status=new,
        note=f"note {event_id}",
        reason=None,
        actor="analyst",
        evidence=[Source("https://example.org/a"), Source("Hansard, col. 12")],
        party=party,
    )


def _item(code: str, kind: Kind, status: Status, **fields: object) -> ItemLine:
    values: dict[str, object] = {
        "code": code,
        "title": f"Title of {code}",
        "pillar": "cyber",
        "pillar_title": "Cyber security",
        "kind": kind,
        "parties": ["Japan", "UK"],
        "owners": ["NCSC"],
        "target_date": None,
        "target_label": None,
        "status": status,
        "score": 1 if kind.scored and status is Status.ACHIEVED else None,
        "overdue": False,
        "last_event": None,
        "party_status": {"Japan": status, "UK": status},
        "chain_head": "0" * 64,
        "chain_length": 0,
    }
    values.update(fields)
    return ItemLine(**values)  # type: ignore[arg-type]


def hand_made() -> Report:
    achieved = _event(7, "CYB-01", Status.IN_PROGRESS, Status.ACHIEVED)
    stalled = _event(8, "CYB-02", Status.NOT_STARTED, Status.STALLED, party="UK")
    items = [
        _item("CYB-01", Kind.COMMITMENT, Status.ACHIEVED, last_event=achieved),
        _item(
            "CYB-02",
            Kind.COMMITMENT,
            Status.IN_PROGRESS,
            score=0,
            target_date=dt.date(2026, 4, 1),
            target_label="Spring review",
            overdue=True,
            last_event=stalled,
            party_status={"Japan": Status.IN_PROGRESS, "UK": Status.STALLED},
        ),
        _item("CYB-03", Kind.PRIORITY, Status.NOT_STARTED),
        _item("OUT-01", Kind.OUTLOOK, Status.NOT_STARTED),
    ]
    overall = Figures.of((i.kind, i.status) for i in items)
    milestones = [
        Milestone("Spring review", dt.date(2026, 4, 1), -61),
        Milestone("Summit", dt.date(2026, 9, 1), 92),
    ]
    return Report(
        declarations=[
            DeclarationInfo(
                slug="hand-made",
                title="A hand-made declaration",
                date=dt.date(2026, 1, 1),
                place="Tokyo",
                parties=["Japan", "UK"],
                source="https://example.org/declaration",
            )
        ],
        generated_on=AS_OF,
        as_of=AS_OF,
        since=dt.date(2026, 4, 1),
        milestones=milestones,
        overall=overall,
        pillars=[PillarFigures("cyber", "Cyber security", overall)],
        parties=[
            PartyFigures(p, Figures.of((i.kind, i.party_status[p]) for i in items))
            for p in ("Japan", "UK")
        ],
        # The lists as the rules give them here, stated by hand (build applies tracker.timeline,
        # which this model must not need): CYB-02's target passed unachieved; nothing stalled
        # as a whole; nothing open has a target by the Summit.
        pledges=ItemCut.of(items[:3]),
        outlook=ItemCut.of(items[3:]),
        due_soon=ItemCut.of([]),
        overdue=ItemCut.of([items[1]]),
        stalled=ItemCut.of([]),
        changes=Cut([stalled, achieved], 2),
        heads_digest=heads_digest((i.code, i.chain_head) for i in items),
        open_pledges=3,
        history=[
            HistoryPoint(dt.date(2026, 1, 1), dict.fromkeys(STATUSES, 0) | {Status.NOT_STARTED: 4}),
            HistoryPoint(AS_OF, {s: overall.counts[s] for s in STATUSES}),
        ],
    )


def test_json_from_a_hand_made_model() -> None:
    data = json.loads(as_json.render(hand_made()))
    assert data["summary"]["commitments"] == 2 and data["summary"]["achieved"] == 1
    assert [c["code"] for c in data["commitments"]] == ["CYB-01", "CYB-02", "CYB-03", "OUT-01"]
    assert [e["id"] for e in data["changes"]] == [8, 7]
    assert data["overdue"] == ["CYB-02"] and data["outlook"] == ["OUT-01"]
    assert data["commitments"][1]["party_status"] == {"Japan": "in_progress", "UK": "stalled"}


def test_json_writes_a_stream_of_changes_as_it_reads_it() -> None:
    """A report of every change may hold them as a Stream: read once, as JSON writes them."""
    read: list[int] = []

    def changes() -> Iterator[EventLine]:
        for event in (_event(99, "CYB-03", Status.NOT_STARTED, Status.IN_PROGRESS),):
            read.append(event.id)
            yield event

    streamed = replace(hand_made(), changes=Stream(changes()))
    text = as_json.chunks(streamed)
    assert read == []  # nothing read before it is written
    data = json.loads("".join(text))
    assert [e["id"] for e in data["changes"]] == [99] and read == [99]


def test_csv_from_a_hand_made_model() -> None:
    rows = list(csv.DictReader(io.StringIO(as_csv.render(hand_made()))))
    assert [r["code"] for r in rows] == ["CYB-01", "CYB-02", "CYB-03", "OUT-01"]
    assert [r["overdue"] for r in rows] == ["false", "true", "false", "false"]


def test_markdown_from_a_hand_made_model() -> None:
    text = as_markdown.render(hand_made())
    assert text.startswith("# Status report: A hand-made declaration")
    assert "[https://example.org/a](<https://example.org/a>)" in text
    assert "Hansard, col. 12" in text and "](<Hansard" not in text
    assert "not started → stalled" in text and "in progress → achieved" in text
    assert "92 days to the Summit" in text


def test_markdown_in_japanese_from_a_hand_made_model() -> None:
    text = as_markdown.render(hand_made(), lang=Language("ja"))
    assert "CYB-02" in text and "（英語のみ）" in text


def test_html_from_a_hand_made_model() -> None:
    page = as_html.render(hand_made())
    assert page.lstrip().lower().startswith("<!doctype html>")
    for code in ("CYB-01", "CYB-02", "CYB-03", "OUT-01"):
        assert code in page
    assert "92 days to the Summit" in page
    assert 'href="https://example.org/a"' in page


def test_terminal_from_a_hand_made_model() -> None:
    text = as_terminal.render(hand_made(), width=100, color=False)
    assert text.startswith("Status report: A hand-made declaration")
    assert "CYB-02" in text and "Changes since" in text


def test_renderers_import_nothing_of_sqlalchemy() -> None:
    """Render every format in a fresh interpreter, then look for SQLAlchemy among its modules."""
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_report_model import hand_made\n"
        "from tracker.reports import as_csv, as_html, as_json, as_markdown, as_terminal\n"
        "r = hand_made()\n"
        "as_csv.render(r); as_html.render(r); as_json.render(r); as_markdown.render(r)\n"
        "as_terminal.render(r, width=80, color=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


def test_a_burnup_over_years_prints_no_matplotlib_advice() -> None:
    """A tracker in use for years: the burn-up's date axis draws without matplotlib warning on
    stderr (AutoDateLocator's note that it fell back to its default interval)."""
    import warnings

    from tracker.reports import charts

    start = dt.date(2022, 1, 1)
    history = [
        HistoryPoint(
            start + dt.timedelta(days=n), dict.fromkeys(STATUSES, 0) | {Status.NOT_STARTED: 4}
        )
        for n in range(0, 5 * 365, 3)
    ]
    report = replace(hand_made(), history=history)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for narrow in (False, True):
            assert charts.burnup(report, narrow=narrow)
    assert [str(w.message) for w in caught] == []


# --- the model's own arithmetic, against values worked out here -------------------------------

SCORE = {"achieved": 1, "partially_achieved": 0, "in_progress": 0,
         "not_started": -1, "stalled": -1, "dropped": -1}  # fmt: skip
CREDIT = {"achieved": 1.0, "partially_achieved": 0.5}


def test_figures_tally_every_count_and_rate() -> None:
    from collections import Counter

    tally = Counter({
        (Kind.COMMITMENT, Status.ACHIEVED): 2,
        (Kind.COMMITMENT, Status.PARTIALLY_ACHIEVED): 1,
        (Kind.COMMITMENT, Status.STALLED): 1,
        (Kind.PRIORITY, Status.STALLED): 3,
        (Kind.ONGOING, Status.ACHIEVED): 1,
        (Kind.OUTLOOK, Status.NOT_STARTED): 2,
    })  # fmt: skip
    f = Figures.tallied(tally)
    assert f.items == 10
    assert f.counts == {
        Status.NOT_STARTED: 2, Status.IN_PROGRESS: 0, Status.STALLED: 4,
        Status.PARTIALLY_ACHIEVED: 1, Status.ACHIEVED: 3, Status.DROPPED: 0,
    }  # fmt: skip
    assert f.kinds == {Kind.COMMITMENT: 4, Kind.PRIORITY: 3, Kind.ONGOING: 1, Kind.OUTLOOK: 2}
    assert f.scored_counts == {
        Status.NOT_STARTED: 0, Status.IN_PROGRESS: 0, Status.STALLED: 1,
        Status.PARTIALLY_ACHIEVED: 1, Status.ACHIEVED: 2, Status.DROPPED: 0,
    }  # fmt: skip
    scored = ["achieved", "achieved", "partially_achieved", "stalled"]
    assert (f.commitments, f.achieved) == (4, 2)
    assert f.completion_rate == 2 / 4
    assert f.completion_rate_partial == sum(CREDIT.get(s, 0) for s in scored) / 4
    assert f.score_sum == sum(SCORE[s] for s in scored) == 1
    assert f.mean_score == 1 / 4
    assert Figures.of([(Kind.PRIORITY, Status.ACHIEVED)]).mean_score is None  # nothing scored
    assert Figures.of([]) == Figures.tallied({})


def test_cuts_count_what_they_leave_out() -> None:
    cut = Cut([1, 2], 5)
    assert cut.more == 3
    plain = _item("A-1", Kind.PRIORITY, Status.NOT_STARTED)
    late = _item("A-2", Kind.COMMITMENT, Status.STALLED, overdue=True)
    guessed = _item("A-3", Kind.COMMITMENT, Status.STALLED, inferred={"target": "analyst"})
    assert ItemCut.of([plain, late, guessed], 1) == ItemCut(
        rows=[plain], total=3, any_overdue=True, any_inferred_target=True
    )
    assert ItemCut.of([plain]) == ItemCut(rows=[plain], total=1)
    assert not ItemCut.of([plain, guessed]).any_overdue
    assert not ItemCut.of([plain, late]).any_inferred_target


def test_first_cuts_every_list_and_keeps_totals() -> None:
    report = hand_made()
    assert report.complete and [i.code for i in report.items] == [
        "CYB-01", "CYB-02", "CYB-03", "OUT-01"
    ]  # fmt: skip
    one = report.first(1)
    assert [i.code for i in one.pledges.rows] == ["CYB-01"] and one.pledges.total == 3
    assert [i.code for i in one.overdue.rows] == ["CYB-02"] and one.overdue.total == 1
    assert isinstance(one.changes, Cut)
    assert [e.id for e in one.changes.rows] == [8] and one.changes.total == 2
    assert not one.complete and [i.code for i in one.items] == ["CYB-01", "OUT-01"]
    assert one.first(5) == one
    streamed = replace(report, changes=Stream(iter(())))
    assert streamed.first(1).changes is streamed.changes  # a stream is not cut


def test_the_report_s_own_properties() -> None:
    report = hand_made()
    assert report.party_scores == 4  # two parties, two commitments each
    assert report.party_mean_score == (
        sum(SCORE[s] for s in ("achieved", "in_progress", "achieved", "stalled")) / 4
    )
    assert replace(report, parties=[]).party_mean_score is None
    assert report.display_title == "Status report: A hand-made declaration"
    two = [report.declarations[0], replace(report.declarations[0], title="Another")]
    assert replace(report, declarations=two).display_title == (
        "Status report: A hand-made declaration; Another"
    )
    assert replace(report, declarations=[]).display_title == "Status report: No declaration loaded"
    assert replace(report, title="Brief").display_title == "Brief"
    assert report.previous_milestone is not None
    assert report.previous_milestone.title == "Spring review"
    assert report.next_milestone is not None and report.next_milestone.title == "Summit"
    today = [Milestone("Today", AS_OF, 0), Milestone("Later", dt.date(2026, 7, 1), 30)]
    assert replace(report, milestones=today).next_milestone == today[0]  # its own day: not past
    assert replace(report, milestones=today).previous_milestone is None
    assert [a[0] for a in report.anchor_items()] == ["CYB-01", "CYB-02", "CYB-03", "OUT-01"]
    assert report.anchor_items()[0] == ("CYB-01", 0, "0" * 64, "")
    item, event = report.items[0], report.items[0].last_event
    assert item.scored and not report.items[2].scored
    assert event is not None and event.effective_on == event.on


def test_method_names_every_figure_it_explains() -> None:
    """The keys are the JSON report's `method` keys (documented in the README): each text has
    its label, and no key is missing or renamed."""
    from tracker.reports.model import METHOD, METHOD_LABELS

    keys = ["kinds", "counts", "completion_rate", "completion_rate_partial", "mean_score",
            "per_party", "party_mean_score", "overdue", "due_soon", "changes", "status_as_of",
            "inferred"]  # fmt: skip
    assert list(METHOD) == keys and list(METHOD_LABELS) == keys
    assert json.loads(as_json.render(hand_made()))["method"].keys() == set(keys)


def test_the_anchor_digest_covers_the_declarations_and_every_item() -> None:
    from tracker.chain import anchor_digest

    report = hand_made()
    declarations = [("hand-made", "")]
    items = [(code, 0, "0" * 64, "") for code in ("CYB-01", "CYB-02", "CYB-03", "OUT-01")]
    assert report.anchor_digest() == anchor_digest(declarations, items)
    assert report.anchor_digest(items[:1]) == anchor_digest(declarations, items[:1])
    assert report.anchor_digest() != report.anchor_digest(items[:1])


def test_a_renderer_refuses_a_report_it_cannot_show_whole() -> None:
    """JSON and CSV list every item; the formats for people count the changes."""
    import pytest

    cut = hand_made().first(1)
    with pytest.raises(ValueError, match="lists every item"):
        "".join(as_json.chunks(cut))
    with pytest.raises(ValueError, match="lists every item"):
        as_csv.render(cut)
    streamed = replace(hand_made(), changes=Stream(iter(())))
    for render in (as_markdown.render, as_html.render, as_terminal.render):
        with pytest.raises(ValueError, match="counts the changes"):
            render(streamed)
