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
from dataclasses import replace
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
    assert m0008.item_hash(item) == chain.item_hash(content, 1)  # type: ignore[attr-defined]

    # FORMAT 2 (0014): its copy of the item, declaration and revision hashes.
    m0014 = load("0014_text_revisions")
    full = SimpleNamespace(
        **vars(item), declaration="japan-uk-2026", pillar_title="Cyber", pillar_title_ja="サイバー",
        title_ja="題\r\n名", description_ja=None, target_label_ja="2026年", milestone="m-2026",
        basis="'will': a pledge", inferred='{"owners": "assigned"}',
        guidelines={"+1": "done", "-1": "nothing", "0": "some"},
    )  # fmt: skip
    content2 = replace(
        content, declaration=full.declaration, pillar_title=full.pillar_title,
        pillar_title_ja=full.pillar_title_ja, title_ja=full.title_ja, description_ja=None,
        target_label_ja=full.target_label_ja, milestone=full.milestone, basis=full.basis,
        inferred={"owners": "assigned"}, guidelines=full.guidelines,
    )  # fmt: skip
    assert m0014.item_hash(full, 2) == chain.item_hash(content2)  # type: ignore[attr-defined]
    assert m0014.item_hash(item, 1) == chain.item_hash(content, 1)  # type: ignore[attr-defined]
    declaration = SimpleNamespace(
        slug="japan-uk-2026", title="Déclaration", date=dt.date(2026, 1, 31), place="Tokyo",
        parties='["Japan", "UK"]', source="https://x.example/", source_text="Text\r\nmore",
        title_ja="宣言", inferred={"place": "reporting"}, cutoff=dt.date(2026, 12, 31),
    )  # fmt: skip
    meeting = SimpleNamespace(
        slug="ministers-2026", kind="meeting", title="2+2", title_ja=None,
        date=dt.date(2026, 12, 31), rule="in 2026",
    )  # fmt: skip
    cutoff = SimpleNamespace(**{**vars(meeting), "slug": "cutoff", "kind": "cutoff"})
    live = chain.declaration_hash(
        chain.DeclarationContent(
            "japan-uk-2026", "Déclaration", dt.date(2026, 1, 31), "Tokyo", ["Japan", "UK"],
            "https://x.example/", "Text\nmore", "宣言", {"place": "reporting"},
            dt.date(2026, 12, 31),
            [chain.MilestoneContent("ministers-2026", "meeting", "2+2", None,
                                    dt.date(2026, 12, 31), "in 2026")],
        )
    )  # fmt: skip
    assert m0014.declaration_hash(declaration, [cutoff, meeting]) == live  # type: ignore[attr-defined]
    values = {
        "seq": 1, "source": "upgrade 0014_text_revisions", "actor": "tracker",
        "recorded_at": dt.datetime(2026, 12, 7, 22, 0, tzinfo=dt.UTC), "changes": {"X-1": ["a"]},
        "declaration_hash": "a" * 64, "items": {"CYB-01": "b" * 64},
    }  # fmt: skip
    assert m0014.revision_hash(chain.GENESIS, "japan-uk-2026", values) == chain.revision_hash(  # type: ignore[attr-defined]
        chain.GENESIS, chain.RevisionContent(declaration="japan-uk-2026", **values)
    )

    # 0015's downgrade: its copy of FORMAT 2 without the Japanese names (as the live code
    # hashes an item and a declaration whose Japanese fields are unset).
    m0015 = load("0015_japanese_names")
    assert m0015._item_hash(full) == chain.item_hash(content2)  # type: ignore[attr-defined]
    assert m0015._declaration_hash(declaration, [cutoff, meeting]) == live  # type: ignore[attr-defined]
    values["source"] = "downgrade 0015_japanese_names"
    assert m0015._revision_hash(chain.GENESIS, "japan-uk-2026", values) == chain.revision_hash(  # type: ignore[attr-defined]
        chain.GENESIS, chain.RevisionContent(declaration="japan-uk-2026", **values)
    )


def _export_as_written_at(
    url: str, revision: str, path: Path, *, label: str | None = None, chain_builds: bool = False
) -> None:
    """An export of a database at an earlier revision, as `tracker export` of that revision
    wrote it: each table it had, with the columns it had, rows by id; without chain_builds,
    which exports carried only from the append-only revision on (then named `label`)."""
    from sqlalchemy import inspect, select

    from tracker import transfer
    from tracker.export_file import exported_columns, exported_tables
    from tracker.models import commitments_table

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            schema_then = inspect(conn)
            names = set(schema_then.get_table_names())
            tables = {}
            for model in exported_tables():
                if model.name not in names or (model.name == "chain_builds" and not chain_builds):
                    continue
                had = {c["name"] for c in schema_then.get_columns(model.name)}
                columns = [c.name for c in exported_columns(model) if c.name in had]
                rows = conn.execute(
                    select(*(model.c[c] for c in columns)).order_by(*model.primary_key.columns)
                )
                tables[model.name] = {
                    "columns": columns,
                    "rows": [[transfer._encode(v) for v in row] for row in rows],
                }
            C = commitments_table.c
            heads = [tuple(r) for r in conn.execute(select(C.code, C.chain_head))]
    finally:
        engine.dispose()
    document = {
        "format": "tracker-export",
        "schema": 1,
        "revision": label or revision,
        "heads_digest": chain.heads_digest(heads),
        "tables": tables,
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("revision", "label"),
    [
        ("0003_chain", None),
        ("0004_party_index", None),
        ("0005_provenance", None),
        # The append-only revision's exports, under its first name, with chain_builds.
        ("0005_provenance", "0006_append_only"),
    ],
)
def test_an_export_written_at_an_earlier_revision_imports(
    cli: Cli, revision: str, label: str | None, tmp_path: Path
) -> None:
    """Restored at its own revision, then upgraded: every event and status comes back, and
    the history verifies against the export's heads digest."""
    _history(cli, revision)
    cli.ok("db", "downgrade", revision, "--yes")
    before = _events(cli.url)
    export = tmp_path / "old-export.json"
    _export_as_written_at(cli.url, revision, export, label=label, chain_builds=bool(label))
    cli.ok("db", "upgrade")
    statuses = _statuses(cli)

    imported = Cli(f"sqlite:///{tmp_path / 'imported.db'}")
    out = imported.ok("import", str(export))
    assert "verify" not in out or "OK" in out
    assert _events(imported.url) == before
    assert _statuses(imported) == statuses
    assert imported.ok("verify").startswith("verify: OK")
    assert db.HEAD_REVISION in imported.ok("db", "current")


def test_an_earlier_export_needs_a_new_database(cli: Cli, tmp_path: Path) -> None:
    """It is restored at its revision: a database already past it is refused, unchanged."""
    _history(cli, "0005_provenance")
    cli.ok("db", "downgrade", "0005_provenance", "--yes")
    export = tmp_path / "old-export.json"
    _export_as_written_at(cli.url, "0005_provenance", export)
    cli.ok("db", "upgrade")
    target = Cli(f"sqlite:///{tmp_path / 'at-head.db'}")
    from tracker import schema

    with schema.migrating(target.url) as connection:  # empty, at head
        schema.upgrade(connection, target.url)
    result = target("import", str(export))
    assert result.exit_code == 1
    assert "past 0005_provenance" in result.stderr and result.stderr.count("\n") == 1
    assert db.HEAD_REVISION in target.ok("db", "current")


def test_the_milestones_upgrade_gives_each_named_target_a_milestone(cli: Cli) -> None:
    """0011 makes one milestone per declaration and target label from the items' copies (a slug
    from the label), points the items at it, and keeps their target dates (no content hash
    moves); `load` of the fixture then adds the fixture's own slug and points them there."""
    cli.ok("progress", "MIN-01", "-s", "in_progress", "--on", "2026-11-12")
    cli.ok("db", "downgrade", "0010_cutoff", "--yes")
    cli.ok("db", "upgrade")
    listed = json.loads(cli.ok("milestone", "list", "--json"))
    assert [(m["slug"], m["title"], m["date"], m["announcements"]) for m in listed] == [
        (
            "2026-foreign-and-defence-ministers-meeting-2-2",
            "2026 foreign and defence ministers' meeting (2+2)",
            "2026-12-31",
            [],
        )
    ]
    assert cli.ok("verify").startswith("verify: OK")
    slug = "2026-foreign-and-defence-ministers-meeting-2-2"
    cli.ok("milestone", "set", slug, "2026-12-15", "--on", "2026-11-12")
    assert "target 2026-12-15" in cli.ok("report", "-f", "md", "--as-of", "2026-11-30")
    cli.ok("load", str(MIGRATIONS.parent.parent / "fixtures" / "japan-uk-2026.yaml"))
    slugs = [m["slug"] for m in json.loads(cli.ok("milestone", "list", "--json"))]
    assert "ministers-2026" in slugs
    md = cli.ok("report", "-f", "md", "--as-of", "2026-11-30", "--brief")
    assert "deadline (no date announced): 2026-12-31" in md
