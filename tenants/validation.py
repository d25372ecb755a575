"""Input rules that msgspec cannot express: ISO 3166 countries, registration numbers, contacts,
names (the character rule itself is colo/text.py's).

Each check raises ValidationFailed naming the field, so the API answers 422 with `field`.
"""

from __future__ import annotations

import re

from colo.errors import ValidationFailed
from colo.text import name_refusal

# ISO 3166-1 alpha-2 (officially assigned codes).
ISO_3166_ALPHA2 = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())

# Registration / tax number formats of countries with a well-known single format, after
# normalisation (upper case, spaces, dots, dashes and slashes removed). Other countries get the
# generic rule. EU VAT numbers (country prefix + digits/letters) are accepted everywhere.
NATIONAL_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "DE": (re.compile(r"^(HR[AB]\d{1,6}[A-Z]?|\d{10,11})$"), "HRB/HRA + number, or a 10 to 11 digit tax number"),
    "AT": (re.compile(r"^(FN)?\d{1,6}[A-Z]$"), "Firmenbuchnummer such as FN123456a"),
    "CH": (re.compile(r"^CHE\d{9}$"), "UID such as CHE-123.456.789"),
    "GB": (re.compile(r"^([0-9]{8}|(SC|NI|OC|SO|NC|LP|SL|NL|R0)[0-9]{6})$"), "8-character Companies House number"),
    "FR": (re.compile(r"^\d{9}(\d{5})?$"), "9-digit SIREN or 14-digit SIRET"),
    "NL": (re.compile(r"^\d{8}$"), "8-digit KvK number"),
    "US": (re.compile(r"^\d{9}$"), "9-digit EIN such as 12-3456789"),
    "PL": (re.compile(r"^(\d{10}|\d{14}|\d{9})$"), "NIP (10 digits), REGON (9 or 14) or KRS"),
}
EU_VAT = re.compile(r"^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)"
                    r"[0-9A-Z]{2,13}$")
GENERIC_REGISTRATION = re.compile(r"^[A-Z0-9]{4,30}$")
_SEPARATORS = re.compile(r"[\s.\-/]")
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164 after removing spaces, dashes, brackets
_PHONE_SEPARATORS = re.compile(r"[\s\-()./]")


def country(value: str, *, field: str = "country") -> str:
    code = value.strip().upper()
    if code not in ISO_3166_ALPHA2:
        raise ValidationFailed(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def registration_number(value: str, *, country_code: str, field: str = "registration_number") -> str:
    """The normalised number; raises when it fits neither the country's format nor EU VAT."""
    normalised = _SEPARATORS.sub("", value).upper()
    if EU_VAT.match(normalised):
        return normalised
    rule = NATIONAL_FORMATS.get(country_code)
    if rule is not None:
        pattern, expected = rule
        if not pattern.match(normalised):
            raise ValidationFailed(field, f"not a valid {country_code} registration number: expected {expected}")
        if country_code == "FR" and not luhn_ok(normalised):
            raise ValidationFailed(field, "SIREN/SIRET check digit is wrong")
        return normalised
    if not GENERIC_REGISTRATION.match(normalised):
        raise ValidationFailed(field, "expected 4 to 30 letters and digits (spaces, dots, dashes allowed)")
    return normalised


def email(value: str, *, field: str = "email") -> str:
    text = value.strip()
    if len(text) > 254 or not EMAIL.match(text):
        raise ValidationFailed(field, "not a valid e-mail address")
    return text


def phone(value: str, *, field: str = "phone") -> str:
    """E.164 form (+<country code><number>)."""
    normalised = _PHONE_SEPARATORS.sub("", value)
    if normalised.startswith("00"):
        normalised = "+" + normalised[2:]
    if not PHONE.match(normalised):
        raise ValidationFailed(field, "expected an international number such as +49 30 1234567")
    return normalised


def plain_text(value: str, *, field: str) -> str:
    """A name or one-line text: trimmed, not blank, and by colo/text.py's name rule — no control
    characters (they break logs, CSV exports and LOAs), no line breaks, no invisible formatting
    characters (they let one name display as another)."""
    text = value.strip()
    if not text:
        raise ValidationFailed(field, "must not be blank")
    if reason := name_refusal(text):
        raise ValidationFailed(field, reason)
    return text


SIGNING_IDENTITY_KINDS = ("serialNumber", "email", "cn")


def signing_identity(value: str, *, field: str = "signing_identity") -> str:
    """The certificate subject identifier a person signs LOAs with, `kind:value`: `serialNumber:`
    (the subject's serialNumber attribute, e.g. a national person id), `email:` (subject or
    subjectAltName e-mail) or `cn:` (the common name). Setting one gives the person the right to
    grant their company's LOAs with that certificate (dcim.orders.signed_grant)."""
    kind, sep, rest = value.strip().partition(":")
    if not sep or kind not in SIGNING_IDENTITY_KINDS or not rest.strip():
        raise ValidationFailed(field, "expected serialNumber:VALUE, email:ADDRESS or cn:NAME")
    text = plain_text(rest, field=field)
    if kind == "email":
        text = email(text, field=field).lower()
    return f"{kind}:{text}"
