"""One outbound webhook POST that cannot be turned against the facility's own network (SSRF).

The host is resolved once, here; every address it resolves to must be public (not private,
loopback, link-local, shared, reserved, multicast or unspecified) unless it lies in an operator's
allow-list (COLO_WEBHOOK_ALLOW_NETWORKS). The request then connects to that checked address — the
URL's host replaced by it, the name kept in the Host header and as the TLS server name (httpx's
`sni_hostname`, also the name the certificate is checked against) — so a second, different DNS
answer cannot redirect it. Redirects are not followed, proxies from the environment are not used,
the whole attempt has one deadline (`seconds`), and at most `max_bytes` of the answer are read.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from notify.config import Network

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """The URL may not be called (scheme, host, or an address outside what is allowed)."""


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    latency_ms: int
    body: bytes  # at most max_bytes


def address_allowed(address: IPAddress, allow: tuple[Network, ...]) -> bool:
    if any(address in network for network in allow):
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_allowed(address.ipv4_mapped, allow)
    return address.is_global and not address.is_multicast


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL without credentials; OutboundRefused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused("only http and https URLs with a host can be called")
    if parts.username or parts.password:
        raise OutboundRefused("URLs with credentials are refused")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused("the URL's port is invalid") from exc
    return parts.scheme, parts.hostname, port


async def resolve_checked(host: str, port: int, allow: tuple[Network, ...]) -> IPAddress:
    """The first address of `host`, provided every address it resolves to is allowed."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundRefused("the host does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise OutboundRefused("the host does not resolve")
    refused = [a for a in addresses if not address_allowed(a, allow)]
    if refused:
        raise OutboundRefused(f"the host resolves to a non-public address ({refused[0]})")
    return addresses[0]


async def post(
    client: httpx.AsyncClient, url: str, *, content: bytes, headers: dict[str, str],
    allow: tuple[Network, ...], seconds: float, max_bytes: int,
) -> Answer:
    """POST `content` to `url` under the rules above. Raises OutboundRefused, httpx.HTTPError or
    TimeoutError; any answer (whatever its status) is returned."""
    scheme, host, port = check_url(url)
    started = time.perf_counter()
    async with asyncio.timeout(seconds):
        address = await resolve_checked(host, port, allow)
        literal = f"[{address}]" if address.version == 6 else str(address)
        parts = urlsplit(url)
        target = urlunsplit((scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        default_port = port == (443 if scheme == "https" else 80)
        request = client.build_request(
            "POST", target, content=content,
            headers={**headers, "Host": host if default_port else f"{host}:{port}"},
            extensions={"sni_hostname": host} if scheme == "https" else {})
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            body = bytearray()
            async for chunk in response.aiter_raw():
                body += chunk[: max_bytes - len(body)]
                if len(body) >= max_bytes:
                    break
        finally:
            await response.aclose()
    return Answer(status_code=response.status_code, latency_ms=int((time.perf_counter() - started) * 1000),
                  body=bytes(body))


def new_client(timeout: float) -> httpx.AsyncClient:
    """The client deliveries share: no redirects, no proxies from the environment, tight timeouts."""
    return httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=httpx.Timeout(timeout),
                             limits=httpx.Limits(max_connections=50, max_keepalive_connections=20))
