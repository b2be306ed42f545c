"""Alembic environment: the tracker's models, batch mode for SQLite, a connection passed in."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection, Engine

from tracker.db import make_engine
from tracker.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # Safe on PostgreSQL (plain ALTERs); on SQLite it rebuilds tables, which needs names.
        render_as_batch=True,
        compare_type=True,
    )


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    # The tracker hands over a Connection in its own transaction; other tools (pytest-alembic,
    # scripts) may hand over an Engine, which gets a connection and a transaction of its own.
    given = config.attributes.get("connection")
    if isinstance(given, Engine):
        with given.begin() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
        return
    if given is not None:
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None, "no sqlalchemy.url and no connection given"
    with make_engine(url, write=True, foreign_keys=False).begin() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
