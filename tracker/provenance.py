"""Where a value the source text does not give comes from: the kinds of origin, in words.

A fixture lists such a value under `inferred` with a note; the note may name its kind of origin
(public reporting, the analyst's assignment, a stated rule) so that a report in any language
labels it by where it comes from, not with one word for all ("estimated" hid the difference
between a date from the press and an owner the analyst chose). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

from tracker.statuses import N_

# kind -> its label, English source of the catalogue's Japanese (報道による, ...). The English
# note stored in `inferred` starts with the label ("analyst's assignment: the text names no
# body"), so English output and every hash made before the kinds existed read as before.
ORIGINS: dict[str, str] = {
    "reporting": N_("public reporting"),
    "analyst": N_("analyst's assignment"),
    "rule": N_("rule"),
}
# An inferred value whose origin is not named (a fixture written before the kinds).
UNNAMED = N_("inferred")


def english_note(origin: str | None, note: str) -> str:
    """The note as `inferred` stores it: `label: note` when the kind is named."""
    return f"{ORIGINS[origin]}: {note}" if origin else note


def label(origin: str | None) -> str:
    """The English label of a kind of origin (translate it with the catalogue)."""
    return ORIGINS.get(origin or "", UNNAMED)


def origin_of(name: str, origins: Mapping[str, str] | None) -> str | None:
    return (origins or {}).get(name)
