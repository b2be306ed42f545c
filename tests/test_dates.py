"""Dates as people say them (tracker.dates) and as the command line echoes them back."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tracker.dates import DateWordError, read_date

# A Tuesday: last week starts on Monday 2026-11-30, seven days before this week's Monday.
TODAY = dt.date(2026, 12, 8)


def _today() -> dt.date:
    return TODAY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-03", dt.date(2026, 11, 3)),
        ("  Today ", TODAY),
        ("yesterday", dt.date(2026, 12, 7)),
        ("今日", TODAY),
        ("昨日", dt.date(2026, 12, 7)),
        ("1 day ago", dt.date(2026, 12, 7)),
        ("10 days ago", dt.date(2026, 11, 28)),
        ("2 weeks  ago", dt.date(2026, 11, 24)),
        ("1 week ago", dt.date(2026, 12, 1)),
        ("last week", dt.date(2026, 11, 30)),
        ("last month", dt.date(2026, 11, 1)),
        ("2026-11", dt.date(2026, 11, 1)),
        ("2026-2", dt.date(2026, 2, 1)),
        ("2026年11月", dt.date(2026, 11, 1)),
        ("2026年11月3日", dt.date(2026, 11, 3)),
        ("２０２６年１１月３日", dt.date(2026, 11, 3)),
    ],
)
def test_each_form_reads_as_the_day_it_says(text: str, expected: dt.date) -> None:
    assert read_date(text, _today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", dt.date(2026, 11, 30)),
        ("2026-12", dt.date(2026, 12, 31)),
        ("2028-02", dt.date(2028, 2, 29)),
        ("2026年2月", dt.date(2026, 2, 28)),
        # A day is a day, whichever end is asked for.
        ("2026-11-03", dt.date(2026, 11, 3)),
    ],
)
def test_a_month_ends_on_its_last_day_when_asked(text: str, expected: dt.date) -> None:
    assert read_date(text, _today, month_end=True) == expected


def test_last_week_on_a_monday_and_last_month_in_january() -> None:
    monday = dt.date(2026, 11, 30)
    assert read_date("last week", lambda: monday) == dt.date(2026, 11, 23)
    assert read_date("last month", lambda: dt.date(2027, 1, 15)) == dt.date(2026, 12, 1)


def test_an_absolute_date_never_asks_for_today() -> None:
    def no_clock() -> dt.date:
        raise AssertionError("today was read")

    for text in ("2026-11-03", "2026-11", "2026年11月3日"):
        read_date(text, no_clock)


@pytest.mark.parametrize(
    "text",
    [
        "soon",
        "next friday",
        "03/11/2026",
        "2026-13",
        "2026年13月",
        "2026年2月30日",
        "days ago",
        "-3 days ago",
        "last year",
        "999999 days ago",
        "",
    ],
)
def test_nonsense_is_refused(text: str) -> None:
    with pytest.raises(DateWordError):
        read_date(text, _today)


def _clock_today() -> dt.date:
    # The tracker's clock on SQLite: this machine's, in the tracker's zone (UTC when unset).
    return dt.datetime.now(dt.UTC).date()


def test_last_week_is_echoed_as_the_iso_date_understood(cli_sqlite) -> None:
    result = cli_sqlite("log", "--since", "last week")
    assert result.exit_code == 0, result.output
    expected = read_date("last week", _clock_today).isoformat()
    assert result.stderr.strip() == f"--since last week: {expected}"


def test_an_iso_date_is_not_echoed(cli_sqlite) -> None:
    result = cli_sqlite("log", "--since", "2026-11-01")
    assert result.exit_code == 0 and result.stderr == ""


def test_progress_on_yesterday_records_yesterday(cli_sqlite) -> None:
    yesterday = (_clock_today() - dt.timedelta(days=1)).isoformat()
    result = cli_sqlite(
        "progress", "CYB-01", "-s", "in_progress", "--on", "yesterday", "-m", "x", "--by", "t"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"--on yesterday: {yesterday}"
    events = json.loads(cli_sqlite.ok("show", "CYB-01", "--format", "json"))["events"]
    assert [e["on"] for e in events] == [yesterday]


def test_as_of_a_month_is_its_last_day(cli_sqlite) -> None:
    result = cli_sqlite("report", "--as-of", "2026-11", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "--as-of 2026-11: 2026-11-30"
    assert '"2026-11-30"' in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["log", "--since", "a fortnight back"],
        ["list", "--due-before", "2026-13"],
        ["report", "--as-of", "2026年13月"],
        ["progress", "CYB-01", "-s", "in_progress", "--on", "tomorrow-ish", "-m", "x"],
    ],
)
def test_nonsense_is_one_line_exit_2_and_writes_nothing(cli_sqlite, args) -> None:
    result = cli_sqlite(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --"), result.stderr
    assert "invalid date" in lines[0] or "is not a date" in lines[0]
    assert json.loads(cli_sqlite.ok("show", "CYB-01", "--format", "json"))["events"] == []


def test_log_prints_recording_times_to_the_minute_in_the_trackers_zone(cli) -> None:
    from zoneinfo import ZoneInfo

    cli.ok("db", "time-zone", "Asia/Tokyo")
    cli.ok("progress", "CYB-01", "-s", "in_progress", "-m", "met", "--by", "a.clarke")
    [event] = json.loads(cli.ok("log", "--format", "json"))
    # JSON keeps the exact instant, ISO 8601 with its offset.
    moment = dt.datetime.fromisoformat(event["recorded_at"])
    assert moment.utcoffset() is not None
    tokyo = moment.astimezone(ZoneInfo("Asia/Tokyo"))
    [line] = cli.ok("log").splitlines()[:1]
    assert line.endswith(f"by a.clarke  (recorded {tokyo:%Y-%m-%d %H:%M} JST (Asia/Tokyo))"), line
    # The same words as `show`.
    assert f"recorded {tokyo:%Y-%m-%d %H:%M} JST (Asia/Tokyo)" in cli.ok("show", "CYB-01")


def test_an_evidence_date_for_every_evidence_is_read_and_echoed_once(cli_sqlite) -> None:
    result = cli_sqlite(
        "progress", "CYB-01", "-s", "in_progress", "-m", "x",
        "-e", "https://a.example/", "-e", "https://b.example/",
        "--evidence-date", "2026-11", "--by", "t",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == ["--evidence-date 2026-11: 2026-11-01"]
    [event] = json.loads(cli_sqlite.ok("show", "CYB-01", "--format", "json"))["events"]
    assert [e["published_on"] for e in event["evidence_details"]] == ["2026-11-01"] * 2
