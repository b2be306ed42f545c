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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from json.encoder import encode_basestring
from typing import NamedTuple, Protocol

FORMAT = 1
GENESIS = "0" * 64


def _norm(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _text(value: str | None) -> str | None:
    return None if value is None else _norm(value)


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
    # An attached document (tracker.attachments): covered only when there is one, so every hash
    # of evidence without one is what it was before attachments existed.
    attachment_name: str | None = None
    attachment_size: int | None = None
    attachment_type: str | None = None
    attachment_sha256: str | None = None


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


class HashedEvidence(Protocol):
    """What an event's hash covers of one evidence record, whatever holds it (an Evidence, a row
    of evidence, an EvidenceContent)."""

    @property
    def reference(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def published_on(self) -> dt.date | None: ...


class HashedEvent(Protocol):
    """What an event's hash covers of the event itself, whatever holds it (a StatusEvent being
    written, a row of status_events being verified, a row of a bulk insert)."""

    @property
    def seq(self) -> int: ...
    @property
    def party(self) -> str | None: ...
    @property
    def from_status(self) -> str: ...
    @property
    def to_status(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def actor(self) -> str: ...
    @property
    def effective_on(self) -> dt.date: ...
    @property
    def recorded_at(self) -> dt.datetime: ...


def event_content(
    event: HashedEvent,
    code: str,
    corrects_seq: int | None,
    evidence: Iterable[HashedEvidence],
) -> EventContent:
    """The hash input of an event: the one place that says which of its fields the chain covers,
    for the writers (progress, bulk) and the checker (verify) alike. The commitment's code and
    the corrected event's seq stand for the ids, which differ between databases."""
    return EventContent(
        code=code,
        seq=event.seq,
        party=event.party,
        from_status=event.from_status,
        to_status=event.to_status,
        note=event.note,
        reason=event.reason,
        actor=event.actor,
        effective_on=event.effective_on,
        recorded_at=event.recorded_at,
        corrects_seq=corrects_seq,
        evidence=[
            EvidenceContent(
                e.reference,
                e.kind,
                e.title,
                e.published_on,
                # Rows read before 0018 and bulk-written evidence have no attachment fields.
                getattr(e, "attachment_name", None),
                getattr(e, "attachment_size", None),
                getattr(e, "attachment_type", None),
                getattr(e, "attachment_sha256", None),
            )
            for e in evidence
        ],
    )


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
        ("evidence", _sources(event.evidence)),
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _sources(evidence: Iterable[EvidenceContent]) -> list[list[object]]:
    """Evidence in the canonical form: reference, kind, title, date, then, only for evidence
    with an attached document, its name, size, media type and SHA-256."""
    sources: list[list[object]] = []
    for e in evidence:
        source: list[object] = [
            _text(e.reference),
            e.kind,
            _text(e.title),
            e.published_on.isoformat() if e.published_on else None,
        ]
        if e.attachment_sha256 is not None:
            source += [
                _text(e.attachment_name),
                e.attachment_size,
                e.attachment_type,
                e.attachment_sha256,
            ]
        sources.append(source)
    return sources


def _linked(previous: str, content: bytes) -> str:
    """A link of a chain: the digest of the previous link's hash and this content."""
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(content)
    return digest.hexdigest()


def event_hash(previous: str, event: EventContent) -> str:
    return _linked(previous, canonical(event))


@dataclass(frozen=True)
class AnnouncementContent:
    """What a milestone announcement's hash covers (tracker.milestones): names, not ids."""

    declaration: str
    milestone: str
    seq: int
    date: dt.date
    announced_on: dt.date
    note: str
    actor: str
    recorded_at: dt.datetime
    evidence: Sequence[EvidenceContent]


def announcement_hash(previous: str, a: AnnouncementContent) -> str:
    """An announcement's link in its milestone's chain, in the canonical form of events."""
    fields: list[tuple[str, object]] = [
        ("format", FORMAT),
        ("announcement", [_text(a.declaration), _text(a.milestone)]),
        ("seq", a.seq),
        ("date", a.date.isoformat()),
        ("announced_on", a.announced_on.isoformat()),
        ("note", _text(a.note)),
        ("actor", _text(a.actor)),
        ("recorded_at", _utc(a.recorded_at)),
        ("evidence", _sources(a.evidence)),
    ]
    return _linked(
        previous, json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )


@dataclass(frozen=True)
class RevisionContent:
    """What a text revision's hash covers (tracker.revisions): names, not ids."""

    declaration: str
    seq: int
    source: str
    actor: str
    recorded_at: dt.datetime
    changes: Mapping[str, Sequence[str]]
    declaration_hash: str
    items: Mapping[str, str]


def revision_hash(previous: str, r: RevisionContent) -> str:
    """A text revision's link in its declaration's chain, in the canonical form of events
    (mappings as sorted pairs)."""
    fields: list[tuple[str, object]] = [
        ("format", FORMAT),
        ("revision", _text(r.declaration)),
        ("seq", r.seq),
        ("source", _text(r.source)),
        ("actor", _text(r.actor)),
        ("recorded_at", _utc(r.recorded_at)),
        ("changes", sorted([_norm(k), [_norm(n) for n in v]] for k, v in r.changes.items())),
        ("declaration_hash", r.declaration_hash),
        ("items", sorted([_norm(k), v] for k, v in r.items.items())),
    ]
    return _linked(
        previous, json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )


@dataclass(frozen=True)
class LinkContent:
    """What a follow-up link's hash covers (tracker.links): codes, not ids."""

    seq: int
    code: str
    target: str
    kind: str
    reason: str
    source: str
    actor: str
    recorded_at: dt.datetime


def link_hash(previous: str, link: LinkContent) -> str:
    """A link's place in the one chain of follow-up links, in the canonical form of events."""
    fields: list[tuple[str, object]] = [
        ("format", FORMAT),
        ("link", [_norm(link.code), _norm(link.target)]),
        ("seq", link.seq),
        ("kind", _norm(link.kind)),
        ("reason", _norm(link.reason)),
        ("source", _norm(link.source)),
        ("actor", _norm(link.actor)),
        ("recorded_at", _utc(link.recorded_at)),
    ]
    return _linked(
        previous, json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )


def heads_digest(heads: Iterable[tuple[str, str]]) -> str:
    """One digest over every commitment's chain head, as (code, head) pairs in code order."""
    digest = hashlib.sha256()
    lines = (f"{code}:{head}\n" for code, head in sorted(heads))
    while block := "".join(islice(lines, 4096)):
        digest.update(block.encode())
    return digest.hexdigest()


# What a saved report or export pins beyond the events: each item's text and each declaration's
# source. An anchor digest covers them with the chain heads and lengths, so `tracker verify
# --against` finds a rewritten title or quote, a deleted item and a truncated chain, none of
# which the event chain alone can show. Each ANCHOR_FORMAT is frozen like FORMAT: saved anchors
# depend on it. FORMAT 1 covered the English text and the assignment; FORMAT 2 (0014) covers
# everything a report or `show` prints of an item and its declaration: the Japanese text, the
# basis, the guidelines, what is inferred, the item's declaration and pillar (slug and titles),
# its milestone, and the declaration's milestones and cut-off. Anchors saved in FORMAT 1 are
# still compared in FORMAT 1 (tracker.anchor).
ANCHOR_FORMAT = 2
ANCHOR_FORMATS = (1, 2)

_json_text = encode_basestring  # as json.dumps(ensure_ascii=False) writes a string


def _json(value: str | None) -> str:
    """A string as canonical JSON text, normalised as _norm does. Most item text is plain
    ASCII without CR, which normalisation leaves as it is: skipping it there keeps hashing
    100,000 items well under a second."""
    if value is None:
        return "null"
    if "\r" in value or not value.isascii():
        value = _norm(value)
    return _json_text(value)


_LISTS: dict[tuple[str, ...], str] = {}


def _json_list(values: Sequence[str]) -> str:
    # Items share a few lists of parties and owners: each is encoded once (at most 1,024 kept).
    key = tuple(values)
    text = _LISTS.get(key)
    if text is None:
        text = "[" + ",".join(_json(v) for v in values) + "]"
        if len(_LISTS) < 1024:
            _LISTS[key] = text
    return text


def _date(value: dt.date | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


def _json_map(value: Mapping[str, str] | None) -> str:
    """A mapping of text to text (what is inferred, the guidelines) as canonical JSON: keys
    sorted, text normalised, as json.dumps(sort_keys=True) writes it."""
    if value is None:
        return "null"
    pairs = sorted((_norm(k), v) for k, v in value.items())
    return "{" + ",".join(f"{_json_text(k)}:{_json(v)}" for k, v in pairs) + "}"


@dataclass(frozen=True)
class ItemContent:
    """The words and assignment of one item: what a report or export says it is. The fields
    after `target_label` are FORMAT 2's (FORMAT 1 leaves them out)."""

    code: str
    pillar: str
    title: str
    description: str
    quote: str
    kind: str
    parties: Sequence[str]
    owners: Sequence[str]
    target_date: dt.date | None
    target_label: str | None
    declaration: str = ""
    pillar_title: str = ""
    pillar_title_ja: str | None = None
    title_ja: str | None = None
    description_ja: str | None = None
    target_label_ja: str | None = None
    milestone: str | None = None
    basis: str = ""
    inferred: Mapping[str, str] = field(default_factory=dict)
    guidelines: Mapping[str, str] | None = None
    # The Japanese a Japanese report prints of it (0015): the owners' names, where each inferred
    # value comes from (its kind of origin) and the note in Japanese. Appended to the canonical
    # array only when set, each as a [name, value] pair, so every hash made before them stands.
    owners_ja: Sequence[str] | None = None
    inferred_origins: Mapping[str, str] | None = None
    inferred_ja: Mapping[str, str] | None = None


def _japanese_pairs(pairs: Sequence[tuple[str, str]]) -> str:
    """The fields of 0015 that are set, as `,["name",value]` each (empty when none is: an
    empty mapping or list is not set)."""
    return "".join(
        f",[{_json_text(name)},{value}]" for name, value in pairs if value not in ("null", "")
    )


def item_canonical(item: ItemContent, version: int = ANCHOR_FORMAT) -> bytes:
    """A JSON array, fields in this order, text as in events (NFC, LF). Written by hand with the
    C string encoder, as json.dumps(..., ensure_ascii=False, separators=(",", ":"),
    sort_keys=True) would (a test holds them equal): a report hashes every item it lists."""
    head = (
        f"[{version},{_json(item.code)},{_json(item.pillar)},{_json(item.title)},"
        f"{_json(item.description)},{_json(item.quote)},{_json(item.kind)},"
        f"{_json_list(item.parties)},{_json_list(item.owners)},{_date(item.target_date)},"
        f"{_json(item.target_label)}"
    )
    if version == 1:
        return (head + "]").encode()
    return (
        f"{head},{_json(item.declaration)},{_json(item.pillar_title)},"
        f"{_json(item.pillar_title_ja)},{_json(item.title_ja)},{_json(item.description_ja)},"
        f"{_json(item.target_label_ja)},{_json(item.milestone)},{_json(item.basis)},"
        f"{_json_map(item.inferred)},{_json_map(item.guidelines)}"
        + _japanese_pairs(
            [
                ("owners_ja", _json_list(item.owners_ja) if item.owners_ja else ""),
                ("inferred_origins", _json_map(item.inferred_origins or None)),
                ("inferred_ja", _json_map(item.inferred_ja or None)),
            ]
        )
        + "]"
    ).encode()


def item_hash(item: ItemContent, version: int = ANCHOR_FORMAT) -> str:
    return hashlib.sha256(item_canonical(item, version)).hexdigest()


class MilestoneContent(NamedTuple):
    """A declaration's milestone as its text gives it (FORMAT 2); announced dates are chained
    apart (announcement_hash)."""

    slug: str
    kind: str
    title: str
    title_ja: str | None
    date: dt.date
    rule: str


@dataclass(frozen=True)
class DeclarationContent:
    """The fields after `source_text` are FORMAT 2's (FORMAT 1 leaves them out)."""

    slug: str
    title: str
    date: dt.date
    place: str
    parties: Sequence[str]
    source: str
    source_text: str
    title_ja: str | None = None
    inferred: Mapping[str, str] = field(default_factory=dict)
    cutoff: dt.date | None = None
    milestones: Sequence[MilestoneContent] = ()
    # 0015's, appended only when set (as ItemContent's): the place in Japanese, and where each
    # inferred value comes from and its note in Japanese.
    place_ja: str | None = None
    inferred_origins: Mapping[str, str] | None = None
    inferred_ja: Mapping[str, str] | None = None


def declaration_hash(declaration: DeclarationContent, version: int = ANCHOR_FORMAT) -> str:
    """Covers the declaration's source text, so a rewritten source (and every quote checked
    against it) shows."""
    fields: list[object] = [
        version,
        _text(declaration.slug),
        _text(declaration.title),
        declaration.date.isoformat(),
        _text(declaration.place),
        [_text(p) for p in declaration.parties],
        _text(declaration.source),
        _text(declaration.source_text),
    ]
    if version >= 2:
        fields += [
            _text(declaration.title_ja),
            {_norm(k): _norm(v) for k, v in declaration.inferred.items()},
            declaration.cutoff.isoformat() if declaration.cutoff else None,
            [
                [_text(m.slug), _text(m.kind), _text(m.title), _text(m.title_ja),
                 m.date.isoformat(), _text(m.rule)]
                for m in sorted(declaration.milestones)
            ],
        ]  # fmt: skip
        for name, value in (
            ("place_ja", _text(declaration.place_ja) if declaration.place_ja else None),
            ("inferred_origins", _text_map(declaration.inferred_origins)),
            ("inferred_ja", _text_map(declaration.inferred_ja)),
        ):
            if value:
                fields.append([name, value])
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text_map(value: Mapping[str, str] | None) -> dict[str, str] | None:
    return {_norm(k): _norm(v) for k, v in value.items()} if value else None


class ItemAnchor(NamedTuple):
    """What a saved anchor holds of one item: its chain's length and head, and its text. (A
    tuple: a report makes 100,000 of them, and a frozen dataclass costs four times as much.)"""

    code: str
    chain_length: int
    chain_head: str
    content_hash: str


# (code, chain length, chain head, content hash): an ItemAnchor, or the same as a plain tuple.
AnchorTuple = tuple[str, int, str, str]


def anchor_digest(
    declarations: Iterable[tuple[str, str]],
    items: Iterable[AnchorTuple],
    version: int = ANCHOR_FORMAT,
) -> str:
    """One digest over (slug, declaration hash) pairs and every item's anchor, each sorted.

    Unlike heads_digest it changes when an item's text or a declaration's source changes, and
    when a chain is cut back to an earlier head (its length is in it).
    """
    digest = hashlib.sha256(f"tracker-anchor {version}\n".encode())
    for slug, content in sorted(declarations):
        digest.update(f"declaration {_json_text(slug)} {content}\n".encode())
    # Codes are unique, so the tuples sort by code; one update per block of lines.
    lines = (
        f"item {_json_text(code)} {length} {head} {content}\n"
        for code, length, head, content in sorted(items)
    )
    while block := "".join(islice(lines, 4096)):
        digest.update(block.encode())
    return digest.hexdigest()
