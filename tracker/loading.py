"""Load a declaration fixture (YAML) into the database, or bring the database in line with it.

The file is validated first, all of it, against a pydantic schema (errors name the file, the item
and the field), and every quote is checked against the source text it ships with. Syncing is
idempotent: new items are added, changed wording is updated, history is never touched, and
items the file no longer lists are reported, never deleted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tracker.errors import TrackerError
from tracker.models import Commitment, Declaration, Pillar, commitments_table
from tracker.statuses import FORMER_KINDS, Kind

CODE_PATTERN = r"^[A-Z][A-Z0-9]*-[0-9]+$"
# The benchmark's 10,000-item fixture is about 5 MB.
MAX_FIXTURE_BYTES = 64 * 2**20
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Name = Annotated[str, Field(min_length=1, max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MilestoneSpec(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    date: dt.date


class CommitmentSpec(_Strict):
    code: Annotated[str, Field(max_length=32)]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    # Verbatim: never stripped or normalised, it must match the source text exactly.
    quote: Annotated[str, Field(min_length=1)]
    kind: Kind
    parties: Annotated[list[Name], Field(min_length=1)]
    owners: list[Name] = []
    target: dt.date | str | None = None

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
        return code

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is blank")
        return value.strip()


class PillarSpec(_Strict):
    slug: Slug
    title: Annotated[str, Field(min_length=1, max_length=200)]
    commitments: Annotated[list[CommitmentSpec], Field(min_length=1)]


class DeclarationSpec(_Strict):
    slug: Slug
    title: Annotated[str, Field(min_length=1, max_length=300)]
    date: dt.date
    place: Annotated[str, Field(min_length=1, max_length=200)]
    parties: Annotated[list[Name], Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    source_file: Annotated[str, Field(min_length=1)]


class FixtureSpec(_Strict):
    schema_: Annotated[int, Field(alias="schema")] = 1
    declaration: DeclarationSpec
    milestones: dict[Slug, MilestoneSpec] = {}
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
    fields: list[str] = []
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
                fields.append(str(part))
        else:
            fields.append(str(part))
    message = str(error["msg"]).removeprefix("Value error, ")
    label = ".".join(fields)
    parts = [str(path), *where]
    if label:
        parts.append(f"field {label!r}")
    return ": ".join([*parts, message])


def read_fixture(path: Path) -> Fixture:
    """Parse and validate a fixture file and check its quotes; raise TrackerError with one line."""
    import yaml

    from tracker.fixture_input import load_yaml, read_bounded, read_source

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
    return Fixture(path=path, spec=spec, source_text=source_text)


def _target(spec: FixtureSpec, item: CommitmentSpec) -> tuple[dt.date | None, str | None]:
    if item.target is None:
        return None, None
    if isinstance(item.target, dt.date):
        return item.target, None
    milestone = spec.milestones[item.target]
    return milestone.date, milestone.title


def _assign(obj: object, values: dict[str, Any]) -> list[str]:
    """Set the attributes that differ; return their names."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def sync_fixture(session: Session, fixture: Fixture) -> LoadResult:
    """Bring the database in line with the fixture. Never deletes; never touches events."""
    from tracker.concurrency import lock_for_load

    lock_for_load(session)
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
    elsewhere = session.scalars(
        select(Commitment.code).where(
            Commitment.code.in_(set(codes_in_file) - set(existing)),
            Commitment.declaration_id != declaration.id,
        )
    ).first()
    if elsewhere is not None:
        raise TrackerError(
            f"{fixture.path}: item {elsewhere}: code already belongs to another declaration"
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
                position=pillar_position,
            )
            session.add(pillar)
            session.flush()
            pillars[p.slug] = pillar
        elif "title" in _assign(pillar, {"title": p.title, "position": pillar_position}):
            result.changed[f"pillar {p.slug}"] = ["title"]
        for item in p.commitments:
            position += 1
            target_date, target_label = _target(spec, item)
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
            }
            commitment = existing.get(item.code)
            if commitment is None:
                new.append({"code": item.code, "declaration_id": declaration.id, **fields})
                result.added.append(item.code)
                continue
            changed = [n for n in _assign(commitment, fields) if n != "position"]
            if changed:
                result.changed[item.code] = changed
            else:
                result.unchanged += 1
    if new:
        # One Core executemany, not one object per item (10,000 items in well under a second).
        session.execute(insert(commitments_table), new)
    in_file = set(codes_in_file)
    result.missing = sorted(code for code in existing if code not in in_file)
    session.flush()
    return result
