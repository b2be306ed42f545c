"""The domain speaks its own language: its errors name fields, the command line names flags.

Below tracker/cli/ no message names a command-line option; an error about a field carries the
field (tracker.errors.FieldError), which the CLI says as the flag that sets it.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tracker import db
from tracker.errors import DateOutOfRange, FieldError, MissingReason
from tracker.progress import record_progress
from tracker.statuses import ReasonRequired, Status, check_transition

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def _strings(tree: ast.AST) -> list[ast.Constant]:
    """Every string constant of a module but its docstrings (which may name the command)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_string_below_the_cli_names_a_flag() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}: {FLAG.search(node.value).group()}"  # type: ignore[union-attr]
        for path in sorted(PACKAGE.rglob("*.py"))
        if "cli" not in path.relative_to(PACKAGE).parts
        for node in _strings(ast.parse(path.read_text()))
        if FLAG.search(node.value)
    ]
    assert found == []


def test_the_scan_finds_a_flag() -> None:
    tree = ast.parse('"""Docstring --ok."""\nx = f"give --reason {y}"\n')
    assert [FLAG.search(n.value).group() for n in _strings(tree) if FLAG.search(n.value)] == [  # type: ignore[union-attr]
        "--reason"
    ]


def test_a_settled_move_without_a_reason_is_typed() -> None:
    with pytest.raises(ReasonRequired, match="re-opens a settled assessment"):
        check_transition(Status.ACHIEVED, Status.IN_PROGRESS, None)


@pytest.fixture
def session(cli_sqlite) -> Session:  # type: ignore[no-untyped-def]
    with Session(db.make_engine(cli_sqlite.url, write=True)) as s:
        yield s  # type: ignore[misc]


def test_progress_errors_carry_their_field(session: Session) -> None:
    today = dt.date(2026, 6, 1)
    with pytest.raises(DateOutOfRange) as future:
        record_progress(session, code="CYB-01", status=Status.IN_PROGRESS,
                        on=dt.date(2026, 6, 2), today=today)  # fmt: skip
    assert future.value.field == "effective_on"
    assert str(future.value).startswith("the effective date 2026-06-02 is in the future")

    with pytest.raises(DateOutOfRange) as early:
        record_progress(session, code="CYB-01", status=Status.IN_PROGRESS,
                        on=dt.date(2025, 6, 2), today=today)  # fmt: skip
    assert early.value.fields == ("effective_on", "before_declaration")
    assert "--" not in str(early.value)

    record_progress(session, code="CYB-01", status=Status.ACHIEVED, today=today)
    with pytest.raises(MissingReason) as reopened:
        record_progress(session, code="CYB-01", status=Status.IN_PROGRESS, today=today)
    assert reopened.value.fields == ("reason",)
    assert str(reopened.value) == (
        "CYB-01: moving from achieved to in_progress re-opens a settled assessment; give a reason"
    )
    with pytest.raises(FieldError) as nobody:
        record_progress(session, code="CYB-01", status=Status.ACHIEVED, actor=" ", today=today)
    assert nobody.value.fields == ("actor",)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["progress", "CYB-01", "-s", "in_progress", "--on", "2025-03-01"],
         "error: --on 2025-03-01 is before the declaration japan-uk-2026 (2026-01-31); if that "
         "is a genuine earlier fact, say so with --before-declaration"),
        (["progress", "CYB-01", "-s", "in_progress", "--by", " "], "error: --by must not be empty"),
        (["progress", "CYB-01", "-s", "in_progress", "-m", "a\x00b"],
         "error: --note contains a NUL character"),
    ],
)  # fmt: skip
def test_the_cli_says_fields_as_flags(cli_sqlite, args: list[str], said: str) -> None:  # type: ignore[no-untyped-def]
    result = cli_sqlite(*args)
    assert result.exit_code != 0
    assert result.stderr.strip() == said


def test_a_value_with_braces_is_quoted_as_it_is(cli_sqlite, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A path that looks like a placeholder is not read as one."""
    folder = tmp_path / "x{output}{against}"
    folder.mkdir()
    result = cli_sqlite("report", "-f", "md", "-o", str(folder))
    assert result.exit_code != 0
    assert f"refusing to write {folder}: it is a directory; --output replaces" in result.stderr
    result = cli_sqlite("verify", "--against", "{against}")
    assert "--against '{against}': not a digest" in result.stderr


def test_every_field_the_domain_names_has_a_flag_and_words() -> None:
    from tracker.cli import FLAGS
    from tracker.errors import WORDS

    assert set(FLAGS) == set(WORDS)
    assert all(flag.startswith("--") for flag in FLAGS.values())
    assert not any(word.startswith("--") for word in WORDS.values())
