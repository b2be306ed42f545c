"""How long, and of what form, each stored field may be: one table that every writer reads.

Three paths write the same columns: `load` (a fixture), the commands that record (progress,
correct, milestone set, cutoff set) and `import` (an export). Each once held them to limits of
its own, so `load` took a 216,000-character description that `import` then refused, and a
SQLite database (which stores text of any length) could not be moved to PostgreSQL by export
and import. The limits are checked in Python where rows are inserted, not by CHECK
constraints: a refusal names the item and the field, and no migration is needed.

Each check returns what is wrong with a value in words that follow the field's name ("is longer
than 200 characters"), or None: the loader, the commands, import and verify --against say the
same thing of the same value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracker.models import EVIDENCE_KINDS

# What a user may write in a note, a reason, a description or a quote.
MAX_TEXT = 100_000
# A declaration's whole text: the declaration of 2026 is about 20 KB.
MAX_SOURCE_CHARS = 4 * 2**20


@dataclass(frozen=True)
class Text:
    length: int
    form: re.Pattern[str] | None = None
    says: str = ""  # the form in words, after "is not"


@dataclass(frozen=True)
class Names:
    """A list of short names (parties, owners), each non-blank."""

    name: Text


@dataclass(frozen=True)
class Mapping:
    """Texts by name (inferred, guidelines): keys among `keys` (every one of them when
    `every`), each value held to `value`."""

    keys: tuple[str, ...]
    value: Text
    every: bool = False


@dataclass(frozen=True)
class Sources:
    """An announcement's evidence: [{reference, kind, title, published_on}], what the evidence
    table holds of an event's."""

    reference: Text
    title: Text


@dataclass(frozen=True)
class Keyed:
    """Values by an open set of names (a text revision's changes per item, its items' hashes):
    each key held to `key`, each value (each of a list of them, when `many`) to `value`."""

    key: Text
    value: Text
    many: bool = False


Limit = Text | Names | Mapping | Sources | Keyed

CODE_FORM = re.compile(r"[A-Z][A-Z0-9]*-[0-9]+")
CODE = Text(32, CODE_FORM, "a code of the form ABC-01")
SLUG = Text(80, re.compile(r"[a-z0-9]+(-[a-z0-9]+)*"), "a slug of lower-case words and hyphens")
HASH = Text(64, re.compile(r"[0-9a-f]{64}"), "a hash (64 hex digits)")
NAME = Text(80)
TEXT = Text(MAX_TEXT)
# Where a value the source text does not give comes from; how a date follows from the text.
ORIGIN = Text(500)
# The kind of a value's origin (tracker.provenance.ORIGINS).
ORIGIN_KIND = Text(20, re.compile(r"reporting|analyst|rule"), "one of reporting, analyst, rule")
# Why an item has its kind; the evidence that earns each score.
ANALYSIS = Text(2000)
VOCABULARY = Text(20)  # statuses and kinds: the database's CHECK constraints hold the words
ACTOR = Text(200)

FIELDS: dict[tuple[str, str], Limit] = {
    ("declarations", "slug"): SLUG,
    ("declarations", "title"): Text(300),
    ("declarations", "title_ja"): Text(300),
    ("declarations", "place"): Text(200),
    ("declarations", "parties"): Names(NAME),
    ("declarations", "source"): TEXT,
    ("declarations", "source_text"): Text(MAX_SOURCE_CHARS),
    ("declarations", "inferred"): Mapping(("date", "place", "parties"), ORIGIN),
    ("declarations", "place_ja"): Text(200),
    ("declarations", "inferred_origins"): Mapping(("date", "place", "parties"), ORIGIN_KIND),
    ("declarations", "inferred_ja"): Mapping(("date", "place", "parties"), ORIGIN),
    ("pillars", "slug"): SLUG,
    ("pillars", "title"): Text(200),
    ("pillars", "title_ja"): Text(200),
    ("commitments", "code"): CODE,
    ("commitments", "title"): Text(200),
    ("commitments", "description"): TEXT,
    ("commitments", "title_ja"): Text(200),
    ("commitments", "description_ja"): Text(4000),
    ("commitments", "quote"): TEXT,
    ("commitments", "kind"): VOCABULARY,
    ("commitments", "parties"): Names(NAME),
    ("commitments", "owners"): Names(NAME),
    # A milestone's title and slug, copied into the items whose target it is.
    ("commitments", "target_label"): Text(200),
    ("commitments", "target_label_ja"): Text(200),
    ("commitments", "milestone"): SLUG,
    ("commitments", "basis"): ANALYSIS,
    ("commitments", "inferred"): Mapping(("owners", "target", "parties"), ORIGIN),
    ("commitments", "owners_ja"): Names(NAME),
    ("commitments", "inferred_origins"): Mapping(("owners", "target", "parties"), ORIGIN_KIND),
    ("commitments", "inferred_ja"): Mapping(("owners", "target", "parties"), ORIGIN),
    ("commitments", "guidelines"): Mapping(("-1", "0", "+1"), ANALYSIS, every=True),
    ("commitments", "status"): VOCABULARY,
    ("commitments", "chain_head"): HASH,
    ("commitments", "content_hash"): HASH,
    ("status_events", "party"): NAME,
    ("status_events", "from_status"): VOCABULARY,
    ("status_events", "to_status"): VOCABULARY,
    ("status_events", "note"): TEXT,
    ("status_events", "reason"): TEXT,
    ("status_events", "actor"): ACTOR,
    ("status_events", "prev_hash"): HASH,
    ("status_events", "hash"): HASH,
    # PostgreSQL's session_user, set by a trigger (a role name is at most 63 bytes).
    ("status_events", "db_user"): Text(63),
    ("evidence", "reference"): TEXT,
    ("evidence", "kind"): Text(30),
    ("evidence", "title"): TEXT,
    # An attached document (tracker.attachments): a file name, a media type, its SHA-256.
    ("evidence", "attachment_name"): Text(255),
    ("evidence", "attachment_type"): Text(100),
    ("evidence", "attachment_sha256"): HASH,
    ("attachments", "sha256"): HASH,
    ("milestones", "slug"): SLUG,
    ("milestones", "kind"): VOCABULARY,
    ("milestones", "title"): Text(200),
    ("milestones", "title_ja"): Text(200),
    ("milestones", "rule"): ORIGIN,
    ("milestone_events", "note"): TEXT,
    ("milestone_events", "actor"): ACTOR,
    ("milestone_events", "evidence"): Sources(TEXT, TEXT),
    ("milestone_events", "prev_hash"): HASH,
    ("milestone_events", "hash"): HASH,
    ("chain_builds", "revision"): Text(32),
    # What `load` (with the fixture's name) or an upgrade recorded (tracker.revisions).
    ("text_revisions", "source"): Text(300),
    ("text_revisions", "actor"): ACTOR,
    ("text_revisions", "changes"): Keyed(Text(200), TEXT, many=True),
    ("text_revisions", "declaration_hash"): HASH,
    ("text_revisions", "items"): Keyed(CODE, HASH),
    ("text_revisions", "prev_hash"): HASH,
    ("text_revisions", "hash"): HASH,
    # A follow-up link (tracker.links): its kind, why, and what made it (load FILE, link).
    ("item_links", "kind"): VOCABULARY,
    ("item_links", "reason"): TEXT,
    ("item_links", "source"): Text(300),
    ("item_links", "actor"): ACTOR,
    ("item_links", "prev_hash"): HASH,
    ("item_links", "hash"): HASH,
    ("settings", "key"): Text(40),
    ("settings", "value"): Text(200),
    ("status_days", "status"): VOCABULARY,
}


def text_of(table: str, column: str) -> Text:
    limit = FIELDS[(table, column)]
    assert isinstance(limit, Text), (table, column)
    return limit


def length(table: str, column: str) -> int:
    """The most characters `table.column` holds."""
    return text_of(table, column).length


def step(part: str | int) -> str:
    """One step into a document: `[3]`, `.chain_length`, `["+1"]`."""
    if isinstance(part, int):
        return f"[{part}]"
    if len(part) <= 40 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
        return f".{part}"
    shown = part if len(part) <= 40 else part[:37] + "..."  # a hostile key may be megabytes
    quoted = '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"[{quoted if shown.isprintable() else repr(shown)}]"


def json_path(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """Where a value is in a document: `commitments[3].chain_length`, `guidelines["+1"]`."""
    return "".join(map(step, parts)).removeprefix(".")


def said(name: str, problem: str) -> str:
    """A field's name and what is wrong with it, or with a part of it (`parties[1] is blank`)."""
    return f"{name}{problem}" if problem.startswith(("[", ".")) else f"{name} {problem}"


# --- the checks ---------------------------------------------------------------------------------


def text_problem(value: Any, limit: Text, *, nullable: bool = False) -> str | None:
    if value is None:
        return None if nullable else "is missing"
    if not isinstance(value, str):
        return "is not text"
    if len(value) > limit.length:
        return f"is longer than {limit.length} characters"
    if "\x00" in value:
        return "contains a NUL character"
    if limit.form is not None and not limit.form.fullmatch(value):
        return f"is not {limit.says}"
    return None


def name_problem(value: Any, limit: Text = NAME) -> str | None:
    if isinstance(value, str) and not value.strip():
        return "is blank"
    return text_problem(value, limit)


def integer_problem(value: Any, *, nullable: bool = False, least: int = -(2**63)) -> str | None:
    if value is None:
        return None if nullable else "is missing"
    if not isinstance(value, int) or isinstance(value, bool):
        return "is not an integer"
    if value < least:
        return f"is less than {least}"
    if value >= 2**63:
        return "is out of range"
    return None


def names_problem(value: Any, limit: Names) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "is not a list of names"
    for index, name in enumerate(value):
        problem = name_problem(name, limit.name)
        if problem is not None:
            return said(f"[{index}]", problem)
    return None


def mapping_problem(value: Any, limit: Mapping) -> str | None:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return "is not a mapping of names to texts"
    for key, text in value.items():
        if key not in limit.keys:
            return said(step(key), f"is not one of {', '.join(limit.keys)}")
        problem = text_problem(text, limit.value)
        if problem is not None:
            return said(step(key), problem)
    missing = [k for k in limit.keys if k not in value] if limit.every else []
    return f"lacks {', '.join(missing)}" if missing else None


SOURCE_KEYS = ("reference", "kind", "title", "published_on")


def sources_problem(value: Any, limit: Sources) -> str | None:
    if not isinstance(value, list):
        return "is not a list of sources"
    for index, source in enumerate(value):
        if not isinstance(source, dict) or sorted(source) != sorted(SOURCE_KEYS):
            return said(step(index), f"is not {{{', '.join(SOURCE_KEYS)}}}")
        problem = _source_problem(source, limit)
        if problem is not None:
            return said(step(index), problem)
    return None


def _source_problem(source: dict[str, Any], limit: Sources) -> str | None:
    if problem := name_problem(source["reference"], limit.reference):
        return said(".reference", problem)
    if source["kind"] not in EVIDENCE_KINDS:
        return f".kind is not one of {', '.join(EVIDENCE_KINDS)}"
    if problem := text_problem(source["title"], limit.title, nullable=True):
        return said(".title", problem)
    published = source["published_on"]
    if published is not None:
        try:
            dt.date.fromisoformat(published)
        except (TypeError, ValueError):
            return ".published_on is not a date"
    return None


def keyed_problem(value: Any, limit: Keyed) -> str | None:
    if not isinstance(value, dict):
        return "is not a mapping"
    for key, values in value.items():
        if problem := text_problem(key, limit.key):
            return f"has a key that {problem}"
        if not limit.many:
            problem = text_problem(values, limit.value)
        elif not isinstance(values, list):
            problem = "is not a list"
        else:
            problem = next(
                (
                    said(step(index), found)
                    for index, text in enumerate(values)
                    if (found := text_problem(text, limit.value))
                ),
                None,
            )
        if problem is not None:
            return said(step(key), problem)
    return None


def check(table: str, column: str, *, nullable: bool = False) -> Callable[[Any], str | None]:
    """What is wrong with a value for `table.column` (None when it is fine)."""
    limit = FIELDS[(table, column)]
    if isinstance(limit, Text):
        return lambda value: text_problem(value, limit, nullable=nullable)
    if isinstance(limit, Names):
        return lambda value: None if value is None and nullable else names_problem(value, limit)
    if isinstance(limit, Mapping):
        return lambda value: None if value is None and nullable else mapping_problem(value, limit)
    if isinstance(limit, Keyed):
        return lambda value: keyed_problem(value, limit)
    return lambda value: sources_problem(value, limit)
