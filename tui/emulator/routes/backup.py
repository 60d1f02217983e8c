"""Microsoft.RecoveryServices backup (RecoveryServicesBackupClient, api-version 2026-10-01).

Storage config, policies, container refresh, protectable and protected items, backupStatus and
backupPreValidateProtection. Vault-level state (the protected-item index, redundancy rules) lives in
``vaults.py``.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from aiohttp import web

from .. import builders
from ..estate import Estate, resource_group_of, subscription_of
from ..lro import RETRY_AFTER, accepted, result_response, status_response
from ..regions import REGIONS, ULTRA_DISK_GRS_REGIONS
from ..routing import ArmError, Ctx, Router, json_response
from .vaults import (
    POLICY_TYPE,
    VAULT_TYPE,
    add_protected_item,
    apply_redundancy,
    backup_index,
    check_storage_config_allowed,
    get_vault,
    has_protected_items,
    item_for_vm,
    redundancy_of,
    vault_items,
    vault_of,
)

VM_TYPE = "Microsoft.Compute/virtualMachines"
PROTECTABLE_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems"
_POLICY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,148}[A-Za-z0-9]$")
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
_FILTER_ALIASES = {"itemtype": "workloadType"}
_ULTRA_SKUS = ("premiumv2_lrs", "ultrassd_lrs")

# Verified wording: a real 400 quoted in hashicorp/terraform-provider-azurerm issues #2143 / #2207.
BAD_CONFIGURE = (
    "BMSUserErrorInvalidConfigureProtectionRequest",
    "Input for configure protection is not in proper format\r\nPlease ensure that container exists "
    "and other parameters are in valid format",
)
# Service wording, from a real error quoted in MicrosoftDocs/azure-docs issue #116318 (Oct 2023); the regions
# where GRS / CRR work for these disks are in ``regions.ULTRA_DISK_GRS_REGIONS`` (facts §0, [M26]).
ULTRA_GRS = (
    "UserErrorUltraDiskOrPremiumSSDV2DiskVMCannotBeProtectedOnGRSVault",
    "Protection of virtual machines with Ultra disk or Premium SSD v2 could not be performed in the selected "
    "vault, with storage replication type as geo-redundant.",
)


# -- small helpers -------------------------------------------------------------------------------------------
def _matches(doc: dict[str, Any], clauses: list[tuple[str, str]]) -> bool:
    props = doc.get("properties") or {}
    for key, value in clauses:
        k = _FILTER_ALIASES.get(key.lower(), key)
        actual = next((v for pk, v in props.items() if pk.lower() == k.lower()), None)
        if actual is not None and str(actual).lower() != value.lower():
            return False
    return True


def _parse_filter(ctx: Ctx) -> list[tuple[str, str]]:
    raw = ctx.query.get("$filter")
    if not raw:
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", raw, flags=re.IGNORECASE):
        m = _CLAUSE.match(part)
        if not m:
            raise ArmError(400, "BMSUserErrorInvalidFilter", f"The filter '{raw}' is not valid.")
        clauses.append((m.group(1), m.group(2)))
    return clauses


def _norm(location: Any) -> str:
    return str(location or "").replace(" ", "").lower()


def _check_region(region: str) -> str:
    loc = _norm(region)
    if loc not in REGIONS:
        raise ArmError(
            400,
            "LocationNotAvailableForResourceType",
            f"The provided location '{region}' is not available for resource type '{VAULT_TYPE}'.",
        )
    return loc


def _check_fabric(ctx: Ctx) -> None:
    if ctx.params["fabric"].lower() != "azure":
        raise ArmError(
            404,
            "BMSUserErrorFabricNotFound",
            f"Fabric '{ctx.params['fabric']}' was not found. Azure VMs use the fabric 'Azure'.",
        )


def _container_key(vm_id: str) -> str:
    """``iaasvmcontainerv2;{rg};{vm}``: the resource group and VM name keep their case (facts §0)."""
    rg, vm = resource_group_of(vm_id) or "", vm_id.rstrip("/").rsplit("/", 1)[-1]
    return f"iaasvmcontainerv2;{rg};{vm}"


def _names(vm_id: str) -> tuple[str, str]:
    """(container, item) of a protected item: ``IaasVMContainer;iaasvmcontainerv2;rg;vm``, ``VM;iaasvmcontainerv2;rg;vm``.

    As BackupProtectedItems_List.json and the CLI 2.89.1 recording test_backup_csb_enable_for_vm.yaml show them.
    """
    key = _container_key(vm_id)
    return f"IaasVMContainer;{key}", f"VM;{key}"


def _status_names(vm_id: str) -> dict[str, str]:
    """backupStatus / pre-validation names: lower-case prefixes, resource group and VM keep their case.

    GetBackupStatus.json: ``iaasvmcontainer;iaasvmcontainerv2;testRg;testVm``, ``vm;iaasvmcontainerv2;testRg;testVm``.
    """
    key = _container_key(vm_id)
    return {"containerName": f"iaasvmcontainer;{key}", "protectedItemName": f"vm;{key}"}


def _strip(name: str, prefix: str) -> str:
    low = name.lower()
    return low[len(prefix) :] if low.startswith(prefix) else low


def _disk_skus(estate: Estate, vm: dict[str, Any]) -> list[str]:
    sp = (vm.get("properties") or {}).get("storageProfile") or {}
    skus = []
    for disk in [sp.get("osDisk") or {}, *(sp.get("dataDisks") or [])]:
        md = disk.get("managedDisk") or {}
        sku = md.get("storageAccountType")
        if not sku and md.get("id"):
            sku = ((estate.get(md["id"]) or {}).get("sku") or {}).get("name")
        if sku:
            skus.append(str(sku))
    return skus


def _ultra_grs_error(estate: Estate, vm: dict[str, Any], vault: dict[str, Any]) -> dict[str, str] | None:
    """The service's refusal to protect a PSSD v2 / Ultra VM in a GRS (or CRR) vault outside the supported regions.

    Standard and Enhanced policies are both accepted otherwise: Trusted Launch works with Standard for REST
    >= 2025-01-01 (facts §0), and no source shows the service refusing Standard for PSSD v2 / Ultra at enable
    time, so the emulator does not invent that refusal.
    """
    if not any(s.lower() in _ULTRA_SKUS for s in _disk_skus(estate, vm)):
        return None
    red, crr = redundancy_of(vault)
    if red != "GeoRedundant" and crr != "Enabled":
        return None
    if _norm(vault.get("location")) in ULTRA_DISK_GRS_REGIONS:
        return None
    return {"code": ULTRA_GRS[0], "message": ULTRA_GRS[1]}


def _storage_config(ctx: Ctx, vault: dict[str, Any]) -> dict[str, Any]:
    red, crr = redundancy_of(vault)
    return {
        "id": f"{vault['id']}/backupstorageconfig/vaultstorageconfig",
        "name": "vaultstorageconfig",
        "type": "Microsoft.RecoveryServices/vaults/backupstorageconfig",
        "properties": {
            "storageModelType": red,
            "storageType": red,
            "storageTypeState": "Locked" if has_protected_items(ctx.estate, vault["id"]) else "Unlocked",
            "crossRegionRestoreFlag": crr == "Enabled",
            "dedupState": "Disabled",
            "xcoolState": "Disabled",
        },
    }


async def _change_storage(ctx: Ctx) -> dict[str, Any]:
    vault = get_vault(ctx)
    body = await ctx.json() or {}
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise ArmError(400, "BMSUserErrorInvalidInput", "The request must carry a properties object.")
    storage = props.get("storageType") or props.get("storageModelType")
    flag = props.get("crossRegionRestoreFlag")
    crr = None if flag is None else ("Enabled" if flag is True or str(flag).lower() == "true" else "Disabled")
    check_storage_config_allowed(ctx.estate, vault, storage, crr)
    apply_redundancy(ctx.estate, vault, storage, crr)
    return vault


def _policy_for(ctx: Ctx, vault: dict[str, Any], policy_id: str) -> dict[str, Any]:
    policy = ctx.estate.get(policy_id) if policy_id else None
    if policy is None or vault_of(policy["id"]).lower() != vault["id"].lower():
        raise ArmError(
            400,
            "BMSUserErrorPolicyNotFound",
            f"The backup policy '{policy_id}' was not found in vault '{vault['name']}'. The policy "
            "must belong to the vault that protects the item.",
        )
    if (policy.get("properties") or {}).get("backupManagementType") != "AzureIaasVM":
        raise ArmError(
            400,
            "BMSUserErrorInvalidPolicyInput",
            f"The policy '{policy['name']}' is not an Azure VM (AzureIaasVM) policy.",
        )
    return policy


def _count(policy: dict[str, Any] | None, delta: int) -> None:
    if policy is not None:
        props = policy.setdefault("properties", {})
        props["protectedItemsCount"] = max(0, int(props.get("protectedItemsCount") or 0) + delta)


def _new_item(ctx: Ctx, vault: dict[str, Any], vm: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    """A protected item just enabled, as the service shows it (CLI 2.89.1 recording test_backup_csb_enable_for_vm.yaml).

    ``IRPending``, healthy, no backup yet (``lastBackupStatus`` empty, ``lastBackupTime`` 2001-01-01), whatever
    the VM agent's state: an agent problem surfaces only when the first backup job runs (facts §0).
    """
    ptype = (policy.get("properties") or {}).get("policyType", "V1")
    doc = builders.protected_item(
        vault["id"],
        vm["id"],
        policy_name=policy["name"],
        policy_type=ptype,
        protection_state="IRPending",
        health_status="Passed",
        last_backup_status="",
        last_backup_time="2001-01-01T00:00:00Z",
    )
    props = doc["properties"]
    props["policyId"] = policy["id"]
    props.pop("lastRecoveryPoint", None)
    props["vaultId"] = f"{ctx.base()}{vault['id'].lstrip('/')}"  # the service gives an absolute URL here
    props["isArchiveEnabled"] = False
    props["softDeleteRetentionPeriod"] = 0
    props["sourceLocation"] = _norm(vm.get("location"))
    props["sourceSideScanInfo"] = {
        "sourceSideScanStatus": "NotConfigured",
        "sourceSideScanSummary": "Unknown",
    }
    return doc


def _protectable_item(vault: dict[str, Any], vm: dict[str, Any]) -> dict[str, Any]:
    """An Azure VM protectable item as the service names it (facts §0 "Real wire shapes").

    Name ``iaasvmcontainerv2;{rg};{vm}``, id segment ``vm;iaasvmcontainerv2;{rg};{vm}`` under container
    ``IaasVMContainer;iaasvmcontainerv2;{rg};{vm}`` (resource group and VM keep their case), with
    ``virtualMachineVersion: "Compute"`` and ``resourceGroup`` (AzureIaaSComputeVMProtectableItem in the
    backup spec; BackupProtectableItems_List.json has the other keys).
    """
    key = _container_key(vm["id"])
    return {
        "id": f"{vault['id']}/backupFabrics/Azure/protectionContainers/IaasVMContainer;{key}"
        f"/protectableItems/vm;{key}",
        "name": key,
        "type": PROTECTABLE_TYPE,
        "properties": {
            "virtualMachineId": vm["id"],
            "virtualMachineVersion": "Compute",
            "resourceGroup": resource_group_of(vm["id"]),
            "protectableItemType": VM_TYPE,
            "backupManagementType": "AzureIaasVM",
            "workloadType": "VM",
            "friendlyName": vm["name"],
            "protectionState": "NotProtected",
        },
    }


def _vm_or_none(estate: Estate, vm_id: str) -> dict[str, Any] | None:
    vm = estate.get(vm_id) if vm_id else None
    return vm if vm is not None and vm.get("type", "").lower() == VM_TYPE.lower() else None


# -- routes --------------------------------------------------------------------------------------------------
def register(router: Router) -> None:
    vault_path = (
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults/{vault}"
    )
    storage = vault_path + "/backupstorageconfig/vaultstorageconfig"
    fabric = vault_path + "/backupFabrics/{fabric}"
    item_path = fabric + "/protectionContainers/{container}/protectedItems/{item}"
    loc_scope = "/subscriptions/{sub}/providers/Microsoft.RecoveryServices/locations/{region}"

    # storage config ---------------------------------------------------------------------------------------
    @router.route("GET", storage)
    async def get_storage(ctx: Ctx) -> web.Response:
        return json_response(_storage_config(ctx, get_vault(ctx)))

    @router.route("PUT", storage)
    async def put_storage(ctx: Ctx) -> web.Response:
        return json_response(_storage_config(ctx, await _change_storage(ctx)))

    @router.route("PATCH", storage)
    async def patch_storage(ctx: Ctx) -> web.Response:
        await _change_storage(ctx)
        return web.Response(status=204)  # the SDK accepts only 204 here

    # vault config (soft delete and security settings; read by `az backup vault backup-properties show`) -----
    @router.route("GET", vault_path + "/backupconfig/vaultconfig")
    async def get_vault_config(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        return json_response(
            {
                "id": f"{vault['id']}/backupconfig/vaultconfig",
                "name": "vaultconfig",
                "type": "Microsoft.RecoveryServices/vaults/backupconfig",
                "properties": {
                    "enhancedSecurityState": "Enabled",
                    "softDeleteFeatureState": "Enabled",
                    "softDeleteRetentionPeriodInDays": 14,
                    "isSoftDeleteFeatureStateEditable": True,
                },
            }
        )

    # policies ------------------------------------------------------------------------------------------------
    @router.route("GET", vault_path + "/backupPolicies")
    async def list_policies(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        clauses = _parse_filter(ctx)
        return ctx.page([p for p in ctx.estate.children(vault["id"], POLICY_TYPE) if _matches(p, clauses)])

    @router.route("GET", vault_path + "/backupPolicies/{policy}")
    async def get_policy(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        policy = ctx.estate.get(f"{vault['id']}/backupPolicies/{ctx.params['policy']}")
        if policy is None:
            raise ArmError(
                404,
                "BMSUserErrorPolicyNotFound",
                f"The backup policy '{ctx.params['policy']}' was not found in vault '{vault['name']}'.",
            )
        return json_response(policy)

    @router.route("PUT", vault_path + "/backupPolicies/{policy}")
    async def put_policy(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        name = ctx.params["policy"]
        if not _POLICY_NAME.match(name):
            raise ArmError(
                400,
                "BMSUserErrorInvalidPolicyName",
                f"The policy name '{name}' is invalid. Policy names must be 3 to 150 characters long, "
                "start with a letter, contain only letters, numbers and hyphens, and not end with a hyphen.",
            )
        body = await ctx.json() or {}
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict) or not props.get("backupManagementType"):
            raise ArmError(
                400,
                "BMSUserErrorInvalidPolicyInput",
                "The policy must carry properties.backupManagementType (AzureIaasVM for Azure VMs).",
            )
        pid = f"{vault['id']}/backupPolicies/{name}"
        existing = ctx.estate.get(pid)
        new_props = copy.deepcopy(props)
        if new_props.get("backupManagementType") == "AzureIaasVM" and "policyType" not in new_props:
            schedule = (new_props.get("schedulePolicy") or {}).get("schedulePolicyType", "")
            new_props["policyType"] = "V2" if schedule == "SimpleSchedulePolicyV2" else "V1"
        if existing is not None:
            old_type = (existing.get("properties") or {}).get("policyType")
            if old_type == "V2" and new_props.get("policyType") == "V1":
                raise ArmError(
                    400,
                    "BMSUserErrorPolicyTypeChangeNotAllowed",
                    "An Enhanced (V2) policy cannot be changed into a Standard (V1) policy.",
                )
            new_props["protectedItemsCount"] = (existing.get("properties") or {}).get(
                "protectedItemsCount", 0
            )
            existing["properties"] = new_props
            return json_response(existing)
        new_props["protectedItemsCount"] = 0
        doc = {"id": pid, "name": name, "type": POLICY_TYPE, "properties": new_props}
        ctx.estate.put(doc)
        return json_response(doc)

    # refresh containers and protectable items -------------------------------------------------------------
    @router.route("POST", fabric + "/refreshContainers")
    async def refresh(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        _check_fabric(ctx)
        index = backup_index(ctx.estate)
        key = vault["id"].lower()
        op = ctx.emulator.operations.start(result=None)
        previous = index.refreshed.get(key)
        if previous is None or not previous.done:
            index.refreshed[key] = op
        api = ctx.request.query.get("api-version", "")
        location = f"{ctx.base()}{fabric_url(ctx)}/operationResults/{op.id}?api-version={api}"
        return accepted(location_url=location)

    def fabric_url(ctx: Ctx) -> str:
        p = ctx.params
        return (
            f"subscriptions/{p['sub']}/resourceGroups/{p['rg']}/providers/Microsoft.RecoveryServices/vaults/"
            f"{p['vault']}/backupFabrics/{p['fabric']}"
        )

    @router.route("GET", fabric + "/operationResults/{op}")
    async def refresh_result(ctx: Ctx) -> web.Response:
        get_vault(ctx)
        op = ctx.emulator.operations.get(ctx.params["op"])
        if not op.done:
            return web.Response(status=202, headers={**RETRY_AFTER, "Location": str(ctx.request.url)})
        return web.Response(status=204)

    @router.route("GET", vault_path + "/backupProtectableItems")
    async def protectable(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        clauses = _parse_filter(ctx)
        op = backup_index(ctx.estate).refreshed.get(vault["id"].lower())
        if op is None or not op.done:  # nothing discovered until a refresh has completed
            return ctx.page([])
        region = _norm(vault["location"])
        out = []
        for vm in ctx.estate.list(ctx.sub_id, VM_TYPE):
            if _norm(vm.get("location")) != region or item_for_vm(ctx.estate, vm["id"]) is not None:
                continue
            doc = _protectable_item(vault, vm)
            if _matches(doc, clauses):
                out.append(doc)
        return ctx.page(out)

    # protected items ---------------------------------------------------------------------------------------
    @router.route("GET", vault_path + "/backupProtectedItems")
    async def list_items(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        clauses = _parse_filter(ctx)
        return ctx.page([d for d in vault_items(ctx.estate, vault["id"]) if _matches(d, clauses)])

    @router.route("GET", item_path)
    async def get_item(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        _check_fabric(ctx)
        doc = ctx.estate.get(
            f"{vault['id']}/backupFabrics/Azure/protectionContainers/{ctx.params['container']}"
            f"/protectedItems/{ctx.params['item']}"
        )
        if doc is None:
            raise ArmError(
                404,
                "BMSUserErrorItemNotFound",
                f"The protected item '{ctx.params['item']}' was not found in vault '{vault['name']}'.",
            )
        return json_response(doc)

    @router.route("PUT", item_path)
    async def protect(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        _check_fabric(ctx)
        body = await ctx.json() or {}
        props = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(props, dict) or not props.get("sourceResourceId") or not props.get("policyId"):
            raise ArmError(400, *BAD_CONFIGURE)
        vm_id = str(props["sourceResourceId"])
        vm = _vm_or_none(ctx.estate, vm_id)
        if vm is None:
            raise ArmError(
                404,
                "BMSUserErrorVmNotFound",
                f"The virtual machine '{vm_id}' was not found. Check the VM id, or that the VM still exists.",
            )
        container, item = _names(vm["id"])
        if _strip(ctx.params["container"], "iaasvmcontainer;") != _strip(
            container, "iaasvmcontainer;"
        ) or _strip(ctx.params["item"], "vm;") != _strip(item, "vm;"):
            raise ArmError(400, *BAD_CONFIGURE)
        if _norm(vm.get("location")) != _norm(vault["location"]):
            raise ArmError(
                400,
                "BMSUserErrorVmAndVaultLocationMismatch",
                f"The VM should be in the same location as that of the Recovery Services vault to enable "
                f"protection. VM '{vm['name']}' is in '{vm.get('location')}', vault '{vault['name']}' "
                f"is in '{vault['location']}'.",
            )
        policy = _policy_for(ctx, vault, str(props["policyId"]))
        current = item_for_vm(ctx.estate, vm["id"])
        if current is not None and vault_of(current["id"]).lower() != vault["id"].lower():
            raise ArmError(
                400,
                "BMSUserErrorProtectedItemAlreadyProtected",
                "Virtual machine is already registered/registering with another recovery services vault "
                f"'{vault_of(current['id'])}'. Please select a different virtual machine for registration.",
            )
        if (
            current is not None
            and str(current["properties"].get("policyId", "")).lower() == policy["id"].lower()
        ):
            return json_response(current)  # same policy again: nothing changes
        error = _ultra_grs_error(ctx.estate, vm, vault)
        if current is None and error is None:
            doc = _new_item(ctx, vault, vm, policy)
            add_protected_item(ctx.estate, doc)
            _count(policy, +1)
            item_id = doc["id"]
        elif current is not None and error is None:  # modify protection: move to the new policy
            old = ctx.estate.get(
                str(
                    current["properties"].get("policyId")
                    or f"{vault['id']}/backupPolicies/{current['properties'].get('policyName')}"
                )
            )
            _count(old, -1)
            _count(policy, +1)
            current["properties"].update(
                {
                    "policyId": policy["id"],
                    "policyName": policy["name"],
                    "policyType": (policy.get("properties") or {}).get("policyType", "V1"),
                }
            )
            item_id = current["id"]
        else:
            item_id = ""
        estate = ctx.estate
        op = ctx.emulator.operations.start(
            result=(lambda: estate.get(item_id)) if item_id else None,
            error=error,
            properties={"objectType": "OperationStatusJobExtendedInfo", "jobId": str(uuid.uuid4())},
        )
        base = f"{ctx.base()}{ctx.request.raw_path.split('?', 1)[0].lstrip('/')}"
        api = ctx.request.query.get("api-version", "")
        return accepted(
            async_url=f"{base}/operationsStatus/{op.id}?api-version={api}",
            location_url=f"{base}/operationResults/{op.id}?api-version={api}",
        )

    @router.route("GET", item_path + "/operationsStatus/{op}")
    async def item_op_status(ctx: Ctx) -> web.Response:
        get_vault(ctx)
        return status_response(ctx.emulator.operations.get(ctx.params["op"]))

    @router.route("GET", item_path + "/operationResults/{op}")
    async def item_op_result(ctx: Ctx) -> web.Response:
        get_vault(ctx)
        return result_response(ctx, ctx.emulator.operations.get(ctx.params["op"]))

    # subscription-level checks -----------------------------------------------------------------------------
    @router.route("POST", loc_scope + "/backupStatus")
    async def backup_status(ctx: Ctx) -> web.Response:
        region = _check_region(ctx.params["region"])
        body = await ctx.json() or {}
        vm_id = str(body.get("resourceId") or "")
        vm = _vm_or_none(ctx.estate, vm_id)
        if vm is None:
            raise ArmError(
                404,
                "ResourceNotFound",
                f"The Resource '{VM_TYPE}/{vm_id.rsplit('/', 1)[-1]}' under resource group "
                f"'{resource_group_of(vm_id)}' was not found.",
            )
        if _norm(vm.get("location")) != region:
            raise ArmError(
                400,
                "BMSUserErrorInvalidInput",
                f"The virtual machine '{vm['name']}' is in location '{vm.get('location')}', not in "
                f"'{ctx.params['region']}'. Query the backup status in the VM's own location.",
            )
        item = item_for_vm(ctx.estate, vm["id"])
        if item is None:
            return json_response({"protectionStatus": "NotProtected", "errorCode": "Success"})
        props = item["properties"]
        out: dict[str, Any] = {
            "protectionStatus": "Protected",
            "vaultId": vault_of(item["id"]),
            "fabricName": "Azure",
            **_status_names(vm["id"]),
            "policyName": props.get("policyName") or str(props.get("policyId", "")).rsplit("/", 1)[-1],
            "errorCode": "Success",
            "errorMessage": "",
        }
        if props.get("protectionState") == "ProtectionError":
            detail = next(iter(props.get("healthDetails") or []), {})
            out.update(
                {
                    "protectionStatus": "ProtectionFailed",
                    "errorCode": detail.get("title") or "ProtectionError",
                    "errorMessage": detail.get("message") or "",
                }
            )
        return json_response(out)

    @router.route("POST", loc_scope + "/backupPreValidateProtection")
    async def pre_validate(ctx: Ctx) -> web.Response:
        region = _check_region(ctx.params["region"])
        body = await ctx.json() or {}
        vm_id = str(body.get("resourceId") or "")
        vault_id = str(body.get("vaultId") or "")
        vm = _vm_or_none(ctx.estate, vm_id)
        if vm is None:
            return json_response(
                {
                    "status": "Failed",
                    "errorCode": "VirtualMachineNotFound",
                    "errorMessage": f"The virtual machine '{vm_id}' was not found.",
                    "recommendation": "Check the VM id and that the VM still exists.",
                }
            )
        names = _status_names(vm["id"])
        item = item_for_vm(ctx.estate, vm["id"])
        if item is not None:
            return json_response(
                {
                    "status": "Failed",
                    "errorCode": "VirtualMachineAlreadyProtected",
                    "errorMessage": f"The virtual machine is already protected by vault "
                    f"'{vault_of(item['id'])}'.",
                    "recommendation": "Stop protection in that vault first, or keep the VM there.",
                    **names,
                }
            )
        vault = ctx.estate.get(vault_id) if vault_id else None
        if _norm(vm.get("location")) != region or (
            vault is not None and _norm(vault.get("location")) != region
        ):
            return json_response(
                {
                    "status": "Failed",
                    "errorCode": "VaultAndVirtualMachineLocationMismatch",
                    "errorMessage": "The VM should be in the same location as that of the Recovery "
                    "Services vault.",
                    "recommendation": "Use a vault in the VM's region.",
                    **names,
                }
            )
        if vault_id and (vault is None or subscription_of(vault_id) not in ctx.estate.subscriptions):
            return json_response(
                {
                    "status": "Failed",
                    "errorCode": "VaultNotFound",
                    "errorMessage": f"The vault '{vault_id}' was not found.",
                    "recommendation": "Check the vault id.",
                }
            )
        return json_response({"status": "Succeeded", **names})
