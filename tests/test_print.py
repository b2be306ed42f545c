"""The report on A4 that fits (issue 23): the desk officer's year (tests/test_page_one.py)
printed by both routes, WeasyPrint (`report --format pdf`) and Chromium printing the HTML, in
English and in Japanese.

pdftotext -bbox gives every word's box: none may leave the page's printable width (the A4
text block between the 12 mm side margins) or the page, and every item row's last update (its
note, its evidence) must be in the text, as the recorded events say, not as the code under test
renders them. The marking heads and foots every page, centred; the page says "n of m"; the
64-hex heads digest is in the method section only, never in a page's footer.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from browser import chromium
from support import Build, Cli
from test_briefing import _tool
from test_page_one import AS_OF, CORRECTION, YEAR, _year

from tracker.paths import bundled_fixture

MM = 72 / 25.4
SIDE_MARGIN = 12 * MM  # @page margin in report.html.j2
TOLERANCE = 1.0  # points: glyph side bearings


@pytest.fixture
def year(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_year)


def _print(year: Cli, route: str, lang: str, tmp_path: Path) -> Path:
    pdf = tmp_path / f"{route}-{lang}.pdf"
    args = ("--as-of", AS_OF, "--marking", "OFFICIAL", "--prepared-by", "J. Smith")
    args += ("--lang", lang)
    if route == "weasyprint":
        pytest.importorskip("weasyprint")
        year.ok("report", "-f", "pdf", *args, "-o", str(pdf))
        return pdf
    page = tmp_path / f"{lang}.html"
    year.ok("report", "-f", "html", *args, "-o", str(page))
    with chromium() as browser:
        browser.open(page.as_uri(), 1280)
        pdf.write_bytes(browser.pdf())
    return pdf


class Word:
    def __init__(self, page: int, width: float, height: float, box: list[float], text: str):
        self.page, self.width, self.height, self.text = page, width, height, text
        self.x0, self.y0, self.x1, self.y1 = box


# Full-width closing punctuation that Chromium sets half-width at a line's end when it would not
# otherwise fit (CSS text-spacing-trim: normal); pdftotext still reports its full-width advance.
CLOSING = "）」』】〕。、"


def _hanging(w: Word) -> float:
    """How far a line-final closing mark's advance box may pass its ink: half of one character,
    estimated low (the mean advance of the word's characters, digits included)."""
    if not w.text or w.text[-1] not in CLOSING:
        return 0.0
    return (w.x1 - w.x0) / len(w.text) / 2


def _words(pdf: Path) -> tuple[int, list[Word]]:
    """Every word of the PDF with its box, and the number of pages."""
    binary = _tool("pdftotext", "poppler-utils")
    out = subprocess.run(
        [binary, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace(' xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ElementTree.fromstring(out)
    words, pages = [], 0
    for pages, page in enumerate(root.iter("page"), 1):
        w, h = float(page.get("width", 0)), float(page.get("height", 0))
        for word in page.iter("word"):
            box = [float(word.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append(Word(pages, w, h, box, word.text or ""))
    return pages, words


def _squeezed(text: str) -> str:
    """Text without any white space: a word wrapped inside (overflow-wrap) still matches."""
    return re.sub(r"\s+", "", text)


def _last_updates() -> dict[str, list[str]]:
    """Each item's last update as the recorded year says it: the note (first line) of its
    latest event, and its evidence by title (else the file's name); the corrected SEC-03's
    latest word is the correction's reason."""
    latest: dict[str, tuple[str, ...]] = {}
    for event in YEAR:
        code, on = event[0], event[3]
        if code not in latest or on >= latest[code][3]:
            latest[code] = tuple(str(v) if v is not None else "" for v in event)
    texts = {}
    for code, (_, _, _, _, note, _, ref, title, _) in latest.items():
        wanted = [note.splitlines()[0]]
        if title:
            wanted.append(title)
        elif ref and not ref.startswith("http"):
            wanted.append(ref.rsplit("/", 1)[-1])
        texts[code] = wanted
    reason = CORRECTION[CORRECTION.index("--reason") + 1]
    texts["SEC-03"] = [reason]
    return texts


ROUTES = [("weasyprint", "en"), ("weasyprint", "ja"), ("chromium", "en"), ("chromium", "ja")]


@pytest.mark.parametrize(("route", "lang"), ROUTES, ids=[f"{r}-{lg}" for r, lg in ROUTES])
def test_every_word_is_on_the_page_and_every_last_update_is_printed(
    year: Cli, tmp_path: Path, route: str, lang: str
) -> None:
    pdf = _print(year, route, lang, tmp_path)
    pages, words = _words(pdf)
    assert pages >= 5 and words
    outside = [
        (w.page, w.text, round(w.x0), round(w.x1))
        for w in words
        if w.x0 < SIDE_MARGIN - TOLERANCE
        or w.x1 - _hanging(w) > w.width - SIDE_MARGIN + TOLERANCE
        or w.y0 < 0
        or w.y1 > w.height
    ]
    assert not outside, outside[:20]

    text = _squeezed(" ".join(w.text for w in words))
    assert _squeezed("Last update" if lang == "en" else "最終更新") in text
    # The columns print leaves out are folded under each title: pillar, parties, lead bodies.
    lead = "Lead bodies:" if lang == "en" else "主担当:"
    assert text.count(_squeezed(lead)) >= 16, text.count(_squeezed(lead))
    # CYB-02's lead bodies, as the fixture names them in each language.
    fixture = yaml.safe_load(bundled_fixture().read_text(encoding="utf-8"))
    names = ["NCSC", "NCO"] if lang == "en" else [fixture["owners_ja"][o] for o in ("NCSC", "NCO")]
    assert _squeezed((", " if lang == "en" else "、").join(names)) in text
    for code, wanted in _last_updates().items():
        for part in wanted:
            assert _squeezed(part) in text, (code, part)


def _page_lines(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's words as (x centre, y, text), to find what sits at its top and bottom."""
    _, words = _words(pdf)
    pages: dict[int, list[tuple[float, float, str]]] = {}
    for w in words:
        pages.setdefault(w.page, []).append(((w.x0 + w.x1) / 2, w.y0, w.text))
    return [pages[n] for n in sorted(pages)]


@pytest.mark.parametrize("route", ["weasyprint", "chromium"])
def test_the_marking_heads_and_foots_every_page_and_the_digest_leaves_the_footer(
    year: Cli, tmp_path: Path, route: str
) -> None:
    pdf = _print(year, route, "en", tmp_path)
    pages = _page_lines(pdf)
    digest = year.ok("verify").split("heads digest ")[1].split(";")[0].strip()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    for n, words in enumerate(pages, 1):
        height = 842
        top = [w for w in words if w[1] < 16 * MM]
        bottom = [w for w in words if w[1] > height - 16 * MM]
        for band in (top, bottom):
            marking = [x for x, _, t in band if t == "OFFICIAL"]
            assert marking and abs(marking[0] - 595 / 2) < 5, (n, band)
        footer = " ".join(t for _, _, t in bottom)
        assert f"Page {n} of {len(pages)}" in footer, footer
        assert "digest" not in footer and digest[:8] not in footer
    # No heading is left alone at the foot of a page: each is followed, on its own page, by
    # text of the body (above the footer band).
    _, words = _words(pdf)
    headings = [
        "Japan and UK side by side",
        "What changed since",
        "Overdue: 0",
        "Stalled: 1",
        "Figures by pillar and by party",
        "The parties' pledges",
        "How the figures are computed",
        "Appendix: scoring guidelines",
    ]
    for heading in headings:
        first = heading.split()
        at = next(
            n for n in range(len(words)) if [w.text for w in words[n : n + len(first)]] == first
        )
        page, y = words[at].page, words[at].y1
        below = [
            w
            for w in words[at + len(first) :]
            if w.page == page and w.y0 > y and w.y1 < w.height - 16 * MM
        ]
        assert below, (heading, page)
    # The digest, whole, in the method section.
    method = _squeezed(" ".join(t for page in pages for _, _, t in page))
    assert f"Headsdigest:{digest}" in method
