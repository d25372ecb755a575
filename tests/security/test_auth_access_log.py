"""What the access log says about refused authentication: a throttled request is `throttled`
(detail `rate_limited`), not `invalid`; a key refused after its secret matched (wrong network,
revoked) is named by its key id; a guess at someone's key id is not attributed to that key."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.auth_throttle import AuthFailureThrottle
from colo.identity import Role
from tenants.keyformat import format_key, random_secret
from tests.conftest import IssuedTestKey


async def entries_by_request_id(client: AsyncTestClient, app: Litestar, run_in_app: Any, reader: IssuedTestKey,
                                marker: str) -> dict[str, dict[str, Any]]:
    await run_in_app(app.state.services.access_log.sequencer.checkpoint_now)
    response = await client.get("/v1/access-log/entries", params={"limit": 100}, headers=reader.headers)
    assert response.status_code == 200, response.text
    return {e["request_id"]: e for e in response.json()["items"] if (e["request_id"] or "").endswith(marker)}


async def test_throttled_and_network_refused_requests_say_what_happened(
    client: AsyncTestClient, app: Litestar, run_in_app: Any, make_key: Any, fresh_counts: AuthFailureThrottle,
) -> None:
    reader = await make_key(Role.SECURITY, name="auth log reader")
    fenced = await make_key(Role.AUDITOR, name="fenced key", allowed_networks=["192.0.2.0/24"])
    owner = await make_key(Role.AUDITOR, name="guessed key")
    marker = uuid.uuid4().hex
    guess = {"Authorization": f"Bearer {format_key(uuid.UUID(owner.principal.key_id), random_secret())}"}
    statuses = []
    for n in range(fresh_counts.per_key[0] + 1):
        response = await client.get("/v1/auth/whoami", headers={**guess, "X-Request-ID": f"guess{n}-{marker}"})
        statuses.append(response.status_code)
    assert statuses == [401] * fresh_counts.per_key[0] + [429]
    response = await client.get("/v1/auth/whoami", headers={**fenced.headers, "X-Request-ID": f"fenced-{marker}"})
    assert (response.status_code, response.json()["reason"]) == (401, "network_not_allowed")

    entries = await entries_by_request_id(client, app, run_in_app, reader, marker)
    throttled = entries[f"guess{fresh_counts.per_key[0]}-{marker}"]
    assert (throttled["outcome"], throttled["status"], throttled["detail"]) == ("throttled", 429, "rate_limited")
    first_guess = entries[f"guess0-{marker}"]
    # A wrong secret proves nothing about whose key it is: no key id on the entry.
    assert (first_guess["outcome"], first_guess["actor"]["key_id"]) == ("unauthenticated", None)
    refused = entries[f"fenced-{marker}"]
    assert (refused["outcome"], refused["status"], refused["detail"]) == ("unauthenticated", 401, "network_not_allowed")
    assert refused["actor"]["key_id"] == fenced.principal.key_id


async def test_search_finds_throttled_entries(client: AsyncTestClient, make_key: Any) -> None:
    reader = await make_key(Role.SECURITY, name="auth log search")
    response = await client.get("/v1/access-log/entries", params={"outcome": "throttled"}, headers=reader.headers)
    assert response.status_code == 200, response.text
