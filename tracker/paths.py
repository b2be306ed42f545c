"""Where the migrations and the bundled declaration are, installed or run from a checkout.

A wheel carries them inside the package (tracker/migrations, tracker/fixtures); a source checkout
or an editable install keeps them at the top of the repository. Never the current directory.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resource(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def migrations_dir() -> Path:
    return _resource("migrations")


def fixtures_dir() -> Path:
    return _resource("fixtures")


def bundled_fixture() -> Path:
    return fixtures_dir() / "japan-uk-2026.yaml"
