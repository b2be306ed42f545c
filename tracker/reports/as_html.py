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

from tracker.i18n import DEFAULT, Language, translations
from tracker.linebreak import UNBROKEN
from tracker.reports.model import (
    METHOD,
    METHOD_LABELS,
    PAGE_ONE_ROWS,
    DeclarationInfo,
    ItemLine,
    Report,
)
from tracker.reports.presentation import (
    COLOURS,
    GLYPHS,
    PROGRESS_ORDER,
    TABLE_ROWS,
    assessment_text,
    cell_text,
    change_text,
    continued_text,
    countdown_text,
    declaration_headers,
    declaration_rows,
    declarations_note,
    inferred_mark,
    is_web_link,
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
from tracker.scrub import one_line, visible
from tracker.statuses import N_, Kind, Status

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _printable(value: Any) -> Any:
    """Every printed value passes here first: control and reordering characters in user text
    become U+FFFD (newlines and tabs stay; tracker.scrub). The chart SVG (Markup) is ours and
    passes untouched."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value, keep="\n\t")
    return value


# The page's fonts: the system's, then a CJK face for Japanese (Noto from Debian's
# fonts-noto-cjk, Hiragino on macOS, Yu Gothic on Windows). WeasyPrint embeds in the PDF the
# faces this stack resolves to, so a Japanese PDF carries its own glyphs.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, '
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", sans-serif'
)
# For Japanese the CJK faces come first: their Latin letters and digits match their kana.
FONT_STACK_JA = (
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", system-ui, '
    '"DejaVu Sans", Arial, sans-serif'
)


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


def _charts(report: Report, enabled: bool, lang: Language) -> dict[str, Any]:
    from tracker.reports import charts

    if not enabled:
        return {"pillars": None, "burnup": None, "note": None}
    _ = lang._
    if not charts.available():
        note = _("Charts need matplotlib: pip install matplotlib. The tables hold every figure.")
        return {"pillars": None, "burnup": None, "note": note}
    if lang.code == "ja" and charts.cjk_font() is None:
        # Without a CJK font matplotlib would draw every Japanese label as an empty box.
        note = _(
            "The charts are left out: no Japanese font is installed (Debian: apt-get install "
            "fonts-noto-cjk). The tables hold every figure."
        )
        return {"pillars": None, "burnup": None, "note": note}
    return {
        "pillars": _both(
            charts.pillar_bars(report, lang=lang),
            charts.pillar_bars(report, narrow=True, lang=lang),
            "pillar-chart-data",
        ),
        "burnup": _both(
            charts.burnup(report, lang=lang),
            charts.burnup(report, narrow=True, lang=lang),
            "burnup-data",
        ),
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


def _page_counter(lang: Language) -> str:
    """'Page 1 of 3' as CSS content: the translated words around the two page counters."""
    text = lang._("Page {page} of {pages}")
    before, rest = text.split("{page}", 1)
    middle, after = rest.split("{pages}", 1)
    out = [css_string(before) if before else "", "counter(page)"]
    out += [
        css_string(middle) if middle else "",
        "counter(pages)",
        css_string(after) if after else "",
    ]
    return " ".join(part for part in out if part)


def _print_strings(report: Report, lang: Language) -> dict[str, Any]:
    from markupsafe import Markup

    _ = lang._
    parts = [report.marking] if report.marking else []
    if report.prepared_by:
        parts.append(_("prepared by {name}").format(name=report.prepared_by))
    parts = [] if not report.prepared_by else [parts[-1]]
    parts.append(_("as of {date}").format(date=lang.date(report.as_of)))
    # The marking has boxes of its own, centred at the top and the bottom; the heads digest
    # means nothing to a reader of paper: it is in the method section (and the JSON).
    if len(parts) == 1:
        parts.insert(0, _("tracker status report"))
    return {
        "marking": Markup(css_string(one_line(report.marking or ""))),
        "footer": Markup(css_string(" · ".join(one_line(p) for p in parts))),
        "page": Markup(_page_counter(lang)),
    }


def _unbroken(text: Any, lang: Language) -> Any:
    """Japanese text (already escaped) with each number and its counter (0件) and each katakana
    word (コミットメント) in a no-wrap span: the narrow figure boxes of page one must not break
    them. Only text characters are matched, never markup, so the escaping stays whole."""
    from markupsafe import Markup, escape

    if lang.code != "ja":
        return text
    return Markup(UNBROKEN.sub(r'<span class="nw">\g<0></span>', str(escape(text))))


def _fold(i: ItemLine, lang: Language) -> str:
    """What the printed items table folds into the title cell (its pillar, parties and lead
    bodies have no column of their own on A4): one line of plain text, shown by print CSS."""
    _ = lang._
    inferred = " " + _("(inferred)")
    parties = _(", ").join(i.parties) + (inferred if "parties" in i.inferred else "")
    parts = [i.pillar_title, parties] if i.parties else [i.pillar_title]
    if i.owners:
        owners = _(", ").join(i.owners) + (inferred if "owners" in i.inferred else "")
        parts.append(f"{_('Lead bodies:')} {owners}")
    return " · ".join(one_line(p) for p in parts)


# The declaration fields a value can be inferred for, as the page names them.
_FIELD_NAMES = {"place": N_("place"), "date": N_("date")}


def _declaration_inferred(d: DeclarationInfo, lang: Language) -> str:
    """Each inferred field with its own origin (the date's and the place's differ): said in the
    method section; the header only marks them, so page one keeps its room for the brief."""
    marked = [name for name in ("place", "date") if name in d.inferred]
    return "".join(
        lang._(" ({fields} from {source}, not the source text)").format(
            fields=lang._(_FIELD_NAMES[name]), source=d.inferred[name]
        )
        for name in marked
    )


# A date as a Japanese page prints it (Language.date), read back for the English beside it.
_JA_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _english_of(words: dict[str, str]) -> Any:
    """What a value printed in the page's language is in English, for the English beside it on
    a bilingual page: a title or label from `words` (page text -> English), a Japanese date as
    ISO; anything else (a number, a code) as it is. So no English sentence holds Japanese."""

    def english(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        found = words.get(value)
        if found is not None:
            return found
        return _JA_DATE.sub(lambda m: f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}", value)

    return english


def _gettexts(translations: Any, *, bilingual: bool, english: Any = None) -> tuple[Any, Any, Any]:
    """The template's `_` and `gettext`: newstyle (`_("... %(n)s", n=...)`), escaping as
    autoescape does, and passing every variable through `_printable` first, as every other
    printed value does (Jinja2's own newstyle gettext formats variables past `finalize`, so a
    control character in a note would reach the page).

    On a bilingual page `gettext` (headings and labels) gives the translation, then the
    English in a span of its own; `_` (running text) gives the translation only. The third,
    the template's `ngettext(singular, plural, n)`, picks the form for `n` ("1 date")."""
    from jinja2 import pass_context
    from markupsafe import Markup, escape

    def format_(message: str, variables: dict[str, Any]) -> Markup:
        text = Markup(escape(message))
        if not variables:
            return text
        return text % {k: escape(_printable(v)) for k, v in variables.items()}

    @pass_context
    def plain(context: Any, message: str, **variables: Any) -> Markup:
        return format_(translations.gettext(message), variables)

    to_english = english or (lambda value: value)

    @pass_context
    def plural(context: Any, singular: str, plural: str, n: int, **variables: Any) -> Markup:
        return format_(translations.ngettext(singular, plural, n), {"n": n, **variables})

    @pass_context
    def both(context: Any, message: str, **variables: Any) -> Markup:
        translated = format_(translations.gettext(message), variables)
        original = format_(message, {k: to_english(v) for k, v in variables.items()})
        if translated == original:
            return translated
        return Markup('{} <span class="en" lang="en">{}</span>').format(translated, original)

    return plain, both if bilingual else plain, plural


def render(
    report: Report,
    *,
    charts: bool = True,
    lang: Language | None = None,
    bilingual: bool = False,
    full: bool = False,
    brief: bool = False,
) -> str:
    """The report as an HTML document in `lang` (English by default); `charts=False` leaves
    out the SVG charts. `bilingual` gives each heading, label and item title in English too,
    under the `lang` text (a page for a meeting of both delegations)."""
    return "".join(
        chunks(report, charts=charts, lang=lang, bilingual=bilingual, full=full, brief=brief)
    )


def chunks(
    report: Report,
    *,
    charts: bool = True,
    lang: Language | None = None,
    bilingual: bool = False,
    full: bool = False,
    brief: bool = False,
) -> Iterator[str]:
    """The document as it is rendered, piece by piece (never held whole). The item tables
    (pledges, then outlook) show their first TABLE_ROWS rows in all unless `full`; every other
    list is whole. `brief`: page one alone (the briefing, then the sources), for email."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from tracker.reports.localize import localized, title_of

    require_counted(report)
    lang = lang or Language(DEFAULT)
    bilingual = bilingual and lang.code != DEFAULT
    english = Language(DEFAULT)
    shown = localized(report, lang)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_printable,
        extensions=["jinja2.ext.i18n"],
    )
    # jinja2.ext.i18n gives the template its {% trans %} tag and the `_` alias, which looks
    # `gettext` up when called; both are replaced here (see _gettexts).
    # The English of what the page prints in its language, for the English beside it.
    words = {lang.text(m.title, m.title_ja): m.title for m in report.milestones} | {
        since_label(shown, lang): since_label(report, english)
    }
    plain, heading, plural = _gettexts(
        translations(lang.code), bilingual=bilingual, english=_english_of(words)
    )
    env.globals.update(_=plain, gettext=heading, ngettext=plural)
    env.filters.update(
        pct=pct,
        score=score_text,
        signed=signed_text,
        change=lambda e: change_text(e.from_status, e.to_status, lang),
        day=lang.date,
        unbroken=lambda text: _unbroken(text, lang),
    )
    env.tests["web_link"] = is_web_link
    from markupsafe import Markup, escape

    english_titles = {i.code: i.title for i in report.items}
    english_moves = {m.code: m.title for m in report.moves.rows}
    english_pillars = {p.slug: p.title for p in report.pillars}

    def in_english(text: str) -> Any:
        """On a bilingual page, `text` (worked out in English) in a block of its own, tagged."""
        if not bilingual:
            return ""
        return Markup(' <span class="en" lang="en">{}</span>').format(escape(_printable(text)))

    def both(text: str, original: str) -> Any:
        if not bilingual or text == original:
            return text
        return Markup('{} <span class="en" lang="en">{}</span>').format(
            escape(_printable(text)), escape(_printable(original))
        )

    template = env.get_template("report.html.j2")
    room = len(shown.items) if full else TABLE_ROWS
    pledge_rows = list(shown.pledges.rows[:room])
    outlook_rows = list(shown.outlook.rows[: room - len(pledge_rows)])
    listed = len(pledge_rows) + len(outlook_rows)
    yield from template.generate(
        report=shown,
        pledge_rows=pledge_rows,
        outlook_rows=outlook_rows,
        more_items=more_items_text(shown, listed) if listed < len(shown.items) else None,
        lang=lang.code,
        bilingual=bilingual,
        page_title=shown.display_title,
        english_title=title_of(report, english),
        fold=lambda i: _fold(i, lang),
        title=lambda i: both(i.title, english_titles.get(i.code, i.title)),
        move_title=lambda m: both(m.title, english_moves.get(m.code, m.title)),
        english_=lambda message, **variables: message % variables if variables else message,
        english_n=lambda singular, plural, n, **variables: (
            (singular if n == 1 else plural) % {"n": n, **variables}
        ),
        pillar_title=lambda p: both(p.title, english_pillars.get(p.slug, p.title)),
        font_stack=Markup(FONT_STACK_JA if lang.code == "ja" else FONT_STACK),
        sep=lang._(", "),
        verify_command=Markup("<code>tracker verify</code>"),
        kinds=Kind,
        st=Status,
        css=_print_strings(shown, lang),
        declaration_inferred=lambda d: _declaration_inferred(d, lang),
        inferred_mark=lambda i, name: inferred_mark(i.inferred_origins, name, lang),
        since_label=since_label(shown, lang),
        # Page one's headline and figures in English too on a bilingual page (else "").
        en=in_english,
        en_countdown=countdown_text(report, english) if bilingual else None,
        en_assessed=assessment_text(report, english),
        en_moves_title=moves_title(report, english) if report.since is not None else "",
        en_sides_title=sides_title(report, english),
        en_matrix_note=matrix_note(report, english),
        assessed_line=assessment_text(shown, lang),
        sides_title=sides_title(shown, lang),
        moves_title=moves_title(shown, lang) if shown.since is not None else "",
        countdown=countdown_text(shown, lang),
        move_text=lambda m: move_text(m, lang),
        source_name=lambda src: source_text(src, lang),
        overdue_text=lambda i: overdue_text(i, lang),
        stalled_text=lambda i: stalled_text(shown.why.get(i.code), lang),
        cell_text=lambda c: cell_text(c, lang),
        matrix_note=matrix_note(shown, lang),
        more_text=lambda n: more_text(n, lang._("the annex"), lang),
        page_rows=PAGE_ONE_ROWS,
        guided=[i for i in shown.items if i.scored and i.guidelines],
        method_labels={k: lang._(v) for k, v in METHOD_LABELS.items()},
        statuses=PROGRESS_ORDER,
        labels={s: lang.status(s) for s in Status},
        colours={s.value: c for s, c in COLOURS.items()},
        glyphs=GLYPHS,
        # Page one alone (`brief`) has no charts: they are not drawn at all.
        charts=_charts(shown, charts and not brief, lang),
        brief=brief,
        history=sorted(shown.history, key=lambda p: p.on),
        pillar_rows=[
            (p.slug, both(p.title, english_pillars.get(p.slug, p.title)), p.figures)
            for p in shown.pillars
        ],
        party_rows=[
            (key.party, p.party, p.figures)
            for key, p in zip(report.parties, shown.parties, strict=True)
        ],
        method={k: lang._(v) for k, v in METHOD.items()},
        declaration_rows=declaration_rows(shown, lang),
        declaration_headers=declaration_headers(lang),
        declarations_note=declarations_note(shown, lang),
        continued_text=lambda i: continued_text(i, lang),
    )
