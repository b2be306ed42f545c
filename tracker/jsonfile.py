"""Reading a JSON file a user hands over (an export, a saved report): its shape checked in one
linear pass before any parser sees it, its outline (which keys hold objects, lists or values,
none given twice) in one parse, then its values parsed one at a time.

Shared by `import` (tracker.export_file, tracker.transfer) and `verify --against`
(tracker.anchor), so both refuse the same hostile files with the same limits and the same words.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson

from tracker.errors import TrackerError
from tracker.limits import MAX_SOURCE_CHARS, json_path

EXPORT = "a tracker export"
# An export is a few levels deep (document, tables, a table, its rows, a row, a list in a cell):
# anything deeper is not one, and is refused before a parser builds it.
MAX_DEPTH = 8
# No value holds more than a declaration's source text (tracker.limits), and in the file a
# character takes at most 6 bytes (\uXXXX): longer raw strings are refused while scanning,
# before the parser sees them (its cost grows with the square of a string's length).
MAX_RAW_STRING = 6 * MAX_SOURCE_CHARS
SCAN_CHUNK = 2**20
# ijson reads this much at a time: a long string costs its parser a rescan per read.
READ_SIZE = 2**20


def check_shape(path: Path) -> None:
    """Refuse a file nested deeper than an export can be, or holding a string longer than any
    cell may, in one linear pass at C speed, before any parser reads it.

    A parser given 200 KB of `[` builds a path per level (24 GB before it was killed); one given
    a 128 MB string rescans it on every read (232 s). The scan needs no parser: escaped pairs
    (a backslash and the next byte) are masked first, so every `"` left opens or closes a
    string; between strings only brackets count towards the depth. The refusal does not say
    what the file was taken for: import and verify --against say the same of the same file.
    """
    depth = 0
    inside = False  # within a string at the start of this chunk
    run = 0  # bytes of the current string so far
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_CHUNK):
                # Never cut an escape in two: a chunk ends on a byte that is not a backslash.
                while chunk.endswith(b"\\"):
                    more = handle.read(1)
                    if not more:
                        break
                    chunk += more
                masked = chunk.replace(b"\\\\", b"xx").replace(b'\\"', b"xx")
                parts = masked.split(b'"')
                # The parts alternate between outside and inside a string: list slices and
                # C-level len/max/join, no Python step per string (an export has millions).
                strings = parts[0::2] if inside else parts[1::2]
                between = parts[1::2] if inside else parts[0::2]
                if inside:
                    run += len(parts[0])
                if max(run, max(map(len, strings), default=0)) > MAX_RAW_STRING:
                    raise TrackerError(
                        f"{path}: not a tracker file (a string longer than {MAX_RAW_STRING} bytes)"
                    )
                still_inside = inside != (len(parts) % 2 == 0)
                if still_inside and not (inside and len(parts) == 1):
                    run = len(parts[-1])
                elif not still_inside:
                    run = 0
                inside = still_inside
                for bracket in b"".join(between).translate(None, _NOT_BRACKETS):
                    depth += 1 if bracket in _OPENING else -1
                    if depth > MAX_DEPTH:
                        raise TrackerError(
                            f"{path}: not a tracker file (nested deeper than {MAX_DEPTH} levels)"
                        )
    except OSError as exc:
        raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None


_OPENING = frozenset(b"[{")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def items(path: Path, prefix: str, what: str = EXPORT) -> Generator[Any]:
    """The values at `prefix` in the file (ijson's dotted path), parsed one at a time."""

    try:
        with path.open("rb") as handle:
            yield from ijson.items(handle, prefix, use_float=True, buf_size=READ_SIZE)
    except OSError as exc:
        raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ijson.JSONError as exc:
        raise _invalid(path, what, exc) from None


def _invalid(path: Path, what: str, exc: Exception) -> TrackerError:
    # The parser's message, without the excerpt and pointer lines it draws below it.
    message = str(exc).removeprefix("b'").split("\n")[0].split("\\n")[0].rstrip(".")
    return TrackerError(f"{path}: not {what} (invalid JSON: {message})")


def first(path: Path, prefix: str, what: str = EXPORT) -> Any:
    values = items(path, prefix, what)
    try:
        return next(values, None)
    finally:
        values.close()


@dataclass(frozen=True)
class Found:
    """What a key of the outline holds: its kind, and its value when it is not a container."""

    kind: str  # object, list, text, number, boolean or null
    value: Any = None


_KINDS = {
    "start_map": "object",
    "start_array": "list",
    "string": "text",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


def outline(path: Path, wanted: Collection[str], what: str = EXPORT) -> dict[str, Found]:
    """What the file holds at each of the `wanted` prefixes (ijson's dotted paths), in one
    parse that builds nothing; a prefix given twice (a duplicated key) is refused.

    ijson reads `x.item` as the elements of a list `x` and as the member "item" of an object
    `x` alike, and yields a key given twice twice: the kind of `x` tells which was meant, before
    its elements are read, so `"commitments": 5` or `{"item": ...}` is no list of commitments.
    """
    found: dict[str, Found] = {}
    try:
        with path.open("rb") as handle:
            for prefix, event, value in ijson.parse(handle, use_float=True, buf_size=READ_SIZE):
                if prefix in wanted and event in _KINDS:
                    if prefix in found:
                        raise TrackerError(f"{path}: {prefix} is given twice")
                    found[prefix] = Found(_KINDS[event], value)
    except OSError as exc:
        raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ijson.JSONError as exc:
        raise _invalid(path, what, exc) from None
    return found


def require(path: Path, found: dict[str, Found], prefix: str, kind: str) -> None:
    """Refuse the file unless `prefix` holds a `kind` (object or list)."""
    there = found.get(prefix)
    if there is None or there.kind == "null":
        raise TrackerError(f"{path}: {prefix} is missing")
    if there.kind != kind:
        article = "an" if kind[0] in "aeiou" else "a"
        raise TrackerError(f"{path}: {prefix} is not {article} {kind}")


def elements(
    path: Path, found: dict[str, Found], prefix: str, what: str = EXPORT
) -> Iterator[tuple[str, Any]]:
    """The elements of the list at `prefix`, each with its path (`commitments[3]`), parsed one
    at a time; refused unless the outline says `prefix` holds a list."""
    require(path, found, prefix, "list")
    parts = prefix.split(".")
    for index, value in enumerate(items(path, f"{prefix}.item", what)):
        yield json_path([*parts, index]), value
