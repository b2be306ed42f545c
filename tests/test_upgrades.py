"""Upgrades from every earlier revision keep the history, and the migrations stand alone.

A database at each earlier revision is made the way a user's got there: a tracker at head with
a history (per-party events, corrections, titled evidence, as far as that revision can hold
them), taken down to the revision, then upgraded again with the code of today. What the older
schema holds must come back unchanged, and `tracker verify` (chains, burn-up cache, content
hashes, guards) must pass.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import Cli

from tracker import chain, db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def test_no_migration_imports_live_code() -> None:
    """A migration that calls into tracker runs today's code on yesterday's schema; only the
    error type may be shared."""
    for path in sorted(MIGRATIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name == "tracker" or name.startswith("tracker."):
                    assert name == "tracker.errors", f"{path.name} imports {name}"


def _history(cli: Cli, revision: str) -> None:
    """Events of every shape the revision can hold."""
    at = db.REVISIONS.index(revision)
    cli.ok("progress", "CYB-01", "-s", "in_progress", "-m", "dialogue held", "--on", "2026-03-12",
           "-e", "https://www.ncsc.gov.uk/", "--by", "j.smith")  # fmt: skip
    cli.ok("progress", "CYB-01", "-s", "achieved", "-m", "exchange reported",
           "--on", "2026-05-02", "-e", "doc: readout", "-e", "https://example.org/b")  # fmt: skip
    cli.ok("progress", "SEC-03", "-s", "in_progress", "-m", "planning",
           "--on", "2026-02-10")  # fmt: skip
    # A backdated event slots in before SEC-03's first.
    cli.ok("progress", "SEC-03", "-s", "stalled", "-m", "paused", "--on", "2026-02-01",
           "--reason", "funding")  # fmt: skip
    if at >= db.REVISIONS.index("0002_event_party"):
        cli.ok("progress", "CYB-02", "-s", "partially_achieved", "--party", "UK",
               "-m", "UK part", "--on", "2026-06-01")  # fmt: skip
    if at >= db.REVISIONS.index("0003_chain"):
        out = cli.ok("progress", "ECO-02", "-s", "achieved", "-m", "misread",
                     "--on", "2026-04-02", "-e", "https://www.meti.go.jp/x",
                     "--evidence-kind", "official_statement",
                     "--evidence-title", "METI press release",
                     "--evidence-date", "2026-04-02")  # fmt: skip
        event = out.split("event #")[1].split(")")[0]
        cli.ok("correct", event, "-s", "in_progress", "--reason", "misread the release")


def _events(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.id, c.code, e.from_status, e.to_status, e.note, e.reason, e.actor, "
                    "e.effective_on, e.recorded_at FROM status_events e "
                    "JOIN commitments c ON c.id = e.commitment_id ORDER BY e.id"
                )
            ).all()
            evidence = conn.execute(
                text("SELECT event_id, position, reference FROM evidence ORDER BY id")
            ).all()
    finally:
        engine.dispose()

    def day(value: object) -> str:
        return str(value)[:10]

    def utc(value: object) -> str:
        if isinstance(value, str):  # SQLite: text
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()

    return [(*r[:7], day(r[7]), utc(r[8])) for r in rows] + [tuple(r) for r in evidence]


def _statuses(cli: Cli) -> list[dict[str, str]]:
    """Each item's status, as a whole and for the UK."""
    return [
        {row["code"]: row["status"] for row in json.loads(cli.ok("list", "--all", *party,
                                                                  "--format", "json"))}
        for party in ((), ("--party", "UK"))
    ]  # fmt: skip


@pytest.mark.parametrize("revision", db.REVISIONS[:-1])
def test_upgrade_from_every_revision_keeps_history(cli: Cli, revision: str) -> None:
    _history(cli, revision)
    before = _events(cli.url)
    statuses = _statuses(cli)
    cli.ok("db", "downgrade", revision, "--yes")
    assert revision in cli.ok("db", "current")
    cli.ok("db", "upgrade")
    assert _events(cli.url) == before
    # Below 0005 the kinds and provenance go (the downgrade says so); statuses never do.
    assert _statuses(cli) == statuses
    out = cli.ok("verify")
    assert out.startswith("verify: OK"), out


def test_frozen_hashes_match_the_live_ones() -> None:
    """While chain FORMAT 1 and ANCHOR_FORMAT 1 stand, 0003's and 0008's copies of them give
    the live code's digests (the golden vectors pin the live code)."""
    import importlib.util
    from types import SimpleNamespace

    def load(name: str) -> object:
        spec = importlib.util.spec_from_file_location(name, MIGRATIONS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    m0003, m0008 = load("0003_chain"), load("0008_content_hash")
    row = SimpleNamespace(
        code="CYB-01", party="UK", from_status="not_started", to_status="in_progress",
        note="Caf\u0065\u0301 line\r\nnext", reason=None, actor="分析者",
        effective_on=dt.date(2026, 3, 12),
        recorded_at=dt.datetime(2026, 3, 12, 9, 30, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=9))),  # noqa: E501
    )  # fmt: skip
    live = chain.event_hash(
        chain.GENESIS,
        chain.EventContent(
            code=row.code, seq=1, party=row.party, from_status=row.from_status,
            to_status=row.to_status, note=row.note, reason=row.reason, actor=row.actor,
            effective_on=row.effective_on, recorded_at=row.recorded_at, corrects_seq=None,
            evidence=[chain.EvidenceContent("doc: a\u0301", "other", None, None)],
        ),
    )  # fmt: skip
    assert m0003.event_hash(chain.GENESIS, row, 1, ["doc: a\u0301"]) == live  # type: ignore[attr-defined]

    item = SimpleNamespace(
        code="CYB-01", pillar="cyber", title="Caf\u0065\u0301 \u201cq\u201d", description="a\r\nb",
        quote="x", kind="commitment", parties='["Japan", "UK"]', owners=["NCSC"],
        target_date="2026-12-31", target_label="in 2026",
    )  # fmt: skip
    content = chain.ItemContent(
        "CYB-01", "cyber", item.title, item.description, "x", "commitment", ["Japan", "UK"],
        ["NCSC"], dt.date(2026, 12, 31), "in 2026",
    )  # fmt: skip
    assert m0008.item_hash(item) == chain.item_hash(content)  # type: ignore[attr-defined]
