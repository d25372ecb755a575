"""What the portal holds per app: the session store, sign-in throttle, CSRF tokens, languages,
assets and the merged policy table — built once by web/plugin.py, read by the guard and pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.sessions import SessionStore
from accounts.throttle import SignInThrottle
from api.guards import AccessPolicy
from tenants.keys import KeyRing
from web.assets import Assets
from web.csrf import CsrfTokens
from web.i18n import Languages

if TYPE_CHECKING:
    from api.services import AppServices


@dataclass(slots=True)
class WebRuntime:
    services: AppServices
    sessions: SessionStore
    throttle: SignInThrottle
    csrf: CsrfTokens
    languages: Languages
    assets: Assets
    policy: AccessPolicy
    ring: KeyRing

    @property
    def secure(self) -> bool:
        return self.services.settings.session_cookie_secure

    @property
    def session_cookie(self) -> str:
        # __Host-: only over HTTPS, only for this host, path / (browsers enforce it).
        return "__Host-colo_session" if self.secure else "colo_session"

    @property
    def csrf_cookie(self) -> str:
        return "__Host-colo_csrf" if self.secure else "colo_csrf"

    @property
    def language_cookie(self) -> str:
        return "colo_lang"
