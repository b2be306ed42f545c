"""Command-line input refused before any command runs: bytes that are not UTF-8, and an option
that takes one value given more than once.

Python hands undecodable bytes of argv over as lone surrogates (PEP 383); printed or stored, they
fail far from where they came in, with a traceback. Click keeps the last of a repeated
single-valued option (`--pillar a --pillar b` lists pillar b), which hides a mistake in a
script. Both are usage errors (exit 2), named in one line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def undecodable(args: Sequence[str]) -> str | None:
    """A one-line message for the first argument (or database URL variable) that is not UTF-8,
    else None."""
    for index, arg in enumerate(args, start=1):
        if _has_surrogate(arg):
            return f"argument {index} ({_shown(arg)}) is not valid UTF-8"
    url = os.environ.get("TRACKER_DATABASE_URL")
    if url is not None and _has_surrogate(url):
        return f"TRACKER_DATABASE_URL ({_shown(url)}) is not valid UTF-8"
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(text: str) -> str:
    raw = text.encode("utf-8", "surrogateescape")
    shown = repr(raw)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def refuse_repeats(command: Any) -> None:
    """Make `command` (and its sub-commands) refuse a single-valued option given twice."""
    if getattr(command, "_tracker_repeats", False):
        return
    make_parser = command.make_parser

    def guarded_parser(ctx: Any) -> Any:
        parser = make_parser(ctx)
        parse = parser.parse_args

        def parse_args(args: list[str]) -> Any:
            opts, rest, order = parse(args)
            seen: set[str] = set()
            for param in order:
                if getattr(param, "param_type_name", "") != "option":
                    continue
                if param.multiple or param.count or param.is_flag:
                    continue
                if param.name in seen:
                    name = max(param.opts, key=len)
                    ctx.fail(f"{name} takes one value and was given more than once")
                seen.add(param.name)
            return opts, rest, order

        parser.parse_args = parse_args
        return parser

    command.make_parser = guarded_parser
    command._tracker_repeats = True
    for sub in getattr(command, "commands", {}).values():
        refuse_repeats(sub)
