"""Reading a JSON file a user hands over (an export, a saved report): its shape checked in one
linear pass before any parser sees it, then its values parsed one at a time.

Shared by `import` (tracker.transfer) and `verify --against` (tracker.anchor), so both refuse
the same hostile files with the same limits.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import ijson

from tracker.errors import TrackerError

EXPORT = "a tracker export"
# An export is a few levels deep (document, tables, a table, its rows, a row, a list in a cell):
# anything deeper is not one, and is refused before a parser builds it.
MAX_DEPTH = 8
# The longest text a cell may hold: a declaration's source text (see loading.MAX_SOURCE_BYTES);
# every other text column is held to the CLI's limits (progress.MAX_TEXT, the column lengths).
MAX_SOURCE_CHARS = 4 * 2**20
# In the file a character takes at most 6 bytes (\uXXXX): longer raw strings are refused while
# scanning, before the parser sees them (its cost grows with the square of a string's length).
MAX_RAW_STRING = 6 * MAX_SOURCE_CHARS
SCAN_CHUNK = 2**20
# ijson reads this much at a time: a long string costs its parser a rescan per read.
READ_SIZE = 2**20


def check_shape(path: Path, what: str = EXPORT) -> None:
    """Refuse a file nested deeper than an export can be, or holding a string longer than any
    cell may, in one linear pass at C speed, before any parser reads it.

    A parser given 200 KB of `[` builds a path per level (24 GB before it was killed); one given
    a 128 MB string rescans it on every read (232 s). The scan needs no parser: escaped pairs
    (a backslash and the next byte) are masked first, so every `"` left opens or closes a
    string; between strings only brackets count towards the depth.
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
                        f"{path}: not {what} (a string longer than {MAX_RAW_STRING} bytes)"
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
                            f"{path}: not {what} (nested deeper than {MAX_DEPTH} levels)"
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
        # The parser's message, without the excerpt and pointer lines it draws below it.
        message = str(exc).removeprefix("b'").split("\n")[0].split("\\n")[0].rstrip(".")
        raise TrackerError(f"{path}: not {what} (invalid JSON: {message})") from None


def first(path: Path, prefix: str, what: str = EXPORT) -> Any:
    values = items(path, prefix, what)
    try:
        return next(values, None)
    finally:
        values.close()
