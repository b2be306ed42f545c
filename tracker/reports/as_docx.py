"""The report as a Word document (.docx): the brief a ministry drafts, edits and circulates.

Built by python-docx, an optional extra (`pip install 'tracker[docx]'`), imported here only; its
absence is a one-line error naming the extra, as for the PDF. The document reads the report
model only, and says what the Markdown and HTML reports say, in the same words (their message
strings): page one (the briefing), the charts, the figures by pillar and by party, every item,
the outlook, the annex and the method.

What makes it a Word document rather than text in a box: headings in Word's own Title and
Heading 1/2 styles (the navigation pane and a table of contents find them), tables as Word
tables whose header row repeats on every page they run over (w:tblHeader), the protective
marking centred in the header and the footer of every page, "page n of m" as PAGE and NUMPAGES
fields (Word counts the pages, not us), evidence as real hyperlinks (http and https only: any
other reference stays text), A4 with margins a printer accepts, and charts as PNG images at
print resolution (charts.py draws the same figures as the HTML's). In Japanese the East Asian
font is named (w:eastAsia, with a font-table fallback every Japanese Windows has) and the text
is tagged ja-JP, so Word neither picks a Chinese face nor marks every word misspelt.

User text (titles, notes, names, evidence) is always a text run, never markup; control and
reordering characters are shown as U+FFFD (tracker.scrub), which also keeps the XML valid.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.errors import TrackerError
from tracker.i18n import DEFAULT, Language
from tracker.reports.model import (
    METHOD,
    METHOD_LABELS,
    PAGE_ONE_ROWS,
    Cut,
    EventLine,
    Figures,
    ItemLine,
    Report,
    Source,
)
from tracker.reports.presentation import (
    TABLE_ROWS,
    assessment_text,
    cell_text,
    change_text,
    completion_text,
    countdown_text,
    dates_text,
    filters_text,
    is_web_link,
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
from tracker.statuses import N_, STATUSES, Kind, Status, unscored_label

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

MISSING = "the docx format needs python-docx: pip install 'tracker[docx]'"

# The East Asian face of a Japanese document, and what Word uses where it is not installed
# (the font table's altName): MS Gothic ships with every Japanese Windows.
JAPANESE_FONT = "Noto Sans CJK JP"
JAPANESE_FALLBACK = "MS Gothic"
# Word's language tags.
LANGUAGE_TAGS = {"en": "en-GB", "ja": "ja-JP"}

# A4, with 20 mm margins: 170 mm of text width.
PAGE_MM = (210, 297)
MARGIN_MM = 20
TEXT_MM = PAGE_MM[0] - 2 * MARGIN_MM
# Width of an item table's columns, in mm (code, title, status, target, score, last update).
ITEM_COLUMNS_MM = (17, 45, 26, 21, 13, 48)

# What a hyperlink looks like (Word's own "Hyperlink" character style is not in python-docx's
# template, so it is added with Word's colours).
LINK_COLOUR = "0563C1"

# The declaration fields a value can be inferred for (as the Markdown report names them).
FIELD_NAMES = {"place": N_("place"), "date": N_("date")}
FIGURE_COLUMNS = [
    N_("Items"),
    N_("Commitments"),
    N_("Achieved"),
    N_("Completion"),
    N_("With partial"),
    N_("Mean score"),
]


def check_available() -> None:
    try:
        import docx  # noqa: F401
    except ImportError:
        raise TrackerError(MISSING) from None


@dataclass(frozen=True)
class Strong:
    """Bold text in a paragraph."""

    text: str


@dataclass(frozen=True)
class Link:
    """A hyperlink: `url` is an http(s) address (presentation.is_web_link)."""

    text: str
    url: str


Inline = str | Strong | Link


def render(
    report: Report, *, lang: Language | None = None, full: bool = False, brief: bool = False
) -> bytes:
    """The report as a .docx file's bytes, in `lang` (English by default). The item tables show
    their first TABLE_ROWS rows in all unless `full`, as Markdown and HTML do; `brief`: page
    one alone."""
    check_available()
    from tracker.reports.localize import localized

    require_counted(report)
    lang = lang or Language(DEFAULT)
    writer = _Brief(localized(report, lang), lang)
    writer.page_one()
    if not brief:
        writer.rest(full)
    return writer.save()


class _Brief:
    """One document being written: python-docx's Document and the report it says."""

    def __init__(self, report: Report, lang: Language) -> None:
        import docx

        self.report = report
        self.lang = lang
        self._ = lang._
        self.doc: Document = docx.Document()
        self._setup()

    # --- the document's frame ----------------------------------------------------------------

    def _setup(self) -> None:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.shared import Mm, Pt, RGBColor

        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(MARGIN_MM))
        styles = self.doc.styles
        styles["Normal"].font.size = Pt(10)
        link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.font.color.rgb = RGBColor.from_string(LINK_COLOUR)
        link.font.underline = True
        self._language()
        self._header_and_footer()
        props = self.doc.core_properties
        report = self.report
        props.title = one_line(report.display_title)
        props.author = one_line(report.prepared_by or "")
        props.last_modified_by = ""
        props.comments = ""
        props.category = one_line(report.marking or "")
        props.language = LANGUAGE_TAGS.get(self.lang.code, self.lang.code)
        made = dt.datetime.combine(report.generated_on, dt.time(), tzinfo=dt.UTC)
        props.created = props.modified = made
        props.revision = 1

    def _language(self) -> None:
        """The text's language on every style, and in Japanese the East Asian font: set on
        each style python-docx's template gives a theme font, which would otherwise win."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        tag = LANGUAGE_TAGS.get(self.lang.code, self.lang.code)
        japanese = self.lang.code == "ja"
        for style in self.doc.styles:
            element = style.element
            if element.get(qn("w:type")) not in ("paragraph", "character", None):
                continue
            if style.name != "Normal" and element.rPr is None:
                continue
            rpr = element.get_or_add_rPr()
            if japanese:
                fonts = rpr.find(qn("w:rFonts"))
                if fonts is None:
                    fonts = OxmlElement("w:rFonts")
                    rpr.insert(0, fonts)
                fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
                fonts.set(qn("w:eastAsia"), JAPANESE_FONT)
            if style.name == "Normal":
                lang = rpr.find(qn("w:lang"))
                if lang is None:
                    lang = OxmlElement("w:lang")
                    rpr.append(lang)
                lang.set(qn("w:val"), tag)
                lang.set(qn("w:eastAsia"), "ja-JP" if japanese else tag)
        if japanese:
            self._font_fallback()

    def _font_fallback(self) -> None:
        """Tell Word what to use where JAPANESE_FONT is not installed: its font-table entry
        with an alternative name and the Japanese character set (Shift JIS, 0x80)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml import OxmlElement, parse_xml
        from docx.oxml.ns import qn

        part = next(
            (r.target_part for r in self.doc.part.rels.values() if r.reltype == RT.FONT_TABLE),
            None,
        )
        if part is None:
            return
        table = parse_xml(part.blob)
        font = OxmlElement("w:font", {qn("w:name"): JAPANESE_FONT})
        for name, value in (("w:altName", JAPANESE_FALLBACK), ("w:charset", "80")):
            font.append(OxmlElement(name, {qn("w:val"): value}))
        font.append(OxmlElement("w:family", {qn("w:val"): "swiss"}))
        table.append(font)
        part._blob = serialize_part_xml(table)

    def _header_and_footer(self) -> None:
        """The marking centred at the top and the bottom of every page; "page n of m" under it
        in the footer, Word's own page fields."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        section = self.doc.sections[0]
        marking = one_line(self.report.marking or "")
        top = section.header.paragraphs[0]
        bottom = section.footer.paragraphs[0]
        for paragraph in (top, bottom):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if marking:
                run = paragraph.add_run(marking)
                run.bold = True
                run.font.size = Pt(11)
        pages = section.footer.add_paragraph() if marking else bottom
        pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
        text = self._("Page {page} of {pages}")
        before, rest = text.split("{page}", 1)
        middle, after = rest.split("{pages}", 1)
        for part in (before, ("PAGE", "1"), middle, ("NUMPAGES", "1"), after):
            if isinstance(part, tuple):
                _field(pages, *part)
            elif part:
                pages.add_run(part)
        for run in pages.runs:
            run.font.size = Pt(8)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    # --- blocks ------------------------------------------------------------------------------

    def heading(self, text: str, level: int) -> Paragraph:
        """A heading in Word's Title (0) or Heading n style, which the navigation pane lists."""
        paragraph: Paragraph = self.doc.add_heading(one_line(text), level)
        if level > 0:
            paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def para(self, *parts: Inline, style: str | None = None) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        _inline(paragraph, parts)
        return paragraph

    def bullet(self, *parts: Inline) -> Paragraph:
        return self.para(*parts, style="List Bullet")

    def table(
        self,
        header: Sequence[str],
        rows: Iterable[Sequence[Inline | Sequence[Inline]]],
        *,
        widths_mm: Sequence[float] | None = None,
        numeric: int = 0,
        caption: str | None = None,
    ) -> Table:
        """A Word table whose header row repeats on every page it runs over; the last
        `numeric` columns right-aligned. A cell is one inline or a sequence of them."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm

        if caption:
            self.para(caption, style="Caption").paragraph_format.keep_with_next = True
        columns = len(header)
        table: Table = self.doc.add_table(rows=1, cols=columns)
        table.style = self.doc.styles["Table Grid"]
        first = table.rows[0]
        properties = first._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
        self._fill(first.cells, [Strong(h) for h in header])
        right = range(columns - numeric, columns)
        for cells in rows:
            row = table.add_row()  # type: ignore[no-untyped-call]
            self._fill(row.cells, cells)
            # A row is never split across two pages (a note would lose its item).
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for n in right:
            for cell in table.columns[n].cells:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if widths_mm is not None:
            table.autofit = False
            for n, width in enumerate(widths_mm):
                for cell in table.columns[n].cells:
                    cell.width = Mm(width)
        self.doc.add_paragraph()
        return table

    def _fill(self, cells: Sequence[_Cell], values: Sequence[Inline | Sequence[Inline]]) -> None:
        for cell, value in zip(cells, values, strict=True):
            parts = [value] if isinstance(value, str | Strong | Link) else value
            _inline(cell.paragraphs[0], parts)

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # --- page one ----------------------------------------------------------------------------

    def page_one(self) -> None:
        """The briefing, as Markdown's and HTML's page one: the header, the headline and key
        figures, what changed, what is due, overdue and stalled, and the parties side by
        side."""
        report, lang, _ = self.report, self.lang, self._
        self.heading(report.display_title, 0)
        self.para(dates_text(report, lang))
        if lang.code != DEFAULT:
            self.para(
                _(
                    "Titles are the project's unofficial translation; the English quote of the "
                    "declaration is the source."
                )
            )
        filters = filters_text(report, lang)
        if filters is not None:
            self.para(filters)
        self.heading(_("Briefing"), 1)
        countdown = countdown_text(report, lang)
        if countdown is not None:
            end = _(".") if report.next_milestone is not None else ""
            self.para(Strong(countdown + end))
        f = report.overall
        kinds = _(
            "{items} items tracked: **{commitments} firm commitments (scored)**, {priorities} "
            "stated priorities, {ongoing} ongoing cooperation and {outlook} outlook (the "
            "source's commentary); only the commitments are scored."
        ).format(
            items=f.items,
            commitments=f.kinds[Kind.COMMITMENT],
            priorities=f.kinds[Kind.PRIORITY],
            ongoing=f.kinds[Kind.ONGOING],
            outlook=f.kinds[Kind.OUTLOOK],
        )
        # The message marks its bold part as Markdown does: **…**.
        self.para(*(Strong(t) if n % 2 else t for n, t in enumerate(kinds.split("**"))))
        self.bullet(assessment_text(report, lang))
        self.bullet(completion_text(report, lang))
        self.bullet(
            lang.ngettext(
                "Mean compliance score: {score} (−1 to +1); all-parties average: {parties} over "
                "{n} party score",
                "Mean compliance score: {score} (−1 to +1); all-parties average: {parties} over "
                "{n} party scores",
                report.party_scores,
            ).format(
                score=score_text(f.mean_score),
                parties=score_text(report.party_mean_score),
                n=report.party_scores,
            )
        )
        self.bullet(
            lang.ngettext(
                "Open pledges: {open}; overdue: {overdue}; stalled: {stalled}; and {outlook} "
                "outlook item followed apart",
                "Open pledges: {open}; overdue: {overdue}; stalled: {stalled}; and {outlook} "
                "outlook items followed apart",
                report.outlook.total,
            ).format(
                open=report.open_pledges,
                overdue=report.overdue.total,
                stalled=report.stalled.total,
                outlook=report.outlook.total,
            )
        )
        if report.since is not None:
            self.heading(moves_title(report, lang), 2)
            for m in report.moves.rows:
                line: list[Inline] = [
                    Strong(m.code),
                    f" {m.title} — {move_text(m, lang)} — {lang.date(m.on)}",
                ]
                if m.evidence is not None:
                    line += [" — ", *self._evidence_label([m.evidence])]
                self.bullet(*line)
            if not report.moves.rows:
                self.para(_("None."))
            if report.moves.more:
                self.para(more_text(report.moves.more, _("the annex"), lang))
        milestone = report.next_milestone
        if milestone is not None:
            title = _("Due by the {milestone}").format(milestone=milestone.title)
            self.heading(_("{title}: {n}").format(title=title, n=report.due_soon.total), 2)
            self._item_list(report.due_soon)
        self.heading(_("{title}: {n}").format(title=_("Overdue"), n=report.overdue.total), 2)
        self._listed(
            [
                [Strong(i.code), f" {i.title} — {overdue_text(i, lang)}"]
                for i in report.overdue.rows[:PAGE_ONE_ROWS]
            ],
            report.overdue,
        )
        self.heading(_("{title}: {n}").format(title=_("Stalled"), n=report.stalled.total), 2)
        self._listed(
            [
                [Strong(i.code), f" {i.title} — {stalled_text(report.why.get(i.code), lang)}"]
                for i in report.stalled.rows[:PAGE_ONE_ROWS]
            ],
            report.stalled,
        )
        if report.parties:
            self._sides()

    def _evidence_label(self, sources: Sequence[Source]) -> list[Inline]:
        """ "evidence: a, b", each source a link when it is a web address."""
        before, after = self._("evidence: {refs}").split("{refs}", 1)
        parts: list[Inline] = [before] if before else []
        for n, src in enumerate(sources):
            if n:
                parts.append(", ")
            parts.append(_source(src, self.lang))
        return [*parts, after] if after else parts

    def _item_list(self, items: Cut[ItemLine], rows: int = PAGE_ONE_ROWS) -> None:
        lang = self.lang
        lines: list[list[Inline]] = []
        for i in items.rows[:rows]:
            text = f" {i.title} — {lang.status(i.status)}"
            if i.target_date is not None:
                text += lang._(", target {date}").format(date=self._target(i))
            lines.append([Strong(i.code), text])
        self._listed(lines, Cut(items.rows[:rows], items.total))

    def _listed(self, lines: list[list[Inline]], cut: Cut[ItemLine]) -> None:
        """A page-one list, "None." for an empty one, and how many more the annex has."""
        if not cut.total:
            self.para(self._("None."))
            return
        for line in lines:
            self.bullet(*line)
        more = cut.total - len(lines)
        if more > 0:
            self.para(more_text(more, self._("the annex"), self.lang))

    def _sides(self) -> None:
        """The parties side by side: the matrix of scored commitments, then each party's
        totals."""
        report, lang, _ = self.report, self.lang, self._
        from tracker.reports.presentation import matrix_note

        self.heading(sides_title(report, lang), 2)
        parties = [p.party for p in report.parties]
        if report.matrix.rows:
            self.table(
                [_("Commitment"), *parties, "≠"],
                (
                    [
                        [Strong(r.code), f" {r.title}"],
                        *(cell_text(r.cell(p), lang) for p in parties),
                        "≠" if r.differs else "",
                    ]
                    for r in report.matrix.rows
                ),
                caption=_("Commitments by party"),
            )
            self.para(matrix_note(report, lang))
        rows: list[list[Inline]] = []
        for p in report.parties:
            c = p.figures.scored_counts
            under_way = c[Status.IN_PROGRESS] + c[Status.PARTIALLY_ACHIEVED]
            idle = c[Status.NOT_STARTED] + c[Status.STALLED] + c[Status.DROPPED]
            rows.append(
                [
                    p.party,
                    str(p.figures.commitments),
                    str(c[Status.ACHIEVED]),
                    str(under_way),
                    str(idle),
                    pct(p.figures.completion_rate),
                    score_text(p.figures.mean_score),
                ]
            )
        rows.append(
            [
                Strong(_("All-parties average")),
                str(report.party_scores),
                "",
                "",
                "",
                "",
                score_text(report.party_mean_score),
            ]
        )
        self.table(
            [
                _("Party"),
                _("Commitments"),
                _("Achieved"),
                _("Under way or partial"),
                _("Not started, stalled or dropped"),
                _("Completion"),
                _("Mean score"),
            ],
            rows,
            numeric=6,
            caption=_(
                "Scored commitments only; each party's own assessment where one was recorded, "
                "else the item's as a whole."
            ),
        )

    # --- the rest ----------------------------------------------------------------------------

    def rest(self, full: bool) -> None:
        """Everything after page one, each part on pages of its own."""
        report, _ = self.report, self._
        self.page_break()
        self._charts()
        self.heading(_("By pillar"), 1)
        self.para(_("The commitments' figures, then every item by status."))
        rows = [(p.title, p.figures) for p in report.pillars]
        self._figures(_("Pillar"), [*rows, (_("All"), report.overall)])
        if report.parties:
            self.heading(_("By party"), 1)
            self.para(
                _("Each party's own assessment where one was recorded, else the item's as a whole.")
            )
            self._figures(_("Party"), [(p.party, p.figures) for p in report.parties])
        room = len(report.items) if full else TABLE_ROWS
        pledge_rows = list(report.pledges.rows[:room])
        outlook_rows = list(report.outlook.rows[: room - len(pledge_rows)])
        self.page_break()
        title = _("The parties' pledges")
        self.heading(_("{title} ({n})").format(title=title, n=report.pledges.total), 1)
        self._items(pledge_rows)
        if report.outlook.total:
            title = _("Outlook: the source's commentary")
            self.heading(_("{title} ({n})").format(title=title, n=report.outlook.total), 1)
            self.para(
                _(
                    "The article's own description, analysis or forecast, not the parties' "
                    "words: tracked, not scored, never overdue."
                )
            )
            self._items(outlook_rows)
        listed = len(pledge_rows) + len(outlook_rows)
        if listed < len(report.items):
            self.para(more_items_text(report, listed))
        self._annex()
        self._method()

    def _charts(self) -> None:
        """The pillar chart and the burn-up as print-resolution images, each with its data in
        a table; the note the HTML report gives when they cannot be drawn."""
        from docx.shared import Mm

        from tracker.reports import charts

        report, lang, _ = self.report, self.lang, self._
        self.heading(_("Progress"), 1)
        if not charts.available():
            self.para(
                _("Charts need matplotlib: pip install matplotlib. The tables hold every figure.")
            )
            drawable = False
        elif lang.code != DEFAULT and charts.cjk_font() is None:
            self.para(
                _(
                    "The charts are left out: no Japanese font is installed (Debian: apt-get "
                    "install fonts-noto-cjk). The tables hold every figure."
                )
            )
            drawable = False
        else:
            drawable = True
        pillars = charts.pillar_png(report, lang=lang) if drawable else None
        if pillars is not None:
            self.doc.add_picture(io.BytesIO(pillars), width=Mm(TEXT_MM))
            self.para(
                _(
                    "Items per pillar on %(date)s: the scored commitments by status, then the "
                    "items that are not scored. Numbers: the table “Items per pillar” below."
                )
                % {"date": lang.date(report.as_of)},
                style="Caption",
            )
        if report.pillars:
            self.table(
                [_("Pillar"), *(lang.status(s) for s in STATUSES), _("Not scored")],
                (
                    [
                        p.title,
                        *(str(p.figures.scored_counts[s]) for s in STATUSES),
                        str(p.figures.items - p.figures.commitments),
                    ]
                    for p in report.pillars
                ),
                numeric=len(STATUSES) + 1,
                caption=_("Items per pillar: scored commitments by status, and items not scored"),
            )
        history = sorted(report.history, key=lambda p: p.on)
        burnup = charts.burnup_png(report, lang=lang) if drawable else None
        if burnup is not None:
            self.doc.add_picture(io.BytesIO(burnup), width=Mm(TEXT_MM))
            self.para(
                lang.ngettext(
                    "Burn-up: of %(n)s item, those that have moved from not started, by status "
                    "at the end of each day with a recorded event, from %(start)s to %(end)s. "
                    "Numbers: the table “Burn-up data” below.",
                    "Burn-up: of %(n)s items, those that have moved from not started, by status "
                    "at the end of each day with a recorded event, from %(start)s to %(end)s. "
                    "Numbers: the table “Burn-up data” below.",
                    report.overall.items,
                )
                % {
                    "n": report.overall.items,
                    "start": lang.date(history[0].on),
                    "end": lang.date(history[-1].on),
                },
                style="Caption",
            )
        if history:
            self.table(
                [_("Date"), *(lang.status(s) for s in STATUSES)],
                ([lang.date(p.on), *(str(p.counts.get(s, 0)) for s in STATUSES)] for p in history),
                numeric=len(STATUSES),
                caption=lang.ngettext(
                    "Burn-up data: items by status on each date (%(n)s date)",
                    "Burn-up data: items by status on each date (%(n)s dates)",
                    len(history),
                )
                % {"n": len(history)},
            )

    def _figures(self, first: str, rows: list[tuple[str, Figures]]) -> None:
        """The commitments' figures, then the items by status: one row per name each."""
        lang = self.lang
        self.table(
            [first, *(lang._(c) for c in FIGURE_COLUMNS)],
            (
                [
                    name,
                    str(f.items),
                    str(f.commitments),
                    str(f.achieved),
                    pct(f.completion_rate),
                    pct(f.completion_rate_partial),
                    score_text(f.mean_score),
                ]
                for name, f in rows
            ),
            numeric=len(FIGURE_COLUMNS),
        )
        self.table(
            [first, *(lang.status(s).capitalize() for s in STATUSES)],
            ([name, *(str(f.counts[s]) for s in STATUSES)] for name, f in rows),
            numeric=len(STATUSES),
        )

    def _target(self, i: ItemLine) -> str:
        if i.target_date is None:
            return "—"
        return self.lang.date(i.target_date) + self._marked(i, "target")

    def _marked(self, i: ItemLine, name: str) -> str:
        return " " + self._("(inferred)") if name in i.inferred else ""

    def _items(self, items: list[ItemLine]) -> None:
        """One table per pillar under a Heading 2 of its name, as Markdown's; six columns."""
        _ = self._
        header = [_("Code"), _("Title"), _("Status"), _("Target"), _("Score"), _("Last update")]
        groups: list[tuple[str, list[ItemLine]]] = []
        for i in items:
            if not groups or groups[-1][0] != i.pillar_title:
                groups.append((i.pillar_title, []))
            groups[-1][1].append(i)
        for pillar, rows in groups:
            self.heading(pillar, 2)
            self.table(header, map(self._item_row, rows), widths_mm=ITEM_COLUMNS_MM)

    def _item_row(self, i: ItemLine) -> list[Inline | Sequence[Inline]]:
        lang, _ = self.lang, self._
        parties = _(", ").join(i.parties) + self._marked(i, "parties")
        who = _(" (parties: {parties})").format(parties=parties)
        if i.owners:
            lead = _(", ").join(i.owners) + self._marked(i, "owners")
            who = _(" (parties: {parties}; lead: {lead})").format(parties=parties, lead=lead)
        status = lang.status(i.status) + (" ⚠ " + _("overdue") if i.overdue else "")
        if any(s != i.status for s in i.party_status.values()):
            each = "; ".join(f"{p}: {lang.status(s)}" for p, s in i.party_status.items())
            status += f" ({each})"
        score = _(unscored_label(i.kind)) if i.score is None else signed_text(i.score)
        last: Sequence[Inline] = self._event(i.last_event) if i.last_event else ["—"]
        return [i.code, [i.title, who], status, self._target(i), score, last]

    def _event(self, e: EventLine) -> list[Inline]:
        """An event in a line: date, party, change, note, reason, evidence, actor."""
        lang, _ = self.lang, self._
        who = f" [{e.party}]" if e.party else ""
        parts: list[Inline] = [
            f"{lang.date(e.on)}{who}: {change_text(e.from_status, e.to_status, lang)}"
        ]
        if e.note:
            parts.append(" — " + e.note)
        if e.reason:
            parts.append(" — " + _("reason: {reason}").format(reason=e.reason))
        if e.evidence:
            parts += [" — ", *self._evidence_label(e.evidence)]
        parts.append(" — " + _("by {actor}").format(actor=e.actor))
        if e.corrects_id is not None:
            parts.append(" — " + _("(correction of #{id})").format(id=e.corrects_id))
        return parts

    def _annex(self) -> None:
        """Every change in the window, and the attention lists page one cut short."""
        report, lang, _ = self.report, self.lang, self._
        if report.since is not None:
            since = lang.date(report.since)
            label = since_label(report, lang)
            if label:
                since = _("{date} ({label})").format(date=since, label=label)
            title = _("Annex: every change since {since}").format(since=since)
            self.heading(_("{title}: {n}").format(title=title, n=report.changes.total), 1)
            for e in report.changes.rows:
                self.bullet(Strong(e.code), " ", *self._event(e))
            if not report.changes.total:
                self.para(_("None."))
        for name, listed in (
            (_("Annex: every item due by the next milestone"), report.due_soon),
            (_("Annex: every overdue item"), report.overdue),
            (_("Annex: every stalled item"), report.stalled),
        ):
            if listed.total > PAGE_ONE_ROWS:
                self.heading(_("{title}: {n}").format(title=name, n=listed.total), 1)
                self._item_list(listed, listed.total)

    def _method(self) -> None:
        """How the figures are computed, where the declarations come from, and the heads
        digest (the method's, not the footer's: it means nothing to a minister)."""
        report, lang, _ = self.report, self.lang, self._
        self.heading(_("How the figures are computed"), 1)
        for name, text in METHOD.items():
            label = _(METHOD_LABELS.get(name, name))
            self.bullet(Strong(label), _(": {text}").format(text=_(text)))
        for d in report.declarations:
            inferred = [n for n in ("place", "date") if n in d.inferred]
            note = "".join(
                _(" ({fields} inferred: {source})").format(
                    fields=_(FIELD_NAMES[n]), source=d.inferred[n]
                )
                for n in inferred
            )
            place = _("{place}, {date}{inferred}; parties: {parties}").format(
                place=d.place,
                date=lang.date(d.date),
                inferred=note,
                parties=_(", ").join(d.parties),
            )
            self.bullet(Strong(_("Source")), _(": {text}").format(text=f"{d.title} — {place}"))
        footer = _("Generated by tracker on {date}; status as of {as_of}").format(
            date=lang.date(report.generated_on), as_of=lang.date(report.as_of)
        )
        if report.prepared_by:
            footer += "; " + _("prepared by {name}").format(name=report.prepared_by)
        if report.marking:
            footer += f"; {report.marking}"
        self.para(footer + _("."))
        self.para(
            _(
                "Heads digest: {digest} ({command} prints the same digest for the database "
                "this report came from, unless its history has changed since)."
            ).format(digest=report.heads_digest, command="tracker verify")
        )


def _source(src: Source, lang: Language) -> Inline:
    """A source by its title and date: a link when its reference is a web address."""
    shown = source_text(src, lang)
    return Link(shown, src.reference.strip()) if is_web_link(src.reference) else shown


def _inline(paragraph: Paragraph, parts: Iterable[Inline]) -> None:
    """Runs in a paragraph: every text on one line with unsafe characters made visible."""
    for part in parts:
        if isinstance(part, Link):
            _hyperlink(paragraph, one_line(part.text), part.url)
        elif isinstance(part, Strong):
            paragraph.add_run(one_line(part.text)).bold = True
        elif part:
            # one_line would drop a leading or trailing space that joins two runs.
            paragraph.add_run(_keep_edges(part))


def _keep_edges(text: str) -> str:
    flat = one_line(text)
    if text[:1].isspace() and flat:
        flat = " " + flat
    if text[-1:].isspace() and flat:
        flat += " "
    return flat or (" " if text.isspace() else "")


# In a hyperlink's address: what RFC 3986 allows kept as written, the rest (spaces,
# non-ASCII) percent-encoded, as a browser would before requesting it.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def _hyperlink(paragraph: Paragraph, text: str, url: str) -> None:
    """A w:hyperlink to an external http(s) address, in the Hyperlink character style."""
    from urllib.parse import quote

    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    target = quote(url, safe=_URL_SAFE)
    rel = paragraph.part.relate_to(target, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    run.append(props)
    words = OxmlElement("w:t")
    words.text = text
    words.set(qn("xml:space"), "preserve")
    run.append(words)
    link.append(run)
    paragraph._p.append(link)


def _field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A simple field (PAGE, NUMPAGES) that Word and LibreOffice compute when they lay the
    document out; `shown` is what a reader that does not shows."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    words = OxmlElement("w:t")
    words.text = shown
    run.append(words)
    field.append(run)
    paragraph._p.append(field)
