"""The report as a PDF: the HTML briefing (page one first, A4, marking and footer on every page)
laid out by WeasyPrint.

WeasyPrint is an optional extra (`pip install 'tracker[pdf]'`): it is imported here only, and
its absence is a one-line error naming the extra. It fetches nothing: the page holds no external
resource (its CSP says so to browsers), and the URL fetcher given here refuses every URL anyway,
so a link in a note can never make PDF rendering reach the network or the file system.
"""

from __future__ import annotations

from typing import Any, NoReturn

from tracker.errors import TrackerError
from tracker.i18n import Language
from tracker.reports.model import Report

MISSING = "the pdf format needs WeasyPrint: pip install 'tracker[pdf]'"


def check_available() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        # OSError: the package is there but its system libraries (Pango) are not.
        raise TrackerError(MISSING) from None


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"tracker's PDF fetches nothing ({url[:40]})")


def render(
    report: Report, *, lang: Language | None = None, bilingual: bool = False, full: bool = False
) -> bytes:
    """The same page as the HTML report, printed to A4 by WeasyPrint (which embeds the fonts
    the page's CSS font stack resolves to: a CJK one for Japanese)."""
    check_available()
    import weasyprint

    from tracker.reports import as_html

    page = as_html.render(report, lang=lang, bilingual=bilingual, full=full)
    document = weasyprint.HTML(string=page, url_fetcher=_refuse, base_url=None)
    data = document.write_pdf()
    assert isinstance(data, bytes)
    return data
