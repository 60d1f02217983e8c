"""Builders for ARM resource documents, exactly as a real ARM ``GET`` returns them.

Pure functions (no I/O, no clock, no randomness): every id, GUID and timestamp is either an argument or
derived with :func:`stable_uuid` from the resource's name, so the same inputs always give the same
document. Used by the demo estate (``tui/emulator/demo.py``), the benchmark estate generator and tests.

Wire shapes follow ``shared/reference/arm-wire-protocol.md`` section 3 (camelCase REST names). Facts the
emulator needs that ARM never returns (in-guest probe results, subscription access, provider states) go
under ``"x-emulator"``, as the estate file contract says.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

Doc = dict[str, Any]

ESTATE_FORMAT = "vmbackup-prep/estate/v1"
DEFAULT_TIME = "2026-11-26T07:30:00+00:00"
"""Fixed "now" of generated documents (agent heartbeats, creation times)."""

WINDOWS_AGENT_VERSION = "2.7.41491.1102"
LINUX_AGENT_VERSION = "2.11.1.12"
GUEST_DEFAULTS: Doc = {
    "wireserver_80": True,
    "wireserver_32526": True,
    "wireserver_443": True,
    "dhcp": True,
    "extensions_enabled": True,
    "provisioning_agent": "auto",  # Linux waagent.conf Provisioning.Agent (the probe reports null on Windows)
    "proxy": None,
}

_NS = uuid.UUID("5f0c1d0e-7a55-4c1b-9a7e-0b5ac0ffee00")
_SKU_TIER = {
    "Standard_LRS": "Standard",
    "StandardSSD_LRS": "Standard",
    "StandardSSD_ZRS": "Standard",
    "Premium_LRS": "Premium",
    "Premium_ZRS": "Premium",
    "PremiumV2_LRS": "Premium",
    "UltraSSD_LRS": "Ultra",
}
_PREMIUM_TIERS = (
    (4, "P1"),
    (8, "P2"),
    (16, "P3"),
    (32, "P4"),
    (64, "P6"),
    (128, "P10"),
    (256, "P15"),
    (512, "P20"),
    (1024, "P30"),
    (2048, "P40"),
    (4096, "P50"),
    (8192, "P60"),
    (16384, "P70"),
    (32767, "P80"),
)


# -- ids and helpers --------------------------------------------------------------------------------
def stable_uuid(*parts: str) -> str:
    """A deterministic GUID for the given name parts (uuid5, case-insensitive)."""
    return str(uuid.uuid5(_NS, "/".join(parts).lower()))


def rg_id(subscription_id: str, resource_group: str) -> str:
    """``/subscriptions/{sub}/resourceGroups/{rg}``."""
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


def resource_id(subscription_id: str, resource_group: str, rtype: str, name: str) -> str:
    """Id of a top-level resource, ``rtype`` like ``Microsoft.Compute/virtualMachines``."""
    return f"{rg_id(subscription_id, resource_group)}/providers/{rtype}/{name}"


def _ref(rid: str | None) -> Doc | None:
    return {"id": rid} if rid else None


def _put(doc: Doc, key: str, value: Any) -> None:
    """Set ``doc[key]`` unless value is None (ARM omits unset properties)."""
    if value is not None:
        doc[key] = value


def _status(code: str, level: str, display: str, message: str | None = None, time: str | None = None) -> Doc:
    st: Doc = {"code": code, "level": level, "displayStatus": display}
    _put(st, "message", message)
    _put(st, "time", time)
    return st


def _mac(seed: str) -> str:
    h = uuid.UUID(stable_uuid("mac", seed)).hex[:6].upper()
    return "00-0D-3A-" + "-".join(h[i : i + 2] for i in (0, 2, 4))


# -- tenant, subscription, estate -------------------------------------------------------------------
def tenant(tenant_id: str, display_name: str) -> Doc:
    """The estate's tenant block."""
    return {"tenantId": tenant_id, "displayName": display_name}


def subscription(
    id: str,
    name: str,
    state: str = "Enabled",
    access: str = "allowed",
    providers: dict[str, str] | None = None,
) -> Doc:
    """A subscription as ``GET /subscriptions`` lists it, with emulator facts under ``x-emulator``.

    ``access`` is ``allowed`` or ``forbidden`` (every call answers 403); ``providers`` maps a namespace
    to its registration state (unlisted namespaces are Registered).
    """
    return {
        "id": f"/subscriptions/{id}",
        "subscriptionId": id,
        "displayName": name,
        "state": state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "EnterpriseAgreement_2014-09-01",
            "spendingLimit": "Off",
        },
        "authorizationSource": "RoleBased",
        "x-emulator": {"access": access, "providers": dict(providers or {})},
    }


def estate(tenant: Doc, subscriptions: Sequence[Doc], resources: Sequence[Doc]) -> Doc:
    """The estate file document (``vmbackup-prep/estate/v1``)."""
    return {
        "format": ESTATE_FORMAT,
        "tenant": tenant,
        "subscriptions": list(subscriptions),
        "resources": list(resources),
    }


def resource_group(subscription_id: str, name: str, location: str, tags: dict[str, str] | None = None) -> Doc:
    """A resource group."""
    return {
        "id": rg_id(subscription_id, name),
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": location,
        "tags": dict(tags or {}),
        "properties": {"provisioningState": "Succeeded"},
    }


# -- compute ----------------------------------------------------------------------------------------
def image_reference(
    publisher: str, offer: str, sku: str, version: str = "latest", exact_version: str | None = None
) -> Doc:
    """``storageProfile.imageReference`` for a Marketplace image."""
    ref: Doc = {"publisher": publisher, "offer": offer, "sku": sku, "version": version}
    _put(ref, "exactVersion", exact_version)
    return ref


def os_disk(
    name: str,
    os_type: str,
    *,
    disk_id: str | None = None,
    size_gb: int = 128,
    storage_account_type: str = "Premium_LRS",
    create_option: str = "FromImage",
    caching: str = "ReadWrite",
    ephemeral: bool = False,
    vhd_uri: str | None = None,
    security_encryption_type: str | None = None,
    write_accelerator: bool | None = None,
) -> Doc:
    """``storageProfile.osDisk``: managed (``disk_id``), ephemeral (``ephemeral=True``) or unmanaged (``vhd_uri``).

    Unmanaged disks carry ``vhd.uri`` and no ``managedDisk`` (VirtualMachine_Create_WithUnmanagedOsDisk
    examples). ``write_accelerator`` sets ``writeAcceleratorEnabled`` (an M-series OS disk may have it).
    """
    d: Doc = {"osType": os_type, "name": name, "createOption": create_option, "caching": caching}
    if ephemeral:
        d["caching"] = "ReadOnly"
        d["diffDiskSettings"] = {"option": "Local", "placement": "CacheDisk"}
    d["diskSizeGB"] = size_gb
    if vhd_uri:
        d["vhd"] = {"uri": vhd_uri}
    else:
        md: Doc = {"storageAccountType": storage_account_type}
        if disk_id and not ephemeral:
            md = {"id": disk_id, **md}
        if security_encryption_type:
            md["securityProfile"] = {"securityEncryptionType": security_encryption_type}
        d["managedDisk"] = md
    if write_accelerator is not None:
        d["writeAcceleratorEnabled"] = write_accelerator
    d["deleteOption"] = "Delete" if ephemeral else "Detach"
    return d


def data_disk(
    lun: int,
    name: str,
    *,
    disk_id: str | None = None,
    size_gb: int = 128,
    storage_account_type: str = "Premium_LRS",
    caching: str = "ReadOnly",
    write_accelerator: bool = False,
    vhd_uri: str | None = None,
    create_option: str = "Attach",
) -> Doc:
    """One ``storageProfile.dataDisks[]`` entry: managed (``disk_id``) or unmanaged (``vhd_uri``)."""
    d: Doc = {"lun": lun, "name": name, "createOption": create_option, "caching": caching}
    if vhd_uri:
        d["vhd"] = {"uri": vhd_uri}
    else:
        d["managedDisk"] = {"id": disk_id, "storageAccountType": storage_account_type}
    d["diskSizeGB"] = size_gb
    d["writeAcceleratorEnabled"] = write_accelerator
    d["toBeDetached"] = False
    d["deleteOption"] = "Detach"
    return d


def vm_extension(
    name: str,
    publisher: str,
    type: str,
    version: str,
    *,
    state: str = "succeeded",
    failure_code: str = "0",
    message: str | None = None,
    time: str = DEFAULT_TIME,
) -> Doc:
    """An extension spec for :func:`virtual_machine`.

    ``state`` is ``succeeded``, ``failed`` (status ``ProvisioningState/failed/<failure_code>``),
    ``transitioning`` or ``deleting`` (an extension stuck in deletion).
    """
    return {
        "name": name,
        "publisher": publisher,
        "type": type,
        "version": version,
        "state": state,
        "failure_code": failure_code,
        "message": message,
        "time": time,
    }


def vmsnapshot_extension(
    os_type: str,
    *,
    failed: bool = False,
    failure_code: str = "-2147024894",
    message: str | None = None,
    time: str = DEFAULT_TIME,
) -> Doc:
    """The Azure Backup extension (``VMSnapshot`` on Windows, ``VMSnapshotLinux`` on Linux)."""
    linux = os_type.lower() == "linux"
    if message is None:
        message = (
            "Snapshot operation failed due to no network connectivity on the VM. (ExtensionSnapshotFailedNoNetwork)"
            if failed
            else "Enable succeeded"
        )
    return vm_extension(
        "VMSnapshotLinux" if linux else "VMSnapshot",
        "Microsoft.Azure.RecoveryServices",
        "VMSnapshotLinux" if linux else "VMSnapshot",
        "1.0.9225.0" if linux else "1.0.9224.0",
        state="failed" if failed else "succeeded",
        failure_code=failure_code,
        message=message,
        time=time,
    )


def provisioning_status(
    state: str,
    *,
    failure_code: str = "0",
    message: str | None = None,
    time: str | None = None,
    display: str | None = None,
) -> Doc:
    """A ``ProvisioningState/...`` status as Compute reports it.

    A failed state carries a third segment, the failure code (``ProvisioningState/failed/0``,
    ``ProvisioningState/failed/-2147024894``, ``ProvisioningState/failed/VMExtensionProvisioningError``):
    facts §0 "Real wire shapes"; VirtualMachine_Get_InstanceView.json shows the succeeded form. Other
    states are lower-case (``ProvisioningState/updating``, ``ProvisioningState/deleting``).
    """
    low = state.lower()
    if low == "failed":
        return _status(
            f"ProvisioningState/failed/{failure_code}",
            "Error",
            display or "Provisioning failed",
            message,
            time,
        )
    if low == "succeeded":
        return _status(
            "ProvisioningState/succeeded", "Info", display or "Provisioning succeeded", message, time
        )
    return _status(f"ProvisioningState/{low}", "Info", display or low.capitalize(), message, time)


def _ext_status(e: Doc) -> Doc:
    return provisioning_status(
        e["state"], failure_code=e.get("failure_code") or "0", message=e.get("message"), time=e["time"]
    )


def _handler_status(e: Doc) -> Doc:
    if e["state"] == "failed":
        return provisioning_status("failed", failure_code=e.get("failure_code") or "0", display="Not Ready")
    return _status("ProvisioningState/succeeded", "Info", "Ready")


AGENT_STATES = ("Ready", "Unresponsive", "NotReported")
NOT_REPORTED_MESSAGE = "VM status blob is found but not yet populated."
UNRESPONSIVE_MESSAGE = "VM Agent is unresponsive."


def _agent_state(agent: str | None) -> str:
    """``Ready``, ``Unresponsive`` (reported once, now silent) or ``NotReported`` (never reported)."""
    if agent is None:
        return "NotReported"
    low = agent.replace(" ", "").lower()
    if low == "ready":
        return "Ready"
    if low in ("notready", "unresponsive"):
        return "Unresponsive"
    if low == "notreported":
        return "NotReported"
    raise ValueError(f"agent must be one of {AGENT_STATES} (or None), not {agent!r}")


def _handlers(extensions: Sequence[Doc]) -> list[Doc]:
    return [
        {
            "type": f"{e['publisher']}.{e['type']}",
            "typeHandlerVersion": e["version"],
            "status": _handler_status(e),
        }
        for e in extensions
    ]


def vm_agent(
    agent: str | None, version: str, extensions: Sequence[Doc] = (), time: str = DEFAULT_TIME
) -> Doc:
    """``instanceView.vmAgent`` of a running VM.

    Ready: VirtualMachine_Get_InstanceView.json. An agent that never reported still has a ``vmAgent``:
    version ``Unknown``, ``ProvisioningState/Unavailable``, Warning, "Not Ready", "VM status blob is found
    but not yet populated." and no extension handlers; an agent that reported once and went silent says
    "VM Agent is unresponsive." and may still list its handlers (facts §0 "Real wire shapes", [S31]).
    """
    state = _agent_state(agent)
    if state == "Ready":
        return {
            "vmAgentVersion": version,
            "statuses": [
                _status(
                    "ProvisioningState/succeeded",
                    "Info",
                    "Ready",
                    "GuestAgent is running and processing the extensions.",
                    time,
                )
            ],
            "extensionHandlers": _handlers(extensions),
        }
    message = NOT_REPORTED_MESSAGE if state == "NotReported" else UNRESPONSIVE_MESSAGE
    out: Doc = {
        "vmAgentVersion": "Unknown",
        "statuses": [_status("ProvisioningState/Unavailable", "Warning", "Not Ready", message, time)],
    }
    if state == "Unresponsive" and extensions:
        out["extensionHandlers"] = _handlers(extensions)
    return out


def vm_instance_view(
    *,
    computer_name: str | None,
    os_name: str | None,
    os_version: str | None,
    power_state: str = "running",
    provisioning_state: str = "Succeeded",
    provisioning_message: str | None = None,
    provisioning_failure_code: str = "VMExtensionProvisioningError",
    agent: str | None = "Ready",
    agent_version: str | None = None,
    extensions: Sequence[Doc] = (),
    disk_names: Sequence[str] = (),
    hyper_v_generation: str = "V2",
    time: str = DEFAULT_TIME,
) -> Doc:
    """``properties.instanceView`` as ``$expand=instanceView`` returns it.

    ``agent`` is ``"Ready"``, ``"Unresponsive"`` (alias ``"Not Ready"``) or ``"NotReported"`` (alias None:
    the agent never reported). A running VM always has a ``vmAgent`` (facts §0). A stopped or deallocated
    VM reports no agent; a deallocated one reports no guest facts at all: the VM states doc
    (https://learn.microsoft.com/azure/virtual-machines/states-billing) shows only the
    ProvisioningState and PowerState statuses for them.
    """
    state = _agent_state(agent)
    iv: Doc = {}
    if power_state != "deallocated":
        _put(iv, "computerName", computer_name)
        _put(iv, "osName", os_name if state != "NotReported" else None)
        _put(iv, "osVersion", os_version if state != "NotReported" else None)
    iv["hyperVGeneration"] = hyper_v_generation
    if power_state == "running":
        iv["vmAgent"] = vm_agent(state, agent_version or WINDOWS_AGENT_VERSION, extensions, time)
    iv["disks"] = [{"name": n, "statuses": [provisioning_status("succeeded", time=time)]} for n in disk_names]
    if extensions:
        iv["extensions"] = [
            {
                "name": e["name"],
                "type": f"{e['publisher']}.{e['type']}",
                "typeHandlerVersion": e["version"],
                "statuses": [_ext_status(e)],
            }
            for e in extensions
        ]
    prov = provisioning_status(
        provisioning_state,
        failure_code=provisioning_failure_code,
        message=provisioning_message,
        time=time,
    )
    power_display = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated"}
    iv["statuses"] = [
        prov,
        _status(f"PowerState/{power_state}", "Info", power_display.get(power_state, f"VM {power_state}")),
    ]
    return iv


def virtual_machine(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    os_type: str = "Linux",
    image: Doc | None = None,
    image_id: str | None = None,
    plan: Doc | None = None,
    vm_size: str = "Standard_D2s_v5",
    zones: Sequence[str] | None = None,
    os_disk_spec: Doc | None = None,
    data_disks: Sequence[Doc] = (),
    nic_ids: Sequence[str] = (),
    admin_username: str = "azureadmin",
    computer_name: str | None = None,
    has_os_profile: bool = True,
    provision_vm_agent: bool = True,
    security_type: str | None = None,
    encryption_at_host: bool | None = None,
    priority: str | None = None,
    vmss_id: str | None = None,
    provisioning_state: str = "Succeeded",
    provisioning_message: str | None = None,
    provisioning_failure_code: str = "VMExtensionProvisioningError",
    allow_extension_operations: bool = True,
    power_state: str = "running",
    os_name: str | None = None,
    os_version: str | None = None,
    agent: str | None = "Ready",
    agent_version: str | None = None,
    extensions: Sequence[Doc] = (),
    hyper_v_generation: str = "V2",
    guest: Doc | None = None,
    tags: dict[str, str] | None = None,
    time_created: str = "2025-06-02T10:15:00+00:00",
    time: str = DEFAULT_TIME,
) -> Doc:
    """A virtual machine with ``properties.instanceView`` (as ``$expand=instanceView`` returns it).

    ``os_disk_spec``/``data_disks`` come from :func:`os_disk`/:func:`data_disk`, ``extensions`` from
    :func:`vm_extension`. ``agent`` is ``"Ready"``, ``"Unresponsive"`` or ``"NotReported"`` (None): see
    :func:`vm_instance_view`. ``provisioning_state`` ``Updating``/``Failed``/... sets both the model's
    ``provisioningState`` and the instance view status (a failure carries ``provisioning_failure_code``).
    ``allow_extension_operations=False`` is ``osProfile.allowExtensionOperations`` (OSProfile in the
    compute REST spec: no extension can be installed). ``guest`` (in-guest probe facts) is stored under
    ``x-emulator.guest``, completed with the defaults.
    """
    vm_id = resource_id(subscription_id, resource_group, "Microsoft.Compute/virtualMachines", name)
    computer_name = computer_name or name[:15]
    if os_disk_spec is None:  # a managed OS disk always names its disk resource (VirtualMachine_Get.json)
        os_disk_spec = os_disk(
            f"{name}_OsDisk_1",
            os_type,
            disk_id=resource_id(
                subscription_id, resource_group, "Microsoft.Compute/disks", f"{name}_OsDisk_1"
            ),
        )
    storage: Doc = {}
    if image_id:
        storage["imageReference"] = {"id": image_id}
    elif image:
        storage["imageReference"] = dict(image)
    storage["osDisk"] = os_disk_spec
    storage["dataDisks"] = list(data_disks)
    storage["diskControllerType"] = "SCSI"
    props: Doc = {"vmId": stable_uuid("vm", vm_id), "hardwareProfile": {"vmSize": vm_size}}
    if vmss_id:
        props["virtualMachineScaleSet"] = {"id": vmss_id}
    props["storageProfile"] = storage
    if has_os_profile:
        osp: Doc = {"computerName": computer_name, "adminUsername": admin_username}
        if os_type.lower() == "windows":
            osp["windowsConfiguration"] = {
                "provisionVMAgent": provision_vm_agent,
                "enableAutomaticUpdates": True,
                "patchSettings": {"patchMode": "AutomaticByOS", "assessmentMode": "ImageDefault"},
            }
        else:
            osp["linuxConfiguration"] = {
                "disablePasswordAuthentication": True,
                "provisionVMAgent": provision_vm_agent,
                "patchSettings": {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"},
            }
        osp["secrets"] = []
        osp["allowExtensionOperations"] = allow_extension_operations
        osp["requireGuestProvisionSignal"] = True
        props["osProfile"] = osp
    props["networkProfile"] = {
        "networkInterfaces": [
            {"id": nid, "properties": {"primary": i == 0, "deleteOption": "Detach"}}
            for i, nid in enumerate(nic_ids)
        ]
    }
    if security_type or encryption_at_host is not None:
        sec: Doc = {}
        if encryption_at_host is not None:
            sec["encryptionAtHost"] = encryption_at_host
        if security_type:
            sec["uefiSettings"] = {"secureBootEnabled": True, "vTpmEnabled": True}
            sec["securityType"] = security_type
        props["securityProfile"] = sec
    props["diagnosticsProfile"] = {"bootDiagnostics": {"enabled": True}}
    if priority:
        props["priority"] = priority
        if priority == "Spot":
            props["evictionPolicy"] = "Deallocate"
            props["billingProfile"] = {"maxPrice": -1}
    props["provisioningState"] = provisioning_state
    props["timeCreated"] = time_created
    disk_names = [os_disk_spec["name"], *(d["name"] for d in data_disks)]
    props["instanceView"] = vm_instance_view(
        computer_name=computer_name if has_os_profile or agent else None,
        os_name=os_name,
        os_version=os_version,
        power_state=power_state,
        provisioning_state=provisioning_state,
        provisioning_message=provisioning_message,
        provisioning_failure_code=provisioning_failure_code,
        agent=agent,
        agent_version=agent_version
        or (WINDOWS_AGENT_VERSION if os_type.lower() == "windows" else LINUX_AGENT_VERSION),
        extensions=extensions,
        disk_names=disk_names,
        hyper_v_generation=hyper_v_generation,
        time=time,
    )
    doc: Doc = {
        "id": vm_id,
        "name": name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": location,
        "tags": dict(tags or {}),
    }
    if plan:
        doc["plan"] = dict(plan)
    if zones:
        doc["zones"] = list(zones)
    doc["properties"] = props
    if extensions:
        doc["resources"] = [
            {
                "id": f"{vm_id}/extensions/{e['name']}",
                "name": e["name"],
                "type": "Microsoft.Compute/virtualMachines/extensions",
                "location": location,
                "properties": {
                    "publisher": e["publisher"],
                    "type": e["type"],
                    "typeHandlerVersion": ".".join(e["version"].split(".")[:2]),
                    "autoUpgradeMinorVersion": True,
                    "provisioningState": _EXTENSION_MODEL_STATE.get(e["state"], "Succeeded"),
                },
            }
            for e in extensions
        ]
    if guest is not None:
        doc["x-emulator"] = {"guest": {**GUEST_DEFAULTS, **guest}}
    return doc


_EXTENSION_MODEL_STATE = {"failed": "Failed", "deleting": "Deleting", "transitioning": "Updating"}


def _premium_tier(size_gb: int) -> str:
    for limit, tier in _PREMIUM_TIERS:
        if size_gb <= limit:
            return tier
    return "P80"


def managed_disk(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    sku: str = "Premium_LRS",
    size_gb: int = 128,
    zones: Sequence[str] | None = None,
    managed_by: str | None = None,
    managed_by_extended: Sequence[str] = (),
    max_shares: int | None = None,
    os_type: str | None = None,
    hyper_v_generation: str | None = None,
    image_reference_id: str | None = None,
    ade_key_vault_id: str | None = None,
    encryption_type: str = "EncryptionAtRestWithPlatformKey",
    disk_encryption_set_id: str | None = None,
    iops: int | None = None,
    mbps: int | None = None,
    data_access_auth_mode: str | None = None,
    security_type: str | None = None,
    time_created: str = "2025-06-02T10:15:00+00:00",
) -> Doc:
    """A managed disk. ``ade_key_vault_id`` turns on ``encryptionSettingsCollection`` (Azure Disk Encryption).

    ``data_access_auth_mode`` (``AzureActiveDirectory``) and ``security_type`` (``securityProfile.securityType``:
    ``TrustedLaunch``, ``ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey``, ...) are placed as the
    DiskRP examples show them (Disk_Create_WithDataAccessAuthMode.json, Disk_Create_WithSecurityProfile.json).
    """
    disk_id = resource_id(subscription_id, resource_group, "Microsoft.Compute/disks", name)
    props: Doc = {}
    _put(props, "osType", os_type)
    _put(props, "hyperVGeneration", hyper_v_generation)
    if os_type and image_reference_id:
        props["creationData"] = {"createOption": "FromImage", "imageReference": {"id": image_reference_id}}
    else:
        props["creationData"] = {"createOption": "Empty"}
    props["diskSizeGB"] = size_gb
    if sku in ("PremiumV2_LRS", "UltraSSD_LRS"):
        props["diskIOPSReadWrite"] = iops or 3000
        props["diskMBpsReadWrite"] = mbps or 125
    elif iops:
        props["diskIOPSReadWrite"] = iops
        props["diskMBpsReadWrite"] = mbps or 0
    if ade_key_vault_id:
        props["encryptionSettingsCollection"] = {
            "enabled": True,
            "encryptionSettings": [
                {
                    "diskEncryptionKey": {
                        "secretUrl": f"https://{ade_key_vault_id.rsplit('/', 1)[-1]}.vault.azure.net/secrets/"
                        f"{stable_uuid('ade', disk_id).upper()}/{stable_uuid('adev', disk_id).replace('-', '')}",
                        "sourceVault": {"id": ade_key_vault_id},
                    }
                }
            ],
            "encryptionSettingsVersion": "1.1",
        }
    enc: Doc = {"type": encryption_type}
    _put(enc, "diskEncryptionSetId", disk_encryption_set_id)
    props["encryption"] = enc
    _put(props, "maxShares", max_shares)
    props["networkAccessPolicy"] = "AllowAll"
    props["publicNetworkAccess"] = "Enabled"
    _put(props, "dataAccessAuthMode", data_access_auth_mode)
    if security_type:
        props["securityProfile"] = {"securityType": security_type}
    if sku in ("Premium_LRS", "Premium_ZRS"):
        props["tier"] = _premium_tier(size_gb)
    props["diskState"] = "Attached" if managed_by or managed_by_extended else "Unattached"
    props["provisioningState"] = "Succeeded"
    props["timeCreated"] = time_created
    props["uniqueId"] = stable_uuid("disk", disk_id)
    props["diskSizeBytes"] = size_gb * 1024**3
    doc: Doc = {"id": disk_id, "name": name, "type": "Microsoft.Compute/disks", "location": location}
    if zones:
        doc["zones"] = list(zones)
    _put(doc, "managedBy", managed_by)
    if managed_by_extended:
        doc["managedByExtended"] = list(managed_by_extended)
    doc["sku"] = {"name": sku, "tier": _SKU_TIER.get(sku, "Standard")}
    doc["properties"] = props
    return doc


def virtual_machine_scale_set(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    orchestration_mode: str = "Flexible",
    sku: str = "Standard_D2s_v5",
    capacity: int = 2,
    zones: Sequence[str] | None = None,
    time_created: str = "2025-06-02T10:15:00+00:00",
) -> Doc:
    """A VM scale set (``orchestrationMode`` ``Uniform`` or ``Flexible``)."""
    vmss_id = resource_id(subscription_id, resource_group, "Microsoft.Compute/virtualMachineScaleSets", name)
    props: Doc = {"orchestrationMode": orchestration_mode}
    if orchestration_mode == "Uniform":
        props["upgradePolicy"] = {"mode": "Manual"}
        props["singlePlacementGroup"] = False
        props["overprovision"] = False
    props["platformFaultDomainCount"] = 1
    props["provisioningState"] = "Succeeded"
    props["uniqueId"] = stable_uuid("vmss", vmss_id)
    props["timeCreated"] = time_created
    doc: Doc = {
        "id": vmss_id,
        "name": name,
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": location,
        "sku": {"name": sku, "tier": "Standard", "capacity": capacity},
    }
    if zones:
        doc["zones"] = list(zones)
    doc["properties"] = props
    return doc


def scale_set_vm(
    subscription_id: str,
    resource_group: str,
    scale_set: str,
    instance_id: int | str,
    *,
    location: str = "westeurope",
    sku: str = "Standard_D2s_v5",
    os_type: str = "Linux",
    **vm: Any,
) -> Doc:
    """An instance of a Uniform scale set, as ``.../virtualMachineScaleSets/{name}/virtualMachines`` lists it.

    Shape of VirtualMachineScaleSetVM_Get_WithUserData.json (compute 2024-11-01): id under the scale set,
    ``type`` ``Microsoft.Compute/virtualMachines``, ``instanceId``, ``sku``, ``latestModelApplied``. Such an
    instance never appears in ``GET .../virtualMachines`` (facts §0). ``vm`` takes :func:`virtual_machine`'s
    keywords (agent, extensions, disks ...).
    """
    name = f"{scale_set}_{instance_id}"
    base = virtual_machine(
        subscription_id, resource_group, name, location=location, os_type=os_type, vm_size=sku, **vm
    )
    vmss_id = resource_id(
        subscription_id, resource_group, "Microsoft.Compute/virtualMachineScaleSets", scale_set
    )
    vm_id = f"{vmss_id}/virtualMachines/{instance_id}"
    props = {
        k: v for k, v in base["properties"].items() if k not in ("hardwareProfile", "virtualMachineScaleSet")
    }
    props = {"latestModelApplied": True, "modelDefinitionApplied": "VirtualMachineScaleSet", **props}
    props["vmId"] = stable_uuid("vm", vm_id)
    doc: Doc = {
        "id": vm_id,
        "name": name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": location,
        "tags": base["tags"],
        "instanceId": str(instance_id),
        "sku": {"name": sku, "tier": "Standard"},
        "properties": props,
    }
    if "x-emulator" in base:
        doc["x-emulator"] = base["x-emulator"]
    return doc


def management_lock(scope_id: str, name: str, level: str = "CanNotDelete", notes: str | None = None) -> Doc:
    """A ``Microsoft.Authorization/locks`` document at a scope (subscription, resource group or resource).

    Shape of ManagementLocks_ListAtResourceGroupLevel.json / _ListAtSubscriptionLevel.json (resources
    locks 2020-05-01): ``level`` ``CanNotDelete`` or ``ReadOnly``, optional ``notes``.
    """
    props: Doc = {"level": level}
    _put(props, "notes", notes)
    return {
        "id": f"{scope_id.rstrip('/')}/providers/Microsoft.Authorization/locks/{name}",
        "type": "Microsoft.Authorization/locks",
        "name": name,
        "properties": props,
    }


# -- network ----------------------------------------------------------------------------------------
def network_interface(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    subnet_id: str,
    private_ip: str,
    public_ip_id: str | None = None,
    nsg_id: str | None = None,
    vm_id: str | None = None,
    lb_backend_pool_ids: Sequence[str] = (),
    accelerated_networking: bool = False,
) -> Doc:
    """A NIC with one primary ipConfiguration (``ipconfig1``)."""
    nic_id = resource_id(subscription_id, resource_group, "Microsoft.Network/networkInterfaces", name)
    ipc_props: Doc = {
        "provisioningState": "Succeeded",
        "privateIPAddress": private_ip,
        "privateIPAllocationMethod": "Dynamic",
        "subnet": {"id": subnet_id},
        "primary": True,
        "privateIPAddressVersion": "IPv4",
    }
    if public_ip_id:
        ipc_props["publicIPAddress"] = {"id": public_ip_id}
    if lb_backend_pool_ids:
        ipc_props["loadBalancerBackendAddressPools"] = [{"id": p} for p in lb_backend_pool_ids]
    props: Doc = {
        "provisioningState": "Succeeded",
        "resourceGuid": stable_uuid("nic", nic_id),
        "ipConfigurations": [
            {
                "id": f"{nic_id}/ipConfigurations/ipconfig1",
                "name": "ipconfig1",
                "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                "properties": ipc_props,
            }
        ],
        "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
        "macAddress": _mac(nic_id) if vm_id else "",
        "enableAcceleratedNetworking": accelerated_networking,
        "enableIPForwarding": False,
    }
    if nsg_id:
        props["networkSecurityGroup"] = {"id": nsg_id}
    if vm_id:
        props["virtualMachine"] = {"id": vm_id}
    props["primary"] = True
    props["nicType"] = "Standard"
    return {
        "id": nic_id,
        "name": name,
        "type": "Microsoft.Network/networkInterfaces",
        "location": location,
        "properties": props,
    }


def public_ip(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    ip_address: str,
    ip_configuration_id: str | None = None,
    sku: str = "Standard",
    zones: Sequence[str] | None = None,
) -> Doc:
    """A static IPv4 public IP address, optionally bound to an ipConfiguration (NIC or LB frontend)."""
    pip_id = resource_id(subscription_id, resource_group, "Microsoft.Network/publicIPAddresses", name)
    props: Doc = {
        "provisioningState": "Succeeded",
        "resourceGuid": stable_uuid("pip", pip_id),
        "ipAddress": ip_address,
        "publicIPAddressVersion": "IPv4",
        "publicIPAllocationMethod": "Static",
        "idleTimeoutInMinutes": 4,
        "ipTags": [],
    }
    if ip_configuration_id:
        props["ipConfiguration"] = {"id": ip_configuration_id}
    doc: Doc = {
        "id": pip_id,
        "name": name,
        "type": "Microsoft.Network/publicIPAddresses",
        "location": location,
        "sku": {"name": sku, "tier": "Regional"},
    }
    if zones:
        doc["zones"] = list(zones)
    doc["properties"] = props
    return doc


def load_balancer(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    public_ip_id: str | None = None,
    subnet_id: str | None = None,
    private_ip: str | None = None,
    backend_ip_configuration_ids: Sequence[str] = (),
    ports: Sequence[int] = (443,),
) -> Doc:
    """A Standard load balancer: one frontend (public IP or subnet), one pool ``bepool``, a rule and probe per port."""
    lb_id = resource_id(subscription_id, resource_group, "Microsoft.Network/loadBalancers", name)
    fe_id = f"{lb_id}/frontendIPConfigurations/frontend"
    pool_id = f"{lb_id}/backendAddressPools/bepool"
    fe_props: Doc = {"provisioningState": "Succeeded"}
    if public_ip_id:
        fe_props["publicIPAddress"] = {"id": public_ip_id}
    else:
        fe_props.update(
            {
                "privateIPAddress": private_ip,
                "privateIPAllocationMethod": "Static",
                "subnet": {"id": subnet_id},
            }
        )
    rules, probes = [], []
    for port in ports:
        probe_id = f"{lb_id}/probes/probe-{port}"
        probes.append(
            {
                "id": probe_id,
                "name": f"probe-{port}",
                "type": "Microsoft.Network/loadBalancers/probes",
                "properties": {
                    "provisioningState": "Succeeded",
                    "protocol": "Tcp",
                    "port": port,
                    "intervalInSeconds": 5,
                    "numberOfProbes": 1,
                    "probeThreshold": 1,
                },
            }
        )
        rules.append(
            {
                "id": f"{lb_id}/loadBalancingRules/rule-{port}",
                "name": f"rule-{port}",
                "type": "Microsoft.Network/loadBalancers/loadBalancingRules",
                "properties": {
                    "provisioningState": "Succeeded",
                    "frontendIPConfiguration": {"id": fe_id},
                    "backendAddressPool": {"id": pool_id},
                    "probe": {"id": probe_id},
                    "protocol": "Tcp",
                    "frontendPort": port,
                    "backendPort": port,
                    "enableFloatingIP": False,
                    "idleTimeoutInMinutes": 4,
                    "loadDistribution": "Default",
                    "disableOutboundSnat": True,
                },
            }
        )
    return {
        "id": lb_id,
        "name": name,
        "type": "Microsoft.Network/loadBalancers",
        "location": location,
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": stable_uuid("lb", lb_id),
            "frontendIPConfigurations": [
                {
                    "id": fe_id,
                    "name": "frontend",
                    "type": "Microsoft.Network/loadBalancers/frontendIPConfigurations",
                    "properties": fe_props,
                }
            ],
            "backendAddressPools": [
                {
                    "id": pool_id,
                    "name": "bepool",
                    "type": "Microsoft.Network/loadBalancers/backendAddressPools",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "backendIPConfigurations": [{"id": i} for i in backend_ip_configuration_ids],
                    },
                }
            ],
            "loadBalancingRules": rules,
            "probes": probes,
            "inboundNatRules": [],
            "outboundRules": [],
        },
    }


def security_rule(
    name: str,
    priority: int,
    direction: str,
    access: str,
    *,
    protocol: str = "Tcp",
    source_address_prefix: str = "*",
    source_port_range: str = "*",
    destination_address_prefix: str = "*",
    destination_port_range: str = "*",
    description: str | None = None,
) -> Doc:
    """An NSG rule spec (``name`` + ``properties``); :func:`network_security_group` adds ids."""
    props: Doc = {}
    _put(props, "description", description)
    props.update(
        {
            "protocol": protocol,
            "sourcePortRange": source_port_range,
            "destinationPortRange": destination_port_range,
            "sourceAddressPrefix": source_address_prefix,
            "destinationAddressPrefix": destination_address_prefix,
            "access": access,
            "priority": priority,
            "direction": direction,
        }
    )
    return {"name": name, "properties": props}


DEFAULT_SECURITY_RULES: tuple[Doc, ...] = (
    security_rule(
        "AllowVnetInBound",
        65000,
        "Inbound",
        "Allow",
        protocol="*",
        source_address_prefix="VirtualNetwork",
        destination_address_prefix="VirtualNetwork",
        description="Allow inbound traffic from all VMs in VNET",
    ),
    security_rule(
        "AllowAzureLoadBalancerInBound",
        65001,
        "Inbound",
        "Allow",
        protocol="*",
        source_address_prefix="AzureLoadBalancer",
        description="Allow inbound traffic from azure load balancer",
    ),
    security_rule(
        "DenyAllInBound", 65500, "Inbound", "Deny", protocol="*", description="Deny all inbound traffic"
    ),
    security_rule(
        "AllowVnetOutBound",
        65000,
        "Outbound",
        "Allow",
        protocol="*",
        source_address_prefix="VirtualNetwork",
        destination_address_prefix="VirtualNetwork",
        description="Allow outbound traffic from all VMs to all VMs in VNET",
    ),
    security_rule(
        "AllowInternetOutBound",
        65001,
        "Outbound",
        "Allow",
        protocol="*",
        destination_address_prefix="Internet",
        description="Allow outbound traffic from all VMs to Internet",
    ),
    security_rule(
        "DenyAllOutBound", 65500, "Outbound", "Deny", protocol="*", description="Deny all outbound traffic"
    ),
)
"""The six default rules Azure puts in every NSG, with their real names and priorities."""


def _child_rules(nsg_id: str, kind: str, rules: Iterable[Doc]) -> list[Doc]:
    return [
        {
            "id": f"{nsg_id}/{kind}/{r['name']}",
            "name": r["name"],
            "type": f"Microsoft.Network/networkSecurityGroups/{kind}",
            "properties": {"provisioningState": "Succeeded", **r["properties"]},
        }
        for r in rules
    ]


def network_security_group(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    security_rules: Sequence[Doc] = (),
    subnet_ids: Sequence[str] = (),
    nic_ids: Sequence[str] = (),
) -> Doc:
    """An NSG with its ``securityRules`` (from :func:`security_rule`) and the six ``defaultSecurityRules``."""
    nsg_id = resource_id(subscription_id, resource_group, "Microsoft.Network/networkSecurityGroups", name)
    props: Doc = {
        "provisioningState": "Succeeded",
        "resourceGuid": stable_uuid("nsg", nsg_id),
        "securityRules": _child_rules(nsg_id, "securityRules", security_rules),
        "defaultSecurityRules": _child_rules(nsg_id, "defaultSecurityRules", DEFAULT_SECURITY_RULES),
    }
    if subnet_ids:
        props["subnets"] = [{"id": s} for s in subnet_ids]
    if nic_ids:
        props["networkInterfaces"] = [{"id": n} for n in nic_ids]
    return {
        "id": nsg_id,
        "name": name,
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": location,
        "properties": props,
    }


def subnet(
    name: str,
    address_prefix: str,
    *,
    nsg_id: str | None = None,
    route_table_id: str | None = None,
    ip_configuration_ids: Sequence[str] = (),
) -> Doc:
    """A subnet spec for :func:`virtual_network`."""
    props: Doc = {"provisioningState": "Succeeded", "addressPrefix": address_prefix}
    if nsg_id:
        props["networkSecurityGroup"] = {"id": nsg_id}
    if route_table_id:
        props["routeTable"] = {"id": route_table_id}
    if ip_configuration_ids:
        props["ipConfigurations"] = [{"id": i} for i in ip_configuration_ids]
    props["privateEndpointNetworkPolicies"] = "Disabled"
    props["privateLinkServiceNetworkPolicies"] = "Enabled"
    return {"name": name, "properties": props}


def subnet_id(vnet_id: str, name: str) -> str:
    """Id of a subnet of a virtual network."""
    return f"{vnet_id}/subnets/{name}"


def virtual_network(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    address_prefixes: Sequence[str] = ("10.0.0.0/16",),
    subnets: Sequence[Doc] = (),
) -> Doc:
    """A virtual network with its subnets (from :func:`subnet`)."""
    vnet_id = resource_id(subscription_id, resource_group, "Microsoft.Network/virtualNetworks", name)
    return {
        "id": vnet_id,
        "name": name,
        "type": "Microsoft.Network/virtualNetworks",
        "location": location,
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": stable_uuid("vnet", vnet_id),
            "addressSpace": {"addressPrefixes": list(address_prefixes)},
            "subnets": [
                {
                    "id": subnet_id(vnet_id, s["name"]),
                    "name": s["name"],
                    "type": "Microsoft.Network/virtualNetworks/subnets",
                    "properties": dict(s["properties"]),
                }
                for s in subnets
            ],
            "virtualNetworkPeerings": [],
            "enableDdosProtection": False,
        },
    }


def route(name: str, address_prefix: str, next_hop_type: str, next_hop_ip: str | None = None) -> Doc:
    """A route spec for :func:`route_table` (``next_hop_type`` VirtualAppliance, VirtualNetworkGateway, Internet, ...)."""
    props: Doc = {
        "provisioningState": "Succeeded",
        "addressPrefix": address_prefix,
        "nextHopType": next_hop_type,
    }
    _put(props, "nextHopIpAddress", next_hop_ip)
    return {"name": name, "properties": props}


def route_table(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    routes: Sequence[Doc] = (),
    subnet_ids: Sequence[str] = (),
    disable_bgp_route_propagation: bool = False,
) -> Doc:
    """A route table with user routes (from :func:`route`) and the subnets it is associated with."""
    rt_id = resource_id(subscription_id, resource_group, "Microsoft.Network/routeTables", name)
    props: Doc = {
        "provisioningState": "Succeeded",
        "resourceGuid": stable_uuid("rt", rt_id),
        "disableBgpRoutePropagation": disable_bgp_route_propagation,
        "routes": [
            {
                "id": f"{rt_id}/routes/{r['name']}",
                "name": r["name"],
                "type": "Microsoft.Network/routeTables/routes",
                "properties": dict(r["properties"]),
            }
            for r in routes
        ],
    }
    if subnet_ids:
        props["subnets"] = [{"id": s} for s in subnet_ids]
    return {
        "id": rt_id,
        "name": name,
        "type": "Microsoft.Network/routeTables",
        "location": location,
        "properties": props,
    }


def key_vault(
    subscription_id: str, resource_group: str, name: str, *, location: str = "westeurope", tenant_id: str
) -> Doc:
    """A Key Vault enabled for Azure Disk Encryption (the ``sourceVault`` of ADE-encrypted disks)."""
    kv_id = resource_id(subscription_id, resource_group, "Microsoft.KeyVault/vaults", name)
    return {
        "id": kv_id,
        "name": name,
        "type": "Microsoft.KeyVault/vaults",
        "location": location,
        "tags": {},
        "properties": {
            "sku": {"family": "A", "name": "standard"},
            "tenantId": tenant_id,
            "enabledForDeployment": False,
            "enabledForDiskEncryption": True,
            "enabledForTemplateDeployment": False,
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90,
            "enableRbacAuthorization": True,
            "enablePurgeProtection": True,
            "vaultUri": f"https://{name}.vault.azure.net/",
            "provisioningState": "Succeeded",
            "publicNetworkAccess": "Enabled",
        },
    }


# -- Recovery Services ------------------------------------------------------------------------------
def recovery_services_vault(
    subscription_id: str,
    resource_group: str,
    name: str,
    *,
    location: str = "westeurope",
    redundancy: str = "GeoRedundant",
    cross_region_restore: str = "Disabled",
    sku: str = "RS0",
    provisioning_state: str = "Succeeded",
    tags: dict[str, str] | None = None,
) -> Doc:
    """A Recovery Services vault (``redundancy`` LocallyRedundant|GeoRedundant|ZoneRedundant)."""
    vault_id = resource_id(subscription_id, resource_group, "Microsoft.RecoveryServices/vaults", name)
    return {
        "id": vault_id,
        "name": name,
        "type": "Microsoft.RecoveryServices/vaults",
        "location": location,
        "tags": dict(tags or {}),
        "etag": f"W/\"datetime'2025-06-02T10%3A15%3A00.{stable_uuid('etag', vault_id)[:7]}Z'\"",
        "sku": {"name": sku, "tier": "Standard"},
        "properties": {
            "provisioningState": provisioning_state,
            "privateEndpointStateForBackup": "None",
            "privateEndpointStateForSiteRecovery": "None",
            "publicNetworkAccess": "Enabled",
            "redundancySettings": {
                "standardTierStorageRedundancy": redundancy,
                "crossRegionRestore": cross_region_restore,
            },
            "securitySettings": {
                "softDeleteSettings": {
                    "softDeleteState": "Enabled",
                    "softDeleteRetentionPeriodInDays": 14,
                    "enhancedSecurityState": "Enabled",
                },
                "immutabilitySettings": {"state": "Disabled"},
            },
            "backupStorageVersion": "V2",
        },
    }


def backup_policy(
    vault_id: str,
    name: str = "DefaultPolicy",
    *,
    policy_type: str | None = None,
    protected_items_count: int = 0,
    retention_days: int = 30,
    time_zone: str = "UTC",
    schedule_date: str = "2025-06-02",
) -> Doc:
    """An Azure VM backup policy.

    V1 (Standard, the default for ``DefaultPolicy``): daily at 19:00 UTC, 30 days, 2 days of instant
    restore. V2 (Enhanced, the default for a name containing "Enhanced"): every 4 hours in a 16-hour window
    from 08:00, 30 days, 7 days of instant restore.
    """
    if policy_type is None:
        policy_type = "V2" if "enhanced" in name.lower() else "V1"
    props: Doc = {"backupManagementType": "AzureIaasVM", "protectedItemsCount": protected_items_count}
    if policy_type == "V2":
        start = f"{schedule_date}T08:00:00Z"
        props["schedulePolicy"] = {
            "schedulePolicyType": "SimpleSchedulePolicyV2",
            "scheduleRunFrequency": "Hourly",
            "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": start, "scheduleWindowDuration": 16},
        }
        instant_rp = 7
    else:
        start = f"{schedule_date}T19:00:00Z"
        props["schedulePolicy"] = {
            "schedulePolicyType": "SimpleSchedulePolicy",
            "scheduleRunFrequency": "Daily",
            "scheduleRunTimes": [start],
            "scheduleWeeklyFrequency": 0,
        }
        instant_rp = 2
    props["retentionPolicy"] = {
        "retentionPolicyType": "LongTermRetentionPolicy",
        "dailySchedule": {
            "retentionTimes": [start],
            "retentionDuration": {"count": retention_days, "durationType": "Days"},
        },
    }
    props["instantRpRetentionRangeInDays"] = instant_rp
    props["timeZone"] = time_zone
    props["policyType"] = policy_type
    return {
        "id": f"{vault_id}/backupPolicies/{name}",
        "name": name,
        "type": "Microsoft.RecoveryServices/vaults/backupPolicies",
        "properties": props,
    }


def protected_item(
    vault_id: str,
    vm_id: str,
    *,
    policy_name: str = "DefaultPolicy",
    policy_type: str | None = None,
    protection_state: str = "Protected",
    health_status: str = "Passed",
    last_backup_status: str = "Completed",
    last_backup_time: str = "2026-11-25T19:05:00Z",
    compact: bool = False,
) -> Doc:
    """An Azure VM protected item of a vault (shape of arm-wire-protocol §3.17).

    ``compact=True`` keeps only what identifies the item and its state, and omits ``healthStatus`` /
    ``lastBackupStatus`` when they are the healthy defaults (for estates with thousands of items).
    """
    parts = vm_id.strip("/").split("/")
    rg, vm = parts[3], parts[-1]
    container = f"iaasvmcontainerv2;{rg};{vm}"
    item = f"VM;{container}"
    if policy_type is None:
        policy_type = "V2" if "enhanced" in policy_name.lower() else "V1"
    props: Doc = {
        "protectedItemType": "Microsoft.Compute/virtualMachines",
        "backupManagementType": "AzureIaasVM",
        "workloadType": "VM",
    }
    if not compact:
        props["containerName"] = container
    props["friendlyName"] = vm
    props["sourceResourceId"] = vm_id
    if not compact:
        props["virtualMachineId"] = vm_id
        props["policyId"] = f"{vault_id}/backupPolicies/{policy_name}"
    props["policyName"] = policy_name
    if not compact:
        props["policyType"] = policy_type
    props["protectionState"] = protection_state
    if not compact or health_status != "Passed":
        props["healthStatus"] = health_status
    if not compact or last_backup_status != "Completed":
        props["lastBackupStatus"] = last_backup_status
    props["lastBackupTime"] = last_backup_time
    if not compact:
        props["protectionStatus"] = "Healthy" if health_status == "Passed" else "Unhealthy"
        props["lastRecoveryPoint"] = last_backup_time
        props["protectedItemDataId"] = str(int(stable_uuid("pi", vault_id, vm_id).replace("-", "")[:15], 16))
    return {
        "id": f"{vault_id}/backupFabrics/Azure/protectionContainers/IaasVMContainer;{container}/protectedItems/{item}",
        "name": item,
        "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
        "properties": props,
    }
