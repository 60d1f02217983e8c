"""Microsoft.RecoveryServices vaults (RecoveryServicesClient, api-version 2026-11-01).

Also holds what vaults and backup routes share: the per-estate backup index (protected items by VM and by
vault, refreshed vaults), the redundancy rules (lock after the first protected item, Cross Region Restore)
and the system default policies. ``backup.py`` imports these.
"""

from __future__ import annotations

import copy
import re
import uuid
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import builders
from ..estate import Estate, resource_group_of
from ..lro import Operation, accepted, op_urls, result_response, status_response
from ..regions import REGIONS
from ..routing import ArmError, Ctx, Router, json_response

if TYPE_CHECKING:
    from collections.abc import Iterator

NS = "Microsoft.RecoveryServices"
VAULT_TYPE = "Microsoft.RecoveryServices/vaults"
POLICY_TYPE = "Microsoft.RecoveryServices/vaults/backupPolicies"
ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems"
REDUNDANCY = ("GeoRedundant", "LocallyRedundant", "ZoneRedundant")
DEFAULT_POLICIES = (("DefaultPolicy", "V1"), ("EnhancedPolicy", "V2"))
_VAULT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,49}$")
VAULT_NAME_RULE = (
    "Vault name must be 2 to 50 characters long, start with a letter and contain only letters, "
    "numbers and hyphens."
)

# Service wording, from a real 400 quoted in hashicorp/terraform-provider-azurerm PR #8813.
STORAGE_LOCKED = (
    "StorageModelModifyError",
    "Storage Redundancy option is locked when the first machine is registered with the vault, "
    "and cannot be modified thereafter.",
)
# Wording from the Azure CLI (backup custom.py) and the vault docs; the service's codes are not published.
CRR_IRREVERSIBLE = (
    "BMSUserErrorCrossRegionRestoreNotReversible",
    "Cross Region Restore is currently a non-reversible storage property. You can not disable it "
    "once enabled.",
)
# Service wording, quoted in Azure/bicep-registry-modules issue #5156 (May 2025); the code and status were not
# quoted there (UNVERIFIED: 400 BadRequest, ARM's generic code).
REDUNDANCY_VIA_VAULT_API = (
    "BadRequest",
    "Redundancy settings for this vault cannot be modified using this API. Since the Vault API was previously "
    "used to update the redundancy settings for this vault, you must again use the Vault API to make any further "
    "changes to this property.",
)
# Service wording, quoted in MicrosoftDocs/azure-docs issue #42016 and Azure/azure-cli issue #7619 (status
# UNVERIFIED: 400, as other Backup user errors).
NOT_EMPTY_CODE = "ServiceResourceNotEmptyWithContainerDetails"
NOT_EMPTY_MESSAGE = (
    "Vault cannot be deleted as there are existing resources within the vault. : {containers}\nUnregister all "
    "containers from the vault and then retry to delete vault. For instructions, see https://aka.ms/AB-AA4ecq5"
)
CRR_NEEDS_GRS = (
    "BMSUserErrorInvalidCrossRegionRestoreRequest",
    "Cross Region Restore can be enabled only on a vault whose storage redundancy is GeoRedundant.",
)


# -- shared backup state ----------------------------------------------------------------------------------
@dataclass
class BackupIndex:
    """Lookups the backup routes need in O(1): kept per Estate, built once from the loaded estate."""

    by_source: dict[str, str] = field(default_factory=dict)  # lower VM id -> protected item id
    by_vault: dict[str, dict[str, None]] = field(default_factory=dict)  # lower vault id -> lower item ids
    refreshed: dict[str, Operation] = field(default_factory=dict)  # lower vault id -> refreshContainers op
    # lower ids of vaults whose redundancy was set through the vault API (redundancySettings)
    redundancy_via_vault_api: set[str] = field(default_factory=set)


_INDEXES: weakref.WeakKeyDictionary[Estate, BackupIndex] = weakref.WeakKeyDictionary()


def vault_of(item_id: str) -> str:
    """The vault id a backup child id lives under (``.../vaults/v/backupFabrics/...`` -> ``.../vaults/v``)."""
    low = item_id.lower()
    i = low.find("/backupfabrics/")
    if i < 0:
        i = low.find("/backuppolicies/")
    return item_id[:i] if i >= 0 else item_id


def backup_index(estate: Estate) -> BackupIndex:
    index = _INDEXES.get(estate)
    if index is None:
        index = BackupIndex()
        for sub in estate.subscriptions.values():
            for doc in estate.list(sub.subscription_id, ITEM_TYPE):
                _index_add(index, doc)
        _INDEXES[estate] = index
    return index


def _index_add(index: BackupIndex, doc: dict[str, Any]) -> None:
    rid = doc["id"].lower()
    source = str((doc.get("properties") or {}).get("sourceResourceId") or "").lower()
    if source:
        index.by_source[source] = doc["id"]
    index.by_vault.setdefault(vault_of(rid), {})[rid] = None


def add_protected_item(estate: Estate, doc: dict[str, Any]) -> None:
    estate.put(doc)
    _index_add(backup_index(estate), doc)


def item_for_vm(estate: Estate, vm_id: str) -> dict[str, Any] | None:
    """The protected item (in any vault) whose source is this VM, or None."""
    index = backup_index(estate)
    key = vm_id.lower().rstrip("/")
    item_id = index.by_source.get(key)
    if item_id is None:
        return None
    doc = estate.get(item_id)
    if doc is None:  # deleted behind our back
        index.by_source.pop(key, None)
    return doc


def vault_items(estate: Estate, vault_id: str) -> Iterator[dict[str, Any]]:
    ids = backup_index(estate).by_vault.get(vault_id.lower().rstrip("/"), {})
    for rid in list(ids):
        doc = estate.get(rid)
        if doc is None:
            ids.pop(rid, None)
        else:
            yield doc


def has_protected_items(estate: Estate, vault_id: str) -> bool:
    return next(vault_items(estate, vault_id), None) is not None


# -- redundancy rules ---------------------------------------------------------------------------------------
def redundancy_of(vault: dict[str, Any]) -> tuple[str, str]:
    rs = (vault.get("properties") or {}).get("redundancySettings") or {}
    return rs.get("standardTierStorageRedundancy") or "GeoRedundant", rs.get(
        "crossRegionRestore"
    ) or "Disabled"


def _canon(value: Any, allowed: tuple[str, ...], what: str) -> str:
    for a in allowed:
        if str(value).lower() == a.lower():
            return a
    raise ArmError(
        400,
        "BMSUserErrorInvalidInput",
        f"'{value}' is not a valid value for {what}. Allowed values: {', '.join(allowed)}.",
    )


def apply_redundancy(estate: Estate, vault: dict[str, Any], redundancy: Any = None, crr: Any = None) -> None:
    """Change a vault's storage redundancy and/or Cross Region Restore as the service allows, or raise.

    ``None`` keeps the current value. Shared by vault PUT/PATCH and the backup storage config so the two
    views stay consistent.
    """
    cur_red, cur_crr = redundancy_of(vault)
    new_red = (
        cur_red if redundancy is None else _canon(redundancy, REDUNDANCY, "standardTierStorageRedundancy")
    )
    new_crr = cur_crr if crr is None else _canon(crr, ("Enabled", "Disabled"), "crossRegionRestore")
    if new_red == cur_red and new_crr == cur_crr:
        return
    if cur_crr == "Enabled" and new_crr == "Disabled":
        raise ArmError(400, *CRR_IRREVERSIBLE)
    if new_red != cur_red and has_protected_items(estate, vault["id"]):
        raise ArmError(400, *STORAGE_LOCKED)
    if new_crr == "Enabled" and new_red != "GeoRedundant":
        raise ArmError(400, *CRR_NEEDS_GRS)
    vault.setdefault("properties", {})["redundancySettings"] = {
        "standardTierStorageRedundancy": new_red,
        "crossRegionRestore": new_crr,
    }


# -- default policies ---------------------------------------------------------------------------------------
def _add_default_policies(estate: Estate, vault_id: str) -> int:
    added = 0
    for name, ptype in DEFAULT_POLICIES:
        if estate.get(f"{vault_id}/backupPolicies/{name}") is None:
            estate.put(builders.backup_policy(vault_id, name, policy_type=ptype))
            added += 1
    return added


def ensure_default_policies(estate: Estate) -> int:
    """Give every vault of the estate the system policies DefaultPolicy (V1) and EnhancedPolicy (V2).

    Real vaults always have them (system-managed, recreated if deleted). Call once after loading an estate;
    returns how many policies were added.
    """
    added = 0
    for sub in estate.subscriptions.values():
        for vault in estate.list(sub.subscription_id, VAULT_TYPE):
            added += _add_default_policies(estate, vault["id"])
    return added


# -- helpers ------------------------------------------------------------------------------------------------
def vault_id_of(ctx: Ctx) -> str:
    return f"{ctx.rg_id()}/providers/{VAULT_TYPE}/{ctx.params['vault']}"


def get_vault(ctx: Ctx) -> dict[str, Any]:
    return ctx.get_or_404(vault_id_of(ctx), VAULT_TYPE)


def _region(value: Any, rtype: str = VAULT_TYPE) -> str:
    loc = str(value or "").replace(" ", "").lower()
    if not loc:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    if loc not in REGIONS:
        raise ArmError(
            400,
            "LocationNotAvailableForResourceType",
            f"The provided location '{value}' is not available for resource type '{rtype}'. List of "
            f"available regions for the resource type is '{','.join(REGIONS)}'.",
        )
    return loc


def _check_name(name: str) -> None:
    if not _VAULT_NAME.match(name):
        raise ArmError(400, "InvalidResourceName", f"The vault name '{name}' is invalid. {VAULT_NAME_RULE}")


def _vault_named(ctx: Ctx, name: str) -> dict[str, Any] | None:
    """A vault of this name anywhere in the subscription (names are unique per subscription for RSVs)."""
    low = name.lower()
    return next((v for v in ctx.estate.list(ctx.sub_id, VAULT_TYPE) if v["name"].lower() == low), None)


def _identity(ctx: Ctx, vault_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
    ident = body.get("identity")
    if not isinstance(ident, dict) or str(ident.get("type", "None")).lower() == "none":
        return None
    out = copy.deepcopy(ident)
    if "systemassigned" in str(ident.get("type", "")).lower():
        out["principalId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"msi:{vault_id.lower()}"))
        out["tenantId"] = ctx.estate.tenant_id
    return out


_SETTABLE = (
    "publicNetworkAccess",
    "encryption",
    "monitoringSettings",
    "restoreSettings",
    "securitySettings",
    "upgradeDetails",
    "resourceGuardOperationRequests",
)


def _apply_body(ctx: Ctx, vault: dict[str, Any], body: dict[str, Any]) -> bool:
    """Apply the settable parts of a PUT/PATCH body to a vault (redundancy through the service's rules).

    Returns whether the body set ``redundancySettings`` (the vault API then owns the redundancy)."""
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise ArmError(400, "InvalidRequestContent", "properties must be an object.")
    rs = props.get("redundancySettings") or {}
    apply_redundancy(ctx.estate, vault, rs.get("standardTierStorageRedundancy"), rs.get("crossRegionRestore"))
    for key in _SETTABLE:
        if key in props:
            vault["properties"][key] = copy.deepcopy(props[key])
    if "tags" in body:
        vault["tags"] = dict(body.get("tags") or {})
    if "identity" in body:
        ident = _identity(ctx, vault["id"], body)
        if ident is None:
            vault.pop("identity", None)
        else:
            vault["identity"] = ident
    return bool(rs)


def set_via_vault_api(estate: Estate, vault_id: str) -> None:
    backup_index(estate).redundancy_via_vault_api.add(vault_id.lower())


def check_storage_config_allowed(estate: Estate, vault: dict[str, Any], redundancy: Any, crr: Any) -> None:
    """Once the vault API set a vault's redundancy, the backupstorageconfig API may no longer change it.

    Facts §0 "Real wire shapes"; a request that changes nothing is not a change and passes."""
    if vault["id"].lower() not in backup_index(estate).redundancy_via_vault_api:
        return
    cur_red, cur_crr = redundancy_of(vault)
    red_change = redundancy is not None and str(redundancy).lower() != cur_red.lower()
    crr_change = crr is not None and str(crr).lower() != cur_crr.lower()
    if red_change or crr_change:
        raise ArmError(400, *REDUNDANCY_VIA_VAULT_API)


def _usages(estate: Estate, vault_id: str) -> list[dict[str, Any]]:
    items = list(vault_items(estate, vault_id))
    total = len(items)
    critical = sum(1 for d in items if d["properties"].get("healthStatus") == "ActionRequired")
    warning = sum(1 for d in items if d["properties"].get("healthStatus") == "ActionSuggested")
    iaas = [d for d in items if d["properties"].get("backupManagementType", "AzureIaasVM") == "AzureIaasVM"]
    failed = sum(1 for d in items if d["properties"].get("protectionState") == "ProtectionError")
    rows = [
        ("MABContainersCount", "Backup management servers", "Count", 0),
        ("ProtectedItemCount", "Azure virtual machine backup", "Count", total),
        ("ProtectedItemCriticalCount", "Critical", "Count", critical),
        ("ProtectedItemWarningCount", "Warning", "Count", warning),
        ("IaaSVMProtectedItemCount", "Azure Virtual Machines", "Count", len(iaas)),
        (
            "IaaSVMProtectedItemCriticalCount",
            "Critical",
            "Count",
            sum(1 for d in iaas if d["properties"].get("healthStatus") == "ActionRequired"),
        ),
        (
            "IaaSVMProtectedItemWarningCount",
            "Warning",
            "Count",
            sum(1 for d in iaas if d["properties"].get("healthStatus") == "ActionSuggested"),
        ),
        ("MABProtectedItemCount", "File-Folders", "Count", 0),
        ("DPMProtectedItemCount", "DPM", "Count", 0),
        ("AzureBackupServerProtectedItemCount", "Azure Backup Server", "Count", 0),
        ("InProgressJobsCount", "In progress", "Count", 0),
        ("FailedJobsCount", "Failed", "Count", failed),
        ("GRSStorageUsage", "Cloud - GRS", "Bytes", 0),
        ("LRSStorageUsage", "Cloud - LRS", "Bytes", 0),
        ("ManagedInstances", "Protected Instances", "Count", total),
        ("GRSDedupStorageUsage", "Cloud - GRS", "Bytes", 0),
        ("LRSDedupStorageUsage", "Cloud - LRS", "Bytes", 0),
        ("UsedDiskSize", "Backup Engines' Disk Used", "Bytes", 0),
    ]
    out = []
    for value, localized, unit, count in rows:
        row: dict[str, Any] = {
            "unit": unit,
            "currentValue": count,
            "limit": -1,
            "name": {"value": value, "localizedValue": localized},
        }
        if value in ("InProgressJobsCount", "FailedJobsCount"):
            row["quotaPeriod"] = "P1D"
        out.append(row)
    return out


def _vault_accepted(ctx: Ctx, vault_id: str, op: Operation, *, location: bool = False) -> web.Response:
    """202 pointing at the vault's own ``operationStatus`` (and ``operationResults``) URLs, as the service does."""
    api = ctx.request.query.get("api-version", "")
    root = f"{ctx.base()}{vault_id.lstrip('/')}"
    return accepted(
        async_url=f"{root}/operationStatus/{op.id}?api-version={api}",
        location_url=f"{root}/operationResults/{op.id}?api-version={api}" if location else None,
    )


# -- routes -------------------------------------------------------------------------------------------------
def register(router: Router) -> None:
    rg_scope = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices"
    vault_path = rg_scope + "/vaults/{vault}"

    @router.route("GET", "/subscriptions/{sub}/providers/Microsoft.RecoveryServices/vaults")
    async def list_by_subscription(ctx: Ctx) -> web.Response:
        return ctx.page(ctx.estate.list(ctx.sub_id, VAULT_TYPE))

    @router.route("GET", rg_scope + "/vaults")
    async def list_by_group(ctx: Ctx) -> web.Response:
        ctx.require_rg()
        return ctx.page(ctx.estate.list(ctx.sub_id, VAULT_TYPE, resource_group=ctx.params["rg"]))

    @router.route("GET", vault_path)
    async def get(ctx: Ctx) -> web.Response:
        return json_response(get_vault(ctx))

    @router.route("PUT", vault_path)
    async def create_or_update(ctx: Ctx) -> web.Response:
        name = ctx.params["vault"]
        _check_name(name)
        rg = ctx.require_rg()
        body = await ctx.json() or {}
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
        location = _region(body.get("location"))
        vid = vault_id_of(ctx)
        existing = ctx.estate.get(vid)
        if existing is not None:
            if existing["location"].replace(" ", "").lower() != location:
                raise ArmError(
                    409,
                    "InvalidResourceLocation",
                    f"The resource '{name}' already exists in location '{existing['location']}' in "
                    f"resource group '{resource_group_of(vid)}'. A resource with the same name cannot "
                    f"be created in location '{location}'. Please select a new resource name.",
                )
            trial = copy.deepcopy(existing)
            if _apply_body(ctx, trial, body):
                set_via_vault_api(ctx.estate, vid)
            existing.clear()
            existing.update(trial)
            return json_response(existing, status=200)
        other = _vault_named(ctx, name)
        if other is not None:
            raise ArmError(
                409,
                "VaultAlreadyExists",
                f"A Recovery Services vault named '{name}' already exists in resource group "
                f"'{resource_group_of(other['id'])}' of this subscription. Vault names must be unique "
                "within a subscription; choose another name.",
            )
        rs = (body.get("properties") or {}).get("redundancySettings") or {}
        red = _canon(
            rs.get("standardTierStorageRedundancy") or "GeoRedundant",
            REDUNDANCY,
            "standardTierStorageRedundancy",
        )
        crr = _canon(
            rs.get("crossRegionRestore") or "Disabled", ("Enabled", "Disabled"), "crossRegionRestore"
        )
        if crr == "Enabled" and red != "GeoRedundant":
            raise ArmError(400, *CRR_NEEDS_GRS)
        doc = builders.recovery_services_vault(
            ctx.sub_id, rg["name"], name, location=location, redundancy=red, cross_region_restore=crr
        )
        doc["id"] = vid
        doc["etag"] = f"W/\"datetime'{uuid.uuid4().hex[:12]}'\""
        _apply_body(
            ctx,
            doc,
            {k: v for k, v in body.items() if k != "properties"}
            | {
                "properties": {
                    k: v for k, v in (body.get("properties") or {}).items() if k != "redundancySettings"
                }
            },
        )
        ctx.estate.put(doc)
        if rs:
            set_via_vault_api(ctx.estate, vid)
        _add_default_policies(ctx.estate, vid)
        # 201 + Azure-AsyncOperation: the SDK polls the status URL, then GETs the vault (Succeeded).
        op = ctx.emulator.operations.start(result=None)
        async_url, _ = op_urls(ctx, NS, location, op)
        shown = copy.deepcopy(doc)
        shown["properties"]["provisioningState"] = "Creating"
        return json_response(
            shown, status=201, headers={"Azure-AsyncOperation": async_url, "Retry-After": "1"}
        )

    @router.route("PATCH", vault_path)
    async def update(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        body = await ctx.json() or {}
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
        trial = copy.deepcopy(vault)
        redundancy = _apply_body(ctx, trial, body)
        vault.clear()
        vault.update(trial)
        if not redundancy:
            return json_response(vault, status=200)
        # A redundancy change is asynchronous: 202 + Azure-AsyncOperation (facts §0; the SDK's begin_update
        # accepts 200 and 202), then the poller GETs the vault.
        set_via_vault_api(ctx.estate, vault["id"])
        return _vault_accepted(ctx, vault["id"], ctx.emulator.operations.start(result=None))

    @router.route("DELETE", vault_path)
    async def delete(ctx: Ctx) -> web.Response:
        """202 with Azure-AsyncOperation + Location (CLI 2.89.1 recording test_backup_csb_enable_for_vm.yaml),
        204 when the vault is already gone; a vault with containers answers ServiceResourceNotEmptyWithContainerDetails."""
        vid = vault_id_of(ctx)
        vault = ctx.estate.get(vid)
        if vault is None:
            ctx.require_rg()
            return web.Response(status=204)
        items = list(vault_items(ctx.estate, vid))
        if items:
            names = sorted({str((i.get("properties") or {}).get("friendlyName") or i["name"]) for i in items})
            raise ArmError(400, NOT_EMPTY_CODE, NOT_EMPTY_MESSAGE.format(containers=", ".join(names)))
        for child in ctx.estate.children(vid):
            ctx.estate.delete(child["id"])
        ctx.estate.delete(vid)
        index = backup_index(ctx.estate)
        index.refreshed.pop(vid.lower(), None)
        index.redundancy_via_vault_api.discard(vid.lower())
        return _vault_accepted(ctx, vid, ctx.emulator.operations.start(result=None), location=True)

    @router.route("GET", vault_path + "/operationStatus/{op}")
    async def vault_operation_status(ctx: Ctx) -> web.Response:
        return status_response(ctx.emulator.operations.get(ctx.params["op"]))

    @router.route("GET", vault_path + "/operationResults/{op}")
    async def vault_operation_result(ctx: Ctx) -> web.Response:
        return result_response(ctx, ctx.emulator.operations.get(ctx.params["op"]))

    @router.route("POST", rg_scope + "/locations/{location}/checkNameAvailability")
    async def check_name(ctx: Ctx) -> web.Response:
        ctx.require_rg()
        _region(ctx.params["location"])
        body = await ctx.json() or {}
        name = str(body.get("name") or "")
        rtype = str(body.get("type") or VAULT_TYPE)
        if rtype.lower() != VAULT_TYPE.lower():
            raise ArmError(400, "InvalidResourceType", f"The resource type '{rtype}' is not supported.")
        if not _VAULT_NAME.match(name):
            return json_response({"nameAvailable": False, "reason": "Invalid", "message": VAULT_NAME_RULE})
        if _vault_named(ctx, name) is not None:
            return json_response(
                {
                    "nameAvailable": False,
                    "reason": "AlreadyExists",
                    "message": "Resource already exists with the same name.",
                }
            )
        return json_response({"nameAvailable": True})

    @router.route("GET", vault_path + "/usages")
    async def usages(ctx: Ctx) -> web.Response:
        vault = get_vault(ctx)
        return json_response({"value": _usages(ctx.estate, vault["id"])})
