"""Page one tells the true story (issue 22): a desk officer's year recorded through the CLI,
then page one read in every format for people.

Each format's page one holds, for the year below: what changed as one line per item with its
title, net change and the title of its latest evidence (never the corrected SEC-03 "achieved");
the item due by the 2+2; the stalled item with the date and the recorded reason; the matrix of
scored commitments by party with CYB-02's difference flagged. The expected net changes are
worked out here from the list of events, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from browser import chromium
from support import Build, Cli, record
from test_briefing import _flat, _pdf_pages

AS_OF = "2026-11-30"
SINCE = dt.date(2026, 1, 31)
NCSC = "https://www.ncsc.gov.uk/news/joint-guidance"

# (code, status, party, on, note, reason, evidence, evidence title, evidence date)
YEAR: list[tuple[str, str, str | None, str, str, str | None, str | None, str | None, str | None]]
YEAR = [
    ("CYB-03", "in_progress", None, "2026-02-20", "First threat-information exchange", None,
     None, None, None),
    ("CYB-02", "in_progress", None, "2026-03-05", "Joint cyber working group launched", None,
     "https://www.gov.uk/government/news/uk-japan-cyber", "UK-Japan cyber working group launched",
     "2026-03-05"),
    ("SEC-03", "achieved", None, "2026-04-10", "Exercise Vigilant Isles 2026 held", None,
     "https://example.org/vigilant", None, None),
    ("CYB-04", "in_progress", None, "2026-05-12", "Coordinated attribution statement drafted",
     None, None, None, None),
    ("CYB-04", "stalled", None, "2026-09-03", "Awaiting the Cabinet Secretariat's review\nmore",
     "Legal review of joint attribution paused in Tokyo", None, None, None),
    ("CYB-02", "partially_achieved", "UK", "2026-10-01", "NCSC guidance published jointly", None,
     NCSC, "Joint guidance on critical infrastructure", "2026-09-30"),
    ("MIN-01", "in_progress", None, "2026-11-12", "2+2 to be held in London on 15 December",
     None, "telegrams/2026-11-12-tokyo.pdf", None, None),
]  # fmt: skip
# Event 3 (SEC-03 achieved) was misread: only the planning conference was held.
CORRECTION = ("correct", "3", "--status", "in_progress", "--reason", "misread: planning only")


def _args(event: tuple[str | None, ...]) -> list[str]:
    code, status, party, on, note, reason, ref, title, published = event
    args = [str(code), "-s", str(status), "--on", str(on), "-m", str(note), "--by", "a.clarke"]
    for flag, value in (
        ("--party", party),
        ("--reason", reason),
        ("-e", ref),
        ("--evidence-title", title),
        ("--evidence-date", published),
    ):
        if value is not None:
            args += [flag, value]
    return args


def _year(cli: Cli, _: Path) -> Cli:
    return record(cli, [*(_args(e) for e in YEAR), CORRECTION])


@pytest.fixture
def year(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_year)


def _expected_moves() -> dict[str, tuple[str, str]]:
    """Each item's whole status before SINCE and on AS_OF, from YEAR and the correction."""
    whole = [e for e in YEAR if e[2] is None]
    events = [list(e) for e in whole]
    events[2][1] = "in_progress"  # the correction replaces event 3
    moves: dict[str, tuple[str, str]] = {}
    for code in dict.fromkeys(e[0] for e in events):
        mine = [e for e in events if e[0] == code and e[3] <= AS_OF]
        before = [e for e in mine if e[3] < SINCE.isoformat()]
        moves[code] = (before[-1][1] if before else "not_started", mine[-1][1])
    return moves


def _label(status: str) -> str:
    return status.replace("_", " ")


def _assert_page_one(text: str) -> None:
    """What page one holds in every format (text flattened to single spaces)."""
    flat = _flat(text)
    assert "What changed since 2026-01-31 (the declaration): 5 items" in flat
    for code, (before, after) in _expected_moves().items():
        assert re.search(rf"{code}\b.*?{_label(before)} → {_label(after)}", flat), code
    assert "Increase collaboration on protecting cyberspace" in flat  # titles, not codes only
    assert "UK: not started → partially achieved" in flat
    assert "Joint guidance on critical infrastructure, 2026-09-30" in flat
    assert "2026-11-12-tokyo.pdf" in flat and "telegrams/" not in flat
    # The corrected event is no change: SEC-03 never reads "achieved" on page one.
    assert "→ achieved" not in flat and "Vigilant Isles 2026 held" not in flat
    assert "Due by the 2026 foreign and defence ministers' meeting (2+2)" in flat
    assert "stalled since 2026-09-03: Legal review of joint attribution paused in Tokyo" in flat
    assert "Japan and UK side by side" in flat
    assert "The parties differ on 1" in flat


def _cyb02_row(lines: list[str]) -> str:
    return next(line for line in lines if "CYB-02" in line and "≠" in line)


def test_markdown_page_one(year: Cli) -> None:
    brief = year.ok("report", "-f", "md", "--as-of", AS_OF, "--brief")
    _assert_page_one(brief)
    row = _cyb02_row(brief.splitlines())
    # Japan follows the item's assessment (*); the UK has its own.
    assert "| in progress (+0), 2026-03-05 * | partially achieved (+0), 2026-10-01 |" in row
    # Evidence is its title as a link, never the bare URL as text.
    assert f"[Joint guidance on critical infrastructure, 2026-09-30](<{NCSC}>)" in brief
    assert f"[{NCSC}]" not in brief
    # The event log is the annex, after page one, with the correction in it.
    full = year.ok("report", "-f", "md", "--as-of", AS_OF)
    annex = full.split("## Annex: every change since 2026-01-31 (the declaration): 7")[1]
    assert "(correction of #3)" in annex and full.index("## By pillar") < full.index("## Annex")


def test_terminal_page_one_at_80_columns(year: Cli) -> None:
    brief = year.ok("report", "-f", "terminal", "--as-of", AS_OF, "--brief")
    assert max(len(line) for line in brief.splitlines()) <= 80
    _assert_page_one(brief)
    row = _cyb02_row(brief.splitlines())
    assert re.search(r"CYB-02\s+▒ in progress \+0 \*\s+▓ partially achieved \+0\s+≠", row)


def test_html_page_one_fits_the_first_screen_at_1280(year: Cli, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    year.ok("report", "-f", "html", "--as-of", AS_OF, "-o", str(page))
    with chromium() as browser:
        browser.open(page.as_uri(), 1280, 900)
        text = browser.evaluate("document.querySelector('#briefing').innerText")
        _assert_page_one(text)
        # Every part of page one up to the matrix's flagged row is on the first screen.
        bottoms = browser.evaluate(
            "['#changes', '#due-soon', '#overdue', '#stalled', '#matrix tr.differs']"
            ".map(s => document.querySelector(s).getBoundingClientRect().bottom)"
        )
        assert max(bottoms) <= 900, bottoms
        assert "CYB-02" in browser.evaluate(
            "document.querySelector('#matrix tr.differs').innerText"
        )


def test_pdf_page_one(year: Cli, tmp_path: Path) -> None:
    pdf = tmp_path / "r.pdf"
    year.ok("report", "-f", "pdf", "--as-of", AS_OF, "--marking", "OFFICIAL", "-o", str(pdf))
    first = next(p for p in _pdf_pages(pdf) if p.strip())
    _assert_page_one(first)
    assert "≠" in _flat(first).split("CYB-02", 2)[-1]


def test_overdue_says_since_when_and_the_latest_word(year: Cli) -> None:
    brief = year.ok("report", "-f", "md", "--as-of", "2027-01-05", "--brief")
    assert "## Overdue: 1" in brief
    assert (
        "**MIN-01** Hold a foreign and defence ministers' (2+2) meeting in 2026 — in progress; "
        "target 2026-12-31 passed; latest (2026-11-12): 2+2 to be held in London on 15 December"
    ) in brief
    assert "Final assessment at the cut-off, 2026-12-31" in brief


def test_page_one_cuts_a_long_list_and_points_to_the_annex(
    built_sqlite: Callable[[Build], Cli],
) -> None:
    codes = ["SEC-01", "SEC-02", "CYB-01", "ECO-01", "ECO-02", "GEO-01", "GEO-02", "GEO-03"]
    codes += ["GEO-04", "CYB-03"]

    def many(cli: Cli, _: Path) -> Cli:
        return record(
            cli,
            [(c, "-s", "in_progress", "--on", f"2026-03-{n + 1:02d}") for n, c in enumerate(codes)],
        )

    cli = built_sqlite(many)
    brief = cli.ok("report", "-f", "md", "--as-of", AS_OF, "--brief")
    moved = brief.split("items\n\n")[1].split("\n\n")[0].splitlines()
    # The latest first, eight of them, then how many more and where.
    assert [line.split("**")[1] for line in moved[:8]] == codes[::-1][:8]
    assert moved[8] == "… and 2 more in the annex."


def test_a_fresh_database_page_one_has_no_score(built_sqlite: Callable[[Build], Cli]) -> None:
    cli = built_sqlite(lambda cli, _: cli)
    brief = cli.ok("report", "-f", "md", "--brief", "--as-of", AS_OF)
    assert "0 of 4 commitments assessed" in brief
    assert "-1.00" not in brief and "(-1)" not in brief
    assert "| not yet assessed | not yet assessed |" in brief
    assert "The parties differ on 0" in brief
