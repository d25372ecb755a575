"""The one text rule (colo/text.py) and the JSON depth scan (api/input_rules.py), as pure logic."""

from __future__ import annotations

import unicodedata

import msgspec
import pytest

from api.input_rules import MAX_JSON_DEPTH, first_bad_string, nesting_exceeds
from colo.errors import ValidationFailed
from colo.text import header_refusal, name_refusal, refusal
from tenants import validation


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f",
                                  "\u202a", "\u202e", "\u2066", "\u2069", "\ud800"])
def test_refused_everywhere(char: str) -> None:
    reason = refusal(f"ab{char}c")
    assert reason is not None and f"U+{ord(char):04X} at position 2" in reason
    assert char not in reason  # the answer never echoes the character itself
    assert name_refusal(f"ab{char}c") == reason


AZERBAIJANI = "Bak\u0131 \u2014 A\u011f \u015e\u0259h\u0259r"
RUSSIAN = "\u041e\u041e\u041e \u0420\u043e\u043c\u0430\u0448\u043a\u0430"


@pytest.mark.parametrize("text", ["plain", "line one\nline two\r\n\ttabbed", AZERBAIJANI, "\u05e2\u05d1 \u200f mark",
                                  "Z\u00fcrich \u200d joiner", ""])
def test_free_text_keeps_line_breaks_tabs_and_ordinary_unicode(text: str) -> None:
    assert refusal(text) is None


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u00ad",
                                  "\u2060", "\ufeff", "\U000e0041"])
def test_names_also_refuse_line_breaks_and_invisible_formatting(char: str) -> None:
    assert refusal(f"Acme{char}Corp") is None
    assert name_refusal(f"Acme{char}Corp") is not None
    with pytest.raises(ValidationFailed) as raised:
        validation.plain_text(f"Acme{char}Corp", field="legal_name")
    assert raised.value.field == "legal_name"


def test_every_format_character_is_refused_in_names() -> None:
    format_chars = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert len(format_chars) > 150
    assert [c for c in format_chars if name_refusal(c) is None] == []
    assert name_refusal(AZERBAIJANI) is None and name_refusal(RUSSIAN) is None


def test_headers_refuse_c0_and_del_but_not_tab_or_latin1() -> None:
    assert header_refusal("a\tb") is None and header_refusal("Ã\x80") is None  # UTF-8 bytes read as Latin-1
    assert header_refusal("a\x00") is not None and header_refusal("a\x7f") is not None


def _nest(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("depth", [1, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH])
def test_nesting_up_to_the_limit_passes(depth: int) -> None:
    assert not nesting_exceeds(b"[" * depth + b"]" * depth)
    assert not nesting_exceeds(_nest(depth))


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 2000, 100_000])
def test_nesting_beyond_the_limit_is_found_without_decoding(depth: int) -> None:
    assert nesting_exceeds(b"[" * depth + b"]" * depth)
    assert nesting_exceeds(_nest(depth))
    stairs = b"".join(b'[1,{"k":' for _ in range(depth)) + b"2" + b"}]" * depth
    assert nesting_exceeds(stairs)


def test_brackets_inside_strings_and_wide_documents_do_not_count() -> None:
    in_string = msgspec.json.encode({"note": "[" * 5000 + '\\"{' * 100})
    assert not nesting_exceeds(in_string)
    wide = msgspec.json.encode({"items": [[[{"a": [1]}]] for _ in range(5000)]})
    assert not nesting_exceeds(wide)


def test_the_first_bad_string_is_named_by_its_json_path() -> None:
    body = {"spec": {"kind": "space", "note": "ok"}, "visitors": [{"guest": {"name": "ok"}},
                                                                   {"guest": {"name": "Eve\x00"}}]}
    field, reason = first_bad_string(body)  # type: ignore[misc]
    assert field == "visitors[1].guest.name" and "U+0000" in reason
    assert first_bad_string({"a": {"b\x00": 1}})[0] == "a"  # type: ignore[index]
    assert first_bad_string("\x00")[0] == "body"  # type: ignore[index]
    assert first_bad_string({"note": "line\nbreak\ttab", "n": 1, "x": None}) is None
