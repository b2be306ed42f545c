"""What the renderers for people (terminal, HTML) share: number formats, the status palette and
glyphs, the order statuses stack in a bar, and the sampling of the status history
behind the burn-up.

Numbers are formatted exactly as the Markdown report formats them, so every format shows the same
figure the same way. Each status has a glyph (and in charts a hatch pattern) as well as a colour:
a bar must still read without colour (NO_COLOR, print, colour blindness). The colours follow the
hues of the Okabe–Ito palette, darkened until each has at least 4.5:1 contrast against white
(WCAG 2.1 1.4.3 and 1.4.11), so white labels read on every fill and every fill stands out from
the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from tracker import scrub
from tracker.i18n import DEFAULT, Language
from tracker.statuses import Kind, Status

if TYPE_CHECKING:
    # Annotations only: `tracker show` and `log` use the text helpers without the model.
    from tracker.reports.model import (
        HistoryPoint,
        ItemLine,
        Move,
        PartyCell,
        Report,
        Source,
        Why,
    )

# Left to right in a bar, bottom to top in the burn-up: delivered first, then work under way,
# then what has not moved, so the "done" share grows from one edge.
PROGRESS_ORDER: tuple[Status, ...] = (
    Status.ACHIEVED,
    Status.PARTIALLY_ACHIEVED,
    Status.IN_PROGRESS,
    Status.STALLED,
    Status.NOT_STARTED,
    Status.DROPPED,
)

COLOURS: dict[Status, str] = {
    Status.ACHIEVED: "#007A5E",  # 5.3:1 against white
    Status.PARTIALLY_ACHIEVED: "#0072B2",  # 5.2:1
    Status.IN_PROGRESS: "#9A5B00",  # 5.4:1
    Status.STALLED: "#B42318",  # 6.6:1
    Status.NOT_STARTED: "#6B6B6B",  # 5.3:1
    Status.DROPPED: "#333333",  # 12.6:1
}
# The terminal's colours: the page's are too dark on a dark terminal (rich renders #B42318 as
# colour 124 and #0072B2 as 25, nearly black on black). No colour reaches 4.5:1 against both
# black and white with room to spare (the most any colour can is 4.58:1), so a status never
# depends on its colour: its glyph has its own shape, its label is a word in the terminal's own
# text colour, and what needs attention (stalled, overdue) is bold. The colours are from the
# xterm 256-colour cube (the same RGB in every terminal, unlike the 16 theme colours), each at
# least 3.3:1 against black and against white, so a glyph reads on either (WCAG 1.4.11, 3:1).
TERMINAL_COLOURS: dict[Status, str] = {
    Status.ACHIEVED: "color(29)",  # #00875F: 4.6:1 on black, 4.5:1 on white
    Status.PARTIALLY_ACHIEVED: "color(32)",  # #0087D7: 5.4:1, 3.9:1
    Status.IN_PROGRESS: "color(136)",  # #AF8700: 6.3:1, 3.3:1
    Status.STALLED: "color(196)",  # #FF0000: 5.3:1, 4.0:1
    Status.NOT_STARTED: "color(243)",  # #767676: 4.6:1, 4.5:1
    Status.DROPPED: "color(98)",  # #875FD7: 4.7:1, 4.5:1
}
# What needs attention in a terminal (stalled, overdue, a difference between the parties).
TERMINAL_ALERT = "bold color(196)"
TERMINAL_BOLD: frozenset[Status] = frozenset({Status.STALLED})

# The outline of what a chart shows for items that are not scored (priorities, ongoing,
# outlook): 5.3:1 against white.
UNSCORED_EDGE = "#6B6B6B"
# The items that are not scored, by status, in pale tints of the same hues: told apart from
# the scored commitments at a glance, each segment outlined in UNSCORED_EDGE (5.3:1 against
# white) and hatched like its status; unlabelled (the data tables give the numbers).
MUTED: dict[Status, str] = {
    Status.ACHIEVED: "#B3DDD2",
    Status.PARTIALLY_ACHIEVED: "#B0CFE8",
    Status.IN_PROGRESS: "#E5CDA8",
    Status.STALLED: "#EDB9B4",
    Status.NOT_STARTED: "#F2F2F2",
    Status.DROPPED: "#C7C7C7",
}
# Every fill above takes white text (each >= 4.5:1).
LABEL_COLOUR = "#FFFFFF"
# Hatches tell the statuses apart without colour (print, colour blindness).
HATCHES: dict[Status, str] = {
    Status.ACHIEVED: "",
    Status.PARTIALLY_ACHIEVED: "//",
    Status.IN_PROGRESS: "..",
    Status.STALLED: "xx",
    Status.NOT_STARTED: "--",
    Status.DROPPED: "\\\\",
}

GLYPHS: dict[Status, str] = {
    Status.ACHIEVED: "█",
    Status.PARTIALLY_ACHIEVED: "▓",
    Status.IN_PROGRESS: "▒",
    Status.STALLED: "░",
    Status.NOT_STARTED: "·",
    Status.DROPPED: "×",
}

_HTTP_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.IGNORECASE)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


# Text for people writes a negative number with the true minus sign (U+2212), as the method
# text's "−1 to +1" does; machine formats (CSV, JSON) keep ASCII numbers and never call this.
MINUS = "\u2212"


def signed_text(value: float, places: int = 0) -> str:
    """A number with its sign, for people: +1, +0, −1, −0.25 (`places` decimals). The one
    place every format for people (Markdown, HTML, PDF, terminal, Word) signs a score."""
    text = f"{value:+.{places}f}"
    if not text.startswith("-"):
        return text
    # A value that rounds to zero is +0.00, never a minus zero.
    return "+" + text[1:] if float(text) == 0 else MINUS + text[1:]


def score_text(value: float | None) -> str:
    return "—" if value is None else signed_text(value, 2)


def change_text(old: str, new: str, lang: Language) -> str:
    """An event's move, `from → to`, or its status alone when it stayed."""
    if old == new:
        return lang.status(new)
    return f"{lang.status(old)} → {lang.status(new)}"


# Documents (Markdown, HTML) list the first TABLE_ROWS commitments in their all-items table and
# say where the rest are (Report.every_row): at scale the whole table is a page of tens of
# megabytes that nobody reads.
TABLE_ROWS = 1000


def more_items_text(report: Report, shown: int) -> str:
    """Under an all-items table cut at `shown` rows: how many are not shown, and where they are."""
    more = f"… and {len(report.items) - shown} more not shown"
    return f"{more}; {report.every_row} lists every one." if report.every_row else f"{more}."


def require_counted(report: Report) -> None:
    """A format for people counts the changes: a Stream (the JSON report's) is not for it."""
    if report.changes.total is None:
        raise ValueError("this format counts the changes: build the report without stream_changes")


def dates_text(report: Report, lang: Language, text: Callable[[str], str] = str) -> str:
    """The headline's dates and who prepared it (`text` makes a user's words safe for the
    format: Markdown escapes them)."""
    line = lang._("Status as of {as_of} · report date {date}").format(
        as_of=lang.date(report.as_of), date=lang.date(report.generated_on)
    )
    if report.prepared_by:
        line += " · " + lang._("prepared by {name}").format(name=text(report.prepared_by))
    return line


def filters_text(report: Report, lang: Language, text: Callable[[str], str] = str) -> str | None:
    """The filters a report was made with, in one line; None when there are none."""
    if not report.filters:
        return None
    shown = ", ".join(f"{k} = {text(v)}" for k, v in report.filters.items())
    return lang._("Filters: {filters}").format(filters=shown)


def countdown_text(report: Report, lang: Language, text: Callable[[str], str] = str) -> str | None:
    """Days to the next milestone (its announced date, or the deadline the text implies, said
    as such); "No upcoming milestone." when every one has passed; None when the report has
    none."""
    upcoming = report.next_milestone
    days = upcoming.days_left if upcoming is not None else 0
    if upcoming is not None and upcoming.deadline:
        return lang.ngettext(
            "{milestone}: deadline (no date announced): {date}, in {days} day",
            "{milestone}: deadline (no date announced): {date}, in {days} days",
            days,
        ).format(
            days=upcoming.days_left, milestone=text(upcoming.title), date=lang.date(upcoming.date)
        )
    if upcoming is not None and upcoming.announced_on is not None:
        return lang.ngettext(
            "{days} day to the {milestone} ({date}, announced {announced})",
            "{days} days to the {milestone} ({date}, announced {announced})",
            days,
        ).format(
            days=upcoming.days_left,
            milestone=text(upcoming.title),
            date=lang.date(upcoming.date),
            announced=lang.date(upcoming.announced_on),
        )
    if upcoming is not None:
        return lang.ngettext(
            "{days} day to the {milestone} ({date})",
            "{days} days to the {milestone} ({date})",
            days,
        ).format(
            days=upcoming.days_left, milestone=text(upcoming.title), date=lang.date(upcoming.date)
        )
    return lang._("No upcoming milestone.") if report.milestones else None


def assessment_text(report: Report, lang: Language) -> str:
    """How many commitments the figures are over: before the cut-off, the assessed ones (an
    unassessed commitment has no score yet); after it, all of them, as the final assessment."""
    f = report.overall
    if report.final and report.cutoff is not None:
        return lang._(
            "Final assessment at the cut-off, {date}: each of the {n} commitments' status that "
            "day; one never assessed counts as not started (−1)"
        ).format(date=lang.date(report.cutoff), n=f.commitments)
    if f.commitments and f.assessed == f.commitments:
        every = lang.ngettext(
            "{n} of {n} commitment assessed", "All {n} commitments assessed", f.commitments
        )
        return every.format(n=f.commitments) + (
            lang._(" (cut-off {date})").format(date=lang.date(report.cutoff))
            if report.cutoff is not None
            else ""
        )
    if report.cutoff is not None:
        return lang.ngettext(
            "{assessed} of {n} commitment assessed; the rest are not yet assessed and have no "
            "score until they are (cut-off {date})",
            "{assessed} of {n} commitments assessed; the rest are not yet assessed and have no "
            "score until they are (cut-off {date})",
            f.commitments,
        ).format(assessed=f.assessed, n=f.commitments, date=lang.date(report.cutoff))
    return lang.ngettext(
        "{assessed} of {n} commitment assessed; the rest are not yet assessed and have no "
        "score until they are",
        "{assessed} of {n} commitments assessed; the rest are not yet assessed and have no "
        "score until they are",
        f.commitments,
    ).format(assessed=f.assessed, n=f.commitments)


def kinds_text(report: Report, lang: Language, strong: Callable[[str], str] = str) -> str:
    """What the report tracks, by kind: the same sentence (and the same messages) as the HTML
    page's, each count with its own noun ("1 item tracked", "4 firm commitments"); `strong`
    marks the scored commitments (bold in Markdown)."""
    f = report.overall
    items = lang.ngettext("%(items)s item tracked:", "%(items)s items tracked:", f.items)
    commitments = f.kinds[Kind.COMMITMENT]
    firm = lang.ngettext(
        "%(n)s firm commitment (scored)", "%(n)s firm commitments (scored)", commitments
    )
    rest = lang._(
        ", %(priorities)s stated priorities, %(ongoing)s ongoing cooperation and %(outlook)s "
        "outlook (the source's commentary); only the commitments are scored."
    )
    counts = {
        "priorities": f.kinds[Kind.PRIORITY],
        "ongoing": f.kinds[Kind.ONGOING],
        "outlook": f.kinds[Kind.OUTLOOK],
    }
    return items % {"items": f.items} + " " + strong(firm % {"n": commitments}) + rest % counts


def completion_text(report: Report, lang: Language) -> str:
    """The headline's completion figure, worded once for every format for people."""
    f = report.overall
    return lang._(
        "Completion rate: {rate} ({achieved} of {n} assessed commitments achieved); with "
        "partial credit: {partial}"
    ).format(
        rate=pct(f.completion_rate),
        achieved=f.achieved,
        n=f.assessed,
        partial=pct(f.completion_rate_partial),
    )


def inferred_mark(origins: Mapping[str, str], name: str, lang: Language) -> str:
    """The mark beside an inferred value: "(inferred)" in English (the note says where from);
    in another language the kind of its origin (（分析者による割当）, （報道による）), not one word
    for all."""
    from tracker import provenance

    origin = origins.get(name)
    if lang.code == DEFAULT or origin is None:
        return lang._("(inferred)")
    return lang._("({origin})").format(origin=lang._(provenance.label(origin)))


def inferred_notes(
    inferred: Mapping[str, str],
    origins: Mapping[str, str],
    japanese: Mapping[str, str],
    lang: Language,
) -> dict[str, str]:
    """Each inferred value's note in `lang`: in English as stored (it starts with its origin);
    otherwise the origin's label and the translated note, else the English note marked."""
    from tracker import provenance

    if lang.code == DEFAULT:
        return dict(inferred)
    notes = {}
    for name, note in inferred.items():
        origin = origins.get(name)
        label = provenance.label(origin)
        # Untranslated, the English note without the label its translation now gives.
        english = note.removeprefix(f"{label}: ") if origin else note
        notes[name] = lang._("{origin}: {note}").format(
            origin=lang._(label), note=lang.text(english, japanese.get(name))
        )
    return notes


def names_text(names: Sequence[str], lang: Language) -> str:
    """A list of names in `lang`'s punctuation: "MOD, JMOD"; 「英国防省、防衛省」."""
    return lang._(", ").join(names)


def is_web_link(reference: str) -> bool:
    """Only plain http(s) URLs become links; anything else (javascript:, data:, citations) is
    shown as text."""
    return bool(_HTTP_URL.match(reference.strip()))


def one_line(text: str) -> str:
    """User text on one line with control and reordering characters made visible, so a note
    cannot move the cursor, clear the screen or colour the terminal (rich strips only some of
    them). The one rule for every format: tracker.scrub."""
    return scrub.one_line(text)


def split_cells(counts: Mapping[Status, int], width: int) -> list[tuple[Status, int]]:
    """Share `width` character cells between statuses in proportion to their counts.

    Largest remainders keep the total exact; a status with any items gets at least one cell when
    there is room, so a single stalled item never disappears from a bar.
    """
    present = [(s, counts.get(s, 0)) for s in PROGRESS_ORDER if counts.get(s, 0) > 0]
    total = sum(n for _, n in present)
    if total == 0 or width <= 0:
        return []
    exact = {s: n * width / total for s, n in present}
    cells = {s: int(v) for s, v in exact.items()}
    if len(present) <= width:
        for s, _ in present:
            cells[s] = max(cells[s], 1)
    spare = width - sum(cells.values())
    by_remainder = sorted(present, key=lambda sn: exact[sn[0]] - cells[sn[0]], reverse=True)
    for s, _ in by_remainder:
        if spare <= 0:
            break
        cells[s] += 1
        spare -= 1
    # Taking back what the one-cell minimum overspent: from the widest segments first.
    while spare < 0:
        widest = max((s for s, _ in present if cells[s] > 1), key=lambda s: cells[s])
        cells[widest] -= 1
        spare += 1
    return [(s, cells[s]) for s, _ in present if cells[s] > 0]


def sample(points: Sequence[HistoryPoint], limit: int) -> list[HistoryPoint]:
    """At most `limit` points, evenly spread, always keeping the first and the last."""
    if len(points) <= limit:
        return list(points)
    if limit <= 1:
        return [points[-1]]
    last = len(points) - 1
    picks = sorted({round(k * last / (limit - 1)) for k in range(limit)})
    return [points[i] for i in picks]


def since_label(report: Report, lang: Language | None = None) -> str:
    """What the 'since' date is, when it is one of the report's own dates."""
    lang = lang or Language(DEFAULT)
    if report.since is None:
        return ""
    previous = report.previous_milestone
    if previous is not None and previous.date == report.since:
        return previous.title
    if any(d.date == report.since for d in report.declarations):
        return lang._("the declaration")
    return ""


def sides_title(report: Report, lang: Language | None = None) -> str:
    lang = lang or Language(DEFAULT)
    names = [p.party for p in report.parties]
    if len(names) <= 1:
        return lang._("{party}: scored commitments").format(party="".join(names))
    return lang._("{parties} and {last} side by side").format(
        parties=lang._(", ").join(names[:-1]), last=names[-1]
    )


# --- page one ---------------------------------------------------------------------------------


def moves_title(report: Report, lang: Language, text: Callable[[str], str] = str) -> str:
    """The heading of page one's changes: since when, and how many items changed."""
    assert report.since is not None
    since = lang.date(report.since)
    label = since_label(report, lang)
    if label:
        since = lang._("{date} ({label})").format(date=since, label=text(label))
    n = report.moves.total
    return lang.ngettext(
        "What changed since {since}: {n} item", "What changed since {since}: {n} items", n
    ).format(since=since, n=n)


def move_text(m: Move, lang: Language, text: Callable[[str], str] = str) -> str:
    """An item's net change: from → to (or its status, updated), then each party whose own
    status moved otherwise, and how many changes it took."""
    if m.moved:
        line = change_text(m.from_status, m.to_status, lang)
    else:
        line = lang._("{status}, updated").format(status=lang.status(m.to_status))
    for party, before, after in m.parties:
        line += lang._("; {party}: {change}").format(
            party=text(party), change=change_text(before, after, lang)
        )
    if m.changes > 1:
        line += lang._(" ({n} changes)").format(n=m.changes)
    return line


def source_text(src: Source, lang: Language, text: Callable[[str], str] = str) -> str:
    """A piece of evidence by its title (else a file's name, else the reference) and date."""
    if src.published_on is None:
        return text(src.name)
    return lang._("{title}, {date}").format(title=text(src.name), date=lang.date(src.published_on))


def more_text(n: int, where: str, lang: Language) -> str:
    """Under a page-one list cut short: how many more, and where they are."""
    return lang._("… and {n} more in {where}.").format(n=n, where=where)


def stalled_text(why: Why | None, lang: Language, text: Callable[[str], str] = str) -> str:
    """Since when a stalled item has been stalled, and why (as recorded)."""
    if why is None:
        return lang.status("stalled")
    line = lang._("stalled since {date}").format(date=lang.date(why.since))
    if why.text:
        line += lang._(": {text}").format(text=text(why.text))
    return line


def overdue_text(i: ItemLine, lang: Language, text: Callable[[str], str] = str) -> str:
    """An overdue item: its target, its status, and its latest recorded word."""
    from tracker.reports.model import reason_line

    assert i.target_date is not None
    line = lang._("{status}; target {date} passed").format(
        status=lang.status(i.status), date=lang.date(i.target_date)
    )
    last = i.last_event
    why = reason_line(last.reason, last.note) if last is not None else None
    if last is not None and why:
        line += lang._("; latest ({date}): {text}").format(date=lang.date(last.on), text=text(why))
    return line


def cell_text(c: PartyCell | None, lang: Language) -> str:
    """A party's standing on a commitment in the side-by-side matrix."""
    if c is None:
        return lang._("not a party")
    if c.status is None:
        return lang._("not yet assessed")
    line = f"{lang.status(c.status)} ({signed_text(c.score)})" if c.score is not None else ""
    if c.on is not None:
        line += ", " + lang.date(c.on)
    if not c.own:
        line += " *"
    return line


def matrix_note(report: Report, lang: Language) -> str:
    """What the matrix shows, and where the parties differ."""
    n, total = len(report.matrix.rows), report.matrix.total
    shown = (
        lang._("The {total} scored commitments").format(total=total)
        if n == total
        else lang._(
            "{n} of {total} scored commitments, those where the parties differ first"
        ).format(n=n, total=total)
    )
    return lang._(
        "{shown}: each party's status and score, and the date of the assessment it follows "
        "(* as the item: the party has no assessment of its own). The parties differ on {d} "
        "(marked ≠)."
    ).format(shown=shown, d=report.differences)


def continued_text(i: ItemLine, lang: Language, text: Callable[[str], str] = str) -> str | None:
    """The earlier items an item continues (tracker.links), each with its status on the as-of
    date: "continued from IND-01: in progress since 1 March 2026"; None when none."""
    if not i.continues:
        return None
    parts = []
    for c in i.continues:
        status = lang.status(c.status)
        if c.since is not None:
            status = lang._("{status} since {date}").format(status=status, date=lang.date(c.since))
        template = (
            lang._("continued from {code}: {status}")
            if c.link == "follows"
            else lang._("reaffirms {code}: {status}")
        )
        parts.append(template.format(code=text(c.code), status=status))
    return "; ".join(parts)


def declaration_rows(report: Report, lang: Language) -> list[tuple[str, list[str]]]:
    """The report's figures declaration by declaration (each over its own compliance period),
    as (slug, cells) under declaration_headers; then a combined row only where the periods
    match, labelled as combined. Empty for a report of one declaration."""
    if not report.several:
        return []
    _ = lang._
    rows = []
    for d in report.by_declaration:
        f = d.overall
        period = _("{start} to {end}").format(
            start=lang.date(d.date), end=lang.date(d.cutoff) if d.cutoff else _("no cut-off")
        )
        if d.final:
            period += " " + _("(final)")
        rows.append(
            (
                d.slug,
                [
                    period,
                    lang.date(d.since) if d.since else "—",
                    str(f.items),
                    str(f.commitments),
                    str(f.assessed),
                    pct(f.completion_rate),
                    score_text(f.mean_score),
                    score_text(d.party_mean_score),
                    "; ".join(
                        f"{lang.party(p.party)} {score_text(p.figures.mean_score)}"
                        for p in d.parties
                    ),
                ],
            )
        )
    if report.periods_match:
        f = report.overall
        rows.append(
            (
                _("Combined (one compliance period)"),
                [
                    "",
                    lang.date(report.since) if report.since else "—",
                    str(f.items),
                    str(f.commitments),
                    str(f.assessed),
                    pct(f.completion_rate),
                    score_text(f.mean_score),
                    score_text(report.party_mean_score),
                    "",
                ],
            )
        )
    return rows


def declaration_headers(lang: Language) -> list[str]:
    _ = lang._
    return [
        _("Declaration"),
        _("Compliance period"),
        _("Changes since"),
        _("Items"),
        _("Commitments"),
        _("Assessed"),
        _("Completion"),
        _("Mean score"),
        _("All-parties average"),
        _("Mean score by party"),
    ]


def declarations_note(report: Report, lang: Language) -> str:
    """Under the table: whether the figures above it mix compliance periods."""
    if report.periods_match:
        return lang._(
            "The declarations share one compliance period: the combined figures are that period's."
        )
    return lang._(
        "The declarations' compliance periods differ: each declaration's figures are its own, "
        "and the report's headline figures combine periods that differ."
    )
