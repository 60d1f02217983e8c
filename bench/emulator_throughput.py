"""Emulator throughput and SDK listing time, measured by hand (never part of the test run).

    python -m bench.emulator_throughput [--vms 10000] [--seconds 5] [--concurrency 16]

Runs the emulator as a separate process (as a user would), then:
1. requests/s and latency for one VM list page (100 VMs) and for one vault GET, from keep-alive HTTPS
   clients in this process (so the two cores are shared between load generator and server);
2. the wall time of listing every VM through the real async SDK (ComputeManagementClient.list_all) with
   --page-size 1000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.make_estate import build


def start_emulator(estate: Path, page_size: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "emulator", "--estate", str(estate), "--page-size", str(page_size)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


async def token(info: dict[str, Any]) -> str:
    async with (
        aiohttp.ClientSession() as s,
        s.get(
            info["identity_endpoint"],
            headers={"X-IDENTITY-HEADER": info["identity_header"]},
            params={"api-version": "2019-08-01", "resource": "https://management.azure.com"},
        ) as r,
    ):
        return (await r.json())["access_token"]


async def load(info: dict[str, Any], url: str, seconds: float, concurrency: int) -> dict[str, float]:
    ctx = ssl.create_default_context(cafile=info["ca_bundle"])
    headers = {"Authorization": f"Bearer {await token(info)}"}
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            async with session.get(url, ssl=ctx, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    errors += 1
            latencies.append(time.perf_counter() - t0)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": errors,
        "requests": len(latencies),
    }


async def sdk_list_all(info: dict[str, Any], sub: str) -> tuple[float, int]:
    os.environ["IDENTITY_ENDPOINT"] = info["identity_endpoint"]
    os.environ["IDENTITY_HEADER"] = info["identity_header"]
    from azure.identity.aio import ManagedIdentityCredential
    from azure.mgmt.compute.aio import ComputeManagementClient

    async with (
        ManagedIdentityCredential() as cred,
        ComputeManagementClient(
            cred, sub, base_url=info["arm_endpoint"], connection_verify=info["ca_bundle"]
        ) as client,
    ):
        await client.virtual_machines.get("rg-app-westeurope-0", "vm-00000")  # warm up: token, TLS
        t0 = time.perf_counter()
        n = 0
        async for _ in client.virtual_machines.list_all():
            n += 1
        return time.perf_counter() - t0, n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=10_000)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--concurrency", type=int, default=16)
    a = p.parse_args()
    doc = build(a.vms)
    sub = doc["subscriptions"][0]["subscriptionId"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        print(
            f"estate: {a.vms} VMs, {len(doc['resources'])} resources; {os.cpu_count()} cores shared by client and server"
        )

        proc, info = start_emulator(path, 100)
        try:
            base = info["arm_endpoint"]
            vm_page = f"{base}subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01"
            vault = (
                f"{base}subscriptions/{sub}/resourceGroups/rg-backup-westeurope/providers/"
                "Microsoft.RecoveryServices/vaults/rsv-westeurope?api-version=2026-11-01"
            )
            for label, url in (("VM list page (100 VMs)", vm_page), ("vault GET", vault)):
                r = asyncio.run(load(info, url, a.seconds, a.concurrency))
                print(
                    f"{label:24s} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
                    f"({r['requests']} requests, {r['errors']} errors, concurrency {a.concurrency})"
                )
        finally:
            stop(proc)

        proc, info = start_emulator(path, 1000)
        try:
            runs = [asyncio.run(sdk_list_all(info, sub)) for _ in range(3)]
        finally:
            stop(proc)
        times = [t for t, _ in runs]
        print(
            f"SDK list_all, page size 1000: {runs[0][1]} VMs in median {statistics.median(times):.2f} s "
            f"(runs: {', '.join(f'{t:.2f}' for t in times)})"
        )


if __name__ == "__main__":
    main()
