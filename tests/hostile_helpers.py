"""What the adversarial tests (test_hostile_*.py) share: the outcome every hostile input must
have (one line on stderr, a non-zero exit, no traceback) and a fingerprint of the database to
show that nothing was written."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# A note that tries everything a terminal, a bidi-aware viewer or a line-based reader can be
# fooled by (escape sequences, a title change, bidi overrides, line and paragraph separators, a
# forged log line), and the characters none of it may reach the output with.
HOSTILE_NOTE = (
    "ok\x1bc\x1b]0;owned\x07 \u202etxt.exe\u2066 line\u2028sep\x85nel\r\n"
    "2026-01-01  #999  CYB-02  not started → achieved  by forger"
)
UNSAFE = ["\x1b", "\x07", "\u202e", "\u2066", "\u2028", "\x85", "\r"]


def one_line_error(result: Any, code: int | None = None) -> str:
    """The single `error: ...` line of a refused command (exit `code`, else any non-zero)."""
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def state(cli: Any) -> str:
    """Everything in the database (the export), to compare before and after."""
    return str(cli.ok("export"))


def assert_unchanged(cli: Any, before: str) -> None:
    assert state(cli) == before
    assert cli.ok("verify").startswith("verify: OK")


def tracker_command() -> list[str]:
    """The CLI as a separate process (for real file descriptors and signals)."""
    return [sys.executable, "-m", "tracker"]
