"""The report as one self-contained HTML file: readable on a phone, printable on A4.

Everything travels in the file: CSS inline, charts as inline SVG (see charts.py), no script, no
font or image fetched from anywhere; a Content-Security-Policy meta tag says so to the browser
too. The Jinja2 template escapes everything it prints (autoescape on); the only markup it
receives is the SVG that charts.py drew. User text (titles, notes, evidence) is always text, and
only a plain http(s) URL becomes a link.

The template sits next to this module (templates/report.html.j2) and ships inside the wheel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracker.reports.model import (
    METHOD,
    METHOD_LABELS,
    DeclarationInfo,
    EventLine,
    Milestone,
    Report,
)
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
    sides_title,
    since_label,
)
from tracker.scrub import one_line, visible
from tracker.statuses import LABELS, Kind, Status

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _printable(value: Any) -> Any:
    """Every printed value passes here first: control and reordering characters in user text
    become U+FFFD (newlines and tabs stay; tracker.scrub). The chart SVG (Markup) is ours and
    passes untouched."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value, keep="\n\t")
    return value


def _when(m: Milestone) -> str:
    return f"{m.days_left} days left" if m.days_left >= 0 else f"{-m.days_left} days ago"


def _change(e: EventLine) -> str:
    if e.from_status == e.to_status:
        return LABELS[e.to_status]
    return f"{LABELS[e.from_status]} → {LABELS[e.to_status]}"


def _both(wide: str | None, narrow: str | None, data_table: str) -> Any:
    """A chart drawn twice: wide for a screen and print, narrow for a phone (CSS shows one), so
    that no label shrinks out of legibility and no legend is cut at 390 px."""
    from markupsafe import Markup

    if not wide or not narrow:
        return None
    # Markup: this SVG is ours, drawn by matplotlib, which escapes the label text it contains.
    # Each drawing is described by the data table printed after it (WCAG 1.1.1).
    described = f'aria-describedby="{data_table}"'
    narrow = narrow.replace("<svg ", f'<svg class="narrow" {described} ', 1)
    wide = wide.replace("<svg ", f'<svg class="wide" {described} ', 1)
    return Markup(wide + "\n" + narrow)


def _charts(report: Report, enabled: bool) -> dict[str, Any]:
    from tracker.reports import charts

    if not enabled:
        return {"pillars": None, "burnup": None, "note": None}
    if not charts.available():
        note = "Charts need matplotlib: pip install 'tracker[charts]'. The tables hold every figure"
        note += "."
        return {"pillars": None, "burnup": None, "note": note}
    return {
        "pillars": _both(
            charts.pillar_bars(report),
            charts.pillar_bars(report, narrow=True),
            "pillar-chart-data",
        ),
        "burnup": _both(charts.burnup(report), charts.burnup(report, narrow=True), "burnup-data"),
        "note": None,
    }


def css_string(text: str) -> str:
    """Text as a CSS string literal for the print footer: every character that is not a
    letter, digit or space becomes a CSS escape, so no user text can end the string, the rule
    or the style element."""
    out = []
    for ch in text:
        if ch.isalnum() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


def _print_strings(report: Report) -> dict[str, Any]:
    from markupsafe import Markup

    parts = [report.marking] if report.marking else []
    if report.prepared_by:
        parts.append(f"prepared by {report.prepared_by}")
    parts.append(f"as of {report.as_of.isoformat()}")
    parts.append(f"heads digest {report.heads_digest[:16]}…")
    if len(parts) == 2:
        parts.insert(0, "tracker status report")
    return {
        "marking": Markup(css_string(report.marking or "")),
        "footer": Markup(css_string(" · ".join(_control_free(p) for p in parts))),
    }


def _control_free(text: str) -> str:
    return one_line(text)


def _declaration_inferred(d: DeclarationInfo) -> str:
    marked = [name for name in ("place", "date") if name in d.inferred]
    if not marked:
        return ""
    return f" ({' and '.join(marked)} from {d.inferred[marked[0]]}, not the source text)"


def render(report: Report, *, charts: bool = True, full: bool = False) -> str:
    """The report as an HTML document; `charts=False` leaves out the SVG charts."""
    return "".join(chunks(report, charts=charts, full=full))


def chunks(report: Report, *, charts: bool = True, full: bool = False) -> Iterator[str]:
    """The document as it is rendered, piece by piece (never held whole). The item tables
    (pledges, then outlook) show their first TABLE_ROWS rows in all unless `full`; every other
    list is whole."""
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
    template = env.get_template("report.html.j2")
    room = len(report.items) if full else TABLE_ROWS
    pledge_rows = report.pledges[:room]
    outlook_rows = report.outlook[: room - len(pledge_rows)]
    shown = len(pledge_rows) + len(outlook_rows)
    yield from template.generate(
        report=report,
        title=report.display_title,
        kinds=Kind,
        st=Status,
        css=_print_strings(report),
        declaration_inferred=_declaration_inferred,
        since_label=since_label(report),
        sides_title=sides_title(report),
        guided=[i for i in report.items if i.scored and i.guidelines],
        method_labels=METHOD_LABELS,
        pledge_rows=pledge_rows,
        outlook_rows=outlook_rows,
        more_items=more_items_text(len(report.items), shown) if shown < len(report.items) else None,
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
