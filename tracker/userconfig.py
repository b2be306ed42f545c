"""The user's own settings: a flat TOML file of strings in the platform's config folder.

    by = "a.clarke"           who records events (--by)
    lang = "ja"               the language of the text (--lang)
    prepared_by = "J. Smith"  a report's "prepared by" (--prepared-by)
    marking = "OFFICIAL"      a report's protective marking (--marking)
    database = "postgresql+psycopg://tracker@db/tracker"   the database (--db)

Precedence: a flag, then the key's environment variable (KEYS), then this file. The file is
`config.toml` in platformdirs' user config folder (~/.config/tracker on Linux), or the file
TRACKER_CONFIG names. It is read only when a command needs a value no flag or variable gave,
and tomllib only then (start-up time is benchmarked). The tracker's clock is not here: it is one
setting of the database, the same for everyone (tracker.clock).

Read and written as a file the user owns: a symbolic link is followed only when it belongs to
the user running the command (root's configuration must not be a link someone else planted),
only a regular file of at most MAX_BYTES is read, and a write replaces the file atomically
through tracker.outfile's safe writer. Standard library only, but for platformdirs.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tracker.errors import FieldError, InputError, TrackerError

CONFIG_ENV = "TRACKER_CONFIG"
APP_NAME = "tracker"
MAX_BYTES = 64 * 1024

# Each setting and the environment variable that overrides the file (the module's docstring
# says which flag each is the default of).
KEYS: dict[str, str] = {
    "by": "TRACKER_BY",
    "lang": "TRACKER_LANG",
    "prepared_by": "TRACKER_PREPARED_BY",
    "marking": "TRACKER_MARKING",
    "database": "TRACKER_DATABASE_URL",
}


def config_path() -> Path:
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def check_key(key: str) -> str:
    """The key, or a one-line error suggesting the nearest."""
    if key in KEYS:
        return key
    import difflib

    close = difflib.get_close_matches(key.replace("-", "_"), KEYS, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]}? " if close else ""
    raise InputError(f"unknown setting {key!r}; {hint}settings: {', '.join(KEYS)}")


def _open_owned(path: Path) -> int | None:
    """A descriptor of the regular file at `path` (None when there is none), refusing a link
    that another user owns and anything that is not a regular file (a FIFO would hang)."""
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(link.st_mode) and link.st_uid not in (os.geteuid(), 0):
        raise TrackerError(f"cannot read {path}: a symbolic link owned by another user")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None  # a dangling link: no configuration
    except OSError as exc:
        raise TrackerError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise TrackerError(f"cannot read {path}: not a regular file")
    return fd


def read_file(path: Path | None = None) -> dict[str, str]:
    """The settings the file holds (empty when there is no file); a file that is not a flat
    table of known string keys is refused in one line naming it."""
    path = path or config_path()
    fd = _open_owned(path)
    if fd is None:
        return {}
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        # One command asks for several settings (the database, the language): parsed once.
        signature = (str(path), info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
        if signature in _PARSED:
            return dict(_PARSED[signature])
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TrackerError(f"{path}: larger than {MAX_BYTES} bytes; not a tracker configuration")
    import tomllib

    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TrackerError(f"{path}: not a TOML file ({exc})") from None
    values: dict[str, str] = {}
    for key, value in table.items():
        if key not in KEYS:
            try:
                check_key(key)
            except InputError as exc:
                raise TrackerError(f"{path}: {exc}") from None
        if not isinstance(value, str):
            raise TrackerError(f"{path}: {key} must be a string")
        values[key] = value
    _PARSED.clear()
    _PARSED[signature] = values
    return dict(values)


_PARSED: dict[tuple[str, int, int, int, int], dict[str, str]] = {}


def from_environment(key: str) -> str | None:
    value = os.environ.get(KEYS[key], "").strip()
    return value or None


def setting(key: str) -> str | None:
    """A setting as a command sees it with no flag given: its environment variable, else the
    file (read only then)."""
    return from_environment(key) or (read_file().get(key, "").strip() or None)


def _quoted(value: str) -> str:
    """A TOML basic string: backslash and quote escaped, every control character as \\uXXXX."""
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def render(values: dict[str, str]) -> str:
    """The file's text: one `key = "value"` line a key, in KEYS' order (tomllib reads it)."""
    lines = ["# tracker's user settings: `tracker config list` shows them, with what overrides."]
    lines += [f"{key} = {_quoted(values[key])}" for key in KEYS if key in values]
    return "\n".join(lines) + "\n"


def check_value(key: str, value: str) -> str:
    """A value fit for `key`: one line, not empty; a language or database URL that could not
    be used is refused now rather than at every command."""
    from tracker.scrub import visible

    cleaned = value.strip()
    if not cleaned:
        raise InputError(f"{key}: give a value (`tracker config unset {key}` removes it)")
    if visible(cleaned) != cleaned:
        raise InputError(f"{key}: a control or line-breaking character is not a setting")
    if key == "lang":
        from tracker.i18n import resolve

        return resolve(cleaned)
    if key == "database":
        from tracker.config import resolve_url

        resolve_url(cleaned)
        if "://" not in cleaned:
            # A bare path is saved absolute: the file it names must not depend on the folder
            # each later command happens to run in.
            return str(Path(cleaned).expanduser().resolve())
    return cleaned


def write(values: dict[str, str], path: Path | None = None) -> Path:
    """Replace the file with `values`, atomically, through the safe writer; its folder is
    made (private) when it is the platform's default and missing."""
    from tracker.outfile import write_file

    path = path or config_path()
    if os.environ.get(CONFIG_ENV) is None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        write_file(path, [render(values)], new_mode=0o600)
    except FieldError as exc:
        raise TrackerError(exc.render({"output": "the configuration file"})) from None
    return path
