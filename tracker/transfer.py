"""Export everything to versioned JSON, and import it into an empty database, exactly.

The export is deterministic (tables in dependency order, rows by id, keys in column order, no
export timestamp), so two exports of the same history are byte-identical whatever the engine:
that is how a move from SQLite to PostgreSQL is checked. Rows keep their ids, so event numbers
and the hash chains survive the move.

Both directions stream: an export is written a row at a time, and an import reads the file with
an incremental parser (ijson), a table at a time, so a history of millions of events never sits
whole in memory (json.load of one would take gigabytes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import burnup, schema, sqlite_url, testpoints
from tracker.anchor import anchor_digest_of, store_content_hashes
from tracker.chain import ANCHOR_FORMAT, heads_digest
from tracker.config import sqlite_path
from tracker.db import HEAD_REVISION, REVISIONS, dispose_engines, ensure_sqlite_file
from tracker.errors import FieldError, TrackerError
from tracker.jsonfile import MAX_SOURCE_CHARS, check_shape, first, items
from tracker.models import EVIDENCE_KINDS, Base, Commitment, UTCDateTime
from tracker.progress import MAX_TEXT
from tracker.scrub import json_text
from tracker.setup import migrate_and_fill, remove_sqlite_files
from tracker.verify import verify

FORMAT = "tracker-export"
SCHEMA_VERSION = 1
# Revisions whose tables hold the same columns as the head's: an export from any of them imports
# as is. 0006 added columns, so earlier exports do not; 0007 added triggers and the chain_builds
# table, which a 0006 export lacks (none of its chains was recorded as built after the fact);
# 0008 a derived column and 0009 a derived table, which no export carries (see _columns); 0010
# added a column; 0011 the milestones, their announcements and the items' milestone slugs; 0012
# only triggers; 0013 the settings (the tracker's time zone) and the events' database user; 0014
# the text revisions.
SAME_DATA = ("0014_text_revisions",)
# Earlier revisions that exports were written at (export came with 0003): such an export is
# restored at its own revision, with the columns it has, then upgraded to head in the same
# transaction, as the database it came from would have been.
EARLIER = REVISIONS[REVISIONS.index("0003_chain") : REVISIONS.index(SAME_DATA[0])]
# Revisions renamed since exports named them: the append-only revision was 0006 until the
# translations' revision was put before it; its exports hold 0005's columns and chain_builds.
RENAMED = {"0006_append_only": "0005_provenance"}
# Tables an export of an earlier revision may lack though its schema has them: chain_builds was
# exported only from the append-only revision on (0003 created it later, for upgrades).
NOT_YET_EXPORTED = ("chain_builds",)
BATCH = 2000


def _tables() -> list[Table]:
    """The tables an export carries: not the derived ones (marked in the models), which the
    import rebuilds (see _columns)."""
    return [t for t in Base.metadata.sorted_tables if not t.info.get("derived")]


def _columns(table: Table) -> list[Column[Any]]:
    """The columns an export carries: not those derived from others (marked in the models),
    which the import recomputes, so an export cannot bring in a cache out of step with its data."""
    return [c for c in table.columns if not c.info.get("derived")]


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
    # What `tracker verify --against` compares first (tracker.anchor): heads, lengths, text.
    yield f'  "anchor_digest": "{anchor_digest_of(session)}",\n'
    yield f'  "anchor_format": {ANCHOR_FORMAT},\n'
    yield '  "tables": {'
    for t_index, table in enumerate(_tables()):
        exported = _columns(table)
        columns = [c.name for c in exported]
        yield ("," if t_index else "") + f'\n    "{table.name}": {{\n'
        yield f'      "columns": {json.dumps(columns)},\n      "rows": ['
        query = (
            select(*exported)
            .order_by(*table.primary_key.columns)
            .execution_options(yield_per=BATCH)
        )
        for r_index, row in enumerate(session.execute(query)):
            values = [_encode(v) for v in row]
            # json_text: an export printed to a terminal cannot command it (the same data).
            row_text = json_text(json.dumps(values, ensure_ascii=False))
            yield ("," if r_index else "") + "\n        " + row_text
        yield "\n      ]\n    }"
    yield "\n  }\n}\n"


def _decoder(table: Table) -> dict[str, Any]:
    decoders: dict[str, Any] = {}
    for column in _columns(table):
        if isinstance(column.type, UTCDateTime):
            decoders[column.name] = dt.datetime.fromisoformat
        elif isinstance(column.type, Date):
            decoders[column.name] = dt.date.fromisoformat
    return decoders


def _check_names(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "is not a list of names"
    if any(not v.strip() or len(v) > 80 or "\x00" in v for v in value):
        return "holds a name that is blank, longer than 80 characters or has a NUL"
    return None


def _check_mapping(value: Any) -> str | None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_TEXT and "\x00" not in v
        for k, v in value.items()
    ):
        return "is not a mapping of names to texts"
    return None


def _check_guidelines(value: Any) -> str | None:
    return None if value is None else _check_mapping(value)


def _check_sources(value: Any) -> str | None:
    """An announcement's evidence (tracker.milestones): what `tracker milestone set` writes."""
    if not isinstance(value, list):
        return "is not a list of sources"
    for source in value:
        if (
            not isinstance(source, dict)
            or set(source) != {"reference", "kind", "title", "published_on"}
            or not isinstance(source["reference"], str)
            or not source["reference"].strip()
            or source["kind"] not in EVIDENCE_KINDS
            or any(
                v is not None and (not isinstance(v, str) or len(v) > MAX_TEXT or "\x00" in v)
                for v in source.values()
            )
        ):
            return "holds a source that is not {reference, kind, title, published_on}"
        if source["published_on"] is not None:
            try:
                dt.date.fromisoformat(source["published_on"])
            except ValueError:
                return "holds a source whose date is not a date"
    return None


def _check_changes(value: Any) -> str | None:
    """A text revision's changes (tracker.revisions): what changed, in words, per target."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str)
        and len(k) <= 200
        and isinstance(v, list)
        and all(isinstance(n, str) and len(n) <= MAX_TEXT and "\x00" not in n for n in v)
        for k, v in value.items()
    ):
        return "is not a mapping of names to lists of fields"
    return None


def _check_item_hashes(value: Any) -> str | None:
    """A text revision's items: code → content hash."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and CODE.fullmatch(k) and isinstance(v, str) and HEX.fullmatch(v)
        for k, v in value.items()
    ):
        return "is not a mapping of item codes to hashes"
    return None


# JSON columns: what each must hold (the CLI and the loader only ever write these shapes).
_JSON_CHECKS = {
    "parties": _check_names,
    "owners": _check_names,
    "inferred": _check_mapping,
    "guidelines": _check_guidelines,
    "evidence": _check_sources,
    "changes": _check_changes,
    "items": _check_item_hashes,
}
CODE = re.compile(r"[A-Z][A-Z0-9]*-[0-9]+")
HEX = re.compile(r"[0-9a-f]{64}")


def _column_checks(table: Table) -> dict[str, Any]:
    """Per column, a function returning what is wrong with a value (None when it is fine): the
    same limits as the CLI and the loader, so an import cannot bring in what they refuse."""
    checks: dict[str, Any] = {}
    for column in _columns(table):
        nullable = bool(column.nullable)
        kind = column.type
        if isinstance(kind, JSON):
            json_check = _JSON_CHECKS.get(column.name)
            if json_check is None:
                raise AssertionError(f"no import check for JSON column {column.name}")
            checks[column.name] = json_check
        elif isinstance(kind, Integer):
            checks[column.name] = _integer(nullable)
        elif isinstance(kind, String | Text):
            limit = getattr(kind, "length", None) or (
                MAX_SOURCE_CHARS if column.name == "source_text" else MAX_TEXT
            )
            pattern = CODE if (table.name, column.name) == ("commitments", "code") else None
            checks[column.name] = _text(nullable, limit, pattern)
        else:  # dates and times: decoded, then checked by type
            checks[column.name] = _present(nullable)
    return checks


def _integer(nullable: bool) -> Any:
    def check(value: Any) -> str | None:
        if value is None:
            return None if nullable else "is missing"
        if not isinstance(value, int) or isinstance(value, bool):
            return "is not an integer"
        if not -(2**63) <= value < 2**63:
            return "is out of range"
        return None

    return check


def _text(nullable: bool, limit: int, pattern: re.Pattern[str] | None) -> Any:
    def check(value: Any) -> str | None:
        if value is None:
            return None if nullable else "is missing"
        if not isinstance(value, str):
            return "is not text"
        if len(value) > limit:
            return f"is longer than {limit} characters"
        if "\x00" in value:
            return "contains a NUL character"
        if pattern is not None and not pattern.fullmatch(value):
            return "is not a code of the form ABC-01"
        return None

    return check


def _present(nullable: bool) -> Any:
    def check(value: Any) -> str | None:
        return "is missing" if value is None and not nullable else None

    return check


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Export:
    """An export file whose header has been checked; its rows are read by import_export."""

    path: Path
    heads_digest: str
    # The schema revision it was written at: the head's data (SAME_DATA) or EARLIER.
    revision: str = HEAD_REVISION


def read_export(path: Path) -> Export:
    """Check the shape and header of an export (format, schema, revision, heads digest) before
    anything is written."""
    try:
        if not path.is_file():
            raise TrackerError(f"cannot read {path}: not a regular file")
    except OSError as exc:
        raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
    check_shape(path)
    if first(path, "format") != FORMAT:
        raise TrackerError(f'{path}: not a tracker export (no "format": "{FORMAT}")')
    schema = first(path, "schema")
    if schema != SCHEMA_VERSION:
        raise TrackerError(f"{path}: export schema {schema!r}; this tracker reads {SCHEMA_VERSION}")
    revision = first(path, "revision")
    revision = RENAMED.get(revision, revision) if isinstance(revision, str) else revision
    if revision not in SAME_DATA + EARLIER:
        raise TrackerError(
            f"{path}: exported at revision {revision!r}; this tracker is at "
            f"{HEAD_REVISION} and reads exports from {EARLIER[0]} on (import it with the "
            "version that wrote it, or a newer one that knows its revision)"
        )
    digest = first(path, "heads_digest")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise TrackerError(
            f"{path}: no heads_digest (a SHA-256 in hex): the history cannot be checked"
        )
    return Export(path=path, heads_digest=digest, revision=revision)


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
    for table in _tables():
        if (present is None or table.name in present) and session.scalar(
            select(func.count()).select_from(table)
        ):
            raise TrackerError(
                f"the database is not empty (table {table.name} has rows); "
                "import needs a new database"
            )
    counts: dict[str, int] = {}
    for model in _tables():
        columns = first(source, f"tables.{model.name}.columns")
        if (
            columns is None
            and present is not None
            and (model.name not in present or model.name in NOT_YET_EXPORTED)
        ):
            continue  # a table its revision does not have, or that its exports did not carry
        if columns is None:
            raise TrackerError(f"{source}: not a complete tracker export (no table {model.name})")
        expected = [c.name for c in _columns(model)]
        if present is not None:  # the columns the table had at the export's revision
            expected = [name for name in expected if name in present.get(model.name, ())]
        if columns != expected:
            raise TrackerError(
                f"{source}: table {model.name} has columns {_shown(columns)}, expected {expected}"
            )
        table = model if present is None else _as_at(model, columns)
        decoders = _decoder(table)
        checks = _column_checks(table)
        counts[table.name] = 0
        chunk: list[dict[str, Any]] = []
        for raw in items(source, f"tables.{table.name}.rows.item"):
            if not isinstance(raw, list) or len(raw) != len(columns):
                raise TrackerError(
                    f"{source}: table {table.name} has a malformed row: {_shown(raw)}"
                )
            record = dict(zip(columns, raw, strict=True))
            key = "id" if "id" in record else next(iter(record), "id")
            where = f"{source}: table {table.name}, row {key} {_shown(record.get(key))}"
            for name, decode in decoders.items():
                if isinstance(record[name], str):
                    try:
                        record[name] = decode(record[name])
                    except (TypeError, ValueError):
                        raise TrackerError(
                            f"{where}: {name} {_shown(record[name])} is not a date or time"
                        ) from None
                elif record[name] is not None:
                    raise TrackerError(f"{where}: {name} {_shown(record[name])} is not a date")
            for name, check in checks.items():
                problem = check(record[name])
                if problem is not None:
                    raise TrackerError(f"{where}: {name} {problem}")
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
        for table in _tables():
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


def _as_at(model: Table, columns: list[str]) -> Table:
    """The head's table with only `columns` (those it had at an earlier revision), typed as
    the head types them, for inserting rows into the table as it was then."""

    return Table(model.name, MetaData(), *(model.c[name]._copy() for name in columns))


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
