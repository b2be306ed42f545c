"""Languages: which one a command speaks, and its message catalog (gettext, catalogs by Babel).

User-facing strings are marked `_()` (or `N_()` where they are defined before a language is
known, as the status names are) and extracted with `pybabel extract -F babel.cfg`; each language
has a `.po` catalog under tracker/locale/<lang>/LC_MESSAGES/, compiled in memory the first time a
command needs it, so the repository holds only reviewed sources and no build step can be
forgotten. English is the source language and needs no catalog.

The data's own translations (titles, descriptions) live in the fixture and the database, not
here: the catalogs hold the interface only.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import os
from pathlib import Path

from tracker.errors import TrackerError
from tracker.statuses import N_

LANGUAGES = ("en", "ja")
DEFAULT = "en"
DOMAIN = "tracker"
LOCALE_DIR = Path(__file__).parent / "locale"


class LanguageError(TrackerError):
    exit_code = 2


def _from_locale(value: str) -> str | None:
    """`ja_JP.UTF-8` -> `ja`; `C`, `POSIX` and unknown languages give nothing."""
    code = value.split(".")[0].split("@")[0].split("_")[0].lower()
    return code if code in LANGUAGES else None


def resolve(option: str | None = None) -> str:
    """The language: --lang, else TRACKER_LANG, else `lang` in the user's configuration
    (tracker.userconfig), else the locale (LC_ALL, LC_MESSAGES, LANG)."""
    if option is not None:
        lang = option.strip().lower()
        if lang not in LANGUAGES:
            raise LanguageError(f"unknown language {option!r}; choose from {', '.join(LANGUAGES)}")
        return lang
    env = os.environ.get("TRACKER_LANG")
    if env:
        return resolve(env)
    from tracker import userconfig

    configured = userconfig.read_file().get("lang")
    if configured:
        try:
            return resolve(configured)
        except LanguageError as exc:
            raise LanguageError(f"{userconfig.config_path()}: lang: {exc}") from None
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            # The first locale variable that is set decides, as in gettext itself.
            return _from_locale(value) or DEFAULT
    return DEFAULT


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """An English count with its noun, "1 event" or "2 events", for the messages that are in
    English only (verify's, the maintenance commands'); a translated message uses
    Language.ngettext instead."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations of a language, compiled from its .po catalog."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


class Language:
    """What a command needs to speak one language: messages, names and dates."""

    def __init__(self, code: str) -> None:
        self.code = code
        self._t = translations(code)

    def _(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def date(self, day: dt.date) -> str:
        """ISO 8601 in English (as every format has shown dates); 2026年12月1日 in Japanese."""
        if self.code == "ja":
            return f"{day.year}年{day.month}月{day.day}日"
        return day.isoformat()

    def date_text(self, iso: str) -> str:
        """A date given as ISO text (as the JSON shapes carry it)."""
        return self.date(dt.date.fromisoformat(iso)) if self.code != DEFAULT else iso

    def party(self, name: str) -> str:
        return self._(name)

    def status(self, status: str) -> str:
        from tracker.statuses import LABELS, Status

        return self._(LABELS[Status(status)])

    def kind(self, kind: str) -> str:
        from tracker.statuses import KIND_LABELS, Kind

        return self._(KIND_LABELS[Kind(kind)])

    def text(self, english: str, japanese: str | None) -> str:
        """A data field in this language: the translation, or the English marked as such."""
        if self.code == DEFAULT:
            return english
        if japanese:
            return japanese
        return f"{english} {self._(ENGLISH_ONLY)}"


# Names the catalogs translate though the code never spells them out as messages.
# Marks a data field shown in English because it has no translation yet.
ENGLISH_ONLY = N_("(English only)")
PARTY_NAMES = (N_("Japan"), N_("UK"), N_("Italy"))
EVIDENCE_KINDS = (N_("official statement"), N_("news report"), N_("document"), N_("other"))
