"""Wall time and request counts of a full readiness scan, with and without ARM's throttling (run by hand).

    python -m bench.scan [--vms 1000]

Serves a generated estate from the emulator in-process and scans it with the product's InventoryService
(subscription-wide lists, per-VM instance views, vault item lists) through a paced ClientFactory.
With --throttle arm the emulator enforces ARM's read bucket (250 + 25/s): the pacer should keep 429s
near zero, so the wall time approaches (instance views - burst) / 25 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from azure.identity.aio import ManagedIdentityCredential

from bench.make_estate import build
from tui.azure import ArmPacer, ClientFactory, Target
from tui.emulator import EmulatorConfig, running
from tui.services.inventory import InventoryService


async def scan(estate: dict, throttle: str, log: Path) -> None:
    async with running(estate, EmulatorConfig(throttle=throttle, request_log=str(log))) as emu:
        os.environ["IDENTITY_ENDPOINT"] = emu.info["identity_endpoint"]
        os.environ["IDENTITY_HEADER"] = emu.info["identity_header"]
        target = Target.for_endpoint(emu.info["arm_endpoint"], ca_bundle=emu.info["ca_bundle"])
        pacer = ArmPacer()
        async with (
            ManagedIdentityCredential() as cred,
            ClientFactory(target, cred, read_only=True, pacer=pacer) as f,
        ):
            t0 = time.perf_counter()
            inv = await InventoryService(f).scan()
            elapsed = time.perf_counter() - t0
    lines = [json.loads(x) for x in log.read_text().splitlines()]  # noqa: ASYNC240
    statuses = Counter(r["status"] for r in lines if r["path"].startswith("/subscriptions"))
    methods = Counter(r["method"] for r in lines if r["path"].startswith("/subscriptions"))
    print(
        f"throttle {throttle:3s}: {len(inv.vms)} VMs in {elapsed:6.1f} s; requests {dict(methods)}; "
        f"statuses {dict(statuses)}; pacer {pacer.stats()}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=1000)
    a = p.parse_args()
    estate = build(a.vms)
    with tempfile.TemporaryDirectory() as tmp:
        for throttle in ("off", "arm"):
            asyncio.run(scan(estate, throttle, Path(tmp) / f"{throttle}.jsonl"))


if __name__ == "__main__":
    main()
