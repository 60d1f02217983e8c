"""Microsoft.RecoveryServices vault routes of the emulator, through the SDK calls the product makes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from tests.conftest import read_request_log
from tests.sdk import Sdk
from tui.emulator import builders as b
from tui.emulator.routes.vaults import ensure_default_policies

SUB = "30000000-0000-4000-8000-000000000001"
RG, RG2 = "rg-backup", "rg-other"


def vault_estate() -> dict[str, Any]:
    busy = b.recovery_services_vault(SUB, RG, "rsv-busy", cross_region_restore="Enabled")
    vm1 = b.resource_id(SUB, RG2, "Microsoft.Compute/virtualMachines", "vm-1")
    vm2 = b.resource_id(SUB, RG2, "Microsoft.Compute/virtualMachines", "vm-2")
    resources = [
        b.resource_group(SUB, RG, "westeurope"),
        b.resource_group(SUB, RG2, "westeurope"),
        busy,
        b.protected_item(busy["id"], vm1),
        b.protected_item(busy["id"], vm2, protection_state="ProtectionError", health_status="ActionRequired"),
        b.recovery_services_vault(SUB, RG2, "rsv-taken"),
    ]
    return b.estate(
        b.tenant("72f988bf-0000-4000-8000-0000000000bb", "Contoso"), [b.subscription(SUB, "Prod")], resources
    )


@pytest.fixture
async def rs(make_emulator):
    emu = await make_emulator(vault_estate())
    ensure_default_policies(emu.estate)
    async with Sdk(emu) as sdk:
        yield emu, sdk.recovery(SUB), sdk.backup(SUB)


def _body(
    redundancy: str | None = None, crr: str | None = None, location: str = "westeurope"
) -> dict[str, Any]:
    props: dict[str, Any] = {"publicNetworkAccess": "Enabled"}
    if redundancy or crr:
        props["redundancySettings"] = {
            k: v for k, v in (("standardTierStorageRedundancy", redundancy), ("crossRegionRestore", crr)) if v
        }
    return {"location": location, "sku": {"name": "Standard"}, "properties": props}


async def test_create_lrs_vault_polls_then_reads_back_with_default_policies(rs):
    emu, recovery, backup = rs
    lrs, grs = await asyncio.gather(
        (
            await recovery.vaults.begin_create_or_update(RG, "rsv-new", _body("LocallyRedundant", "Disabled"))
        ).result(),
        (await recovery.vaults.begin_create_or_update(RG, "rsv-default", _body())).result(),
    )
    assert lrs.properties.provisioning_state == "Succeeded"
    assert lrs.sku.name == "RS0" and lrs.identity is None
    got = await recovery.vaults.get(RG, "rsv-new")
    assert got.properties.redundancy_settings.standard_tier_storage_redundancy == "LocallyRedundant"
    assert got.properties.redundancy_settings.cross_region_restore == "Disabled"
    assert grs.properties.redundancy_settings.standard_tier_storage_redundancy == "GeoRedundant"
    names = {v.name async for v in recovery.vaults.list_by_subscription_id()}
    assert {"rsv-new", "rsv-default", "rsv-busy", "rsv-taken"} <= names
    assert {v.name async for v in recovery.vaults.list_by_resource_group(RG2)} == {"rsv-taken"}
    policies = {
        p.name: p.properties.policy_type
        async for p in backup.backup_policies.list(
            "rsv-new", RG, filter="backupManagementType eq 'AzureIaasVM'"
        )
    }
    assert policies == {"DefaultPolicy": "V1", "EnhancedPolicy": "V2"}
    # the create went through the poller: 201 Creating, then the status URL, then the vault
    log = read_request_log(emu)
    assert any(r["method"] == "PUT" and r["status"] == 201 and r["path"].endswith("/rsv-new") for r in log)
    assert any(
        r["method"] == "GET" and "/Microsoft.RecoveryServices/locations/westeurope/operations/" in r["path"]
        for r in log
    )
    # a PUT on an existing vault is an update (200) and keeps its redundancy
    again = await (
        await recovery.vaults.begin_create_or_update(RG, "rsv-new", {**_body(), "tags": {"a": "b"}})
    ).result()
    assert again.tags == {"a": "b"}
    assert again.properties.redundancy_settings.standard_tier_storage_redundancy == "LocallyRedundant"


@pytest.mark.parametrize("name", ["1vault", "v", "x" * 51, "bad_name", "bad.name"])
async def test_invalid_vault_names_are_refused(rs, name):
    _, recovery, _ = rs
    with pytest.raises(HttpResponseError) as e:
        await recovery.vaults.begin_create_or_update(RG, name, _body())
    assert e.value.status_code == 400 and e.value.error.code == "InvalidResourceName"
    assert "2 to 50 characters" in e.value.error.message
    answer = await recovery.recovery_services.check_name_availability(
        RG, "westeurope", {"type": "Microsoft.RecoveryServices/Vaults", "name": name}
    )
    assert answer.name_available is False and answer.reason == "Invalid"


async def test_vault_create_refusals_and_name_availability(rs):
    _, recovery, _ = rs
    with pytest.raises(HttpResponseError) as e:
        await recovery.vaults.begin_create_or_update(RG, "rsv-mars", _body(location="marsnorth"))
    assert e.value.error.code == "LocationNotAvailableForResourceType"
    with pytest.raises(ResourceNotFoundError) as nf:
        await recovery.vaults.begin_create_or_update("rg-missing", "rsv-x", _body())
    assert nf.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceExistsError) as ex:  # the name is taken in the subscription's other group
        await recovery.vaults.begin_create_or_update(RG, "RSV-TAKEN", _body())
    assert ex.value.status_code == 409 and RG2 in ex.value.error.message
    check = recovery.recovery_services.check_name_availability
    taken = await check(RG, "westeurope", {"type": "Microsoft.RecoveryServices/Vaults", "name": "rsv-taken"})
    assert (taken.name_available, taken.reason) == (False, "AlreadyExists")
    assert taken.message == "Resource already exists with the same name."
    free = await check(RG, "westeurope", {"type": "Microsoft.RecoveryServices/Vaults", "name": "rsv-free"})
    assert free.name_available is True
    with pytest.raises(ResourceNotFoundError):
        await recovery.vaults.get(RG, "rsv-none")


async def test_cross_region_restore_rules(rs):
    _, recovery, _ = rs
    with pytest.raises(HttpResponseError) as e:  # CRR needs GeoRedundant storage
        await recovery.vaults.begin_create_or_update(RG, "rsv-crr-lrs", _body("LocallyRedundant", "Enabled"))
    assert e.value.status_code == 400 and "GeoRedundant" in e.value.error.message
    crr = await (
        await recovery.vaults.begin_create_or_update(RG, "rsv-crr", _body("GeoRedundant", "Enabled"))
    ).result()
    assert crr.properties.redundancy_settings.cross_region_restore == "Enabled"
    with pytest.raises(HttpResponseError) as off:  # never reversible
        await recovery.vaults.begin_update(
            RG, "rsv-crr", {"properties": {"redundancySettings": {"crossRegionRestore": "Disabled"}}}
        )
    assert "non-reversible" in off.value.error.message
    with pytest.raises(HttpResponseError) as lrs:  # leaving GRS would orphan CRR
        await recovery.vaults.begin_update(
            RG,
            "rsv-crr",
            {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"}}},
        )
    assert lrs.value.status_code == 400
    still = await recovery.vaults.get(RG, "rsv-crr")
    assert still.properties.redundancy_settings.standard_tier_storage_redundancy == "GeoRedundant"
    assert still.properties.redundancy_settings.cross_region_restore == "Enabled"


async def test_redundancy_changes_freely_until_an_item_is_protected(rs):
    _, recovery, _ = rs
    empty = await (
        await recovery.vaults.begin_update(
            RG2,
            "rsv-taken",
            {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "ZoneRedundant"}}},
        )
    ).result()
    assert empty.properties.redundancy_settings.standard_tier_storage_redundancy == "ZoneRedundant"
    with pytest.raises(HttpResponseError) as e:  # rsv-busy has protected items
        await recovery.vaults.begin_update(
            RG,
            "rsv-busy",
            {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"}}},
        )
    assert e.value.status_code == 400 and e.value.error.code == "StorageModelModifyError"
    assert e.value.error.message.startswith(
        "Storage Redundancy option is locked when the first machine is registered"
    )


async def test_usages_count_the_vault_protected_items(rs):
    _, recovery, _ = rs
    usages = {u.name.value: u async for u in recovery.usages.list_by_vaults(RG, "rsv-busy")}
    assert usages["IaaSVMProtectedItemCount"].current_value == 2
    assert usages["ProtectedItemCount"].current_value == 2
    assert usages["IaaSVMProtectedItemCriticalCount"].current_value == 1
    assert usages["ProtectedItemCount"].name.localized_value == "Azure virtual machine backup"
    assert all(u.limit == -1 for u in usages.values())
    empty = {u.name.value: u.current_value async for u in recovery.usages.list_by_vaults(RG2, "rsv-taken")}
    assert empty["IaaSVMProtectedItemCount"] == 0


async def test_delete_refused_while_items_are_protected(rs):
    _, recovery, backup = rs
    with pytest.raises(HttpResponseError) as e:
        await recovery.vaults.begin_delete(RG, "rsv-busy")
    # the service's code and wording (MicrosoftDocs/azure-docs #42016), naming what is still registered
    assert e.value.error.code == "ServiceResourceNotEmptyWithContainerDetails"
    assert e.value.error.message.startswith(
        "Vault cannot be deleted as there are existing resources within the vault. : vm-1, vm-2"
    )
    assert (await recovery.vaults.get(RG, "rsv-busy")).name == "rsv-busy"  # nothing was deleted
    await (await recovery.vaults.begin_delete(RG2, "rsv-taken")).result()
    with pytest.raises(ResourceNotFoundError):
        await recovery.vaults.get(RG2, "rsv-taken")
    with pytest.raises(ResourceNotFoundError):
        await backup.protection_policies.get("rsv-taken", RG2, "DefaultPolicy")


async def test_delete_answers_202_with_async_headers_then_204_when_gone(rs):
    """The CLI 2.89.1 recording shows 202 + Azure-AsyncOperation + Location on the vault's own URLs."""
    _, recovery, _ = rs
    seen: list[tuple[int, dict[str, str]]] = []

    def hook(response: Any) -> None:
        seen.append((response.http_response.status_code, dict(response.http_response.headers)))

    await (await recovery.vaults.begin_delete(RG2, "rsv-taken", raw_response_hook=hook)).result()
    status, headers = seen[0]
    assert status == 202
    assert "/vaults/rsv-taken/operationStatus/" in headers["Azure-AsyncOperation"]
    assert "/vaults/rsv-taken/operationResults/" in headers["Location"]
    assert headers["Retry-After"] == "1"
    seen.clear()
    await (await recovery.vaults.begin_delete(RG2, "rsv-taken", raw_response_hook=hook)).result()
    assert seen[0][0] == 204


async def test_redundancy_set_through_the_vault_api_is_refused_by_the_storage_config_api(rs):
    _, recovery, backup = rs
    seen: list[int] = []
    await (
        await recovery.vaults.begin_update(
            RG2,
            "rsv-taken",
            {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"}}},
            raw_response_hook=lambda r: seen.append(r.http_response.status_code),
        )
    ).result()
    assert seen[0] == 202  # a redundancy PATCH is asynchronous
    with pytest.raises(HttpResponseError) as e:
        await backup.backup_resource_storage_configs_non_crr.update(
            "rsv-taken",
            RG2,
            {"properties": {"storageModelType": "GeoRedundant", "storageType": "GeoRedundant"}},
        )
    assert e.value.status_code == 400
    assert e.value.error.message.startswith(
        "Redundancy settings for this vault cannot be modified using this API."
    )
    vault = await recovery.vaults.get(RG2, "rsv-taken")
    assert vault.properties.redundancy_settings.standard_tier_storage_redundancy == "LocallyRedundant"
    # the vault API itself still changes it
    await (
        await recovery.vaults.begin_update(
            RG2,
            "rsv-taken",
            {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "ZoneRedundant"}}},
        )
    ).result()
    cfg = await backup.backup_resource_storage_configs_non_crr.get("rsv-taken", RG2)
    assert cfg.properties.storage_type == "ZoneRedundant"


def test_ensure_default_policies_fills_estate_vaults_once():
    from tui.emulator.estate import parse_estate

    estate = parse_estate(vault_estate())
    assert ensure_default_policies(estate) == 4  # two vaults, two policies each
    assert ensure_default_policies(estate) == 0
    vault = b.resource_id(SUB, RG, "Microsoft.RecoveryServices/vaults", "rsv-busy")
    policy = estate.get(f"{vault}/backupPolicies/EnhancedPolicy")
    assert policy is not None and policy["properties"]["policyType"] == "V2"
