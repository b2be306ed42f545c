"""The HTML report's charts, drawn by matplotlib as SVG markup to inline in the page (and, for
the Word document, the same drawings as PNG at print resolution).

matplotlib is a dependency, but an install can lack it (the report then says to `pip install
matplotlib`), and it is slow to import, so it is imported here, inside the functions, and never
through pyplot: a Figure on its own SVG canvas leaves the process's backend alone. The SVG is
made deterministic and self-contained: text stays text (`svg.fonttype = none`, so no embedded
glyphs and no web fonts), ids are hashed with a fixed salt, the metadata block (with its creator
URL and date) is dropped, and so are the XML prolog, the DOCTYPE and the namespace declarations,
which inline SVG in HTML does not need. Labels come from the declaration file, so `$` is
escaped: matplotlib would otherwise read "$...$" as maths.

Japanese labels need a CJK font: `cjk_font()` looks one up among the installed fonts (Debian's
fonts-noto-cjk gives Noto Sans CJK JP) and the charts list it after DejaVu Sans, so matplotlib
falls back to it glyph by glyph; the SVG text names both families, which the page's CSS font
stack also holds. Without one, the HTML report leaves the Japanese charts out and says why,
rather than drawing empty boxes.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tracker.i18n import DEFAULT, Language
from tracker.reports.model import Report
from tracker.reports.presentation import (
    COLOURS,
    HATCHES,
    LABEL_COLOUR,
    MUTED,
    PROGRESS_ORDER,
    UNSCORED_EDGE,
    one_line,
)
from tracker.statuses import Status

if TYPE_CHECKING:
    from matplotlib.figure import Figure

T = TypeVar("T")

_NO_METADATA: dict[str, Any] = {"Creator": None, "Date": None, "Format": None, "Type": None}
_ROOT = re.compile(r"<svg\b[^>]*>")
_DROP_ATTRIBUTE = re.compile(r'\s(?:width|height|xmlns(?::\w+)?|version)="[^"]*"')


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


# Families matplotlib may find for Japanese, best first (Noto: Debian's fonts-noto-cjk).
CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Hiragino Sans",
    "Yu Gothic",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
)


# File names of those fonts (lower case), for fonts installed after matplotlib cached its list.
_CJK_FILES = ("notosanscjk", "notosansjp", "ipaexg", "ipag", "takao")


def cjk_font() -> str | None:
    """The first installed font family of CJK_FAMILIES, or None.

    matplotlib caches the fonts it found the first time it ran; a CJK font installed since
    (apt-get install fonts-noto-cjk) is not in that list, so the system's font folders are
    searched for one by file name and added when the list has none."""
    from matplotlib import font_manager

    def known() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FAMILIES if name in installed), None)

    found = known()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name.lower() for hint in _CJK_FILES):
                font_manager.fontManager.addfont(path)
        found = known()
    return found


def _rc(salt: str, lang: Language | None = None) -> dict[Any, Any]:
    families = ["DejaVu Sans"]
    if lang is not None and lang.code != DEFAULT:
        cjk = cjk_font()
        if cjk is not None:
            # Fallback per glyph (matplotlib >= 3.6) needs the families named in font.family
            # itself (the generic "sans-serif" resolves to one font): Latin and digits from
            # DejaVu Sans as in the English charts, kana and kanji from the CJK font.
            families.append(cjk)
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
        "font.family": families if len(families) > 1 else "sans-serif",
        "font.sans-serif": families,
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "hatch.color": "white",
        "hatch.linewidth": 1.0,
    }


def _plain(label: str) -> str:
    return one_line(label).replace("$", r"\$")


_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')


def _prefix_ids(text: str, prefix: str) -> str:
    """Every id in the SVG, and every reference to one, prefixed: two charts (the wide and the
    phone drawing) inline in one page must not share an id (matplotlib numbers its ids
    per figure, patch_1, text_2 ...), or a reference could land in the other drawing."""
    text = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)


def _to_svg(fig: Figure, label: str, prefix: str) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # Over a history of several years AutoDateLocator says it picks its default interval
        # (a tick every few months), which is what the chart wants: a user's report must not
        # print matplotlib's advice on stderr.
        warnings.filterwarnings("ignore", "AutoDateLocator was unable", UserWarning)
        fig.savefig(buffer, format="svg", metadata=_NO_METADATA, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    root = _ROOT.search(text)
    assert root is not None
    tag = _DROP_ATTRIBUTE.sub("", root.group(0))
    tag = tag.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"', 1)
    return _prefix_ids(text[: root.start()] + tag + text[root.end() :], prefix)


# Dots per inch of a chart drawn for print: 300 is what print shops ask of a raster image.
PRINT_DPI = 300


def _to_png(fig: Figure, dpi: int) -> bytes:
    """The figure as PNG bytes, without the creation software and date in its metadata."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "AutoDateLocator was unable", UserWarning)
        fig.savefig(
            buffer,
            format="png",
            dpi=dpi,
            metadata={"Software": None},
            bbox_inches="tight",
            facecolor="white",
        )
    return buffer.getvalue()


def _legend(ax: Any, handles: list[Any], ncols: int, below: float) -> None:
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, below),
        ncols=ncols,
        frameon=False,
        handlelength=2.2,
        handleheight=1.4,
    )


def _patch(status: Status, lang: Language, *, muted: bool = False) -> Any:
    from matplotlib.patches import Patch

    if muted:
        patch = Patch(
            facecolor=MUTED[status],
            edgecolor=UNSCORED_EDGE,
            hatch=HATCHES[status],
            label=lang._("{status}, not scored").format(status=lang.status(status)),
        )
        patch.set_hatchcolor(UNSCORED_EDGE)
        return patch
    return Patch(
        facecolor=COLOURS[status],
        edgecolor="white",
        hatch=HATCHES[status],
        label=lang.status(status),
    )


def pillar_bars(
    report: Report, *, narrow: bool = False, lang: Language | None = None
) -> str | None:
    """The pillar chart as inline SVG (see _pillar_bars); None without pillars."""
    return _pillar_bars(report, narrow, lang, _to_svg)


def pillar_png(
    report: Report, *, lang: Language | None = None, dpi: int = PRINT_DPI
) -> bytes | None:
    """The wide pillar chart as a PNG at print resolution (a Word document's image)."""
    return _pillar_bars(report, False, lang, lambda fig, label, prefix: _to_png(fig, dpi))


def _pillar_bars(
    report: Report, narrow: bool, lang: Language | None, finish: Callable[[Figure, str, str], T]
) -> T | None:
    """Items per pillar as horizontal bars: the scored commitments stacked by status in colour,
    then the items that are not scored by status in pale tints (the legend says which); None
    without pillars.

    `narrow` draws it for a phone (about 360 CSS pixels) so that its labels stay legible there,
    rather than shrinking the wide one.
    """
    if not report.pillars:
        return None
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    lang = lang or Language(DEFAULT)
    # Characters per line of a pillar's name. A Japanese character is about two Latin ones
    # wide, and a Japanese name has no spaces to break at, so its lines hold whole names
    # where they can (the longest bundled one has 18 characters).
    wrap = (18 if narrow else 32) if lang.code == DEFAULT else (10 if narrow else 20)
    salt = "tracker-pillars-narrow" if narrow else "tracker-pillars"
    with matplotlib.rc_context(_rc(salt, lang)):
        names = [textwrap.fill(_plain(p.title), wrap) for p in report.pillars]
        per_row = 0.75 if narrow else 0.55
        fig = Figure(figsize=(4.0 if narrow else 8, per_row * len(names) + 2.2))
        ax = fig.add_subplot()
        left = [0] * len(names)
        rows = list(range(len(names)))
        shown: list[Status] = []
        for status in PROGRESS_ORDER:
            counts = [p.figures.scored_counts.get(status, 0) for p in report.pillars]
            if not any(counts):
                continue
            shown.append(status)
            bars = ax.barh(
                rows,
                counts,
                left=left,
                color=COLOURS[status],
                edgecolor="white",
                hatch=HATCHES[status],
                linewidth=0.8,
            )
            labels = [str(n) if n else "" for n in counts]
            ax.bar_label(
                bars,
                labels=labels,
                label_type="center",
                fontsize=10,
                color=LABEL_COLOUR,
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": COLOURS[status], "lw": 0},
            )
            left = [a + b for a, b in zip(left, counts, strict=True)]
        # Then the items that are not scored (priorities, ongoing, outlook), by status, muted.
        muted: list[Status] = []
        for status in PROGRESS_ORDER:
            counts = [
                p.figures.counts.get(status, 0) - p.figures.scored_counts.get(status, 0)
                for p in report.pillars
            ]
            if not any(counts):
                continue
            muted.append(status)
            bars = ax.barh(
                rows,
                counts,
                left=left,
                color=MUTED[status],
                edgecolor=UNSCORED_EDGE,
                hatch=HATCHES[status],
                linewidth=0.8,
            )
            for bar in bars:
                bar.set_hatchcolor(UNSCORED_EDGE)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        ax.set_yticks(rows, labels=names)
        ax.invert_yaxis()
        ax.set_xlabel(lang._("Items"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _legend(
            ax,
            [_patch(s, lang) for s in shown] + [_patch(s, lang, muted=True) for s in muted],
            ncols=1 if narrow else 3,
            below=-0.25 / max(1, len(names)) - 0.1,
        )
        return finish(
            fig,
            lang._(
                "Bar chart: items per pillar, the scored commitments by status and the items "
                "that are not scored by status; the table that follows gives every number"
            ),
            "pn-" if narrow else "pw-",
        )


# Tick labels in Japanese order and units (2026年, 3月, 15日), not English month names; the
# six formats are year, month, day, hour, minute, second ticks (matplotlib's ConciseDateFormatter).
_JA_DATES: dict[str, Any] = {
    "formats": ["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%S.%f"],
    "zero_formats": ["", "%Y年", "%m月", "%m月%d日", "%H:%M", "%H:%M"],
    "offset_formats": [
        "",
        "%Y年",
        "%Y年%m月",
        "%Y年%m月%d日",
        "%Y年%m月%d日",
        "%Y年%m月%d日 %H:%M",
    ],
}


# strftime has no portable month or day without its leading zero: 03月 -> 3月.
_LEADING_ZERO = re.compile(r"(?<!\d)0(\d[月日])")


def _japanese_dates(locator: Any) -> Any:
    """matplotlib's concise date ticks in Japanese form (2026年, 3月, 15日)."""
    from matplotlib.dates import ConciseDateFormatter

    class JapaneseDates(ConciseDateFormatter):
        def format_ticks(self, values: Any) -> list[str]:
            return [_LEADING_ZERO.sub(r"\1", t) for t in super().format_ticks(values)]  # type: ignore[no-untyped-call]

        def get_offset(self) -> str:
            return _LEADING_ZERO.sub(r"\1", super().get_offset())  # type: ignore[no-untyped-call]

    return JapaneseDates(locator, **_JA_DATES)  # type: ignore[no-untyped-call]


def burnup(report: Report, *, narrow: bool = False, lang: Language | None = None) -> str | None:
    """The burn-up as inline SVG (see _burnup); None when the history has fewer than two
    dates."""
    return _burnup(report, narrow, lang, _to_svg)


def burnup_png(
    report: Report, *, lang: Language | None = None, dpi: int = PRINT_DPI
) -> bytes | None:
    """The wide burn-up as a PNG at print resolution (a Word document's image)."""
    return _burnup(report, False, lang, lambda fig, label, prefix: _to_png(fig, dpi))


def _burnup(
    report: Report, narrow: bool, lang: Language | None, finish: Callable[[Figure, str, str], T]
) -> T | None:
    """The items that have moved from not started, stacked by status over time, from the
    declaration date; None when the history has fewer than two dates.

    Not started is left out of the stack (it would be a grey wall above a thin band of
    progress); the y axis counts the items that moved, and the caption gives the total.
    """
    points = sorted(report.history, key=lambda p: p.on)
    if len(points) < 2:
        return None
    import matplotlib
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    lang = lang or Language(DEFAULT)
    moving = [s for s in PROGRESS_ORDER if s is not Status.NOT_STARTED]
    salt = "tracker-burnup-narrow" if narrow else "tracker-burnup"
    with matplotlib.rc_context(_rc(salt, lang)):
        fig = Figure(figsize=(4.0, 4.2) if narrow else (8, 4))
        ax = fig.add_subplot()
        days = [float(date2num(p.on)) for p in points]  # type: ignore[no-untyped-call]
        series = [[p.counts.get(s, 0) for p in points] for s in moving]
        polys = ax.stackplot(
            days,
            series,
            colors=[COLOURS[s] for s in moving],
            step="post",
            edgecolor="white",
            linewidth=0.5,
        )
        for poly, status in zip(polys, moving, strict=True):
            poly.set_hatch(HATCHES[status])
        # matplotlib.dates has no type annotations for these (nor date2num above).
        locator = AutoDateLocator(maxticks=4 if narrow else 8)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        if lang.code == DEFAULT:
            formatter = ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        else:
            formatter = _japanese_dates(locator)
        ax.xaxis.set_major_formatter(formatter)
        ax.set_xlim(days[0], days[-1])
        moved = max(sum(p.counts.get(s, 0) for s in moving) for p in points)
        ax.set_ylim(0, max(moved + 1, 2))
        ax.set_ylabel(lang._("Items moved from not started"))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _legend(ax, [_patch(s, lang) for s in moving], ncols=2 if narrow else 3, below=-0.14)
        return finish(
            fig,
            lang._(
                "Area chart: items that have moved from not started, by status, from the "
                "declaration date to the as-of date; the table that follows gives every number"
            ),
            "bn-" if narrow else "bw-",
        )
