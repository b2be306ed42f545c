"""rich's Text, wrapped by the Japanese line-breaking rules when it holds Japanese.

rich folds a run of wide characters wherever the line is full, so a Japanese line may start
with 、 or 。 and a katakana word may split. Text here wraps such a line at the break
opportunities of tracker.linebreak instead; a line of narrow characters only wraps as rich
wraps it, unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.containers import Lines
from rich.text import Text as RichText

from tracker.linebreak import break_offsets, has_wide

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, JustifyMethod, OverflowMethod, RenderResult
    from rich.measure import Measurement

__all__ = ["Text"]


class _Whole:
    """A Text as a renderable of its own: Console.print joins the Text objects it is given
    into a new rich Text (which would wrap as rich does); this it renders as it is."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        return self.text.__rich_console__(console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return self.text.__rich_measure__(console, options)


class Text(RichText):
    """rich.text.Text whose wrap() follows tracker.linebreak for lines that hold wide text."""

    def __rich__(self) -> _Whole:
        return _Whole(self)

    def wrap(
        self,
        console: Console,
        width: int,
        *,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        tab_size: int = 8,
        no_wrap: bool | None = None,
    ) -> Lines:
        no_wrap = bool(no_wrap if no_wrap is not None else self.no_wrap) or overflow == "ignore"
        if no_wrap or not has_wide(self.plain):
            return super().wrap(
                console,
                width,
                justify=justify,
                overflow=overflow,
                tab_size=tab_size,
                no_wrap=no_wrap,
            )
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            if not has_wide(line.plain):
                lines.extend(
                    RichText.wrap(line, console, width, justify=justify, overflow=overflow)
                )
                continue
            pieces = line.divide(break_offsets(line.plain, width))
            for piece in pieces:
                piece.rstrip_end(width)
            pieces.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for piece in pieces:
                piece.truncate(width, overflow=wrap_overflow)
            lines.extend(pieces)
        return lines
