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


class FieldError(TrackerError):
    """A value given for one of the domain's fields cannot be right, or is missing.

    The message is a str.format template naming fields as `{field}` (effective_on, reason,
    actor, ...) and the values it quotes as `{name}` given by keyword: read as a string it says
    the fields in words (WORDS); the command line says them as the flags that set them
    (tracker.cli.FLAGS), so the domain never speaks of options it does not have. Values are
    substituted, never read as a template: a path with braces in it is quoted as it is.
    """

    def __init__(self, template: str, *fields: str, **values: object) -> None:
        self.template = template
        self.fields = fields
        self.values = values
        super().__init__(self.render(WORDS))

    def render(self, names: dict[str, str]) -> str:
        return self.template.format(**self.values, **{f: names.get(f, f) for f in self.fields})


class MissingReason(FieldError):
    """A move that re-opens a settled assessment, or a correction, without a reason."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template, "reason", **values)


class DateOutOfRange(FieldError):
    """A date after today, or before the declaration it is about (a usage error, exit 2,
    unless said otherwise)."""

    def __init__(
        self, template: str, field: str, *others: str, exit_code: int = 2, **values: object
    ) -> None:
        self.field = field
        self.exit_code = exit_code
        super().__init__(template, field, *others, **values)


# How a field reads where no command line is involved (a script calling the functions).
WORDS: dict[str, str] = {
    "effective_on": "the effective date",
    "published_on": "the evidence date",
    "reason": "a reason",
    "actor": "the recorder's name",
    "note": "the note",
    "evidence": "the evidence",
    "evidence_title": "the evidence title",
    "before_declaration": "before_declaration",
    "output": "the output path",
    "against": "the saved anchor",
    "allow_unverified": "allow_unverified",
    "declaration": "a declaration",
}
