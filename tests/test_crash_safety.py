"""Every command is one transaction: a `tracker load` or `tracker import` killed at any moment
(SIGKILL, no chance to clean up) leaves the database as it was or as the finished command would
have left it, never in between, and `tracker verify` passes on it afterwards.

The command runs as a real process (`python -m tracker ...`) on a large generated declaration
(1,500 items, each quoting its own source text). Each test first times one uninterrupted
run, then kills fresh copies at moments drawn from a fixed seed per iteration (the seed and the
delay are in every failure message, so a failure reproduces). Half of the moments are drawn over
the whole run (0.05 s .. its full duration); the other half are drawn inside the database work:
after the process has opened the database (SQLite: its -wal file appears; PostgreSQL: its session
shows an open transaction in pg_stat_activity) and before the commit, as timed on the
uninterrupted run. At least one of those must have been rolled back, so the kills demonstrably
land inside the transaction, not only during interpreter start-up or YAML parsing.

"As it was" and "as finished" are compared exactly: the export (deterministic, byte for byte) of
the killed database must equal the export taken before the run or the export of an uninterrupted
run from the same starting point.
"""

from __future__ import annotations

import datetime as dt
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
from sqlalchemy import create_engine, inspect, text
from support import Cli, pg_schema_url

from tracker.db import dispose_engines, session_scope
from tracker.progress import EvidenceSpec, record_progress
from tracker.statuses import Status

pytestmark = pytest.mark.slow

BIG_ITEMS = 1500  # the declaration loaded by the killed `tracker load`
OLD_ITEMS = 400  # an earlier version of it, already loaded (with history) in one variant
BUNDLED = 23
EVENTS = 300
KILLS = 6
PG_KILLS = 5
SEED = 20260131
PG_APP = "tracker-crash-test"  # the killed command's sessions, as pg_stat_activity names them
TABLES = ("declarations", "pillars", "commitments", "status_events", "evidence")


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


# --- databases, processes, states ------------------------------------------------------------


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
    return text_out


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


def tracker_cmd(url: str, *args: str) -> list[str]:
    if url.startswith("postgresql"):
        url += f"{'&' if '?' in url else '?'}application_name={PG_APP}"
    return [sys.executable, "-m", "tracker", "--db", url, *args]


class WalProbe:
    """Watches a SQLite database's -wal file: it appears when the command connects, and grows
    when the transaction's pages are written (at the commit: the cache holds them till then)."""

    def __init__(self, db: Path) -> None:
        self.wal = Path(f"{db}-wal")
        self.size = -1

    def opened(self) -> bool:
        return self.wal.exists()

    def busy(self) -> bool:
        try:
            size = self.wal.stat().st_size
        except FileNotFoundError:
            return False
        grew, self.size = size > self.size, max(size, self.size)
        return grew


class ImportWalProbe(WalProbe):
    """Watches the -wal file of the temporary database that `tracker import` builds beside a new
    SQLite target (`.NAME.import-XXXX`) before moving it into place."""

    def __init__(self, db: Path) -> None:
        self.folder, self.prefix = db.parent, f".{db.name}.import-"
        self.size = -1

    def _wal(self) -> Path | None:
        found = list(self.folder.glob(f"{self.prefix}*-wal"))
        return found[0] if found else None

    def opened(self) -> bool:
        return self._wal() is not None

    def busy(self) -> bool:
        wal = self._wal()
        if wal is None:
            return False
        self.wal = wal
        return super().busy()


class PgProbe:
    """Watches pg_stat_activity for the command's session (by its application_name) inside a
    transaction."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        self.conn = self.engine.connect()

    def opened(self) -> bool:
        return bool(
            self.conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND xact_start IS NOT NULL AND application_name = :name"
                ),
                {"name": PG_APP},
            ).scalar_one()
        )

    busy = opened

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


Probe = WalProbe | PgProbe


@dataclass(frozen=True)
class Timing:
    duration: float  # start to exit, uninterrupted
    opened: float | None  # start to the command's connection/transaction being seen
    committed: float | None  # start to the last sign of the transaction (its commit)

    @property
    def window(self) -> float:
        """How long the database work lasts, from the open to the commit."""
        if self.opened is None:
            return 0.0
        return max((self.committed or self.duration) - self.opened, 0.05)


@dataclass(frozen=True)
class Outcome:
    seed: int
    mode: str
    delay: float
    killed: bool
    returncode: int
    stderr: str

    def __str__(self) -> str:
        how = "killed" if self.killed else f"finished (exit {self.returncode})"
        return f"seed {self.seed}, {self.mode} delay {self.delay:.3f}s: {how}"


def timed_run(cmd: list[str], probe: Probe) -> Timing:
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    opened = committed = None
    while proc.poll() is None:
        now = time.monotonic() - start
        if opened is None and probe.opened():
            opened = now
        if opened is not None and probe.busy():
            committed = now
        time.sleep(0.002)
    duration = time.monotonic() - start
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    return Timing(duration, opened, committed)


def kill_moment(iteration: int, timing: Timing) -> tuple[int, str, float]:
    """(seed, mode, delay): even iterations anywhere in the run (from its start), odd ones
    inside the database work (after the open, before the commit as timed uninterrupted)."""
    seed = SEED + iteration
    rng = random.Random(seed)
    if timing.opened is None or iteration % 2 == 0:
        return seed, "from start", rng.uniform(0.05, timing.duration)
    return seed, "after open", rng.uniform(0.0, timing.window)


def run_and_kill(cmd: list[str], iteration: int, timing: Timing, probe: Probe) -> Outcome:
    seed, mode, delay = kill_moment(iteration, timing)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if mode == "after open":
        deadline = time.monotonic() + 120
        while not probe.opened() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    if killed and proc.returncode == 0:
        # The command finished between the poll and the signal (it ends the moment its work is
        # committed): a run that was not killed, checked as one.
        killed = False
    outcome = Outcome(seed, mode, delay, killed, proc.returncode, err)
    if killed:
        assert proc.returncode == -signal.SIGKILL, outcome
    else:
        assert proc.returncode == 0, (str(outcome), err)
    return outcome


def check_spread(outcomes: list[tuple[Outcome, str]], untouched: tuple[str, ...]) -> None:
    """Some kill really landed inside the transaction and was rolled back."""
    summary = "\n".join(f"{o}: {state}" for o, state in outcomes)
    print(summary)
    assert any(o.killed for o, _ in outcomes), summary
    assert any(o.killed and o.mode == "after open" and s in untouched for o, s in outcomes), summary


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

    # One uninterrupted run: its timing, and the state a finished load leaves.
    reference = tmp_path / "reference.db"
    url = copy_db(base, reference)
    timing = timed_run(tracker_cmd(url, "load", str(inputs.new_fixture)), WalProbe(reference))
    after = export_of(url)
    after_counts = table_counts(url)
    assert after_counts is not None and after_counts["commitments"] == after_items
    assert after_counts["status_events"] == before_counts["status_events"]
    if start == "history":
        assert after == inputs.full_export.read_text(encoding="utf-8")

    outcomes = []
    for i in range(KILLS):
        target = tmp_path / f"killed-{i}.db"
        url = copy_db(base, target)
        load = tracker_cmd(url, "load", str(inputs.new_fixture))
        outcome = run_and_kill(load, i, timing, WalProbe(target))
        counts = table_counts(url)
        state = export_of(url)
        assert state in (before, after), f"{outcome}: half-loaded database, counts {counts}"
        assert counts is not None
        assert counts["commitments"] == (before_items if state == before else after_items)
        verify_ok(url, counts["commitments"])
        outcomes.append((outcome, "untouched" if state == before else "complete"))
    check_spread(outcomes, untouched=("untouched",))

    # A killed load can simply be run again.
    for i, (_, state) in enumerate(outcomes):
        if state == "untouched":
            url = sqlite_url(tmp_path / f"killed-{i}.db")
            Cli(url).ok("load", str(inputs.new_fixture))
            assert export_of(url) == after
            break


# --- tracker import --------------------------------------------------------------------------


def no_data(url: str, path: Path | None, outcome: Outcome) -> str:
    """The import target holds nothing: no file, or no tables, or only empty ones."""
    if path is not None and not path.exists():
        return "no file"
    counts = table_counts(url)
    if counts is None:
        return "no tables"
    assert not any(counts.values()), f"{outcome}: partial import, counts {counts}"
    return "empty tables"


def check_import(url: str, path: Path | None, outcome: Outcome, source: Path) -> str:
    """After a killed import: nothing, or everything exactly; either way usable afterwards."""
    expected = source.read_text(encoding="utf-8")
    counts = None if path is not None and not path.exists() else table_counts(url)
    if counts is not None and any(counts.values()):
        assert export_of(url) == expected, f"{outcome}: imported data differs, counts {counts}"
        verify_ok(url, BUNDLED + BIG_ITEMS)
        return "complete"
    state = no_data(url, path, outcome)
    # Whatever the kill left behind does not stand in the way of a new attempt.
    retry = Cli(url)("import", str(source))
    dispose_engines()
    assert retry.exit_code == 0, (str(outcome), state, retry.stderr)
    assert export_of(url) == expected
    return state


def test_killed_import_leaves_nothing_or_everything(inputs: Inputs, tmp_path: Path) -> None:
    """Kill `tracker import` of a large export into a new SQLite file."""
    source = inputs.full_export
    expected = source.read_text(encoding="utf-8")
    reference = tmp_path / "reference.db"
    url = sqlite_url(reference)
    timing = timed_run(tracker_cmd(url, "import", str(source)), ImportWalProbe(reference))
    assert export_of(url) == expected

    outcomes = []
    for i in range(KILLS):
        target = tmp_path / f"killed-{i}.db"
        url = sqlite_url(target)
        probe = ImportWalProbe(target)
        outcome = run_and_kill(tracker_cmd(url, "import", str(source)), i, timing, probe)
        outcomes.append((outcome, check_import(url, target, outcome, source)))
    # The import builds a temporary file and moves it into place at the end: a killed one
    # leaves no file at all where the database was to be (not an empty one that `init` would
    # then have to be run on).
    check_spread(outcomes, untouched=("no file",))
    assert all(state in ("no file", "complete") for _, state in outcomes), outcomes

    fresh = tmp_path / "fresh" / "after.db"
    Cli(sqlite_url(fresh)).ok("import", str(source))
    assert export_of(sqlite_url(fresh)) == expected
    verify_ok(sqlite_url(fresh), BUNDLED + BIG_ITEMS)


# --- the same on PostgreSQL ------------------------------------------------------------------


@pytest.fixture
def pg_schemas(pg_database: str) -> Iterator[Callable[[], str]]:
    """Hands out fresh PostgreSQL schemas (URLs) in the session's database; drops them after."""
    made = []

    def new() -> str:
        gen = pg_schema_url(pg_database)
        made.append(gen)
        return next(gen)

    yield new
    for gen in made:
        gen.close()


@pytest.fixture
def pg_probe(pg_database: str) -> Iterator[PgProbe]:
    probe = PgProbe(pg_database)
    yield probe
    probe.close()


@pytest.mark.postgres
def test_killed_load_is_all_or_nothing_on_postgres(
    inputs: Inputs, pg_schemas: Callable[[], str], pg_probe: PgProbe
) -> None:
    """The history variant of the load test, on PostgreSQL schemas restored from its export."""
    before = inputs.history_export.read_text(encoding="utf-8")
    after = inputs.full_export.read_text(encoding="utf-8")

    def fresh() -> str:
        url = pg_schemas()
        Cli(url).ok("import", str(inputs.history_export))
        dispose_engines()
        return url

    url = fresh()
    assert export_of(url) == before
    timing = timed_run(tracker_cmd(url, "load", str(inputs.new_fixture)), pg_probe)
    # Byte-identical to the same history on SQLite: ids, order and encoding all agree.
    assert export_of(url) == after

    outcomes = []
    for i in range(PG_KILLS):
        url = fresh()
        outcome = run_and_kill(
            tracker_cmd(url, "load", str(inputs.new_fixture)), i, timing, pg_probe
        )
        state = export_of(url)
        assert state in (before, after), f"{outcome}: half-loaded database"
        counts = table_counts(url)
        assert counts is not None
        verify_ok(url, counts["commitments"])
        outcomes.append((outcome, "untouched" if state == before else "complete"))
    check_spread(outcomes, untouched=("untouched",))


@pytest.mark.postgres
def test_killed_import_leaves_nothing_or_everything_on_postgres(
    inputs: Inputs, pg_schemas: Callable[[], str], pg_probe: PgProbe
) -> None:
    """Kill `tracker import` of the large export into a new PostgreSQL schema."""
    source = inputs.full_export
    url = pg_schemas()
    timing = timed_run(tracker_cmd(url, "import", str(source)), pg_probe)
    assert export_of(url) == source.read_text(encoding="utf-8")

    outcomes = []
    for i in range(PG_KILLS):
        url = pg_schemas()
        outcome = run_and_kill(tracker_cmd(url, "import", str(source)), i, timing, pg_probe)
        outcomes.append((outcome, check_import(url, None, outcome, source)))
    check_spread(outcomes, untouched=("no tables", "empty tables"))

    url = pg_schemas()
    Cli(url).ok("import", str(source))
    assert export_of(url) == source.read_text(encoding="utf-8")
