"""The tamper-evident chain over each commitment's events.

Each event stores `hash = SHA-256(previous event's hash + canonical content)`. The canonical form
is fixed: a JSON array of (name, value) pairs in this order, dates in ISO 8601, recorded times as
UTC with microseconds, text in Unicode NFC with CRLF/CR turned into LF. Normalising only affects
the digest; what is stored is exactly what was given.

This proves that nothing was changed outside the tool since each hash was written: editing,
deleting, inserting or reordering an event breaks the chain from that point, and the head of
each chain (printed in reports and exports) pins a whole history. It does not stop someone who
can rewrite the database and recompute every hash; compare heads against a copy kept elsewhere.

Never change FORMAT 1: stored hashes depend on it. A new form would be a new version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FORMAT = 1
GENESIS = "0" * 64


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _utc(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class EvidenceContent:
    reference: str
    kind: str
    title: str | None
    published_on: dt.date | None


@dataclass(frozen=True)
class EventContent:
    code: str
    seq: int
    party: str | None
    from_status: str
    to_status: str
    note: str
    reason: str | None
    actor: str
    effective_on: dt.date
    recorded_at: dt.datetime
    corrects_seq: int | None
    evidence: Sequence[EvidenceContent]


def canonical(event: EventContent) -> bytes:
    fields: list[tuple[str, object]] = [
        ("format", FORMAT),
        ("code", _text(event.code)),
        ("seq", event.seq),
        ("party", _text(event.party)),
        ("from_status", event.from_status),
        ("to_status", event.to_status),
        ("note", _text(event.note)),
        ("reason", _text(event.reason)),
        ("actor", _text(event.actor)),
        ("effective_on", event.effective_on.isoformat()),
        ("recorded_at", _utc(event.recorded_at)),
        ("corrects_seq", event.corrects_seq),
        (
            "evidence",
            [
                [
                    _text(e.reference),
                    e.kind,
                    _text(e.title),
                    e.published_on.isoformat() if e.published_on else None,
                ]
                for e in event.evidence
            ],
        ),
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_hash(previous: str, event: EventContent) -> str:
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(canonical(event))
    return digest.hexdigest()


def heads_digest(heads: Iterable[tuple[str, str]]) -> str:
    """One digest over every commitment's chain head, as (code, head) pairs in code order."""
    digest = hashlib.sha256()
    for code, head in sorted(heads):
        digest.update(f"{code}:{head}\n".encode())
    return digest.hexdigest()
