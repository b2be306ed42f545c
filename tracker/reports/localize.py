"""The report model in a reader's language: the data's own translations and the party names.

The renderers for people (terminal, Markdown, HTML, PDF) read a localized copy of the report;
JSON and CSV read the model as built, so their figures, keys and codes never depend on the
language. Only text changes here: titles (from the fixture's `title_ja`, else the English marked
（英語のみ）), milestone names, party names, the place, the owners' names and the notes on
inferred values; every count, date and status stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from tracker.i18n import DEFAULT, Language
from tracker.reports.model import Cut, EventLine, ItemCut, ItemLine, Report, Stream
from tracker.reports.presentation import inferred_notes


def _event(e: EventLine | None, lang: Language, titles: dict[str, str]) -> EventLine | None:
    if e is None:
        return None
    party = lang.party(e.party) if e.party else None
    return replace(e, title=titles.get(e.code, e.title), party=party)


def _item(i: ItemLine, lang: Language) -> ItemLine:
    return replace(
        i,
        owners=list(i.owners_ja) if i.owners_ja else i.owners,
        inferred=inferred_notes(i.inferred, i.inferred_origins, i.inferred_ja, lang),
        title=lang.text(i.title, i.title_ja),
        pillar_title=lang.text(i.pillar_title, i.pillar_title_ja),
        target_label=lang.text(i.target_label, i.target_label_ja) if i.target_label else None,
        parties=[lang.party(p) for p in i.parties],
        party_status={lang.party(p): s for p, s in i.party_status.items()},
    )


def _items(items: list[ItemLine], lang: Language) -> list[ItemLine]:
    """The items in `lang`, each with its latest event's title in it."""
    localized = [_item(i, lang) for i in items]
    titles = {i.code: i.title for i in localized}
    for line, item in zip(localized, items, strict=True):
        line.last_event = _event(item.last_event, lang, titles)
    return localized


def _cut(cut: ItemCut, lang: Language) -> ItemCut:
    return replace(cut, rows=_items(list(cut.rows), lang))


def _changes(
    changes: Cut[EventLine] | Stream[EventLine], lang: Language, titles: dict[str, str]
) -> Cut[EventLine] | Stream[EventLine]:
    """The changes in `lang`: a change's title comes from its item when that is listed too
    (a screen lists few items, and shows no change's title)."""

    def each(rows: Iterable[EventLine]) -> Iterator[EventLine]:
        for c in rows:
            line = _event(c, lang, titles)
            if line is not None:
                yield line

    if isinstance(changes, Stream):
        return Stream(each(changes.rows))
    return Cut(list(each(changes.rows)), changes.total)


def title_of(report: Report, lang: Language) -> str:
    """The report's title: the one given with --title, else the declarations' titles."""
    if report.title:
        return report.title
    if not report.declarations:
        return lang._("No declaration loaded")
    titles = "; ".join(lang.text(d.title, d.title_ja) for d in report.declarations)
    return lang._("Status report: {titles}").format(titles=titles)


def localized(report: Report, lang: Language) -> Report:
    """A copy of the report whose text is in `lang` (the report itself when it is English)."""
    if lang.code == DEFAULT:
        return report
    pledges, outlook, due_soon, overdue, stalled = (
        _cut(cut, lang)
        for cut in (report.pledges, report.outlook, report.due_soon, report.overdue, report.stalled)
    )
    titles = {
        i.code: i.title for cut in (pledges, outlook, due_soon, overdue, stalled) for i in cut.rows
    }
    return replace(
        report,
        title=title_of(report, lang),
        declarations=[
            replace(
                d,
                title=lang.text(d.title, d.title_ja),
                place=lang.text(d.place, d.place_ja),
                parties=[lang.party(p) for p in d.parties],
                inferred=inferred_notes(d.inferred, d.inferred_origins, d.inferred_ja, lang),
            )
            for d in report.declarations
        ],
        milestones=[replace(m, title=lang.text(m.title, m.title_ja)) for m in report.milestones],
        pillars=[replace(p, title=lang.text(p.title, p.title_ja)) for p in report.pillars],
        parties=[replace(p, party=lang.party(p.party)) for p in report.parties],
        pledges=pledges,
        outlook=outlook,
        due_soon=due_soon,
        overdue=overdue,
        stalled=stalled,
        changes=_changes(report.changes, lang, titles),
        moves=Cut(
            [
                replace(
                    m,
                    title=lang.text(m.title, m.title_ja),
                    parties=[(lang.party(p), a, b) for p, a, b in m.parties],
                )
                for m in report.moves.rows
            ],
            report.moves.total,
        ),
        matrix=Cut(
            [
                replace(
                    r,
                    title=lang.text(r.title, r.title_ja),
                    cells=[replace(c, party=lang.party(c.party)) for c in r.cells],
                )
                for r in report.matrix.rows
            ],
            report.matrix.total,
        ),
    )
