"""The report as a briefing for the 2+2 (issue 13) and the figures it stands on (issues 11, 13).

Page one says what a minister needs (checked on A4, printed by Chromium and by the PDF format);
the page is accessible (axe-core in headless Chromium at 1280 and 390 px, 0 violations of the
WCAG 2.1 A/AA rules) and its status column stays on a phone's screen; the all-parties average
matches a table worked out by hand; a third party's assessment (Italy) reaches every format;
unscored items are never scored -1; the terminal report is paged on a terminal only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser import AXE_RUN, IN_CI, axe_source, chromium
from support import Build, Cli, record

ROOT = Path(__file__).resolve().parent
AS_OF = "2026-06-01"

# A few events on the bundled declaration, as an official would have them before the 2+2.
EVENTS: list[tuple[str, ...]] = [
    ("CYB-01", "-s", "in_progress", "--on", "2026-03-12", "-m", "First cyber dialogue"),
    ("MIN-01", "-s", "stalled", "--on", "2026-04-20", "-m", "No date agreed yet"),
    ("IND-01", "-s", "in_progress", "--party", "Italy", "--on", "2026-05-02", "-m", "GCAP ok"),
    (
        "SEC-03",
        "-s",
        "achieved",
        "--on",
        "2025-12-01",
        "--before-declaration",
        "-m",
        "Held before the declaration",
    ),
]


def _briefed(cli: Cli, _: Path) -> Cli:
    return record(cli, EVENTS)


@pytest.fixture
def briefed(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_briefed)


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    reason = f"{name} is not installed (apt-get install -y {package})"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def _pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, as pdftotext lays it out."""
    binary = _tool("pdftotext", "poppler-utils")
    out = subprocess.run(
        [binary, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.split("\f")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _assert_page_one(text: str) -> None:
    flat = _flat(text)
    assert "2026 foreign and defence ministers' meeting (2+2): deadline (no date announced)" in flat
    assert "15 firm commitments (scored)" in flat or "firm commitments (scored)" in flat
    assert "What changed since 2026-01-31 (the declaration): 3 items" in flat
    assert "CYB-01" in flat and "not started → in progress" in flat
    assert "Due by the 2026 foreign and defence ministers' meeting (2+2):" in flat
    assert "Stalled: 1" in flat and "MIN-01" in flat
    assert "Overdue: 0" in flat
    assert "Japan, UK and Italy side by side" in flat
    # The matrix of scored commitments by party (its totals may follow on page two).
    assert "Commitments by party" in flat or "Commitment" in flat
    assert "The parties differ on" in flat


# --- page one, printed on A4 ---------------------------------------------------------------


def test_page_one_printed_by_chromium_is_the_briefing(briefed: Cli, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    briefed.ok("report", "-f", "html", "--as-of", AS_OF, "--marking", "OFFICIAL", "-o", str(page))
    pdf = tmp_path / "report.pdf"
    with chromium() as browser:
        browser.open(page.as_uri(), 1280)
        pdf.write_bytes(browser.pdf())
    pages = _pdf_pages(pdf)
    assert len(pages) >= 5
    _assert_page_one(pages[0])
    # The rest follows on pages of its own.
    assert "Figures by pillar and by party" not in pages[0]
    assert "The parties' pledges" not in pages[0]


def test_pdf_format_page_one_is_the_briefing(briefed: Cli, tmp_path: Path) -> None:
    pdf = tmp_path / "2plus2.pdf"
    briefed.ok(
        "report",
        "-f",
        "pdf",
        "--as-of",
        AS_OF,
        "--marking",
        "OFFICIAL",
        "--prepared-by",
        "J. Smith",
        "-o",
        str(pdf),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = [p for p in _pdf_pages(pdf) if p.strip()]
    _assert_page_one(pages[0])
    # The marking heads every page and the footer names who prepared it; the digest is in
    # the method section, not in the footer (tests/test_print.py).
    digest = json.loads(briefed.ok("report", "-f", "json", "--as-of", AS_OF))["heads_digest"]
    for text in pages:
        assert "OFFICIAL" in text
        assert "prepared by J. Smith" in _flat(text)
        assert f"heads digest {digest[:16]}" not in _flat(text)
    assert digest in _flat(pages[-1]).replace(" ", "") or any(
        digest in p.replace(" ", "").replace("\n", "") for p in pages
    )


def test_pdf_without_weasyprint_is_a_one_line_error(
    briefed: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint -> ImportError
    target = tmp_path / "r.pdf"
    result = briefed("report", "-f", "pdf", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == "error: the pdf format needs WeasyPrint: pip install 'tracker[pdf]'\n"
    assert not target.exists()


# --- the page in a browser: accessible, and readable on a phone ------------------------------


@pytest.fixture
def html_report(briefed: Cli, tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    briefed.ok(
        "report",
        "-f",
        "html",
        "--as-of",
        AS_OF,
        "--marking",
        "OFFICIAL",
        "--prepared-by",
        "J. Smith",
        "-o",
        str(page),
    )
    return page


def test_axe_finds_no_wcag21_aa_violation_at_1280_and_390(html_report: Path) -> None:
    axe = axe_source()
    # The page forbids every script (its CSP); the test alone bypasses it to inject axe.
    with chromium(bypass_csp=True) as browser:
        for width in (1280, 390):
            browser.open(html_report.as_uri(), width)
            browser.evaluate(axe)
            result = browser.evaluate(AXE_RUN, wait=True)
            assert result["violations"] == [], (width, result["violations"])
            # axe did check what the issue found wrong: contrast, scroll regions, names.
            checked = ["color-contrast", "svg-img-alt"]
            # Only a phone's width makes tables scroll sideways.
            checked += ["scrollable-region-focusable"] if width == 390 else []
            for rule in checked:
                assert rule in result["passes"], (width, rule)


def test_status_column_and_charts_fit_a_phone(html_report: Path, briefed: Cli) -> None:
    shots = os.environ.get("TRACKER_SHOTS")  # a folder to keep the screenshots in, if set
    items = json.loads(briefed.ok("report", "-f", "json"))["summary"]["items"]
    with chromium() as browser:
        for width in (1280, 390):
            browser.open(html_report.as_uri(), width)
            # The page never scrolls sideways, and every status cell of both item tables is
            # inside the screen, whole.
            assert browser.evaluate("document.documentElement.scrollWidth") <= width
            cells = browser.evaluate(
                "Array.from(document.querySelectorAll('.items-table td.status-cell')).map(c => {"
                "const r = c.getBoundingClientRect(); return [r.left, r.right, c.scrollWidth,"
                " c.clientWidth, getComputedStyle(c).display]})"
            )
            assert len(cells) == items
            for left, right, scroll_width, client_width, _ in cells:
                assert left >= 0 and right <= width, (width, left, right)
                assert scroll_width <= client_width + 1
            # Each chart shows one SVG that fits its box (the wide one, or the phone one).
            charts = browser.evaluate(
                "Array.from(document.querySelectorAll('.chart svg')).filter(s => "
                "getComputedStyle(s).display !== 'none').map(s => {const r = "
                "s.getBoundingClientRect(); return [s.getAttribute('class'), r.left, r.right]})"
            )
            assert [c[0] for c in charts] == (
                ["wide", "wide"] if width == 1280 else ["narrow", "narrow"]
            )
            for _, left, right in charts:
                assert left >= 0 and right <= width
            if shots:
                browser.screenshot(Path(shots) / f"briefing-{width}.png")


# --- figures ---------------------------------------------------------------------------------

SOURCE = (
    "The three parties commit to build the bridge. They agree to open the port. They undertake "
    "to train the pilots. They commit to share the data. They agree to meet again. They "
    "recognise the value of trade.\n"
)
PARTIES = ["Aland", "Bland", "Cland"]
SPEC: dict[str, Any] = {
    "schema": 1,
    "declaration": {
        "slug": "three-test",
        "title": "Three-party test declaration",
        "date": dt.date(2026, 2, 1),
        "place": "Testville",
        "parties": PARTIES,
        "source": "Test source",
        "source_file": "three-test.txt",
        "inferred": {"date": "test", "place": "test", "parties": "test"},
    },
    "pillars": [
        {
            "slug": "all",
            "title": "Everything",
            "commitments": [
                {
                    "code": f"TRI-0{n}",
                    "title": title,
                    "quote": quote,
                    "kind": "commitment",
                    "parties": PARTIES,
                    "basis": f"'{quote}': the parties commit",
                    "inferred": {"parties": "test"},
                    "guidelines": {"-1": "Nothing.", "0": "Begun.", "+1": "Done."},
                }
                for n, (title, quote) in enumerate(
                    [
                        ("Bridge", "build the bridge"),
                        ("Port", "open the port"),
                        ("Pilots", "train the pilots"),
                        ("Data", "share the data"),
                        ("Meet", "meet again"),
                    ],
                    start=1,
                )
            ]
            + [
                {
                    "code": "TRI-06",
                    "title": "Trade",
                    "quote": "recognise the value of trade",
                    "kind": "ongoing",
                    "parties": PARTIES,
                    "basis": "'recognise': existing",
                    "inferred": {"parties": "test"},
                }
            ],
        }
    ],
}
# Each party's own status on each commitment: the table a G7 Research Group analyst would fill.
TABLE = {
    "TRI-01": {"Aland": "achieved", "Bland": "achieved", "Cland": "in_progress"},
    "TRI-02": {"Aland": "partially_achieved", "Bland": "stalled", "Cland": "achieved"},
    "TRI-03": {"Aland": "not_started", "Bland": "achieved", "Cland": "dropped"},
    "TRI-04": {"Aland": "achieved", "Bland": "in_progress", "Cland": "achieved"},
    "TRI-05": {"Aland": "stalled", "Bland": "not_started", "Cland": "achieved"},
}
# Worked by hand from TABLE (+1 achieved, 0 in progress or partial, -1 otherwise):
#   Aland: +1  0 -1 +1 -1 = 0   -> 0/5 =  0.0
#   Bland: +1 -1 +1  0 -1 = 0   -> 0/5 =  0.0
#   Cland:  0 +1 -1 +1 +1 = +2  -> 2/5 = +0.4
#   all parties: (0 + 0 + 2) / 15 = 0.1333
HAND = {"Aland": 0.0, "Bland": 0.0, "Cland": 0.4}
HAND_ALL = round(2 / 15, 4)


@pytest.fixture
def three(cli: Cli, tmp_path: Path) -> Cli:
    (tmp_path / "three-test.txt").write_text(SOURCE, encoding="utf-8")
    spec = tmp_path / "three-test.yaml"
    spec.write_text(yaml.safe_dump(SPEC, sort_keys=False), encoding="utf-8")
    cli.ok("load", str(spec))
    for code, row in TABLE.items():
        for party, status in row.items():
            # Not started too: the analyst assessed it so (unrecorded, it is not yet assessed).
            cli.ok("progress", code, "-s", status, "--party", party, "--on", "2026-03-01")
    # The ongoing item moves too, and must stay out of every score.
    cli.ok("progress", "TRI-06", "-s", "achieved", "--on", "2026-03-01")
    return cli


def test_party_mean_score_matches_the_hand_computed_table(three: Cli) -> None:
    data = json.loads(three.ok("report", "-f", "json", "--declaration", "three-test"))
    parties = {p["party"]: p for p in data["parties"]}
    assert {p: parties[p]["mean_score"] for p in PARTIES} == HAND
    assert all(parties[p]["commitments"] == 5 for p in PARTIES)
    summary = data["summary"]
    assert summary["party_mean_score"] == HAND_ALL and summary["party_scores"] == 15
    # No whole-item event on the commitments: their own mean is -1, which is why the average
    # over the parties' assessments is the headline figure.
    assert summary["mean_score"] == -1.0
    assert summary["kinds"] == {"commitment": 5, "priority": 0, "ongoing": 1, "outlook": 0}
    scores = {c["code"]: c["score"] for c in data["commitments"]}
    assert scores["TRI-06"] is None  # achieved, but ongoing: not scored, never -1 or +1
    # The formats for people print the same figure beside the per-party ones.
    shown = f"{HAND_ALL:+.2f}"
    md = three.ok("report", "-f", "md", "--declaration", "three-test")
    assert f"| **All-parties average** | 15 | | | | | {shown} |" in md
    assert "Aland, Bland and Cland side by side" in md
    term = three.ok("report", "-f", "terminal", "--declaration", "three-test")
    assert re.search(rf"All parties\s+15\s+{re.escape(shown)}", term)
    page = three.ok("report", "-f", "html", "--declaration", "three-test")
    assert f'<strong id="party-mean-score">{shown}</strong> over 15 scores' in page


def test_italy_appears_in_every_format(briefed: Cli, tmp_path: Path) -> None:
    # Italy is named on IND-01 only, and has an assessment of its own there.
    data = json.loads(briefed.ok("report", "-f", "json", "--as-of", AS_OF))
    assert [p["party"] for p in data["parties"]] == ["Japan", "UK", "Italy"]
    ind = next(c for c in data["commitments"] if c["code"] == "IND-01")
    assert ind["party_status"]["Italy"] == "in_progress"
    only = json.loads(briefed.ok("report", "-f", "json", "--party", "italy", "--as-of", AS_OF))
    assert [c["code"] for c in only["commitments"]] == ["IND-01"]
    assert only["filters"] == {"party": "Italy"}
    rows = list(csv.DictReader(io.StringIO(briefed.ok("report", "-f", "csv", "--as-of", AS_OF))))
    assert next(r for r in rows if r["code"] == "IND-01")["status_Italy"] == "in_progress"
    assert {r["status_Italy"] for r in rows if r["code"] != "IND-01"} == {""}
    md = briefed.ok("report", "-f", "md", "--as-of", AS_OF)
    assert "Italy: in progress" in md and "| Italy |" in md
    page = briefed.ok("report", "-f", "html", "--as-of", AS_OF)
    assert '<tr data-key="Italy"><th scope="row">Italy</th>' in page
    assert "Italy: in progress" in page
    term = briefed.ok("report", "-f", "terminal", "--as-of", AS_OF)
    assert re.search(r"^Italy\s+\d", term, re.M) and "[Italy]" in term
    pdf = tmp_path / "r.pdf"
    briefed.ok("report", "-f", "pdf", "--as-of", AS_OF, "-o", str(pdf))
    assert "Italy" in _pdf_pages(pdf)[0]


def test_unscored_items_are_never_minus_one(briefed: Cli) -> None:
    data = json.loads(briefed.ok("report", "-f", "json", "--as-of", AS_OF))
    for c in data["commitments"]:
        # A commitment nobody has assessed has no score yet either (before the cut-off).
        unscored = c["kind"] != "commitment" or not c["assessed"]
        assert (c["score"] is None) == unscored, c["code"]
    assert any(c["score"] is not None for c in data["commitments"])
    kinds = data["summary"]["kinds"]
    assert sum(kinds.values()) == data["summary"]["items"]
    assert data["outlook"] == [c["code"] for c in data["commitments"] if c["kind"] == "outlook"]
    # Outlook items come after the parties' pledges, apart.
    order = [c["kind"] == "outlook" for c in data["commitments"]]
    assert order == sorted(order)
    md = briefed.ok("report", "-f", "md", "--as-of", AS_OF)
    unscored = next(c["code"] for c in data["commitments"] if c["kind"] != "commitment")
    row = next(x for x in md.splitlines() if x.startswith(f"| `{unscored}` |"))
    assert "| not scored |" in row and "| -1 |" not in row
    headline = md.split("## Changes since", 1)[0]
    assert f"{kinds['commitment']} firm commitments (scored)**, {kinds['priority']} stated " in (
        headline
    )
    assert "## Outlook: the source's commentary" in md


def test_history_starts_at_the_declaration_in_date_order(briefed: Cli) -> None:
    data = json.loads(briefed.ok("report", "-f", "json", "--as-of", AS_OF, "--history"))
    days = [h["on"] for h in data["history"]]
    assert days == sorted(days) and days[0] == "2026-01-31" and days[-1] == AS_OF
    # SEC-03, achieved before the declaration, is part of the starting state.
    assert data["history"][0]["counts"]["achieved"] == 1


def test_a_correction_keeps_the_evidence_but_not_the_wrong_note(briefed: Cli) -> None:
    """The documents usually stand (it was their reading that was wrong), so the evidence
    carries over; the note said what was wrong ("Talks begun" under stalled), so it does not."""
    briefed.ok(
        "progress", "CYB-02", "-s", "in_progress", "--on", "2026-04-01", "-m", "Talks begun",
        "-e", "https://www.ncsc.gov.uk/x",
    )  # fmt: skip
    wrong = json.loads(briefed.ok("show", "CYB-02", "-f", "json"))["events"][-1]["id"]
    briefed.ok("correct", str(wrong), "--status", "stalled", "--reason", "misread")
    data = json.loads(briefed.ok("report", "-f", "json", "--as-of", AS_OF))
    last = next(c for c in data["commitments"] if c["code"] == "CYB-02")["last_event"]
    assert last["corrects"] == wrong and last["to_status"] == "stalled"
    assert last["note"] == "" and last["evidence"] == ["https://www.ncsc.gov.uk/x"]
    assert "Talks begun" not in briefed.ok("report", "-f", "md", "--as-of", AS_OF)


def test_since_defaults_to_the_last_meeting(briefed: Cli) -> None:
    # No milestone has passed: since the declaration date.
    data = json.loads(briefed.ok("report", "-f", "json", "--as-of", AS_OF))
    assert data["since"] == "2026-01-31"
    # After the 2+2 (31 December 2026): since the 2+2.
    later = json.loads(briefed.ok("report", "-f", "json", "--as-of", "2027-02-01"))
    assert later["since"] == "2026-12-31"


def test_inferred_values_and_guidelines_are_marked(briefed: Cli) -> None:
    from sqlalchemy import update

    from tracker.db import session_scope
    from tracker.models import Commitment

    guidelines = {
        "-1": "No dialogue is held by the cut-off.",
        "0": "A dialogue is announced but not held.",
        "+1": "A bilateral cyber dialogue meets at least once.",
    }
    with session_scope(briefed.url, write=True) as s:
        s.execute(
            update(Commitment)
            .where(Commitment.code == "CYB-02")
            .values(
                owners=["NCSC", "NCO"],
                inferred={"owners": "analyst's assignment"},
                basis="committed to increasing collaboration",
                guidelines=guidelines,
            )
        )
        s.execute(
            update(Commitment)
            .where(Commitment.code == "MIN-01")
            .values(
                target_date=dt.date(2026, 12, 31),
                inferred={"target": "rule: 'in 2026' -> 31 December 2026"},
            )
        )
    data = json.loads(briefed.ok("report", "-f", "json", "--as-of", AS_OF))
    items = {c["code"]: c for c in data["commitments"]}
    assert items["CYB-02"]["inferred"] == ["owners"]
    assert items["CYB-02"]["basis"] == "committed to increasing collaboration"
    assert items["MIN-01"]["inferred"] == ["target"]
    rows = {
        r["code"]: r
        for r in csv.DictReader(io.StringIO(briefed.ok("report", "-f", "csv", "--as-of", AS_OF)))
    }
    assert rows["CYB-02"]["inferred"] == "owners" and rows["MIN-01"]["inferred"] == "target"
    md = briefed.ok("report", "-f", "md", "--as-of", AS_OF)
    assert "lead: NCSC, NCO *(inferred)*" in md and "2026-12-31 *(inferred)*" in md
    page = briefed.ok("report", "-f", "html", "--as-of", AS_OF)
    assert (
        'NCSC, NCO <span class="inferred" title="analyst&#39;s assignment">(inferred)</span>'
        in (page)
    )
    # The appendix gives each scored item's guidelines; CYB-02's are the ones set here.
    appendix = page.split('id="guidelines"', 1)[1]
    assert 'id="guidelines-CYB-02"' in appendix
    for text in guidelines.values():
        assert text in appendix
    term = briefed.ok("report", "-f", "terminal", "--as-of", AS_OF)
    assert "2026-12-31*" in term and "* inferred: the target is not in the source text." in term


def test_title_prepared_by_and_marking_head_every_format(briefed: Cli) -> None:
    args = ("--as-of", AS_OF, "--title", "Briefing for the 2+2", "--prepared-by", "J. Smith")
    args += ("--marking", "OFFICIAL-SENSITIVE")
    md = briefed.ok("report", "-f", "md", *args)
    assert md.startswith("**OFFICIAL-SENSITIVE**\n\n# Briefing for the 2+2\n")
    assert "prepared by J. Smith" in md.split("##", 1)[0]
    digest = json.loads(briefed.ok("report", "-f", "json", *args))
    assert digest["presentation"] == {
        "title": "Briefing for the 2+2",
        "prepared_by": "J. Smith",
        "marking": "OFFICIAL-SENSITIVE",
    }
    assert f"Heads digest: `{digest['heads_digest']}`" in md
    assert digest["heads_digest"] in briefed.ok("verify")
    page = briefed.ok("report", "-f", "html", *args)
    assert '<p class="marking">OFFICIAL-SENSITIVE</p>' in page
    assert "<h1>Briefing for the 2+2</h1>" in page
    assert f'<span class="digest" id="heads-digest">{digest["heads_digest"]}</span>' in page
    # The print footer's CSS string escapes every character that could end it.
    assert '@top-center { content: "OFFICIAL\\2d SENSITIVE";' in page
    term = briefed.ok("report", "-f", "terminal", *args)
    assert term.splitlines()[0].strip() == "OFFICIAL-SENSITIVE"


def test_print_footer_cannot_break_out_of_the_style(briefed: Cli) -> None:
    hostile = '"; } body { display: none } </style><script>alert(1)</script>'
    page = briefed.ok("report", "-f", "html", "--marking", hostile, "--prepared-by", hostile)
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "<" not in style and "display: none }" not in style
    assert "<script>" not in page


# --- the terminal: page one first, and a pager on a terminal only -----------------------------


def test_terminal_first_screen_is_the_briefing(briefed: Cli) -> None:
    text = briefed.ok("report", "-f", "terminal", "--as-of", AS_OF)
    first = "\n".join(text.splitlines()[:24])
    assert "meeting (2+2): deadline (no date announced): 2026-12-31" in _flat(first)
    assert "What changed since 2026-01-31 (the declaration): 3 items" in first
    assert "Due by the 2026 foreign and defence ministers' meeting (2+2) (1)" in first
    assert "Overdue: none." in first and "Stalled (1)" in first
    assert "stalled since 2026-04-20: No date agreed yet" in _flat(text.split("Stalled (1)")[1])
    assert text.index("Stalled (1)") < text.index("Japan, UK and Italy side by side")
    assert text.index("side by side") < text.index("Progress by pillar")


def test_terminal_report_goes_through_the_pager_on_a_terminal_only(
    briefed: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.cli import report as report_cli

    caught = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f'#!/bin/sh\ncat > "{caught}"\n', encoding="utf-8")
    pager.chmod(0o755)
    monkeypatch.setenv("PAGER", str(pager))
    monkeypatch.setenv("LINES", "24")
    # Piped: never paged, even with PAGER set.
    assert briefed.ok("report", "-f", "terminal").startswith("Status report:")
    assert not caught.exists()
    # On a terminal longer than the screen: the pager gets all of it, stdout nothing.
    monkeypatch.setattr(report_cli, "_is_tty", lambda stream: True)
    assert briefed.ok("report") == ""
    assert caught.read_text(encoding="utf-8").startswith("Status report:")
    caught.unlink()
    # --no-pager, or PAGER=cat, print it as it is.
    assert briefed.ok("report", "--no-pager").startswith("Status report:")
    monkeypatch.setenv("PAGER", "cat")
    assert briefed.ok("report").startswith("Status report:")
    assert not caught.exists()


# --- one vocabulary ------------------------------------------------------------------------


def test_show_list_log_and_report_use_the_same_key_names(briefed: Cli) -> None:
    """The same thing has the same name everywhere: `owners`, and an event's `from_status` /
    `to_status`; the older `owner` and event `status` stay one release as aliases."""
    report = json.loads(briefed.ok("report", "-f", "json", "--since", "2026-01-01"))
    item = next(c for c in report["commitments"] if c["code"] == "CYB-01")
    shown = json.loads(briefed.ok("show", "CYB-01", "-f", "json"))
    listed = next(r for r in json.loads(briefed.ok("list", "-f", "json")) if r["code"] == "CYB-01")
    logged = json.loads(briefed.ok("log", "--code", "CYB-01", "-f", "json"))[0]
    for key in ("code", "title", "pillar", "kind", "parties", "owners", "target", "status"):
        assert shown[key] == item[key] == listed[key], key
    assert shown["score"] == item["score"] and shown["party_status"] == item["party_status"]
    # list scores as the report does (its own SQL), for every item the report lists.
    scores = {r["code"]: r["score"] for r in json.loads(briefed.ok("list", "--all", "-f", "json"))}
    assert {c["code"]: c["score"] for c in report["commitments"]}.items() <= scores.items()
    code = next(c["code"] for c in report["commitments"] if c["kind"] != "commitment")
    unscored = json.loads(briefed.ok("show", code, "-f", "json"))
    assert unscored["score"] is None and "(not scored)" in briefed.ok("show", code)
    event = shown["events"][-1]
    change = next(e for e in report["changes"] if e["code"] == "CYB-01")
    for key in ("id", "on", "party", "from_status", "to_status", "note", "reason", "evidence"):
        assert event[key] == change[key] == logged[key], key
    assert event["status"] == event["to_status"] and shown["owner"] == shown["owners"]
    header = briefed.ok("list", "-f", "csv").splitlines()[0].split(",")
    assert "owners" in header and "owner" not in header


def test_every_id_in_the_page_is_unique_and_every_reference_lands(html_report: Path) -> None:
    # Each chart is drawn twice (wide and phone); their SVG ids must not collide.
    page = html_report.read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    references = re.findall(r'(?:url\(#|href="#)([^)"]+)', page)
    assert references and set(references) <= set(ids)
    # Each chart drawing is described by its data table, which is in the page (and prints).
    described = re.findall(r'<svg [^>]*aria-describedby="([^"]+)"', page)
    assert sorted(described) == sorted(["pillar-chart-data"] * 2 + ["burnup-data"] * 2)
    assert set(described) <= set(ids)


# --- page one alone (--brief) ---------------------------------------------------------------


def test_brief_is_page_one_alone_in_every_format_for_people(briefed: Cli) -> None:
    md = briefed.ok("report", "-f", "md", "--as-of", AS_OF)
    brief = briefed.ok("report", "-f", "md", "--as-of", AS_OF, "--brief")
    assert md.startswith(brief.rstrip("\n")) and len(brief) < len(md) / 2
    assert "Japan, UK and Italy side by side" in brief and "## By pillar" not in brief
    for part in (
        "What changed since 2026-01-31 (the declaration): 3 items",
        "Italy: not started → in progress",
        "## Overdue: 0",
        "## Stalled: 1",
        "| **All-parties average** |",
    ):
        assert part in brief, part

    term = briefed.ok("report", "-f", "terminal", "--as-of", AS_OF, "--no-history")
    short = briefed.ok("report", "-f", "terminal", "--as-of", AS_OF, "--brief")
    assert term.startswith(short) and "Japan, UK and Italy side by side" in short
    assert "Figures by pillar" not in short and "Heads digest" not in short

    page = briefed.ok("report", "-f", "html", "--as-of", AS_OF, "--brief")
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    assert {"briefing", "provenance", "headline"} <= ids
    assert not {"charts", "figures", "items", "method", "guidelines"} & ids
    # Every link inside the page lands (the header's sources link included).
    assert set(re.findall(r'href="#([^"]+)"', page)) <= ids
    assert "<svg" not in page  # no chart drawn for page one alone


@pytest.mark.parametrize("fmt", ["json", "csv", "pdf"])
def test_brief_in_a_format_for_programs_is_a_one_line_error(briefed: Cli, fmt: str) -> None:
    result = briefed("report", "-f", fmt, "--brief", "-o", "/dev/null")
    assert result.exit_code == 2
    assert "--brief is page one alone" in result.stderr
    assert result.stderr.count("\n") == 1
