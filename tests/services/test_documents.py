"""One parser per ARM document (tui/services/facts.py): a vault with its backup storage config and protected
items, a resource provider, a protected item. Shapes from the REST examples and the real-shape fixtures:
BackupStorageConfig_Get.json and Compute_ProtectedItem_Get.json (recoveryservicesbackup 2025-02-01),
tests/fixtures/real/vault-other-subscription.json (a vault GET) and protected-item-irpending.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tui.services.facts import (
    item_health,
    item_protection,
    protected_vm_ids,
    provider_state,
    vault_facts,
)

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
VAULT = json.loads((REAL / "vault-other-subscription.json").read_text(encoding="utf-8"))["documents"]["vault"]
ITEM = json.loads((REAL / "protected-item-irpending.json").read_text(encoding="utf-8"))["documents"][
    "protectedItem"
]
VM_ID = ITEM["properties"]["sourceResourceId"]


def config(**props: Any) -> dict[str, Any]:
    """BackupStorageConfig_Get.json (the vault's backupstorageconfig/vaultstorageconfig)."""
    body = {"storageModelType": "GeoRedundant", "storageType": "GeoRedundant", "storageTypeState": "Locked"}
    return {
        "id": f"{VAULT['id']}/backupstorageconfig/vaultstorageconfig",
        "name": "vaultstorageconfig",
        "type": "Microsoft.RecoveryServices/vaults/backupstorageconfig",
        "properties": {k: v for k, v in {**body, **props}.items() if v is not None},
    }


def test_a_vault_document_alone_says_where_it_is_and_its_redundancy_but_not_the_lock() -> None:
    vault = vault_facts(VAULT)
    assert (vault.name, vault.location, vault.resource_group) == (
        "rsv-fab-weu",
        "westeurope",
        "Fabrikam-Backup",
    )
    assert vault.subscription_id == "b1f4e0a2-5c3d-4e6f-8a9b-0c1d2e3f4a5c"
    assert (vault.redundancy, vault.cross_region_restore) == ("GeoRedundant", False)
    assert vault.redundancy_locked is None and vault.protected_vms == 0


@pytest.mark.parametrize(("state", "locked"), [("Locked", True), ("Unlocked", False), ("locked", True)])
def test_the_storage_config_says_whether_the_redundancy_is_locked(state: str, locked: bool) -> None:
    assert vault_facts(VAULT, storage_config=config(storageTypeState=state)).redundancy_locked is locked


@pytest.mark.parametrize("state", [None, "Invalid"])
def test_without_a_lock_state_a_vault_protecting_a_vm_is_locked_and_an_empty_one_unknown(
    state: str | None,
) -> None:
    """The documented rule (facts 1.3): the redundancy locks when the first item is protected. With no VM item
    it stays unknown: other workloads lock it too, and they are not read."""
    cfg = config(storageTypeState=state)
    assert vault_facts(VAULT, protected_items=[ITEM], storage_config=cfg).redundancy_locked is True
    assert vault_facts(VAULT, protected_items=[], storage_config=cfg).redundancy_locked is None
    assert vault_facts(VAULT, protected_items=[ITEM], storage_config=None).redundancy_locked is True


def test_the_storage_config_wins_for_redundancy_and_cross_region_restore() -> None:
    cfg = config(
        storageType="LocallyRedundant", storageModelType="LocallyRedundant", crossRegionRestoreFlag=False
    )
    assert vault_facts(VAULT, storage_config=cfg).redundancy == "LocallyRedundant"
    crr = vault_facts(VAULT, storage_config=config(crossRegionRestoreFlag=True))
    assert crr.cross_region_restore is True
    only_model = vault_facts(VAULT, storage_config=config(storageType=None, storageModelType="ZoneRedundant"))
    assert only_model.redundancy == "ZoneRedundant"
    invalid = vault_facts(VAULT, storage_config=config(storageType="Invalid", storageModelType=None))
    assert invalid.redundancy == "GeoRedundant"  # the vault's own redundancySettings stand in


def test_protected_items_give_the_vault_its_vms_case_insensitively() -> None:
    other = copy.deepcopy(ITEM)
    other["properties"]["sourceResourceId"] = VM_ID.upper()
    no_source = copy.deepcopy(ITEM)
    del no_source["properties"]["sourceResourceId"]
    assert protected_vm_ids([ITEM, other, no_source, {"properties": None}]) == {VM_ID.lower()}
    vault = vault_facts(VAULT, protected_items=[ITEM, other])
    assert vault.protected_vms == 1 and vault.protects(VM_ID.upper())


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("IRPending", "Protected"),
        ("Protected", "Protected"),
        ("ProtectionError", "ProtectionFailed"),
        (None, "Protected"),
    ],
)
def test_a_protected_item_says_how_its_vm_is_protected(state: str | None, status: str) -> None:
    item = copy.deepcopy(ITEM)
    item["properties"]["protectionState"] = state
    item["properties"]["healthDetails"] = [{"code": 400239, "title": "UserErrorGuestAgentStatusUnavailable"}]
    facts = item_protection(item, VAULT["id"])
    assert (facts.status, facts.vault_id, facts.policy_name) == (status, VAULT["id"], "DefaultPolicy")
    assert facts.error_code == "UserErrorGuestAgentStatusUnavailable" and facts.source == "vault-items"


def test_a_protected_items_health_is_its_first_titled_detail() -> None:
    """What protect and the scan both quote for an item in error: the first healthDetails entry with a title;
    entries that are not objects or have no title are passed over, and no detail is no health problem."""
    item = copy.deepcopy(ITEM)
    item["properties"]["healthDetails"] = [
        "not an object",
        {"code": 1},
        {"code": 400239, "title": "UserErrorGuestAgentStatusUnavailable"},
        {"code": 2, "title": "Later"},
    ]
    assert item_health(item) == "UserErrorGuestAgentStatusUnavailable"
    item["properties"]["healthDetails"] = []
    assert item_health(item) is None
    assert item_health({"properties": {"healthDetails": "garbled"}}) is None
    assert item_health({}) is None


def test_provider_state_from_a_providers_get_document() -> None:
    """ProviderResourceTypes / Providers_Get.json: ``registrationState``."""
    assert (
        provider_state({"namespace": "Microsoft.RecoveryServices", "registrationState": "Registering"})
        == "Registering"
    )
    assert provider_state({"namespace": "Microsoft.RecoveryServices"}) is None
