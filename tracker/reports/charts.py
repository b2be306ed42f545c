"""The HTML report's charts, drawn by matplotlib as SVG markup to inline in the page.

matplotlib is optional (`pip install 'tracker[charts]'`) and slow to import, so it is imported
here, inside the functions, and never through pyplot: a Figure on its own SVG canvas leaves the
process's backend alone. The SVG is made deterministic and self-contained: text stays text
(`svg.fonttype = none`, so no embedded glyphs and no web fonts), ids are hashed with a fixed salt,
the metadata block (with its creator URL and date) is dropped, and so are the XML prolog, the
DOCTYPE and the namespace declarations, which inline SVG in HTML does not need. Labels come from
the declaration file, so `$` is escaped: matplotlib would otherwise read "$...$" as maths.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
from typing import TYPE_CHECKING, Any

from tracker.reports.model import Report
from tracker.reports.presentation import COLOURS, PROGRESS_ORDER, one_line
from tracker.statuses import LABELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_NO_METADATA: dict[str, Any] = {"Creator": None, "Date": None, "Format": None, "Type": None}
_ROOT = re.compile(r"<svg\b[^>]*>")
_DROP_ATTRIBUTE = re.compile(r'\s(?:width|height|xmlns(?::\w+)?|version)="[^"]*"')


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _rc(salt: str) -> dict[Any, Any]:
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _plain(label: str) -> str:
    return one_line(label).replace("$", r"\$")


def _to_svg(fig: Figure, label: str) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=_NO_METADATA, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    root = _ROOT.search(text)
    assert root is not None
    tag = _DROP_ATTRIBUTE.sub("", root.group(0))
    tag = tag.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"', 1)
    return text[: root.start()] + tag + text[root.end() :]


def pillar_bars(report: Report) -> str | None:
    """Items per pillar as horizontal bars, stacked by status; None without pillars."""
    if not report.pillars:
        return None
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(_rc("tracker-pillars")):
        names = [textwrap.fill(_plain(p.title), 32) for p in report.pillars]
        fig = Figure(figsize=(8, 0.55 * len(names) + 1.4))
        ax = fig.add_subplot()
        left = [0] * len(names)
        rows = list(range(len(names)))
        for status in PROGRESS_ORDER:
            counts = [p.figures.counts.get(status, 0) for p in report.pillars]
            bars = ax.barh(
                rows,
                counts,
                left=left,
                color=COLOURS[status],
                edgecolor="white",
                linewidth=0.8,
                label=LABELS[status],
            )
            labels = [str(n) if n else "" for n in counts]
            ax.bar_label(bars, labels=labels, label_type="center", fontsize=8)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        ax.set_yticks(rows, labels=names)
        ax.invert_yaxis()
        ax.set_xlabel("Items")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12 - 0.3 / len(names)),
            ncols=3,
            frameon=False,
        )
        return _to_svg(fig, "Items per pillar by status")


def burnup(report: Report) -> str | None:
    """Items by status over time, stacked; None when the history has fewer than two dates."""
    points = sorted(report.history, key=lambda p: p.on)
    if len(points) < 2:
        return None
    import matplotlib
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(_rc("tracker-burnup")):
        fig = Figure(figsize=(8, 4))
        ax = fig.add_subplot()
        days = [float(date2num(p.on)) for p in points]  # type: ignore[no-untyped-call]
        series = [[p.counts.get(s, 0) for p in points] for s in PROGRESS_ORDER]
        ax.stackplot(
            days,
            series,
            labels=[LABELS[s] for s in PROGRESS_ORDER],
            colors=[COLOURS[s] for s in PROGRESS_ORDER],
            step="post",
            edgecolor="white",
            linewidth=0.5,
        )
        # matplotlib.dates has no type annotations for these (nor date2num above).
        locator = AutoDateLocator()  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        ax.set_xlim(days[0], days[-1])
        ax.set_ylim(0, max(sum(p.counts.values()) for p in points) or 1)
        ax.set_ylabel("Items")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3, frameon=False)
        return _to_svg(fig, "Burn-up: items by status over time")
