"""Conformance: the emulator's documents have the shape of the real-shaped corpus (tests/fixtures/real).

For each situation the emulator is given the same facts (through the builders) and asked through the real
SDK pipeline (``send_request`` on the async clients: real TLS, real token). Compared: every key the real
document has (recursively; values such as ids and times are ignored), the status-code format
(``ProvisioningState/failed/<code>``), the casing of names and ids, HTTP status codes and LRO headers.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest

from tests.sdk import Sdk
from tui.emulator import builders as b

REAL = Path(__file__).parent / "fixtures" / "real"
SUB = "b1f4e0a2-5c3d-4e6f-8a9b-0c1d2e3f4a5b"
RG, VRG = "Fabrikam-Apps", "Fabrikam-Backup"
COMPUTE_API, BACKUP_API, VAULT_API = "2026-04-01", "2026-10-01", "2026-11-01"
UBUNTU = b.image_reference("Canonical", "ubuntu-24_04-lts", "server", exact_version="24.04.202609090")
WINDOWS = b.image_reference(
    "MicrosoftWindowsServer", "WindowsServer", "2022-Datacenter", exact_version="20348.5256"
)
LOCK_FIXTURES = ("locked-resource-group", "lock-on-restore-point-group")
LOCKS_API = "2020-05-01"  # what azure-mgmt-resource-locks 1.0 sends


def fixture(stem: str) -> dict[str, Any]:
    return json.loads((REAL / f"{stem}.json").read_text(encoding="utf-8"))


# -- the comparison: small and general ----------------------------------------------------------------------
def key_paths(doc: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON document; list items merge under ``[]`` (their union is the list's shape)."""
    out: set[str] = set()
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.add(f"{prefix}.{k}")
            if k not in ("tags", "settings"):  # user data, not shape
                out |= key_paths(v, f"{prefix}.{k}")
    elif isinstance(doc, list):
        for item in doc:
            out |= key_paths(item, f"{prefix}[]")
    return out


def assert_same_shape(real: Any, emulated: Any, what: str) -> None:
    missing = sorted(key_paths(real) - key_paths(emulated))
    assert not missing, f"{what}: the emulator lacks keys real ARM returns: {missing}"


def code_shapes(doc: Any) -> set[str]:
    """Status codes with the failure code abstracted: ``ProvisioningState/failed/<code>``."""
    codes = {m for m in re.findall(r'"code": "((?:ProvisioningState|PowerState)/[^"]*)"', json.dumps(doc))}
    return {re.sub(r"^(ProvisioningState/failed)/.+$", r"\1/<code>", c) for c in codes}


def agent_messages(iv: dict[str, Any]) -> list[str]:
    return [s.get("message") for s in (iv.get("vmAgent") or {}).get("statuses", [])]


# -- the emulator side ---------------------------------------------------------------------------------------
def disk_id(name: str) -> str:
    return b.resource_id(SUB, RG, "Microsoft.Compute/disks", name)


def managed(name: str, lun: int, sku: str = "Premium_LRS", size: int = 128, **disk: Any) -> tuple[Any, Any]:
    """(data disk entry, disk resource) for a managed data disk."""
    caching = "None" if sku in ("PremiumV2_LRS", "UltraSSD_LRS") or disk.get("wa") else "ReadOnly"
    entry = b.data_disk(
        lun,
        name,
        disk_id=disk_id(name),
        size_gb=size,
        storage_account_type=sku,
        caching=caching,
        write_accelerator=bool(disk.pop("wa", False)),
    )
    return entry, b.managed_disk(SUB, RG, name, sku=sku, size_gb=size, **disk)


EXT_CSE = b.vm_extension(
    "CustomScript",
    "Microsoft.Azure.Extensions",
    "CustomScript",
    "2.1.10",
    state="failed",
    failure_code="1",
    message="Enable failed",
)
EXT_DEL = b.vm_extension(
    "DependencyAgentLinux",
    "Microsoft.Azure.Monitoring.DependencyAgent",
    "DependencyAgentLinux",
    "9.10.19",
    state="deleting",
)
EXT_MON = b.vm_extension(
    "AzureMonitorLinuxAgent", "Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", "1.33.2"
)
EXT_BGI = b.vm_extension("BGInfo", "Microsoft.Compute", "BGInfo", "2.2.5")
FLEX_ID = b.resource_id(SUB, RG, "Microsoft.Compute/virtualMachineScaleSets", "vmss-flex")

# situation -> (virtual_machine keywords, [(data disk entry, disk resource)])
VM_CASES: dict[str, tuple[dict[str, Any], list[tuple[Any, Any]]]] = {
    "extension-failed-third-segment": ({"extensions": [EXT_CSE]}, []),
    "vmsnapshot-failed": ({"extensions": [b.vmsnapshot_extension("Linux", failed=True)]}, []),
    "extension-stuck-deleting": ({"extensions": [EXT_DEL]}, []),
    "agent-never-reported": ({"agent": None}, []),
    "agent-unresponsive": ({"agent": "Unresponsive", "extensions": [EXT_MON]}, []),
    "agent-old-linux": ({"agent_version": "2.2.49.2"}, []),
    "agent-old-windows": ({"os_type": "Windows", "agent_version": "2.6.1198.600"}, []),
    "healthy-windows": ({"os_type": "Windows", "extensions": [EXT_BGI]}, []),
    "healthy-linux": ({}, []),
    "vm-stopped": ({"power_state": "stopped"}, []),
    "vm-deallocated": ({"power_state": "deallocated"}, []),
    "vm-updating": ({"provisioning_state": "Updating"}, []),
    "vm-failed": (
        {
            "provisioning_state": "Failed",
            "provisioning_failure_code": "OSProvisioningTimedOut",
            "provisioning_message": "OS Provisioning did not finish in the allotted time.",
        },
        [],
    ),
    "allow-extension-operations-false": ({"allow_extension_operations": False}, []),
    "trusted-launch": ({"security_type": "TrustedLaunch"}, []),
    "confidential-vm-v6": (
        {
            "security_type": "ConfidentialVM",
            "vm_size": "Standard_DC4as_v6",
            "os_disk": {"security_encryption_type": "DiskWithVMGuestState"},
        },
        [],
    ),
    "flexible-scale-set-vm": ({"vmss_id": FLEX_ID}, []),
    "unmanaged-disks": (
        {
            "os_disk": {"vhd": True},
            "data_disks": [
                b.data_disk(0, "vm-vhd-data0", vhd_uri="https://fabstdvhds.blob.core.windows.net/vhds/d0.vhd")
            ],
        },
        [],
    ),
    "write-accelerator-os-disk": ({"os_disk": {"write_accelerator": True}}, []),
    "write-accelerator-data-disk": ({}, [managed("vm-hana2-log", 0, wa=True)]),
    "disk-data-access-auth": ({}, [managed("vm-aad-data0", 0, data_access_auth_mode="AzureActiveDirectory")]),
    "data-disk-security-type": ({}, [managed("vm-dsec-data0", 0, security_type="TrustedLaunch")]),
    "ephemeral-os-disk": ({"os_disk": {"ephemeral": True}}, []),
    "shared-disk": ({}, [managed("vm-clu-data0", 0, max_shares=2)]),
    "premium-ssd-v2-disk": ({}, [managed("vm-pg-data0", 0, "PremiumV2_LRS", 1024)]),
    "disk-40tb": ({}, [managed("vm-big40-data0", 0, "PremiumV2_LRS", 40960)]),
    "disk-70tb": ({}, [managed("vm-big70-data0", 0, "UltraSSD_LRS", 71680)]),
}


def vm_doc(name: str, kw: dict[str, Any], data: list[tuple[Any, Any]]) -> dict[str, Any]:
    kw = dict(kw)
    os_type = kw.pop("os_type", "Linux")
    spec = kw.pop("os_disk", {})
    vhd = spec.pop("vhd", False)
    os_disk = b.os_disk(
        f"{name}_OsDisk_1",
        os_type,
        disk_id=None if vhd else disk_id(f"{name}_OsDisk_1"),
        vhd_uri=f"https://fabstdvhds.blob.core.windows.net/vhds/{name}.vhd" if vhd else None,
        **spec,
    )
    return b.virtual_machine(
        SUB,
        RG,
        name,
        os_type=os_type,
        image=UBUNTU if os_type == "Linux" else WINDOWS,
        os_disk_spec=os_disk,
        os_name="ubuntu" if os_type == "Linux" else "Windows Server 2022 Datacenter",
        os_version="24.04",
        data_disks=kw.pop("data_disks", [d for d, _ in data]),
        nic_ids=[b.resource_id(SUB, RG, "Microsoft.Network/networkInterfaces", f"{name}-nic")],
        **kw,
    )


def estate(*resources: dict[str, Any], subs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return b.estate(
        b.tenant("9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a", "Fabrikam"),
        subs or [b.subscription(SUB, "Fabrikam Prod")],
        [b.resource_group(SUB, RG, "westeurope"), b.resource_group(SUB, VRG, "westeurope"), *resources],
    )


async def call(
    client: Any, method: str, path: str, api: str, body: Any = None
) -> tuple[int, dict[str, str], Any]:
    """One request through the SDK client's own pipeline; (status, headers, JSON body or None)."""
    sep = "&" if "?" in path else "?"
    url = f"{path}{sep}api-version={api}"
    request = HttpRequest(method, url) if body is None else HttpRequest(method, url, json=body)
    response = await client.send_request(request)  # not streamed: the body is already read
    text = response.text()
    return response.status_code, dict(response.headers), json.loads(text) if text else None


# -- VM situations -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stem", sorted(VM_CASES))
async def test_vm_documents_have_the_real_shape(make_emulator, stem):
    real = fixture(stem)["documents"]
    name = real["virtualMachine"]["name"]
    kw, data = VM_CASES[stem]
    vm = vm_doc(name, kw, data)
    emu = await make_emulator(estate(vm, *({**d, "managedBy": vm["id"]} for _, d in data)))
    async with Sdk(emu) as sdk:
        compute = sdk.compute(SUB)
        vm_path = b.resource_id(SUB, RG, "Microsoft.Compute/virtualMachines", name)
        status, _, vm = await call(compute, "GET", vm_path, COMPUTE_API)
        _, _, iv = await call(compute, "GET", f"{vm_path}/instanceView", COMPUTE_API)
        disks = [(await call(compute, "GET", d["id"], COMPUTE_API))[2] for d in real.get("disks", [])]
    assert status == 200
    assert_same_shape(real["virtualMachine"], vm, f"{stem}: virtual machine")
    assert_same_shape(real["instanceView"], iv, f"{stem}: instance view")
    assert code_shapes(iv) == code_shapes(real["instanceView"]), stem
    assert agent_messages(iv) == agent_messages(real["instanceView"]), stem
    for want, got in zip(real.get("disks", []), disks, strict=True):
        assert_same_shape(want, got, f"{stem}: disk {want['name']}")


# -- scale sets, subscriptions, providers --------------------------------------------------------------------
async def test_uniform_scale_set_and_its_instances(make_emulator):
    real = fixture("uniform-scale-set")["documents"]
    uniform = b.virtual_machine_scale_set(SUB, RG, "vmss-front", orchestration_mode="Uniform", capacity=2)
    nic = f"{uniform['id']}/virtualMachines/{{}}/networkInterfaces/nic"
    instances = [
        b.scale_set_vm(SUB, RG, "vmss-front", i, image=UBUNTU, nic_ids=[nic.format(i)]) for i in range(2)
    ]
    emu = await make_emulator(estate(uniform, *instances))
    async with Sdk(emu) as sdk:
        compute = sdk.compute(SUB)
        _, _, sets = await call(
            compute,
            "GET",
            f"/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachineScaleSets",
            COMPUTE_API,
        )
        _, _, listed = await call(compute, "GET", f"{uniform['id']}/virtualMachines", COMPUTE_API)
        _, _, vms = await call(
            compute, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines", COMPUTE_API
        )
    assert_same_shape(real["scaleSets"], sets["value"], "scale set")
    assert_same_shape(real["scaleSetInstances"], listed["value"], "scale set instances")
    assert [v["name"] for v in listed["value"]] == [v["name"] for v in real["scaleSetInstances"]]
    assert vms["value"] == real["virtualMachines"] == []  # instances never in the VM list
    assert sets["value"][0]["sku"]["capacity"] == fixture("uniform-scale-set")["expected"]["instance_count"]


@pytest.mark.parametrize("stem", ["subscription-pastdue", "subscription-warned"])
async def test_subscription_states(make_emulator, stem):
    real = fixture(stem)["documents"]["subscriptions"][0]
    emu = await make_emulator(estate(subs=[b.subscription(SUB, real["displayName"], state=real["state"])]))
    async with Sdk(emu) as sdk:
        _, _, listed = await call(sdk.resources(SUB), "GET", "/subscriptions", "2016-06-01")
    (got,) = listed["value"]
    assert_same_shape(real, got, stem)
    assert got["state"] == real["state"]


async def test_provider_not_registered(make_emulator):
    real = fixture("provider-not-registered")["documents"]["provider"]
    subs = [b.subscription(SUB, "Fabrikam Prod", providers={"Microsoft.RecoveryServices": "NotRegistered"})]
    emu = await make_emulator(estate(subs=subs))
    async with Sdk(emu) as sdk:
        status, _, got = await call(
            sdk.resources(SUB),
            "GET",
            f"/subscriptions/{SUB}/providers/Microsoft.RecoveryServices",
            "2025-04-01",
        )
    assert status == 200 and got["registrationState"] == "NotRegistered"
    assert {"id", "namespace", "registrationState"} <= set(got)
    assert got["namespace"] == real["namespace"]


@pytest.mark.parametrize("stem", LOCK_FIXTURES)
async def test_locks_listed_per_subscription_as_azure_lists_them(make_emulator, stem):
    real = fixture(stem)["documents"]["locks"]
    locks = []
    for want in real:
        scope = want["id"][: want["id"].lower().rindex("/providers/microsoft.authorization/locks/")]
        locks.append(
            b.management_lock(
                scope, want["name"], want["properties"]["level"], want["properties"].get("notes")
            )
        )
    emu = await make_emulator(estate(*locks))
    async with Sdk(emu) as sdk:
        status, _, listed = await call(
            sdk.resources(SUB),
            "GET",
            f"/subscriptions/{SUB}/providers/Microsoft.Authorization/locks",
            LOCKS_API,
        )
    assert status == 200
    assert_same_shape(real, listed["value"], f"{stem}: locks")
    assert [(x["id"], x["type"], x["name"]) for x in listed["value"]] == [
        (x["id"], x["type"], x["name"]) for x in real
    ]  # ids keep their case; the type is Microsoft.Authorization/locks


# -- Recovery Services ---------------------------------------------------------------------------------------
def backup_estate(
    *extra: dict[str, Any], location: str = "westeurope", redundancy: str = "GeoRedundant"
) -> dict[str, Any]:
    vault = b.recovery_services_vault(SUB, VRG, "rsv-fab-weu", location=location, redundancy=redundancy)
    return estate(vault, b.backup_policy(vault["id"]), b.backup_policy(vault["id"], "EnhancedPolicy"), *extra)


VAULT = b.resource_id(SUB, VRG, "Microsoft.RecoveryServices/vaults", "rsv-fab-weu")
VM_OK = b.resource_id(SUB, RG, "Microsoft.Compute/virtualMachines", "vm-lin-ok")
KEY = f"iaasvmcontainerv2;{RG};vm-lin-ok"


async def refresh(client: Any) -> None:
    _, headers, _ = await call(client, "POST", f"{VAULT}/backupFabrics/Azure/refreshContainers", BACKUP_API)
    for _ in range(100):
        status, _, _ = await call(client, "GET", headers["Location"].split("?")[0], BACKUP_API)
        if status == 204:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("refresh did not finish")


async def test_protectable_items_named_and_cased_as_azure(make_emulator):
    real = fixture("protectable-items-list")
    emu = await make_emulator(backup_estate(vm_doc("vm-lin-ok", {}, [])))
    async with Sdk(emu) as sdk:
        backup = sdk.backup(SUB)
        await refresh(backup)
        _, _, listed = await call(backup, "GET", f"{VAULT}/backupProtectableItems", BACKUP_API)
    (got,) = listed["value"]
    assert_same_shape(real["documents"]["protectableItems"][0], got, "protectable item")
    names = real["expected"]["names"]
    assert got["name"] == names["name"]
    assert got["id"].endswith(f"/protectionContainers/{names['container']}/protectableItems/{names['item']}")


async def put_protection(
    backup: Any, vm_id: str, policy: str = "DefaultPolicy"
) -> tuple[int, dict[str, str], Any]:
    key = f"iaasvmcontainerv2;{RG};{vm_id.rsplit('/', 1)[-1]}"
    return await call(
        backup,
        "PUT",
        f"{VAULT}/backupFabrics/Azure/protectionContainers/IaasVMContainer;{key}/protectedItems/vm;{key}",
        BACKUP_API,
        {
            "properties": {
                "protectedItemType": "Microsoft.Compute/virtualMachines",
                "sourceResourceId": vm_id,
                "policyId": f"{VAULT}/backupPolicies/{policy}",
            }
        },
    )


async def wait_done(client: Any, url: str, api: str) -> dict[str, Any]:
    for _ in range(100):
        _, _, body = await call(client, "GET", url.split("?")[0], api)
        if body and body.get("status") != "InProgress":
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never finished")


async def test_protected_item_just_enabled_is_irpending_even_with_an_unresponsive_agent(make_emulator):
    real = fixture("protected-item-irpending")
    emu = await make_emulator(backup_estate(vm_doc("vm-lin-ok", {"agent": "Unresponsive"}, [])))
    async with Sdk(emu) as sdk:
        backup = sdk.backup(SUB)
        status, headers, _ = await put_protection(backup, VM_OK)
        assert status == real["wire"][0]["response"]["status"]
        assert {"Azure-AsyncOperation", "Location"} <= set(headers)
        assert (await wait_done(backup, headers["Azure-AsyncOperation"], BACKUP_API))["status"] == "Succeeded"
        _, _, listed = await call(backup, "GET", f"{VAULT}/backupProtectedItems", BACKUP_API)
        _, _, st = await call(
            backup,
            "POST",
            f"/subscriptions/{SUB}/providers/Microsoft.RecoveryServices/locations/westeurope/backupStatus",
            BACKUP_API,
            {"resourceId": VM_OK, "resourceType": "VM"},
        )
    (item,) = listed["value"]
    assert_same_shape(real["documents"]["protectedItem"], item, "protected item")
    assert item["properties"]["protectionState"] == real["expected"]["protectionState"]
    assert item["name"] == real["documents"]["protectedItem"]["name"]
    status_real = fixture("backup-status-protected")["documents"]["backupStatus"]
    assert_same_shape(status_real, st, "backupStatus")
    assert (st["containerName"], st["protectedItemName"]) == (
        status_real["containerName"],
        status_real["protectedItemName"],
    )


async def test_ultra_disk_vm_on_grs_vault_outside_supported_regions(make_emulator):
    real = fixture("ultra-disk-grs-unsupported-region")
    entry, disk = managed("vm-pg-jpe-data0", 0, "PremiumV2_LRS", 1024)
    vm = b.virtual_machine(SUB, RG, "vm-pg-jpe", location="japaneast", data_disks=[entry])
    emu = await make_emulator(backup_estate(vm, disk, location="japaneast"))
    async with Sdk(emu) as sdk:
        backup = sdk.backup(SUB)
        status, headers, _ = await put_protection(backup, vm["id"], "EnhancedPolicy")
        done = await wait_done(backup, headers["Azure-AsyncOperation"], BACKUP_API)
    assert status == 202 and done["status"] == "Failed"
    assert done["error"]["code"] == real["expected"]["error"]


def header_matches(template: str, actual: str) -> bool:
    """An expected LRO header (``…/operationStatus/{op}``) against the actual absolute URL."""
    fixed = template.split("{op}")[0].replace("…", "")
    return fixed.lower() in actual.lower()


async def test_vault_delete_wire(make_emulator):
    real = fixture("vault-delete-accepted")["wire"]
    emu = await make_emulator(backup_estate())
    async with Sdk(emu) as sdk:
        rs = sdk.recovery(SUB)
        first = await call(rs, "DELETE", VAULT, VAULT_API)
        second = await call(rs, "DELETE", VAULT, VAULT_API)
    for want, (status, headers, _) in zip(real, (first, second), strict=True):
        assert status == want["response"]["status"]
        for name, template in want["response"]["headers"].items():
            assert name in headers and header_matches(template, headers[name]), (name, headers)


async def test_vault_delete_not_empty_wire(make_emulator):
    want = fixture("vault-delete-not-empty")["wire"][0]["response"]
    vm = vm_doc("vm-lin-ok", {}, [])
    emu = await make_emulator(backup_estate(vm, b.protected_item(VAULT, VM_OK)))
    async with Sdk(emu) as sdk:
        status, _, body = await call(sdk.recovery(SUB), "DELETE", VAULT, VAULT_API)
    assert status == want["status"]
    assert body["error"]["code"] == want["body"]["error"]["code"]
    assert body["error"]["message"] == want["body"]["error"]["message"]


async def test_storage_config_refused_after_the_vault_api_wire(make_emulator):
    patch, put = fixture("storage-config-refused")["wire"]
    emu = await make_emulator(backup_estate())
    async with Sdk(emu) as sdk:
        s1, h1, _ = await call(sdk.recovery(SUB), "PATCH", VAULT, VAULT_API, patch["request"]["body"])
        s2, _, body = await call(
            sdk.backup(SUB),
            "PUT",
            f"{VAULT}/backupstorageconfig/vaultstorageconfig",
            BACKUP_API,
            put["request"]["body"],
        )
    assert s1 == patch["response"]["status"] and header_matches(
        patch["response"]["headers"]["Azure-AsyncOperation"], h1["Azure-AsyncOperation"]
    )
    assert s2 == put["response"]["status"]
    assert body["error"]["message"] == put["response"]["body"]["error"]["message"]


def test_every_fixture_is_in_the_conformance_run_or_named_as_corpus_only():
    covered = (
        set(VM_CASES)
        | set(LOCK_FIXTURES)
        | {
            "uniform-scale-set",
            "subscription-pastdue",
            "subscription-warned",
            "provider-not-registered",
            "protectable-items-list",
            "protected-item-irpending",
            "backup-status-protected",
            "ultra-disk-grs-unsupported-region",
            "vault-delete-accepted",
            "vault-delete-not-empty",
            "storage-config-refused",
            "vault-other-subscription",
        }
    )
    stems = {p.stem for p in REAL.glob("*.json")}
    assert stems == covered
    for stem in stems:
        doc = fixture(stem)
        assert doc["situation"] and doc["sources"] and "expected" in doc, stem
