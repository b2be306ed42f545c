"""Reading a source text as people write it: its dates, its names for the parties, and where a
quote that is not in it verbatim went wrong.

The loader checks that a fixture's values come from its text (tracker.loading). A text never
writes `2023-12-14`: it says "14th December 2023", "December 14, 2023" or "2023年12月14日", and it
calls the United Kingdom "the UK". Counting only the ISO form made every written date look
inferred; counting any substring made "Japanese" vouch for "Japan". Here a date counts in the
forms a text uses, and a name counts as a word of its own, or as one of its declared aliases.

Adjectives are deliberately not default aliases: "Japanese companies" or "British forces" name
something of the country, not the party acting. A fixture whose text uses an adjective for the
government ("the British side agreed") declares it under `declaration.aliases`.

Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Names of a state that are nouns for the same state: used unless a fixture declares its own.
DEFAULT_ALIASES: Mapping[str, tuple[str, ...]] = {
    "UK": ("United Kingdom", "Britain", "Great Britain", "U.K.", "英国", "イギリス"),
    "United Kingdom": ("UK", "Britain", "Great Britain", "U.K.", "英国", "イギリス"),
    "Japan": ("日本",),
    "Italy": ("イタリア",),
    "US": ("United States", "U.S.", "USA", "米国", "アメリカ"),
    "United States": ("US", "U.S.", "USA", "米国", "アメリカ"),
}

# Full-width digits (２０２６年１月３１日) read as the ASCII ones.
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _month_names(month: int) -> str:
    name = MONTHS[month - 1]
    forms = {name, name[:3] + r"\.?"}
    if month == 9:
        forms.add(r"Sept\.?")
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


def date_pattern(day: dt.date) -> re.Pattern[str]:
    """The forms in which a text writes `day`: ISO, "14th December 2023", "14 Dec. 2023",
    "the 14th of December, 2023", "December 14, 2023", "2023年12月14日"."""
    d = rf"0?{day.day}(?:st|nd|rd|th)?"
    m = _month_names(day.month)
    y = str(day.year)
    forms = [
        rf"{y}-{day.month:02d}-{day.day:02d}",
        rf"{d}\s+(?:of\s+)?{m},?\s+{y}",
        rf"{m}\s+{d},?\s+{y}",
        rf"{y}\s*年\s*0?{day.month}\s*月\s*0?{day.day}\s*日",
    ]
    # Not inside a longer number or word: "114 December" is not the 14th.
    return re.compile(r"(?<![\w])(?:" + "|".join(forms) + r")(?![\d])", re.IGNORECASE)


def gives_date(text: str, day: dt.date) -> bool:
    """Whether `text` states `day` in one of the forms people write it in."""
    return bool(date_pattern(day).search(text.translate(_DIGITS)))


def _edge(ch: str) -> str:
    # A word boundary makes sense only in scripts that separate words with spaces: in "日本と英国"
    # the name is followed by a letter of the sentence, not of a longer word.
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return ""
    return r"\w" if ch.isalnum() else ""


def name_pattern(name: str) -> re.Pattern[str]:
    """`name` as a word of its own: "UK" is not in "UKRAINE", nor "Japan" in "Japanese"."""
    before = f"(?<!{_edge(name[0])})" if _edge(name[0]) else ""
    after = f"(?!{_edge(name[-1])})" if _edge(name[-1]) else ""
    return re.compile(before + re.escape(name) + after)


def names_for(name: str, declared: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """`name` and the names that count for it: the fixture's own aliases when it declares any
    for the name, else the defaults (nouns for the same state)."""
    aliases = declared.get(name)
    chosen = tuple(aliases) if aliases is not None else DEFAULT_ALIASES.get(name, ())
    return (name, *chosen)


def named_in(text: str, name: str, declared: Mapping[str, Iterable[str]]) -> bool:
    """Whether `text` names `name`, or one of its aliases, as a word of its own."""
    return any(
        form in text and name_pattern(form).search(text) for form in names_for(name, declared)
    )


# --- a quote that is not verbatim ---------------------------------------------------------

# Characters people type for the ones a text prints: a straight apostrophe for ’, a hyphen for –.
_LOOKALIKES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
}


def _fold(ch: str) -> str:
    if ch.isspace():
        return " "
    return _LOOKALIKES.get(ch, ch).casefold()


def _folded(text: str) -> tuple[str, list[int]]:
    """`text` with case, typographic marks and runs of spaces folded, and for each folded
    character the index in `text` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = _fold(ch)
        if folded == " " and out and out[-1] == " ":
            continue
        for part in folded:
            out.append(part)
            origin.append(index)
    return "".join(out), origin


@dataclass(frozen=True)
class Mismatch:
    """Where a quote parts from the closest passage of the text."""

    passage: str  # the passage of the text, as long as the quote
    line: int  # the text's line it starts on (1-based)
    at: int  # index in the quote of the first character that differs
    quoted: str  # that character of the quote ("" when the quote ends first)
    found: str  # the text's character there ("" when the text ends first)

    @property
    def typographic(self) -> bool:
        """The two characters are the same mark, typed and printed (' and ’, - and –)."""
        return bool(self.quoted and self.found) and (
            _LOOKALIKES.get(self.quoted, self.quoted) == _LOOKALIKES.get(self.found, self.found)
        )


def _first_difference(quote: str, passage: str) -> int:
    return next(
        (i for i, (a, b) in enumerate(zip(quote, passage, strict=False)) if a != b),
        min(len(quote), len(passage)),
    )


def _longest_prefix(text: str, quote: str) -> tuple[int, int]:
    """The longest start of `quote` found in `text`: (its length, where). A start found means
    every shorter start is found too, so the length is searched by halves."""
    low, high, where = 0, len(quote), 0
    while low < high:
        mid = (low + high + 1) // 2
        found = text.find(quote[:mid])
        if found >= 0:
            low, where = mid, found
        else:
            high = mid - 1
    return low, where


def closest_passage(text: str, quote: str) -> Mismatch:
    """The passage of `text` that `quote` most likely copies, and the first difference.

    The quote and the text are compared with case, typographic marks and spacing folded (the
    usual slips: ' for ’, a double space, a capital), and the longest start or end of the quote
    that the text holds is taken as where it was copied from; the difference shown is the first
    exact one, folded or not."""
    folded_text, origin = _folded(text)
    folded_quote, _ = _folded(quote)
    if not folded_text:
        start = 0
    else:
        # The longest start, or end, of the quote the folded text holds: the passage it was
        # copied from, whichever end of it the slip is at.
        head, head_at = _longest_prefix(folded_text, folded_quote)
        tail, tail_at = _longest_prefix(folded_text[::-1], folded_quote[::-1])
        if tail > head:
            end = origin[len(folded_text) - 1 - tail_at]
            start = max(0, end + 1 - len(quote))
        else:
            start = origin[min(head_at, len(origin) - 1)]
    passage = text[start : start + len(quote)]
    at = _first_difference(quote, passage)
    return Mismatch(
        passage=passage,
        line=text.count("\n", 0, start) + 1,
        at=at,
        quoted=quote[at : at + 1],
        found=passage[at : at + 1],
    )


def describe_character(ch: str) -> str:
    """`'’' (U+2019)`: a character as a one-line message can show it."""
    if not ch:
        return "nothing (it ends there)"
    return f"{ch!r} (U+{ord(ch):04X})"


def excerpt(passage: str, at: int, width: int = 30) -> str:
    """The passage around character `at`, on one line."""
    start = max(0, at - width)
    end = min(len(passage), at + width)
    piece = passage[start:end].replace("\n", "\\n")
    return ("…" if start else "") + piece + ("…" if end < len(passage) else "")
