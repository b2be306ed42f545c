"""The bundled declaration fixture is faithful to its source text and internally consistent.

Items are read twice: raw from the YAML (so a parametrized test names the failing code even when
the loader would reject the whole file) and through `read_fixture` (what `tracker init` loads).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
import yaml

from tracker.loading import Fixture, read_fixture
from tracker.paths import bundled_fixture
from tracker.statuses import Kind

FIXTURE_PATH = bundled_fixture()
# SHA-256 of the article as the project received it (its seed copy, outside the repository).
SOURCE_SHA256 = "ff2bd5f62c1e9efb14326a488659f80fd3ff4ec72159abad1ec5d26df4300402"
CODE_RE = re.compile(r"^[A-Z]{3}-\d{2}$")

# The article writes hyphenated compounds with a comma ("co, operation", "Indo, Pacific") and
# drops hyphens elsewhere ("IndoPacific"); quotes keep that, our own wording must not.
ARTICLE_QUIRKS = (
    "co, operation",
    "Indo, Pacific",
    "Euro, Atlantic",
    "like, minded",
    "one, on, one",
    "IndoPacific",
    "EuroAtlantic",
)
QUIRK_RE = re.compile(r"\b(co|Indo|Euro|like), [a-z]", re.IGNORECASE)


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(FIXTURE_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


RAW = _raw()
RAW_ITEMS: list[dict[str, Any]] = [
    item for pillar in RAW["pillars"] for item in pillar.get("commitments") or []
]
ITEM_PARAMS = [pytest.param(item, id=str(item.get("code"))) for item in RAW_ITEMS]


@pytest.fixture(scope="module")
def fixture() -> Fixture:
    return read_fixture(FIXTURE_PATH)


@pytest.fixture(scope="module")
def source_text() -> str:
    return (FIXTURE_PATH.parent / RAW["declaration"]["source_file"]).read_text(encoding="utf-8")


def _items(fixture: Fixture) -> dict[str, Any]:
    return {item.code: item for pillar in fixture.spec.pillars for item in pillar.commitments}


def test_fixture_loads(fixture: Fixture) -> None:
    assert fixture.spec.declaration.slug == "japan-uk-2026"
    assert fixture.spec.declaration.date == dt.date(2026, 1, 31)
    assert fixture.spec.declaration.source_file == "japan-uk-2026.txt"
    assert len(_items(fixture)) == len(RAW_ITEMS) > 0


@pytest.mark.parametrize("item", ITEM_PARAMS)
def test_quote_is_verbatim_in_source(item: dict[str, Any], source_text: str) -> None:
    quote = item.get("quote")
    assert isinstance(quote, str)
    assert quote.strip(), "empty quote"
    assert quote in source_text, f"{item.get('code')}: quote not found verbatim: {quote!r}"


@pytest.mark.parametrize("item", ITEM_PARAMS)
def test_code_format(item: dict[str, Any]) -> None:
    code = item.get("code")
    assert isinstance(code, str)
    assert CODE_RE.match(code), f"code {code!r} is not of the form ABC-01"


def test_codes_unique() -> None:
    codes = [item["code"] for item in RAW_ITEMS]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    assert not duplicates


def test_loader_keeps_codes_and_quotes_as_written(fixture: Fixture) -> None:
    loaded = _items(fixture)
    assert list(loaded) == [item["code"] for item in RAW_ITEMS]
    for raw in RAW_ITEMS:
        assert loaded[raw["code"]].quote == raw["quote"]


def test_pillars_have_items_and_are_unique(fixture: Fixture) -> None:
    slugs = [p.slug for p in fixture.spec.pillars]
    assert len(slugs) == len(set(slugs))
    for raw in RAW["pillars"]:
        assert raw.get("commitments"), f"pillar {raw['slug']} has no items"


def test_every_pillar_is_used_by_one_code_prefix(fixture: Fixture) -> None:
    """Each pillar's items share one code prefix, and no prefix is spread over two pillars."""
    owner: dict[str, str] = {}
    for pillar in fixture.spec.pillars:
        prefixes = {item.code.split("-")[0] for item in pillar.commitments}
        assert len(prefixes) == 1, f"pillar {pillar.slug} mixes prefixes {sorted(prefixes)}"
        prefix = prefixes.pop()
        assert prefix not in owner, f"prefix {prefix} used by {owner.get(prefix)} and {pillar.slug}"
        owner[prefix] = pillar.slug
    assert len(owner) == len(fixture.spec.pillars)


def test_every_milestone_is_used(fixture: Fixture) -> None:
    used = {item.target for item in _items(fixture).values() if isinstance(item.target, str)}
    assert set(fixture.spec.milestones) <= used


@pytest.mark.parametrize("item", ITEM_PARAMS)
def test_kind_is_valid(item: dict[str, Any]) -> None:
    assert item.get("kind") in {k.value for k in Kind}


def test_ministers_meeting_targets_2026_milestone(fixture: Fixture) -> None:
    item = _items(fixture)["MIN-01"]
    assert "ministers" in item.title.lower()
    assert isinstance(item.target, str), "MIN-01 should name a milestone, not a bare date"
    milestone = fixture.spec.milestones[item.target]
    assert milestone.date == dt.date(2026, 12, 31)
    assert "2026" in milestone.title


def test_gcap_item_includes_italy(fixture: Fixture) -> None:
    gcap = [
        item for item in _items(fixture).values() if "GCAP" in item.title or "GCAP" in item.quote
    ]
    assert gcap, "no GCAP item"
    for item in gcap:
        assert "Italy" in item.parties, item.code
        assert {"Japan", "UK"} <= set(item.parties), item.code


def _own_wording(fixture: Fixture) -> list[tuple[str, str]]:
    spec = fixture.spec
    texts = [("declaration", spec.declaration.title)]
    texts += [(f"milestone {slug}", m.title) for slug, m in spec.milestones.items()]
    for pillar in spec.pillars:
        texts.append((f"pillar {pillar.slug}", pillar.title))
        for item in pillar.commitments:
            texts.append((f"{item.code} title", item.title))
            texts.append((f"{item.code} description", item.description))
    return texts


def test_titles_have_no_article_quirks(fixture: Fixture) -> None:
    problems = [
        f"{where}: {text!r}"
        for where, text in _own_wording(fixture)
        if any(q in text for q in ARTICLE_QUIRKS) or QUIRK_RE.search(text)
    ]
    assert not problems


def test_titles_are_clean(fixture: Fixture) -> None:
    for where, text in _own_wording(fixture):
        if where.endswith("description"):
            continue
        assert text == text.strip(), where
        assert "  " not in text, where


def test_source_text_is_the_article_unedited() -> None:
    """The text is the article as published, byte for byte (its quirks included): checked
    against the digest of the project's seed copy, so a clone needs nothing outside it."""
    ours = FIXTURE_PATH.parent / RAW["declaration"]["source_file"]
    assert hashlib.sha256(ours.read_bytes()).hexdigest() == SOURCE_SHA256
