"""Moving up without losing anything: export, import into an empty database, export again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import BUNDLED


@pytest.fixture
def populated(cli_sqlite):
    cli = cli_sqlite
    cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-03-01", "-m", "note ü 日本",
           "-e", "https://a.example/x", "--evidence-kind", "official_statement",
           "--evidence-title", "Joint statement", "--evidence-date", "2026-03-01",
           "--by", "ana")  # fmt: skip
    cli.ok("progress", "CYB-01", "-s", "achieved", "--on", "2026-05-01", "-e", "MOFA doc 7")
    cli.ok("progress", "MIN-01", "-s", "in_progress", "--party", "UK")
    event = json.loads(cli.ok("show", "CYB-01", "--format", "json"))["events"][-1]["id"]
    cli.ok("correct", str(event), "--status", "partially_achieved", "--reason", "only in part")
    return cli


def test_sqlite_to_postgres_and_back_is_byte_identical(populated, tmp_path: Path, request) -> None:
    from support import Cli, pg_schema_url

    first = tmp_path / "first.json"
    populated.ok("export", "--output", str(first))
    pg_gen = pg_schema_url(request.getfixturevalue("pg_database"))
    pg = Cli(next(pg_gen))
    try:
        out = pg.ok("import", str(first))
        assert f"{BUNDLED} commitments" in out
        second = tmp_path / "second.json"
        pg.ok("export", "--output", str(second))
        assert second.read_bytes() == first.read_bytes()
        assert pg.ok("verify").startswith("verify: OK")
        # The sequences moved past the imported ids: new events get fresh numbers.
        pg.ok("progress", "SEC-01", "-s", "in_progress")
        back = Cli(f"sqlite:///{tmp_path / 'back.db'}")
        back.ok("import", str(second))
        third = tmp_path / "third.json"
        back.ok("export", "--output", str(third))
        assert third.read_bytes() == first.read_bytes()
    finally:
        pg_gen.close()


def test_export_is_complete_and_versioned(populated) -> None:
    data = json.loads(populated.ok("export"))
    assert data["format"] == "tracker-export"
    assert data["schema"] == 1
    tables = data["tables"]
    assert len(tables["commitments"]["rows"]) == BUNDLED
    # A cache derived from the text is not data: an import recomputes it.
    assert "content_hash" not in tables["commitments"]["columns"]
    assert len(tables["status_events"]["rows"]) == 4
    events = [
        dict(zip(tables["status_events"]["columns"], r, strict=True))
        for r in tables["status_events"]["rows"]
    ]
    assert events[0]["actor"] == "ana"
    assert events[0]["note"] == "note ü 日本"
    assert events[2]["party"] == "UK"
    assert events[3]["corrects_id"] == events[1]["id"]
    evidence = [
        dict(zip(tables["evidence"]["columns"], r, strict=True)) for r in tables["evidence"]["rows"]
    ]
    assert evidence[0]["kind"] == "official_statement"
    assert evidence[0]["published_on"] == "2026-03-01"
    report = json.loads(populated.ok("report", "--format", "json"))
    assert report["heads_digest"] == data["heads_digest"]
    assert populated.ok("verify").split("heads digest ")[1].split(";")[0] == data["heads_digest"]


def test_import_refuses_a_database_with_data(populated, tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    populated.ok("export", "--output", str(path))
    result = populated("import", str(path))
    assert result.exit_code == 1
    assert "not empty" in result.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [("{", "invalid JSON"), ('{"format": "other"}', "not a tracker export"),
     ('{"format": "tracker-export", "schema": 9}', "export schema 9")],
)  # fmt: skip
def test_import_rejects_bad_files_and_leaves_nothing(tmp_path: Path, content, needle) -> None:
    from support import Cli

    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    target = tmp_path / "new.db"
    result = Cli(f"sqlite:///{target}")("import", str(bad))
    assert result.exit_code == 1
    assert needle in result.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    ("revision", "imports"),
    [
        ("0018_attachments", True),
        ("0017_last_update", False),
        ("0016_follows", False),
        ("0015_japanese_names", False),
        ("0014_text_revisions", False),
        ("0013_clock", False),
        ("0012_no_replace", False),
        ("0011_milestones", False),
        ("0010_cutoff", False),
        ("0009_status_days", False),
        ("0006_japanese", False),
        ("0005_provenance", False),
        ("0002_event_party", False),
    ],
)
def test_exports_of_a_revision_with_the_same_columns_import(
    populated, tmp_path: Path, revision: str, imports: bool
) -> None:
    """An export labelled with the head's revision restores as is. 0018 added a table (the
    attached documents) and evidence columns, 0016 a table (the follow-up links), 0015 columns
    (the Japanese place and provenance), 0014 a table (text revisions) and 0013 another (the
    settings), so one labelled 0017 or earlier (down to 0003) is restored at its own revision
    (tests/test_upgrades.py) and the head's columns in it are refused; one from before exports
    existed is not read at all."""
    from support import Cli

    path = tmp_path / "e.json"
    populated.ok("export", "--output", str(path))
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    older = text.replace(f'"revision": "{data["revision"]}"', f'"revision": "{revision}"', 1)
    path.write_text(older, encoding="utf-8")
    target = Cli(f"sqlite:///{tmp_path / 'new.db'}")
    result = target("import", str(path))
    if imports:
        assert result.exit_code == 0, result.stderr
        again = tmp_path / "again.json"
        target.ok("export", "--output", str(again))
        assert json.loads(again.read_text(encoding="utf-8"))["tables"] == data["tables"]
    else:
        assert result.exit_code == 1 and result.stderr.count("\n") == 1
        if revision != "0002_event_party":
            # The first table the head has and the revision had not: the documents (0018).
            assert "table attachments has columns" in result.stderr
        else:
            assert f"exported at revision '{revision}'" in result.stderr


def test_an_export_cut_short_imports_nothing(populated, empty_url: str, tmp_path: Path) -> None:
    """The import reads the file as it inserts (a table at a time): a file that ends part-way
    through its rows is found out after some rows went in, and the transaction takes them back,
    on each engine; a new SQLite file is removed."""
    from sqlalchemy import create_engine, inspect, text
    from support import Cli

    path = tmp_path / "e.json"
    populated.ok("export", "--output", str(path))
    text_ = path.read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    # Cut inside the events' rows: declarations, pillars and commitments came before them.
    cut.write_text(text_[: text_.index('"status_events"') + 400], encoding="utf-8")
    # (populated is a SQLite tracker at tmp_path/tracker.db: a new SQLite target goes beside it)
    target = f"sqlite:///{tmp_path / 'new.db'}" if empty_url.startswith("sqlite") else empty_url
    result = Cli(target)("import", str(cut))
    assert result.exit_code == 1
    assert "invalid JSON: parse error: premature EOF" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    if target.startswith("sqlite"):
        assert not (tmp_path / "new.db").exists()
        return
    engine = create_engine(target)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            for name in ("declarations", "commitments", "status_events"):
                assert name not in tables or not conn.scalar(text(f"SELECT count(*) FROM {name}"))
    finally:
        engine.dispose()


def test_an_export_with_a_bad_date_is_a_one_line_error(populated, tmp_path: Path) -> None:
    from support import Cli

    path = tmp_path / "e.json"
    populated.ok("export", "--output", str(path))
    bad = tmp_path / "bad.json"
    text_ = path.read_text(encoding="utf-8").replace('"2026-05-01"', '"2026-13-01"')
    bad.write_text(text_, encoding="utf-8")
    result = Cli(f"sqlite:///{tmp_path / 'new.db'}")("import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("effective_on '2026-13-01' is not a date or time")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "new.db").exists()
