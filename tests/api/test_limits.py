"""Request limits that hold before any handler runs."""

from __future__ import annotations

from litestar.testing import AsyncTestClient


async def test_a_body_over_one_mebibyte_is_refused_with_413(client: AsyncTestClient) -> None:
    body = b'{"legal_name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = await client.post("/v1/applications", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["type"].endswith("/too-large")
    assert (problem["field"], problem["source"]) == ("body", "body")
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_malformed_json_is_a_400_problem_not_a_500(client: AsyncTestClient) -> None:
    response = await client.post("/v1/applications", content=b'{"legal_name": ',
                                 headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400
    assert (problem["field"], problem["errors"][0]["source"]) == ("body", "body")  # never Litestar's "data"
