"""Load a declaration fixture (YAML) into the database, or bring the database in line with it.

The file is validated first, all of it, against a pydantic schema (errors name the file, the item
and the field), and every quote is checked against the source text it ships with. Syncing is
idempotent: new items are added, changed wording is updated, history is never touched, and
items the file no longer lists are reported, never deleted.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
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

from tracker import anchor, limits, revisions, testpoints
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
# An item named by a link: CODE, or SLUG:CODE.
Reference = Annotated[
    str, Field(min_length=1, max_length=limits.CODE.length + 1 + 80, pattern=r"^\S+$")
]
Guideline = Annotated[str, Field(min_length=1), _value_of("commitments", "guidelines")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The fields of an item whose values may come from outside the source text, marked as such.
InferableField = Literal["owners", "target", "parties"]


class MilestoneSpec(_Strict):
    # Also an item's target label (commitments.target_label), whose limit is the same.
    title: Annotated[str, Field(min_length=1), _stored("milestones", "title")]
    title_ja: Annotated[str, Field(min_length=1), _stored("milestones", "title_ja")] | None = None
    date: dt.date
    # How the date follows from the text when the text gives none ("in 2026" -> 31 December).
    rule: Annotated[str, Field(min_length=1), _stored("milestones", "rule")] | None = None


class GuidelinesSpec(_Strict):
    """What evidence earns each score, concrete enough that two analysts agree."""

    minus_one: Annotated[Guideline, Field(alias="-1")]
    zero: Annotated[Guideline, Field(alias="0")]
    plus_one: Annotated[Guideline, Field(alias="+1")]

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
    # Why the item has its kind, naming the operative words of the text.
    basis: Annotated[str, Field(min_length=1), _stored("commitments", "basis")]
    inferred: Annotated[dict[InferableField, NonEmpty], _stored("commitments", "inferred")] = {}
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
        if self.kind.scored and self.guidelines is None:
            raise ValueError(
                f"item {self.code}: a {self.kind} is scored, so it needs 'guidelines' "
                "with the evidence that earns -1, 0 and +1"
            )
        if not self.kind.scored and self.guidelines is not None:
            raise ValueError(
                f"item {self.code}: field 'guidelines': only scored items (commitments) have "
                f"them; a {self.kind} is not scored"
            )
        if (self.title_ja is None) != (self.description_ja is None):
            given = "title_ja" if self.title_ja is not None else "description_ja"
            missing = "description_ja" if given == "title_ja" else "title_ja"
            raise ValueError(f"item {self.code}: field '{missing}': needed with '{given}'")
        empty = [f for f in self.inferred if not getattr(self, f)]
        if empty:
            raise ValueError(f"item {self.code}: field 'inferred': {empty[0]!r} has no value")
        for kind, ref in self.links():
            if ref.rpartition(":")[2].strip().upper() == self.code:
                raise ValueError(
                    f"item {self.code}: field '{kind}': an item cannot {kind[:-1]} itself"
                )
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
        # A quoted ISO date ("2030-12-31", as yaml.safe_dump writes one) is still a date.
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"invalid date {value!r}") from None
        return value

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
    date: dt.date
    place: Annotated[str, Field(min_length=1), _stored("declarations", "place")]
    parties: Annotated[list[str], Field(min_length=1), _stored("declarations", "parties")]
    source: Annotated[str, Field(min_length=1), _stored("declarations", "source")]
    # Its text is read with at most as many bytes as declarations.source_text holds characters.
    source_file: Annotated[str, Field(min_length=1)]
    inferred: Annotated[
        dict[Literal["date", "place", "parties"], NonEmpty], _stored("declarations", "inferred")
    ] = {}
    # The end of the compliance period (G7 Research Group practice): until then a commitment
    # nobody has assessed is "not yet assessed"; after it, the final assessment.
    cutoff: dt.date | None = None

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
    declaration: DeclarationSpec
    milestones: dict[Annotated[str, _stored("milestones", "slug")], MilestoneSpec] = {}
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
    if error.get("type") == LIMIT:  # in import's words: `description is longer than ...`
        label = limits.json_path([f for f in fields if f != "[key]"])  # a key is the value
        return ": ".join([*parts, limits.said(label, message)])
    label = ".".join(map(str, fields))
    if label:
        parts.append(f"field {label!r}")
    return ": ".join([*parts, message])


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
                    f"{path}: item {item.code}: field 'quote': not found verbatim in "
                    f"{spec.declaration.source_file}"
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

    # A name (a party, an owner) is in the text as a word of its own: "UK" inside "UKRAINE"
    # or "Japan" inside "Japanese" is not the text naming it, and would pass unmarked.
    @functools.cache
    def named(name: str) -> bool:
        return in_text(name) and bool(re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text))

    dmarks: dict[str, str] = {str(k): v for k, v in d.inferred.items()}
    checks: list[tuple[str, str, str | None, dict[str, str]]] = [
        ("declaration", "date", _unsourced([d.date.isoformat()], in_text), dmarks),
        ("declaration", "place", _unsourced([d.place], in_text), dmarks),
        ("declaration", "parties", _unsourced(d.parties, named), dmarks),
    ]
    for pillar in spec.pillars:
        for item in pillar.commitments:
            target = item.target if isinstance(item.target, dt.date) else None
            if isinstance(item.target, str):
                target = spec.milestones[item.target].date
            where = f"item {item.code}"
            marks: dict[str, str] = {str(k): v for k, v in item.inferred.items()}
            checks += [
                # Each item's own: a mark on the declaration's parties does not vouch for an
                # item's (it may name a party the declaration does not).
                (where, "owners", _unsourced(item.owners, named), marks),
                (where, "parties", _unsourced(item.parties, named), marks),
                (
                    where,
                    "target",
                    _unsourced([target.isoformat()] if target else [], in_text),
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


def _sync_links(
    session: Session, fixture: Fixture, declaration: Declaration, result: LoadResult
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
                f"load {fixture.path.name}", default_actor(), edges,
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
        "inferred": dict(d.inferred),
        "title_ja": d.title_ja,
        "cutoff": d.cutoff,
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
                "inferred": dict(item.inferred),
                "guidelines": item.guidelines.as_dict() if item.guidelines else None,
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
    _sync_links(session, fixture, declaration, result)
    anchor.store_content_hashes(session.connection(), [declaration.id])
    # The text as loaded is recorded, chained (tracker.revisions): text that no revision
    # explains was changed outside the tool, and verify names it.
    changes: dict[str, list[str]] = dict(result.changed)
    if result.added:
        changes["added"] = list(result.added)
    revisions.record(session, declaration.id, f"load {fixture.path.name}", changes, default_actor())
    testpoints.pause("load:before-commit")
    return result
