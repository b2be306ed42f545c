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
from support import BUNDLED as BUNDLED_ITEMS
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
    assert len(by_declaration[BUNDLED]) == BUNDLED_ITEMS  # counted in its YAML
    italy = listed(two, "--party", "Italy", "--declaration", GCAP)
    assert len(italy) == 8 and all("Italy" in i["parties"] for i in italy)


def test_list_declaration_filter_repeatable(two: Cli) -> None:
    only = listed(two, "--declaration", GCAP)
    assert {i["declaration"] for i in only} == {GCAP} and len(only) == 8
    both = listed(two, "--declaration", GCAP, "--declaration", BUNDLED)
    assert len(both) == BUNDLED_ITEMS + 8
    # Declarations in their listing order (by when they were loaded), whatever the order typed.
    assert both[0]["declaration"] == BUNDLED and both[-1]["declaration"] == GCAP
    assert_one_error_line(
        two("list", "--declaration", "nope"), "no declaration 'nope'", BUNDLED, GCAP
    )


def test_list_csv_names_each_items_declaration(two: Cli) -> None:
    rows = list(csv.DictReader(io.StringIO(two.ok("list", "--all", "--format", "csv"))))
    # The declaration has a column of its own, beside the item's pillar and kind; party_differs
    # stays the last column.
    assert list(rows[0]) == [
        "code", "title", "pillar", "kind", "parties", "owners", "target", "status", "inferred",
        "declaration", "last_update", "score", "party_differs",
    ]  # fmt: skip
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


# --- figures per declaration -------------------------------------------------------------------

AS_OF = "2026-12-01"
HISTORY = [
    ("CYB-02", "-s", "achieved", "--on", "2026-06-01", "-m", "joint exercise"),
    ("CYB-03", "-s", "in_progress", "--on", "2026-04-01", "-m", "channel set up"),
    ("CYB-03", "-s", "stalled", "--on", "2026-07-01", "--party", "UK", "-m", "UK side idle"),
    ("IND-01", "-s", "in_progress", "--on", "2026-03-01", "-m", "GIGO at work"),
    ("GCP-02", "-s", "in_progress", "--on", "2026-11-20", "-m", "contract negotiated"),
    ("GCP-04", "-s", "achieved", "--on", "2026-11-25", "--party", "Italy", "-m", "minister"),
]


@pytest.fixture
def history(two: Cli) -> Cli:
    for event in HISTORY:
        two.ok("progress", *event)
    return two


def _report(cli: Cli, *args: str) -> dict[str, Any]:
    return json.loads(cli.ok("report", "-f", "json", "--as-of", AS_OF, *args))


def _own(report: dict[str, Any]) -> dict[str, Any]:
    """A one-declaration report's summary as by_declaration gives it."""
    s = report["summary"]
    keep = {k: v for k, v in s.items() if k not in ("by_declaration", "periods_match")}
    return {**keep, "since": report["since"], "parties": report["parties"]}


@pytest.mark.parametrize("cutoff", [None, "2026-11-30"], ids=["open", "final"])
def test_each_declarations_figures_equal_its_filtered_report(
    history: Cli, cutoff: str | None
) -> None:
    if cutoff is not None:
        # The bundled declaration's period ends before the as-of date: its figures are its final
        # assessment, the trilateral's are not.
        history.ok(
            "cutoff", "set", cutoff, "--declaration", BUNDLED, "--reason", "test", "--on", AS_OF
        )
    combined = _report(history)
    by = combined["summary"]["by_declaration"]
    assert list(by) == [BUNDLED, GCAP]
    assert combined["summary"]["periods_match"] is False
    for slug in (BUNDLED, GCAP):
        alone = _report(history, "--declaration", slug)
        expected = _own(alone)
        expected.pop("party_mean_score"), expected.pop("party_scores")
        got = {k: v for k, v in by[slug].items() if k not in ("party_mean_score", "party_scores")}
        assert got == expected, slug
        assert by[slug]["party_scores"] == alone["summary"]["party_scores"]
        assert by[slug]["party_mean_score"] == alone["summary"]["party_mean_score"]
        # A report of one declaration carries its own figures under its slug too.
        assert alone["summary"]["by_declaration"] == {slug: by[slug]}

    # Worked out by hand. The trilateral: five commitments, two assessed: GCP-02 in progress (0)
    # and GCP-04, which Italy alone assessed, not started as a whole (-1); Italy: its own +1 on
    # GCP-04 and GCP-02 as a whole (0), +0.5 over two scores; since its date.
    gcap = by[GCAP]
    assert (gcap["commitments"], gcap["assessed"], gcap["mean_score"]) == (5, 2, -0.5)
    assert gcap["since"] == "2026-11-14" and gcap["cutoff"] == "2027-12-31"
    italy = next(p for p in gcap["parties"] if p["party"] == "Italy")
    assert (italy["assessed"], italy["mean_score"]) == (2, 0.5)
    # The bundled: CYB-02 +1, CYB-03 0 (the UK's own stall is -1 for the UK alone).
    bundled = by[BUNDLED]
    assert bundled["since"] == "2026-01-31"
    if cutoff is None:
        assert (bundled["assessed"], bundled["mean_score"], bundled["final"]) == (2, 0.5, False)
        uk = next(p for p in bundled["parties"] if p["party"] == "UK")
        assert (uk["assessed"], uk["mean_score"]) == (2, 0.0)
    else:
        # Final: the two unassessed commitments (CYB-04, MIN-01) count -1: (1 + 0 - 2) / 4.
        assert (bundled["assessed"], bundled["mean_score"], bundled["final"]) == (4, -0.25, True)
        assert bundled["cutoff"] == cutoff
    # Italy is no declared party of the bundled text and has no assessment of its own there.
    assert [p["party"] for p in bundled["parties"]] == ["Japan", "UK"]


def test_combined_report_changes_hold_both_declarations_histories(history: Cli) -> None:
    combined = _report(history)
    # Since the earlier declaration's date, not the newest one's: every declaration's window.
    assert combined["since"] == "2026-01-31"
    changed = {e["code"] for e in combined["changes"]}
    assert changed == {"CYB-02", "CYB-03", "IND-01", "GCP-02", "GCP-04"}
    alone = _report(history, "--declaration", GCAP)
    assert alone["since"] == "2026-11-14"
    assert {e["code"] for e in alone["changes"]} == {"GCP-02", "GCP-04"}
    # Each declaration's changes from its own since: a bundled event before the trilateral's
    # date is listed, and the changes are the two filtered reports' together.
    bundled = _report(history, "--declaration", BUNDLED)
    ids = sorted(e["id"] for e in combined["changes"])
    assert ids == sorted(e["id"] for e in [*alone["changes"], *bundled["changes"]])


def test_combined_changes_keep_each_declarations_window(history: Cli) -> None:
    """A milestone of one declaration moves its own since, not the other's."""
    history.ok(
        "milestone", "set", "ministers-2026", "2026-04-15", "--declaration", BUNDLED,
        "--on", "2026-03-20",
    )  # fmt: skip
    combined = _report(history)
    by = combined["summary"]["by_declaration"]
    assert by[BUNDLED]["since"] == "2026-04-15" and by[GCAP]["since"] == "2026-11-14"
    # IND-01 (1 March) and CYB-03 (1 April) fall before the bundled declaration's meeting.
    assert {e["code"] for e in combined["changes"]} == {"CYB-02", "CYB-03", "GCP-02", "GCP-04"}


def test_figures_apart_in_the_formats_for_people(history: Cli) -> None:
    md = history.ok("report", "-f", "md", "--as-of", AS_OF)
    assert "## By declaration" in md
    assert f"| {BUNDLED} |" in md and f"| {GCAP} |" in md
    assert "periods differ" in md
    html = history.ok("report", "-f", "html", "--as-of", AS_OF)
    assert "By declaration" in html and GCAP in html
    terminal = history.ok("report", "-f", "terminal", "--as-of", AS_OF)
    assert "By declaration" in terminal and GCAP in terminal
    # One declaration: no table of one row.
    assert "By declaration" not in history.ok(
        "report", "-f", "md", "--as-of", AS_OF, "--declaration", GCAP
    )


# --- follow-ups ---------------------------------------------------------------------------------


def _show(cli: Cli, code: str) -> dict[str, Any]:
    return json.loads(cli.ok("show", code, "--format", "json"))


def test_show_lists_links_both_ways_with_statuses(history: Cli) -> None:
    earlier = _show(history, "IND-01")
    assert earlier["follows"] == []
    assert [(x["code"], x["link"], x["status"]) for x in earlier["followed_by"]] == [
        ("GCP-01", "reaffirms", "not_started"),
        ("GCP-02", "follows", "in_progress"),
        ("GCP-03", "follows", "not_started"),
    ]
    later = _show(history, "GCP-02")
    (link,) = later["follows"]
    assert (link["code"], link["declaration"], link["status"], link["since"]) == (
        "IND-01", BUNDLED, "in_progress", "2026-03-01"
    )  # fmt: skip
    assert later["followed_by"] == []
    text = history.ok("show", "GCP-02")
    assert "Continues (earlier items):" in text and "IND-01" in text
    assert "in progress since" in text
    assert "Continued by (later items):" in history.ok("show", "IND-01")


def test_reports_mark_an_item_that_continues_an_earlier_one(history: Cli) -> None:
    report = _report(history)
    items = {c["code"]: c for c in report["commitments"]}
    assert items["GCP-02"]["continues"] == [
        {"code": "IND-01", "declaration": BUNDLED, "link": "follows",
         "status": "in_progress", "since": "2026-03-01"}
    ]  # fmt: skip
    assert items["GCP-04"]["continues"] == [] and items["IND-01"]["continues"] == []
    md = history.ok("report", "-f", "md", "--as-of", AS_OF, "--full")
    assert "continued from IND-01: in progress since" in md


def test_link_records_a_follow_up_found_later(two: Cli) -> None:
    out = two.ok("link", "GCP-04", "MIN-01", "--reason", "the trilateral meetings continue it")
    assert out.strip() == "GCP-04 follows MIN-01 (link #4)"  # three from the fixture first
    assert [x["code"] for x in _show(two, "MIN-01")["followed_by"]] == ["GCP-04"]
    assert _show(two, "GCP-04")["follows"][0]["reason"] == "the trilateral meetings continue it"
    assert "verify: OK" in two.ok("verify")
    for args, message in [
        (["MIN-01", "GCP-04"], "MIN-01 cannot follow GCP-04: GCP-04 already follows MIN-01"),
        (["IND-01", "GCP-02"], "IND-01 cannot follow GCP-02"),
        (["GCP-04", "GCP-04"], "GCP-04 cannot follow itself"),
        (["GCP-04", "MIN-01"], "GCP-04 is already linked to MIN-01"),
        (["GCP-04", "MIN-09"], "no commitment 'MIN-09'; did you mean MIN-02 or MIN-01"),
        (["GCP-04", f"{GCAP}:MIN-02"], f"MIN-02 is an item of declaration {BUNDLED}, not {GCAP}"),
        (["GCP-05", "CYB-02", "--kind", "continues"], "no link kind 'continues'"),
    ]:
        assert_one_error_line(two("link", *args, "--reason", "r"), message)
    # A reason is required: a link is history, and says why.
    assert two("link", "GCP-05", "CYB-02").exit_code == 2
    assert_one_error_line(two("link", "GCP-05", "CYB-02", "--reason", " "), "needs a reason")
    assert "GCP-05" not in {x["code"] for x in _show(two, "CYB-02")["followed_by"]}


def test_a_link_changed_outside_the_tool_is_found(two: Cli) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError
    from support import tamper

    engine = create_engine(two.url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text("UPDATE item_links SET reason = 'rewritten' WHERE seq = 2"))
    finally:
        engine.dispose()
    tamper(two.url, "UPDATE item_links SET kind = 'reaffirms' WHERE seq = 2")
    result = two("verify")
    assert result.exit_code != 0
    assert "link GCP-02 -> IND-01" in result.output and "changed after it was recorded" in (
        result.output
    )


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ({"follows": ["IND-99"]}, "item GCP-02: field 'follows': no item 'IND-99'; did you mean"),
        ({"follows": ["GCP-02"]}, "item GCP-02: field 'follows': an item cannot follow itself"),
        (
            {"reaffirms": [f"{GCAP}:IND-01"]},
            f"item GCP-02: field 'reaffirms': IND-01 is an item of declaration {BUNDLED}",
        ),
    ],
)
def test_the_loader_checks_each_link(
    cli: Cli, tmp_path: Path, links: dict[str, list[str]], message: str
) -> None:
    import shutil

    import yaml

    shutil.copy(SECOND.with_suffix(".txt"), tmp_path / SECOND.with_suffix(".txt").name)
    spec = yaml.safe_load(SECOND.read_text(encoding="utf-8"))
    item = spec["pillars"][0]["commitments"][1]
    assert item["code"] == "GCP-02"
    item.pop("follows", None)
    item.update(links)
    path = tmp_path / SECOND.name
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert_one_error_line(cli("load", str(path)), str(path), message)
    assert "GCP-02" not in {i["code"] for i in listed(cli)}


def test_export_of_some_declarations_imports_and_verifies(history: Cli, tmp_path: Path) -> None:
    # The links reach from the trilateral into the bundled declaration: one alone is refused.
    assert_one_error_line(
        history("export", "--declaration", GCAP, "-o", str(tmp_path / "part.json")),
        "GCP-01 -> IND-01 reaches beyond the declarations exported",
        f"add --declaration {BUNDLED}",
    )
    assert not (tmp_path / "part.json").exists()
    both = tmp_path / "both.json"
    history.ok("export", "--declaration", GCAP, "--declaration", BUNDLED, "-o", str(both))
    target = Cli(f"sqlite:///{tmp_path / 'copy.db'}")
    target.ok("import", str(both))
    assert "verify: OK" in target.ok("verify")
    assert len(json.loads(both.read_text(encoding="utf-8"))["tables"]["item_links"]["rows"]) == 3


def test_export_of_one_declaration_holds_it_alone(cli: Cli, tmp_path: Path) -> None:
    import shutil

    import yaml

    # The trilateral without its links: a part no link touches.
    shutil.copy(SECOND.with_suffix(".txt"), tmp_path / SECOND.with_suffix(".txt").name)
    spec = yaml.safe_load(SECOND.read_text(encoding="utf-8"))
    for pillar in spec["pillars"]:
        for item in pillar["commitments"]:
            item.pop("follows", None), item.pop("reaffirms", None)
    path = tmp_path / SECOND.name
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    cli.ok("load", str(path))
    cli.ok("progress", "GCP-02", "-s", "in_progress", "--on", "2026-11-20")
    cli.ok("progress", "CYB-02", "-s", "in_progress", "--on", "2026-05-20")
    part = tmp_path / "part.json"
    cli.ok("export", "--declaration", GCAP, "-o", str(part))
    data = json.loads(part.read_text(encoding="utf-8"))
    assert [r[1] for r in data["tables"]["declarations"]["rows"]] == [GCAP]
    target = Cli(f"sqlite:///{tmp_path / 'copy.db'}")
    target.ok("import", str(part))
    assert "verify: OK" in target.ok("verify")
    assert {i["code"] for i in listed(target)} == {f"GCP-0{n}" for n in range(1, 9)}
    assert [e["code"] for e in json.loads(target.ok("log", "--format", "json"))] == ["GCP-02"]


@pytest.mark.parametrize("cutoff", [None, "2026-11-30"], ids=["open", "final"])
def test_screen_report_groups_the_same_figures(history: Cli, cutoff: str | None) -> None:
    """A report cut for a screen takes each declaration's figures from its GROUP BY (and the
    parties' own assessments read once); they equal those grouped from every item read."""
    import datetime as dt

    from tracker.db import session_scope
    from tracker.reports.build import ReportSpec, build

    if cutoff is not None:
        history.ok("cutoff", "set", cutoff, "--declaration", BUNDLED, "--reason", "test")
    # Today, so that the cached statuses are current and the screen path is the tallies'.
    with session_scope(history.url, write=False) as s:
        full = build(s, ReportSpec(default_since=True))
        cut = build(s, ReportSpec(default_since=True, rows=3))
    assert [d.slug for d in full.by_declaration] == [BUNDLED, GCAP]
    assert cut.by_declaration == full.by_declaration
    assert full.as_of >= dt.date(2026, 12, 8)
    assert full.by_declaration[0].final is (cutoff is not None)
