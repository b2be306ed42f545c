"""What readers read is inside the digest, and every change of it is recorded (0014).

Each case rewrites, with plain SQL on both engines, something a report or `show` prints that
FORMAT 1 did not cover, recomputes the stored content hash as a careful forger would, and
checks that `verify` names it without an anchor (no text revision explains it) and that
`verify --against` an export names the field. A `tracker load` that changes the same text is a
recorded change: exit 0, named with its revision. Anchors saved in FORMAT 1 still compare.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from support import Cli, tamper

from tracker import anchor, chain
from tracker.paths import bundled_fixture


def _rehash(url: str) -> None:
    """The forger's next step: store the content hash of the new text, as `load` would."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            anchor.store_content_hashes(conn)
    finally:
        engine.dispose()


def _fails(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    return result.stderr


@pytest.fixture
def saved(cli: Cli, tmp_path: Path) -> dict[str, Path]:
    cli.ok("progress", "CYB-03", "-s", "in_progress", "--on", "2026-03-01", "-m", "talks")
    report, export = tmp_path / "report.json", tmp_path / "export.json"
    cli.ok("report", "--format", "json", "-o", str(report))
    cli.ok("export", "-o", str(export))
    return {"report": report, "export": export}


@pytest.fixture
def pg_cli(pg_database: str) -> Iterator[Cli]:
    """A database of its own on PostgreSQL (a schema), for what only PostgreSQL has."""
    from support import pg_schema_url

    for url in pg_schema_url(pg_database):
        cli = Cli(url)
        cli.ok("init")
        yield cli


ITEM = "code = 'MIN-01'"  # scored: guidelines, Japanese, basis, inferred owners


@pytest.mark.parametrize(
    ("statement", "field"),
    [
        (f"UPDATE commitments SET title_ja = '偽の題' WHERE {ITEM}", "title_ja"),
        (f"UPDATE commitments SET description_ja = '偽' WHERE {ITEM}", "description_ja"),
        (f"UPDATE commitments SET basis = 'made up' WHERE {ITEM}", "basis"),
        (f"UPDATE commitments SET inferred = '{{}}' WHERE {ITEM}", "inferred"),
        (
            'UPDATE commitments SET guidelines = \'{"+1": "anything", "0": "x", "-1": '
            f'"y"}}\' WHERE {ITEM}',
            "guidelines",
        ),
        (f"UPDATE commitments SET milestone = NULL WHERE {ITEM}", "milestone"),
        (
            "UPDATE pillars SET title_ja = '偽' WHERE id = (SELECT pillar_id FROM commitments "
            f"WHERE {ITEM})",
            "pillar_title_ja",
        ),
    ],
)
def test_text_outside_format_1_is_named_without_and_with_an_anchor(
    cli: Cli, saved: dict[str, Path], statement: str, field: str
) -> None:
    assert cli.ok("verify").startswith("verify: OK")
    tamper(cli.url, statement)
    _rehash(cli.url)
    stderr = _fails(cli, "verify")
    assert "MIN-01: its text is not what text revision seq 1 of its declaration recorded" in (
        stderr
    )
    stderr = _fails(cli, "verify", "--against", str(saved["export"]))
    line = next(x for x in stderr.splitlines() if x.startswith("MIN-01: text changed since"))
    assert field in line, line
    stderr = _fails(cli, "verify", "--against", str(saved["report"]))
    assert "MIN-01: text changed since" in stderr


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE declarations SET title_ja = '偽の宣言'",
        "UPDATE declarations SET inferred = '{}'",
        "UPDATE milestones SET title = 'A different meeting' WHERE kind = 'meeting'",
    ],
)
def test_a_declarations_text_is_named(cli: Cli, saved: dict[str, Path], statement: str) -> None:
    tamper(cli.url, statement)
    assert "japan-uk-2026: its text (title, source" in _fails(cli, "verify")
    stderr = _fails(cli, "verify", "--against", str(saved["report"]))
    assert "japan-uk-2026: declaration changed since" in stderr


def test_an_item_moved_to_another_declaration_is_named(
    cli: Cli, saved: dict[str, Path], tmp_path: Path
) -> None:
    """Moving an item out of its declaration removed it from that declaration's report (a
    stalled item vanished from "Stalled") while every anchor said unchanged."""
    fixture = tmp_path / "other.yaml"
    source = bundled_fixture().read_text(encoding="utf-8")
    # A second declaration with codes of its own (codes are unique across the tracker): every
    # code prefix of the bundled one, whichever pillars it has, renamed (CYB- to OCY-, ...).
    raw = yaml.safe_load(source)
    prefixes = {i["code"].split("-")[0] for p in raw["pillars"] for i in p["commitments"]}
    renamed = {prefix: f"O{prefix[:2]}" for prefix in prefixes}
    assert len(set(renamed.values())) == len(prefixes) and not prefixes & set(renamed.values())
    text_out = source.replace("slug: japan-uk-2026", "slug: other-2026", 1)
    for prefix, new_prefix in renamed.items():
        text_out = text_out.replace(f"{prefix}-", f"{new_prefix}-")
    fixture.write_text(text_out, encoding="utf-8")
    (tmp_path / "japan-uk-2026.txt").write_text(
        (bundled_fixture().parent / "japan-uk-2026.txt").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    cli.ok("load", str(fixture))
    assert cli.ok("verify").startswith("verify: OK")
    before = tmp_path / "before.json"
    cli.ok("report", "--format", "json", "--declaration", "japan-uk-2026", "-o", str(before))
    tamper(
        cli.url,
        "UPDATE commitments SET declaration_id = (SELECT id FROM declarations WHERE slug = "
        "'other-2026') WHERE code = 'CYB-03'",
    )
    _rehash(cli.url)
    cli.ok("db", "rebuild")
    stderr = _fails(cli, "verify")
    assert (
        "CYB-03: belongs to other-2026 but its text revisions are those of japan-uk-2026: "
        "moved to another declaration outside the tool"
    ) in stderr
    # The report of the declaration it left: the item's text (which names its declaration) is
    # not what it was.
    assert "CYB-03: text changed since" in _fails(cli, "verify", "--against", str(before))


def test_a_load_that_changes_text_is_a_recorded_change(
    cli: Cli, saved: dict[str, Path], tmp_path: Path
) -> None:
    fixture = tmp_path / "japan-uk-2026.yaml"
    source = bundled_fixture().read_text(encoding="utf-8")
    old = "パートナーシップの不可欠な要素としてのサイバー防衛・強靱性"
    assert old in source
    fixture.write_text(source.replace(old, "サイバー防衛と強靱性", 1), encoding="utf-8")
    (tmp_path / "japan-uk-2026.txt").write_text(
        (bundled_fixture().parent / "japan-uk-2026.txt").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert "changed CYB-01: title_ja" in cli.ok("load", str(fixture))
    assert cli.ok("verify").startswith("verify: OK")
    for path in saved.values():
        out = cli.ok("verify", "--against", str(path))
        assert (
            "CYB-01: text revised since by load japan-uk-2026.yaml on "
        ) in out and "(text revision 2: title_ja)" in out
        assert "1 recorded change since" in out
    # Loading the same again records nothing more.
    cli.ok("load", str(fixture))
    assert _count(cli.url, "SELECT COUNT(*) FROM text_revisions") == 2


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_revisions_are_append_only_and_chained(cli: Cli) -> None:
    for statement in ("UPDATE text_revisions SET actor = 'x'", "DELETE FROM text_revisions"):
        engine = create_engine(cli.url)
        try:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()
    tamper(cli.url, 'UPDATE text_revisions SET changes = \'{"SEC-01": ["nothing"]}\'')
    assert "was changed after it was recorded" in _fails(cli, "verify")


def _as_format_1(path: Path, url: str) -> None:
    """A report as a tracker before FORMAT 2 wrote it: no anchor_format, FORMAT 1 hashes (each
    computed here from the database's text with the frozen FORMAT 1)."""
    from sqlalchemy.orm import Session

    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            rows = {r.code: r for r in session.execute(anchor.item_query())}
            declarations = dict(anchor.declaration_hashes(session, 1))
    finally:
        engine.dispose()
    for item in data["commitments"]:
        item["content_hash"] = chain.item_hash(anchor.row_content(rows[item["code"]]), 1)
    for d in data["declarations"]:
        d["content_hash"] = declarations[d["slug"]]
    data["anchor_digest"] = chain.anchor_digest(
        declarations.items(),
        [
            (i["code"], i["chain_length"], i["chain_head"], i["content_hash"])
            for i in data["commitments"]
        ],
        1,
    )
    del data["anchor_format"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_an_anchor_saved_in_format_1_keeps_working(cli: Cli, saved: dict[str, Path]) -> None:
    old = saved["report"]
    _as_format_1(old, cli.url)
    digest = json.loads(old.read_text(encoding="utf-8"))["anchor_digest"]
    assert "unchanged since" in cli.ok("verify", "--against", str(old))
    assert "unchanged since the digest given" in cli.ok("verify", "--against", digest)
    tamper(cli.url, "UPDATE commitments SET title = 'A softer promise' WHERE code = 'CYB-03'")
    _rehash(cli.url)
    stderr = _fails(cli, "verify", "--against", str(old))
    assert "CYB-03: text changed since: title" in stderr
    assert "matches neither" in _fails(cli, "verify", "--against", digest)


def test_an_unknown_anchor_format_is_one_line(cli: Cli, saved: dict[str, Path]) -> None:
    path = saved["report"]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["anchor_format"] = 9
    path.write_text(json.dumps(data), encoding="utf-8")
    stderr = _fails(cli, "verify", "--against", str(path))
    assert stderr.count("\n") == 1 and "anchor_format 9 is not one this tracker knows" in stderr


@pytest.mark.postgres
def test_a_recorder_can_neither_reword_nor_record_a_revision(pg_cli: Cli) -> None:
    import uuid

    from sqlalchemy.engine import make_url

    role = f"recorder_{uuid.uuid4().hex[:8]}"
    tamper(pg_cli.url, f"CREATE ROLE {role} LOGIN")
    try:
        pg_cli.ok("db", "grants", role, "--apply")
        url = make_url(pg_cli.url).set(username=role).render_as_string(hide_password=False)
        for statement in (
            "UPDATE commitments SET title_ja = 'x'",
            "UPDATE pillars SET title = 'x'",
            "UPDATE declarations SET title_ja = 'x'",
            "UPDATE milestones SET title = 'x'",
            "INSERT INTO text_revisions (declaration_id, seq, source, actor, recorded_at, "
            "changes, declaration_hash, items, prev_hash, hash) SELECT declaration_id, 99, "
            "source, actor, recorded_at, changes, declaration_hash, items, hash, hash FROM "
            "text_revisions LIMIT 1",
        ):
            engine = create_engine(url)
            try:
                with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as c:
                    c.execute(text(statement))
            finally:
                engine.dispose()
    finally:
        from tracker.db import dispose_engines

        dispose_engines()
        tamper(pg_cli.url, f"DROP OWNED BY {role}")
        tamper(pg_cli.url, f"DROP ROLE {role}")
