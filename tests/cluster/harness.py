"""Colo as a cluster on one machine: API replicas (`colo serve`, COLO_RUN_WORKERS=false) and
workers (`colo worker`) on one PostgreSQL database of their own, Redis, the real NetBox, and a real
HAProxy in front (tests/cluster/haproxy.py).

Every process is started by the Cluster and stopped by `Cluster.stop()`, which is safe to call
twice and after any failure. Processes run with COLO_ENV=dev: test mode never runs the fulfilment
worker, and production mode wants secrets from outside; dev generates them once into the
cluster's secrets directory (`colo keys bootstrap` does that before any server starts, so the
processes never race to create them).
"""

from __future__ import annotations

import itertools
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from colo.settings import Settings
from devtools.netbox.paths import NetBoxState
from tests.cluster.haproxy import HAProxy
from tests.servers import ColoServer, colo_command, colo_env, free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
RACK_COUNT = 4


def client_address() -> str:
    """A loopback address of this test alone (all of 127.0.0.0/8 is this machine). The proxy
    forwards it (X-Forwarded-For) and the replicas trust only the proxy, so Colo's per-address
    rate limits in the shared Redis count this test's requests alone."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def proxy_client(base_url: str, *, address: str, timeout: float = 60) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=timeout,
                             transport=httpx.AsyncHTTPTransport(local_address=address))


@dataclass
class Plant:
    """The cluster's own plant in the real NetBox: one site, RACK_COUNT empty 42U racks."""

    suffix: str
    site_id: int
    racks: list[int]


def build_plant(api: Any, suffix: str) -> Plant:
    site = api.dcim.sites.create(name=f"cluster-{suffix}", slug=f"cluster-{suffix}")
    racks = [api.dcim.racks.create(name=f"cl-{suffix}-{i}", site=site.id, u_height=42).id for i in range(RACK_COUNT)]
    return Plant(suffix=suffix, site_id=site.id, racks=racks)


@dataclass
class Cluster:
    """`Cluster(root, database_url, netbox).prepare()`, then start replicas, workers and the proxy."""

    root: Path
    database_url: str
    netbox: NetBoxState
    reconcile_seconds: float = 300.0
    replicas: dict[str, ColoServer] = field(default_factory=dict)
    workers: list[ColoServer] = field(default_factory=list)
    proxy: HAProxy | None = None
    ops_headers: dict[str, str] = field(default_factory=dict)
    address: str = field(default_factory=client_address)
    _worker_numbers: itertools.count[int] = field(default_factory=itertools.count)  # next() is atomic

    @property
    def secrets_dir(self) -> Path:
        return self.root / "secrets"

    @property
    def url(self) -> str:
        assert self.proxy is not None, "the proxy is not started"
        return self.proxy.url

    def env(self, *, netbox_url: str | None = None, **extra: str) -> dict[str, str]:
        """A cluster process's environment: NetBox through the proxy's logging pass-through."""
        if netbox_url is None:
            netbox_url = self.proxy.netbox_url if self.proxy is not None else self.netbox.url
        return colo_env(
            database_url=self.database_url, secrets_dir=self.secrets_dir, netbox_url=netbox_url,
            netbox_token=self.netbox.token, env="dev", COLO_REDIS_URL=REDIS_URL, COLO_TRUSTED_PROXIES="127.0.0.1",
            COLO_RECONCILE_SECONDS=str(self.reconcile_seconds), COLO_METERING="off",
            COLO_ATTACHMENTS_DIR=str(self.root / "attachments"), COLO_LOG_LEVEL="INFO",
            COLO_CACHE_LAG_SECONDS=str(Settings().cache_lag_seconds),  # as deployed, not the suite's strict 0
            **extra)

    def prepare(self) -> Cluster:
        """Migrate the database, sync the read model once (no webhook: the shared NetBox must not
        call this short-lived cluster) and take the first ops key."""
        self.secrets_dir.mkdir(parents=True, exist_ok=True)
        environ = self.env(netbox_url=self.netbox.url)
        colo_command("db", "migrate", env=environ)
        key = colo_command("keys", "bootstrap", env=environ).strip().splitlines()[-1].strip()
        assert key.startswith("colo_"), key
        self.ops_headers = {"Authorization": f"Bearer {key}"}
        colo_command("netbox", "sync", "--no-webhook", "--quiet", env=environ)
        return self

    def start_proxy(self, replica_names: tuple[str, ...] = ("a", "b")) -> HAProxy:
        """HAProxy first (it also carries NetBox's traffic), for replicas that start next."""
        ports = {name: free_port() for name in replica_names}
        self.proxy = HAProxy(self.root / "haproxy", replicas=ports, netbox_upstream=self.netbox.url).start()
        return self.proxy

    def start_replica(self, name: str) -> ColoServer:
        assert self.proxy is not None
        server = ColoServer(env=self.env(COLO_RUN_WORKERS="false"), log_path=self.root / f"serve-{name}.log",
                            port=self.proxy.replicas[name])
        self.replicas[name] = server
        return server.start()

    def start_worker(self, *, netbox_url: str | None = None, **extra: str) -> ColoServer:
        worker = ColoServer(env=self.env(netbox_url=netbox_url, **extra),
                            log_path=self.root / f"worker-{next(self._worker_numbers)}.log", command=("worker",))
        self.workers.append(worker)
        return worker.start()

    def start(self, *, workers: int = 1) -> Cluster:
        """The proxy, two API replicas and `workers` workers, started side by side; returns once
        HAProxy sees both replicas up."""
        proxy = self.start_proxy()
        with ThreadPoolExecutor() as pool:
            starting = [pool.submit(self.start_replica, name) for name in proxy.replicas]
            starting += [pool.submit(self.start_worker) for _ in range(workers)]
            for started in starting:
                started.result()
        proxy.wait_for_states(dict.fromkeys(proxy.replicas, "UP"))
        return self

    def client(self, timeout: float = 60) -> httpx.AsyncClient:
        return proxy_client(self.url, address=self.address, timeout=timeout)

    def stop(self) -> None:
        """Every process, side by side (each is given 20 s to shut down cleanly, then killed)."""
        with ThreadPoolExecutor() as pool:
            list(pool.map(ColoServer.stop, [*self.workers, *self.replicas.values()]))
        if self.proxy is not None:
            self.proxy.stop()

    def logs(self) -> str:
        """The tail of every process's output, for a failing assertion's message."""
        parts = [f"--- {p.log_path.name}\n{p.log()[-2500:]}" for p in [*self.replicas.values(), *self.workers]]
        if self.proxy is not None:
            parts.append(f"--- haproxy\n{self.proxy.log()[-2500:]}")
        return "\n".join(parts)


def application_body() -> dict[str, Any]:
    unique = uuid.uuid4().hex[:10].upper()
    return {
        "legal_name": f"Cluster Test AS {unique}", "registration_number": f"NO{unique}", "country": "NO",
        "address": {"street": "Kongens gate 1", "postal_code": "0153", "city": "Oslo"},
        "billing_contact": {"name": "Kari Nordmann", "email": "billing@cluster.example", "phone": "+47 22 12 34 56"},
        "technical_contact": {"name": "Ola Nordmann", "email": "noc@cluster.example", "phone": "+47 22 65 43 21"},
        "services_of_interest": ["rack_space"],
    }


@dataclass(frozen=True)
class Tenant:
    id: str
    netbox_tenant_id: int
    headers: dict[str, str]


async def onboard_tenant(http: httpx.AsyncClient, ops_headers: dict[str, str]) -> Tenant:
    """A company applies, ops approve (Colo makes its NetBox tenant), the company collects its key."""
    applied = await http.post("/v1/applications", json=application_body())
    assert applied.status_code == 201, applied.text
    application_id, secret = applied.json()["id"], applied.json()["tracking_secret"]
    approved = await http.post(f"/v1/applications/{application_id}/approve", headers=ops_headers)
    assert approved.status_code == 200, approved.text
    tenant = approved.json()["tenant"]
    collected = await http.post(f"/v1/applications/{application_id}/key", headers={"X-Tracking-Secret": secret})
    assert collected.status_code == 201, collected.text
    return Tenant(id=tenant["id"], netbox_tenant_id=tenant["netbox_tenant_id"],
                  headers={"Authorization": f"Bearer {collected.json()['api_key']}"})


def space_order(rack_id: int, position: int, units: int = 1) -> dict[str, Any]:
    return {"spec": {"kind": "space", "rack_id": rack_id, "units": units, "position": position}}


async def approve_order(http: httpx.AsyncClient, order_id: str, ops_headers: dict[str, str]) -> None:
    for step in ("review", "approve"):
        moved = await http.post(f"/v1/orders/{order_id}/{step}", headers=ops_headers)
        assert moved.status_code == 200, moved.text
