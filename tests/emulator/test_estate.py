"""The estate loader: valid estates load into indexes; malformed ones say what is wrong and where."""

from __future__ import annotations

import json

import pytest

from tests.emulator.estates import SUB_OK, base_estate
from tui.emulator.estate import EstateError, load_estate, parent_of, parse_estate, resource_type_of


def _vm(name: str, rg: str = "rg-0", sub: str = SUB_OK, **extra) -> dict:
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
        "name": name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": "westeurope",
        "properties": {"provisioningState": "Succeeded"},
        **extra,
    }


def test_demo_estate_loads_and_strips_emulator_only_fields(demo_estate_doc):
    estate = parse_estate(demo_estate_doc)
    assert len(estate.subscriptions) >= 3
    vms = [d for s in estate.subscriptions for d in estate.list(s, "Microsoft.Compute/virtualMachines")]
    assert vms, "the demo estate has VMs"
    assert all("x-emulator" not in vm for vm in vms)
    assert estate.guest, "guest facts from x-emulator.guest are kept aside"


def test_lookup_is_case_insensitive_and_groups_are_implicit():
    estate = parse_estate(base_estate(extra=[_vm("web-1", rg="rg-implicit")]))
    vm_id = f"/SUBSCRIPTIONS/{SUB_OK}/resourcegroups/RG-IMPLICIT/providers/microsoft.compute/virtualmachines/WEB-1"
    assert estate.get(vm_id)["name"] == "web-1"
    assert estate.get(f"/subscriptions/{SUB_OK}/resourceGroups/rg-implicit")["location"] == "westeurope"
    assert [d["name"] for d in estate.list(SUB_OK, "microsoft.compute/virtualmachines", "RG-IMPLICIT")] == [
        "web-1"
    ]


def test_guest_facts_default_and_override():
    estate = parse_estate(
        base_estate(extra=[_vm("a"), _vm("b", **{"x-emulator": {"guest": {"dhcp": False}}})])
    )
    a = estate.guest_facts(
        f"/subscriptions/{SUB_OK}/resourceGroups/rg-0/providers/Microsoft.Compute/virtualMachines/a"
    )
    b = estate.guest_facts(
        f"/subscriptions/{SUB_OK}/resourceGroups/rg-0/providers/Microsoft.Compute/virtualMachines/B"
    )
    assert a["dhcp"] is True and b["dhcp"] is False and b["wireserver_80"] is True


def test_nested_types_and_parents():
    vault = f"/subscriptions/{SUB_OK}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v"
    item = f"{vault}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg;vm/protectedItems/VM;iaasvmcontainerv2;rg;vm"
    assert (
        resource_type_of(item)
        == "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems"
    )
    assert parent_of(vault) == f"/subscriptions/{SUB_OK}/resourceGroups/rg"
    assert parent_of(f"{vault}/backupPolicies/DefaultPolicy") == vault


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="v0"), 'format: must be "vmbackup-prep/estate/v1"'),
        (lambda d: d.pop("tenant"), "tenant: must be an object"),
        (lambda d: d.update(subscriptions=[]), "subscriptions: must be a non-empty list"),
        (
            lambda d: d["subscriptions"][0].update(state="Sleeping"),
            "subscriptions[0].state: 'Sleeping' is not one of",
        ),
        (
            lambda d: d["subscriptions"][1]["x-emulator"].update(
                providers={"Microsoft.RecoveryServices": "Maybe"}
            ),
            "subscriptions[1].x-emulator.providers.Microsoft.RecoveryServices: 'Maybe'",
        ),
        (
            lambda d: d["subscriptions"][2]["x-emulator"].update(access="sometimes"),
            "x-emulator.access: 'sometimes'",
        ),
        (
            lambda d: d["resources"].append({"id": "/providers/x", "name": "x", "type": "t"}),
            "resources[1].id: must be an ARM id",
        ),
        (
            lambda d: d["resources"].append(_vm("vm", sub="99999999-0000-4000-8000-000000000000")),
            "subscription 99999999-0000-4000-8000-000000000000 is not listed",
        ),
        (lambda d: d["resources"].append({**_vm("vm"), "name": "other"}), "does not match the last segment"),
        (
            lambda d: d["resources"].append({**_vm("vm"), "type": "Microsoft.Compute/disks"}),
            "\"type\" must be 'Microsoft.Compute/virtualMachines'",
        ),
        (lambda d: d["resources"].extend([_vm("vm"), _vm("VM")]), "appears twice"),
        (
            lambda d: d["resources"].append({**_vm("vm"), "x-emulator": {"guest": {"dhcpp": False}}}),
            "unknown keys ['dhcpp']",
        ),
    ],
)
def test_malformed_estates_name_the_place_and_the_problem(mutate, message):
    doc = base_estate()
    mutate(doc)
    with pytest.raises(EstateError) as e:
        parse_estate(doc, source="my-estate.json")
    assert str(e.value).startswith("my-estate.json: ")
    assert message in str(e.value)


def test_load_reports_json_syntax_errors_with_line_and_column(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "format": "vmbackup-prep/estate/v1",\n  "tenant": {,\n}', encoding="utf-8")
    with pytest.raises(EstateError, match=r"bad.json: not valid JSON at line 3, column 14"):
        load_estate(bad)
    with pytest.raises(EstateError, match="no such estate file"):
        load_estate(tmp_path / "missing.json")


async def test_estate_file_is_never_modified_by_writes(tmp_path, monkeypatch):
    from tests.sdk import Sdk
    from tui.emulator import EmulatorConfig, running

    path = tmp_path / "e.json"
    path.write_text(json.dumps(base_estate()), encoding="utf-8")
    before = path.read_bytes()
    async with running(path, EmulatorConfig()) as emu:
        monkeypatch.setenv("IDENTITY_ENDPOINT", emu.info["identity_endpoint"])
        monkeypatch.setenv("IDENTITY_HEADER", emu.info["identity_header"])
        async with Sdk(emu) as sdk:
            await sdk.resources(SUB_OK).resource_groups.create_or_update("rg-new", {"location": "westeurope"})
        assert (
            emu.estate.get(f"/subscriptions/{SUB_OK}/resourceGroups/rg-new") is not None
        )  # the write landed
    assert path.read_bytes() == before  # ...in memory only
