"""Per-party assessment: a joint pledge can be kept by one side and not the other."""

from __future__ import annotations

import json


def test_party_event_leaves_the_whole_status_alone(cli) -> None:
    cli.ok("progress", "CYB-02", "-s", "in_progress")
    out = cli.ok("progress", "CYB-02", "-s", "achieved", "--party", "uk", "-m", "UK side done")
    assert "CYB-02 [UK]: in progress → achieved" in out
    data = json.loads(cli.ok("show", "CYB-02", "--format", "json"))
    assert data["status"] == "in_progress"
    assert data["party_status"] == {"Japan": "in_progress", "UK": "achieved"}
    assert [e["party"] for e in data["events"]] == [None, "UK"]
    assert "By party:    Japan: in progress; UK: achieved" in cli.ok("show", "CYB-02")


def test_party_status_falls_back_to_the_whole(cli) -> None:
    cli.ok("progress", "CYB-03", "-s", "stalled", "--party", "Japan")
    cli.ok("progress", "CYB-03", "-s", "in_progress")
    data = json.loads(cli.ok("show", "CYB-03", "--format", "json"))
    assert data["party_status"] == {"Japan": "stalled", "UK": "in_progress"}


def test_list_party_uses_the_party_status(cli) -> None:
    cli.ok("progress", "CYB-04", "-s", "achieved", "--party", "UK")
    uk = json.loads(cli.ok("list", "--party", "UK", "--pillar", "cyber", "--format", "json"))
    assert "CYB-04" not in [r["code"] for r in uk]
    japan = json.loads(cli.ok("list", "--party", "japan", "--pillar", "cyber", "-f", "json"))
    assert {r["code"]: r["status"] for r in japan}["CYB-04"] == "not_started"
    achieved = json.loads(cli.ok("list", "--party", "UK", "-s", "achieved", "-f", "json"))
    assert [r["code"] for r in achieved] == ["CYB-04"]


def test_party_must_be_responsible(cli) -> None:
    result = cli("progress", "CYB-01", "-s", "achieved", "--party", "Italy")
    assert result.exit_code == 1
    assert "no party 'Italy'; CYB-01 is a pledge of Japan, UK" in result.stderr
    cli.ok("progress", "IND-01", "-s", "in_progress", "--party", "italy")


def test_reopening_a_party_needs_a_reason_too(cli) -> None:
    cli.ok("progress", "SEC-01", "-s", "achieved", "--party", "UK")
    result = cli("progress", "SEC-01", "-s", "stalled", "--party", "UK")
    assert result.exit_code == 1
    assert "--reason" in result.stderr
    # The whole commitment is still not started, so it can move freely.
    cli.ok("progress", "SEC-01", "-s", "stalled")


def test_report_per_party_figures(cli) -> None:
    cli.ok("progress", "MIN-01", "-s", "achieved", "--party", "UK")
    cli.ok("progress", "MIN-01", "-s", "in_progress", "--party", "Japan")
    data = json.loads(cli.ok("report", "--format", "json"))
    parties = {p["party"]: p for p in data["parties"]}
    assert parties["UK"]["achieved"] == 1
    assert parties["Japan"]["achieved"] == 0
    # Four commitments, one assessed per party (the other three have no score yet): UK 1
    # achieved -> 1 / 1; Japan 1 in progress -> 0 / 1.
    assert parties["UK"]["mean_score"] == 1.0 and parties["UK"]["assessed"] == 1
    assert parties["Japan"]["mean_score"] == 0.0
    # The final assessment, after the cut-off: the three count as not started.
    final = json.loads(cli.ok("report", "--format", "json", "--as-of", "2027-01-15"))
    after = {p["party"]: p for p in final["parties"]}
    assert after["UK"]["mean_score"] == round(-2 / 4, 4)
    assert after["Japan"]["mean_score"] == round(-3 / 4, 4)
    assert data["summary"]["achieved"] == 0
    item = next(c for c in data["commitments"] if c["code"] == "MIN-01")
    assert item["party_status"] == {"Japan": "in_progress", "UK": "achieved"}
    only_uk = json.loads(cli.ok("report", "--format", "json", "--party", "uk"))
    assert [p["party"] for p in only_uk["parties"]] == ["UK"]
    assert only_uk["filters"] == {"party": "UK"}
    md = cli.ok("report")
    assert "## By party" in md


def test_decoded_names_are_the_callers_own() -> None:
    from tracker.commitments import decode_names

    # Decoding is cached: a caller changing its list must not change the next caller's.
    first = decode_names('["Japan", "UK"]')
    first.append("France")
    first[0] = "changed"
    assert decode_names('["Japan", "UK"]') == ["Japan", "UK"]
    assert decode_names(None) == [] and decode_names('{"not": "a list"}') == []


def test_two_assessments_of_a_party_on_one_day_the_later_recorded_stands(cli) -> None:
    """Events of one day are in the order they were recorded (timeline.order_key's tie-break):
    the second assessment of the UK's part that day is its status, in every view."""
    cli.ok("progress", "CYB-02", "-s", "in_progress", "--party", "UK", "--on", "2026-03-01")
    cli.ok("progress", "CYB-02", "-s", "achieved", "--party", "UK", "--on", "2026-03-01")
    data = json.loads(cli.ok("report", "--format", "json"))
    item = next(c for c in data["commitments"] if c["code"] == "CYB-02")
    assert item["party_status"]["UK"] == "achieved"
    shown = json.loads(cli.ok("show", "CYB-02", "--format", "json"))
    assert shown["party_status"]["UK"] == "achieved"
    listed = json.loads(cli.ok("list", "--party", "UK", "-s", "achieved", "-f", "json"))
    assert [r["code"] for r in listed] == ["CYB-02"]
    # One row per item, with the party's latest status, whatever its earlier ones.
    every = json.loads(cli.ok("list", "--party", "UK", "--all", "-f", "json"))
    codes = [r["code"] for r in every]
    assert len(codes) == len(set(codes)) and codes.count("CYB-02") == 1
    assert next(r for r in every if r["code"] == "CYB-02")["status"] == "achieved"


def test_no_parties_have_no_assessments(cli) -> None:
    import datetime as dt

    from tracker.db import session_scope
    from tracker.timeline import latest_party_events

    cli.ok("progress", "CYB-02", "-s", "in_progress", "--party", "UK")
    with session_scope(cli.url, write=False) as s:
        assert latest_party_events(s, [], dt.date(2027, 1, 1)) == {}
        assert len(latest_party_events(s, ["UK"], dt.date(2027, 1, 1))) == 1
