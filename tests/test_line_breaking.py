"""Japanese line breaking (issue 23): no line of the terminal starts with 、。）」, a number keeps
its counter (0件) and a katakana word stays whole (コミットメント), in the terminal's wrapping
and in the page's figure boxes, checked in Chromium where the lines actually fall.

The texts wrapped are the fixture's own Japanese (every title, and the report's figure boxes),
at every width from 8 to 60 columns.
"""

from __future__ import annotations

import io
import itertools
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from browser import chromium
from support import Build, Cli, record
from test_briefing import _tool

from tracker.cli.table import render
from tracker.linebreak import NO_END, NO_START, display_width, wrap

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-30"
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]")
STARTS = "、。，．）」』】・：；？！ーぁぃぅぇぉっゃゅょァィゥェォッャュョ"
SAMPLE = (
    "未完了の約束（うち期限超過0件、停滞1件。このほか見通し7件を別途追跡）。"
    "評価済みコミットメント4件中0件達成"
)


def _japanese_texts() -> list[str]:
    data = yaml.safe_load((ROOT / "fixtures" / "japan-uk-2026.yaml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).endswith("_ja") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return [*found, SAMPLE]


def _check_lines(text: str, lines: list[str], width: int) -> None:
    assert "".join(lines).replace(" ", "") == text.replace(" ", ""), (text, lines)
    for n, line in enumerate(lines):
        assert display_width(line) <= width, (width, lines)
        if n:
            assert not line or line[0] not in STARTS, (width, lines)
        if n < len(lines) - 1:
            assert line and line[-1] not in NO_END, (width, lines)


def test_the_characters_no_line_starts_with_are_the_kinsoku_set() -> None:
    assert set(STARTS) <= NO_START
    assert {"（", "「"} <= NO_END


@pytest.mark.parametrize("width", range(8, 61))
def test_wrapped_japanese_never_starts_a_line_with_closing_punctuation(width: int) -> None:
    texts = _japanese_texts()
    assert len(texts) > 20
    for text in texts:
        _check_lines(text, wrap(text, width), width)


def test_a_number_keeps_its_counter_and_a_katakana_word_stays_whole() -> None:
    for width in range(16, 61):
        for line in wrap(SAMPLE, width):
            assert not re.search(r"\d$", line), (width, line)  # never 0|件
            assert not line.startswith(("件", "ント", "メント")), (width, line)
        assert any("コミットメント" in line for line in wrap(SAMPLE, width))
    # Wider than the line: cut, as it must be.
    assert wrap("コミットメント", 8) == ["コミット", "メント"]
    # English still breaks at spaces.
    assert wrap("Hold a foreign and defence ministers' meeting", 12) == [
        "Hold a",
        "foreign and",
        "defence",
        "ministers'",
        "meeting",
    ]


def test_list_table_wraps_japanese_titles_by_the_same_rules() -> None:
    titles = _japanese_texts()
    rows = [[f"X-{n:02d}", t, "not started"] for n, t in enumerate(titles)]
    for width in (50, 64, 80):
        lines = render(["Code", "Title", "Status"], rows, width=width, flexible=1)
        title_at = lines[0].index("Title")
        for line in lines[1:]:
            cell = line[title_at:] if line[:title_at].strip() == "" else ""
            assert not cell or cell[0] not in STARTS, (width, line)


def test_rich_text_wraps_japanese_by_the_same_rules() -> None:
    from rich.console import Console

    from tracker.reports.wrapping import Text

    for width in range(10, 50, 3):
        out = io.StringIO()
        console = Console(file=out, width=width, color_system=None, legacy_windows=False)
        for text in _japanese_texts():
            console.print(Text(text))
        for line in out.getvalue().splitlines():
            assert not line or line[0] not in STARTS, (width, line)
            assert display_width(line) <= width


REASON = "法的審査が停止、再開は未定。"


def _japanese_year(cli: Cli, _: Path) -> Cli:
    return record(
        cli,
        [
            ("CYB-04", "-s", "stalled", "--on", "2026-09-03", "--reason", REASON),
            ("CYB-02", "-s", "in_progress", "--on", "2026-03-05", "-m", "作業部会を設置した。"),
        ],
    )


@pytest.fixture
def japanese(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_japanese_year)


def test_japanese_terminal_report_starts_no_line_with_closing_punctuation(
    japanese: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for columns in ("60", "80"):
        monkeypatch.setenv("COLUMNS", columns)
        for args in (("report", "-f", "terminal", "--as-of", AS_OF), ("list", "--all")):
            out = japanese.ok(*args, "--lang", "ja")
            starts = [line for line in out.splitlines() if re.search(rf"(^|\s)[{STARTS}]", line)]
            assert not starts, (columns, args, starts)


def test_japanese_page_keeps_numbers_with_counters_in_chromium(
    japanese: Cli, tmp_path: Path
) -> None:
    page = tmp_path / "ja.html"
    japanese.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", "ja", "-o", str(page))
    source = page.read_text(encoding="utf-8")
    assert "line-break: strict" in source and "word-break: keep-all" in source
    boxes = source.split('id="summary-figures"')[1].split("</ul>")[0]
    assert '<span class="nw">0件</span>' in boxes
    assert '<span class="nw">コミットメント</span>' in boxes
    with chromium() as browser:
        for width in (390, 700, 1280):
            browser.open(page.as_uri(), width)
            # Each no-break span is on one line: one box, whatever the width.
            split = browser.evaluate(
                "[...document.querySelectorAll('#summary-figures .nw')]"
                ".filter(s => s.getClientRects().length !== 1).map(s => s.textContent)"
            )
            assert split == [], (width, split)
            # And no line of a figure box starts with 、 or 。: the first character of each
            # line (a range per character, grouped by its top) is never one of them.
            starts = browser.evaluate(
                """[...document.querySelectorAll('#summary-figures .what')].flatMap(box => {
                  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
                  const firsts = []; let top = null;
                  while (walker.nextNode()) {
                    const node = walker.currentNode;
                    for (let i = 0; i < node.length; i++) {
                      const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                      const rect = r.getClientRects()[0];
                      if (!rect) continue;
                      if (top === null || rect.top > top + 2) {
                        firsts.push(node.data[i]); top = rect.top;
                      }
                    }
                  }
                  return firsts;
                })"""
            )
            assert starts and not [c for c in starts if c in STARTS], (width, starts)


def test_japanese_pdf_keeps_numbers_with_counters_in_the_figure_boxes(
    japanese: Cli, tmp_path: Path
) -> None:
    """WeasyPrint's layout of the same boxes: no line of them ends inside a no-break span
    (a digit before its counter, a katakana word cut), nor starts with 、 or 。."""
    pytest.importorskip("weasyprint")
    pdf = tmp_path / "ja.pdf"
    japanese.ok("report", "-f", "pdf", "--as-of", AS_OF, "--lang", "ja", "-o", str(pdf))
    binary = _tool("pdftotext", "poppler-utils")
    page = subprocess.run(
        [binary, "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    boxes = page.split("\n0%", 1)[1].split("以降に変化した項目", 1)[0]
    assert "期限超過0件" in boxes.replace("\n", "")
    lines = [line.strip() for line in boxes.splitlines() if line.strip()]
    for before, after in itertools.pairwise(lines):
        assert not (before[-1].isdigit() and after[0] in "件日"), (before, after)
        assert not (_KATAKANA.match(before[-1]) and _KATAKANA.match(after[0])), (before, after)
        assert after[0] not in STARTS, (before, after)
