"""What verify concludes from one commitment's rows, without a database: every finding, and
none for an intact chain. (test_integrity and test_tamper make the same cases with SQL on both
engines; these run in milliseconds, which a mutation run of verify.py needs.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import chain
from tracker.timeline import Timeline
from tracker.verify import _check, _rules, _Standing


@dataclass(frozen=True)
class Row:
    id: int
    seq: int
    to_status: str
    effective_on: dt.date
    prev_hash: str = ""
    hash: str = ""
    party: str | None = None
    from_status: str = "not_started"
    note: str = ""
    reason: str | None = None
    actor: str = "a"
    recorded_at: dt.datetime = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    corrects_id: int | None = None


@dataclass(frozen=True)
class Item:
    code: str = "CYB-01"
    chain_length: int = 0
    chain_head: str = chain.GENESIS
    status: str = "not_started"
    # The cached last update: the latest effective date among live events, of any party.
    last_update: dt.date | None = None


EVIDENCE = {1: [chain.EvidenceContent("https://a.example/", "other", None, None)]}


def _chain(*rows: Row) -> tuple[Item, list[Row]]:
    """Rows hashed and linked as the tool writes them, and the item's cached end and status."""
    linked: list[Row] = []
    previous = chain.GENESIS
    by_id = {r.id: r for r in rows}
    for row in rows:
        target = by_id.get(row.corrects_id) if row.corrects_id else None
        content = chain.event_content(
            row, "CYB-01", target.seq if target else None, EVIDENCE.get(row.id, [])
        )
        digest = chain.event_hash(previous, content)
        linked.append(replace(row, prev_hash=previous, hash=digest))
        previous = digest
    status = _derived(linked)
    corrected = {r.corrects_id for r in linked if r.corrects_id}
    updated = max((r.effective_on for r in linked if r.id not in corrected), default=None)
    return (
        Item(chain_length=len(linked), chain_head=previous, status=status, last_update=updated),
        linked,
    )


def _derived(rows: list[Row]) -> str:
    corrected = {r.corrects_id for r in rows if r.corrects_id}
    whole = [r for r in rows if r.party is None and r.id not in corrected]
    last = max(whole, key=lambda r: (r.effective_on, r.id), default=None)
    return last.to_status if last else "not_started"


def _findings(item: Item, rows: list[Row]) -> list[str]:
    return list(_check(item, rows, EVIDENCE))


A = Row(1, 1, "in_progress", dt.date(2026, 3, 1))
B = Row(2, 2, "stalled", dt.date(2026, 4, 1), from_status="in_progress")
C = Row(3, 3, "achieved", dt.date(2026, 5, 1), from_status="stalled")


def test_an_intact_chain_has_no_findings() -> None:
    assert _findings(*_chain(A, B, C)) == []
    assert _findings(Item(), []) == []


def test_an_edited_event_does_not_match_its_hash() -> None:
    item, rows = _chain(A, B, C)
    rows[1] = replace(rows[1], note="rewritten")
    assert _findings(item, rows) == [
        "event #2 (seq 2) does not match its hash: edited or inserted outside the tool"
    ]


def test_a_missing_event_is_named_by_seq_and_link() -> None:
    item, rows = _chain(A, B, C)
    assert _findings(item, [rows[0], rows[2]]) == [
        "seq 2 missing before event #3 (seq 3): an event was deleted",
        "event #3 (seq 3) does not link to the event before it: deleted, inserted or reordered",
    ]
    both = _findings(item, [rows[2]])
    assert both[0] == "seq 1, 2 missing before event #3 (seq 3): an event was deleted"


def test_an_event_out_of_sequence_is_named() -> None:
    item, rows = _chain(A, B, C)
    findings = _findings(item, [rows[0], rows[2], rows[1]])
    assert "event #2 (seq 2) is out of sequence: an event was inserted or reordered" in findings
    assert (
        "event #3 (seq 3) does not link to the event before it: deleted, inserted or reordered"
        in findings
    )


def test_a_cut_chain_end_is_named() -> None:
    item, rows = _chain(A, B, C)
    findings = _findings(item, rows[:2])
    assert findings[0] == (
        "chain end is seq 2 but the commitment records seq 3: the latest events were "
        "deleted or added outside the tool"
    )
    # The same length with another head is found too.
    assert _findings(replace(item, chain_head=rows[1].hash), rows) == [findings[0].replace(
        "seq 2 but", "seq 3 but"
    )]  # fmt: skip


def test_a_cached_status_that_disagrees_is_named() -> None:
    item, rows = _chain(A, B, C)
    assert _findings(replace(item, status="dropped"), rows) == [
        "current status dropped disagrees with its last event (achieved)"
    ]
    assert _findings(Item(status="achieved"), []) == [
        "current status achieved disagrees with its last event (not_started)"
    ]


def test_a_cached_last_update_that_disagrees_is_named() -> None:
    party = Row(3, 3, "dropped", dt.date(2026, 6, 1), party="UK")
    item, rows = _chain(A, B, party)
    assert item.last_update == dt.date(2026, 6, 1) and _findings(item, rows) == []
    assert _findings(replace(item, last_update=dt.date(2026, 5, 1)), rows) == [
        "last update 2026-05-01 disagrees with its latest event (2026-06-01): changed outside "
        "the tool (`tracker db rebuild` rebuilds it)"
    ]
    assert _findings(Item(last_update=dt.date(2026, 5, 1)), []) != []


def test_the_status_follows_the_latest_whole_event_not_a_party_or_a_corrected_one() -> None:
    party = Row(3, 3, "dropped", dt.date(2026, 6, 1), party="UK")
    item, rows = _chain(A, B, party)
    assert item.status == "stalled" and _findings(item, rows) == []
    assert _findings(replace(item, status="dropped"), rows) != []
    fix = Row(3, 3, "achieved", dt.date(2026, 4, 1), corrects_id=2, reason="misread")
    item, rows = _chain(A, B, fix)
    assert item.status == "achieved" and _findings(item, rows) == []
    assert _findings(replace(item, status="stalled"), rows) != []
    # A correction dated before the event it corrects: the corrected one no longer counts.
    early = Row(3, 3, "achieved", dt.date(2026, 3, 15), corrects_id=2, reason="misread")
    item, rows = _chain(A, B, early)
    assert item.status == "achieved" and _findings(item, rows) == []
    # By effective date, then by id: an earlier-dated event recorded later does not win.
    late = Row(3, 3, "dropped", dt.date(2026, 3, 15))
    item, rows = _chain(A, B, late)
    assert item.status == "stalled" and _findings(item, rows) == []
    same_day = Row(3, 3, "dropped", dt.date(2026, 4, 1))
    item, rows = _chain(A, B, same_day)
    assert item.status == "dropped" and _findings(item, rows) == []


def test_a_correction_is_hashed_with_its_target_and_must_stay_in_the_item() -> None:
    fix = Row(3, 3, "achieved", dt.date(2026, 4, 1), corrects_id=2, reason="misread")
    item, rows = _chain(A, B, fix)
    moved = replace(rows[2], corrects_id=1)
    assert _findings(replace(item, status="achieved"), [*rows[:2], moved]) == [
        "event #3 (seq 3) does not match its hash: edited or inserted outside the tool"
    ]
    foreign = replace(rows[2], corrects_id=99)
    assert "event #3 (seq 3) corrects event #99, not of this commitment" in _findings(
        item, [*rows[:2], foreign]
    )


def test_evidence_is_part_of_the_hash() -> None:
    item, rows = _chain(A, B)
    assert list(_check(item, rows, {})) == [
        "event #1 (seq 1) does not match its hash: edited or inserted outside the tool"
    ]


# --- the tool's own rules (verify._rules): rows a correct hash does not make legal -----------

UTC = ZoneInfo("UTC")
PARTIES = ["Japan", "UK"]


def _broken(rows: list[Row], zone: ZoneInfo = UTC) -> list[str]:
    return list(_rules(Item(), rows, zone, PARTIES))


def test_an_honest_history_breaks_no_rule() -> None:
    party = Row(4, 4, "achieved", dt.date(2026, 5, 2), party="UK", from_status="achieved")
    fix = Row(5, 5, "stalled", dt.date(2026, 4, 1), corrects_id=2, reason="misread",
              from_status="in_progress")  # fmt: skip
    assert _broken(_chain(A, B, C, party, fix)[1]) == []


def test_an_event_dated_after_the_day_it_was_recorded_is_named() -> None:
    late = Row(2, 2, "achieved", dt.date(2099, 1, 1), from_status="in_progress")
    assert _broken([A, late]) == [
        "event #2 (seq 2) is dated 2099-01-01, after the day it was recorded (2026-12-01, UTC): "
        "the tool refuses a future date"
    ]


def test_the_day_recorded_is_the_trackers_clock() -> None:
    # Recorded at 20:00 UTC on 1 March: already 2 March in Tokyo, still 1 March in London.
    evening = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    next_day = Row(1, 1, "in_progress", dt.date(2026, 3, 2), recorded_at=evening)
    assert _broken([next_day], ZoneInfo("Asia/Tokyo")) == []
    assert len(_broken([next_day], ZoneInfo("Europe/London"))) == 1


def test_an_event_recorded_before_the_one_it_follows_is_named() -> None:
    earlier = replace(B, recorded_at=A.recorded_at - dt.timedelta(seconds=1))
    assert _broken([A, earlier]) == [
        "event #2 (seq 2) was recorded before the event it follows in the chain (#1): "
        "inserted outside the tool"
    ]
    # An id lower than the event before it in the chain: inserted in its place later.
    assert len(_broken([replace(A, id=5), B])) == 1


@pytest.mark.parametrize(
    ("party", "hint"), [("uk", "; the item spells it 'UK'"), ("France", ""), ("", "")]
)
def test_an_event_of_no_party_of_the_item_is_named(party: str, hint: str) -> None:
    stray = Row(2, 2, "achieved", dt.date(2026, 4, 1), party=party, from_status="in_progress")
    assert _broken([A, stray]) == [
        f"event #2 (seq 2) assesses {party!r}, not a party to the item (Japan, UK){hint}"
    ]


def test_the_move_is_judged_from_where_the_item_stood_not_the_stored_start() -> None:
    # Earlier versions started a party's first event from not_started: not a breach.
    own = Row(3, 3, "achieved", dt.date(2026, 5, 1), party="UK", from_status="not_started")
    assert _broken([A, B, own]) == []
    # Re-opening is judged from the status the events give (achieved), whatever is stored.
    reopened = Row(4, 4, "in_progress", dt.date(2026, 6, 1), from_status="not_started")
    assert len(_broken([A, B, C, reopened])) == 1


def test_reopening_a_settled_item_without_a_reason_is_named() -> None:
    reopened = Row(4, 4, "in_progress", dt.date(2026, 6, 1), from_status="achieved")
    assert _broken([A, B, C, reopened]) == [
        "event #4 (seq 4): moving from achieved to in_progress re-opens a settled assessment "
        "without a reason: the tool refuses it"
    ]
    assert _broken([A, B, C, replace(reopened, reason="new facts")]) == []


def test_corrections_must_name_an_earlier_event_of_the_same_party_once() -> None:
    forward = replace(A, corrects_id=2, reason="r")
    assert "event #1 (seq 1) corrects #2, which was recorded after it" in _broken([forward, B])
    first = Row(3, 3, "stalled", dt.date(2026, 4, 1), corrects_id=2, reason="r")
    again = Row(4, 4, "achieved", dt.date(2026, 4, 1), corrects_id=2, reason="r",
                from_status="in_progress")  # fmt: skip
    assert "event #4 (seq 4) corrects #2, already corrected by #3" in _broken([A, B, first, again])
    other = Row(3, 3, "stalled", dt.date(2026, 4, 1), corrects_id=2, reason="r", party="UK",
                from_status="in_progress")  # fmt: skip
    assert "event #3 (seq 3) corrects #2, an event of another party" in _broken([A, B, other])


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 60),  # day
            st.sampled_from([None, "Japan", "UK"]),
            st.sampled_from(["in_progress", "stalled", "achieved", "dropped"]),
            st.integers(0, 8),  # which earlier event a correction names (0: none)
        ),
        max_size=14,
    ),
    on=st.integers(0, 60),
    party=st.sampled_from([None, "Japan", "UK"]),
)
def test_standing_is_the_timeline_of_the_events_seen(
    steps: list[tuple[int, str | None, str, int]], on: int, party: str | None
) -> None:
    """verify judges each move by _Standing, kept event by event (n log n); it must say what
    Timeline says of the events before it, with the same corrections, for any history."""
    start = dt.date(2026, 2, 1)
    rows: list[Row] = []
    standing = _Standing()
    for n, (day, who, status, pick) in enumerate(steps, start=1):
        earlier = [r for r in rows if r.party == who]
        corrects = earlier[pick % len(earlier)].id if pick and earlier else None
        row = Row(n, n, status, start + dt.timedelta(days=day), party=who, corrects_id=corrects)
        when = start + dt.timedelta(days=on)
        history = Timeline(rows)
        expected = history.status(when) if party is None else history.party_status(party, when)
        assert standing.status(when, party) == expected
        standing.add(row)
        rows.append(row)
