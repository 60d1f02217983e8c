"""One VM built to trigger each rule, read through the real SDK and InventoryService, then assessed.

``rule_estate()`` holds a healthy baseline VM (NIC, managed disks, subnet with a default NSG) and, for every
VM-scoped rule, a copy of it with one modification; each such VM is named after the rule id it must trigger.
Subscription rules get a subscription of their own (with a VM where the rule is repeated on VMs), vault
rules a vault. The estate is scanned once (module fixture); the assertions are parametrised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from azure.identity.aio import ManagedIdentityCredential

from tests.conftest import read_request_log
from tests.rules.factories import SUB_ID, make_vault, make_vm
from tui.azure import ArmPacer, ClientFactory, Target
from tui.emulator import Emulator, EmulatorConfig, parse_estate
from tui.emulator import builders as b
from tui.model import Finding, Inventory, SubscriptionFacts, Unreadable, VaultFacts, VmFacts
from tui.rules import load_rules
from tui.rules.checks import CHECKS, SCOPES
from tui.services.assessment import Assessment, assess, natural_vault
from tui.services.inventory import InventoryService
from tui.services.probe import run_probes

TENANT = "0c0ffee0-0000-4000-8000-00000000a001"
SUB = "5ab5c1de-0000-4000-8000-000000000001"  # Enabled, registered: the baseline and most rule VMs
SUB_PASTDUE = "5ab5c1de-0000-4000-8000-000000000002"
SUB_FORBIDDEN = "5ab5c1de-0000-4000-8000-000000000003"
SUB_UNREG = "5ab5c1de-0000-4000-8000-000000000004"
WEU, NEU = "westeurope", "northeurope"
RG = "rg-rules"
BASELINE = "vm-baseline"

RULE_VAULTS = {"rsv-base": WEU, "rsv-locked": WEU, "rsv-full": WEU, "rsv-eus": "eastus"}
"""rsv-base: empty; rsv-locked: protects the vm-already-protected VM; rsv-full: protects 1,000 VMs (its
policy is full). rsv-other is a vault of another subscription (vault-other-subscription)."""
OTHER_VAULT = "rsv-other"
LOCKED_RG = "rg-locked"  # the vm-resource-lock VM's own resource group, with a CanNotDelete lock

GUEST_RULES = ("guest-wireserver-unreachable", "guest-dhcp-disabled", "guest-extensions-disabled")
SUBSCRIPTION_RULES = {  # rule -> subscription built to trigger it (repeated on its VM)
    "subscription-not-enabled": SUB_PASTDUE,  # PastDue: a warning
    "subscription-no-access": SUB_FORBIDDEN,
    "provider-not-registered": SUB_UNREG,
}
SUBSCRIPTION_ONLY_RULES = {"vm-scale-set-uniform": SUB}  # reported on the subscription only
VAULT_RULES = {"vault-redundancy-locked": "rsv-locked", "vault-policy-item-limit": "rsv-full"}
CHOSEN_VAULT = {  # VM rules that need a chosen vault: rule -> vault the VM is assessed against
    "vault-region-mismatch": "rsv-base",  # the VM is in northeurope
    "vault-vm-limit": "rsv-full",
    "vm-already-protected": "rsv-base",  # protected by rsv-locked: blocker naming rsv-locked
    "vault-other-subscription": OTHER_VAULT,
}
COMPANIONS = {  # other blockers/warnings a rule's VM is expected to have as well
    "net-outbound-restricted": {"vm-write-accelerator"},  # the restriction matters because of WA
    "vm-disk-size": {"vm-encrypted-ade"},  # an ADE disk over 4 TB
    "vm-requires-enhanced-policy": {"vm-ultra-disk-grs"},  # its natural vault rsv-base is GRS
    "vm-ultra-disk-grs": {"vm-requires-enhanced-policy"},
}
VM_RULES = sorted(r for r in CHECKS if SCOPES[r] == "vm" and r not in SUBSCRIPTION_RULES)


# -- the estate ------------------------------------------------------------------------------------------------
def _vm(
    name: str,
    *,
    sub: str = SUB,
    rg: str = RG,
    location: str = WEU,
    subnet: str = "snet-ok",
    os_type: str = "Linux",
    os_disk: dict[str, Any] | None = None,
    data: list[dict[str, Any]] | None = None,
    patch: Any = None,
    **vm_kwargs: Any,
) -> list[dict[str, Any]]:
    """A healthy VM (Ubuntu by default) with its NIC and managed disks; ``data`` are managed_disk kwargs
    (plus ``props``: real ARM disk properties to add); ``patch(vm_doc)`` sets real ARM fields the builders
    have no argument for."""
    vnet_id = b.resource_id(sub, RG, "Microsoft.Network/virtualNetworks", f"vnet-{location}")
    nic = b.network_interface(
        sub,
        rg,
        f"{name}-nic",
        location=location,
        subnet_id=b.subnet_id(vnet_id, subnet),
        private_ip=f"10.0.{len(name) % 200}.{sum(map(ord, name)) % 250 + 4}",
    )
    vm_id = b.resource_id(sub, rg, "Microsoft.Compute/virtualMachines", name)
    nic["properties"]["virtualMachine"] = {"id": vm_id}
    os_name = f"{name}_OsDisk_1"
    os_id = b.resource_id(sub, rg, "Microsoft.Compute/disks", os_name)
    docs: list[dict[str, Any]] = [nic]
    ephemeral = bool(os_disk and os_disk.get("ephemeral"))
    if not ephemeral:
        docs.append(b.managed_disk(sub, rg, os_name, location=location, managed_by=vm_id, os_type=os_type))
    data_specs = []
    for lun, spec in enumerate(data or []):
        spec = dict(spec)
        wa = spec.pop("write_accelerator", False)
        props = spec.pop("props", {})
        disk = b.managed_disk(sub, rg, f"{name}-data{lun:02d}", location=location, managed_by=vm_id, **spec)
        disk["properties"].update(props)
        docs.append(disk)
        data_specs.append(
            b.data_disk(
                lun,
                disk["name"],
                disk_id=disk["id"],
                size_gb=disk["properties"]["diskSizeGB"],
                storage_account_type=disk["sku"]["name"],
                write_accelerator=wa,
            )
        )
    image = (
        b.image_reference("Canonical", "ubuntu-24_04-lts", "server")
        if os_type == "Linux"
        else b.image_reference("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition")
    )
    kwargs: dict[str, Any] = {
        "image": image,
        "os_name": "ubuntu" if os_type == "Linux" else "Windows Server 2022 Datacenter Azure Edition",
        "os_version": "24.04" if os_type == "Linux" else "10.0.20348.2849",
        **vm_kwargs,
    }
    vm = b.virtual_machine(
        sub,
        rg,
        name,
        location=location,
        os_type=os_type,
        nic_ids=[nic["id"]],
        os_disk_spec=b.os_disk(os_name, os_type, disk_id=None if ephemeral else os_id, **(os_disk or {})),
        data_disks=data_specs,
        guest=kwargs.pop("guest", {}),
        **kwargs,
    )
    assert vm["id"] == vm_id
    if patch is not None:
        patch(vm)
    return [vm, *docs]


def _unmanaged_data_disk(vm: dict[str, Any]) -> None:
    vm["properties"]["storageProfile"]["dataDisks"].append(
        {  # an unmanaged disk as VirtualMachine_Get.json shows one (vhd.uri, no managedDisk)
            "lun": 9,
            "name": "legacy-data",
            "createOption": "Attach",
            "caching": "None",
            "diskSizeGB": 1023,
            "vhd": {"uri": "https://stlegacyrules.blob.core.windows.net/vhds/legacy-data.vhd"},
        }
    )


def _updating(vm: dict[str, Any]) -> None:
    vm["properties"]["provisioningState"] = "Updating"


def _no_extension_operations(vm: dict[str, Any]) -> None:
    vm["properties"]["osProfile"]["allowExtensionOperations"] = False


def _network(sub: str, location: str) -> list[dict[str, Any]]:
    """vnet-<location> with snet-ok (default NSG rules), snet-tunnel (0.0.0.0/0 to a firewall) and
    snet-restricted (outbound Internet:443 denied)."""
    nsg_ok = b.network_security_group(sub, RG, f"nsg-ok-{location}", location=location)
    deny = b.security_rule(
        "deny-internet-443", 4000, "Outbound", "Deny", destination_address_prefix="Internet",
        destination_port_range="443",
    )  # fmt: skip
    nsg_restricted = b.network_security_group(
        sub, RG, f"nsg-restricted-{location}", location=location, security_rules=[deny]
    )
    rt = b.route_table(
        sub,
        RG,
        f"rt-tunnel-{location}",
        location=location,
        routes=[b.route("default-via-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.250.4")],
    )
    vnet = b.virtual_network(
        sub,
        RG,
        f"vnet-{location}",
        location=location,
        subnets=[
            b.subnet("snet-ok", "10.0.0.0/20", nsg_id=nsg_ok["id"]),
            b.subnet("snet-tunnel", "10.0.16.0/20", nsg_id=nsg_ok["id"], route_table_id=rt["id"]),
            b.subnet("snet-restricted", "10.0.32.0/20", nsg_id=nsg_restricted["id"]),
        ],
    )
    return [nsg_ok, nsg_restricted, rt, vnet]


def rule_estate() -> dict[str, Any]:
    """The estate: a baseline VM, one VM per VM rule (named after it), and the subscriptions and vaults the
    subscription and vault rules need."""
    kv = b.key_vault(SUB, RG, "kv-rules-ade", location=WEU, tenant_id=TENANT)
    vmss = b.virtual_machine_scale_set(SUB, RG, "vmss-uniform", location=WEU, orchestration_mode="Uniform")
    modifications: dict[str, dict[str, Any]] = {
        "vault-region-mismatch": {"location": NEU},
        "vault-vm-limit": {},  # any VM not yet protected, assessed against the full vault
        "vm-already-protected": {},  # protected by rsv-locked (below)
        "vm-provisioning-failed": {
            "provisioning_state": "Failed",
            "provisioning_message": "VM has reported a failure when processing extension 'CustomScript'.",
        },
        "vm-agent-missing": {"provision_vm_agent": False, "agent": None},
        "vm-agent-not-ready": {"agent": "Not Ready"},
        "vm-agent-outdated": {"os_type": "Windows", "agent_version": "2.6.1198.600"},
        "vm-updating": {"patch": _updating},
        "vm-extension-failed": {"extensions": [b.vmsnapshot_extension("Linux", failed=True)]},
        "vm-not-running": {"power_state": "deallocated"},
        "vm-disk-count": {"data": [{"size_gb": 64}] * 33},
        "vm-disk-size": {"data": [{"size_gb": 8192, "sku": "Premium_LRS", "ade_key_vault_id": kv["id"]}]},
        "vm-unmanaged-disks": {"patch": _unmanaged_data_disk},
        "vm-disk-data-access-auth": {
            "data": [{"size_gb": 256, "props": {"dataAccessAuthMode": "AzureActiveDirectory"}}]
        },
        "vm-data-disk-security-type": {
            "data": [{"size_gb": 256, "props": {"securityProfile": {"securityType": "TrustedLaunch"}}}]
        },
        "vm-ephemeral-os-disk": {"os_disk": {"ephemeral": True, "size_gb": 64}},
        "vm-shared-disk": {"data": [{"size_gb": 256, "max_shares": 2}]},
        "vm-requires-enhanced-policy": {"data": [{"size_gb": 512, "sku": "PremiumV2_LRS"}]},
        "vm-ultra-disk-grs": {"data": [{"size_gb": 1024, "sku": "UltraSSD_LRS"}]},
        "vm-trusted-launch": {"security_type": "TrustedLaunch"},
        "vm-confidential-prerequisites": {"security_type": "ConfidentialVM", "vm_size": "Standard_DC2as_v5"},
        "vm-resource-lock": {"rg": LOCKED_RG},
        "vault-other-subscription": {},  # assessed against rsv-other (another subscription)
        "vm-write-accelerator": {"data": [{"size_gb": 512, "write_accelerator": True}]},
        "vm-encrypted-ade": {"data": [{"size_gb": 1024, "ade_key_vault_id": kv["id"]}]},
        "vm-os-unsupported": {
            "image": b.image_reference("kinvolk", "flatcar-container-linux-free", "stable-gen2"),
            "os_name": "flatcar",
            "os_version": "3975.2.2",
        },
        "vm-spot": {"priority": "Spot"},
        "net-forced-tunneling": {"subnet": "snet-tunnel"},
        "net-outbound-restricted": {
            "subnet": "snet-restricted",
            "data": [{"size_gb": 512, "write_accelerator": True}],
        },
        "guest-wireserver-unreachable": {"guest": {"wireserver_32526": False}},
        "guest-dhcp-disabled": {"guest": {"dhcp": False}},
        "guest-extensions-disabled": {
            "guest": {"extensions_enabled": False},
            "patch": _no_extension_operations,
        },
    }
    assert sorted(modifications) == VM_RULES, "one VM per VM rule"
    lock = {  # ManagementLocks_ListAtResourceGroupLevel.json shape
        "properties": {"level": "CanNotDelete", "notes": "keep the app"},
        "id": f"/subscriptions/{SUB}/resourceGroups/{LOCKED_RG}/providers/Microsoft.Authorization/locks/keep-app",
        "type": "Microsoft.Authorization/locks",
        "name": "keep-app",
    }
    resources: list[dict[str, Any]] = [
        b.resource_group(SUB, RG, WEU),
        b.resource_group(SUB, LOCKED_RG, WEU),
        lock,
        *_network(SUB, WEU),
        *_network(SUB, NEU),
        kv,
        vmss,
        *_vm(BASELINE),
    ]
    for rule, mods in modifications.items():
        resources += _vm(rule, **mods)
    vaults = {
        name: b.recovery_services_vault(SUB, RG, name, location=loc, redundancy="GeoRedundant")
        for name, loc in RULE_VAULTS.items()
    }
    resources += vaults.values()
    resources.append(b.backup_policy(vaults["rsv-locked"]["id"], protected_items_count=1))
    resources.append(
        b.protected_item(vaults["rsv-locked"]["id"], b.resource_id(SUB, RG, "Microsoft.Compute/virtualMachines",
                                                                   "vm-already-protected"))
    )  # fmt: skip
    full = vaults["rsv-full"]["id"]
    resources.append(b.backup_policy(full, protected_items_count=1000))
    resources += [
        b.protected_item(
            full,
            b.resource_id(
                SUB, f"rg-elsewhere-{i // 100}", "Microsoft.Compute/virtualMachines", f"vm-x{i:04d}"
            ),
            compact=True,
        )
        for i in range(1000)
    ]
    for rule, sub in SUBSCRIPTION_RULES.items():  # each with a healthy VM and its own network
        resources += [b.resource_group(sub, RG, WEU), *_network(sub, WEU), *_vm(rule, sub=sub)]
    resources.append(
        b.recovery_services_vault(SUB_PASTDUE, RG, OTHER_VAULT, location=WEU, redundancy="LocallyRedundant")
    )
    subs = [
        b.subscription(SUB, "Rules"),
        b.subscription(SUB_PASTDUE, "Past due", state="PastDue"),
        b.subscription(SUB_FORBIDDEN, "Forbidden", access="forbidden"),
        b.subscription(SUB_UNREG, "Unregistered", providers={"Microsoft.RecoveryServices": "NotRegistered"}),
    ]
    return b.estate(b.tenant(TENANT, "Rules"), subs, resources)


# -- one scan --------------------------------------------------------------------------------------------------
@dataclass
class Scanned:
    inventory: Inventory
    plain: Assessment  # no vault chosen
    by_vault: dict[str, Assessment]  # vault name -> every VM assessed against it
    log: list[dict[str, Any]]

    def vm(self, name: str, vault: str | None = None) -> tuple[VmFacts, list[Finding], str]:
        a = self.by_vault[vault] if vault else self.plain
        hit = next(x for x in a.vms if x.vm.name == name)
        return hit.vm, hit.findings, hit.verdict


async def _scan(estate: dict[str, Any], log_path: str) -> Scanned:
    emu = Emulator(parse_estate(estate), EmulatorConfig(request_log=log_path))
    info = await emu.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("IDENTITY_ENDPOINT", info["identity_endpoint"])
            mp.setenv("IDENTITY_HEADER", info["identity_header"])
            mp.setenv("NO_PROXY", "127.0.0.1,localhost")
            target = Target.for_endpoint(info["arm_endpoint"], ca_bundle=info["ca_bundle"])
            cred = ManagedIdentityCredential()
            async with cred, ClientFactory(target, cred, read_only=False, pacer=ArmPacer()) as factory:
                inventory = await InventoryService(factory).scan()
                probe = [v for v in inventory.vms if v.name in (*GUEST_RULES, BASELINE)]
                skipped = await run_probes(factory, probe)
                assert skipped == {}
    finally:
        await emu.stop()
    rules = load_rules()
    vaults = {v.name: v for v in inventory.vaults}
    return Scanned(
        inventory,
        assess(inventory, rules),
        {name: assess(inventory, rules, vault=vaults[name]) for name in set(CHOSEN_VAULT.values())},
        read_request_log(emu),
    )


@pytest_asyncio.fixture(scope="module")
async def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    log = tmp_path_factory.mktemp("rules") / "requests.jsonl"
    return await _scan(rule_estate(), str(log))


def _problems(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.severity in ("blocker", "warning")}


# -- assertions ------------------------------------------------------------------------------------------------
def test_every_rule_has_a_trigger_in_the_estate():
    covered = set(VM_RULES) | set(SUBSCRIPTION_RULES) | set(SUBSCRIPTION_ONLY_RULES) | set(VAULT_RULES)
    assert covered == set(CHECKS)


def test_uniform_scale_set_is_a_subscription_finding_with_its_instance_count(scanned: Scanned):
    findings = scanned.plain.subscriptions[SUB.lower()]
    (f,) = [f for f in findings if f.rule == "vm-scale-set-uniform"]
    assert f.severity == "blocker" and "vmss-uniform" in f.detail and "instance" in f.detail
    sub = scanned.inventory.subscription(SUB)
    assert [s.name for s in sub.uniform_scale_sets] == ["vmss-uniform"]
    assert not [a for a in scanned.plain.vms if any(x.rule == "vm-scale-set-uniform" for x in a.findings)]


def test_lock_on_the_vm_group_is_read_from_one_list_per_subscription(scanned: Scanned):
    _, findings, _ = scanned.vm("vm-resource-lock")
    (f,) = [f for f in findings if f.rule == "vm-resource-lock"]
    assert "keep-app" in f.detail and "CanNotDelete" in f.detail
    lock_lists = [
        r["path"] for r in scanned.log if r["path"].lower().endswith("/microsoft.authorization/locks")
    ]
    readable = [SUB, SUB_PASTDUE, SUB_UNREG]
    assert sorted(lock_lists) == sorted(
        f"/subscriptions/{s}/providers/Microsoft.Authorization/locks" for s in readable
    )


@pytest.mark.parametrize("vault", [None, "rsv-base"])
def test_baseline_vm_is_ready(scanned: Scanned, vault: str | None):
    vm, findings, verdict = scanned.vm(BASELINE, vault)
    assert verdict == "ready", findings
    assert findings == []
    assert vm.power_state == "running" and vm.agent.status == "Ready"
    assert vm.network is not None and vm.network.outbound_internet_443 is True
    assert vm.guest is not None and vm.guest.error is None  # probed, all fine
    assert vm.protection.status == "NotProtected"


@pytest.mark.parametrize("rule", VM_RULES)
def test_vm_built_for_a_rule_triggers_it(scanned: Scanned, rule: str):
    vault = CHOSEN_VAULT.get(rule)
    _, findings, verdict = scanned.vm(rule, vault)
    fired = [f for f in findings if f.rule == rule]
    assert fired, f"{rule} did not fire on its VM; findings: {[f.rule for f in findings]}"
    expected = ({rule} if fired[0].severity != "info" else set()) | COMPANIONS.get(rule, set())
    assert _problems(findings) == expected
    severities = {f.severity for f in findings}
    assert verdict == (
        "blocked" if "blocker" in severities else "warning" if "warning" in severities else "ready"
    )
    for f in fired:
        assert f.title and f.detail and f.remedy and f.source.startswith("https://")
        assert "{" not in f.detail + f.remedy  # every placeholder filled


@pytest.mark.parametrize("rule", sorted(CHOSEN_VAULT))
def test_vault_rules_stay_quiet_without_a_chosen_vault(scanned: Scanned, rule: str):
    _, findings, verdict = scanned.vm(rule)
    assert _problems(findings) == set()
    assert verdict == "ready"


def test_full_vault_is_not_a_natural_home(scanned: Scanned):
    vm = next(v for v in scanned.inventory.vms if v.name == "vault-vm-limit")
    assert natural_vault(vm, scanned.inventory.vaults).name == "rsv-base"
    full = next(v for v in scanned.inventory.vaults if v.name == "rsv-full")
    assert full.protected_vms == 1000
    assert natural_vault(vm, [full]) is None


def test_protected_by_another_vault_is_a_blocker_naming_it(scanned: Scanned):
    vm, findings, _ = scanned.vm("vm-already-protected", "rsv-base")
    assert vm.protection.status == "Protected" and vm.protection.vault_id.endswith("/rsv-locked")
    (f,) = [f for f in findings if f.rule == "vm-already-protected"]
    assert f.severity == "blocker"
    assert "rsv-locked" in f.title + f.detail
    _, plain, verdict = scanned.vm("vm-already-protected")  # against its own vault: a note
    assert [(f.rule, f.severity) for f in plain] == [("vm-already-protected", "info")]
    assert verdict == "ready"


def test_vault_rule_fires_on_the_vault(scanned: Scanned):
    locked = {v.name: [f.rule for f in scanned.plain.vaults[v.id.lower()]] for v in scanned.inventory.vaults}
    assert locked == {
        "rsv-base": [],
        "rsv-locked": ["vault-redundancy-locked"],
        "rsv-full": ["vault-policy-item-limit", "vault-redundancy-locked"],
        "rsv-eus": [],
        OTHER_VAULT: [],
    }


@pytest.mark.parametrize("rule", sorted(SUBSCRIPTION_RULES))
def test_subscription_built_for_a_rule_triggers_it(scanned: Scanned, rule: str):
    sub_id = SUBSCRIPTION_RULES[rule]
    (sub_finding,) = scanned.plain.subscriptions[sub_id.lower()]
    assert sub_finding.rule == rule
    vms = [a for a in scanned.plain.vms if a.vm.subscription_id.lower() == sub_id.lower()]
    if rule == "subscription-no-access":
        assert vms == []  # nothing could be read
        sub = scanned.inventory.subscription(sub_id)
        assert sub.access == "forbidden" and sub.error
    else:  # repeated on the subscription's VMs, which are otherwise healthy
        (a,) = vms
        assert a.vm.name == rule
        assert _problems(a.findings) == {rule}
        assert a.verdict == ("warning" if sub_finding.severity == "warning" else "blocked")


def test_other_subscriptions_are_fully_assessed_next_to_the_forbidden_one(scanned: Scanned):
    healthy = scanned.inventory.subscription(SUB)
    assert healthy.access == "ok" and healthy.error is None
    names = {a.vm.name for a in scanned.plain.vms}
    assert {BASELINE, *VM_RULES} <= names
    assert not [a for a in scanned.plain.vms if a.verdict == "unknown"]


def test_unregistered_provider_is_never_registered_nor_called(scanned: Scanned):
    sub = scanned.inventory.subscription(SUB_UNREG)
    assert sub.provider_state == "NotRegistered"
    unreg = [r for r in scanned.log if r["path"].lower().startswith(f"/subscriptions/{SUB_UNREG}")]
    assert unreg and all(r["method"] == "GET" for r in unreg)
    rs_calls = [r["path"] for r in unreg if "microsoft.recoveryservices" in r["path"].lower()]
    assert rs_calls == [f"/subscriptions/{SUB_UNREG}/providers/Microsoft.RecoveryServices"]
    assert not [r for r in scanned.log if r["path"].lower().endswith("/register")]


def test_only_writes_are_the_probes_run_commands(scanned: Scanned):
    writes = [r for r in scanned.log if r["method"] not in ("GET",)]
    assert {r["method"] for r in writes} == {"POST"}
    probed = {r["path"].split("/")[-2] for r in writes}
    assert probed == {*GUEST_RULES, BASELINE}
    assert all(r["path"].endswith("/runCommand") for r in writes)


def test_vault_facts(scanned: Scanned):
    vaults: dict[str, VaultFacts] = {v.name: v for v in scanned.inventory.vaults}
    assert {n: v.location for n, v in vaults.items()} == {**RULE_VAULTS, OTHER_VAULT: WEU}
    assert vaults["rsv-locked"].protected_vms == 1 and vaults["rsv-locked"].redundancy_locked is True
    assert vaults["rsv-base"].protected_vms == 0 and vaults["rsv-base"].redundancy_locked is False


def _region_vault(name: str, *, protected: int, crr: bool, unreadable: bool = False) -> VaultFacts:
    vault = make_vault(name, cross_region_restore=crr, protected_vms=protected)
    if unreadable:  # what the scan leaves when the item list failed: the count reads 0
        vault.protected_vms = 0
        vault.items_unreadable = Unreadable(f"protected items of vault {name}", "GET …: HTTP 500", "rid-1")
    return vault


def test_a_vault_whose_items_could_not_be_read_never_decides_a_vms_verdict():
    """Found by the heavy-fault test: the protected items of a vault with Cross Region Restore failed to
    read, its count read 0, so it became the 'emptiest' vault of the region and a confidential VM (which CRR
    does not support) turned blocked, although the clean run assesses it against the other vault."""
    sub = SubscriptionFacts(id=SUB_ID, name="s", state="Enabled", provider_state="Registered")
    cvm = make_vm("cvm", vm_size="Standard_DC4as_v6", security_type="ConfidentialVM")
    plain = _region_vault("rsv-plain", protected=1, crr=False)
    rules = load_rules()
    clean = assess(
        Inventory([sub], [plain, _region_vault("rsv-crr", protected=3, crr=True)], [cvm]), rules
    ).vms[0]
    assert clean.vault is plain and "blocker" not in {f.severity for f in clean.findings}
    faulty = assess(
        Inventory([sub], [plain, _region_vault("rsv-crr", protected=3, crr=True, unreadable=True)], [cvm]),
        rules,
    ).vms[0]
    assert faulty.verdict == "unknown"  # it would be warning against rsv-plain, blocked against rsv-crr
    assert faulty.vault is None  # which vault it would go to is not known
    assert any("protected items of vault rsv-crr" in r for r in faulty.unknown_reasons)
    assert [u.request_id for u in faulty.unreadable] == ["rid-1"]
    # an ordinary VM gets the same verdict against either vault: that verdict stands, against rsv-plain
    vm = make_vm("plain")
    inventory = Inventory(
        [sub], [plain, _region_vault("rsv-crr", protected=3, crr=True, unreadable=True)], [vm]
    )
    ordinary = assess(inventory, rules).vms[0]
    assert ordinary.vault is plain and ordinary.verdict == "ready" and not ordinary.unreadable
