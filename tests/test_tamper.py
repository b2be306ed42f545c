"""Adversarial: someone with write access to the database, or a careless command, tries to lose
or launder history. On each engine, every case ends in a refusal with the database unchanged,
or in `verify` naming what happened (exit 1), or in the documented guarded outcome.

Tampering goes through conftest.tamper, which drops the append-only guards for one statement
and puts them back: that is what a hostile owner of the tables would do, and it lets each test
show what `verify` finds of the change itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from support import BUNDLED, Build, Cli, record, tamper

from tracker import anchor, chain, triggers
from tracker.db import HEAD_REVISION


def _rehash_text(url: str) -> int:
    """What a forger who rewrote an item's text does next: store the hash of the new text (as
    `load` would), so that the database agrees with itself. The number of hashes rewritten."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return anchor.store_content_hashes(conn)
    finally:
        engine.dispose()


def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


def _raw(url: str, sql: str, **params: Any) -> None:
    """Plain SQL, guards left in place."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def _snapshot(url: str) -> list[Any]:
    return [
        _rows(url, f"SELECT * FROM {t} ORDER BY id")
        for t in ("declarations", "commitments", "status_events", "evidence", "chain_builds")
    ]


@pytest.fixture
def history(built: Callable[[Build], Cli]) -> Cli:
    return built(_populate)


@pytest.fixture
def pg_history(pg_database: str) -> Iterator[Cli]:
    """The same history, on PostgreSQL only: for what only PostgreSQL has."""
    from support import pg_schema_url

    for url in pg_schema_url(pg_database):
        cli = Cli(url)
        cli.ok("init")
        yield _populate(cli)


# Three events on CYB-01 (one with dated evidence, one per party), two on CYB-02.
EVENTS = [
    ("CYB-01", "-s", "in_progress", "--on", "2026-03-01", "-m", "one",
     "-e", "https://a.example/1", "--evidence-kind", "news_report",
     "--evidence-title", "Talks open", "--evidence-date", "2026-03-01", "-e", "a document"),
    ("CYB-01", "-s", "stalled", "--on", "2026-04-01", "-m", "two", "--party", "UK",
     "--by", "k.tanaka"),
    ("CYB-01", "-s", "achieved", "--on", "2026-05-01", "-m", "three"),
    ("CYB-02", "-s", "in_progress", "--on", "2026-03-01"),
    ("CYB-02", "-s", "stalled", "--on", "2026-06-01"),
]  # fmt: skip


def _populate(cli: Cli, _: Path | None = None) -> Cli:
    return record(cli, EVENTS)


def _ids(cli: Cli, code: str) -> list[int]:
    return [e["id"] for e in json.loads(cli.ok("show", code, "--format", "json"))["events"]]


def _fails(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    return result.stderr


# --- the guards in the database ---------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE status_events SET note = 'rewritten'",
        "DELETE FROM status_events WHERE id = (SELECT MAX(id) FROM status_events)",
        "UPDATE evidence SET reference = 'https://evil.example/'",
        "DELETE FROM evidence",
    ],
)
def test_history_tables_refuse_update_and_delete(history: Cli, statement: str) -> None:
    before = _snapshot(history.url)
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(history.url, statement)
    assert _snapshot(history.url) == before
    assert history.ok("verify").startswith("verify: OK")


def test_chain_builds_refuse_update_and_delete(cli: Cli) -> None:
    _raw(
        cli.url,
        "INSERT INTO chain_builds (revision, built_at, events, last_event_id) "
        "VALUES ('0003_chain', :at, 1, 1)",
        at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    for statement in ("UPDATE chain_builds SET events = 0", "DELETE FROM chain_builds"):
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(cli.url, statement)


@pytest.mark.parametrize(
    "statement",
    [
        # The same id: SQLite deletes the row first, and fires no DELETE trigger for it.
        "REPLACE INTO status_events SELECT id, commitment_id, party, from_status, 'achieved', "
        "note, reason, actor, effective_on, recorded_at, seq, prev_hash, hash, corrects_id, "
        "db_user FROM status_events WHERE id = 1",
        # A new id, the same chain place (commitment and seq).
        "INSERT OR REPLACE INTO status_events (commitment_id, party, from_status, to_status, "
        "note, reason, actor, effective_on, recorded_at, seq, prev_hash, hash, corrects_id) "
        "SELECT commitment_id, party, from_status, 'achieved', note, reason, actor, "
        "effective_on, recorded_at, seq, prev_hash, hash, corrects_id FROM status_events "
        "WHERE id = 1",
        "REPLACE INTO evidence SELECT * FROM evidence LIMIT 1",
        "INSERT OR REPLACE INTO evidence (event_id, position, reference, kind) "
        "SELECT event_id, position, 'https://forged.example/', kind FROM evidence LIMIT 1",
    ],
)
def test_sqlite_replace_cannot_rewrite_history(
    built_sqlite: Callable[[Build], Cli], statement: str
) -> None:
    """REPLACE on SQLite is a delete and an insert with no DELETE trigger fired: the guard of
    0012 refuses an insert that names an existing row or chain place (PostgreSQL has no
    REPLACE; its ON CONFLICT DO UPDATE is an UPDATE: test_an_upsert_is_an_update_and_refused)."""
    history = built_sqlite(_populate)
    before = _snapshot(history.url)
    with pytest.raises(DBAPIError, match="append-only: REPLACE refused"):
        _raw(history.url, statement)
    assert _snapshot(history.url) == before
    assert history.ok("verify").startswith("verify: OK")


def test_an_upsert_is_an_update_and_refused(history: Cli) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(
            history.url,
            "INSERT INTO status_events SELECT * FROM status_events WHERE id = 1 "
            "ON CONFLICT (id) DO UPDATE SET to_status = 'achieved'",
        )


@pytest.mark.postgres
def test_truncate_is_refused_on_postgres(pg_history: Cli) -> None:
    history = pg_history
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(history.url, "TRUNCATE status_events CASCADE")


def test_a_dropped_guard_is_reported_and_restored(history: Cli) -> None:
    postgres = history.url.startswith("postgresql")
    name = "status_events_append_only" if postgres else "status_events_no_update"
    _raw(history.url, f"DROP TRIGGER {name}" + (" ON status_events" if postgres else ""))
    stderr = _fails(history, "verify")
    assert f"database: the append-only guard {name} on status_events is missing" in stderr
    assert "tracker db guard" in stderr
    out = history.ok("db", "guard")
    assert f"restored: {name}" in out
    assert history.ok("verify").startswith("verify: OK")
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(history.url, "UPDATE status_events SET note = 'x'")


def test_a_guard_replaced_by_a_harmless_trigger_is_reported(history: Cli) -> None:
    if history.url.startswith("postgresql"):
        _raw(history.url, "ALTER TABLE evidence DISABLE TRIGGER evidence_append_only")
        name = "evidence_append_only"
    else:
        _raw(history.url, "DROP TRIGGER evidence_no_delete")
        _raw(
            history.url,
            "CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence BEGIN SELECT 1; END",
        )
        name = "evidence_no_delete"
    assert f"guard {name} on evidence is missing, disabled or altered" in _fails(history, "verify")


def test_the_tool_itself_never_updates_or_deletes_history(history: Cli, tmp_path: Path) -> None:
    """Every writing path runs under the guards: a correction, a reload, bulk appends, and an
    export imported elsewhere."""
    from bulk import NewEvent, append_events
    from sqlalchemy.orm import Session

    from tracker.statuses import Status

    wrong = _ids(history, "CYB-02")[-1]
    history.ok("correct", str(wrong), "--status", "in_progress", "--reason", "misread")
    from tracker.paths import fixtures_dir

    history.ok("load", str(fixtures_dir() / "japan-uk-2026.yaml"))
    engine = create_engine(history.url)
    with Session(engine) as session, session.begin():
        new = NewEvent(Status.IN_PROGRESS, dt.date(2026, 7, 1), "bulk", "bot",
                       dt.datetime(2026, 7, 1, tzinfo=dt.UTC))  # fmt: skip
        assert append_events(session, [("ECO-01", [new])]) == 1
    engine.dispose()
    history.ok("verify")
    export = tmp_path / "e.json"
    history.ok("export", "-o", str(export))
    copy = Cli(f"sqlite:///{tmp_path / 'copy.db'}")
    copy.ok("import", str(export))
    assert copy.ok("verify").startswith("verify: OK")


# --- downgrades -------------------------------------------------------------------------------


def test_downgrade_to_base_with_history_is_refused(history: Cli) -> None:
    before = _snapshot(history.url)
    stderr = _fails(history, "db", "downgrade", "base")
    assert stderr.count("\n") == 1
    assert f"drops every table: 1 declaration(s), {BUNDLED} commitment(s) and 5 event(s)" in stderr
    assert "refused without --yes" in stderr
    assert _snapshot(history.url) == before
    assert HEAD_REVISION in history.ok("db", "current")


def test_downgrade_below_the_chain_is_refused_and_says_how_many_events(history: Cli) -> None:
    before = _snapshot(history.url)
    stderr = _fails(history, "db", "downgrade", "0002_event_party")
    assert "the hash chain of 5 event(s)" in stderr
    assert "the kind, title and date of 2 evidence record(s)" in stderr
    assert _snapshot(history.url) == before


def test_downgrade_asks_on_a_terminal(history: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.cli import database

    monkeypatch.setattr(database, "_interactive", lambda: True)
    result = history("db", "downgrade", "base", input="n\n")
    assert result.exit_code == 1
    assert "drops every table" in result.stderr and "Continue?" in result.stderr
    assert "downgrade cancelled; nothing changed" in result.stderr
    assert HEAD_REVISION in history.ok("db", "current")


def test_downgrade_that_drops_nothing_needs_no_confirmation(history: Cli) -> None:
    # The events' database users (PostgreSQL only: SQLite has none to drop); triggers only;
    # milestones without announcements; a column the fixture fills again; a derived table; then
    # a derived column. First, without attached documents, 0018 drops nothing, nor does 0017
    # (a derived column and an index); no follow-up links were made, so 0016's table goes
    # without a question.
    assert "0018_attachments -> 0017_last_update." in history.ok("db", "downgrade", "-1")
    assert "0017_last_update -> 0016_follows." in history.ok("db", "downgrade", "-1")
    assert "0016_follows -> 0015_japanese_names" in history.ok("db", "downgrade", "-1")
    # The Japanese place, owners and notes the fixture gives (0015), then the text revision
    # of the load that made it (0014; not the one 0015's downgrade records).
    refused = _fails(history, "db", "downgrade", "-1")
    assert "drops the Japanese place, owners' names or provenance notes of" in refused
    history.ok("db", "downgrade", "-1", "--yes")
    refused = _fails(history, "db", "downgrade", "-1")
    assert "drops 1 text revision(s)" in refused  # the load that made it
    out = history.ok("db", "downgrade", "-1", "--yes")
    assert "0014_text_revisions -> 0013_clock" in out
    if history.url.startswith("postgresql"):
        refused = _fails(history, "db", "downgrade", "-1")
        assert "the database user that inserted each of" in refused
        out = history.ok("db", "downgrade", "-1", "--yes")
    else:
        out = history.ok("db", "downgrade", "-1")
    assert "0013_clock -> 0012_no_replace" in out
    out = history.ok("db", "downgrade", "-1")
    assert "0012_no_replace -> 0011_milestones." in out
    out = history.ok("db", "downgrade", "-1")
    assert "0011_milestones -> 0010_cutoff." in out
    out = history.ok("db", "downgrade", "-1")
    assert "0010_cutoff -> 0009_status_days." in out
    out = history.ok("db", "downgrade", "-1")
    assert "0009_status_days -> 0008_content_hash." in out
    out = history.ok("db", "downgrade", "-1")
    assert "0008_content_hash -> 0007_append_only." in out
    history.ok("db", "upgrade")
    assert history.ok("verify").startswith("verify: OK")


@pytest.mark.parametrize("revision", ["bogus", "-9", HEAD_REVISION, "-0"])
def test_downgrade_to_a_wrong_revision_is_one_line(history: Cli, revision: str) -> None:
    stderr = _fails(history, "db", "downgrade", revision)
    assert stderr.count("\n") == 1 and stderr.startswith("error: ")


def test_laundering_through_a_downgrade_is_recorded(history: Cli, tmp_path: Path) -> None:
    """Edit a note, drop the chain (--yes) and rebuild it: the chain verifies again, but verify
    says it was built after the fact, and an anchor saved before names the rewrite."""
    report = tmp_path / "before.json"
    history.ok("report", "--format", "json", "-o", str(report))
    first = _ids(history, "CYB-01")[0]
    tamper(history.url, "UPDATE status_events SET note = 'laundered' WHERE id = :id", id=first)
    assert "does not match its hash" in _fails(history, "verify")
    out = history.ok("db", "downgrade", "0002_event_party", "--yes")
    assert "the hash chain of 5 event(s)" in out
    history.ok("db", "upgrade")
    result = history("verify")
    assert result.exit_code == 0
    assert re.search(
        r"^note: 5 events \(#\d+ and earlier\) were chained after the fact, by upgrade "
        r"0003_chain at \d{4}-\d\d-\d\d \d\d:\d\d UTC: their hashes show changes made since "
        r"then, not before$",
        result.stderr,
        re.MULTILINE,
    ), result.stderr
    stderr = _fails(history, "verify", "--against", str(report))
    assert "CYB-01: history rewritten since" in stderr
    # Rebuilt over the same rows, CYB-02's chain is the same; its text is not (FORMAT 2 covers
    # the translations and provenance that the downgrade below 0006 and 0005 dropped).
    assert "CYB-02: history rewritten" not in stderr
    assert "CYB-02: text changed since" in stderr


def test_no_migration_recomputes_an_existing_hash(history: Cli) -> None:
    """Down to the revision after the chain and back up: every hash is as it was."""
    before = _rows(history.url, "SELECT id, hash FROM status_events ORDER BY id")
    history.ok("db", "downgrade", "0003_chain", "--yes")  # drops the items' provenance
    history.ok("db", "upgrade")
    assert _rows(history.url, "SELECT id, hash FROM status_events ORDER BY id") == before
    assert _rows(history.url, "SELECT COUNT(*) FROM chain_builds") == [(0,)]


# --- removing and reordering is caught by the links themselves --------------------------------


def test_a_removed_event_is_caught_by_the_link_even_with_seq_renumbered(history: Cli) -> None:
    ids = _ids(history, "CYB-01")
    tamper(history.url, "DELETE FROM status_events WHERE id = :id", id=ids[1])
    tamper(history.url, "UPDATE status_events SET seq = 2 WHERE id = :id", id=ids[2])
    tamper(history.url, "UPDATE commitments SET chain_length = 2 WHERE code = 'CYB-01'")
    stderr = _fails(history, "verify")
    assert "seq 2) does not link to the event before it" in stderr
    assert "missing" not in stderr  # the numbers say nothing is missing; the link does


def test_a_reordered_pair_is_caught_by_the_link(history: Cli) -> None:
    a, b = _ids(history, "CYB-02")
    # Swap their places in the chain (seq), through a free value for the unique constraint.
    tamper(history.url, "UPDATE status_events SET seq = 99 WHERE id = :id", id=a)
    tamper(history.url, "UPDATE status_events SET seq = 1 WHERE id = :id", id=b)
    tamper(history.url, "UPDATE status_events SET seq = 2 WHERE id = :id", id=a)
    stderr = _fails(history, "verify")
    assert "does not link to the event before it" in stderr


def test_an_edit_rehashed_with_its_next_link_is_caught_by_the_next_hash(history: Cli) -> None:
    """Edit the first event, recompute its own hash and point the second event at it: the
    second event's hash covers the previous hash, so it no longer matches."""
    first, second, _ = _ids(history, "CYB-01")
    _rehash(history.url, first, note="rewritten")
    new = _rows(history.url, "SELECT hash FROM status_events WHERE id = :id", id=first)[0][0]
    tamper(history.url, "UPDATE status_events SET prev_hash = :h WHERE id = :id", h=new, id=second)
    stderr = _fails(history, "verify")
    assert f"event #{second} (seq 2) does not match its hash" in stderr
    assert f"event #{first}" not in stderr


def _rehash(url: str, event_id: int, **changes: Any) -> None:
    """Change an event's fields and recompute its own hash, as a careful forger would."""
    if changes:
        columns = ", ".join(f"{k} = :{k}" for k in changes)
        tamper(url, f"UPDATE status_events SET {columns} WHERE id = :id", id=event_id, **changes)
    row = _rows(
        url,
        "SELECT e.*, c.code FROM status_events e JOIN commitments c ON c.id = e.commitment_id "
        "WHERE e.id = :id",
        id=event_id,
    )[0]
    evidence = [
        chain.EvidenceContent(r.reference, r.kind, r.title, _day(r.published_on))
        for r in _rows(
            url, "SELECT * FROM evidence WHERE event_id = :id ORDER BY position", id=event_id
        )
    ]
    recorded = row.recorded_at
    if isinstance(recorded, str):
        recorded = dt.datetime.fromisoformat(recorded)
    content = chain.EventContent(
        row.code, row.seq, row.party, row.from_status, row.to_status, row.note, row.reason,
        row.actor, _day(row.effective_on), recorded, None, evidence,
    )  # fmt: skip
    digest = chain.event_hash(row.prev_hash, content)
    tamper(url, "UPDATE status_events SET hash = :h WHERE id = :id", h=digest, id=event_id)


def _day(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# --- a tamper test per hashed field -----------------------------------------------------------

EVENT_FIELDS = {
    "party": "'Japan'",
    "from_status": "'dropped'",
    "to_status": "'dropped'",
    "note": "'rewritten'",
    "reason": "'invented'",
    "actor": "'mallory'",
    "effective_on": "'2026-02-02'",
    "recorded_at": "'2026-02-02 00:00:00'",
    "seq": "seq + 100",
}
EVIDENCE_FIELDS = {
    "reference": "'https://evil.example/'",
    "kind": "'other'",
    "title": "'Forged'",
    "published_on": "'2026-01-01'",
}


def test_every_hashed_field_is_caught_when_edited(history: Cli) -> None:
    """Each field of an event and of its evidence, edited alone, breaks that event's hash;
    put back, verify is clean again (so each finding is that field's)."""
    event = _ids(history, "CYB-01")[0]
    where = f"WHERE id = {event}"
    for table, fields, condition in (
        ("status_events", EVENT_FIELDS, where),
        ("evidence", EVIDENCE_FIELDS, f"WHERE event_id = {event} AND position = 0"),
    ):
        for name, value in fields.items():
            old = _rows(history.url, f"SELECT {name} FROM {table} {condition}")[0][0]
            tamper(history.url, f"UPDATE {table} SET {name} = {value} {condition}")
            stderr = _fails(history, "verify")
            assert f"event #{event} (seq " in stderr and "does not match its hash" in stderr, name
            tamper(history.url, f"UPDATE {table} SET {name} = :old {condition}", old=old)
            assert history.ok("verify").startswith("verify: OK"), name
    # A correction's target is hashed too (as the corrected event's seq).
    wrong = _ids(history, "CYB-02")[0]
    history.ok("correct", str(wrong), "--status", "stalled", "--reason", "x")
    *_, other, fix = sorted(_ids(history, "CYB-02"))
    tamper(history.url, f"UPDATE status_events SET corrects_id = {other} WHERE id = {fix}")
    assert f"event #{fix} (seq 3) does not match its hash" in _fails(history, "verify")


# --- verify --against -------------------------------------------------------------------------


@pytest.fixture
def saved(history: Cli, tmp_path: Path) -> dict[str, Path]:
    report, export = tmp_path / "report.json", tmp_path / "export.json"
    history.ok("report", "--format", "json", "-o", str(report))
    history.ok("export", "-o", str(export))
    return {"report": report, "export": export}


@pytest.fixture(params=["report", "export"])
def anchor_file(request: pytest.FixtureRequest, saved: dict[str, Path]) -> Path:
    return saved[request.param]


def test_against_an_unchanged_database(history: Cli, anchor_file: Path) -> None:
    out = history.ok("verify", "--against", str(anchor_file))
    assert f"unchanged since {anchor_file}" in out


def test_against_names_events_added_and_is_ok(history: Cli, anchor_file: Path) -> None:
    history.ok("progress", "CYB-03", "-s", "in_progress")
    history.ok("progress", "CYB-01", "-s", "achieved", "-m", "again")
    out = history.ok("verify", "--against", str(anchor_file))
    assert "CYB-01: 1 event added since" in out and "CYB-03: 1 event added since" in out


def test_against_catches_a_truncated_chain(history: Cli, anchor_file: Path) -> None:
    """Delete the latest event and set the item's head back: the chain verifies, the anchor
    does not."""
    last = _ids(history, "CYB-02")[-1]
    prev = _rows(history.url, "SELECT prev_hash FROM status_events WHERE id = :id", id=last)[0][0]
    tamper(history.url, "DELETE FROM status_events WHERE id = :id", id=last)
    tamper(
        history.url,
        "UPDATE commitments SET chain_head = :h, chain_length = 1, status = 'in_progress' "
        "WHERE code = 'CYB-02'",
        h=prev,
    )
    # The burn-up cache still counts the event; one who knows the tool rebuilds it too.
    assert "burn-up cache of declaration japan-uk-2026 disagrees" in _fails(history, "verify")
    history.ok("db", "rebuild")
    assert history.ok("verify").startswith("verify: OK")
    stderr = _fails(history, "verify", "--against", str(anchor_file))
    assert "CYB-02: 1 event removed since (seq 2)" in stderr


def test_against_catches_a_deleted_item(history: Cli, anchor_file: Path) -> None:
    tamper(history.url, "DELETE FROM evidence WHERE event_id IN (SELECT id FROM status_events "
           "WHERE commitment_id = (SELECT id FROM commitments WHERE code = 'CYB-01'))")  # fmt: skip
    for sql in (
        "DELETE FROM status_events WHERE commitment_id = "
        "(SELECT id FROM commitments WHERE code = 'CYB-01')",
        "DELETE FROM commitments WHERE code = 'CYB-01'",
    ):
        tamper(history.url, sql)
    history.ok("db", "rebuild")  # the burn-up cache too, as a tamperer who knows the tool would
    assert history.ok("verify").startswith(f"verify: OK, {BUNDLED - 1} commitments")
    stderr = _fails(history, "verify", "--against", str(anchor_file))
    assert "CYB-01: item removed since, with its 3 events" in stderr


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("title", "'A softer promise'", "title"),
        ("quote", "'words never said'", "quote"),
        ("kind", "'outlook'", "kind"),
        ("target_date", "'2030-01-01'", "target"),
        ("parties", "'[\"UK\"]'", "parties"),
    ],
)
def test_against_catches_rewritten_item_text(
    history: Cli, saved: dict[str, Path], column: str, value: str, named: str
) -> None:
    tamper(history.url, f"UPDATE commitments SET {column} = {value} WHERE code = 'CYB-03'")
    # The stored content hash (what reports print) no longer matches the text.
    stderr = _fails(history, "verify")
    assert "CYB-03: its stored content hash (what reports print) disagrees with its text" in stderr
    # A careful forger recomputes it too: the hash agrees with the text again, but no text
    # revision explains the text (0014), and a saved anchor names the field.
    assert _rehash_text(history.url) == 1
    stderr = _fails(history, "verify")
    assert "CYB-03: its text is not what text revision seq 1 of its declaration recorded" in stderr
    assert "stored content hash" not in stderr
    for kind, path in saved.items():
        stderr = _fails(history, "verify", "--against", str(path))
        line = next(x for x in stderr.splitlines() if x.startswith("CYB-03: text changed since"))
        if kind == "export" or named != "quote":
            assert named in line, (kind, line)


def test_against_catches_a_rewritten_source_text(history: Cli, anchor_file: Path) -> None:
    tamper(history.url, "UPDATE declarations SET source_text = source_text || ' Also, peace.'")
    stderr = _fails(history, "verify", "--against", str(anchor_file))
    assert "declaration changed since (its source text or details)" in stderr


def test_against_catches_every_hash_recomputed(history: Cli, anchor_file: Path) -> None:
    """The forger edits a note and recomputes every hash after it and the item's head: the
    database verifies, the anchor does not."""
    ids = _ids(history, "CYB-01")
    _rehash(history.url, ids[0], note="a better story")
    for previous, event in itertools.pairwise(ids):
        head = _rows(history.url, "SELECT hash FROM status_events WHERE id = :id", id=previous)
        tamper(history.url, "UPDATE status_events SET prev_hash = :h WHERE id = :id",
               h=head[0][0], id=event)  # fmt: skip
        _rehash(history.url, event)
    head = _rows(history.url, "SELECT hash FROM status_events WHERE id = :id", id=ids[-1])
    tamper(history.url, "UPDATE commitments SET chain_head = :h WHERE code = 'CYB-01'",
           h=head[0][0])  # fmt: skip
    assert history.ok("verify").startswith("verify: OK")
    stderr = _fails(history, "verify", "--against", str(anchor_file))
    if anchor_file.name == "export.json":  # every event is in it: the first changed is named
        assert (
            f"CYB-01: history rewritten since: event #{ids[0]} (seq 1) differs from the "
            "export: note" in stderr
        )
    else:
        assert "CYB-01: history rewritten since: the saved head (seq 3)" in stderr


def test_against_a_digest(history: Cli, saved: dict[str, Path]) -> None:
    out = history.ok("verify")
    heads = out.split("heads digest ")[1].split(";")[0]
    anchor = out.split("anchor digest ")[1].strip()
    # An unfiltered report and an export carry the same two digests as verify prints.
    for path in saved.values():
        data = json.loads(path.read_text(encoding="utf-8"))
        assert (data["heads_digest"], data["anchor_digest"]) == (heads, anchor), path.name
    assert "unchanged since the digest given" in history.ok("verify", "--against", anchor)
    assert "unchanged" in history.ok("verify", "--against", heads.upper())
    tamper(history.url, "UPDATE commitments SET title = 'x' WHERE code = 'CYB-04'")
    _rehash_text(history.url)
    # The heads digest covers chains only; the anchor digest covers the text too. (verify
    # itself fails either way: no text revision explains the new title.)
    assert "matches neither" not in _fails(history, "verify", "--against", heads)
    stderr = _fails(history, "verify", "--against", anchor)
    assert "matches neither the anchor digest nor the heads digest" in stderr


def test_against_a_filtered_report_compares_only_its_items(history: Cli, tmp_path: Path) -> None:
    report = tmp_path / "cyber.json"
    history.ok("report", "--format", "json", "--pillar", "cyber", "-o", str(report))
    history.ok("progress", "ECO-01", "-s", "in_progress")
    out = history.ok("verify", "--against", str(report))
    assert "unchanged since" in out and "item added" not in out


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "not a digest (64 hex digits) nor a readable file"),
        ("not json", "not a saved JSON report or export (invalid JSON"),
        ('{"hello": 1}', "neither a JSON report"),
        # The limits an import holds an export to, before anything parses it.
        ("[" * 100_000, "nested deeper than 8 levels"),
        ('{"schema": "' + "x" * (6 * 4 * 2**20 + 1) + '"}', "a string longer than"),
        (
            '{"schema": 1, "heads_digest": "x", "commitments": [{"code": "A"}]}',
            "carry no chain_length or content_hash",
        ),
    ],
)
def test_against_something_else_is_one_line(
    history: Cli, tmp_path: Path, content: str | None, needle: str
) -> None:
    path = tmp_path / "anchor.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    stderr = _fails(history, "verify", "--against", str(path))
    assert stderr.count("\n") == 1 and needle in stderr


# --- a recorder role on PostgreSQL ------------------------------------------------------------


@pytest.mark.postgres
def test_a_recorder_role_can_record_but_not_rewrite(pg_history: Cli, tmp_path) -> None:
    import uuid

    from sqlalchemy.engine import make_url

    history = pg_history
    owner = _fails(history, "db", "grants", "postgres")
    assert "role 'postgres' owns the tables: a recorder must be another, plain role" in owner
    assert "no role 'nobody_here'" in _fails(history, "db", "grants", "nobody_here")
    role = f"recorder_{uuid.uuid4().hex[:8]}"
    _raw(history.url, f"CREATE ROLE {role} LOGIN")
    try:
        sql_out = history.ok("db", "grants", role)
        assert (
            "GRANT INSERT ON" in sql_out
            and "UPDATE (status, last_update, chain_length, chain_head)" in (sql_out)
        )
        assert ".status_days TO" in sql_out.split("GRANT INSERT, UPDATE, DELETE ON ")[1]
        out = history.ok("db", "grants", role, "--apply")
        assert f"Granted recorder rights to {role}" in out
        url = make_url(history.url).set(username=role).render_as_string(hide_password=False)
        recorder = Cli(url)
        recorder.ok("progress", "CYB-03", "-s", "in_progress", "-m", "by the recorder",
                    "-e", "https://x.example/")  # fmt: skip
        recorder.ok("correct", str(_ids(history, "CYB-03")[0]), "--reason", "typo",
                    "-m", "fixed")  # fmt: skip
        # ... and announce a milestone's date and move the cut-off, chained like any event.
        recorder.ok("milestone", "set", "ministers-2026", "2026-12-15", "-m", "London")
        recorder.ok("cutoff", "set", "2027-01-31", "--reason", "the 2+2 slipped")
        # ... and attach a document (kept in the attachments table).
        (tmp_path / "note.pdf").write_bytes(b"%PDF-1.4 recorder")
        recorder.ok("progress", "CYB-04", "-s", "in_progress", "--attach",
                    str(tmp_path / "note.pdf"))  # fmt: skip
        assert recorder.ok("verify").startswith("verify: OK")
        # Who inserted each event is the server's word: the recorder's own events carry its
        # role whatever --by said, and so does a row it inserts naming someone else.
        shown = json.loads(history.ok("show", "CYB-03", "--format", "json"))["events"]
        assert {e["db_user"] for e in shown} == {role}
        assert f"(database user {role})" in history.ok("show", "CYB-03")
        _raw(
            url,
            "INSERT INTO status_events (commitment_id, from_status, to_status, note, actor, "
            "effective_on, recorded_at, seq, prev_hash, hash, db_user) SELECT commitment_id, "
            "to_status, to_status, '', 'x', effective_on, recorded_at, 99, hash, hash, "
            "'postgres' FROM status_events WHERE commitment_id = (SELECT id FROM commitments "
            "WHERE code = 'CYB-03') AND seq = 2",
        )
        users = {e["db_user"] for e in json.loads(history.ok("show", "CYB-03", "-f", "json"))[
            "events"]}  # fmt: skip
        assert users == {role}
        for statement in (
            "UPDATE milestone_events SET date = '2026-12-01'",
            "DELETE FROM milestone_events",
            "UPDATE milestones SET date = '2026-12-01'",
            "UPDATE status_events SET note = 'x'",
            "DELETE FROM evidence",
            "UPDATE commitments SET title = 'x'",
            "DROP TRIGGER status_events_append_only ON status_events",
            "TRUNCATE chain_builds",
        ):
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                _raw(url, statement)
    finally:
        from tracker.db import dispose_engines

        dispose_engines()
        _raw(history.url, f"DROP OWNED BY {role}")
        _raw(history.url, f"DROP ROLE {role}")


@pytest.mark.postgres
def test_an_upgrade_that_adds_a_table_renews_the_recorders_rights(pg_history: Cli) -> None:
    """0013 added `settings`, which every command reads (the tracker's time zone): a recorder
    granted before it could not record after it. The upgrade renews what `db grants` gave."""
    import uuid

    from sqlalchemy.engine import make_url

    history = pg_history
    role = f"recorder_{uuid.uuid4().hex[:8]}"
    _raw(history.url, f"CREATE ROLE {role} LOGIN")
    try:
        history.ok("db", "grants", role, "--apply")
        history.ok("db", "downgrade", "0012_no_replace", "--yes")
        out = history.ok("db", "upgrade")
        assert f"Recorder rights renewed for {role}." in out
        url = make_url(history.url).set(username=role).render_as_string(hide_password=False)
        Cli(url).ok("progress", "CYB-03", "-s", "in_progress", "-m", "after the upgrade")
        assert Cli(url).ok("verify").startswith("verify: OK")
    finally:
        from tracker.db import dispose_engines

        dispose_engines()
        _raw(history.url, f"DROP OWNED BY {role}")
        _raw(history.url, f"DROP ROLE {role}")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("power", "why"),
    [
        ("member", "is a member of 'postgres', which owns the tables"),
        ("CREATEROLE", "has CREATEROLE"),
        ("BYPASSRLS", "has BYPASSRLS"),
    ],
)
def test_db_grants_checks_a_roles_powers_not_its_name(
    pg_history: Cli, power: str, why: str
) -> None:
    """A role that is a member of the tables' owner acts as the owner; one with CREATEROLE can
    make itself one: neither is a recorder, whatever it is called."""
    import uuid

    role = f"recorder_{uuid.uuid4().hex[:8]}"
    if power == "member":
        _raw(pg_history.url, f"CREATE ROLE {role} LOGIN")
        _raw(pg_history.url, f"GRANT postgres TO {role}")
    else:
        _raw(pg_history.url, f"CREATE ROLE {role} LOGIN {power}")
    try:
        stderr = _fails(pg_history, "db", "grants", role, "--apply")
        assert f"role '{role}' {why}" in stderr and stderr.count("\n") == 1
    finally:
        _raw(pg_history.url, f"DROP ROLE {role}")


def test_grants_on_sqlite_is_one_line(cli_sqlite: Cli) -> None:
    stderr = _fails(cli_sqlite, "db", "grants", "recorder")
    assert stderr.count("\n") == 1 and "grants are for PostgreSQL" in stderr


def test_guards_list_matches_what_install_creates(empty_url: str) -> None:
    from tracker import schema

    with schema.migrating(empty_url) as conn:
        schema.upgrade(conn, empty_url)
        assert triggers.missing(conn) == []
        triggers.remove(conn)
        # Seven guarded tables (0016 added the follow-up links, 0018 the attachments):
        # PostgreSQL two per table and the database-user stamp on events (0013), SQLite three
        # per table.
        guards = 15 if conn.dialect.name == "postgresql" else 21
        assert len(triggers.missing(conn)) == len(triggers.expected(conn.dialect.name)) == guards


def test_a_database_made_before_chain_builds_existed_gets_the_table(empty_url: str) -> None:
    """Databases that passed 0003 before it created chain_builds get it from 0007, guarded;
    and a downgrade through 0003 copes with either."""
    from sqlalchemy import inspect

    from tracker import schema

    with schema.migrating(empty_url) as conn:
        schema.upgrade(conn, empty_url, "0006_japanese")
        conn.execute(text("DROP TABLE chain_builds"))
    with schema.migrating(empty_url) as conn:
        schema.upgrade(conn, empty_url)
        assert inspect(conn).has_table("chain_builds")
        assert triggers.missing(conn) == []
    with schema.migrating(empty_url) as conn:
        schema.downgrade(conn, empty_url, "0006_japanese")
        conn.execute(text("DROP TABLE chain_builds"))
        schema.downgrade(conn, empty_url, "0002_event_party")
        assert not inspect(conn).has_table("chain_builds")


def test_evidence_stored_out_of_order_still_verifies(history: Cli) -> None:
    """Evidence is hashed in its position order, not in the order the rows were stored: rows
    rewritten in reverse (same values) change nothing verify can see."""
    first = _ids(history, "CYB-01")[0]
    rows = _rows(history.url, "SELECT * FROM evidence WHERE event_id = :id ORDER BY position",
                 id=first)  # fmt: skip
    assert len(rows) == 2
    tamper(history.url, "DELETE FROM evidence WHERE event_id = :id", id=first)
    for row in reversed(rows):
        tamper(
            history.url,
            "INSERT INTO evidence (id, event_id, position, reference, kind, title, published_on) "
            "VALUES (:id, :event_id, :position, :reference, :kind, :title, :published_on)",
            **{**row._asdict(), "id": row.id + 1000},
        )
    assert history.ok("verify").startswith("verify: OK")
