"""Facts from real-shaped ARM documents, and the verdicts the rules give on them.

The documents follow the public REST API examples and facts section 0 ("Real wire shapes"), not the
emulator's builders: VirtualMachine_Get.json / VirtualMachine_Get_InstanceView.json (Compute 2024-11-01),
Disk_Get.json (DiskRP 2024-03-02), ManagementLocks_ListAtSubscriptionLevel.json (locks 2020-05-01),
VirtualMachineScaleSet_Get (orchestrationMode, sku.capacity), ProtectionPolicies_Get (protectedItemsCount).
Ids are invented. Wrong-typed documents make the fact unknown (an ``unreadable`` entry), never a crash.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tui.model import SubscriptionFacts, Unreadable
from tui.rules import load_rules, verdict
from tui.services.facts import (
    agent_facts,
    lock_facts,
    policy_facts,
    scale_set_facts,
    status_state,
    vm_facts,
)

SUB = "6f0c0d1e-0000-4000-8000-0000000000aa"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-app"
VM_ID = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-app-01"
OS_DISK_ID = f"{RG}/providers/Microsoft.Compute/disks/vm-app-01_OsDisk_1"
DATA_DISK_ID = f"{RG}/providers/Microsoft.Compute/disks/vm-app-01-data0"
BOOK = load_rules()


def model(**props: Any) -> dict[str, Any]:
    """A VM as VirtualMachine_Get.json shows it (Linux, managed disks, one data disk)."""
    doc: dict[str, Any] = {
        "id": VM_ID,
        "name": "vm-app-01",
        "type": "Microsoft.Compute/virtualMachines",
        "location": "westeurope",
        "properties": {
            "vmId": "0f47b100-0000-4000-8000-000000000001",
            "provisioningState": "Succeeded",
            "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
            "storageProfile": {
                "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
                "osDisk": {
                    "osType": "Linux",
                    "name": "vm-app-01_OsDisk_1",
                    "createOption": "FromImage",
                    "caching": "ReadWrite",
                    "diskSizeGB": 30,
                    "managedDisk": {"id": OS_DISK_ID, "storageAccountType": "Premium_LRS"},
                },
                "dataDisks": [
                    {
                        "lun": 0,
                        "name": "vm-app-01-data0",
                        "createOption": "Attach",
                        "caching": "None",
                        "diskSizeGB": 256,
                        "managedDisk": {"id": DATA_DISK_ID, "storageAccountType": "Premium_LRS"},
                    }
                ],
            },
            "osProfile": {
                "computerName": "vm-app-01",
                "adminUsername": "azureuser",
                "linuxConfiguration": {"provisionVMAgent": True},
                "allowExtensionOperations": True,
            },
            "networkProfile": {
                "networkInterfaces": [{"id": f"{RG}/providers/Microsoft.Network/networkInterfaces/nic"}]
            },
        },
    }
    doc["properties"].update(props)
    return doc


def status(code: str, display: str, level: str = "Info", message: str | None = None) -> dict[str, Any]:
    out = {"code": code, "level": level, "displayStatus": display, "time": "2026-11-30T07:30:00+00:00"}
    if message is not None:
        out["message"] = message
    return out


def view(**over: Any) -> dict[str, Any]:
    """An instance view as VirtualMachine_Get_InstanceView.json shows it: agent Ready, VMSnapshotLinux ok."""
    doc: dict[str, Any] = {
        "computerName": "vm-app-01",
        "osName": "ubuntu",
        "osVersion": "24.04",
        "vmAgent": {
            "vmAgentVersion": "2.11.1.12",
            "statuses": [status("ProvisioningState/succeeded", "Ready", message="Guest Agent is running")],
            "extensionHandlers": [
                {
                    "type": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                    "typeHandlerVersion": "1.0.9225.0",
                    "status": status("ProvisioningState/succeeded", "Ready"),
                }
            ],
        },
        "extensions": [
            {
                "name": "VMSnapshotLinux",
                "type": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                "typeHandlerVersion": "1.0.9225.0",
                "statuses": [status("ProvisioningState/succeeded", "Provisioning succeeded")],
            }
        ],
        "statuses": [
            status("ProvisioningState/succeeded", "Provisioning succeeded"),
            status("PowerState/running", "VM running"),
        ],
    }
    doc.update(over)
    return doc


def disk(disk_id: str, size: int, **props: Any) -> dict[str, Any]:
    """A managed disk as Disk_Get.json shows it."""
    return {
        "id": disk_id,
        "name": disk_id.rsplit("/", 1)[-1],
        "type": "Microsoft.Compute/disks",
        "location": "westeurope",
        "sku": {"name": "Premium_LRS", "tier": "Premium"},
        "properties": {
            "diskSizeGB": size,
            "provisioningState": "Succeeded",
            "diskState": "Attached",
            **props,
        },
    }


DISKS = {OS_DISK_ID.lower(): disk(OS_DISK_ID, 30), DATA_DISK_ID.lower(): disk(DATA_DISK_ID, 256)}


def assess(
    vm_doc: dict[str, Any],
    iv: dict[str, Any] | None,
    disks: dict[str, Any] | None = None,
    sub: SubscriptionFacts | None = None,
):
    facts = vm_facts(vm_doc, instance_view=iv, disks_by_id=DISKS if disks is None else disks)
    findings = BOOK.evaluate_vm(facts, sub)
    return facts, {f.rule: f.severity for f in findings}, verdict(findings, facts)


# -- status codes ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("ProvisioningState/failed/-2147024894", "failed"),
        ("ProvisioningState/failed/0", "failed"),
        ("ProvisioningState/failed/InternalOperationError", "failed"),
        ("ProvisioningState/succeeded", "succeeded"),
        ("ProvisioningState/Unavailable", "unavailable"),
        ("ProvisioningState/deleting", "deleting"),
        ("PowerState/running", None),
        ("ProvisioningState/", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_status_state_is_the_segment_after_provisioning_state(code: Any, state: str | None) -> None:
    assert status_state(code) == state


def test_healthy_real_shaped_vm_is_ready() -> None:
    facts, rules, result = assess(model(), view())
    assert rules == {} and result == "ready"
    assert facts.agent.status == "Ready" and facts.agent.handlers == 1 and facts.agent.instance_view is True
    assert facts.agent.backup_extension is not None and facts.agent.backup_extension.state == "succeeded"
    assert [d.size_gb for d in facts.disks] == [30, 256] and facts.allow_extension_operations is True


# -- extensions --------------------------------------------------------------------------------------------------
def test_failed_backup_extension_with_third_segment_is_a_blocker() -> None:
    iv = view()
    iv["extensions"][0]["statuses"] = [
        status(
            "ProvisioningState/failed/-2147024894",
            "Provisioning failed",
            "Error",
            "Snapshot operation failed due to no network connectivity on the virtual machine.",
        )
    ]
    facts, rules, result = assess(model(), iv)
    assert facts.agent.backup_extension.state == "failed"
    assert rules == {"vm-extension-failed": "blocker"} and result == "blocked"


def test_any_failed_extension_counts_not_only_the_backup_one() -> None:
    iv = view()
    iv["extensions"].append(
        {
            "name": "CustomScript",
            "type": "Microsoft.Azure.Extensions.CustomScript",
            "statuses": [status("ProvisioningState/failed/1", "Provisioning failed", "Error", "exit code 1")],
        }
    )
    _, rules, _ = assess(model(), iv)
    assert rules == {"vm-extension-failed": "blocker"}


def test_an_extension_only_the_agent_reports_is_read_from_its_handler() -> None:
    iv = view(extensions=[])
    iv["vmAgent"]["extensionHandlers"].append(
        {
            "type": "Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux",
            "typeHandlerVersion": "1.19",
            "status": status("ProvisioningState/deleting", "Deleting"),
        }
    )
    facts, rules, _ = assess(model(), iv)
    assert {e.name: e.state for e in facts.agent.extensions} == {
        "VMSnapshotLinux": "succeeded",
        "OmsAgentForLinux": "deleting",
    }
    assert rules == {"vm-extension-failed": "blocker"}


def test_transitioning_extension_is_not_a_failure() -> None:
    iv = view()
    iv["extensions"][0]["statuses"] = [status("ProvisioningState/transitioning", "Transitioning")]
    _, rules, result = assess(model(), iv)
    assert rules == {} and result == "ready"


# -- the agent as real ARM reports it ----------------------------------------------------------------------------
NEVER_REPORTED = {
    "vmAgentVersion": "Unknown",
    "statuses": [
        status(
            "ProvisioningState/Unavailable",
            "Not Ready",
            "Warning",
            "VM status blob is found but not yet populated.",
        )
    ],
}
UNRESPONSIVE = {
    "vmAgentVersion": "Unknown",
    "statuses": [
        status("ProvisioningState/Unavailable", "Not Ready", "Warning", "VM Agent is unresponsive.")
    ],
    "extensionHandlers": [
        {
            "type": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
            "typeHandlerVersion": "1.0.9225.0",
            "status": status("ProvisioningState/succeeded", "Ready"),
        }
    ],
}


def test_agent_that_never_reported_is_missing() -> None:
    _, rules, result = assess(model(), view(vmAgent=NEVER_REPORTED, extensions=[]))
    assert rules == {"vm-agent-missing": "blocker"} and result == "blocked"


def test_unresponsive_agent_is_not_ready() -> None:
    _, rules, result = assess(model(), view(vmAgent=UNRESPONSIVE))
    assert rules == {"vm-agent-not-ready": "blocker"} and result == "blocked"


def test_no_agent_provisioned_and_none_reports() -> None:
    vm = model(osProfile={"computerName": "x", "linuxConfiguration": {"provisionVMAgent": False}})
    _, rules, _ = assess(vm, view(vmAgent=NEVER_REPORTED, extensions=[]))
    assert rules == {"vm-agent-missing": "blocker"}


def test_failed_instance_view_read_is_unknown_never_agent_missing() -> None:
    facts = vm_facts(model(), instance_view=None, disks_by_id=DISKS)
    facts.agent.instance_view = False  # what the inventory does when the GET fails
    facts.unreadable.append(Unreadable("instance view", "(AuthorizationFailed) 403"))
    findings = BOOK.evaluate_vm(facts)
    assert findings == [] and verdict(findings, facts) == "unknown"


@pytest.mark.parametrize(("version", "fires"), [("2.2.53.1", False), ("2.2.52.9", True), ("2.15.0.1", False)])
def test_linux_agent_minimum(version: str, fires: bool) -> None:
    iv = view()
    iv["vmAgent"]["vmAgentVersion"] = version
    _, rules, _ = assess(model(), iv)
    assert ("vm-agent-outdated" in rules) is fires


# -- VM model and disk documents ---------------------------------------------------------------------------------
def test_provisioning_state_updating_is_a_warning() -> None:
    _, rules, result = assess(model(provisioningState="Updating"), view())
    assert rules == {"vm-updating": "warning"} and result == "warning"


def test_allow_extension_operations_false_blocks() -> None:
    vm = model()
    vm["properties"]["osProfile"]["allowExtensionOperations"] = False
    facts, rules, _ = assess(vm, view())
    assert facts.allow_extension_operations is False and rules == {"guest-extensions-disabled": "blocker"}


def test_unmanaged_vhd_disk() -> None:
    vm = model()
    vm["properties"]["storageProfile"]["dataDisks"] = [
        {
            "lun": 0,
            "name": "legacy",
            "createOption": "Attach",
            "diskSizeGB": 1023,
            "vhd": {"uri": "https://stlegacy.blob.core.windows.net/vhds/legacy.vhd"},
        }
    ]
    facts, rules, _ = assess(vm, view())
    assert facts.disks[1].managed is False and facts.disks[1].vhd_uri.endswith("legacy.vhd")
    assert rules == {"vm-unmanaged-disks": "blocker"}


def test_disk_resource_facts_data_access_auth_and_security_type() -> None:
    disks = dict(DISKS)
    disks[DATA_DISK_ID.lower()] = disk(
        DATA_DISK_ID,
        256,
        dataAccessAuthMode="AzureActiveDirectory",
        securityProfile={"securityType": "TrustedLaunch"},
    )
    facts, rules, _ = assess(model(), view(), disks)
    assert facts.disks[1].data_access_auth_mode == "AzureActiveDirectory"
    assert rules == {"vm-disk-data-access-auth": "blocker", "vm-data-disk-security-type": "blocker"}


def test_trusted_launch_is_a_note_and_confidential_vm_gets_its_prerequisites() -> None:
    tl = model(securityProfile={"securityType": "TrustedLaunch", "uefiSettings": {"secureBootEnabled": True}})
    _, rules, result = assess(tl, view())
    assert rules == {"vm-trusted-launch": "info"} and result == "ready"
    cvm = model(
        securityProfile={"securityType": "ConfidentialVM"}, hardwareProfile={"vmSize": "Standard_DC4as_v6"}
    )
    _, rules, result = assess(cvm, view())
    assert rules == {"vm-confidential-prerequisites": "warning"} and result == "warning"


def test_write_accelerator_on_the_os_disk_blocks() -> None:
    vm = model()
    vm["properties"]["storageProfile"]["osDisk"]["writeAcceleratorEnabled"] = True
    _, rules, _ = assess(vm, view())
    assert rules == {"vm-write-accelerator": "blocker"}


def test_a_64_tb_premium_v2_disk_is_supported() -> None:
    vm = model()
    vm["properties"]["storageProfile"]["dataDisks"][0]["diskSizeGB"] = 65536
    vm["properties"]["storageProfile"]["dataDisks"][0]["managedDisk"]["storageAccountType"] = "PremiumV2_LRS"
    _, rules, _ = assess(vm, view())
    assert rules == {"vm-requires-enhanced-policy": "warning"}


# -- wrong types: unknown, never a crash ---------------------------------------------------------------------------
def _mutated(path: list[str], value: Any, doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("where", "path", "value"),
    [
        ("model", ["properties", "storageProfile", "dataDisks"], "oops"),
        ("model", ["properties", "storageProfile"], ["not", "an", "object"]),
        ("model", ["properties"], "Succeeded"),
        ("model", ["properties", "storageProfile", "osDisk"], 7),
        ("view", ["vmAgent"], "Ready"),
        ("view", ["vmAgent", "statuses"], "ProvisioningState/succeeded"),
        ("view", ["extensions"], {"name": "VMSnapshotLinux"}),
        ("view", ["extensions", 0, "statuses"], "failed"),
        ("view", ["statuses"], None),
    ],
)
def test_wrong_types_make_the_fact_unknown(where: str, path: list[Any], value: Any) -> None:
    vm, iv = model(), view()
    if where == "model":
        vm = _mutated(path, value, vm)
    else:
        iv = _mutated(path, value, iv)
    facts = vm_facts(vm, instance_view=iv, disks_by_id=DISKS)
    findings = BOOK.evaluate_vm(facts)
    if value is None:  # a null list is the same as an absent one
        return
    assert facts.unreadable, facts
    assert verdict(findings, facts) == "unknown", (facts.unreadable, findings)
    assert "vm-agent-missing" not in {f.rule for f in findings}


def test_a_missing_properties_is_unknown() -> None:
    vm = {
        "id": VM_ID,
        "name": "vm-app-01",
        "type": "Microsoft.Compute/virtualMachines",
        "location": "westeurope",
    }
    facts = vm_facts(vm, instance_view=view(), disks_by_id={})
    assert any("properties is missing" in str(u) for u in facts.unreadable)
    assert verdict(BOOK.evaluate_vm(facts), facts) == "unknown"


def test_instance_view_of_the_wrong_type() -> None:
    facts = vm_facts(model(), instance_view=["x"], disks_by_id=DISKS)  # type: ignore[arg-type]
    assert facts.agent.instance_view is False and facts.unreadable
    assert "vm-agent-missing" not in {f.rule for f in BOOK.evaluate_vm(facts)}


def test_agent_facts_without_instance_view_keep_the_model_only() -> None:
    agent = agent_facts(model(), None)
    assert agent.provision_vm_agent is True and agent.instance_view is None and agent.status is None


# -- subscription and vault documents ------------------------------------------------------------------------------
def test_lock_from_the_spec_example_shape() -> None:
    doc = {  # ManagementLocks_ListAtSubscriptionLevel.json
        "properties": {"level": "ReadOnly"},
        "id": f"/subscriptions/{SUB}/resourceGroups/resourcegroupname/providers/Microsoft.Authorization/locks/testlock",
        "type": "Microsoft.Authorization/locks",
        "name": "testlock",
    }
    lock = lock_facts(doc)
    assert lock is not None and lock.level == "ReadOnly" and lock.name == "testlock"
    assert lock.scope == f"/subscriptions/{SUB}/resourceGroups/resourcegroupname"
    flat = lock_facts({"id": doc["id"], "name": "testlock", "level": "CanNotDelete"})  # msrest as_dict()
    assert flat is not None and flat.level == "CanNotDelete"
    assert lock_facts({"name": "no-id"}) is None


def test_lock_on_the_vm_group_blocks_the_vm() -> None:
    lock = lock_facts(
        {
            "id": f"{RG}/providers/Microsoft.Authorization/locks/keep",
            "name": "keep",
            "properties": {"level": "CanNotDelete"},
        }
    )
    sub = SubscriptionFacts(id=SUB, name="S", state="Enabled", locks=[lock])
    _, rules, result = assess(model(), view(), sub=sub)
    assert rules == {"vm-resource-lock": "blocker"} and result == "blocked"


def test_scale_set_and_policy_documents() -> None:
    vmss = scale_set_facts(
        {
            "id": f"{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web",
            "name": "vmss-web",
            "location": "westeurope",
            "sku": {"name": "Standard_D2s_v3", "tier": "Standard", "capacity": 3},
            "properties": {"orchestrationMode": "Uniform", "singlePlacementGroup": True},
        }
    )
    assert vmss is not None and vmss.orchestration_mode == "Uniform" and vmss.capacity == 3
    odd = scale_set_facts({"id": "/x/vmss", "sku": "big", "properties": "?"})
    assert odd is not None and odd.capacity is None and odd.orchestration_mode is None
    policy = policy_facts(
        {
            "id": f"{RG}/providers/Microsoft.RecoveryServices/vaults/rsv/backupPolicies/DefaultPolicy",
            "name": "DefaultPolicy",
            "properties": {
                "backupManagementType": "AzureIaasVM",
                "protectedItemsCount": 1000,
                "policyType": "V1",
            },
        }
    )
    assert policy is not None and policy.protected_items == 1000
    assert policy_facts({"id": "/x/p", "properties": {"backupManagementType": "AzureWorkload"}}) is None
