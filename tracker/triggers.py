"""History is append-only in the database itself, not only in the tool's code.

Triggers make `status_events`, `evidence`, `chain_builds`, `milestone_events` (from 0011),
`text_revisions` (from 0014), `item_links` (from 0016_follows) and `attachments` (from 0018)
refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE; on SQLite, a REPLACE of an existing
row), so a stray SQL statement or another program cannot rewrite history without first dropping
a guard, which `tracker verify` then reports. They do not stop someone who owns the tables: the
owner can drop a trigger. On PostgreSQL a recorder role that holds only SELECT and INSERT on
them (`tracker db grants`) cannot.

Migrations 0007_append_only, 0011_milestones, 0012_no_replace (SQLite's REPLACE, which deletes
the row it replaces without a DELETE trigger), 0014_text_revisions and 0018_attachments
installed them with their
own copy of this SQL (migrations stand alone); `install` here is `tracker db guard`'s, and
`missing` what `tracker verify` checks. A later migration that rebuilds one of these tables on
SQLite (batch mode) drops its triggers and must create them again, with its own copy of the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from tracker.errors import TrackerError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

GUARDED = (
    "status_events",
    "evidence",
    "chain_builds",
    "milestone_events",
    "text_revisions",
    "item_links",
    "attachments",
)
PG_FUNCTION = "tracker_append_only"
# PostgreSQL: who inserted an event is the database's word, not the inserter's (0013_clock). The
# owner may keep the name a row carries (an import restores the original); anyone else gets
# their own `session_user`.
DB_USER_FUNCTION = "tracker_db_user"
DB_USER_TRIGGER = "status_events_db_user"
_DB_USER_BODY = (
    " BEGIN IF NOT pg_has_role(session_user, "
    "(SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') "
    "THEN NEW.db_user := session_user; END IF; RETURN NEW; END "
)


@dataclass(frozen=True)
class Trigger:
    table: str
    name: str


def expected(dialect: str) -> list[Trigger]:
    """The triggers a database at head must hold, by engine."""
    suffixes: tuple[str, ...]
    if dialect == "postgresql":
        suffixes = ("append_only", "no_truncate")
    else:
        suffixes = ("no_update", "no_delete", "no_replace")
    guards = [Trigger(t, f"{t}_{s}") for t in GUARDED for s in suffixes]
    if dialect == "postgresql":
        guards.append(Trigger("status_events", DB_USER_TRIGGER))
    return guards


_PG_BODY = (
    " BEGIN RAISE EXCEPTION '% is append-only: % refused (tracker)', TG_TABLE_NAME, TG_OP "
    "USING ERRCODE = 'restrict_violation'; END "
)


# Each guarded table's chain key beside its id: SQLite's REPLACE naming an existing row deletes
# it before inserting, and fires no DELETE trigger for that (0012_no_replace).
_KEYS = {
    "status_events": ("commitment_id", "seq"),
    "evidence": ("event_id", "position"),
    "chain_builds": (),
    "milestone_events": ("milestone_id", "seq"),
    "text_revisions": ("declaration_id", "seq"),
    "item_links": ("seq",),
    "attachments": ("sha256",),
}


def _sqlite_trigger(table: str, operation: str) -> str:
    if operation == "REPLACE":
        clash = "id = NEW.id"
        if _KEYS[table]:
            clash += " OR (" + " AND ".join(f"{k} = NEW.{k}" for k in _KEYS[table]) + ")"
        return (
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) BEGIN "
            f"SELECT RAISE(ABORT, '{table} is append-only: REPLACE refused (tracker)'); END"
        )
    return (
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} BEGIN "
        f"SELECT RAISE(ABORT, '{table} is append-only: {operation} refused (tracker)'); END"
    )


def install(connection: Connection, tables: tuple[str, ...] = GUARDED) -> None:
    """Create the guards of `tables` (idempotent: an existing one is replaced)."""

    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $${_PG_BODY}$$"
            )
        )
        for table in tables:
            for name, when, each in (
                (f"{table}_append_only", "UPDATE OR DELETE", "ROW"),
                (f"{table}_no_truncate", "TRUNCATE", "STATEMENT"),
            ):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
                connection.execute(
                    text(
                        f"CREATE TRIGGER {name} BEFORE {when} ON {table} "
                        f"FOR EACH {each} EXECUTE FUNCTION {PG_FUNCTION}()"
                    )
                )
        if "status_events" in tables:
            connection.execute(
                text(
                    f"CREATE OR REPLACE FUNCTION {DB_USER_FUNCTION}() RETURNS trigger "
                    f"LANGUAGE plpgsql AS $${_DB_USER_BODY}$$"
                )
            )
            connection.execute(text(f"DROP TRIGGER IF EXISTS {DB_USER_TRIGGER} ON status_events"))
            connection.execute(
                text(
                    f"CREATE TRIGGER {DB_USER_TRIGGER} BEFORE INSERT ON status_events "
                    f"FOR EACH ROW EXECUTE FUNCTION {DB_USER_FUNCTION}()"
                )
            )
        return
    for table in tables:
        for operation in ("UPDATE", "DELETE", "REPLACE"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{operation.lower()}"))
            connection.execute(text(_sqlite_trigger(table, operation)))


def remove(connection: Connection, tables: tuple[str, ...] = GUARDED) -> None:
    """Drop the guards of `tables` (those that exist)."""

    postgres = connection.dialect.name == "postgresql"
    for trigger in expected(connection.dialect.name):
        if trigger.table in tables:
            on = f" ON {trigger.table}" if postgres else ""
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger.name}{on}"))
    if postgres and set(tables) == set(GUARDED):
        connection.execute(text(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"))
        connection.execute(text(f"DROP FUNCTION IF EXISTS {DB_USER_FUNCTION}()"))


def missing(connection: Connection) -> list[Trigger]:
    """The guards that are not there, disabled, or not what `install` made (a trigger of the
    same name that does nothing is no guard)."""

    dialect = connection.dialect.name
    present: set[tuple[str, str]] = set()
    if dialect == "postgresql":
        rows = connection.execute(
            text(
                "SELECT c.relname, t.tgname, t.tgtype FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE c.oid = ANY(ARRAY["
                + ", ".join(f"to_regclass('{table}')" for table in GUARDED)
                + "]::oid[]) AND NOT t.tgisinternal "
                "AND t.tgenabled <> 'D' AND p.proname = :function AND p.prosrc = :body"
            ),
            {"function": PG_FUNCTION, "body": _PG_BODY},
        ).all()
        # tgtype bits: 1 row, 2 before, 8 delete, 16 update, 32 truncate.
        wanted = {"append_only": 1 | 2 | 8 | 16, "no_truncate": 2 | 32}
        for table, name, kind in rows:
            suffix = name.removeprefix(f"{table}_")
            if wanted.get(suffix) == kind:
                present.add((table, name))
        # tgtype: row, before, insert (4).
        if connection.execute(
            text(
                "SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgrelid = to_regclass('status_events') AND t.tgname = :name "
                "AND t.tgenabled <> 'D' AND t.tgtype = 7 AND p.proname = :function "
                "AND p.prosrc = :body"
            ),
            {"name": DB_USER_TRIGGER, "function": DB_USER_FUNCTION, "body": _DB_USER_BODY},
        ).first():
            present.add(("status_events", DB_USER_TRIGGER))
    else:
        for table, name, sql in connection.execute(
            text("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")
        ):
            operation = name.removeprefix(f"{table}_no_").upper()
            if sql == _sqlite_trigger(table, operation):
                present.add((table, name))
    return [t for t in expected(dialect) if (t.table, t.name) not in present]


def recorders(connection: Connection) -> list[str]:
    """PostgreSQL: the roles `grants` made recorders (they may insert events but do not own
    them), so an upgrade that adds a table can extend their rights to it."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(
        text(
            "SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g "
            "JOIN pg_tables t ON t.tablename = g.table_name AND t.schemaname = g.table_schema "
            "WHERE g.table_name = 'status_events' AND g.table_schema = current_schema() "
            "AND g.privilege_type = 'INSERT' AND g.grantee <> t.tableowner "
            "AND g.grantee <> 'PUBLIC' ORDER BY g.grantee"
        )
    ).scalars()
    return list(rows)


def grants(connection: Connection, role: str) -> list[str]:
    """GRANT statements for a PostgreSQL role that records progress and reads, and no more."""

    if connection.dialect.name != "postgresql":
        raise TrackerError(
            "grants are for PostgreSQL; a SQLite file is guarded by its file permissions "
            "(owner only) and its triggers"
        )
    if not role or len(role) > 63 or "\x00" in role:
        raise TrackerError(f"invalid role name {role!r}")
    found = connection.execute(
        text("SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = :role"),
        {"role": role},
    ).first()
    if found is None:
        raise TrackerError(f"no role {role!r}; create it first (CREATE ROLE ... LOGIN)")
    owner = connection.execute(
        text(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'status_events' "
            "AND schemaname = current_schema()"
        )
    ).scalar_one()
    # An owner can drop the guards and a superuser bypasses grants: neither can be a recorder,
    # and revoking an owner's rights would break init, load and upgrades.
    # Its powers, not its name: a member of the owner acts as the owner (it can drop a guard,
    # rewrite history and put the guard back), CREATEROLE can grant itself that membership, and
    # BYPASSRLS is more than a recorder needs.
    member = connection.execute(
        text("SELECT pg_has_role(:role, :owner, 'MEMBER')"), {"role": role, "owner": owner}
    ).scalar_one()
    why = None
    if role == owner:
        why = "owns the tables"
    elif found.rolsuper:
        why = "is a superuser"
    elif member:
        why = f"is a member of {owner!r}, which owns the tables"
    elif found.rolcreaterole:
        why = "has CREATEROLE (it could make itself a member of the tables' owner)"
    elif found.rolbypassrls:
        why = "has BYPASSRLS"
    if why is not None:
        raise TrackerError(f"role {role!r} {why}: a recorder must be another, plain role")
    quote = connection.dialect.identifier_preparer.quote
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    sequences = [
        connection.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        ).scalar_one()
        for table in ("status_events", "evidence", "milestone_events", "milestones", "attachments")
    ]
    who, where = quote(role), quote(schema)
    return [
        f"GRANT USAGE ON SCHEMA {where} TO {who}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {where} TO {who}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {where} FROM {who}",
        f"GRANT INSERT ON {where}.status_events, {where}.evidence TO {who}",
        # ... and the documents attached to its evidence (tracker.attachments).
        f"GRANT INSERT ON {where}.attachments TO {who}",
        # Announcements of a milestone's date or a cut-off (tracker.milestones), and the
        # cut-off's milestone row that the first `tracker cutoff set` adds.
        f"GRANT INSERT ON {where}.milestone_events, {where}.milestones TO {who}",
        # progress locks the item (SELECT ... FOR UPDATE) and updates its cached status, last
        # update and chain end; nothing else of it.
        f"GRANT UPDATE (status, last_update, chain_length, chain_head) "
        f"ON {where}.commitments TO {who}",
        # ... and adds its event's moves to the burn-up cache (tracker.burnup), deleting a day's
        # row that a correction leaves empty: derived rows, which `tracker verify` rebuilds in
        # its head and compares.
        f"GRANT INSERT, UPDATE, DELETE ON {where}.status_days TO {who}",
        f"GRANT USAGE ON SEQUENCE {', '.join(sequences)} TO {who}",
    ]
