"""Writing a file the user named (`--output`): atomically, over a regular file only.

Every command that writes a file goes through `write_file`. A report written as root over
`/dev/null` would replace the device with a regular file; over a FIFO or a socket it would
remove it; over the open database (or its WAL, shared-memory or journal file) it would destroy
the data the report came from. So the target must be a regular file or nothing, and must not be
one of the `protected` files, compared by real path and by device and inode (a hard link or a
second path to the database is caught too). A symbolic link is followed: the file it names is
replaced and the link stays.

The text goes to a temporary file in the same folder, flushed to disk, then renamed over the
target, so a reader never sees half a file and a failure leaves the old one. Permissions: an
existing file keeps its mode (and, when we can, its owner); a new one is created with `new_mode`
and the umask applied by the kernel, like any file a program creates.

Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from tracker.errors import FieldError, TrackerError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def sqlite_companions(path: Path) -> list[Path]:
    """A SQLite database file and the files SQLite keeps beside it."""
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]


def check_target(path: Path, protected: Sequence[Path] = ()) -> Path:
    """The real path to write for `path`, or a TrackerError saying why it must not be written."""
    real = Path(os.path.realpath(path))
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise TrackerError(f"cannot write {path}: {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise FieldError(
            "refusing to write {path}: it is {kind}; {output} replaces only a regular file",
            "output",
            path=path,
            kind=_kind(info.st_mode),
        )
    for guarded in protected:
        guarded_real = Path(os.path.realpath(guarded))
        same = guarded_real == real
        if not same and info is not None:
            try:
                other = os.stat(guarded_real)
            except OSError:
                continue
            same = (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino)
        if same:
            raise TrackerError(
                f"refusing to write {path}: it is the database in use ({guarded}); "
                "choose another file"
            )
    return real


def _keep_mode_and_owner(fileno: int, existing: os.stat_result | None) -> None:
    """The replacement keeps the replaced file's mode, and its owner where we may give it."""
    if existing is None:
        return
    os.fchmod(fileno, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "fchown") and existing.st_uid != os.geteuid():
        # Not ours to give away: the file becomes ours, its mode kept.
        with contextlib.suppress(PermissionError):
            os.fchown(fileno, existing.st_uid, existing.st_gid)


def write_file(
    path: Path,
    parts: Iterable[str] | bytes,
    *,
    new_mode: int = 0o666,
    protected: Sequence[Path] = (),
) -> None:
    """Write the text `parts` (or bytes, a PDF) to `path` atomically (see the module's
    docstring)."""
    real = check_target(path, protected)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrackerError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        existing = os.stat(real)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise TrackerError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp, fd = _temporary(real, new_mode)
    try:
        if isinstance(parts, bytes):
            with os.fdopen(fd, "wb") as binary:
                _keep_mode_and_owner(binary.fileno(), existing)
                binary.write(parts)
                binary.flush()
                os.fsync(binary.fileno())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                _keep_mode_and_owner(handle.fileno(), existing)
                for part in parts:
                    handle.write(part)
                handle.flush()
                os.fsync(handle.fileno())
        # Checked again just before the rename: something else may have appeared meanwhile.
        check_target(real, protected)
        os.replace(tmp, real)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TrackerError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    _sync_folder(real.parent)


def _temporary(real: Path, mode: int) -> tuple[Path, int]:
    """A new, empty file beside `real`, created with `mode` less the umask, open for writing."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = real.parent / f".{real.name}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, flags, mode)
        except FileExistsError:
            continue
        except OSError as exc:
            raise TrackerError(f"cannot write {real}: {exc.strerror or exc}") from None
    raise TrackerError(f"cannot write {real}: no free temporary name in {real.parent}")


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every file system lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
