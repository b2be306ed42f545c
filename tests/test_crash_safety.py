"""Every command is one transaction: a `tracker load` or `tracker import` killed at any moment
(SIGKILL, no chance to clean up) leaves the database as it was or as the finished command would
have left it, never in between, and `tracker verify` passes on it afterwards.

The command runs as a real process (`python -m tracker ...`) on a large generated declaration
(1,500 items, each quoting its own source text), and is killed in two ways:

- At named points (tracker.testpoints): the command stops itself where the test asks (before
  its first write, after a batch of rows, just before the commit; for a new SQLite file also
  after the commit under the temporary name), the test checks that it is inside its transaction
  (SQLite: it holds the write lock; PostgreSQL: its session is idle in a transaction that has,
  or has not yet, written), then kills it. Each such kill must leave the database as it was.
  Where the kill lands does not depend on the machine's load.
- After random delays (seeded per iteration; the seed and delay are in every failure message),
  drawn over an uninterrupted run's duration: they look for what no named point foresaw. Only
  the outcome is checked, all or nothing, not where they landed.

"As it was" and "as finished" are compared exactly: the export (deterministic, byte for byte) of
the killed database must equal the export taken before the run or the export of an uninterrupted
run from the same starting point.

tests/stress_crash_safety.sh runs this file many times in a row on a busy machine (issue 24).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from generated import PREFIX, write_fixture
from sqlalchemy import Connection, create_engine, inspect, text
from support import BUNDLED, Cli, pg_schema_url

from tracker.db import dispose_engines, session_scope
from tracker.progress import EvidenceSpec, record_progress
from tracker.statuses import Status
from tracker.testpoints import PAUSE_AT

pytestmark = pytest.mark.slow

BIG_ITEMS = 1500  # the declaration loaded by the killed `tracker load`
OLD_ITEMS = 400  # an earlier version of it, already loaded (with history) in one variant
EVENTS = 300
# Kills after a random delay, per test, besides one at each named point (the named points carry
# the guarantee; tests/stress_crash_safety.sh reruns the file to let random kills land all over).
RANDOM_KILLS = 1
SEED = 20260131
# Who every load here records its text revision as. The module's inputs are built before
# conftest's per-test isolation applies, so without a name of their own they would take the
# machine's git name while the tests' runs take the login, and exports would differ on it.
ACTOR = "crash-test"
PG_APP = "tracker-crash-test"  # the killed commands' sessions, as pg_stat_activity names them
TABLES = ("declarations", "pillars", "commitments", "status_events", "evidence")
WAIT = 300.0  # seconds a command may take to reach a point (or to finish) on a loaded machine

# Where a load or an import is killed. "mid-batch" of an import is reached after each batch of
# rows; the kill is at the middle one (the earlier tables in, the later ones not yet).
LOAD_POINTS = ("load:before-write", "load:mid-batch", "load:before-commit")
IMPORT_POINTS = ("setup:before-write", "import:mid-batch", "import:before-commit")
# Whether the command's transaction has written anything by then.
WRITTEN = {
    "load:before-write": False,
    "load:mid-batch": True,
    "load:before-commit": True,
    "setup:before-write": False,
    "import:mid-batch": True,
    "import:before-commit": True,
}


def record_history(url: str, items: int, events: int = EVENTS) -> None:
    """Events with notes, evidence and a few corrections, on loaded and bundled items."""
    rng = random.Random(SEED)
    bundled = ["SEC-01", "CYB-01", "CYB-02", "MIN-01", "IND-01", "TEC-01"]
    start = dt.date(2026, 2, 1)
    with session_scope(url, write=True) as s:
        ids = []
        for n in range(events):
            code = rng.choice(bundled) if n % 4 == 0 else f"{PREFIX}-{rng.randint(1, items):05d}"
            result = record_progress(
                s,
                code=code,
                status=rng.choice([Status.IN_PROGRESS, Status.STALLED, Status.IN_PROGRESS]),
                note=f"event {n}: talks in 東京 / لندن, {'x' * rng.randint(0, 300)}",
                evidence=[
                    EvidenceSpec(f"https://example.org/{n}/{k}", "news_report", f"Doc {k}", start)
                    for k in range(n % 3)
                ],
                on=start + dt.timedelta(days=rng.randint(0, 200)),
                actor=f"analyst-{n % 7}",
                today=dt.date(2026, 12, 31),
            )
            ids.append(result.event_id)
        for event_id in ids[:: events // 5]:
            record_progress(s, corrects=event_id, reason="misread the source", actor="reviewer")


# --- databases and their states --------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def quiesce(path: Path) -> None:
    """Close every connection and fold the WAL back into the file, so a plain copy is whole."""
    dispose_engines()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert not Path(f"{path}-wal").exists()


def copy_db(source: Path, target: Path) -> str:
    shutil.copyfile(source, target)
    return sqlite_url(target)


def export_of(url: str) -> str:
    text_out = Cli(url).ok("export")
    dispose_engines()
    return normalised(text_out)


def normalised(text_out: str) -> str:
    """An export, exactly but for when each text revision was recorded (two loads of the same
    file record the same revision at different times, so its time and hashes differ)."""
    data = json.loads(text_out)
    table = data["tables"].get("text_revisions")
    if table is not None:
        stamped = [table["columns"].index(c) for c in ("recorded_at", "prev_hash", "hash")]
        for row in table["rows"]:
            for i in stamped:
                row[i] = "(as recorded)"
    return json.dumps(data, ensure_ascii=False, indent=1)


def verify_ok(url: str, commitments: int) -> None:
    result = Cli(url)("verify")
    dispose_engines()
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert result.stdout.startswith(f"verify: OK, {commitments} commitments, "), result.stdout


def table_counts(url: str) -> dict[str, int] | None:
    """Rows per tracker table, or None when the database has no tracker tables at all."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if not names & set(TABLES):
                return None
            return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}
    finally:
        engine.dispose()


def import_temporaries(target: Path) -> list[Path]:
    """The temporary file `tracker import` builds beside a new SQLite target, if any."""
    found = target.parent.glob(f".{target.name}.import-*")
    return [p for p in found if not p.name.endswith(("-wal", "-shm", "-journal"))]


def write_locked(db: Path) -> bool:
    """Another connection holds the SQLite database's write lock (an open write transaction)."""
    conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        conn.close()


# --- the command as a process ----------------------------------------------------------------


class Command:
    """One run of `python -m tracker --db URL ARGS`, its stderr in a file; on PostgreSQL its
    session carries an application_name of its own (`name`, under PostgreSQL's 63 bytes)."""

    def __init__(self, url: str, args: tuple[str, ...], log: Path, *, point: str | None = None):
        self.log, self.point = log, point
        self.name = f"{PG_APP}-{log.parent.name}-{log.stem}"  # the test's folder, the run
        if url.startswith("postgresql"):
            url += f"{'&' if '?' in url else '?'}application_name={self.name}"
        env = {k: v for k, v in os.environ.items() if k != PAUSE_AT}
        if point is not None:
            env[PAUSE_AT] = point
        with log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tracker", "--db", url, *args],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
            )
        self.stops = 0
        STARTED.append(self)

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stopped(self) -> bool:
        """Wait until the command stops itself at its point (True) or ends (False)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.proc.pid, os.WUNTRACED | os.WNOHANG)
            if pid and os.WIFSTOPPED(status):
                self.stops += 1
                marks = [m for m in self.stderr().splitlines() if m.startswith("tracker: test")]
                assert marks == [f"tracker: test pause at {self.point}, pid {pid}"] * self.stops
                return True
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                return False
            time.sleep(0.005)
        self.kill()
        raise AssertionError(f"{self.log.stem}: still running after {WAIT}s")

    def go_on(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self) -> None:
        self.proc.kill()
        assert self.proc.wait(timeout=WAIT) == -signal.SIGKILL, self.stderr()

    def finish(self) -> None:
        assert self.proc.wait(timeout=WAIT) == 0, self.stderr()


# Every command started by the running test: one that a failed assertion left stopped at a point
# (holding its lock, or its PostgreSQL session's) is killed when the test ends.
STARTED: list[Command] = []


def kill_leftovers() -> None:
    while STARTED:
        proc = STARTED.pop().proc
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(autouse=True)
def _no_command_left() -> Iterator[None]:
    yield
    kill_leftovers()


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' commands, in process or run as processes, record as ACTOR (as the inputs do)."""
    monkeypatch.setenv("TRACKER_BY", ACTOR)


def at_point(
    url: str, args: tuple[str, ...], log: Path, point: str, occurrence: int = 1
) -> Command:
    """The command, stopped at `point` (its `occurrence`-th time there)."""
    command = Command(url, args, log, point=point)
    for n in range(occurrence):
        if n:
            command.go_on()
        assert command.stopped(), (
            f"{point}: the command ended (exit {command.proc.returncode}) before reaching it "
            f"{n + 1} time(s): {command.stderr()}"
        )
    return command


def times_reached(url: str, args: tuple[str, ...], log: Path, point: str) -> int:
    """Run the command to its end, continuing it at each stop at `point`; how many there were."""
    command = Command(url, args, log, point=point)
    while command.stopped():
        command.go_on()
    assert command.proc.returncode == 0, command.stderr()
    return command.stops


def timed(url: str, args: tuple[str, ...], log: Path) -> float:
    """How long one uninterrupted run takes, start to exit."""
    start = time.monotonic()
    Command(url, args, log).finish()
    return time.monotonic() - start


@dataclass(frozen=True)
class Outcome:
    seed: int
    delay: float
    killed: bool
    command: Command

    def __str__(self) -> str:
        return f"seed {self.seed}, delay {self.delay:.3f}s: {'killed' if self.killed else 'done'}"


def killed_after_delay(
    url: str, args: tuple[str, ...], log: Path, iteration: int, duration: float
) -> Outcome:
    """Kill the command after a delay drawn over `duration` (an uninterrupted run's); it may
    have finished by then."""
    seed = SEED + iteration
    delay = random.Random(seed).uniform(0.05, duration)
    command = Command(url, args, log)
    time.sleep(delay)
    if command.proc.poll() is None:
        command.proc.kill()
    code = command.proc.wait(timeout=WAIT)
    # Finished between the poll and the signal: a run that was not killed, checked as one.
    outcome = Outcome(seed, delay, code != 0, command)
    assert code in (0, -signal.SIGKILL), (str(outcome), command.stderr())
    return outcome


# --- PostgreSQL sessions ---------------------------------------------------------------------


@pytest.fixture
def pg_schemas(pg_database: str) -> Iterator[Callable[[], str]]:
    """Hands out fresh PostgreSQL schemas (URLs) in the session's database; drops them after."""
    made = []

    def new() -> str:
        gen = pg_schema_url(pg_database)
        made.append(gen)
        return next(gen)

    yield new
    kill_leftovers()  # first: dropping a schema waits for a stopped command's locks
    for gen in made:
        gen.close()


@pytest.fixture
def pg_watch(pg_database: str) -> Iterator[Connection]:
    """A connection that watches the commands' sessions in pg_stat_activity."""
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def pg_sessions(watch: Connection, command: Command) -> list[tuple[str, bool]]:
    """(state, whether its transaction has written) of each session of the command."""
    rows = watch.execute(
        text(
            "SELECT state, backend_xid IS NOT NULL FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = :name"
        ),
        {"name": command.name},
    )
    return [(state, wrote) for state, wrote in rows]


def pg_gone(watch: Connection, command: Command) -> None:
    """Wait for the server to end a killed command's session (and release its locks: the load
    and migration locks are the database's, so the next command would wait on them)."""
    deadline = time.monotonic() + WAIT
    while pg_sessions(watch, command):
        assert time.monotonic() < deadline, f"{command.name}: session outlived its process"
        time.sleep(0.01)


# --- shared inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    old_fixture: Path  # OLD_ITEMS items, version 1 wording
    new_fixture: Path  # BIG_ITEMS items, version 2 wording
    plain_db: Path  # `tracker init` only
    history_db: Path  # init, the old fixture, EVENTS events and some corrections
    history_export: Path  # export of history_db
    full_export: Path  # history_db with the new fixture loaded: the import tests' input


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACKER_BY", ACTOR)
        return build_inputs(tmp_path_factory)


def build_inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    root = tmp_path_factory.mktemp("crash")
    old = write_fixture(root / "v1", OLD_ITEMS, version=1)
    new = write_fixture(root / "v2", BIG_ITEMS, version=2)

    plain = root / "plain.db"
    Cli(sqlite_url(plain)).ok("init")
    quiesce(plain)

    history = root / "history.db"
    cli = Cli(sqlite_url(history))
    cli.ok("init")
    cli.ok("load", str(old))
    record_history(cli.url, OLD_ITEMS)
    verify_ok(cli.url, BUNDLED + OLD_ITEMS)
    history_export = root / "history.json"
    cli.ok("export", "--output", str(history_export))
    quiesce(history)

    full = root / "full.db"
    full_cli = Cli(copy_db(history, full))
    out = full_cli.ok("load", str(new))
    assert f"{BIG_ITEMS - OLD_ITEMS} added, {OLD_ITEMS} changed" in out
    full_export = root / "full.json"
    full_cli.ok("export", "--output", str(full_export))
    quiesce(full)
    return Inputs(old, new, plain, history, history_export, full_export)


# --- tracker load ----------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["plain", "history"])
def test_killed_load_is_all_or_nothing(inputs: Inputs, tmp_path: Path, start: str) -> None:
    """Kill `tracker load` of the big declaration: into a fresh `tracker init` database
    (plain), or as a sync over an earlier version of it that has a history (history)."""
    base = inputs.plain_db if start == "plain" else inputs.history_db
    before_items = BUNDLED if start == "plain" else BUNDLED + OLD_ITEMS
    after_items = BUNDLED + BIG_ITEMS
    before = export_of(copy_db(base, tmp_path / "before.db"))
    before_counts = table_counts(sqlite_url(tmp_path / "before.db"))
    assert before_counts is not None and before_counts["commitments"] == before_items
    load = ("load", str(inputs.new_fixture))

    # One uninterrupted run: its duration, and the state a finished load leaves.
    url = copy_db(base, tmp_path / "reference.db")
    duration = timed(url, load, tmp_path / "reference.log")
    after = export_of(url)
    after_counts = table_counts(url)
    assert after_counts is not None and after_counts["commitments"] == after_items
    assert after_counts["status_events"] == before_counts["status_events"]
    if start == "history":
        assert after == normalised(inputs.full_export.read_text(encoding="utf-8"))

    for n, point in enumerate(LOAD_POINTS):
        target = tmp_path / f"point-{n}.db"
        url = copy_db(base, target)
        command = at_point(url, load, tmp_path / f"point-{n}.log", point)
        assert write_locked(target), f"{point}: not inside the load's transaction"
        command.kill()
        assert export_of(url) == before, f"killed at {point}: the database changed"
        assert table_counts(url) == before_counts
        verify_ok(url, before_items)

    for i in range(RANDOM_KILLS):
        url = copy_db(base, tmp_path / f"random-{i}.db")
        outcome = killed_after_delay(url, load, tmp_path / f"random-{i}.log", i, duration)
        state = export_of(url)
        counts = table_counts(url)
        assert state in (before, after), f"{outcome}: half-loaded database, counts {counts}"
        assert counts == (before_counts if state == before else after_counts), outcome
        verify_ok(url, before_items if state == before else after_items)

    # A killed load can simply be run again (here, one killed with its new items inserted).
    url = sqlite_url(tmp_path / f"point-{LOAD_POINTS.index('load:mid-batch')}.db")
    Cli(url).ok(*load)
    assert export_of(url) == after


@pytest.mark.postgres
def test_killed_load_is_all_or_nothing_on_postgres(
    inputs: Inputs, tmp_path: Path, pg_schemas: Callable[[], str], pg_watch: Connection
) -> None:
    """The history variant of the load test, on PostgreSQL schemas restored from its export."""
    before = normalised(inputs.history_export.read_text(encoding="utf-8"))
    after = normalised(inputs.full_export.read_text(encoding="utf-8"))
    load = ("load", str(inputs.new_fixture))

    def fresh() -> str:
        url = pg_schemas()
        Cli(url).ok("import", str(inputs.history_export))
        dispose_engines()
        return url

    url = fresh()
    assert export_of(url) == before
    duration = timed(url, load, tmp_path / "reference.log")
    # Byte-identical to the same history on SQLite: ids, order and encoding all agree.
    assert export_of(url) == after

    for n, point in enumerate(LOAD_POINTS):
        url = fresh()
        command = at_point(url, load, tmp_path / f"point-{n}.log", point)
        assert pg_sessions(pg_watch, command) == [("idle in transaction", WRITTEN[point])], point
        command.kill()
        pg_gone(pg_watch, command)
        assert export_of(url) == before, f"killed at {point}: the database changed"
        verify_ok(url, BUNDLED + OLD_ITEMS)

    for i in range(RANDOM_KILLS):
        url = fresh()
        outcome = killed_after_delay(url, load, tmp_path / f"random-{i}.log", i, duration)
        pg_gone(pg_watch, outcome.command)
        state = export_of(url)
        assert state in (before, after), f"{outcome}: half-loaded database"
        verify_ok(url, BUNDLED + (OLD_ITEMS if state == before else BIG_ITEMS))


# --- tracker import --------------------------------------------------------------------------


def import_state(url: str, path: Path | None, what: object, source: Path) -> str:
    """After a killed import: nothing (no file, no tables or only empty ones), or everything
    exactly (complete)."""
    counts = None if path is not None and not path.exists() else table_counts(url)
    if counts is not None and any(counts.values()):
        assert export_of(url) == normalised(source.read_text(encoding="utf-8")), (
            f"{what}: imported data differs, counts {counts}"
        )
        verify_ok(url, BUNDLED + BIG_ITEMS)
        return "complete"
    if path is not None and not path.exists():
        return "no file"
    return "no tables" if counts is None else "empty tables"


def import_again(url: str, source: Path, what: object) -> None:
    """What a killed import left behind does not stand in the way of a new attempt."""
    retry = Cli(url)("import", str(source))
    dispose_engines()
    assert retry.exit_code == 0, (str(what), retry.stderr)
    assert export_of(url) == normalised(source.read_text(encoding="utf-8"))
    verify_ok(url, BUNDLED + BIG_ITEMS)


def test_killed_import_leaves_nothing_or_everything(inputs: Inputs, tmp_path: Path) -> None:
    """Kill `tracker import` of a large export into a new SQLite file. The import builds a
    temporary file and moves it into place at the end: a killed one leaves no file at all where
    the database was to be (not an empty one that `init` would then have to be run on)."""
    source = inputs.full_export
    expected = normalised(source.read_text(encoding="utf-8"))
    args = ("import", str(source))

    # The reference run, continued at each batch of rows: the batches, its duration, its result.
    reference = tmp_path / "reference.db"
    start = time.monotonic()
    batches = times_reached(
        sqlite_url(reference), args, tmp_path / "reference.log", IMPORT_POINTS[1]
    )
    duration = time.monotonic() - start
    assert batches >= 3, batches
    assert export_of(sqlite_url(reference)) == expected
    assert not import_temporaries(reference)

    for n, point in enumerate((*IMPORT_POINTS, "import:before-link")):
        target = tmp_path / f"point-{n}" / "new.db"
        target.parent.mkdir()
        url = sqlite_url(target)
        occurrence = (batches + 1) // 2 if point == "import:mid-batch" else 1
        command = at_point(url, args, tmp_path / f"point-{n}.log", point, occurrence)
        [temporary] = import_temporaries(target)
        # Before the link, the temporary file is committed and closed: nothing holds it.
        assert write_locked(temporary) == (point != "import:before-link"), point
        command.kill()
        assert not target.exists(), f"killed at {point}: {target} exists"
        # What is left is the hidden temporary file, which nothing reads.
        assert import_temporaries(target) == [temporary], point
        assert import_state(url, target, point, source) == "no file"
    # Beside the whole temporary file the last kill left.
    import_again(url, source, point)

    for i in range(RANDOM_KILLS):
        target = tmp_path / f"random-{i}.db"
        url = sqlite_url(target)
        outcome = killed_after_delay(url, args, tmp_path / f"random-{i}.log", i, duration)
        assert import_state(url, target, outcome, source) in ("no file", "complete"), outcome


@pytest.mark.postgres
def test_killed_import_leaves_nothing_or_everything_on_postgres(
    inputs: Inputs, tmp_path: Path, pg_schemas: Callable[[], str], pg_watch: Connection
) -> None:
    """Kill `tracker import` of the large export into a new PostgreSQL schema."""
    source = inputs.full_export
    args = ("import", str(source))
    url = pg_schemas()
    start = time.monotonic()
    batches = times_reached(url, args, tmp_path / "reference.log", IMPORT_POINTS[1])
    duration = time.monotonic() - start
    assert batches >= 3, batches
    assert export_of(url) == normalised(source.read_text(encoding="utf-8"))

    for n, point in enumerate(IMPORT_POINTS):
        url = pg_schemas()
        occurrence = (batches + 1) // 2 if point == "import:mid-batch" else 1
        command = at_point(url, args, tmp_path / f"point-{n}.log", point, occurrence)
        assert pg_sessions(pg_watch, command) == [("idle in transaction", WRITTEN[point])], point
        command.kill()
        pg_gone(pg_watch, command)
        assert import_state(url, None, point, source) == "no tables", point
    import_again(url, source, point)

    for i in range(RANDOM_KILLS):
        url = pg_schemas()
        outcome = killed_after_delay(url, args, tmp_path / f"random-{i}.log", i, duration)
        pg_gone(pg_watch, outcome.command)
        assert import_state(url, None, outcome, source) in ("no tables", "complete"), outcome
