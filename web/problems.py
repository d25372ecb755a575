"""Domain problems shown next to the form field they name, in the person's language.

The domain says what is wrong in English (`ValidationFailed(field, reason)`, `Conflict(...,
field=...)`); each portal form passes the messages it knows for those reasons (marked for the
catalogs, so both languages have them) and the names its inputs have where they differ from the
API's. A reason the form does not know still lands next to its field, as the form's generic
message for that field — never as a page-wide 500 and never in English only.
"""

from __future__ import annotations

from collections.abc import Mapping

from colo.errors import Conflict, NotFound, ValidationFailed
from web.i18n import marker as _

NOT_VALID = _("This value is not valid.")
NOT_FOUND = _("This does not exist, or you may not use it.")
CONFLICT = _("This cannot be done in the current state. Reload the page and try again.")


def field_errors(exc: ValidationFailed | Conflict | NotFound, *, reasons: Mapping[str, str] | None = None,
                 inputs: Mapping[str, str] | None = None, fallback: Mapping[str, str] | None = None,
                 default_field: str = "form") -> dict[str, str]:
    """{form input: message (untranslated msgid; templates translate it)} for one domain error.

    `reasons`: the domain's reason text (or its beginning) → message; `inputs`: the API field name
    → the form's input name; `fallback`: a form input → its generic message."""
    if isinstance(exc, ValidationFailed):
        field, reason = exc.field, exc.reason
    elif isinstance(exc, NotFound):  # the input that named the missing object, if the domain knows it
        field, reason = exc.field or default_field, exc.detail
    else:
        field, reason = str(exc.extra.get("field") or default_field), exc.detail
    name = (inputs or {}).get(field, field)
    for known, message in (reasons or {}).items():
        if reason.startswith(known):
            return {name: message}
    if isinstance(exc, NotFound):
        return {name: NOT_FOUND}
    if isinstance(exc, Conflict) and name == default_field:
        return {name: CONFLICT}
    return {name: (fallback or {}).get(name, NOT_VALID)}
