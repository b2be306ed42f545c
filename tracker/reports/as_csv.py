"""The report as CSV: one row per commitment, for spreadsheets and scripts.

Columns, in this order: code, title, pillar, kind, parties, owners, target, status, score,
overdue, inferred, basis, one status_<party> column per party of the report (a third party such
as Italy once it has an assessment), last_update_on, last_note, last_evidence (the references),
last_evidence_titles (each source by its title, else a local file's name, else the reference),
declaration (the slug of the item's declaration).
`score` is `not scored` for an item whose kind is not scored, `not yet assessed` for a commitment
nobody has assessed before the cut-off; `inferred` names the fields (owners, target, parties)
whose values the source text does not give. Rows: the parties' pledges, then the
source's outlook items. UTF-8 (no byte-order mark), a header row, `\\n` line ends as `tracker list
--format csv` writes; lists are `; `-joined, dates ISO 8601, booleans `true`/`false`, and a cell
is empty where there is nothing (no target, no event, a party the item does not involve).

For Excel (`excel=True`): the same, with a byte-order mark first and
CRLF line ends (what Excel on Windows reads as UTF-8 without asking), and `score` holding the
number alone, empty where there is none, with `score_label` beside it giving why (`not scored`,
`not yet assessed`; empty where there is a number). Scripts keep the plain columns above.

Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) is prefixed with a single quote, the OWASP advice against CSV injection. Only text is
neutralised: the score stays the number -1, 0 or 1.
"""

from __future__ import annotations

from collections.abc import Iterator

from tracker.reports.model import ItemLine, Report
from tracker.scrub import csv_blocks, csv_cell, csv_row
from tracker.statuses import unscored_label

FIXED_BEFORE = [
    "code",
    "title",
    "pillar",
    "kind",
    "parties",
    "owners",
    "target",
    "status",
    "score",
    "overdue",
    "inferred",
    "basis",
]
FIXED_AFTER = [
    "last_update_on",
    "last_note",
    "last_evidence",
    "last_evidence_titles",
    "declaration",
]
Cell = str | int

# Formula guard and control characters: the one helper every CSV of ours uses.
neutralise = csv_cell

# The Excel variant (`excel=True`) puts this column after `score`, which then holds numbers
# only: a spreadsheet can average a column of numbers, not one that mixes in "not scored".
SCORE_LABEL = "score_label"


def header(report: Report, *, excel: bool = False) -> list[str]:
    before = FIXED_BEFORE
    if excel:
        at = FIXED_BEFORE.index("score") + 1
        before = [*FIXED_BEFORE[:at], SCORE_LABEL, *FIXED_BEFORE[at:]]
    return [*before, *(f"status_{p.party}" for p in report.parties), *FIXED_AFTER]


def row(item: ItemLine, parties: list[str], *, excel: bool = False) -> list[Cell]:
    last = item.last_event
    text_cells: list[str] = [
        item.code,
        item.title,
        item.pillar,
        item.kind.value,
        "; ".join(item.parties),
        "; ".join(item.owners),
        item.target_date.isoformat() if item.target_date else "",
        item.status.value,
    ]
    party_cells = [s.value if (s := item.party_status.get(p)) else "" for p in parties]
    last_cells = [
        last.on.isoformat() if last else "",
        last.note if last else "",
        "; ".join(src.reference for src in last.evidence) if last else "",
        "; ".join(src.name for src in last.evidence) if last else "",
        item.declaration,
    ]
    safe = csv_row([*text_cells, item.basis, *party_cells, *last_cells])
    first = len(text_cells)
    score: list[Cell]
    if item.score is not None:
        score = [item.score, ""] if excel else [item.score]
    else:
        # Excel: no number, and why there is none beside it.
        label = unscored_label(item.kind)
        score = ["", label] if excel else [label]
    return [
        *safe[:first],
        *score,
        "true" if item.overdue else "false",
        "; ".join(sorted(item.inferred)),
        *safe[first:],
    ]


def render(report: Report, *, excel: bool = False) -> str:
    return "".join(chunks(report, excel=excel))


def chunks(report: Report, *, excel: bool = False) -> Iterator[str]:
    """The CSV text a block of rows at a time: a large report is never held whole as text.
    `excel`: a byte-order mark, CRLF line ends and a `score` of numbers only, its text label
    in `score_label` beside it (see the module's docstring)."""
    if not report.complete:
        raise ValueError("a CSV report lists every item: build it without `rows`")
    parties = [p.party for p in report.parties]
    return csv_blocks(
        header(report, excel=excel),
        (row(i, parties, excel=excel) for i in report.items),
        excel=excel,
    )
