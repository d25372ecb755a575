"""Every order, LOA and reconciliation operation is documented: id, summary, tag, errors, example."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from dcim.orders.policy import POLICY, PUBLIC


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for path in document["paths"].values() for op in path.values()
            if isinstance(op, dict) and "operationId" in op}


def _has_example(operation: dict[str, Any]) -> bool:
    bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    for body in bodies:
        for media in (body.get("content") or {}).values():
            if media.get("examples") or (media.get("schema") or {}).get("examples"):
                return True
    return False


async def test_every_orders_operation_is_documented_with_an_example(client: AsyncTestClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operations = _operations(document)
    mine = set(POLICY) | set(PUBLIC)
    assert mine <= set(operations), sorted(mine - set(operations))
    for operation_id in sorted(mine):
        operation = operations[operation_id]
        assert operation.get("summary"), operation_id
        assert operation.get("tags"), operation_id
        assert _has_example(operation), operation_id
        if operation_id not in PUBLIC:
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (operation_id, codes)
            for code in codes - {"200", "201"}:
                assert "problem+json" in next(iter(operation["responses"][code]["content"])), (operation_id, code)


async def test_create_order_documents_the_three_kinds_and_the_idempotency_header(client: AsyncTestClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    create = _operations(document)["create_order"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    examples = next(iter(create["requestBody"]["content"].values()))["schema"]["examples"]
    kinds = {example["spec"]["kind"] for example in examples}
    assert kinds == {"space", "power", "cross_connect"}
    assert {"201", "200", "409", "422", "503"} <= set(create["responses"])
