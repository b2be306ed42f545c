"""Load a declaration fixture (YAML) into the database, or bring the database in line with it.

The file is validated first, all of it, against a pydantic schema (errors name the file, the item
and the field), and every quote is checked against the source text it ships with. Syncing is
idempotent: new items are added, changed wording is updated, history is never touched, and
items the file no longer lists are reported, never deleted.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tracker import anchor, limits, provenance, revisions, testpoints, text_reading
from tracker.concurrency import lock_for_load
from tracker.errors import TrackerError
from tracker.fixture_input import load_yaml, read_bounded, read_source
from tracker.models import Commitment, Declaration, Milestone, Pillar, commitments_table
from tracker.progress import default_actor
from tracker.statuses import FORMER_KINDS, Kind

CODE_PATTERN = f"^{limits.CODE_FORM.pattern}$"
# The benchmark's 10,000-item fixture is about 5 MB.
MAX_FIXTURE_BYTES = 64 * 2**20
T = TypeVar("T")
# A refusal by the limits of the column a field is stored in: said as import says it.
LIMIT = "stored_field_limit"


def _held(value: T, table: str, column: str) -> T:
    """`value`, unless it breaks the limits of `table.column` (tracker.limits): what `load`
    takes, the commands keep and `import` takes back."""
    return _within(value, limits.check(table, column)(value))


def _within(value: T, problem: str | None) -> T:
    if problem is not None:
        raise PydanticCustomError(LIMIT, problem)
    return value


def _stored(table: str, column: str) -> AfterValidator:
    return AfterValidator(lambda value: _held(value, table, column))


def _value_of(table: str, column: str) -> AfterValidator:
    """For one value of a mapping stored in `table.column` (a guideline)."""
    limit = limits.FIELDS[(table, column)]
    assert isinstance(limit, limits.Mapping)
    return AfterValidator(lambda value: _within(value, limits.text_problem(value, limit.value)))


NonEmpty = Annotated[str, Field(min_length=1)]


def _value_of_names() -> AfterValidator:
    """For one name of a list stored in a Names column (an owner's Japanese name)."""
    limit = limits.FIELDS[("commitments", "owners_ja")]
    assert isinstance(limit, limits.Names)
    return AfterValidator(lambda value: _within(value, limits.name_problem(value, limit.name)))


# An item named by a link: CODE, or SLUG:CODE.
Reference = Annotated[
    str, Field(min_length=1, max_length=limits.CODE.length + 1 + 80, pattern=r"^\S+$")
]
Guideline = Annotated[str, Field(min_length=1), _value_of("commitments", "guidelines")]
# A refusal that says what to write instead (a date's form, quoted guideline keys).
FORM = "fixture_form"
DATE_FORM = "write a date as YYYY-MM-DD"


def _date_only(value: object) -> object:
    """A date, said in our words when it is not one. YAML reads `2035` as a number (which the
    validation library takes for seconds since 1970) and `2026-01-31 10:00` as a time."""
    if isinstance(value, dt.datetime):
        raise PydanticCustomError(FORM, f"{DATE_FORM}, without a time")
    if isinstance(value, bool | int | float):
        raise PydanticCustomError(
            FORM, f"{value!r} is not a date; {DATE_FORM} (a year alone is not one)"
        )
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(FORM, f"{value!r} is not a date; {DATE_FORM}") from None
    return value


FixtureDate = Annotated[dt.date, BeforeValidator(_date_only)]
GUIDELINE_KEYS = ("-1", "0", "+1")
# Words that write a band for the pair rather than for one party: a party whose counterpart
# acted alone fits no band written "Neither government ...", and a joint plan fits two.
PAIR_WORDS = re.compile(
    r"\b(neither|both (?:governments|countries|parties|sides))\b", re.IGNORECASE
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The fields of an item whose values may come from outside the source text, marked as such.
InferableField = Literal["owners", "target", "parties"]
Origin = Literal["reporting", "analyst", "rule"]


class InferredSpec(_Strict):
    """Where a value the text does not give comes from: its kind of origin (labelled in each
    language: public reporting, analyst's assignment, rule), the note in English and, for
    Japanese reports, in Japanese. A plain string is a note without a named kind."""

    origin: Origin
    note: NonEmpty
    note_ja: NonEmpty | None = None


def _marked(value: object) -> object:
    """A mark given as a mapping, read as InferredSpec here so that a mistake in it is said
    once, naming its field (a union would also say that it is not a string)."""
    if not isinstance(value, dict):
        return value
    try:
        return InferredSpec.model_validate(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(map(str, error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{where}: {message}" if where else message) from None


Inferred = Annotated[NonEmpty | InferredSpec, BeforeValidator(_marked)]


def english_notes(marks: dict[Any, Inferred]) -> dict[str, str]:
    """What `inferred` stores: each note in English, after its origin's label."""
    return {
        str(k): v if isinstance(v, str) else provenance.english_note(v.origin, v.note.strip())
        for k, v in marks.items()
    }


def origins(marks: dict[Any, Inferred]) -> dict[str, str] | None:
    found: dict[str, str] = {
        str(k): v.origin for k, v in marks.items() if isinstance(v, InferredSpec)
    }
    return found or None


def notes_ja(marks: dict[Any, Inferred]) -> dict[str, str] | None:
    found = {
        str(k): v.note_ja.strip()
        for k, v in marks.items()
        if isinstance(v, InferredSpec) and v.note_ja
    }
    return found or None


def _marks_held(table: str) -> AfterValidator:
    """The notes as stored (English, and Japanese) held to the limits of their columns."""

    def held(marks: dict[Any, Inferred]) -> dict[Any, Inferred]:
        _held(english_notes(marks), table, "inferred")
        limit = limits.FIELDS[(table, "inferred_ja")]
        assert isinstance(limit, limits.Mapping)
        for key, mark in marks.items():
            if isinstance(mark, InferredSpec) and mark.note_ja:
                problem = limits.text_problem(mark.note_ja, limit.value)
                if problem is not None:  # said as `inferred.owners.note_ja is longer ...`
                    raise PydanticCustomError(LIMIT, f"{limits.step(key)}.note_ja {problem}")
        return marks

    return AfterValidator(held)


class MilestoneSpec(_Strict):
    # Also an item's target label (commitments.target_label), whose limit is the same.
    title: Annotated[str, Field(min_length=1), _stored("milestones", "title")]
    title_ja: Annotated[str, Field(min_length=1), _stored("milestones", "title_ja")] | None = None
    date: FixtureDate
    # How the date follows from the text when the text gives none ("in 2026" -> 31 December).
    rule: Annotated[str, Field(min_length=1), _stored("milestones", "rule")] | None = None


class GuidelinesSpec(_Strict):
    """What evidence earns each score, concrete enough that two analysts agree.

    Each band is written for one party (the item is scored per party), so that every case lands
    in exactly one band; a band only a joint act can earn is listed under `joint`, which the
    loader reads and does not store (the band's own words say it is joint)."""

    minus_one: Annotated[Guideline, Field(alias="-1")]
    zero: Annotated[Guideline, Field(alias="0")]
    plus_one: Annotated[Guideline, Field(alias="+1")]
    joint: list[Literal["-1", "0", "+1"]] = []

    @model_validator(mode="before")
    @classmethod
    def _quoted_keys(cls, value: object) -> object:
        if isinstance(value, dict) and any(not isinstance(key, str) for key in value):
            raise PydanticCustomError(
                FORM,
                "quote the guideline keys: '-1', '0', '+1' (unquoted, YAML reads them as numbers)",
            )
        return value

    @model_validator(mode="after")
    def _one_party_each(self) -> GuidelinesSpec:
        for key, band in zip(
            GUIDELINE_KEYS, (self.minus_one, self.zero, self.plus_one), strict=True
        ):
            pair = PAIR_WORDS.search(band)
            if pair is not None and key not in self.joint:
                raise PydanticCustomError(
                    FORM,
                    f"band {key!r} speaks of the pair ({pair.group(0)!r}); write each band for one "
                    "party ('the party ...', 'the other'), or list the band under 'joint' if only "
                    "a joint act can earn it",
                )
        return self

    def as_dict(self) -> dict[str, str]:
        return {"-1": self.minus_one.strip(), "0": self.zero.strip(), "+1": self.plus_one.strip()}


class RetiredSpec(_Strict):
    into: Annotated[str, Field(max_length=limits.CODE.length)] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=limits.ORIGIN.length)]


class CommitmentSpec(_Strict):
    code: str
    title: Annotated[str, Field(min_length=1), _stored("commitments", "title")]
    description: Annotated[str, _stored("commitments", "description")] = ""
    # The project's own Japanese translation (unofficial): both or neither.
    title_ja: Annotated[str, Field(min_length=1), _stored("commitments", "title_ja")] | None = None
    description_ja: (
        Annotated[str, Field(min_length=1), _stored("commitments", "description_ja")] | None
    ) = None
    # Verbatim: never stripped or normalised, it must match the source text exactly.
    quote: Annotated[str, Field(min_length=1), _stored("commitments", "quote")]
    kind: Kind
    parties: Annotated[list[str], Field(min_length=1), _stored("commitments", "parties")]
    owners: Annotated[list[str], _stored("commitments", "owners")] = []
    target: dt.date | str | None = None
    # An act completed at the meeting itself ("signed today the Convention"): the commitment is
    # loaded as achieved on the declaration's date, with the text as its evidence.
    achieved_at_meeting: bool = False
    # Why the item has its kind, naming the operative words of the text.
    basis: Annotated[str, Field(min_length=1), _stored("commitments", "basis")]
    inferred: Annotated[dict[InferableField, Inferred], _marks_held("commitments")] = {}
    guidelines: GuidelinesSpec | None = None
    # Earlier items this one takes further, or restates: CODE, or SLUG:CODE for an item of
    # another declaration (tracker.links). Checked at load: the target exists, not the item
    # itself, no cycle.
    follows: list[Reference] = []
    reaffirms: list[Reference] = []

    def links(self) -> list[tuple[str, str]]:
        """(kind, reference) of each link the item states, follows first."""
        return [("follows", r) for r in self.follows] + [("reaffirms", r) for r in self.reaffirms]

    @model_validator(mode="after")
    def _scoring(self) -> CommitmentSpec:
        # The error names the item already (tracker.loading._describe_error): said once.
        if self.kind.scored and self.guidelines is None:
            raise ValueError(
                f"a {self.kind} is scored, so it needs 'guidelines' "
                "with the evidence that earns -1, 0 and +1"
            )
        if not self.kind.scored and self.guidelines is not None:
            raise ValueError(
                f"field 'guidelines': only scored items (commitments) have "
                f"them; a {self.kind} is not scored"
            )
        if self.achieved_at_meeting and not self.kind.scored:
            raise ValueError(
                f"field 'achieved_at_meeting': only a commitment is achieved; a {self.kind} "
                "is not scored"
            )
        if (self.title_ja is None) != (self.description_ja is None):
            given = "title_ja" if self.title_ja is not None else "description_ja"
            missing = "description_ja" if given == "title_ja" else "title_ja"
            raise ValueError(f"field '{missing}': needed with '{given}'")
        empty = [f for f in self.inferred if not getattr(self, f)]
        if empty:
            raise ValueError(f"field 'inferred': {empty[0]!r} has no value")
        for kind, ref in self.links():
            if ref.rpartition(":")[2].strip().upper() == self.code:
                raise ValueError(f"field '{kind}': an item cannot {kind[:-1]} itself")
        return self

    @field_validator("kind", mode="before")
    @classmethod
    def _former_kind(cls, value: object) -> object:
        # A fixture written before the kinds were refined still loads, read the new way.
        if isinstance(value, str) and value.strip().lower() in FORMER_KINDS:
            return FORMER_KINDS[value.strip().lower()]
        return value

    @field_validator("target", mode="before")
    @classmethod
    def _target_date(cls, value: object) -> object:
        # A quoted ISO date ("2030-12-31", as yaml.safe_dump writes one) is still a date; any
        # other word names a milestone.
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return value
        return value if value is None else _date_only(value)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.match(CODE_PATTERN, code):
            raise ValueError(f"code {value!r} is not of the form ABC-01")
        return _held(code, "commitments", "code")

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is blank")
        return value.strip()


class PillarSpec(_Strict):
    slug: Annotated[str, _stored("pillars", "slug")]
    title: Annotated[str, Field(min_length=1), _stored("pillars", "title")]
    title_ja: Annotated[str, Field(min_length=1), _stored("pillars", "title_ja")] | None = None
    commitments: Annotated[list[CommitmentSpec], Field(min_length=1)]


class DeclarationSpec(_Strict):
    slug: Annotated[str, _stored("declarations", "slug")]
    title: Annotated[str, Field(min_length=1), _stored("declarations", "title")]
    title_ja: Annotated[str, Field(min_length=1), _stored("declarations", "title_ja")] | None = None
    date: FixtureDate
    place: Annotated[str, Field(min_length=1), _stored("declarations", "place")]
    place_ja: Annotated[str, Field(min_length=1), _stored("declarations", "place_ja")] | None = None
    parties: Annotated[list[str], Field(min_length=1), _stored("declarations", "parties")]
    source: Annotated[str, Field(min_length=1), _stored("declarations", "source")]
    # Its text is read with at most as many bytes as declarations.source_text holds characters.
    source_file: Annotated[str, Field(min_length=1)]
    inferred: Annotated[
        dict[Literal["date", "place", "parties"], Inferred], _marks_held("declarations")
    ] = {}
    # The end of the compliance period (G7 Research Group practice): until then a commitment
    # nobody has assessed is "not yet assessed"; after it, the final assessment.
    cutoff: FixtureDate | None = None
    # Other names the text uses for a party ("UK": ["United Kingdom", "British"]), read by the
    # provenance check only; a party without an entry has the defaults of
    # tracker.text_reading.DEFAULT_ALIASES (nouns for the same state, never adjectives).
    aliases: dict[str, list[NonEmpty]] = {}

    @field_validator("cutoff")
    @classmethod
    def _cutoff_after_date(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        declared = info.data.get("date")
        if value is not None and declared is not None and value < declared:
            raise ValueError(
                f"{value.isoformat()} is before the declaration's date ({declared.isoformat()})"
            )
        return value


class FixtureSpec(_Strict):
    schema_: Annotated[int, Field(alias="schema")] = 1
    # `draft: true` is refused before validation (read_fixture); `false` may stay in the file.
    draft: Literal[False] = False
    declaration: DeclarationSpec
    milestones: dict[Annotated[str, _stored("milestones", "slug")], MilestoneSpec] = {}
    # The owners' names in Japanese (MOD: 英国防省): when given, every owner an item names.
    owners_ja: dict[
        Annotated[str, _value_of_names()],
        Annotated[str, Field(min_length=1), _value_of_names()],
    ] = {}
    # Codes of earlier versions of the file: kept in a database with their history.
    retired: dict[str, RetiredSpec] = {}
    pillars: Annotated[list[PillarSpec], Field(min_length=1)]

    @field_validator("schema_")
    @classmethod
    def _schema(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"unsupported fixture schema {value}; this tracker reads schema 1")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FixtureSpec:
        seen: set[str] = set()
        slugs: set[str] = set()
        for pillar in self.pillars:
            if pillar.slug in slugs:
                raise ValueError(f"pillar {pillar.slug!r} is listed twice")
            slugs.add(pillar.slug)
            for item in pillar.commitments:
                if item.code in seen:
                    raise ValueError(f"item {item.code}: code is used twice")
                seen.add(item.code)
                unnamed = [o for o in item.owners if o not in self.owners_ja]
                if self.owners_ja and unnamed:
                    raise ValueError(
                        f"item {item.code}: field 'owners': {unnamed[0]!r} has no Japanese "
                        "name under 'owners_ja'"
                    )
                if isinstance(item.target, str) and item.target not in self.milestones:
                    known = ", ".join(sorted(self.milestones)) or "none defined"
                    raise ValueError(
                        f"item {item.code}: field 'target': unknown milestone "
                        f"{item.target!r} (milestones: {known})"
                    )
        for code, retired in self.retired.items():
            if code.upper() in seen:
                raise ValueError(f"retired {code}: the code is still an item of the file")
            if retired.into is not None and retired.into.upper() not in seen:
                raise ValueError(f"retired {code}: field 'into': no item {retired.into!r}")
        return self


@dataclass(frozen=True)
class Fixture:
    path: Path
    spec: FixtureSpec
    source_text: str


@dataclass
class LoadResult:
    declaration: str
    created_declaration: bool = False
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    # Items without a Japanese translation: shown in English, marked, in Japanese reports.
    untranslated: list[str] = field(default_factory=list)
    # Codes the file retired that this database still holds: (the item it became, why).
    retired: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    # The follow-up links this load added: "GCP-02 follows IND-01".
    linked: list[str] = field(default_factory=list)


def _shown(value: object) -> str:
    """A value from the file as it may appear in a one-line message."""
    return value if isinstance(value, str) and value.isprintable() else repr(value)


def _find_nul(node: object, loc: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where a NUL character hides in the parsed file (PostgreSQL text cannot hold one)."""
    if isinstance(node, str):
        return loc if "\x00" in node else None
    items: Iterable[tuple[str | int, object]] = ()
    if isinstance(node, dict):
        items = ((str(k), v) for k, v in node.items())
    elif isinstance(node, list):
        items = enumerate(node)
    for key, value in items:
        found = _find_nul(value, (*loc, key))
        if found is not None:
            return found
    return None


def _describe_error(path: Path, raw: Any, error: Any) -> str:
    """`file: item CYB-02: field 'quote': message`, naming the item by its code when it has one."""
    loc = list(error["loc"])
    where: list[str] = []
    node = raw
    fields: list[str | int] = []
    for index, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
            fields.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            parent = loc[index - 1] if index else ""
            if isinstance(node, dict) and parent == "commitments":
                where = [f"item {_shown(node.get('code', f'#{part + 1}'))}"]
                fields = []
            elif isinstance(node, dict) and parent == "pillars":
                where = [f"pillar {_shown(node.get('slug', f'#{part + 1}'))}"]
                fields = []
            else:
                fields.append(part)
        else:
            fields.append(str(part))
    message = str(error["msg"]).removeprefix("Value error, ")
    parts = [str(path), *where]
    if error.get("type") == "extra_forbidden" and fields:
        # `field 'related' is not allowed; did you mean ...`: the field is the subject.
        label = ".".join(map(str, fields))
        return ": ".join([*parts, f"field {label!r} " + _not_allowed(loc[-1], loc[:-1])])
    if error.get("type") == LIMIT:  # in import's words: `description is longer than ...`
        label = limits.json_path([f for f in fields if f != "[key]"])  # a key is the value
        return ": ".join([*parts, limits.said(label, message)])
    label = ".".join(map(str, fields))
    if label:
        parts.append(f"field {label!r}")
    return ": ".join([*parts, message])


# Names people reach for, and the field that holds what they mean (offered only when the model
# has that field).
_MEANT = {
    "related": ("follows", "reaffirms"),
    "relates_to": ("follows", "reaffirms"),
    "continues": ("follows",),
    "owner": ("owners",),
    "party": ("parties",),
    "deadline": ("target",),
    "due": ("target",),
    "guideline": ("guidelines",),
    "scoring": ("guidelines",),
    "alias": ("aliases",),
    "cut_off": ("cutoff",),
    "reason": ("basis",),
}


def _model_of(annotation: Any) -> Any:
    """The type a value of `annotation` is validated as, without `| None` or Annotated."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if models else annotation
    if typing.get_origin(annotation) is Annotated:
        return _model_of(args[0])
    return annotation


def allowed_fields(loc: Iterable[str | int]) -> list[str]:
    """The fields the fixture allows at `loc` (a validation error's location), read from the
    schema itself so that a field added to the model is offered without a second list."""
    current: Any = FixtureSpec
    for part in loc:
        current = _model_of(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            by_name = {(f.alias or n): f for n, f in current.model_fields.items()}
            if part not in by_name:
                return []
            current = by_name[part].annotation
        elif origin is list and isinstance(part, int):
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        else:
            return []
    current = _model_of(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _not_allowed(name: object, loc: list[Any]) -> str:
    """`is not allowed; did you mean 'follows'? allowed: ...` for the field `name` at `loc`."""
    allowed = allowed_fields(loc)
    if not allowed or not isinstance(name, str):
        return "is not allowed"
    meant = [f for f in _MEANT.get(name.lower(), ()) if f in allowed]
    near = meant or difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {' or '.join(map(repr, near))}?" if near else ""
    return f"is not allowed{hint or ';'} allowed: {', '.join(allowed)}"


def _quote_mismatch(source_text: str, quote: str, source_file: str) -> str:
    """`not found verbatim in FILE; closest passage ...`: where the quote parts from the text."""
    miss = text_reading.closest_passage(source_text, quote)
    said = (
        f"not found verbatim in {source_file}; closest passage (line {miss.line}): "
        f'"{text_reading.excerpt(miss.passage, miss.at)}"; first difference at character '
        f"{miss.at + 1} of the quote: {text_reading.describe_character(miss.quoted)} where the "
        f"text has {text_reading.describe_character(miss.found)}"
    )
    if miss.typographic:
        said += "; the text prints a typographic mark: copy the quote from the text itself"
    return said


def read_fixture(path: Path) -> Fixture:
    """Parse and validate a fixture file and check its quotes; raise TrackerError with one line."""

    # A regular file of bounded size: `tracker load /dev/zero` or a FIFO is refused, not read.
    text = read_bounded(path, MAX_FIXTURE_BYTES, f"cannot read fixture {path}", nul=True)

    try:
        # Duplicate keys refused, alias expansion bounded (tracker.fixture_input).
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc) or "invalid YAML"
        raise TrackerError(f"{path}: not valid YAML{at}: {problem}") from None
    except ValueError as exc:
        # PyYAML builds dates itself and lets an impossible one (2026-02-30) escape as ValueError.
        raise TrackerError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise TrackerError(f"{path}: expected a mapping with 'declaration' and 'pillars'")
    if raw.get("draft") is True:
        # Written by `tracker draft`: its kinds, quotes' splits and TODOs await an analyst.
        raise TrackerError(
            f"{path}: a draft written by `tracker draft`: review it, then remove `draft: true`"
        )
    # A NUL can only come from the text itself or from a YAML escape ("\0", "\x00", ...):
    # without either there is none to look for in the 100,000 values of a large file.
    nul = _find_nul(raw) if "\x00" in text or "\\" in text else None
    if nul is not None:
        raise TrackerError(
            _describe_error(path, raw, {"loc": nul, "msg": "contains a NUL character"})
        )
    try:
        spec = FixtureSpec.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = _describe_error(path, raw, errors[0])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise TrackerError(first + more) from None

    # Inside the fixture's folder, a regular file, bounded (tracker.fixture_input).
    source_text = read_source(path, spec.declaration.source_file)
    # Items usually quote the text in its own order: look from the previous quote on first,
    # which makes checking 10,000 quotes one pass over the text instead of 10,000.
    start = 0
    for pillar in spec.pillars:
        for item in pillar.commitments:
            found = source_text.find(item.quote, start)
            if found < 0:
                found = source_text.find(item.quote)
            if found < 0:
                raise TrackerError(
                    f"{path}: item {item.code}: field 'quote': "
                    + _quote_mismatch(source_text, item.quote, spec.declaration.source_file)
                )
            start = found
    _check_provenance(path, spec, source_text)
    return Fixture(path=path, spec=spec, source_text=source_text)


def _unsourced(values: Iterable[str], in_text: Callable[[str], bool]) -> str | None:
    """The first value the source text does not contain, if any."""
    return next((v for v in values if not in_text(v)), None)


def _check_provenance(path: Path, spec: FixtureSpec, text: str) -> None:
    """Refuse a value that the source text does not give unless it is marked as inferred.

    Nothing outside the text may be shown as if the text said it: each such value is listed
    under `inferred` with where it comes from (public reporting, the analyst, a stated rule).
    """
    d = spec.declaration
    # Items share a few owners, parties and dates, and a value absent from a long text costs a
    # scan of all of it: each distinct value is looked for once.
    in_text = functools.cache(text.__contains__)

    # A name (a party, an owner) is in the text as a word of its own, or as a declared alias:
    # "UK" inside "UKRAINE" or "Japan" inside "Japanese" is not the text naming it.
    @functools.cache
    def named(name: str) -> bool:
        return text_reading.named_in(text, name, d.aliases)

    # A date counts in the forms a text writes it ("14th December 2023", "2023年12月14日").
    @functools.cache
    def dated(iso: str) -> bool:
        return text_reading.gives_date(text, dt.date.fromisoformat(iso))

    dmarks = english_notes(d.inferred)
    checks: list[tuple[str, str, str | None, dict[str, str]]] = [
        ("declaration", "date", _unsourced([d.date.isoformat()], dated), dmarks),
        ("declaration", "place", _unsourced([d.place], in_text), dmarks),
        ("declaration", "parties", _unsourced(d.parties, named), dmarks),
    ]
    for pillar in spec.pillars:
        for item in pillar.commitments:
            target = item.target if isinstance(item.target, dt.date) else None
            if isinstance(item.target, str):
                target = spec.milestones[item.target].date
            where = f"item {item.code}"
            marks = english_notes(item.inferred)
            checks += [
                # Each item's own: a mark on the declaration's parties does not vouch for an
                # item's (it may name a party the declaration does not).
                (where, "owners", _unsourced(item.owners, named), marks),
                (where, "parties", _unsourced(item.parties, named), marks),
                (
                    where,
                    "target",
                    _unsourced([target.isoformat()] if target else [], dated),
                    marks,
                ),
            ]
    for where, name, value, marks in checks:
        if value is not None and name not in marks:
            raise TrackerError(
                f"{path}: {where}: field '{name}': {value!r} is not in the source text; list "
                f"'{name}' under 'inferred' with where it comes from"
            )


def _target(
    spec: FixtureSpec, item: CommitmentSpec
) -> tuple[dt.date | None, str | None, str | None]:
    """The target date, and the milestone's title in English and Japanese when it names one."""
    if item.target is None:
        return None, None, None
    if isinstance(item.target, dt.date):
        return item.target, None, None
    milestone = spec.milestones[item.target]
    return milestone.date, milestone.title, milestone.title_ja


def _sync_milestones(
    session: Session, declaration: Declaration, spec: FixtureSpec, result: LoadResult
) -> None:
    """The fixture's milestones: added, or their title, date and rule brought in line (the
    dates announced for them are events, never touched here)."""
    existing = {
        m.slug: m
        for m in session.scalars(
            select(Milestone).where(
                Milestone.declaration_id == declaration.id, Milestone.kind == "meeting"
            )
        )
    }
    for slug, m in spec.milestones.items():
        values = {"title": m.title, "title_ja": m.title_ja, "date": m.date, "rule": m.rule or ""}
        found = existing.get(slug)
        if found is None:
            session.add(
                Milestone(declaration_id=declaration.id, slug=slug, kind="meeting", **values)
            )
        elif changed := _assign(found, values):
            result.changed[f"milestone {slug}"] = changed
    session.flush()


def _assign(obj: object, values: dict[str, Any]) -> list[str]:
    """Set the attributes that differ; return their names."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _record_completed_at_meeting(
    session: Session, spec: FixtureSpec, result: LoadResult, actor: str
) -> None:
    """A commitment the parties carried out at the meeting itself ("signed today the
    Convention") is achieved on the declaration's date, with the text as its evidence: one
    event, recorded when the item is first loaded. An item already loaded keeps its history
    (a later fixture never writes events for it)."""
    from tracker.progress import EvidenceSpec, record_progress
    from tracker.statuses import Status

    d = spec.declaration
    added = set(result.added)
    for pillar in spec.pillars:
        for item in pillar.commitments:
            if not item.achieved_at_meeting or item.code not in added:
                continue
            record_progress(
                session,
                code=item.code,
                status=Status.ACHIEVED,
                note=f'Completed at the meeting of {d.date.isoformat()}: "{item.quote}"',
                evidence=[
                    EvidenceSpec(
                        reference=d.source, kind="document", title=d.title, published_on=d.date
                    )
                ],
                on=d.date,
                actor=actor,
            )


def _sync_links(
    session: Session, fixture: Fixture, declaration: Declaration, result: LoadResult, actor: str
) -> None:
    """The links the file states, added to the history (tracker.links) where missing. A link
    is history: one the file no longer states stays, as a removed item does."""
    from tracker import links

    stated = [
        (item.code, kind, ref)
        for p in fixture.spec.pillars
        for item in p.commitments
        for kind, ref in item.links()
    ]
    if not stated:
        return
    edges = links._edges(session)
    ids = dict(
        session.execute(
            select(Commitment.code, Commitment.id).where(
                Commitment.declaration_id == declaration.id
            )
        ).all()
    )
    for code, kind, ref in stated:
        where = f"{fixture.path}: item {code}: field '{kind}'"
        slug, target_code = links.parse_ref(ref)
        target = session.scalar(select(Commitment).where(Commitment.code == target_code))
        if target is None:
            from tracker.commitments import suggest_codes

            close = suggest_codes(session, target_code)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise TrackerError(f"{where}: no item {ref.strip()!r}{hint}")
        later = session.get(Commitment, ids[code])
        assert later is not None
        if slug is not None and target.declaration.slug.lower() != slug.lower():
            raise TrackerError(
                f"{where}: {target.code} is an item of declaration "
                f"{target.declaration.slug}, not {slug}"
            )
        if target.id in edges.get(later.id, ()):
            continue  # stated before, already in the history
        try:
            links.add_link(
                session, later, target, kind, f"stated in {fixture.path.name}",
                f"load {fixture.path.name}", actor, edges,
            )  # fmt: skip
        except TrackerError as exc:
            raise TrackerError(f"{where}: {exc}") from None
        result.linked.append(f"{code} {kind} {target.code}")


def _prefix_hint(slug: str) -> str:
    """A code prefix made from a declaration's slug (gcap-trilateral-2026 -> GT), for the
    message that refuses a code another declaration has."""
    letters = "".join(w[0] for w in re.split(r"[^A-Za-z]+", slug) if w and w[0].isalpha())
    return (letters or "X")[:4].upper()


def sync_fixture(session: Session, fixture: Fixture) -> LoadResult:
    """Bring the database in line with the fixture. Never deletes; never touches events."""

    lock_for_load(session)
    testpoints.pause("load:before-write")
    spec = fixture.spec
    d = spec.declaration
    result = LoadResult(declaration=d.slug)

    declaration = session.scalar(select(Declaration).where(Declaration.slug == d.slug))
    values: dict[str, Any] = {
        "title": d.title,
        "date": d.date,
        "place": d.place,
        "parties": list(d.parties),
        "source": d.source,
        "source_text": fixture.source_text,
        "inferred": english_notes(d.inferred),
        "title_ja": d.title_ja,
        "cutoff": d.cutoff,
        "place_ja": d.place_ja,
        "inferred_origins": origins(d.inferred),
        "inferred_ja": notes_ja(d.inferred),
    }
    if declaration is None:
        declaration = Declaration(slug=d.slug, **values)
        session.add(declaration)
        session.flush()
        result.created_declaration = True
    elif changed := _assign(declaration, values):
        result.changed[f"declaration {d.slug}"] = [n for n in changed if n != "source_text"] + (
            ["source text"] if "source_text" in changed else []
        )

    _sync_milestones(session, declaration, spec, result)
    pillars = {
        p.slug: p
        for p in session.scalars(select(Pillar).where(Pillar.declaration_id == declaration.id))
    }
    existing = {
        c.code: c
        for c in session.scalars(
            select(Commitment).where(Commitment.declaration_id == declaration.id)
        )
    }
    codes_in_file = [item.code for p in spec.pillars for item in p.commitments]
    # Codes are unique across the tracker (event hashes, anchors and `progress CODE` name an
    # item by its code alone): every clash is named at once, with the declaration that has it.
    clashes = session.execute(
        select(Commitment.code, Declaration.slug)
        .join(Declaration, Commitment.declaration_id == Declaration.id)
        .where(
            Commitment.code.in_(set(codes_in_file) - set(existing)),
            Commitment.declaration_id != declaration.id,
        )
    ).all()
    if clashes:
        order = {code: n for n, code in enumerate(codes_in_file)}
        clashes = sorted(clashes, key=lambda row: order[row[0]])
        owners = list(dict.fromkeys(slug for _, slug in clashes))
        codes = ", ".join(code for code, _ in clashes)
        first = clashes[0][0]
        prefix = _prefix_hint(d.slug)
        raise TrackerError(
            f"{fixture.path}: item{'s' if len(clashes) > 1 else ''} {codes}: "
            f"{'codes' if len(clashes) > 1 else 'code'} already used by declaration "
            f"{' and '.join(owners)} (codes are unique across the tracker); give this "
            f"declaration's codes a prefix of their own, e.g. {prefix}-{first.split('-')[-1]}"
        )

    position = 0
    new: list[dict[str, Any]] = []
    for pillar_position, p in enumerate(spec.pillars, start=1):
        pillar = pillars.get(p.slug)
        if pillar is None:
            pillar = Pillar(
                declaration_id=declaration.id,
                slug=p.slug,
                title=p.title,
                title_ja=p.title_ja,
                position=pillar_position,
            )
            session.add(pillar)
            session.flush()
            pillars[p.slug] = pillar
        elif changed_titles := [
            n
            for n in _assign(
                pillar, {"title": p.title, "title_ja": p.title_ja, "position": pillar_position}
            )
            if n != "position"
        ]:
            result.changed[f"pillar {p.slug}"] = changed_titles
        for item in p.commitments:
            position += 1
            if item.title_ja is None:
                result.untranslated.append(item.code)
            target_date, target_label, target_label_ja = _target(spec, item)
            fields: dict[str, Any] = {
                "pillar_id": pillar.id,
                "position": position,
                "title": item.title,
                "description": item.description.strip(),
                "quote": item.quote,
                "kind": item.kind.value,
                "parties": list(item.parties),
                "owners": list(item.owners),
                "target_date": target_date,
                "target_label": target_label,
                "target_label_ja": target_label_ja,
                "milestone": item.target if isinstance(item.target, str) else None,
                "title_ja": item.title_ja.strip() if item.title_ja else None,
                "description_ja": item.description_ja.strip() if item.description_ja else None,
                "basis": item.basis.strip(),
                "inferred": english_notes(item.inferred),
                "guidelines": item.guidelines.as_dict() if item.guidelines else None,
                "owners_ja": (
                    [spec.owners_ja[o] for o in item.owners]
                    if spec.owners_ja and item.owners
                    else None
                ),
                "inferred_origins": origins(item.inferred),
                "inferred_ja": notes_ja(item.inferred),
            }
            commitment = existing.get(item.code)
            if commitment is None:
                new.append({"code": item.code, "declaration_id": declaration.id, **fields})
                result.added.append(item.code)
                continue
            old_kind = commitment.kind
            changed = [
                f"kind {old_kind} -> {commitment.kind}" if n == "kind" else n
                for n in _assign(commitment, fields)
                if n != "position"
            ]
            if changed:
                result.changed[item.code] = changed
            else:
                result.unchanged += 1
    if new:
        # One Core executemany, not one object per item (10,000 items in well under a second).
        session.execute(insert(commitments_table), new)
    # Who loads: asked once (it may run git), for every event, link and revision the load writes.
    actor = default_actor()
    _record_completed_at_meeting(session, spec, result, actor)
    testpoints.pause("load:mid-batch")
    in_file = set(codes_in_file)
    kinds = {item.code: item.kind.value for p in spec.pillars for item in p.commitments}
    for code, retired in spec.retired.items():
        old = existing.get(code.upper())
        if old is None:
            continue
        # Kept with its history, and classified as the item it became, so it scores alike.
        into = retired.into.upper() if retired.into else None
        if into is not None and old.kind != kinds[into]:
            result.changed[old.code] = [f"kind {old.kind} -> {kinds[into]}"]
            old.kind = kinds[into]
        result.retired[old.code] = (into, retired.reason)
    result.missing = sorted(
        code for code in existing if code not in in_file and code not in result.retired
    )
    session.flush()
    _sync_links(session, fixture, declaration, result, actor)
    anchor.store_content_hashes(session.connection(), [declaration.id])
    # The text as loaded is recorded, chained (tracker.revisions): text that no revision
    # explains was changed outside the tool, and verify names it.
    changes: dict[str, list[str]] = dict(result.changed)
    if result.added:
        changes["added"] = list(result.added)
    revisions.record(session, declaration.id, f"load {fixture.path.name}", changes, actor)
    testpoints.pause("load:before-commit")
    return result
