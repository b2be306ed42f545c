"""The report as JSON: versioned (`"schema": 3`), keys in a fixed order, dates in ISO 8601.

The shape is documented in the README and in report.schema.json; add keys freely, but bump
SCHEMA_VERSION to remove or change one. Schema 2: `score` is null for an item that is not scored
(it was -1), figures count items by `kinds`, the summary carries the all-parties average, items
carry `basis` and `inferred`, and `outlook` lists the items that are the source's commentary.
Schema 3: `score` is also null for a commitment nobody has assessed yet (it was -1 before the
cut-off), items carry `assessed`, every figures object `assessed` (the commitments its rates and
mean are over), and the summary `cutoff` and `final`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

from tracker.chain import ANCHOR_FORMAT
from tracker.i18n import DEFAULT, Language
from tracker.reports.model import METHOD, SCHEMA_VERSION, EventLine, Figures, ItemLine, Report


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures(f: Figures) -> dict[str, Any]:
    return {
        "items": f.items,
        "counts": {status.value: n for status, n in f.counts.items()},
        "kinds": {kind.value: n for kind, n in f.kinds.items()},
        "commitments": f.commitments,
        "assessed": f.assessed,
        "achieved": f.achieved,
        "completion_rate": _rate(f.completion_rate),
        "completion_rate_partial": _rate(f.completion_rate_partial),
        "mean_score": _rate(f.mean_score),
    }


def event_data(e: EventLine) -> dict[str, Any]:
    """One event's keys, in schema order (orjson writes dates, times and statuses as ISO text
    and plain strings). Most events cite nothing: they share one empty tuple for both lists
    (a busy year's report writes a million events)."""
    refs: Any = ()
    details: Any = ()
    if e.evidence:
        refs = [src.reference for src in e.evidence]
        details = [
            {"reference": src.reference, "title": src.title, "published_on": src.published_on}
            for src in e.evidence
        ]
    return {
        "id": e.id,
        "code": e.code,
        "on": e.on,
        "party": e.party,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "reason": e.reason,
        "evidence": refs,
        "evidence_details": details,
        "actor": e.actor,
        "recorded_at": e.recorded_at,
        "corrects": e.corrects_id,
    }


def event(e: EventLine) -> str:
    """One event as one line of JSON. orjson, not json.dumps or hand-built text: a report as
    of a busy month writes hundreds of thousands of these, and the full report 100,000 items."""
    return orjson.dumps(event_data(e)).decode()


def item(i: ItemLine) -> str:
    """One commitment as one line of JSON, keys in schema order (see event)."""
    last = i.last_event
    return orjson.dumps(
        {
            "code": i.code,
            "title": i.title,
            "pillar": i.pillar,
            "kind": i.kind,
            "parties": i.parties,
            "owners": i.owners,
            "target": i.target_date,
            "target_label": i.target_label,
            "status": i.status,
            "score": i.score,
            "assessed": i.assessed,
            "party_status": i.party_status,
            "overdue": i.overdue,
            "last_event": None if last is None else event_data(last),
            "chain_head": i.chain_head,
            "chain_length": i.chain_length,
            "content_hash": i.content_hash,
            "basis": i.basis,
            "inferred": sorted(i.inferred),
            "declaration": i.declaration,
            "continues": [
                {
                    "code": c.code,
                    "declaration": c.declaration,
                    "link": c.link,
                    "status": c.status,
                    "since": c.since,
                }
                for c in i.continues
            ],
        }
    ).decode()


def to_data(
    report: Report, anchor: str | None = None, lang: Language | None = None
) -> dict[str, Any]:
    """Every key but the two long lists, changes and commitments (see chunks). `anchor` saves
    computing the anchor digest again when the caller already has it. `lang` translates the
    human text (the method); keys, codes, names and figures are the same in every language."""
    lang = lang or Language(DEFAULT)
    if anchor is None:
        anchor = report.anchor_digest()
    data = {
        "schema": SCHEMA_VERSION,
        "lang": lang.code,
        "generated_on": report.generated_on.isoformat(),
        "as_of": report.as_of.isoformat(),
        "since": report.since.isoformat() if report.since else None,
        "filters": dict(report.filters),
        **(
            {
                "presentation": {
                    "title": report.title,
                    "prepared_by": report.prepared_by,
                    "marking": report.marking,
                }
            }
            if report.title or report.prepared_by or report.marking
            else {}
        ),
        "declarations": [
            {
                "slug": d.slug,
                "title": d.title,
                "date": d.date.isoformat(),
                "place": d.place,
                "parties": list(d.parties),
                "source": d.source,
                "content_hash": d.content_hash,
            }
            for d in report.declarations
        ],
        "milestones": [
            {
                "slug": m.slug,
                "title": m.title,
                "date": m.date.isoformat(),
                "days_left": m.days_left,
                "announced_on": m.announced_on.isoformat() if m.announced_on else None,
                "deadline": m.deadline,
            }
            for m in report.milestones
        ],
        "method": {key: lang._(text) for key, text in METHOD.items()},
        "summary": {
            **figures(report.overall),
            "party_mean_score": _rate(report.party_mean_score),
            "party_scores": report.party_scores,
            "cutoff": report.cutoff.isoformat() if report.cutoff else None,
            "final": report.final,
            # Whether the declarations' compliance periods match: only then are the figures
            # above one period's; by_declaration gives each declaration's own.
            "periods_match": report.periods_match,
            "by_declaration": {
                d.slug: {
                    **figures(d.overall),
                    "party_mean_score": _rate(d.party_mean_score),
                    "party_scores": d.party_scores,
                    "cutoff": d.cutoff.isoformat() if d.cutoff else None,
                    "final": d.final,
                    "since": d.since.isoformat() if d.since else None,
                    "parties": [{"party": p.party, **figures(p.figures)} for p in d.parties],
                }
                for d in report.by_declaration
            },
        },
        "pillars": [
            {"slug": p.slug, "title": p.title, **figures(p.figures)} for p in report.pillars
        ],
        "parties": [{"party": p.party, **figures(p.figures)} for p in report.parties],
        "overdue": [i.code for i in report.overdue.rows],
        "due_soon": [i.code for i in report.due_soon.rows],
        "stalled": [i.code for i in report.stalled.rows],
        "outlook": [i.code for i in report.outlook.rows],
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
        "anchor_digest": anchor,
        # The form of the content hashes and the anchor digest (tracker.chain): verify --against
        # recomputes the database's side in it.
        "anchor_format": ANCHOR_FORMAT,
    }
    return data


def chunks(report: Report, lang: Language | None = None) -> Iterator[str]:
    """The report as JSON text, streamed: never held whole in memory (a report's changes may be
    a Stream, read as they are written: see tracker.reports.build.ReportSpec). The report
    must be complete: JSON lists every item.

    The short keys come first in schema order, then `changes` and `commitments` one object
    per line, a block of lines at a time. `changes` goes where the schema puts it (before
    history and heads_digest), so the head is split around it.
    """
    if not report.complete:
        raise ValueError("a JSON report lists every item: build it without `rows`")
    head = to_data(report, lang=lang)
    tail_keys = [
        k for k in ("history", "heads_digest", "anchor_digest", "anchor_format") if k in head
    ]
    yield "{\n"
    for key, value in head.items():
        if key not in tail_keys:
            yield f"{_dumps(key)}: {_dumps(value)},\n"
    yield '"changes": ['
    yield from _lines(map(event, report.changes.rows))
    yield "],\n"
    for key in tail_keys:
        yield f"{_dumps(key)}: {_dumps(head[key])},\n"
    yield '"commitments": ['
    yield from _lines(map(item, report.items))
    yield "]\n}\n"


BLOCK = 2000


def _lines(objects: Iterator[str]) -> Iterator[str]:
    """Objects one per line, comma-separated, yielded in blocks."""
    block: list[str] = []
    first = True
    for text in objects:
        block.append(text)
        if len(block) == BLOCK:
            yield ("\n" if first else ",\n") + ",\n".join(block)
            block, first = [], False
    if block:
        yield ("\n" if first else ",\n") + ",\n".join(block)
    if not first or block:
        yield "\n"


def render(report: Report) -> str:
    return "".join(chunks(report))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
