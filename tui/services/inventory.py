"""Inventory: everything the rules need, read with subscription-wide list calls.

Per subscription (subscriptions concurrently): the registration of Microsoft.RecoveryServices,
Microsoft.Compute and Microsoft.Network (one providers.get each, concurrently), then in parallel the
subscription-wide lists (VMs, VM power states, disks, scale sets, NICs, NSGs, virtual networks, route tables,
vaults, management locks), never one into a namespace that is not Registered: the SDK would answer the 409
by registering it behind the user's back. Per vault: its protected items, its storage configuration and its
Azure VM policies. Per VM only what no list gives: the instance view (agent, extensions, OS name), and only
for VMs that are running (a stopped VM has no agent to report). Protection comes from the vaults'
protected-item lists; backupStatus (a POST, charged to ARM's small write budget) is called only for VMs
those lists cannot answer. Every request is paced by the factory's `ArmPacer`. A subscription that fails
becomes facts with the reason; the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import HttpResponseError

from tui.azure import ClientFactory, explain
from tui.model import (
    COMPUTE,
    NETWORK,
    RECOVERY_SERVICES,
    REQUIRED_PROVIDERS,
    Inventory,
    ProtectionFacts,
    SubscriptionFacts,
    VaultFacts,
    VmFacts,
)

from .concurrency import Progress, bounded_gather
from .facts import (
    IAAS_FILTER,
    VM_ITEMS_FILTER,
    NetworkIndex,
    is_registered,
    item_protection,
    item_source,
    lock_facts,
    name_of,
    policy_facts,
    power_state,
    resource_group_of,
    scale_set_facts,
    vault_facts,
    vm_facts,
)
from .providers import read_provider_state


class ScanError(Exception):
    """Bad scan input (unknown subscription or VM): one clear message, nothing read."""


def _nothing(stage: str, done: int, total: int) -> None:
    pass


@dataclass
class _SubResult:
    vms: list[VmFacts]
    vaults: list[tuple[VaultFacts, list[dict[str, Any]] | None]]
    vaults_complete: bool  # False when the vault list itself could not be read


@dataclass
class _Lists:
    vms: list[dict[str, Any]]
    status: dict[str, dict[str, Any]]
    disks: dict[str, dict[str, Any]]
    network: NetworkIndex | None
    vaults: list[dict[str, Any]]
    vaults_complete: bool
    problems: list[str]


async def _collect(pager: Any) -> list[dict[str, Any]]:
    return [item.as_dict() if hasattr(item, "as_dict") else dict(item) async for item in pager]


def _short(exc: BaseException) -> str:
    return explain(exc).one_line


def resolve_subscriptions(
    all_subs: Sequence[SubscriptionFacts], wanted: Sequence[str] | None
) -> list[SubscriptionFacts]:
    """Pick subscriptions by id or display name (case-insensitive); unknown ones raise ScanError."""
    if not wanted:
        return list(all_subs)
    chosen: list[SubscriptionFacts] = []
    for w in wanted:
        key = w.strip().lower()
        match = [s for s in all_subs if s.id.lower() == key or s.name.lower() == key]
        if not match:
            names = ", ".join(f"{s.name} ({s.id})" for s in all_subs) or "none"
            raise ScanError(f"unknown subscription {w!r}; the signed-in identity sees: {names}")
        if len(match) > 1:
            raise ScanError(
                f"subscription name {w!r} is ambiguous: use one of the ids {', '.join(m.id for m in match)}"
            )
        if match[0] not in chosen:
            chosen.append(match[0])
    return chosen


class InventoryService:
    def __init__(
        self, factory: ClientFactory, *, concurrency: int = 16, progress: Progress | None = None
    ) -> None:
        self.factory = factory
        self.concurrency = concurrency
        self.progress = progress or _nothing
        self._gate = asyncio.Semaphore(concurrency)

    async def list_subscriptions(self) -> list[SubscriptionFacts]:
        subs = [s async for s in self.factory.subscriptions().subscriptions.list()]
        return [
            SubscriptionFacts(
                id=s.subscription_id, name=s.display_name or s.subscription_id, state=str(s.state)
            )
            for s in sorted(subs, key=lambda s: (s.display_name or "").lower())
        ]

    async def scan(
        self, subscriptions: Sequence[str] | None = None, vms: Sequence[str] | None = None
    ) -> Inventory:
        """Read the chosen subscriptions (all when None); keep only ``vms`` (names or ids) when given."""
        chosen = resolve_subscriptions(await self.list_subscriptions(), subscriptions)
        wanted = {w.strip().lower() for w in vms or ()}
        results = await asyncio.gather(*(self._scan_subscription(s, wanted) for s in chosen))
        inventory = Inventory(subscriptions=chosen)
        items: dict[str, list[dict[str, Any]] | None] = {}
        incomplete: set[str] = set()
        for sub, result in zip(chosen, results, strict=True):
            inventory.vms.extend(result.vms)
            if not result.vaults_complete:
                incomplete.add(sub.id.lower())
            for vault, vault_items in result.vaults:
                inventory.vaults.append(vault)
                items[vault.id.lower()] = vault_items
                if vault_items is None:
                    incomplete.add(sub.id.lower())
        if vms:
            _check_vm_selection(inventory.vms, vms)
        await self._protection(inventory, items, incomplete)
        inventory.vms.sort(key=lambda v: (v.subscription_id.lower(), v.location, v.name.lower()))
        return inventory

    # -- one subscription ------------------------------------------------------------------------------
    async def _providers(self, sub: SubscriptionFacts) -> HttpResponseError | None:
        """Read the registration of the required providers (concurrently); the first error, if any."""

        async def one(namespace: str) -> tuple[str, str | None]:
            return namespace, await read_provider_state(self.factory, sub.id, namespace)

        results = await asyncio.gather(*(one(ns) for ns in REQUIRED_PROVIDERS), return_exceptions=True)
        for result in results:
            if isinstance(result, HttpResponseError):
                return result
            if isinstance(result, BaseException):
                raise result
        sub.providers = {ns: state for ns, state in results if state is not None}  # type: ignore[misc]
        sub.provider_state = sub.providers.get(RECOVERY_SERVICES)
        return None

    def _registered(self, sub: SubscriptionFacts, namespace: str) -> bool:
        return is_registered(sub.providers.get(namespace))

    async def _scan_subscription(self, sub: SubscriptionFacts, wanted: set[str]) -> _SubResult:
        error = await self._providers(sub)
        if error is not None:
            sub.access = "forbidden" if error.status_code == 403 else "error"
            sub.error = _short(error)
            self.progress(f"{sub.name}: {sub.access}", 1, 1)
            return _SubResult([], [], True)
        lists = await self._lists(sub, scale_sets=not wanted)
        if lists is None:
            return _SubResult([], [], True)
        if wanted:  # before any per-VM call
            lists.vms = [v for v in lists.vms if v["id"].lower() in wanted or v["name"].lower() in wanted]
        running = [
            v
            for v in lists.vms
            if _power_from_status(lists.status.get(v["id"].lower())) in (None, "running", "starting")
        ]
        views = await self._instance_views(sub, running)
        facts: list[VmFacts] = []
        for vm in lists.vms:
            key = vm["id"].lower()
            f = vm_facts(
                vm,
                instance_view=views.get(key, (None, None))[0],
                status_only=lists.status.get(key),
                disks_by_id=lists.disks,
                network=lists.network,
            )
            err = views.get(key, (None, None))[1]
            if err:
                f.agent.instance_view = False  # no agent or extension finding: the verdict is unknown
                f.unreadable.append(f"instance view: {err}")
            f.unreadable.extend(lists.problems)
            facts.append(f)
            sub.regions[f.location] = sub.regions.get(f.location, 0) + 1
        return _SubResult(facts, await self._vaults(sub, lists.vaults), lists.vaults_complete)

    async def _lists(self, sub: SubscriptionFacts, *, scale_sets: bool = True) -> _Lists | None:
        """Every subscription-wide list, none into a namespace that is not Registered. Scale sets only when
        the whole subscription is scanned (a scan narrowed to named VMs is not about them)."""
        compute, network = self.factory.compute(sub.id), self.factory.network(sub.id)

        async def guarded(label: str, pager: Any) -> list[dict[str, Any]] | str:
            try:
                return await _collect(pager)
            except HttpResponseError as e:
                return f"{label}: {_short(e)}"

        net_keys = ("nics", "nsgs", "vnets", "routes")
        # Microsoft.Authorization needs no registration: the locks are always listed.
        calls = {
            "locks": guarded(
                "locks", self.factory.locks(sub.id).management_locks.list_at_subscription_level()
            )
        }
        if self._registered(sub, COMPUTE):
            calls |= {
                "vms": guarded("virtual machines", compute.virtual_machines.list_all()),
                "status": guarded("power states", compute.virtual_machines.list_all(status_only="true")),
                "disks": guarded("disks", compute.disks.list()),
            }
            if scale_sets:
                calls["scale_sets"] = guarded("scale sets", compute.virtual_machine_scale_sets.list_all())
        if self._registered(sub, NETWORK):
            calls |= {
                "nics": guarded("network interfaces", network.network_interfaces.list_all()),
                "nsgs": guarded("network security groups", network.network_security_groups.list_all()),
                "vnets": guarded("virtual networks", network.virtual_networks.list_all()),
                "routes": guarded("route tables", network.route_tables.list_all()),
            }
        if self._registered(sub, RECOVERY_SERVICES):
            calls["vaults"] = guarded(
                "vaults", self.factory.recovery_services(sub.id).vaults.list_by_subscription_id()
            )
        got = dict(zip(calls, await asyncio.gather(*calls.values()), strict=True))
        self.progress(f"{sub.name}: listed resources", 1, 1)
        if isinstance(got.get("vms"), str):
            sub.access, sub.error = "error", got["vms"]
            return None
        errors = [v for v in got.values() if isinstance(v, str)]
        problems = [got[k] for k in ("status", "disks", "locks") if isinstance(got.get(k), str)]
        net_ok = all(isinstance(got.get(k), list) for k in net_keys)
        if errors:
            sub.error = "; ".join(errors)
        if isinstance(got["locks"], list):
            sub.locks = [lock for d in got["locks"] if (lock := lock_facts(d)) is not None]
        if isinstance(got.get("scale_sets"), list):
            sub.scale_sets = [s for d in got["scale_sets"] if (s := scale_set_facts(d)) is not None]

        def by_id(key: str) -> dict[str, dict[str, Any]]:
            val = got.get(key)
            return {d["id"].lower(): d for d in val if d.get("id")} if isinstance(val, list) else {}

        vaults = got.get("vaults")
        return _Lists(
            vms=got.get("vms") or [],  # type: ignore[arg-type]
            status=by_id("status"),
            disks=by_id("disks"),
            network=NetworkIndex.build(*(got[k] for k in net_keys)) if net_ok else None,  # type: ignore[arg-type]
            vaults=vaults if isinstance(vaults, list) else [],
            vaults_complete=not isinstance(vaults, str),
            problems=problems,
        )

    async def _instance_views(
        self, sub: SubscriptionFacts, vms: list[dict[str, Any]]
    ) -> dict[str, tuple[dict[str, Any] | None, str | None]]:
        compute = self.factory.compute(sub.id)
        out: dict[str, tuple[dict[str, Any] | None, str | None]] = {}

        async def one(vm: dict[str, Any]) -> None:
            try:
                iv = await compute.virtual_machines.instance_view(resource_group_of(vm["id"]), vm["name"])
                out[vm["id"].lower()] = (iv.as_dict(), None)
            except HttpResponseError as e:
                out[vm["id"].lower()] = (None, _short(e))

        await bounded_gather(
            one, vms, limit=self._gate, progress=self.progress, stage=f"{sub.name}: VM agents"
        )
        return out

    async def _vaults(
        self, sub: SubscriptionFacts, docs: list[dict[str, Any]]
    ) -> list[tuple[VaultFacts, list[dict[str, Any]] | None]]:
        """Vault facts with their protected VM items (None when the list could not be read)."""
        backup = self.factory.backup(sub.id)

        async def one(doc: dict[str, Any]) -> tuple[VaultFacts, list[dict[str, Any]] | None]:
            name, rg = str(doc.get("name") or name_of(doc["id"])), resource_group_of(doc["id"])
            items: list[dict[str, Any]] | None = None
            config: dict[str, Any] | None = None
            policies: list[dict[str, Any]] | None = None
            async with self._gate:
                try:
                    items = await _collect(
                        backup.backup_protected_items.list(name, rg, filter=VM_ITEMS_FILTER)
                    )
                except HttpResponseError as e:
                    sub.error = f"vault {name}: {_short(e)}"
            async with self._gate:
                try:
                    policies = await _collect(backup.backup_policies.list(name, rg, filter=IAAS_FILTER))
                except HttpResponseError as e:
                    sub.error = f"vault {name} policies: {_short(e)}"
            # unreadable: the lock then follows the protected items (facts.vault_facts)
            async with self._gate:
                with contextlib.suppress(HttpResponseError):
                    config = (await backup.backup_resource_storage_configs_non_crr.get(name, rg)).as_dict()
            vault = vault_facts(doc, protected_items=items, storage_config=config)
            if policies is not None:
                vault.policies = [p for d in policies if (p := policy_facts(d)) is not None]
            return vault, items

        return list(await asyncio.gather(*(one(d) for d in docs)))

    # -- protection ------------------------------------------------------------------------------------
    async def _protection(
        self,
        inventory: Inventory,
        items_by_vault: dict[str, list[dict[str, Any]] | None],
        incomplete_subs: set[str],
    ) -> None:
        """Protection from the vaults' item lists; backupStatus only for VMs those lists cannot answer
        (a subscription whose vault list or a vault's item list could not be read)."""
        by_vm: dict[str, tuple[VaultFacts, dict[str, Any]]] = {}
        for vault in inventory.vaults:
            for item in items_by_vault.get(vault.id.lower()) or ():
                if src := item_source(item):
                    by_vm[src] = (vault, item)
        ask: list[VmFacts] = []
        for vm in inventory.vms:
            hit = by_vm.get(vm.id.lower())
            sub = inventory.subscription(vm.subscription_id)
            if hit is not None:
                vm.protection = item_protection(hit[1], hit[0].id)
            elif sub is not None and not is_registered(sub.provider_state):
                # No vault can exist in a subscription without the provider, and asking would register it.
                vm.protection = ProtectionFacts(status="NotProtected", source="provider-not-registered")
            elif vm.subscription_id.lower() in incomplete_subs:
                ask.append(vm)
            else:
                vm.protection = ProtectionFacts(status="NotProtected", source="vault-items")

        async def status(vm: VmFacts) -> None:
            try:
                r = await self.factory.backup(vm.subscription_id).backup_status.get(
                    vm.location, {"resourceId": vm.id, "resourceType": "VM"}
                )
                vm.protection = ProtectionFacts(
                    status=r.protection_status,
                    vault_id=r.vault_id,
                    policy_name=r.policy_name,
                    error_code=r.error_code if r.error_code not in (None, "Success") else None,
                    source="backupStatus",
                )
            except HttpResponseError as e:
                vm.unreadable.append(f"backup status: {_short(e)}")

        await bounded_gather(status, ask, limit=self._gate, progress=self.progress, stage="backup status")


def _power_from_status(doc: dict[str, Any] | None) -> str | None:
    if doc is None:
        return None
    return power_state(((doc.get("properties") or {}).get("instanceView") or {}).get("statuses"))


def _check_vm_selection(vms: list[VmFacts], wanted: Sequence[str]) -> None:
    for w in wanted:
        key = w.strip().lower()
        match = [v for v in vms if v.id.lower() == key or v.name.lower() == key]
        if not match:
            raise ScanError(f"unknown VM {w!r}: no VM with that name or id in the scanned subscriptions")
        if len(match) > 1:
            raise ScanError(
                f"VM name {w!r} is ambiguous: use one of the ids {', '.join(m.id for m in match)}"
            )


__all__ = ["InventoryService", "ScanError", "name_of", "resolve_subscriptions"]
