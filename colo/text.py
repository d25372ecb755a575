"""The one rule for text a client sends: which characters Colo refuses, in free text and in names.

Every string that arrives — each JSON string (values and keys, at any depth), each query, path
and header parameter — is checked against `refusal` before a handler sees it (api/input_rules.py
applies it to every request in one place). Names and identifiers that people read to tell
things apart (a tenant's legal name, a person, a guest, a company, an API key's name) are also
checked against the stricter `name_refusal` (tenants/validation.plain_text).

Refused everywhere:
- control characters: C0 (U+0000..U+001F) except tab, line feed and carriage return, DEL
  (U+007F) and C1 (U+0080..U+009F). PostgreSQL refuses NUL in text (a 500 before this rule);
  the others break logs, CSV exports, LOAs and terminals;
- bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): they make
  a text display in an order other than the one it is stored in ("Trojan Source"). Natural
  right-to-left text never needs them; the marks LRM/RLM/ALM stay allowed in free text;
- lone UTF-16 surrogates (U+D800..U+DFFF): not characters; PostgreSQL cannot store them.

Refused in names, in addition: tab, line feed, carriage return, and every invisible format
character (Unicode category Cf: zero-width space/joiners, LRM/RLM, soft hyphen, BOM, tags …),
because they let one name display exactly like another. The price — a name that needs a
zero-width joiner (some Persian or Indic spellings) must be written without it — is documented
in docs/SECURITY.md.
"""

from __future__ import annotations

import re
import unicodedata

# C0 minus \t \n \r, DEL and C1, bidi embeddings/overrides/isolates (plus lone surrogates,
# which JSON text cannot carry and the served document therefore need not mention).
_FORBIDDEN_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_FORBIDDEN = re.compile(rf"[{_FORBIDDEN_CLASS}\ud800-\udfff]")
# Header values arrive as bytes read as Latin-1 (RFC 9110), so only C0 (except tab) and DEL
# can be judged there; HTTP servers refuse them already, this keeps other callers honest.
_HEADER_CLASS = r"\x00-\x08\x0a-\x1f\x7f"
_FORBIDDEN_IN_HEADER = re.compile(rf"[{_HEADER_CLASS}]")
# The same rules as JSON Schema patterns, for the served OpenAPI document.
TEXT_PATTERN = rf"^[^{_FORBIDDEN_CLASS}]*$"
HEADER_PATTERN = rf"^[^{_HEADER_CLASS}]*$"
# One line of text (identifiers with a pattern of their own build on it: key names, areas).
LINE_CLASS = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
LINE_PATTERN = rf"^[^{LINE_CLASS}]+$"
_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})  # control, format, surrogate


def describe(char: str) -> str:
    """`U+0000` for a character, so an answer never echoes an invisible one."""
    return f"U+{ord(char):04X}"


def refusal(text: str) -> str | None:
    """Why `text` is refused anywhere (free text, filters, headers), or None when it is fine."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    char = found.group()
    kind = {"Cf": "a bidirectional formatting character", "Cs": "an unpaired surrogate"}.get(
        unicodedata.category(char), "a control character")
    return f"must not contain {kind} ({describe(char)} at position {found.start()})"


def header_refusal(value: str) -> str | None:
    """Why a header value (Latin-1) is refused, or None."""
    found = _FORBIDDEN_IN_HEADER.search(value)
    if found is None:
        return None
    return f"must not contain a control character ({describe(found.group())} at position {found.start()})"


def name_refusal(text: str) -> str | None:
    """Why `text` is refused as a name (single line, no invisible formatting), or None."""
    if (reason := refusal(text)) is not None:
        return reason
    for position, char in enumerate(text):
        if unicodedata.category(char) in _NAME_CATEGORIES:
            kind = "a line break or tab" if char in "\t\n\r" else "an invisible formatting character"
            return f"must not contain {kind} ({describe(char)} at position {position})"
    return None
