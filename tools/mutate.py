"""Mutation testing of the chain and of verify: does some test fail for every change?

A small scripted run rather than mutmut: mutmut 3 runs the tests against a copy under
`mutants/` and found no test reaching it through this project's editable install. This script
makes one change at a time to a copy of the checkout, runs the tests that guard the file on
SQLite (fastest first, stopping at the first failure), and reports the mutants no test killed.

    python tools/mutate.py --six              # the six changes of issue 12 to tracker/chain.py
    python tools/mutate.py                    # every generated mutant of chain.py and verify.py
    python tools/mutate.py --file tracker/chain.py --limit 20

Operators, each applied at one place: a comparison flipped (== and !=, < and <=, > and >=, in
and not in), `and`/`or` swapped, `not` dropped, an integer constant changed by one, a string
constant changed, an element dropped from a list or tuple display, a call's argument dropped,
a statement replaced by `pass`, an `if` condition negated. Slow (minutes to an hour): not in CI.
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
}

# The six one-line changes to tracker/chain.py that the issue found no test caught.
SIX: list[tuple[str, str, str]] = [
    ("drop reason", '        ("reason", _text(event.reason)),\n', ""),
    ("drop actor", '        ("actor", _text(event.actor)),\n', ""),
    (
        "drop evidence date",
        "                    e.published_on.isoformat() if e.published_on else None,\n",
        "",
    ),
    ("previous hash not fed", '    digest.update(previous.encode("ascii"))\n', ""),
    ("heads unsorted", "    for code, head in sorted(heads):\n", "    for code, head in heads:\n"),
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
        for top in ast.walk(tree):
            if isinstance(top, ast.FunctionDef):
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


def run(mutant: Mutant, work: Path, tests: list[str] | None, timeout: float) -> tuple[bool, str]:
    """True if some test failed (the mutant was killed), with the first failing test. A run
    past `timeout` seconds counts as killed: the mutant made a loop endless."""
    target = work / mutant.file
    original = target.read_text(encoding="utf-8")
    target.write_text(mutant.source, encoding="utf-8")
    try:
        env = {**os.environ, "PYTHONPATH": str(work), "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                 "-k", "not postgres", *(tests or TESTS[mutant.file])],
                cwd=work, env=env, capture_output=True, text=True, check=False,
                timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return True, f"a timeout ({timeout:.0f} s): an endless loop"
    finally:
        target.write_text(original, encoding="utf-8")
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    return result.returncode != 0, failed[0].split(" ")[1] if failed else result.stdout[-200:]


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
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracker-mutate-"))
    for name in ("tracker", "migrations", "fixtures", "tests", "pyproject.toml"):
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
    survivors: list[Mutant] = []
    start = time.monotonic()
    for n, mutant in enumerate(mutants, 1):
        if (chosen is not None and n not in chosen) or n < args.start:
            continue
        tests = args.tests.split(",") if args.tests else None
        killed, by = run(mutant, work, tests, args.timeout)
        where = f"{mutant.file}:{mutant.line}" if mutant.line else mutant.file
        status = f"killed by {by}" if killed else "SURVIVED"
        print(f"[{n}/{len(mutants)}] {where} {mutant.description}: {status}", flush=True)
        if not killed:
            survivors.append(mutant)
            mutant.description = f"#{n} {mutant.description}"
    shutil.rmtree(work, ignore_errors=True)
    minutes = (time.monotonic() - start) / 60
    ran = len(chosen) if chosen is not None else len(mutants) - args.start + 1
    print(
        f"\n{ran} mutants, {ran - len(survivors)} killed, "
        f"{len(survivors)} survived ({minutes:.1f} min)"
    )
    for mutant in survivors:
        print(f"  survivor: {mutant.file}:{mutant.line} {mutant.description}")
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
