"""A plain text table that fits the terminal, for `tracker list`.

rich draws the report; the list is printed dozens of times a day, often piped, and importing
rich would be a third of its start-up. This needs only textwrap: short columns take their width
(long values cut with an ellipsis), one flexible column wraps in what is left.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from tracker.linebreak import char_width, display_width, wrap
from tracker.scrub import visible

__all__ = ["display_width", "render"]

GAP = "  "
MIN_FLEX = 16


def _cut(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = char_width(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def _ljust(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _wrap(text: str, width: int) -> list[str]:
    """Wrap at spaces, and inside a run of wide characters (Japanese has no spaces) by the
    Japanese line-breaking rules: no line starts with 、。）」 (tracker.linebreak)."""
    if text.isascii():
        return textwrap.wrap(text, width, break_long_words=True) or [""]
    return wrap(text, width)


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    flexible: int,
    max_widths: dict[int, int] | None = None,
    wrap: bool = True,
) -> list[str]:
    """The table's lines in `width` columns; the flexible column wraps in what the others leave,
    or (`wrap` False) is cut with an ellipsis, one line per row."""
    caps = max_widths or {}
    cells = [[visible(str(c)) for c in row] for row in rows]
    sizes = []
    for n, header in enumerate(headers):
        longest = max([display_width(header), *(display_width(row[n]) for row in cells)])
        sizes.append(min(longest, caps.get(n, longest)))
    fixed = sum(s for n, s in enumerate(sizes) if n != flexible) + len(GAP) * (len(headers) - 1)
    sizes[flexible] = max(MIN_FLEX, min(sizes[flexible], width - fixed))

    def line(values: Sequence[str]) -> str:
        return GAP.join(_ljust(v, sizes[n]) for n, v in enumerate(values)).rstrip()

    out = [line([_cut(h, sizes[n]) for n, h in enumerate(headers)])]
    for row in cells:
        if not wrap:
            out.append(line([_cut(value, sizes[n]) for n, value in enumerate(row)]))
            continue
        wrapped = _wrap(row[flexible], sizes[flexible])
        first = [
            wrapped[0] if n == flexible else _cut(value, sizes[n]) for n, value in enumerate(row)
        ]
        out.append(line(first))
        for more in wrapped[1:]:
            out.append(line([more if n == flexible else "" for n in range(len(headers))]))
    return out
