"""Adversarial: a database someone sent you. Every name and text in it (item codes, pillar,
declaration and milestone slugs, titles, descriptions, quotes, owners, parties, labels, the
schema revision) can hold escape sequences, bidi overrides, carriage returns and line breaks,
written with SQL past the tool. No command and no format may print one raw: each is shown as
U+FFFD, and no text starts a line of its own. The Markdown report also keeps its tables whole
around a `|` in a link, and notifies nobody on GitHub (@user, #123) nor renders maths ($x$).

Each case on both engines, on real databases; the checks use their own list of unsafe
characters, not tracker.scrub's.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_helpers import ROOT, one_line_error
from markdown_it import MarkdownIt
from support import IN_CI, Build, Cli, record
from typer.testing import CliRunner

from tracker.cli import app

# An OSC sequence: sets the terminal's title (upper case: codes are looked up in upper case).
ESCAPES = "\x1b]0;PWN\x07"
# Everything a terminal, a bidi-aware viewer or a line-based reader can be fooled by, and a
# line break before a word that must never start a line.
HOSTILE = ESCAPES + "\u202e\r\u2028\x85\x9b31m\nFORGED"
CODE = "CYB-01" + ESCAPES  # CYB-01 after the tampering
CODE_MD = "SEC|`02"  # SEC-02 after it: a pipe and a backtick, for the Markdown table
URL = "https://example.org/a|b_(c)?x=1&y=2"
MENTIONS = "@octocat and #12 and owner/repo#3 to bob@example.org costs $x$ and $$y$$"

# Our own list of what may not reach an output raw: the C0 controls but tab and line feed,
# DEL, the C1 controls, the bidi marks, embeddings, overrides and isolates, the line and
# paragraph separators.
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def _raw(text: str) -> list[str]:
    return sorted({repr(c) for c in RAW.findall(text)})


def _execute(url: str, statements: list[tuple[str, dict[str, Any]]]) -> None:
    """SQL as someone with the file (or the server) would write it, past the tool."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement, params in statements:
                conn.execute(text(statement), params)
    finally:
        engine.dispose()


def _tampered(cli: Cli, _: Path) -> Cli:
    record(
        cli,
        [
            ("CYB-01", "-s", "in_progress", "--on", "2026-02-01", "-m", "note" + HOSTILE,
             "--by", "eve" + HOSTILE, "-e", URL, "--evidence-title", "t" + HOSTILE,
             "-e", "doc" + HOSTILE),
            ("CYB-02", "-s", "stalled", "--on", "2026-02-02", "-m", MENTIONS),
            ("SEC-02", "-s", "in_progress", "--on", "2026-02-02", "-e", URL),
            ("SEC-01", "-s", "in_progress", "--party", "UK", "--on", "2026-02-03", "-m", "p"),
        ],
    )  # fmt: skip
    cli.ok("milestone", "set", "ministers-2026", "2026-12-15", "--on", "2026-02-04",
           "-m", "m" + HOSTILE, "--by", "x" + HOSTILE, "-e", "doc" + HOSTILE)  # fmt: skip
    json_param = "CAST(:v AS JSON)" if cli.url.startswith("postgresql") else ":v"
    names = json.dumps(["Japan", "UK", "Pty" + HOSTILE])
    _execute(
        cli.url,
        [
            ("UPDATE declarations SET slug = slug || :e, title = title || :h, "
             "place = place || :h, title_ja = title_ja || :h", {"e": ESCAPES, "h": HOSTILE}),
            ("UPDATE pillars SET slug = slug || :e, title = title || :h, "
             "title_ja = COALESCE(title_ja, '') || :h", {"e": ESCAPES, "h": HOSTILE}),
            ("UPDATE commitments SET title = title || :h, description = description || :h, "
             "quote = quote || :h, basis = basis || :h, "
             "target_label = COALESCE(target_label, '') || :h, "
             "title_ja = COALESCE(title_ja, '') || :h, "
             "description_ja = COALESCE(description_ja, '') || :h", {"h": HOSTILE}),
            (f"UPDATE commitments SET owners = {json_param} WHERE code LIKE 'CYB-%'",
             {"v": json.dumps(["Own" + HOSTILE])}),
            (f"UPDATE commitments SET parties = {json_param} WHERE code LIKE 'CYB-%'",
             {"v": names}),
            (f"UPDATE commitments SET inferred = {json_param} WHERE code = 'CYB-02'",
             {"v": json.dumps({"owners": "guess" + HOSTILE})}),
            ("UPDATE commitments SET code = :c WHERE code = 'CYB-01'", {"c": CODE}),
            ("UPDATE commitments SET code = :c WHERE code = 'SEC-02'", {"c": CODE_MD}),
            ("UPDATE milestones SET slug = slug || :e, title = title || :h, rule = rule || :h",
             {"e": ESCAPES, "h": HOSTILE}),
        ],
    )  # fmt: skip
    return cli


@pytest.fixture
def tampered(built: Callable[[Build], Cli]) -> Cli:
    return built(_tampered)


SINCE = ("--since", "2026-01-31")
COMMANDS = [
    ["verify"],
    ["list"],
    ["list", "--all"],
    ["list", "--all", "--lang", "ja"],
    ["list", "--all", "-f", "csv"],
    ["list", "--all", "-f", "json"],
    ["show", CODE],
    ["show", "CYB-02"],
    ["show", "CYB-02", "--lang", "ja"],
    ["show", CODE, "-f", "json"],
    ["log"],
    ["log", "--code", CODE],
    ["log", "-f", "json"],
    ["report", *SINCE],  # Markdown, to a pipe
    ["report", "-f", "terminal", *SINCE],
    ["report", "-f", "terminal", "--lang", "ja", *SINCE],
    ["report", "-f", "terminal", "--brief", *SINCE],
    ["report", "-f", "md", *SINCE],
    ["report", "-f", "md", "--brief", *SINCE],
    ["report", "-f", "md", "--lang", "ja", *SINCE],
    ["report", "-f", "html", *SINCE],
    ["report", "-f", "html", "--bilingual", *SINCE],
    ["report", "-f", "csv", *SINCE],
    ["report", "-f", "json", *SINCE],
    ["milestone", "list"],
    ["milestone", "list", "--json"],
    ["export"],
    ["db", "current"],
    ["db", "history"],
]
# Where a line break in user text would be printed as one, no line may start with the word that
# follows the break (CSV quotes it, as CSV does; rich folds a terminal report's long cells at
# spaces; HTML ignores it).
LINE_BASED = {"verify", "list", "show", "log", "milestone", "export", "db"}


def test_no_command_prints_a_control_character(tampered: Cli) -> None:
    offenders = []
    for args in COMMANDS:
        result = tampered(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            result.exception,
        )
        assert "Traceback" not in result.output
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if _raw(text):
                offenders.append((args, stream, _raw(text)))
            markdown = (args[0] == "report" and "-f" not in args) or "md" in args
            line_based = args[0] in LINE_BASED and "csv" not in args
            if line_based or markdown or "json" in args or "--json" in args:
                forged = [line for line in text.splitlines() if line.startswith("FORGED")]
                if forged:
                    offenders.append((args, stream, forged))
    assert offenders == []
    # The tampering shows, as U+FFFD, where the tool prints the code: whole in show and log; in
    # the list's code column (one line per item) cut with an ellipsis, after the scrubbing, so a
    # cut never leaves part of an escape sequence raw.
    assert tampered.ok("show", CODE).startswith("CYB-01\ufffd]0;PWN\ufffd  ")
    assert "CYB-01\ufffd]0;PWN\ufffd" in tampered.ok("log")
    listed = tampered.ok("list", "--all")
    assert "\nCYB-01\ufffd]0\u2026  " in listed and not _raw(listed)


def test_verify_names_the_tampered_items_harmlessly(tampered: Cli) -> None:
    result = tampered("verify")
    assert result.exit_code == 1
    assert "CYB-01\ufffd]0;PWN\ufffd:" in result.stderr
    assert not _raw(result.stderr)


def test_machine_formats_keep_the_data_exactly(tampered: Cli) -> None:
    """JSON writes the unsafe characters as escapes: the same strings, nothing raw."""
    listed = json.loads(tampered.ok("list", "--all", "-f", "json"))
    assert CODE in [item["code"] for item in listed]
    shown = json.loads(tampered.ok("show", CODE, "-f", "json"))
    assert shown["code"] == CODE and shown["title"].endswith(HOSTILE)
    report = json.loads(tampered.ok("report", "-f", "json", *SINCE))
    assert any(c["note"] == "note" + HOSTILE for c in report["changes"])
    exported = tampered.ok("export")
    assert not _raw(exported)
    rows = json.loads(exported)["tables"]["commitments"]
    columns = rows["columns"]
    codes = [row[columns.index("code")] for row in rows["rows"]]
    assert CODE in codes


def test_an_error_quoting_a_tampered_code_is_one_harmless_line(tampered: Cli) -> None:
    line = one_line_error(tampered("show", CODE + "X"))  # suggests the tampered code
    assert "CYB-01\ufffd]0;PWN\ufffd" in line
    assert not _raw(line)
    assert not _raw(one_line_error(tampered("show", "X" + ESCAPES)))
    # A usage error quoting what was typed.
    assert not _raw(one_line_error(tampered("list", "-f", "x" + ESCAPES), 2))


def test_a_tampered_schema_revision_is_printed_harmlessly(cli: Cli) -> None:
    _execute(cli.url, [("UPDATE alembic_version SET version_num = :v", {"v": "x" + ESCAPES})])
    line = one_line_error(cli("list"))
    assert "x\ufffd]0;PWN\ufffd" in line and not _raw(line)
    current = cli("db", "current")
    assert "x\ufffd]0;PWN\ufffd" in current.stdout and not _raw(current.output)


def test_completion_offers_no_tampered_name(tampered: Cli) -> None:
    result = CliRunner().invoke(
        app,
        [],
        env={
            "_TRACKER_COMPLETE": "complete_bash",
            "COMP_WORDS": "tracker show CYB-0",
            "COMP_CWORD": "2",
            "TRACKER_DATABASE_URL": tampered.url,
        },
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["CYB-02", "CYB-03", "CYB-04"]


# --- Markdown ---------------------------------------------------------------------------------


def _tables(markdown: str) -> list[tuple[int, list[list[str]]]]:
    """Each table a GFM parser finds: its number of header cells and its rows' cell texts."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    tables: list[tuple[int, list[list[str]]]] = []
    row: list[str] | None = None
    header = 0
    for n, token in enumerate(tokens):
        if token.type == "table_open":
            tables.append((0, []))
            header = 0
        elif token.type == "th_open":
            header += 1
        elif token.type == "thead_close":
            tables[-1] = (header, tables[-1][1])
        elif token.type == "tr_open":
            row = []
        elif token.type == "td_open" and row is not None:
            row.append(tokens[n + 1].content)
        elif token.type == "tr_close" and row:
            tables[-1][1].append(row)
            row = None
    return tables


def _links(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    return [
        str(child.attrs["href"])
        for token in tokens
        if token.children
        for child in token.children
        if child.type == "link_open"
    ]


def test_markdown_tables_stay_whole_and_links_mean_what_they_say(tampered: Cli) -> None:
    markdown = tampered.ok("report", "-f", "md", *SINCE)
    tables = _tables(markdown)
    assert tables
    for header, rows in tables:
        for cells in rows:
            assert len(cells) == header, cells
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<td><code>SEC|`02</code></td>" in rendered
    assert "<td><code>CYB-01\ufffd]0;PWN\ufffd</code></td>" in rendered
    # The evidence link, in the table and in the annex: the address as given, its `|` written
    # as a browser would send it.
    links = _links(markdown)
    assert links and set(links) == {"https://example.org/a%7Cb_(c)?x=1&y=2"}


def test_markdown_notifies_nobody_and_renders_no_maths(tampered: Cli) -> None:
    markdown = tampered.ok("report", "-f", "md", *SINCE)
    assert "@octocat" not in markdown and "@\u200boctocat" in markdown
    assert not re.search(r"#[0-9]", markdown)
    assert "bob@example.org" in markdown  # an e-mail address mentions nobody: left whole
    assert "$" not in markdown.replace("<span>$</span>", "")
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "$x$" in re.sub(r"</?span>", "", rendered)  # and reads as written


def test_markdown_code_spans_survive_backticks_and_pipes() -> None:
    from tracker.reports.as_markdown import code_cell

    table = "| a | b |\n|---|---|\n"
    for code in ["SEC|`02", "`x`", "a``b|", "CYB-01" + ESCAPES]:
        rendered = (
            MarkdownIt("commonmark").enable("table").parse(table + f"| {code_cell(code)} | z |\n")
        )
        inline = [t for t in rendered if t.type == "inline"][-2]
        assert inline.children and inline.children[0].type == "code_inline", code
        shown = inline.children[0].content
        assert shown == code.replace("\x1b", "\ufffd").replace("\x07", "\ufffd"), shown


# --- the PDF and a fixture's text ---------------------------------------------------------------


def test_the_pdf_holds_no_control_character(
    built_sqlite: Callable[[Build], Cli], tmp_path: Path
) -> None:
    pytest.importorskip("weasyprint")
    binary = shutil.which("pdftotext")
    if binary is None:
        if IN_CI:
            pytest.fail("pdftotext is not installed (apt-get install -y poppler-utils)")
        pytest.skip("pdftotext is not installed (apt-get install -y poppler-utils)")
    cli = built_sqlite(_tampered)
    pdf = tmp_path / "r.pdf"
    cli.ok("report", "-f", "pdf", "-o", str(pdf), "--marking", "M" + HOSTILE, *SINCE)
    text = subprocess.run(
        [binary, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout.replace("\f", "")
    assert "CYB-01\ufffd]0;PWN\ufffd" in text
    assert not _raw(text)


def test_a_carriage_return_in_a_fixture_never_reaches_the_screen(cli: Cli, tmp_path: Path) -> None:
    """A declaration file from someone else: a CR in a description would send the cursor back
    and overwrite the line on screen; a line break would start a line of its own."""
    source = ROOT / "fixtures"
    shutil.copy(source / "japan-uk-2026.txt", tmp_path)
    spec = yaml.safe_load((source / "japan-uk-2026.yaml").read_text(encoding="utf-8"))
    pillar = next(p for p in spec["pillars"] if p["slug"] == "cyber")
    item = next(i for i in pillar["commitments"] if i["code"] == "CYB-02")
    item["description"] = "Looks fine\rAll done\nFORGED line"
    item["title"] = "Title" + ESCAPES
    pillar["title"] = "Pillar\r\nFORGED"
    path = tmp_path / "japan-uk-2026.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    loaded = cli("load", str(path))
    assert loaded.exit_code == 0, loaded.output
    assert not _raw(loaded.output)
    for args in (["show", "CYB-02"], ["list", "--all"], ["report", "-f", "md"]):
        out = cli.ok(*args)
        assert not _raw(out), args
        assert not [line for line in out.splitlines() if line.startswith("FORGED")], args
    assert "Looks fine All done FORGED line" in cli.ok("show", "CYB-02")
