"""Languages of the portal: Azerbaijani and English, from Babel message catalogs.

Catalogs are `web/translations/<locale>/LC_MESSAGES/messages.po`; the install step compiles
them to `.mo` (`make assets`). A `.mo` older than its `.po` (or missing, as in a checkout that
skipped the step) is compiled in memory from the `.po` at start-up instead, so a page never
shows a stale translation. tests/web/test_catalogs.py extracts every message from the code and
templates and fails on one missing from a catalog, untranslated, fuzzy, or no longer used.

Updating the catalogs after changing a message:

    .venv/bin/pybabel extract -F web/babel.cfg -k _ -k pgettext:1c,2 --no-location --sort-output -o /tmp/messages.pot .
    .venv/bin/pybabel update -i /tmp/messages.pot -d web/translations -D messages --no-fuzzy-matching
    # translate every empty msgstr in az/, copy the msgid into en/, drop obsolete (#~) entries

Which language: the signed-in person's choice (stored on the account), else the `colo_lang`
cookie, else the browser's Accept-Language, else Azerbaijani (the facility's language).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from gettext import GNUTranslations
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCALES = ("az", "en")
DEFAULT_LOCALE = "az"
LANGUAGE_NAMES = {"az": "Azərbaycanca", "en": "English"}
Moment = datetime  # (inside Language, `datetime` names its method)


def _load(locale: str) -> GNUTranslations:
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return GNUTranslations(fh)
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


@dataclass(frozen=True, slots=True)
class Language:
    """One locale's translations and formatters (`lang` in every template). Times are shown on
    the facility's clock (COLO_TIME_ZONE) with its zone named, whatever the server's zone."""

    code: str
    translations: GNUTranslations
    zone: ZoneInfo

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def datetime(self, value: datetime) -> str:
        """Date and time on the facility's clock, e.g. "1 dek 2026 10:00 (GMT+04:00)"."""
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        shown = format_datetime(moment, format="medium", tzinfo=self.zone, locale=self.code)
        return f"{shown} ({format_datetime(moment, format='ZZZZ', tzinfo=self.zone, locale=self.code)})"

    def date_and_time(self, value: Moment) -> tuple[str, str]:
        """The same moment in two short lines (a drawing's labels): the date, then the time of day
        with the zone, e.g. ("1 dek 2026", "10:00 (GMT+04:00)")."""
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        zone = format_datetime(moment, format="ZZZZ", tzinfo=self.zone, locale=self.code)
        return (format_date(moment.astimezone(self.zone).date(), format="medium", locale=self.code),
                f"{format_time(moment, format='short', tzinfo=self.zone, locale=self.code)} ({zone})")

    def pgettext(self, context: str, message: str) -> str:
        """A message whose word alone is ambiguous ("Issued": a badge, a date), told apart by a
        context; extracted with `-k pgettext:1c,2`."""
        return self.translations.pgettext(context, message)

    def number(self, value: float) -> str:
        return _decimal(value, self.code)


@lru_cache(maxsize=8192)
def _decimal(value: float, code: str) -> str:
    """Babel's format_decimal takes ~15 µs; a capacity map formats a thousand figures, mostly repeated."""
    return format_decimal(value, locale=code)


class Languages:
    """Both catalogs, loaded once per app at start-up, formatting times in `time_zone`."""

    def __init__(self, time_zone: str = "UTC") -> None:
        zone = ZoneInfo(time_zone)
        self._by_code = {code: Language(code, _load(code), zone) for code in LOCALES}

    def get(self, code: str) -> Language:
        return self._by_code.get(code, self._by_code[DEFAULT_LOCALE])


def supported(code: str | None) -> str | None:
    return code if code in LOCALES else None


def negotiate(accept_language: str | None) -> str:
    """The best of az/en for an Accept-Language header (q-values honoured), else the default."""
    if not accept_language:
        return DEFAULT_LOCALE
    wanted: list[tuple[float, str]] = []
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            wanted.append((quality, tag.strip()))
    preferences = [tag.replace("-", "_") for _, tag in sorted(wanted, key=lambda pair: -pair[0])]
    try:
        chosen = Locale.negotiate(preferences, list(LOCALES), sep="_")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return str(chosen.language) if chosen is not None else DEFAULT_LOCALE


def marker(message: str) -> str:
    """Marks a message for extraction (`from web.i18n import marker as _`); templates translate it
    when the page is rendered, in the reader's language."""
    return message
