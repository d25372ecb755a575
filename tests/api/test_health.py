"""The app serves liveness, readiness, metrics, OpenAPI and problem details."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from api.services import NETBOX_PROBE_SECONDS


async def test_healthz_answers_and_returns_a_request_id(client: AsyncTestClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response.headers["x-request-id"]) == 32


async def test_sent_request_id_is_honoured(client: AsyncTestClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "ticket-4711.a"})
    assert response.headers["x-request-id"] == "ticket-4711.a"


async def test_insane_request_id_is_replaced(client: AsyncTestClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "a b\tc" * 50})
    assert response.headers["x-request-id"] != "a b\tc" * 50
    assert len(response.headers["x-request-id"]) == 32


async def test_readyz_reports_database_and_real_netbox(client: AsyncTestClient) -> None:
    response = await client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    # NetBox answers; whether its webhooks arrive depends on what earlier tests did (advisory either way).
    assert body["status"] in ("ready", "degraded: netbox_webhooks") and "netbox" not in body["degraded"], body
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["netbox"]["ok"] is True
    assert body["checks"]["netbox"]["detail"].startswith("NetBox 4.7")
    assert body["checks"]["netbox"]["latency_ms"] > 0


async def test_readyz_reuses_its_netbox_check_for_a_few_seconds(client: AsyncTestClient) -> None:
    """Replicas probed twice a second must not each cost NetBox a request per probe."""
    probe = client.app.state.services.netbox_probe
    assert (await client.get("/readyz")).status_code == 200
    loaded = probe.loaded_at
    second = await client.get("/readyz")
    assert second.status_code == 200 and second.json()["checks"]["netbox"]["ok"] is True
    assert probe.loaded_at == loaded  # the same check, not a new NetBox request
    probe.loaded_at -= NETBOX_PROBE_SECONDS  # as if the interval had passed
    assert (await client.get("/readyz")).status_code == 200
    assert probe.loaded_at > loaded - NETBOX_PROBE_SECONDS  # asked NetBox again


async def test_unknown_route_is_a_problem_document(client: AsyncTestClient) -> None:
    response = await client.get("/v1/does-not-exist", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404
    assert body["type"].endswith("/not-found")
    assert body["instance"] == "/v1/does-not-exist"
    assert body["request_id"] == "req-1"


async def test_metrics_are_prometheus_text(client: AsyncTestClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "colo_requests_total" in response.text


async def test_request_metrics_count_the_status_the_client_got(client: AsyncTestClient) -> None:
    """A refusal raised inside a route (401 from the guard) and a path no route matches (404) are
    counted with those statuses, not as the 200 the route middleware used to record."""
    from prometheus_client.parser import text_string_to_metric_families

    async def counts() -> dict[tuple[str, str, str], float]:
        text = (await client.get("/metrics")).text
        return {(s.labels["method"], s.labels["path"], s.labels["status_code"]): s.value
                for family in text_string_to_metric_families(text) if family.name == "colo_requests"
                for s in family.samples if s.name == "colo_requests_total"}

    before = await counts()
    assert (await client.get("/v1/racks")).status_code == 401
    assert (await client.get("/v1/no-such-thing")).status_code == 404
    after = await counts()
    for key in (("GET", "/v1/racks", "401"), ("GET", "(no route)", "404")):
        assert after.get(key, 0) - before.get(key, 0) == 1, key
    assert after.get(("GET", "/v1/racks", "200")) == before.get(("GET", "/v1/racks", "200"))


async def test_openapi_document_and_ui(client: AsyncTestClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert "/readyz" in document["paths"]
    ui = await client.get("/schema")
    assert ui.status_code == 200
    assert "<html" in ui.text.lower()
