"""The loader reads a text as people write it (issue 25, item 5): dates in the text's own forms,
parties by name or declared alias as whole words, and a quote that is not verbatim shown where
it parts from the text. Also an act completed at the meeting, and the bundled fixture's
guidelines, which must partition the evidence (item 7)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_loading import SOURCE, base_spec, items_of, write_fixture

from tracker.errors import TrackerError
from tracker.loading import CommitmentSpec, DeclarationSpec, allowed_fields, read_fixture
from tracker.paths import bundled_fixture
from tracker.text_reading import closest_passage, gives_date, named_in

DAY = dt.date(2023, 12, 14)


@pytest.mark.parametrize(
    "written",
    [
        "on 14th December 2023 in Tokyo",
        "on 14 December 2023.",
        "on December 14, 2023,",
        "on December 14th 2023",
        "on the 14th of December, 2023",
        "on 14 Dec. 2023",
        "2023年12月14日に",
        "２０２３年１２月１４日",
        "(2023-12-14)",
    ],
)
def test_a_date_counts_in_the_forms_people_write(written: str) -> None:
    assert gives_date(f"The leaders met {written} and agreed.", DAY)


@pytest.mark.parametrize(
    "written",
    ["on 114 December 2023", "on 4 December 2023", "on 14 December 2024", "on December 2023"],
)
def test_another_date_is_not_the_date(written: str) -> None:
    assert not gives_date(f"The leaders met {written}.", DAY)


def test_a_party_is_named_by_a_word_or_an_alias_never_an_adjective() -> None:
    assert named_in("the United Kingdom and Japan", "UK", {})
    assert named_in("日本と英国は合意した", "Japan", {})
    assert not named_in("Japanese forces", "Japan", {})
    assert not named_in("the UKRAINE file", "UK", {})
    # An adjective counts only where the fixture declares it; declared aliases replace defaults.
    assert not named_in("the British side agreed", "UK", {})
    assert named_in("the British side agreed", "UK", {"UK": ["British"]})
    assert not named_in("the United Kingdom agreed", "UK", {"UK": ["British"]})


def _written_out(tmp_path: Path, source: str, **declaration: Any) -> Path:
    spec = base_spec()
    spec["declaration"].update(date=DAY, parties=["UK", "Japan"], inferred={"place": "test"})
    spec["declaration"].update(declaration)
    item = items_of(spec)["TST-01"]
    item["parties"] = ["UK", "Japan"]
    item["inferred"] = {"owners": "test"}
    return write_fixture(tmp_path, spec, source + SOURCE)


def test_a_written_date_and_an_aliased_party_need_no_inferred_mark(tmp_path: Path) -> None:
    text = "The United Kingdom and Japan signed it on 14th December 2023.\n"
    fixture = read_fixture(_written_out(tmp_path / "a", text))
    assert "date" not in fixture.spec.declaration.inferred

    japanese = "The British and Japanese leaders met on 14 December 2023.\n"
    with pytest.raises(TrackerError) as info:
        read_fixture(_written_out(tmp_path / "b", japanese))
    assert "field 'parties': 'UK' is not in the source text" in str(info.value)
    declared = _written_out(tmp_path / "c", japanese, aliases={"UK": ["British"]})
    with pytest.raises(TrackerError, match="field 'parties': 'Japan' is not in the source"):
        read_fixture(declared)
    read_fixture(
        _written_out(tmp_path / "d", japanese, aliases={"UK": ["British"], "Japan": ["Japanese"]})
    )


def test_the_allowed_fields_come_from_the_model() -> None:
    item = allowed_fields(["pillars", 0, "commitments", 0])
    assert item == [f.alias or n for n, f in CommitmentSpec.model_fields.items()]
    assert "achieved_at_meeting" in item and "guidelines" in item
    declaration = allowed_fields(["declaration"])
    assert declaration == [f.alias or n for n, f in DeclarationSpec.model_fields.items()]
    assert {"aliases", "cutoff", "source_file"} <= set(declaration)
    assert allowed_fields(["pillars", 0, "commitments", 0, "guidelines"]) == [
        "-1",
        "0",
        "+1",
        "joint",
    ]


@pytest.mark.parametrize(
    ("text", "quote", "at", "quoted", "found"),
    [
        ("They met in  Tokyo today.", "met in Tokyo today", 7, "T", " "),
        ("the ministers\u2019 meeting", "ministers' meeting", 9, "'", "\u2019"),
        ("Both sides agreed.\nThey will meet again.", "They will meet once more", 15, "o", "a"),
        ("Both sides agreed.", "both sides agreed", 0, "b", "B"),
    ],
)
def test_the_closest_passage_and_its_first_difference(
    text: str, quote: str, at: int, quoted: str, found: str
) -> None:
    miss = closest_passage(text, quote)
    assert (miss.at, miss.quoted, miss.found) == (at, quoted, found)
    assert quote[:at] == miss.passage[:at]
    assert miss.typographic == (quoted == "'")


def test_an_act_completed_at_the_meeting_is_loaded_achieved(cli: Any, tmp_path: Path) -> None:
    spec = base_spec()
    items_of(spec)["TST-01"]["achieved_at_meeting"] = True
    path = write_fixture(tmp_path, spec)
    cli.ok("load", str(path))
    shown = json.loads(cli.ok("show", "TST-01", "--format", "json"))
    assert shown["status"] == "achieved"
    [event] = shown["events"]
    assert (event["on"], event["to_status"]) == ("2026-02-01", "achieved")
    assert "build a bridge across the river" in event["note"]
    assert event["evidence_details"] == [
        {
            "reference": "Test source",
            "kind": "document",
            "title": "A test declaration",
            "published_on": "2026-02-01",
        }
    ]
    assert json.loads(cli.ok("show", "TST-03", "--format", "json"))["events"] == []
    # Loading again records nothing more: the history is the history.
    cli.ok("load", str(path))
    assert len(json.loads(cli.ok("show", "TST-01", "--format", "json"))["events"]) == 1


# --- the bundled fixture's guidelines partition the evidence (issue 25, item 7) ---------------


def _bundled() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load(bundled_fixture().read_text(encoding="utf-8"))
    return {i["code"]: i for p in raw["pillars"] for i in p["commitments"]}


def test_each_band_is_written_for_one_party_and_minus_one_is_otherwise() -> None:
    scored = {c: i for c, i in _bundled().items() if i["kind"] == "commitment"}
    assert sorted(scored) == ["CYB-02", "CYB-03", "CYB-04", "MIN-01"]
    for code, item in scored.items():
        bands = item["guidelines"]
        assert set(bands) == {"-1", "0", "+1"}, code
        assert bands["-1"].startswith("Otherwise"), code
        assert bands["0"].startswith("Not +1"), code
        for band in bands.values():
            assert not re.search(r"\bneither\b|\bboth governments\b", band, re.I), (code, band)
        if code != "MIN-01":
            for key in ("0", "+1"):
                assert "counts for both" in bands[key] and "same official document" in bands[key]
                assert "not announced before the declaration" in bands[key]


def test_the_2_plus_2_bands_say_what_counts() -> None:
    item = _bundled()["MIN-01"]
    bands = item["guidelines"]
    assert "on or before 31 December 2026" in bands["0"]
    assert "by video counts" in bands["+1"] and "bilaterals" in bands["+1"]
    assert "analyst's name" in item["basis"] and "analyst's name" in bands["+1"]


def test_the_headline_and_mutual_resolve_sentences_are_tracked() -> None:
    items = _bundled()
    text = bundled_fixture().with_suffix(".txt").read_text(encoding="utf-8")
    assert items["PAR-01"]["kind"] == items["PAR-02"]["kind"] == "priority"
    assert (
        "have decided to take their defence and security partnership to a new level"
        in (items["PAR-01"]["quote"])
    )
    assert "mutual resolve to strengthen co, operation" in items["PAR-02"]["quote"]
    assert all(items[c]["quote"] in text for c in ("PAR-01", "PAR-02"))
