"""The report as Markdown that reads well on GitHub and in a mail client.

User text (titles, notes, evidence) is escaped so that it cannot break a table or inject markup;
only http(s) evidence becomes a link.
"""

from __future__ import annotations

import re

from tracker.i18n import DEFAULT, Language
from tracker.reports.model import METHOD, METHOD_LABELS, EventLine, Figures, ItemLine, Report
from tracker.reports.presentation import sides_title, since_label
from tracker.scrub import one_line
from tracker.statuses import LABELS, STATUSES, Kind, Status

# Inline markup and table syntax. Text never starts a line here (it follows a code or sits in a
# cell), so block syntax (#, -, 1.) needs no escape and plain prose stays readable in mail.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def esc(text: str) -> str:
    """Escape Markdown and keep a cell on one line, control and reordering characters shown
    as U+FFFD (tracker.scrub)."""
    flat = one_line(text).replace("&", "&amp;")
    return _SPECIAL.sub(r"\\\1", flat)


def evidence_md(ref: str) -> str:
    if re.match(r"^https?://[^\s<>()\[\]]+$", ref):
        return f"[{esc(ref)}](<{ref}>)"
    return esc(ref)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


# Wide tables are split so that each fits a GitHub page (about 7 columns of short cells).
FIGURE_COLUMNS = ["Items", "Commitments", "Achieved", "Completion", "With partial", "Mean score"]


def _figures_tables(first: str, rows: list[tuple[str, Figures]]) -> list[str]:
    """Two tables of one row per name: the commitments' figures, then items by status."""
    out = [
        f"| {first} | " + " | ".join(FIGURE_COLUMNS) + " |",
        "|---|" + "---:|" * len(FIGURE_COLUMNS),
    ]
    for name, f in rows:
        out.append(
            f"| {name} | {f.items} | {f.commitments} | {f.achieved} | {pct(f.completion_rate)} | "
            f"{pct(f.completion_rate_partial)} | {score_text(f.mean_score)} |"
        )
    out += [
        "",
        f"| {first} | " + " | ".join(LABELS[s].capitalize() for s in STATUSES) + " |",
        "|---|" + "---:|" * len(STATUSES),
    ]
    for name, f in rows:
        out.append(f"| {name} | " + " | ".join(str(f.counts[s]) for s in STATUSES) + " |")
    return [*out, ""]


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
    if e.reason:
        parts.append("reason: " + esc(e.reason))
    if e.evidence:
        parts.append("evidence: " + ", ".join(evidence_md(r) for r in e.evidence))
    parts.append(f"by {esc(e.actor)}")
    if e.corrects_id is not None:
        parts.append(f"correction of #{e.corrects_id}")
    return " — ".join(parts)


def _marked(i: ItemLine, name: str) -> str:
    return " *(inferred)*" if name in i.inferred else ""


def _target(i: ItemLine) -> str:
    if i.target_date is None:
        return "—"
    return i.target_date.isoformat() + _marked(i, "target")


def _item_list(items: list[ItemLine]) -> list[str]:
    if not items:
        return ["None.", ""]
    lines = [
        f"- **{i.code}** {esc(i.title)} — {LABELS[i.status]}"
        + (f", target {_target(i)}" if i.target_date else "")
        for i in items
    ]
    return [*lines, ""]


def _score(i: ItemLine) -> str:
    return "not scored" if i.score is None else f"{i.score:+d}"


def _status(i: ItemLine) -> str:
    text = LABELS[i.status] + (" ⚠ overdue" if i.overdue else "")
    if any(s != i.status for s in i.party_status.values()):
        text += " (" + "; ".join(f"{esc(p)}: {LABELS[s]}" for p, s in i.party_status.items()) + ")"
    return text


def _items_table(items: list[ItemLine]) -> list[str]:
    """One table per pillar, so that no column repeats the pillar; six columns."""
    out: list[str] = []
    pillar = None
    for i in items:
        if i.pillar_title != pillar:
            pillar = i.pillar_title
            out += [
                "",
                f"### {esc(pillar)}",
                "",
                "| Code | Title | Status | Target | Score | Last update |",
                "|---|---|---|---|---:|---|",
            ]
        owners = ", ".join(i.owners)
        who = (
            f" (parties: {esc(', '.join(i.parties))}{_marked(i, 'parties')}"
            + (f"; lead: {esc(owners)}{_marked(i, 'owners')}" if owners else "")
            + ")"
        )
        last = _event_text(i.last_event) if i.last_event else "—"
        out.append(
            f"| `{i.code}` | {esc(i.title)}{who} | {_status(i)} | {_target(i)} | {_score(i)} | "
            f"{last} |"
        )
    return [*out, ""]


def render(report: Report, *, lang: Language | None = None) -> str:
    from tracker.reports.localize import localized

    lang = lang or Language(DEFAULT)
    report = localized(report, lang)
    out: list[str] = []
    if report.marking:
        out += [f"**{esc(report.marking)}**", ""]
    out += [f"# {esc(report.display_title)}", ""]
    for d in report.declarations:
        inferred = [n for n in ("place", "date") if n in d.inferred]
        note = (
            f" ({' and '.join(inferred)} inferred: {esc(d.inferred[inferred[0]])})"
            if inferred
            else ""
        )
        out.append(
            f"*{esc(d.title)} — {esc(d.place)}, {d.date.isoformat()}{note}; "
            f"parties: {esc(', '.join(d.parties))}.*"
        )
    line = (
        f"Status as of {report.as_of.isoformat()} · report date {report.generated_on.isoformat()}"
    )
    if report.prepared_by:
        line += f" · prepared by {esc(report.prepared_by)}"
    out += ["", line]
    if report.filters:
        out += ["", "Filters: " + ", ".join(f"{k} = {esc(v)}" for k, v in report.filters.items())]
    f = report.overall
    milestone = report.next_milestone
    out.append("")
    if milestone is not None:
        out.append(
            f"**{milestone.days_left} days to the {esc(milestone.title)} "
            f"({milestone.date.isoformat()}).**"
        )
    elif report.milestones:
        out.append("**No upcoming milestone.**")
    out += [
        "",
        f"{f.items} items tracked: **{f.kinds[Kind.COMMITMENT]} firm commitments (scored)**, "
        f"{f.kinds[Kind.PRIORITY]} stated priorities, {f.kinds[Kind.ONGOING]} ongoing "
        f"cooperation and {f.kinds[Kind.OUTLOOK]} outlook (the source's commentary); only the "
        "commitments are scored.",
        "",
        f"- Completion rate: {pct(f.completion_rate)} "
        f"({f.achieved} of {f.commitments} commitments achieved); "
        f"with partial credit: {pct(f.completion_rate_partial)}",
        f"- Mean compliance score: {score_text(f.mean_score)} (−1 to +1); all-parties average: "
        f"{score_text(report.party_mean_score)} over {report.party_scores} party scores",
        f"- Open: {len(report.open)}; overdue: {len(report.overdue)}; "
        f"stalled: {len(report.stalled)}",
        "",
    ]
    if report.since is not None:
        label = since_label(report)
        out += [
            f"## Changes since {report.since.isoformat()}"
            + (f" ({esc(label)})" if label else "")
            + f": {len(report.changes)}",
            "",
        ]
        out += [f"- **{e.code}** {_event_text(e)}" for e in report.changes] or ["None."]
        out.append("")
    if milestone is not None:
        title = f"## Due by the {esc(milestone.title)}: {len(report.due_soon)}"
        out += [title, "", *_item_list(report.due_soon)]
    out += [f"## Overdue: {len(report.overdue)}", "", *_item_list(report.overdue)]
    out += [f"## Stalled: {len(report.stalled)}", "", *_item_list(report.stalled)]
    if report.parties:
        out += [
            f"## {sides_title(report)}",
            "",
            "Scored commitments only; each party's own assessment where one was recorded, else "
            "the item's as a whole.",
            "",
            "| Party | Commitments | Achieved | Under way or partial | Not started, stalled or "
            "dropped | Completion | Mean score |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for p in report.parties:
            c = p.figures.scored_counts
            under_way = c[Status.IN_PROGRESS] + c[Status.PARTIALLY_ACHIEVED]
            idle = c[Status.NOT_STARTED] + c[Status.STALLED] + c[Status.DROPPED]
            out.append(
                f"| {esc(p.party)} | {p.figures.commitments} | {c[Status.ACHIEVED]} | "
                f"{under_way} | {idle} | {pct(p.figures.completion_rate)} | "
                f"{score_text(p.figures.mean_score)} |"
            )
        out.append(
            f"| **All-parties average** | {report.party_scores} | | | | | "
            f"{score_text(report.party_mean_score)} |"
        )
        out.append("")
    out += ["## By pillar", "", "The commitments' figures, then every item by status.", ""]
    rows = [(esc(p.title), p.figures) for p in report.pillars]
    out += _figures_tables("Pillar", [*rows, ("**All**", report.overall)])
    if report.parties:
        out += [
            "## By party",
            "",
            "Each party's own assessment where one was recorded, else the item's as a whole.",
            "",
        ]
        out += _figures_tables("Party", [(esc(p.party), p.figures) for p in report.parties])
    out += [f"## The parties' pledges ({len(report.pledges)})", *_items_table(report.pledges)]
    if report.outlook:
        out += [
            f"## Outlook: the source's commentary ({len(report.outlook)})",
            "",
            "The article's own description, analysis or forecast, not the parties' words: "
            "tracked, not scored, never overdue.",
            *_items_table(report.outlook),
        ]
    out += ["## How the figures are computed", ""]
    out += [f"- **{METHOD_LABELS.get(name, name)}**: {text}" for name, text in METHOD.items()]
    out += [
        "",
        "---",
        "",
        f"Generated by tracker on {report.generated_on.isoformat()}; status as of "
        f"{report.as_of.isoformat()}"
        + (f"; prepared by {esc(report.prepared_by)}" if report.prepared_by else "")
        + (f"; {esc(report.marking)}" if report.marking else "")
        + ".",
        "",
        f"Heads digest: `{report.heads_digest}` (`tracker verify` prints the same digest for the "
        "database this report came from, unless its history has changed since).",
    ]
    return "\n".join(out) + "\n"
