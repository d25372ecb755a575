"""Every COLO_ variable, declared once: its setting, parser, default and meaning (which also
produce the README's configuration table). `colo.settings` reads and validates them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colo import setting_parsers as parsers


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    attr: str
    parse: Callable[[str], Any]
    default: Any
    meaning: str
    secret: bool = False


VARIABLES: tuple[Var, ...] = (
    Var("COLO_ENV", "env", parsers.choice("dev", "test", "production"), "dev",
        "`dev`, `test` or `production`; production refuses generated dev secrets"),
    Var("COLO_DATABASE_URL", "database_url", parsers.database_url, "sqlite:///./var/colo.sqlite3",
        "`postgresql://…` (production, tests) or `sqlite:///path` (embedded default)"),
    Var("COLO_HOST", "host", parsers.text, "127.0.0.1", "address the API listens on"),
    Var("COLO_PORT", "port", parsers.port, 8000, "port the API listens on"),
    Var("COLO_LOG_FORMAT", "log_format", parsers.choice("console", "json"), "",
        "`console` or `json`; default `json` in production, `console` otherwise"),
    Var("COLO_LOG_LEVEL", "log_level", parsers.choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO",
        "minimum level logged"),
    Var("COLO_NETBOX_URL", "netbox_url", parsers.url, "",
        "NetBox base URL; default: the address `colo netbox up` published"),
    Var("COLO_NETBOX_TOKEN", "netbox_token", parsers.text, "",
        "NetBox API token (`nbt_…`); default: the token `colo netbox up` published", secret=True),
    Var("COLO_NETBOX_STATE_FILE", "netbox_state_file", Path, "",
        "where `colo netbox up` publishes URL and token; default `~/.cache/colo/netbox-4.7.3/state.json`"),
    Var("COLO_NETBOX_CONNECT_TIMEOUT", "netbox_connect_timeout", parsers.positive_float, 3.0,
        "seconds to wait for a TCP connection to NetBox"),
    Var("COLO_NETBOX_READ_TIMEOUT", "netbox_read_timeout", parsers.positive_float, 20.0,
        "seconds to wait for NetBox to answer a request"),
    Var("COLO_SECRETS_DIR", "secrets_dir", Path, "./var/secrets",
        "where a dev/test install generates its keys (mode 0600) when none are configured"),
    Var("COLO_API_KEY_PEPPERS", "api_key_peppers", parsers.text, "",
        "API key HMAC peppers as `id:secret,id:secret`; the highest id signs new keys", secret=True),
    Var("COLO_MASTER_KEY", "master_key", parsers.text, "",
        "base64 32-byte master key; per-tenant keys for personal data are derived by HKDF", secret=True),
    Var("COLO_AUDIT_SIGNING_KEY", "audit_signing_key", parsers.text, "",
        "Ed25519 private key(s) for checkpoints and LOAs, base64 seeds `id:seed,…`; newest last",
        secret=True),
    Var("COLO_AUDIT_ORIGIN", "audit_origin", parsers.text, "colo.example/access-log",
        "origin line of signed checkpoints (names this log)"),
    Var("COLO_AUDIT_RETENTION_DAYS", "audit_retention_days", parsers.positive_int, 400,
        "access-log retention; at least 365 (PCI DSS 10.5.1)"),
    Var("COLO_AUDIT_ENABLED", "audit_enabled", parsers.boolean, True,
        "record API requests in the access log (off only for benchmarks)"),
    Var("COLO_AUDIT_WITNESS_STATE", "audit_witness_state", parsers.text, "",
        "the witness's state directory (`colo audit witness --state DIR`), read only: the access log's "
        "integrity panel shows its last checkpoint and whether the log still extends it; empty = no witness shown"),
    Var("COLO_AUDIT_WITNESSES", "audit_witnesses", parsers.text, "",
        "cosigning witnesses (C2SP tlog-witness) the sequencer asks after each checkpoint, as comma-separated "
        "`URL VKEY` pairs (VKEY: the witness's cosignature/v1 verifier key); empty = none"),
    Var("COLO_AUDIT_WITNESSES_REQUIRED", "audit_witnesses_required", parsers.positive_int, 1,
        "cosignatures a checkpoint needs before `/v1/access-log/tlog/checkpoint` serves it (capped at the "
        "number of witnesses; a checkpoint left without them for 60 s is served with what it has)"),
    Var("COLO_AUDIT_WITNESS_TIMEOUT", "audit_witness_timeout", parsers.positive_float, 5.0,
        "seconds a witness may take to answer (then that checkpoint goes without its cosignature)"),
    Var("COLO_AUDIT_ARCHIVE_DIR", "audit_archive_dir", parsers.text, "",
        "where `colo audit archive seal` writes sealed access-log segments (ship them to write-once storage); "
        "when set, `colo audit prune` deletes only entries already sealed there; empty = no archive"),
    Var("COLO_AUDIT_ARCHIVE_SEGMENT", "audit_archive_segment", parsers.segment, 65536,
        "entries per archive segment (a multiple of 256, the tile width)"),
    Var("COLO_WEBHOOK_SECRET", "webhook_secret", parsers.text, "",
        "HMAC secret NetBox signs its webhooks with", secret=True),
    Var("COLO_PUBLIC_URL", "public_url", parsers.url, "",
        "Colo's base URL as NetBox reaches it; `colo netbox sync` registers `<this>/v1/netbox/webhook`. "
        "Default `http://COLO_HOST:COLO_PORT`, right only when NetBox runs on the same machine"),
    Var("COLO_WEBHOOK_GRACE_SECONDS", "webhook_grace_seconds", parsers.positive_float, 120.0,
        "a NetBox change no webhook announced within this many seconds means webhooks are not arriving"),
    Var("COLO_RUN_WORKERS", "run_workers", parsers.boolean, True,
        "`colo serve` also runs the background work (fulfilment, read-model refresh, monitors, metering, "
        "notifications); `false` for API replicas beside a `colo worker`"),
    Var("COLO_RECONCILE_SECONDS", "reconcile_seconds", parsers.positive_float, 300.0,
        "seconds between full syncs of the read model from NetBox (catches what a lost webhook missed)"),
    Var("COLO_REDIS_URL", "redis_url", parsers.text, "",
        "`redis://…` for rate limits and portal sessions shared across processes; empty = in-process limits, "
        "sessions in the database"),
    Var("COLO_AUTH_FAILURES_PER_ADDRESS", "auth_failures_per_address", parsers.positive_int, 60,
        "failed authentications per client address per minute before it gets 429"),
    Var("COLO_AUTH_FAILURES_PER_KEY", "auth_failures_per_key", parsers.positive_int, 10,
        "failed authentications per API key id per minute before they get 429"),
    Var("COLO_AUTH_CACHE_SECONDS", "auth_cache_seconds", parsers.cache_seconds, 0.5,
        "how long each process keeps an API key's row in memory (0 to 1 s; 0 = look every key up); "
        "emptied at once by a PostgreSQL notification when a key or tenant changes, never used without one"),
    Var("COLO_CACHE_LAG_SECONDS", "cache_lag_seconds", parsers.cache_seconds, 0.01,
        "longest time (0 to 1 s) before a change committed by another process — a key revoked, a tenant "
        "suspended, an address blocked, the plant updated — shows in this process's caches; 0 = from the next "
        "request on, at one PostgreSQL round trip per batch of requests instead of one per this interval"),
    Var("COLO_TRUSTED_PROXIES", "trusted_proxies", parsers.networks, (),
        "networks whose X-Forwarded-For is believed, comma-separated CIDRs"),
    Var("COLO_FACILITY_NAME", "facility_name", parsers.text, "Colo Regional DC 1",
        "facility name printed on LOAs"),
    Var("COLO_LOA_TRUST_LIST", "loa_trust_list", parsers.text, "",
        "CA roots (a PEM file, or a directory of PEM/DER certificates and *.crl files) whose person certificates "
        "may grant LOAs by signing the PDF (PAdES); empty = no PKI: LOAs are granted by the click alone"),
    Var("COLO_LOA_REVOCATION_POLICY", "loa_revocation_policy", parsers.choice("hard-fail", "soft-fail"), "hard-fail",
        "when a signer certificate's OCSP/CRL responder cannot be reached: `hard-fail` refuses the grant, "
        "`soft-fail` accepts it"),
    Var("COLO_LOA_SIGNING_KEY", "loa_signing_key", parsers.text, "",
        "the facility's X.509 key and certificate countersigning signed LOAs (PEM text, or a file's path); "
        "needed in production with COLO_LOA_TRUST_LIST", secret=True),
    Var("COLO_LOA_TSA_URL", "loa_tsa_url", parsers.url, "",
        "an RFC 3161 timestamp authority the facility's countersignature takes its time from (PAdES B-T); "
        "empty = the signature carries the facility's own clock"),
    Var("COLO_SIGNED_APPROVALS", "signed_approvals", parsers.approvals, (),
        "approvals that must be signed with the approver's X.509 certificate (PAdES, checked like a signed LOA "
        "against COLO_LOA_TRUST_LIST): `visits` (security), `decommissions` (ops), both; empty = a click"),
    Var("COLO_SELLABLE_RACK_STATUSES", "sellable_rack_statuses", parsers.slugs, ("active", "available"),
        "NetBox rack statuses whose racks capacity search offers and space orders accept"),
    Var("COLO_UNSELLABLE_RACK_ROLES", "unsellable_rack_roles", parsers.slugs,
        ("infrastructure", "network", "meet-me", "meet-me-room", "mmr"),
        "NetBox rack role slugs of the house's racks: never offered or sold (racks with a tenant are "
        "sold to that tenant only)"),
    Var("COLO_TIME_ZONE", "time_zone", parsers.time_zone, "Asia/Baku",
        "the facility's time zone (IANA name): the portal shows times and reads times typed into forms in it"),
    Var("COLO_SESSION_IDLE_SECONDS", "session_idle_seconds", parsers.positive_int, 900,
        "a portal session unused this long ends (15 minutes)"),
    Var("COLO_SESSION_MAX_SECONDS", "session_max_seconds", parsers.positive_int, 43200,
        "a portal session ends this long after sign-in however busy it is (12 hours)"),
    Var("COLO_SESSION_COOKIE_SECURE", "session_cookie_secure", parsers.boolean, True,
        "portal cookies only over HTTPS; `false` only for plain-http development on localhost (refused in production)"),
    Var("COLO_SIGNIN_FAILURES_PER_ADDRESS", "signin_failures_per_address", parsers.positive_int, 30,
        "failed portal sign-ins per client address per 15 minutes before sign-in from it is refused"),
    Var("COLO_SIGNIN_FAILURES_PER_ACCOUNT", "signin_failures_per_account", parsers.positive_int, 5,
        "failed portal sign-ins per e-mail address per 15 minutes before sign-in to it is refused"),
    Var("COLO_INVITATION_HOURS", "invitation_hours", parsers.positive_int, 72,
        "how long a portal invitation or set-up link stays valid"),
    Var("COLO_SMTP_HOST", "smtp_host", parsers.text, "",
        "SMTP server that sends invitation and set-up links by e-mail; empty = the link is shown once instead"),
    Var("COLO_SMTP_PORT", "smtp_port", parsers.port, 587, "port of the SMTP server"),
    Var("COLO_SMTP_USERNAME", "smtp_username", parsers.text, "", "SMTP user name; empty = no authentication"),
    Var("COLO_SMTP_PASSWORD", "smtp_password", parsers.text, "", "SMTP password (with COLO_SMTP_USERNAME)",
        secret=True),
    Var("COLO_SMTP_STARTTLS", "smtp_starttls", parsers.boolean, True,
        "upgrade the SMTP connection with STARTTLS (required); `false` only for a relay on this machine"),
    Var("COLO_SMTP_FROM", "smtp_from", parsers.text, "",
        "sender address of Colo's e-mail, e.g. `Colo <portal@dc.example>`; required with COLO_SMTP_HOST"),
    Var("COLO_SMTP_TIMEOUT", "smtp_timeout", parsers.positive_float, 10.0,
        "seconds to wait for the SMTP server before the link is shown to the inviter instead"),
    Var("COLO_SHIPMENT_HOLDING_DAYS", "shipment_holding_days", parsers.positive_int, 5,
        "days a delivery may wait at the loading dock before its tenant is reminded and an alert is raised"),
    Var("COLO_WEBHOOK_ALLOW_NETWORKS", "webhook_allow_networks", parsers.networks, (),
        "private, loopback or link-local networks tenants' webhook endpoints may reach anyway (comma-separated "
        "CIDRs); empty = only public addresses"),
    Var("COLO_WEBHOOK_TIMEOUT", "webhook_timeout", parsers.positive_float, 5.0,
        "seconds one webhook attempt may take (connect, send, read the answer) before it counts as failed"),
    Var("COLO_WEBHOOK_DISABLE_AFTER_HOURS", "webhook_disable_after_hours", parsers.positive_int, 72,
        "hours a webhook endpoint may fail without a success before it is disabled and its tenant told"),
    Var("COLO_SLA_HANDS_MINUTES", "sla_hands_minutes", parsers.minutes_by("standard", "expedited"),
        (("standard", 240), ("expedited", 60)),
        "smart-hands SLA: minutes from request to work started, per scheduling class"),
    Var("COLO_SLA_SCHEDULED_GRACE_MINUTES", "sla_scheduled_grace_minutes", parsers.positive_int, 30,
        "smart-hands SLA of a scheduled window: work starts within this many minutes of the window's start"),
    Var("COLO_SLA_TROUBLE_MINUTES", "sla_trouble_minutes", parsers.minutes_by("critical", "high", "normal", "low"),
        (("critical", 240), ("high", 480), ("normal", 1440), ("low", 4320)),
        "trouble-ticket SLA: minutes from report to resolution, per priority"),
    Var("COLO_SLA_WARN_PERCENT", "sla_warn_percent", parsers.percent, 80,
        "ops are alerted when a ticket has used this share of its SLA target (and again when breached)"),
    Var("COLO_SERVICEDESK_REOPEN_DAYS", "servicedesk_reopen_days", parsers.positive_int, 7,
        "a completed service-desk ticket may be reopened by its tenant within this many days"),
    Var("COLO_ATTACHMENTS_DIR", "attachments_dir", Path, "./var/attachments",
        "where service-desk attachments are stored, content-addressed by sha256"),
    Var("COLO_ATTACHMENT_MAX_BYTES", "attachment_max_bytes", parsers.positive_int, 10 * 1024 * 1024,
        "largest service-desk attachment accepted (bytes; at most 25 MiB)"),
    Var("COLO_METERING", "metering", parsers.choice("auto", "on", "off"), "auto",
        "the PDU poller: `auto` runs it when NetBox has PDUs to meter, `on` always, `off` never"),
    Var("COLO_METERING_INTERVAL", "metering_interval", parsers.positive_float, 60.0,
        "seconds between two SNMP poll rounds of every PDU"),
    Var("COLO_METERING_TIMEOUT", "metering_timeout", parsers.positive_float, 2.0,
        "seconds one PDU may take to answer a round (then it is skipped, and backed off if it keeps failing)"),
    Var("COLO_METERING_CONCURRENCY", "metering_concurrency", parsers.positive_int, 64,
        "PDUs polled at the same time"),
    Var("COLO_METERING_PDU_ROLES", "metering_pdu_roles", parsers.slugs, ("pdu",),
        "NetBox device role slugs whose devices are metered PDUs"),
    Var("COLO_SNMP_COMMUNITY", "snmp_community", parsers.text, "",
        "SNMP v2c community of the PDUs, unless the device's `snmp_community` custom field names one", secret=True),
    Var("COLO_SNMP_V3_USER", "snmp_v3_user", parsers.text, "",
        "SNMPv3 user (authPriv, SHA and AES-128) for PDUs whose `snmp_version` custom field is v3"),
    Var("COLO_SNMP_V3_AUTH_KEY", "snmp_v3_auth_key", parsers.text, "", "SNMPv3 authentication pass phrase",
        secret=True),
    Var("COLO_SNMP_V3_PRIV_KEY", "snmp_v3_priv_key", parsers.text, "", "SNMPv3 privacy pass phrase", secret=True),
    Var("COLO_SNMP_V3_CONTEXT", "snmp_v3_context", parsers.text, "",
        "SNMPv3 context name the PDUs serve their MIB in (empty: the default context)"),
    Var("COLO_METERING_FEED_THRESHOLDS", "metering_feed_thresholds", parsers.thresholds, (80, 90),
        "warning and critical load of a feed, in % of its derated capacity (`80,90`)"),
    Var("COLO_METERING_INLET_TEMPERATURE", "metering_inlet_temperature", parsers.value_range, (18.0, 27.0),
        "rack inlet temperature range in °C (`low,high`, default ASHRAE's recommended); outside it alerts"),
    Var("COLO_METERING_INLET_HUMIDITY", "metering_inlet_humidity", parsers.value_range, (20.0, 60.0),
        "rack inlet relative humidity range in % (`low,high`); outside it alerts"),
    Var("COLO_METERING_SILENT_INTERVALS", "metering_silent_intervals", parsers.positive_int, 3,
        "a meter with no reading for this many intervals raises an alert"),
)

# Secrets production may leave empty: the NetBox token (published by the launcher) and the SMTP
# password (only with an SMTP user; e-mail is optional).
OPTIONAL_SECRETS = frozenset({"COLO_NETBOX_TOKEN", "COLO_SMTP_PASSWORD",
                              "COLO_LOA_SIGNING_KEY",  # only with COLO_LOA_TRUST_LIST (checked below)
                              # SNMP credentials: only where PDUs are metered that need them
                              "COLO_SNMP_COMMUNITY", "COLO_SNMP_V3_AUTH_KEY", "COLO_SNMP_V3_PRIV_KEY"})
