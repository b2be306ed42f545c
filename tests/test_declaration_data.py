"""The bundled declaration is analyst-grade: kinds, provenance and scoring guidelines.

These read the fixture and its source text directly, as an analyst checking the file would, and
the loader's refusals of a file that breaks the method (fixtures/README.md).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker import paths
from tracker.errors import TrackerError
from tracker.loading import read_fixture
from tracker.statuses import Kind

FIXTURE = paths.bundled_fixture()
SOURCE = FIXTURE.with_suffix(".txt").read_text(encoding="utf-8")
RAW: dict[str, Any] = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
ITEMS = [item for pillar in RAW["pillars"] for item in pillar["commitments"]]
# The words by which the parties commit (METHOD.md section 1).
COMMITTING = re.compile(r"\b(committed to|have agreed|agreed that|undertake|will)\b")


def _item(code: str) -> dict[str, Any]:
    return next(i for i in ITEMS if i["code"] == code)


def test_every_value_the_text_does_not_give_is_marked_inferred() -> None:
    """An owner, party or target absent from the source text is listed in the item's inferred."""
    milestones = {k: v["date"] for k, v in RAW.get("milestones", {}).items()}
    for item in ITEMS:
        marked = set(item.get("inferred", {}))
        for name in item.get("owners", []):
            assert name in SOURCE or "owners" in marked, (item["code"], name)
        for name in item["parties"]:
            assert name in SOURCE or "parties" in marked, (item["code"], name)
        target = item.get("target")
        if target is not None:
            day = milestones.get(target, target)
            assert str(day) in SOURCE or "target" in marked, (item["code"], target)
        for field, origin in item.get("inferred", {}).items():
            assert item.get(field), (item["code"], f"{field} marked but empty")
            # Each names its kind of origin and says where from, in English and Japanese.
            assert origin["origin"] in ("reporting", "analyst", "rule"), (item["code"], field)
            assert origin["note"].strip() and origin["note_ja"].strip(), (item["code"], field)
    declaration = RAW["declaration"]
    marked = set(declaration.get("inferred", {}))
    assert declaration["date"].isoformat() not in SOURCE and "date" in marked
    assert declaration["place"] not in SOURCE and "place" in marked
    assert "late January 2026" in SOURCE  # what the article itself says


def test_only_what_the_parties_committed_to_is_scored() -> None:
    scored = [i for i in ITEMS if Kind(i["kind"]).scored]
    assert {i["code"] for i in scored} == {"CYB-02", "CYB-03", "CYB-04", "MIN-01"}
    for item in scored:
        # The basis quotes the parties committing or agreeing, and the quote holds those words.
        assert COMMITTING.search(item["basis"]), item["code"]
        assert COMMITTING.search(item["quote"]), item["code"]
    for item in ITEMS:
        assert item["quote"] in SOURCE, item["code"]
        assert item["basis"].strip(), item["code"]
        if not Kind(item["kind"]).scored:
            assert "guidelines" not in item, item["code"]


def test_article_commentary_is_outlook_never_scored() -> None:
    """Sentences of the article's own analysis and forecast are outlook items, not pledges."""
    commentary = (
        "can take advantage",
        "could be particularly helpful",
        "likely to benefit",
        "is likely to venture into",
        "is set for deeper",
        "are going to be more deeply involved",
        "have facilitated",
    )
    for phrase in commentary:
        resting = [i for i in ITEMS if phrase in i["quote"]]
        assert resting, phrase
        assert all(i["kind"] == Kind.OUTLOOK for i in resting), phrase


def test_every_scored_item_has_guidelines_for_each_score() -> None:
    vague = re.compile(r"\b(significant|substantial|meaningful|sufficient|e\.g\.)", re.I)
    for item in ITEMS:
        if not Kind(item["kind"]).scored:
            continue
        guidelines = item["guidelines"]
        assert set(guidelines) == {"-1", "0", "+1"}, item["code"]
        texts = list(guidelines.values())
        assert len(set(texts)) == 3, item["code"]
        for text in texts:
            assert len(text) > 40 and not vague.search(text), (item["code"], text)


def test_no_clause_is_split_twice_and_no_outside_target() -> None:
    """One action is one item: no two items share a kind and a basis; IND-01 has no 2035 date."""
    bases = [(i["kind"], i["basis"]) for i in ITEMS]
    assert len(bases) == len(set(bases))
    assert "target" not in _item("IND-01")
    assert "2035" not in json.dumps(_item("IND-01").get("target"))
    assert all("target" not in i for i in ITEMS if i["code"] != "MIN-01")
    assert "one measurable item each" not in FIXTURE.read_text(encoding="utf-8")


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    (tmp_path / "japan-uk-2026.txt").write_text(SOURCE, encoding="utf-8")
    path = tmp_path / "decl.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _edited(code: str, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    for pillar in raw["pillars"]:
        for item in pillar["commitments"]:
            if item["code"] == code:
                for key, value in changes.items():
                    if value is None:
                        item.pop(key, None)
                    else:
                        item[key] = value
    return raw


@pytest.mark.parametrize(
    ("code", "changes", "message"),
    [
        ("MIN-01", {"guidelines": None}, "item MIN-01: a commitment is scored, so it needs"),
        ("CYB-02", {"guidelines": {"-1": "x" * 50, "+1": "y" * 50}}, "field 'guidelines.0'"),
        ("GEO-01", {"guidelines": {"-1": "a", "0": "b", "+1": "c"}}, "only scored items"),
        ("SEC-01", {"inferred": None}, "item SEC-01: field 'owners': 'MOD' is not in the source"),
        ("MIN-01", {"inferred": {"owners": "analyst"}}, "field 'target': '2026-12-31'"),
        ("SEC-03", {"basis": None}, "item SEC-03: field 'basis': Field required"),
        ("ECO-06", {"inferred": {"owners": "analyst"}}, "field 'inferred': 'owners' has no value"),
        ("IND-01", {"target": dt.date(2035, 12, 31)}, "field 'target': '2035-12-31' is not in"),
    ],
)
def test_loader_refuses_data_that_breaks_the_method(
    tmp_path: Path, code: str, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(TrackerError) as caught:
        read_fixture(_write(tmp_path, _edited(code, **changes)))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_loader_refuses_an_unmarked_declaration_date(tmp_path: Path) -> None:
    raw = copy.deepcopy(RAW)
    del raw["declaration"]["inferred"]["date"]
    with pytest.raises(TrackerError, match=r"declaration: field 'date': '2026-01-31' is not in"):
        read_fixture(_write(tmp_path, raw))


def test_show_prints_basis_provenance_and_guidelines(cli) -> None:
    out = cli.ok("show", "MIN-01")
    assert "Basis:  'They have agreed that" in out
    assert "[inferred: analyst's assignment" in out
    assert "[inferred: rule: 'in 2026' gives 31 December 2026" in out
    assert "+1  The party's foreign and defence ministers meet the other's" in out
    data = json.loads(cli.ok("show", "MIN-01", "--format", "json"))
    assert data["basis"].startswith("'They have agreed")
    assert data["inferred"] == ["owners", "target"]
    assert set(data["provenance"]) == {"owners", "target"}
    assert set(data["guidelines"]) == {"-1", "0", "+1"}
    unscored = json.loads(cli.ok("show", "FUT-01", "--format", "json"))
    assert unscored["score"] is None and unscored["kind"] == "outlook"
    assert unscored["inferred"] == [] and unscored["guidelines"] is None
    assert "(not scored)" in cli.ok("show", "GEO-02")


def test_list_carries_the_inferred_marking(cli) -> None:
    rows = json.loads(cli.ok("list", "--all", "--format", "json"))
    by_code = {r["code"]: r for r in rows}
    assert by_code["MIN-01"]["inferred"] == ["owners", "target"]
    assert by_code["TEC-01"]["inferred"] == []
    header = cli.ok("list", "--format", "csv").splitlines()[0]
    assert header.endswith(",status,inferred,declaration,last_update,score,party_differs")


def test_progress_to_a_settled_status_echoes_the_criterion(cli) -> None:
    out = cli.ok("progress", "CYB-03", "-s", "partially_achieved", "-m", "channel agreed")
    assert "scores 0 if: Not +1, but a channel or arrangement between the party and" in out
    out = cli.ok("progress", "CYB-03", "-s", "achieved", "-m", "joint advisory")
    assert "scores +1 if: The party exchanges cyber-threat information with the other" in out
    out = cli.ok("progress", "CYB-04", "-s", "in_progress", "-m", "talks")
    assert "scores" not in out
    assert "scores" not in cli.ok("progress", "GEO-01", "-s", "achieved", "-m", "statement")


def test_every_item_pillar_and_milestone_has_its_japanese_translation() -> None:
    assert RAW["declaration"]["title_ja"]
    for milestone in RAW["milestones"].values():
        assert milestone["title_ja"]
    for pillar in RAW["pillars"]:
        assert pillar["title_ja"], pillar["slug"]
    for item in ITEMS:
        assert item["title_ja"] and item["description_ja"], item["code"]
        assert item["title_ja"] != item["title"], item["code"]


def test_a_japanese_title_needs_its_description(tmp_path: Path) -> None:
    with pytest.raises(TrackerError, match="item SEC-01: field 'description_ja': needed with"):
        read_fixture(_write(tmp_path, _edited("SEC-01", description_ja=None)))
