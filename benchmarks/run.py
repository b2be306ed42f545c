"""Benchmark: whole `tracker` processes at 100,000 commitments, beside Taskwarrior and PostgreSQL.

    python benchmarks/run.py                  # build the data (once, cached), time every case
    python benchmarks/run.py --json           # the same table as data
    python benchmarks/run.py --only report    # time some cases only (while iterating)

It builds a synthetic SQLite tracker through the project's own bulk paths (`tracker load` of
generated declaration fixtures, then `benchmarks/bulk.py`; the shape of its history is
described below, at HISTORY_DAYS), times each case as a whole CLI process (median of --runs
after a warm-up), and divides by the floor measured beside it: `python -c "import typer,
sqlalchemy.orm"`. Peak memory is the child's own max RSS (GNU time). With Taskwarrior (`task`)
on the PATH it times the equivalent Taskwarrior commands on a Taskwarrior database holding the
same items and history; with a PostgreSQL server at TRACKER_TEST_POSTGRES_URL (default: the
local one) it copies the tracker there once (`tracker export`, `tracker import`, into database
tracker_bench) and times every 100k case on it too. It installs nothing: Taskwarrior is the
`taskwarrior` apt package, GNU time the `time` package. Not collected by pytest (the folder is
outside `testpaths`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = [sys.executable, "-c", "import typer, sqlalchemy.orm"]
STATUSES = ["in_progress", "stalled", "partially_achieved", "achieved", "in_progress"]


def tracker_cmd() -> list[str]:
    script = Path(sys.executable).with_name("tracker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tracker"]


@dataclass
class Case:
    """A command timed as a whole process. `target`: its ratio to the floor at most this
    (a float), "taskwarrior" (faster than the Taskwarrior equivalent in the same run), or
    "1.5x OTHER" (at most 1.5 times case OTHER's seconds). `big` cases read the 100k tracker
    and are run on PostgreSQL too: their argv follows `--db URL`."""

    name: str
    argv: list[str]
    target: float | str | None
    env: dict[str, str] | None = None
    setup: object = None  # a callable run before each timed run (not timed)
    taskwarrior: list[str] | None = None
    big: bool = False


def run_once(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one process.

    The peak comes from GNU time when it is there: a child forked from this (large) process
    would otherwise report our own memory as its peak.
    """
    full_env = {**os.environ, **(env or {})}
    gnu_time = Path("/usr/bin/time")
    peak_file = None
    if gnu_time.exists():
        peak_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-peak-{os.getpid()}"
        argv = [str(gnu_time), "-q", "-f", "%M", "-o", str(peak_file), *argv]
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n"
            + proc.stderr.decode(errors="replace")
        )
    peak = float(peak_file.read_text().split()[-1]) / 1024 if peak_file else float("nan")
    return elapsed, peak


def measure(case: Case, runs: int, floor: list[float] | None = None) -> tuple[float, float]:
    """Median seconds and peak MB of `runs` runs after a warm-up.

    With `floor`, a run of the floor precedes each run of the case and its time is appended
    there: the machines are noisy over minutes, and a ratio to a floor measured beside each case
    moves far less than one to a floor measured once at the start.
    """
    if callable(case.setup):
        case.setup()
    run_once(case.argv, case.env)  # warm-up: page cache
    times, peaks = [], []
    for _ in range(runs):
        if floor is not None:
            floor.append(run_once(FLOOR)[0])
        if callable(case.setup):
            case.setup()
        seconds, peak = run_once(case.argv, case.env)
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def compile_bytecode() -> None:
    """Write the package's .pyc files, as `pip install` does for an installed wheel.

    An editable install run with PYTHONDONTWRITEBYTECODE set (as on these machines) would
    otherwise compile every module of ours from source on every call, which no user of an
    installed tracker pays.
    """
    import compileall

    import tracker

    compileall.compile_dir(Path(tracker.__file__).parent, quiet=1)


# --- building the data ----------------------------------------------------------------------


# --- the shape of the synthetic history ----------------------------------------------------
#
# A tracker in use for about four years: each declaration's history runs from its date to four
# years later (HISTORY_DAYS), the last one ending on the day the data is built, and the ten
# declarations are dated a fortnight apart. Each item gets --events-per status changes. Most
# (1 - MEETING_SHARE) fall on a day drawn uniformly from the declaration's four years; the rest
# bunch in the run-up to its meetings (a summit every MEETING_EVERY days, each a milestone that
# some items target): a triangular spread from MEETING_BEFORE days before the meeting to
# MEETING_AFTER days after, peaking on the day. So busy months (about 3.5 % of all events in the
# densest 30 days) and quiet ones (about 1.2 %) alternate, and no 30-day window holds more than
# MAX_WINDOW_SHARE of the events; `densest_window` measures it on the built data.

HISTORY_DAYS = 4 * 365
MEETING_EVERY = 182
MEETING_SHARE = 0.4
MEETING_BEFORE, MEETING_AFTER = 40, 15
DECLARATION_STAGGER = 7
MAX_WINDOW_SHARE = 0.05


def declaration_date(d: int, declarations: int, end: dt.date) -> dt.date:
    """The date of synthetic declaration d (0-based): the last one's history ends on `end`."""
    return end - dt.timedelta(days=HISTORY_DAYS + (declarations - 1 - d) * DECLARATION_STAGGER)


# A scored item needs its scoring guidelines (fixtures/README.md); the benchmark's are generic.
GUIDELINES = {"-1": "Nothing done.", "0": "Under way.", "+1": "Done."}


def meetings(start: dt.date) -> list[dt.date]:
    return [
        start + dt.timedelta(days=k * MEETING_EVERY)
        for k in range(1, HISTORY_DAYS // MEETING_EVERY + 1)
    ]


def event_days(rng: random.Random, start: dt.date, n: int) -> list[dt.date]:
    """n dates for one item's history, in order, shaped as described above."""
    summits = meetings(start)
    end = start + dt.timedelta(days=HISTORY_DAYS)
    days = []
    for _ in range(n):
        if rng.random() < MEETING_SHARE:
            offset = round(rng.triangular(-MEETING_BEFORE, MEETING_AFTER, 0))
            day = rng.choice(summits) + dt.timedelta(days=offset)
        else:
            day = start + dt.timedelta(days=rng.randrange(1, HISTORY_DAYS + 1))
        days.append(min(max(day, start + dt.timedelta(days=1)), end))
    return sorted(days)


def write_fixture(
    folder: Path,
    slug: str,
    prefix: str,
    items: int,
    pillars: int,
    date: dt.date = dt.date(2026, 1, 31),
) -> Path:
    """A declaration fixture with `items` commitments spread over `pillars` pillars; its
    meetings are milestones, and every fifth item targets one of them."""
    import yaml

    quotes = [f"Pledge {prefix} number {n} on topic {n % 97}." for n in range(1, items + 1)]
    (folder / f"{slug}.txt").write_text(" ".join(quotes), encoding="utf-8")
    per = -(-items // pillars)
    summits = meetings(date)
    spec = {
        "schema": 1,
        "declaration": {
            "slug": slug,
            "title": f"Synthetic declaration {slug}",
            "date": date,
            "place": "Benchmark",
            "parties": ["Japan", "UK"],
            "source": "generated",
            "source_file": f"{slug}.txt",
            # The loader refuses values the text does not give unless they are marked.
            "inferred": {"date": "generated", "place": "generated", "parties": "generated"},
        },
        "milestones": {
            f"summit-{k + 1}": {"title": f"Summit {k + 1}", "date": day}
            for k, day in enumerate(summits)
        },
        "pillars": [
            {
                "slug": f"pillar-{p + 1}",
                "title": f"Pillar {p + 1}",
                "commitments": [
                    {
                        "code": f"{prefix}{p + 1}-{n + 1:05d}",
                        "title": f"Commitment {n + 1} of pillar {p + 1}",
                        "description": "Synthetic.",
                        "quote": quotes[n],
                        "kind": ["commitment", "ongoing", "outlook"][n % 3],
                        "parties": ["Japan", "UK"],
                        "owners": ["MOD"] if n % 2 else ["MOFA"],
                        **({"target": f"summit-{n // 5 % len(summits) + 1}"} if n % 5 == 0 else {}),
                        "basis": "generated",
                        "inferred": {"parties": "generated", "owners": "generated"}
                        | ({"target": "generated"} if n % 5 == 0 else {}),
                        **({"guidelines": GUIDELINES} if n % 3 == 0 else {}),
                    }
                    for n in range(p * per, min(items, (p + 1) * per))
                ],
            }
            for p in range(pillars)
            if p * per < items
        ],
    }
    path = folder / f"{slug}.yaml"
    # libyaml's emitter when PyYAML has it: the pure-Python one took a third of the build.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(spec, Dumper=dumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def histories(
    codes: list[str], per: int, seed: int, start: dt.date
) -> Iterator[tuple[str, list[object]]]:
    from bulk import NewEvent

    from tracker.statuses import DEFAULT_STATUS, Status, needs_reason

    rng = random.Random(seed)
    for code in codes:
        events = []
        days = event_days(rng, start, per)
        # Recorded during the working day of its effective date, in the order of the history
        # (the days are in order, so sorting the times keeps each in its day).
        recorded = sorted(
            dt.datetime.combine(day, dt.time(8), dt.UTC)
            + dt.timedelta(seconds=rng.randrange(10 * 3600))
            for day in days
        )
        before = DEFAULT_STATUS
        for n, day in enumerate(days):
            status = Status(STATUSES[(n + rng.randrange(3)) % len(STATUSES)])
            events.append(
                NewEvent(
                    to_status=status,
                    effective_on=day,
                    note=f"update {n}",
                    actor="bench",
                    recorded_at=recorded[n],
                    # Leaving a settled status re-opens an assessment: it says why.
                    reason=f"reassessed after update {n - 1}"
                    if needs_reason(before, status)
                    else None,
                )
            )
            before = status
        yield code, events


def upgrade(url: str) -> None:
    """Bring cached data to the code's schema revision (nothing when it is there already): a
    migration added since the data was built keeps it, as it keeps a user's."""
    subprocess.run(
        [*tracker_cmd(), "--db", url, "db", "upgrade"], check=True, stdout=subprocess.DEVNULL
    )


def build(folder: Path, commitments: int, per: int, declarations: int) -> tuple[Path, dt.date]:
    """The SQLite tracker, built once per shape and cached in `folder` (the marker names the
    day its history ends: the day it was built)."""
    from bulk import append_events
    from rich.progress import Progress
    from sqlalchemy import select

    from tracker.db import run_in_transaction
    from tracker.models import Commitment as C

    db = folder / "big.db"
    markers = sorted(folder.glob(f"built-v4-{commitments}-{per}-{declarations}-*"))
    if markers and db.exists():
        upgrade(f"sqlite:///{db}")
        return db, dt.date.fromisoformat(markers[-1].name[-10:])
    for stale in [*folder.glob("big.db*"), *folder.glob("built-*")]:
        stale.unlink()
    end = dt.date.today()
    url = f"sqlite:///{db}"
    tracker = tracker_cmd()
    subprocess.run([*tracker, "--db", url, "init"], check=True, stdout=subprocess.DEVNULL)
    fixtures = folder / "fixtures"
    fixtures.mkdir(exist_ok=True)
    starts = [declaration_date(d, declarations, end) for d in range(declarations)]
    with Progress() as bar:
        task = bar.add_task("load declarations", total=declarations)
        for d in range(declarations):
            letter = chr(ord("A") + d)
            path = write_fixture(
                fixtures, f"bench-{d + 1}", f"B{letter}", commitments // declarations, 8, starts[d]
            )
            subprocess.run(
                [*tracker, "--db", url, "load", str(path)], check=True, stdout=subprocess.DEVNULL
            )
            bar.advance(task)
        task = bar.add_task("append events", total=commitments * per)
        for d in range(declarations):
            prefix = f"B{chr(ord('A') + d)}%"
            codes = run_in_transaction(
                url,
                lambda s, prefix=prefix: list(
                    s.scalars(select(C.code).where(C.code.like(prefix)).order_by(C.id))
                ),
                write=False,
            )
            chunk = 5000
            for start in range(0, len(codes), chunk):
                part = codes[start : start + chunk]
                run_in_transaction(
                    url,
                    lambda s, part=part, seed=d * 1_000_000 + start, day=starts[d]: append_events(
                        s, histories(part, per, seed, day)
                    ),
                )
                bar.advance(task, len(part) * per)
    (folder / f"built-v4-{commitments}-{per}-{declarations}-{end.isoformat()}").touch()
    return db, end


def densest_window(url: str, days: int = 30) -> tuple[dt.date, int, int]:
    """The 30-day window holding the most events: (its first day, its events, all events)."""
    from sqlalchemy import func, select

    from tracker.db import run_in_transaction
    from tracker.models import events_table as E

    per_day = dict(
        run_in_transaction(
            url,
            lambda s: list(
                s.execute(select(E.c.effective_on, func.count()).group_by(E.c.effective_on))
            ),
            write=False,
        )
    )
    total = sum(per_day.values())
    first, last = min(per_day), max(per_day)
    best, best_start, running = 0, first, 0
    day = first
    while day <= last:
        running += per_day.get(day, 0)
        leaving = day - dt.timedelta(days=days)
        running -= per_day.get(leaving, 0)
        if running > best:
            best, best_start = running, day - dt.timedelta(days=days - 1)
        day += dt.timedelta(days=1)
    return best_start, best, total


# --- taskwarrior ----------------------------------------------------------------------------


def taskwarrior_data(
    folder: Path, tasks: int, per: int, declarations: int, end: dt.date
) -> Path | None:
    """A Taskwarrior data folder holding what the tracker holds, in Taskwarrior's file format.

    Each tracker item is a task (project: its pillar) with its history as annotations, one per
    status change and shaped like the tracker's (event_days, the same declaration dates); a task
    whose last change achieved it is completed, the rest pending, as `task N annotate` and
    `task N done` would leave them. (Taskwarrior's undo log, which export and summary never
    read, is left empty.)
    """
    if shutil.which("task") is None:
        return None
    data = folder / f"task-v2-{tasks}-{per}-{end.isoformat()}"
    rc = folder / f"taskrc-v2-{tasks}"
    if not (data / "pending.data").exists():
        data.mkdir(parents=True, exist_ok=True)
        rng = random.Random(tasks)
        per_declaration = -(-tasks // declarations)
        with (
            (data / "pending.data").open("w", encoding="utf-8") as pending,
            (data / "completed.data").open("w", encoding="utf-8") as completed,
        ):
            for n in range(tasks):
                start = declaration_date(n // per_declaration, declarations, end)
                entry = int(dt.datetime.combine(start, dt.time(9), dt.UTC).timestamp())
                stamps, last = [], entry
                for day in event_days(rng, start, per):
                    moment = dt.datetime.combine(day, dt.time(8), dt.UTC).timestamp()
                    last = max(last + 1, int(moment) + rng.randrange(10 * 3600))
                    stamps.append(last)
                notes = " ".join(f'annotation_{t}:"update {k}"' for k, t in enumerate(stamps))
                done = rng.randrange(len(STATUSES)) == STATUSES.index("achieved")
                fields = (
                    f'{notes} description:"Commitment {n + 1} of pillar {n % 8 + 1}" '
                    f'entry:"{entry}" modified:"{last}" project:"pillar{n % 8 + 1}" '
                    + (f'end:"{last}" status:"completed" ' if done else 'status:"pending" ')
                    + f'uuid:"{uuid.UUID(int=n + 1)}"'
                )
                (completed if done else pending).write(f"[{fields}]\n")
        for name in ("undo.data", "backlog.data"):
            (data / name).touch()
    rc.write_text(
        f"data.location={data}\nverbose=nothing\nconfirmation=off\nhooks=off\n"
        "gc=off\nrecurrence=off\ndetection=off\ncolor=off\n",
        encoding="utf-8",
    )
    return rc


def postgres_copy(work: Path, big: Path, end: dt.date) -> str | None:
    """The same tracker on PostgreSQL (TRACKER_TEST_POSTGRES_URL's server, database
    tracker_bench), built once through `tracker export` and `tracker import`; None when no
    server answers."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(os.environ.get("TRACKER_TEST_POSTGRES_URL") or DEFAULT_PG)
    url = admin_url.set(database="tracker_bench").render_as_string(hide_password=False)
    marker = work / f"pg-built-v4-{end.isoformat()}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'tracker_bench'"))
            if exists and marker.exists():
                upgrade(url)
                return url
            print("building the PostgreSQL copy (export, import)", file=sys.stderr)
            conn.execute(text("DROP DATABASE IF EXISTS tracker_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE tracker_bench"))
    except Exception as exc:  # no server, no driver: the column stays empty
        print(f"no PostgreSQL column: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    finally:
        if "admin" in locals():
            admin.dispose()
    tracker = tracker_cmd()
    dump = work / "export.json"
    subprocess.run(
        [*tracker, "--db", f"sqlite:///{big}", "export", "--output", str(dump)], check=True
    )
    subprocess.run(
        [*tracker, "--db", url, "import", str(dump)], check=True, stdout=subprocess.DEVNULL
    )
    dump.unlink()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # What autovacuum does soon after a bulk load; the planner needs the statistics.
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    for stale in work.glob("pg-built-*"):
        stale.unlink()
    marker.touch()
    return url


DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Row:
    """One case measured: tracker on SQLite, and where they apply Taskwarrior and PostgreSQL."""

    case: Case
    seconds: float = 0.0
    floor: float = 0.0
    peak: float = 0.0
    taskwarrior: float | None = None  # seconds of the Taskwarrior equivalent
    taskwarrior_floor: float | None = None
    postgres: float | None = None
    postgres_peak: float | None = None

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor

    def verdicts(self, rows: dict[str, Row]) -> list[str]:
        """Every target this case misses (empty: it passes)."""
        missed = []
        target = self.case.target
        if isinstance(target, float) and self.ratio > target:
            missed.append(f"ratio {self.ratio:.2f} > {target}")
        if target == "taskwarrior" and (
            self.taskwarrior is None or self.seconds >= self.taskwarrior
        ):
            missed.append("not ahead of Taskwarrior")
        if isinstance(target, str) and target.startswith("1.5x "):
            base = rows[target[5:]].seconds
            if self.seconds > 1.5 * base:
                missed.append(f"{self.seconds / base:.2f}x {target[5:]}")
        if self.peak >= 300 or (self.postgres_peak or 0) >= 300:
            missed.append("peak memory >= 300 MB")
        if self.postgres is not None and self.postgres > 1.5 * self.seconds:
            missed.append(f"PostgreSQL {self.postgres / self.seconds:.2f}x SQLite")
        return missed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commitments", type=int, default=100_000)
    parser.add_argument("--events-per", type=int, default=10)
    parser.add_argument("--declarations", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--only", action="append", default=[], help="time only cases whose name contains this"
    )
    parser.add_argument("--build-only", action="store_true", help="build the data, time nothing")
    args = parser.parse_args()

    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    tracker = tracker_cmd()
    big, end = build(work, args.commitments, args.events_per, args.declarations)
    big_url = f"sqlite:///{big}"
    window_start, window_events, total_events = densest_window(big_url)
    window_share = window_events / total_events
    print(
        f"history: {total_events:,} events; densest 30 days from {window_start}: "
        f"{window_events:,} ({window_share:.1%})",
        file=sys.stderr,
    )
    assert window_share <= MAX_WINDOW_SHARE, "the synthetic history bunches more than intended"
    if args.build_only:
        return

    # `init` creates, or upgrades and resyncs, so a cached copy made by an older tracker works.
    small = work / "small.db"
    subprocess.run(
        [*tracker, "--db", f"sqlite:///{small}", "init"], check=True, stdout=subprocess.DEVNULL
    )
    template = work / "empty-template.db"
    subprocess.run(
        [*tracker, "--db", f"sqlite:///{template}", "init"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    load_fixture = write_fixture(work, "load-10k", "LD", 10_000, 8)
    load_db = work / "load.db"

    def fresh_load_db() -> None:
        for stale in work.glob("load.db*"):
            stale.unlink()
        shutil.copy(template, load_db)

    code = "BA1-00001"
    # As of the end of the densest month: its changes are the report's longest list.
    as_of = (window_start + dt.timedelta(days=29)).isoformat()
    small_rc = taskwarrior_data(work, 100, 0, 1, end)
    big_rc = taskwarrior_data(work, args.commitments, args.events_per, args.declarations, end)
    task_small = ["task", f"rc:{small_rc}"] if small_rc else None
    task_big = ["task", f"rc:{big_rc}"] if big_rc else None

    def tw(base: list[str] | None, *words: str) -> list[str] | None:
        return [*base, *words] if base else None

    cases = [
        Case("tracker --help", [*tracker, "--help"], 0.5),
        Case(
            "shell completion (status values)",
            tracker,
            0.5,
            env={
                "_TRACKER_COMPLETE": "complete_bash",
                "COMP_WORDS": "tracker progress X --status ",
                "COMP_CWORD": "4",
            },
        ),
        Case(
            "list (bundled declaration)",
            [*tracker, "--db", f"sqlite:///{small}", "list"],
            1.2,
            taskwarrior=tw(task_small, "list"),
        ),
        Case(
            "list --pillar P --limit 20",
            # A pillar slug belongs to its declaration: the ten share theirs.
            ["list", "--declaration", "bench-3", "--pillar", "pillar-3", "--limit", "20"],
            1.3,
            taskwarrior=tw(task_big, "project:pillar3", "limit:20", "list"),
            big=True,
        ),
        Case(
            "show CODE",
            ["show", code],
            1.3,
            taskwarrior=tw(task_big, "1", "information"),
            big=True,
        ),
        Case(
            "progress CODE --status S -m …",
            ["progress", code, "--status", "in_progress", "-m", "benchmark note"],
            1.3,
            taskwarrior=tw(task_big, "1", "annotate", "benchmark note"),
            big=True,
        ),
        Case(
            "report --format json",
            ["report", "--format", "json"],
            "taskwarrior",
            taskwarrior=tw(task_big, "export"),
            big=True,
        ),
        Case(
            "report --format json --as-of DATE",
            ["report", "--format", "json", "--as-of", as_of],
            "1.5x report --format json",
            big=True,
        ),
        Case(
            "report (terminal)",
            ["report", "--format", "terminal"],
            "taskwarrior",
            taskwarrior=tw(task_big, "summary"),
            big=True,
        ),
        Case("report --format md", ["report", "--format", "md"], None, big=True),
        Case("report --format html", ["report", "--format", "html"], None, big=True),
        Case("report --format csv", ["report", "--format", "csv"], None, big=True),
        Case(
            "list --all --format csv",
            ["list", "--all", "--format", "csv"],
            4.0,
            taskwarrior=tw(task_big, "export"),
            big=True,
        ),
        Case(
            "load of a 10,000-item fixture",
            [*tracker, "--db", f"sqlite:///{load_db}", "load", str(load_fixture)],
            8.0,
            setup=fresh_load_db,
        ),
    ]
    if args.only:
        cases = [c for c in cases if any(word in c.name for word in args.only)]
    pg_url = postgres_copy(work, big, end) if any(c.big for c in cases) else None

    compile_bytecode()
    floors: list[float] = []
    _, floor_peak = measure(Case("floor", FLOOR, None), args.runs)
    rows: dict[str, Row] = {}
    for case in cases:
        argv = [*tracker, "--db", big_url, *case.argv] if case.big else case.argv
        beside: list[float] = []
        seconds, peak = measure(
            Case(case.name, argv, None, case.env, case.setup), args.runs, beside
        )
        floors += beside
        row = Row(case, seconds, statistics.median(beside), peak)
        if case.taskwarrior:
            beside = []
            row.taskwarrior, _ = measure(Case(case.name, case.taskwarrior, None), args.runs, beside)
            row.taskwarrior_floor = statistics.median(beside)
            floors += beside
        if case.big and pg_url:
            pg_argv = [*tracker, "--db", pg_url, *case.argv]
            row.postgres, row.postgres_peak = measure(Case(case.name, pg_argv, None), args.runs)
        rows[case.name] = row

    floor = statistics.median(floors)
    table = [
        {
            "case": r.case.name,
            "seconds": round(r.seconds, 4),
            "floor_seconds": round(r.floor, 4),
            "ratio": round(r.ratio, 2),
            "target": r.case.target,
            "peak_mb": round(r.peak, 1),
            "taskwarrior_seconds": None if r.taskwarrior is None else round(r.taskwarrior, 4),
            "taskwarrior_ratio": None
            if r.taskwarrior is None or r.taskwarrior_floor is None
            else round(r.taskwarrior / r.taskwarrior_floor, 2),
            "postgres_seconds": None if r.postgres is None else round(r.postgres, 4),
            "postgres_peak_mb": None if r.postgres_peak is None else round(r.postgres_peak, 1),
            "missed": r.verdicts(rows),
        }
        for r in rows.values()
    ]
    result = {
        "floor_seconds": round(floor, 4),
        "floor_peak_mb": round(floor_peak, 1),
        "commitments": args.commitments,
        "events": total_events,
        "densest_30_days": {"from": window_start.isoformat(), "events": window_events},
        "as_of": as_of,
        "runs": args.runs,
        "postgres": pg_url is not None,
        "cases": table,
        "all_pass": all(not r["missed"] for r in table),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    sys.exit(0 if result["all_pass"] else 1)


def _target_text(target: object) -> str:
    if isinstance(target, float):
        return f"≤ {target}"
    if target == "taskwarrior":
        return "< Taskwarrior"
    if isinstance(target, str):
        return "≤ 1.5× plain"
    return ""


def print_table(result: dict[str, object]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"tracker at {result['commitments']:,} commitments / {result['events']:,} events "
        f"(floor {result['floor_seconds']:.3f} s, median of {result['runs']})"
    )
    columns = ["case", "s", "ratio", "target", "peak MB", "Taskwarrior s (ratio)"]
    columns += ["PostgreSQL s (× SQLite)", "PG peak MB", "pass"]
    for column in columns:
        table.add_column(column, justify="left" if column == "case" else "right")
    cases = result["cases"]
    assert isinstance(cases, list)
    for r in cases:
        tw = r["taskwarrior_seconds"]
        pg = r["postgres_seconds"]
        table.add_row(
            r["case"],
            f"{r['seconds']:.2f}",
            f"{r['ratio']:.2f}",
            _target_text(r["target"]),
            f"{r['peak_mb']:.0f}",
            "" if tw is None else f"{tw:.2f} ({r['taskwarrior_ratio']:.2f})",
            "" if pg is None else f"{pg:.2f} ({pg / r['seconds']:.2f})",
            "" if r["postgres_peak_mb"] is None else f"{r['postgres_peak_mb']:.0f}",
            "pass" if not r["missed"] else "FAIL: " + "; ".join(r["missed"]),
        )
    Console(width=max(160, shutil.get_terminal_size().columns)).print(table)


if __name__ == "__main__":
    main()
