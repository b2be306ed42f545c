"""CSV for Excel (issue 23, item 5): `--excel` writes a byte-order mark and CRLF line ends, and the
report's `score` holds numbers only with its text label beside it; plain CSV, which scripts
read, keeps its documented columns and bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from support import Build, Cli, record

AS_OF = "2026-06-01"
BOM = b"\xef\xbb\xbf"

EVENTS: list[tuple[str, ...]] = [
    ("CYB-04", "-s", "in_progress", "--on", "2026-03-12", "-m", "First cyber dialogue…"),
    ("MIN-01", "-s", "stalled", "--on", "2026-04-20", "-m", "No date – agreed yet"),
    ("CYB-03", "-s", "achieved", "--on", "2026-05-02", "-m", "Done"),
]

# The columns README documents for scripts (`report --format csv`, before the party columns;
# `list --format csv`): --excel must not have changed the plain files.
REPORT_COLUMNS = [
    "code",
    "title",
    "pillar",
    "kind",
    "parties",
    "owners",
    "target",
    "status",
    "score",
    "overdue",
    "inferred",
    "basis",
]
LIST_COLUMNS = ["code", "title", "pillar", "kind", "parties", "owners", "target", "status"]


def _recorded(cli: Cli, _: Path) -> Cli:
    return record(cli, EVENTS)


@pytest.fixture
def recorded(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_recorded)


def _written(cli: Cli, path: Path, *args: str) -> bytes:
    cli.ok(*args, "-o", str(path))
    return path.read_bytes()


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_report_csv_for_excel(recorded: Cli, tmp_path: Path) -> None:
    excel = _written(
        recorded, tmp_path / "excel.csv", "report", "-f", "csv", "--as-of", AS_OF, "--excel"
    )
    plain = _written(recorded, tmp_path / "plain.csv", "report", "-f", "csv", "--as-of", AS_OF)
    assert excel.startswith(BOM) and not plain.startswith(BOM)
    # Every line ends CRLF: no bare LF outside a quoted cell (no note here has a line break).
    lines = excel[len(BOM) :].split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line and b"\r" not in line for line in lines)
    assert b"\r" not in plain
    assert "…".encode() in excel and "–".encode() in excel

    rows, plain_rows = _rows(excel), _rows(plain)
    header = next(csv.reader(io.StringIO(excel.decode("utf-8-sig"))))
    at = header.index("score")
    assert header[at + 1] == "score_label"
    assert header[: at + 1] + header[at + 2 :] == next(csv.reader(io.StringIO(plain.decode())))

    # The expected scores from the JSON report (null: no score), not from the CSV's code.
    scores = {
        c["code"]: c["score"]
        for c in json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF))["commitments"]
    }
    assert len(rows) == len(plain_rows) == len(scores)
    for row, old in zip(rows, plain_rows, strict=True):
        expected = scores[row["code"]]
        if expected is None:
            assert row["score"] == ""
            assert row["score_label"] == old["score"]
            assert row["score_label"] in ("not scored", "not yet assessed")
        else:
            assert float(row["score"]) == expected
            assert row["score_label"] == ""
            assert old["score"] == str(expected)
        assert {k: v for k, v in row.items() if not k.startswith("score")} == {
            k: v for k, v in old.items() if k != "score"
        }
    # The three values a commitment can score are there as numbers, the stalled one at -1;
    # CYB-02, a commitment nobody has assessed, has none yet.
    by_code = {r["code"]: r for r in rows}
    assert by_code["CYB-03"]["score"] == "1" and by_code["MIN-01"]["score"] == "-1"
    assert by_code["CYB-04"]["score"] == "0"
    unassessed = by_code["CYB-02"]
    assert (unassessed["score"], unassessed["score_label"]) == ("", "not yet assessed")
    assert by_code["SEC-01"]["score_label"] == "not scored"


def test_plain_report_csv_keeps_its_documented_columns(recorded: Cli) -> None:
    header = recorded.ok("report", "-f", "csv", "--as-of", AS_OF).splitlines()[0].split(",")
    assert header[: len(REPORT_COLUMNS)] == REPORT_COLUMNS
    assert "score_label" not in header


def test_list_csv_for_excel(recorded: Cli) -> None:
    # `list` prints (it has no --output): the bytes as they reach stdout.
    excel = recorded("list", "--all", "-f", "csv", "--excel").stdout_bytes
    plain = recorded("list", "--all", "-f", "csv").stdout_bytes
    assert excel.startswith(BOM) and excel.count(b"\r\n") == plain.count(b"\n")
    assert b"\r" not in plain and not plain.startswith(BOM)
    # The same columns and cells: only the bytes around them differ.
    assert excel[len(BOM) :].replace(b"\r\n", b"\n") == plain
    assert list(_rows(plain)[0])[: len(LIST_COLUMNS)] == LIST_COLUMNS


@pytest.mark.parametrize(
    "args", [("report", "-f", "md"), ("report", "-f", "json"), ("list",), ("list", "-f", "json")]
)
def test_excel_is_for_csv_only(recorded: Cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    out = tmp_path / "out"
    written = ("-o", str(out)) if args[0] == "report" else ()
    result = recorded(*args, "--excel", *written)
    assert result.exit_code == 2
    assert "--excel is for --format csv" in result.output
    assert "Traceback" not in result.output and not out.exists()
