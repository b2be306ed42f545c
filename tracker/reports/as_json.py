"""The report as JSON: versioned (`"schema": 2`), keys in a fixed order, dates in ISO 8601.

The shape is documented in the README and in report.schema.json; add keys freely, but bump
SCHEMA_VERSION to remove or change one. Schema 2: `score` is null for an item that is not scored
(it was -1), figures count items by `kinds`, the summary carries the all-parties average, items
carry `basis` and `inferred`, and `outlook` lists the items that are the source's commentary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any

from tracker.i18n import DEFAULT, Language
from tracker.reports.model import METHOD, SCHEMA_VERSION, EventLine, Figures, ItemLine, Report
from tracker.statuses import Kind, Status


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures(f: Figures) -> dict[str, Any]:
    return {
        "items": f.items,
        "counts": {status.value: n for status, n in f.counts.items()},
        "kinds": {kind.value: n for kind, n in f.kinds.items()},
        "commitments": f.commitments,
        "achieved": f.achieved,
        "completion_rate": _rate(f.completion_rate),
        "completion_rate_partial": _rate(f.completion_rate_partial),
        "mean_score": _rate(f.mean_score),
    }


_str = encode_basestring  # the C encoder of one string, as json.dumps(ensure_ascii=False)

# Statuses and kinds, already encoded: a large report writes one or more per line.
_ENUM = {member: _str(member.value) for member in (*Status, *Kind)}

# Lists of names (parties, owners) and party statuses, encoded once per distinct value: most
# items share a few. (Evidence lists are mostly distinct, and are not kept.) At most _KEPT of
# each are kept, so data where every item has its own list costs no memory per item.
_KEPT = 1024
_NAMES: dict[tuple[str, ...], str] = {}
_PARTY_STATUS: dict[tuple[tuple[str, Status], ...], str] = {}


def _opt(value: str | None) -> str:
    return "null" if value is None else _str(value)


def _list(texts: list[str]) -> str:
    return "[" + ", ".join(map(_str, texts)) + "]"


def _names(names: list[str]) -> str:
    key = tuple(names)
    text = _NAMES.get(key)
    if text is None:
        text = _list(names)
        if len(_NAMES) < _KEPT:
            _NAMES[key] = text
    return text


def _party_status(statuses: dict[str, Status]) -> str:
    key = tuple(statuses.items())
    text = _PARTY_STATUS.get(key)
    if text is None:
        text = "{" + ", ".join(f"{_str(p)}: {_ENUM[s]}" for p, s in key) + "}"
        if len(_PARTY_STATUS) < _KEPT:
            _PARTY_STATUS[key] = text
    return text


def event(e: EventLine) -> str:
    """One event as JSON text, keys in schema order.

    Written field by field with the C string encoder rather than through a dict and
    json.dumps: a report as of a busy month writes hundreds of thousands of these.
    """
    return (
        f'{{"id": {e.id}, "code": {_str(e.code)}, "on": "{e.on.isoformat()}", '
        f'"party": {_opt(e.party)}, '
        f'"from_status": {_ENUM[e.from_status]}, "to_status": {_ENUM[e.to_status]}, '
        f'"note": {_str(e.note)}, "reason": {_opt(e.reason)}, '
        f'"evidence": {_list(e.evidence)}, '
        f'"actor": {_str(e.actor)}, "recorded_at": "{e.recorded_at.isoformat()}", '
        f'"corrects": {"null" if e.corrects_id is None else e.corrects_id}}}'
    )


def item(i: ItemLine, content_hash: str | None = None) -> str:
    """One commitment as JSON text, keys in schema order (see event). `content_hash` saves
    hashing the item again when the caller already has it."""
    return (
        f'{{"code": {_str(i.code)}, "title": {_str(i.title)}, "pillar": {_str(i.pillar)}, '
        f'"kind": {_ENUM[i.kind]}, "parties": {_names(i.parties)}, '
        f'"owners": {_names(i.owners)}, '
        f'"target": {_opt(None if i.target_date is None else i.target_date.isoformat())}, '
        f'"target_label": {_opt(i.target_label)}, '
        f'"status": {_ENUM[i.status]}, "score": {"null" if i.score is None else i.score}, '
        f'"party_status": {_party_status(i.party_status)}, '
        f'"overdue": {"true" if i.overdue else "false"}, '
        f'"last_event": {"null" if i.last_event is None else event(i.last_event)}, '
        f'"chain_head": {_str(i.chain_head)}, "chain_length": {i.chain_length}, '
        f'"content_hash": "{i.content_hash if content_hash is None else content_hash}", '
        f'"basis": {_str(i.basis)}, "inferred": {_names(sorted(i.inferred))}}}'
    )


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
            {"title": m.title, "date": m.date.isoformat(), "days_left": m.days_left}
            for m in report.milestones
        ],
        "method": {key: lang._(text) for key, text in METHOD.items()},
        "summary": {
            **figures(report.overall),
            "party_mean_score": _rate(report.party_mean_score),
            "party_scores": report.party_scores,
        },
        "pillars": [
            {"slug": p.slug, "title": p.title, **figures(p.figures)} for p in report.pillars
        ],
        "parties": [{"party": p.party, **figures(p.figures)} for p in report.parties],
        "overdue": [i.code for i in report.overdue],
        "due_soon": [i.code for i in report.due_soon],
        "stalled": [i.code for i in report.stalled],
        "outlook": [i.code for i in report.outlook],
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
    }
    return data


def chunks(
    report: Report, lang: Language | None = None, changes: Iterable[EventLine] | None = None
) -> Iterator[str]:
    """The report as JSON text, streamed: never held whole in memory. `changes`, when given,
    are written in place of the report's own (tracker.reports.build.change_lines streams them).

    The short keys come first in schema order, then `changes` and `commitments` one object
    per line, a block of lines at a time. `changes` goes where the schema puts it (before
    history and heads_digest), so the head is split around it.
    """
    anchors = report.anchor_items()  # each item's content hashed once, for both uses
    head = to_data(report, report.anchor_digest(anchors), lang)
    tail_keys = [k for k in ("history", "heads_digest", "anchor_digest") if k in head]
    yield "{\n"
    for key, value in head.items():
        if key not in tail_keys:
            yield f"{_dumps(key)}: {_dumps(value)},\n"
    yield '"changes": ['
    yield from _lines(map(event, report.changes if changes is None else changes))
    yield "],\n"
    for key in tail_keys:
        yield f"{_dumps(key)}: {_dumps(head[key])},\n"
    yield '"commitments": ['
    yield from _lines(map(item, report.items, (a.content_hash for a in anchors)))
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
