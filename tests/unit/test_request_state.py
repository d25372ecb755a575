"""api/request_state.py is the one typed view of `scope["state"]`: what one module writes through
it, another reads back through it, and an unset value reads as None (never a KeyError)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from litestar.types import Scope

from api.request_state import RequestState
from colo.identity import Principal, Role


def test_values_written_through_the_view_are_read_back_from_the_same_scope() -> None:
    scope = cast(Scope, {"type": "http"})
    assert RequestState.of(scope).principal is None and RequestState.of(scope).auth_failure is None
    principal = Principal(key_id=str(uuid.uuid4()), role=Role.OPS, name="ops", tenant_id=None)
    writer = RequestState.of(scope)
    writer.request_id, writer.client_address, writer.principal = "req-1", "192.0.2.7", principal
    writer.auth_failure, writer.auth_key_id, writer.authz_denied = "revoked", "k1", "list_orders"
    writer.problem_type = "forbidden"
    reader = RequestState.of(scope)
    assert (reader.request_id, reader.client_address, reader.principal) == ("req-1", "192.0.2.7", principal)
    assert (reader.auth_failure, reader.auth_key_id, reader.authz_denied) == ("revoked", "k1", "list_orders")
    assert reader.problem_type == "forbidden"
    state = cast(dict[str, Any], scope)["state"]
    assert state["principal"] is principal and state["auth_failure"] == "revoked"
