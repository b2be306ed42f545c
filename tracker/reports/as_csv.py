"""The report as CSV: one row per commitment, for spreadsheets and scripts.

Columns, in this order: code, title, pillar, kind, parties, owners, target, status, score,
overdue, one status_<party> column per party of the report, last_update_on, last_note,
last_evidence. UTF-8 (no byte-order mark), a header row, `\\n` line ends as `tracker list
--format csv` writes; lists are `; `-joined, dates ISO 8601, booleans `true`/`false`, and a cell
is empty where there is nothing (no target, no event, a party the item does not involve).

Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) is prefixed with a single quote, the OWASP advice against CSV injection. Only text is
neutralised: the score stays the number -1, 0 or 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from tracker.reports.model import ItemLine, Report

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
]
FIXED_AFTER = ["last_update_on", "last_note", "last_evidence"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading single quote."""
    return "'" + text if text.startswith(FORMULA_START) else text


def header(report: Report) -> list[str]:
    return [*FIXED_BEFORE, *(f"status_{p.party}" for p in report.parties), *FIXED_AFTER]


def row(item: ItemLine, parties: list[str]) -> list[Cell]:
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
        "; ".join(last.evidence) if last else "",
    ]
    return [
        *(neutralise(c) for c in text_cells),
        "" if item.score is None else item.score,
        "true" if item.overdue else "false",
        *(neutralise(c) for c in party_cells),
        *(neutralise(c) for c in last_cells),
    ]


def render(report: Report) -> str:
    return "".join(chunks(report))


BLOCK = 2000


def chunks(report: Report) -> Iterator[str]:
    """The CSV text a block of rows at a time: a large report is never held whole as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(report))
    parties = [p.party for p in report.parties]
    for start in range(0, len(report.items), BLOCK):
        writer.writerows(row(i, parties) for i in report.items[start : start + BLOCK])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
