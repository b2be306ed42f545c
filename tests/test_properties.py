"""Property tests: arbitrary input through `tracker progress` and the fixture loader.

Whatever the text (very long, control characters, right-to-left scripts, CJK, emoji, combining
marks, line breaks of every kind), a command either succeeds and stores exactly what it was
given, or fails with one `error:` line and exit code 1: never a traceback. The loader turns every
broken fixture into one TrackerError line that names the file.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from support import BUNDLED, Cli

from tracker.errors import TrackerError
from tracker.loading import CODE_PATTERN, read_fixture
from tracker.paths import bundled_fixture
from tracker.statuses import KINDS, STATUSES

SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
BUNDLED_CODES = [
    item.code
    for pillar in read_fixture(bundled_fixture()).spec.pillars
    for item in pillar.commitments
]
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DATE_LIKE = re.compile(r"\s*\d{4}-\d\d-\d\d\s*")

# --- text ------------------------------------------------------------------------------------

SPECIAL = [
    "مرحبا بالعالم",  # Arabic
    "שלום עולם",  # Hebrew
    "日本と英国の防衛協力",  # Japanese
    "中英合作",  # Chinese
    "한국어",  # Korean
    "🇯🇵🇬🇧",  # flags (regional indicator pairs)
    "👩🏽‍💻",  # ZWJ sequence with a skin tone
    "e\u0301",  # decomposed é (NFC differs)
    "\u212b",  # Angstrom sign (NFC changes it)
    "\u200f\u202e\u2066",  # RTL mark, RTL override, isolate
    "\ufeff",  # BOM / zero-width no-break space
    "\r\n",
    "\r",
    "\n",
    "\u2028\u2029\x85",  # Unicode and C1 line breaks
    "\t",
    "\x1b[31mred\x1b[0m",  # ANSI escape
    "\x07\x08\x7f",
    "[bold]not markup[/bold]",  # rich markup must stay text
    "%s {0} {} \\N \\",
    "'\"`",
    "--help",
    "-m",
    " ",
    "\u3000",  # ideographic space
]

ANY_CHAR = st.characters(codec="utf-8", exclude_characters="\x00")  # no surrogates
CONTROL = st.characters(categories=["Cc"], exclude_characters="\x00")


def texts(min_size: int = 0, max_size: int = 200) -> st.SearchStrategy[str]:
    """Text mixing arbitrary characters, control characters and tricky scripts."""
    piece = st.one_of(
        st.text(ANY_CHAR, min_size=1, max_size=20),
        st.sampled_from(SPECIAL),
        st.text(CONTROL, min_size=1, max_size=3),
    )
    return st.lists(piece, min_size=min(min_size, 1), max_size=8).map(
        lambda pieces: "".join(pieces)[:max_size]
    )


def long_texts(min_size: int = 5_000, max_size: int = 20_000) -> st.SearchStrategy[str]:
    return st.builds(
        lambda chunk, n: (chunk * (n // len(chunk) + 1))[:n],
        texts(min_size=1, max_size=60),
        st.integers(min_size, max_size),
    )


def one_error_line(result: Any) -> str:
    """The command failed cleanly: exit 1, a single `error: ...` line on stderr, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.endswith("\n") and "\n" not in result.stderr[:-1], result.stderr
    assert "\r" not in result.stderr, result.stderr
    return result.stderr


def no_traceback(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)


# --- tracker progress ------------------------------------------------------------------------


def with_nul(text: str, at: int) -> str:
    at %= len(text) + 1
    return text[:at] + "\x00" + text[at:]


@settings(max_examples=50, **SETTINGS)
@given(
    code=st.sampled_from(BUNDLED_CODES).flatmap(
        lambda c: st.sampled_from([c, c.lower(), f"  {c.lower()} "])
    ),
    status=st.sampled_from(STATUSES),
    note_text=st.one_of(texts(), long_texts()),
    actor=st.one_of(
        texts(min_size=1, max_size=120).filter(str.strip),
        st.sampled_from(["x", "j.smith", "山田 太郎", "محمد", "🤖"]),
    ),
    evidence=st.lists(
        st.one_of(
            texts(min_size=1, max_size=120),
            st.just("https://example.org/a?b=c#d"),
            st.sampled_from([" ", "\t\n", "\u3000"]),  # blank: refused
        ),
        max_size=3,
    ),
    on=st.dates(dt.date(2000, 1, 1), dt.date.today()),
    nul=st.one_of(
        st.none(),
        st.none(),
        st.none(),
        st.tuples(st.sampled_from(["note", "actor", "evidence"]), st.integers(0, 999)),
    ),
    separate=st.booleans(),
)
def test_progress_stores_exactly_what_was_given(
    cli_sqlite: Cli,
    code: str,
    status: str,
    note_text: str,
    actor: str,
    evidence: list[str],
    on: dt.date,
    nul: tuple[str, int] | None,
    separate: bool,
) -> None:
    if nul is not None:
        field, at = nul
        if field == "note":
            note_text = with_nul(note_text, at)
        elif field == "actor":
            actor = with_nul(actor, at)
        else:
            evidence = [*evidence, with_nul("doc", at)]

    def opt(name: str, value: str) -> list[str]:
        # Both spellings a user can type: `--note VALUE` and `--note=VALUE`.
        return [name, value] if separate else [f"{name}={value}"]

    args = ["progress", code, *opt("--status", status), *opt("--note", note_text)]
    args += [*opt("--by", actor), *opt("--on", on.isoformat()), *opt("--reason", "checked")]
    if on < dt.date(2026, 1, 31):
        # Before the declaration: recorded as given once the user says it is a genuine fact.
        args.append("--before-declaration")
    for reference in evidence:
        args += opt("--evidence", reference)

    def events() -> list[dict[str, Any]]:
        return json.loads(cli_sqlite.ok("show", code, "--format", "json"))["events"]

    before = events()
    result = cli_sqlite(*args)
    event(f"note of {'over' if len(note_text) > 1000 else 'up to'} 1000 characters")

    expected_errors = []
    if nul is not None:
        expected_errors.append("contains a NUL character")
    if any(not e.strip() for e in evidence):
        expected_errors.append("evidence must not be empty")
    if expected_errors:
        event(f"refused: {' / '.join(expected_errors)}")
        message = one_error_line(result)
        assert any(e in message for e in expected_errors), message
        assert events() == before  # a failed command writes nothing
    else:
        event("recorded")
        no_traceback(result)
        found = re.search(r"\(event #(\d+)", result.stdout)
        assert found, result.stdout
        event_id = int(found.group(1))
        after = events()
        assert len(after) == len(before) + 1
        stored = next(e for e in after if e["id"] == event_id)
        assert stored["note"] == note_text  # exactly as given, never stripped or normalised
        assert stored["actor"] == actor.strip()
        assert stored["evidence"] == [e.strip() for e in evidence]
        assert stored["on"] == on.isoformat()
        assert stored["status"] == status
        assert stored["reason"] == "checked"
        # Every view of the history survives the text too.
        no_traceback(cli_sqlite("show", code))
        no_traceback(cli_sqlite("log", "--limit", "3"))
        no_traceback(cli_sqlite("log", "--code", code, "--format", "json"))
    verify = cli_sqlite("verify")
    assert verify.exit_code == 0, verify.stderr
    assert verify.stdout.startswith(f"verify: OK, {BUNDLED} commitments, ")


@settings(max_examples=15, **SETTINGS)
@given(actor=st.text(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u3000")))
def test_progress_refuses_a_blank_actor(cli_sqlite: Cli, actor: str) -> None:
    result = cli_sqlite("progress", "CYB-01", "-s", "in_progress", f"--by={actor}")
    assert "--by must not be empty" in one_error_line(result)
    assert json.loads(cli_sqlite.ok("show", "CYB-01", "--format", "json"))["events"] == []


# --- fixtures --------------------------------------------------------------------------------

SLUGS = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}\Z", fullmatch=True)
PREFIXES = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,5}\Z", fullmatch=True)
# Not blank: import refuses a blank name, so the loader does too (tracker.limits).
NAMES = texts(min_size=1, max_size=40).filter(str.strip)


def norm_code(code: str) -> str:
    return code.strip().upper()


def valid_code(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= 32
        and re.match(CODE_PATTERN, norm_code(value)) is not None
    )


@st.composite
def fixtures(draw: st.DrawFn, max_items: int = 50) -> tuple[dict[str, Any], str]:
    """A valid fixture (as data) and the source text its quotes come from.

    Texts are drawn into small pools that the items pick from (with the item's number added),
    which keeps 50-item examples cheap to generate and shrink.
    """
    source = draw(
        st.one_of(texts(min_size=1, max_size=400), long_texts(500, 3000)).map(
            # Text files are read with universal newlines, so a lone CR cannot be quoted.
            lambda s: s.replace("\r", "")
        )
    )
    assume(source)
    n = draw(st.integers(1, max_items), label="items")
    prefixes = draw(st.lists(PREFIXES, min_size=1, max_size=3, unique_by=str.upper))
    numbers = [i * 1000 + draw(st.integers(0, 999)) for i in range(n)]  # distinct by design
    titles = draw(st.lists(texts(1, 190).filter(str.strip), min_size=1, max_size=4))
    descriptions = draw(
        st.lists(st.one_of(texts(0, 300), long_texts(1000, 3000)), min_size=1, max_size=3)
    )
    names = draw(st.lists(NAMES, min_size=1, max_size=4))
    milestones = draw(
        st.dictionaries(
            # A milestone named like a date would be read as that date.
            SLUGS.filter(lambda m: not DATE_LIKE.fullmatch(m)),
            st.fixed_dictionaries(
                {"title": texts(1, 60), "date": st.dates(dt.date(2020, 1, 1), dt.date(2040, 1, 1))}
            ),
            max_size=2,
        )
    )
    target = st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)))
    if milestones:
        target = st.one_of(target, st.sampled_from(sorted(milestones)))
    pick = st.integers(0, 10**6)
    items = []
    for index, number in enumerate(numbers):
        prefix = prefixes[number % len(prefixes)]
        code = f"{prefix}-{number:0{draw(st.integers(1, 5))}d}"
        if norm_code(code) in BUNDLED_CODES:
            code = f"{prefix}-{number + 100_000}"  # numbers stay distinct
        start = draw(st.integers(0, len(source) - 1))
        end = draw(st.integers(start + 1, min(len(source), start + 300)))
        title = titles[draw(pick) % len(titles)]
        items.append(
            {
                "code": draw(st.sampled_from(["", " ", "\t"]))
                + code
                + draw(st.sampled_from(["", " "])),
                "title": title if index % 3 else f"{title} {index}",
                "description": descriptions[draw(pick) % len(descriptions)],
                "quote": source[start:end],
                "kind": draw(st.sampled_from(KINDS)).value,
                "parties": [names[draw(pick) % len(names)]],
                "owners": names[: draw(pick) % (len(names) + 1)],
                "target": draw(target),
                "basis": (descriptions[draw(pick) % len(descriptions)] or "basis")[:500],
            }
        )
        item = items[-1]
        # Generated names and dates need not be in the text: every such field is marked.
        item["inferred"] = {f: "generated" for f in ("parties", "owners", "target") if item[f]}
        if item["kind"] == "commitment":
            item["guidelines"] = {"-1": "none", "0": "some", "+1": "all"}
    cuts = sorted(draw(st.sets(st.integers(1, max(n - 1, 1)), max_size=min(3, n - 1))))
    bounds = [0, *cuts, n]
    count = len(bounds) - 1
    pillar_slugs = draw(st.lists(SLUGS, min_size=count, max_size=count, unique=True))
    pillars = [
        {"slug": slug, "title": draw(texts(1, 200)), "commitments": items[lo:hi]}
        for slug, lo, hi in zip(pillar_slugs, bounds[:-1], bounds[1:], strict=True)
    ]
    slug = draw(SLUGS)
    spec = {
        "schema": 1,
        "declaration": {
            "slug": slug,
            "title": draw(texts(1, 300)),
            "date": draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))),
            "place": draw(texts(1, 200)),
            "parties": names,
            "source": draw(texts(1, 300)),
            "source_file": f"{slug}.txt",
            "inferred": {"date": "generated", "place": "generated", "parties": "generated"},
        },
        "milestones": milestones,
        "pillars": pillars,
    }
    return spec, source


class _DoubleQuoted(yaml.SafeDumper):
    """Every string double-quoted, so every character is written as an escape if need be."""


_DoubleQuoted.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
)


def dump_yaml(data: dict[str, Any]) -> str:
    """yaml.safe_dump, unless PyYAML cannot read back what it wrote (it writes a NEL, U+0085,
    raw inside a single-quoted string and reads it back as a line break); then every string is
    written double-quoted, with escapes. Either way the file holds exactly `data`."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if yaml.load(text, Loader=YAML_LOADER) != data:
        text = yaml.dump(data, Dumper=_DoubleQuoted, allow_unicode=True, sort_keys=False)
    assert yaml.load(text, Loader=YAML_LOADER) == data
    return text


def write_fixture(directory: Path, spec: dict[str, Any], source: str) -> Path:
    """The YAML and its source text, side by side."""
    directory.mkdir(parents=True, exist_ok=True)
    # Named after the declaration: a mutation may point source_file elsewhere.
    (directory / f"{spec['declaration']['slug']}.txt").write_text(
        source, encoding="utf-8", newline=""
    )
    path = directory / "fixture.yaml"
    path.write_text(dump_yaml(spec), encoding="utf-8", newline="")
    return path


def all_items(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for pillar in spec["pillars"] for item in pillar["commitments"]]


@settings(max_examples=60, **SETTINGS)
@given(fixture=fixtures())
def test_valid_fixture_reads_back_exactly(tmp_path: Path, fixture: tuple[dict, str]) -> None:
    spec, source = fixture
    path = write_fixture(tmp_path / uuid.uuid4().hex, spec, source)
    loaded = read_fixture(path)
    assert loaded.source_text == source
    got = [item for pillar in loaded.spec.pillars for item in pillar.commitments]
    for given_item, item in zip(all_items(spec), got, strict=True):
        assert item.code == norm_code(given_item["code"])
        assert item.title == given_item["title"].strip()
        assert item.quote == given_item["quote"]
        assert item.description == given_item["description"]
        assert item.parties == given_item["parties"]
        assert item.owners == given_item["owners"]


# A mutation makes a valid fixture invalid; `needle` is what the error must mention.
MUTATIONS = [
    "wrong kind",
    "missing field",
    "quote not in text",
    "bad code",
    "duplicate code",
    "blank title",
    "no parties",
    "unknown milestone",
    "wrong type",
    "extra field",
    "bad pillar slug",
    "no source file",
    "bad date",
]
PRINTABLE = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])


@st.composite
def broken_fixtures(draw: st.DrawFn) -> tuple[dict[str, Any], str, str, str]:
    """(spec, source, mutation, needle): a valid fixture with one thing broken."""
    spec, source = draw(fixtures(max_items=8))
    spec = copy.deepcopy(spec)
    items = all_items(spec)
    item = draw(st.sampled_from(items))
    kind = draw(st.sampled_from(MUTATIONS))
    needle = ""
    if kind == "wrong kind":
        item["kind"] = draw(
            st.one_of(st.text(PRINTABLE, max_size=20), st.integers(), st.none()).filter(
                lambda k: k not in {k.value for k in KINDS}
            )
        )
        needle = "'kind'"
    elif kind == "missing field":
        field = draw(st.sampled_from(["code", "title", "quote", "kind", "parties"]))
        del item[field]
        needle = f"'{field}'"
    elif kind == "quote not in text":
        item["quote"] = draw(texts(1, 50).filter(lambda q: q not in source.replace("\r", "")))
        needle = "'quote': not found verbatim"
    elif kind == "bad code":
        # Printable, on one line: see test_error_naming_an_odd_code_is_one_line for the rest.
        item["code"] = draw(
            st.one_of(
                st.text(PRINTABLE, max_size=40),
                st.from_regex(r"\A[0-9_][A-Z0-9]*-[0-9]+\Z", fullmatch=True),
                st.from_regex(r"\A[A-Z]+-[0-9]+[a-z]\Z", fullmatch=True),
                st.sampled_from(["CYB01", "CYB-", "-01", "CYB-0x1", "C-Y-1", "CYB_01", "CYB-٣"]),
            ).filter(lambda c: not valid_code(c))
        )
        needle = "'code'"
    elif kind == "duplicate code":
        assume(len(items) > 1)
        other = draw(st.sampled_from([i for i in items if i is not item]))
        item["code"] = draw(st.sampled_from([other["code"], norm_code(other["code"]).lower()]))
        needle = "used twice"
    elif kind == "blank title":
        item["title"] = draw(st.text(st.sampled_from(" \t\n\u3000\xa0"), min_size=1))
        needle = "'title'"
    elif kind == "no parties":
        item["parties"] = draw(st.sampled_from([[], [""], None, "Japan"]))
        needle = "parties"  # `field 'parties'`, or `parties[0] is blank` as import says it
    elif kind == "unknown milestone":
        item["target"] = draw(
            st.text(PRINTABLE, min_size=1, max_size=20).filter(
                lambda t: (
                    t not in spec["milestones"] and not re.fullmatch(r"\s*\d{4}-\d\d-\d\d\s*", t)
                )
            )
        )
        needle = "'target'"
    elif kind == "wrong type":
        field = draw(st.sampled_from(["title", "quote", "parties", "kind"]))
        item[field] = draw(st.sampled_from([12, 3.5, True, {"a": 1}, [[1]]]))
        needle = f"'{field}"
    elif kind == "extra field":
        name = draw(st.text(PRINTABLE, min_size=1, max_size=12).filter(lambda k: k not in item))
        item[name] = "surprise"
        needle = "is not allowed; "  # then the nearest allowed field, and the list
    elif kind == "bad pillar slug":
        pillar = draw(st.sampled_from(spec["pillars"]))
        pillar["slug"] = draw(
            st.text(PRINTABLE, max_size=20).filter(
                lambda s: not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s)
            )
        )
        needle = ": slug is not a slug"  # as import says it (tracker.limits)
    elif kind == "no source file":
        spec["declaration"]["source_file"] = draw(
            st.sampled_from(["missing.txt", "sub/missing.txt", ".", "..", "fixture.yaml/x"])
        )
        needle = "source_file"
    else:  # bad date
        spec["declaration"]["date"] = draw(st.sampled_from(["2026-02-30", "yesterday", "1/2/26"]))
        needle = "declaration.date"
    return spec, source, kind, needle


def assert_one_line_error(exc: TrackerError, path: Path) -> str:
    message = str(exc)
    assert message.startswith(f"{path}: ") or message.startswith(f"cannot read fixture {path}")
    assert "\n" not in message and "\r" not in message, message
    return message


@settings(max_examples=100, **SETTINGS)
@given(broken=broken_fixtures())
def test_broken_fixture_gives_one_line_naming_the_file(
    tmp_path: Path, broken: tuple[dict, str, str, str]
) -> None:
    spec, source, mutation, needle = broken
    note(f"mutation: {mutation}")
    path = write_fixture(tmp_path / uuid.uuid4().hex, spec, source)
    with pytest.raises(TrackerError) as caught:
        read_fixture(path)
    message = assert_one_line_error(caught.value, path)
    assert needle in message, message


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(PRINTABLE, max_size=20)
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(PRINTABLE, max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


# Text without line breaks (a raw code with one is the known bug below).
ONE_LINE_TEXTS = texts(0, 60).map(
    lambda s: "".join(c for c in s if len(f"a{c}b".splitlines()) == 1)
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@settings(max_examples=120, **SETTINGS)
@given(fixture=fixtures(max_items=5), data=st.data())
def test_any_change_to_a_fixture_loads_or_fails_cleanly(
    tmp_path: Path, fixture: tuple[dict, str], data: st.DataObject
) -> None:
    """Replace or delete any node of a valid fixture with anything: the loader either accepts
    the result or raises one TrackerError line naming the file, nothing else."""
    spec, source = fixture
    spec = copy.deepcopy(spec)
    source_name = spec["declaration"]["source_file"]
    where = data.draw(st.sampled_from(_paths(spec)[1:]), label="node")
    parent = spec
    for part in where[:-1]:
        parent = parent[part]
    if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = data.draw(st.one_of(JSONISH, ONE_LINE_TEXTS), label="value")
    path = tmp_path / uuid.uuid4().hex / "fixture.yaml"
    path.parent.mkdir()
    (path.parent / source_name).write_text(source, encoding="utf-8", newline="")
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    try:
        read_fixture(path)
    except TrackerError as exc:
        event("refused")
        assert_one_line_error(exc, path)
    else:
        event("loaded")


# --- tracker load through the CLI ------------------------------------------------------------


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database after `tracker init`, copied for each example."""
    from tracker.db import dispose_engines

    path = tmp_path_factory.mktemp("template") / "tracker.db"
    Cli(f"sqlite:///{path}").ok("init")
    dispose_engines()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def fresh_cli(template: Path, directory: Path) -> Cli:
    from tracker.db import dispose_engines

    dispose_engines()  # close the previous example's database
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "tracker.db"
    shutil.copyfile(template, target)
    return Cli(f"sqlite:///{target}")


@settings(max_examples=20, **SETTINGS)
@given(fixture=fixtures(), data=st.data())
def test_load_round_trips_through_the_cli(
    template_db: Path, tmp_path: Path, fixture: tuple[dict, str], data: st.DataObject
) -> None:
    spec, source = fixture
    directory = tmp_path / uuid.uuid4().hex
    path = write_fixture(directory, spec, source)
    cli = fresh_cli(template_db, directory)
    items = all_items(spec)
    out = cli.ok("load", str(path))
    assert f"{len(items)} added, 0 changed, 0 unchanged" in out

    listed = {r["code"]: r for r in json.loads(cli.ok("list", "--all", "--format", "json"))}
    assert len(listed) == BUNDLED + len(items)
    for item in items:
        row = listed[norm_code(item["code"])]
        assert row["title"] == item["title"].strip()
        assert row["parties"] == item["parties"]
        assert row["kind"] == item["kind"]
    for item in data.draw(st.lists(st.sampled_from(items), min_size=1, max_size=3), label="show"):
        shown = json.loads(cli.ok("show", item["code"], "--format", "json"))
        assert shown["code"] == norm_code(item["code"])
        assert shown["title"] == item["title"].strip()
        assert shown["quote"] == item["quote"]
        assert shown["description"] == item["description"].strip()
        assert shown["owner"] == item["owners"]
        no_traceback(cli("show", item["code"]))

    # Loading the same file again changes nothing.
    again = cli.ok("load", str(path))
    assert f"0 added, 0 changed, {len(items)} unchanged" in again
    assert cli.ok("verify").startswith(f"verify: OK, {BUNDLED + len(items)} commitments")


@settings(max_examples=20, **SETTINGS)
@given(broken=broken_fixtures())
def test_load_of_a_broken_fixture_writes_nothing(
    template_db: Path, tmp_path: Path, broken: tuple[dict, str, str, str]
) -> None:
    spec, source, mutation, needle = broken
    note(f"mutation: {mutation}")
    directory = tmp_path / uuid.uuid4().hex
    path = write_fixture(directory, spec, source)
    cli = fresh_cli(template_db, directory)
    message = one_error_line(cli("load", str(path)))
    assert message.startswith(f"error: {path}: ") or message.startswith(
        f"error: cannot read fixture {path}"
    )
    assert needle in message
    assert len(json.loads(cli.ok("list", "--all", "--format", "json"))) == BUNDLED


# --- known bugs ------------------------------------------------------------------------------


def _one_item_fixture(directory: Path, **changes: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "src.txt").write_text("Both sides will meet.\n", encoding="utf-8")
    item = {"code": "ODD-1", "title": "Meet", "quote": "will meet", "kind": "commitment"}
    item["parties"] = ["A"]
    pillar = {"slug": "pillar", "title": "Pillar", "commitments": [item]}
    declaration = {
        "slug": "odd",
        "title": "Odd",
        "date": dt.date(2026, 1, 1),
        "place": "Here",
        "parties": ["A"],
        "source": "test",
        "source_file": "src.txt",
    }
    for key, value in changes.items():
        target = {"code": item, "pillar_slug": pillar, "source_file": declaration}[key]
        target[key.removeprefix("pillar_")] = value
    spec = {"schema": 1, "declaration": declaration, "pillars": [pillar]}
    path = directory / "fixture.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change",
    [{"code": "ODD\n-1"}, {"code": "ODD-1\rX"}, {"pillar_slug": "bad\nslug"}],
    ids=["code-LF", "code-CR", "slug-LF"],
)
def test_error_naming_an_odd_code_is_one_line(
    cli_sqlite: Cli, tmp_path: Path, change: dict[str, str]
) -> None:
    path = _one_item_fixture(tmp_path / "odd", **change)
    with pytest.raises(TrackerError) as caught:
        read_fixture(path)
    assert_one_line_error(caught.value, path)
    one_error_line(cli_sqlite("load", str(path)))


def test_source_file_with_a_nul_is_a_clean_error(cli_sqlite: Cli, tmp_path: Path) -> None:
    path = _one_item_fixture(tmp_path / "nul", source_file="src\x00.txt")
    result = cli_sqlite("load", str(path))
    one_error_line(result)


def test_nul_in_fixture_text_is_refused_on_every_engine(tmp_path: Path) -> None:
    """PostgreSQL text cannot hold NUL, so the loader refuses it everywhere, naming the field."""
    path = _one_item_fixture(tmp_path / "nul-title")
    text = path.read_text(encoding="utf-8").replace("title: Meet", 'title: "bad\\0title"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TrackerError, match=r"field 'title': contains a NUL character"):
        read_fixture(path)


# --- the report's hand-written JSON -----------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    code=texts(1, 20),
    title=texts(),
    note=texts(),
    reason=st.none() | texts(),
    party=st.none() | texts(1, 30),
    names=st.lists(texts(0, 20), max_size=4),
    evidence=st.lists(
        st.tuples(texts(1, 80), st.none() | texts(0, 40), st.none() | st.dates()), max_size=3
    ),
    label=st.none() | texts(0, 40),
    target=st.none() | st.dates(),
    status=st.sampled_from(STATUSES),
    corrects=st.none() | st.integers(1, 10**12),
    declaration=texts(0, 40),
    continues=st.lists(
        st.tuples(
            texts(1, 20),
            texts(0, 40),
            st.sampled_from(["follows", "reaffirms"]),
            st.sampled_from(STATUSES),
            st.none() | st.dates(),
        ),
        max_size=3,
    ),
)
def test_report_json_objects_read_back_as_the_fields(
    code: str,
    title: str,
    note: str,
    reason: str | None,
    party: str | None,
    names: list[str],
    evidence: list[tuple[str, str | None, dt.date | None]],
    label: str | None,
    target: dt.date | None,
    status: Any,
    corrects: int | None,
    declaration: str,
    continues: list[tuple[str, str, str, Any, dt.date | None]],
) -> None:
    """Commitments and events are written one per line by orjson (for speed); any text reads
    back exactly, and the text is what json.dumps writes, compact, for the same object."""
    from tracker.reports import as_json
    from tracker.reports.model import Continuation, EventLine, ItemLine, Source
    from tracker.statuses import Kind

    recorded = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
    line = EventLine(
        id=7, code=code, title=title, on=dt.date(2026, 3, 1), recorded_at=recorded,
        from_status=STATUSES[0], to_status=status, note=note, reason=reason, actor=title,
        evidence=[Source(*e) for e in evidence], party=party, corrects_id=corrects,
    )  # fmt: skip
    expected_event = {
        "id": 7, "code": code, "on": "2026-03-01", "party": party,
        "from_status": STATUSES[0].value, "to_status": status.value, "note": note,
        "reason": reason, "evidence": [ref for ref, _title, _on in evidence],
        "evidence_details": [
            {"reference": ref, "title": title, "published_on": on and on.isoformat()}
            for ref, title, on in evidence
        ],
        "actor": title,
        "recorded_at": recorded.isoformat(), "corrects": corrects,
    }  # fmt: skip
    text = as_json.event(line)
    assert json.loads(text) == expected_event
    assert text == json.dumps(expected_event, ensure_ascii=False, separators=(",", ":"))
    item = ItemLine(
        code=code, title=title, pillar=note, pillar_title=note, kind=Kind.ONGOING,
        parties=names, owners=names[::-1], target_date=target, target_label=label,
        status=status, score=None, overdue=bool(target), last_event=line,
        party_status=dict.fromkeys(names, status), chain_head="ab" * 32, basis=note,
        inferred=dict.fromkeys(names, "analyst's assignment"), declaration=declaration,
        continues=[Continuation(*c) for c in continues],
    )  # fmt: skip
    expected_item = {
        "code": code, "title": title, "pillar": note, "kind": "ongoing", "parties": names,
        "owners": names[::-1], "target": target.isoformat() if target else None,
        "target_label": label, "status": status.value, "score": None, "assessed": True,
        "party_status": dict.fromkeys(names, status.value), "overdue": bool(target),
        "last_event": expected_event, "chain_head": "ab" * 32,
        "chain_length": 0, "content_hash": item.content_hash, "basis": note,
        "inferred": sorted(set(names)), "declaration": declaration,
        "continues": [
            {"code": c, "declaration": d, "link": link, "status": state.value,
             "since": since and since.isoformat()}
            for c, d, link, state, since in continues
        ],
    }  # fmt: skip
    text = as_json.item(item)
    assert json.loads(text) == expected_item
    assert text == json.dumps(expected_item, ensure_ascii=False, separators=(",", ":"))
