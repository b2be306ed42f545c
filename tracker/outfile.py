"""Writing a file the user named (`--output`): atomically, over a regular file only, and never
through a link or into a folder that someone else controls.

Every command that writes a file goes through `write_file`. A report written as root over
`/dev/null` would replace the device with a regular file; over a FIFO or a socket it would
remove it; over the open database (or its WAL, shared-memory or journal file) it would destroy
the data the report came from. So the target must be a regular file or nothing, and must not be
one of the `protected` files, compared by real path and by device and inode (a hard link or a
second path to the database is caught too).

A symbolic link in the last component is followed only when it and the file it names belong to
the user running the command, and never in a sticky world-writable folder such as /tmp (the rule
of the kernel's fs.protected_symlinks, applied by us because a rename never follows a link and
so the kernel cannot apply it): otherwise another user could plant `/tmp/brief.md ->
/etc/passwd` and have root replace the file it names. For the same reason a file in such a
folder that belongs to another user is not replaced. The folder must exist: missing folders are
not created (a planted link in the path would otherwise decide where they go).

The folder is opened once and everything happens relative to it (`dir_fd`): the text goes to a
temporary file created there with O_EXCL and O_NOFOLLOW, flushed to disk, then renamed over the
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


def _keep_mode_and_owner(fileno: int, existing: os.stat_result | None) -> None:
    """The replacement keeps the replaced file's mode, and its owner where we may give it."""
    if existing is None:
        return
    os.fchmod(fileno, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "fchown") and existing.st_uid != os.geteuid():
        # Not ours to give away: the file becomes ours, its mode kept.
        with contextlib.suppress(PermissionError):
            os.fchown(fileno, existing.st_uid, existing.st_gid)


def _absolute(path: Path) -> Path:
    """`path` made absolute without resolving links or `..` (the kernel resolves those)."""
    return path if path.is_absolute() else Path.cwd() / path


def _open_folder(path: Path, shown: Path) -> int:
    try:
        return os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise TrackerError(
            f"cannot write {shown}: the folder {path.parent} does not exist (create it first)"
        ) from None
    except NotADirectoryError:
        raise TrackerError(f"cannot write {shown}: {path.parent} is not a folder") from None
    except OSError as exc:
        raise TrackerError(f"cannot write {shown}: {exc.strerror or exc}") from None


def _shared(folder: os.stat_result) -> bool:
    """A sticky, world-writable folder (/tmp): other users may put names in it."""
    return bool(folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH)


def _lstat(name: str, folder: int) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=folder)
    except FileNotFoundError:
        return None


def _refuse(shown: Path, why: str) -> FieldError:
    return FieldError("refusing to write {path}: " + why, "output", path=shown)


def _followable(path: Path, shown: Path, link: os.stat_result, folder: os.stat_result) -> Path:
    """Where a symbolic link in the last component leads, when it may be followed."""
    me = os.geteuid()
    if _shared(folder):
        raise FieldError(
            "refusing to write {path}: it is a symbolic link in a folder other users can write "
            "to ({folder}); name the file it points to instead",
            "output",
            path=shown,
            folder=path.parent,
        )
    if link.st_uid != me:
        raise _refuse(shown, "it is a symbolic link that belongs to another user")
    real = Path(os.path.realpath(path))
    try:
        target = os.stat(real)
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise TrackerError(f"cannot write {shown}: {exc.strerror or exc}") from None
    if target.st_uid != me and stat.S_ISREG(target.st_mode):
        raise _refuse(shown, "it is a symbolic link to a file that belongs to another user")
    return real


def write_file(
    path: Path,
    parts: Iterable[str] | bytes,
    *,
    new_mode: int = 0o666,
    protected: Sequence[Path] = (),
    _shown: Path | None = None,
) -> None:
    """Write the text `parts` (or bytes, a PDF) to `path` atomically (see the module's
    docstring)."""
    shown = _shown or path
    target = _absolute(path)
    if target.name in ("", ".", ".."):
        raise _refuse(shown, "it is a directory; {output} replaces only a regular file")
    folder = _open_folder(target, shown)
    try:
        folder_info = os.fstat(folder)
        existing = _lstat(target.name, folder)
        if existing is not None and stat.S_ISLNK(existing.st_mode):
            if _shown is not None:  # a link that appeared where its target was: a race
                raise _refuse(shown, "the file it names changed while it was being written")
            real = _followable(target, shown, existing, folder_info)
            os.close(folder)
            folder = -1
            write_file(real, parts, new_mode=new_mode, protected=protected, _shown=shown)
            return
        _check(target, shown, existing, folder_info, protected)
        _write(target, shown, parts, folder, folder_info, existing, new_mode, protected)
    finally:
        if folder >= 0:
            os.close(folder)


def _check(
    target: Path,
    shown: Path,
    existing: os.stat_result | None,
    folder: os.stat_result,
    protected: Sequence[Path],
) -> None:
    """Refuse what must not be replaced: not a regular file, another user's file in a shared
    folder, the database in use."""
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise FieldError(
            "refusing to write {path}: it is {kind}; {output} replaces only a regular file",
            "output",
            path=shown,
            kind=_kind(existing.st_mode),
        )
    if existing is not None and _shared(folder) and existing.st_uid != os.geteuid():
        raise _refuse(shown, "it belongs to another user, in a folder other users can write to")
    real = os.path.realpath(target)
    for guarded in protected:
        same = os.path.realpath(guarded) == real
        if not same and existing is not None:
            try:
                other = os.stat(guarded)
            except OSError:
                continue
            same = (other.st_dev, other.st_ino) == (existing.st_dev, existing.st_ino)
        if same:
            raise TrackerError(
                f"refusing to write {shown}: it is the database in use ({guarded}); "
                "choose another file"
            )


def _write(
    target: Path,
    shown: Path,
    parts: Iterable[str] | bytes,
    folder: int,
    folder_info: os.stat_result,
    existing: os.stat_result | None,
    new_mode: int,
    protected: Sequence[Path],
) -> None:
    name = target.name
    tmp, fd = _temporary(name, folder, new_mode, shown)
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
        now = _lstat(name, folder)
        if now is not None and stat.S_ISLNK(now.st_mode):
            raise _refuse(shown, "a symbolic link appeared in its place while it was written")
        _check(target, shown, now, folder_info, protected)
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        if isinstance(exc, OSError):
            raise TrackerError(f"cannot write {shown}: {exc.strerror or exc}") from None
        raise
    with contextlib.suppress(OSError):
        os.fsync(folder)


def _temporary(name: str, folder: int, mode: int, shown: Path) -> tuple[str, int]:
    """A new, empty file beside `name` in `folder`, created with `mode` less the umask, open
    for writing; never through a link."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, flags, mode, dir_fd=folder)
        except FileExistsError:
            continue
        except OSError as exc:
            raise TrackerError(f"cannot write {shown}: {exc.strerror or exc}") from None
    raise TrackerError(f"cannot write {shown}: no free temporary name in its folder")
