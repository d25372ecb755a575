"""Settings from the environment (and an optional .env), validated once at start-up.

Nothing is read at import: `load_settings()` is called by the CLI and the app factory.
Each variable is declared once in `colo.setting_vars.VARIABLES`, which also produces the README's table.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from colo.setting_vars import OPTIONAL_SECRETS, VARIABLES


class SettingsError(ValueError):
    """One setting is wrong; the message names the variable and what it expects."""


MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # the attachment upload route's body limit (api/)


@dataclass(frozen=True, slots=True)
class Settings:
    env: str = "dev"
    database_url: str = "sqlite:///./var/colo.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8000
    log_format: str = "console"
    log_level: str = "INFO"
    netbox_url: str = ""
    netbox_token: str = field(default="", repr=False)
    netbox_state_file: Path | str = ""
    netbox_connect_timeout: float = 3.0
    netbox_read_timeout: float = 20.0
    secrets_dir: Path = Path("./var/secrets")
    api_key_peppers: str = field(default="", repr=False)
    master_key: str = field(default="", repr=False)
    audit_signing_key: str = field(default="", repr=False)
    audit_origin: str = "colo.example/access-log"
    audit_retention_days: int = 400
    audit_enabled: bool = True
    audit_witness_state: str = ""
    audit_witnesses: str = ""
    audit_witnesses_required: int = 1
    audit_witness_timeout: float = 5.0
    audit_archive_dir: str = ""
    audit_archive_segment: int = 65536
    webhook_secret: str = field(default="", repr=False)
    public_url: str = ""
    webhook_grace_seconds: float = 120.0
    run_workers: bool = True
    reconcile_seconds: float = 300.0
    redis_url: str = ""
    auth_failures_per_address: int = 60
    auth_failures_per_key: int = 10
    auth_cache_seconds: float = 0.5
    cache_lag_seconds: float = 0.01
    trusted_proxies: tuple[str, ...] = ()
    facility_name: str = "Colo Regional DC 1"
    loa_trust_list: str = ""
    loa_revocation_policy: str = "hard-fail"
    loa_signing_key: str = field(default="", repr=False)
    loa_tsa_url: str = ""
    signed_approvals: tuple[str, ...] = ()
    sellable_rack_statuses: tuple[str, ...] = ("active", "available")
    unsellable_rack_roles: tuple[str, ...] = ("infrastructure", "network", "meet-me", "meet-me-room", "mmr")
    time_zone: str = "Asia/Baku"
    session_idle_seconds: int = 900
    session_max_seconds: int = 43200
    session_cookie_secure: bool = True
    signin_failures_per_address: int = 30
    signin_failures_per_account: int = 5
    invitation_hours: int = 72
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    smtp_from: str = ""
    smtp_timeout: float = 10.0
    shipment_holding_days: int = 5
    webhook_allow_networks: tuple[str, ...] = ()
    webhook_timeout: float = 5.0
    webhook_disable_after_hours: int = 72
    sla_hands_minutes: tuple[tuple[str, int], ...] = (("standard", 240), ("expedited", 60))
    sla_scheduled_grace_minutes: int = 30
    sla_trouble_minutes: tuple[tuple[str, int], ...] = (("critical", 240), ("high", 480), ("normal", 1440),
                                                        ("low", 4320))
    sla_warn_percent: int = 80
    servicedesk_reopen_days: int = 7
    attachments_dir: Path = Path("./var/attachments")
    attachment_max_bytes: int = 10 * 1024 * 1024
    metering: str = "auto"
    metering_interval: float = 60.0
    metering_timeout: float = 2.0
    metering_concurrency: int = 64
    metering_pdu_roles: tuple[str, ...] = ("pdu",)
    snmp_community: str = field(default="", repr=False)
    snmp_v3_user: str = ""
    snmp_v3_auth_key: str = field(default="", repr=False)
    snmp_v3_priv_key: str = field(default="", repr=False)
    snmp_v3_context: str = ""
    metering_feed_thresholds: tuple[int, int] = (80, 90)
    metering_inlet_temperature: tuple[float, float] = (18.0, 27.0)
    metering_inlet_humidity: tuple[float, float] = (20.0, 60.0)
    metering_silent_intervals: int = 3

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def webhook_base_url(self) -> str:
        """The base URL NetBox's webhook should call: COLO_PUBLIC_URL, else where Colo listens."""
        if self.public_url:
            return self.public_url
        try:  # listening on every interface: this machine's loopback is one of them
            host = "127.0.0.1" if ipaddress.ip_address(self.host).is_unspecified else self.host
        except ValueError:
            host = self.host  # a host name
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql:", "postgres:"))


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: str | Path | None = ".env") -> Settings:
    """Read and validate every variable; raise SettingsError naming the first bad one."""
    values = dict(environ if environ is not None else os.environ)
    if dotenv and environ is None and Path(dotenv).is_file():
        from dotenv import dotenv_values

        for key, value in dotenv_values(dotenv).items():
            if value is not None:
                values.setdefault(key, value)
    parsed: dict[str, Any] = {}
    for var in VARIABLES:
        raw = values.get(var.name)
        if raw is None or raw == "":
            parsed[var.attr] = var.default
            continue
        try:
            parsed[var.attr] = var.parse(raw)
        except (ValueError, TypeError) as exc:
            shown = "(hidden)" if var.secret else repr(raw)
            raise SettingsError(f"{var.name}={shown} is invalid: expected {exc}") from None
    if not parsed["log_format"]:
        parsed["log_format"] = "json" if parsed["env"] == "production" else "console"
    if parsed["audit_retention_days"] < 365:
        raise SettingsError(
            f"COLO_AUDIT_RETENTION_DAYS={parsed['audit_retention_days']} is invalid: "
            "expected at least 365 (PCI DSS 10.5.1 keeps access logs 12 months)"
        )
    if parsed["session_idle_seconds"] > parsed["session_max_seconds"]:
        raise SettingsError(f"COLO_SESSION_IDLE_SECONDS={parsed['session_idle_seconds']} is invalid: expected at "
                            f"most COLO_SESSION_MAX_SECONDS ({parsed['session_max_seconds']})")
    if parsed["env"] == "production" and not parsed["session_cookie_secure"]:
        raise SettingsError("COLO_SESSION_COOKIE_SECURE=false is invalid: production sends portal cookies "
                            "over HTTPS only")
    _check_smtp(parsed)
    if parsed["attachment_max_bytes"] > MAX_ATTACHMENT_BYTES:
        raise SettingsError(f"COLO_ATTACHMENT_MAX_BYTES={parsed['attachment_max_bytes']} is invalid: expected at "
                            f"most {MAX_ATTACHMENT_BYTES} (the upload route's body limit)")
    if parsed["env"] == "production" and parsed["loa_trust_list"] and not parsed["loa_signing_key"]:
        raise SettingsError("COLO_LOA_SIGNING_KEY is missing: production countersigns signed LOAs with it "
                            "(COLO_LOA_TRUST_LIST is set)")
    if parsed["signed_approvals"] and not parsed["loa_trust_list"]:
        raise SettingsError("COLO_SIGNED_APPROVALS needs COLO_LOA_TRUST_LIST: the approvers' certificates are "
                            "checked against it")
    if parsed["env"] == "production":
        for var in VARIABLES:
            if var.secret and var.name not in OPTIONAL_SECRETS and not parsed[var.attr]:
                raise SettingsError(f"{var.name} is missing: production needs it set explicitly")
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in parsed.items() if k in known})


def _check_smtp(parsed: dict[str, Any]) -> None:
    """E-mail settings that make sense together: a sender, a password only with a user, and no
    plain-text SMTP to another machine in production (the password and the links would travel bare)."""
    if not parsed["smtp_host"]:
        return
    if not parsed["smtp_from"]:
        raise SettingsError("COLO_SMTP_FROM is missing: expected the sender address, needed with COLO_SMTP_HOST")
    if parsed["smtp_password"] and not parsed["smtp_username"]:
        raise SettingsError("COLO_SMTP_USERNAME is missing: expected the user COLO_SMTP_PASSWORD belongs to")
    if parsed["env"] == "production" and not parsed["smtp_starttls"] and parsed["smtp_host"] not in (
            "127.0.0.1", "::1", "localhost"):
        raise SettingsError("COLO_SMTP_STARTTLS=false is invalid: production sends e-mail to another machine "
                            "over STARTTLS only")


def configuration_table() -> str:
    """The README's configuration table, generated from VARIABLES so it cannot drift."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for var in VARIABLES:
        default = var.default if var.default not in ("", ()) else "—"
        if isinstance(default, tuple):
            default = ",".join(f"{item[0]}:{item[1]}" if isinstance(item, tuple) else
                               f"{item:g}" if isinstance(item, float) else str(item) for item in default)
        rows.append(f"| `{var.name}` | `{default}` | {var.meaning} |")
    return "\n".join(rows)
