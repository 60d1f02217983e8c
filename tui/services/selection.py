"""Which VMs can be prepared for a vault, and the VM list's filter (the wizard's VMs step; no Textual here).

A vault protects only VMs in its own region, and a VM can be backed up to one vault only (facts §1.2). A
VM in another subscription of the same tenant stays selectable: cross-subscription backup is new in 2026,
and the rules report it as a warning, not a blocker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tui.model import VaultFacts, VmFacts, region_key, same_id


def _vault_name(vault_id: str, vaults: Iterable[VaultFacts]) -> str:
    known = next((v for v in vaults if same_id(v.id, vault_id)), None)
    return known.name if known is not None else vault_id.rstrip("/").rsplit("/", 1)[-1]


def unselectable(vm: VmFacts, vault: VaultFacts, vaults: Sequence[VaultFacts] = ()) -> tuple[str, str] | None:
    """None when ``vm`` can be prepared for ``vault``; else (short reason, full reason)."""
    if region_key(vm.location) != region_key(vault.location):
        return (
            f"in {vm.location}",
            f"{vm.name} is in {vm.location} and the vault {vault.name} is in {vault.location}: a vault "
            f"protects only VMs in its own region. Choose or create a vault in {vm.location} for it.",
        )
    other = vm.protection.vault_id
    if other and not same_id(other, vault.id) and not vault.protects(vm.id):
        name = _vault_name(other, vaults)
        return (
            f"vault {name}",
            f"{vm.name} is already protected by the vault {name}: a VM can be backed up to one vault only. "
            f"Stop its protection there first if it should move to {vault.name}.",
        )
    return None


def matches(vm: VmFacts, query: str) -> bool:
    """Every word of ``query`` appears in the VM's name, resource group or OS (case-insensitive)."""
    hay = " ".join(
        str(x or "") for x in (vm.name, vm.resource_group, vm.os_type, vm.os_name, vm.os_version)
    ).lower()
    return all(word in hay for word in query.lower().split())
