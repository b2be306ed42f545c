"""The meeting's date and the cut-off from the command line (issue 22): `tracker milestone set`
and `tracker cutoff set` append chained announcements that every report, `list` and `show`
follow, that `verify` checks, and that export and import carry.

Expected figures are worked out here from the dates given, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from support import Build, Cli, record, tamper

from tracker import db

GOV = "https://www.gov.uk/government/news/uk-japan-2plus2"
ANNOUNCE = (
    "milestone", "set", "ministers-2026", "2026-12-15", "-e", GOV,
    "--evidence-title", "UK-Japan 2+2 to be held in London", "--evidence-date", "2026-11-12",
    "--on", "2026-11-12", "-m", "2+2 in London on 15 December", "--by", "a.clarke",
)  # fmt: skip


def _announced(cli: Cli, _: Path) -> Cli:
    record(cli, [("MIN-01", "-s", "in_progress", "--on", "2026-11-12", "-m", "date agreed")])
    cli.ok(*ANNOUNCE)
    return cli


@pytest.fixture
def announced(built: Callable[[Build], Cli]) -> Cli:
    """On each engine (conftest's `built`)."""
    return built(_announced)


@pytest.fixture
def fresh(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(lambda cli, _: cli)


def _days(on: str, to: str) -> int:
    return (dt.date.fromisoformat(to) - dt.date.fromisoformat(on)).days


def test_until_announced_the_headline_says_deadline(fresh: Cli) -> None:
    md = fresh.ok("report", "-f", "md", "--as-of", "2026-11-30", "--brief")
    assert (
        "**2026 foreign and defence ministers' meeting (2+2): deadline (no date announced): "
        f"2026-12-31, in {_days('2026-11-30', '2026-12-31')} days.**"
    ) in md
    listed = json.loads(fresh.ok("milestone", "list", "--json"))
    assert [(m["slug"], m["date"], m["announcements"]) for m in listed] == [
        ("ministers-2026", "2026-12-31", [])
    ]


def test_an_announced_date_changes_the_countdown_in_every_report(announced: Cli) -> None:
    as_of = "2026-11-30"
    days = _days(as_of, "2026-12-15")
    headline = (
        f"{days} days to the 2026 foreign and defence ministers' meeting (2+2) "
        "(2026-12-15, announced 2026-11-12)"
    )
    md = announced.ok("report", "-f", "md", "--as-of", as_of)
    assert f"**{headline}.**" in md
    assert "target 2026-12-15" in md and "target 2026-12-31" not in md
    term = announced.ok("report", "-f", "terminal", "--as-of", as_of)
    assert headline in " ".join(term.split())
    html = announced.ok("report", "-f", "html", "--as-of", as_of, "--brief")
    assert headline.replace("'", "&#39;") in html
    report = json.loads(announced.ok("report", "-f", "json", "--as-of", as_of))
    assert report["milestones"] == [
        {
            "slug": "ministers-2026",
            "title": "2026 foreign and defence ministers' meeting (2+2)",
            "date": "2026-12-15",
            "days_left": days,
            "announced_on": "2026-11-12",
            "deadline": False,
        }
    ]
    by_code = {c["code"]: c for c in report["commitments"]}
    assert by_code["MIN-01"]["target"] == "2026-12-15"
    # A report as of a day before the announcement uses the date known then.
    before = announced.ok("report", "-f", "md", "--as-of", "2026-11-11", "--brief")
    assert "deadline (no date announced): 2026-12-31" in before


def test_the_announced_date_makes_items_overdue_in_report_list_and_show(announced: Cli) -> None:
    # 20 December: past the announced 15th, before the text's deadline (31st).
    md = announced.ok("report", "-f", "md", "--as-of", "2026-12-20", "--brief")
    assert "## Overdue: 1" in md and "target 2026-12-15 passed" in md
    listed = json.loads(announced.ok("list", "--all", "--format", "json"))
    assert {c["code"]: c["target"] for c in listed}["MIN-01"] == "2026-12-15"
    shown = announced.ok("show", "MIN-01")
    assert "(2026-12-15) announced 2026-11-12; the text's deadline was 2026-12-31" in shown


def test_the_announcement_is_history_that_verify_checks(announced: Cli) -> None:
    listed = json.loads(announced.ok("milestone", "list", "--json"))
    (event,) = listed[0]["announcements"]
    assert (event["date"], event["announced_on"], event["actor"]) == (
        "2026-12-15",
        "2026-11-12",
        "a.clarke",
    )
    assert event["evidence"] == [
        {
            "reference": GOV,
            "kind": "other",
            "title": "UK-Japan 2+2 to be held in London",
            "published_on": "2026-11-12",
        }
    ]
    text = announced.ok("milestone", "list")
    assert "2026-12-15 (announced)" in text and "UK-Japan 2+2 to be held in London" in text
    assert ", 1 announcement;" in announced.ok("verify")
    # Rewritten past the guard: verify names the announcement.
    tamper(announced.url, "UPDATE milestone_events SET date = '2026-12-01'")
    result = announced("verify")
    assert result.exit_code == 1
    assert "milestone japan-uk-2026/ministers-2026: announcement #" in result.stderr
    assert "was changed after it was recorded" in result.stderr


def test_export_and_import_carry_the_announcements(
    built_sqlite: Callable[[Build], Cli], tmp_path: Path
) -> None:
    cli = built_sqlite(_announced)
    dump = tmp_path / "e.json"
    cli.ok("export", "--output", str(dump))
    target = Cli(f"sqlite:///{tmp_path / 'copy.db'}")
    target.ok("import", str(dump))
    assert target.ok("milestone", "list", "--json") == cli.ok("milestone", "list", "--json")
    assert target.ok("verify").startswith("verify: OK")
    brief = target.ok("report", "-f", "md", "--as-of", "2026-11-30", "--brief")
    assert "(2026-12-15, announced 2026-11-12)" in brief


def test_a_later_announcement_supersedes_and_the_chain_grows(fresh: Cli) -> None:
    fresh.ok("milestone", "set", "ministers-2026", "2026-12-15", "--on", "2026-11-12")
    out = fresh.ok("milestone", "set", "ministers-2026", "2027-01-20", "--on", "2026-12-01")
    assert "2026-12-15 → 2027-01-20, announced 2026-12-01" in out
    listed = json.loads(fresh.ok("milestone", "list", "--json"))[0]
    assert [e["date"] for e in listed["announcements"]] == ["2026-12-15", "2027-01-20"]
    assert listed["date"] == "2027-01-20"
    md = fresh.ok("report", "-f", "md", "--as-of", "2026-11-30", "--brief")
    assert "(2026-12-15, announced 2026-11-12)" in md
    md = fresh.ok("report", "-f", "md", "--as-of", "2026-12-02", "--brief")
    assert "(2027-01-20, announced 2026-12-01)" in md


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("ministers-2025", "2026-12-15"), "no milestone 'ministers-2025' in japan-uk-2026; "
         "milestones: ministers-2026", 1),
        (("ministers-2026", "2025-12-15"), "is before the declaration japan-uk-2026", 1),
        (("ministers-2026", "2026-12-15", "--on", "2099-01-01"), "is in the future", 1),
        (("ministers-2026", "15/12/2026"), "invalid date '15/12/2026'", 2),
        (("ministers-2026", "2026-12-15", "--declaration", "nope"), "no declaration 'nope'", 1),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(
    fresh: Cli, args: tuple[str, ...], message: str, code: int
) -> None:
    result = fresh("milestone", "set", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert json.loads(fresh.ok("milestone", "list", "--json"))[0]["announcements"] == []


def test_cutoff_set_moves_the_final_assessment(fresh: Cli) -> None:
    # 2027-01-10 is after the fixture's cut-off (2026-12-31): the final assessment.
    assert "Final assessment at the cut-off, 2026-12-31" in fresh.ok(
        "report", "-f", "md", "--as-of", "2027-01-10", "--brief"
    )
    result = fresh("cutoff", "set", "2027-01-31")
    assert result.exit_code == 2 and "--reason" in result.stderr
    out = fresh.ok("cutoff", "set", "2027-01-31", "--reason", "the 2+2 slipped to January")
    assert "cut-off japan-uk-2026/cut-off: 2026-12-31 → 2027-01-31" in out
    md = fresh.ok("report", "-f", "md", "--as-of", "2027-01-10", "--brief")
    assert "Final assessment" not in md
    assert "0 of 4 commitments assessed" in md and "(cut-off 2027-01-31)" in md
    md = fresh.ok("report", "-f", "md", "--as-of", "2027-02-01", "--brief")
    assert "Final assessment at the cut-off, 2027-01-31" in md
    listed = json.loads(fresh.ok("milestone", "list", "--json"))
    cutoff = next(m for m in listed if m["kind"] == "cutoff")
    assert cutoff["announcements"][0]["note"] == "the 2+2 slipped to January"
    assert fresh.ok("verify").startswith("verify: OK")


def test_a_downgrade_that_drops_announcements_asks_first(fresh: Cli) -> None:
    fresh.ok("milestone", "set", "ministers-2026", "2026-12-15", "--on", "2026-11-12")
    result = fresh("db", "downgrade", "0010_cutoff")
    assert result.exit_code == 1
    # (and the text revision of the load that made the database, from 0014)
    assert "1 milestone announcement(s)" in result.stderr
    assert "refused without --yes (nothing changed)" in result.stderr
    assert db.HEAD_REVISION in fresh.ok("db", "current")
