"""Errors the user can act on. Raised below the CLI, turned into one line on stderr at its edge."""

from __future__ import annotations


class TrackerError(Exception):
    """A problem with the user's input or environment; the message is shown as is (exit 1)."""

    exit_code = 1


class NotFoundError(TrackerError):
    pass


class SchemaError(TrackerError):
    """The database is missing, not migrated, or newer than this code."""


class InputError(TrackerError):
    """A value on the command line that cannot be right (out of range, contradicting another
    option): a usage error, exit 2."""

    exit_code = 2
