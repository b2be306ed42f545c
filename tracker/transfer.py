"""Export everything to versioned JSON, and import it into an empty database, exactly.

The export is deterministic (tables in dependency order, rows by id, keys in column order, no
export timestamp), so two exports of the same history are byte-identical whatever the engine:
that is how a move from SQLite to PostgreSQL is checked. Rows keep their ids, so event numbers
and the hash chains survive the move.

Both directions stream: an export is written a row at a time, and an import reads the file with
an incremental parser (ijson), a table at a time, so a history of millions of events never sits
whole in memory (json.load of one would take gigabytes). The file is read as verify --against
reads it (tracker.export_file): every row held to the limits of its columns.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import burnup, schema, sqlite_url, testpoints
from tracker.anchor import anchor_digest_of, store_content_hashes
from tracker.chain import ANCHOR_FORMAT, heads_digest
from tracker.config import sqlite_path
from tracker.db import HEAD_REVISION, dispose_engines, ensure_sqlite_file
from tracker.errors import FieldError, TrackerError
from tracker.export_file import (
    EARLIER,
    FORMAT,
    SCHEMA_VERSION,
    Export,
    as_at,
    binary_text,
    check_columns,
    columns_given,
    exported_columns,
    exported_tables,
    rows,
)
from tracker.models import Commitment
from tracker.scrub import json_text
from tracker.setup import migrate_and_fill, remove_sqlite_files
from tracker.timeline import store_last_updates
from tracker.verify import verify

# Tables an export of an earlier revision may lack though its schema has them: chain_builds was
# exported only from the append-only revision on (0003 created it later, for upgrades).
NOT_YET_EXPORTED = ("chain_builds",)
BATCH = 2000


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return binary_text(bytes(value))
    return value


def _scoped(session: Session, table: Table, ids: list[int]) -> Any:
    """The condition that keeps `table`'s rows of the declarations `ids` (None: no condition)."""
    from tracker.models import (
        commitments_table,
        events_table,
        links_table,
        milestones_table,
    )

    items = select(commitments_table.c.id).where(commitments_table.c.declaration_id.in_(ids))
    if table.name == "declarations":
        return table.c.id.in_(ids)
    if "declaration_id" in table.c:
        return table.c.declaration_id.in_(ids)
    if table.name == "status_events":
        return table.c.commitment_id.in_(items)
    if table.name == "evidence":
        return table.c.event_id.in_(
            select(events_table.c.id).where(events_table.c.commitment_id.in_(items))
        )
    if table.name == "milestone_events":
        return table.c.milestone_id.in_(
            select(milestones_table.c.id).where(milestones_table.c.declaration_id.in_(ids))
        )
    if table is links_table:
        return table.c.commitment_id.in_(items)
    return None  # the tracker's own: settings, chain builds


def _check_links_within(session: Session, ids: list[int]) -> None:
    """A part of the tracker carries its follow-up links only when the whole chain of links is
    within it (tracker.links: one chain, and a chain with links left out would not verify on
    import); a part no link touches carries none."""
    from sqlalchemy.orm import aliased

    from tracker.models import Declaration, ItemLink

    later, earlier = aliased(Commitment), aliased(Commitment)
    links = session.execute(
        select(later.code, earlier.code, later.declaration_id, earlier.declaration_id)
        .select_from(ItemLink)
        .join(later, later.id == ItemLink.commitment_id)
        .join(earlier, earlier.id == ItemLink.target_id)
        .order_by(ItemLink.seq)
    ).all()
    inside = set(ids)
    if not any(a in inside or b in inside for _c, _t, a, b in links):
        return
    for code, target, a, b in links:
        if a not in inside or b not in inside:
            slugs = dict(session.execute(select(Declaration.id, Declaration.slug)).all())
            missing = slugs[a] if a not in inside else slugs[b]
            raise FieldError(
                "the follow-up links are one chain, and {code} -> {target} reaches beyond the "
                "declarations exported: add {declaration} {missing}, or export everything",
                "declaration",
                code=code,
                target=target,
                missing=missing,
            )


def export_lines(session: Session, declarations: tuple[str, ...] = ()) -> Iterator[str]:
    """The export as text chunks, streamed table by table; of these declarations only, when
    given (a database holding only them: its digests are theirs)."""
    ids: list[int] | None = None
    if declarations:
        from tracker.commitments import resolve_declarations

        ids = resolve_declarations(session, declarations)
        _check_links_within(session, ids)
    codes = select(Commitment.code, Commitment.chain_head)
    if ids is not None:
        codes = codes.where(Commitment.declaration_id.in_(ids))
    heads = [(c, h) for c, h in session.execute(codes)]
    yield "{\n"
    yield f'  "format": "{FORMAT}",\n  "schema": {SCHEMA_VERSION},\n'
    yield f'  "revision": "{HEAD_REVISION}",\n'
    yield f'  "heads_digest": "{heads_digest(heads)}",\n'
    # What `tracker verify --against` compares first (tracker.anchor): heads, lengths, text.
    yield f'  "anchor_digest": "{anchor_digest_of(session, ids)}",\n'
    yield f'  "anchor_format": {ANCHOR_FORMAT},\n'
    yield '  "tables": {'
    for t_index, table in enumerate(exported_tables()):
        exported = exported_columns(table)
        columns = [c.name for c in exported]
        yield ("," if t_index else "") + f'\n    "{table.name}": {{\n'
        yield f'      "columns": {json.dumps(columns)},\n      "rows": ['
        query = (
            select(*exported)
            .order_by(*table.primary_key.columns)
            .execution_options(yield_per=BATCH)
        )
        condition = _scoped(session, table, ids) if ids is not None else None
        if condition is not None:
            query = query.where(condition)
        for r_index, row in enumerate(session.execute(query)):
            values = [_encode(v) for v in row]
            # json_text: an export printed to a terminal cannot command it (the same data).
            row_text = json_text(json.dumps(values, ensure_ascii=False))
            yield ("," if r_index else "") + "\n        " + row_text
        yield "\n      ]\n    }"
    yield "\n  }\n}\n"


def import_export(
    session: Session, export: Export, *, allow_unverified: bool = False
) -> ImportResult:
    """Restore an export into an empty database, a table at a time.

    Every row is held to the CLI's limits, foreign keys are checked on every engine, and every
    chain and the heads digest are verified before the caller commits; a history that does not
    verify is refused, naming the first bad event, unless `allow_unverified` (then it is
    imported and the result lists what failed). The caller's transaction makes it all or
    nothing: an error part-way (a file cut short) leaves no rows behind.
    """
    source = export.path
    earlier = export.revision in EARLIER
    present = _present_columns(session) if earlier else None
    for table in exported_tables():
        if (present is None or table.name in present) and session.scalar(
            select(func.count()).select_from(table)
        ):
            raise TrackerError(
                f"the database is not empty (table {table.name} has rows); "
                "import needs a new database"
            )
    counts: dict[str, int] = {}
    for model in exported_tables():
        columns = columns_given(export, model.name)
        if (
            columns is None
            and present is not None
            and (model.name not in present or model.name in NOT_YET_EXPORTED)
        ):
            continue  # a table its revision does not have, or that its exports did not carry
        if columns is None:
            raise TrackerError(f"{source}: not a complete tracker export (no table {model.name})")
        expected = [c.name for c in exported_columns(model)]
        if present is not None:  # the columns the table had at the export's revision
            expected = [name for name in expected if name in present.get(model.name, ())]
        check_columns(export, model.name, columns, expected)
        table = model if present is None else as_at(model, columns)
        counts[table.name] = 0
        chunk: list[dict[str, Any]] = []
        for record in rows(export, table, columns):
            chunk.append(record)
            if len(chunk) == BATCH:
                _insert(session, table, chunk, source)
                counts[table.name] += len(chunk)
                chunk = []
        if chunk:
            _insert(session, table, chunk, source)
            counts[table.name] += len(chunk)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # Rows came with their ids; move each sequence past them.
        for table in exported_tables():
            if "id" not in table.c:
                continue  # keyed by name (settings): no sequence
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    else:
        # SQLite checked nothing while migrating (foreign keys are off then): check now.
        broken = session.execute(text("PRAGMA foreign_key_check")).first()
        if broken is not None:
            raise TrackerError(
                f"{source}: table {broken[0]}, row {broken[1]}: refers to a missing {broken[2]} row"
            )
    if earlier:
        session.flush()
        connection = session.connection()
        schema.upgrade(connection, connection.engine.url.render_as_string(False))
    store_content_hashes(session.connection())
    store_last_updates(session.connection())
    burnup.rebuild(session.connection())
    result = ImportResult(counts, _verified(session, export, allow_unverified))
    testpoints.pause("import:before-commit")
    return result


def _present_columns(session: Session) -> dict[str, set[str]]:
    """The tables and columns of the database as it is (at an earlier revision)."""

    inspector = inspect(session.connection())
    return {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
    }


@dataclass(frozen=True)
class ImportResult:
    counts: dict[str, int]
    # What failed verification, when the import was allowed to go on without it.
    unverified: list[str]


def restore(url: str, export: Export, *, allow_unverified: bool = False) -> ImportResult:
    """Restore an export into the new, empty database at `url`, created and migrated if needed.

    A new SQLite file is built under a temporary name beside it and moved into place at the end,
    so an import that fails or is killed leaves no file.
    """

    def fill(session: Session) -> ImportResult:
        return import_export(session, export, allow_unverified=allow_unverified)

    revision = export.revision if export.revision in EARLIER else "head"
    target = sqlite_path(url)
    if target is None or target.exists():
        return migrate_and_fill(url, fill, revision)[0]
    return _into_new_sqlite_file(url, target, fill, revision)


def _into_new_sqlite_file(
    url: str, target: Path, fill: Callable[[Session], ImportResult], revision: str = "head"
) -> ImportResult:
    """Fill a temporary file beside `target`, then move it into place: killed at any moment,
    this leaves no file at `target` (at worst a hidden temporary one)."""

    temporary = target.parent / f".{target.name}.import-{secrets.token_hex(4)}"
    temporary_url = sqlite_url.with_path(url, temporary)
    if not ensure_sqlite_file(temporary_url):
        raise TrackerError(f"cannot create a temporary database beside {target}")
    try:
        result, _ = migrate_and_fill(temporary_url, fill, revision)
        dispose_engines()  # closes the connections: SQLite folds its WAL into the file
        wal = Path(f"{temporary}-wal")
        if wal.exists() and wal.stat().st_size:
            raise TrackerError(f"cannot finish {target}: its write-ahead log was not folded in")
        testpoints.pause("import:before-link")
        try:
            # A link, not a rename: it fails rather than replace a file created meanwhile.
            os.link(temporary, target)
        except FileExistsError:
            raise TrackerError(
                f"{target} appeared during the import; nothing was replaced"
            ) from None
        except OSError as exc:
            raise TrackerError(f"cannot create {target}: {exc.strerror or exc}") from None
    finally:
        remove_sqlite_files(temporary_url)
    return result


def _insert(session: Session, table: Table, rows: list[dict[str, Any]], source: Path) -> None:
    try:
        session.execute(insert(table), rows)
    except IntegrityError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise TrackerError(f"{source}: table {table.name}: {reason}") from None
    testpoints.pause("import:mid-batch")


def _verified(session: Session, export: Export, allow_unverified: bool) -> list[str]:
    """Every chain and the heads digest checked, as `tracker verify` checks them."""

    result = verify(session)
    problems = [f"{f.code}: {f.message}" for f in result.findings]
    if result.digest != export.heads_digest:
        problems.append(
            f"heads digest {result.digest[:12]}… is not the export's {export.heads_digest[:12]}…"
            " (commitments or their latest events were removed or added)"
        )
    if problems and not allow_unverified:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise FieldError(
            "{path}: the history does not verify: {problem}{more}; nothing was imported "
            "({allow_unverified} imports it anyway, flagged)",
            "allow_unverified",
            path=export.path,
            problem=problems[0],
            more=more,
        )
    return problems
