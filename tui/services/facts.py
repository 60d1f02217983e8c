"""Pure functions from ARM documents (as the SDK's ``as_dict()`` or an estate file gives them) to facts.

Kept free of I/O so the same code reads a live subscription and a test's hand-built documents. Real ARM
documents are read defensively: a value of the wrong type (a string where a list belongs, a missing
``properties``) makes that fact unknown (``None``) and is recorded as a problem, which makes the VM's
verdict ``unknown`` instead of crashing or guessing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.model import (
    AgentFacts,
    DiskFacts,
    ExtensionFacts,
    LockFacts,
    NetworkFacts,
    PolicyFacts,
    ProtectionFacts,
    ScaleSetFacts,
    VaultFacts,
    VmFacts,
)
from tui.rules.nsg import forced_tunnel, outbound_verdict

Doc = Mapping[str, Any]
# $filter values of the Backup service's lists (backupPolicies, backupProtectableItems, backupProtectedItems).
IAAS_FILTER = "backupManagementType eq 'AzureIaasVM'"
VM_ITEMS_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"
BACKUP_EXTENSION_TYPES = (
    "microsoft.azure.recoveryservices.vmsnapshot",
    "microsoft.azure.recoveryservices.vmsnapshotlinux",
)


def _lower_map(docs: Sequence[Doc]) -> dict[str, Doc]:
    return {str(d.get("id", "")).lower(): d for d in docs if isinstance(d, Mapping)}


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
        self.problems: list[str] = []

    def _bad(self, path: str, value: Any, expected: str) -> None:
        self.problems.append(f"{self.what}: {path} is {type(value).__name__}, not {expected}")

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
            self.problems.append(f"{self.what}: {path} holds entries that are not objects")
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
    return parts[1].strip().lower()


def power_state(statuses: Any) -> str | None:
    for s in _items(statuses):
        code = _str(s.get("code")) or ""
        if code.lower().startswith("powerstate/"):
            return code.split("/")[1].lower() or None
    return None


def _status(statuses: Any) -> Mapping[str, Any] | None:
    """The first ``ProvisioningState/...`` status of a list."""
    return next((s for s in _items(statuses) if status_state(s.get("code"))), None)


@dataclass
class NetworkIndex:
    """Subscription-wide network documents by lower-cased id, built once per scan."""

    nics: dict[str, Doc] = field(default_factory=dict)
    nsgs: dict[str, Doc] = field(default_factory=dict)
    subnets: dict[str, Doc] = field(default_factory=dict)  # subnet id -> subnet document
    route_tables: dict[str, Doc] = field(default_factory=dict)

    @classmethod
    def build(
        cls, nics: Sequence[Doc], nsgs: Sequence[Doc], vnets: Sequence[Doc], route_tables: Sequence[Doc]
    ) -> NetworkIndex:
        subnets: dict[str, Doc] = {}
        for vnet in vnets:
            for sn in _items(_obj(_obj(vnet).get("properties")).get("subnets")):
                if _str(sn.get("id")):
                    subnets[str(sn["id"]).lower()] = sn
        return cls(_lower_map(nics), _lower_map(nsgs), subnets, _lower_map(route_tables))


def network_facts(vm: Doc, index: NetworkIndex) -> NetworkFacts:
    """Static assessment: outbound TCP 443 to Internet and Storage through NIC and subnet NSGs, and forced
    tunnelling through the subnets' route tables. Unknown references leave the verdicts at None."""
    props = _obj(vm.get("properties"))
    facts = NetworkFacts()
    refs = [
        str(n.get("id"))
        for n in _items(_obj(props.get("networkProfile")).get("networkInterfaces"))
        if _str(n.get("id"))
    ]
    facts.nic_ids = refs
    facts.nic_count = len(refs)
    region = str(vm.get("location") or "")
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
        nprops = _obj(nic.get("properties"))
        nic_nsg_id = _str(_obj(nprops.get("networkSecurityGroup")).get("id"))
        if nic_nsg_id:
            facts.nsg_ids.append(nic_nsg_id)
        for ipc in _items(nprops.get("ipConfigurations")):
            iprops = _obj(ipc.get("properties"))
            if iprops.get("publicIPAddress"):
                public_ips += 1
            if iprops.get("loadBalancerBackendAddressPools"):
                load_balanced = True
            subnet_id = _str(_obj(iprops.get("subnet")).get("id"))
            if not subnet_id:
                continue
            facts.subnet_ids.append(subnet_id)
            subnet = index.subnets.get(str(subnet_id).lower())
            if subnet is None:
                complete = False
                continue
            sprops = _obj(subnet.get("properties"))
            subnet_nsg_id = _str(_obj(sprops.get("networkSecurityGroup")).get("id"))
            if subnet_nsg_id:
                facts.nsg_ids.append(subnet_nsg_id)
            rt_id = _str(_obj(sprops.get("routeTable")).get("id"))
            if rt_id:
                facts.route_table_ids.append(rt_id)
                rt = index.route_tables.get(str(rt_id).lower())
                if rt is None:
                    complete = False
                else:
                    route_docs.append(rt)
            nic_nsg = index.nsgs.get(str(nic_nsg_id).lower()) if nic_nsg_id else None
            subnet_nsg = index.nsgs.get(str(subnet_nsg_id).lower()) if subnet_nsg_id else None
            if (nic_nsg_id and nic_nsg is None) or (subnet_nsg_id and subnet_nsg is None):
                complete = False
                continue
            for dest in allowed:
                verdict = outbound_verdict(
                    nic_nsg,
                    subnet_nsg,
                    destination=dest,
                    port=443,
                    region=region,
                    source_ip=iprops.get("privateIPAddress"),
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
    message = _str((status or {}).get("message"))
    if message is None:
        message = next((m for s in _items(statuses) if (m := _str(s.get("message")))), None)
    return ExtensionFacts(
        name=_str(doc.get("name")) or _short_type(_str(doc.get("type")) or ""),
        type=_str(doc.get("type")) or "",
        state=status_state((status or {}).get("code")),
        message=message,
        code=_str((status or {}).get("code")),
    )


def _short_type(ext_type: str) -> str:
    """``Microsoft.Azure.RecoveryServices.VMSnapshot`` -> ``VMSnapshot``."""
    return ext_type.rsplit(".", 1)[-1] if ext_type else "?"


def agent_facts(vm: Doc, instance_view: Doc | None, shape: Shape | None = None) -> AgentFacts:
    """The agent from the model (provisionVMAgent) and the instance view (vmAgent, extensions, handlers).

    ``instance_view`` None means it was not read (a failed read is marked by the caller). Every extension
    is kept, from ``extensions`` and, for those only the agent reports, ``vmAgent.extensionHandlers``.
    """
    shape = shape or Shape("instance view")
    os_profile = _obj(_obj(vm.get("properties")).get("osProfile"))
    conf = _obj(os_profile.get("windowsConfiguration")) or _obj(os_profile.get("linuxConfiguration"))
    facts = AgentFacts(provision_vm_agent=_bool(conf.get("provisionVMAgent")))
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
        facts.status = _str(first.get("displayStatus"))
        facts.state = status_state(first.get("code"))
        facts.message = _str(first.get("message"))
        facts.version = _str(agent.get("vmAgentVersion"))
        facts.handlers = len(handlers or ())
    facts.extensions = [_extension(e, st) for e, st in zip(extensions or (), ext_statuses, strict=True)]
    known = {e.type.lower() for e in facts.extensions if e.type}
    for h in handlers or ():
        h_type = _str(h.get("type")) or ""
        if h_type and h_type.lower() not in known:
            status = _obj(h.get("status"))
            facts.extensions.append(
                ExtensionFacts(
                    name=_short_type(h_type),
                    type=h_type,
                    state=status_state(status.get("code")),
                    message=_str(status.get("message")),
                    code=_str(status.get("code")),
                )
            )
            known.add(h_type.lower())
    facts.backup_extension = next(
        (e for e in facts.extensions if e.type.lower() in BACKUP_EXTENSION_TYPES), None
    )
    return facts


def disk_facts(vm: Doc, disks_by_id: Mapping[str, Doc], shape: Shape | None = None) -> list[DiskFacts]:
    """The OS disk and data disks from the VM model, completed from the managed disk resources."""
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
        disk_id = _str(managed.get("id"))
        doc = _obj(disks_by_id.get(disk_id.lower())) if disk_id else {}
        dprops = _obj(doc.get("properties"))
        size = _int(entry.get("diskSizeGB"))
        if size is None:
            size = _int(dprops.get("diskSizeGB"))
        sku = _str(managed.get("storageAccountType")) or _str(_obj(doc.get("sku")).get("name"))
        enc = _obj(dprops.get("encryptionSettingsCollection"))
        vhd = _str(_obj(entry.get("vhd")).get("uri"))
        out.append(
            DiskFacts(
                name=_str(entry.get("name")) or (name_of(disk_id) if disk_id else "?"),
                is_os=is_os,
                lun=None if is_os else _int(entry.get("lun")),
                id=disk_id,
                managed=not (vhd and not disk_id),
                size_gb=size,
                sku=sku,
                max_shares=_int(dprops.get("maxShares")),
                write_accelerator=_bool(entry.get("writeAcceleratorEnabled")) is True,
                ephemeral=is_os and bool(_obj(entry.get("diffDiskSettings"))),
                ade_encrypted=_bool(enc.get("enabled")) is True
                or _bool(_obj(entry.get("encryptionSettings")).get("enabled")) is True,
                vhd_uri=vhd,
                data_access_auth_mode=_str(dprops.get("dataAccessAuthMode")),
                security_type=_str(_obj(dprops.get("securityProfile")).get("securityType")),
            )
        )
    return out


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


# A protected item's protectionState as the backupStatus API would say it (IRPending: enabled, the first
# recovery point is pending; ProtectionError: enabled but failing).
_ITEM_STATUS = {"protectionerror": "ProtectionFailed", "irpending": "Protected"}


def item_protection(item: Doc, vault_id: str) -> ProtectionFacts:
    """How a VM is protected, from its protected item in the vault ``vault_id``."""
    props = _obj(item.get("properties"))
    state = _str(props.get("protectionState")) or "Protected"
    health = next(
        (_str(d.get("title")) for d in _items(props.get("healthDetails")) if _str(d.get("title"))), None
    )
    return ProtectionFacts(
        status=_ITEM_STATUS.get(state.lower(), state),
        vault_id=vault_id,
        policy_name=_str(props.get("policyName")),
        error_code=health,
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
    vm_id = str(vm["id"])
    model = Shape("VM model")
    props = model.obj(vm, "properties", "properties")
    if props is None or not props:
        if props is not None:
            model.problems.append("VM model: properties is missing")
        props = {}
    storage = _obj(props.get("storageProfile"))
    image = _obj(storage.get("imageReference"))
    view = Shape("instance view")
    iv = instance_view if isinstance(instance_view, Mapping) or instance_view is None else None
    if instance_view is not None and iv is None:
        view.problems.append(f"instance view: is {type(instance_view).__name__}, not an object")
    iv_statuses = view.arr(iv, "statuses", "statuses") if iv is not None else []
    so_statuses = _obj(_obj(_obj(status_only).get("properties")).get("instanceView")).get("statuses")
    state = _str(props.get("provisioningState"))
    if state is None:  # fall back to the instance view's ProvisioningState/<state>[/<code>]
        state = status_state((_status(iv_statuses) or {}).get("code"))
    facts = VmFacts(
        id=vm_id,
        name=_str(vm.get("name")) or name_of(vm_id),
        subscription_id=subscription_of(vm_id),
        resource_group=resource_group_of(vm_id),
        location=_str(vm.get("location")) or "",
        vm_size=_str(_obj(props.get("hardwareProfile")).get("vmSize")),
        provisioning_state=state,
        power_state=power_state(iv_statuses) or power_state(so_statuses),
        os_type=_str(_obj(storage.get("osDisk")).get("osType")),
        os_name=_str(_obj(iv).get("osName")),
        os_version=_str(_obj(iv).get("osVersion")),
        image_publisher=_str(image.get("publisher")),
        image_offer=_str(image.get("offer")),
        image_sku=_str(image.get("sku")),
        security_type=_str(_obj(props.get("securityProfile")).get("securityType")),
        priority=_str(props.get("priority")),
        scale_set_id=_str(_obj(props.get("virtualMachineScaleSet")).get("id")),
        allow_extension_operations=_bool(_obj(props.get("osProfile")).get("allowExtensionOperations")),
        agent=agent_facts(vm, iv, view) if iv is not None else agent_facts(vm, None),
        disks=disk_facts({"properties": props}, disks_by_id or {}, model),
        network=None,
    )
    if network is not None and props:
        try:
            facts.network = network_facts(vm, network)
        except (TypeError, AttributeError, ValueError) as exc:  # a malformed NIC, NSG or route document
            facts.unreadable.append(f"network: a NIC, NSG or route table document is malformed ({exc})")
    if instance_view is not None and iv is None:
        facts.agent.instance_view = False
    facts.unreadable.extend(model.problems + view.problems)
    return facts
