"""`tracker report` in every format, from one real database with a recorded history.

The formats must agree: the counts, completion rates and mean scores that json carries are the
ones csv rows add up to and the ones the Markdown, HTML and terminal tables print. Hostile text
(markup, scripts, spreadsheet formulas, terminal escapes, `javascript:` evidence, `$maths$` in a
chart label) must come out as inert text everywhere. The HTML is opened in a real headless
Chromium: nothing in it may run, and it must print to PDF.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.cells import cell_len
from support import BUNDLED, IN_CI, Build, Cli, record

from tracker.reports.as_markdown import esc
from tracker.reports.presentation import PROGRESS_ORDER, pct, score_text
from tracker.statuses import KINDS, STATUSES

AS_OF = "2026-11-01"
SINCE = "2026-05-01"
ARGS = ("--as-of", AS_OF, "--since", SINCE)
FORMATS = ["terminal", "md", "html", "json", "csv"]

SCRIPT_NOTE = "<script>alert(1)</script>"
# If anything in the page ran, the title would change: the browser test looks for exactly that.
PWN_NOTE = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"
FORMULA_NOTE = '=HYPERLINK("http://evil.example/","click me")'
JS_EVIDENCE = "javascript:document.title='PWNED'"
GOOD_EVIDENCE = "https://www.ncsc.gov.uk/news?a=1&b=2"
ESCAPE_NOTE = "screen \x1b[2J\x1b[31mred\x07 cleared"

# A second declaration whose own text is hostile: a formula-like title, markup and maths in
# a pillar title, wide characters, and a target date that has passed.
HOSTILE_SOURCE = "The parties will add one and two. They will sum it all. They will meet.\n"
HOSTILE = {
    "schema": 1,
    "declaration": {
        "slug": "hostile-test",
        "title": "Test <b>declaration</b> & friends",
        "date": dt.date(2026, 2, 1),
        "place": "Testville",
        "parties": ["Aland", "Bland"],
        "source": "Test source",
        "source_file": "hostile-test.txt",
        "inferred": {"date": "test", "place": "test", "parties": "test"},
    },
    "pillars": [
        {
            "slug": "science",
            "title": "Science & $x^2$ <i>maths</i>",
            "commitments": [
                {
                    "code": "HOS-01",
                    "title": "=1+2 formula-looking title",
                    "quote": "add one and two",
                    "kind": "commitment",
                    "parties": ["Aland", "Bland"],
                    "owners": ["@admin"],
                    "target": dt.date(2026, 3, 31),
                    "inferred": {"parties": "test", "owners": "test", "target": "test"},
                    "guidelines": {"-1": "Nothing.", "0": "Some.", "+1": "All."},
                    "basis": "'will': the parties undertake it",
                },
                {
                    "code": "HOS-02",
                    "title": "@SUM(A1) 日本語のタイトルは幅が二倍の文字で書かれている長い題名",
                    "quote": "sum it all",
                    "kind": "commitment",
                    "parties": ["Aland"],
                    "inferred": {"parties": "test"},
                    "guidelines": {"-1": "Nothing.", "0": "Some.", "+1": "All."},
                    "basis": "'will': the parties undertake it",
                },
                {
                    "code": "HOS-03",
                    "title": "-Meet",
                    "quote": "meet",
                    "kind": "ongoing",
                    "parties": ["Bland"],
                    "inferred": {"parties": "test"},
                    "basis": "'will meet': existing",
                },
            ],
        }
    ],
}

EVENTS: list[tuple[str, ...]] = [
    ("CYB-01", "-s", "in_progress", "--on", "2026-03-01", "-m", "First dialogue"),
    ("CYB-01", "-s", "achieved", "--on", "2026-06-01", "-m", "Signed", "-e", GOOD_EVIDENCE),
    ("SEC-01", "-s", "achieved", "--on", "2026-04-01", "-m", "Done", "-e", JS_EVIDENCE),
    ("SEC-02", "-s", "stalled", "--on", "2026-05-02", "-m", PWN_NOTE),
    ("IND-02", "-s", "in_progress", "--on", "2026-05-03", "-m", SCRIPT_NOTE),
    ("ECO-01", "-s", "partially_achieved", "--on", "2026-06-15", "-m", FORMULA_NOTE),
    ("ECO-02", "-s", "dropped", "--on", "2026-07-01", "-m", "-2+3 fell through"),
    ("MIN-01", "-s", "in_progress", "--on", "2026-08-01", "-m", ESCAPE_NOTE, "-e", "+cmd ref"),
    ("CYB-02", "-s", "achieved", "--party", "UK", "--on", "2026-09-01", "-m", "UK side done"),
    ("HOS-01", "-s", "in_progress", "--on", "2026-05-05", "-m", "@started"),
    ("HOS-02", "-s", "achieved", "--party", "Aland", "--on", "2026-10-01"),
]


def _record(cli: Cli, tmp_path: Path) -> Cli:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "hostile-test.txt").write_text(HOSTILE_SOURCE, encoding="utf-8")
    spec = folder / "hostile-test.yaml"
    spec.write_text(yaml.safe_dump(HOSTILE, sort_keys=False, allow_unicode=True), "utf-8")
    cli.ok("load", str(spec))
    return record(cli, EVENTS)


@pytest.fixture
def recorded(built: Callable[[Build], Cli]) -> Cli:
    """Both declarations with a history, on each engine."""
    return built(_record)


@pytest.fixture
def recorded_sqlite(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_record)


def report(cli: Cli, fmt: str, *extra: str) -> str:
    return cli.ok("report", "--format", fmt, *ARGS, *extra)


# --- parsing each format back into figures -------------------------------------------------


def expected_cells(f: dict[str, Any]) -> list[str]:
    """A figures row as every table prints it: items, counts in bar order, rates, score."""
    return [
        str(f["items"]),
        *(str(f["counts"][s.value]) for s in PROGRESS_ORDER),
        pct(f["completion_rate"]),
        pct(f["completion_rate_partial"]),
        score_text(f["mean_score"]),
    ]


def markdown_rows(md: str, heading: str) -> dict[str, list[str]]:
    """The By pillar / By party tables (split in two to fit a GitHub page: the commitments'
    figures, then items by status), joined: first cell -> the cells as expected_cells orders
    them."""
    section = md.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    tables: list[dict[str, list[str]]] = []
    for block in section.split("\n\n"):
        lines = [x for x in block.splitlines() if x.startswith("| ")]
        if not lines:
            continue
        rows = {}
        for line in lines[1:]:
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows[cells[0]] = cells[1:]
        tables.append(rows)
    figures, counts = tables
    # Markdown orders statuses as STATUSES does; put them in bar order to compare.
    order = [STATUSES.index(s) for s in PROGRESS_ORDER]
    return {k: [v[0], *(counts[k][i] for i in order), v[3], v[4], v[5]] for k, v in figures.items()}


def terminal_rows(text: str, heading: str) -> dict[str, list[str]]:
    section = text.split(heading, 1)[1].split("\n\n", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines()[1:]:
        cells = line.split()
        if len(cells) == 11 and cells[1].isdigit():
            rows[cells[0]] = cells[1:]
    return rows


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's parser sees them."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def html_rows(page: str, table_id: str) -> dict[str, list[str]]:
    table = re.search(rf'<table id="{table_id}".*?</table>', page, re.S)
    assert table, table_id
    rows: dict[str, list[str]] = {}
    for key, body in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', table.group(0), re.S):
        cells = [_text(c) for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", body, re.S)]
        rows[html.unescape(key)] = cells[1:]
    return rows


def csv_figures(rows: list[dict[str, str]], kinds: dict[str, str]) -> dict[str, Any]:
    """Figures recomputed from csv rows alone, the way the README defines them."""
    # Before the cut-off, the figures are over the commitments someone has assessed.
    scored = [
        r for r in rows if kinds[r["code"]] == "commitment" and r["score"] != "not yet assessed"
    ]
    n = len(scored)
    achieved = sum(r["status"] == "achieved" for r in scored)
    partial = sum(r["status"] == "partially_achieved" for r in scored)
    return {
        "items": len(rows),
        "counts": {s.value: sum(r["status"] == s.value for r in rows) for s in STATUSES},
        "achieved": achieved,
        "completion_rate": round(achieved / n, 4) if n else None,
        "completion_rate_partial": round((achieved + partial / 2) / n, 4) if n else None,
        "mean_score": round(sum(int(r["score"]) for r in scored) / n, 4) if n else None,
        "kinds": {k: sum(kinds[r["code"]] == k for r in rows) for k in KINDS},
    }


# --- the same figures in every format -------------------------------------------------------


def test_every_format_shows_the_same_figures(recorded: Cli) -> None:
    data = json.loads(report(recorded, "json"))
    md = report(recorded, "md")
    page = report(recorded, "html")
    term = report(recorded, "terminal")
    table = list(csv.DictReader(io.StringIO(report(recorded, "csv"))))

    pillars = {p["slug"]: p for p in data["pillars"]}
    assert set(pillars) >= {"cyber", "science"}
    summary = data["summary"]
    assert summary["items"] == BUNDLED + 3 and summary["commitments"] == 6
    assert summary["counts"]["achieved"] == 2 and summary["counts"]["dropped"] == 1

    # csv: one row per commitment, in json's order, and the figures add up to json's.
    assert [r["code"] for r in table] == [c["code"] for c in data["commitments"]]
    kinds = {c["code"]: c["kind"] for c in data["commitments"]}
    for c, r in zip(data["commitments"], table, strict=True):
        assert r["status"] == c["status"]
        # Not scored is "not scored" in csv and null in json, never -1 (issue 11).
        unscored = ("not scored", "not yet assessed")
        assert (None if r["score"] in unscored else int(r["score"])) == c["score"]
        assert (c["score"] is None) == (c["kind"] != "commitment" or not c["assessed"])
        assert (r["score"] == "not yet assessed") == (
            c["kind"] == "commitment" and not c["assessed"]
        )
        assert r["overdue"] == ("true" if c["overdue"] else "false")
        assert r["kind"] == c["kind"] and r["pillar"] == c["pillar"]
    keys = ("items", "counts", "kinds", "achieved", "completion_rate", "completion_rate_partial")
    for slug, p in pillars.items():
        mine = csv_figures([r for r in table if r["pillar"] == slug], kinds)
        assert mine == {k: p[k] for k in (*keys, "mean_score")}, slug
    assert csv_figures(table, kinds) == {k: summary[k] for k in (*keys, "mean_score")}
    for party in data["parties"]:
        own = [
            {"code": r["code"], "status": r[f"status_{party['party']}"], "score": "0"}
            for r in table
            if r[f"status_{party['party']}"]
        ]
        own_figures = csv_figures(own, kinds)
        assert own_figures["counts"] == party["counts"], party["party"]

    # Markdown, HTML and terminal tables print the json figures, pillar by pillar.
    md_pillars = markdown_rows(md, "By pillar")
    md_parties = markdown_rows(md, "By party")
    html_pillars = html_rows(page, "pillar-figures")
    html_parties = html_rows(page, "party-figures")
    term_pillars = terminal_rows(term, "Figures by pillar")
    term_parties = terminal_rows(term, "Figures by party")
    for p in data["pillars"]:
        want = expected_cells(p)
        assert md_pillars[esc(p["title"])] == want, p["slug"]
        assert html_pillars[p["slug"]] == want, p["slug"]
        assert term_pillars[p["slug"]] == want, p["slug"]
    assert html_pillars["all"] == expected_cells(summary)
    assert term_pillars["All"] == expected_cells(summary)
    assert md_pillars["**All**"] == expected_cells(summary)
    for party in data["parties"]:
        want = expected_cells(party)
        assert md_parties[party["party"]] == want
        assert html_parties[party["party"]] == want
        assert term_parties[party["party"]] == want

    # The headline figures, worded the same way in the formats for people.
    completion = (
        f"{pct(summary['completion_rate'])} ({summary['achieved']} of "
        f"{summary['assessed']} assessed commitments achieved)"
    )
    assessed = f"{summary['assessed']} of {summary['commitments']} commitments assessed"
    assert assessed in md and assessed in term and assessed in page
    mean = f"Mean compliance score: {score_text(summary['mean_score'])}"
    assert f"Completion rate: {completion}" in md
    assert f"Completion rate: {completion}" in term
    assert mean in md and mean in term
    assert f"completion rate ({summary['achieved']} of {summary['assessed']} assessed" in page
    assert score_text(summary["mean_score"]) in page

    # Lists agree too.
    for code in data["overdue"]:
        assert code in term.split("\nOverdue (", 1)[1].split("\n\n", 1)[0]
        assert f"<strong>{code}</strong>" in page.split('id="overdue"', 1)[1].split("</ul>")[0]
    assert data["overdue"] == ["HOS-01"]
    assert data["stalled"] == ["SEC-02"]


def test_burnup_matches_the_report_as_of_each_date(recorded_sqlite: Cli) -> None:
    page = report(recorded_sqlite, "html")
    term = report(recorded_sqlite, "terminal")
    assert 'id="chart-burnup"' in page and 'id="chart-pillars"' in page
    # The data table is printed beside the chart (not hidden in a closed <details>).
    data = re.search(r'<table id="burnup-data">.*?</table>', page, re.S)
    assert data
    points = {
        _text(day): [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        for day, cells in re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", data.group(0))
    }
    # The declaration date, each day with an event on a whole item, and the as-of date.
    assert "2026-01-31" in points and AS_OF in points
    assert {"2026-03-01", "2026-06-01", "2026-07-01"} <= set(points)
    burnup = term.split("Burn-up: items by status over time", 1)[1].split("\n\n", 1)[0]
    for day in ("2026-03-01", "2026-06-15", AS_OF):
        summary = json.loads(recorded_sqlite.ok("report", "-f", "json", "--as-of", day))["summary"]
        counts = [str(summary["counts"][s.value]) for s in PROGRESS_ORDER]
        assert points[day] == counts, day
        line = next(x for x in burnup.splitlines() if x.startswith(day))
        assert line.split()[-len(PROGRESS_ORDER) :] == counts, day


# --- csv ---------------------------------------------------------------------------------------


def test_csv_round_trips_and_neutralises_formulas(recorded_sqlite: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    recorded_sqlite.ok("report", "--format", "csv", *ARGS, "--output", str(target))
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header = rows[0]
    assert header == [
        "code",
        "title",
        "pillar",
        "kind",
        "parties",
        "owners",
        "target",
        "status",
        "score",
        "overdue",
        "inferred",
        "basis",
        "status_Japan",
        "status_UK",
        "status_Aland",
        "status_Bland",
        "last_update_on",
        "last_note",
        "last_evidence",
        "last_evidence_titles",
        "declaration",
    ]
    assert all(len(r) == len(header) for r in rows)
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert len(by_code) == BUNDLED + 3

    eco = by_code["ECO-01"]
    assert eco["last_note"] == "'" + FORMULA_NOTE
    # ECO-01 is a stated priority: tracked, not scored.
    assert eco["status"] == "partially_achieved" and eco["score"] == "not scored"
    assert by_code["ECO-02"]["last_note"] == "'-2+3 fell through"
    assert by_code["MIN-01"]["last_evidence"] == "'+cmd ref"
    hos = by_code["HOS-01"]
    assert hos["title"] == "'=1+2 formula-looking title"
    assert hos["owners"] == "'@admin" and hos["last_note"] == "'@started"
    assert hos["target"] == "2026-03-31" and hos["overdue"] == "true"
    assert by_code["HOS-02"]["title"].startswith("'@SUM(A1) 日本語")
    assert by_code["HOS-03"]["title"] == "'-Meet"
    # Numbers stay numbers: a not-started commitment scores -1, unquoted; an item that is not
    # scored (ongoing: SEC-03, HOS-03) says so rather than -1.
    assert by_code["HOS-02"]["score"] == "-1"
    assert by_code["SEC-03"]["score"] == by_code["HOS-03"]["score"] == "not scored"
    assert {r["score"] for r in by_code.values()} <= {
        "-1",
        "0",
        "1",
        "not scored",
        "not yet assessed",
    }
    # Party columns: each party's own status, empty where the item is not its pledge.
    assert by_code["CYB-02"]["status_UK"] == "achieved"
    assert by_code["CYB-02"]["status_Japan"] == "not_started"
    assert by_code["CYB-02"]["status"] == "not_started"
    assert by_code["CYB-02"]["status_Aland"] == ""
    assert by_code["HOS-02"]["status_Aland"] == "achieved"
    assert by_code["HOS-02"]["status_Bland"] == ""
    assert by_code["CYB-01"]["last_evidence"] == GOOD_EVIDENCE
    assert by_code["CYB-01"]["last_update_on"] == "2026-06-01"
    assert by_code["SEC-03"]["last_update_on"] == by_code["SEC-03"]["last_note"] == ""
    assert by_code["IND-01"]["parties"] == "Japan; UK; Italy"
    # Nothing a spreadsheet would evaluate is left, except the numeric score.
    for r in by_code.values():
        for name, cell in r.items():
            if name != "score":
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)


# --- hostile text ------------------------------------------------------------------------------


def test_html_escapes_user_text_and_links_only_http(recorded_sqlite: Cli) -> None:
    page = report(recorded_sqlite, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;&lt;img src=x" in page
    tags = Tags(page).tags
    active = {"script", "img", "iframe", "object", "embed", "link", "base", "form", "frame"}
    assert not active & {tag for tag, _ in tags}
    assert not [(tag, a) for tag, attrs in tags for a in attrs if a.startswith("on")]
    assert "<b>declaration</b>" not in page and "Test &lt;b&gt;declaration&lt;/b&gt; &amp;" in page
    assert "<i>maths</i>" not in page
    assert "\x1b" not in page and "\x07" not in page
    # javascript: evidence is text, the https evidence a link (its & escaped in the attribute).
    assert 'href="javascript' not in page.lower()
    assert '<span class="ref">javascript:document.title=&#39;PWNED&#39;</span>' in page
    link = '<a href="https://www.ncsc.gov.uk/news?a=1&amp;b=2" rel="noopener noreferrer">'
    assert link in page
    hrefs = set(re.findall(r'href="([^"]*)"', page))
    assert {h for h in hrefs if not h.startswith("#")} == {html.escape(GOOD_EVIDENCE)}
    # The chart label keeps its dollars as text: matplotlib did not read "$x^2$" as maths.
    assert "Science &amp; $x^2$ &lt;i&gt;maths&lt;/i&gt;" in page


def test_html_loads_nothing_from_the_network(recorded_sqlite: Cli) -> None:
    page = report(recorded_sqlite, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "default-src 'none'" in page
    # CSS fetches nothing: no @import, and url() only for the charts' own clip paths (#id).
    assert "@import" not in page and re.search(r"url\((?!#)", page, re.I) is None
    tags = Tags(page).tags
    fetching = {"src", "srcset", "xlink:href", "action", "poster", "data", "background"}
    # (The charts' <use xlink:href="#id"> point inside the page.)
    assert not [
        (tag, a, v)
        for tag, attrs in tags
        for a, v in attrs.items()
        if a in fetching and not (v or "").startswith("#")
    ]
    # Every http(s) URL in an attribute is the href of an evidence link.
    for tag, attrs in tags:
        for name, value in attrs.items():
            if value and re.search(r"https?:", value, re.I):
                assert (tag, name, value) == ("a", "href", GOOD_EVIDENCE)
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style and "http" not in style.group(1)
    # The charts are inline SVG with no prolog, no metadata (creator URL, date), no xmlns.
    # Each chart twice: wide (screen, print) and narrow (phone); CSS shows one.
    assert page.count("<svg ") == 4
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata" not in page
    assert "xmlns" not in page
    assert "size: A4;" in page and "@media print" in page and "overflow-x: auto" in page


def test_markdown_escapes_user_text(recorded_sqlite: Cli) -> None:
    md = report(recorded_sqlite, "md")
    assert r"\<script\>alert(1)\</script\>" in md
    # Every < of user text is escaped; the only bare ones open an evidence link's <URL> and
    # wrap a dollar (no maths on GitHub: as_markdown.DOLLAR).
    assert re.search(r"(?<!\\)(?<!<span>\$)<(?!https://|span>\$</span>)", md) is None
    assert "<span>$</span>x^2<span>$</span>" in md
    assert "](<javascript" not in md and "](javascript" not in md
    assert f"[{GOOD_EVIDENCE}](<{GOOD_EVIDENCE}>)".replace("&", "&amp;", 1) in md


def test_reports_are_deterministic(recorded_sqlite: Cli) -> None:
    for fmt in FORMATS:
        assert report(recorded_sqlite, fmt) == report(recorded_sqlite, fmt), fmt


def test_html_without_matplotlib_keeps_every_table(
    recorded_sqlite: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.reports import charts

    monkeypatch.setattr(charts, "available", lambda: False)
    page = report(recorded_sqlite, "html")
    assert "<svg" not in page
    assert "Charts need matplotlib: pip install matplotlib" in page
    assert 'id="pillar-figures"' in page and 'id="burnup-data"' in page


# --- terminal --------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def test_terminal_fits_80_columns_without_escapes(recorded_sqlite: Cli) -> None:
    assert os.environ["NO_COLOR"] == "1"
    text = report(recorded_sqlite, "terminal")
    assert "\x1b" not in text and "\x07" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    for heading in (
        "Status report: Japan–UK",
        "Progress by pillar: scored commitments by status, then not scored ─",
        "Figures by pillar ─",
        "Figures by party ─",
        "Burn-up: items by status over time ─",
        "Overdue (1) ─",
        "Due by the 2026 foreign and defence ministers' meeting (2+2)",
        "Stalled (1) ─",
        f"What changed since {SINCE}: ",
        f"Annex: every change since {SINCE} (",
        "The parties' pledges (",
        "Outlook: the source's commentary, not scored (",
        "How the figures are computed ─",
    ):
        assert heading in text, heading
    flat = " ".join(text.split())
    assert (
        "2026 foreign and defence ministers' meeting (2+2): deadline (no date announced): "
        "2026-12-31, in 60 days"
    ) in flat
    assert SCRIPT_NOTE in text  # plain text on a terminal, shown as written
    assert "screen �[2J�[31mred� cleared" in text
    # One line per item: the parties' pledges, then the source's outlook, apart.
    items = text.split("The parties' pledges (", 1)[1].split("How the figures", 1)[0]
    codes = re.findall(r"^([A-Z]{3}-\d\d) ", items, re.M)
    assert len(codes) == BUNDLED + 3 == len(set(codes))
    # Page one comes first: the headline and the attention lists before the figures.
    assert text.index("Stalled (1)") < text.index("Progress by pillar")
    assert re.search(r"2026-03-31\*?!", items)  # HOS-01 is overdue (its target is inferred: *)


def test_terminal_cuts_long_lists_and_says_where_the_rest_are(
    recorded_sqlite: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_ROWS a terminal list shows its first rows, in order, and counts the rest; the
    figures still count every item, and the other formats list them all."""
    from tracker.reports import as_terminal

    monkeypatch.setattr(as_terminal, "MAX_ROWS", 3)
    text = report(recorded_sqlite, "terminal")
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    flat = " ".join(text.split())
    assert f"{BUNDLED + 3} items:" in flat
    items = text.split("The parties' pledges (", 1)[1].split("Outlook:", 1)[0]
    codes = re.findall(r"^([A-Z]{3}-\d\d) ", items, re.M)
    md = report(recorded_sqlite, "md")
    assert codes == re.findall(r"^\| `([A-Z]{3}-\d\d)` \|", md, re.M)[:3]
    pledged = int(text.split("The parties' pledges (", 1)[1].split(")", 1)[0])
    assert (
        f"… and {pledged - 3} more not shown in the terminal; the same report with "
        "`--format md --full` (or csv, json, html --full) lists every one." in flat
    )
    changes = text.split(f"Annex: every change since {SINCE} (", 1)[1]
    total = int(changes.split(")", 1)[0])
    assert total > 3 and f"… and {total - 3} more not shown" in changes.split("How the")[0]
    # Lists no longer than the cut are whole, with no note.
    overdue = text.split("Overdue (1)", 1)[1].split("Stalled (", 1)[0]
    assert "more not shown" not in overdue


@pytest.mark.parametrize("width", [80, 100, 132])
def test_terminal_render_width_and_colour(recorded_sqlite: Cli, width: int) -> None:
    from tracker.db import session_scope
    from tracker.reports import as_terminal
    from tracker.reports.build import ReportSpec, build

    with session_scope(recorded_sqlite.url, write=False) as s:
        spec = ReportSpec(as_of=dt.date.fromisoformat(AS_OF), since=dt.date.fromisoformat(SINCE))
        model = build(s, spec)
    plain = as_terminal.render(model, width=width, color=False)
    coloured = as_terminal.render(model, width=width, color=True)
    assert "\x1b" not in plain
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain
    assert max(cell_len(line) for line in plain.splitlines()) <= width
    # Only our styles: the note's own escape sequence never reaches the terminal.
    assert "\x1b[2J" not in coloured and "\x07" not in coloured


def test_terminal_is_the_default_on_a_tty(
    recorded_sqlite: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.cli import report as report_cli

    assert recorded_sqlite.ok("report", *ARGS).startswith("# Status report:")
    monkeypatch.setattr(report_cli, "_is_tty", lambda stream: True)
    text = recorded_sqlite.ok("report", *ARGS, "--no-pager")
    assert text.startswith("Status report:") and "Progress by pillar" in text
    assert "\x1b" not in text  # NO_COLOR is set
    assert max(cell_len(line) for line in text.splitlines()) <= report_cli.MAX_WIDTH


def test_colour_only_on_a_tty_and_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.cli.report import use_color

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_color(Tty()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Tty()) is False
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("TERM", "dumb")
    assert use_color(Tty()) is False


# --- --output ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_writes_the_file(recorded_sqlite: Cli, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "out" / f"report.{fmt}"
    target.parent.mkdir()
    result = recorded_sqlite("report", "--format", fmt, *ARGS, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"Wrote {target}" in result.stderr
    written = target.read_text(encoding="utf-8")
    assert written == report(recorded_sqlite, fmt)


def test_output_without_format_is_markdown(recorded_sqlite: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    recorded_sqlite.ok("report", *ARGS, "--output", str(target))
    assert target.read_text(encoding="utf-8").startswith("# Status report:")


def test_report_modules_stay_out_of_cli_startup() -> None:
    code = (
        "import sys, tracker.cli\n"
        "heavy = ['jinja2', 'matplotlib', 'tracker.reports.as_terminal', "
        "'tracker.reports.as_html', 'tracker.reports.charts']\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_template_ships_inside_the_package() -> None:
    import tracker
    from tracker.reports import as_html

    package = Path(tracker.__file__).resolve().parent
    assert as_html.TEMPLATES.is_relative_to(package)
    assert (as_html.TEMPLATES / "report.html.j2").is_file()


# --- a real browser --------------------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium is not installed (apt-get install -y chromium)"
    if IN_CI:
        pytest.fail(f"the HTML report must be checked in a browser in CI: {reason}")
    pytest.skip(reason)


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_html_in_headless_chromium(recorded_sqlite: Cli, tmp_path: Path) -> None:
    binary = _chromium()
    page = tmp_path / "report.html"
    recorded_sqlite.ok("report", "--format", "html", *ARGS, "--output", str(page))
    title = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S)
    assert title

    result = _run_chromium(
        binary, tmp_path / "profile", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "Briefing" in dom, dom[:500]
    # Nothing ran: the title is the one we wrote, no script element exists, and the hostile
    # notes are text nodes.
    dom_title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert dom_title and html.unescape(dom_title.group(1)) == html.unescape(title.group(1))
    assert "PWNED</title>" not in dom
    assert re.search(r"<script|<img", dom, re.I) is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert 'href="javascript' not in dom.lower()
    assert dom.count("<svg") == 4

    pdf = tmp_path / "report.pdf"
    result = _run_chromium(
        binary,
        tmp_path / "profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # A4 (595 x 842 pt), and the sections start on pages of their own.
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 5


def test_json_report_validates_against_its_published_schema(cli) -> None:
    """The schema file ships in the package; every report, with history and changes, fits it."""
    import json as _json
    from importlib.resources import files

    import jsonschema

    schema = _json.loads(files("tracker.reports").joinpath("report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    cli.ok("progress", "CYB-01", "-s", "achieved", "--on", "2026-03-01", "-e", "https://a.example")
    cli.ok("progress", "MIN-01", "-s", "in_progress", "--party", "UK")
    wrong = _json.loads(cli.ok("show", "CYB-01", "--format", "json"))["events"][0]["id"]
    cli.ok("correct", str(wrong), "--status", "partially_achieved", "--reason", "in part")
    for args in ([], ["--history", "--since", "2026-01-01"], ["--as-of", "2026-02-01"]):
        report = _json.loads(cli.ok("report", "--format", "json", *args))
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    full = _json.loads(cli.ok("report", "--format", "json", "--since", "2026-01-01"))
    assert [e["corrects"] for e in full["changes"] if e["corrects"]] == [wrong]
    md = cli.ok("report", "--format", "md", "--since", "2026-01-01")
    assert f"correction of #{wrong}" in md


def test_json_report_streams_changes_over_many_blocks(cli) -> None:
    """More changes than one block of the feed: the CLI's streamed JSON lists every one, newest
    first, exactly as the model read into a list does, on each engine; one object per line."""
    import json as _json

    import bulk
    from sqlalchemy import select

    from tracker.db import run_in_transaction, session_scope
    from tracker.models import Commitment
    from tracker.reports.build import ROW_BLOCK, ReportSpec, build
    from tracker.statuses import Status

    recorded = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    cycle = [Status.IN_PROGRESS, Status.STALLED, Status.IN_PROGRESS]

    def seed(s):  # type: ignore[no-untyped-def]
        codes = list(s.scalars(select(Commitment.code).order_by(Commitment.code)))
        per = -(-(ROW_BLOCK + 500) // len(codes))
        return bulk.append_events(
            s,
            (
                (
                    code,
                    [
                        bulk.NewEvent(
                            cycle[n % 3],
                            dt.date(2026, 3, 1) + dt.timedelta(days=n * 30 // per),
                            f"n{n}",
                            "t",
                            recorded,
                        )
                        for n in range(per)
                    ],
                )
                for code in codes
            ),
        )

    total = run_in_transaction(cli.url, seed)
    assert total > ROW_BLOCK
    text = cli.ok("report", "--format", "json", "--as-of", "2026-04-01", "--since", "2026-03-01")
    report = _json.loads(text)
    with session_scope(cli.url, write=False) as s:
        model = build(s, ReportSpec(as_of=dt.date(2026, 4, 1), since=dt.date(2026, 3, 1)))
        expected = [e.id for e in model.changes.rows]
    assert [e["id"] for e in report["changes"]] == expected
    assert len(expected) == total
    assert [(e["on"], e["id"]) for e in report["changes"]] == sorted(
        ((e["on"], e["id"]) for e in report["changes"]), reverse=True
    )
    lines = text.splitlines()
    first = lines.index('"commitments": [')
    assert all(line.startswith('{"code":') for line in lines[first + 1 : first + BUNDLED + 1])


def test_documents_cut_the_all_items_table_unless_full(
    recorded_sqlite: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past TABLE_ROWS, md and html show the first rows of the all-items table, in order, and
    say where the rest are; the figures and attention lists stay whole, and --full (or csv)
    lists every commitment."""
    from tracker.reports import as_html, as_markdown

    monkeypatch.setattr(as_markdown, "TABLE_ROWS", 3)
    monkeypatch.setattr(as_html, "TABLE_ROWS", 3)
    every = [r["code"] for r in csv.DictReader(io.StringIO(report(recorded_sqlite, "csv")))]
    assert len(every) == BUNDLED + 3
    pointer = f"… and {BUNDLED} more not shown; `tracker report --full` (or `tracker list --all"
    md = report(recorded_sqlite, "md")
    table = md.split("## The parties' pledges", 1)[1]
    assert re.findall(r"^\| `([A-Z]{3}-\d\d)` \|", table, re.M) == every[:3]
    assert pointer in md and f"{BUNDLED + 3} items tracked" in md
    full_md = report(recorded_sqlite, "md", "--full")
    table = full_md.split("## The parties' pledges", 1)[1]
    assert re.findall(r"^\| `([A-Z]{3}-\d\d)` \|", table, re.M) == every
    assert "more not shown" not in full_md
    page = report(recorded_sqlite, "html")
    assert re.findall(r'<tr id="item-([A-Z]{3}-\d\d)"', page) == every[:3]
    assert pointer in page
    full_page = report(recorded_sqlite, "html", "--full")
    assert re.findall(r'<tr id="item-([A-Z]{3}-\d\d)"', full_page) == every
    assert "more-items" not in full_page
