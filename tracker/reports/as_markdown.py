"""The report as Markdown that reads well on GitHub and in a mail client.

User text (codes, titles, names, notes, evidence) is escaped so that it cannot break a table,
inject markup, notify anyone or turn into maths; only http(s) evidence becomes a link, and its
address is written so that no renderer reads it differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracker.i18n import DEFAULT, Language
from tracker.reports.model import (
    METHOD,
    METHOD_LABELS,
    PAGE_ONE_ROWS,
    Cut,
    EventLine,
    Figures,
    ItemLine,
    Move,
    Report,
    Source,
)
from tracker.reports.presentation import (
    TABLE_ROWS,
    assessment_text,
    cell_text,
    change_text,
    completion_text,
    continued_text,
    countdown_text,
    dates_text,
    declaration_headers,
    declaration_rows,
    declarations_note,
    filters_text,
    inferred_mark,
    is_web_link,
    kinds_text,
    matrix_note,
    more_items_text,
    more_text,
    move_text,
    moves_title,
    overdue_text,
    pct,
    require_counted,
    score_text,
    sides_title,
    signed_text,
    since_label,
    source_text,
    stalled_text,
)
from tracker.scrub import one_line
from tracker.statuses import N_, STATUSES, Status, unscored_label

# Inline markup and table syntax. Text never starts a line here (it follows a code or sits in a
# cell), so block syntax (#, -, 1.) needs no escape and plain prose stays readable in mail.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


# The declaration fields a value can be inferred for, as the report names them.
FIELD_NAMES = {"place": N_("place"), "date": N_("date")}


# GitHub turns `@name` into a mention, which notifies that user (or team), and `#123` or
# `owner/repo#123` into a link that shows up on that issue. It does so after rendering, in the
# text, so neither a backslash (`\\@`) nor an entity (`&#64;`) stops it (github/markup#1168,
# github/cmark-gfm#181); a zero-width space (U+200B) after the `@` or `#` does, and shows nothing.
# An `@` inside a word (an e-mail address) is no mention, and is left whole.
ZERO_WIDTH_SPACE = "\u200b"
_MENTION = re.compile(r"(?<![0-9A-Za-z_])@(?=[0-9A-Za-z])|#(?=[0-9])")
# GitHub renders `$...$` and `$$...$$` as maths (MathJax), also after rendering, so `\\$` is no
# escape outside an expression either; its documentation gives `<span>$</span>` for a literal
# dollar on such a line, and any CommonMark renderer shows that as `$`.
DOLLAR = "<span>$</span>"


def esc(text: str) -> str:
    """Escape Markdown and keep a cell on one line, control and reordering characters shown
    as U+FFFD (tracker.scrub); mentions, issue references and maths made inert (see above)."""
    flat = one_line(text).replace("&", "&amp;")
    flat = _SPECIAL.sub(r"\\\1", flat)
    if "$" in flat:
        flat = flat.replace("$", DOLLAR)
    if "@" in flat or "#" in flat:
        flat = _MENTION.sub(lambda m: m.group() + ZERO_WIDTH_SPACE, flat)
    return flat


def code_cell(code: str) -> str:
    """A code in a table cell, as a code span (where backslash escapes do not work): fenced by
    more backticks than any run inside, padded when it starts or ends with one; `|`, on which
    GFM splits a row even inside a span, written `\\|` (the table takes the backslash out)."""
    flat = one_line(code)
    if not flat:
        return "—"
    fence = "`" * (max(map(len, re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat[0] == "`" or flat[-1] == "`" else ""
    return fence + pad + flat.replace("|", "\\|") + pad + fence


# In a link destination: what a GFM table splits a row on (|), and what a URL may not hold
# (controls, spaces, <>"`\\{}^, non-ASCII) percent-encoded, as a browser would before
# requesting it; the rest of RFC 3986 kept as written. Inside <...> parentheses need no escape.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
# CommonMark decodes entities in a destination: `&amp;` there would become `&`.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def destination(url: str) -> str:
    """An http(s) URL as a link destination that every renderer reads as written."""
    from urllib.parse import quote

    return "<" + _ENTITY.sub(r"\\&", quote(url.strip(), safe=_URL_SAFE)) + ">"


def evidence_md(src: Source, lang: Language) -> str:
    """A source by its title and date, linked when it is a web address."""
    shown = source_text(src, lang, esc)
    if is_web_link(src.reference):
        return f"[{shown}]({destination(src.reference)})"
    return shown


# Wide tables are split so that each fits a GitHub page (about 7 columns of short cells).
FIGURE_COLUMNS = [
    N_("Items"),
    N_("Commitments"),
    N_("Achieved"),
    N_("Completion"),
    N_("With partial"),
    N_("Mean score"),
]


def _figures_tables(first: str, rows: list[tuple[str, Figures]], lang: Language) -> list[str]:
    """Two tables of one row per name: the commitments' figures, then items by status."""
    out = [
        f"| {first} | " + " | ".join(lang._(c) for c in FIGURE_COLUMNS) + " |",
        "|---|" + "---:|" * len(FIGURE_COLUMNS),
    ]
    for name, f in rows:
        out.append(
            f"| {name} | {f.items} | {f.commitments} | {f.achieved} | {pct(f.completion_rate)} | "
            f"{pct(f.completion_rate_partial)} | {score_text(f.mean_score)} |"
        )
    out += [
        "",
        f"| {first} | " + " | ".join(lang.status(s).capitalize() for s in STATUSES) + " |",
        "|---|" + "---:|" * len(STATUSES),
    ]
    for name, f in rows:
        out.append(f"| {name} | " + " | ".join(str(f.counts[s]) for s in STATUSES) + " |")
    return [*out, ""]


def _event_text(e: EventLine, lang: Language) -> str:
    _ = lang._
    change = change_text(e.from_status, e.to_status, lang)
    who = f" [{esc(e.party)}]" if e.party else ""
    parts = [f"{lang.date(e.on)}{who}: {change}"]
    if e.note:
        parts.append(esc(e.note))
    if e.reason:
        parts.append(_("reason: {reason}").format(reason=esc(e.reason)))
    if e.evidence:
        refs = ", ".join(evidence_md(r, lang) for r in e.evidence)
        parts.append(_("evidence: {refs}").format(refs=refs))
    parts.append(_("by {actor}").format(actor=esc(e.actor)))
    if e.corrects_id is not None:
        parts.append(_("(correction of #{id})").format(id=e.corrects_id))
    return " — ".join(parts)


def _marked(i: ItemLine, name: str, lang: Language) -> str:
    return f" *{inferred_mark(i.inferred_origins, name, lang)}*" if name in i.inferred else ""


def _target(i: ItemLine, lang: Language) -> str:
    if i.target_date is None:
        return "—"
    return lang.date(i.target_date) + _marked(i, "target", lang)


def _item_list(items: Cut[ItemLine], lang: Language, rows: int = PAGE_ONE_ROWS) -> list[str]:
    lines = [
        f"- **{esc(i.code)}** {esc(i.title)} — {lang.status(i.status)}"
        + (lang._(", target {date}").format(date=_target(i, lang)) if i.target_date else "")
        for i in items.rows[:rows]
    ]
    return _listed(lines, Cut(items.rows[:rows], items.total), lang)


def _listed(lines: list[str], cut: Cut[ItemLine], lang: Language) -> list[str]:
    """A page-one list's lines, "None." for an empty one, and how many more the annex has."""
    if not cut.total:
        return [lang._("None."), ""]
    more = cut.total - len(lines)
    if more > 0:
        lines = [*lines, more_text(more, lang._("the annex"), lang)]
    return [*lines, ""]


def _move(m: Move, lang: Language) -> str:
    """One line of page one's changes: the item, its net change, when, and its latest source."""
    line = f"- **{esc(m.code)}** {esc(m.title)} — {move_text(m, lang, esc)} — {lang.date(m.on)}"
    if m.evidence is not None:
        line += " — " + lang._("evidence: {refs}").format(refs=evidence_md(m.evidence, lang))
    return line


def _matrix(report: Report, lang: Language) -> list[str]:
    """The scored commitments × parties, the differences marked ≠."""
    if not report.matrix.rows:
        return []
    parties = [p.party for p in report.parties]
    out = [
        "| " + " | ".join([lang._("Commitment"), *map(esc, parties), "≠"]) + " |",
        "|---|" + "---|" * len(parties) + ":-:|",
    ]
    for r in report.matrix.rows:
        cells = [cell_text(r.cell(p), lang) for p in parties]
        mark = "≠" if r.differs else ""
        out.append(f"| **{esc(r.code)}** {esc(r.title)} | " + " | ".join(cells) + f" | {mark} |")
    return [*out, "", matrix_note(report, lang), ""]


def _annex(report: Report, lang: Language) -> list[str]:
    """Every change in the report's window, and the attention lists page one cut short."""
    _ = lang._
    out: list[str] = []
    if report.since is not None:
        since = lang.date(report.since)
        label = since_label(report, lang)
        if label:
            since = _("{date} ({label})").format(date=since, label=esc(label))
        title = _("Annex: every change since {since}").format(since=since)
        out += ["## " + _("{title}: {n}").format(title=title, n=report.changes.total), ""]
        out += [f"- **{esc(e.code)}** {_event_text(e, lang)}" for e in report.changes.rows] or [
            _("None.")
        ]
        out.append("")
    for name, listed in (
        (_("Annex: every item due by the next milestone"), report.due_soon),
        (_("Annex: every overdue item"), report.overdue),
        (_("Annex: every stalled item"), report.stalled),
    ):
        if listed.total > PAGE_ONE_ROWS:
            count = _("{title}: {n}").format(title=name, n=listed.total)
            out += [f"## {count}", "", *_item_list(listed, lang, listed.total)]
    return out


def _sources(report: Report, lang: Language) -> list[str]:
    """Where each declaration comes from, each inferred value with its own origin."""
    _ = lang._
    out = []
    for d in report.declarations:
        inferred = [n for n in ("place", "date") if n in d.inferred]
        note = "".join(
            _(" ({fields} inferred: {source})").format(
                fields=_(FIELD_NAMES[n]), source=esc(d.inferred[n])
            )
            for n in inferred
        )
        place = _("{place}, {date}{inferred}; parties: {parties}").format(
            place=esc(d.place),
            date=lang.date(d.date),
            inferred=note,
            parties=esc(_(", ").join(d.parties)),
        )
        out.append(f"- **{_('Source')}**{_(': {text}').format(text=f'{esc(d.title)} — {place}')}")
    return out


def _score(i: ItemLine, lang: Language) -> str:
    return lang._(unscored_label(i.kind)) if i.score is None else signed_text(i.score)


def _status(i: ItemLine, lang: Language) -> str:
    text = lang.status(i.status) + (" ⚠ " + lang._("overdue") if i.overdue else "")
    if any(s != i.status for s in i.party_status.values()):
        each = "; ".join(f"{esc(p)}: {lang.status(s)}" for p, s in i.party_status.items())
        text += f" ({each})"
    return text


def _declarations_table(report: Report, lang: Language) -> list[str]:
    """Each declaration's figures over its own compliance period (a report of several)."""
    rows = declaration_rows(report, lang)
    if not rows:
        return []
    headers = declaration_headers(lang)
    out = [
        "## " + lang._("By declaration"),
        "",
        declarations_note(report, lang),
        "",
        "| " + " | ".join(headers) + " |",
        "|---|---|---|" + "---:|" * 6 + "---|",
    ]
    out += [f"| {esc(name)} | " + " | ".join(cells) + " |" for name, cells in rows]
    return [*out, ""]


def _items_table(items: list[ItemLine], lang: Language) -> list[str]:
    """One table per pillar, so that no column repeats the pillar; six columns."""
    _ = lang._
    out: list[str] = []
    pillar = None
    header = [_("Code"), _("Title"), _("Status"), _("Target"), _("Score"), _("Last update")]
    for i in items:
        if i.pillar_title != pillar:
            pillar = i.pillar_title
            out += [
                "",
                f"### {esc(pillar)}",
                "",
                "| " + " | ".join(header) + " |",
                "|---|---|---|---|---:|---|",
            ]
        owners = _(", ").join(i.owners)
        parties = esc(_(", ").join(i.parties)) + _marked(i, "parties", lang)
        who = _(" (parties: {parties})").format(parties=parties)
        if owners:
            lead = esc(owners) + _marked(i, "owners", lang)
            who = _(" (parties: {parties}; lead: {lead})").format(parties=parties, lead=lead)
        last = _event_text(i.last_event, lang) if i.last_event else "—"
        continued = continued_text(i, lang, esc)
        if continued:
            who += f" — *{continued}*"
        out.append(
            f"| {code_cell(i.code)} | {esc(i.title)}{who} | {_status(i, lang)} | "
            f"{_target(i, lang)} | {_score(i, lang)} | {last} |"
        )
    return [*out, ""]


def render(
    report: Report, *, lang: Language | None = None, full: bool = False, brief: bool = False
) -> str:
    """The report as Markdown in `lang` (English by default; titles and names localized)."""
    return "".join(chunks(report, lang=lang, full=full, brief=brief))


def chunks(
    report: Report, *, lang: Language | None = None, full: bool = False, brief: bool = False
) -> Iterator[str]:
    """The document a section at a time. The item tables (pledges, then outlook) show their
    first TABLE_ROWS rows in all unless `full`; every figure and attention list is whole.
    `brief`: page one alone (up to the parties side by side), for email and chat."""
    from tracker.reports.localize import localized

    require_counted(report)
    lang = lang or Language(DEFAULT)
    _ = lang._
    report = localized(report, lang)
    out: list[str] = []
    if report.marking:
        out += [f"**{esc(report.marking)}**", ""]
    out += [f"# {esc(report.display_title)}", ""]
    out += [dates_text(report, lang, esc)]
    if lang.code != DEFAULT:
        out += [
            "",
            _(
                "Titles are the project's unofficial translation; the English quote of the "
                "declaration is the source."
            ),
        ]
    filters = filters_text(report, lang, esc)
    if filters is not None:
        out += ["", filters]
    f = report.overall
    milestone = report.next_milestone
    out.append("")
    countdown = countdown_text(report, lang, esc)
    if milestone is not None:
        out.append(f"**{countdown}{_('.')}**")
    elif countdown is not None:
        out.append(f"**{countdown}**")
    out += [
        "",
        kinds_text(report, lang, strong=lambda text: f"**{text}**"),
        "",
        "- " + assessment_text(report, lang),
        "- " + completion_text(report, lang),
        "- "
        + lang.ngettext(
            "Mean compliance score: {score} (−1 to +1); all-parties average: {parties} over "
            "{n} party score",
            "Mean compliance score: {score} (−1 to +1); all-parties average: {parties} over "
            "{n} party scores",
            report.party_scores,
        ).format(
            score=score_text(f.mean_score),
            parties=score_text(report.party_mean_score),
            n=report.party_scores,
        ),
        "- "
        + lang.ngettext(
            "Open pledges: {open}; overdue: {overdue}; stalled: {stalled}; and {outlook} outlook "
            "item followed apart",
            "Open pledges: {open}; overdue: {overdue}; stalled: {stalled}; and {outlook} outlook "
            "items followed apart",
            report.outlook.total,
        ).format(
            open=report.open_pledges,
            overdue=report.overdue.total,
            stalled=report.stalled.total,
            outlook=report.outlook.total,
        ),
        "",
    ]
    if report.since is not None:
        out += ["## " + moves_title(report, lang, esc), ""]
        out += [_move(m, lang) for m in report.moves.rows] or [_("None.")]
        if report.moves.more:
            out.append(more_text(report.moves.more, _("the annex"), lang))
        out.append("")
    if milestone is not None:
        title = _("Due by the {milestone}").format(milestone=esc(milestone.title))
        count = _("{title}: {n}").format(title=title, n=report.due_soon.total)
        out += [f"## {count}", "", *_item_list(report.due_soon, lang)]
    count = _("{title}: {n}").format(title=_("Overdue"), n=report.overdue.total)
    lines = [
        f"- **{esc(i.code)}** {esc(i.title)} — {overdue_text(i, lang, esc)}"
        for i in report.overdue.rows[:PAGE_ONE_ROWS]
    ]
    out += [f"## {count}", "", *_listed(lines, report.overdue, lang)]
    count = _("{title}: {n}").format(title=_("Stalled"), n=report.stalled.total)
    lines = [
        f"- **{esc(i.code)}** {esc(i.title)} — {stalled_text(report.why.get(i.code), lang, esc)}"
        for i in report.stalled.rows[:PAGE_ONE_ROWS]
    ]
    out += [f"## {count}", "", *_listed(lines, report.stalled, lang)]
    if report.parties:
        header = [
            _("Party"),
            _("Commitments"),
            _("Achieved"),
            _("Under way or partial"),
            _("Not started, stalled or dropped"),
            _("Completion"),
            _("Mean score"),
        ]
        out += [f"## {esc(sides_title(report, lang))}", "", *_matrix(report, lang)]
        out += [
            _(
                "Scored commitments only; each party's own assessment where one was recorded, "
                "else the item's as a whole."
            ),
            "",
            "| " + " | ".join(header) + " |",
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
            f"| **{_('All-parties average')}** | {report.party_scores} | | | | | "
            f"{score_text(report.party_mean_score)} |"
        )
        out.append("")
    if brief:
        yield "\n".join(out).rstrip("\n") + "\n"
        return
    out += _declarations_table(report, lang)
    out += [
        "## " + _("By pillar"),
        "",
        _("The commitments' figures, then every item by status."),
        "",
    ]
    rows = [(esc(p.title), p.figures) for p in report.pillars]
    out += _figures_tables(_("Pillar"), [*rows, (f"**{_('All')}**", report.overall)], lang)
    if report.parties:
        out += [
            "## " + _("By party"),
            "",
            _("Each party's own assessment where one was recorded, else the item's as a whole."),
            "",
        ]
        parties = [(esc(p.party), p.figures) for p in report.parties]
        out += _figures_tables(_("Party"), parties, lang)
    pledges = _("{title} ({n})").format(title=_("The parties' pledges"), n=report.pledges.total)
    yield "\n".join(out) + "\n"
    room = len(report.items) if full else TABLE_ROWS
    pledge_rows = list(report.pledges.rows[:room])
    outlook_rows = list(report.outlook.rows[: room - len(pledge_rows)])
    out = [f"## {pledges}", *_items_table(pledge_rows, lang)]
    if report.outlook.total:
        outlook = _("{title} ({n})").format(
            title=_("Outlook: the source's commentary"), n=report.outlook.total
        )
        out += [
            f"## {outlook}",
            "",
            _(
                "The article's own description, analysis or forecast, not the parties' words: "
                "tracked, not scored, never overdue."
            ),
            *_items_table(outlook_rows, lang),
        ]
    rows_listed = len(pledge_rows) + len(outlook_rows)
    if rows_listed < len(report.items):
        out += [more_items_text(report, rows_listed), ""]
    out += _annex(report, lang)
    out += ["## " + _("How the figures are computed"), ""]
    out += [
        f"- **{_(METHOD_LABELS.get(name, name))}**{_(': {text}').format(text=_(text))}"
        for name, text in METHOD.items()
    ]
    out += ["", *_sources(report, lang)]
    footer = _("Generated by tracker on {date}; status as of {as_of}").format(
        date=lang.date(report.generated_on), as_of=lang.date(report.as_of)
    )
    if report.prepared_by:
        footer += "; " + _("prepared by {name}").format(name=esc(report.prepared_by))
    if report.marking:
        footer += f"; {esc(report.marking)}"
    out += [
        "",
        "---",
        "",
        footer + _("."),
        "",
        _(
            "Heads digest: {digest} ({command} prints the same digest for the database this "
            "report came from, unless its history has changed since)."
        ).format(digest=f"`{report.heads_digest}`", command="`tracker verify`"),
    ]
    yield "\n".join(out) + "\n"
