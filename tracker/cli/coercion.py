"""Whole numbers typed on the command line, read through Typer's public `parser=`.

Left to itself, Typer 0.29 checks an integer with pydantic: a range error reads "Input should be
greater than or equal to 1", and an integer of any size passes, to fail later in the database
driver with a traceback (SQLite integers are 64-bit). These parsers say "0 is smaller than 1."
and refuse a number no id or count can be, as usage errors naming the option.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

MAX_INT = 2**63 - 1


def whole_number(minimum: int | None = None) -> Callable[[str], int]:
    """A parser of integers from -MAX_INT to MAX_INT, and at least `minimum` when given."""

    def parse(text: str) -> int:
        # typer.BadParameter passes through pydantic untouched, and click names the option in it;
        # a ValueError would come out as pydantic's "Value error, ...".
        try:
            number = int(text)
        except ValueError:
            raise typer.BadParameter(f"{text!r} is not a valid integer.") from None
        if not -MAX_INT <= number <= MAX_INT:
            raise typer.BadParameter(f"{text!r} is too large.")
        if minimum is not None and number < minimum:
            raise typer.BadParameter(f"{number} is smaller than {minimum}.")
        return number

    return parse
