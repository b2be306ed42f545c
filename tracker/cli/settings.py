"""`tracker config`: the user's own settings (tracker.userconfig): get, set, unset, list."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.output import say

app = typer.Typer(
    help="Your own defaults for --by, --lang, --prepared-by, --marking and --db, kept in a TOML "
    "file in your config folder (TRACKER_CONFIG names another); a flag, then an environment "
    "variable, still wins.\n\nExample: tracker config set by a.clarke"
)

KeyArg = Annotated[
    str,
    typer.Argument(
        metavar="KEY",
        help="by, lang, prepared_by, marking or database.",
        show_default=False,
    ),
]


@app.command("get")
def get(key: KeyArg) -> None:
    """Print the value a command uses for KEY when no flag is given (exit 1 when unset).

    Example: tracker config get by
    """
    from tracker import userconfig

    value = userconfig.setting(userconfig.check_key(key))
    if value is None:
        raise typer.Exit(1)
    say(value)


@app.command("set")
def set_(
    key: KeyArg,
    value: Annotated[str, typer.Argument(metavar="VALUE", show_default=False)],
) -> None:
    """Save VALUE for KEY in your configuration file (a flag or environment variable still wins).

    Example: tracker config set by a.clarke
    """
    from tracker import userconfig

    name = userconfig.check_key(key)
    values = userconfig.read_file()
    values[name] = userconfig.check_value(name, value)
    path = userconfig.write(values)
    say(f"{name} = {_masked(name, values[name])}  ({path})")
    _overridden(name)


@app.command("unset")
def unset(key: KeyArg) -> None:
    """Remove KEY from your configuration file.

    Example: tracker config unset marking
    """
    from tracker import userconfig

    name = userconfig.check_key(key)
    values = userconfig.read_file()
    if values.pop(name, None) is None:
        say(f"{name} was not set", err=True)
        return
    userconfig.write(values)
    _overridden(name)


@app.command("list")
def list_() -> None:
    """Every setting that has a value, where it comes from, and the file's path.

    Example: tracker config list
    """
    from tracker import userconfig

    path = userconfig.config_path()
    stored = userconfig.read_file(path)
    for key, variable in userconfig.KEYS.items():
        env = userconfig.from_environment(key)
        if env is not None:
            say(f"{key} = {_masked(key, env)}  (from {variable})")
        elif key in stored:
            say(f"{key} = {_masked(key, stored[key])}")
    say(f"# file: {path}{'' if path.exists() else ' (none yet)'}", err=True)


def _masked(key: str, value: str) -> str:
    if key != "database":
        return value
    from tracker.config import mask_url

    return mask_url(value)


def _overridden(key: str) -> None:
    from tracker import userconfig

    variable = userconfig.KEYS[key]
    if userconfig.from_environment(key) is not None:
        say(f"note: {variable} is set and overrides the file", err=True)
