"""Generate a large estate for benchmarks: N VMs spread over subscriptions and regions, each with a NIC and
an OS disk, in a few subnets with NSGs, plus one vault per region.

    python -m bench.make_estate --vms 10000 --subscriptions 2 --out /tmp/estate-10k.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tui.emulator import builders as b

REGIONS = ["westeurope", "northeurope", "eastus", "westus2"]
TENANT = "9e1f0000-0000-4000-8000-00000000beef"


def build(vms: int, subscriptions: int = 1) -> dict[str, Any]:
    subs = [f"5ca1ab1e-0000-4000-8000-{i:012d}" for i in range(1, subscriptions + 1)]
    resources: list[dict[str, Any]] = []
    nets: dict[tuple[str, str], tuple[str, str]] = {}
    for sub in subs:
        for region in REGIONS:
            rg = f"rg-net-{region}"
            resources.append(b.resource_group(sub, rg, region))
            nsg = b.network_security_group(sub, rg, f"nsg-{region}", location=region)
            vnet_id = b.resource_id(sub, rg, "Microsoft.Network/virtualNetworks", f"vnet-{region}")
            snet = b.subnet_id(vnet_id, "workload")
            resources.append(nsg)
            resources.append(
                b.virtual_network(
                    sub,
                    rg,
                    f"vnet-{region}",
                    location=region,
                    subnets=[b.subnet("workload", "10.0.0.0/16", nsg_id=nsg["id"])],
                )
            )
            nets[(sub, region)] = (snet, nsg["id"])
            vault_rg = f"rg-backup-{region}"
            resources.append(b.resource_group(sub, vault_rg, region))
            resources.append(b.recovery_services_vault(sub, vault_rg, f"rsv-{region}", location=region))
    for i in range(vms):
        sub = subs[i % len(subs)]
        region = REGIONS[(i // len(subs)) % len(REGIONS)]
        rg = f"rg-app-{region}-{(i // 500) % 10}"
        if i < len(subs) * len(REGIONS) * 10 or i % 500 < len(subs) * len(REGIONS):
            resources.append(b.resource_group(sub, rg, region))
        name = f"vm-{i:05d}"
        snet, _nsg = nets[(sub, region)]
        nic = b.network_interface(
            sub,
            rg,
            f"{name}-nic",
            location=region,
            subnet_id=snet,
            private_ip=f"10.0.{(i // 250) % 250}.{i % 250 + 4}",
        )
        os_type = "Windows" if i % 3 == 0 else "Linux"
        disk_name = f"{name}_OsDisk_1"
        disk_id = b.resource_id(sub, rg, "Microsoft.Compute/disks", disk_name)
        vm = b.virtual_machine(
            sub,
            rg,
            name,
            location=region,
            os_type=os_type,
            nic_ids=[nic["id"]],
            os_disk_spec=b.os_disk(disk_name, os_type, disk_id=disk_id),
            agent_version="2.7.41491.1102" if os_type == "Windows" else "2.11.1.4",
        )
        nic["properties"]["virtualMachine"] = {"id": vm["id"]}
        resources += [
            nic,
            vm,
            b.managed_disk(sub, rg, disk_name, location=region, managed_by=vm["id"], os_type=os_type),
        ]
    seen: set[str] = set()
    unique = []
    for r in resources:
        if r["id"].lower() not in seen:
            seen.add(r["id"].lower())
            unique.append(r)
    return b.estate(
        b.tenant(TENANT, "Bench"), [b.subscription(s, f"Bench {n}") for n, s in enumerate(subs, 1)], unique
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vms", type=int, default=10_000)
    p.add_argument("--subscriptions", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    a.out.write_text(json.dumps(build(a.vms, a.subscriptions)), encoding="utf-8")
    print(f"wrote {a.out} ({a.out.stat().st_size / 1e6:.1f} MB, {a.vms} VMs)")


if __name__ == "__main__":
    main()
