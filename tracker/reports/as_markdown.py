"""The report as Markdown that reads well on GitHub and in a mail client.

User text (titles, notes, evidence) is escaped so that it cannot break a table or inject markup;
only http(s) evidence becomes a link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracker.reports.model import METHOD, EventLine, Figures, ItemLine, Report
from tracker.reports.presentation import TABLE_ROWS, item_score_text, more_items_text
from tracker.statuses import LABELS, STATUSES

# Inline markup and table syntax. Text never starts a line here (it follows a code or sits in a
# cell), so block syntax (#, -, 1.) needs no escape and plain prose stays readable in mail.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def esc(text: str) -> str:
    """Escape Markdown and keep a cell on one line."""
    flat = " ".join(text.split()).replace("&", "&amp;")
    return _SPECIAL.sub(r"\\\1", flat)


def evidence_md(ref: str) -> str:
    if re.match(r"^https?://[^\s<>()\[\]]+$", ref):
        return f"[{esc(ref)}](<{ref}>)"
    return esc(ref)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def _figures_header(first: str) -> list[str]:
    statuses = " | ".join(LABELS[s].capitalize() for s in STATUSES)
    return [
        f"| {first} | Items | {statuses} | Completion | With partial | Mean score |",
        "|---|" + "---:|" * (len(STATUSES) + 4),
    ]


def _figure_row(name: str, f: Figures) -> str:
    counts = " | ".join(str(f.counts[s]) for s in STATUSES)
    return (
        f"| {name} | {f.items} | {counts} | {pct(f.completion_rate)} | "
        f"{pct(f.completion_rate_partial)} | {score_text(f.mean_score)} |"
    )


def _event_text(e: EventLine) -> str:
    change = (
        LABELS[e.to_status]
        if e.from_status == e.to_status
        else f"{LABELS[e.from_status]} → {LABELS[e.to_status]}"
    )
    who = f" [{esc(e.party)}]" if e.party else ""
    parts = [f"{e.on.isoformat()}{who}: {change}"]
    if e.note:
        parts.append(esc(e.note))
    if e.evidence:
        parts.append("evidence: " + ", ".join(evidence_md(r) for r in e.evidence))
    parts.append(f"by {esc(e.actor)}")
    if e.corrects_id is not None:
        parts.append(f"correction of #{e.corrects_id}")
    return " — ".join(parts)


def _item_list(items: list[ItemLine]) -> list[str]:
    if not items:
        return ["None.", ""]
    lines = [
        f"- **{i.code}** {esc(i.title)} — {LABELS[i.status]}"
        + (f", target {i.target_date.isoformat()}" if i.target_date else "")
        for i in items
    ]
    return [*lines, ""]


def render(report: Report, *, full: bool = False) -> str:
    return "".join(chunks(report, full=full))


BLOCK = 2000


def chunks(report: Report, *, full: bool = False) -> Iterator[str]:
    """The document, a block of lines at a time (never held whole). The all-items table shows
    its first TABLE_ROWS rows unless `full`; every other list is whole."""
    out: list[str] = []
    titles = "; ".join(esc(d.title) for d in report.declarations) or "No declaration loaded"
    out += [f"# Status report: {titles}", ""]
    for d in report.declarations:
        out.append(
            f"*{esc(d.place)}, {d.date.isoformat()}; parties: {esc(', '.join(d.parties))}.* "
            f"Source: {esc(d.source)}"
        )
    out += [
        "",
        f"- Report date: {report.generated_on.isoformat()}",
        f"- Status as of: {report.as_of.isoformat()}",
    ]
    if report.filters:
        out.append("- Filters: " + ", ".join(f"{k} = {esc(v)}" for k, v in report.filters.items()))
    for m in report.milestones:
        when = f"{m.days_left} days left" if m.days_left >= 0 else f"{-m.days_left} days ago"
        out.append(f"- {esc(m.title)}: {m.date.isoformat()} ({when})")
    f = report.overall
    out += [
        "",
        "## Summary",
        "",
        f"- Items tracked: {f.items} ({f.commitments} of kind *commitment*)",
        f"- Completion rate: {pct(f.completion_rate)} "
        f"({f.achieved} of {f.commitments} commitments achieved); "
        f"with partial credit: {pct(f.completion_rate_partial)}",
        f"- Mean compliance score: {score_text(f.mean_score)} (−1 to +1)",
        f"- Open: {len(report.open)}; overdue: {len(report.overdue)}; "
        f"stalled: {len(report.stalled)}",
        "",
        "## By pillar",
        "",
        *_figures_header("Pillar"),
    ]
    out += [_figure_row(esc(p.title), p.figures) for p in report.pillars]
    out.append(_figure_row("**All**", report.overall))
    if report.parties:
        out += [
            "",
            "## By party",
            "",
            "Each party's own assessment where one was recorded, else the item's as a whole.",
            "",
            *_figures_header("Party"),
        ]
        out += [_figure_row(esc(p.party), p.figures) for p in report.parties]
    out += ["", "## Overdue", "", *_item_list(report.overdue)]
    milestone = report.next_milestone
    if milestone is not None:
        out += [f"## Due by the {esc(milestone.title)}", "", *_item_list(report.due_soon)]
    out += ["## Stalled", "", *_item_list(report.stalled)]
    if report.since is not None:
        out += [f"## Changes since {report.since.isoformat()}", ""]
        out += [f"- **{e.code}** {_event_text(e)}" for e in report.changes] or ["None."]
        out.append("")
    out += [
        "## Commitments",
        "",
        "| Code | Title | Pillar | Parties | Status | Score | Target | Last update |",
        "|---|---|---|---|---|---:|---|---|",
    ]
    shown = report.items if full else report.items[:TABLE_ROWS]
    for i in shown:
        if len(out) >= BLOCK:
            yield "\n".join(out) + "\n"
            out = []
        last = _event_text(i.last_event) if i.last_event else "—"
        target = i.target_date.isoformat() if i.target_date else "—"
        flag = " ⚠ overdue" if i.overdue else ""
        out.append(
            f"| {i.code} | {esc(i.title)} | {esc(i.pillar)} | {esc(', '.join(i.parties))} | "
            f"{LABELS[i.status]}{flag} | {item_score_text(i.score)} | {target} | {last} |"
        )
    if len(shown) < len(report.items):
        out += ["", more_items_text(len(report.items), len(shown))]
    out += ["", "## How the figures are computed", ""]
    out += [f"- **{name}**: {text}" for name, text in METHOD.items()]
    yield "\n".join(out) + "\n"
