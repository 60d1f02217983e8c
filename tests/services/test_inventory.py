"""InventoryService.scan against the demo estate, through the real SDK: what it reads, and how.

design.md section 3: inventory from subscription-wide list calls, per-VM calls only where no list answers
(instance views of running VMs), protection from the vaults' item lists, subscriptions that fail become
facts while the others go on, and nothing is ever written (no provider registration).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from azure.identity.aio import ManagedIdentityCredential

from tests.conftest import read_request_log
from tui.azure import ArmPacer, ClientFactory, Target
from tui.emulator import Emulator
from tui.emulator import builders as b
from tui.emulator.demo import SUB_ANALYTICS, SUB_FINANCE, SUB_LEGACY, SUB_PROD
from tui.rules import load_rules
from tui.services.assessment import assess
from tui.services.inventory import InventoryService, ScanError


@pytest_asyncio.fixture
async def factory(demo: Emulator) -> AsyncIterator[ClientFactory]:
    target = Target.for_endpoint(demo.info["arm_endpoint"], ca_bundle=demo.info["ca_bundle"])
    async with (
        ManagedIdentityCredential() as cred,
        ClientFactory(target, cred, read_only=True, pacer=ArmPacer()) as f,
    ):
        yield f


def _arm(demo: Emulator) -> list[dict]:
    return [r for r in read_request_log(demo) if r["path"].startswith("/subscriptions")]


async def test_full_scan_reads_lists_and_only_instance_views_per_vm(demo, factory):
    stages: list[str] = []
    inventory = await InventoryService(factory, progress=lambda s, d, t: stages.append(s)).scan()
    log = _arm(demo)
    assert {r["method"] for r in log} == {"GET"}  # nothing written, not even a read-only POST
    assert all(r["status"] == 200 for r in log if SUB_FINANCE not in r["path"])

    per_vm = [r["path"] for r in log if "/virtualmachines/" in r["path"].lower()]
    assert all(p.endswith("/instanceView") for p in per_vm), per_vm  # no GET per VM, disk or NIC
    not_running = {v.name for v in inventory.vms if v.power_state != "running"}
    assert not_running == {"vm-neu-app02"}  # deallocated: no agent to ask
    assert sorted(p.split("/")[-2] for p in per_vm) == sorted(
        v.name for v in inventory.vms if v.power_state == "running"
    )
    lists = Counter(
        (r["path"].split("/")[2], r["path"].split("/providers/")[1], "statusonly" in str(r["query"]).lower())
        for r in log
        if r["path"].count("/") == 5
        and "/providers/" in r["path"]
        and "/resourceGroups/" not in r["path"]
        and "$skiptoken" not in str(r["query"])  # a later page of the same list
    )
    assert max(lists.values()) == 1  # each subscription-wide list read once (later pages follow nextLink)
    assert (SUB_PROD, "Microsoft.Compute/disks", False) in lists
    assert (SUB_PROD, "Microsoft.Network/networkInterfaces", False) in lists
    assert (SUB_PROD, "Microsoft.Compute/virtualMachines", True) in lists  # power states, in one list
    assert "in-guest probe" not in stages and any("VM agents" in s for s in stages)

    # Protection comes from the vaults' item lists: no backupStatus was needed.
    assert {v.protection.source for v in inventory.vms} == {"vault-items", "provider-not-registered"}
    web01 = next(v for v in inventory.vms if v.name == "vm-weu-web01")
    assert web01.protection.status == "Protected" and web01.protection.vault_id.endswith("/rsv-prod-weu")
    vaults = {v.name: v for v in inventory.vaults}
    assert vaults["rsv-prod-eus"].protected_vms == 1000  # across ten pages of protected items
    assert vaults["rsv-prod-neu"].redundancy_locked is False and vaults["rsv-prod-weu"].redundancy_locked


async def test_failing_subscriptions_become_facts_and_the_others_go_on(demo, factory, demo_estate_doc):
    inventory = await InventoryService(factory).scan()
    subs = {s.id: s for s in inventory.subscriptions}
    assert subs[SUB_FINANCE].access == "forbidden"
    assert "403" in subs[SUB_FINANCE].error or "ermission" in subs[SUB_FINANCE].error
    assert subs[SUB_ANALYTICS].access == "ok" and subs[SUB_ANALYTICS].provider_state == "NotRegistered"
    assert subs[SUB_LEGACY].state == "PastDue" and subs[SUB_LEGACY].access == "ok"
    assert subs[SUB_PROD].access == "ok" and subs[SUB_PROD].error is None
    counts = Counter(v.subscription_id for v in inventory.vms)
    assert counts[SUB_FINANCE] == 0 and counts[SUB_ANALYTICS] == 2 and counts[SUB_LEGACY] == 2
    assert counts[SUB_PROD] == sum(  # every VM of the estate file, none of the uniform scale-set instances
        1
        for r in demo_estate_doc["resources"]
        if r["type"] == "Microsoft.Compute/virtualMachines"
        and r["id"].split("/")[2] == SUB_PROD
        and "/virtualMachineScaleSets/" not in r["id"]  # uniform instances carry the VM type too
    )
    assert not [v for v in inventory.vms if v.unreadable]

    log = _arm(demo)
    assert sorted(r["path"] for r in log if SUB_FINANCE in r["path"]) == [
        f"/subscriptions/{SUB_FINANCE}/providers/{ns}"
        for ns in ("Microsoft.Compute", "Microsoft.Network", "Microsoft.RecoveryServices")
    ]  # the three registration reads (403), then nothing more is tried
    unregistered = [r["path"] for r in log if SUB_ANALYTICS in r["path"]]
    assert [p for p in unregistered if "microsoft.recoveryservices" in p.lower()] == [
        f"/subscriptions/{SUB_ANALYTICS}/providers/Microsoft.RecoveryServices"
    ]  # no vault call into the unregistered namespace, and no POST .../register
    assert (
        demo.estate.subscriptions[SUB_ANALYTICS].provider_state("Microsoft.RecoveryServices")
        == "NotRegistered"
    )


async def test_selection_by_name_or_id_case_insensitively(demo, factory):
    inventory = await InventoryService(factory).scan(["contoso production"], ["VM-NEU-APP01", "vm-weu-web01"])
    assert [s.name for s in inventory.subscriptions] == ["Contoso Production"]
    assert sorted(v.name for v in inventory.vms) == ["vm-neu-app01", "vm-weu-web01"]
    per_vm = [r["path"].split("/")[-2] for r in _arm(demo) if r["path"].endswith("/instanceView")]
    assert sorted(per_vm) == ["vm-neu-app01", "vm-weu-web01"]  # only the chosen VMs cost a call
    vm_id = inventory.vms[0].id
    again = await InventoryService(factory).scan([SUB_PROD.upper()], [vm_id.upper()])
    assert [v.id for v in again.vms] == [vm_id]


@pytest.mark.parametrize(
    ("subs", "vms", "message"),
    [
        (["Contoso Nowhere"], None, "unknown subscription 'Contoso Nowhere'; the signed-in identity sees: "),
        (["Contoso Production"], ["vm-nowhere"], "unknown VM 'vm-nowhere'"),
    ],
)
async def test_unknown_selection_is_a_scan_error(demo, factory, subs, vms, message):
    with pytest.raises(ScanError, match="^" + message) as e:
        await InventoryService(factory).scan(subs, vms)
    assert "\n" not in str(e.value)
    assert not [r for r in _arm(demo) if r["path"].endswith("/instanceView")]  # nothing per VM was read


# -- registration, locks, scale sets, policies (an estate of our own, real-shaped documents) ----------------------
TENANT = "0c0ffee0-0000-4000-8000-00000000b001"
SUB_A = "5ab5c1de-0000-4000-8000-00000000000a"  # everything registered
SUB_B = "5ab5c1de-0000-4000-8000-00000000000b"  # Microsoft.Compute not registered
RG_A = f"/subscriptions/{SUB_A}/resourceGroups/rg-a"


def _own_estate() -> dict:
    vm = b.virtual_machine(SUB_A, "rg-a", "vm-a1", location="westeurope")
    vault = b.recovery_services_vault(
        SUB_A, "rg-a", "rsv-a", location="westeurope", redundancy="GeoRedundant"
    )
    return {
        "format": "vmbackup-prep/estate/v1",
        "tenant": {"tenantId": TENANT, "displayName": "Own"},
        "subscriptions": [
            {"subscriptionId": SUB_A, "displayName": "A", "state": "Enabled"},
            {
                "subscriptionId": SUB_B,
                "displayName": "B",
                "state": "Enabled",
                "x-emulator": {"providers": {"Microsoft.Compute": "NotRegistered"}},
            },
        ],
        "resources": [
            vm,
            vault,
            b.backup_policy(vault["id"], protected_items_count=1000),
            {  # ManagementLocks_ListAtSubscriptionLevel.json shape
                "properties": {"level": "ReadOnly"},
                "id": f"{RG_A}/providers/Microsoft.Authorization/locks/testlock",
                "type": "Microsoft.Authorization/locks",
                "name": "testlock",
            },
            {
                "properties": {"level": "CanNotDelete", "notes": "subscription-wide"},
                "id": f"/subscriptions/{SUB_A}/providers/Microsoft.Authorization/locks/sublock",
                "type": "Microsoft.Authorization/locks",
                "name": "sublock",
            },
            {  # VirtualMachineScaleSet_Get shape: Uniform, 4 instances (never in the VM list)
                "id": f"{RG_A}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web",
                "name": "vmss-web",
                "type": "Microsoft.Compute/virtualMachineScaleSets",
                "location": "westeurope",
                "sku": {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 4},
                "properties": {"orchestrationMode": "Uniform", "provisioningState": "Succeeded"},
            },
            {
                "id": f"{RG_A}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-flex",
                "name": "vmss-flex",
                "type": "Microsoft.Compute/virtualMachineScaleSets",
                "location": "westeurope",
                "sku": {"name": "Standard_D2s_v5", "capacity": 2},
                "properties": {"orchestrationMode": "Flexible", "provisioningState": "Succeeded"},
            },
        ],
    }


@pytest_asyncio.fixture
async def own(make_emulator) -> AsyncIterator[tuple[Emulator, ClientFactory]]:
    emu = await make_emulator(_own_estate(), page_size=1)  # one item per page: paging is followed
    target = Target.for_endpoint(emu.info["arm_endpoint"], ca_bundle=emu.info["ca_bundle"])
    async with (
        ManagedIdentityCredential() as cred,
        ClientFactory(target, cred, read_only=True, pacer=ArmPacer()) as f,
    ):
        yield emu, f


async def test_locks_scale_sets_and_policies_are_read_once_per_subscription_or_vault(own):
    emu, factory = own
    inventory = await InventoryService(factory).scan()
    a = inventory.subscription(SUB_A)
    assert a.providers == {
        "Microsoft.RecoveryServices": "Registered",
        "Microsoft.Compute": "Registered",
        "Microsoft.Network": "Registered",
    }
    assert sorted((lock.name, lock.level, lock.scope) for lock in a.locks) == [
        ("sublock", "CanNotDelete", f"/subscriptions/{SUB_A}"),
        ("testlock", "ReadOnly", RG_A),
    ]
    assert [(s.name, s.capacity) for s in a.uniform_scale_sets] == [("vmss-web", 4)]
    (vault,) = inventory.vaults
    assert ("DefaultPolicy", 1000) in [(p.name, p.protected_items) for p in vault.policies]
    assert [f.rule for f in load_rules().evaluate_vault(vault)] == ["vault-policy-item-limit"]
    log = _arm(emu)
    assert {r["method"] for r in log} == {"GET"}
    locks = [r for r in log if r["path"].lower().endswith("/microsoft.authorization/locks")]
    first_pages = [r for r in locks if "$skiptoken" not in str(r["query"]).lower()]
    assert sorted(r["path"] for r in first_pages) == [
        f"/subscriptions/{s}/providers/Microsoft.Authorization/locks" for s in (SUB_A, SUB_B)
    ]  # one list per subscription (followed over its pages)
    policies = [
        r
        for r in log
        if r["path"].lower().endswith("/backuppolicies") and "skiptoken" not in str(r["query"]).lower()
    ]
    assert len(policies) == 1


async def test_unregistered_compute_gets_no_list_call_and_a_finding(own):
    emu, factory = own
    inventory = await InventoryService(factory).scan()
    b = inventory.subscription(SUB_B)
    assert b.providers["Microsoft.Compute"] == "NotRegistered" and b.access == "ok"
    assert not [v for v in inventory.vms if v.subscription_id == SUB_B]
    into_compute = [
        r["path"]
        for r in _arm(emu)
        if SUB_B in r["path"] and "/providers/microsoft.compute/" in r["path"].lower() + "/"
    ]
    assert into_compute == [
        f"/subscriptions/{SUB_B}/providers/Microsoft.Compute"
    ]  # the registration read only
    assert not [r for r in _arm(emu) if r["path"].lower().endswith("/register")]
    assert emu.estate.subscriptions[SUB_B].provider_state("Microsoft.Compute") == "NotRegistered"
    (finding,) = load_rules().evaluate_subscription(b)
    assert finding.rule == "provider-not-registered" and "Microsoft.Compute (NotRegistered)" in finding.detail
    assert f"az provider register --namespace Microsoft.Compute --subscription {SUB_B}" in finding.remedy


async def test_a_scan_narrowed_to_vms_does_not_list_scale_sets(own):
    emu, factory = own
    inventory = await InventoryService(factory).scan([SUB_A], ["vm-a1"])
    assert inventory.subscription(SUB_A).scale_sets is None
    assert not [r for r in _arm(emu) if "virtualmachinescalesets" in r["path"].lower()]


# -- subscriptions side by side (issue 9) ------------------------------------------------------------------------
async def test_subscriptions_scanned_together_get_the_verdicts_they_get_alone(demo, factory):
    """Four subscriptions (one forbidden, one with Recovery Services unregistered, one past due) scanned at once
    give every VM and subscription the verdicts and findings a scan of that subscription alone gives."""
    rules = load_rules()

    def outcome(inventory) -> dict[str, tuple[str, list[str]]]:
        a = assess(inventory, rules)
        out = {vm.vm.id: (vm.verdict, [f.rule for f in vm.findings]) for vm in a.vms}
        out |= {sid: ("subscription", [f.rule for f in fs]) for sid, fs in a.subscriptions.items()}
        return out

    together = outcome(await InventoryService(factory, concurrency=4).scan())
    alone: dict[str, tuple[str, list[str]]] = {}
    for sub in (SUB_PROD, SUB_FINANCE, SUB_ANALYTICS, SUB_LEGACY):
        alone |= outcome(await InventoryService(factory, concurrency=4).scan([sub]))
    assert together == alone
    assert {v for v, _ in together.values()} >= {"ready", "warning", "blocked", "subscription"}


async def test_progress_counts_every_read_and_names_phases_not_subscriptions(demo, factory):
    seen: list[tuple[str, int, int]] = []
    inventory = await InventoryService(factory, progress=lambda s, d, t: seen.append((s, d, t))).scan()
    *before, last = seen
    assert all(done < total for _, done, total in before)  # never 100 % while a read is pending
    assert last[1] == last[2] == sum(1 for r in _arm(demo) if r["status"] != 0) - _later_pages(demo) - 1
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)  # done only grows
    names = {s.name for s in inventory.subscriptions}
    assert not any(name in stage for stage, _, _ in seen for name in names)  # the caller names it, once
    stages = {part for stage, _, _ in seen for part in stage.split(", ")}
    assert {"provider registration", "resource lists", "VM agents", "vaults"} <= stages


def _later_pages(demo: Emulator) -> int:
    """Requests for a second or later page of a list (a list counts once, however many pages it has)."""
    return sum(1 for r in _arm(demo) if any(k.lower() in ("$skiptoken", "page") for k in r["query"]))
