"""What tests share beyond fixtures (tests/conftest.py): the in-process CLI, a history
builder, direct SQL past the guards, copies of databases and scratch PostgreSQL schemas.

Imported by name (`from support import Cli, record`): public helpers, so no test reaches into
conftest's private ones.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from typer.testing import CliRunner

from tracker.cli import app

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


class Cli:
    """Runs `tracker --db URL ...` in-process and returns the result."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, ["--db", self.url, *args], input=input)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
        return result.stdout


# A step that builds a test database's content (a history recorded, a declaration loaded) on
# the CLI it is given, writing any files it needs to the folder it is given; conftest's `built`
# runs each step once per session and engine and hands every test a copy.
Build = Callable[[Cli, Path], object]


def record(cli: Cli, events: Iterable[Sequence[str]]) -> Cli:
    """A history, recorded as a user would: each event the arguments of one `tracker progress`
    (or, starting with "correct", of one `tracker correct`)."""
    for event in events:
        if event and event[0] == "correct":
            cli.ok(*event)
        else:
            cli.ok("progress", *event)
    return cli


def tamper(url: str, statement: str, **params: object) -> None:
    """Run SQL as someone who can write to the database directly: the append-only guards
    (tracker.triggers) are dropped for the statement and put back, in one transaction, so a test
    of what `verify` finds sees only the tampering it made."""
    from sqlalchemy import create_engine, text

    from tracker import triggers

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            triggers.remove(conn)
            conn.execute(text(statement), params)
            triggers.install(conn)
    finally:
        engine.dispose()


def copy_database(template: Path, target: Path) -> str:
    """A copy of an initialised SQLite file (with its mode), and its URL."""
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def pg_schema_url(database_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        from tracker.db import dispose_engines

        dispose_engines()
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def bundled_item_count() -> int:
    """How many items the bundled fixture lists, counted in its YAML directly (not through the
    loader): the figure tests compare the tool's counts with."""
    import yaml

    from tracker.paths import bundled_fixture

    raw = yaml.safe_load(bundled_fixture().read_text(encoding="utf-8"))
    return sum(len(pillar["commitments"]) for pillar in raw["pillars"])


def bundled_pledge_count() -> int:
    """How many of the bundled fixture's items are the parties' pledges (not the source's
    outlook): what `list` shows without --all, counted in the YAML directly."""
    import yaml

    from tracker.paths import bundled_fixture

    raw = yaml.safe_load(bundled_fixture().read_text(encoding="utf-8"))
    return sum(
        item.get("kind") != "outlook" for pillar in raw["pillars"] for item in pillar["commitments"]
    )


# The bundled fixture's items, and its pledges (every kind but outlook).
BUNDLED = bundled_item_count()
BUNDLED_PLEDGES = bundled_pledge_count()
