"""The OpenAPI document describes every tenants operation: id, summary, tags, its errors, and
whether it needs a key."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tenants.policy import POLICY, PUBLIC


async def test_tenants_operations_are_documented(client: AsyncTestClient) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    operations = {op["operationId"]: op for ops in spec["paths"].values() for op in ops.values()
                  if isinstance(op, dict) and "operationId" in op}
    ours = set(POLICY) | (PUBLIC - {"liveness", "readiness"})
    assert ours <= set(operations), ours - set(operations)
    for operation_id in ours:
        op = operations[operation_id]
        assert op.get("summary") and op.get("tags"), operation_id
        codes = set(op["responses"])
        if operation_id in PUBLIC:
            assert op.get("security") == [{}], operation_id  # callable without a key
            assert "429" in codes, operation_id  # and rate-limited
        else:
            assert {"401", "403"} <= codes, operation_id
        error_codes = {c for c in codes if c.startswith(("4", "5"))}
        assert error_codes, operation_id
        for code in error_codes - {"400"}:  # 400 may be Litestar's own schema
            assert "application/problem+json" in op["responses"][code].get("content", {}), (operation_id, code)
