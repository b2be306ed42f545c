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
        evidence=["https://example.org/a", "Hansard, col. 12"],
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
        open_items=3,
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
