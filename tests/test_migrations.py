"""Migrations: one head, the code knows it, up and down cleanly, and no drift from the models."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from tracker import db, schema
from tracker.models import Base


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
    cli.ok("db", "downgrade", "base")
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
