"""Migrations: one head, the code knows it, up and down cleanly, and no drift from the models."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select

from tracker import chain, db, schema
from tracker.models import Base, status_days_table


def test_single_head_known_to_the_code(sqlite_url: str) -> None:
    script = ScriptDirectory.from_config(schema.alembic_config(sqlite_url))
    assert len(script.get_heads()) == 1
    assert script.get_current_head() == db.HEAD_REVISION
    ordered = [s.revision for s in reversed(list(script.walk_revisions()))]
    assert tuple(ordered) == db.REVISIONS


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    expected = set(Base.metadata.tables)
    with schema.migrating(empty_url) as conn:
        schema.upgrade(conn, empty_url)
    assert _tables(empty_url) == expected | {"alembic_version"}
    with schema.migrating(empty_url) as conn:
        schema.downgrade(conn, empty_url, "base")
    assert _tables(empty_url) <= {"alembic_version"}
    with schema.migrating(empty_url) as conn:
        schema.upgrade(conn, empty_url)
    assert schema.current_revision(empty_url) == db.HEAD_REVISION


def test_models_match_migrations(empty_url: str) -> None:
    """Autogenerate finds nothing to do: the models have not drifted from the migrations."""
    with schema.migrating(empty_url) as conn:
        schema.upgrade(conn, empty_url)
        command.check(schema.alembic_config(empty_url, conn))


def test_commands_refuse_a_database_behind_head(cli) -> None:
    cli.ok("db", "downgrade", "base", "--yes")  # it holds the declaration: confirmed
    result = cli("list")
    assert result.exit_code == 1
    assert "not initialised" in result.stderr or "older than this tracker" in result.stderr
    cli.ok("db", "upgrade")


def test_commands_refuse_a_database_ahead_of_the_code(cli) -> None:
    from sqlalchemy import text

    engine = create_engine(cli.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "9999_future" in result.stderr and "upgrade tracker" in result.stderr


def test_db_current_and_history(cli) -> None:
    out = cli.ok("db", "current")
    assert db.HEAD_REVISION in out and "Up to date" in out
    out = cli.ok("db", "history")
    assert all(rev in out for rev in db.REVISIONS)
    assert "[applied]" in out


def test_upgrade_from_0001_keeps_every_event(empty_url: str) -> None:
    """A database built at the first revision, with history, upgrades with nothing lost."""
    sqlite_url = empty_url  # on each engine
    from sqlalchemy import text

    with schema.migrating(sqlite_url) as conn:
        schema.upgrade(conn, sqlite_url, "0001_initial")
        conn.execute(
            text(
                "INSERT INTO declarations (id, slug, title, date, place, parties, source, "
                "source_text) VALUES (1, 'd', 'D', '2026-01-31', 'Tokyo', '[\"Japan\", \"UK\"]', "
                "'s', 'text')"
            )
        )
        conn.execute(
            text("INSERT INTO pillars (id, declaration_id, slug, title, position) "
                 "VALUES (1, 1, 'p', 'P', 1)")
        )  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO commitments (id, code, declaration_id, pillar_id, position, title, "
                "description, quote, kind, parties, owners, status) VALUES (1, 'ABC-01', 1, 1, "
                "1, 'T', '', 'text', 'commitment', '[\"Japan\", \"UK\"]', '[]', 'achieved')"
            )
        )
        for i, (old, new) in enumerate(
            [("not_started", "in_progress"), ("in_progress", "achieved")]
        ):
            conn.execute(
                text(
                    "INSERT INTO status_events (id, commitment_id, from_status, to_status, note, "
                    "actor, effective_on, recorded_at) VALUES (:id, 1, :old, :new, :note, 'a', "
                    ":on, :at)"
                ),
                {
                    "id": i + 1,
                    "old": old,
                    "new": new,
                    "note": f"note {i}",
                    "on": dt.date(2026, 3 + i, 1),
                    "at": dt.datetime(2026, 3 + i, 1, 12, tzinfo=dt.UTC),
                },
            )
        conn.execute(
            text("INSERT INTO evidence (id, event_id, position, reference) VALUES (1, 2, 0, 'doc')")
        )
    with schema.migrating(sqlite_url) as conn:
        schema.upgrade(conn, sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, to_status, note, party FROM status_events ORDER BY id")
        ).all()
        evidence = conn.execute(text("SELECT event_id, reference FROM evidence")).all()
        stored_hash = conn.execute(text("SELECT content_hash FROM commitments")).scalar_one()
        S = status_days_table.c
        burnup = conn.execute(
            select(S.day, S.status, S.delta, S.moves).order_by(S.day, S.status)
        ).all()
    engine.dispose()
    # 0009 filled the burn-up cache from the events: each moves the item on its day.
    assert [tuple(r) for r in burnup] == [
        (dt.date(2026, 3, 1), "in_progress", 1, 1),
        (dt.date(2026, 3, 1), "not_started", -1, 1),
        (dt.date(2026, 4, 1), "achieved", 1, 1),
        (dt.date(2026, 4, 1), "in_progress", -1, 1),
    ]
    # 0008 stored the item's content hash, as `load` would have, and 0014 in FORMAT 2 (which
    # adds the declaration's slug and the pillar's title; the rest are empty at 0001).
    content = chain.ItemContent(
        "ABC-01", "p", "T", "", "text", "commitment", ["Japan", "UK"], [], None, None,
        declaration="d", pillar_title="P",
    )  # fmt: skip
    assert stored_hash == chain.item_hash(content)
    assert [tuple(r) for r in rows] == [
        (1, "in_progress", "note 0", None),
        (2, "achieved", "note 1", None),
    ]
    assert [tuple(r) for r in evidence] == [(2, "doc")]


def test_downgrade_refuses_to_drop_party_events(cli) -> None:
    cli.ok("progress", "CYB-01", "-s", "achieved", "--party", "UK")
    result = cli("db", "downgrade", "0001_initial", "--yes")
    assert result.exit_code == 1
    assert "per-party events would lose their party" in result.stderr
    assert db.HEAD_REVISION in cli.ok("db", "current")  # rolled back whole


def test_db_current_behind_says_what_upgrade_applies(cli) -> None:
    # --yes: the head's downgrade drops the text revision of the load that made the database.
    cli.ok("db", "downgrade", db.REVISIONS[-2], "--yes")
    out = cli.ok("db", "current")
    assert db.REVISIONS[-2] in out
    assert "`tracker db upgrade` would apply:" in out
    assert db.HEAD_REVISION in out
    result = cli("show", "CYB-01")
    assert result.exit_code == 1
    assert "run `tracker db upgrade`" in result.stderr
    cli.ok("db", "upgrade")
    assert cli.ok("verify").startswith("verify: OK")


def test_the_burn_up_upgrade_builds_what_progress_kept(cli) -> None:
    """0009 builds the cache from a history (party events, a backdated event, a correction)
    exactly as progress and correct kept it event by event; its downgrade drops only it."""
    cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-03-01")
    cli.ok("progress", "CYB-01", "-s", "stalled", "--on", "2026-04-01", "--party", "UK")
    cli.ok("progress", "CYB-01", "-s", "achieved", "--on", "2026-05-01")
    cli.ok("progress", "CYB-01", "-s", "in_progress", "--on", "2026-02-10")
    result = cli.ok("progress", "CYB-02", "-s", "in_progress", "--on", "2026-03-01")
    event = result.split("event #")[1].split()[0].rstrip(")")
    cli.ok("correct", event, "--reason", "wrong day", "--on", "2026-03-02")

    def cache() -> list[tuple[object, ...]]:
        engine = create_engine(cli.url)
        try:
            with engine.connect() as conn:
                S = status_days_table.c
                return [tuple(r) for r in conn.execute(select(status_days_table).order_by(
                    S.declaration_id, S.day, S.status))]  # fmt: skip
        finally:
            engine.dispose()

    kept = cache()
    assert [row[1:] for row in kept] == [
        (dt.date(2026, 2, 10), "in_progress", 1, 1),
        (dt.date(2026, 2, 10), "not_started", -1, 1),
        # The backdated event put CYB-01 in progress before this one: a move to the same status.
        (dt.date(2026, 3, 1), "in_progress", 0, 2),
        # The correction moved CYB-02's event a day on: 2026-03-01 is left with CYB-01's only.
        (dt.date(2026, 3, 2), "in_progress", 1, 1),
        (dt.date(2026, 3, 2), "not_started", -1, 1),
        (dt.date(2026, 5, 1), "achieved", 1, 1),
        (dt.date(2026, 5, 1), "in_progress", -1, 1),
    ]
    out = cli.ok("db", "downgrade", "0008_content_hash", "--yes")
    # Derived: nothing to confirm for it. (PostgreSQL stamps each event with its database
    # user, which 0013's downgrade drops: that is all it names.)
    # 0015's drops the Japanese names the fixture gives, and 0014's the text revision of the
    # load that made the database.
    assert "(dropped the Japanese place, owners' names or provenance notes of " in out
    revision = "; 1 text revision(s) (the chained record of what each `tracker load` changed in "
    if cli.url.startswith("postgresql"):
        assert revision in out
        assert "; the database user that inserted each of 6 event(s))." in out
    else:
        assert revision in out and "database user" not in out
    assert "status_days" not in _tables(cli.url)
    cli.ok("db", "upgrade")
    assert cache() == kept
    assert cli.ok("verify").startswith("verify: OK")
