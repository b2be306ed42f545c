"""Mutation testing: does some test fail for every change to the code that computes figures?

A small scripted run rather than mutmut: mutmut 3 runs the tests against a copy under
`mutants/` and found no test reaching it through this project's editable install. This script
copies the checkout, runs the file's tests once unchanged (the baseline: they must pass, or the
run stops, since every mutant would then look killed), then makes one change at a time, runs
the tests that guard the file on SQLite (stopping at the first failure), and reports each
mutant as killed (a test failed: pytest's exit 1, and only that), survived, timed out (an
endless loop, reported apart) or an error (pytest could not run the tests: a bad path, nothing
collected, a crash at import; also apart, never a kill).

    python tools/mutate.py --six              # the six changes of issue 12 to tracker/chain.py
    python tools/mutate.py                    # every generated mutant of the files in TESTS
    python tools/mutate.py --file tracker/statuses.py --limit 20

Operators, each applied at one place: a comparison flipped (== and !=, < and <=, > and >=, in
and not in), `and`/`or` swapped, `not` dropped, an integer constant changed by one, a float
constant changed, a string constant changed, an element dropped from a list or tuple display,
a call's argument dropped, a statement replaced by `pass` (in a function's own body too), an
`if` condition negated, an arithmetic operator swapped (+ and -, * and /, // and /), a returned
value replaced by None. Module-level tables (an UPPER_CASE name bound to a dict, list, tuple,
set or call of them, such as SCORES and CREDIT) are mutated like code. Slow (minutes to hours):
not in CI.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TESTS = {
    "tracker/chain.py": [
        "tests/test_chain_vectors.py",
        "tests/test_integrity.py",
        "tests/test_tamper.py",
        "tests/test_transfer.py",
    ],
    "tracker/verify.py": ["tests/test_integrity.py", "tests/test_tamper.py"],
    # The modules that compute figures, with the tests that pin them (cheapest first).
    "tracker/statuses.py": [
        "tests/test_statuses.py",
        "tests/test_oracles.py",
        "tests/test_report_model.py",
        "tests/test_timeline.py",
        "tests/test_party.py",
        "tests/test_burnup.py",
    ],
    "tracker/timeline.py": [
        "tests/test_timeline.py",
        "tests/test_oracles.py",
        "tests/test_party.py",
        "tests/test_burnup.py",
    ],
    "tracker/reports/model.py": [
        "tests/test_report_model.py",
        "tests/test_oracles.py",
        # The method's texts are messages: a changed one has no translation.
        "tests/test_i18n.py",
        "tests/test_report_summary.py",
        "tests/test_report_formats.py",
    ],
    "tracker/burnup.py": ["tests/test_burnup.py", "tests/test_oracles.py"],
}

# The six one-line changes to tracker/chain.py that the issue found no test caught.
SIX: list[tuple[str, str, str]] = [
    ("drop reason", '        ("reason", _text(event.reason)),\n', ""),
    ("drop actor", '        ("actor", _text(event.actor)),\n', ""),
    (
        "drop evidence date",
        "            e.published_on.isoformat() if e.published_on else None,\n",
        "",
    ),
    ("previous hash not fed", '    digest.update(previous.encode("ascii"))\n', ""),
    (
        "heads unsorted",
        '    lines = (f"{code}:{head}\\n" for code, head in sorted(heads))\n',
        '    lines = (f"{code}:{head}\\n" for code, head in heads)\n',
    ),
    (
        "no NFC/newline normalisation",
        '    return unicodedata.normalize("NFC", value.replace("\\r\\n", "\\n").replace('
        '"\\r", "\\n"))\n',
        "    return value\n",
    ),
]


@dataclass
class Mutant:
    file: str
    line: int
    description: str
    source: str


class _Mutator:
    """Yields a mutated copy of a module's tree per applicable change."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree

    def mutants(self) -> Iterator[tuple[int, str, ast.Module]]:
        nodes = [n for n in ast.walk(self.tree) if self._inside_function(n)]
        for index, node in enumerate(nodes):
            for description, change in self._changes(node):
                tree = copy.deepcopy(self.tree)
                target = [n for n in ast.walk(tree) if self._inside_function(n)][index]
                if change(target):
                    yield getattr(node, "lineno", 0), description, tree

    def _inside_function(self, node: ast.AST) -> bool:
        # Every node under a def: module-level constants and docstrings are data, not logic.
        return getattr(node, "_in_function", False)

    @staticmethod
    def mark(tree: ast.Module) -> None:
        for statement in tree.body:
            # A module-level table (SCORES, CREDIT, ...): data that is logic.
            target = (
                statement.targets[0]
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1
                else getattr(statement, "target", None)
                if isinstance(statement, ast.AnnAssign)
                else None
            )
            value = getattr(statement, "value", None)
            if (
                isinstance(target, ast.Name)
                and target.id.isupper()
                and isinstance(
                    value, ast.Dict | ast.List | ast.Tuple | ast.Set | ast.Call | ast.BinOp
                )
            ):
                for inner in ast.walk(value):
                    inner._in_function = True  # type: ignore[attr-defined]
        for top in ast.walk(tree):
            if isinstance(top, ast.FunctionDef):
                # Its own body: a statement directly in it can be removed.
                top._in_function = True  # type: ignore[attr-defined]
                top._body_only = True  # type: ignore[attr-defined]
                for inner in ast.walk(top):
                    if inner is not top:
                        inner._in_function = True  # type: ignore[attr-defined]
                # Annotations are not evaluated (from __future__ import annotations).
                for inner in ast.walk(top):
                    annotations = [
                        getattr(inner, "annotation", None),
                        getattr(inner, "returns", None),
                    ]
                    for annotation in filter(None, annotations):
                        for part in ast.walk(annotation):
                            part._in_function = False  # type: ignore[attr-defined]
                # Docstrings are not logic.
                first = top.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    for inner in ast.walk(first):
                        inner._in_function = False  # type: ignore[attr-defined]

    def _changes(self, node: ast.AST) -> Iterator[tuple[str, Callable[[ast.AST], bool]]]:
        if getattr(node, "_body_only", False):
            yield from self._removals(node)
            return
        flips: dict[type, type] = {
            ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
            ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In,
            ast.Is: ast.IsNot, ast.IsNot: ast.Is,
        }  # fmt: skip
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in flips:

                    def flip(n: ast.AST, i: int = i) -> bool:
                        assert isinstance(n, ast.Compare)
                        n.ops[i] = flips[type(n.ops[i])]()
                        return True

                    yield f"{type(op).__name__} flipped", flip
        if isinstance(node, ast.BoolOp):

            def swap(n: ast.AST) -> bool:
                assert isinstance(n, ast.BoolOp)
                n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
                return True

            yield "and/or swapped", swap
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):

            def drop_not(n: ast.AST) -> bool:
                assert isinstance(n, ast.UnaryOp)
                n.op = ast.UAdd()  # +x of a bool is the bool: `not` removed
                return True

            yield "not dropped", drop_not
        if isinstance(node, ast.Constant) and type(node.value) is int:

            def bump(n: ast.AST) -> bool:
                assert isinstance(n, ast.Constant)
                n.value += 1
                return True

            yield f"{node.value} -> {node.value + 1}", bump
        if isinstance(node, ast.Constant) and type(node.value) is float:
            new = 0.0 if node.value else 1.0

            def change_float(n: ast.AST, new: float = new) -> bool:
                assert isinstance(n, ast.Constant)
                n.value = new
                return True

            yield f"{node.value} -> {new}", change_float
        arithmetic: dict[type, type] = {
            ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
            ast.FloorDiv: ast.Div,
        }  # fmt: skip
        if isinstance(node, ast.BinOp) and type(node.op) in arithmetic:

            def swap_op(n: ast.AST) -> bool:
                assert isinstance(n, ast.BinOp)
                n.op = arithmetic[type(n.op)]()
                return True

            yield f"{type(node.op).__name__} swapped", swap_op
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):

            def drop_minus(n: ast.AST) -> bool:
                assert isinstance(n, ast.UnaryOp)
                n.op = ast.UAdd()
                return True

            yield "unary minus dropped", drop_minus
        if isinstance(node, ast.Return) and not (
            node.value is None
            or (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):

            def return_none(n: ast.AST) -> bool:
                assert isinstance(n, ast.Return)
                n.value = ast.Constant(value=None)
                return True

            yield "returns None", return_none
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:

            def garble(n: ast.AST) -> bool:
                assert isinstance(n, ast.Constant)
                n.value = "XX" + n.value + "XX"
                return True

            yield f"string {node.value[:20]!r} changed", garble
        if isinstance(node, ast.List | ast.Tuple) and len(node.elts) > 1:
            for i in range(len(node.elts)):

                def drop(n: ast.AST, i: int = i) -> bool:
                    assert isinstance(n, ast.List | ast.Tuple)
                    del n.elts[i]
                    return True

                yield f"element {i} dropped from a display", drop
        if isinstance(node, ast.Call) and node.args:
            for i in range(len(node.args)):

                def drop_arg(n: ast.AST, i: int = i) -> bool:
                    assert isinstance(n, ast.Call)
                    del n.args[i]
                    return True

                yield f"argument {i} dropped from a call", drop_arg
        if isinstance(node, ast.If):

            def negate(n: ast.AST) -> bool:
                assert isinstance(n, ast.If)
                n.test = ast.UnaryOp(op=ast.Not(), operand=n.test)
                return True

            yield "if negated", negate
        yield from self._removals(node)

    @staticmethod
    def _removals(node: ast.AST) -> Iterator[tuple[str, Callable[[ast.AST], bool]]]:
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            if isinstance(statements, list):
                for i, statement in enumerate(statements):
                    if isinstance(statement, ast.Pass | ast.Expr) and isinstance(
                        getattr(statement, "value", None), ast.Constant
                    ):
                        continue  # a docstring or pass

                    def remove(n: ast.AST, i: int = i, field: str = field) -> bool:
                        getattr(n, field)[i] = ast.Pass()
                        return True

                    yield f"statement at line {statement.lineno} removed", remove


def generated(file: str) -> Iterator[Mutant]:
    tree = ast.parse((ROOT / file).read_text(encoding="utf-8"))
    _Mutator.mark(tree)
    seen: set[str] = {ast.unparse(tree)}
    for line, description, mutated in _Mutator(tree).mutants():
        source = ast.unparse(ast.fix_missing_locations(mutated))
        if source in seen:
            continue
        seen.add(source)
        yield Mutant(file, line, description, source)


def six() -> Iterator[Mutant]:
    original = (ROOT / "tracker/chain.py").read_text(encoding="utf-8")
    for description, old, new in SIX:
        if original.count(old) != 1:
            raise SystemExit(f"cannot apply {description!r}: the line changed in chain.py")
        yield Mutant("tracker/chain.py", 0, description, original.replace(old, new))


KILLED, SURVIVED, TIMEOUT, ERROR = "killed", "survived", "timeout", "error"


def profile(work: Path) -> list[str]:
    """The project's hypothesis profile for mutation runs (tests/conftest.py), where it has one:
    no shrinking."""
    conftest = work / "tests" / "conftest.py"
    if conftest.exists() and '"mutation"' in conftest.read_text(encoding="utf-8"):
        return ["--hypothesis-profile=mutation"]
    return []


def pytest_outcome(
    work: Path, tests: list[str], timeout: float, postgres: bool = False
) -> tuple[str, str]:
    """Run the tests in the copy: (outcome, detail). Only pytest's exit code 1 (tests failed)
    is a kill; 0 is a survival; a timeout and any other exit (2 interrupted, 3 internal
    error, 4 usage error such as a missing path, 5 no tests collected) are reported apart."""
    env = {**os.environ, "PYTHONPATH": str(work), "PYTHONDONTWRITEBYTECODE": "1"}
    # SQLite only unless asked: the PostgreSQL variants double the time. With them, CI=true
    # makes an unreachable server fail the baseline instead of skipping what would kill.
    engines = ["-k", "not postgres"]
    if postgres:
        engines, env["CI"] = [], "true"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-n", "0",
             *profile(work), *engines, *tests],
            cwd=work, env=env, capture_output=True, text=True, check=False, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return TIMEOUT, f"no answer in {timeout:.0f} s: an endless loop?"
    if result.returncode == 0:
        return SURVIVED, ""
    if result.returncode == 1:
        failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
        return KILLED, failed[0].split(" ")[1] if failed else "a failing test"
    tail = (result.stdout + result.stderr).strip().splitlines()[-1:] or [""]
    return ERROR, f"pytest exit {result.returncode}: {tail[0][:160]}"


def run(
    mutant: Mutant, work: Path, tests: list[str] | None, timeout: float, postgres: bool = False
) -> tuple[str, str]:
    """The outcome of the file's tests with the mutant in place (pytest_outcome)."""
    target = work / mutant.file
    original = target.read_text(encoding="utf-8")
    target.write_text(mutant.source, encoding="utf-8")
    try:
        return pytest_outcome(work, tests or TESTS[mutant.file], timeout, postgres)
    finally:
        target.write_text(original, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--six", action="store_true", help="only the six changes of issue 12")
    parser.add_argument("--file", action="append", help="mutate only this file (repeatable)")
    parser.add_argument("--limit", type=int, help="at most this many mutants per file")
    parser.add_argument(
        "--tests", help="comma-separated test files to run instead of the file's usual ones"
    )
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds before a run counts as killed"
    )
    parser.add_argument("--start", type=int, default=1, help="skip the mutants before this one")
    parser.add_argument(
        "--only", help="comma-separated numbers of mutants to run (as a previous run listed them)"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="run the PostgreSQL variants too (TRACKER_TEST_POSTGRES_URL or the local server)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracker-mutate-"))
    for name in ("tracker", "migrations", "fixtures", "tests", "benchmarks", "pyproject.toml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, work / name)
    if args.six:
        mutants = list(six())
    else:
        mutants = []
        for file in args.file or list(TESTS):
            mutants += list(generated(file))[: args.limit]
    chosen = {int(n) for n in args.only.split(",")} if args.only else None
    tests = args.tests.split(",") if args.tests else None
    # The baseline: the tests must pass on the unchanged copy, or every mutant would look killed.
    for file in sorted({m.file for m in mutants}):
        outcome, detail = pytest_outcome(work, tests or TESTS[file], args.timeout, args.postgres)
        if outcome != SURVIVED:
            shutil.rmtree(work, ignore_errors=True)
            raise SystemExit(f"baseline: the tests of {file} do not pass unchanged ({detail})")
    apart: dict[str, list[Mutant]] = {SURVIVED: [], TIMEOUT: [], ERROR: []}
    start = time.monotonic()
    ran = 0
    for n, mutant in enumerate(mutants, 1):
        if (chosen is not None and n not in chosen) or n < args.start:
            continue
        ran += 1
        outcome, detail = run(mutant, work, tests, args.timeout, args.postgres)
        where = f"{mutant.file}:{mutant.line}" if mutant.line else mutant.file
        status = f"killed by {detail}" if outcome == KILLED else f"{outcome.upper()} {detail}"
        print(f"[{n}/{len(mutants)}] {where} {mutant.description}: {status}", flush=True)
        if outcome != KILLED:
            mutant.description = f"#{n} {mutant.description}"
            apart[outcome].append(mutant)
    shutil.rmtree(work, ignore_errors=True)
    minutes = (time.monotonic() - start) / 60
    killed = ran - sum(len(found) for found in apart.values())
    print(
        f"\n{ran} mutants: {killed} killed, {len(apart[SURVIVED])} survived, "
        f"{len(apart[TIMEOUT])} timed out, {len(apart[ERROR])} errors ({minutes:.1f} min)"
    )
    for outcome, found in apart.items():
        for mutant in found:
            print(f"  {outcome}: {mutant.file}:{mutant.line} {mutant.description}")
    sys.exit(1 if any(apart.values()) else 0)


if __name__ == "__main__":
    main()
