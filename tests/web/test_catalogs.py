"""Both message catalogs are complete and current: every message the portal's code and templates
mark (`_`, `pgettext` with its context, and `ngettext` with every plural form) is in
web/translations/{az,en}, translated, not fuzzy, with the same placeholders, and no
catalog keeps a message nothing uses any more. Messages are extracted here exactly as
`pybabel extract -F web/babel.cfg` does (web/i18n.py says how to update the catalogs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from web.i18n import LOCALES, Languages

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    with (ROOT / "web" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    messages = set()
    for _filename, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map,
            keywords={"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}):
        messages.add(keyed(message if isinstance(message, str) else message[0], context))
    return messages


def keyed(message: str, context: str | None) -> str:
    """A message with a context (pgettext) as gettext keys it: context, EOT, message."""
    return f"{context}\x04{message}" if context else message


def test_the_portal_marks_messages() -> None:
    found = extracted()
    assert len(found) > 50
    assert {"Sign in", "Rack space", "The request could not be understood."} <= found  # templates, modules


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalog_is_complete_and_current(locale: str) -> None:
    with (ROOT / "web" / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    in_catalog = {keyed(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
    code = extracted()
    assert sorted(code - in_catalog) == [], "missing from the catalog (update it: web/i18n.py)"
    assert sorted(in_catalog - code) == [], "stale: no longer used anywhere"
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)  # a plural: (one, many)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert len(strings) == (1 if len(ids) == 1 else catalog.num_plurals), f"plural forms: {message.id!r}"
        for text in strings:
            assert text.strip(), f"untranslated: {message.id!r}"
            assert PLACEHOLDER.findall(ids[-1]) == PLACEHOLDER.findall(text), message.id
        assert not message.fuzzy, f"fuzzy: {message.id!r}"


def test_the_languages_load_and_differ() -> None:
    languages = Languages()
    assert languages.get("az").gettext("Sign in") == "Daxil ol"
    assert languages.get("en").gettext("Sign in") == "Sign in"
    assert languages.get("xx").code == "az"  # unknown → the facility's language
    assert languages.get("az").number(1234.5) == "1.234,5" and languages.get("en").number(1234.5) == "1,234.5"
    moment = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
    assert "Nov" in languages.get("en").datetime(moment) and "noy" in languages.get("az").datetime(moment)


def test_times_are_shown_on_the_facility_clock_with_its_zone() -> None:
    """The same instant reads as 10:00 in Baku (UTC+4) in both languages, zone named, whatever the
    server's own zone; a naive value is taken as UTC."""
    from datetime import UTC, datetime

    languages = Languages("Asia/Baku")
    moment = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert languages.get("az").datetime(moment) == "1 dek 2026 10:00:00 (GMT+04:00)"
    assert languages.get("en").datetime(moment) == "Dec 1, 2026, 10:00:00\u202fAM (GMT+04:00)"
    assert languages.get("en").datetime(moment.replace(tzinfo=None)) == languages.get("en").datetime(moment)
    assert Languages("UTC").get("az").datetime(moment) == "1 dek 2026 06:00:00 (GMT+00:00)"
