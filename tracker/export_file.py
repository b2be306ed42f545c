"""An export, read as untrusted input: its header, its tables and every row, each value held
to the limits of its column (tracker.limits).

`import` restores what it reads and `verify --against` compares with it: both read it here,
after the same depth and size scan and the same outline (tracker.jsonfile), so a hostile export
is refused by both with the same words.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Date, Integer, LargeBinary, MetaData, String, Table, Text

from tracker import limits
from tracker.db import HEAD_REVISION, REVISIONS
from tracker.errors import TrackerError
from tracker.jsonfile import EXPORT, Found, check_shape, elements, first, outline, require
from tracker.models import Base, UTCDateTime

FORMAT = "tracker-export"
SCHEMA_VERSION = 1
# Revisions whose tables hold the same columns as the head's: an export from any of them imports
# as is. 0006 added columns, so earlier exports do not; 0007 added triggers and the chain_builds
# table, which a 0006 export lacks (none of its chains was recorded as built after the fact);
# 0008 a derived column and 0009 a derived table, which no export carries (see
# exported_columns); 0010 added a column; 0011 the milestones, their announcements and the
# items' milestone slugs; 0012 only triggers; 0013 the settings (the tracker's time zone) and the
# events' database user; 0014 the text revisions; 0015 the Japanese place, owners and provenance;
# 0016 the follow-up links between items; 0017 a derived column (the last update); 0018 the
# attached documents and the evidence's attachment fields.
SAME_DATA = ("0018_attachments",)
# Earlier revisions that exports were written at (export came with 0003): such an export is
# restored at its own revision, with the columns it has, then upgraded to head in the same
# transaction, as the database it came from would have been.
EARLIER = REVISIONS[REVISIONS.index("0003_chain") : REVISIONS.index(SAME_DATA[0])]
# Revisions renamed since exports named them: the append-only revision was 0006 until the
# translations' revision was put before it; its exports hold 0005's columns and chain_builds.
RENAMED = {"0006_append_only": "0005_provenance"}
HEX64 = re.compile(r"[0-9a-f]{64}")


def exported_tables() -> list[Table]:
    """The tables an export carries: not the derived ones (marked in the models), which the
    import rebuilds."""
    return [t for t in Base.metadata.sorted_tables if not t.info.get("derived")]


def exported_columns(table: Table) -> list[Column[Any]]:
    """The columns an export carries: not those derived from others (marked in the models),
    which the import recomputes, so an export cannot bring in a cache out of step with its data."""
    return [c for c in table.columns if not c.info.get("derived")]


def as_at(model: Table, columns: list[str]) -> Table:
    """The head's table with only `columns` (those it had at an earlier revision), typed as
    the head types them."""
    return Table(model.name, MetaData(), *(model.c[name]._copy() for name in columns))


def _outline_keys() -> set[str]:
    """What an export's outline looks at: its header, and each table's columns and rows."""
    keys = {"format", "schema", "revision", "heads_digest", "anchor_digest", "anchor_format"}
    keys.add("tables")
    for table in exported_tables():
        name = f"tables.{table.name}"
        keys |= {name, f"{name}.columns", f"{name}.rows"}
    return keys


OUTLINE = frozenset(_outline_keys())


@dataclass(frozen=True)
class Export:
    """An export file whose header has been checked; its rows are read by `rows`."""

    path: Path
    heads_digest: str
    # The schema revision it was written at: the head's data (SAME_DATA) or EARLIER.
    revision: str = HEAD_REVISION
    anchor_digest: str | None = None
    outline: dict[str, Found] = field(default_factory=dict, compare=False)


def _value(found: dict[str, Found], key: str) -> Any:
    there = found.get(key)
    return None if there is None else there.value


def read_export(path: Path, found: dict[str, Found] | None = None) -> Export:
    """Check the shape, outline and header of an export (format, schema, revision, heads
    digest) before anything is written. `found`: its outline, when the caller has read it."""
    if found is None:
        try:
            if not path.is_file():
                raise TrackerError(f"cannot read {path}: not a regular file")
        except OSError as exc:
            raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
        check_shape(path)
        found = outline(path, OUTLINE)
    if _value(found, "format") != FORMAT:
        raise TrackerError(f'{path}: not a tracker export (no "format": "{FORMAT}")')
    schema = _value(found, "schema")
    if schema != SCHEMA_VERSION or isinstance(schema, bool):
        raise TrackerError(f"{path}: export schema {schema!r}; this tracker reads {SCHEMA_VERSION}")
    revision = _value(found, "revision")
    revision = RENAMED.get(revision, revision) if isinstance(revision, str) else revision
    if revision not in SAME_DATA + EARLIER:
        raise TrackerError(
            f"{path}: exported at revision {revision!r}; this tracker is at "
            f"{HEAD_REVISION} and reads exports from {EARLIER[0]} on (import it with the "
            "version that wrote it, or a newer one that knows its revision)"
        )
    digest = _value(found, "heads_digest")
    if not isinstance(digest, str) or not HEX64.fullmatch(digest):
        raise TrackerError(
            f"{path}: no heads_digest (a SHA-256 in hex): the history cannot be checked"
        )
    require(path, found, "tables", "object")
    anchor = _value(found, "anchor_digest")
    return Export(
        path=path,
        heads_digest=digest,
        revision=revision,
        anchor_digest=anchor if isinstance(anchor, str) else None,
        outline=found,
    )


def columns_given(export: Export, name: str) -> list[str] | None:
    """The columns the export gives for table `name`, None when it has no such table; refused
    unless the table is an object holding a list of columns and a list of rows."""
    key = f"tables.{name}"
    there = export.outline.get(key)
    if there is None or there.kind == "null":
        return None
    require(export.path, export.outline, key, "object")
    require(export.path, export.outline, f"{key}.columns", "list")
    require(export.path, export.outline, f"{key}.rows", "list")
    columns = first(export.path, f"{key}.columns")
    assert isinstance(columns, list)
    return columns


def check_columns(export: Export, name: str, columns: list[str], expected: list[str]) -> None:
    if columns != expected:
        raise TrackerError(
            f"{export.path}: table {name} has columns {_shown(columns)}, expected {expected}"
        )


def table_rows(export: Export, name: str, needs: Collection[str] = ()) -> Iterator[dict[str, Any]]:
    """The rows of table `name` for a reader that restores nothing (verify --against): those
    of an export at the head's revision, or at an earlier one with the columns it had then
    (some of the head's), of which `needs` must be."""
    model = Base.metadata.tables[name]
    columns = columns_given(export, name)
    if columns is None:
        raise TrackerError(f"{export.path}: not a complete tracker export (no table {name})")
    head = [c.name for c in exported_columns(model)]
    if export.revision in SAME_DATA or not (
        len(set(columns)) == len(columns) and set(needs) <= set(columns) <= set(head)
    ):
        check_columns(export, name, columns, head)
    yield from rows(export, model if columns == head else as_at(model, columns), columns)


def rows(export: Export, table: Table, columns: list[str]) -> Iterator[dict[str, Any]]:
    """Each row of `table` (named by `columns`) as a record by column name, dates and times
    decoded, every value held to its column's limits: the first that is not is refused in one
    line naming the table, the row and the column."""
    source = export.path
    decoders = _decoders(table)
    binary = [c.name for c in exported_columns(table) if isinstance(c.type, LargeBinary)]
    checks = column_checks(table)
    width = len(columns)
    for where, raw in elements(source, export.outline, f"tables.{table.name}.rows", EXPORT):
        if not isinstance(raw, list) or len(raw) != width:
            raise TrackerError(f"{source}: {where} is not a row of {width} values: {_shown(raw)}")
        record = dict(zip(columns, raw, strict=True))
        key = "id" if "id" in record else next(iter(record), "id")  # settings: by name
        at = f"{source}: table {table.name}, row {key} {_shown(record.get(key))}"
        for name in binary:
            try:
                record[name] = _binary(record[name])
            except ValueError as exc:
                raise TrackerError(f"{at}: {name}: {exc}") from None
        for name, decode in decoders.items():
            if isinstance(record[name], str):
                try:
                    record[name] = decode(record[name])
                except (TypeError, ValueError):
                    raise TrackerError(
                        f"{at}: {name} {_shown(record[name])} is not a date or time"
                    ) from None
            elif record[name] is not None:
                raise TrackerError(f"{at}: {name} {_shown(record[name])} is not a date")
        for name, check in checks.items():
            problem = check(record[name])
            if problem is not None:
                raise TrackerError(f"{at}: {limits.said(name, problem)}")
        yield record


# An attached document's bytes in an export: base64 text in pieces of at most this many
# characters (a multiple of 4), so no string reaches the scanner's limit on one string
# (tracker.jsonfile) and the parser never meets one of megabytes.
BINARY_PIECE = 1 << 20


def binary_text(content: bytes) -> list[str]:
    """Bytes as an export writes them: a list of base64 pieces (an empty list for none)."""
    text = base64.b64encode(content).decode("ascii")
    return [text[i : i + BINARY_PIECE] for i in range(0, len(text), BINARY_PIECE)]


def _binary(value: Any) -> bytes:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError("not a list of base64 texts")
    try:
        return base64.b64decode("".join(value), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64 ({exc})") from None


def _decoders(table: Table) -> dict[str, Callable[[str], Any]]:
    decoders: dict[str, Callable[[str], Any]] = {}
    for column in exported_columns(table):
        if isinstance(column.type, UTCDateTime):
            decoders[column.name] = dt.datetime.fromisoformat
        elif isinstance(column.type, Date):
            decoders[column.name] = dt.date.fromisoformat
    return decoders


def column_checks(table: Table) -> dict[str, Callable[[Any], str | None]]:
    """Per column, a function returning what is wrong with a value (None when it is fine): the
    limits every writer holds the column to (tracker.limits), so an import cannot bring in what
    the loader and the commands refuse."""
    checks: dict[str, Callable[[Any], str | None]] = {}
    for column in exported_columns(table):
        nullable = bool(column.nullable)
        if isinstance(column.type, JSON | String | Text):
            if (table.name, column.name) not in limits.FIELDS:
                raise AssertionError(f"no limit for {table.name}.{column.name} (tracker.limits)")
            checks[column.name] = limits.check(table.name, column.name, nullable=nullable)
        elif isinstance(column.type, Integer):
            checks[column.name] = _integer(nullable)
        else:  # dates and times: decoded, then checked by type
            checks[column.name] = _present(nullable)
    return checks


def _integer(nullable: bool) -> Callable[[Any], str | None]:
    return lambda value: limits.integer_problem(value, nullable=nullable)


def _present(nullable: bool) -> Callable[[Any], str | None]:
    return lambda value: "is missing" if value is None and not nullable else None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
