"""Re-read the VM agent state of chosen VMs (their instance views), so the agent step shows it as it is now.

The scan read the instance views once; an agent restarted since then would still look "Not Ready". This
re-reads them with bounded concurrency and updates the facts in place: power state, agent status and
version, extensions (the backup extension among them), OS name and version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.core.exceptions import HttpResponseError

from tui.model import VmFacts

from .concurrency import Progress, bounded_gather
from .facts import agent_facts, power_state

_STAGE = "VM agents"


def apply_instance_view(vm: VmFacts, instance_view: dict[str, Any]) -> None:
    """Update ``vm`` from a fresh instance view (keeping what only the VM model says: provisionVMAgent)."""
    agent = agent_facts({}, instance_view)
    agent.provision_vm_agent = vm.agent.provision_vm_agent
    vm.agent = agent
    vm.power_state = power_state(instance_view.get("statuses")) or vm.power_state
    vm.os_name = instance_view.get("osName") or vm.os_name
    vm.os_version = instance_view.get("osVersion") or vm.os_version
    vm.unreadable = [u for u in vm.unreadable if not u.startswith("instance view:")]


async def refresh_agents(
    factory: Any, vms: Sequence[VmFacts], progress: Progress | None = None, *, concurrency: int = 8
) -> dict[str, str]:
    """Re-read the instance view of each VM; returns {vm id: why it could not be read} for the failures.

    A VM whose view cannot be read keeps its scanned facts. When no VM at all could be read, the first
    error is raised (sign-in, permission or network problem): the caller shows it with its remedy.
    """
    failed: dict[str, str] = {}
    errors: list[HttpResponseError] = []

    async def one(vm: VmFacts) -> None:
        try:
            iv = await factory.compute(vm.subscription_id).virtual_machines.instance_view(
                vm.resource_group, vm.name
            )
        except HttpResponseError as e:
            errors.append(e)
            failed[vm.id] = f"{e.status_code or ''} {e.reason or ''}".strip() or str(e).splitlines()[0]
        else:
            apply_instance_view(vm, iv.as_dict())

    if progress is not None:
        progress(_STAGE, 0, len(vms))
    await bounded_gather(one, vms, limit=concurrency, progress=progress, stage=_STAGE)
    if vms and len(failed) == len(vms):
        raise errors[0]
    return failed
