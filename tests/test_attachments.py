"""Attached documents kept by content (issue 26, item 6): `--attach FILE` stores the file in the
database, once per content, its name, size, media type and SHA-256 inside the event's hash;
`evidence get` returns it byte for byte; `verify` names a changed or missing document; export and
import carry it, into PostgreSQL too; the file is read under the fixture rules."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import Cli, pg_schema_url, tamper

# A small but real PDF (one empty page), with bytes above 0x7F and a NUL so that any text
# handling on the way would show.
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%\x00\xff\n%%EOF\n"
)
PDF_SHA256 = hashlib.sha256(PDF).hexdigest()


def _pdf(tmp_path: Path, name: str = "readout.pdf", content: bytes = PDF) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _evidence(cli: Cli, code: str) -> list[dict]:
    events = json.loads(cli.ok("show", code, "--format", "json"))["events"]
    return [d for e in events for d in e["evidence_details"]]


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _fails(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


def test_an_attached_pdf_is_stored_once_and_returned_byte_for_byte(cli, tmp_path) -> None:
    pdf = _pdf(tmp_path)
    cli.ok("progress", "CYB-03", "-s", "in_progress", "-m", "readout", "--attach", str(pdf))
    # The same document again (another event, another name): stored once.
    again = _pdf(tmp_path, "copy-of-readout.pdf")
    cli.ok("progress", "CYB-04", "-s", "in_progress", "--attach", str(again))
    assert _count(cli.url, "SELECT COUNT(*) FROM attachments") == 1
    [details] = _evidence(cli, "CYB-03")
    assert details["reference"] == "readout.pdf" and details["kind"] == "document"
    assert details["attachment"] == {
        "name": "readout.pdf",
        "size": len(PDF),
        "media_type": "application/pdf",
        "sha256": PDF_SHA256,
    }
    out = tmp_path / "out" / "back.pdf"
    out.parent.mkdir()
    result = cli("evidence", "get", str(details["id"]), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == PDF
    assert PDF_SHA256 in result.stderr
    shown = cli.ok("show", "CYB-03")
    assert (
        f"evidence: readout.pdf (document, attached as #{details['id']}: {len(PDF)} bytes, "
        f"sha256 {PDF_SHA256[:12]}…)" in shown
    )
    assert cli.ok("verify").startswith("verify: OK")
    # Evidence without a document, or none at all, is said in one line.
    cli.ok("progress", "SEC-01", "-s", "in_progress", "-e", "https://example.org/")
    plain = _evidence(cli, "SEC-01")[0]
    assert "attachment" not in plain
    plain_id = _count(cli.url, "SELECT id FROM evidence WHERE attachment_sha256 IS NULL")
    message = _fails(cli, "evidence", "get", str(plain_id), "-o", str(out))
    assert f"evidence #{plain_id} has no attached document" in message
    assert "no evidence #999999" in _fails(cli, "evidence", "get", "999999", "-o", str(out))


def test_the_media_type_comes_from_the_name_or_the_pdf_magic(cli_sqlite, tmp_path) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress",
                  "--attach", str(_pdf(tmp_path, "telegram")),
                  "--attach", str(_pdf(tmp_path, "notes.txt", b"plain words\n")),
                  "--attach", str(_pdf(tmp_path, "blob", b"\x00\x01binary")))  # fmt: skip
    types = [d["attachment"]["media_type"] for d in _evidence(cli_sqlite, "CYB-03")]
    assert types == ["application/pdf", "text/plain", "application/octet-stream"]


def test_the_chain_covers_the_attachment(cli, tmp_path) -> None:
    cli.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    other = hashlib.sha256(b"another document").hexdigest()
    tamper(cli.url, "UPDATE evidence SET attachment_sha256 = :h", h=other)
    result = cli("verify")
    assert result.exit_code != 0
    assert "CYB-03" in result.output and "does not match its hash" in result.output


def test_verify_names_a_changed_or_missing_stored_document(cli, tmp_path) -> None:
    cli.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    evidence_id = _evidence(cli, "CYB-03")[0]["id"]
    tamper(cli.url, "UPDATE attachments SET content = :c", c=PDF.replace(b"612", b"613"))
    result = cli("verify")
    assert result.exit_code != 0
    assert "'readout.pdf'" in result.output and "no longer matches its hash" in result.output
    # evidence get refuses bytes that are not the ones recorded.
    out = tmp_path / "back.pdf"
    assert "no longer matches its hash" in _fails(cli, "evidence", "get", str(evidence_id),
                                                  "-o", str(out))  # fmt: skip
    assert not out.exists()
    tamper(cli.url, "DELETE FROM attachments")
    result = cli("verify")
    assert "'readout.pdf'" in result.output and "is missing from the database" in result.output
    assert "is missing" in _fails(cli, "evidence", "get", str(evidence_id), "-o", str(out))


def test_a_correction_keeps_the_attached_document(cli_sqlite, tmp_path) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    first = json.loads(cli_sqlite.ok("show", "CYB-03", "--format", "json"))["events"][0]["id"]
    cli_sqlite.ok("correct", str(first), "-s", "stalled", "--reason", "misread the readout")
    kept = _evidence(cli_sqlite, "CYB-03")
    assert [d["attachment"]["sha256"] for d in kept] == [PDF_SHA256, PDF_SHA256]
    assert _count(cli_sqlite.url, "SELECT COUNT(*) FROM attachments") == 1
    assert cli_sqlite.ok("verify").startswith("verify: OK")


def test_attachments_are_append_only(cli_sqlite, tmp_path) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    engine = create_engine(cli_sqlite.url)
    try:
        for statement in ("UPDATE attachments SET size = 1", "DELETE FROM attachments"):
            with (
                pytest.raises(Exception, match="attachments is append-only"),
                engine.begin() as conn,
            ):
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _round_trip(source: Cli, target: Cli, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    source.ok("export", "--output", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    [row] = data["tables"]["attachments"]["rows"]
    assert row[1] == PDF_SHA256  # the bytes as base64 pieces
    target.ok("import", str(path))
    evidence_id = _evidence(target, "CYB-03")[0]["id"]
    out = tmp_path / "imported.pdf"
    target.ok("evidence", "get", str(evidence_id), "-o", str(out))
    assert out.read_bytes() == PDF
    assert target.ok("verify").startswith("verify: OK")
    again = tmp_path / "again.json"
    target.ok("export", "--output", str(again))
    assert again.read_bytes() == path.read_bytes()  # the same export, whatever the engine


def test_export_and_import_carry_the_document(cli, tmp_path) -> None:
    cli.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    _round_trip(cli, Cli(f"sqlite:///{tmp_path / 'new.db'}"), tmp_path)


def test_an_attached_pdf_moves_from_sqlite_into_postgresql(cli_sqlite, pg_database, tmp_path):
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    for url in pg_schema_url(pg_database):
        _round_trip(cli_sqlite, Cli(url), tmp_path)


def test_an_export_with_a_broken_document_is_refused(cli_sqlite, tmp_path) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    path = tmp_path / "export.json"
    cli_sqlite.ok("export", "--output", str(path))
    text_ = path.read_text(encoding="utf-8")
    piece = json.loads(text_)["tables"]["attachments"]["rows"][0][3][0]
    broken = tmp_path / "broken.json"
    broken.write_text(text_.replace(piece, "not*base64"), encoding="utf-8")
    target = Cli(f"sqlite:///{tmp_path / 'new.db'}")
    assert "content: not base64" in _fails(target, "import", str(broken))
    # Other bytes under the recorded hash: the import's verify refuses the history.
    other = tmp_path / "other.json"
    import base64

    swapped = base64.b64encode(PDF.replace(b"612", b"613")).decode()
    other.write_text(text_.replace(piece, swapped), encoding="utf-8")
    assert "does not verify" in _fails(target, "import", str(other))
    assert not (tmp_path / "new.db").exists()


# --- the file is read under the fixture rules ----------------------------------------------


def _nothing_recorded(cli: Cli) -> None:
    assert _count(cli.url, "SELECT COUNT(*) FROM status_events") == 0
    assert _count(cli.url, "SELECT COUNT(*) FROM attachments") == 0


def test_only_a_regular_file_within_the_cap_is_attached(cli_sqlite, tmp_path, monkeypatch):
    def attach(path: Path | str) -> str:
        return _fails(cli_sqlite, "progress", "CYB-03", "-s", "in_progress", "--attach", str(path))

    assert "No such file or directory" in attach(tmp_path / "missing.pdf")
    assert "not a regular file" in attach(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "not a regular file" in attach(fifo)  # refused, never opened to hang
    assert "not a regular file" in attach("/dev/zero")
    monkeypatch.setenv("TRACKER_ATTACHMENT_MAX_MB", "1")
    big = _pdf(tmp_path, "big.pdf", PDF + b"0" * 1_000_000)
    message = attach(big)
    assert "larger than the limit of 1 MB" in message and "TRACKER_ATTACHMENT_MAX_MB" in message
    monkeypatch.setenv("TRACKER_ATTACHMENT_MAX_MB", "lots")
    assert "TRACKER_ATTACHMENT_MAX_MB must be a whole number" in attach(_pdf(tmp_path))
    _nothing_recorded(cli_sqlite)
    monkeypatch.setenv("TRACKER_ATTACHMENT_MAX_MB", "2")
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(big))


def test_a_link_of_ones_own_is_followed(cli_sqlite, tmp_path) -> None:
    (tmp_path / "docs").mkdir()
    pdf = _pdf(tmp_path / "docs")
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "link.pdf").symlink_to(pdf)
    (tmp_path / "dirlink").symlink_to(tmp_path / "docs")
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress",
                  "--attach", str(tmp_path / "here" / "link.pdf"),
                  "--attach", str(tmp_path / "dirlink" / "readout.pdf"))  # fmt: skip
    names = [d["attachment"]["name"] for d in _evidence(cli_sqlite, "CYB-03")]
    assert names == ["link.pdf", "readout.pdf"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a link to another user needs root")
def test_never_through_a_link_another_user_owns(cli_sqlite, tmp_path) -> None:
    """Root runs the tracker too: a link planted by another user (here: owned by nobody) is not
    followed, in the last component or in a folder on the way."""
    secret = _pdf(tmp_path, "secret.pdf", b"root's own\n")
    planted = tmp_path / "planted.pdf"
    planted.symlink_to(secret)
    os.lchown(planted, 65534, 65534)
    folder = tmp_path / "folder"
    folder.symlink_to(tmp_path)
    os.lchown(folder, 65534, 65534)
    for path in (planted, folder / "secret.pdf"):
        message = _fails(cli_sqlite, "progress", "CYB-03", "-s", "in_progress", "--attach",
                         str(path))  # fmt: skip
        assert "symbolic link that belongs to another user" in message
    _nothing_recorded(cli_sqlite)


def test_a_downgrade_that_drops_documents_asks_first(cli_sqlite, tmp_path) -> None:
    cli_sqlite.ok("progress", "CYB-03", "-s", "in_progress", "--attach", str(_pdf(tmp_path)))
    refused = cli_sqlite("db", "downgrade", "-1")
    assert refused.exit_code != 0
    assert "1 attached document(s) and the attachment fields of 1 evidence record(s)" in (
        refused.stderr
    )
    assert "0018_attachments" in cli_sqlite.ok("db", "current")
