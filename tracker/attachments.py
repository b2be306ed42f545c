"""Documents attached to evidence, kept in the database by their content.

A path cited as evidence rots: the file moves, or changes, and nothing shows it. `--attach FILE`
keeps the bytes themselves in `attachments` (both engines, so a PostgreSQL team shares them),
once per distinct content, keyed by SHA-256; the evidence row records the file's name, size,
media type and hash, and the event's hash covers those (tracker.chain), so the document an
event cites cannot be swapped without `verify` seeing it. `verify` also hashes every stored
document again and names one that changed or is missing.

The file is read as a fixture's source file is (tracker.fixture_input): a regular file (never a
FIFO that hangs or a device that never ends), at most the size cap, and never through a
symbolic link that belongs to another user: root runs the tracker too, and another user's link
planted in /tmp must not make it read /etc/shadow into the database. The path is walked one
component at a time from an open folder (O_NOFOLLOW), so a link swapped in after a check is
not followed either.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import InputError, NotFoundError, TrackerError
from tracker.models import attachments_table, evidence_table

# The size cap: 25 MB unless TRACKER_ATTACHMENT_MAX_MB says otherwise (a whole number of MB).
LIMIT_ENV = "TRACKER_ATTACHMENT_MAX_MB"
DEFAULT_LIMIT_MB = 25
MB = 1_000_000
# Symbolic links followed while walking one path (the kernel's own limit is 40).
MAX_LINKS = 40
PDF_MAGIC = b"%PDF-"
UNKNOWN_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Document:
    """A file read for attaching: what the evidence row records, and its bytes."""

    name: str
    size: int
    media_type: str
    sha256: str
    content: bytes


def size_limit() -> int:
    """The size cap in bytes (TRACKER_ATTACHMENT_MAX_MB, else 25 MB)."""
    raw = os.environ.get(LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_LIMIT_MB * MB
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(
            f"{LIMIT_ENV} must be a whole number of megabytes (1 or more), not {raw!r}"
        )
    return int(raw) * MB


def media_type(name: str, content: bytes) -> str:
    """By the file's extension; a file without a known one is PDF if it starts like one."""
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed:
        return guessed
    return "application/pdf" if content.startswith(PDF_MAGIC) else UNKNOWN_TYPE


def read_document(path: Path, limit: int | None = None) -> Document:
    """The file at `path`, read under the fixture rules (see the module's docstring)."""
    cap = size_limit() if limit is None else limit
    failure = f"cannot attach {path}"
    content = _read(Path(os.path.abspath(path)), cap, failure)
    name = path.name
    return Document(
        name=name,
        size=len(content),
        media_type=media_type(name, content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def _read(path: Path, cap: int, failure: str) -> bytes:
    parts = list(path.parts[1:])
    folders = [os.open("/", os.O_RDONLY | os.O_DIRECTORY)]
    links = 0
    try:
        while parts:
            name = parts.pop(0)
            if name in ("", "."):
                continue
            if name == "..":
                if len(folders) > 1:
                    os.close(folders.pop())
                continue
            here = folders[-1]
            try:
                info = os.stat(name, dir_fd=here, follow_symlinks=False)
            except OSError as exc:
                raise TrackerError(f"{failure}: {exc.strerror or exc}") from None
            if stat.S_ISLNK(info.st_mode):
                if info.st_uid != os.geteuid():
                    raise TrackerError(
                        f"{failure}: it goes through a symbolic link that belongs to another "
                        "user; name the file itself"
                    )
                links += 1
                if links > MAX_LINKS:
                    raise TrackerError(f"{failure}: too many symbolic links")
                target = Path(os.readlink(name, dir_fd=here))
                if target.is_absolute():
                    while len(folders) > 1:
                        os.close(folders.pop())
                    parts = [*target.parts[1:], *parts]
                else:
                    parts = [*target.parts, *parts]
                continue
            if parts:
                try:
                    folders.append(
                        os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=here)
                    )
                except OSError as exc:
                    raise TrackerError(f"{failure}: {exc.strerror or exc}") from None
                continue
            return _read_file(name, here, cap, failure)
        raise TrackerError(f"{failure}: not a regular file")
    finally:
        for fd in folders:
            os.close(fd)


def _read_file(name: str, folder: int, cap: int, failure: str) -> bytes:
    # Non-blocking: a FIFO swapped in after the check does not hang the open.
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags, dir_fd=folder)
    except OSError as exc:
        raise TrackerError(f"{failure}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise TrackerError(f"{failure}: not a regular file")
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise TrackerError(
            f"{failure}: larger than the limit of {cap // MB} MB (set {LIMIT_ENV} to change it)"
        )
    return data


def store(session: Session, document: Document) -> None:
    """Keep the document's bytes, once: content already stored under its hash is not stored
    again (two evidence records citing one telegram share it)."""
    from sqlalchemy.exc import IntegrityError

    A = attachments_table.c
    if session.scalar(select(A.id).where(A.sha256 == document.sha256)) is not None:
        return
    try:
        # A savepoint: someone attaching the same document at this moment stores it first,
        # and this event then cites their copy (the same bytes, by definition).
        with session.begin_nested():
            session.execute(
                attachments_table.insert().values(
                    sha256=document.sha256, size=document.size, content=document.content
                )
            )
    except IntegrityError:
        if session.scalar(select(A.id).where(A.sha256 == document.sha256)) is None:
            raise


@dataclass(frozen=True)
class Stored:
    """An evidence record's document as the database holds it."""

    name: str
    media_type: str
    sha256: str
    content: bytes


def fetch(session: Session, evidence_id: int) -> Stored:
    """The document attached to evidence record `evidence_id`, checked against the hash the
    event recorded: bytes that changed are refused, not handed out."""
    V, A = evidence_table.c, attachments_table.c
    row = session.execute(
        select(V.attachment_name, V.attachment_type, V.attachment_sha256).where(V.id == evidence_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no evidence #{evidence_id}")
    if row.attachment_sha256 is None:
        raise NotFoundError(f"evidence #{evidence_id} has no attached document")
    content = session.scalar(select(A.content).where(A.sha256 == row.attachment_sha256))
    if content is None:
        raise TrackerError(
            f"the document of evidence #{evidence_id} ({row.attachment_name}) is missing from "
            "the database: removed outside the tool"
        )
    if hashlib.sha256(content).hexdigest() != row.attachment_sha256:
        raise TrackerError(
            f"the document of evidence #{evidence_id} ({row.attachment_name}) no longer matches "
            "its hash: changed outside the tool (`tracker verify` says more)"
        )
    return Stored(
        row.attachment_name or "", row.attachment_type or "", row.attachment_sha256, content
    )


def check(session: Session) -> Iterator[tuple[str, str]]:
    """`verify`'s check: every stored document hashed again (one at a time: each may be
    megabytes), and each evidence record's document present and unchanged, named by its file
    name and event. (who, what) findings."""
    from tracker.models import commitments_table, events_table

    A, V = attachments_table.c, evidence_table.c
    stored: set[str] = set()
    changed: dict[str, int] = {}
    for attachment_id in session.scalars(select(A.id).order_by(A.id)).all():
        blob = session.execute(
            select(A.sha256, A.size, A.content).where(A.id == attachment_id)
        ).one()
        stored.add(blob.sha256)
        if (
            hashlib.sha256(blob.content).hexdigest() != blob.sha256
            or len(blob.content) != blob.size
        ):
            changed[blob.sha256] = attachment_id
    C, E = commitments_table.c, events_table.c
    cited = session.execute(
        select(V.id, V.event_id, V.attachment_name, V.attachment_sha256, C.code)
        .join(events_table, E.id == V.event_id)
        .join(commitments_table, C.id == E.commitment_id)
        .where(V.attachment_sha256.is_not(None))
        .order_by(V.id)
    ).all()
    for row in cited:
        what = (
            f"event #{row.event_id}: the attached document {row.attachment_name!r} "
            f"(evidence #{row.id})"
        )
        if row.attachment_sha256 not in stored:
            yield row.code, f"{what} is missing from the database: removed outside the tool"
        elif row.attachment_sha256 in changed:
            yield (
                row.code,
                f"{what} no longer matches its hash: its stored bytes were changed outside the "
                "tool",
            )
    named = {row.attachment_sha256 for row in cited}
    for sha256, attachment_id in changed.items():
        if sha256 not in named:
            yield (
                "database",
                f"the stored document {sha256[:12]}… (attachment #{attachment_id}) does not "
                "match its hash: its bytes were changed outside the tool",
            )
