"""A history you can trust: corrections without rewriting, and tampering that verify names."""

from __future__ import annotations

import json

import pytest
from support import BUNDLED, record
from support import tamper as _sql


def _ids(cli, code: str) -> list[int]:
    return [e["id"] for e in json.loads(cli.ok("show", code, "--format", "json"))["events"]]


@pytest.fixture
def history(built):
    return built(_history)


def _history(cli, _):
    """Three events on CYB-01, two on CYB-02."""
    return record(cli, [
        ("CYB-01", "-s", "in_progress", "--on", "2026-03-01", "-m", "one",
         "-e", "https://a.example/1", "--evidence-kind", "news_report",
         "--evidence-title", "Talks open", "--evidence-date", "2026-03-01"),
        ("CYB-01", "-s", "in_progress", "--on", "2026-04-01", "-m", "two"),
        ("CYB-01", "-s", "achieved", "--on", "2026-05-01", "-m", "three"),
        ("CYB-02", "-s", "in_progress", "--on", "2026-03-01"),
        ("CYB-02", "-s", "stalled", "--on", "2026-06-01"),
    ])  # fmt: skip


def _verify_fails(cli, *needles: str) -> str:
    result = cli("verify")
    assert result.exit_code == 1, result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr
    return result.stderr


def test_verify_passes_on_an_intact_history(history) -> None:
    out = history.ok("verify")
    assert out.startswith(f"verify: OK, {BUNDLED} commitments, 5 events; heads digest ")


def test_edited_note_is_named(history) -> None:
    first = _ids(history, "CYB-01")[0]
    _sql(history.url, "UPDATE status_events SET note = 'rewritten' WHERE id = :id", id=first)
    _verify_fails(history, "CYB-01: event #", "does not match its hash: edited")


def test_edited_evidence_is_named(history) -> None:
    _sql(history.url, "UPDATE evidence SET reference = 'https://evil.example/'")
    _verify_fails(history, "CYB-01:", "edited")


def test_deleted_event_is_named(history) -> None:
    middle = _ids(history, "CYB-01")[1]
    _sql(history.url, "DELETE FROM status_events WHERE id = :id", id=middle)
    _verify_fails(history, "CYB-01: seq 2 missing", "was deleted")


def test_deleted_latest_event_is_named(history) -> None:
    last = _ids(history, "CYB-02")[-1]
    _sql(history.url, "DELETE FROM status_events WHERE id = :id", id=last)
    _verify_fails(history, "CYB-02: chain end is seq 1", "CYB-02: current status stalled")


def test_inserted_event_is_named(history) -> None:
    _sql(
        history.url,
        "INSERT INTO status_events (commitment_id, from_status, to_status, note, actor, "
        "effective_on, recorded_at, seq, prev_hash, hash) SELECT id, 'achieved', 'dropped', "
        "'forged', 'mallory', '2026-07-01', '2026-07-01 00:00:00', 4, chain_head, "
        "'0000000000000000000000000000000000000000000000000000000000000000' "
        "FROM commitments WHERE code = 'CYB-01'",
    )
    _verify_fails(history, "CYB-01: event #", "edited or inserted outside the tool")


def test_swapped_dates_are_named(history) -> None:
    import datetime as dt

    a, b = _ids(history, "CYB-02")
    for event_id, day in ((a, dt.date(2026, 6, 1)), (b, dt.date(2026, 3, 1))):
        _sql(
            history.url,
            "UPDATE status_events SET effective_on = :day WHERE id = :id",
            day=day,
            id=event_id,
        )
    stderr = _verify_fails(history, "CYB-02:")
    assert stderr.count("does not match its hash") == 2


def test_changed_current_status_is_named(history) -> None:
    _sql(history.url, "UPDATE commitments SET status = 'achieved' WHERE code = 'CYB-02'")
    _verify_fails(
        history, "CYB-02: current status achieved disagrees with its last event (stalled)"
    )


def test_correction_supersedes_without_rewriting(history) -> None:
    wrong = _ids(history, "CYB-01")[-1]
    out = history.ok("correct", str(wrong), "--status", "partially_achieved", "--reason", "misread")
    assert f"correcting #{wrong}" in out
    data = json.loads(history.ok("show", "CYB-01", "--format", "json"))
    assert data["status"] == "partially_achieved"
    original = next(e for e in data["events"] if e["id"] == wrong)
    assert original["status"] == "achieved"  # still there, unchanged
    fix = data["events"][-1]
    assert fix["corrects"] == wrong
    assert original["corrected_by"] == fix["id"]
    assert fix["on"] == "2026-05-01"  # the corrected event's date unless given
    text_out = history.ok("show", "CYB-01")
    assert f"[corrected by #{fix['id']}]" in text_out
    assert f"[correction of #{wrong}]" in text_out
    assert f"[correction of #{wrong}]" in history.ok("log")
    # The correction says nothing of its own (no -m): the wrong event's note ("three") is not
    # repeated under the right status, and show says there is none.
    assert original["note"] == "three" and fix["note"] == ""
    after_fix = text_out.split(f"[correction of #{wrong}]", 1)[1]
    assert after_fix.splitlines()[1].strip() == "(no note of its own)"
    report = json.loads(history.ok("report", "--format", "json"))
    item = next(c for c in report["commitments"] if c["code"] == "CYB-01")
    assert item["status"] == "partially_achieved"
    assert history.ok("verify").startswith("verify: OK")
    # Correcting the same event twice is refused: correct the correction instead.
    again = history("correct", str(wrong), "--reason", "again")
    assert again.exit_code == 1
    assert f"already corrected by #{fix['id']}" in again.stderr


def test_progress_corrects_needs_a_reason(history) -> None:
    first = _ids(history, "CYB-02")[0]
    result = history("progress", "CYB-02", "-s", "stalled", "--corrects", str(first))
    assert result.exit_code == 1
    assert "needs --reason" in result.stderr
    result = history(
        "progress", "CYB-01", "-s", "stalled", "--corrects", str(first), "--reason", "x"
    )
    assert result.exit_code == 1
    assert "belongs to CYB-02" in result.stderr
    history.ok("progress", "CYB-02", "-s", "stalled", "--corrects", str(first), "--reason", "x")


def test_evidence_records_are_shown(history) -> None:
    data = json.loads(history.ok("show", "CYB-01", "--format", "json"))
    detail = data["events"][0]["evidence_details"][0]
    assert detail == {
        "reference": "https://a.example/1",
        "kind": "news_report",
        "title": "Talks open",
        "published_on": "2026-03-01",
    }
    assert "evidence: https://a.example/1 (news report, “Talks open”, 2026-03-01)" in history.ok(
        "show", "CYB-01"
    )
    bad = history("progress", "CYB-03", "-s", "in_progress", "-e", "x", "--evidence-kind", "rumour")
    assert bad.exit_code == 1
    assert "invalid evidence kind 'rumour'" in bad.stderr


def test_actor_and_recorded_at_are_set_by_the_tool(history) -> None:
    data = json.loads(history.ok("show", "CYB-02", "--format", "json"))
    for event in data["events"]:
        assert event["actor"]
        assert event["recorded_at"].endswith("+00:00")


def test_live_events_are_written_for_each_planner() -> None:
    """Corrected events are left out with an uncorrelated NOT IN on SQLite (evaluated once) and
    a NOT EXISTS on PostgreSQL (an anti-join at any size, where NOT IN degrades once the
    corrected ids outgrow work_mem); inside the report's correlated lookup too."""
    import datetime as dt

    from sqlalchemy import select
    from sqlalchemy.dialects import postgresql, sqlite

    from tracker.models import events_table
    from tracker.timeline import is_live, latest_event_id

    query = select(events_table.c.id).where(is_live())
    on_sqlite = str(query.compile(dialect=sqlite.dialect()))
    on_postgres = str(query.compile(dialect=postgresql.dialect()))
    assert "NOT IN (SELECT corrections.corrects_id" in on_sqlite
    assert "corrects_id IS NOT NULL" in on_sqlite and "EXISTS" not in on_sqlite
    assert "NOT (EXISTS (SELECT" in on_postgres and "NOT IN" not in on_postgres
    assert "corrections.corrects_id = status_events.id" in on_postgres
    lookup = str(select(latest_event_id(dt.date(2026, 6, 1))).compile(dialect=postgresql.dialect()))
    assert "corrections.corrects_id = status_events.id" in lookup
    assert "status_events.commitment_id = commitments.id" in lookup
