"""tools/mutate.py counts a mutant killed only when a test fails, never when pytest could not run.

A mistyped test path (pytest's exit 4) or a file without tests (exit 5) once counted as a kill,
so a run could report every mutant killed by mistake.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "mutate.py"


@pytest.fixture(scope="module")
def mutate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate_tool", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate_tool"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "test_pass.py").write_text("def test_ok():\n    assert True\n")
    (tmp_path / "test_fail.py").write_text("def test_no():\n    assert False\n")
    (tmp_path / "test_none.py").write_text("# no tests here\n")
    return tmp_path


@pytest.mark.parametrize(
    ("tests", "outcome"),
    [
        (["test_pass.py"], "survived"),
        (["test_fail.py"], "killed"),
        (["test_none.py"], "error"),  # exit 5: nothing collected
        (["tests/test_mistyped.py"], "error"),  # exit 4: no such path
    ],
)
def test_only_a_failing_test_is_a_kill(
    mutate: ModuleType, project: Path, tests: list[str], outcome: str
) -> None:
    got, detail = mutate.pytest_outcome(project, tests, timeout=120)
    assert got == outcome, detail


def test_a_timeout_is_reported_apart(mutate: ModuleType, project: Path) -> None:
    (project / "test_slow.py").write_text("import time\n\ndef test_slow():\n    time.sleep(30)\n")
    got, _ = mutate.pytest_outcome(project, ["test_slow.py"], timeout=3)
    assert got == "timeout"


def test_the_generator_reaches_tables_bodies_arithmetic_and_returns(
    mutate: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "CREDIT = {'achieved': 1.0, 'partial': 0.5}\n"
        "lower = {'x': 1}\n"
        "def rate(a, n):\n"
        "    total = a + 0.5\n"
        "    log(total)\n"
        "    return total / n\n"
    )
    (tmp_path / "tracker").mkdir()
    (tmp_path / "tracker" / "m.py").write_text(source)
    monkeypatch.setattr(mutate, "ROOT", tmp_path)
    found = {(m.line, m.description) for m in mutate.generated("tracker/m.py")}
    assert (1, "0.5 -> 0.0") in found  # a module-level table
    assert not any(line == 2 for line, _ in found)  # a lower-case module name is not a table
    assert (4, "Add swapped") in found and (6, "Div swapped") in found
    assert (6, "returns None") in found
    assert any(d == "statement at line 5 removed" for _, d in found)  # in the function's body


def test_the_six_changes_still_apply(mutate: ModuleType) -> None:
    assert len(list(mutate.six())) == 6


def test_postgres_variants_run_only_when_asked(mutate: ModuleType, project: Path) -> None:
    """A mutant only the PostgreSQL variant catches is a survivor of the SQLite run, and a
    kill with --postgres."""
    (project / "test_engines.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.parametrize('engine', ['sqlite', 'postgres'])\n"
        "def test_rule(engine):\n    assert engine == 'sqlite'\n"
    )
    assert mutate.pytest_outcome(project, ["test_engines.py"], timeout=120)[0] == "survived"
    got, detail = mutate.pytest_outcome(project, ["test_engines.py"], 120, postgres=True)
    assert (got, detail) == ("killed", "test_engines.py::test_rule[postgres]")
