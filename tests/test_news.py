"""What's new (issue 26, item 5): `log --recorded-since` in recording order, and `news`, what
was recorded since the user last looked, backdated entries marked; the last look kept per user
and per database, saved only after a successful read."""

from __future__ import annotations

import datetime as dt
import json
import os

from support import Cli

from tracker import news


def _ids(out: str) -> list[int]:
    return [e["id"] for e in json.loads(out)]


def _event_id(out: str) -> int:
    return int(out.split("event #")[1].split(")")[0])


def test_log_recorded_since_orders_by_recording_time(cli) -> None:
    first = _event_id(cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-06-01"))
    second = _event_id(cli.ok("progress", "CYB-02", "-s", "in_progress", "--on", "2026-03-01"))
    third = _event_id(cli.ok("progress", "CYB-03", "-s", "in_progress", "--on", "2026-09-01"))
    # By effective date the backdated second entry is last; by recording time it is second.
    assert _ids(cli.ok("log", "-f", "json")) == [third, first, second]
    recorded = _ids(cli.ok("log", "--recorded-since", "today", "-f", "json"))
    assert recorded == [third, second, first]
    # Effective dates do not filter it: the March entry was recorded today.
    assert second in recorded
    assert cli.ok("log", "--recorded-since", "2099-01-01").strip() == "No events."
    assert _ids(cli.ok("log", "--recorded-since", "2026-01-01", "--code", "CYB-02", "-f",
                       "json")) == [second]  # fmt: skip
    bad = cli("log", "--recorded-since", "soonish")
    assert bad.exit_code != 0 and "--recorded-since" in bad.stderr


def _news(cli: Cli) -> dict:
    return json.loads(cli.ok("news", "--format", "json"))


def test_news_shows_what_was_recorded_since_the_last_look(cli) -> None:
    early = _event_id(cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-06-01"))
    first = _news(cli)
    assert first["first"] is True
    assert [e["id"] for e in first["events"]] == [early]
    # The first look reaches back 7 days: the entry dated June is backdated against that day.
    assert first["events"][0]["backdated"] is True
    assert _news(cli)["events"] == []  # nothing new since
    today = cli.ok("progress", "CYB-02", "-s", "in_progress")  # dated today
    backdated = cli.ok("progress", "CYB-03", "-s", "in_progress", "--on", "2026-04-02")
    again = _news(cli)
    assert again["first"] is False
    got = {e["id"]: e["backdated"] for e in again["events"]}
    assert got == {_event_id(today): False, _event_id(backdated): True}
    assert [e["id"] for e in again["events"]] == [_event_id(backdated), _event_id(today)]
    assert _news(cli)["events"] == []
    # The text says what it is and marks the backdated entry.
    cli.ok("progress", "CYB-04", "-s", "in_progress", "--on", "2026-04-03", "-m", "late entry")
    text = cli.ok("news")
    assert text.startswith("Recorded since your last look (")
    assert "1 event." in text.splitlines()[0]
    assert "CYB-04" in text and "[backdated]" in text and "late entry" in text


def test_two_databases_keep_their_own_last_look(cli_sqlite, initialised_sqlite, tmp_path) -> None:
    from support import copy_database

    other = Cli(copy_database(initialised_sqlite, tmp_path / "other.db"))
    cli_sqlite.ok("progress", "CYB-01", "-s", "in_progress")
    other.ok("progress", "SEC-01", "-s", "in_progress")
    assert [e["code"] for e in _news(cli_sqlite)["events"]] == ["CYB-01"]
    # The other database's first look is its own, not the first one's.
    seen = _news(other)
    assert seen["first"] is True and [e["code"] for e in seen["events"]] == ["SEC-01"]
    assert _news(cli_sqlite)["events"] == [] and _news(other)["events"] == []
    # Two spellings of one SQLite file are one database.
    path = tmp_path / "other.db"
    assert news.database_key(f"sqlite:///{path}") == news.database_key(
        f"sqlite:///{tmp_path}/./other.db"
    )
    assert news.database_key("postgresql+psycopg://u:secret@h/db") == news.database_key(
        "postgresql+psycopg://u:other@h/db"
    )
    assert news.database_key("postgresql+psycopg://u@h/db") != news.database_key(
        "postgresql+psycopg://u@h/db2"
    )


def test_the_last_look_is_saved_only_after_a_successful_read(cli_sqlite, tmp_path) -> None:
    state = news.state_path()
    broken = Cli(f"sqlite:///{tmp_path / 'missing' / 'none.db'}")
    result = broken("news")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert not state.exists()
    cli_sqlite.ok("progress", "CYB-01", "-s", "in_progress")
    cli_sqlite.ok("news")
    assert state.exists() and (os.stat(state).st_mode & 0o777) == 0o600
    # A state file that is not ours reads as no look at all: the first look again, no error.
    state.write_text("not json {", encoding="utf-8")
    assert _news(cli_sqlite)["first"] is True
    assert _news(cli_sqlite)["first"] is False


def test_a_look_reaches_back_over_events_stamped_before_it(cli_sqlite) -> None:
    """An event stamped shortly before a look but committed after it (a transaction still open
    when the look read) is shown next time; one that look saw is not shown twice."""
    event = _event_id(cli_sqlite.ok("progress", "CYB-01", "-s", "in_progress"))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    news.save_look(cli_sqlite.url, news.LastLook(later, set()))
    assert [e["id"] for e in _news(cli_sqlite)["events"]] == [event]
    news.save_look(cli_sqlite.url, news.LastLook(later, {event}))
    assert _news(cli_sqlite)["events"] == []
    # Beyond the margin, an earlier stamp is not news.
    news.save_look(cli_sqlite.url, news.LastLook(later + news.MARGIN, set()))
    assert _news(cli_sqlite)["events"] == []
    path = news.state_path()
    look = news.last_look(cli_sqlite.url, path)
    assert look is not None and news.last_look("sqlite:////elsewhere.db", path) is None
