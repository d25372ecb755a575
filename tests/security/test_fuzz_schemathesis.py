"""Fuzzing: schemathesis against a real `colo serve` and its own OpenAPI document.

Every phase (examples, coverage, fuzzing, stateful), positive and negative data, as every kind
of caller: anonymous, gate, auditor, security, tenant member, tenant admin, ops. Each caller
fuzzes the operations its role may call (plus the public ones); the anonymous caller fuzzes
all of them. Required: no 5xx, every status code and body as documented, invalid input
refused with 4xx, valid input not refused with 400 (which would mean the document promises
more than the server accepts). The seed is fixed, so a run is reproducible.

The server has a database of its own (created and dropped here), so nothing the fuzzer
creates or breaks reaches the other tests; it talks to the shared NetBox, which is why a few
operations are not fuzzed (EXCLUDED, each with its reason).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from api.guards import load_access_policy
from colo.identity import Role
from devtools.netbox.paths import NetBoxState
from tests.security.servers import (
    ColoServer,
    colo_command,
    colo_env,
    create_database,
    drop_database,
    migrate_in_subprocess,
)

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
SEED = 20261122
MAX_EXAMPLES = 6
ANONYMOUS_EXAMPLES = 2

EXCLUDED = {
    # Creates a real tenant in the shared NetBox for every application the fuzzer manages to
    # approve (named with fuzzed text); covered by tests/api/test_tenants_onboarding.py.
    "approve_application": "writes tenants into the shared NetBox",
    # Build or remove reservations, feeds and cables in the shared NetBox plant that other
    # test sessions count on; covered by tests/integration/orders and tests/api/orders.
    "fulfil_order": "writes the shared NetBox plant",
    "decommission_order": "deletes from the shared NetBox plant",
    # Racks patch panels into the shared NetBox plant; covered by tests/api/test_demarc_ports.py.
    "provision_demarc_panel": "writes devices into the shared NetBox plant",
    # Each call reads the whole shared NetBox (seconds per call, tens of thousands of objects);
    # they take no input worth fuzzing (reconciliation: one optional site id, bounded).
    "trigger_sync": "full read of the shared NetBox per call",
    "run_reconciliation": "full read of the shared NetBox per call",
}
# Run after everything else of the same caller: they can revoke the caller's own key or
# suspend its tenant, which would turn the rest of its run into 401s.
SELF_DESTRUCTIVE = {"revoke_key", "rotate_key", "suspend_tenant", "offboard_tenant", "delete_person"}
CALLER_ORDER = ["anonymous", "gate", "auditor", "security", "tenant_member", "tenant_admin", "ops"]

# Every check schemathesis has (OPTIONS and 405 answer one Allow since api/http_methods.py).
# Chosen in the file rather than with --checks, which would override the per-phase setting below.
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection", "missing_required_header",
          "unsupported_method", "use_after_free", "ensure_resource_availability", "ignored_auth",
          "allow_header_conformance")
CONFIG = "".join(f"[checks.{name}]\nenabled = true\n" for name in CHECKS) + """

[checks.positive_data_acceptance]
enabled = true
# Schema-valid input may still break a domain rule the schema cannot express (an end before
# a start, a port NetBox does not have, a state that forbids the move): 409/422 with a problem
# document is the correct answer then. A 400 is not: it means the document allows what the
# server refuses.
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429", "503"]

[phases.stateful.checks.positive_data_acceptance]
# Links are inferred from names: the stateful phase feeds a Colo tenant id (a UUID, from
# list_tenants) into list_racks' `tenant_id`, which is a NetBox tenant id (an integer), and
# counts the 400 as "valid data rejected". The request was not schema-valid; the check stays
# on in every other phase.
enabled = false
"""


@dataclass
class FuzzTarget:
    server: ColoServer
    keys: dict[str, str]  # caller → API key (no entry for anonymous)


@pytest_asyncio.fixture(scope="module")
async def fuzz_target(netbox_state: NetBoxState, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FuzzTarget]:
    name, url = await create_database()
    workdir = tmp_path_factory.mktemp("fuzz")
    # The failed-authentication throttle would answer the anonymous fuzzing with 429 within a
    # minute and then every caller from this address; it has tests of its own (test_rate_limits).
    env = colo_env(database_url=url, netbox_url=netbox_state.url, netbox_token=netbox_state.token,
                   secrets_dir=workdir / "secrets",
                   COLO_AUTH_FAILURES_PER_ADDRESS="1000000", COLO_AUTH_FAILURES_PER_KEY="1000000")
    server = ColoServer(env=env, log_path=workdir / "serve.log")
    try:
        migrate_in_subprocess(env)
        keys = {role: colo_command("keys", "create", "--role", role, "--name", f"fuzz {role}", env=env)
                .strip().splitlines()[-1] for role in ("ops", "security", "auditor", "gate")}
        server.start()
        keys.update(tenant_keys(server.url, keys["ops"]))
        yield FuzzTarget(server=server, keys=keys)
    finally:
        server.stop()
        await drop_database(name)


def tenant_keys(base: str, ops_key: str) -> dict[str, str]:
    """A tenant made the way a real one is: apply, ops approve, collect the first admin key."""
    with httpx.Client(base_url=base, timeout=60) as http:
        applied = http.post("/v1/applications", json={
            "legal_name": f"Fuzz Target {time.time_ns()} GmbH", "registration_number": "HRB 424242",
            "country": "DE", "services_of_interest": ["rack_space"],
            "address": {"street": "Hafenstr. 1", "postal_code": "20457", "city": "Hamburg"},
            "billing_contact": {"name": "Berta Billing", "email": "billing@fuzz.example", "phone": "+4940123456"},
            "technical_contact": {"name": "Theo Tech", "email": "tech@fuzz.example", "phone": "+4940654321"}})
        assert applied.status_code == 201, applied.text
        application, secret = applied.json()["id"], applied.json()["tracking_secret"]
        ops = {"Authorization": f"Bearer {ops_key}"}
        approved = http.post(f"/v1/applications/{application}/approve", headers=ops)
        assert approved.status_code == 200, approved.text
        collected = http.post(f"/v1/applications/{application}/key", headers={"X-Tracking-Secret": secret})
        assert collected.status_code == 201, collected.text
        admin = collected.json()["api_key"]
        member = http.post("/v1/keys", json={"name": "fuzz member", "role": "tenant_member"},
                           headers={"Authorization": f"Bearer {admin}"})
        assert member.status_code == 201, member.text
        return {"tenant_admin": admin, "tenant_member": member.json()["api_key"]}


def operations_for(caller: str) -> list[str]:
    policy = load_access_policy()
    everything = set(policy.roles) | set(policy.public)
    if caller == "anonymous":
        chosen = everything
    else:
        role = Role(caller)
        chosen = {op for op, roles in policy.roles.items() if role in roles} | set(policy.public)
    return sorted(chosen - set(EXCLUDED))


def run_schemathesis(target: FuzzTarget, caller: str, operations: list[str], workdir: Path) -> tuple[int, str]:
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG)
    # Without a key every request ends at the guard (every operation's 401 is also checked one
    # by one in test_authentication_required.py), so the anonymous pass only samples.
    phases = "examples,fuzzing" if caller == "anonymous" else "examples,coverage,fuzzing,stateful"
    args = [SCHEMATHESIS, "--config-file", str(config), "--no-color", "run", f"{target.server.url}/schema/openapi.json",
            "--phases", phases, "--mode", "all", "--seed", str(SEED), "--generation-deterministic",
            "--max-examples", str(ANONYMOUS_EXAMPLES if caller == "anonymous" else MAX_EXAMPLES),
            "--workers", "2", "--request-timeout", "30", "--max-response-time", "60",
            "--suppress-health-check", "all", "--continue-on-failure"]
    if caller in target.keys:
        args += ["--header", f"Authorization: Bearer {target.keys[caller]}"]
    for op in operations:
        args += ["--include-operation-id", op]
    done = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=600, check=False)
    return done.returncode, done.stdout[-12000:] + done.stderr[-3000:]


def test_every_excluded_operation_exists_and_says_why() -> None:
    policy = load_access_policy()
    assert set(EXCLUDED) <= set(policy.roles) | set(policy.public)
    assert all(reason for reason in EXCLUDED.values())
    assert set(CALLER_ORDER) == {"anonymous", *(r.value for r in Role)}


@pytest.mark.timeout(900)
def test_fuzzing_finds_no_server_errors_and_no_undocumented_answers(
    fuzz_target: FuzzTarget, tmp_path: Path,
) -> None:
    failures = []
    started = time.monotonic()
    for caller in CALLER_ORDER:
        operations = operations_for(caller)
        for batch in ([op for op in operations if op not in SELF_DESTRUCTIVE],
                      [op for op in operations if op in SELF_DESTRUCTIVE]):
            if not batch:
                continue
            code, output = run_schemathesis(fuzz_target, caller, batch, tmp_path)
            if code != 0:
                failures.append(f"===== as {caller} ({len(batch)} operations): exit {code}\n{output}")
    elapsed = time.monotonic() - started
    assert not failures, "\n".join(failures) + f"\nserver log:\n{fuzz_target.server.log()}"
    assert elapsed < 600, f"the fuzz run took {elapsed:.0f} s; keep it within the CI budget"
