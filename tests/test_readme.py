"""The README's two commands and what CI runs stay in step: CI installs and tests exactly as the
README tells a new user to, then runs the README's first command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_gives_two_commands_install_and_report_then_test() -> None:
    assert _quick_start() == [
        "pip install . && tracker init && tracker report",
        "pip install '.[test]' && pytest",
    ]


def test_ci_installs_and_tests_as_the_readme_says() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    _, test_command = _quick_start()
    install, run = (part.strip() for part in test_command.split("&&"))
    # Quiet flags aside (-q), the same words.
    lines = [
        line.strip().replace(" -q", "")
        for line in ci.splitlines()
        if not line.lstrip().startswith("#")
    ]
    installs = [i for i, line in enumerate(lines) if line.endswith(install.removeprefix("pip "))]
    tests = [i for i, line in enumerate(lines) if line.split()[:1] == [run]]
    assert installs and tests and installs[0] < tests[0]
    assert "CI=true" in ci  # PostgreSQL and Chromium tests fail there instead of skipping
    assert "tracker init" in ci and "tracker report" in ci
