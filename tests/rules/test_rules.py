"""Rule engine: every rule fires and stays quiet, verdict precedence, rules-file validation."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from tests.rules.factories import data_disks, make_sub, make_vault, make_vm, vault_id
from tui.model import (
    DiskFacts,
    ExtensionFacts,
    Finding,
    GuestProbe,
    LockFacts,
    NetworkFacts,
    PolicyFacts,
    ProtectionFacts,
    ScaleSetFacts,
    Unreadable,
    VmFacts,
)
from tui.rules import (
    CHECKS,
    DEFAULT_RULES,
    RuleBook,
    RulesError,
    load_rules,
    parse_rules,
    unreadable_for,
    verdict,
)
from tui.rules.checks import SCOPES, parse_version, version_older

NEW_IDS = [  # issue 8 (briefs/issue8-rules.md), after the ids of design.md section 5
    "vm-updating",
    "vm-unmanaged-disks",
    "vm-disk-data-access-auth",
    "vm-data-disk-security-type",
    "vm-confidential-prerequisites",
    "vm-ultra-disk-grs",
    "vm-resource-lock",
    "vm-trusted-launch",
    "vault-other-subscription",
    "vault-policy-item-limit",
]
DESIGN_IDS = [
    "subscription-not-enabled",
    "subscription-no-access",
    "provider-not-registered",
    "vault-region-mismatch",
    "vault-vm-limit",
    "vault-redundancy-locked",
    "vm-already-protected",
    "vm-provisioning-failed",
    "vm-agent-missing",
    "vm-agent-not-ready",
    "vm-agent-outdated",
    "vm-extension-failed",
    "vm-not-running",
    "vm-disk-count",
    "vm-disk-size",
    "vm-ephemeral-os-disk",
    "vm-shared-disk",
    "vm-requires-enhanced-policy",
    "vm-write-accelerator",
    "vm-encrypted-ade",
    "vm-os-unsupported",
    "vm-scale-set-uniform",
    "vm-spot",
    "net-forced-tunneling",
    "net-outbound-restricted",
    "guest-wireserver-unreachable",
    "guest-dhcp-disabled",
    "guest-extensions-disabled",
]


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rules()


def _only(findings: list[Finding], rule: str) -> Finding | None:
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) <= 1
    return hits[0] if hits else None


def _assert_rendered(finding: Finding) -> None:
    for text in (finding.title, finding.detail, finding.remedy):
        assert text and not re.search(r"\{[a-z_]+\}", text), text
    assert finding.source.startswith("https://learn.microsoft.com/")


def _ext(name: str, state: str | None, message: str | None = None) -> ExtensionFacts:
    return ExtensionFacts(name=name, type=f"Microsoft.Test.{name}", state=state, message=message)


def _extensions(*exts: ExtensionFacts) -> Callable[[VmFacts], None]:
    def change(vm: VmFacts) -> None:
        vm.agent.extensions = list(exts)

    return change


def _lock(level: str, scope: str, name: str = "lk") -> LockFacts:
    return LockFacts(
        id=f"{scope}/providers/Microsoft.Authorization/locks/{name}", name=name, level=level, scope=scope
    )


# ------------------------------------------------------------------------------------------------------
# VM rules: (case id, rule, how to change the healthy VM, evaluate_vm kwargs, expected severity or None)
# ------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    rule: str
    change: Callable[[VmFacts], None]
    expect: str | None  # severity, or None for "stays quiet"
    kwargs: Callable[[], dict[str, Any]] = field(default=lambda: {})
    detail_has: tuple[str, ...] = ()


def _set(**attrs: Any) -> Callable[[VmFacts], None]:
    def change(vm: VmFacts) -> None:
        for key, value in attrs.items():
            target = vm
            *path, last = key.split("__")
            for part in path:
                target = getattr(target, part)
            setattr(target, last, value)

    return change


def _add_disk(**kwargs: Any) -> Callable[[VmFacts], None]:
    def change(vm: VmFacts) -> None:
        vm.disks.append(DiskFacts(**{"name": "extra", "is_os": False, "lun": 9, **kwargs}))

    return change


def _both(*changes: Callable[[VmFacts], None]) -> Callable[[VmFacts], None]:
    def change(vm: VmFacts) -> None:
        for c in changes:
            c(vm)

    return change


def _noop(vm: VmFacts) -> None:
    return None


def _protected_by(name: str, status: str = "Protected") -> Callable[[VmFacts], None]:
    return _set(protection=ProtectionFacts(status=status, vault_id=vault_id(name)))


PV2_IN_ENHANCED = _both(
    _add_disk(name="pv2", sku="PremiumV2_LRS"),
    _set(
        protection=ProtectionFacts(
            status="Protected", vault_id=vault_id("rsv-weu"), policy_name="enhancedpolicy"
        )
    ),
)


POLICIES_FAILED = Unreadable("policies of vault rsv-weu", "503 ServiceUnavailable", "req-1")


def _vault_with(policy_type: str) -> Any:
    """rsv-weu with one policy named EnhancedPolicy of this type (V2 Enhanced, V1 Standard)."""
    return make_vault(policies=[PolicyFacts("/x/EnhancedPolicy", "EnhancedPolicy", policy_type, 1)])


SUB_SCOPE = "/subscriptions/00000000-0000-0000-0000-000000000001"
NEVER_REPORTED = _set(
    agent__status="Not Ready",
    agent__state="unavailable",
    agent__version="Unknown",
    agent__message="VM status blob is found but not yet populated.",
    agent__handlers=0,
)
WINDOWS = _set(
    os_type="Windows", os_name="Windows Server 2022 Datacenter", image_publisher="MicrosoftWindowsServer"
)
DENY_INTERNET = _set(
    network__outbound_internet_443=False, network__blocking_rules=["nsg-app/deny-internet (4000)"]
)

VM_CASES: dict[str, Case] = {
    # vault-region-mismatch
    "region-other": Case(
        "vault-region-mismatch",
        _noop,
        "blocker",
        lambda: {"vault": make_vault("rsv-neu", "northeurope")},
        ("northeurope",),
    ),
    "region-same-spelling": Case(
        "vault-region-mismatch", _noop, None, lambda: {"vault": make_vault(location="West Europe")}
    ),
    "region-no-vault": Case("vault-region-mismatch", _noop, None),
    # vault-vm-limit
    "limit-full": Case(
        "vault-vm-limit", _noop, "blocker", lambda: {"vault": make_vault(protected_vms=1000)}, ("1,000",)
    ),
    "limit-full-but-protects": Case(
        "vault-vm-limit", _protected_by("rsv-weu"), None, lambda: {"vault": make_vault(protected_vms=1000)}
    ),
    "limit-room": Case("vault-vm-limit", _noop, None, lambda: {"vault": make_vault(protected_vms=999)}),
    # vm-already-protected
    "protected-other-vault": Case(
        "vm-already-protected",
        _protected_by("rsv-old"),
        "blocker",
        lambda: {"vault": make_vault(), "vaults": [make_vault("rsv-old")]},
        ("rsv-old", "rsv-weu"),
    ),
    "protected-chosen-vault": Case(
        "vm-already-protected",
        _protected_by("RSV-WEU"),
        "info",
        lambda: {"vault": make_vault()},
        ("rsv-weu",),
    ),
    "protected-no-vault-chosen": Case(
        "vm-already-protected", _protected_by("rsv-old", "ProtectionFailed"), "info", detail_has=("rsv-old",)
    ),
    "protecting-other-vault": Case(
        "vm-already-protected",
        _protected_by("rsv-x", "Protecting"),
        "blocker",
        lambda: {"vault": make_vault()},
    ),
    "not-protected": Case("vm-already-protected", _noop, None, lambda: {"vault": make_vault()}),
    "protected-without-vault-id": Case(
        "vm-already-protected", _set(protection=ProtectionFacts(status="Protected")), None
    ),
    # vm-provisioning-failed
    "provisioning-failed": Case("vm-provisioning-failed", _set(provisioning_state="Failed"), "blocker"),
    "provisioning-ok": Case("vm-provisioning-failed", _noop, None),
    # vm-agent-missing
    "agent-not-provisioned": Case(
        "vm-agent-missing",
        _set(agent__provision_vm_agent=False, agent__reported=False, agent__status=None, agent__version=None),
        "blocker",
        detail_has=("provisionVMAgent",),
    ),
    "agent-not-provisioned-stopped": Case(
        "vm-agent-missing",
        _set(agent__provision_vm_agent=False, agent__instance_view=None, power_state="deallocated"),
        "blocker",
    ),
    "agent-not-provisioned-but-reporting": Case(
        "vm-agent-missing", _set(agent__provision_vm_agent=False), None
    ),  # installed by hand: it reports
    "agent-never-reported": Case(
        "vm-agent-missing", NEVER_REPORTED, "blocker", detail_has=("never reported", "not yet populated")
    ),
    "agent-no-vmagent-running": Case(
        "vm-agent-missing", _set(agent__reported=False, agent__status=None, agent__version=None), "blocker"
    ),
    "agent-never-reported-stopped": Case(
        "vm-agent-missing", _both(NEVER_REPORTED, _set(power_state="deallocated")), None
    ),
    "agent-view-unreadable": Case(
        "vm-agent-missing",
        _set(agent__instance_view=False, agent__reported=None, agent__status=None, agent__version=None),
        None,
    ),
    "agent-view-unreadable-not-provisioned": Case(
        "vm-agent-missing", _set(agent__instance_view=False, agent__provision_vm_agent=False), None
    ),
    "agent-never-reported-with-handlers": Case(
        "vm-agent-missing", _both(NEVER_REPORTED, _set(agent__handlers=2)), None
    ),
    "agent-present": Case("vm-agent-missing", _noop, None),
    # vm-agent-not-ready
    "agent-not-ready": Case(
        "vm-agent-not-ready",
        _set(agent__status="Not Ready", agent__version="Unknown", agent__message="VM Agent is unresponsive."),
        "blocker",
        detail_has=("Not Ready", "unresponsive"),
    ),
    "agent-not-ready-stopped": Case(
        "vm-agent-not-ready", _set(agent__status="Not Ready", power_state="stopped"), None
    ),
    "agent-not-ready-is-never-reported": Case("vm-agent-not-ready", NEVER_REPORTED, None),
    "agent-not-ready-view-unreadable": Case(
        "vm-agent-not-ready", _set(agent__status="Not Ready", agent__instance_view=False), None
    ),
    "agent-ready": Case("vm-agent-not-ready", _noop, None),
    # vm-agent-outdated
    "agent-old-windows": Case(
        "vm-agent-outdated",
        _both(WINDOWS, _set(agent__version="2.6.1198.717")),
        "warning",
        detail_has=("2.6.1198.717", "2.6.1198.718"),
    ),
    "agent-short-version": Case("vm-agent-outdated", _both(WINDOWS, _set(agent__version="2.6")), "warning"),
    "agent-minimum": Case("vm-agent-outdated", _both(WINDOWS, _set(agent__version="2.6.1198.718")), None),
    "agent-new-windows": Case(
        "vm-agent-outdated", _both(WINDOWS, _set(agent__version="2.7.41491.1102")), None
    ),
    "agent-unknown-windows": Case("vm-agent-outdated", _both(WINDOWS, _set(agent__version="Unknown")), None),
    "agent-old-linux": Case(
        "vm-agent-outdated", _set(agent__version="2.2.52.9"), "warning", detail_has=("2.2.52.9", "2.2.53.1")
    ),
    "agent-linux-minimum": Case("vm-agent-outdated", _set(agent__version="2.2.53.1"), None),
    "agent-linux-short-old": Case("vm-agent-outdated", _set(agent__version="2.2.10"), "warning"),
    "agent-linux-new": Case("vm-agent-outdated", _set(agent__version="2.15.0.1"), None),
    # vm-extension-failed
    "extension-failed": Case(
        "vm-extension-failed",
        _extensions(_ext("VMSnapshotLinux", "failed", "snapshot timed out")),
        "blocker",
        detail_has=("VMSnapshotLinux", "timed out"),
    ),
    "other-extension-failed": Case(
        "vm-extension-failed",
        _extensions(_ext("CustomScript", "failed"), _ext("VMSnapshotLinux", "succeeded")),
        "blocker",
        detail_has=("CustomScript",),
    ),
    "extension-deleting": Case(
        "vm-extension-failed",
        _extensions(_ext("MonitoringAgent", "deleting")),
        "blocker",
        detail_has=("deleting",),
    ),
    "extension-transitioning": Case(
        "vm-extension-failed", _extensions(_ext("MonitoringAgent", "transitioning")), None
    ),
    "extension-failed-view-unreadable": Case(
        "vm-extension-failed",
        _both(_extensions(_ext("CustomScript", "failed")), _set(agent__instance_view=False)),
        None,
    ),
    "extension-ok": Case("vm-extension-failed", _extensions(_ext("VMSnapshotLinux", "succeeded")), None),
    "extension-absent": Case("vm-extension-failed", _noop, None),
    # vm-updating
    "updating": Case("vm-updating", _set(provisioning_state="Updating"), "warning"),
    "not-updating": Case("vm-updating", _noop, None),
    # vm-not-running
    "stopped": Case(
        "vm-not-running", _set(power_state="stopped"), "warning", detail_has=("crash-consistent",)
    ),
    "deallocated": Case("vm-not-running", _set(power_state="deallocated"), "warning"),
    "deallocating": Case("vm-not-running", _set(power_state="deallocating"), "warning"),
    "running": Case("vm-not-running", _noop, None),
    "power-unknown": Case("vm-not-running", _set(power_state=None), None),
    # vm-disk-count
    "disks-33-managed": Case(
        "vm-disk-count",
        lambda vm: vm.disks.__setitem__(slice(1, None), data_disks(33)),
        "blocker",
        detail_has=("33", "32"),
    ),
    "disks-32-managed": Case(
        "vm-disk-count", lambda vm: vm.disks.__setitem__(slice(1, None), data_disks(32)), None
    ),
    "disks-17-unmanaged": Case(
        "vm-disk-count",
        lambda vm: vm.disks.__setitem__(slice(1, None), data_disks(17, managed=False)),
        None,  # the 16-disk limit went with unmanaged disks (vm-unmanaged-disks reports them)
    ),
    # vm-disk-size
    "disk-over-64tb": Case(
        "vm-disk-size", _add_disk(name="huge", size_gb=65537), "blocker", detail_has=("huge", "64 TB")
    ),
    "disk-64tb": Case("vm-disk-size", _add_disk(name="big", size_gb=65536), None),
    "disk-40tb": Case("vm-disk-size", _add_disk(name="big", size_gb=40960), None),  # blocked before
    "disks-total-512tb": Case(
        "vm-disk-size",
        lambda vm: vm.disks.__setitem__(slice(None), data_disks(8, size_gb=65536)),
        None,
    ),
    "disks-total-over-512tb": Case(
        "vm-disk-size",
        lambda vm: vm.disks.extend(data_disks(8, size_gb=65536)),
        "blocker",
        detail_has=("512 TB",),
    ),
    "ade-disk-over-4tb": Case(
        "vm-disk-size",
        _add_disk(name="secret", size_gb=4097, ade_encrypted=True),
        "blocker",
        detail_has=("secret", "4 TB"),
    ),
    "ade-disk-4tb": Case("vm-disk-size", _add_disk(name="secret", size_gb=4096, ade_encrypted=True), None),
    "plain-disk-over-4tb": Case("vm-disk-size", _add_disk(name="plain", size_gb=8192), None),
    "disk-size-unknown": Case("vm-disk-size", _add_disk(name="mystery", size_gb=None), None),
    # vm-ephemeral-os-disk
    "ephemeral-os": Case(
        "vm-ephemeral-os-disk", lambda vm: setattr(vm.disks[0], "ephemeral", True), "blocker"
    ),
    "persistent-os": Case("vm-ephemeral-os-disk", _noop, None),
    # vm-shared-disk
    "shared-disk": Case(
        "vm-shared-disk",
        _add_disk(name="cluster-disk", max_shares=2),
        "warning",
        detail_has=("cluster-disk",),
    ),
    "max-shares-1": Case("vm-shared-disk", _add_disk(name="solo", max_shares=1), None),
    # vm-requires-enhanced-policy
    "premium-v2": Case(
        "vm-requires-enhanced-policy",
        _add_disk(name="pv2", sku="PremiumV2_LRS"),
        "warning",
        detail_has=("Premium SSD v2", "pv2"),
    ),
    "ultra": Case(
        "vm-requires-enhanced-policy",
        _add_disk(name="ultra0", sku="UltraSSD_LRS"),
        "warning",
        detail_has=("Ultra",),
    ),
    "trusted-launch-needs-no-enhanced": Case(
        "vm-requires-enhanced-policy", _set(security_type="TrustedLaunch"), None
    ),
    "confidential-needs-no-enhanced": Case(
        "vm-requires-enhanced-policy", _set(security_type="ConfidentialVM"), None
    ),
    "standard-vm": Case("vm-requires-enhanced-policy", _noop, None),
    "protected-with-enhanced": Case(  # the requirement is met: the export must not ask for it again
        "vm-requires-enhanced-policy", PV2_IN_ENHANCED, None, kwargs=lambda: {"vaults": [_vault_with("V2")]}
    ),
    "protected-policy-standard": Case(
        "vm-requires-enhanced-policy",
        PV2_IN_ENHANCED,
        "warning",
        kwargs=lambda: {"vaults": [_vault_with("V1")]},
    ),
    "protected-policies-unread": Case(
        "vm-requires-enhanced-policy", PV2_IN_ENHANCED, "warning", kwargs=lambda: {"vaults": [make_vault()]}
    ),
    "protected-policies-unreadable": Case(  # the read failed: unknown (unreadable_for), never a finding
        "vm-requires-enhanced-policy",
        PV2_IN_ENHANCED,
        None,
        kwargs=lambda: {"vaults": [make_vault(policies_unreadable=POLICIES_FAILED)]},
    ),
    # vm-trusted-launch
    "trusted-launch": Case(
        "vm-trusted-launch", _set(security_type="TrustedLaunch"), "info", detail_has=("Standard", "Enhanced")
    ),
    "not-trusted-launch": Case("vm-trusted-launch", _noop, None),
    # vm-ultra-disk-grs
    "ultra-grs-unknown-region": Case(
        "vm-ultra-disk-grs",
        _add_disk(name="ultra0", sku="UltraSSD_LRS"),
        "warning",  # the tool's list is incomplete: check the matrix
        lambda: {"vault": make_vault(redundancy="GeoRedundant")},
        ("ultra0", "rsv-weu", "westeurope"),
    ),
    "ultra-grs-listed-region": Case(
        "vm-ultra-disk-grs",
        _add_disk(name="ultra0", sku="UltraSSD_LRS"),
        None,
        lambda: {"vault": make_vault(location="uksouth", redundancy="GeoRedundant")},
    ),
    "v2-crr-on-lrs": Case(
        "vm-ultra-disk-grs",
        _add_disk(name="pv2", sku="PremiumV2_LRS"),
        "warning",
        lambda: {"vault": make_vault(redundancy="LocallyRedundant", cross_region_restore=True)},
        ("Cross Region Restore",),
    ),
    "ultra-lrs": Case(
        "vm-ultra-disk-grs",
        _add_disk(name="ultra0", sku="UltraSSD_LRS"),
        None,
        lambda: {"vault": make_vault(redundancy="ZoneRedundant")},
    ),
    "ultra-no-vault": Case("vm-ultra-disk-grs", _add_disk(name="ultra0", sku="UltraSSD_LRS"), None),
    "grs-no-ultra": Case(
        "vm-ultra-disk-grs", _noop, None, lambda: {"vault": make_vault(redundancy="GeoRedundant")}
    ),
    # vm-confidential-prerequisites
    "cvm-v6-supported": Case(
        "vm-confidential-prerequisites",
        _set(security_type="ConfidentialVM", vm_size="Standard_DC4as_v6"),
        "warning",
        detail_has=("preview",),
    ),
    "cvm-v5": Case(
        "vm-confidential-prerequisites",
        _set(security_type="ConfidentialVM", vm_size="Standard_DC4as_cc_v5"),
        "blocker",
        detail_has=("Standard_DC4as_cc_v5", "v6"),
    ),
    "cvm-intel-v6": Case(
        "vm-confidential-prerequisites",
        _set(security_type="ConfidentialVM", vm_size="Standard_DC4es_v6"),
        "blocker",
    ),
    "cvm-region": Case(
        "vm-confidential-prerequisites",
        _set(security_type="ConfidentialVM", vm_size="Standard_EC8ads_v6", location="francecentral"),
        "blocker",
        detail_has=("francecentral",),
    ),
    "cvm-crr-vault": Case(
        "vm-confidential-prerequisites",
        _set(security_type="ConfidentialVM", vm_size="Standard_DC2as_v6"),
        "blocker",
        lambda: {"vault": make_vault(cross_region_restore=True)},
        ("Cross Region Restore",),
    ),
    "not-cvm": Case("vm-confidential-prerequisites", _set(vm_size="Standard_DC4es_v6"), None),
    # vm-write-accelerator
    "write-accelerator": Case(
        "vm-write-accelerator",
        _add_disk(name="log0", write_accelerator=True),
        "warning",
        detail_has=("log0",),
    ),
    "write-accelerator-os-disk": Case(
        "vm-write-accelerator",
        lambda vm: setattr(vm.disks[0], "write_accelerator", True),
        "blocker",
        detail_has=("OS disk",),
    ),
    "no-write-accelerator": Case("vm-write-accelerator", _noop, None),
    # vm-unmanaged-disks
    "unmanaged-disk": Case(
        "vm-unmanaged-disks",
        _add_disk(name="legacy", managed=False, vhd_uri="https://st.blob.core.windows.net/vhds/legacy.vhd"),
        "blocker",
        detail_has=("legacy.vhd",),
    ),
    "managed-disks": Case("vm-unmanaged-disks", _noop, None),
    # vm-disk-data-access-auth
    "data-access-auth": Case(
        "vm-disk-data-access-auth",
        _add_disk(name="guarded", data_access_auth_mode="AzureActiveDirectory"),
        "blocker",
        detail_has=("guarded",),
    ),
    "data-access-none": Case(
        "vm-disk-data-access-auth", _add_disk(name="d", data_access_auth_mode="None"), None
    ),
    # vm-data-disk-security-type
    "data-disk-trusted-launch": Case(
        "vm-data-disk-security-type",
        _add_disk(name="tl-data", security_type="TrustedLaunch"),
        "blocker",
        detail_has=("tl-data", "TrustedLaunch"),
    ),
    "data-disk-confidential": Case(
        "vm-data-disk-security-type",
        _add_disk(name="cvm-data", security_type="ConfidentialVM_DiskEncryptedWithCustomerKey"),
        "blocker",
    ),
    "os-disk-trusted-launch": Case(
        "vm-data-disk-security-type", lambda vm: setattr(vm.disks[0], "security_type", "TrustedLaunch"), None
    ),
    # vm-resource-lock
    "lock-on-vm-group": Case(
        "vm-resource-lock",
        _noop,
        "blocker",
        lambda: {
            "sub": make_sub(locks=[_lock("CanNotDelete", f"{SUB_SCOPE}/resourceGroups/RG-APP", "keep")])
        },
        ("keep", "CanNotDelete", "RG-APP"),
    ),
    "lock-on-restore-point-group": Case(
        "vm-resource-lock",
        _noop,
        "blocker",
        lambda: {
            "sub": make_sub(
                locks=[_lock("ReadOnly", f"{SUB_SCOPE}/resourceGroups/AzureBackupRG_westeurope_1")]
            )
        },
        ("AzureBackupRG_westeurope_1",),
    ),
    "lock-on-subscription": Case(
        "vm-resource-lock",
        _noop,
        "blocker",
        lambda: {"sub": make_sub(locks=[_lock("CanNotDelete", SUB_SCOPE)])},
        ("subscription",),
    ),
    "lock-on-other-region-restore-group": Case(
        "vm-resource-lock",
        _noop,
        None,
        lambda: {
            "sub": make_sub(locks=[_lock("ReadOnly", f"{SUB_SCOPE}/resourceGroups/AzureBackupRG_eastus_1")])
        },
    ),
    "lock-on-other-group": Case(
        "vm-resource-lock",
        _noop,
        None,
        lambda: {"sub": make_sub(locks=[_lock("CanNotDelete", f"{SUB_SCOPE}/resourceGroups/rg-other")])},
    ),
    "lock-on-a-resource": Case(
        "vm-resource-lock",
        _noop,
        None,
        lambda: {
            "sub": make_sub(
                locks=[
                    _lock(
                        "CanNotDelete",
                        f"{SUB_SCOPE}/resourceGroups/rg-app/providers/Microsoft.Network/networkInterfaces/nic",
                    )
                ]
            )
        },
    ),
    "lock-not-specified": Case(
        "vm-resource-lock",
        _noop,
        None,
        lambda: {"sub": make_sub(locks=[_lock("NotSpecified", f"{SUB_SCOPE}/resourceGroups/rg-app")])},
    ),
    "locks-unread": Case("vm-resource-lock", _noop, None, lambda: {"sub": make_sub(locks=None)}),
    # vault-other-subscription
    "vault-other-subscription": Case(
        "vault-other-subscription",
        _noop,
        "warning",
        lambda: {"vault": make_vault(subscription_id="00000000-0000-0000-0000-0000000000ff")},
        ("00000000-0000-0000-0000-0000000000ff", "tenant"),
    ),
    "vault-same-subscription": Case("vault-other-subscription", _noop, None, lambda: {"vault": make_vault()}),
    "vault-none-chosen": Case("vault-other-subscription", _noop, None),
    # vm-encrypted-ade
    "ade-disk": Case("vm-encrypted-ade", lambda vm: setattr(vm.disks[0], "ade_encrypted", True), "warning"),
    "ade-extension": Case(
        "vm-encrypted-ade",
        lambda vm: vm.agent.extensions.append(
            ExtensionFacts(
                name="AzureDiskEncryptionForLinux",
                type="Microsoft.Azure.Security.AzureDiskEncryptionForLinux",
                state="succeeded",
            )
        ),
        "warning",
        detail_has=("AzureDiskEncryptionForLinux",),
    ),
    "no-ade": Case("vm-encrypted-ade", _noop, None),
    # vm-os-unsupported
    "windows-2003": Case(
        "vm-os-unsupported",
        _set(os_type="Windows", os_name="Windows Server 2003 R2 Enterprise"),
        "blocker",
        detail_has=("2008",),
    ),
    "windows-32-bit": Case(
        "vm-os-unsupported",
        _set(os_type="Windows", os_name="Windows Server 2008 Standard (32-bit)"),
        "blocker",
        detail_has=("32-bit",),
    ),
    "linux-x86": Case("vm-os-unsupported", _set(os_name="debian", image_sku="9-x86"), "blocker"),
    "flatcar-image": Case(
        "vm-os-unsupported",
        _set(os_name=None, image_publisher="kinvolk", image_offer="flatcar-container-linux-free"),
        "blocker",
        detail_has=("Flatcar",),
    ),
    "coreos": Case("vm-os-unsupported", _set(os_name="Fedora CoreOS"), "blocker"),
    "linux-not-endorsed": Case(
        "vm-os-unsupported",
        _set(os_name="Arch Linux", image_publisher=None, image_offer=None),
        "warning",
        detail_has=("Arch Linux", "endorsed"),
    ),
    "linux-byo-image": Case(
        "vm-os-unsupported", _set(os_name=None, image_publisher="someone", image_offer="gentoo"), "warning"
    ),
    "ubuntu": Case("vm-os-unsupported", _noop, None),
    "x86_64-name": Case("vm-os-unsupported", _set(os_name="CentOS Linux x86_64"), None),
    "rocky-from-image": Case(
        "vm-os-unsupported", _set(os_name=None, image_publisher="resf", image_offer="rockylinux-x86_64"), None
    ),
    "windows-2012-r2": Case(
        "vm-os-unsupported",
        _set(os_type="Windows", os_name="Windows Server 2012 R2 Datacenter", os_version="6.3.9600"),
        "warning",
        detail_has=("2012 R2", "limited"),
    ),
    "windows-2008-sku": Case(
        "vm-os-unsupported",
        _set(os_type="Windows", os_name=None, os_version=None, image_sku="2008-R2-SP1"),
        "warning",
    ),
    "windows-nt-6-1": Case(
        "vm-os-unsupported",
        _set(
            os_type="Windows",
            os_name="Windows Server Datacenter",
            os_version="Microsoft Windows NT 6.1.7601.0",
        ),
        "warning",
    ),
    "windows-nt-5-2": Case(
        "vm-os-unsupported",
        _set(os_type="Windows", os_name="Windows Server", os_version="5.2.3790"),
        "blocker",
    ),
    "windows-2016-nt-10": Case(
        "vm-os-unsupported",
        _set(os_type="Windows", os_name="Windows Server 2016 Datacenter", os_version="10.0.14393.0"),
        None,
    ),
    "windows-2019": Case("vm-os-unsupported", WINDOWS, None),
    "os-unknown": Case(
        "vm-os-unsupported",
        _set(os_type=None, os_name=None, image_publisher=None, image_offer=None, image_sku=None),
        None,
    ),
    # vm-spot
    "spot": Case("vm-spot", _set(priority="Spot"), "info"),
    "regular": Case("vm-spot", _noop, None),
    # net-forced-tunneling
    "forced-tunnel": Case(
        "net-forced-tunneling",
        _set(network__forced_tunnel="rt-app/default: 0.0.0.0/0 -> VirtualAppliance 10.0.0.4"),
        "warning",
        detail_has=("VirtualAppliance",),
    ),
    "no-forced-tunnel": Case("net-forced-tunneling", _noop, None),
    "network-unknown": Case("net-forced-tunneling", _set(network=None), None),
    # net-outbound-restricted
    "deny-internet-write-accelerator": Case(
        "net-outbound-restricted",
        _both(DENY_INTERNET, _add_disk(name="log0", write_accelerator=True)),
        "warning",
        detail_has=("nsg-app/deny-internet", "Write Accelerator", "log0"),
    ),
    "deny-storage-old-agent": Case(
        "net-outbound-restricted",
        _both(WINDOWS, _set(agent__version="2.6.1000.1", network__outbound_storage_443=False)),
        "warning",
        detail_has=("Azure Storage", "2.6.1000.1", "2.7.41491.1010"),
    ),
    "deny-storage-unsupported-windows-agent": Case(
        "net-outbound-restricted",
        _both(WINDOWS, _set(agent__version="2.7.41491.1009", network__outbound_storage_443=False)),
        "warning",  # above the backup minimum, below the supported one
        detail_has=("2.7.41491.1009",),
    ),
    "deny-storage-supported-windows-agent": Case(
        "net-outbound-restricted",
        _both(WINDOWS, _set(agent__version="2.7.41491.1010", network__outbound_storage_443=False)),
        None,
    ),
    "deny-storage-old-linux-agent": Case(
        "net-outbound-restricted",
        _set(agent__version="2.2.52", network__outbound_storage_443=False),
        "warning",
        detail_has=("2.2.53.1",),
    ),
    "deny-internet-agent-unknown": Case(
        "net-outbound-restricted", _both(DENY_INTERNET, _set(agent__version="Unknown")), None
    ),
    "deny-internet-healthy-vm": Case("net-outbound-restricted", DENY_INTERNET, None),
    "open-write-accelerator": Case(
        "net-outbound-restricted", _add_disk(name="log0", write_accelerator=True), None
    ),
    "unevaluated-write-accelerator": Case(
        "net-outbound-restricted",
        _both(_set(network=NetworkFacts()), _add_disk(name="log0", write_accelerator=True)),
        None,
    ),
    # guest probe
    "wireserver-32526": Case(
        "guest-wireserver-unreachable",
        _set(guest=GuestProbe(wireserver_80=True, wireserver_32526=False)),
        "blocker",
        detail_has=("32526",),
    ),
    "wireserver-443": Case(
        "guest-wireserver-unreachable",
        _set(guest=GuestProbe(wireserver_80=True, wireserver_443=False, wireserver_32526=True)),
        "blocker",
        detail_has=("port 443",),
    ),
    "wireserver-all": Case(
        "guest-wireserver-unreachable",
        _set(guest=GuestProbe(wireserver_80=False, wireserver_443=False, wireserver_32526=False)),
        "blocker",
        detail_has=("ports 80, 443, 32526",),
    ),
    "wireserver-ok": Case(
        "guest-wireserver-unreachable",
        _set(guest=GuestProbe(wireserver_80=True, wireserver_443=True, wireserver_32526=True)),
        None,
    ),
    "no-probe": Case("guest-wireserver-unreachable", _noop, None),
    "dhcp-off": Case("guest-dhcp-disabled", _set(guest=GuestProbe(dhcp=False)), "blocker"),
    "dhcp-on": Case("guest-dhcp-disabled", _set(guest=GuestProbe(dhcp=True)), None),
    "extensions-off": Case(
        "guest-extensions-disabled",
        _set(guest=GuestProbe(extensions_enabled=False)),
        "blocker",
        detail_has=("Extensions.Enable",),
    ),
    "provisioning-agent-cloud-init": Case(
        "guest-extensions-disabled",
        _set(guest=GuestProbe(extensions_enabled=True, provisioning_agent="cloud-init")),
        "blocker",
        detail_has=("Provisioning.Agent=cloud-init",),
    ),
    "provisioning-agent-auto": Case(
        "guest-extensions-disabled",
        _set(guest=GuestProbe(extensions_enabled=True, provisioning_agent="auto")),
        None,
    ),
    "extension-operations-off": Case(
        "guest-extensions-disabled",
        _set(allow_extension_operations=False),
        "blocker",
        detail_has=("allowExtensionOperations",),
    ),
    "extension-operations-on": Case("guest-extensions-disabled", _set(allow_extension_operations=True), None),
    "extensions-unknown": Case(
        "guest-extensions-disabled", _set(guest=GuestProbe(extensions_enabled=None)), None
    ),
}


@pytest.mark.parametrize("case_id", list(VM_CASES))
def test_vm_rule(book: RuleBook, case_id: str) -> None:
    case = VM_CASES[case_id]
    vm = make_vm()
    case.change(vm)
    finding = _only(book.evaluate_vm(vm, **case.kwargs()), case.rule)
    if case.expect is None:
        assert finding is None, finding
        return
    assert finding is not None
    assert finding.severity == case.expect
    _assert_rendered(finding)
    assert vm.name in finding.detail or case.rule.startswith("vault-")
    for text in case.detail_has:
        assert text in finding.detail, finding.detail


def test_every_vm_rule_fires_and_stays_quiet_in_every_severity(book: RuleBook) -> None:
    fired = {(c.rule, c.expect) for c in VM_CASES.values() if c.expect}
    quiet = {c.rule for c in VM_CASES.values() if c.expect is None}
    vm_rules = {rid for rid, scope in SCOPES.items() if scope == "vm"}
    assert vm_rules <= quiet
    fired.add(("vm-ultra-disk-grs", "blocker"))  # needs a complete region list: see the test below
    for rid in vm_rules:
        for severity in book.rules[rid].severities:
            assert (rid, severity) in fired, (rid, severity)


def test_ultra_grs_blocks_outside_a_complete_region_list(book: RuleBook) -> None:
    listed = replace(book.lists["ultra-disk-grs-regions"], regions=frozenset({"northeurope"}), complete=True)
    complete = replace(book, lists={**book.lists, "ultra-disk-grs-regions": listed})
    vm = make_vm()
    _add_disk(name="pv2", sku="PremiumV2_LRS")(vm)
    grs = make_vault(redundancy="GeoRedundant")
    finding = _only(complete.evaluate_vm(vm, vault=grs), "vm-ultra-disk-grs")
    assert finding is not None and finding.severity == "blocker"
    assert "UserErrorUltraDiskOrPremiumSSDV2DiskVMCannotBeProtectedOnGRSVault" in finding.detail
    neu = make_vault(location="northeurope", redundancy="GeoRedundant")
    assert _only(complete.evaluate_vm(vm, vault=neu), "vm-ultra-disk-grs") is None


def test_healthy_vm_is_ready(book: RuleBook) -> None:
    vm = make_vm()
    findings = book.evaluate_vm(vm, make_sub(), make_vault(), [make_vault()])
    assert findings == []
    assert verdict(findings, vm) == "ready"


def test_two_severity_rule_texts_differ(book: RuleBook) -> None:
    vm = make_vm()
    _protected_by("rsv-old")(vm)
    blocker = _only(book.evaluate_vm(vm, vault=make_vault()), "vm-already-protected")
    info = _only(book.evaluate_vm(vm), "vm-already-protected")
    assert blocker and info and blocker.title != info.title
    assert "rsv-old" in info.detail and "rsv-old" in blocker.detail


# ------------------------------------------------------------------------------------------------------
# subscription and vault rules
# ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "changes", "expect"),
    [
        ("subscription-not-enabled", {"state": "Disabled"}, "blocker"),
        ("subscription-not-enabled", {"state": "Warned"}, "blocker"),
        ("subscription-not-enabled", {"state": "Expired"}, "blocker"),
        ("subscription-not-enabled", {"state": "Deleted"}, "blocker"),
        ("subscription-not-enabled", {"state": "PastDue"}, "warning"),
        ("subscription-not-enabled", {}, None),
        (
            "subscription-no-access",
            {"access": "forbidden", "error": "AuthorizationFailed: Reader missing"},
            "blocker",
        ),
        ("subscription-no-access", {"access": "error"}, None),
        ("subscription-no-access", {}, None),
        ("provider-not-registered", {"provider_state": "NotRegistered"}, "blocker"),
        ("provider-not-registered", {"provider_state": "Registering"}, "blocker"),
        ("provider-not-registered", {"provider_state": None}, None),
        ("provider-not-registered", {}, None),
        (
            "provider-not-registered",
            {"providers": {"Microsoft.RecoveryServices": "Registered", "Microsoft.Compute": "NotRegistered"}},
            "blocker",
        ),
        (
            "provider-not-registered",
            {
                "providers": {
                    "Microsoft.RecoveryServices": "Registered",
                    "Microsoft.Compute": "Registered",
                    "Microsoft.Network": "Registered",
                }
            },
            None,
        ),
        (
            "vm-scale-set-uniform",
            {"scale_sets": [ScaleSetFacts("/x/vmss-web", "vmss-web", "westeurope", "Uniform", 3)]},
            "blocker",
        ),
        (
            "vm-scale-set-uniform",
            {"scale_sets": [ScaleSetFacts("/x/vmss-flex", "vmss-flex", "westeurope", "Flexible", 3)]},
            None,
        ),
        ("vm-scale-set-uniform", {"scale_sets": None}, None),
    ],
)
def test_subscription_rule(book: RuleBook, rule: str, changes: dict[str, Any], expect: str | None) -> None:
    sub = make_sub(**changes)
    finding = _only(book.evaluate_subscription(sub), rule)
    if expect is None:
        assert finding is None
        return
    assert finding is not None and finding.severity == expect
    _assert_rendered(finding)
    assert "Production" in finding.detail
    for value in changes.values():
        if isinstance(value, str) and value != "forbidden":
            assert value in finding.detail


def test_provider_finding_names_each_unregistered_namespace_with_its_command(book: RuleBook) -> None:
    sub = make_sub(
        providers={
            "Microsoft.RecoveryServices": "NotRegistered",
            "Microsoft.Compute": "Registered",
            "Microsoft.Network": "Registering",
        }
    )
    (finding,) = book.evaluate_subscription(sub)
    assert "Microsoft.RecoveryServices (NotRegistered)" in finding.detail
    assert "Microsoft.Network (Registering)" in finding.detail and "Microsoft.Compute" not in finding.remedy
    assert "az provider register --namespace Microsoft.Network --subscription" in finding.remedy


def test_uniform_scale_sets_are_listed_with_their_instance_count(book: RuleBook) -> None:
    sub = make_sub(
        scale_sets=[
            ScaleSetFacts("/x/vmss-web", "vmss-web", "westeurope", "Uniform", 3),
            ScaleSetFacts("/x/vmss-one", "vmss-one", "eastus", "Uniform", 1),
            ScaleSetFacts("/x/vmss-flex", "vmss-flex", "westeurope", "Flexible", 9),
        ]
    )
    (finding,) = book.evaluate_subscription(sub)
    assert finding.rule == "vm-scale-set-uniform" and finding.severity == "blocker"
    assert "vmss-web (westeurope, 3 instances)" in finding.detail
    assert "vmss-one (eastus, 1 instance)" in finding.detail and "vmss-flex" not in finding.detail
    assert book.evaluate_vm(make_vm(scale_set_id="/x/vmss-flex"), sub) == []  # never repeated on VMs


@pytest.mark.parametrize(
    ("counts", "expect"),
    [([1000], "warning"), ([999, 12], None), ([3, 1500], "warning"), ([None], None), (None, None)],
)
def test_vault_policy_item_limit(book: RuleBook, counts: list[int | None] | None, expect: str | None) -> None:
    policies = (
        None
        if counts is None
        else [PolicyFacts(f"/x/p{i}", f"Policy{i}", "V1", n) for i, n in enumerate(counts)]
    )
    finding = _only(book.evaluate_vault(make_vault(policies=policies)), "vault-policy-item-limit")
    if expect is None:
        assert finding is None
        return
    assert finding is not None and finding.severity == expect
    _assert_rendered(finding)
    full = [f"Policy{i}" for i, n in enumerate(counts or []) if (n or 0) >= 1000]
    assert all(name in finding.detail for name in full)


@pytest.mark.parametrize(("locked", "expect"), [(True, "info"), (False, None), (None, None)])
def test_vault_redundancy_locked(book: RuleBook, locked: bool | None, expect: str | None) -> None:
    finding = _only(book.evaluate_vault(make_vault(redundancy_locked=locked)), "vault-redundancy-locked")
    if expect is None:
        assert finding is None
        return
    assert finding is not None and finding.severity == expect
    _assert_rendered(finding)
    assert "rsv-weu" in finding.detail and "GeoRedundant" in finding.detail


def test_past_due_is_a_warning_on_its_vms(book: RuleBook) -> None:
    vm = make_vm()
    findings = book.evaluate_vm(vm, make_sub(state="PastDue"))
    assert [(f.rule, f.severity) for f in findings] == [("subscription-not-enabled", "warning")]
    assert verdict(findings, vm) == "warning"


def test_vm_repeats_subscription_blockers(book: RuleBook) -> None:
    vm = make_vm()
    sub = make_sub(state="Warned", provider_state="NotRegistered", access="forbidden")
    rules = [f.rule for f in book.evaluate_vm(vm, sub)]
    assert rules == ["provider-not-registered", "subscription-not-enabled"]
    assert verdict(book.evaluate_vm(vm, sub), vm) == "blocked"
    assert book.evaluate_vm(vm) == []


def test_vm_rules_do_not_run_on_subscriptions_or_vaults(book: RuleBook) -> None:
    assert {f.rule for f in book.evaluate_subscription(make_sub(state="Disabled"))} == {
        "subscription-not-enabled"
    }
    assert book.evaluate_vault(make_vault(location="northeurope", protected_vms=5000)) == []
    assert {f.rule for f in book.evaluate_subscription(make_sub(state="Disabled", locks=[]))} == {
        "subscription-not-enabled"
    }


# ------------------------------------------------------------------------------------------------------
# sorting and verdicts
# ------------------------------------------------------------------------------------------------------


def test_findings_sorted_by_severity_then_id(book: RuleBook) -> None:
    vm = make_vm(
        priority="Spot", power_state="stopped", security_type="TrustedLaunch", provisioning_state="Failed"
    )
    vm.disks[0].ephemeral = True
    findings = book.evaluate_vm(vm)
    assert [(f.severity, f.rule) for f in findings] == [
        ("blocker", "vm-ephemeral-os-disk"),
        ("blocker", "vm-provisioning-failed"),
        ("warning", "vm-not-running"),
        ("info", "vm-spot"),
        ("info", "vm-trusted-launch"),
    ]


def _finding(severity: str) -> Finding:
    return Finding(
        rule=f"x-{severity}", severity=severity, title="t", detail="d", remedy="r", source="https://x"
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("severities", "vm_changes", "expected"),
    [
        (["blocker", "warning", "info"], {"unreadable": [Unreadable("instance view", "404")]}, "blocked"),
        (["blocker"], {"power_state": None}, "blocked"),
        (["warning", "info"], {"unreadable": [Unreadable("instance view", "404")]}, "unknown"),
        ([], {"power_state": None}, "unknown"),
        ([], {"power_state": "starting"}, "unknown"),
        (["warning", "info"], {}, "warning"),
        (["warning"], {"power_state": "deallocated"}, "warning"),
        (["info"], {}, "ready"),
        ([], {}, "ready"),
    ],
)
def test_verdict_precedence(severities: list[str], vm_changes: dict[str, Any], expected: str) -> None:
    assert verdict([_finding(s) for s in severities], make_vm(**vm_changes)) == expected


def test_stopped_vm_is_a_warning_not_unknown(book: RuleBook) -> None:
    vm = make_vm(power_state="deallocated")
    vm.agent.status = None
    vm.agent.version = None
    findings = book.evaluate_vm(vm)
    assert [f.rule for f in findings] == ["vm-not-running"]
    assert verdict(findings, vm) == "warning"


def test_unreadable_instance_view_is_unknown(book: RuleBook) -> None:
    vm = make_vm(power_state=None, unreadable=[Unreadable("instance view", "403 AuthorizationFailed")])
    vm.agent.status = None
    vm.agent.version = None
    vm.agent.instance_view = False
    findings = book.evaluate_vm(vm)
    assert findings == []
    assert verdict(findings, vm) == "unknown"


def test_version_compare() -> None:
    assert parse_version("2.7.41491.1010") == (2, 7, 41491, 1010)
    assert parse_version("Unknown") is None and parse_version(None) is None and parse_version("2.x") is None
    assert version_older((2, 6, 1198), (2, 6, 1198, 718))
    assert not version_older((2, 10), (2, 6, 1198, 718))


# ------------------------------------------------------------------------------------------------------
# rules file: consistency with the checks and the design, and validation errors
# ------------------------------------------------------------------------------------------------------


def test_rules_file_matches_design_and_checks(book: RuleBook) -> None:
    assert set(book.rules) == set(DESIGN_IDS) | set(NEW_IDS)
    assert set(CHECKS) == set(book.rules)
    for rid, fn in CHECKS.items():
        assert fn.__name__ == "check_" + rid.replace("-", "_")
    # Bumped deliberately for issue 8 (facts section 0): the sources are now learn.microsoft.com pages
    # beyond /azure/ (KB4049215 under /troubleshoot/, the compute REST reference under /rest/) and the
    # azure-cli source on GitHub.
    assert book.version == "2026.12.1" and book.updated == "2026-12-01"
    allowed = re.compile(
        r"https://(learn\.microsoft\.com/(azure|troubleshoot|rest)/[a-z0-9/.-]+"
        r"|github\.com/Azure/[A-Za-z0-9/._-]+)"
    )
    for rule in book.rules.values():
        assert rule.severity in rule.severities
        for url in (rule.source, *rule.also):
            assert allowed.fullmatch(url), url
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", rule.source_date)
        assert rule.source_date >= "2025-01-01" or rule.id in OLDER_SOURCES, (rule.id, rule.source_date)
        assert rule.checks.strip()
    assert book.rules["vm-already-protected"].severities == ("blocker", "info")
    assert book.rules["vm-os-unsupported"].severities == ("blocker", "warning")
    assert book.rules["vm-write-accelerator"].severities == ("warning", "blocker")
    assert book.rules["subscription-not-enabled"].severities == ("blocker", "warning")


OLDER_SOURCES = {  # facts section 0 has no newer source for these
    "subscription-no-access",  # backup RBAC doc, 2022
    "provider-not-registered",  # create-vault doc, 2023
}


def test_every_scope_rule_fires_in_every_severity(book: RuleBook) -> None:
    subs = [
        make_sub(state="PastDue"),
        make_sub(state="Disabled", access="forbidden", provider_state="NotRegistered"),
        make_sub(scale_sets=[ScaleSetFacts("/x/v", "v", "westeurope", "Uniform", 2)]),
    ]
    vaults = [
        make_vault(redundancy_locked=True, policies=[PolicyFacts("/x/p", "P", "V1", 1000)]),
    ]
    fired = {(f.rule, f.severity) for s in subs for f in book.evaluate_subscription(s)}
    fired |= {(f.rule, f.severity) for v in vaults for f in book.evaluate_vault(v)}
    for rid, rule in book.rules.items():
        if SCOPES[rid] != "vm":
            assert {(rid, s) for s in rule.severities} <= fired, rid


def test_region_lists_and_unchecked_facts(book: RuleBook) -> None:
    assert book.lists["confidential-vm-regions"].has("West Europe")
    assert book.lists["confidential-vm-regions"].complete
    ultra = book.lists["ultra-disk-grs-regions"]
    assert not ultra.complete and ultra.has("uksouth") and not ultra.has("westeurope")
    assert len(book.unchecked) >= 8
    for item in book.unchecked:
        assert item.fact and item.reason and item.source.startswith("https://")


def test_design_severities(book: RuleBook) -> None:
    text = Path("/work/shared/design.md")
    if not text.exists():
        pytest.skip("design.md not available")
    table = dict(
        re.findall(r"^\| ([a-z0-9-]+) \| ([a-z /]+) \|", text.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert set(table) >= set(DESIGN_IDS)  # design.md section 5 is the revised contract
    for rid, rule in book.rules.items():
        if rid in table:  # new ids are not in design.md's table
            assert tuple(table[rid].split(" / ")) == rule.severities, rid


@pytest.fixture
def doc() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))


def _rule(doc: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in doc["rule"] if r["id"] == rid)


def test_rule_without_check_is_an_error(doc: dict[str, Any]) -> None:
    extra = copy.deepcopy(_rule(doc, "vm-spot"))
    extra["id"] = "vm-made-up"
    doc["rule"].append(extra)
    with pytest.raises(RulesError, match="vm-made-up"):
        parse_rules(doc)


def test_check_without_rule_is_an_error(doc: dict[str, Any]) -> None:
    doc["rule"] = [r for r in doc["rule"] if r["id"] != "guest-dhcp-disabled"]
    with pytest.raises(RulesError, match="guest-dhcp-disabled"):
        parse_rules(doc)


@pytest.mark.parametrize(
    ("rid", "mutate", "message"),
    [
        ("vm-spot", lambda r: r.pop("remedy"), r"vm-spot.*'remedy'"),
        ("vm-spot", lambda r: r.update(severity="fatal"), r"vm-spot.*'severity'"),
        ("vm-spot", lambda r: r.update(title=""), r"vm-spot.*'title'"),
        ("vm-spot", lambda r: r.update(source="http://example.com"), r"vm-spot.*'source'"),
        ("vm-spot", lambda r: r.update(source_date="July 2023"), r"vm-spot.*'source_date'"),
        ("vm-spot", lambda r: r.update(sevrity="info"), r"vm-spot.*'sevrity'"),
        (
            "vm-disk-count",
            lambda r: r.update(detail="{name} has {cuont} disks"),
            r"vm-disk-count.*'detail'.*cuont",
        ),
        ("vm-spot", lambda r: r.pop("checks"), r"vm-spot.*'checks'"),
        ("vm-spot", lambda r: r.update(also=["http://example.com"]), r"vm-spot.*'also'"),
        ("vm-spot", lambda r: r.update(severities=["info", "warning"]), r"vm-spot.*'severities'"),
        (
            "vm-os-unsupported",
            lambda r: [r.pop("severities"), r.pop("by_severity")],
            r"vm-os-unsupported.*'severities'",
        ),
        (
            "vm-already-protected",
            lambda r: r["by_severity"].update(warning={"title": "x"}),
            r"vm-already-protected.*by_severity",
        ),
        (
            "vm-already-protected",
            lambda r: r["by_severity"]["info"].update(colour="red"),
            r"vm-already-protected.*by_severity",
        ),
    ],
)
def test_malformed_rule_names_rule_and_key(
    doc: dict[str, Any], rid: str, mutate: Callable[[dict[str, Any]], Any], message: str
) -> None:
    mutate(_rule(doc, rid))
    with pytest.raises(RulesError, match=message):
        parse_rules(doc)


def test_duplicate_rule_id(doc: dict[str, Any]) -> None:
    doc["rule"].append(copy.deepcopy(_rule(doc, "vm-spot")))
    with pytest.raises(RulesError, match=rf"rule #{len(doc['rule'])} \(vm-spot\).*duplicates"):
        parse_rules(doc)


def test_load_rules_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "1"\n[[rule]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")
    edited = tmp_path / "edited.toml"
    edited.write_text(
        DEFAULT_RULES.read_text(encoding="utf-8").replace(
            'id = "vm-spot"\nseverity = "info"', 'id = "vm-spot"'
        ),
        encoding="utf-8",
    )
    index = [r["id"] for r in tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))["rule"]].index(
        "vm-spot"
    )
    with pytest.raises(
        RulesError, match=rf"edited\.toml: rule #{index + 1} \(vm-spot\): missing key 'severity'"
    ):
        load_rules(edited)
    no_version = tmp_path / "no-version.toml"
    no_version.write_text("[[rule]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(RulesError, match="'version'"):
        load_rules(no_version)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["lists"].pop("ultra-disk-grs-regions"), r"ultra-disk-grs-regions"),
        (
            lambda d: d["lists"]["confidential-vm-regions"].update(regions="eastus"),
            r"confidential-vm-regions.*'regions'",
        ),
        (lambda d: d["lists"]["confidential-vm-regions"].update(complete="yes"), r"'complete'"),
        (lambda d: d["unchecked"][0].pop("reason"), r"unchecked #1.*'reason'"),
        (lambda d: d["unchecked"][0].update(source_date="soon"), r"unchecked #1.*'source_date'"),
        (lambda d: d["unchecked"][0].update(colour="red"), r"unchecked #1.*colour"),
        (lambda d: d.update(extra=1), r"top level.*extra"),
    ],
)
def test_malformed_lists_and_unchecked(
    doc: dict[str, Any], mutate: Callable[[dict[str, Any]], Any], message: str
) -> None:
    mutate(doc)
    with pytest.raises(RulesError, match=message):
        parse_rules(doc)


def test_a_vm_in_a_vault_whose_policies_failed_is_unknown_only_when_it_needs_an_enhanced_policy():
    """Whether its policy is Enhanced decides vm-requires-enhanced-policy: with the policies unreadable that is
    unknown for a Premium SSD v2 VM in the vault, and irrelevant for a plain VM or one in another vault."""
    vault = make_vault(policies_unreadable=POLICIES_FAILED)
    needs = make_vm()
    PV2_IN_ENHANCED(needs)
    assert unreadable_for(needs, vault) == [POLICIES_FAILED]
    plain = make_vm()
    _protected_by("rsv-weu")(plain)
    assert unreadable_for(plain, vault) == []
    elsewhere = make_vm()
    PV2_IN_ENHANCED(elsewhere)
    assert unreadable_for(elsewhere, make_vault("rsv-other", policies_unreadable=POLICIES_FAILED)) == []
    assert vault.unreadable == [POLICIES_FAILED]
