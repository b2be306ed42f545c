"""Japanese as well as English: the message catalog is complete, and text lines up on a terminal.

The catalog test extracts every marked string from the code, as `pybabel extract` does, and
fails when one has no Japanese translation or a translation lost or gained a placeholder.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from support import BUNDLED

from tracker import i18n
from tracker.cli.table import display_width

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

ROOT = Path(__file__).resolve().parent.parent


def _extracted() -> set[str | tuple[str, ...]]:
    """Every marked message of the code and of the HTML template, as babel.cfg extracts them."""
    method_map = [
        ("tracker/**.py", "python"),
        ("tracker/reports/templates/**.html.j2", "jinja2"),
    ]
    options_map = {"tracker/reports/templates/**.html.j2": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "N_": None, "ngettext": (1, 2), "gettext": None}
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map=method_map, options_map=options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


# The template's messages take %(name)s placeholders (jinja2.ext.i18n, newstyle).
_PERCENT_FIELD = re.compile(r"%\((\w+)\)s")


def _fields(text: str) -> set[str]:
    braces = {n for _lit, n, _spec, _conv in string.Formatter().parse(text) if n is not None}
    return braces | {f"%({n})" for n in _PERCENT_FIELD.findall(text)}


def test_the_template_is_extracted() -> None:
    extracted = _extracted()
    assert "Briefing" in extracted  # a heading
    assert "Due by the %(milestone)s: %(n)s" in extracted  # a sentence


def test_every_message_has_a_japanese_translation_with_its_placeholders() -> None:
    with i18n.catalog_path("ja").open("rb") as po:
        catalog = read_po(po, locale="ja")
    extracted = _extracted()
    assert len(extracted) > 40  # the extraction itself works
    for message in extracted:
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        assert entry is not None and not entry.fuzzy, f"no Japanese for {key!r}"
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        sources = message if isinstance(message, tuple) else (message,)
        for text in translations:
            assert text, f"empty Japanese for {key!r}"
            assert _fields(text) == _fields(sources[0]), (key, text)


def test_language_comes_from_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert i18n.resolve() == "en"
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.resolve() == "ja"
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert i18n.resolve() == "en"
    monkeypatch.setenv("TRACKER_LANG", "ja")
    assert i18n.resolve() == "ja"
    assert i18n.resolve("EN") == "en"
    with pytest.raises(i18n.LanguageError, match="unknown language 'fr'; choose from en, ja"):
        i18n.resolve("fr")


def test_unknown_language_is_a_usage_error(cli_sqlite) -> None:
    result = cli_sqlite("show", "CYB-02", "--lang", "fr")
    assert result.exit_code == 2
    assert result.stderr == "error: unknown language 'fr'; choose from en, ja\n"


def test_show_in_japanese(cli_sqlite) -> None:
    cli_sqlite.ok("progress", "MIN-01", "-s", "in_progress", "--on", "2026-03-12", "-m", "調整中")
    out = cli_sqlite.ok("show", "MIN-01", "--lang", "ja")
    assert out.startswith("MIN-01  2026年に日英外務・防衛閣僚会合（「2+2」）を開催\n")
    assert "状況:" in out and "進行中 (スコア +0)" in out
    assert "当事国:   日本、英国" in out
    assert "2026年日英外務・防衛閣僚会合（「2+2」） (2026年12月31日)" in out
    assert "2026年3月12日  未着手 → 進行中" in out
    assert "本プロジェクトによる非公式訳" in out
    # The verbatim English quote stays the source.
    assert "“They have agreed that their foreign and defence ministers" in out
    assert "採点対象外" in cli_sqlite.ok("show", "FUT-01", "--lang", "ja")
    # JSON carries both languages' data and is the same whatever the language.
    data = json.loads(cli_sqlite.ok("show", "MIN-01", "--format", "json"))
    assert data["title_ja"] == "2026年に日英外務・防衛閣僚会合（「2+2」）を開催"


def test_japanese_list_keeps_its_columns_aligned_at_80(cli_sqlite, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = cli_sqlite.ok("list", "--all", "--lang", "ja")
    lines = out.splitlines()
    assert lines[-1] == f"{BUNDLED}件"
    assert all(display_width(line) <= 80 for line in lines)
    header = lines[0]
    # Each column starts at the same display column on every row (one line per item).
    starts = [display_width(header[: header.index(h)]) for h in ("種類", "状況")]
    rows = lines[1:-1]
    assert len(rows) == BUNDLED and all(re.match(r"[A-Z]{3}-\d\d ", line) for line in rows)
    for line in rows:
        kind = re.search(r"(コミット|優先事項|既存の|見通し)", line)
        assert kind and display_width(line[: kind.start()]) == starts[0], line
        status = re.search(r"(未着手|進行中|停滞|一部達成|達成|中止)", line)
        assert status and display_width(line[: status.start()]) == starts[1], line


def test_an_item_without_a_translation_falls_back_to_english_marked(
    cli_sqlite, tmp_path, monkeypatch
) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(cli_sqlite.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE commitments SET title_ja = NULL WHERE code = 'CYB-04'"))
    engine.dispose()
    # A terminal wide enough that the title, the last column, is not cut after a few words.
    monkeypatch.setenv("COLUMNS", "160")
    out = cli_sqlite.ok("list", "--lang", "ja", "--pillar", "cyber", "--wide")
    row = out.split("CYB-04", 1)[1].split("件", 1)[0]
    assert "Synchronise actions" in row
    shown = cli_sqlite.ok("show", "CYB-04", "--lang", "ja")
    assert "Synchronise actions against malicious" in shown and "（英語のみ）" in shown
