"""The Word brief (issue 23, item 2): `tracker report --format docx`, read back with python-docx.

Word's own styles for the headings (Title, Heading 1/2: the navigation pane and a table of
contents find them), the party matrix as a Word table, header rows that repeat on every page,
the marking centred in the header and the footer with "page n of m" as Word fields, evidence as
hyperlinks (http(s) only), charts as print-resolution PNGs, Japanese with a Japanese font; the
same refusals as the PDF (no python-docx, a terminal). A LibreOffice round trip to PDF runs
where LibreOffice is installed and is skipped elsewhere (CI does not install it: hundreds of MB).
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import Build, Cli, record

docx = pytest.importorskip("docx")  # the test extra installs it; a bare install may not
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402

AS_OF = "2026-06-01"
LINK = "https://www.mofa.go.jp/press/release/2026/cyber.html?a=1&b=2"

EVENTS: list[tuple[str, ...]] = [
    (
        "CYB-04",
        "-s",
        "in_progress",
        "--on",
        "2026-03-12",
        "-m",
        "First cyber dialogue",
        "--evidence",
        LINK,
        "--evidence-title",
        "MOFA press release",
    ),
    ("MIN-01", "-s", "stalled", "--on", "2026-04-20", "-m", "No date agreed yet"),
    ("CYB-03", "-s", "achieved", "--on", "2026-05-02", "-m", "Exchange under way"),
    # A party's own assessment: the parties differ on CYB-02.
    ("CYB-02", "-s", "partially_achieved", "--party", "UK", "--on", "2026-05-10", "-m", "UK"),
    # Not a web address: shown as text, never a link.
    (
        "CYB-03",
        "-s",
        "achieved",
        "--on",
        "2026-05-20",
        "-m",
        "Minutes filed",
        "--evidence",
        "javascript:alert(1)",
    ),
]


def _recorded(cli: Cli, _: Path) -> Cli:
    return record(cli, EVENTS)


@pytest.fixture
def recorded(built_sqlite: Callable[[Build], Cli]) -> Cli:
    return built_sqlite(_recorded)


def _docx(cli: Cli, path: Path, *args: str) -> Any:
    cli.ok("report", "-f", "docx", "--as-of", AS_OF, "-o", str(path), *args)
    assert path.read_bytes().startswith(b"PK")
    return docx.Document(str(path))


def _styled(document: Any, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def _header_row_repeats(table: Any) -> bool:
    props = table.rows[0]._tr.trPr
    flag = props.find(qn("w:tblHeader")) if props is not None else None
    return flag is not None and flag.get(qn("w:val")) in ("true", "1", None)


def _fields(paragraph: Any) -> list[str]:
    return [f.get(qn("w:instr")).strip() for f in paragraph._p.iter(qn("w:fldSimple"))]


@pytest.fixture
def english(recorded: Cli, tmp_path: Path) -> Any:
    return _docx(
        recorded, tmp_path / "brief.docx", "--marking", "OFFICIAL", "--prepared-by", "J. Smith"
    )


def test_headings_are_words_own_styles(english: Any) -> None:
    assert _styled(english, "Title") == [
        "Status report: Japan–UK leaders' declaration: defence and security partnership to a "
        "new level"
    ]
    first = _styled(english, "Heading 1")
    assert first[0] == "Briefing"
    for heading in ("Progress", "By pillar", "By party", "How the figures are computed"):
        assert heading in first
    second = _styled(english, "Heading 2")
    assert "Japan and UK side by side" in second
    assert "Stalled: 1" in second and "Overdue: 0" in second
    # Each pillar's item table sits under its pillar's name.
    assert "Cybersecurity and emerging threats" in second


def test_party_matrix_is_a_table_with_each_partys_standing(english: Any, recorded: Cli) -> None:
    matrix = next(t for t in english.tables if t.rows[0].cells[0].text == "Commitment")
    assert [c.text for c in matrix.rows[0].cells] == ["Commitment", "Japan", "UK", "≠"]
    rows = {r.cells[0].text.split()[0]: [c.text for c in r.cells] for r in matrix.rows[1:]}
    # The scored commitments of the bundled declaration (kind: commitment), from the JSON.
    data = json.loads(recorded.ok("report", "-f", "json", "--as-of", AS_OF))
    scored = {c["code"] for c in data["commitments"] if c["kind"] == "commitment"}
    assert set(rows) == scored
    # The UK's own assessment of CYB-02 differs from Japan's (none: not yet assessed).
    assert rows["CYB-02"][1:] == ["not yet assessed", "partially achieved (+0), 2026-05-10", "≠"]
    # Achieved scores +1, stalled −1 with a true minus sign, both following the item (*).
    assert rows["CYB-03"][1] == "achieved (+1), 2026-05-20 *"
    assert rows["MIN-01"][2] == "stalled (\u22121), 2026-04-20 *"


def test_every_table_repeats_its_header_row(english: Any) -> None:
    assert len(english.tables) >= 8
    assert all(_header_row_repeats(t) for t in english.tables)
    # The item tables' header: six columns, as the Markdown's.
    items = [t for t in english.tables if t.rows[0].cells[0].text == "Code"]
    assert items
    assert [c.text for c in items[0].rows[0].cells] == [
        "Code",
        "Title",
        "Status",
        "Target",
        "Score",
        "Last update",
    ]


def test_marking_is_centred_in_header_and_footer_with_page_n_of_m(english: Any) -> None:
    section = english.sections[0]
    header = [p for p in section.header.paragraphs if p.text]
    footer = section.footer.paragraphs
    assert [p.text for p in header] == ["OFFICIAL"]
    assert header[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert footer[0].text == "OFFICIAL" and footer[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    pages = footer[1]
    assert _fields(pages) == ["PAGE", "NUMPAGES"]
    assert pages.alignment == WD_ALIGN_PARAGRAPH.CENTER
    # Words around the fields ("Page 1 of 3" once Word fills them in).
    assert pages.text.startswith("Page ") and " of " in pages.text
    # A4.
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # The digest leaves the footer for the method section.
    assert "digest" not in " ".join(p.text for p in footer)
    assert any("Heads digest:" in p.text for p in english.paragraphs)


def test_no_marking_leaves_header_empty_and_keeps_page_numbers(
    recorded: Cli, tmp_path: Path
) -> None:
    document = _docx(recorded, tmp_path / "plain.docx")
    section = document.sections[0]
    assert not any(p.text for p in section.header.paragraphs)
    assert [_fields(p) for p in section.footer.paragraphs] == [["PAGE", "NUMPAGES"]]


def test_evidence_is_a_hyperlink_only_for_web_addresses(english: Any) -> None:
    links = [(h.address, h.text) for p in english.paragraphs for h in p.hyperlinks] + [
        (h.address, h.text)
        for t in english.tables
        for row in t.rows
        for cell in row.cells
        for p in cell.paragraphs
        for h in p.hyperlinks
    ]
    assert links
    assert {address for address, _ in links} == {LINK}
    assert {text for _, text in links} == {"MOFA press release"}
    # The other reference is text, in CYB-03's last update.
    every = "\n".join(cell.text for t in english.tables for row in t.rows for cell in row.cells)
    assert "javascript:alert(1)" in every
    rels = english.part.rels.values()
    assert not any("javascript" in r.target_ref for r in rels if r.is_external)


def test_charts_are_print_resolution_pngs(english: Any) -> None:
    shapes = english.inline_shapes
    assert len(shapes) == 2  # the pillar chart and the burn-up
    for shape in shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = english.part.related_parts[blip.embed]
        data = image.blob
        assert data.startswith(b"\x89PNG")
        width_px = struct.unpack(">I", data[16:20])[0]
        # Shown 170 mm wide: at least 250 pixels an inch there.
        assert shape.width.mm == pytest.approx(170, abs=1)
        assert width_px / (shape.width.inches) >= 250


def test_minus_signs_are_true_minus_signs(english: Any) -> None:
    # By hand: CYB-02 (its UK assessment makes it assessed; as a whole not started) -1,
    # CYB-03 achieved +1, CYB-04 in progress 0, MIN-01 stalled -1: -1/4.
    text = "\n".join(p.text for p in english.paragraphs)
    assert "Mean compliance score: \u22120.25 (\u22121 to +1)" in text
    cells = [c.text for t in english.tables for r in t.rows for c in r.cells]
    assert "\u22120.25" in cells and "-0.25" not in cells


def test_japanese_brief(recorded: Cli, tmp_path: Path) -> None:
    document = _docx(recorded, tmp_path / "ja.docx", "--lang", "ja", "--marking", "取扱注意")
    styles = document.styles
    normal = styles["Normal"].element.rPr
    fonts = normal.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "Noto Sans CJK JP"
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "ja-JP"
    # The headings' theme font would win over Normal's: each names the Japanese font itself.
    for name in ("Title", "Heading 1", "Heading 2"):
        heading = styles[name].element.rPr.find(qn("w:rFonts"))
        assert heading.get(qn("w:eastAsia")) == "Noto Sans CJK JP"
        assert heading.get(qn("w:eastAsiaTheme")) is None
    # Word without that font falls back to one every Japanese Windows has.
    fonts_part = next(
        r.target_part for r in document.part.rels.values() if r.reltype.endswith("/fontTable")
    )
    assert b'w:name="Noto Sans CJK JP"' in fonts_part.blob
    assert b'w:altName w:val="MS Gothic"' in fonts_part.blob
    first = _styled(document, "Heading 1")
    assert first[0] != "Briefing" and any("\u3040" <= ch <= "\u9fff" for ch in first[0])
    assert [p.text for p in document.sections[0].header.paragraphs] == ["取扱注意"]
    assert document.sections[0].footer.paragraphs[0].text == "取扱注意"
    matrix = next(t for t in document.tables if len(t.rows[0].cells) == 4)
    assert [c.text for c in matrix.rows[0].cells][1:3] == ["日本", "英国"]
    assert all(_header_row_repeats(t) for t in document.tables)
    assert "2026年6月1日" in "\n".join(p.text for p in document.paragraphs)


def test_hostile_text_stays_text(recorded: Cli, tmp_path: Path) -> None:
    note = "bad\x1b[2Jnote \u202eevil\x07 <w:t>x</w:t> & more"
    recorded.ok("progress", "GEO-01", "-s", "in_progress", "--on", "2026-05-25", "-m", note)
    document = _docx(recorded, tmp_path / "h.docx", "--marking", "O\x07FFICIAL")
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "bad\ufffd[2Jnote \ufffdevil\ufffd <w:t>x</w:t> & more" in cells
    assert "\x1b" not in cells and "\u202e" not in cells
    assert document.sections[0].header.paragraphs[0].text == "O\ufffdFFICIAL"


def test_docx_without_python_docx_is_a_one_line_error(
    recorded: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "docx", None)  # import docx -> ImportError
    target = tmp_path / "r.docx"
    result = recorded("report", "-f", "docx", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the docx format needs python-docx: pip install 'tracker[docx]'\n"
    )
    assert not target.exists()


def test_docx_is_not_written_to_a_terminal(recorded: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.cli import report

    monkeypatch.setattr(report, "_is_tty", lambda stream: True)
    result = recorded("report", "-f", "docx")
    assert result.exit_code == 2
    assert "a Word document is not for a terminal; give --output FILE" in result.output
    assert "PK" not in result.stdout


def test_docx_to_a_pipe_is_the_same_document(recorded: Cli, tmp_path: Path) -> None:
    piped = recorded("report", "-f", "docx", "--as-of", AS_OF).stdout_bytes
    assert piped.startswith(b"PK")
    path = tmp_path / "piped.docx"
    path.write_bytes(piped)
    assert _styled(docx.Document(str(path)), "Heading 1")[0] == "Briefing"


def test_libreoffice_converts_it_to_pdf(recorded: Cli, tmp_path: Path) -> None:
    """Local only: the document opens in a second word processor, and its pages hold what the
    brief says, the marking at the top and bottom and Word's page numbers filled in."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (a local check; CI does not install it)")
    source = tmp_path / "brief.docx"
    _docx(recorded, source, "--marking", "OFFICIAL")
    profile = tmp_path / "profile"
    subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "brief.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) > 2
    assert "Briefing" in pages[0] and "Japan and UK side by side" in text
    for n, page in enumerate(pages, 1):
        assert page.count("OFFICIAL") >= 2, n
        assert f"Page {n} of {len(pages)}" in " ".join(page.split()), n


def test_brief_is_page_one_alone(recorded: Cli, tmp_path: Path) -> None:
    document = _docx(recorded, tmp_path / "one.docx", "--brief", "--marking", "OFFICIAL")
    assert _styled(document, "Heading 1") == ["Briefing"]
    assert "Japan and UK side by side" in _styled(document, "Heading 2")
    assert not document.inline_shapes  # no chart drawn for page one alone
    assert document.sections[0].header.paragraphs[0].text == "OFFICIAL"
