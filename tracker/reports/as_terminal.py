"""The report for a terminal: rich tables and text-block bars that fit 80 columns.

Drawn on a rich Console writing to a string, at a width the caller chooses (the CLI passes the
terminal's, capped at 100, or 80 when not on a terminal). Without colour (not a TTY, NO_COLOR)
the console has no colour system, so the output holds no escape codes at all; the glyph of each
status (see presentation.GLYPHS) keeps bars and tables readable in plain text. User text goes in
as rich Text, never as markup, with control characters neutralised.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from tracker.i18n import DEFAULT, Language
from tracker.reports.localize import localized
from tracker.reports.model import (
    METHOD,
    METHOD_LABELS,
    PAGE_ONE_ROWS,
    Cut,
    EventLine,
    Figures,
    HistoryPoint,
    ItemCut,
    ItemLine,
    PillarFigures,
    Report,
    Source,
    Stream,
)
from tracker.reports.presentation import (
    GLYPHS,
    PROGRESS_ORDER,
    TERMINAL_ALERT,
    TERMINAL_BOLD,
    TERMINAL_COLOURS,
    assessment_text,
    cell_text,
    completion_text,
    continued_text,
    countdown_text,
    dates_text,
    declaration_headers,
    declaration_rows,
    declarations_note,
    filters_text,
    more_text,
    move_text,
    moves_title,
    one_line,
    overdue_text,
    pct,
    require_counted,
    sample,
    score_text,
    sides_title,
    signed_text,
    since_label,
    source_text,
    split_cells,
    stalled_text,
)

# rich's Text, wrapping Japanese by its line-breaking rules (no line starts with 、。）).
from tracker.reports.wrapping import Text
from tracker.statuses import Kind, Status, unscored_label

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# Blanks at the end of a line, before any closing style codes.
_TRAILING = re.compile(r"(?:\s|\x1b\[[0-9;]*m)+$")
_CODE = re.compile(r"\x1b\[[0-9;]*m")
MIN_BAR = 10
# Tables: a blank divider and one cell of (collapsed) padding between columns, no outer edge.
GAP = 2
# A terminal report is read, not searched: a list longer than this shows its first rows and
# says how many more there are and where every one is (each other format lists them all):
# rich lays a table out whole, which at scale took longer than anyone waits. The CLI builds the
# report with its lists already cut here (tracker.reports.build.ReportSpec's `rows`).
MAX_ROWS = 100


def _table(*, expand: bool = False) -> Table:
    return Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
        header_style="bold",
        expand=expand,
    )


def _glyph(status: Status) -> Text:
    return Text(GLYPHS[status], style=TERMINAL_COLOURS[status])


def _bar(counts: Mapping[Status, int], width: int) -> Text:
    bar = Text(no_wrap=True, overflow="crop")
    for status, cells in split_cells(counts, width):
        bar.append(GLYPHS[status] * cells, style=TERMINAL_COLOURS[status])
    return bar


def _status(status: Status, lang: Language) -> Text:
    text = _glyph(status)
    text.append(" " + lang.status(status), style="bold" if status in TERMINAL_BOLD else "")
    return text


def _legend(lang: Language) -> Text:
    legend = Text()
    for n, status in enumerate(PROGRESS_ORDER):
        if n:
            legend.append(" ")
        legend.append_text(_status(status, lang))
    return legend


def _more(
    console: Console,
    cut: Cut[ItemLine] | Cut[EventLine] | Stream[EventLine],
    every_row: str | None,
    lang: Language,
) -> None:
    """Under a list cut at MAX_ROWS: how many rows are not shown, and where they all are."""

    if cut.more > 0:
        text = (
            lang._("… and {n} more not shown in the terminal; {how} lists every one.").format(
                n=cut.more, how=every_row
            )
            if every_row
            else lang._("… and {n} more not shown in the terminal.").format(n=cut.more)
        )
        console.print(Text(text, style="dim"))


def _section(console: Console, title: str, *, gap: bool = True) -> None:
    """A titled rule; `gap=False` leaves out the blank line above it (page one's lists, so
    that the headline and every attention list fit the first screen of a terminal)."""

    if gap:
        console.print()
    console.print(
        Rule(Text(one_line(title), style="bold"), align="left", characters="─", style="dim")
    )


def _headline(console: Console, report: Report, lang: Language) -> None:
    _ = lang._
    if report.marking:
        console.print(Text(one_line(report.marking), style="bold"), justify="center")
    console.print(Text(one_line(report.display_title), style="bold"))
    console.print(Text(one_line(dates_text(report, lang))))
    if lang.code != DEFAULT:
        console.print(
            Text(
                _(
                    "Titles are the project's unofficial translation; the English quote of "
                    "the declaration is the source."
                ),
                style="dim",
            )
        )
    filters = filters_text(report, lang)
    if filters is not None:
        console.print(Text(one_line(filters)))
    countdown = countdown_text(report, lang)
    if countdown is not None:
        console.print(Text(one_line(countdown), style="bold"))
    f = report.overall
    scored = f.kinds[Kind.COMMITMENT]
    for line in (
        # Each count with its own noun ("1 item:", "4 firm commitments"); the translation
        # puts the pieces together as its language does.
        _(
            "{items} {commitments}, {priorities} priorities, {ongoing} ongoing, {outlook} "
            "outlook (not scored)"
        ).format(
            items=lang.ngettext("{n} item:", "{n} items:", f.items).format(n=f.items),
            commitments=lang.ngettext(
                "{n} firm commitment (scored)", "{n} firm commitments (scored)", scored
            ).format(n=scored),
            priorities=f.kinds[Kind.PRIORITY],
            ongoing=f.kinds[Kind.ONGOING],
            outlook=f.kinds[Kind.OUTLOOK],
        ),
        assessment_text(report, lang),
        completion_text(report, lang),
        lang.ngettext(
            "Mean compliance score: {score} (−1 to +1); all parties: {parties} over {n} score",
            "Mean compliance score: {score} (−1 to +1); all parties: {parties} over {n} scores",
            report.party_scores,
        ).format(
            score=score_text(f.mean_score),
            parties=score_text(report.party_mean_score),
            n=report.party_scores,
        ),
    ):
        console.print(Text(line))


def _sides(console: Console, report: Report, lang: Language) -> None:
    _ = lang._
    _section(console, sides_title(report, lang))
    _matrix(console, report, lang)
    table = _table()
    table.add_column(_("Party"), max_width=20, overflow="fold")
    for name in (
        _("Commitm."),
        _("Achieved"),
        _("Under way"),
        _("Idle"),
        _("Compl."),
        _("Score"),
    ):
        table.add_column(name, justify="right", no_wrap=True)
    for p in report.parties:
        c = p.figures.scored_counts
        table.add_row(
            Text(one_line(p.party)),
            str(p.figures.commitments),
            str(c[Status.ACHIEVED]),
            str(c[Status.IN_PROGRESS] + c[Status.PARTIALLY_ACHIEVED]),
            str(c[Status.NOT_STARTED] + c[Status.STALLED] + c[Status.DROPPED]),
            pct(p.figures.completion_rate),
            score_text(p.figures.mean_score),
        )
    table.add_row(
        Text(_("All parties"), style="bold"),
        str(report.party_scores),
        "",
        "",
        "",
        "",
        Text(score_text(report.party_mean_score), style="bold"),
    )
    console.print(table)
    console.print(
        Text(
            _(
                "Scored commitments only. Under way = in progress or partially achieved; "
                "idle = not started, stalled or dropped."
            ),
            style="dim",
        )
    )


def _pillar_name(p: PillarFigures, lang: Language) -> str:
    return p.slug if lang.code == DEFAULT else p.title


def _progress_bars(console: Console, report: Report, width: int, lang: Language) -> None:
    _ = lang._
    _section(console, _("Progress by pillar: scored commitments by status, then not scored"))
    legend = _legend(lang)
    legend.append(" " + _("(dimmed: not scored)"), style="dim")
    console.print(legend)
    # In English the slug (what --pillar takes); in another language the title, localized.
    rows = [(_pillar_name(p, lang), p.figures, "") for p in report.pillars]
    rows.append((_("All"), report.overall, "bold"))
    name_w = min(20, max(cell_len(name) for name, _f, _s in rows))

    def items_text(n: int) -> str:
        return lang.ngettext("{n} item", "{n} items", n).format(n=n)

    count_w = max(cell_len(items_text(f.items)) for _n, f, _s in rows)
    bar_w = max(MIN_BAR, width - name_w - count_w - 4 - 3)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, max_width=name_w, overflow="ellipsis")
    grid.add_column(no_wrap=True, width=bar_w)
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(no_wrap=True, justify="right")
    for name, figures, style in rows:
        scored_w = round(bar_w * figures.commitments / (figures.items or 1))
        bar = _bar(figures.scored_counts, scored_w)
        # The items that are not scored, by status: the same glyphs, dimmed.
        unscored = {s: figures.counts[s] - figures.scored_counts[s] for s in PROGRESS_ORDER}
        for status, cells in split_cells(unscored, bar_w - bar.cell_len):
            bar.append(GLYPHS[status] * cells, style="dim")
        grid.add_row(
            Text(one_line(name), style=style),
            bar,
            Text(items_text(figures.items)),
            Text(pct(figures.completion_rate), style=style),
        )
    console.print(grid)


def _figures_table(first: str, rows: list[tuple[str, Figures, bool]], lang: Language) -> Table:
    _ = lang._
    table = _table()
    # Numbers never wrap; on a narrow terminal the name column gives way (folds) instead.
    table.add_column(first, max_width=20, overflow="fold")
    table.add_column(_("Items"), justify="right", no_wrap=True)
    for status in PROGRESS_ORDER:
        table.add_column(_glyph(status), justify="right", no_wrap=True)
    table.add_column(_("Compl."), justify="right", no_wrap=True)
    table.add_column(_("Partial"), justify="right", no_wrap=True)
    table.add_column(_("Score"), justify="right", no_wrap=True)
    for name, f, bold in rows:
        style = "bold" if bold else ""
        table.add_row(
            Text(one_line(name), style=style),
            str(f.items),
            *(str(f.counts.get(s, 0)) for s in PROGRESS_ORDER),
            pct(f.completion_rate),
            pct(f.completion_rate_partial),
            score_text(f.mean_score),
            style=style,
        )
    return table


def _declarations(console: Console, report: Report, lang: Language) -> None:
    """Each declaration's figures over its own compliance period (a report of several): a
    table of the figures, then each declaration's "since" and its parties' scores."""
    rows = declaration_rows(report, lang)
    if not rows:
        return
    _ = lang._
    h = declaration_headers(lang)
    _section(console, _("By declaration"))
    console.print(Text(declarations_note(report, lang)))
    table = _table()
    table.add_column(h[0], overflow="fold")
    table.add_column(h[1], overflow="fold")
    table.add_column(_("Assessed"), justify="right", no_wrap=True)
    table.add_column(_("Compl."), justify="right", no_wrap=True)
    table.add_column(_("Score"), justify="right", no_wrap=True)
    table.add_column(_("All parties"), justify="right", no_wrap=True)
    for name, c in rows:
        assessed = _("{n} of {total}").format(n=c[4], total=c[3])
        table.add_row(one_line(name), c[0], assessed, c[5], c[6], c[7])
    console.print(table)
    for name, c in rows:
        line = f"{one_line(name)}: {h[2]} {c[1]}"
        if c[8]:
            line += f"; {h[9]}: {c[8]}"
        console.print(Text(line))


def _figures(console: Console, report: Report, lang: Language) -> None:
    _ = lang._
    _declarations(console, report, lang)
    _section(console, _("Figures by pillar"))
    console.print(_legend(lang))
    rows = [(_pillar_name(p, lang), p.figures, False) for p in report.pillars]
    console.print(_figures_table(_("Pillar"), [*rows, (_("All"), report.overall, True)], lang))
    if report.parties:
        _section(console, _("Figures by party"))
        console.print(
            Text(
                _("Each party's own assessment where one was recorded, else the item's as a whole.")
            )
        )
        parties = [(p.party, p.figures, False) for p in report.parties]
        console.print(_figures_table(_("Party"), parties, lang))
    console.print(
        Text(
            _(
                "Compl. = completion rate; Partial = with partial credit (partially achieved "
                "counts half); Score = mean compliance score, −1 to +1. All three over items of "
                "kind commitment."
            ),
            style="dim",
        )
    )


def _burnup(console: Console, points: list[HistoryPoint], width: int, lang: Language) -> None:
    _ = lang._
    _section(console, _("Burn-up: items by status over time"))
    shown = sample(points, MAX_ROWS)
    if len(shown) < len(points):
        console.print(
            Text(
                _("{shown} of {n} dates shown, evenly spread.").format(
                    shown=len(shown), n=len(points)
                )
            )
        )
    most = max((sum(p.counts.values()) for p in shown), default=0)
    number_w = max(2, len(str(most)))
    date_w = max(cell_len(lang.date(p.on)) for p in shown) if shown else 10
    bar_w = max(MIN_BAR, width - date_w - len(PROGRESS_ORDER) * (number_w + GAP) - GAP)
    table = _table()
    table.add_column(_("Date"), no_wrap=True)
    table.add_column("", no_wrap=True, width=bar_w)
    for status in PROGRESS_ORDER:
        table.add_column(_glyph(status), justify="right", no_wrap=True)
    for point in shown:
        total = sum(point.counts.values())
        scaled = round(bar_w * total / most) if most else 0
        table.add_row(
            lang.date(point.on),
            _bar(point.counts, scaled),
            *(str(point.counts.get(s, 0)) for s in PROGRESS_ORDER),
        )
    console.print(table)


def _item_list(
    console: Console,
    title: str,
    items: ItemCut,
    lang: Language,
    detail: Callable[[ItemLine], str] | None = None,
) -> None:
    """A page-one list: its first PAGE_ONE_ROWS items, each with its status and target, or
    with `detail` (since when and why) under its title."""
    if not items.total:
        # One line, no rule: page one must fit the first screen.
        console.print(Text(one_line(lang._("{title}: none.").format(title=title)), style="bold"))
        return
    _section(console, lang._("{title} ({n})").format(title=title, n=items.total), gap=False)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for i in items.rows[:PAGE_ONE_ROWS]:
        line = Text(one_line(i.title))
        if detail is not None:
            line.append(" — " + one_line(detail(i)), style="bold")
        else:
            line.append(" — ")
            line.append_text(_status(i.status, lang))
            if i.target_date:
                target = lang._(", target {date}").format(date=lang.date(i.target_date))
                line.append(target, style=TERMINAL_ALERT if i.overdue else "")
        grid.add_row(Text(one_line(i.code), style="bold"), line)
    console.print(grid)
    more = items.total - min(len(items.rows), PAGE_ONE_ROWS)
    if more > 0:
        console.print(Text(more_text(more, lang._("the full tables"), lang), style="dim"))


def _moves(console: Console, report: Report, lang: Language) -> None:
    """Page one's changes: each changed item's net change, when, and its latest source."""
    _section(console, moves_title(report, lang), gap=False)
    if not report.moves.total:
        console.print(Text(lang._("None.")))
        return
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for m in report.moves.rows:
        line = Text(one_line(m.title) + " — ")
        line.append(one_line(move_text(m, lang)), style="bold")
        line.append(" — " + lang.date(m.on))
        if m.evidence is not None:
            line.append(" — " + one_line(source_text(m.evidence, lang)), style="dim")
        grid.add_row(Text(one_line(m.code), style="bold"), line)
    console.print(grid)
    if report.moves.more:
        console.print(Text(more_text(report.moves.more, lang._("the annex"), lang), style="dim"))


def _matrix(console: Console, report: Report, lang: Language) -> None:
    """The scored commitments × parties, the differences marked ≠."""
    if not report.matrix.rows:
        return
    table = _table()
    table.add_column(lang._("Commitment"), no_wrap=True)
    parties = [p.party for p in report.parties]
    for party in parties:
        table.add_column(Text(one_line(party)), overflow="fold")
    table.add_column("≠", no_wrap=True)
    for r in report.matrix.rows:
        cells: list[Text | str] = [Text(one_line(r.code), style="bold")]
        for party in parties:
            c = r.cell(party)
            if c is None or c.status is None:
                cells.append(Text(cell_text(c, lang), style="dim"))
                continue
            cell = _status(c.status, lang)
            if c.score is not None:
                cell.append(f" {signed_text(c.score)}")
            if not c.own:
                cell.append(" *", style="dim")
            cells.append(cell)
        cells.append(Text("≠", style=TERMINAL_ALERT) if r.differs else "")
        table.add_row(*cells)
    console.print(table)
    console.print(
        Text(
            lang._(
                "* as the item: no assessment of its own. The parties differ on {d} of {n} "
                "scored commitments (≠)."
            ).format(d=report.differences, n=report.matrix.total),
            style="dim",
        )
    )


def _event_text(e: EventLine, lang: Language) -> Text:
    _ = lang._
    text = Text()
    if e.party:
        text.append(f"[{one_line(e.party)}] ")
    if e.from_status != e.to_status:
        text.append_text(_status(e.from_status, lang))
        text.append(" → ")
    text.append_text(_status(e.to_status, lang))
    if e.note:
        text.append(" — " + one_line(e.note))
    if e.reason:
        text.append(" — " + _("reason: {reason}").format(reason=one_line(e.reason)))
    if e.evidence:
        text.append(
            " — "
            + _("evidence: {refs}").format(
                refs=", ".join(one_line(_source(r, lang)) for r in e.evidence)
            )
        )
    text.append(" — " + _("by {actor}").format(actor=one_line(e.actor)), style="dim")
    if e.corrects_id is not None:
        text.append(" " + _("(correction of #{id})").format(id=e.corrects_id), style="dim")
    return text


def _source(src: Source, lang: Language) -> str:
    """A source by its title and date, with its address after it when it has a title."""
    text = source_text(src, lang)
    return f"{text} <{src.reference}>" if src.title else text


def _changes(
    console: Console, report: Report, changes: Cut[EventLine] | Stream[EventLine], lang: Language
) -> None:

    _ = lang._
    assert report.since is not None
    label = since_label(report, lang)
    since = lang.date(report.since)
    if label:
        since = _("{date}, {label}").format(date=since, label=label)
    _section(
        console, _("Annex: every change since {since} ({n})").format(since=since, n=changes.total)
    )
    if not changes.total:
        console.print(Text(_("None.")))
        return
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for e in changes.rows:
        grid.add_row(lang.date(e.on), Text(one_line(e.code), style="bold"), _event_text(e, lang))
    console.print(grid)
    _more(console, changes, report.every_row, lang)


def _commitments(
    console: Console,
    title: str,
    items: ItemCut,
    every_row: str | None,
    width: int,
    lang: Language,
) -> None:

    _ = lang._
    _section(console, _("{title} ({n})").format(title=title, n=items.total))
    wide = width >= 100
    # expand: the fixed columns keep their width and the title takes the rest, cut to one line.
    table = _table(expand=True)
    table.add_column(_("Code"), no_wrap=True)
    table.add_column(_("Status"), no_wrap=True)
    table.add_column(_("Score"), no_wrap=True, justify="right")
    table.add_column(_("Target"), no_wrap=True)
    if wide:
        table.add_column(_("Updated"), no_wrap=True)
    table.add_column(_("Title"), no_wrap=True, overflow="ellipsis", ratio=1, min_width=10)
    for i in items.rows:
        target = Text(lang.date(i.target_date) if i.target_date else "—")
        if "target" in i.inferred:
            target.append("*", style="dim")
        if i.overdue:
            target.append("!")
            target.stylize(TERMINAL_ALERT)
        score = (
            Text(_(unscored_label(i.kind)), style="dim")
            if i.score is None
            else Text(signed_text(i.score))
        )
        cells: list[Text | str] = [
            Text(one_line(i.code), style="bold"),
            _status(i.status, lang),
            score,
        ]
        cells.append(target)
        if wide:
            cells.append(lang.date(i.last_event.on) if i.last_event else "—")
        title_cell = Text(one_line(i.title))
        continued = continued_text(i, lang, one_line)
        if continued:
            title_cell.append(f" ({continued})", style="dim")
        cells.append(title_cell)
        table.add_row(*cells)
    console.print(table)
    _more(console, items, every_row, lang)
    if items.any_overdue:
        console.print(
            Text(_("! overdue: the target date has passed and the item is not achieved."))
        )
    if items.any_inferred_target:
        console.print(Text(_("* inferred: the target is not in the source text."), style="dim"))


def _method(console: Console, report: Report, lang: Language) -> None:
    _ = lang._
    _section(console, _("How the figures are computed"))
    for name, text in METHOD.items():
        line = Text(_(METHOD_LABELS.get(name, name)), style="bold")
        line.append(_(": {text}").format(text=_(text)))
        console.print(line)
    for d in report.declarations:
        inferred = _(" (date and place from public reporting)") if d.inferred else ""
        place = _("{place}, {date}{inferred}; parties: {parties}").format(
            place=d.place,
            date=lang.date(d.date),
            inferred=inferred,
            parties=_(", ").join(d.parties),
        )
        line = Text(_("Source"), style="bold")
        line.append(_(": {text}").format(text=one_line(f"{d.title} — {place}")))
        console.print(line)


def render(
    report: Report,
    *,
    width: int = 80,
    color: bool = False,
    lang: Language | None = None,
    brief: bool = False,
) -> str:
    """The report as terminal text `width` columns wide; ANSI styles only when `color`.

    In a language other than English the report's titles and names are its translations
    (localize.py) and every label comes from the catalog; rich measures each cell by its
    display width (East Asian wide characters take two columns), so the columns stay aligned."""
    require_counted(report)
    lang = lang or Language(DEFAULT)
    _ = lang._
    report = localized(report, lang)
    # The first rows of each list (a report built for the terminal holds no more).
    lists = report.first(MAX_ROWS)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system="auto" if color else None,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
        tab_size=4,
    )
    # Page one: the headline and what needs attention, then the parties side by side.
    _headline(console, report, lang)
    if report.since is not None:
        _moves(console, report, lang)
    milestone = report.next_milestone
    if milestone is not None:
        _item_list(
            console,
            _("Due by the {milestone}").format(milestone=milestone.title),
            lists.due_soon,
            lang,
        )
    _item_list(console, _("Overdue"), lists.overdue, lang, lambda i: overdue_text(i, lang))
    _item_list(
        console,
        _("Stalled"),
        lists.stalled,
        lang,
        lambda i: stalled_text(report.why.get(i.code), lang),
    )
    if report.parties:
        _sides(console, report, lang)
    if brief:  # page one alone
        return _lines(buffer)
    if report.pillars:
        _progress_bars(console, report, width, lang)
        _figures(console, report, lang)
    points = sorted(report.history, key=lambda p: p.on)
    if points:
        _burnup(console, points, width, lang)
    _commitments(console, _("The parties' pledges"), lists.pledges, report.every_row, width, lang)
    if lists.outlook.total:
        _commitments(
            console,
            _("Outlook: the source's commentary, not scored"),
            lists.outlook,
            report.every_row,
            width,
            lang,
        )
    if report.since is not None:
        _changes(console, report, lists.changes, lang)
    _method(console, report, lang)
    console.print()
    console.print(Text(_("Heads digest: {digest}").format(digest=report.heads_digest), style="dim"))
    return _lines(buffer)


def _lines(buffer: io.StringIO) -> str:
    # Tables pad every line to their width; trailing blanks only get in the way of a pager.
    def strip(match: re.Match[str]) -> str:
        return "".join(_CODE.findall(match.group()))

    return "".join(_TRAILING.sub(strip, line) + "\n" for line in buffer.getvalue().splitlines())
