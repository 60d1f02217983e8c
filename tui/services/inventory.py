"""Inventory: everything the rules need, read with subscription-wide list calls.

Per subscription (subscriptions concurrently, each with its own concurrency: ARM's throttling buckets are
per subscription, so one waiting for its tokens never holds a slot another could use): the registration of
Microsoft.RecoveryServices, Microsoft.Compute and Microsoft.Network (one providers.get each), then in
parallel the subscription-wide lists (VMs, VM power states, disks, scale sets, NICs, NSGs, virtual networks,
route tables, vaults, management locks), none into a namespace read as not Registered. Per vault: its
protected items, its storage configuration and its Azure VM policies. Per VM only what no list gives: the
instance view (agent, extensions, OS name), and only for VMs that are running (a stopped VM has no agent to
report). Protection comes from the vaults' protected-item lists; backupStatus (a POST, charged to ARM's
small write budget) is called only for VMs those lists cannot answer. Every request is paced by the
factory's `ArmPacer`.

Memory stays flat with the estate: list pages are read as they arrive and each document is reduced at once
to the facts the rules need (a VM to its `VmFacts`, a disk to a `DiskResource`, a NIC to a few ids); no
document is kept.

A read that fails (after the SDK's retries) makes only the facts it was for unreadable (`tui.model.Unreadable`
on the VMs concerned, whose verdict becomes ``unknown``); the scan goes on and reports. A subscription that
cannot be read at all becomes facts with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.azure import ClientFactory
from tui.azure.raw import (
    COMPUTE_DISKS_API,
    COMPUTE_VMS_API,
    NETWORK_API,
    instance_view_document,
    list_documents,
)
from tui.model import (
    COMPUTE,
    NETWORK,
    RECOVERY_SERVICES,
    REQUIRED_PROVIDERS,
    Inventory,
    ProtectionFacts,
    SubscriptionFacts,
    Unreadable,
    VaultFacts,
    VmFacts,
)

from .concurrency import bounded_gather
from .facts import (
    IAAS_FILTER,
    VM_ITEMS_FILTER,
    DiskResource,
    Doc,
    InstanceView,
    NetworkIndex,
    apply_network,
    complete_disks,
    disk_resource,
    is_registered,
    item_protection,
    item_source,
    lock_facts,
    merge_instance_view,
    name_of,
    nic_refs,
    policy_facts,
    power_state,
    read_instance_view,
    resource_group_of,
    scale_set_facts,
    subscription_facts,
    vault_facts,
    vm_model_facts,
)
from .progress import AGENTS, LISTS, PROVIDERS, STATUS, VAULTS, Progress, ScanProgress
from .reads import Reader

MISSING_REGISTRATION = "MissingSubscriptionRegistration"
NETWORK_LISTS = ("nics", "nsgs", "vnets", "routes")


class ScanError(Exception):
    """Bad scan input (unknown subscription or VM): one clear message, nothing read."""


def _d(item: Any) -> Any:
    """A list item as a plain document (TypeSpec models deserialize eagerly; ``as_dict`` gives the JSON)."""
    return item.as_dict() if hasattr(item, "as_dict") else item


Items = dict[str, ProtectionFacts]
"""A vault's protected VM items, reduced to what the protection facts need: {lower-cased VM id: protection}."""


@dataclass
class _SubResult:
    vms: list[VmFacts]
    vaults: list[tuple[VaultFacts, Items | None]]
    vaults_complete: bool  # False when the vault list itself could not be read


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
    """Reads subscriptions into an `Inventory`.

    ``concurrency`` is per subscription (ARM's buckets are). ``deadline`` (seconds) bounds the whole scan:
    what is not read by then is unreadable ("timed out", the call named) and the scan still reports.
    """

    def __init__(
        self,
        factory: ClientFactory,
        *,
        concurrency: int = 16,
        progress: Progress | None = None,
        deadline: float | None = None,
    ) -> None:
        self.factory = factory
        self.concurrency = concurrency
        self.progress = progress
        self.reader = Reader(deadline)

    async def list_subscriptions(self) -> list[SubscriptionFacts]:
        """Every subscription the identity sees. Without it nothing can be scanned, so a failure raises."""

        async def read() -> list[Any]:
            return [s async for s in self.factory.subscriptions().subscriptions.list()]

        try:
            async with asyncio.timeout_at(self.reader.deadline_at()):
                subs = await read()
        except TimeoutError:
            raise ScanError(
                f"the scan's deadline ({self.reader.deadline:g} s) passed before the subscriptions were "
                "listed (GET /subscriptions)"
            ) from None
        return [subscription_facts(s) for s in sorted(subs, key=lambda s: (s.display_name or "").lower())]

    async def scan(
        self, subscriptions: Sequence[str] | None = None, vms: Sequence[str] | None = None
    ) -> Inventory:
        """Read the chosen subscriptions (all when None); keep only ``vms`` (names or ids) when given."""
        chosen = resolve_subscriptions(await self.list_subscriptions(), subscriptions)
        wanted = {w.strip().lower() for w in vms or ()}
        progress = ScanProgress(self.progress, open_units=len(chosen) + 1)
        results = await asyncio.gather(*(_SubscriptionScan(self, s, wanted, progress).run() for s in chosen))
        inventory = Inventory(subscriptions=chosen)
        items: dict[str, Items | None] = {}
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
        await self._protection(inventory, items, incomplete, progress)
        inventory.vms.sort(key=lambda v: (v.subscription_id.lower(), v.location, v.name.lower()))
        return inventory

    # -- protection ------------------------------------------------------------------------------------
    async def _protection(
        self,
        inventory: Inventory,
        items_by_vault: dict[str, Items | None],
        incomplete_subs: set[str],
        progress: ScanProgress,
    ) -> None:
        """Protection from the vaults' item lists; backupStatus only for VMs those lists cannot answer
        (a subscription whose vault list or a vault's item list could not be read)."""
        by_vm: dict[str, ProtectionFacts] = {}
        for vault in inventory.vaults:
            by_vm.update(items_by_vault.get(vault.id.lower()) or {})
        ask: dict[str, list[VmFacts]] = {}
        for vm in inventory.vms:
            hit = by_vm.get(vm.id.lower())
            sub = inventory.subscription(vm.subscription_id)
            if hit is not None:
                vm.protection = hit
            elif sub is not None and not is_registered(sub.provider_state or "Registered"):
                # No vault can exist in a subscription without the provider, and asking would register it.
                vm.protection = ProtectionFacts(status="NotProtected", source="provider-not-registered")
            elif vm.subscription_id.lower() in incomplete_subs:
                ask.setdefault(vm.subscription_id.lower(), []).append(vm)
            else:
                vm.protection = ProtectionFacts(status="NotProtected", source="vault-items")
        progress.expect(STATUS, sum(len(v) for v in ask.values()))
        progress.settle()

        async def status(vm: VmFacts) -> None:
            r = await self.reader.read(
                "backup status",
                f"POST /subscriptions/{vm.subscription_id}/providers/Microsoft.RecoveryServices/locations/"
                f"{vm.location}/backupStatus",
                self.factory.backup(vm.subscription_id).backup_status.get(
                    vm.location, {"resourceId": vm.id, "resourceType": "VM"}
                ),
            )
            if isinstance(r, Unreadable):
                vm.unreadable.append(r)
            else:
                vm.protection = ProtectionFacts(
                    status=r.protection_status,
                    vault_id=r.vault_id,
                    policy_name=r.policy_name,
                    error_code=r.error_code if r.error_code not in (None, "Success") else None,
                    source="backupStatus",
                )
            progress.done(STATUS)

        # each subscription with its own limit: ARM's buckets are per subscription
        await asyncio.gather(*(bounded_gather(status, vms, limit=self.concurrency) for vms in ask.values()))


@dataclass
class _SubscriptionScan:
    """The reads of one subscription, and what they found so far (reduced facts, never documents)."""

    service: InventoryService
    sub: SubscriptionFacts
    wanted: set[str]
    progress: ScanProgress
    vms: dict[str, VmFacts] = field(default_factory=dict)  # lower id -> facts
    refs: dict[str, list[str]] = field(default_factory=dict)  # lower VM id -> its NIC ids
    power: dict[str, str | None] = field(default_factory=dict)  # lower VM id -> statusOnly power state
    disks: dict[str, DiskResource] = field(default_factory=dict)  # lower disk id -> resource facts
    network: NetworkIndex = field(default_factory=NetworkIndex)
    vault_docs: list[dict[str, Any]] = field(default_factory=list)
    views: asyncio.Queue[tuple[str, str] | None] = field(default_factory=asyncio.Queue)  # VMs to read
    requested: set[str] = field(default_factory=set)  # lower ids whose instance view was asked for
    pending: dict[str, InstanceView | Unreadable] = field(default_factory=dict)  # views ahead of models
    failed: dict[str, Unreadable] = field(default_factory=dict)  # list key -> why it failed

    @property
    def factory(self) -> ClientFactory:
        return self.service.factory

    @property
    def reader(self) -> Reader:
        return self.service.reader

    def _path(self, rest: str) -> str:
        return f"GET /subscriptions/{self.sub.id}/{rest}"

    async def run(self) -> _SubResult:
        """Providers, then every list at once; instance views start as the power-state pages arrive (the
        VM list, the heavier one, is read alongside), vault reads as soon as the vault list is in."""
        workers: list[asyncio.Future[None]] = []
        tasks: dict[str, asyncio.Future[None]] = {}
        try:
            if not await self._providers():
                return _SubResult([], [], True)
            workers = [asyncio.ensure_future(self._view_worker()) for _ in range(self.service.concurrency)]
            lists = self._list_calls()
            self.progress.expect(LISTS, len(lists))
            tasks = {key: asyncio.ensure_future(self._list(key, *call)) for key, call in lists.items()}
            if "vms" in tasks:
                await asyncio.gather(tasks["vms"], tasks["status"])
                if self._vm_list_unusable():
                    await asyncio.gather(*tasks.values())
                    return _SubResult([], [], True)
                for key, vm in self.vms.items():
                    vm.power_state = vm.power_state or self.power.get(key)
                    if (vm.power_state or "running") in ("running", "starting"):
                        self._request_view(vm.id, vm.name)  # not in the power-state list, or it failed
            for _ in workers:
                self.views.put_nowait(None)  # every view is asked for: the workers end when it is read
            vaults_complete = True
            vaults: list[tuple[VaultFacts, Items | None]] = []
            if "vaults" in tasks:
                await tasks["vaults"]
                vaults_complete = "vaults" not in self.failed
                vaults = await self._vaults()
            await asyncio.gather(*workers, *tasks.values())
            self._complete()
            return _SubResult(list(self.vms.values()), vaults, vaults_complete)
        finally:  # on a failure that ends the scan (a sign-in that expired), nothing is left running
            for task in [*workers, *tasks.values()]:
                task.cancel()
            await asyncio.gather(*workers, *tasks.values(), return_exceptions=True)
            self.progress.settle()

    # -- providers --------------------------------------------------------------------------------------
    async def _providers(self) -> bool:
        """Read the registration of the required providers (concurrently). False when the subscription
        forbids reading (403): then nothing more is tried. A registration that could not be read otherwise
        is left unknown; the lists into it then find out (auto-registration is refused in every client)."""
        sub = self.sub
        providers = self.factory.resources(sub.id).providers
        self.progress.expect(PROVIDERS, len(REQUIRED_PROVIDERS))

        async def one(namespace: str) -> Any:
            result = await self.reader.read(
                f"{namespace} registration",
                self._path(f"providers/{namespace}"),
                providers.get(namespace),
            )
            self.progress.done(PROVIDERS)
            return result

        results = await asyncio.gather(*(one(ns) for ns in REQUIRED_PROVIDERS))
        errors = [r for r in results if isinstance(r, Unreadable)]
        if any(e.status == 403 for e in errors):
            sub.access = "forbidden"
            sub.error = next(e.error for e in errors if e.status == 403)
            return False
        for ns, result in zip(REQUIRED_PROVIDERS, results, strict=True):
            if not isinstance(result, Unreadable) and result.registration_state is not None:
                sub.providers[ns] = str(result.registration_state)
        sub.provider_state = sub.providers.get(RECOVERY_SERVICES)
        if errors:
            sub.error = "; ".join(str(e) for e in errors)
        return True

    def _may_list(self, namespace: str) -> bool:
        """List into ``namespace`` unless it was read as not Registered (unknown: try; a 409 tells)."""
        state = self.sub.providers.get(namespace)
        return state is None or is_registered(state)

    # -- lists -------------------------------------------------------------------------------------------
    def _list_calls(self) -> dict[str, tuple[str, str | None, str, Any, Callable[[Any], None]]]:
        """key -> (what, namespace, call, pager, take): every subscription-wide list this scan makes.
        Scale sets only when the whole subscription is scanned (a scan narrowed to named VMs is not about
        them). Microsoft.Authorization needs no registration: the locks are always listed."""
        sub_id = self.sub.id
        calls: dict[str, tuple[str, str | None, str, Any, Callable[[Any], None]]] = {
            "locks": (
                "locks",
                None,
                self._path("providers/Microsoft.Authorization/locks"),
                self.factory.locks(sub_id).management_locks.list_at_subscription_level(),
                self._take_lock,
            )
        }
        self.sub.locks = []
        if self._may_list(COMPUTE):
            compute = self.factory.compute(sub_id)
            vms = f"/subscriptions/{sub_id}/providers/Microsoft.Compute/virtualMachines"
            disks = f"/subscriptions/{sub_id}/providers/Microsoft.Compute/disks"
            # the hot lists (one item per VM or disk) as plain JSON: see tui.azure.raw
            calls |= {
                "vms": (
                    "virtual machines",
                    COMPUTE,
                    f"GET {vms}",
                    list_documents(compute, vms, COMPUTE_VMS_API),
                    self._take_vm,
                ),
                "status": (
                    "power states",
                    COMPUTE,
                    f"GET {vms}?statusOnly=true",
                    list_documents(compute, vms, COMPUTE_VMS_API, {"statusOnly": "true"}),
                    self._take_status,
                ),
                "disks": (
                    "disks",
                    COMPUTE,
                    f"GET {disks}",
                    list_documents(compute, disks, COMPUTE_DISKS_API),
                    self._take_disk,
                ),
            }
            if not self.wanted:
                self.sub.scale_sets = []
                calls["scale_sets"] = (
                    "scale sets",
                    COMPUTE,
                    self._path("providers/Microsoft.Compute/virtualMachineScaleSets"),
                    compute.virtual_machine_scale_sets.list_all(),
                    self._take_scale_set,
                )
        if self._may_list(NETWORK):
            network = self.factory.network(sub_id)
            nics = f"/subscriptions/{sub_id}/providers/Microsoft.Network/networkInterfaces"
            for key, what, rtype, pager in (
                (
                    "nics",
                    "network interfaces",
                    "networkInterfaces",
                    list_documents(network, nics, NETWORK_API),
                ),
                (
                    "nsgs",
                    "network security groups",
                    "networkSecurityGroups",
                    network.network_security_groups.list_all(),
                ),
                ("vnets", "virtual networks", "virtualNetworks", network.virtual_networks.list_all()),
                ("routes", "route tables", "routeTables", network.route_tables.list_all()),
            ):
                calls[key] = (
                    what,
                    NETWORK,
                    self._path(f"providers/Microsoft.Network/{rtype}"),
                    pager,
                    self._take_network(key),
                )
        if self._may_list(RECOVERY_SERVICES):
            calls["vaults"] = (
                "vaults",
                RECOVERY_SERVICES,
                self._path("providers/Microsoft.RecoveryServices/vaults"),
                self.factory.recovery_services(sub_id).vaults.list_by_subscription_id(),
                lambda item: self.vault_docs.append(_d(item)),
            )
        return calls

    async def _list(
        self, key: str, what: str, namespace: str | None, call: str, pager: Any, take: Callable[[Any], None]
    ) -> None:
        failure = await self.reader.each(what, call, pager, take)
        self.progress.done(LISTS)
        if failure is None:
            if namespace is not None and namespace not in self.sub.providers:
                self.sub.providers[namespace] = "Registered"  # its registration was unread; it answered
                self.sub.provider_state = self.sub.providers.get(RECOVERY_SERVICES)
            return
        if failure.code == MISSING_REGISTRATION and namespace is not None:
            self.sub.providers[namespace] = "NotRegistered"  # a finding (provider-not-registered), no failure
            if namespace == RECOVERY_SERVICES:
                self.sub.provider_state = "NotRegistered"
            return
        self.failed[key] = failure
        self.sub.error = "; ".join(str(f) for f in self.failed.values())

    def _vm_list_unusable(self) -> bool:
        """The VM list failed before a single VM was read: the subscription cannot be assessed."""
        failure = self.failed.get("vms")
        if failure is None or self.vms:
            if failure is not None:
                self.sub.access = "error"
            return False
        self.sub.access = "error"
        self.sub.error = str(failure)
        return True

    def _wanted(self, vm_id: str, name: Any) -> bool:
        return not self.wanted or vm_id.lower() in self.wanted or str(name).lower() in self.wanted

    def _take_vm(self, doc: Doc) -> None:
        """One VM list item, a plain JSON document (tui.azure.raw): never converted to an SDK model."""
        if not isinstance(doc.get("id"), str) or not self._wanted(doc["id"], doc.get("name")):
            return
        facts = vm_model_facts(doc)
        key = facts.id.lower()
        self.vms[key] = facts
        if key in self.pending:  # its instance view came first
            _merge_view(facts, self.pending.pop(key))
        self.refs[key] = nic_refs(doc)
        self.sub.regions[facts.location] = self.sub.regions.get(facts.location, 0) + 1

    def _take_status(self, doc: Doc) -> None:
        if isinstance(doc.get("id"), str) and self._wanted(doc["id"], doc.get("name")):
            statuses = ((doc.get("properties") or {}).get("instanceView") or {}).get("statuses")
            power = self.power[doc["id"].lower()] = power_state(statuses)
            if (power or "running") in ("running", "starting"):  # a stopped VM has no agent to report
                self._request_view(doc["id"], doc.get("name"))

    def _take_disk(self, doc: Doc) -> None:
        if isinstance(doc.get("id"), str):
            self.disks[doc["id"].lower()] = disk_resource(doc)

    def _take_lock(self, item: Any) -> None:
        lock = lock_facts(_d(item))
        if lock is not None and self.sub.locks is not None:
            self.sub.locks.append(lock)

    def _take_scale_set(self, item: Any) -> None:
        found = scale_set_facts(_d(item))
        if found is not None and self.sub.scale_sets is not None:
            self.sub.scale_sets.append(found)

    def _take_network(self, kind: str) -> Callable[[Any], None]:
        if kind == "nics":  # one per VM: read as a mapping (see _take_vm); the few others as documents
            return lambda item: self.network.add(kind, [item])
        return lambda item: self.network.add(kind, [_d(item)])

    # -- per VM ------------------------------------------------------------------------------------------
    def _request_view(self, vm_id: str, name: Any) -> None:
        """Ask for a VM's instance view (once): a worker reads it as soon as one is free."""
        key = vm_id.lower()
        if key not in self.requested:
            self.requested.add(key)
            self.progress.expect(AGENTS)
            self.views.put_nowait((vm_id, str(name or name_of(vm_id))))

    async def _view_worker(self) -> None:
        """Read requested instance views until told to stop; each goes onto its VM's facts, or waits in
        `pending` for the VM model (the VM list is read at the same time)."""
        compute = self.factory.compute(self.sub.id)
        while (request := await self.views.get()) is not None:
            vm_id, name = request
            result = await self.reader.read(
                "instance view",
                f"GET {vm_id}/instanceView",
                instance_view_document(compute, resource_group_of(vm_id), name),
            )
            view = result if isinstance(result, Unreadable) else read_instance_view(result)
            vm = self.vms.get(vm_id.lower())
            if vm is None:
                self.pending[vm_id.lower()] = view
            else:
                _merge_view(vm, view)
            self.progress.done(AGENTS)

    def _complete(self) -> None:
        """Disks, network and locks onto every VM once the lists are in; what a failed list leaves
        unknown is marked on the VMs it concerns."""
        network = self._may_list(NETWORK)
        net_failure = next((self.failed[k] for k in NETWORK_LISTS if k in self.failed), None)
        for key, vm in self.vms.items():
            complete_disks(vm.disks, self.disks)
            if "disks" in self.failed and any(d.id and d.id.lower() not in self.disks for d in vm.disks):
                vm.unreadable.append(self.failed["disks"])
            if network:
                apply_network(vm, self.refs.get(key, []), self.network)
                if net_failure and vm.network is not None and vm.network.outbound_internet_443 is None:
                    vm.unreadable.append(net_failure)
            if "locks" in self.failed:
                vm.unreadable.append(self.failed["locks"])
            if "status" in self.failed and vm.power_state is None:
                vm.unreadable.append(self.failed["status"])
        if "locks" in self.failed:
            self.sub.locks = None
        if "scale_sets" in self.failed:
            self.sub.scale_sets = None
        self.refs.clear()
        self.disks.clear()
        self.network = NetworkIndex()

    # -- vaults ------------------------------------------------------------------------------------------
    async def _vaults(self) -> list[tuple[VaultFacts, Items | None]]:
        """Vault facts with their protected VM items (None when the list could not be read)."""
        backup = self.factory.backup(self.sub.id)
        self.progress.expect(VAULTS, 3 * len(self.vault_docs))

        async def one(doc: dict[str, Any]) -> tuple[VaultFacts, Items | None]:
            name, rg = str(doc.get("name") or name_of(doc["id"])), resource_group_of(doc["id"])
            base = f"GET {doc['id']}"
            item_docs = await self.reader.read(
                f"protected items of vault {name}",
                f"{base}/backupProtectedItems",
                _all(backup.backup_protected_items.list(name, rg, filter=VM_ITEMS_FILTER)),
            )
            self.progress.done(VAULTS)
            policies = await self.reader.read(
                f"policies of vault {name}",
                f"{base}/backupPolicies",
                _all(backup.backup_policies.list(name, rg, filter=IAAS_FILTER)),
            )
            self.progress.done(VAULTS)
            config = await self.reader.read(
                f"storage configuration of vault {name}",
                f"{base}/backupstorageconfig/vaultstorageconfig",
                backup.backup_resource_storage_configs_non_crr.get(name, rg),
            )
            self.progress.done(VAULTS)
            # unreadable config: the lock follows the protected items (facts.vault_facts)
            readable_items = None if isinstance(item_docs, Unreadable) else [_d(d) for d in item_docs]
            vault = vault_facts(
                doc,
                protected_items=readable_items,
                storage_config=None if isinstance(config, Unreadable) else _d(config),
            )
            items: Items | None = None
            if isinstance(item_docs, Unreadable):
                vault.items_unreadable = item_docs
                self.sub.error = f"vault {name}: {item_docs.error}"
            else:  # reduced at once: the documents are not kept
                items = {
                    src: item_protection(d, vault.id) for d in readable_items or () if (src := item_source(d))
                }
            if isinstance(config, Unreadable):
                vault.config_unreadable = config
            if isinstance(policies, Unreadable):
                vault.policies_unreadable = policies
                self.sub.error = f"vault {name} policies: {policies.error}"
            else:
                vault.policies = [p for d in policies if (p := policy_facts(_d(d))) is not None]
            return vault, items

        docs, self.vault_docs = self.vault_docs, []
        return await bounded_gather(one, docs, limit=self.service.concurrency)


async def _all(pager: Any) -> list[Any]:
    return [item async for item in pager]


def _merge_view(vm: VmFacts, view: InstanceView | Unreadable) -> None:
    if isinstance(view, Unreadable):
        vm.agent.instance_view = False  # no agent or extension finding: the verdict is unknown
        vm.unreadable.append(view)
    else:
        merge_instance_view(vm, view)


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


__all__ = ["InventoryService", "Progress", "ScanError", "name_of", "power_state", "resolve_subscriptions"]
