"""The value parsers of Colo's settings: each turns one environment variable's text into its typed
value or raises ValueError saying what it expects (colo/settings.py names the variable). Kept apart
from the table of variables so that table stays one thing to read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlparse


def url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("an http:// or https:// URL")
    return value.rstrip("/")


def database_url(value: str) -> str:
    scheme = urlparse(value).scheme
    if scheme in ("postgresql", "postgres") and urlparse(value).path.strip("/"):
        return value
    if scheme == "sqlite" and value.removeprefix("sqlite://").strip("/"):
        return value
    raise ValueError("postgresql://user@host:port/dbname or sqlite:///path/to/file.sqlite3")


def choice(*options: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in options:
            raise ValueError("one of " + ", ".join(options))
        return value

    return parse


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number <= 0:
        raise ValueError("a positive number")
    return number


def cache_seconds(value: str) -> float:
    """0 up to 1 second: how long a process may keep an API key's row, or lag behind another
    process's changes (the revocation bound)."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 1:
        raise ValueError("a number of seconds from 0 to 1")
    return number


def time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone name such as Asia/Baku or UTC") from None
    return value


def positive_int(value: str) -> int:
    number = int(value) if value.strip().isdigit() else -1
    if number <= 0:
        raise ValueError("a positive whole number")
    return number


def port(value: str) -> int:
    number = int(value) if value.strip().isdigit() else -1
    if not 1 <= number <= 65535:
        raise ValueError("a TCP port from 1 to 65535")
    return number


def boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("true or false")


def networks(value: str) -> tuple[str, ...]:
    return tuple(str(ipaddress.ip_network(part.strip(), strict=False)) for part in value.split(",") if part.strip())


def slugs(value: str) -> tuple[str, ...]:
    parts = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    if not parts:
        raise ValueError("comma-separated NetBox slugs")
    return parts


def minutes_by(*names: str) -> Callable[[str], tuple[tuple[str, int], ...]]:
    """`name:minutes,…` naming each of `names` once (the service desk's SLA targets)."""
    def parse(value: str) -> tuple[tuple[str, int], ...]:
        found: dict[str, int] = {}
        for part in value.split(","):
            name, _, minutes = part.strip().partition(":")
            if name not in names or name in found or not minutes.strip().isdigit() or int(minutes) <= 0:
                break
            found[name] = int(minutes)
        else:
            if set(found) == set(names):
                return tuple((name, found[name]) for name in names)
        raise ValueError(",".join(f"{name}:<minutes>" for name in names) + " (each once, positive)")

    return parse


def percent(value: str) -> int:
    number = int(value) if value.strip().isdigit() else -1
    if not 1 <= number <= 99:
        raise ValueError("a whole percentage from 1 to 99")
    return number


def thresholds(value: str) -> tuple[int, int]:
    """`warn,critical`: two whole percentages, the first below the second (metering's feed alerts)."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[0]) < int(parts[1]) <= 100:
        return int(parts[0]), int(parts[1])
    raise ValueError("two percentages `warning,critical`, e.g. 80,90")


def value_range(value: str) -> tuple[float, float]:
    """`low,high`, low below high (metering's inlet temperature and humidity ranges)."""
    low, _, high = value.partition(",")
    try:
        bounds = float(low), float(high)
    except ValueError:
        bounds = (0.0, 0.0)
    if not bounds[0] < bounds[1]:
        raise ValueError("`low,high` with low below high, e.g. 18,27")
    return bounds


def segment(value: str) -> int:
    """Entries per access-log archive segment: whole tiles of 256."""
    if not value.isdigit() or int(value) < 256 or int(value) % 256:
        raise ValueError("a multiple of 256 (the tile width), e.g. 65536")
    return int(value)


def approvals(value: str) -> tuple[str, ...]:
    """Which approvals must be signed (PAdES): `visits`, `decommissions`, both comma-separated."""
    parts = sorted({part.strip() for part in value.split(",") if part.strip()})
    if not parts or any(part not in ("visits", "decommissions") for part in parts):
        raise ValueError("`visits`, `decommissions` or `visits,decommissions`")
    return tuple(parts)


def text(value: str) -> str:
    if not value.strip():
        raise ValueError("a non-empty value")
    return value
