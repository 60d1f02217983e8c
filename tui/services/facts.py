"""Pure functions from ARM documents (as the SDK's ``as_dict()`` or an estate file gives them) to facts.

Kept free of I/O so the same code reads a live subscription and a test's hand-built documents. Real ARM
documents are read defensively: a value of the wrong type (a string where a list belongs, a missing
``properties``) makes that fact unknown (``None``) and is recorded as a problem, which makes the VM's
verdict ``unknown`` instead of crashing or guessing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tui.model import (
    AgentFacts,
    DiskFacts,
    ExtensionFacts,
    LockFacts,
    NetworkFacts,
    PolicyFacts,
    ProtectionFacts,
    ScaleSetFacts,
    SubscriptionFacts,
    Unreadable,
    VaultFacts,
    VmFacts,
)
from tui.rules.nsg import Nsg, forced_tunnel, load_nsg, outbound_verdict

Doc = Mapping[str, Any]
# $filter values of the Backup service's lists (backupPolicies, backupProtectableItems, backupProtectedItems).
IAAS_FILTER = "backupManagementType eq 'AzureIaasVM'"
VM_ITEMS_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"
BACKUP_EXTENSION_TYPES = (
    "microsoft.azure.recoveryservices.vmsnapshot",
    "microsoft.azure.recoveryservices.vmsnapshotlinux",
)


def resource_group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    low = [p.lower() for p in parts]
    return parts[low.index("resourcegroups") + 1] if "resourcegroups" in low else ""


def subscription_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2] if len(parts) > 2 else ""


def name_of(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def _obj(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one (for lenient reads where absence is fine)."""
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a JSON list (anything else: none)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _word(value: Any) -> str | None:
    """`_str` for values thousands of VMs repeat (statuses, versions, SKUs, extension types): one shared
    string each, not one per VM."""
    text = _str(value)
    return sys.intern(text) if text is not None and len(text) <= 300 else text


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class Shape:
    """Reads nested objects and lists of one document, noting every value of the wrong type."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.problems: list[Unreadable] = []

    def _bad(self, path: str, value: Any, expected: str) -> None:
        self.problems.append(Unreadable(self.what, f"{path} is {type(value).__name__}, not {expected}"))

    def obj(self, parent: Any, key: str, path: str) -> Mapping[str, Any] | None:
        """``parent[key]`` as an object: {} when absent or null, None (noted) when of another type."""
        value = parent.get(key) if isinstance(parent, Mapping) else None
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self._bad(path, value, "an object")
            return None
        return value

    def arr(self, parent: Any, key: str, path: str) -> list[Mapping[str, Any]] | None:
        """``parent[key]`` as a list of objects: [] when absent or null, None (noted) when not a list."""
        value = parent.get(key) if isinstance(parent, Mapping) else None
        if value is None:
            return []
        if not isinstance(value, list):
            self._bad(path, value, "a list")
            return None
        items = [v for v in value if isinstance(v, Mapping)]
        if len(items) != len(value):
            self.problems.append(Unreadable(self.what, f"{path} holds entries that are not objects"))
            return None
        return items


def status_state(code: Any) -> str | None:
    """``ProvisioningState/failed/-2147024894`` -> ``failed``: the segment after ProvisioningState/ up to the
    next ``/`` (real status codes carry a third segment), lower-cased; None for any other code."""
    if not isinstance(code, str):
        return None
    parts = code.split("/")
    if len(parts) < 2 or parts[0].strip().lower() != "provisioningstate" or not parts[1].strip():
        return None
    return sys.intern(parts[1].strip().lower())


def power_state(statuses: Any) -> str | None:
    for s in _items(statuses):
        code = _str(s.get("code")) or ""
        if code.lower().startswith("powerstate/"):
            return sys.intern(code.split("/")[1].lower()) or None
    return None


def _status(statuses: Any) -> Mapping[str, Any] | None:
    """The first ``ProvisioningState/...`` status of a list."""
    return next((s for s in _items(statuses) if status_state(s.get("code"))), None)


class IpConfig(NamedTuple):
    """What the network assessment needs of one NIC ip configuration."""

    subnet_id: str | None
    private_ip: str | None
    public_ip: bool
    load_balanced: bool


class Nic(NamedTuple):
    """What the network assessment needs of one network interface (a few ids, not the document)."""

    nsg_id: str | None
    ip_configs: tuple[IpConfig, ...]


class Subnet(NamedTuple):
    nsg_id: str | None
    route_table_id: str | None


def _id(value: Any) -> str | None:
    """An ARM id as one shared string (thousands of VMs name the same subnet and NSG ids)."""
    text = _str(value)
    return sys.intern(text) if text else None


def _key(resource_id: str) -> str:
    return sys.intern(resource_id.lower())


def nic_record(doc: Doc) -> Nic:
    props = _obj(doc.get("properties"))
    configs = []
    for ipc in _items(props.get("ipConfigurations")):
        iprops = _obj(ipc.get("properties"))
        configs.append(
            IpConfig(
                subnet_id=_id(_obj(iprops.get("subnet")).get("id")),
                private_ip=_str(iprops.get("privateIPAddress")),
                public_ip=bool(iprops.get("publicIPAddress")),
                load_balanced=bool(iprops.get("loadBalancerBackendAddressPools")),
            )
        )
    return Nic(_id(_obj(props.get("networkSecurityGroup")).get("id")), tuple(configs))


@dataclass
class NetworkIndex:
    """Subscription-wide network facts by lower-cased id: compact NIC and subnet records (a large
    subscription has one NIC per VM), the NSG and route table documents (few, and their rules are needed).
    Filled page by page as the lists arrive (``add``), or at once (``build``)."""

    nics: dict[str, Nic] = field(default_factory=dict)
    nsgs: dict[str, Nsg | str] = field(default_factory=dict)  # parsed once; a str says why it is malformed
    subnets: dict[str, Subnet] = field(default_factory=dict)
    route_tables: dict[str, Doc] = field(default_factory=dict)

    def add(self, kind: str, docs: Iterable[Doc]) -> None:
        """Index a page of ``kind`` documents: nics, nsgs, vnets (their subnets) or routes."""
        for doc in docs:
            if not isinstance(doc, Mapping) or not _str(doc.get("id")):
                continue
            key = _key(str(doc["id"]))
            if kind == "nics":
                self.nics[key] = nic_record(doc)
            elif kind == "nsgs":
                try:  # parsed once for the thousands of VMs behind it
                    self.nsgs[key] = load_nsg(doc) or Nsg(name_of(key), ())
                except (TypeError, AttributeError, ValueError) as exc:
                    self.nsgs[key] = f"NSG {doc.get('name')!r} is malformed ({exc})"
            elif kind == "routes":
                self.route_tables[key] = doc
            elif kind == "vnets":
                for sn in _items(_obj(doc.get("properties")).get("subnets")):
                    if _str(sn.get("id")):
                        sprops = _obj(sn.get("properties"))
                        self.subnets[_key(str(sn["id"]))] = Subnet(
                            _id(_obj(sprops.get("networkSecurityGroup")).get("id")),
                            _id(_obj(sprops.get("routeTable")).get("id")),
                        )
            else:
                raise ValueError(f"unknown network list {kind!r}")

    @classmethod
    def build(
        cls, nics: Sequence[Doc], nsgs: Sequence[Doc], vnets: Sequence[Doc], route_tables: Sequence[Doc]
    ) -> NetworkIndex:
        index = cls()
        for kind, docs in (("nics", nics), ("nsgs", nsgs), ("vnets", vnets), ("routes", route_tables)):
            index.add(kind, docs)
        return index


def nic_refs(vm: Doc) -> list[str]:
    """The ids of the VM's network interfaces, from its model."""
    profile = _obj(_obj(vm.get("properties")).get("networkProfile"))
    return [str(n["id"]) for n in _items(profile.get("networkInterfaces")) if _str(n.get("id"))]


def network_facts(vm: Doc, index: NetworkIndex) -> NetworkFacts:
    """Static assessment: outbound TCP 443 to Internet and Storage through NIC and subnet NSGs, and forced
    tunnelling through the subnets' route tables. Unknown references leave the verdicts at None."""
    return nic_network_facts(nic_refs(vm), str(vm.get("location") or ""), index)


def nic_network_facts(refs: Sequence[str], region: str, index: NetworkIndex) -> NetworkFacts:
    """`network_facts` for a VM given by its NIC ids and region."""
    facts = NetworkFacts()
    facts.nic_ids = [_id(r) or r for r in refs]
    facts.nic_count = len(refs)
    allowed: dict[str, list[bool]] = {"Internet": [], "Storage": []}
    route_docs: list[Doc] = []
    public_ips = 0
    load_balanced = False
    complete = True
    for nic_id in refs:
        nic = index.nics.get(nic_id.lower())
        if nic is None:
            complete = False
            continue
        if nic.nsg_id:
            facts.nsg_ids.append(nic.nsg_id)
        for ipc in nic.ip_configs:
            public_ips += ipc.public_ip
            load_balanced = load_balanced or ipc.load_balanced
            if not ipc.subnet_id:
                continue
            facts.subnet_ids.append(ipc.subnet_id)
            subnet = index.subnets.get(ipc.subnet_id.lower())
            if subnet is None:
                complete = False
                continue
            if subnet.nsg_id:
                facts.nsg_ids.append(subnet.nsg_id)
            if subnet.route_table_id:
                facts.route_table_ids.append(subnet.route_table_id)
                rt = index.route_tables.get(subnet.route_table_id.lower())
                if rt is None:
                    complete = False
                else:
                    route_docs.append(rt)
            nic_nsg = index.nsgs.get(nic.nsg_id.lower()) if nic.nsg_id else None
            subnet_nsg = index.nsgs.get(subnet.nsg_id.lower()) if subnet.nsg_id else None
            for bad in (nic_nsg, subnet_nsg):
                if isinstance(bad, str):
                    raise ValueError(bad)
            if (nic.nsg_id and nic_nsg is None) or (subnet.nsg_id and subnet_nsg is None):
                complete = False
                continue
            for dest in allowed:
                verdict = outbound_verdict(
                    nic_nsg,
                    subnet_nsg,
                    destination=dest,
                    port=443,
                    region=region,
                    source_ip=ipc.private_ip,
                )
                allowed[dest].append(verdict.allowed)
                if not verdict.allowed:
                    facts.blocking_rules.extend(r for r in verdict.blocking if r not in facts.blocking_rules)
    facts.nsg_ids = list(dict.fromkeys(facts.nsg_ids))
    facts.subnet_ids = list(dict.fromkeys(facts.subnet_ids))
    facts.public_ip_count = public_ips
    facts.load_balanced = load_balanced
    if complete and allowed["Internet"]:
        facts.outbound_internet_443 = all(allowed["Internet"])
        facts.outbound_storage_443 = all(allowed["Storage"])
    facts.forced_tunnel = forced_tunnel(route_docs) if route_docs else None
    return facts


def _extension(doc: Mapping[str, Any], statuses: Any) -> ExtensionFacts:
    status = _status(statuses)
    message = _word((status or {}).get("message"))
    if message is None:
        message = next((m for s in _items(statuses) if (m := _word(s.get("message")))), None)
    return ExtensionFacts(
        name=_word(doc.get("name")) or _short_type(_str(doc.get("type")) or ""),
        type=_word(doc.get("type")) or "",
        state=status_state((status or {}).get("code")),
        message=message,
        code=_word((status or {}).get("code")),
    )


def _short_type(ext_type: str) -> str:
    """``Microsoft.Azure.RecoveryServices.VMSnapshot`` -> ``VMSnapshot``."""
    return ext_type.rsplit(".", 1)[-1] if ext_type else "?"


def provision_vm_agent(vm: Doc) -> bool | None:
    """osProfile.windowsConfiguration / linuxConfiguration.provisionVMAgent of a VM model."""
    os_profile = _obj(_obj(vm.get("properties")).get("osProfile"))
    conf = _obj(os_profile.get("windowsConfiguration")) or _obj(os_profile.get("linuxConfiguration"))
    return _bool(conf.get("provisionVMAgent"))


def agent_facts(vm: Doc, instance_view: Doc | None, shape: Shape | None = None) -> AgentFacts:
    """The agent from the model (provisionVMAgent) and the instance view (vmAgent, extensions, handlers).

    ``instance_view`` None means it was not read (a failed read is marked by the caller). Every extension
    is kept, from ``extensions`` and, for those only the agent reports, ``vmAgent.extensionHandlers``.
    """
    return read_agent(provision_vm_agent(vm), instance_view, shape)


def read_agent(provision: bool | None, instance_view: Doc | None, shape: Shape | None = None) -> AgentFacts:
    """`agent_facts` given the model's provisionVMAgent rather than the model."""
    shape = shape or Shape("instance view")
    facts = AgentFacts(provision_vm_agent=provision)
    if instance_view is None:
        return facts
    before = len(shape.problems)
    agent = shape.obj(instance_view, "vmAgent", "vmAgent")
    statuses = shape.arr(agent, "statuses", "vmAgent.statuses") if agent is not None else None
    handlers = shape.arr(agent, "extensionHandlers", "vmAgent.extensionHandlers") if agent else []
    extensions = shape.arr(instance_view, "extensions", "extensions")
    ext_statuses = [
        shape.arr(e, "statuses", f"extensions[{i}].statuses") for i, e in enumerate(extensions or ())
    ]
    if len(shape.problems) > before:
        facts.instance_view = False  # malformed: nothing about the agent can be trusted
        return facts
    facts.instance_view = True
    facts.reported = bool(agent)
    if agent:
        first = (statuses or [{}])[0]
        facts.status = _word(first.get("displayStatus"))
        facts.state = status_state(first.get("code"))
        facts.message = _word(first.get("message"))
        facts.version = _word(agent.get("vmAgentVersion"))
        facts.handlers = len(handlers or ())
    facts.extensions = [_extension(e, st) for e, st in zip(extensions or (), ext_statuses, strict=True)]
    known = {e.type.lower() for e in facts.extensions if e.type}
    for h in handlers or ():
        h_type = _str(h.get("type")) or ""
        if h_type and h_type.lower() not in known:
            status = _obj(h.get("status"))
            facts.extensions.append(
                ExtensionFacts(
                    name=sys.intern(_short_type(h_type)),
                    type=sys.intern(h_type),
                    state=status_state(status.get("code")),
                    message=_word(status.get("message")),
                    code=_word(status.get("code")),
                )
            )
            known.add(h_type.lower())
    facts.backup_extension = next(
        (e for e in facts.extensions if e.type.lower() in BACKUP_EXTENSION_TYPES), None
    )
    return facts


class DiskResource(NamedTuple):
    """What a managed disk resource adds to the VM model's view of the disk."""

    size_gb: int | None
    sku: str | None
    max_shares: int | None
    ade_encrypted: bool
    data_access_auth_mode: str | None
    security_type: str | None


def disk_resource(doc: Doc) -> DiskResource:
    """A managed disk (``disks`` list item) reduced to what the rules read."""
    props = _obj(doc.get("properties"))
    return DiskResource(
        size_gb=_int(props.get("diskSizeGB")),
        sku=_str(_obj(doc.get("sku")).get("name")),
        max_shares=_int(props.get("maxShares")),
        ade_encrypted=_bool(_obj(props.get("encryptionSettingsCollection")).get("enabled")) is True,
        data_access_auth_mode=_str(props.get("dataAccessAuthMode")),
        security_type=_str(_obj(props.get("securityProfile")).get("securityType")),
    )


def model_disks(vm: Doc, shape: Shape | None = None) -> list[DiskFacts]:
    """The OS disk and data disks as the VM model describes them (complete them with `complete_disks`)."""
    shape = shape or Shape("VM model")
    storage = shape.obj(_obj(vm.get("properties")), "storageProfile", "properties.storageProfile") or {}
    os_disk = shape.obj(storage, "osDisk", "storageProfile.osDisk")
    data = shape.arr(storage, "dataDisks", "storageProfile.dataDisks")
    entries = [(os_disk, True)] + [(d, False) for d in data or ()]
    out: list[DiskFacts] = []
    for entry, is_os in entries:
        if not entry:
            continue
        managed = _obj(entry.get("managedDisk"))
        disk_id = _id(managed.get("id"))
        vhd = _str(_obj(entry.get("vhd")).get("uri"))
        out.append(
            DiskFacts(
                name=_str(entry.get("name")) or (name_of(disk_id) if disk_id else "?"),
                is_os=is_os,
                lun=None if is_os else _int(entry.get("lun")),
                id=disk_id,
                managed=not (vhd and not disk_id),
                size_gb=_int(entry.get("diskSizeGB")),
                sku=_word(managed.get("storageAccountType")),
                write_accelerator=_bool(entry.get("writeAcceleratorEnabled")) is True,
                ephemeral=is_os and bool(_obj(entry.get("diffDiskSettings"))),
                ade_encrypted=_bool(_obj(entry.get("encryptionSettings")).get("enabled")) is True,
                vhd_uri=vhd,
            )
        )
    return out


def complete_disks(disks: Sequence[DiskFacts], resources: Mapping[str, DiskResource]) -> None:
    """Fill in what only the managed disk resources say (by lower-cased disk id)."""
    for disk in disks:
        res = resources.get(disk.id.lower()) if disk.id else None
        if res is None:
            continue
        if disk.size_gb is None:
            disk.size_gb = res.size_gb
        disk.sku = disk.sku or res.sku
        disk.max_shares = res.max_shares
        disk.ade_encrypted = disk.ade_encrypted or res.ade_encrypted
        disk.data_access_auth_mode = res.data_access_auth_mode
        disk.security_type = res.security_type


def disk_facts(vm: Doc, disks_by_id: Mapping[str, Doc], shape: Shape | None = None) -> list[DiskFacts]:
    """The OS disk and data disks from the VM model, completed from the managed disk resources."""
    disks = model_disks(vm, shape)
    complete_disks(disks, {k: disk_resource(_obj(v)) for k, v in disks_by_id.items()})
    return disks


def lock_facts(doc: Doc) -> LockFacts | None:
    """A lock from ``ManagementLocks_List*`` (REST shape ``{"id", "name", "properties": {"level"}}``)."""
    lock_id = _str(doc.get("id"))
    if not lock_id:
        return None
    marker = "/providers/microsoft.authorization/locks/"
    at = lock_id.lower().rfind(marker)
    scope = lock_id[:at] if at > 0 else ""
    level = _str(_obj(doc.get("properties")).get("level")) or _str(doc.get("level")) or "NotSpecified"
    return LockFacts(id=lock_id, name=_str(doc.get("name")) or name_of(lock_id), level=level, scope=scope)


def scale_set_facts(doc: Doc) -> ScaleSetFacts | None:
    """A scale set from ``virtualMachineScaleSets`` (orchestration mode, instance count from sku.capacity)."""
    vmss_id = _str(doc.get("id"))
    if not vmss_id:
        return None
    return ScaleSetFacts(
        id=vmss_id,
        name=_str(doc.get("name")) or name_of(vmss_id),
        location=_str(doc.get("location")) or "",
        orchestration_mode=_str(_obj(doc.get("properties")).get("orchestrationMode")),
        capacity=_int(_obj(doc.get("sku")).get("capacity")),
    )


def policy_facts(doc: Doc) -> PolicyFacts | None:
    """An Azure VM backup policy (``backupPolicies`` list) with its protectedItemsCount."""
    policy_id = _str(doc.get("id"))
    props = _obj(doc.get("properties"))
    if not policy_id or (_str(props.get("backupManagementType")) or "").lower() != "azureiaasvm":
        return None
    return PolicyFacts(
        id=policy_id,
        name=_str(doc.get("name")) or name_of(policy_id),
        policy_type=_str(props.get("policyType")) or "V1",
        protected_items=_int(props.get("protectedItemsCount")),
    )


def subscription_facts(item: Any) -> SubscriptionFacts:
    """A subscription from ``subscriptions.list`` (its state as ARM spells it: ``PastDue``, not the SDK's
    enum name)."""
    state = getattr(item.state, "value", item.state)
    return SubscriptionFacts(
        id=item.subscription_id, name=item.display_name or item.subscription_id, state=str(state)
    )


def provider_state(doc: Doc) -> str | None:
    """``registrationState`` of a resource provider document (``providers.get``): Registered, NotRegistered,
    Registering, Unregistered, ...; None when the document carries none."""
    return _str(doc.get("registrationState"))


def is_registered(state: str | None) -> bool:
    return (state or "").lower() == "registered"


def item_source(item: Doc) -> str | None:
    """The lower-cased id of the VM a protected item backs up (``properties.sourceResourceId``)."""
    src = _str(_obj(_obj(item).get("properties")).get("sourceResourceId"))
    return src.lower() if src else None


def protected_vm_ids(items: Sequence[Doc]) -> set[str]:
    """The lower-cased source VM ids of a vault's protected items (``backupProtectedItems`` list)."""
    return {src for item in items if (src := item_source(item))}


def item_health(item: Doc) -> str | None:
    """The first health problem of a protected item (``properties.healthDetails[].title``), if any."""
    details = _items(_obj(_obj(item).get("properties")).get("healthDetails"))
    return next((title for d in details if (title := _str(d.get("title")))), None)


# A protected item's protectionState as the backupStatus API would say it (IRPending: enabled, the first
# recovery point is pending; ProtectionError: enabled but failing).
_ITEM_STATUS = {"protectionerror": "ProtectionFailed", "irpending": "Protected"}


def item_protection(item: Doc, vault_id: str) -> ProtectionFacts:
    """How a VM is protected, from its protected item in the vault ``vault_id``."""
    props = _obj(item.get("properties"))
    state = _str(props.get("protectionState")) or "Protected"
    return ProtectionFacts(
        status=_ITEM_STATUS.get(state.lower(), state),
        vault_id=vault_id,
        policy_name=_str(props.get("policyName")),
        error_code=item_health(item),
        source="vault-items",
    )


def vault_facts(
    doc: Doc, *, protected_items: Sequence[Doc] | None = None, storage_config: Doc | None = None
) -> VaultFacts:
    """A Recovery Services vault as ``vaults.get``/``list`` returns it, with (when given) its protected VM items
    and its backup storage config (``backupstorageconfig/vaultstorageconfig``).

    The storage config wins for redundancy and Cross Region Restore (``storageType``, else ``storageModelType``;
    ``crossRegionRestoreFlag``); the vault's ``redundancySettings`` stand in for what it does not say. The lock
    is ``storageTypeState`` (Locked / Unlocked). Without it (config unreadable, or no such field) the documented
    rule decides: the redundancy locks when the first item is protected, so a vault protecting a VM is locked;
    otherwise it is unknown (items other than VMs lock it too, and they are not read).
    """
    vault_id = str(doc["id"])
    red = _obj(_obj(doc.get("properties")).get("redundancySettings"))
    vault = VaultFacts(
        id=vault_id,
        name=_str(doc.get("name")) or name_of(vault_id),
        subscription_id=subscription_of(vault_id),
        resource_group=resource_group_of(vault_id),
        location=_str(doc.get("location")) or "",
        redundancy=_str(red.get("standardTierStorageRedundancy")),
        cross_region_restore=(_str(red.get("crossRegionRestore")) or "").lower() == "enabled",
    )
    if protected_items is not None:
        vault.protected_vm_ids = protected_vm_ids(protected_items)
        vault.protected_vms = len(vault.protected_vm_ids)
    config = _obj(_obj(storage_config).get("properties"))
    storage_type = _str(config.get("storageType")) or _str(config.get("storageModelType"))
    if storage_type and storage_type.lower() != "invalid":
        vault.redundancy = storage_type
    if isinstance(config.get("crossRegionRestoreFlag"), bool):
        vault.cross_region_restore = config["crossRegionRestoreFlag"]
    state = (_str(config.get("storageTypeState")) or "").lower()
    if state in ("locked", "unlocked"):
        vault.redundancy_locked = state == "locked"
    elif vault.protected_vms:
        vault.redundancy_locked = True
    return vault


def vm_model_facts(vm: Doc) -> VmFacts:
    """Everything the VM model alone says (read from the VM list): the start of `vm_facts`, which the
    power state, instance view, disk resources and network complete."""
    vm_id = str(vm["id"])
    model = Shape("VM model")
    props = model.obj(vm, "properties", "properties")
    if props is None or not props:
        if props is not None:
            model.problems.append(Unreadable("VM model", "properties is missing"))
        props = {}
    storage = _obj(props.get("storageProfile"))
    image = _obj(storage.get("imageReference"))
    facts = VmFacts(
        id=vm_id,
        name=_str(vm.get("name")) or name_of(vm_id),
        subscription_id=sys.intern(subscription_of(vm_id)),
        resource_group=sys.intern(resource_group_of(vm_id)),
        location=sys.intern(_str(vm.get("location")) or ""),
        vm_size=_word(_obj(props.get("hardwareProfile")).get("vmSize")),
        provisioning_state=_word(props.get("provisioningState")),
        os_type=_word(_obj(storage.get("osDisk")).get("osType")),
        image_publisher=_word(image.get("publisher")),
        image_offer=_word(image.get("offer")),
        image_sku=_word(image.get("sku")),
        security_type=_word(_obj(props.get("securityProfile")).get("securityType")),
        priority=_word(props.get("priority")),
        scale_set_id=_str(_obj(props.get("virtualMachineScaleSet")).get("id")),
        allow_extension_operations=_bool(_obj(props.get("osProfile")).get("allowExtensionOperations")),
        agent=AgentFacts(provision_vm_agent=provision_vm_agent({"properties": props})),
        disks=model_disks({"properties": props}, model),
        network=None,
    )
    facts.unreadable.extend(model.problems)
    return facts


def apply_power_status(facts: VmFacts, status_only: Doc | None) -> None:
    """The power state from the VM list's ``statusOnly=true`` item (the instance view, when read, wins)."""
    statuses = _obj(_obj(_obj(status_only).get("properties")).get("instanceView")).get("statuses")
    facts.power_state = facts.power_state or power_state(statuses)


@dataclass(slots=True)
class InstanceView:
    """What a VM's instance view says, read on its own (it may arrive before the VM model): the agent
    (without provisionVMAgent, which only the model says), power and provisioning state, OS name."""

    agent: AgentFacts
    power_state: str | None = None
    provisioning_state: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    problems: list[Unreadable] = field(default_factory=list)


def read_instance_view(instance_view: Any) -> InstanceView:
    """An instance view document (or SDK model) reduced to what the rules need."""
    view = Shape("instance view")
    iv = instance_view if isinstance(instance_view, Mapping) else None
    if iv is None:
        problem = Unreadable("instance view", f"is {type(instance_view).__name__}, not an object")
        return InstanceView(AgentFacts(instance_view=False), problems=[problem])
    iv_statuses = view.arr(iv, "statuses", "statuses")
    agent = read_agent(None, iv, view)
    return InstanceView(
        agent=agent,
        power_state=power_state(iv_statuses),
        provisioning_state=status_state((_status(iv_statuses) or {}).get("code")),
        os_name=_word(iv.get("osName")),
        os_version=_word(iv.get("osVersion")),
        problems=view.problems,
    )


def merge_instance_view(facts: VmFacts, view: InstanceView) -> None:
    """Put what the instance view says onto the VM's facts (its power state wins over the list's)."""
    view.agent.provision_vm_agent = facts.agent.provision_vm_agent
    facts.agent = view.agent
    if facts.provisioning_state is None:  # the instance view's ProvisioningState/<state>[/<code>]
        facts.provisioning_state = view.provisioning_state
    facts.power_state = view.power_state or facts.power_state
    facts.os_name = view.os_name or facts.os_name
    facts.os_version = view.os_version or facts.os_version
    facts.unreadable.extend(view.problems)


def apply_instance_view(facts: VmFacts, instance_view: Any) -> None:
    """The agent, extensions, OS name and power state from the VM's instance view."""
    merge_instance_view(facts, read_instance_view(instance_view))


def apply_network(facts: VmFacts, refs: Sequence[str], index: NetworkIndex) -> None:
    """The static network assessment (`nic_network_facts`); a malformed document makes it unreadable."""
    try:
        facts.network = nic_network_facts(refs, facts.location, index)
    except (TypeError, AttributeError, ValueError) as exc:  # a malformed NSG or route document
        facts.unreadable.append(
            Unreadable("network", f"a NIC, NSG or route table document is malformed ({exc})")
        )


def vm_facts(
    vm: Doc,
    *,
    instance_view: Doc | None,
    status_only: Doc | None = None,
    disks_by_id: Mapping[str, Doc] | None = None,
    network: NetworkIndex | None = None,
) -> VmFacts:
    """Everything the rules need about one VM, from its model, instance view and related documents.

    Values of the wrong type are noted in ``unreadable`` (the verdict becomes ``unknown``), never guessed.
    """
    facts = vm_model_facts(vm)
    apply_power_status(facts, status_only)
    if instance_view is not None:
        apply_instance_view(facts, instance_view)
    complete_disks(facts.disks, {k: disk_resource(_obj(v)) for k, v in (disks_by_id or {}).items()})
    if network is not None and _obj(vm.get("properties")):
        apply_network(facts, nic_refs(vm), network)
    return facts
