"""The ops capacity map at 2 000 racks: server time of /ops/capacity (one hall of 200 racks drawn,
the site's 2 000 read to list its halls, a capacity search lighting racks up) beside GET /v1/racks
over the same plant, measured in the same run.

Set-up: the portal benches' plant (bench.portal_setup: 2 000 synthetic racks at one site in ten
halls, two feeds each, reservations) in a throwaway PostgreSQL database, an enrolled ops account
with a live session and an ops API key. NetBox is not involved. Time is the app's own, in-process
(bench.portal_setup.call: the ASGI call to the last byte), requests alternating page / API.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bench import portal_setup as setup
from bench.harness import Measurement

BENCHMARK = "Ops capacity map at 2 000 racks"
HALL = "Hall 3"
SAME_HALL = "GET /v1/racks of the same hall (200 racks, one page)"
PAGES = 10  # GET /v1/racks pages of 200 (its largest) a client reads to see all 2 000 racks


async def _ops(app: Any) -> tuple[setup.Headers, setup.Headers]:
    """An ops person's session cookie and an ops API key."""
    from accounts import service
    from colo.identity import Role

    issued = await service.create_staff(email="bench-ops@example.com", role=Role.OPS, name="Bench Ops",
                                        created_by="bench", valid_hours=1)
    cookie = await setup.signed_in(app, token=issued.token, tenant_id=None)
    return cookie, await setup.api_key(app, name="bench ops", role=Role.OPS, tenant_id=None)


async def _measure(database_url: str, secrets_dir: Path, *, rounds: int) -> dict[str, tuple[float, float]]:
    async with setup.started_app(database_url, secrets_dir) as app:
        await setup.insert_plant()
        cookie, bearer = await _ops(app)
        hall = HALL.replace(" ", "+")
        pairs: dict[str, setup.Pair] = {
            "map": ("/ops/capacity", f"site_id=1&hall={hall}", cookie, 'class="rack-cell'),
            "map+search": ("/ops/capacity", f"site_id=1&hall={hall}&units=4&kw=2&redundant=true", cookie,
                           'id="placements"'),
            "racks api": ("/v1/racks", f"site_id=1&hall={hall}&limit=200", bearer, '"netbox_id"'),
        }
        await setup.warm(app, pairs, times=5)
        if (await setup.call(app, "/ops/capacity", headers=cookie, query=f"site_id=1&hall={hall}")).body.count(
                b'class="rack-cell') != 200:
            raise RuntimeError("the map does not draw the hall's 200 racks")

        async def all_racks_api() -> float:  # every rack through the API: follow the cursor
            total, query = 0.0, "site_id=1&limit=200"
            for _page in range(PAGES):
                answer = await setup.call(app, "/v1/racks", headers=bearer, query=query)
                total += answer.ms
                cursor = json.loads(answer.body)["next_cursor"]
                if answer.status != 200 or cursor is None:
                    break
                query = f"site_id=1&limit=200&cursor={cursor}"
            return total

        return await setup.alternate(app, pairs, rounds=rounds, extra={"all racks api": all_racks_api})


def run(*, quick: bool = False) -> list[Measurement]:
    rounds = 40 if quick else 200
    found = asyncio.run(setup.in_throwaway_database("map", lambda url, secrets: _measure(url, secrets, rounds=rounds)))
    note = f"server time in-process, {rounds} alternating requests each; the hall drawn has 200 racks"
    base50, base95 = found["racks api"]
    return [
        Measurement(BENCHMARK, f"capacity map (/ops/capacity, {HALL}): p50 / p95", setup.ms(*found["map"]),
                    f"{found['map'][0] / base50:.1f}x", f"{SAME_HALL}: {setup.ms(base50, base95)}",
                    note=note),
        Measurement(BENCHMARK, "capacity map with a search (4U, 2 kW A+B): p50 / p95", setup.ms(*found["map+search"]),
                    f"{found['map+search'][0] / base50:.1f}x",
                    f"{SAME_HALL}: {setup.ms(base50, base95)}", note=note),
        Measurement(BENCHMARK, "capacity map vs every rack through the API: p50 / p95", setup.ms(*found["map"]),
                    f"{found['map'][0] / found['all racks api'][0]:.2f}x",
                    f"the {PAGES} GET /v1/racks pages of 200 for all 2 000 racks: {setup.ms(*found['all racks api'])}",
                    note=note),
    ]


if __name__ == "__main__":
    import sys

    from bench.harness import render

    print(render(run(quick="--quick" in sys.argv), machine="", mode="standalone"))
