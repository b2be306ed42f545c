"""`list`, `show`, `report` and `verify` tell one story.

For any history the CLI writes, or that someone who can insert rows writes with correct hashes
(a recorder role on PostgreSQL, anyone with the file on SQLite), either `verify` names what
breaks the tool's rules, or every reader agrees on every item's status and each party's status.
And "today" is the tracker's (its time zone, stored in the database), not each user's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, create_engine, select, text
from support import Cli

from tracker import burnup, chain, triggers
from tracker.models import commitments_table, events_table
from tracker.timeline import Timeline

E, C = events_table.c, commitments_table.c
CODES = ("CYB-02", "MIN-01", "SEC-02")  # Japan and UK; Japan and UK; UK alone
STATUSES = ("not_started", "in_progress", "partially_achieved", "achieved", "stalled", "dropped")


def forge(url: str, code: str, **fields: Any) -> int:
    """Insert one event with a correct hash and chain link, and bring the item's cached status
    and chain end and the burn-up cache in line with it: all a recorder role may write. The
    tool's rules are not applied: that is what is being tested."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            item = conn.execute(
                select(C.id, C.chain_length, C.chain_head, C.declaration_id).where(C.code == code)
            ).one()
            events = list(conn.execute(select(events_table).where(E.commitment_id == item.id)))
            values: dict[str, Any] = {
                "party": None,
                "note": "forged",
                "reason": None,
                "actor": "forger",
                "corrects_id": None,
                "recorded_at": dt.datetime.now(dt.UTC),
                "seq": item.chain_length + 1,
                **fields,
            }
            row = SimpleNamespace(**values)
            target = [e for e in events if e.id == row.corrects_id]
            content = chain.event_content(row, code, target[0].seq if target else None, [])
            digest = chain.event_hash(item.chain_head, content)
            new_id = conn.execute(
                events_table.insert()
                .values(
                    commitment_id=item.id,
                    prev_hash=item.chain_head,
                    hash=digest,
                    **values,
                )
                .returning(E.id)
            ).scalar_one()
            everything = list(conn.execute(select(events_table).where(E.commitment_id == item.id)))
            conn.execute(
                commitments_table.update()
                .where(C.id == item.id)
                .values(
                    chain_length=item.chain_length + 1,
                    chain_head=digest,
                    status=Timeline(everything).status().value,
                )
            )
            burnup.rebuild(conn)
        return int(new_id)
    finally:
        engine.dispose()


def statuses(cli: Cli) -> dict[str, dict[str, dict[str, str]]]:
    """Each reader's statuses of the tested items: {reader: {code: {"": whole, party: own}}}."""
    told: dict[str, dict[str, dict[str, str]]] = {"list": {}, "show": {}, "report": {}}
    report = json.loads(cli.ok("report", "--format", "json"))
    for item in report["commitments"]:
        if item["code"] in CODES:
            told["report"][item["code"]] = {"": item["status"], **item["party_status"]}
    for code in CODES:
        shown = json.loads(cli.ok("show", code, "--format", "json"))
        told["show"][code] = {"": shown["status"], **shown["party_status"]}
        told["list"][code] = {}
    for row in json.loads(cli.ok("list", "--all", "--format", "json")):
        if row["code"] in CODES:
            told["list"][row["code"]][""] = row["status"]
    for party in ("Japan", "UK"):
        for row in json.loads(cli.ok("list", "--all", "--party", party, "--format", "json")):
            if row["code"] in CODES:
                told["list"][row["code"]][party] = row["status"]
    return told


def assert_one_story(cli: Cli) -> None:
    told = statuses(cli)
    assert told["list"] == told["show"] == told["report"], told


def verify_findings(cli: Cli) -> str:
    result = cli("verify")
    return "" if result.exit_code == 0 else result.stdout + result.stderr


# --- each rule, on both engines ----------------------------------------------------------------


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        # Dated in 2099: list and show would call it current, a report as of today would not.
        (
            {"to_status": "achieved", "from_status": "not_started",
             "effective_on": dt.date(2099, 1, 1)},
            "is dated 2099-01-01, after the day it was recorded",
        ),
        # Recorded "before" the event it follows.
        (
            {"to_status": "achieved", "from_status": "in_progress",
             "effective_on": dt.date(2026, 3, 1),
             "recorded_at": dt.datetime(2026, 2, 1, tzinfo=dt.UTC)},
            "was recorded before the event it follows in the chain",
        ),
        # A party spelt otherwise, and a party that is not the item's.
        (
            {"to_status": "achieved", "from_status": "in_progress", "party": "uk",
             "effective_on": dt.date(2026, 3, 1)},
            "assesses 'uk', not a party to the item (Japan, UK); the item spells it 'UK'",
        ),
        (
            {"to_status": "achieved", "from_status": "in_progress", "party": "France",
             "effective_on": dt.date(2026, 3, 1)},
            "assesses 'France', not a party to the item (Japan, UK)",
        ),
    ],
)  # fmt: skip
def test_verify_names_a_hashed_event_that_breaks_a_rule(
    cli: Cli, fields: dict[str, Any], named: str
) -> None:
    cli.ok("progress", "CYB-02", "-s", "in_progress", "--on", "2026-02-15", "-m", "honest")
    assert verify_findings(cli) == ""
    forge(cli.url, "CYB-02", **fields)
    findings = verify_findings(cli)
    assert "CYB-02: event #" in findings and named in findings, findings
    # The chain itself is intact: only the rule is broken.
    assert "does not match its hash" not in findings and "does not link" not in findings


def test_reopening_a_settled_item_without_a_reason_is_named(cli: Cli) -> None:
    cli.ok("progress", "CYB-02", "-s", "achieved", "--on", "2026-02-15", "-m", "done")
    forge(cli.url, "CYB-02", to_status="in_progress", from_status="achieved",
          effective_on=dt.date(2026, 3, 1))  # fmt: skip
    assert "re-opens a settled assessment without a reason" in verify_findings(cli)


def test_a_correction_of_a_correction_already_made_is_named(cli: Cli) -> None:
    cli.ok("progress", "CYB-02", "-s", "in_progress", "--on", "2026-02-15", "-m", "x")
    first = json.loads(cli.ok("show", "CYB-02", "--format", "json"))["events"][0]["id"]
    cli.ok("correct", str(first), "-s", "stalled", "--reason", "misread")
    forge(cli.url, "CYB-02", to_status="achieved", from_status="not_started",
          effective_on=dt.date(2026, 2, 15), corrects_id=first, reason="again")  # fmt: skip
    assert f"corrects #{first}, already corrected by #" in verify_findings(cli)


def test_list_party_matches_the_items_spelling_exactly(cli: Cli) -> None:
    """`--party uk` is UK (the spelling is the user's convenience), and an event of "uk" that
    got in by SQL is UK's for no reader, and named by verify."""
    cli.ok("progress", "CYB-02", "-s", "stalled", "--party", "uk", "--on", "2026-03-01",
           "-m", "typed in lower case")  # fmt: skip
    shown = json.loads(cli.ok("show", "CYB-02", "--format", "json"))
    assert shown["events"][0]["party"] == "UK"
    forge(cli.url, "CYB-02", to_status="achieved", from_status="stalled", party="uk",
          effective_on=dt.date(2026, 3, 2))  # fmt: skip
    assert_one_story(cli)
    listed = json.loads(cli.ok("list", "--all", "--party", "uk", "--format", "json"))
    assert [r["status"] for r in listed if r["code"] == "CYB-02"] == ["stalled"]


# --- one clock ---------------------------------------------------------------------------------


def _run(url: str, zone: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TZ": zone}
    return subprocess.run(
        [sys.executable, "-m", "tracker", "--db", url, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_every_user_reckons_today_by_the_trackers_clock(cli: Cli) -> None:
    """A user 26 hours ahead of another (Kiritimati, UTC+14, and UTC-12) records progress with
    the default date; the other's list, show and report agree with it, at any hour."""
    done = _run(cli.url, "Pacific/Kiritimati", "progress", "CYB-02", "-s", "achieved", "-m", "x")
    assert done.returncode == 0, done.stderr
    today = _today().isoformat()  # the tracker's zone is UTC by default
    assert f"on {today}" in done.stdout
    for zone in ("Etc/GMT+12", "Pacific/Kiritimati"):
        report = json.loads(_run(cli.url, zone, "report", "--format", "json").stdout)
        assert report["as_of"] == today
        item = next(c for c in report["commitments"] if c["code"] == "CYB-02")
        assert item["status"] == "achieved"
    assert_one_story(cli)
    assert verify_findings(cli) == ""


def test_the_time_zone_is_a_setting_of_the_tracker(cli: Cli) -> None:
    assert cli.ok("db", "time-zone").startswith("UTC (today is ")
    assert cli.ok("db", "time-zone", "Asia/Tokyo") == "Time zone: UTC -> Asia/Tokyo.\n"
    tokyo = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    assert cli.ok("db", "time-zone") == f"Asia/Tokyo (today is {tokyo.date().isoformat()})\n"
    # Progress dated "today" in Tokyo: a move west of Tokyo would put it in the future when the
    # two calendars differ; the move is refused then, and verify agrees with the zone in force.
    cli.ok("progress", "CYB-02", "-s", "in_progress", "-m", "x")
    moved = cli("db", "time-zone", "Etc/GMT+12")
    west = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("Etc/GMT+12"))
    if west.date() < tokyo.date():
        assert moved.exit_code == 1 and moved.stderr.count("\n") == 1
        assert "the day before its date: keep Asia/Tokyo" in moved.stderr
    else:
        assert moved.exit_code == 0
    assert verify_findings(cli) == ""
    bad = cli("db", "time-zone", "Mars/Olympus_Mons")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: unknown time zone 'Mars/")
    traversal = cli("db", "time-zone", "../../etc/passwd")
    assert traversal.exit_code == 1 and "unknown time zone" in traversal.stderr


# --- the property: any history, one story ------------------------------------------------------


def _event(draw: Any) -> tuple[str, dict[str, Any]]:
    code = draw(st.sampled_from(CODES))
    fields: dict[str, Any] = {
        "to_status": draw(st.sampled_from(STATUSES)),
        "from_status": draw(st.sampled_from(STATUSES)),
        "party": draw(st.sampled_from([None, None, "Japan", "UK", "uk", "France"])),
        "effective_on": dt.date(2026, 2, 1) + dt.timedelta(days=draw(st.integers(0, 400))),
        "reason": draw(st.sampled_from([None, "r"])),
    }
    return code, fields


@st.composite
def histories(draw: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Steps: the CLI recording (it applies the rules), or a hashed row inserted directly."""
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        how = draw(st.sampled_from(["cli", "cli", "row"]))
        code, fields = _event(draw)
        steps.append((how, code, fields))
    return steps


def _apply(cli: Cli, steps: list[tuple[str, str, dict[str, Any]]]) -> None:
    for how, code, fields in steps:
        if how == "row":
            forge(cli.url, code, **fields)
            continue
        args = ["progress", code, "-s", fields["to_status"], "-m", "step", "--before-declaration"]
        day = min(fields["effective_on"], _today())
        args += ["--on", day.isoformat()]
        if fields["party"]:
            args += ["--party", fields["party"]]
        if fields["reason"]:
            args += ["--reason", fields["reason"]]
        cli(*args)  # refused or recorded: either way the history is one the CLI can write


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=histories())
def test_verify_names_a_break_or_every_reader_agrees(
    initialised_url: str, tmp_path: Path, steps: list[tuple[str, str, dict[str, Any]]]
) -> None:
    cli = Cli(initialised_url)
    # Each example starts from no events on the tested items: a correction of every one made by
    # an earlier example would keep its events, so begin afresh by a new declaration state.
    _reset(cli.url)
    _apply(cli, steps)
    if verify_findings(cli) == "":
        assert_one_story(cli)


def _reset(url: str) -> None:
    """Remove the tested items' events (guards lifted, as a test may) so each example starts
    from a clean history."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            ids = [row.id for row in conn.execute(select(C.id).where(C.code.in_(CODES)))]
            triggers.remove(conn)
            conn.execute(
                text(
                    "DELETE FROM evidence WHERE event_id IN (SELECT id FROM status_events "
                    "WHERE commitment_id IN :ids)"
                ).bindparams(bindparam("ids", expanding=True)),
                {"ids": ids},
            )
            conn.execute(events_table.delete().where(E.commitment_id.in_(ids)))
            conn.execute(
                commitments_table.update()
                .where(C.id.in_(ids))
                .values(chain_length=0, chain_head=chain.GENESIS, status="not_started")
            )
            burnup.rebuild(conn)
            triggers.install(conn)
    finally:
        engine.dispose()


def test_show_prints_when_recorded_in_the_trackers_clock(cli: Cli) -> None:
    """To the minute, in the tracker's zone, named; `--format json` keeps the exact time."""
    cli.ok("progress", "CYB-02", "-s", "in_progress", "-m", "x")
    event = json.loads(cli.ok("show", "CYB-02", "--format", "json"))["events"][0]
    exact = dt.datetime.fromisoformat(event["recorded_at"])
    utc = exact.astimezone(dt.UTC)
    assert f"recorded {utc:%Y-%m-%d %H:%M} UTC)" in cli.ok("show", "CYB-02")
    cli.ok("db", "time-zone", "Asia/Tokyo")
    tokyo = exact.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"recorded {tokyo:%Y-%m-%d %H:%M} JST (Asia/Tokyo))" in cli.ok("show", "CYB-02")
    assert json.loads(cli.ok("show", "CYB-02", "--format", "json"))["time_zone"] == "Asia/Tokyo"
