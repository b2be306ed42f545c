"""How much of a reviewed fixture `tracker draft` proposes: the share of its commitment and
priority items that a drafted item of the same kind covers, one drafted item per reviewed one.

A drafted item covers a reviewed one when their quotes overlap in the source text (by at least
half of the shorter quote); items are paired one to one (a maximum matching), so a sentence
the draft did not split into its actions counts once, not once per action.

    python benchmarks/draft_recall.py                  # the bundled text and two others
    python benchmarks/draft_recall.py TEXT FIXTURE ...  # other pairs
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    (ROOT / "fixtures/japan-uk-2026.txt", ROOT / "fixtures/japan-uk-2026.yaml"),
    (
        ROOT / "fixtures/examples/gcap-trilateral-2026.txt",
        ROOT / "fixtures/examples/gcap-trilateral-2026.yaml",
    ),
    # Written for the draft's tests before the draft was run on it (README).
    (
        ROOT / "tests/data/draft/france-japan-2026.txt",
        ROOT / "tests/data/draft/france-japan-2026.yaml",
    ),
]
MEASURED = ("commitment", "priority")


@dataclass(frozen=True)
class Recall:
    proposed: int
    reviewed: int
    missed: list[str]

    @property
    def share(self) -> float:
        return self.proposed / self.reviewed if self.reviewed else 1.0


def _items(document: Any) -> list[dict[str, Any]]:
    return [item for pillar in document["pillars"] for item in pillar["commitments"]]


def _span(text: str, quote: str) -> range:
    at = text.find(quote)
    if at < 0:
        raise ValueError(f"quote not in the text: {quote[:60]!r}")
    return range(at, at + len(quote))


def _covers(a: range, b: range) -> bool:
    shared = min(a.stop, b.stop) - max(a.start, b.start)
    return shared >= min(len(a), len(b)) / 2


def recall(text: str, drafted: Any, reviewed: Any) -> Recall:
    """The share of `reviewed`'s measured items that `drafted` proposes with the right kind."""
    wanted = [i for i in _items(reviewed) if i["kind"] in MEASURED]
    offered = _items(drafted)
    edges = [
        [
            j
            for j, d in enumerate(offered)
            if d["kind"] == r["kind"] and _covers(_span(text, r["quote"]), _span(text, d["quote"]))
        ]
        for r in wanted
    ]
    owner: dict[int, int] = {}  # drafted item -> reviewed item

    def augment(r: int, seen: set[int]) -> bool:
        for j in edges[r]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = r
                    return True
        return False

    matched = {r for r in range(len(wanted)) if augment(r, set())}
    missed = [wanted[r]["code"] for r in range(len(wanted)) if r not in matched]
    return Recall(len(matched), len(wanted), missed)


def measure(text_path: Path, fixture_path: Path) -> Recall:
    from tracker.draft import draft_fixture

    text = text_path.read_text(encoding="utf-8")
    drafted = yaml.safe_load(draft_fixture(text, text_path.name, "measured"))
    reviewed = yaml.safe_load(fixture_path.read_text(encoding="utf-8"))
    return recall(text, drafted, reviewed)


def main(argv: list[str]) -> int:
    pairs = [(Path(a), Path(b)) for a, b in zip(argv[::2], argv[1::2], strict=True)] or PAIRS
    for text_path, fixture_path in pairs:
        result = measure(text_path, fixture_path)
        missed = f" (missed: {', '.join(result.missed)})" if result.missed else ""
        print(
            f"{text_path.name}: {result.proposed} of {result.reviewed} commitment and priority "
            f"items proposed with the right kind ({result.share:.0%}){missed}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
