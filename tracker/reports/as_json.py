"""The report as JSON: versioned (`"schema": 1`), keys in a fixed order, dates in ISO 8601.

The shape is documented in the README; add keys freely, but bump SCHEMA_VERSION to remove or
change one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tracker.reports.model import METHOD, SCHEMA_VERSION, EventLine, Figures, ItemLine, Report


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures(f: Figures) -> dict[str, Any]:
    return {
        "items": f.items,
        "counts": {status.value: n for status, n in f.counts.items()},
        "commitments": f.commitments,
        "achieved": f.achieved,
        "completion_rate": _rate(f.completion_rate),
        "completion_rate_partial": _rate(f.completion_rate_partial),
        "mean_score": _rate(f.mean_score),
    }


def event(e: EventLine) -> dict[str, Any]:
    return {
        "id": e.id,
        "code": e.code,
        "on": e.on.isoformat(),
        "party": e.party,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "reason": e.reason,
        "evidence": list(e.evidence),
        "actor": e.actor,
        "recorded_at": e.recorded_at.isoformat(),
        "corrects": e.corrects_id,
    }


def item(i: ItemLine) -> dict[str, Any]:
    return {
        "code": i.code,
        "title": i.title,
        "pillar": i.pillar,
        "kind": i.kind,
        "parties": list(i.parties),
        "owners": list(i.owners),
        "target": i.target_date.isoformat() if i.target_date else None,
        "target_label": i.target_label,
        "status": i.status,
        "score": i.score,
        "party_status": i.party_status,
        "overdue": i.overdue,
        "last_event": event(i.last_event) if i.last_event else None,
        "chain_head": i.chain_head,
    }


def to_data(report: Report, *, with_items: bool = True) -> dict[str, Any]:
    data = {
        "schema": SCHEMA_VERSION,
        "generated_on": report.generated_on.isoformat(),
        "as_of": report.as_of.isoformat(),
        "since": report.since.isoformat() if report.since else None,
        "filters": dict(report.filters),
        "declarations": [
            {
                "slug": d.slug,
                "title": d.title,
                "date": d.date.isoformat(),
                "place": d.place,
                "parties": list(d.parties),
                "source": d.source,
            }
            for d in report.declarations
        ],
        "milestones": [
            {"title": m.title, "date": m.date.isoformat(), "days_left": m.days_left}
            for m in report.milestones
        ],
        "method": dict(METHOD),
        "summary": figures(report.overall),
        "pillars": [
            {"slug": p.slug, "title": p.title, **figures(p.figures)} for p in report.pillars
        ],
        "parties": [{"party": p.party, **figures(p.figures)} for p in report.parties],
        "overdue": [i.code for i in report.overdue],
        "due_soon": [i.code for i in report.due_soon],
        "stalled": [i.code for i in report.stalled],
        "changes": [event(e) for e in report.changes],
        **(
            {
                "history": [
                    {"on": h.on.isoformat(), "counts": {s.value: n for s, n in h.counts.items()}}
                    for h in report.history
                ]
            }
            if report.with_history
            else {}
        ),
        "heads_digest": report.heads_digest,
    }
    if with_items:
        data["commitments"] = [item(i) for i in report.items]
    return data


def chunks(report: Report) -> Iterator[str]:
    """Compact JSON, one top-level key per line, streamed.

    Written by the C encoder (an indented dump goes through the pure-Python one, twenty times
    slower) a block of commitments at a time, so it is never held whole in memory. Statuses are
    StrEnum members, which JSON writes as their string values.
    """
    head = to_data(report, with_items=False)
    yield "{\n"
    for key, value in head.items():
        yield f"{_dumps(key)}: {_dumps(value)},\n"
    yield '"commitments": ['
    items = report.items
    for start in range(0, len(items), BLOCK):
        block = _dumps([item(i) for i in items[start : start + BLOCK]])
        yield ("," if start else "") + "\n" + block[1:-1]
    yield "\n]\n}\n" if items else "]\n}\n"


BLOCK = 2000


def render(report: Report) -> str:
    return "".join(chunks(report))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
