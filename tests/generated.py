"""A large generated declaration, for the tests that need thousands of items (crash safety,
garbage collection): each item quotes its own clause of a generated source text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

SLUG = "crash-test-2026"
PREFIX = "CRX"
PILLARS = 4
SOURCE_CLAUSES = 3000  # the source text has a clause for each of this many items
GUIDELINES = {"-1": "Nothing done.", "0": "Under way.", "+1": "Done."}


def _sentence(i: int) -> str:
    return (
        f"Clause {i} (第{i}条, البند {i}): both sides will pursue undertaking number {i} "
        f"with full vigour and report on it by {2027 + i % 5}."
    )


def write_fixture(directory: Path, items: int, version: int) -> Path:
    """A declaration of `items` items (at most SOURCE_CLAUSES) over PILLARS pillars, with its
    source text beside it.

    Every quote is a substring of the source text; version 2 rewords the titles and
    descriptions of the items version 1 has, and quotes a different part of every third one.
    """
    assert items <= SOURCE_CLAUSES
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{SLUG}.txt").write_text(
        "\n".join(_sentence(i) for i in range(SOURCE_CLAUSES)) + "\n", encoding="utf-8"
    )
    per_pillar = -(-items // PILLARS)
    pillars = []
    for p in range(PILLARS):
        commitments = []
        for i in range(p * per_pillar, min(items, (p + 1) * per_pillar)):
            quote = f"pursue undertaking number {i} with full vigour"
            if version == 2 and i % 3 == 0:
                quote = f"Clause {i} (第{i}条, البند {i})"
            commitments.append(
                {
                    "code": f"{PREFIX}-{i + 1:05d}",
                    "title": f"Undertaking {i} (v{version})",
                    "description": f"Undertaking {i} is delivered (wording v{version}).",
                    "quote": quote,
                    "kind": ("commitment", "ongoing", "outlook")[i % 3],
                    "parties": ["Aland", "Bland"],
                    "owners": ["Works", "Treasury"][: 1 + i % 2],
                    "target": dt.date(2027 + i % 5, 12, 31) if i % 2 else None,
                    "basis": f"undertaking {i}: generated",
                    "inferred": {"parties": "generated", "owners": "generated"}
                    | ({"target": "generated"} if i % 2 else {}),
                }
                | ({"guidelines": GUIDELINES} if i % 3 == 0 else {})
            )
        pillars.append(
            {"slug": f"pillar-{p + 1}", "title": f"Pillar {p + 1}", "commitments": commitments}
        )
    spec = {
        "schema": 1,
        "declaration": {
            "slug": SLUG,
            "title": "A large generated declaration",
            "date": dt.date(2026, 2, 1),
            "place": "Testville",
            "parties": ["Aland", "Bland"],
            "source": "generated for the crash-safety tests",
            "inferred": {"date": "generated", "place": "generated", "parties": "generated"},
            "source_file": f"{SLUG}.txt",
        },
        "pillars": pillars,
    }
    path = directory / f"{SLUG}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
