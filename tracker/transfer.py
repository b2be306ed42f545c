"""Export everything to versioned JSON, and import it into an empty database, exactly.

The export is deterministic (tables in dependency order, rows by id, keys in column order, no
export timestamp), so two exports of the same history are byte-identical whatever the engine:
that is how a move from SQLite to PostgreSQL is checked. Rows keep their ids, so event numbers
and the hash chains survive the move.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Date, Table, func, insert, select, text
from sqlalchemy.orm import Session

from tracker.chain import heads_digest
from tracker.db import HEAD_REVISION
from tracker.errors import TrackerError
from tracker.models import Base, Commitment, UTCDateTime

FORMAT = "tracker-export"
SCHEMA_VERSION = 1
# Revisions whose tables hold the same columns as the head's: an export from any of them imports
# as is (0004 added an index only).
SAME_DATA = ("0003_chain", "0004_party_index")
BATCH = 2000


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def export_lines(session: Session) -> Iterator[str]:
    """The export as text chunks, streamed table by table."""
    heads = [(c, h) for c, h in session.execute(select(Commitment.code, Commitment.chain_head))]
    yield "{\n"
    yield f'  "format": "{FORMAT}",\n  "schema": {SCHEMA_VERSION},\n'
    yield f'  "revision": "{HEAD_REVISION}",\n'
    yield f'  "heads_digest": "{heads_digest(heads)}",\n'
    yield '  "tables": {'
    for t_index, table in enumerate(_tables()):
        columns = [c.name for c in table.columns]
        yield ("," if t_index else "") + f'\n    "{table.name}": {{\n'
        yield f'      "columns": {json.dumps(columns)},\n      "rows": ['
        query = select(table).order_by(table.c.id).execution_options(yield_per=BATCH)
        for r_index, row in enumerate(session.execute(query)):
            values = [_encode(v) for v in row]
            yield ("," if r_index else "") + "\n        " + json.dumps(values, ensure_ascii=False)
        yield "\n      ]\n    }"
    yield "\n  }\n}\n"


def _decoder(table: Table) -> dict[str, Any]:
    decoders: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            decoders[column.name] = dt.datetime.fromisoformat
        elif isinstance(column.type, Date):
            decoders[column.name] = dt.date.fromisoformat
    return decoders


def read_export(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TrackerError(f"{path}: not a tracker export (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TrackerError(f'{path}: not a tracker export (no "format": "{FORMAT}")')
    if data.get("schema") != SCHEMA_VERSION:
        raise TrackerError(
            f"{path}: export schema {data.get('schema')!r}; this tracker reads {SCHEMA_VERSION}"
        )
    if data.get("revision") not in SAME_DATA:
        raise TrackerError(
            f"{path}: exported at revision {data.get('revision')!r}; this tracker is at "
            f"{HEAD_REVISION} (export and import with the same version)"
        )
    return data


def import_export(session: Session, data: dict[str, Any], source: Path) -> dict[str, int]:
    """Restore an export into an empty database; returns rows per table."""
    for table in _tables():
        if session.scalar(select(func.count()).select_from(table)):
            raise TrackerError(
                f"the database is not empty (table {table.name} has rows); "
                "import needs a new database"
            )
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise TrackerError(f"{source}: not a tracker export (no tables)")
    counts: dict[str, int] = {}
    for table in _tables():
        block = tables.get(table.name, {"columns": [], "rows": []})
        columns = block.get("columns", [])
        expected = [c.name for c in table.columns]
        if block.get("rows") and columns != expected:
            raise TrackerError(
                f"{source}: table {table.name} has columns {columns}, expected {expected}"
            )
        decoders = _decoder(table)
        rows = block.get("rows", [])
        for start in range(0, len(rows), BATCH):
            chunk = []
            for raw in rows[start : start + BATCH]:
                record = dict(zip(columns, raw, strict=True))
                for name, decode in decoders.items():
                    if record.get(name) is not None:
                        record[name] = decode(record[name])
                chunk.append(record)
            session.execute(insert(table), chunk)
        counts[table.name] = len(rows)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # Rows came with their ids; move each sequence past them.
        for table in _tables():
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    digest = heads_digest(session.execute(select(Commitment.code, Commitment.chain_head)).all())
    if data.get("heads_digest") not in (None, digest):
        raise TrackerError(f"{source}: chain heads do not match the export's heads_digest")
    return counts
