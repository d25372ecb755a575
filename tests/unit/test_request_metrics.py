"""The request-metrics middleware against plain ASGI apps: it counts the status the client got
(500 when the app raised before answering), feeds the error counter only for 5xx, keeps the
in-flight gauge balanced, bounds the method label, and passes other scope types through."""

from __future__ import annotations

import pytest
from litestar.types import Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry

from api.request_metrics import NO_ROUTE, new_series, request_metrics_middleware


def scope_of(method: str = "GET", *, template: str | None = "/v1/racks/{rack_id:int}") -> Scope:
    scope = {"type": "http", "method": method, "path": "/v1/racks/7", "headers": []}
    if template is not None:
        scope.update(path_template=template, route_handler=object())
    return scope  # type: ignore[return-value]


async def receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, {"app_name": "colo", **labels})
    return 0.0 if found is None else found


async def answering(status: int, scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def test_a_refusal_is_counted_with_its_status_and_route_template() -> None:
    registry = CollectorRegistry()
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive_: Receive, send_: Send) -> None:
        await answering(403, scope, receive_, send_)

    await request_metrics_middleware(app, new_series(registry))(scope_of(), receive, send)
    labels = {"method": "GET", "path": "/v1/racks/{rack_id:int}", "status_code": "403"}
    assert value(registry, "colo_requests_total", **labels) == 1
    assert value(registry, "colo_request_duration_seconds_count", **labels) == 1
    assert value(registry, "colo_requests_error_total", **labels) == 0
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]  # passed on unchanged


async def test_an_app_that_raises_is_a_500_and_an_error_and_leaves_nothing_in_flight() -> None:
    registry = CollectorRegistry()

    async def app(scope: Scope, receive_: Receive, send_: Send) -> None:
        raise RuntimeError("boom")

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent")

    with pytest.raises(RuntimeError):
        await request_metrics_middleware(app, new_series(registry))(scope_of("POST", template=None), receive, send)
    labels = {"method": "POST", "path": NO_ROUTE, "status_code": "500"}
    assert value(registry, "colo_requests_total", **labels) == 1
    assert value(registry, "colo_requests_error_total", **labels) == 1
    assert value(registry, "colo_requests_in_progress", method="POST") == 0


async def test_a_made_up_method_is_labelled_other_and_a_websocket_passes_through() -> None:
    registry = CollectorRegistry()
    middleware = request_metrics_middleware(lambda s, r, se: answering(204, s, r, se), new_series(registry))

    async def send(message: Message) -> None:
        return None

    await middleware(scope_of("BREW"), receive, send)
    assert value(registry, "colo_requests_total", method="OTHER", path="/v1/racks/{rack_id:int}",
                 status_code="204") == 1
    called: list[str] = []

    async def socket_app(scope: Scope, receive_: Receive, send_: Send) -> None:
        called.append(scope["type"])

    await request_metrics_middleware(socket_app, new_series(CollectorRegistry()))(
        {"type": "websocket", "path": "/ws", "headers": []}, receive, send)  # type: ignore[typeddict-item]
    assert called == ["websocket"]
