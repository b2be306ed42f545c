"""`list` answers at a glance (issue 26, item 4): one line per item at any width, the title cut
with an ellipsis; kind, status (each party's where it differs) and the last update at 80
columns, score, target, pillar and declaration from 120; the open pledges by default; sorting;
the cached last update written with each event, checked by verify, filled by the upgrade."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from support import BUNDLED, BUNDLED_PLEDGES, Cli, tamper

from tracker.cli.table import display_width

# Counted in the bundled fixture's YAML (tests/support.py): every item, and the source's outlook.
ALL_ITEMS = BUNDLED
OUTLOOK = BUNDLED - BUNDLED_PLEDGES


def _json(cli: Cli, *args: str) -> list[dict]:
    return json.loads(cli.ok("list", *args, "--format", "json"))


def _check_one_line_per_item(out: str, width: int, items: int) -> list[str]:
    lines = out.splitlines()
    # A header, one line per item (a wrapped title would add lines), the count.
    assert len(lines) == items + 2, out
    assert lines[-1] == f"{items} items"
    assert all(display_width(line) <= width for line in lines), out
    return lines


def test_80_columns_show_code_kind_status_update_and_a_cut_title(cli_sqlite, monkeypatch) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--on", "2026-05-04")
    monkeypatch.setenv("COLUMNS", "80")
    lines = _check_one_line_per_item(cli_sqlite.ok("list", "--all"), 80, ALL_ITEMS)
    assert lines[0].split() == ["Code", "Kind", "Status", "Updated", "Title"]
    titles = {row["code"]: row["title"] for row in _json(cli_sqlite, "--all")}
    row = next(line for line in lines if line.startswith("CYB-03"))
    assert row.split()[1] == "commit" and "in progress" in row and "2026-05-04" in row
    # A title longer than its column ends in an ellipsis after its own first characters.
    cut = [line for line in lines[1:-1] if line.endswith("…")]
    assert cut, "no title needed cutting at 80 columns"
    for line in cut:
        code = line.split()[0]
        shown = line[lines[0].index("Title") : -1]
        assert titles[code].startswith(shown) and len(shown) < len(titles[code])


def test_120_columns_add_score_target_pillar_and_declaration(cli_sqlite, monkeypatch) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--on", "2026-05-04")
    monkeypatch.setenv("COLUMNS", "120")
    lines = _check_one_line_per_item(cli_sqlite.ok("list", "--all"), 120, ALL_ITEMS)
    assert lines[0].split() == [
        "Code", "Kind", "Status", "Updated", "Score", "Target", "Pillar", "Declaration", "Title",
    ]  # fmt: skip
    row = next(line for line in lines if line.startswith("CYB-03"))
    # in progress scores 0 (G7 scale), signed for people as every format for people signs a
    # score; the pillar and declaration are spelt out in full.
    assert row.split()[5] == "+0" and "cyber" in row and "japan-uk-2026" in row
    minister = next(line for line in lines if line.startswith("MIN-01"))
    assert "2026-12-31" in minister  # its target
    # --wide asks for the same columns on a narrower terminal; a title is still never wrapped.
    monkeypatch.setenv("COLUMNS", "80")
    wide = cli_sqlite.ok("list", "--all", "--wide").splitlines()
    assert wide[0].split() == lines[0].split() and len(wide) == ALL_ITEMS + 2


def _in_a_terminal(url: str, columns: int, *args: str) -> str:
    """`tracker list` with its output on a real pseudo-terminal of `columns` columns, with no
    COLUMNS variable: the width comes from the terminal itself."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", url, "list", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, err = proc.communicate(timeout=60)
    os.close(master)
    assert proc.returncode == 0, err
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 120])
def test_titles_never_wrap_on_a_real_terminal(cli_sqlite, columns: int) -> None:
    out = _in_a_terminal(cli_sqlite.url, columns, "--all")
    lines = _check_one_line_per_item(out, columns, ALL_ITEMS)
    assert ("Declaration" in lines[0]) is (columns >= 120)


def test_the_open_list_is_of_pledges_and_all_is_every_kind(cli) -> None:
    cli.ok("progress", "CYB-03", "-s", "achieved", "--on", "2026-05-04")
    kinds = {row["kind"] for row in _json(cli)}
    assert kinds == {"commitment", "priority", "ongoing"}
    assert "CYB-03" not in {row["code"] for row in _json(cli)}  # closed
    outlook = _json(cli, "--kind", "outlook")
    assert len(outlook) == OUTLOOK and {row["kind"] for row in outlook} == {"outlook"}
    everything = _json(cli, "--all")
    assert len(everything) == ALL_ITEMS and "CYB-03" in {row["code"] for row in everything}
    assert len(list(csv.DictReader(io.StringIO(cli.ok("list", "--all", "-f", "csv"))))) == ALL_ITEMS


HISTORY = [
    ("progress", "CYB-01", "-s", "in_progress", "--on", "2026-03-12"),
    ("progress", "CYB-01", "-s", "achieved", "--on", "2026-05-02"),
    # Backdated: recorded later, effective before the event above; the update stays 05-02.
    ("progress", "CYB-01", "-s", "in_progress", "--on", "2026-04-01"),
    ("progress", "SEC-03", "-s", "in_progress", "--on", "2026-02-10"),
    ("progress", "CYB-03", "-s", "achieved", "--on", "2026-05-20"),
    # A party's own event counts as an update of the item.
    ("progress", "CYB-02", "-s", "stalled", "--on", "2026-06-20", "--party", "UK"),
    ("progress", "ECO-01", "-s", "in_progress", "--on", "2026-07-01"),
]


def _history(cli: Cli) -> None:
    for event in HISTORY:
        cli.ok(*event)
    # ECO-01's only event is corrected to an earlier date: its update is the correction's date.
    event = _json_log_id(cli, "ECO-01")
    cli.ok("correct", str(event), "--on", "2026-06-15", "--reason", "misdated")


def _json_log_id(cli: Cli, code: str) -> int:
    return json.loads(cli.ok("log", "--code", code, "--format", "json"))[0]["id"]


# Worked out by hand from HISTORY: the latest effective date among each item's live events.
EXPECTED_UPDATES = {
    "CYB-01": "2026-05-02",
    "SEC-03": "2026-02-10",
    "CYB-03": "2026-05-20",
    "CYB-02": "2026-06-20",
    "ECO-01": "2026-06-15",
}


def test_last_update_party_differs_and_score(cli) -> None:
    _history(cli)
    rows = {row["code"]: row for row in _json(cli, "--all")}
    updates = {code: row["last_update"] for code, row in rows.items() if row["last_update"]}
    assert updates == EXPECTED_UPDATES
    assert rows["CYB-02"]["status"] == "not_started"
    assert rows["CYB-02"]["party_differs"] == {"UK": "stalled"}
    assert rows["CYB-03"]["party_differs"] == {}
    # Scores: CYB-03 achieved +1; CYB-02 (a commitment assessed only for the UK) -1 as not
    # started; CYB-04 nobody assessed: none yet; priorities (CYB-01) are not scored.
    assert rows["CYB-03"]["score"] == 1
    assert rows["CYB-01"]["score"] is None
    assert rows["CYB-02"]["score"] == -1
    assert rows["CYB-04"]["score"] is None
    assert rows["SEC-03"]["score"] is None
    table = csv.DictReader(io.StringIO(cli.ok("list", "--all", "--format", "csv")))
    by_code = {row["code"]: row for row in table}
    assert by_code["CYB-02"]["party_differs"] == "UK: stalled"
    assert by_code["CYB-03"]["party_differs"] == ""
    # A score of -1 is the number, not text neutralised against formulas ('-1).
    assert by_code["CYB-02"]["score"] == "-1"
    assert by_code["CYB-02"]["last_update"] == "2026-06-20"
    assert by_code["CYB-03"]["score"] == "1" and by_code["CYB-04"]["score"] == ""


def test_status_shows_each_party_where_it_differs(cli_sqlite, monkeypatch) -> None:
    _history(cli_sqlite)
    monkeypatch.setenv("COLUMNS", "80")
    out = cli_sqlite.ok("list", "--all")
    row = next(line for line in out.splitlines() if line.startswith("CYB-02"))
    assert "not started (UK: stalled)" in row
    same = next(line for line in out.splitlines() if line.startswith("CYB-04"))
    assert "not started  " in same and "UK:" not in same


def test_sort_by_update_target_and_code(cli) -> None:
    _history(cli)
    updated = [row["code"] for row in _json(cli, "--all", "--sort", "updated")]
    # Latest first; items without an update after, in listing order.
    assert updated[:5] == ["CYB-02", "ECO-01", "CYB-03", "CYB-01", "SEC-03"]
    listing = [row["code"] for row in _json(cli, "--all")]
    assert updated[5:] == [c for c in listing if c not in EXPECTED_UPDATES]
    targets = _json(cli, "--all", "--sort", "target")
    dated = [row["target"] for row in targets if row["target"]]
    assert dated == sorted(dated) and targets[0]["target"] is not None
    assert all(row["target"] is None for row in targets[len(dated) :])
    codes = [row["code"] for row in _json(cli, "--all", "--sort", "code")]
    assert codes == sorted(codes)
    assert cli("list", "--sort", "nope").exit_code == 2


def test_verify_names_a_changed_last_update_and_rebuild_mends_it(cli) -> None:
    _history(cli)
    tamper(cli.url, "UPDATE commitments SET last_update = :d WHERE code = 'CYB-01'", d="2026-01-09")
    result = cli("verify")
    assert result.exit_code != 0
    assert "CYB-01" in result.output and "last update 2026-01-09 disagrees" in result.output
    tamper(cli.url, "UPDATE commitments SET last_update = NULL WHERE code = 'SEC-03'")
    assert "SEC-03: last update none disagrees" in cli("verify").output
    cli.ok("db", "rebuild")
    assert cli.ok("verify").startswith("verify: OK")


def test_the_upgrade_fills_the_last_update_from_the_events(cli) -> None:
    _history(cli)
    before = {row["code"]: row["last_update"] for row in _json(cli, "--all")}
    cli.ok("db", "downgrade", "0014_text_revisions", "--yes")
    cli.ok("db", "upgrade")
    after = {row["code"]: row["last_update"] for row in _json(cli, "--all")}
    assert after == before
    assert {c: d for c, d in after.items() if d} == EXPECTED_UPDATES
    assert cli.ok("verify").startswith("verify: OK")


def test_export_and_import_recompute_the_last_update(cli, tmp_path: Path) -> None:
    _history(cli)
    path = tmp_path / "e.json"
    cli.ok("export", "--output", str(path))
    columns = json.loads(path.read_text(encoding="utf-8"))["tables"]["commitments"]["columns"]
    assert "last_update" not in columns  # derived: not exported
    target = Cli(f"sqlite:///{tmp_path / 'new.db'}")
    target.ok("import", str(path))
    assert _json(target, "--all") == _json(cli, "--all")
