"""The vault service (tui/services/vaults.py): name rules, plans, applying them against the emulator.

Emulator tests go through a real `ClientFactory` and the async SDK; the emulator's request log shows what
reached "Azure" (and what did not).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from azure.identity.aio import ManagedIdentityCredential

from tests.conftest import read_request_log
from tests.emulator.estates import SUB_OK, SUB_UNREG, base_estate
from tui.azure import ClientFactory, Target
from tui.emulator import Emulator
from tui.services.vaults import (
    CRR_IRREVERSIBLE,
    ProviderRegistrationTimeout,
    VaultService,
    normalize_redundancy,
    validate_resource_group_name,
    validate_vault_name,
)

PROD = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"
ANALYTICS = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f602"  # Microsoft.RecoveryServices NotRegistered


@asynccontextmanager
async def service(emu: Emulator, *, read_only: bool = False) -> AsyncIterator[VaultService]:
    cred = ManagedIdentityCredential()
    target = Target.for_endpoint(emu.info["arm_endpoint"], ca_bundle=emu.info["ca_bundle"])
    async with ClientFactory(target, cred, read_only=read_only) as factory, cred:
        yield VaultService(factory, poll_interval=0.01, register_timeout=10)


def arm_requests(emu: Emulator) -> list[dict]:
    return [r for r in read_request_log(emu) if r["path"].lower().startswith("/subscriptions")]


def writes(emu: Emulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in arm_requests(emu) if r["method"] != "GET"]


# -- name rules (pure) ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["ab", "rsv-prod-weu", "Vault9", "a-", "v" * 50, "RSV-X-1"])
def test_valid_vault_names(name):
    assert validate_vault_name(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("9vault", "'9vault' must start with a letter"),
        ("-vault", "'-vault' must start with a letter"),
        ("my_vault", "'my_vault' contains '_' — only letters, digits and hyphens are allowed"),
        ("rsv.prod", "'rsv.prod' contains '.' — only letters, digits and hyphens are allowed"),
        ("my vault!", "'my vault!' contains a space and '!' — only letters, digits and hyphens are allowed"),
        ("a_b.c_", "'a_b.c_' contains '_' and '.' — only letters, digits and hyphens are allowed"),
        ("café", "'café' contains 'é' — only letters, digits and hyphens are allowed"),
        ("a", "'a' is 1 character — a vault name needs 2 to 50"),
        ("v" * 51, f"'{'v' * 51}' is 51 characters — a vault name needs 2 to 50"),
        ("", "The vault name is empty — a vault name needs 2 to 50 characters"),
        (" rsv", "' rsv' starts with a space — remove the spaces before the name"),
        ("rsv ", "'rsv ' ends with a space — remove the spaces after the name"),
        ("\trsv", "'\trsv' starts with a tab — remove the spaces before the name"),
    ],
)
def test_invalid_vault_names_say_what_is_wrong(name, message):
    assert validate_vault_name(name) == message


@pytest.mark.parametrize("name", ["r", "rg-0", "rg_(prod).1", "x" * 90, "rg-café", "RG.Backup-WEU"])
def test_valid_resource_group_names(name):
    assert validate_resource_group_name(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "The resource group name is empty — a resource group name needs 1 to 90 characters"),
        ("rg.", "'rg.' ends with a period — a resource group name cannot end with '.'"),
        (
            "rg/x",
            "'rg/x' contains '/' — only letters, digits, underscores, hyphens, periods and parentheses "
            "are allowed",
        ),
        (
            "rg x#1",
            "'rg x#1' contains a space and '#' — only letters, digits, underscores, hyphens, periods and "
            "parentheses are allowed",
        ),
        ("x" * 91, f"'{'x' * 91}' is 91 characters — a resource group name needs 1 to 90"),
        (" rg", "' rg' starts with a space — remove the spaces before the name"),
        ("rg ", "'rg ' ends with a space — remove the spaces after the name"),
    ],
)
def test_invalid_resource_group_names_say_what_is_wrong(name, message):
    assert validate_resource_group_name(name) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("GRS", "GeoRedundant"),
        ("lrs", "LocallyRedundant"),
        ("zoneredundant", "ZoneRedundant"),
        ("GeoRedundant", "GeoRedundant"),
        ("RA-GRS", None),
    ],
)
def test_normalize_redundancy(value, expected):
    assert normalize_redundancy(value) == expected


# -- check_name ---------------------------------------------------------------------------------------------
async def test_check_name_available(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        check = await svc.check_name(SUB_OK, "rg-0", "West Europe", "rsv-new")
    assert check.available and check.reason is None
    assert check.message == "'rsv-new' is available"
    assert any(r["path"].endswith("/checkNameAvailability") for r in arm_requests(emu))
    assert writes(emu) == [
        f"POST /subscriptions/{SUB_OK}/resourceGroups/rg-0/providers/Microsoft.RecoveryServices/locations/"
        "westeurope/checkNameAvailability"
    ]


async def test_check_name_taken_names_the_group_that_holds_it(demo):
    async with service(demo) as svc:
        same_group = await svc.check_name(PROD, "rg-backup-weu", "westeurope", "rsv-prod-weu")
        other_group = await svc.check_name(PROD, "rg-app-weu", "westeurope", "RSV-PROD-WEU")
    for check in (same_group, other_group):
        assert not check.available
        assert check.reason == "AlreadyExists"
        assert "already exists in resource group 'rg-backup-weu'" in check.message


async def test_check_name_invalid_sends_nothing(demo):
    async with service(demo) as svc:
        check = await svc.check_name(PROD, "rg-backup-weu", "westeurope", "9vault")
    assert check == type(check)(False, "Invalid", "'9vault' must start with a letter")
    assert arm_requests(demo) == []


async def test_check_name_when_the_resource_group_does_not_exist_yet(demo):
    async with service(demo) as svc:
        free = await svc.check_name(PROD, "rg-not-yet", "westeurope", "rsv-fresh")
        taken = await svc.check_name(PROD, "rg-not-yet", "westeurope", "rsv-prod-neu")
    assert free.available
    assert "resource group 'rg-not-yet' does not exist yet" in free.message
    assert not taken.available and taken.reason == "AlreadyExists"
    assert "resource group 'rg-backup-neu'" in taken.message
    assert (
        writes(demo)
        == [
            f"POST /subscriptions/{PROD}/resourceGroups/rg-not-yet/providers/Microsoft.RecoveryServices/"
            "locations/westeurope/checkNameAvailability"
        ]
        * 2
    )


async def test_check_name_in_unregistered_subscription_does_not_register(demo):
    async with service(demo) as svc:
        check = await svc.check_name(ANALYTICS, "rg-analytics-neu", "northeurope", "rsv-analytics")
    assert check.available
    assert "not registered" in check.message
    assert writes(demo) == []
    assert (
        demo.estate.subscriptions[ANALYTICS].provider_state("Microsoft.RecoveryServices") == "NotRegistered"
    )


# -- create ---------------------------------------------------------------------------------------------------
async def test_create_vault_in_new_group_then_apply_again_is_a_no_op(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        plan = await svc.plan_create(
            SUB_OK, "rg-backup", "rsv-new", "westeurope", "LRS", False, create_group=True
        )
        assert plan.refusal is None
        assert [s.operation for s in plan.steps] == [
            f"PUT /subscriptions/{SUB_OK}/resourceGroups/rg-backup",
            f"PUT /subscriptions/{SUB_OK}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/"
            "vaults/rsv-new",
        ]
        assert plan.steps[1].description == (
            "Create Recovery Services vault 'rsv-new' in westeurope with LocallyRedundant storage and "
            "Cross Region Restore off"
        )
        assert not any(s.irreversible for s in plan.steps)
        text = " ".join(plan.irreversible)
        assert "locks when the first item is protected" in text
        assert "soft delete is on by default" in text and "14" in text
        assert "region (westeurope) cannot be changed" in text
        assert CRR_IRREVERSIBLE not in text
        assert writes(emu) == []  # planning only reads

        result = await svc.apply(plan)
        assert result.ok, result.as_dict()
        assert [o.status for o in result.outcomes] == ["ok", "ok"]
        assert all(o.request_id for o in result.outcomes)
        vault = result.vault
        assert vault is not None
        assert (vault.name, vault.location, vault.redundancy) == ("rsv-new", "westeurope", "LocallyRedundant")
        assert vault.cross_region_restore is False
        assert vault.redundancy_locked is False
        assert vault.protected_vms == 0
        put_body_ok = [w for w in writes(emu) if w.startswith("PUT")]
        assert len(put_body_ok) == 2

        again = await svc.plan_create(
            SUB_OK, "rg-backup", "rsv-new", "westeurope", "LocallyRedundant", False, create_group=True
        )
        assert again.noop and again.steps == []
        assert again.summary.startswith("Nothing to do")
        before = len(read_request_log(emu))
        second = await svc.apply(again)
    assert second.ok and second.outcomes == []
    assert second.vault is not None and second.vault.redundancy == "LocallyRedundant"
    assert len(read_request_log(emu)) == before  # nothing sent at all


async def test_create_vault_sends_redundancy_in_the_create_request(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        plan = await svc.plan_create(SUB_OK, "rg-0", "rsv-geo", "westeurope", "GRS", True, create_group=True)
        assert len(plan.steps) == 1  # rg-0 already exists: no group step
        step = plan.steps[0]
        assert step.irreversible and step.why == f"{CRR_IRREVERSIBLE}."
        assert plan.irreversible[0] == CRR_IRREVERSIBLE
        assert step.body["properties"]["redundancySettings"] == {
            "standardTierStorageRedundancy": "GeoRedundant",
            "crossRegionRestore": "Enabled",
        }
        assert step.body["sku"] == {"name": "Standard"}
        assert step.body["properties"]["publicNetworkAccess"] == "Enabled"
        result = await svc.apply(plan)
    assert result.ok
    assert (result.vault.redundancy, result.vault.cross_region_restore) == ("GeoRedundant", True)
    assert not any("backupstorageconfig" in w for w in writes(emu))


async def test_create_refused_when_group_missing_and_not_to_be_created(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        plan = await svc.plan_create(
            SUB_OK, "rg-missing", "rsv-new", "westeurope", "GRS", False, create_group=False
        )
        result = await svc.apply(plan)
    assert plan.steps == []
    assert plan.refusal.startswith("Resource group 'rg-missing' does not exist")
    assert not result.ok and result.refusal == plan.refusal
    assert writes(emu) == []


async def test_create_refused_for_invalid_names_without_any_request(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        bad_vault = await svc.plan_create(
            SUB_OK, "rg-0", "my_vault", "westeurope", "GRS", False, create_group=True
        )
        bad_group = await svc.plan_create(
            SUB_OK, "rg.", "rsv-ok", "westeurope", "GRS", False, create_group=True
        )
        bad_red = await svc.plan_create(
            SUB_OK, "rg-0", "rsv-ok", "westeurope", "RA-GRS", False, create_group=True
        )
    assert bad_vault.refusal == "'my_vault' contains '_' — only letters, digits and hyphens are allowed."
    assert bad_group.refusal == "'rg.' ends with a period — a resource group name cannot end with '.'."
    assert bad_red.refusal.startswith("'RA-GRS' is not a storage redundancy")
    assert arm_requests(emu) == []


async def test_existing_vault_in_another_region_is_refused(demo):
    async with service(demo) as svc:
        plan = await svc.plan_create(
            PROD, "rg-backup-weu", "rsv-prod-weu", "northeurope", "GRS", True, create_group=False
        )
    assert plan.steps == []
    assert "cannot be moved to another region" in plan.refusal
    assert plan.current is not None and plan.current.location == "westeurope"


async def test_create_in_unregistered_subscription_registers_first(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        plan = await svc.plan_create(
            SUB_UNREG, "rg-new", "rsv-first", "northeurope", "LRS", False, create_group=True
        )
        assert [s.action for s in plan.steps] == [
            "register-provider",
            "create-resource-group",
            "create-vault",
        ]
        assert plan.steps[0].operation == (
            f"POST /subscriptions/{SUB_UNREG}/providers/Microsoft.RecoveryServices/register"
        )
        assert writes(emu) == []  # the plan did not register anything, and the SDK was not allowed to
        result = await svc.apply(plan)
    assert result.ok, result.as_dict()
    assert result.outcomes[0].message == "Microsoft.RecoveryServices is Registered"
    assert result.vault.redundancy == "LocallyRedundant"


# -- redundancy changes -------------------------------------------------------------------------------------
async def test_redundancy_change_on_unlocked_vault_then_crr_off_is_refused(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        created = await svc.apply(
            await svc.plan_create(SUB_OK, "rg-0", "rsv-lrs", "westeurope", "LRS", False, create_group=False)
        )
        vault = created.vault
        assert vault.redundancy == "LocallyRedundant" and vault.redundancy_locked is False

        plan = await svc.plan_redundancy(vault, "GeoRedundant", True)
        assert plan.refusal is None
        assert len(plan.steps) == 1
        step = plan.steps[0]
        assert step.description == (
            "Change vault 'rsv-lrs': LocallyRedundant → GeoRedundant storage, Cross Region Restore off → on"
        )
        # the vault API, not backupstorageconfig: the service refuses the latter once the vault API set it
        assert step.operation.endswith("/providers/Microsoft.RecoveryServices/vaults/rsv-lrs")
        assert step.operation.startswith("PATCH ")
        assert step.irreversible and CRR_IRREVERSIBLE in plan.irreversible
        result = await svc.apply(plan)
        assert result.ok, result.as_dict()
        assert result.outcomes[0].request_id
        assert (result.vault.redundancy, result.vault.cross_region_restore) == ("GeoRedundant", True)
        assert writes(emu)[-1].startswith("PATCH ") and writes(emu)[-1].endswith("/vaults/rsv-lrs")

        same = await svc.plan_redundancy(result.vault, "GRS", True)
        assert same.noop and same.summary.startswith("Nothing to do")

        off = await svc.plan_redundancy(result.vault, None, False)
        assert off.steps == []
        assert "Cross Region Restore cannot be turned off once enabled" in off.refusal
        assert "create a new vault without Cross Region Restore" in off.refusal
        sent = len(read_request_log(emu))
        refused = await svc.apply(off)
    assert not refused.ok and refused.refusal == off.refusal and refused.outcomes == []
    assert len(read_request_log(emu)) == sent


async def test_locked_vault_refuses_redundancy_change_with_workaround(demo):
    async with service(demo) as svc:
        vault = await svc.read_vault(PROD, "rg-backup-weu", "rsv-prod-weu")
        assert vault.redundancy_locked is True
        assert vault.protected_vms == 3
        assert (vault.redundancy, vault.cross_region_restore) == ("GeoRedundant", True)
        plan = await svc.plan_redundancy(vault, "LocallyRedundant", False)
        sent = len(read_request_log(demo))
        result = await svc.apply(plan)
    assert plan.steps == []
    assert "is locked at GeoRedundant" in plan.refusal
    assert "3 protected VMs" in plan.refusal
    assert "re-create the vault" in plan.refusal
    assert "stop protection" in plan.refusal
    assert "Cross Region Restore cannot be turned off" in plan.refusal
    assert not result.ok and result.refusal == plan.refusal
    assert len(read_request_log(demo)) == sent  # not a single request
    assert result.vault is vault


async def test_crr_without_grs_is_refused(demo):
    async with service(demo) as svc:
        plan = await svc.plan_create(
            PROD, "rg-backup-weu", "rsv-x", "westeurope", "LRS", True, create_group=False
        )
        lrs_vault = await svc.read_vault(PROD, "rg-app-weu", "rsv-apps-weu")
        on_lrs = await svc.plan_redundancy(lrs_vault, None, True)
        zrs = await svc.plan_redundancy(lrs_vault, "ZoneRedundant", True)
    expected = "Cross Region Restore needs GeoRedundant storage, not LocallyRedundant"
    assert plan.refusal.startswith(expected) and plan.steps == []
    assert on_lrs.refusal.startswith(expected)
    # rsv-apps-weu protects a VM: both reasons are given
    assert "is locked at LocallyRedundant" in zrs.refusal and "(1 protected VM)" in zrs.refusal
    assert "Cross Region Restore needs GeoRedundant storage, not ZoneRedundant" in zrs.refusal
    assert writes(demo) == []


async def test_plan_create_on_existing_vault_converges_its_redundancy(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        await svc.apply(
            await svc.plan_create(SUB_OK, "rg-0", "rsv-conv", "westeurope", "LRS", False, create_group=False)
        )
        plan = await svc.plan_create(
            SUB_OK, "rg-0", "rsv-conv", "westeurope", "ZRS", False, create_group=False
        )
        assert [s.action for s in plan.steps] == ["set-redundancy"]
        result = await svc.apply(plan)
    assert result.ok and result.vault.redundancy == "ZoneRedundant"


# -- provider registration ---------------------------------------------------------------------------------
async def test_register_provider_reaches_registered_and_is_idempotent(demo):
    async with service(demo) as svc:
        state = await svc.register_provider(ANALYTICS, poll_interval=0.01)
        again = await svc.register_provider(ANALYTICS, poll_interval=0.01)
    assert state == again == "Registered"
    assert writes(demo) == [f"POST /subscriptions/{ANALYTICS}/providers/Microsoft.RecoveryServices/register"]
    polls = [r for r in arm_requests(demo) if r["method"] == "GET" and r["path"].endswith("RecoveryServices")]
    assert len(polls) >= 3  # the first read, polls while Registering, and the second call's read


async def test_register_provider_times_out_with_a_clear_error(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, registration_polls=10_000)
    async with service(emu) as svc:
        with pytest.raises(ProviderRegistrationTimeout) as err:
            await svc.register_provider(ANALYTICS, timeout=0.2, poll_interval=0.02)
    assert "Microsoft.RecoveryServices is still Registering" in str(err.value)
    assert "az provider show" in str(err.value)


# -- read-only and failures ---------------------------------------------------------------------------------
async def test_read_only_apply_is_refused_at_the_first_write(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu, read_only=True) as svc:
        plan = await svc.plan_create(
            SUB_OK, "rg-new", "rsv-ro", "westeurope", "GRS", False, create_group=True
        )
        assert len(plan.steps) == 2  # planning works read-only
        result = await svc.apply(plan)
    first, second = result.outcomes
    assert first.status == "refused"
    assert first.message == (
        f"PUT /subscriptions/{SUB_OK}/resourcegroups/rg-new refused by --read-only; nothing was sent"
    )
    assert first.remedy == "Run without --read-only to make changes."
    assert second.status == "not-run"
    assert not result.ok and result.failed is first
    assert result.vault is None and "does not exist" in result.read_error
    assert {r["method"] for r in arm_requests(emu)} == {"GET"}


async def test_service_error_mid_plan_fails_the_step_with_a_useful_message(demo):
    async with service(demo) as svc:
        plan = await svc.plan_create(
            PROD, "rg-new", "rsv-prod-weu", "westeurope", "GRS", False, create_group=True
        )
        result = await svc.apply(plan)
    group, vault = result.outcomes
    assert group.status == "ok" and group.message == "Resource group rg-new created"
    assert vault.status == "failed"
    assert vault.code == "VaultAlreadyExists"
    assert vault.message.startswith("Conflict: A Recovery Services vault named 'rsv-prod-weu' already exists")
    assert "resource group 'rg-backup-weu'" in vault.message
    assert vault.remedy and vault.request_id
    assert not result.ok
    assert result.vault is None  # there is still no vault of that name in rg-new


async def test_failed_first_step_stops_the_plan(make_emulator):
    emu = await make_emulator(base_estate())
    async with service(emu) as svc:
        plan = await svc.plan_create(SUB_OK, "rg-new", "rsv-new", "atlantis", "GRS", False, create_group=True)
        result = await svc.apply(plan)
    group, vault = result.outcomes
    assert group.status == "failed"
    assert "atlantis" in group.message and group.request_id
    assert vault.status == "not-run"
    assert vault.message == "Not run: an earlier step did not succeed."
    assert not any("/vaults/" in w for w in writes(emu))
