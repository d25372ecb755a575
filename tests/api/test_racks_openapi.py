"""The OpenAPI document describes every plant operation: id, summary, tags, errors, examples."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from dcim.policy import PLANT_POLICY, PLANT_PUBLIC


async def test_plant_operations_are_documented_with_examples(client: AsyncTestClient) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    operations = {op["operationId"]: op for ops in spec["paths"].values() for op in ops.values()
                  if isinstance(op, dict) and "operationId" in op}
    ours = set(PLANT_POLICY) | set(PLANT_PUBLIC)
    assert ours <= set(operations), ours - set(operations)
    for operation_id in ours:
        op = operations[operation_id]
        assert op.get("summary") and op.get("tags"), operation_id
        codes = set(op["responses"])
        success = [c for c in codes if c.startswith("2")]
        assert success, operation_id
        content = op["responses"][success[0]].get("content", {})
        assert any(body.get("examples") for body in content.values()), operation_id
        if operation_id in PLANT_PUBLIC:
            assert op.get("security") == [{}] and "401" in codes, operation_id  # HMAC, not a key
        else:
            assert {"401", "403"} <= codes, operation_id
        for code in {c for c in codes if c.startswith(("4", "5"))} - {"400"}:
            assert "application/problem+json" in op["responses"][code].get("content", {}), (operation_id, code)
    search = operations["search_capacity"]["requestBody"]["content"]["application/json"]
    assert search.get("examples") or search["schema"].get("examples"), "an example request is documented"
