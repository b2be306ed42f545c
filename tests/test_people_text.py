"""Text for people (issue 23, item 6): one minus sign, plurals, statuses that read without colour.

Markdown, HTML, PDF and the terminal write a negative score with the true minus sign (U+2212),
as their "−1 to +1" does; CSV and JSON keep numbers numeric with the ASCII minus. Counts agree
with their nouns ("1 item", "1 day"). A terminal status never depends on its colour: a glyph of
its own shape and a word, bold when it needs attention, and colours that read on a black and on
a white background (contrast worked out here from the xterm palette, by the WCAG formula).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support import BUNDLED, Build, Cli, record
from test_briefing import _tool

from tracker.reports.presentation import (
    GLYPHS,
    MINUS,
    TERMINAL_ALERT,
    TERMINAL_COLOURS,
    score_text,
    signed_text,
)
from tracker.statuses import Status

AS_OF = "2026-11-30"
# CYB-04 stalled (-1): the mean of the four commitments is (0 + 0 - 1 + 0) / 4 = -0.25.
EVENTS = [
    ("CYB-02", "-s", "in_progress", "--on", "2026-03-05", "-m", "Working group"),
    ("CYB-03", "-s", "in_progress", "--on", "2026-02-20", "-m", "Exchange"),
    ("CYB-04", "-s", "stalled", "--on", "2026-09-03", "--reason", "Legal review paused"),
    ("MIN-01", "-s", "in_progress", "--on", "2026-11-12", "-m", "2+2 in London"),
]
MEAN = "0.25"  # its magnitude, as every format writes it


def _year(cli: Cli, _: Path) -> Cli:
    return record(cli, EVENTS)


@pytest.fixture
def year(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_year)


def test_signed_text_writes_the_true_minus() -> None:
    assert MINUS == "\u2212"
    assert signed_text(-1) == "\u22121"
    assert signed_text(1) == "+1" and signed_text(0) == "+0"
    assert signed_text(-0.25, 2) == "\u22120.25"
    assert signed_text(-0.001, 2) == "+0.00"  # never a minus zero
    assert score_text(-1.0) == "\u22121.00" and score_text(None) == "—"


def _people_texts(year: Cli, tmp_path: Path) -> dict[str, str]:
    html = tmp_path / "r.html"
    year.ok("report", "-f", "html", "--as-of", AS_OF, "-o", str(html))
    return {
        "md": year.ok("report", "-f", "md", "--as-of", AS_OF),
        "html": html.read_text(encoding="utf-8"),
        "terminal": year.ok("report", "-f", "terminal", "--as-of", AS_OF),
        "show": year.ok("show", "CYB-04"),
    }


def test_reports_for_people_write_the_true_minus(year: Cli, tmp_path: Path) -> None:
    texts = _people_texts(year, tmp_path)
    for name in ("md", "html", "terminal"):
        text = texts[name]
        assert f"{MINUS}{MEAN}" in text, name  # the mean score
        assert not re.search(r"(?<![\w-])-(?:0\.\d\d|1)\b", _without_css(text)), (
            name,
            re.findall(r".{30}(?<![\w-])-(?:0\.\d\d|1)\b.{10}", _without_css(text))[:5],
        )
    # CYB-04's own score, in its row of the items table, and in `show`.
    assert re.search(rf"`CYB-04` .*\| {MINUS}1 \|", texts["md"])
    assert f"(score {MINUS}1)" in texts["show"] or f"score {MINUS}1" in texts["show"]


def _without_css(text: str) -> str:
    """The page without its style sheet and attributes (margins like -.8rem, ids)."""
    text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


def test_the_pdf_writes_the_true_minus(year: Cli, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    pdf = tmp_path / "r.pdf"
    year.ok("report", "-f", "pdf", "--as-of", AS_OF, "-o", str(pdf))
    binary = _tool("pdftotext", "poppler-utils")
    text = subprocess.run(
        [binary, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert f"{MINUS}{MEAN}" in text
    assert f"-{MEAN}" not in text


def test_csv_and_json_keep_numbers_with_the_ascii_minus(year: Cli) -> None:
    data = json.loads(year.ok("report", "-f", "json", "--as-of", AS_OF))
    assert data["summary"]["mean_score"] == -0.25
    scores = {i["code"]: i["score"] for i in data["commitments"]}
    assert scores["CYB-04"] == -1
    rows = list(csv.DictReader(io.StringIO(year.ok("report", "-f", "csv", "--as-of", AS_OF))))
    row = next(r for r in rows if r["code"] == "CYB-04")
    assert row["score"] == "-1"
    assert MINUS not in year.ok("report", "-f", "csv", "--as-of", AS_OF)


def _one_of_each(cli: Cli, _: Path) -> Cli:
    return record(cli, [("CYB-03", "-s", "in_progress", "--on", "2026-02-20", "-m", "Exchange")])


@pytest.fixture
def single(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_one_of_each)


def test_a_count_of_one_takes_the_singular(single: Cli, tmp_path: Path) -> None:
    # One changed item, and the 2+2's deadline (2026-12-31) one day after the as-of date.
    args = ("--as-of", "2026-12-30")
    html = tmp_path / "r.html"
    single.ok("report", "-f", "html", *args, "-o", str(html))
    texts = {
        "md": single.ok("report", "-f", "md", *args),
        "html": html.read_text(encoding="utf-8"),
        "terminal": single.ok("report", "-f", "terminal", *args),
    }
    for name, text in texts.items():
        flat = " ".join(_without_css(text).split())
        assert "(the declaration): 1 item" in flat, name
        assert "in 1 day" in flat and "in 1 days" not in flat, name
        assert not re.search(r"\b1 (items|days|dates|commitments assessed)\b", flat), (
            name,
            re.findall(r".{40}\b1 (?:items|days|dates)\b", flat),
        )
    # The terminal's pillar bars: a pillar of one item says "1 item".
    assert re.search(r"\b1 item\b", texts["terminal"])
    # One pillar of one item, an outlook item: the summary's counts are singular too.
    pillar = ("--as-of", "2026-12-30", "--pillar", "technology")
    single.ok("report", "-f", "html", *pillar, "-o", str(html))
    md = " ".join(single.ok("report", "-f", "md", *pillar).split())
    page = " ".join(_without_css(html.read_text(encoding="utf-8")).split())
    assert "1 item tracked:" in md and "1 item tracked:" in page
    assert "and 1 outlook item followed apart" in md
    assert "(1 outlook item followed apart)" in page
    for text in (md, page, " ".join(single.ok("report", "-f", "terminal", *pillar).split())):
        assert not re.search(r"\b1 (items|days|dates|scores|party scores)\b", text), re.findall(
            r".{40}\b1 (?:items|days|dates|scores)\b", text
        )
    # In Japanese, one form for every count.
    ja = single.ok("report", "-f", "md", *args, "--lang", "ja")
    assert "以降に変化した項目：1件" in ja


# --- terminal colours ----------------------------------------------------------------------

_CUBE = (0, 95, 135, 175, 215, 255)


def _xterm_rgb(index: int) -> tuple[int, int, int]:
    """The RGB of an xterm 256-colour index (cube 16-231, greys 232-255)."""
    if index >= 232:
        v = 8 + 10 * (index - 232)
        return v, v, v
    n = index - 16
    return _CUBE[n // 36], _CUBE[(n // 6) % 6], _CUBE[n % 6]


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_each_status_colour_reads_on_black_and_on_white(status: Status) -> None:
    found = re.fullmatch(r"color\((\d+)\)", TERMINAL_COLOURS[status])
    assert found, TERMINAL_COLOURS[status]
    index = int(found.group(1))
    assert 16 <= index <= 255  # the fixed palette, not the 16 theme colours
    lum = _luminance(_xterm_rgb(index))
    on_black, on_white = (lum + 0.05) / 0.05, 1.05 / (lum + 0.05)
    assert on_black >= 3.3 and on_white >= 3.3, (status, round(on_black, 2), round(on_white, 2))
    # Not the colours that were unreadable on a dark terminal.
    assert index not in (124, 25)


def test_alert_colour_reads_on_black_and_on_white() -> None:
    index = int(re.search(r"color\((\d+)\)", TERMINAL_ALERT).group(1))  # type: ignore[union-attr]
    lum = _luminance(_xterm_rgb(index))
    assert (lum + 0.05) / 0.05 >= 3.3 and 1.05 / (lum + 0.05) >= 3.3
    assert "bold" in TERMINAL_ALERT


def test_a_terminal_status_never_depends_on_colour(year: Cli) -> None:
    from rich.text import Text

    from tracker.db import session_scope
    from tracker.reports import as_terminal
    from tracker.reports.build import ReportSpec, build

    # Each status has a glyph of its own shape.
    assert len(set(GLYPHS.values())) == len(Status)
    with session_scope(year.url, write=False) as s:
        model = build(s, ReportSpec(as_of=dt.date.fromisoformat(AS_OF)))
    plain = as_terminal.render(model, width=100, color=False)
    # Without colour, every status in the legend is its glyph and its word.
    for status in Status:
        label = status.value.replace("_", " ")
        assert f"{GLYPHS[status]} {label}" in plain, status
    # In colour the stalled word is bold (it needs attention), as an overdue target is.
    coloured = as_terminal.render(model, width=100, color=True)
    row = next(
        line
        for line in coloured.splitlines()
        if re.match(r"CYB-04\s+░ stalled", Text.from_ansi(line).plain)
    )
    stalled = Text.from_ansi(row)
    bold = [span for span in stalled.spans if "bold" in str(span.style)]
    assert any(stalled.plain[span.start : span.end].strip() == "stalled" for span in bold), (
        stalled.spans
    )
    # No colour code of the old, unreadable palette.
    assert "38;5;124m" not in coloured and "38;5;25m" not in coloured


def test_english_only_messages_count_with_the_right_noun(year: Cli) -> None:
    from tracker.i18n import counted

    assert counted(1, "event") == "1 event" and counted(0, "event") == "0 events"
    assert counted(2, "recorded change") == "2 recorded changes"
    assert counted(1, "party", "parties") == "1 party" and counted(3, "party", "parties") == (
        "3 parties"
    )
    assert year.ok("verify").startswith(f"verify: OK, {BUNDLED} commitments, 4 events;")
