"""The CLI raises the cyclic garbage collector's threshold (tracker.cli.main): a collection
every 100,000 allocations rather than 700, worth it while a command's objects hold no reference
cycles, so that the collector has next to nothing to find. The cyclic garbage a command makes,
counted over every collection of the run and a last one at the end, must not grow with the
data: a change that made a cycle per row (an ORM object graph, a closure over itself) would
make it grow with the rows here, and fails these tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from generated import write_fixture

PROBE = """
import gc, json, os, sys
import tracker.cli

collected = []

def count(phase, info):
    if phase == "stop":
        collected.append(info["collected"])

gc.callbacks.append(count)

def leave(code):
    # What the cyclic collector found during the command, and what is left for it at the end
    # (the last collection is counted by the callback too).
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    gc.collect()
    probe = {"enabled": enabled, "threshold": threshold, "garbage": sum(collected), "code": code}
    print(json.dumps(probe), file=sys.__stderr__)
    sys.stdout.flush()
    os._exit(code)

tracker.cli.leave = leave
sys.argv = ["tracker", *json.loads(os.environ["PROBE_ARGS"])]
tracker.cli.main()
"""


def _garbage(url: str, *args: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={**os.environ, "PROBE_ARGS": json.dumps(["--db", url, *args])},
    )
    probe = json.loads(result.stderr.strip().splitlines()[-1])
    assert probe["code"] == 0, result.stderr
    assert probe["enabled"] is True
    assert probe["threshold"] == [100_000, 50, 100]
    return int(probe["garbage"])


def _tracker(tmp_path: Path, items: int) -> str:
    """A SQLite tracker holding a generated declaration of `items` items, 3 events each."""
    import bulk
    from sqlalchemy import select

    from tracker.db import run_in_transaction
    from tracker.models import Commitment
    from tracker.statuses import Status

    folder = tmp_path / f"n{items}"
    url = f"sqlite:///{folder / 'tracker.db'}"
    fixture = write_fixture(folder / "fixtures", items, 1)
    _garbage(url, "init", "--fixture", str(fixture))
    recorded = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

    def seed(s):  # type: ignore[no-untyped-def]
        codes = list(s.scalars(select(Commitment.code)))
        return bulk.append_events(
            s,
            (
                (
                    code,
                    [
                        bulk.NewEvent(status, dt.date(2026, 3, 1 + n), f"n{n}", "t", recorded)
                        for n, status in enumerate(
                            (Status.IN_PROGRESS, Status.STALLED, Status.ACHIEVED)
                        )
                    ],
                )
                for code in codes
            ),
        )

    run_in_transaction(url, seed)
    return url


@pytest.fixture(scope="module")
def trackers(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A small and a large tracker, shared: the commands measured here only read."""
    folder = tmp_path_factory.mktemp("gc")
    return _tracker(folder, 20), _tracker(folder, 1000)


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--format", "json", "--since", "2026-01-01"),
        ("report", "--format", "md", "--as-of", "2026-03-02"),
        ("list", "--all", "--format", "csv"),
        ("verify",),
        ("log", "--format", "json"),
        ("log",),
    ],
    ids=["report-json", "report-md-as-of", "list-csv", "verify", "log-json", "log-text"],
)
def test_garbage_does_not_grow_with_the_data(
    trackers: tuple[str, str], args: tuple[str, ...]
) -> None:
    small, large = trackers
    # A cycle per item or per event would leave thousands more here; imports and compiled
    # statements leave the same few hundred whatever the size.
    assert _garbage(large, *args) - _garbage(small, *args) < 300


def test_load_garbage_does_not_grow_with_the_fixture(tmp_path: Path) -> None:
    counts = []
    for items in (20, 1000):
        folder = tmp_path / f"load{items}"
        url = f"sqlite:///{folder / 'tracker.db'}"
        fixture = write_fixture(folder / "fixtures", items, 1)
        _garbage(url, "init")  # the bundled declaration; the generated one is new to it
        counts.append(_garbage(url, "load", str(fixture)))
    assert counts[1] - counts[0] < 300
