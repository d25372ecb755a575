"""`colo netbox sync` registers the webhook at COLO_PUBLIC_URL, says which URL, and NetBox (its real
rqworker, started by the launcher) delivers plant changes there: a real `colo serve` records the
webhook and reports webhooks as arriving."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from dcim.netbox import NetBoxGateway
from dcim.netbox.webhooks import unregister_webhook
from devtools.netbox.paths import NetBoxState
from tests.servers import COLO, ColoServer, colo_command, colo_env, free_port

# A full sync needs the plant conventions (patch-panel role); delivery may queue behind others' events.
pytestmark = [pytest.mark.usefixtures("seeded"), pytest.mark.timeout(600)]


async def _status_once_delivered(url: str, key: str, site_id: int) -> dict[str, Any]:
    """Poll the server's sync status until NetBox's webhook for the new site has been received."""
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as http:
        # NetBox's single rqworker serves every session sharing it, in order: on a busy shared NetBox
        # (hundreds of queued events of other sessions) delivery can take minutes; alone, ~1 s.
        for _ in range(900):
            status = (await http.get("/v1/netbox/sync")).json()
            if status.get("last_webhook_event") and status.get("webhooks") == "arriving":
                return status
            await asyncio.sleep(0.5)
    raise AssertionError(f"no webhook for site {site_id} reached colo serve within 450 s: {status}")


async def test_sync_registers_the_public_url_and_netbox_delivers_to_it(
    netbox_state: NetBoxState, database_url: str, gateway: NetBoxGateway, tmp_path: Path,
) -> None:
    port, name = free_port(), f"colo-test-{uuid.uuid4().hex[:8]}"
    public = f"http://127.0.0.1:{port}"
    env = colo_env(database_url=database_url, secrets_dir=tmp_path / "secrets", netbox_url=netbox_state.url,
                   netbox_token=netbox_state.token, COLO_PUBLIC_URL=public)
    key = (await asyncio.to_thread(colo_command, "keys", "create", "--role", "ops", "--name", "hooks",
                                   env=env)).strip().splitlines()[-1]
    server = await asyncio.to_thread(ColoServer(env=env, log_path=tmp_path / "colo.log", port=port).start)
    site: dict[str, Any] = {}
    try:
        done = await asyncio.to_thread(subprocess.run, [COLO, "netbox", "sync", "--quiet", "--webhook-name", name],
                                       env={**env, "COLO_LOG_LEVEL": "INFO"}, capture_output=True, text=True,
                                       timeout=240, check=False)
        out = done.stdout + done.stderr  # progress lines are log lines (stderr)
        assert done.returncode == 0, out
        assert f"NetBox posts plant changes to {public}/v1/netbox/webhook" in out, out
        hook = await gateway.call(lambda api: dict(api.extras.webhooks.get(name=name)), what="read webhook")
        assert hook["payload_url"] == f"{public}/v1/netbox/webhook"

        suffix = name.rsplit("-", 1)[1]
        site = await gateway.call(lambda api: dict(api.dcim.sites.create(name=f"Delivered {suffix}",
                                                                          slug=f"delivered-{suffix}")))
        status = await _status_once_delivered(server.url, key, site["id"])
        assert status["webhooks"] == "arriving", (status, server.log())
    finally:
        await unregister_webhook(gateway, name=name)
        if site:
            await gateway.call(lambda api: api.dcim.sites.delete([site["id"]]), what="delete site")
        await asyncio.to_thread(server.stop)
