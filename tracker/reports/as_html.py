"""The report as one self-contained HTML file: readable on a phone, printable on A4.

Everything travels in the file: CSS inline, charts as inline SVG (see charts.py), no script, no
font or image fetched from anywhere; a Content-Security-Policy meta tag says so to the browser
too. The Jinja2 template escapes everything it prints (autoescape on); the only markup it
receives is the SVG that charts.py drew. User text (titles, notes, evidence) is always text, and
only a plain http(s) URL becomes a link.

The template sits next to this module (templates/report.html.j2) and ships inside the wheel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracker.reports.model import METHOD, EventLine, Milestone, Report
from tracker.reports.presentation import (
    COLOURS,
    GLYPHS,
    PROGRESS_ORDER,
    TABLE_ROWS,
    is_web_link,
    item_score_text,
    more_items_text,
    pct,
    score_text,
)
from tracker.statuses import LABELS

TEMPLATES = Path(__file__).resolve().parent / "templates"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(value: Any) -> Any:
    """Every printed value passes here first: control characters in user text become U+FFFD
    (newlines and tabs stay). The chart SVG (Markup) is ours and passes untouched."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def _when(m: Milestone) -> str:
    return f"{m.days_left} days left" if m.days_left >= 0 else f"{-m.days_left} days ago"


def _change(e: EventLine) -> str:
    if e.from_status == e.to_status:
        return LABELS[e.to_status]
    return f"{LABELS[e.from_status]} → {LABELS[e.to_status]}"


def _charts(report: Report, enabled: bool) -> dict[str, Any]:
    from markupsafe import Markup

    from tracker.reports import charts

    if not enabled:
        return {"pillars": None, "burnup": None, "note": None}
    if not charts.available():
        note = "Charts need matplotlib: pip install 'tracker[charts]'. The tables hold every figure"
        note += "."
        return {"pillars": None, "burnup": None, "note": note}
    pillars = charts.pillar_bars(report)
    burnup = charts.burnup(report)
    # Markup: this SVG is ours, drawn by matplotlib, which escapes the label text it contains.
    return {
        "pillars": Markup(pillars) if pillars else None,
        "burnup": Markup(burnup) if burnup else None,
        "note": None,
    }


def render(report: Report, *, charts: bool = True, full: bool = False) -> str:
    """The report as an HTML document; `charts=False` leaves out the SVG charts."""
    return "".join(chunks(report, charts=charts, full=full))


def chunks(report: Report, *, charts: bool = True, full: bool = False) -> Iterator[str]:
    """The document as it is rendered, piece by piece (never held whole). The all-items table
    shows its first TABLE_ROWS rows unless `full`; every other list is whole."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_printable,
    )
    env.filters.update(
        pct=pct, score=score_text, when=_when, change=_change, item_score=item_score_text
    )
    env.tests["web_link"] = is_web_link
    titles = "; ".join(d.title for d in report.declarations) or "No declaration loaded"
    template = env.get_template("report.html.j2")
    shown = report.items if full else report.items[:TABLE_ROWS]
    yield from template.generate(
        report=report,
        item_rows=shown,
        more_items=more_items_text(len(report.items), len(shown))
        if len(shown) < len(report.items)
        else None,
        title=f"Status report: {titles}",
        statuses=PROGRESS_ORDER,
        labels=LABELS,
        colours={s.value: c for s, c in COLOURS.items()},
        glyphs=GLYPHS,
        charts=_charts(report, charts),
        history=sorted(report.history, key=lambda p: p.on),
        pillar_rows=[(p.slug, p.title, p.figures) for p in report.pillars],
        party_rows=[(p.party, p.party, p.figures) for p in report.parties],
        method=METHOD,
    )
