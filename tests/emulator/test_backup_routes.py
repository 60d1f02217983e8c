"""Microsoft.RecoveryServices backup routes of the emulator, through the SDK calls the product makes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.sdk import Sdk
from tui.emulator import builders as b
from tui.emulator.routes.vaults import ensure_default_policies

SUB = "40000000-0000-4000-8000-000000000001"
RG, RG_VM = "rg-backup", "RG-App"  # mixed case: the service keeps it in container and item names
VAULT, OTHER = "rsv-weu", "rsv-other"
IAAS = "backupManagementType eq 'AzureIaasVM'"


def vm_id(name: str) -> str:
    return b.resource_id(SUB, RG_VM, "Microsoft.Compute/virtualMachines", name)


def vault_id(name: str) -> str:
    return b.resource_id(SUB, RG, "Microsoft.RecoveryServices/vaults", name)


def backup_estate() -> dict[str, Any]:
    ultra = b.data_disk(
        0,
        "ultra-data",
        disk_id=b.resource_id(SUB, RG_VM, "Microsoft.Compute/disks", "ultra-data"),
        storage_account_type="PremiumV2_LRS",
    )
    resources = [
        b.resource_group(SUB, RG, "westeurope"),
        b.resource_group(SUB, RG_VM, "westeurope"),
        b.recovery_services_vault(SUB, RG, VAULT),
        b.recovery_services_vault(SUB, RG, OTHER),
        b.protected_item(vault_id(OTHER), vm_id("vm-taken")),
        b.virtual_machine(SUB, RG_VM, "vm-ok"),
        b.virtual_machine(SUB, RG_VM, "vm-two"),
        b.virtual_machine(SUB, RG_VM, "vm-tl", security_type="TrustedLaunch"),
        b.virtual_machine(SUB, RG_VM, "vm-ultra", data_disks=[ultra]),
        b.virtual_machine(SUB, RG_VM, "vm-sick", agent="Not Ready"),
        b.virtual_machine(SUB, RG_VM, "vm-taken"),
        b.virtual_machine(SUB, RG_VM, "vm-us", location="eastus"),
        b.recovery_services_vault(SUB, RG, "rsv-jpe", location="japaneast", redundancy="GeoRedundant"),
        b.recovery_services_vault(
            SUB, RG, "rsv-jpe-lrs", location="japaneast", redundancy="LocallyRedundant"
        ),
        b.virtual_machine(SUB, RG_VM, "vm-ultra-jpe", location="japaneast", data_disks=[ultra]),
        b.virtual_machine(SUB, RG_VM, "vm-ultra-jpe2", location="japaneast", data_disks=[ultra]),
    ]
    return b.estate(
        b.tenant("72f988bf-0000-4000-8000-0000000000cc", "Contoso"), [b.subscription(SUB, "Prod")], resources
    )


@pytest.fixture
async def bk(make_emulator):
    emu = await make_emulator(backup_estate(), page_size=3)
    ensure_default_policies(emu.estate)
    async with Sdk(emu) as sdk:
        yield emu, sdk.backup(SUB), sdk.recovery(SUB)


def names(vm: str) -> tuple[str, str]:
    return f"IaasVMContainer;iaasvmcontainerv2;{RG_VM};{vm}", f"VM;iaasvmcontainerv2;{RG_VM};{vm}"


async def protect(backup: Any, vm: str, policy: str = "DefaultPolicy", vault: str = VAULT) -> Any:
    container, item = names(vm)
    body = {
        "properties": {
            "protectedItemType": "Microsoft.Compute/virtualMachines",
            "sourceResourceId": vm_id(vm),
            "policyId": f"{vault_id(vault)}/backupPolicies/{policy}",
        }
    }
    poller = await backup.protected_items.begin_create_or_update(vault, RG, "Azure", container, item, body)
    return await poller.result()


async def status(backup: Any, vm: str, region: str = "westeurope") -> Any:
    return await backup.backup_status.get(region, {"resourceId": vm_id(vm), "resourceType": "VM"})


async def test_storage_config_mirrors_the_vault_and_changes_it_before_protection(bk):
    _, backup, recovery = bk
    cfg = await backup.backup_resource_storage_configs_non_crr.get(VAULT, RG)
    assert (cfg.properties.storage_type, cfg.properties.storage_type_state) == ("GeoRedundant", "Unlocked")
    assert cfg.properties.cross_region_restore_flag is False
    assert (
        await backup.backup_resource_storage_configs_non_crr.patch(
            VAULT, RG, {"properties": {"storageType": "LocallyRedundant", "storageTypeState": "Unlocked"}}
        )
        is None
    )
    vault = await recovery.vaults.get(RG, VAULT)
    assert vault.properties.redundancy_settings.standard_tier_storage_redundancy == "LocallyRedundant"
    put = await backup.backup_resource_storage_configs_non_crr.update(
        VAULT, RG, {"properties": {"storageModelType": "GeoRedundant", "crossRegionRestoreFlag": True}}
    )
    assert (
        put.properties.storage_model_type == "GeoRedundant"
        and put.properties.cross_region_restore_flag is True
    )
    vault = await recovery.vaults.get(RG, VAULT)
    assert vault.properties.redundancy_settings.cross_region_restore == "Enabled"
    with pytest.raises(HttpResponseError) as e:  # CRR cannot be switched off again
        await backup.backup_resource_storage_configs_non_crr.patch(
            VAULT, RG, {"properties": {"crossRegionRestoreFlag": False}}
        )
    assert "non-reversible" in e.value.error.message


async def test_redundancy_lock_after_protection(bk):
    _, backup, recovery = bk
    item = await protect(backup, "vm-ok")
    assert item.properties["protectionState"] == "IRPending"
    cfg = await backup.backup_resource_storage_configs_non_crr.get(VAULT, RG)
    assert cfg.properties.storage_type_state == "Locked"
    locked = "Storage Redundancy option is locked when the first machine is registered with the vault"
    with pytest.raises(HttpResponseError) as put:
        await backup.backup_resource_storage_configs_non_crr.update(
            VAULT, RG, {"properties": {"storageType": "LocallyRedundant", "storageTypeState": "Unlocked"}}
        )
    assert put.value.status_code == 400 and put.value.error.code == "StorageModelModifyError"
    assert locked in put.value.error.message
    with pytest.raises(HttpResponseError) as patch:
        await recovery.vaults.begin_update(
            RG,
            VAULT,
            {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "ZoneRedundant"}}},
        )
    assert locked in patch.value.error.message
    # restating the current value, or enabling CRR on the GRS vault, is still allowed
    await backup.backup_resource_storage_configs_non_crr.patch(
        VAULT, RG, {"properties": {"storageType": "GeoRedundant"}}
    )
    await backup.backup_resource_storage_configs_non_crr.patch(
        VAULT, RG, {"properties": {"crossRegionRestoreFlag": True}}
    )
    vault = await recovery.vaults.get(RG, VAULT)
    assert vault.properties.redundancy_settings.standard_tier_storage_redundancy == "GeoRedundant"
    assert vault.properties.redundancy_settings.cross_region_restore == "Enabled"


async def test_policies_list_get_and_create(bk):
    _, backup, _ = bk
    listed = [p async for p in backup.backup_policies.list(VAULT, RG, filter=IAAS)]
    assert {p.name for p in listed} == {"DefaultPolicy", "EnhancedPolicy"}
    default = await backup.protection_policies.get(VAULT, RG, "DefaultPolicy")
    assert default.properties.policy_type == "V1"
    assert default.properties.schedule_policy.schedule_run_frequency == "Daily"
    enhanced = await backup.protection_policies.get(VAULT, RG, "EnhancedPolicy")
    body = {"properties": dict(enhanced.properties)}
    made = await backup.protection_policies.create_or_update(VAULT, RG, "Hourly-4h", body)
    assert made.properties.policy_type == "V2" and made.properties.protected_items_count == 0
    assert {p.name async for p in backup.backup_policies.list(VAULT, RG)} >= {"Hourly-4h"}
    for bad in ("ab", "4hourly", "trailing-", "under_score"):
        with pytest.raises(HttpResponseError) as e:
            await backup.protection_policies.create_or_update(VAULT, RG, bad, body)
        assert e.value.status_code == 400, bad
    with pytest.raises(ResourceNotFoundError):
        await backup.protection_policies.get(VAULT, RG, "NoSuchPolicy")


async def test_protectable_items_are_empty_until_a_refresh_completes(bk):
    _, backup, _ = bk
    assert [i async for i in backup.backup_protectable_items.list(VAULT, RG, filter=IAAS)] == []
    location = await backup.protection_containers.refresh(
        VAULT, RG, "Azure", filter=IAAS, cls=lambda pr, _d, _h: pr.http_response.headers.get("Location")
    )
    op_id = location.split("/operationResults/")[1].split("?")[0]
    codes = []
    while not codes or codes[-1] == 202:
        codes.append(
            await backup.protection_container_refresh_operation_results.get(
                VAULT, RG, "Azure", op_id, cls=lambda pr, _d, _h: pr.http_response.status_code
            )
        )
        if codes[-1] == 202:
            await asyncio.sleep(0.2)
    assert codes[0] == 202 and codes[-1] == 204
    items = [i async for i in backup.backup_protectable_items.list(VAULT, RG, filter=IAAS)]
    by_name = {i.properties["friendlyName"]: i for i in items}
    # same region and subscription, not protected anywhere: vm-us (eastus) and vm-taken are left out
    assert set(by_name) == {"vm-ok", "vm-two", "vm-tl", "vm-ultra", "vm-sick"}
    ok = by_name["vm-ok"]
    assert ok.properties["protectionState"] == "NotProtected"
    assert ok.properties["virtualMachineId"] == vm_id("vm-ok")
    # named and cased as the service does (facts §0): lower-case prefixes, resource group keeps its case
    assert ok.name == f"iaasvmcontainerv2;{RG_VM};vm-ok"
    assert ok.id.endswith(
        f"/protectionContainers/IaasVMContainer;iaasvmcontainerv2;{RG_VM};vm-ok"
        f"/protectableItems/vm;iaasvmcontainerv2;{RG_VM};vm-ok"
    )
    assert (ok.properties["virtualMachineVersion"], ok.properties["resourceGroup"]) == ("Compute", RG_VM)
    # the names taken from the protectable item's id are accepted for the protect PUT (as the product does)
    parts = ok.id.split("/")
    container, item = (
        parts[parts.index("protectionContainers") + 1],
        parts[parts.index("protectableItems") + 1],
    )
    poller = await backup.protected_items.begin_create_or_update(
        VAULT,
        RG,
        "Azure",
        container,
        item,
        {
            "properties": {
                "protectedItemType": "Microsoft.Compute/virtualMachines",
                "sourceResourceId": vm_id("vm-ok"),
                "policyId": f"{vault_id(VAULT)}/backupPolicies/DefaultPolicy",
            }
        },
    )
    assert (await poller.result()).properties["protectionState"] == "IRPending"


async def test_protect_flips_backup_status_and_is_idempotent(bk):
    emu, backup, _ = bk
    before = await status(backup, "vm-ok")
    assert before.protection_status == "NotProtected"
    item, two = await asyncio.gather(protect(backup, "vm-ok"), protect(backup, "vm-two", "EnhancedPolicy"))
    assert item.properties.policy_id.endswith("/backupPolicies/DefaultPolicy")
    assert two.properties.policy_name == "EnhancedPolicy"
    after = await status(backup, "vm-ok")
    assert after.protection_status == "Protected" and after.vault_id.lower() == vault_id(VAULT).lower()
    assert (after.fabric_name, after.policy_name, after.error_code) == ("Azure", "DefaultPolicy", "Success")
    # GetBackupStatus.json: lower-case prefixes, resource group and VM keep their case
    assert after.container_name == f"iaasvmcontainer;iaasvmcontainerv2;{RG_VM};vm-ok"
    assert after.protected_item_name == f"vm;iaasvmcontainerv2;{RG_VM};vm-ok"
    listed = [
        i async for i in backup.backup_protected_items.list(VAULT, RG, filter=f"{IAAS} and itemType eq 'VM'")
    ]  # page size 3: still both
    assert {i.properties["friendlyName"] for i in listed} == {"vm-ok", "vm-two"}
    container, name = names("vm-ok")
    got = await backup.protected_items.get(VAULT, RG, "Azure", container, name)
    assert got.properties.source_resource_id == vm_id("vm-ok")
    # the same policy again: 200 at once, nothing changes
    ops_before = len(emu.operations._ops)
    again = await protect(backup, "vm-ok")
    assert again.id == item.id and len(emu.operations._ops) == ops_before
    policy = await backup.protection_policies.get(VAULT, RG, "DefaultPolicy")
    assert policy.properties.protected_items_count == 1


async def test_protection_refusals(bk):
    _, backup, _ = bk
    with pytest.raises(HttpResponseError) as taken:
        await protect(backup, "vm-taken")
    assert taken.value.status_code == 400
    assert taken.value.error.code == "BMSUserErrorProtectedItemAlreadyProtected"
    assert vault_id(OTHER).lower() in taken.value.error.message.lower()
    with pytest.raises(HttpResponseError) as region:
        await protect(backup, "vm-us")
    assert "same location as that of the Recovery Services vault" in region.value.error.message
    with pytest.raises(HttpResponseError) as policy:
        await protect(backup, "vm-ok", "NoSuchPolicy")
    assert policy.value.status_code == 400
    with pytest.raises(HttpResponseError) as wrong:  # container name that is not the VM's
        await backup.protected_items.begin_create_or_update(
            VAULT,
            RG,
            "Azure",
            names("vm-two")[0],
            names("vm-ok")[1],
            {
                "properties": {
                    "protectedItemType": "Microsoft.Compute/virtualMachines",
                    "sourceResourceId": vm_id("vm-ok"),
                    "policyId": f"{vault_id(VAULT)}/backupPolicies/DefaultPolicy",
                }
            },
        )
    assert wrong.value.error.code == "BMSUserErrorInvalidConfigureProtectionRequest"
    with pytest.raises(HttpResponseError) as gone:
        await backup.backup_status.get("westeurope", {"resourceId": vm_id("vm-nope"), "resourceType": "VM"})
    assert gone.value.status_code == 404
    with pytest.raises(HttpResponseError) as elsewhere:
        await status(backup, "vm-us", "westeurope")
    assert elsewhere.value.status_code == 400


async def test_standard_policy_accepted_for_trusted_launch_and_ultra_disks(bk):
    """REST >= 2025-01-01 accepts Standard for Trusted Launch (facts §0); no source shows a refusal for PSSD v2."""
    _, backup, _ = bk
    tl, ultra = await asyncio.gather(  # (a locally redundant vault: GRS is a separate question, below)
        protect(backup, "vm-tl"), protect(backup, "vm-ultra-jpe2", vault="rsv-jpe-lrs")
    )
    assert tl.properties["policyType"] == "V1" and ultra.properties["policyType"] == "V1"
    assert tl.properties["protectionState"] == "IRPending"  # base ProtectedItem: see wire doc §3.17
    assert (await status(backup, "vm-tl")).protection_status == "Protected"


async def test_ultra_disk_vm_refused_on_grs_vault_outside_supported_regions(bk):
    _, backup, _ = bk
    with pytest.raises(HttpResponseError) as e:
        await protect(backup, "vm-ultra-jpe", "EnhancedPolicy", vault="rsv-jpe")
    assert e.value.error.code == "UserErrorUltraDiskOrPremiumSSDV2DiskVMCannotBeProtectedOnGRSVault"
    assert "geo-redundant" in e.value.error.message
    assert (await status(backup, "vm-ultra-jpe", "japaneast")).protection_status == "NotProtected"
    # the same VM kind on a locally redundant vault in that region is accepted
    ok = await protect(backup, "vm-ultra-jpe2", "EnhancedPolicy", vault="rsv-jpe-lrs")
    assert ok.properties["protectionState"] == "IRPending"


async def test_agent_not_ready_still_enables_protection_as_irpending(bk):
    """Real Azure accepts the enable (IRPending); the agent problem surfaces later as a backup job error."""
    _, backup, recovery = bk
    item = await protect(backup, "vm-sick")
    props = item.properties
    assert (props["protectionState"], props["healthStatus"]) == ("IRPending", "Passed")
    assert (props["lastBackupStatus"], props["lastBackupTime"]) == ("", "2001-01-01T00:00:00Z")
    assert "healthDetails" not in props
    st = await status(backup, "vm-sick")
    assert (st.protection_status, st.error_code) == ("Protected", "Success")
    usages = {u.name.value: u.current_value async for u in recovery.usages.list_by_vaults(RG, VAULT)}
    assert usages["IaaSVMProtectedItemCriticalCount"] == 0


async def test_pre_validate_protection(bk):
    _, backup, _ = bk

    async def validate(vm: str, region: str = "westeurope") -> Any:
        return await backup.protection_intent.validate(
            region,
            {"resourceType": "VM", "resourceId": vm_id(vm), "vaultId": vault_id(VAULT), "properties": ""},
        )

    taken, ok, us, missing = await asyncio.gather(
        validate("vm-taken"), validate("vm-ok"), validate("vm-us", "eastus"), validate("vm-nope")
    )
    assert (taken.status, taken.error_code) == ("Failed", "VirtualMachineAlreadyProtected")
    assert ok.status == "Succeeded" and ok.protected_item_name == f"vm;iaasvmcontainerv2;{RG_VM};vm-ok"
    assert us.status == "Failed"  # the vault is in westeurope
    assert missing.status == "Failed"
