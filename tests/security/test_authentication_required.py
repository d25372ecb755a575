"""Anonymous and bad-credential calls get 401 on every operation but the public ones.

Generated from the served document and the policy's public set: every non-public operation is
called with no key, a malformed key, a well-formed key nobody issued, a revoked key and an
expired key, and must answer 401 with a problem document and `WWW-Authenticate`. Positive
control: the public operations answer without a key (not 401), and a valid key passes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.auth_throttle import AuthFailureThrottle
from api.guards import load_access_policy
from colo.identity import Role
from tenants.keyformat import format_key, random_secret
from tenants.ratelimit import RateLimiter
from tests.security.openapi_walk import operations
from tests.security.test_policy_bfla import PROBE_BODY, fill_path

# The webhook is public for API keys but authenticated by NetBox's HMAC signature instead.
SIGNATURE_AUTHENTICATED = {"receive_netbox_webhook"}


@pytest.fixture
def unthrottled(app: Litestar) -> Iterator[None]:
    """This test sends hundreds of failures from one address on purpose; count them in a
    throwaway limiter so the throttle (tested in test_rate_limits.py) neither trips here nor
    carries these failures over into other tests."""
    throttle: AuthFailureThrottle = app.state.services.auth_throttle
    saved = throttle.limiter, throttle.per_address, throttle.per_key
    throttle.limiter, throttle.per_address, throttle.per_key = RateLimiter(), (10**6, 60), (10**6, 60)
    yield
    throttle.limiter, throttle.per_address, throttle.per_key = saved


async def bad_credentials(make_key: Any, client: AsyncTestClient) -> dict[str, dict[str, str]]:
    revoked = await make_key(Role.OPS, name="revoked for 401 matrix")
    ops = await make_key(Role.OPS, name="revoker")
    assert (await client.post(f"/v1/keys/{revoked.principal.key_id}/revoke", headers=ops.headers)).status_code == 200
    expired = await make_key(Role.AUDITOR, name="expired for 401 matrix",
                             expires_at=datetime.now(UTC) + timedelta(seconds=1))
    await asyncio.sleep(1.5)  # keys cannot be issued already expired
    return {
        "none": {},
        "malformed": {"Authorization": "Bearer not-a-colo-key"},
        "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
        "unknown": {"Authorization": f"Bearer {format_key(uuid.uuid4(), random_secret())}"},
        "x-api-key (not a credential header)": {"X-API-Key": format_key(uuid.uuid4(), random_secret())},
        "revoked": revoked.headers,
        "expired": expired.headers,
    }


@pytest.mark.usefixtures("unthrottled")
async def test_every_non_public_operation_answers_401_without_a_valid_key(
    client: AsyncTestClient, openapi: dict[str, Any], make_key: Any,
) -> None:
    public = load_access_policy().public
    credentials = await bad_credentials(make_key, client)
    guarded = [op for op in operations(openapi) if op.operation_id not in public]
    assert len(guarded) > 60
    wrong = []
    for op in guarded:
        body = PROBE_BODY if op.spec.get("requestBody") else None
        for label, headers in credentials.items():
            response = await client.request(op.method, fill_path(op.path), json=body, headers=headers)
            if not (response.status_code == 401 and response.headers.get("www-authenticate", "").startswith("Bearer")
                    and response.headers["content-type"].startswith("application/problem+json")):
                wrong.append((op.operation_id, label, response.status_code))
    assert wrong == []


async def test_public_operations_answer_without_a_key(client: AsyncTestClient, openapi: dict[str, Any]) -> None:
    public = load_access_policy().public
    documented = {op.operation_id: op for op in operations(openapi) if op.operation_id in public}
    assert set(documented) == set(public), "every public operation is in the document"
    for op in documented.values():
        assert op.spec.get("security") == [{}], f"{op.operation_id} is public but documented as needing a key"
        headers = {"X-Tracking-Secret": "cat_" + "a" * 32}
        response = await client.request(op.method, fill_path(op.path), json=PROBE_BODY if op.spec.get(
            "requestBody") else None, headers=headers)
        if op.operation_id in SIGNATURE_AUTHENTICATED:
            assert response.status_code == 401 and "Hook-Signature" in response.json()["detail"]
        else:
            assert response.status_code not in (401, 403, 500), (op.operation_id, response.status_code)


async def test_a_valid_key_passes_where_the_bad_ones_failed(client: AsyncTestClient, ops_key: Any) -> None:
    response = await client.get("/v1/auth/whoami", headers=ops_key.headers)
    assert response.status_code == 200 and response.json()["role"] == "ops"
