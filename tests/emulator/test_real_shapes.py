"""The emulator returns what real ARM returns (facts §0 "Real wire shapes"), seen through the real SDK.

Each test here failed on the emulator before issue 8: it answered shapes real Azure never sends.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sdk import Sdk
from tui.emulator import builders as b
from tui.emulator.estate import EstateError, parse_estate

SUB = "21000000-0000-4000-8000-000000000001"
RG = "RG-Shapes"


def _disk(name: str, **kw: Any) -> dict[str, Any]:
    return b.managed_disk(SUB, RG, name, **kw)


def shapes_estate() -> dict[str, Any]:
    uniform = b.virtual_machine_scale_set(SUB, RG, "ss-uni", orchestration_mode="Uniform", capacity=2)
    flex = b.virtual_machine_scale_set(SUB, RG, "ss-flex", orchestration_mode="Flexible", capacity=1)
    failing = b.vm_extension(
        "CustomScriptExtension",
        "Microsoft.Compute",
        "CustomScriptExtension",
        "1.10.18",
        state="failed",
        failure_code="-2147024894",
        message="Command execution finished, but failed.",
    )
    deleting = b.vm_extension(
        "DependencyAgentLinux",
        "Microsoft.Azure.Monitoring.DependencyAgent",
        "DependencyAgentLinux",
        "9.10.19",
        state="deleting",
    )
    resources = [
        b.resource_group(SUB, RG, "westeurope"),
        b.virtual_machine(SUB, RG, "vm-noagent", agent=None, provision_vm_agent=False),
        b.virtual_machine(
            SUB, RG, "vm-silent", agent="Unresponsive", extensions=[b.vmsnapshot_extension("Linux")]
        ),
        b.virtual_machine(SUB, RG, "vm-ext", extensions=[failing, deleting]),
        b.virtual_machine(SUB, RG, "vm-failed", provisioning_state="Failed", extensions=[failing]),
        b.virtual_machine(SUB, RG, "vm-updating", provisioning_state="Updating"),
        b.virtual_machine(SUB, RG, "vm-locked-ext", allow_extension_operations=False),
        b.virtual_machine(
            SUB, RG, "vm-m", os_disk_spec=b.os_disk("vm-m-os", "Linux", disk_id="x", write_accelerator=True)
        ),
        b.virtual_machine(SUB, RG, "vm-flex", vmss_id=flex["id"]),
        uniform,
        flex,
        b.scale_set_vm(SUB, RG, "ss-uni", 0),
        b.scale_set_vm(SUB, RG, "ss-uni", 1, agent="Unresponsive"),
        _disk("d-aad", data_access_auth_mode="AzureActiveDirectory"),
        _disk("d-tl", security_type="TrustedLaunch"),
    ]
    return b.estate(
        b.tenant("72f988bf-0000-4000-8000-0000000000ab", "Contoso"), [b.subscription(SUB, "Prod")], resources
    )


@pytest.fixture
async def compute(make_emulator):
    emu = await make_emulator(shapes_estate(), page_size=3)
    async with Sdk(emu) as sdk:
        yield sdk.compute(SUB)


async def test_running_vm_whose_agent_never_reported_still_has_a_vm_agent(compute):
    iv = await compute.virtual_machines.instance_view(RG, "vm-noagent")
    agent = iv.vm_agent
    assert agent is not None and agent.vm_agent_version == "Unknown"
    (status,) = agent.statuses
    assert (status.code, status.level, status.display_status) == (
        "ProvisioningState/Unavailable",
        "Warning",
        "Not Ready",
    )
    assert status.message == "VM status blob is found but not yet populated."
    assert not agent.extension_handlers
    assert iv.os_name is None  # nothing from the guest


async def test_unresponsive_agent_says_so_and_keeps_its_handlers(compute):
    agent = (await compute.virtual_machines.instance_view(RG, "vm-silent")).vm_agent
    assert agent.statuses[0].message == "VM Agent is unresponsive."
    assert [h.type for h in agent.extension_handlers] == ["Microsoft.Azure.RecoveryServices.VMSnapshotLinux"]


async def test_failed_states_carry_a_third_segment(compute):
    iv = await compute.virtual_machines.instance_view(RG, "vm-ext")
    codes = {e.name: e.statuses[0].code for e in iv.extensions}
    assert codes == {
        "CustomScriptExtension": "ProvisioningState/failed/-2147024894",
        "DependencyAgentLinux": "ProvisioningState/deleting",
    }
    handler = next(h for h in iv.vm_agent.extension_handlers if h.type.endswith("CustomScriptExtension"))
    assert handler.status.code == "ProvisioningState/failed/-2147024894"
    vm = await compute.virtual_machines.get(RG, "vm-ext")
    states = {r.name: r.properties.provisioning_state for r in vm.resources}
    assert states == {"CustomScriptExtension": "Failed", "DependencyAgentLinux": "Deleting"}
    failed = await compute.virtual_machines.instance_view(RG, "vm-failed")
    assert failed.statuses[0].code == "ProvisioningState/failed/VMExtensionProvisioningError"
    updating = await compute.virtual_machines.get(RG, "vm-updating", expand="instanceView")
    assert updating.properties.provisioning_state == "Updating"
    assert updating.properties.instance_view.statuses[0].code == "ProvisioningState/updating"


async def test_model_flags_round_trip(compute):
    locked = await compute.virtual_machines.get(RG, "vm-locked-ext")
    assert locked.properties.os_profile.allow_extension_operations is False
    m = await compute.virtual_machines.get(RG, "vm-m")
    assert m.properties.storage_profile.os_disk.write_accelerator_enabled is True
    aad = await compute.disks.get(RG, "d-aad")
    assert aad.properties.data_access_auth_mode == "AzureActiveDirectory"
    tl = await compute.disks.get(RG, "d-tl")
    assert tl.properties.security_profile.security_type == "TrustedLaunch"


async def test_uniform_instances_only_under_their_scale_set(compute):
    listed = {v.name async for v in compute.virtual_machines.list_all()}
    assert "vm-flex" in listed  # Flexible members stay in the VM list
    assert not any(n.startswith("ss-uni") for n in listed)
    in_group = {v.name async for v in compute.virtual_machines.list(RG)}
    assert not any(n.startswith("ss-uni") for n in in_group)
    instances = [v async for v in compute.virtual_machine_scale_set_vms.list(RG, "ss-uni")]
    assert [(v.name, v.instance_id) for v in instances] == [("ss-uni_0", "0"), ("ss-uni_1", "1")]
    assert instances[0].id.endswith("/virtualMachineScaleSets/ss-uni/virtualMachines/0")
    assert instances[0].properties.instance_view is None  # a plain list, as the real one
    one = await compute.virtual_machine_scale_set_vms.get(RG, "ss-uni", "1", expand="instanceView")
    assert one.properties.instance_view.vm_agent.statuses[0].message == "VM Agent is unresponsive."


def test_estate_refuses_a_uniform_instance_listed_as_a_virtual_machine():
    doc = shapes_estate()
    uniform = next(r for r in doc["resources"] if r["name"] == "ss-uni")
    doc["resources"].append(b.virtual_machine(SUB, RG, "ss-uni_7", vmss_id=uniform["id"]))
    with pytest.raises(EstateError) as e:
        parse_estate(doc)
    assert "Uniform scale set ss-uni" in str(e.value)
    assert "/virtualMachineScaleSets/ss-uni/virtualMachines/<instanceId>" in str(e.value)


def test_provisioning_status_formats():
    assert b.provisioning_status("failed")["code"] == "ProvisioningState/failed/0"
    assert b.provisioning_status("Failed", failure_code="InternalOperationError")["code"] == (
        "ProvisioningState/failed/InternalOperationError"
    )
    assert b.provisioning_status("Succeeded")["displayStatus"] == "Provisioning succeeded"
    assert b.provisioning_status("Updating")["code"] == "ProvisioningState/updating"
    with pytest.raises(ValueError):
        b.vm_instance_view(computer_name="x", os_name=None, os_version=None, agent="Sleepy")
