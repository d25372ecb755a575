"""A small HTTP/1.1 keep-alive load generator, run as its own process (`python -m bench.loadgen`).

Raw asyncio sockets rather than an HTTP client library, so the client is not the bottleneck:
it sends the same GET on C connections for a bounded count or time and prints JSON with the
throughput and latency percentiles. Loopback targets only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from urllib.parse import urlparse

LOOPBACK = ("127.0.0.1", "localhost", "::1")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns its status and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    keep_alive = True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value.strip())
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif lowered == b"connection" and b"close" in value.lower():
            keep_alive = False
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep_alive


async def _worker(host: str, port: int, request: bytes, deadline: float, budget: list[int],
                  latencies: list[float], statuses: dict[int, int]) -> None:
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            started = time.perf_counter()
            if connection is None:  # servers without keep-alive (gunicorn sync workers) cost a connect each
                connection = await asyncio.open_connection(host, port)
            reader, writer = connection
            writer.write(request)
            status, keep_alive = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            if not keep_alive:
                writer.close()
                connection = None
    finally:
        if connection is not None:
            connection[1].close()


async def run(url: str, *, concurrency: int, requests: int, seconds: float, headers: dict[str, str]) -> dict:
    parsed = urlparse(url)
    if parsed.hostname not in LOOPBACK:
        raise SystemExit(f"refusing to load {parsed.hostname}: loopback targets only")
    host, port = parsed.hostname, parsed.port or 80
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {parsed.netloc}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    budget = [requests]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(host, port, request, deadline, budget, latencies, statuses)
                           for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 3) if latencies else 0.0

    return {"requests": len(latencies), "seconds": round(elapsed, 3),
            "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    # Headers (credentials) come through the environment: argv shows in `ps` and in tracebacks.
    headers = json.loads(os.environ.get("LOADGEN_HEADERS", "{}"))
    result = asyncio.run(run(args.url, concurrency=args.concurrency, requests=args.requests,
                             seconds=args.seconds, headers={k.strip(): v.strip() for k, v in headers.items()}))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
