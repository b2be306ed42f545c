"""User text made harmless for the medium it is printed in: one module, used by every renderer.

Notes, titles, actors and evidence come from whoever records them, or from an imported file. In
a terminal a control character is a command (ESC c resets it, an OSC sequence sets its title);
a right-to-left override (U+202E) makes `txt.exe` read as `exe.txt`; a line break forges a line
of `tracker log`; in a spreadsheet a cell starting with `=` runs; in JSON read line by line,
U+2028, U+2029 and U+0085 end a line for some tools although JSON allows them raw in a string.

Every text format passes user text through here. What is neutralised is shown, not dropped:
each such character becomes U+FFFD (�), so a reader sees that something was there. Standard
library only: `tracker list` imports this on its fast path.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

REPLACEMENT = "\ufffd"

# C0 and C1 controls and DEL (category Cc), the line and paragraph separators, and the
# characters that reorder text: the bidi embeddings, overrides and isolates, and the marks.
_UNSAFE = [
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x061C,  # ARABIC LETTER MARK
    0x200E,  # LEFT-TO-RIGHT MARK
    0x200F,  # RIGHT-TO-LEFT MARK
    *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
    *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
    0x2028,  # LINE SEPARATOR
    0x2029,  # PARAGRAPH SEPARATOR
]
_TABLE: dict[int, str] = dict.fromkeys(_UNSAFE, REPLACEMENT)
_UNSAFE_CLASS = re.compile("[" + "".join(re.escape(chr(c)) for c in _UNSAFE) + "]")
# What str.splitlines() breaks on: every one of these starts a new line somewhere.
_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def visible(text: str, keep: str = "") -> str:
    """`text` with every unsafe character (see above) but those in `keep` shown as U+FFFD."""
    if not _UNSAFE_CLASS.search(text):
        return text  # the usual case, and a single C-speed scan
    if not keep:
        return text.translate(_TABLE)
    table = {k: v for k, v in _TABLE.items() if chr(k) not in keep}
    return text.translate(table)


def one_line(text: str) -> str:
    """Text on one line: runs of white space (line breaks included) become one space, and what
    remains unsafe is shown as U+FFFD. For table cells and headers."""
    return visible(" ".join(text.split()))


def lines(text: str) -> list[str]:
    """Text cut at every line break that any tool honours, each line made visible. A caller that
    indents every line it prints keeps user text from forging one of its own lines."""
    return [visible(line, keep="\t") for line in _BREAKS.split(text)]


def terminal(text: str) -> str:
    """Text for a terminal or a text report: line breaks and tabs stay, the rest is visible."""
    return visible(text, keep="\n\t")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell: unsafe characters shown (a line break stays: CSV quotes it), then text a
    spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) made
    inert with a leading single quote, the OWASP advice against CSV injection."""
    text = visible(text, keep="\n")
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_row(cells: list[str]) -> list[str]:
    """csv_cell of each cell, with one scan of the whole row for unsafe characters: a CSV of
    100,000 items has 1.5 million cells, and a scan per cell was a sixth of writing one."""
    if _UNSAFE_CLASS.search("".join(cells)) is None:
        return ["'" + c if c.startswith(FORMULA_START) else c for c in cells]
    return [csv_cell(c) for c in cells]


# U+FEFF at the start of a text: UTF-8's byte-order mark (EF BB BF) once encoded.
BYTE_ORDER_MARK = "\ufeff"


def csv_blocks(
    header: Sequence[str],
    rows: Iterable[Sequence[str | int]],
    block: int = 2000,
    *,
    excel: bool = False,
) -> Iterator[str]:
    """CSV text (a header, then the rows, `\\n` line ends), a block of rows at a time: a
    listing of 100,000 rows is never held whole as text, nor written a row per call. The rows'
    cells must already be safe (csv_row).

    `excel`: what Excel on Windows reads without asking: a byte-order mark first (without one
    it takes the file for the ANSI code page and garbles "…" and "–") and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if excel else "\n")
    if excel:
        buffer.write(BYTE_ORDER_MARK)
    writer.writerow(header)
    for n, cells in enumerate(rows, 1):
        writer.writerow(cells)
        if n % block == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


# What json.dumps (ensure_ascii=False) and orjson leave raw in a string although it is unsafe
# to print: DEL, the C1 controls (U+009B is a CSI to some terminals), the bidi characters and the
# line separators. The C0 controls need nothing: both already write them as escapes.
_JSON_ESCAPES: dict[int, str] = {c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F}
_JSON_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in _JSON_ESCAPES) + "]")


def json_text(text: str) -> str:
    """JSON text that is safe to print and whose lines are the lines a line-oriented tool sees:
    every unsafe character json.dumps leaves raw (see _JSON_ESCAPES; among them U+2028, U+2029
    and U+0085, which some tools take for a line end) is written as its \\u escape. They can
    only occur inside JSON strings, where the escape means the same character, so the data is
    unchanged (an export still restores exactly)."""
    if text.isascii():
        # The usual case, and the fastest test there is: of them all only DEL is ASCII.
        return text.replace("\x7f", "\\u007f") if "\x7f" in text else text
    if _JSON_UNSAFE.search(text) is None:
        return text
    return text.translate(_JSON_ESCAPES)
