"""CSRF protection of every portal form: a token bound to the session, checked on every POST.

Which: HMAC-based tokens (OWASP's "signed double-submit" pattern, made stronger by binding to
the server-side session). The token is HMAC-SHA256(key, binding), where the key is derived
from the master key and the binding is the session id when signed in, else a random value in
the `colo_csrf` cookie (HttpOnly, SameSite=Strict) set on the first page. A forged request has
neither the cookie's value nor the key, so it cannot compute the token; a new session id at
sign-in changes the token with it. Forms carry it as `csrf_token`; htmx sends it as the
`X-CSRF-Token` header (set on <body> with hx-headers). Litestar's CSRFConfig was not used: it is
app-wide, and the API (bearer keys, no cookies) needs none.
"""

from __future__ import annotations

import secrets

from colo.crypto import constant_time_equal, hkdf_derive, hmac_sha256

FIELD = "csrf_token"
HEADER = "x-csrf-token"


class CsrfTokens:
    def __init__(self, master_key: bytes) -> None:
        self._key = hkdf_derive(master_key, info=b"colo/web/csrf/v1")

    def token(self, binding: str) -> str:
        return hmac_sha256(self._key, b"csrf:" + binding.encode()).hex()

    def valid(self, binding: str | None, presented: str | None) -> bool:
        if not binding or not presented:
            return False
        return constant_time_equal(self.token(binding).encode(), presented.encode()[:128])


def new_binding() -> str:
    return secrets.token_urlsafe(32)
