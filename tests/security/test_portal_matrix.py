"""BFLA and BOLA over the portal's routes, generated from the app's route table like the API's
matrices are generated from its OpenAPI document: a new portal page is covered the moment it is
mounted.

- BFLA: an account of every role (the gate's too: the gate screen's account on the tablet at
  the entrance) signs in and opens every signed-in route. A role outside the route's policy
  entry (its own, or the API operation it `acts_as`) gets the 403 page — or, for a tenant's
  person on a page no tenant role may open (the staff consoles), the 404 of a missing page; a
  role inside gets past the guard: not the sign-in page, not 403, not 500. Probes change nothing: ids in the path do
  not exist and posted forms are empty.
- BOLA: every route with an object id in its path is opened by tenant A's administrator with
  tenant B's id, and must answer exactly like the same route with an id that does not exist
  (the same status — 404 for a page — and the same page). Positive control: B's own
  administrator opens B's object (GET) and finds it. A new id-bearing path parameter fails
  test_every_portal_id_is_in_the_matrix until it is added to OWNED_IDS (whose object it names)
  or FACILITY_IDS (why it is not tenant-owned).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp
import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from accounts import service
from api.guards import is_automatic_options, load_access_policy
from colo.identity import TENANT_ROLES, Principal, Role
from tenants.policy import is_allowed
from tests.security.conftest import BolaWorld
from tests.web.browser import PASSWORD, totp_code
from web.guard import policy_operation, portal_guard

pytestmark = pytest.mark.usefixtures("seeded")

PORTAL_ROLES = list(Role)
# Path parameter → the key of the owning tenant's id in BolaWorld ids.
OWNED_IDS = {"order_id": "order", "loa_id": "loa", "visit_id": "visit", "rack_id": "rack", "key_id": "key",
             "person_id": "person", "account_id": "account", "shipment_id": "shipment", "ticket_id": "ticket",
             "attachment_id": "attachment"}
FACILITY_IDS: dict[str, str] = {
    "alert_id": "site-access alerts: acknowledged on the security officers' console only (ops read the list)",
    "application_id": "applications: the ops console only (applicants follow theirs with a tracking secret)",
    "position": "access-log positions: security officers and auditors only",
    "tenant_id": "the ops console's tenant pages: staff only",
}
# Open to every person and ending the prober's own session: the journeys and
# tests/web/test_session_security.py sign out for real.
SESSION_ENDING = frozenset({"portal_sign_out", "portal_sign_out_everywhere"})
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
Run = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class PortalRoute:
    method: str
    path: str
    operation: str  # the policy entry that decides (acts_as or its own)

    @property
    def params(self) -> list[str]:
        return [m.group(1) for m in _PARAM.finditer(self.path)]


def signed_in_routes(app: Litestar) -> list[PortalRoute]:
    roles = load_access_policy().roles
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if portal_guard not in handler.resolve_guards() or is_automatic_options(handler):
                continue
            operation = policy_operation(handler)
            if operation in roles and operation not in SESSION_ENDING:
                for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                    found.append(PortalRoute(method, route.path, operation))
    return found


def fill(path: str, values: dict[str, str] | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        if values and match.group(1) in values:
            return values[match.group(1)]
        return "987654321" if match.group(2) == "int" else str(uuid.uuid4())
    return _PARAM.sub(value, path)


class Session:
    """One person signed in to the portal: their cookies, presented through the session's one
    in-process client (a second client would start the app a second time)."""

    def __init__(self, client: AsyncTestClient) -> None:
        self.client, self.cookies, self.csrf = client, httpx.Cookies(), ""

    async def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Any:
        self.client.cookies = self.cookies
        try:
            if method == "GET":
                return await self.client.get(path)
            return await self.client.request(method, path, data={"csrf_token": self.csrf, **(data or {})})
        finally:
            self.cookies = httpx.Cookies(self.client.cookies)
            self.client.cookies = httpx.Cookies()


async def sign_in(app: Litestar, client: AsyncTestClient, run_in_app: Run, *, role: Role,
                  tenant_id: uuid.UUID | None) -> tuple[Session, str]:
    """A person of `role` (of `tenant_id`) enrolled and signed in, on a client of their own."""
    email = f"matrix-{role.value}-{uuid.uuid4().hex[:8]}@example.com"
    if tenant_id is None:
        issued = await run_in_app(service.create_staff, email=email, role=role, created_by="tests", valid_hours=1)
    else:
        ops = Principal(key_id="tests", role=Role.OPS, name="tests")
        issued = await run_in_app(service.invite, principal=ops, email=email, name="Matrix Person", role=role,
                                  valid_hours=1, tenant_id=tenant_id)
    master = app.state.services.keys.master_key
    enrolment = await run_in_app(service.begin_enrolment, token=issued.token, master_key=master)
    account = await run_in_app(service.complete_enrolment, token=issued.token, password=PASSWORD,
                               code=pyotp.TOTP(enrolment.totp_secret).now(), master_key=master)
    session = Session(client)
    form = await session.request("GET", "/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    session.csrf = token.group(1)
    code = totp_code(enrolment.totp_secret, steps_ahead=1)  # the enrolment used this step's code
    signed = await session.request("POST", "/sign-in", {"email": email, "password": PASSWORD, "code": code})
    assert signed.status_code in (200, 303), signed.text
    home = await session.request("GET", "/")
    if home.status_code == 303:  # a screen account lands on its screen (the gate's)
        home = await session.request("GET", home.headers["location"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert token is not None and 'action="/sign-out"' in home.text, home.text[:500]
    session.csrf = token.group(1)
    return session, str(account.id)


@pytest_asyncio.fixture(scope="module")
async def sessions(app: Litestar, client: AsyncTestClient, run_in_app: Run,
                   bola_world: BolaWorld) -> AsyncIterator[dict[str, Session]]:
    """A signed-in person per portal role (tenant roles in the attacker's tenant), and the
    victim's administrator; the victim's account id joins its ids."""
    made: dict[str, Session] = {}
    previous, client.base_url = client.base_url, "https://testserver.local"  # portal cookies are Secure
    attacker = bola_world.attacker.tenant.id
    for role in PORTAL_ROLES:
        tenant = attacker if role in (Role.TENANT_ADMIN, Role.TENANT_MEMBER) else None
        made[role.value], account = await sign_in(app, client, run_in_app, role=role, tenant_id=tenant)
        if role is Role.TENANT_ADMIN:
            bola_world.attacker.ids["account"] = account
    made["victim"], bola_world.victim.ids["account"] = await sign_in(
        app, client, run_in_app, role=Role.TENANT_ADMIN, tenant_id=bola_world.victim.tenant.id)
    try:
        yield made
    finally:
        client.base_url = previous
        client.cookies = httpx.Cookies()


def test_every_portal_id_is_in_the_matrix(app: Litestar) -> None:
    params = {param for route in signed_in_routes(app) for param in route.params}
    assert params - set(OWNED_IDS) - set(FACILITY_IDS) == set()
    assert len(signed_in_routes(app)) >= 5


async def test_bfla_every_role_against_every_portal_route(app: Litestar, sessions: dict[str, Session]) -> None:
    roles = load_access_policy().roles
    wrong: list[tuple[str, str, str, int]] = []
    for route in signed_in_routes(app):
        console = not roles[route.operation] & TENANT_ROLES  # a page no tenant role may open
        for role in PORTAL_ROLES:
            response = await sessions[role.value].request(route.method, fill(route.path))
            allowed = is_allowed(roles, route.operation, role)
            refusal = 404 if console and role in TENANT_ROLES else 403
            if allowed and (response.status_code in (401, 403) or response.status_code >= 500):
                wrong.append((role.value, route.method, route.path, response.status_code))
            elif not allowed and response.status_code != refusal:
                wrong.append((role.value, route.method, route.path, response.status_code))
    assert wrong == [], wrong


async def test_a_console_page_tells_a_tenant_nothing(app: Litestar, sessions: dict[str, Session]) -> None:
    """For a tenant's person, a console page answers exactly as the same path with an id nobody
    has, and as a console page that does not exist under a routed pattern."""
    member = sessions[Role.TENANT_MEMBER.value]
    queue = await member.request("GET", "/ops/orders")
    missing = await member.request("GET", f"/ops/orders/{uuid.uuid4()}")
    assert queue.status_code == missing.status_code == 404
    assert _same_page(queue.text, missing.text, ("/ops/orders", missing.url.path))


def _same_page(a: str, b: str, ids: tuple[str, str]) -> bool:
    return a.replace(ids[0], "<id>") == b.replace(ids[1], "<id>")


async def test_bola_another_tenants_object_is_a_missing_one(app: Litestar, sessions: dict[str, Session],
                                                            bola_world: BolaWorld) -> None:
    attacker, owner = sessions[Role.TENANT_ADMIN.value], sessions["victim"]
    victim_ids = {param: str(bola_world.victim.ids[key]) for param, key in OWNED_IDS.items()
                  if key in bola_world.victim.ids}
    checked, leaks, controls, skipped = 0, [], [], []
    for route in signed_in_routes(app):
        params = route.params
        if not params or not is_allowed(load_access_policy().roles, route.operation, Role.TENANT_ADMIN):
            continue
        if any(param not in victim_ids for param in params):
            skipped.append(route.path)
            continue
        theirs = fill(route.path, victim_ids)
        missing_ids = {param: fill("{x:" + ("int" if param == "rack_id" else "uuid") + "}") for param in params}
        missing = fill(route.path, missing_ids)
        seen, absent = await attacker.request(route.method, theirs), await attacker.request(route.method, missing)
        pair = (theirs, missing)
        # A form may be refused (422) before its object is looked up: then too, exactly as for a missing id.
        expected = 404 if route.method == "GET" else absent.status_code
        if (seen.status_code, absent.status_code) != (expected, expected) or not _same_page(seen.text, absent.text,
                                                                                              pair):
            leaks.append((route.method, route.path, seen.status_code, absent.status_code))
        if route.method == "GET":  # the owner finds it (a document not signed yet is a 409, not a 404)
            own = await owner.request("GET", theirs)
            if own.status_code == 404 or own.status_code >= 500:
                controls.append((route.path, own.status_code))
        checked += 1
    assert leaks == [] and controls == [], (leaks, controls)
    assert skipped == [] and checked >= 8, (skipped, checked)  # every id a tenant admin can send is tried
