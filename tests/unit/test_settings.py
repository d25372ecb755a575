"""Settings are validated once, and a bad value names its variable and what it expects."""

from __future__ import annotations

import pytest

from colo.setting_vars import VARIABLES
from colo.settings import SettingsError, configuration_table, load_settings


def test_defaults_give_an_embedded_sqlite_dev_install() -> None:
    settings = load_settings({})
    assert settings.env == "dev"
    assert settings.database_url == "sqlite:///./var/colo.sqlite3"
    assert settings.is_postgres is False
    assert settings.log_format == "console"
    assert settings.port == 8000


def test_production_defaults_to_json_logs_and_needs_its_secrets() -> None:
    with pytest.raises(SettingsError, match="COLO_API_KEY_PEPPERS is missing"):
        load_settings({"COLO_ENV": "production"})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("COLO_PORT", "eighty", "COLO_PORT='eighty' is invalid: expected a TCP port"),
        ("COLO_PORT", "70000", "COLO_PORT='70000' is invalid: expected a TCP port"),
        ("COLO_DATABASE_URL", "mysql://x/y", "COLO_DATABASE_URL='mysql://x/y' is invalid"),
        ("COLO_ENV", "staging", "expected one of dev, test, production"),
        ("COLO_LOG_FORMAT", "xml", "COLO_LOG_FORMAT='xml' is invalid: expected one of console, json"),
        ("COLO_NETBOX_URL", "netbox.local", "COLO_NETBOX_URL='netbox.local' is invalid"),
        ("COLO_NETBOX_READ_TIMEOUT", "-1", "expected a positive number"),
        ("COLO_AUDIT_RETENTION_DAYS", "30", "at least 365"),
        ("COLO_TRUSTED_PROXIES", "10.0.0.0/33", "COLO_TRUSTED_PROXIES"),
        ("COLO_TIME_ZONE", "Baku", "an IANA time zone name"),
        ("COLO_TIME_ZONE", "../../etc/passwd", "an IANA time zone name"),
        # A key cache longer than 1 s could outlive the revocation bound (tenants/key_cache.py).
        ("COLO_AUTH_CACHE_SECONDS", "1.5", "a number of seconds from 0 to 1"),
        ("COLO_AUTH_CACHE_SECONDS", "-0.1", "a number of seconds from 0 to 1"),
    ],
)
def test_bad_value_names_the_variable(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({name: value})
    assert expected in str(caught.value)
    assert name in str(caught.value)


def test_secret_values_are_never_echoed_in_errors() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"COLO_NETBOX_TOKEN": "   "})
    assert "COLO_NETBOX_TOKEN=(hidden) is invalid" in str(caught.value)


def test_postgres_url_is_recognised() -> None:
    settings = load_settings({"COLO_DATABASE_URL": "postgresql://colo@db:5432/colo"})
    assert settings.is_postgres


def test_configuration_table_lists_every_variable() -> None:
    table = configuration_table()
    for var in VARIABLES:
        assert f"`{var.name}`" in table


def test_dotenv_fills_what_the_environment_leaves_unset(tmp_path, monkeypatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("COLO_PORT=9100\nCOLO_LOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("COLO_LOG_LEVEL", "ERROR")
    settings = load_settings(dotenv=dotenv)
    assert settings.port == 9100
    assert settings.log_level == "ERROR"  # the environment wins over .env
