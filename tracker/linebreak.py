"""Where a line of text may break, for Japanese as well as English: the terminal's wrapping
(`tracker list`'s table, the rich report) and the HTML's no-break spans share these rules.

Japanese has no spaces: a line may break between almost any two characters, but not anywhere.
The rules here are the common core of kinsoku shori (JIS X 4051): no line starts with closing
punctuation, 、。, a small kana or the long-vowel mark, and none ends with an opening bracket; a
number stays with its counter (0件) and a katakana word stays whole (コミットメント), unless the
word is wider than the whole line. English breaks at spaces, as before. Pure functions on
strings, no import beyond the standard library: `tracker list` must start fast.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

# Never at the start of a line (gyōtō kinsoku).
NO_START = frozenset(
    "、。，．・：；？！）」』】〕〉》｝］〙〗ー々ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "…‥,.:;?!)]}%％"
)
# Never at the end of a line (gyōmatsu kinsoku).
NO_END = frozenset("（「『【〔〈《｛［〘〖([{")

_KATAKANA = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff]")
# A number and the counter after it, or a katakana word: kept on one line in HTML.
UNBROKEN = re.compile(
    r"[0-9０-９][0-9０-９,.]*(?:か国|カ国|ページ|[件日年月人回点位%％])|[\u30a0-\u30ff]{2,}"
)


def char_width(char: str) -> int:
    """Terminal columns: two for full-width and wide (CJK) characters, none for combining
    marks, one otherwise."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns the text takes on a terminal (East Asian width)."""
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def has_wide(text: str) -> bool:
    return not text.isascii() and any(char_width(c) == 2 for c in text)


def _is_katakana(char: str) -> bool:
    return bool(_KATAKANA.match(char))


def can_break_before(text: str, i: int) -> bool:
    """Whether a line may start at text[i] (0 < i < len(text))."""
    before, char = text[i - 1], text[i]
    if char.isspace():
        return False  # spaces stay at the end of the line they follow
    if before.isspace():
        return True
    if char in NO_START or before in NO_END:
        return False
    if before.isdigit() and char_width(char) == 2:
        return False  # 0|件
    if _is_katakana(before) and _is_katakana(char):
        return False  # コミットメ|ント
    return char_width(before) == 2 or char_width(char) == 2


def _hard_break(text: str, start: int, i: int) -> int:
    """Where to cut a line that has no break opportunity: before text[i], moved back while
    that would start the next line with a character no line may start with."""
    cut = i
    while cut - 1 > start and (text[cut] in NO_START or text[cut - 1] in NO_END):
        cut -= 1
    return cut


def break_offsets(text: str, width: int) -> list[int]:
    """The indices where new lines start when `text` is wrapped to `width` columns: at the last
    break opportunity that fits (can_break_before), else cut where the line is full. Spaces at
    a line's end may pass the width (the caller strips them), as rich's own wrapping does."""
    width = max(width, 2)
    offsets: list[int] = []
    start, used, last = 0, 0, 0
    for i, char in enumerate(text):
        if i > start and can_break_before(text, i):
            last = i
        size = char_width(char)
        if used + size > width and i > start and not char.isspace():
            cut = last if last > start else _hard_break(text, start, i)
            offsets.append(cut)
            start = cut
            last = max((j for j in range(start + 1, i + 1) if can_break_before(text, j)), default=0)
            used = display_width(text[start : i + 1])
            continue
        used += size
    return offsets


def wrap(text: str, width: int) -> list[str]:
    """`text` as lines of at most `width` columns (see break_offsets), trailing spaces removed."""
    bounds = [0, *break_offsets(text, width), len(text)]
    lines = [text[a:b].rstrip() for a, b in itertools.pairwise(bounds)]
    return lines or [""]
