"""What every benchmark returns, and how the table is printed and written to docs/BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(slots=True)
class Measurement:
    """One row: a measured figure, the baseline it is compared with, and the resulting ratio."""

    benchmark: str
    metric: str
    value: str  # absolute figure, shown, never asserted
    ratio: str = ""  # value against the baseline measured in the same run
    baseline: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""


def not_measurable(benchmark: str, why: str) -> Measurement:
    return Measurement(benchmark=benchmark, metric="—", value="not yet measurable", note=why)


def load(url: str, *, concurrency: int, requests: int, seconds: float, headers: dict[str, str] | None = None) -> dict:
    """Run the load generator as a second process and return its JSON result."""
    cmd = [sys.executable, "-m", "bench.loadgen", url, "--concurrency", str(concurrency),
           "--requests", str(requests), "--seconds", str(seconds)]
    env = {**os.environ, "LOADGEN_HEADERS": json.dumps(headers or {})}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)


def machine_line(netbox_version: str = "") -> str:
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    parts = [
        f"{os.cpu_count()} cores", platform.machine(), f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}", pg.replace("psql (PostgreSQL) ", "PostgreSQL ") or "PostgreSQL ?",
    ]
    if netbox_version:
        parts.append(f"NetBox {netbox_version}")
    return ", ".join(parts)


def render(rows: list[Measurement], *, machine: str, mode: str) -> str:
    lines = [
        f"Machine: {machine}. Mode: {mode}.", "",
        "| benchmark | metric | measured | ratio | baseline (same run) | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "no")
        note = f" ({r.note})" if r.note else ""
        lines.append(f"| {r.benchmark} | {r.metric} | {r.value}{note} | {r.ratio} | {r.baseline} | {r.goal} | {met} |")
    return "\n".join(lines)


def write_benchmarks_doc(table: str) -> None:
    doc = ROOT / "docs" / "BENCHMARKS.md"
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\n<!-- bench:start -->\n<!-- bench:end -->\n"
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{start}\n{table}\n{end}{tail}")
