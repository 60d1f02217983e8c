"""Pure functions from ARM documents (as the SDK's ``as_dict()`` or an estate file gives them) to facts.

Kept free of I/O so the same code reads a live subscription and a test's hand-built documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.model import AgentFacts, DiskFacts, ExtensionFacts, NetworkFacts, VmFacts
from tui.rules.nsg import forced_tunnel, outbound_verdict

Doc = Mapping[str, Any]
BACKUP_EXTENSION_TYPES = (
    "microsoft.azure.recoveryservices.vmsnapshot",
    "microsoft.azure.recoveryservices.vmsnapshotlinux",
)


def _lower_map(docs: Sequence[Doc]) -> dict[str, Doc]:
    return {str(d.get("id", "")).lower(): d for d in docs}


def resource_group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    low = [p.lower() for p in parts]
    return parts[low.index("resourcegroups") + 1] if "resourcegroups" in low else ""


def subscription_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2] if len(parts) > 2 else ""


def name_of(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def power_state(statuses: Sequence[Doc] | None) -> str | None:
    for s in statuses or ():
        code = str(s.get("code", ""))
        if code.lower().startswith("powerstate/"):
            return code.split("/", 1)[1].lower()
    return None


def _status_state(statuses: Sequence[Doc] | None) -> tuple[str | None, str | None]:
    """(state, message) from ``ProvisioningState/<state>`` statuses (the first one that says)."""
    for s in statuses or ():
        code = str(s.get("code", ""))
        if code.lower().startswith("provisioningstate/"):
            return code.split("/", 1)[1].lower(), s.get("message")
    return None, None


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
            for sn in (vnet.get("properties") or {}).get("subnets") or ():
                if sn.get("id"):
                    subnets[str(sn["id"]).lower()] = sn
        return cls(_lower_map(nics), _lower_map(nsgs), subnets, _lower_map(route_tables))


def network_facts(vm: Doc, index: NetworkIndex) -> NetworkFacts:
    """Static assessment: outbound TCP 443 to Internet and Storage through NIC and subnet NSGs, and forced
    tunnelling through the subnets' route tables. Unknown references leave the verdicts at None."""
    props = vm.get("properties") or {}
    facts = NetworkFacts()
    refs = [
        str(n.get("id"))
        for n in (props.get("networkProfile") or {}).get("networkInterfaces") or ()
        if n.get("id")
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
        nprops = nic.get("properties") or {}
        nic_nsg_id = (nprops.get("networkSecurityGroup") or {}).get("id")
        if nic_nsg_id:
            facts.nsg_ids.append(nic_nsg_id)
        for ipc in nprops.get("ipConfigurations") or ():
            iprops = ipc.get("properties") or {}
            if iprops.get("publicIPAddress"):
                public_ips += 1
            if iprops.get("loadBalancerBackendAddressPools"):
                load_balanced = True
            subnet_id = (iprops.get("subnet") or {}).get("id")
            if not subnet_id:
                continue
            facts.subnet_ids.append(subnet_id)
            subnet = index.subnets.get(str(subnet_id).lower())
            if subnet is None:
                complete = False
                continue
            sprops = subnet.get("properties") or {}
            subnet_nsg_id = (sprops.get("networkSecurityGroup") or {}).get("id")
            if subnet_nsg_id:
                facts.nsg_ids.append(subnet_nsg_id)
            rt_id = (sprops.get("routeTable") or {}).get("id")
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


def _extension(doc: Doc) -> ExtensionFacts:
    state, message = _status_state(doc.get("statuses"))
    if message is None:
        message = next((s.get("message") for s in doc.get("statuses") or () if s.get("message")), None)
    return ExtensionFacts(
        name=str(doc.get("name") or ""), type=str(doc.get("type") or ""), state=state, message=message
    )


def agent_facts(vm: Doc, instance_view: Doc | None) -> AgentFacts:
    props = vm.get("properties") or {}
    os_profile = props.get("osProfile") or {}
    conf = os_profile.get("windowsConfiguration") or os_profile.get("linuxConfiguration") or {}
    facts = AgentFacts(
        provision_vm_agent=conf.get("provisionVMAgent") if "provisionVMAgent" in conf else None
    )
    if instance_view is None:
        return facts
    agent = instance_view.get("vmAgent")
    if agent:
        statuses = agent.get("statuses") or []
        if statuses:
            facts.status = statuses[0].get("displayStatus")
            facts.message = statuses[0].get("message")
        facts.version = agent.get("vmAgentVersion")
    facts.extensions = [_extension(e) for e in instance_view.get("extensions") or ()]
    facts.backup_extension = next(
        (e for e in facts.extensions if e.type.lower() in BACKUP_EXTENSION_TYPES), None
    )
    if facts.backup_extension is None and agent:  # only the handler may be reported
        for h in agent.get("extensionHandlers") or ():
            if str(h.get("type", "")).lower() in BACKUP_EXTENSION_TYPES:
                state, message = _status_state([h.get("status") or {}])
                facts.backup_extension = ExtensionFacts(
                    name=name_of(str(h["type"]).replace(".", "/")),
                    type=str(h["type"]),
                    state=state,
                    message=message,
                )
    return facts


def disk_facts(vm: Doc, disks_by_id: Mapping[str, Doc]) -> list[DiskFacts]:
    storage = (vm.get("properties") or {}).get("storageProfile") or {}
    out: list[DiskFacts] = []
    entries = [(storage.get("osDisk"), True)] + [(d, False) for d in storage.get("dataDisks") or ()]
    for entry, is_os in entries:
        if not entry:
            continue
        managed = entry.get("managedDisk") or {}
        disk_id = managed.get("id")
        doc = disks_by_id.get(str(disk_id).lower()) if disk_id else None
        dprops = (doc or {}).get("properties") or {}
        size = entry.get("diskSizeGB") or dprops.get("diskSizeGB")
        sku = managed.get("storageAccountType") or ((doc or {}).get("sku") or {}).get("name")
        enc = dprops.get("encryptionSettingsCollection") or {}
        out.append(
            DiskFacts(
                name=str(entry.get("name") or (name_of(disk_id) if disk_id else "?")),
                is_os=is_os,
                lun=None if is_os else entry.get("lun"),
                id=disk_id,
                managed=bool(disk_id) or not entry.get("vhd"),
                size_gb=int(size) if size is not None else None,
                sku=str(sku) if sku else None,
                max_shares=dprops.get("maxShares"),
                write_accelerator=bool(entry.get("writeAcceleratorEnabled")),
                ephemeral=is_os and bool(entry.get("diffDiskSettings")),
                ade_encrypted=bool(enc.get("enabled"))
                or bool(entry.get("encryptionSettings", {}).get("enabled")),
            )
        )
    return out


def vm_facts(
    vm: Doc,
    *,
    instance_view: Doc | None,
    status_only: Doc | None = None,
    disks_by_id: Mapping[str, Doc] | None = None,
    scale_sets_by_id: Mapping[str, Doc] | None = None,
    network: NetworkIndex | None = None,
) -> VmFacts:
    """Everything the rules need about one VM, from its model, instance view and related documents."""
    vm_id = str(vm["id"])
    props = vm.get("properties") or {}
    storage = props.get("storageProfile") or {}
    image = storage.get("imageReference") or {}
    iv_statuses = (instance_view or {}).get("statuses")
    so_statuses = ((status_only or {}).get("properties") or {}).get("instanceView", {}).get("statuses")
    vmss_id = (props.get("virtualMachineScaleSet") or {}).get("id")
    vmss = (scale_sets_by_id or {}).get(str(vmss_id).lower()) if vmss_id else None
    facts = VmFacts(
        id=vm_id,
        name=str(vm.get("name") or name_of(vm_id)),
        subscription_id=subscription_of(vm_id),
        resource_group=resource_group_of(vm_id),
        location=str(vm.get("location") or ""),
        vm_size=(props.get("hardwareProfile") or {}).get("vmSize"),
        provisioning_state=props.get("provisioningState"),
        power_state=power_state(iv_statuses) or power_state(so_statuses),
        os_type=(storage.get("osDisk") or {}).get("osType"),
        os_name=(instance_view or {}).get("osName"),
        os_version=(instance_view or {}).get("osVersion"),
        image_publisher=image.get("publisher"),
        image_offer=image.get("offer"),
        image_sku=image.get("sku"),
        security_type=(props.get("securityProfile") or {}).get("securityType"),
        priority=props.get("priority"),
        scale_set_id=vmss_id,
        scale_set_mode=((vmss or {}).get("properties") or {}).get("orchestrationMode") if vmss else None,
        agent=agent_facts(vm, instance_view),
        disks=disk_facts(vm, disks_by_id or {}),
        network=network_facts(vm, network) if network is not None else None,
    )
    if vmss_id and vmss is None:
        facts.unreadable.append(f"scale set {name_of(vmss_id)}: not found")
    return facts
