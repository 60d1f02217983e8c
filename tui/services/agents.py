"""Re-read the VM agent state of chosen VMs (their instance views), so the agent step shows it as it is now.

The scan read the instance views once; an agent restarted since then would still look "Not Ready". This
re-reads them with bounded concurrency and updates the facts in place: power state, agent status and
version, extensions (the backup extension among them), OS name and version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.core.exceptions import AzureError, ClientAuthenticationError

from tui.azure import explain
from tui.model import VmFacts

from . import facts
from .concurrency import Progress, bounded_gather
from .progress import AGENTS


def apply_instance_view(vm: VmFacts, instance_view: Any) -> None:
    """Update ``vm`` from a fresh instance view (keeping what only the VM model says: provisionVMAgent)."""
    vm.unreadable = [u for u in vm.unreadable if u.what != "instance view"]
    facts.apply_instance_view(vm, instance_view)


async def refresh_agents(
    factory: Any, vms: Sequence[VmFacts], progress: Progress | None = None, *, concurrency: int = 8
) -> dict[str, str]:
    """Re-read the instance view of each VM; returns {vm id: why it could not be read} for the failures.

    A VM whose view cannot be read keeps its scanned facts. When no VM at all could be read, the first
    error is raised (sign-in, permission or network problem): the caller shows it with its remedy.
    """
    failed: dict[str, str] = {}
    errors: list[AzureError] = []

    async def one(vm: VmFacts) -> None:
        try:
            iv = await factory.compute(vm.subscription_id).virtual_machines.instance_view(
                vm.resource_group, vm.name
            )
        except ClientAuthenticationError:
            raise
        except AzureError as e:  # HTTP errors after retries, resets, timeouts: this VM only
            errors.append(e)
            status = getattr(e, "status_code", None)
            reason = getattr(e, "reason", None)
            failed[vm.id] = f"{status or ''} {reason or ''}".strip() or explain(e).one_line
        else:
            apply_instance_view(vm, iv.as_dict())

    if progress is not None:
        progress(AGENTS, 0, len(vms))
    await bounded_gather(one, vms, limit=concurrency, progress=progress, stage=AGENTS)
    if vms and len(failed) == len(vms):
        raise errors[0]
    return failed
