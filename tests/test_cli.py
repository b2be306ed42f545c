"""The commands end to end on real databases: happy paths and every error path."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import stat
from collections.abc import Callable

import pytest
import typer
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import ArgumentError, InvalidRequestError
from sqlalchemy.orm import Session
from support import BUNDLED, BUNDLED_PLEDGES
from typer.testing import CliRunner

from tracker.cli import app
from tracker.models import Commitment, StatusEvent

TODAY = dt.date.today().isoformat()


def _count_events(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(StatusEvent)).scalar_one())
    finally:
        engine.dispose()


def _one_line_error(result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# --- help -----------------------------------------------------------------------------------


def _all_commands() -> list[list[str]]:
    """Every command and sub-command of the app, found by walking it (none can be forgotten)."""
    from typer.main import get_command

    found: list[list[str]] = []

    def walk(command, path: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append([*path, name])
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return found


COMMANDS = _all_commands()


def test_the_command_list_is_complete() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"init", "load", "list", "show", "progress", "correct", "log", "report"} <= names
    assert {"verify", "export", "import", "db upgrade", "db current"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    if command != ["db"]:
        assert "Example:" in result.output


# What each main command's help names its values with: what the user types, never a Python
# type (Typer's own placeholders are <str>, <int>, <list[str]>, <int range>, <path>).
HELP_SHOWS = {
    "progress": [
        "progress [OPTIONS] {CODE}",
        "  CODE ",
        "-s, --status STATUS",
        "not_started, in_progress, stalled",
        "--on DATE",
        "--party PARTY",
        "--corrects ID",
        "-e, --evidence SOURCE",
        "--evidence-kind KIND",
        "--evidence-date DATE",
    ],
    "list": [
        "-s, --status STATUS",
        "not_started,",
        "-p, --pillar PILLAR",
        "--party PARTY",
        "--kind KIND",
        "--due-before DATE",
        "--limit N",
        "-f, --format <table|json|csv>",
    ],
    "show": ["show [OPTIONS] {CODE}", "  CODE ", "-f, --format <text|json>"],
    "report": [
        "-f, --format <terminal|md|html|json|csv|pdf|docx>",
        "-o, --output FILE",
        "--as-of DATE",
        "--since DATE",
        "-p, --pillar PILLAR",
        "--party PARTY",
        "--declaration SLUG",
    ],
}
PYTHON_TYPE = re.compile(r"<(str|int|float|path|int range|list\[[a-z]+\])>")


@pytest.mark.parametrize("command", HELP_SHOWS)
def test_help_names_values_as_users_write_them(command: str) -> None:
    out = CliRunner().invoke(app, [command, "--help"]).output
    for shown in HELP_SHOWS[command]:
        assert shown in out, shown


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_option_is_shown_as_a_python_type(command: list[str]) -> None:
    """Options only: Typer 0.29 prints an argument's type beside its name (`CODE <str>`), and
    no public setting changes that."""
    out = CliRunner().invoke(app, [*command, "--help"]).output
    options = out.split("Options:", 1)[-1]
    assert not PYTHON_TYPE.search(options), options


@pytest.mark.parametrize("with_db", [False, True], ids=["alone", "db-only"])
def test_no_command_shows_the_commands_as_a_usage_error(tmp_path, with_db: bool) -> None:
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "x.db")] if with_db else [])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Usage: ") and "progress " in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("tracker ")


# --- init -----------------------------------------------------------------------------------


def test_init_creates_the_default_database_in_the_user_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "xdg" / "tracker" / "tracker.db"
    assert f"Database: {path} (created)" in result.stdout
    assert f"{BUNDLED} added" in result.stdout
    # Owner-only: the tracker may hold unpublished assessments.
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = CliRunner().invoke(app, ["init"])
    assert again.exit_code == 0 and f"0 added, 0 changed, {BUNDLED} unchanged" in again.stdout


def test_environment_variable_selects_the_database(tmp_path, monkeypatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{db}")
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    assert db.exists()


def test_a_bare_path_is_accepted_for_db(tmp_path) -> None:
    db = tmp_path / "sub" / "plain.db"
    result = CliRunner().invoke(app, ["--db", str(db), "init"])
    assert result.exit_code == 0, result.output
    assert db.exists()


# --- progress -------------------------------------------------------------------------------


def test_progress_then_show(cli) -> None:
    out = cli.ok(
        "progress",
        "cyb-01",
        "--status",
        "in_progress",
        "-m",
        "Working group met in London",
        "-e",
        "https://www.gov.uk/example",
        "-e",
        "MOFA press release 12",
        "--by",
        "analyst",
    )
    assert "CYB-01: not started → in progress" in out
    shown = cli.ok("show", "CYB-01")
    assert "in progress" in shown
    assert "Working group met in London" in shown
    assert "https://www.gov.uk/example" in shown and "MOFA press release 12" in shown
    assert "by analyst" in shown
    data = json.loads(cli.ok("show", "CYB-01", "--format", "json"))
    assert data["status"] == "in_progress"
    assert data["quote"].startswith("Cyber defense and cyber resilience")
    (event,) = data["events"]
    assert event["status"] == "in_progress"
    assert event["note"] == "Working group met in London"
    assert event["evidence"] == ["https://www.gov.uk/example", "MOFA press release 12"]
    assert event["actor"] == "analyst"
    assert event["on"] == TODAY
    recorded = dt.datetime.fromisoformat(event["recorded_at"])
    assert recorded.utcoffset() == dt.timedelta(0)


def test_same_status_again_is_recorded_as_a_note(cli) -> None:
    cli.ok("progress", "SEC-03", "-s", "in_progress")
    out = cli.ok("progress", "SEC-03", "-s", "in_progress", "-m", "New exercise announced")
    assert "(unchanged)" in out
    data = json.loads(cli.ok("show", "SEC-03", "--format", "json"))
    assert [e["status"] for e in data["events"]] == ["in_progress", "in_progress"]


def test_achieved_item_leaves_the_open_list(cli) -> None:
    assert "MIN-01" in cli.ok("list", "--format", "csv")
    cli.ok("progress", "MIN-01", "-s", "achieved", "-m", "2+2 held")
    assert "MIN-01" not in cli.ok("list", "--format", "csv")
    assert "MIN-01" in cli.ok("list", "--all", "--format", "csv")


def test_reopening_needs_a_reason(cli) -> None:
    cli.ok("progress", "ECO-01", "-s", "achieved")
    before = _count_events(cli.url)
    line = _one_line_error(cli("progress", "ECO-01", "-s", "in_progress"))
    assert "--reason" in line
    assert _count_events(cli.url) == before
    cli.ok("progress", "ECO-01", "-s", "in_progress", "--reason", "supply deal collapsed")
    data = json.loads(cli.ok("show", "ECO-01", "--format", "json"))
    assert data["events"][-1]["reason"] == "supply deal collapsed"
    assert data["status"] == "in_progress"


def test_backdated_event_slots_into_the_timeline(cli) -> None:
    cli.ok("progress", "GEO-02", "-s", "achieved", "--on", "2026-05-01")
    out = cli.ok("progress", "GEO-02", "-s", "in_progress", "--on", "2026-03-01")
    assert "not started → in progress" in out
    assert "stays achieved" in out
    data = json.loads(cli.ok("show", "GEO-02", "--format", "json"))
    assert data["status"] == "achieved"
    assert [e["on"] for e in data["events"]] == ["2026-03-01", "2026-05-01"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["progress", "CYB-9", "-s", "achieved"], "did you mean CYB-"),
        (["progress", "CYB-01", "-s", "done"], "valid statuses: not_started"),
        (["progress", "CYB-01", "-s", "achieved", "--on", "2999-01-01"], "in the future"),
        (["progress", "CYB-01", "-s", "achieved", "-e", "  "], "evidence must not be empty"),
        (["show", "XYZ-01"], "no commitment 'XYZ-01'"),
        (["list", "--status", "nope"], "valid statuses"),
        (["list", "--pillar", "nope"], "no pillar 'nope'; pillars:"),
        (["list", "--kind", "pledge"], "valid kinds"),
        (["log", "--code", "CYB-99"], "did you mean"),
        (["report", "--declaration", "nope"], "no declaration 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, args, needle) -> None:
    before = _count_events(cli.url)
    line = _one_line_error(cli(*args))
    assert needle in line
    assert _count_events(cli.url) == before


@pytest.mark.parametrize(
    "args",
    [
        ["progress", "CYB-01", "-s", "achieved", "--on", "2026-02-30"],
        ["list", "--due-before", "soon"],
        ["log", "--since", "yesterday-ish"],
        ["report", "--as-of", "31/01/2026"],
    ],
)
def test_a_date_that_is_not_one_is_a_usage_error(cli, args) -> None:
    before = _count_events(cli.url)
    assert "invalid date" in _one_line_error(cli(*args), code=2)
    assert _count_events(cli.url) == before


def test_unknown_code_suggests_the_nearest(cli) -> None:
    line = _one_line_error(cli("show", "cyb-9"))
    assert line.startswith("error: no commitment 'cyb-9'; did you mean CYB-0")


@pytest.mark.parametrize(
    "args",
    [["progress", "CYB-01"], ["show"], ["list", "--bogus"], ["report", "--format", "odt"]],
)
def test_usage_errors_exit_2_in_one_line(cli, args) -> None:
    line = _one_line_error(cli(*args), code=2)
    assert "--help" in line


def test_missing_database_is_not_created(tmp_path) -> None:
    db = tmp_path / "absent.db"
    for args in (["list"], ["show", "CYB-01"], ["progress", "CYB-01", "-s", "achieved"]):
        line = _one_line_error(CliRunner().invoke(app, ["--db", str(db), *args]))
        assert "run `tracker init`" in line
    assert not db.exists()


def test_unreachable_server_is_one_line_with_the_password_masked() -> None:
    url = "postgresql+psycopg://alice:s3cret@127.0.0.1:1/teamdb"
    line = _one_line_error(CliRunner().invoke(app, ["--db", url, "list"]))
    assert "s3cret" not in line
    assert "127.0.0.1" in line and "teamdb" in line


@pytest.mark.parametrize(
    "url", ["postgresql+nosuch://u@127.0.0.1:1/db", "sqlite+pysqlcipher:///absent.db"]
)
def test_a_driver_that_cannot_be_loaded_is_one_line(url: str) -> None:
    line = _one_line_error(CliRunner().invoke(app, ["--db", url, "list"]))
    assert "nosuch" in line or "not installed" in line


# --- the error edge -------------------------------------------------------------------------


def _probe(work: Callable[[Session], object]) -> typer.Typer:
    """The tracker app's edge (its group, --db) around one command running `work` in a session:
    what a database failure, or a bug, in any command meets."""
    from tracker.cli import TrackerGroup, main_callback
    from tracker.cli.running import session

    probe = typer.Typer(cls=TrackerGroup)
    probe.callback()(main_callback)

    @probe.command()
    def run(ctx: typer.Context) -> None:
        with session(ctx) as s:
            work(s)

    return probe


def test_a_database_failure_is_one_line(cli) -> None:
    # A real failure of the database (a duplicate primary key), not one the session turned
    # into a TrackerError itself: the edge says it in one line.
    duplicate = text("INSERT INTO declarations SELECT * FROM declarations")
    result = CliRunner().invoke(_probe(lambda s: s.execute(duplicate)), ["--db", cli.url, "run"])
    assert "declarations" in _one_line_error(result)


@pytest.mark.parametrize(
    "bug",
    [
        pytest.param(
            lambda s: s.scalars(select(Commitment).where(Commitment.code == "NONE-01")).one(),
            id="one-of-none",
        ),
        pytest.param(lambda s: select(Commitment).where("code = 'CYB-01'"), id="untyped-text"),
    ],
)
def test_a_programming_error_is_not_called_a_database_error(cli_sqlite, bug) -> None:
    result = CliRunner().invoke(_probe(bug), ["--db", cli_sqlite.url, "run"])
    # The traceback stays: SQLAlchemy raised it, but the bug is ours, not the database's.
    assert isinstance(result.exception, InvalidRequestError | ArgumentError), result.output
    assert "error:" not in result.stderr


# --- list -----------------------------------------------------------------------------------


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_list_filters(cli) -> None:
    rows = _csv(cli.ok("list", "--format", "csv"))
    # The open pledges: the bundled declaration's items less those of the source's outlook.
    assert len(rows) == BUNDLED_PLEDGES and all(r["kind"] != "outlook" for r in rows)
    assert list(rows[0]) == [
        "code", "title", "pillar", "kind", "parties", "owners", "target", "status", "inferred",
        "declaration", "last_update", "score", "party_differs",
    ]  # fmt: skip
    cyber = _csv(cli.ok("list", "--pillar", "cyber", "--format", "csv"))
    assert [r["code"] for r in cyber] == ["CYB-01", "CYB-02", "CYB-03", "CYB-04"]
    by_title = _csv(cli.ok("list", "--pillar", "Cybersecurity and emerging threats", "-f", "csv"))
    assert len(by_title) == 4
    italy = _csv(cli.ok("list", "--party", "italy", "--format", "csv"))
    assert [r["code"] for r in italy] == ["IND-01"]
    assert all(
        r["kind"] == "outlook" for r in _csv(cli.ok("list", "--kind", "outlook", "-f", "csv"))
    )
    ncsc = _csv(cli.ok("list", "--owner", "NCSC", "--format", "csv"))
    assert ncsc and all("NCSC" in r["owners"] for r in ncsc)
    found = _csv(cli.ok("list", "--search", "VIGILANT", "--format", "csv"))
    assert "SEC-03" in [r["code"] for r in found] and len(found) < 5
    assert _csv(cli.ok("list", "--search", "no such words anywhere", "--format", "csv")) == []
    assert len(_csv(cli.ok("list", "--limit", "5", "--format", "csv"))) == 5
    due = _csv(cli.ok("list", "--due-before", "2027-01-01", "--format", "csv"))
    assert {r["code"] for r in due} == {"MIN-01"}  # the one item with a target
    assert "IND-01" not in {r["code"] for r in due}


def test_list_status_filter_and_overdue(cli) -> None:
    cli.ok("progress", "CYB-02", "-s", "stalled")
    cli.ok("progress", "CYB-03", "-s", "achieved")
    stalled = _csv(cli.ok("list", "--status", "stalled", "--format", "csv"))
    assert [r["code"] for r in stalled] == ["CYB-02"]
    both = _csv(cli.ok("list", "-s", "stalled", "-s", "achieved", "--format", "csv"))
    assert [r["code"] for r in both] == ["CYB-02", "CYB-03"]
    # Nothing in the bundled declaration is overdue before the end of 2026.
    overdue = _csv(cli.ok("list", "--overdue", "--format", "csv"))
    assert all(r["target"] and r["target"] < TODAY for r in overdue)


def test_list_json_is_stable(cli) -> None:
    data = json.loads(cli.ok("list", "--all", "--pillar", "ministers-meeting", "--format", "json"))
    assert [d["code"] for d in data] == ["MIN-01", "MIN-02"]
    # One vocabulary with show and the report (`owners`); `owner` stays for one release.
    assert list(data[0]) == [
        "code", "title", "pillar", "kind", "parties", "owners", "target", "status", "inferred",
        "declaration", "last_update", "score", "party_differs", "owner",
    ]  # fmt: skip
    assert data[0]["owner"] == data[0]["owners"]
    assert data[0]["target"] == "2026-12-31" and data[0]["parties"] == ["Japan", "UK"]
    assert json.loads(cli.ok("list", "--search", "no such text", "--format", "json")) == []


def test_list_table_fits_80_columns(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = cli.ok("list")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "CYB-01" in out and f"{BUNDLED_PLEDGES} items" in out


# --- log ------------------------------------------------------------------------------------


def test_log_newest_first_with_filters(cli) -> None:
    cli.ok("progress", "SEC-01", "-s", "in_progress", "--on", "2026-03-01", "-m", "first")
    cli.ok("progress", "SEC-02", "-s", "in_progress", "--on", "2026-04-01", "-m", "second")
    cli.ok("progress", "SEC-01", "-s", "achieved", "--on", "2026-05-01", "-m", "third")
    data = json.loads(cli.ok("log", "--format", "json"))
    assert [e["note"] for e in data] == ["third", "second", "first"]
    data = json.loads(cli.ok("log", "--since", "2026-04-01", "--format", "json"))
    assert [e["note"] for e in data] == ["third", "second"]
    data = json.loads(cli.ok("log", "--code", "sec-01", "--format", "json"))
    assert [e["note"] for e in data] == ["third", "first"]
    text = cli.ok("log", "--limit", "1")
    assert "SEC-01" in text and "in progress → achieved" in text and "first" not in text


def _seed_events(url: str, total: int) -> int:
    """About `total` whole-commitment events over every commitment, dated from 1 February."""
    import bulk

    from tracker.db import run_in_transaction
    from tracker.models import Commitment
    from tracker.statuses import Status

    recorded = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    cycle = [Status.IN_PROGRESS, Status.STALLED]

    def seed(s):  # type: ignore[no-untyped-def]
        codes = list(s.scalars(select(Commitment.code).order_by(Commitment.code)))
        per = -(-total // len(codes))
        return bulk.append_events(
            s,
            (
                (
                    code,
                    [
                        bulk.NewEvent(
                            cycle[n % 2], dt.date(2026, 2, 1) + dt.timedelta(n), "", "t", recorded
                        )
                        for n in range(per)
                    ],
                )
                for code in codes
            ),
        )

    return int(run_in_transaction(url, seed))


def test_log_streams_many_blocks_with_corrections_and_evidence(cli) -> None:
    """More events than a block: `log` reads and prints them a block at a time (on each
    engine), newest first, each with its evidence and the event correcting it, whichever block
    that is in; the JSON is exactly json.dumps of the whole list at indent=2."""
    from tracker.history import BLOCK

    seeded = _seed_events(cli.url, 2 * BLOCK + 300)
    cli.ok(
        "progress",
        "SEC-01",
        "-s",
        "achieved",
        "-m",
        "with evidence",
        "-e",
        "https://a.example/1",
        "-e",
        "Doc 2",
    )
    oldest = json.loads(cli.ok("log", "--format", "json"))[-1]["id"]
    # Dated months later: the correction is in the first block, the event it corrects in the last.
    cli.ok(
        "correct",
        str(oldest),
        "--reason",
        "wrong status",
        "-s",
        "not_started",
        "--on",
        "2026-10-01",
    )
    text = cli.ok("log", "--format", "json")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert len(data) == seeded + 2 > 2 * BLOCK
    assert [(e["on"], e["id"]) for e in data] == sorted(
        ((e["on"], e["id"]) for e in data), reverse=True
    )
    by_id = {e["id"]: e for e in data}
    fixer = max(by_id)
    assert by_id[oldest]["corrected_by"] == fixer and by_id[fixer]["corrects"] == oldest
    place = {e["id"]: n for n, e in enumerate(data)}
    assert place[fixer] < BLOCK and place[oldest] >= 2 * BLOCK
    assert [e["evidence"] for e in data if e["note"] == "with evidence"] == [
        ["https://a.example/1", "Doc 2"]
    ]
    plain = cli.ok("log")
    assert plain.count("  by t") == seeded
    assert f"[corrected by #{fixer}]" in plain and "    evidence: Doc 2" in plain
    assert (
        len(json.loads(cli.ok("log", "--format", "json", "--limit", str(BLOCK + 1)))) == BLOCK + 1
    )


def _transaction_open(url: str) -> bool:
    """Whether another connection holds a transaction open on the database."""
    if url.startswith("sqlite"):
        import sqlite3

        # A write puts a frame in the WAL; a reader's older snapshot then keeps a TRUNCATE
        # checkpoint from finishing: busy (first column).
        with contextlib.closing(sqlite3.connect(url.split("///", 1)[1], timeout=0)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute(f"PRAGMA user_version = {version + 1}")
            return bool(db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                    )
                )
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "args",
    [
        ("log",),
        ("log", "--format", "json"),
        ("report", "--format", "json", "--since", "2026-01-01"),
    ],
    ids=["log", "log-json", "report-json"],
)
def test_a_slow_reader_holds_no_transaction_open(cli, args: tuple[str, ...]) -> None:
    """Listings stream as they read, but print only once their transaction has ended: a reader
    that stops reading (a pager) leaves no transaction open, on either engine, and gets all."""
    import select as select_module
    import subprocess
    import sys
    import time

    _seed_events(cli.url, 3000)
    assert not _transaction_open(cli.url)
    with subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", cli.url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        # Readable: it has begun to print, and waits on the full pipe (the output is far larger).
        ready, _, _ = select_module.select([proc.stdout], [], [], 60)
        assert ready
        for _ in range(5):  # a query may be running at the first look, idle at the next
            assert proc.poll() is None
            assert not _transaction_open(cli.url)
            time.sleep(0.2)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert len(out) > 2**17
    if "json" in args:
        json.loads(out)


def test_a_listing_that_fails_part_way_prints_nothing(cli, monkeypatch) -> None:
    from tracker import item_view
    from tracker.errors import TrackerError
    from tracker.history import BLOCK

    _seed_events(cli.url, 3 * BLOCK)
    real = item_view.event_data
    seen = []

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(1)
        if len(seen) > 2 * BLOCK:
            raise TrackerError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(item_view, "event_data", failing)
    for fmt in ("text", "json"):
        seen.clear()
        result = cli("log", "--format", fmt)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "error: the database went away" in result.stderr


# --- report ---------------------------------------------------------------------------------


def test_report_markdown_and_json(cli, tmp_path) -> None:
    cli.ok(
        "progress",
        "MIN-01",
        "-s",
        "achieved",
        "-m",
        "Held in London",
        "-e",
        "https://a.example/2plus2",
    )
    cli.ok("progress", "CYB-01", "-s", "in_progress")
    md = cli.ok("report")
    assert md.startswith("# Status report: Japan–UK")
    assert "## By pillar" in md and "## The parties' pledges" in md
    # Only MIN-01 is assessed: the other three commitments have no score yet (before the
    # cut-off), so the rate is over one.
    assert "1 of 4 commitments assessed" in md
    assert "Completion rate: 100% (1 of 1 assessed commitments achieved)" in md
    assert "[https://a.example/2plus2](<https://a.example/2plus2>)" in md
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    cli.ok("report", "--format", "json", "--output", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["schema"] == 3
    summary = data["summary"]
    assert summary["commitments"] == 4 and summary["achieved"] == 1 and summary["assessed"] == 1
    # 1 achieved (+1), 3 not yet assessed (no score); CYB-01, in progress, is a priority: not
    # scored
    assert summary["mean_score"] == 1.0
    codes = {c["code"]: c for c in data["commitments"]}
    assert codes["MIN-01"]["status"] == "achieved" and codes["MIN-01"]["score"] == 1
    assert codes["CYB-01"]["status"] == "in_progress" and codes["CYB-01"]["score"] is None


def test_report_as_of_rebuilds_from_history(cli) -> None:
    cli.ok("progress", "GEO-01", "-s", "in_progress", "--on", "2026-03-01")
    cli.ok("progress", "GEO-01", "-s", "achieved", "--on", "2026-05-01")

    def status_on(day: str) -> str:
        data = json.loads(cli.ok("report", "--format", "json", "--as-of", day))
        return next(c["status"] for c in data["commitments"] if c["code"] == "GEO-01")

    assert status_on("2026-02-28") == "not_started"
    assert status_on("2026-03-01") == "in_progress"
    assert status_on("2026-04-15") == "in_progress"
    assert status_on("2026-05-01") == "achieved"
    assert status_on(TODAY) == "achieved"


def test_show_does_not_pass_terminal_escapes_through(cli) -> None:
    cli.ok("progress", "SEC-04", "-s", "in_progress", "-m", "red \x1b[31malert\x1b[0m done")
    out = cli.ok("show", "SEC-04")
    assert "\x1b" not in out
    assert "red \ufffd[31malert\ufffd[0m done" in out
    stored = json.loads(cli.ok("show", "SEC-04", "--format", "json"))["events"][0]["note"]
    assert stored == "red \x1b[31malert\x1b[0m done"  # stored as given


def test_list_pillar_of_two_declarations_is_never_merged(cli, tmp_path) -> None:
    """A pillar belongs to its declaration: a slug two declarations use needs --declaration
    (the message names both), and --limit then walks that declaration's pillar only."""
    import yaml

    (tmp_path / "second.txt").write_text("We pledge one. We pledge two.", encoding="utf-8")
    spec = {
        "declaration": {
            "slug": "second", "title": "Second", "date": "2026-06-01", "place": "London",
            "parties": ["Japan", "UK"], "source": "test", "source_file": "second.txt",
            "inferred": {"date": "test", "place": "test", "parties": "test"},
        },
        "pillars": [{"slug": "cyber", "title": "Cyber again", "commitments": [
            {"code": f"ZZZ-0{n}", "title": f"Pledge {n}", "quote": f"We pledge {w}.",
             "kind": "commitment", "parties": ["UK"], "basis": "'We pledge'",
             "inferred": {"parties": "test"},
             "guidelines": {"-1": "Not done.", "0": "Begun.", "+1": "Done."}}
            for n, w in ((1, "one"), (2, "two"))
        ]}],
    }  # fmt: skip
    path = tmp_path / "second.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    cli.ok("load", str(path))
    for limit in ((), ("--limit", "5")):
        result = cli("list", "--pillar", "cyber", *limit, "-f", "csv")
        assert result.exit_code == 1
        assert result.output.strip() == (
            "error: pillar 'cyber' is in declarations japan-uk-2026 and second: "
            "add --declaration japan-uk-2026 (or another) to say which"
        )

    def codes(*args: str) -> list[str]:
        return [r["code"] for r in _csv(cli.ok("list", "--pillar", "cyber", *args, "-f", "csv"))]

    assert codes("--declaration", "second", "--limit", "1") == ["ZZZ-01"]
    assert codes("--declaration", "japan-uk-2026", "--limit", "5") == [
        "CYB-01", "CYB-02", "CYB-03", "CYB-04"
    ]  # fmt: skip
    assert codes("--declaration", "second") == ["ZZZ-01", "ZZZ-02"]
