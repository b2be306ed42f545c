"""`tracker draft`: a fixture skeleton from a declaration's text (tracker.draft).

The draft's quotes are checked against the text byte for byte; its recall (the share of a
reviewed fixture's commitments and priorities it proposes with the right kind) is computed here
by its own greedy pairing, not by benchmarks/draft_recall.py's matching; a drafted small text
loads once a test has filled its TODOs and removed `draft: true`; `load` refuses a draft; and a
text that is no regular, bounded UTF-8 file is refused in one line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_helpers import one_line_error
from support import Cli

from tracker.draft import draft_fixture
from tracker.errors import TrackerError
from tracker.fixture_input import MAX_SOURCE_BYTES
from tracker.paths import bundled_fixture

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = bundled_fixture()
SECOND = ROOT / "fixtures/examples/gcap-trilateral-2026.yaml"
PAIRS = [
    pytest.param(BUNDLED, id="japan-uk-2026"),
    pytest.param(SECOND, id="gcap-trilateral-2026"),
    pytest.param(ROOT / "tests/data/draft/france-japan-2026.yaml", id="france-japan-2026"),
]


def _items(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for pillar in document["pillars"] for item in pillar["commitments"]]


def _drafted(cli: Cli, text: Path, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    out = tmp_path / "draft.yaml"
    cli.ok("draft", str(text), "-o", str(out))
    written = out.read_text(encoding="utf-8")
    return written, yaml.safe_load(written)


@pytest.mark.parametrize("fixture", PAIRS)
def test_every_quote_is_verbatim(sqlite_url: str, tmp_path: Path, fixture: Path) -> None:
    reviewed = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    text = (fixture.parent / reviewed["declaration"]["source_file"]).read_text(encoding="utf-8")
    _, drafted = _drafted(
        Cli(sqlite_url), fixture.parent / reviewed["declaration"]["source_file"], tmp_path
    )
    assert drafted["draft"] is True
    for item in _items(drafted):
        assert item["quote"] in text, item["code"]


def test_quotes_keep_typographic_quotes_and_double_spaces() -> None:
    text = "The Ministers agreed to meet in Rome  on “GCAP’s” review, and to report by May.\n"
    drafted = yaml.safe_load(draft_fixture(text, "t.txt", "t"))
    (item, *_rest) = _items(drafted)
    assert item["quote"] == text.strip().rstrip(".")
    assert "  on “GCAP’s”" in item["quote"]


@pytest.mark.parametrize("fixture", PAIRS)
def test_recall_of_commitments_and_priorities(
    sqlite_url: str, tmp_path: Path, fixture: Path
) -> None:
    """At least 80 % of the reviewed commitment and priority items are proposed with their
    kind: each reviewed item takes the first unused drafted item of its kind whose quote shares
    a passage with its own (one quote inside the other, or the same opening words)."""
    reviewed = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    source = fixture.parent / reviewed["declaration"]["source_file"]
    _, drafted = _drafted(Cli(sqlite_url), source, tmp_path)
    wanted = [i for i in _items(reviewed) if i["kind"] in ("commitment", "priority")]
    unused = _items(drafted)
    proposed = 0
    for item in wanted:
        for candidate in unused:
            a, b = item["quote"], candidate["quote"]
            if candidate["kind"] == item["kind"] and (a in b or b in a or a[:40] == b[:40]):
                unused.remove(candidate)
                proposed += 1
                break
    assert wanted
    assert proposed / len(wanted) >= 0.8, (proposed, len(wanted))


def test_the_method_s_test_on_a_small_text() -> None:
    text = (
        "Aland and Bland have decided to build a bridge by 2030.\n"
        "They recognised the importance of clean rivers.\n"
        "The two countries committed to planting trees, cleaning the banks and "
        "monitoring the water.\n"
        "Both governments already run a joint ferry.\n"
        "The bridge could boost trade.\n"
        "The weather was fine.\n"
    )
    drafted = yaml.safe_load(draft_fixture(text, "t.txt", "t"))
    kinds = [(item["kind"], item["title"]) for item in _items(drafted)]
    assert kinds == [
        ("commitment", "Build a bridge by 2030"),
        ("priority", "The importance of clean rivers"),
        ("commitment", "Planting trees"),
        ("commitment", "Cleaning the banks"),
        ("commitment", "Monitoring the water"),
        ("ongoing", "Run a joint ferry"),
        ("outlook", "Boost trade"),
    ]
    first = _items(drafted)[0]
    assert "'decided to'" in first["basis"]
    assert set(first["guidelines"]) == {"-1", "0", "+1"}
    assert first["guidelines"]["-1"].startswith("Otherwise")
    assert all("guidelines" not in item for item in _items(drafted)[1:2])


def test_a_filled_draft_loads_and_a_draft_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    """What an analyst does to a reviewed draft, done blindly on the file as written: the mark
    removed and every TODO replaced by words; the file loads as it is (quotes, provenance
    marks, guideline bands all in place)."""
    cli = Cli(sqlite_url)
    cli.ok("init")
    folder = tmp_path / "decl"
    folder.mkdir()
    text = folder / "canada-australia.txt"
    text.write_text(
        "Joint Statement of Canada and Australia\n\n"
        "Ottawa, 3rd March 2026\n\n"
        "Canada and Australia have agreed to hold joint patrols by 2027, and to exchange "
        "liaison officers.\n"
        "We stress the importance of Arctic security.\n"
        "The weather was cold.\n",
        encoding="utf-8",
    )
    draft = folder / "canada-australia.yaml"
    cli.ok("draft", str(text), "-o", str(draft))
    line = one_line_error(cli("load", str(draft)))
    assert "review it, then remove `draft: true`" in line
    written = draft.read_text(encoding="utf-8")
    document = yaml.safe_load(written)
    assert document["declaration"]["parties"] == ["Canada", "Australia"]
    assert document["declaration"]["date"].isoformat() == "2026-03-03"
    assert document["declaration"]["source_file"] == "canada-australia.txt"
    assert [(i["kind"], i["title"]) for i in _items(document)] == [
        ("commitment", "Hold joint patrols by 2027"),
        ("commitment", "Exchange liaison officers"),
        ("priority", "The importance of Arctic security"),
    ]
    assert written.count("\ndraft: true\n") == 1
    draft.write_text(
        written.replace("\ndraft: true\n", "\n").replace("TODO", "Reviewed"), encoding="utf-8"
    )
    out = cli.ok("load", str(draft))
    assert "3 added" in out
    code = _items(document)[0]["code"]
    shown = cli.ok("show", code)
    assert "Hold joint patrols by 2027" in shown
    assert "Reviewed" in shown  # the filled placeholders are what was loaded


@pytest.mark.parametrize(
    "kind", ["directory", "device", "fifo", "too-large", "not-utf8", "missing"]
)
def test_a_hostile_text_is_refused_in_one_line(sqlite_url: str, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "text.txt"
    if kind == "directory":
        target.mkdir()
    elif kind == "device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(target, 0o444 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's device, here
    elif kind == "fifo":
        os.mkfifo(target)  # would hang a reader that waited for a writer
    elif kind == "too-large":
        target.write_bytes(b"They will meet. " * (MAX_SOURCE_BYTES // 16 + 1))
    elif kind == "not-utf8":
        target.write_bytes(b"They agreed to meet in \xff\xfe Rome.\n")
    out = tmp_path / "draft.yaml"
    line = one_line_error(Cli(sqlite_url)("draft", str(target), "-o", str(out)))
    expected = {
        "directory": "not a regular file",
        "device": "not a regular file",
        "fifo": "not a regular file",
        "too-large": "larger than",
        "not-utf8": "not UTF-8",
        "missing": "No such file",
    }[kind]
    assert expected in line
    assert not out.exists()


def test_the_draft_never_replaces_its_own_text(sqlite_url: str, tmp_path: Path) -> None:
    text = tmp_path / "text.txt"
    text.write_text("They agreed to meet.\n", encoding="utf-8")
    line = one_line_error(Cli(sqlite_url)("draft", str(text), "-o", str(text)))
    assert "the text being drafted from" in line
    assert text.read_text(encoding="utf-8") == "They agreed to meet.\n"


def test_the_draft_goes_through_the_safe_writer(sqlite_url: str, tmp_path: Path) -> None:
    text = tmp_path / "text.txt"
    text.write_text("They agreed to meet.\n", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    line = one_line_error(Cli(sqlite_url)("draft", str(text), "-o", str(folder)))
    assert "a directory" in line


def test_a_long_line_is_cut_for_the_splitter_without_losing_a_character() -> None:
    """pysbd is given a long line in pieces (tracker.draft.PIECE): every sentence still comes
    out whole, where the text has it."""
    from tracker.draft import PIECE, sentences

    def town(n: int) -> str:
        return "".join(chr(ord("a") + int(d)) for d in str(n)).title()

    count = PIECE // 10
    line = " ".join(f"They agreed to meet in {town(n)} soon." for n in range(count))
    found = sentences(line + "\n")
    assert len(line) > 3 * PIECE
    assert [s.text for s in found] == [
        f"They agreed to meet in {town(n)} soon." for n in range(count)
    ]
    assert all(line[s.start : s.end] == s.text for s in found)


def test_a_slug_that_cannot_be_stored_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    text = tmp_path / "text.txt"
    text.write_text("They agreed to meet.\n", encoding="utf-8")
    out = tmp_path / "draft.yaml"
    line = one_line_error(
        Cli(sqlite_url)("draft", str(text), "--slug", "Not A Slug", "-o", str(out)), 2
    )
    assert "--slug 'Not A Slug'" in line
    assert not out.exists()
    Cli(sqlite_url).ok("draft", str(text), "--slug", "a-slug", "-o", str(out))
    assert "slug: a-slug\n" in out.read_text(encoding="utf-8")


def test_a_reviewed_file_may_keep_draft_false(tmp_path: Path) -> None:
    from tracker.loading import read_fixture

    fixture = tmp_path / "fixture.yaml"
    bundled = BUNDLED.read_text(encoding="utf-8")
    fixture.write_text(bundled.replace("schema: 1\n", "schema: 1\ndraft: false\n", 1), "utf-8")
    (tmp_path / "japan-uk-2026.txt").write_text(
        (BUNDLED.parent / "japan-uk-2026.txt").read_text(encoding="utf-8"), "utf-8"
    )
    assert read_fixture(fixture).spec.declaration.slug == "japan-uk-2026"
    fixture.write_text(bundled.replace("schema: 1\n", "schema: 1\ndraft: true\n", 1), "utf-8")
    with pytest.raises(TrackerError, match="review it, then remove `draft: true`"):
        read_fixture(fixture)
