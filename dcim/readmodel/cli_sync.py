"""`colo netbox sync`: a full sync with a progress bar, optionally registering the webhook."""

from __future__ import annotations

import asyncio

from colo.settings import Settings
from dcim.netbox.gateway import NetBoxGateway
from dcim.netbox.plant import FULL_SYNC


async def _sync(settings: Settings, gateway: NetBoxGateway, webhook_url: str, quiet: bool,
                webhook_name: str) -> str:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from colo.db import bound_engine
    from colo.secretstore import load_keys
    from dcim.netbox.webhooks import is_loopback, payload_url, register_webhook
    from dcim.readmodel.sync import WATCHED_TYPES, full_sync

    async with bound_engine(settings.database_url):
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[objects]} objects"), TimeElapsedColumn(),
                      disable=quiet) as progress:
            task = progress.add_task("reading NetBox", total=len(FULL_SYNC), objects=0)
            seen = {"objects": 0}

            def on_kind(endpoint: str, count: int) -> None:
                seen["objects"] += count
                progress.update(task, advance=1, objects=seen["objects"],
                                description=f"read {endpoint}")

            result = await full_sync(gateway, on_kind=on_kind)
            progress.update(task, description="read model written")
        lines = [f"synced {result.objects} NetBox objects in {result.seconds:.2f} s "
                 f"({result.objects_per_second:.0f} objects/s)"]
        if webhook_url:
            secret = load_keys(settings).webhook_secret.decode()
            ids = await register_webhook(gateway, colo_base_url=webhook_url, secret=secret,
                                         object_types=WATCHED_TYPES, name=webhook_name)
            lines.append(f"registered webhook {ids['webhook']} and event rule {ids['event_rule']}: NetBox "
                         f"posts plant changes to {payload_url(webhook_url)}")
            if is_loopback(webhook_url) and not is_loopback(gateway.url):
                lines.append(f"warning: {webhook_url} reaches Colo only from this machine, but NetBox runs at "
                             f"{gateway.url}; set COLO_PUBLIC_URL (or --webhook-url) to an address NetBox can reach")
        return "\n".join(lines)


def run_sync(*, settings: Settings, gateway: NetBoxGateway, register_webhook_url: str, quiet: bool,
             webhook_name: str = "colo-read-model") -> int:
    from colo.logging import say

    for line in asyncio.run(_sync(settings, gateway, register_webhook_url, quiet, webhook_name)).splitlines():
        say(line)
    return 0
