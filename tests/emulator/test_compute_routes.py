"""Microsoft.Compute routes of the emulator, through the SDK calls the product makes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from tests.conftest import read_request_log
from tests.sdk import Sdk
from tui.emulator import builders as b
from tui.emulator.routes.compute import PROBE_MARKER, PROBE_PREFIX

SUB = "20000000-0000-4000-8000-000000000001"
RG, RG2 = "rg-app", "rg-other"
PROBE = [PROBE_MARKER, "set -u", "echo probing"]


def compute_estate() -> dict[str, Any]:
    bare = b.virtual_machine(SUB, RG2, "vm-bare")  # a VM document stored without an instanceView
    del bare["properties"]["instanceView"]
    vmss = b.virtual_machine_scale_set(SUB, RG, "ss-web")
    resources = [
        b.resource_group(SUB, RG, "westeurope"),
        b.resource_group(SUB, RG2, "westeurope"),
        b.virtual_machine(
            SUB,
            RG,
            "vm-lin",
            os_name="ubuntu",
            os_version="22.04",
            extensions=[b.vmsnapshot_extension("Linux")],
            guest={"wireserver_32526": False, "proxy": "http://10.0.0.9:3128", "extensions_enabled": False},
        ),
        b.virtual_machine(
            SUB,
            RG,
            "vm-win",
            os_type="Windows",
            os_name="Windows Server 2022 Datacenter",
            guest={"dhcp": False},
        ),
        b.virtual_machine(SUB, RG, "vm-off", power_state="deallocated"),
        b.virtual_machine(SUB, RG, "vm-sick", agent="Not Ready", vmss_id=vmss["id"]),
        bare,
        vmss,
        b.managed_disk(
            SUB,
            RG,
            "vm-lin_OsDisk_1",
            os_type="Linux",
            managed_by=b.resource_id(SUB, RG, "Microsoft.Compute/virtualMachines", "vm-lin"),
        ),
        b.managed_disk(SUB, RG2, "data-1", sku="PremiumV2_LRS", size_gb=1024),
    ]
    return b.estate(
        b.tenant("72f988bf-0000-4000-8000-0000000000aa", "Contoso"), [b.subscription(SUB, "Prod")], resources
    )


@pytest.fixture
async def compute(make_emulator):
    emu = await make_emulator(compute_estate(), page_size=2)
    async with Sdk(emu) as sdk:
        yield emu, sdk.compute(SUB)


def _statuses(vm: Any) -> list[str]:
    return [s.code for s in vm.properties.instance_view.statuses]


async def test_list_all_pages_through_every_vm_without_instance_view(compute):
    emu, client = compute
    vms = [vm async for vm in client.virtual_machines.list_all()]
    assert sorted(vm.name for vm in vms) == ["vm-bare", "vm-lin", "vm-off", "vm-sick", "vm-win"]
    assert all(vm.properties.instance_view is None for vm in vms)  # plain lists never carry the instance view
    assert all(vm.properties.storage_profile.os_disk.os_type for vm in vms)
    pages = [r for r in read_request_log(emu) if r["path"].endswith("/virtualMachines")]
    assert len(pages) == 3  # 5 VMs at 2 per page, following nextLink
    assert all(p["query"]["api-version"] == "2026-04-01" for p in pages)


async def test_list_all_status_only_has_power_state_and_no_agent(compute):
    _, client = compute
    vms = {vm.name: vm async for vm in client.virtual_machines.list_all(status_only="true")}
    assert len(vms) == 5
    assert _statuses(vms["vm-lin"]) == ["ProvisioningState/succeeded", "PowerState/running"]
    assert _statuses(vms["vm-off"])[-1] == "PowerState/deallocated"
    assert _statuses(vms["vm-bare"]) == ["ProvisioningState/succeeded", "PowerState/running"]  # synthesized
    for vm in vms.values():
        iv = vm.properties.instance_view
        assert iv.vm_agent is None and iv.extensions is None and iv.disks is None
        assert vm.properties.storage_profile is None  # status only: no model
        assert vm.location == "westeurope"


async def test_list_all_expand_instance_view_needs_a_filter(compute):
    _, client = compute
    with pytest.raises(HttpResponseError) as e:
        [vm async for vm in client.virtual_machines.list_all(expand="instanceView")]
    assert e.value.status_code == 400 and e.value.error.code == "InvalidParameter"
    vmss_id = b.resource_id(SUB, RG, "Microsoft.Compute/virtualMachineScaleSets", "ss-web")
    vms = [
        vm
        async for vm in client.virtual_machines.list_all(
            filter=f"'virtualMachineScaleSet/id' eq '{vmss_id}'", expand="instanceView"
        )
    ]
    assert [vm.name for vm in vms] == ["vm-sick"]
    assert vms[0].properties.instance_view.vm_agent.statuses[0].display_status == "Not Ready"


async def test_list_by_resource_group_and_missing_group(compute):
    _, client = compute
    assert sorted([vm.name async for vm in client.virtual_machines.list(RG)]) == [
        "vm-lin",
        "vm-off",
        "vm-sick",
        "vm-win",
    ]
    assert [vm.name async for vm in client.virtual_machines.list("RG-OTHER")] == ["vm-bare"]
    with pytest.raises(ResourceNotFoundError) as e:
        [vm async for vm in client.virtual_machines.list("rg-missing")]
    assert e.value.error.code == "ResourceGroupNotFound"


async def test_get_with_and_without_instance_view(compute):
    _, client = compute
    plain = await client.virtual_machines.get(RG, "vm-win")
    assert plain.properties.instance_view is None
    assert plain.properties.storage_profile.os_disk.os_type == "Windows"
    full = await client.virtual_machines.get(RG, "VM-WIN", expand="instanceView")
    iv = full.properties.instance_view
    assert iv.os_name == "Windows Server 2022 Datacenter"
    assert iv.vm_agent.statuses[0].display_status == "Ready"
    assert _statuses(full)[-1] == "PowerState/running"


async def test_instance_view_stored_and_synthesized(compute):
    _, client = compute
    iv = await client.virtual_machines.instance_view(RG, "vm-lin")
    assert iv.vm_agent.vm_agent_version == b.LINUX_AGENT_VERSION
    assert [e.name for e in iv.extensions] == ["VMSnapshotLinux"]
    off = await client.virtual_machines.instance_view(RG, "vm-off")
    assert off.vm_agent is None and off.statuses[-1].code == "PowerState/deallocated"
    bare = await client.virtual_machines.instance_view(RG2, "vm-bare")
    assert [s.code for s in bare.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]


async def test_missing_vm_is_resource_not_found(compute):
    _, client = compute
    with pytest.raises(ResourceNotFoundError) as e:
        await client.virtual_machines.get(RG, "vm-nope")
    assert e.value.error.code == "ResourceNotFound"
    assert "Microsoft.Compute/virtualMachines/vm-nope" in e.value.error.message
    with pytest.raises(ResourceNotFoundError):
        await client.virtual_machines.instance_view(RG, "vm-nope")


async def test_disks_and_scale_sets(compute):
    _, client = compute
    disks = {d.name: d async for d in client.disks.list()}
    assert set(disks) == {"vm-lin_OsDisk_1", "data-1"}
    assert disks["data-1"].sku.name == "PremiumV2_LRS" and disks["data-1"].properties.disk_size_gb == 1024
    assert [d.name async for d in client.disks.list_by_resource_group(RG2)] == ["data-1"]
    assert (await client.disks.get(RG2, "data-1")).properties.disk_iops_read_write == 3000
    with pytest.raises(ResourceNotFoundError):
        await client.disks.get(RG2, "nope")
    sets = [s async for s in client.virtual_machine_scale_sets.list_all()]
    assert [(s.name, s.properties.orchestration_mode) for s in sets] == [("ss-web", "Flexible")]
    assert (await client.virtual_machine_scale_sets.get(RG, "ss-web")).sku.capacity == 2


# -- Run Command --------------------------------------------------------------------------------------
def _probe_json(text: str) -> dict[str, Any]:
    lines = [line for line in text.splitlines() if line.startswith(PROBE_PREFIX)]
    assert len(lines) == 1, text
    return json.loads(lines[0][len(PROBE_PREFIX) :])


async def _run(client: Any, vm: str, command_id: str, script: list[str]) -> Any:
    poller = await client.virtual_machines.begin_run_command(
        RG, vm, {"commandId": command_id, "script": script, "parameters": []}, polling_interval=0.05
    )
    return await poller.result()


async def test_run_command_probe_on_linux_and_windows(compute):
    _, client = compute
    lin, win = await asyncio.gather(
        _run(client, "vm-lin", "RunShellScript", PROBE),
        _run(client, "vm-win", "RunPowerShellScript", [PROBE_MARKER, "Write-Output probing"]),
    )
    # Linux: one status, the real service's "Enable succeeded" envelope around stdout and stderr.
    assert [s.code for s in lin.value] == ["ProvisioningState/succeeded"]
    message = lin.value[0].message
    assert message.startswith("Enable succeeded: \n[stdout]\n") and "\n[stderr]\n" in message
    assert _probe_json(message) == {
        "wireserver_80": True,
        "wireserver_32526": False,
        "wireserver_443": True,
        "dhcp": True,
        "extensions_enabled": False,
        "provisioning_agent": "auto",
        "proxy": "http://10.0.0.9:3128",
        "os": "Linux",
    }
    # Windows: the StdOut / StdErr pair; extensions_enabled is null on Windows.
    assert [s.code for s in win.value] == [
        "ComponentStatus/StdOut/succeeded",
        "ComponentStatus/StdErr/succeeded",
    ]
    assert _probe_json(win.value[0].message) == {
        "wireserver_80": True,
        "wireserver_32526": True,
        "wireserver_443": True,
        "dhcp": False,
        "extensions_enabled": None,
        "provisioning_agent": None,
        "proxy": None,
        "os": "Windows",
    }
    assert win.value[1].message == ""


async def test_run_command_other_scripts_are_not_run(compute):
    _, client = compute
    result = await _run(client, "vm-lin", "RunShellScript", ["cat /etc/os-release"])
    message = result.value[0].message
    assert PROBE_PREFIX not in message
    stdout, stderr = message.split("\n[stderr]\n")
    assert stdout == "Enable succeeded: \n[stdout]\n"
    assert "only the vmbackup-prep probe" in stderr


async def test_run_command_wire_flow_is_async_operation_then_location(compute):
    emu, client = compute
    await _run(client, "vm-win", "RunPowerShellScript", [PROBE_MARKER])
    log = read_request_log(emu)
    post = next(r for r in log if r["method"] == "POST")
    polls = [r for r in log if "/locations/westeurope/operations/" in r["path"]]
    assert post["status"] == 202
    assert any(
        p["query"].get("monitor") == "true" and p["status"] == 200 for p in polls
    )  # final GET on Location
    assert all(p["query"].get("api-version") == "2026-04-01" for p in polls)


async def test_run_command_refusals(compute):
    _, client = compute
    body = {"commandId": "RunShellScript", "script": PROBE}
    with pytest.raises(HttpResponseError) as e:  # shell script on Windows
        await client.virtual_machines.begin_run_command(RG, "vm-win", body)
    assert e.value.status_code == 400 and e.value.error.code == "InvalidParameter"
    with pytest.raises(HttpResponseError) as e:  # PowerShell on Linux
        await client.virtual_machines.begin_run_command(
            RG, "vm-lin", {**body, "commandId": "RunPowerShellScript"}
        )
    assert e.value.status_code == 400
    with pytest.raises(ResourceExistsError) as e:  # deallocated
        await client.virtual_machines.begin_run_command(RG, "vm-off", body)
    assert e.value.status_code == 409 and e.value.error.code == "OperationNotAllowed"
    assert "deallocated" in e.value.error.message
    with pytest.raises(ResourceNotFoundError):
        await client.virtual_machines.begin_run_command(RG, "vm-nope", body)


async def test_run_command_agent_not_ready_fails_and_second_run_conflicts(compute):
    _, client = compute

    async def agent_not_ready() -> HttpResponseError:
        with pytest.raises(HttpResponseError) as e:
            await _run(client, "vm-sick", "RunShellScript", PROBE)
        return e.value

    async def second_run_conflicts() -> None:
        body = {"commandId": "RunShellScript", "script": PROBE}
        first = await client.virtual_machines.begin_run_command(RG, "vm-lin", body, polling_interval=0.05)
        with pytest.raises(ResourceExistsError) as e:  # one run command per VM at a time
            await client.virtual_machines.begin_run_command(RG, "vm-lin", body)
        assert e.value.status_code == 409 and e.value.error.code == "Conflict"
        assert "in progress" in e.value.error.message
        assert _probe_json((await first.result()).value[0].message)["os"] == "Linux"
        again = await _run(client, "vm-lin", "RunShellScript", PROBE)  # free again once the first ended
        assert again.value[0].code == "ProvisioningState/succeeded"

    failed, _ = await asyncio.gather(agent_not_ready(), second_run_conflicts())
    assert failed.error.code == "VMAgentStatusCommunicationError"
    assert "vm-sick" in failed.error.message
