"""The portal's settings: safe defaults, an idle limit within the absolute one, and no plain-http
cookies in production."""

from __future__ import annotations

import pytest

from colo.settings import SettingsError, load_settings


def test_portal_defaults() -> None:
    settings = load_settings({})
    assert settings.session_idle_seconds == 900 and settings.session_max_seconds == 43200
    assert settings.session_cookie_secure is True
    assert settings.signin_failures_per_account == 5 and settings.invitation_hours == 72


def test_the_idle_limit_must_fit_in_the_absolute_one() -> None:
    with pytest.raises(SettingsError, match="COLO_SESSION_IDLE_SECONDS=7200 is invalid"):
        load_settings({"COLO_SESSION_IDLE_SECONDS": "7200", "COLO_SESSION_MAX_SECONDS": "3600"})


def test_production_refuses_insecure_portal_cookies() -> None:
    with pytest.raises(SettingsError, match="COLO_SESSION_COOKIE_SECURE=false is invalid"):
        load_settings({"COLO_ENV": "production", "COLO_SESSION_COOKIE_SECURE": "false"})
    assert load_settings({"COLO_SESSION_COOKIE_SECURE": "false"}).session_cookie_secure is False  # dev may


@pytest.mark.parametrize("name", ["COLO_SESSION_IDLE_SECONDS", "COLO_SIGNIN_FAILURES_PER_ACCOUNT",
                                  "COLO_INVITATION_HOURS"])
def test_limits_are_positive_whole_numbers(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: "0"})
