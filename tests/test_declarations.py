"""Several declarations side by side (issue 25): the second one (fixtures/examples) loads beside
the bundled one, every listing can be scoped to declarations and names each item's, a pillar
slug two declarations use is never merged, follow-ups link items across declarations, and a
report over both gives each declaration's figures apart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from support import Cli

ROOT = Path(__file__).resolve().parents[1]
SECOND = ROOT / "fixtures" / "examples" / "gcap-trilateral-2026.yaml"
BUNDLED = "japan-uk-2026"
GCAP = "gcap-trilateral-2026"


def assert_one_error_line(result: Any, *parts: str) -> None:
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: "), lines[0]
    for part in parts:
        assert part in lines[0], (part, lines[0])


@pytest.fixture
def two(cli: Cli) -> Cli:
    """The bundled declaration and the trilateral GCAP statement."""
    cli.ok("load", str(SECOND))
    return cli


def listed(cli: Cli, *args: str) -> list[dict[str, Any]]:
    return json.loads(cli.ok("list", "--all", "--format", "json", *args))


def test_second_declaration_loads_beside_the_bundled_one(two: Cli) -> None:
    items = listed(two)
    by_declaration: dict[str, set[str]] = {}
    for item in items:
        by_declaration.setdefault(item["declaration"], set()).add(item["code"])
    assert set(by_declaration) == {BUNDLED, GCAP}
    assert by_declaration[GCAP] == {f"GCP-0{n}" for n in range(1, 9)}
    assert len(by_declaration[BUNDLED]) == 23
    italy = listed(two, "--party", "Italy", "--declaration", GCAP)
    assert len(italy) == 8 and all("Italy" in i["parties"] for i in italy)


def test_list_declaration_filter_repeatable(two: Cli) -> None:
    only = listed(two, "--declaration", GCAP)
    assert {i["declaration"] for i in only} == {GCAP} and len(only) == 8
    both = listed(two, "--declaration", GCAP, "--declaration", BUNDLED)
    assert len(both) == 31
    # Declarations in their listing order (by when they were loaded), whatever the order typed.
    assert both[0]["declaration"] == BUNDLED and both[-1]["declaration"] == GCAP
    assert_one_error_line(
        two("list", "--declaration", "nope"), "no declaration 'nope'", BUNDLED, GCAP
    )


def test_list_csv_names_each_items_declaration(two: Cli) -> None:
    rows = list(csv.DictReader(io.StringIO(two.ok("list", "--all", "--format", "csv"))))
    assert list(rows[0])[-1] == "declaration"
    assert {r["code"]: r["declaration"] for r in rows}["GCP-02"] == GCAP
    assert {r["code"]: r["declaration"] for r in rows}["IND-01"] == BUNDLED


def test_shared_pillar_slug_asks_which_declaration(two: Cli) -> None:
    for command in (["list"], ["report", "-f", "json"]):
        assert_one_error_line(
            two(*command, "--pillar", "defence-industry"),
            "pillar 'defence-industry' is in declarations",
            BUNDLED,
            GCAP,
            "--declaration",
        )
    ours = listed(two, "--pillar", "defence-industry", "--declaration", GCAP)
    assert [i["code"] for i in ours] == ["GCP-01", "GCP-02", "GCP-03"]
    theirs = listed(two, "--pillar", "defence-industry", "--declaration", BUNDLED)
    assert {i["declaration"] for i in theirs} == {BUNDLED}
    assert "IND-01" in {i["code"] for i in theirs}
    # A pillar only one declaration has needs no --declaration.
    assert {i["declaration"] for i in listed(two, "--pillar", "cyber")} == {BUNDLED}


def test_log_and_report_scoped_to_declarations(two: Cli) -> None:
    two.ok("progress", "GCP-02", "--status", "in_progress", "--on", "2026-11-20")
    two.ok("progress", "CYB-02", "--status", "in_progress", "--on", "2026-11-18")
    log = json.loads(two.ok("log", "--declaration", GCAP, "--format", "json"))
    assert [e["code"] for e in log] == ["GCP-02"]
    assert len(json.loads(two.ok("log", "--format", "json"))) == 2

    report = json.loads(
        two.ok("report", "-f", "json", "--declaration", GCAP, "--as-of", "2026-12-01")
    )
    assert [d["slug"] for d in report["declarations"]] == [GCAP]
    assert {c["declaration"] for c in report["commitments"]} == {GCAP}
    assert report["filters"] == {"declaration": GCAP}
    rows = list(csv.DictReader(io.StringIO(two.ok("report", "-f", "csv", "--as-of", "2026-12-01"))))
    assert {r["declaration"] for r in rows} == {BUNDLED, GCAP}
