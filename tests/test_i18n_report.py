"""The report in Japanese: the same facts and figures as in English, in Japanese words.

JSON is compared across languages (only `lang` and the method texts may differ); the HTML
page's text is read for Japanese headings, titles, statuses and dates; the chart SVG is read
for the CJK font its text asks for; a headless Chromium renders the page and reports whether
that font is there; the terminal report's columns are measured by display width.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser import AXE_RUN, IN_CI, axe_source, chromium
from hostile_helpers import HOSTILE_NOTE, UNSAFE
from rich.cells import cell_len
from support import Build, Cli, record

from tracker.cli.table import display_width

AS_OF = "2026-06-01"
EVENTS: list[tuple[str, ...]] = [
    ("CYB-02", "-s", "in_progress", "--on", "2026-03-12", "-m", "First cyber dialogue"),
    ("MIN-01", "-s", "stalled", "--on", "2026-04-20", "-m", "No date agreed yet"),
    ("IND-01", "-s", "in_progress", "--party", "Italy", "--on", "2026-05-02", "-m", "GCAP"),
]


def _recorded(cli: Cli, _: Path) -> Cli:
    return record(cli, EVENTS)


@pytest.fixture
def recorded(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_recorded)


def _title_ja(cli: Cli, code: str) -> str:
    title = json.loads(cli.ok("show", code, "-f", "json"))["title_ja"]
    assert isinstance(title, str) and title
    return title


def _page_text(page: str) -> str:
    """The page's visible text: no style, no SVG, no tags, entities decoded, spaces folded."""
    body = page[page.index("<body") :]
    body = re.sub(r"<svg\b.*?</svg>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _cjk_font_or_skip() -> str:
    from tracker.reports import charts

    font = charts.cjk_font()
    if font is None:
        reason = "no CJK font is installed (apt-get install -y fonts-noto-cjk)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return font


def _without_labels(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("lang", "method")}


def test_json_figures_are_the_same_in_both_languages(recorded: Cli) -> None:
    english = json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF, "--lang", "en"))
    japanese = json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF, "--lang", "ja"))
    assert (english["lang"], japanese["lang"]) == ("en", "ja")
    assert _without_labels(english) == _without_labels(japanese)
    assert list(english) == list(japanese)  # the same keys, in the same order
    # The method's human text is translated, under the same keys.
    assert english["method"].keys() == japanese["method"].keys()
    assert japanese["method"]["completion_rate"].startswith("達成したコミットメントの数")
    assert english["summary"]["items"] > 0 and english["commitments"]


def test_csv_is_the_same_in_both_languages(recorded: Cli) -> None:
    english = recorded.ok("report", "-f", "csv", "--as-of", AS_OF, "--lang", "en")
    assert recorded.ok("report", "-f", "csv", "--as-of", AS_OF, "--lang", "ja") == english


def test_japanese_page_has_japanese_headings_titles_statuses_and_dates(
    recorded: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "ja.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", "ja", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    assert '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic"' in page
    text = _page_text(page)
    for heading in ("概要", "期限超過", "停滞", "進捗", "柱別・当事国別の数値", "数値の算出方法"):
        assert heading in text, heading
    for english in ("Briefing", "Overdue:", "Figures by pillar", "How the figures are computed"):
        assert english not in text, english
    assert _title_ja(recorded, "MIN-01") in text and _title_ja(recorded, "CYB-02") in text
    assert "進行中" in text and "未着手" in text  # statuses
    assert "2026年6月1日" in text and "2026-06-01" not in text  # dates
    assert "日本" in text and "英国" in text and "イタリア" in text  # parties
    assert "日英外務・防衛閣僚会合（「2+2」）" in text  # the 2+2 as the headline names it
    assert "非公式訳" in text  # the titles say whose translation they are
    assert re.search(r"期限 2026年12月31日（開催日は未発表）まで残り\d+日", text)  # the headline


def test_an_item_without_a_japanese_title_shows_the_english_marked(
    recorded: Cli, tmp_path: Path
) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(recorded.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE commitments SET title_ja = NULL WHERE code = 'CYB-02'"))
    engine.dispose()
    english = json.loads(recorded.ok("show", "CYB-02", "-f", "json"))["title"]
    out = tmp_path / "ja.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", "ja", "-o", str(out))
    assert f"{english} （英語のみ）" in _page_text(out.read_text(encoding="utf-8"))


def test_chart_text_asks_for_the_cjk_font(recorded: Cli, tmp_path: Path) -> None:
    font = _cjk_font_or_skip()
    out = tmp_path / "ja.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", "ja", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) == 4  # two charts, each drawn wide and narrow
    # svg.fonttype none: labels stay <text>, each naming the fonts it is drawn in.
    labels = re.findall(r'<text [^>]*style="([^"]*)"[^>]*>([^<]*)</text>', "".join(svgs))
    japanese = [(style, t) for style, t in labels if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t)]
    assert {t for _, t in japanese} >= {"進行中", "停滞", "項目数"}
    for style, label in japanese:
        assert f"'{font}'" in style, (label, style)
    # The burn-up's date ticks read as Japanese dates do: 3月, not Mar or 03月.
    ticks = {t for _, t in japanese}
    assert any(re.fullmatch(r"[1-9]\d?月", t) for t in ticks), ticks
    assert not any(re.fullmatch(r"0\d[月日]", t) for t in ticks), ticks


def test_without_a_cjk_font_the_page_says_so(
    recorded: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.reports import charts

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    out = tmp_path / "ja.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", "ja", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert "<svg" not in page  # no chart of empty boxes
    assert "日本語フォントが導入されていないため、グラフを省略した" in _page_text(page)


def test_bilingual_page_gives_headings_and_titles_in_both(recorded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "both.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", "en,ja", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert '<h2 id="briefing-title">概要 <span class="en" lang="en">Briefing</span>' in page
    assert '<span class="en" lang="en">How the figures are computed</span>' in page
    english = json.loads(recorded.ok("show", "MIN-01", "-f", "json"))["title"]
    row = re.search(r'<tr id="item-MIN-01".*?</tr>', page, flags=re.S)
    assert row is not None
    assert _title_ja(recorded, "MIN-01") in row.group(0)
    assert f'<span class="en" lang="en">{english}</span>' in html.unescape(row.group(0))
    # --bilingual says the same.
    again = tmp_path / "again.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--bilingual", "-o", str(again))
    assert again.read_text(encoding="utf-8") == page


def test_bilingual_is_for_html_and_pdf_only(recorded: Cli) -> None:
    for args in (("--lang", "en,ja"), ("--bilingual",)):
        result = recorded("report", "-f", "md", *args)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: Invalid value for {args[0]}: a bilingual report")
        assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("fr", "error: unknown language 'fr'; choose from en, ja"),
        ("ja,ja", "give one language, or two for a bilingual page"),
        ("en,ja,en", "give one language, or two for a bilingual page"),
    ],
)
def test_a_wrong_lang_is_a_usage_error(recorded: Cli, value: str, message: str) -> None:
    result = recorded("report", "-f", "html", "--lang", value)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_japanese_terminal_report_keeps_its_columns_at_80(recorded: Cli) -> None:
    out = recorded.ok("report", "-f", "terminal", "--as-of", AS_OF, "--lang", "ja")
    lines = out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), max(lines, key=cell_len)
    assert all(display_width(line) == cell_len(line) for line in lines)
    # The items table: every row's status, score, target and title start in the columns its
    # header gives them, measured in display cells (a Japanese character takes two).
    start = lines.index(next(x for x in lines if x.startswith("当事国の約束")))
    header = lines[start + 1]
    columns = [display_width(header[: header.index(name)]) for name in ("状況", "期限", "表題")]
    rows = [x for x in lines[start + 3 :] if re.match(r"[A-Z]{3}-\d\d ", x)]
    assert len(rows) >= 10
    titles = 0
    for row in rows:
        cells = _cells_at(row, columns)
        assert cells[0].startswith(("·", "▒", "░", "█", "▓", "×")), (row, cells)
        assert cells[1].startswith(("—", "2026年")), (row, cells)
        titles += bool(re.match(r"[\u3040-\u30ff\u4e00-\u9fff0-9]", cells[2]))
    assert titles >= 10  # the titles are the Japanese ones
    # The side-by-side table: its numbers end in the same display column as their headers.
    sides = lines.index(next(x for x in lines if x.startswith("日本、英国とイタリアの比較")))
    # The totals, under the matrix of commitments by party.
    totals = next(n for n in range(sides, len(lines)) if lines[n].startswith("当事国"))
    head, japan = lines[totals], lines[totals + 2]
    assert japan.startswith("日本")
    assert display_width(head) == display_width(japan)


def _cells_at(row: str, columns: list[int]) -> list[str]:
    """The text of `row` from each display column in `columns`."""
    out: list[str] = []
    for column in columns:
        width = 0
        for index, ch in enumerate(row):
            if width >= column:
                out.append(row[index:])
                break
            width += display_width(ch)
        else:
            out.append("")
    return out


def test_japanese_page_in_chromium_has_its_font(recorded: Cli, tmp_path: Path) -> None:
    """The page rendered by headless Chromium at 1280 px: its text is drawn in the CJK font
    (not as missing-glyph boxes), and it does not scroll sideways, nor at 390 px.
    TRACKER_SHOTS names a folder to keep the screenshot in."""
    _cjk_font_or_skip()
    out = tmp_path / "ja.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", "ja", "-o", str(out))
    with chromium() as browser:
        browser.open(out.as_uri(), 1280)
        assert browser.evaluate("document.documentElement.lang") == "ja"
        # True only when a font of the stack that covers these characters is available.
        assert browser.evaluate("document.fonts.check('16px \"Noto Sans CJK JP\"', '概要')")
        assert browser.evaluate("document.documentElement.scrollWidth") <= 1280
        heading = browser.evaluate("document.getElementById('briefing-title').textContent")
        assert heading == "概要"
        shots = os.environ.get("TRACKER_SHOTS")
        if shots:
            browser.screenshot(Path(shots) / "ja-1280.png")
        # On a phone too, the Japanese page never scrolls sideways.
        browser.open(out.as_uri(), 390)
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390


def test_japanese_pdf_embeds_a_cjk_font(recorded: Cli, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    _cjk_font_or_skip()
    out = tmp_path / "ja.pdf"
    recorded.ok("report", "-f", "pdf", "--as-of", AS_OF, "--lang", "ja", "-o", str(out))
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        reason = "pdffonts is not installed (apt-get install -y poppler-utils)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    fonts = subprocess.run(
        [pdffonts, str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # name, type..., then the columns emb, sub, uni: the CJK face is embedded (as a subset).
    cjk = [line.split() for line in fonts if "Noto-Sans-CJK-JP" in line]
    assert cjk, fonts
    assert all(columns[-5] == "yes" for columns in cjk), cjk


def test_markdown_in_japanese(recorded: Cli) -> None:
    out = recorded.ok("report", "-f", "md", "--as-of", AS_OF, "--lang", "ja")
    assert "## 停滞（1件）" in out
    assert "## 数値の算出方法" in out
    assert f"**MIN-01** {_title_ja(recorded, 'MIN-01')} — 停滞、期限 2026年12月31日" in out
    assert "| 日本 | 4 |" in out and "| 英国 | 4 |" in out
    assert "2026-" not in out  # every date is in the Japanese form
    assert "非公式訳" in out


@pytest.mark.parametrize("lang", ["ja", "en,ja"])
def test_axe_finds_no_wcag21_aa_violation_in_japanese(
    recorded: Cli, tmp_path: Path, lang: str
) -> None:
    axe = axe_source()
    out = tmp_path / "page.html"
    recorded.ok("report", "-f", "html", "--as-of", AS_OF, "--lang", lang, "-o", str(out))
    with chromium(bypass_csp=True) as browser:
        browser.open(out.as_uri(), 1280)
        browser.evaluate(axe)
        result = browser.evaluate(AXE_RUN, wait=True)
    assert result["violations"] == [], result["violations"]
    # The page's language was checked (a missing or wrong lang attribute is a violation).
    assert "html-has-lang" in result["passes"] and "html-lang-valid" in result["passes"]


@pytest.mark.parametrize(
    ("fmt", "lang"), [("html", "ja"), ("html", "en,ja"), ("md", "ja"), ("terminal", "ja")]
)
def test_japanese_reports_neutralise_controls_and_bidi(
    cli_sqlite: Cli, fmt: str, lang: str
) -> None:
    """User text reaches the translated sentences as their variables (by %(actor)s ...): it is
    neutralised there as everywhere else."""
    cli_sqlite.ok("progress", "CYB-02", "-s", "in_progress", "-m", HOSTILE_NOTE,
                  "--by", "eve\x1b[31m\u202e")  # fmt: skip
    out = cli_sqlite.ok("report", "-f", fmt, "--since", "2026-01-31", "--lang", lang)
    for char in UNSAFE:
        assert char not in out, (fmt, repr(char))
    assert "記録者 eve" in out and "\ufffd" in out
