"""Who records an event when --by is not given: the configured name, else git's, else the login.

On a shared server or in a container the login is often `root`, and every event would say
"by root"; most people who type commands have told git their name already. Git is asked only
when an event is recorded without --by and no name is configured (a short timeout: a hung or
missing git must not hold a command). Nothing here prints: the CLI warns (once) when the name
fell back to root.
"""

from __future__ import annotations

import getpass
import subprocess

GIT_TIMEOUT = 2.0


def git_user_name() -> str | None:
    """`git config user.name` in the current folder (so a repository's own name counts, as for
    a commit), or None when git is missing, slow, or has none."""
    try:
        done = subprocess.run(
            ["git", "config", "user.name"],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        name = done.stdout.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return name or None


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def recorder() -> tuple[str, str]:
    """The name an event is recorded by without --by, and where it came from: "config" (the
    TRACKER_BY variable or the configuration file), "git" or "login"."""
    from tracker import userconfig

    configured = userconfig.setting("by")
    if configured:
        return configured, "config"
    name = git_user_name()
    if name:
        return name, "git"
    return login_name(), "login"


def root_warning_due() -> bool:
    """Whether to warn that events are being recorded as root: the first time only, remembered
    by a marker file in the user data folder (a failure to write it just warns again)."""
    import contextlib

    from platformdirs import user_data_path

    marker = user_data_path("tracker", appauthor=False) / "warned-root-recorder"
    if marker.exists():
        return False
    with contextlib.suppress(OSError):
        marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker.touch()
    return True
