"""`python -m bench [--quick]`: run every benchmark, print one table, write docs/BENCHMARKS.md."""

from __future__ import annotations

import argparse
import importlib
import time
import traceback

from bench.harness import Measurement, machine_line, not_measurable, render, write_benchmarks_doc

# (module, what it measures) in the order of the table. Each module has `run(*, quick) -> list[Measurement]`.
BENCHMARKS: tuple[tuple[str, str], ...] = (
    ("bench.bench_http", "Tenant rack read vs NetBox, cost of auditing, framework ceiling"),
    ("bench.bench_audit", "Access-log appends, checkpoint latency, verification, proof sizes"),
    ("bench.bench_tlog", "Access log II: tile fetches, witness cosigning, archive seal and offline verify"),
    ("bench.bench_capacity", "Capacity search over synthetic racks"),
    ("bench.bench_sync", "Full NetBox sync of the demo site"),
    ("bench.bench_auth", "Cost of authentication and policy per request"),
    ("bench.bench_portal", "Portal pages (dashboard, rack page) at 2 000 racks vs the API serving the same data"),
    ("bench.bench_capacity_map", "Ops capacity map at 2 000 racks vs GET /v1/racks"),
    ("bench.bench_metering", "Metering: ingest, one SNMP poll round, monthly kWh export"),
    ("bench.bench_notify", "Notifications: notice impact of a panel feeding 2 000 racks"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short mode: under two minutes")
    parser.add_argument("--only", help="run only the benchmark module with this name (e.g. bench_http)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = parser.parse_args()
    rows: list[Measurement] = []
    netbox_version = ""
    for module_name, what in BENCHMARKS:
        if args.only and not module_name.endswith(args.only):
            continue
        started = time.monotonic()
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            rows.append(not_measurable(what, "benchmark not written yet"))
            continue
        try:
            rows.extend(module.run(quick=args.quick))
            netbox_version = getattr(module, "NETBOX_VERSION_SEEN", "") or netbox_version
        except Exception as exc:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            rows.append(not_measurable(what, f"failed: {type(exc).__name__}: {exc}"[:200]))
        print(f"[bench] {module_name} took {time.monotonic() - started:.1f}s", flush=True)
    table = render(rows, machine=machine_line(netbox_version), mode="quick" if args.quick else "full")
    print(table)
    if not args.no_write:
        write_benchmarks_doc(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
