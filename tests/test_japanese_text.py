"""Japanese a ministry would sign (issue 23): every sentence of a Japanese report is Japanese,
no term the analyst rejected comes back, and a bilingual page says each sentence whole in one
language.

A desk officer's year is recorded through the CLI in Japanese (the notes, reasons and evidence
titles are the recorder's own words, which the tool does not translate): whatever English a
Japanese page then holds is the tool's. A "Latin word" is two or more Latin letters that are
not a code (CYB-02), an acronym (GCAP, AI, NCSC), a URL or a hex digest: those read the same in
both languages.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from support import Build, Cli, record
from test_briefing import _pdf_pages
from test_loading import assert_one_error_line, base_spec, items_of, write_fixture

AS_OF = "2026-11-30"
NCSC = "https://www.ncsc.gov.uk/news/joint-guidance"
YEAR_JA: list[list[str]] = [
    ["CYB-03", "-s", "in_progress", "--on", "2026-02-20", "-m", "初回の脅威情報交換"],
    ["CYB-02", "-s", "in_progress", "--on", "2026-03-05", "-m", "サイバー作業部会を設置",
     "-e", "https://www.gov.uk/government/news/uk-japan-cyber",
     "--evidence-title", "日英サイバー作業部会の設置", "--evidence-date", "2026-03-05"],
    ["SEC-03", "-s", "in_progress", "--on", "2026-04-10", "-m", "計画会議を開催"],
    ["CYB-04", "-s", "stalled", "--on", "2026-09-03", "-m", "内閣官房の審査待ち",
     "--reason", "共同アトリビューションの法的審査が中断"],
    ["CYB-02", "-s", "partially_achieved", "--party", "UK", "--on", "2026-10-01",
     "-m", "NCSCが共同ガイダンスを公表", "-e", NCSC,
     "--evidence-title", "重要インフラに関する共同ガイダンス", "--evidence-date", "2026-09-30"],
    ["MIN-01", "-s", "in_progress", "--on", "2026-11-12",
     "-m", "「2+2」は12月15日にロンドンで開催予定"],
]  # fmt: skip

# The analyst's corrections (docs/japanese-terms.md): none of these may come back.
REJECTED = (
    "集団安全保障",
    "欧州大西洋",
    "行動の同期",
    "安全の防護",
    "運用面の統合",
    "日英首脳宣言",
    "波及効果",
    "ヘッドダイジェスト",
    "閣僚会合（2+2）",
    "今後の分野：安全保障対話",
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:pdf|html|md|json|csv)\b", re.IGNORECASE)
_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’_-]*")
_EXEMPT = re.compile(
    r"[A-Z]{2,}[A-Z0-9]*-\d+"  # an item code: CYB-02
    r"|[A-Z][A-Z0-9+&]*s?"  # an acronym or a capital: GCAP, AI, UK's "UK", NCSCs
    r"|[0-9a-f]{6,}"  # a digest
    r"|[0-9][0-9A-Za-z]*"  # a number with its unit (2026年 has none; 1st, 2e5)
)


def latin_words(text: str) -> list[str]:
    """The Latin words of `text` outside codes, acronyms, URLs and digests."""
    text = _URL.sub(" ", text)
    return [
        run
        for run in _RUN.findall(text)
        if sum(c.isascii() and c.isalpha() for c in run) >= 2 and not _EXEMPT.fullmatch(run)
    ]


def test_the_word_counter_counts_what_it_should() -> None:
    """The counter the tests below rely on: English words counted, the shared codes not."""
    assert latin_words("Prime Minister's Office, Tokyo") == [
        "Prime",
        "Minister's",
        "Office",
        "Tokyo",
    ]
    assert latin_words("（推定）public reporting of the meeting") == [
        "public",
        "reporting",
        "of",
        "the",
        "meeting",
    ]
    assert latin_words("CYB-02 GCAP AI NCSC https://www.gov.uk/x 2026年 c005c8f60b9c1e04…") == []
    assert latin_words("日英首脳会談（2026年1月、東京）") == []  # fmt: skip


def _year(cli: Cli, _: Path) -> Cli:
    # Recorded by a Japanese desk officer, under a Japanese name.
    return record(cli, [[*event, "--by", "佐藤"] for event in YEAR_JA])


@pytest.fixture
def year_ja(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_year)


def _page_text(page: str) -> str:
    body = page[page.index("<body") :]
    body = re.sub(r"<svg\b.*?</svg>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_no_rejected_term_remains_in_a_japanese_report(year_ja: Cli, tmp_path: Path) -> None:
    outputs = {
        "md": year_ja.ok("report", "-f", "md", "--lang", "ja", "--as-of", AS_OF),
        "terminal": year_ja.ok("report", "--lang", "ja", "--as-of", AS_OF),
        "list": year_ja.ok("list", "--all", "--lang", "ja"),
        "show MIN-01": year_ja.ok("show", "MIN-01", "--lang", "ja"),
        "show SEC-01": year_ja.ok("show", "SEC-01", "--lang", "ja"),
    }
    page = tmp_path / "ja.html"
    year_ja.ok("report", "-f", "html", "--lang", "ja", "--as-of", AS_OF, "-o", str(page))
    outputs["html"] = _page_text(page.read_text(encoding="utf-8"))
    for name, text in outputs.items():
        found = [term for term in REJECTED if term in text]
        assert not found, (name, found)
    # The corrections themselves are what the reader sees.
    assert "地域を越えた安全保障協力" in outputs["html"]
    assert "日英外務・防衛閣僚会合（「2+2」）" in outputs["md"]
    assert "多国間の安全保障対話" in outputs["html"] and "先端技術の共有" in outputs["html"]


def test_japanese_report_prints_the_place_owners_and_origins_in_japanese(year_ja: Cli) -> None:
    text = year_ja.ok("report", "-f", "md", "--lang", "ja", "--as-of", AS_OF)
    # The place and each provenance note in Japanese, labelled by where it comes from.
    assert "東京・総理大臣官邸" in text and "Prime Minister" not in text
    assert "（開催地は報道による：記事には「東京で」とのみ記載）" in text
    assert "public reporting" not in text and "analyst's assignment" not in text
    # Owners by their Japanese names, between 、; an owner chosen by the analyst says so, a
    # target that follows from a rule says that instead: not one 推定 for all.
    assert "主担当：英国防省、防衛省 *（分析者による割当）*" in text
    assert "MOD、JMOD" not in text
    assert "期限 2026年12月31日 *（規則による）*" in text
    assert "（推定）" not in text
    show = year_ja.ok("show", "MIN-01", "--lang", "ja")
    assert (
        "主担当:   英外務・英連邦・開発省、英国防省、外務省、防衛省  ［分析者による割当：" in show
    )
    assert "［規則による：「2026年中」のため" in show
    assert "[ministers-meeting]" not in show  # the pillar by its title, not its slug
    # The pillar column (from 120 columns, or --wide) gives the pillar's title, not its slug.
    listed = year_ja.ok("list", "--pillar", "cyber", "--lang", "ja", "--wide")
    assert "サイバーセキュリテ" in listed and " cyber " not in listed


def test_english_output_keeps_its_words(year_ja: Cli) -> None:
    """The kinds of origin change nothing in English: the notes read as they did."""
    show = year_ja.ok("show", "MIN-01")
    assert "Lead bodies: FCDO, MOD, MOFA, JMOD  [inferred: analyst's assignment: " in show
    assert "Pillar:      Foreign and defence ministers' meeting (2+2) [ministers-meeting]" in show
    text = year_ja.ok("report", "-f", "md", "--as-of", AS_OF)
    assert "Prime Minister's Office, Tokyo" in text and "東京" not in text


class _Segments(HTMLParser):
    """The page's text cut where its language changes (an element with a `lang`) and where a
    block ends; the text of <code>, <style>, <script> and <svg> is not the page's prose."""

    BLOCKS: ClassVar = {"p", "li", "h1", "h2", "h3", "h4", "td", "th", "dt", "dd", "caption", "div",
              "figcaption", "section", "header", "footer", "tr", "title", "br"}  # fmt: skip
    SKIP: ClassVar = {"code", "style", "script", "svg"}

    def __init__(self) -> None:
        super().__init__()
        self.langs: list[tuple[str, str | None]] = []
        self.skipping = 0
        self.parts: list[str] = []
        self.segments: list[str] = []

    def cut(self) -> None:
        text = " ".join("".join(self.parts).split())
        if text:
            self.segments.append(text)
        self.parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        if tag in self.SKIP:
            self.skipping += 1
        if lang or tag in self.BLOCKS:
            self.cut()
        if lang and tag not in ("br",):
            self.langs.append((tag, lang))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping -= 1
        if tag in self.BLOCKS or (self.langs and self.langs[-1][0] == tag):
            self.cut()
        if self.langs and self.langs[-1][0] == tag:
            self.langs.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def sentences(page: str) -> Iterator[str]:
    """Each sentence of the page: its segments split after 。．.!?！？ and at — and ：."""
    parser = _Segments()
    parser.feed(page)
    parser.cut()
    for segment in parser.segments:
        for sentence in re.split(r"(?<=[。．!?！？])|(?<=\.)\s|\s—\s", segment):
            if sentence.strip():
                yield sentence.strip()


def mixed(page: str) -> list[str]:
    return [s for s in sentences(page) if JAPANESE.search(s) and latin_words(s)]


def test_the_sentence_check_finds_a_mixed_sentence() -> None:
    page = '<p lang="ja">変化した項目 <span lang="en">Changes since</span> 2026年1月31日</p>'
    assert mixed(page) == []
    assert mixed("<p>Changes since 2026年1月31日 (宣言)</p>") == [
        "Changes since 2026年1月31日 (宣言)"
    ]


def test_bilingual_page_has_no_sentence_mixing_the_languages(year_ja: Cli, tmp_path: Path) -> None:
    page = tmp_path / "both.html"
    year_ja.ok("report", "-f", "html", "--bilingual", "--as-of", AS_OF, "-o", str(page))
    text = page.read_text(encoding="utf-8")
    assert mixed(text) == []
    flat = _page_text(text)
    # The headline and the key figures in both languages.
    assert "2026年日英外務・防衛閣僚会合（「2+2」）：期限 2026年12月31日" in flat
    assert "2026 foreign and defence ministers' meeting (2+2): deadline (no date announced)" in flat
    assert "completion rate (0 of 4 assessed commitments achieved)" in flat
    assert "達成率" in flat and "mean compliance score" in flat and "平均履行スコア" in flat
    assert "What changed since 2026-01-31 (the declaration): 5 items" in flat
    assert "Due by the 2026 foreign and defence ministers' meeting (2+2): 1" in flat


def test_japanese_pdf_page_one_has_no_english_sentence(year_ja: Cli, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    pdf = tmp_path / "ja.pdf"
    year_ja.ok("report", "-f", "pdf", "--lang", "ja", "--as-of", AS_OF, "-o", str(pdf))
    try:
        pages = _pdf_pages(pdf)
    except (OSError, subprocess.SubprocessError) as exc:  # pragma: no cover - tool missing
        pytest.fail(f"pdftotext: {exc}")
    one = pages[0]
    assert "日英首脳会談（2026年1月、東京）" in one  # page one was read
    assert latin_words(one) == []


# --- the fixture's Japanese fields, as load takes them ---------------------------------------


def _japanese_spec() -> dict[str, Any]:
    spec = base_spec()
    spec["declaration"]["place_ja"] = "テストビル"
    spec["declaration"]["inferred"]["place"] = {
        "origin": "reporting",
        "note": "the article names no town",
        "note_ja": "記事に町名の記載なし",
    }
    spec["owners_ja"] = {"Works": "建設省"}
    for item in items_of(spec).values():
        item["inferred"]["owners"] = {"origin": "analyst", "note": "none named"}
    return spec


def test_load_stores_the_japanese_fields_and_their_origins(cli: Cli, tmp_path: Path) -> None:
    cli.ok("load", str(write_fixture(tmp_path, _japanese_spec())))
    data = json.loads(cli.ok("show", "TST-01", "-f", "json"))
    # English reads as before: the origin's label, then the note.
    assert data["provenance"]["owners"] == "analyst's assignment: none named"
    assert data["provenance"]["parties"] == "test"  # a plain string: no kind named
    assert data["provenance_origins"] == {"owners": "analyst"}
    assert data["provenance_ja"] == {}  # no note_ja: a Japanese report shows the English, marked
    assert data["owners_ja"] == ["建設省"]
    show = cli.ok("show", "TST-01", "--lang", "ja")
    assert "建設省  ［分析者による割当：none named （英語のみ）］" in show
    assert "［推定：test （英語のみ）］" in show
    text = cli.ok("report", "-f", "md", "--lang", "ja")
    assert "テストビル" in text and "（開催地は報道による：記事に町名の記載なし）" in text
    assert cli.ok("verify").startswith("verify: OK")
    # A changed Japanese note is a change of the item's text, recorded as one.
    spec = _japanese_spec()
    items_of(spec)["TST-01"]["inferred"]["owners"]["note_ja"] = "原文に記載なし"
    out = cli.ok("load", str(write_fixture(tmp_path, spec)))
    assert "TST-01: inferred_ja" in out
    assert cli.ok("verify").startswith("verify: OK")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            lambda spec: spec.update(owners_ja={"Other": "別省"}),
            ("item TST-01: field 'owners': 'Works' has no Japanese name under 'owners_ja'",),
        ),
        (
            lambda spec: items_of(spec)["TST-01"]["inferred"]["owners"].update(origin="guess"),
            ("item TST-01: field 'inferred.owners': origin: Input should be 'reporting'",),
        ),
        (
            lambda spec: items_of(spec)["TST-01"]["inferred"]["owners"].update(note_ja=""),
            ("item TST-01: field 'inferred.owners': note_ja: String should have at least 1",),
        ),
        (
            lambda spec: spec["declaration"].update(place_ja="x" * 201),
            ("declaration.place_ja is longer than 200 characters",),
        ),
    ],
)
def test_bad_japanese_fields_are_one_error_line(
    cli: Cli, tmp_path: Path, change: Callable[[dict[str, Any]], object], fragments: tuple[str, ...]
) -> None:
    spec = _japanese_spec()
    change(spec)
    result = cli("load", str(write_fixture(tmp_path, spec)))
    assert_one_error_line(result, *fragments)
