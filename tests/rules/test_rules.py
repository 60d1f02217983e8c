"""Rule engine: every rule fires and stays quiet, verdict precedence, rules-file validation."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.rules.factories import data_disks, make_sub, make_vault, make_vm, vault_id
from tui.model import (
    DiskFacts,
    ExtensionFacts,
    Finding,
    GuestProbe,
    NetworkFacts,
    ProtectionFacts,
    VmFacts,
)
from tui.rules import CHECKS, DEFAULT_RULES, RuleBook, RulesError, load_rules, parse_rules, verdict
from tui.rules.checks import SCOPES, parse_version, version_older

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
        "vm-agent-missing", _set(agent__provision_vm_agent=False), "blocker", detail_has=("provisionVMAgent",)
    ),
    "agent-silent-running": Case(
        "vm-agent-missing", _set(agent__status=None, agent__version=None), "blocker"
    ),
    "agent-silent-stopped": Case(
        "vm-agent-missing", _set(agent__status=None, power_state="deallocated"), None
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
    "agent-old-linux": Case("vm-agent-outdated", _set(agent__version="2.2.10"), None),
    # vm-extension-failed
    "extension-failed": Case(
        "vm-extension-failed",
        _set(agent__backup_extension__state="failed", agent__backup_extension__message="snapshot timed out"),
        "blocker",
        detail_has=("VMSnapshotLinux", "timed out"),
    ),
    "extension-ok": Case("vm-extension-failed", _noop, None),
    "extension-absent": Case("vm-extension-failed", _set(agent__backup_extension=None), None),
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
        "blocker",
        detail_has=("17", "16", "unmanaged"),
    ),
    "disks-16-unmanaged": Case(
        "vm-disk-count", lambda vm: vm.disks.__setitem__(slice(1, None), data_disks(16, managed=False)), None
    ),
    # vm-disk-size
    "disk-over-32tib": Case(
        "vm-disk-size", _add_disk(name="huge", size_gb=32768), "blocker", detail_has=("huge",)
    ),
    "disk-32tib": Case("vm-disk-size", _add_disk(name="big", size_gb=32767), None),
    "disks-total-over-256tib": Case(
        "vm-disk-size",
        lambda vm: vm.disks.extend(data_disks(9, size_gb=32767)),
        "blocker",
        detail_has=("256 TiB",),
    ),
    "ade-disk-over-4tib": Case(
        "vm-disk-size",
        _add_disk(name="secret", size_gb=4096, ade_encrypted=True),
        "blocker",
        detail_has=("secret", "4 TiB"),
    ),
    "ade-disk-4tib": Case("vm-disk-size", _add_disk(name="secret", size_gb=4095, ade_encrypted=True), None),
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
    "trusted-launch": Case(
        "vm-requires-enhanced-policy",
        _set(security_type="TrustedLaunch"),
        "warning",
        detail_has=("Trusted Launch",),
    ),
    "confidential": Case(
        "vm-requires-enhanced-policy",
        _set(security_type="ConfidentialVM"),
        "warning",
        detail_has=("confidential",),
    ),
    "standard-vm": Case("vm-requires-enhanced-policy", _noop, None),
    # vm-write-accelerator
    "write-accelerator": Case(
        "vm-write-accelerator",
        _add_disk(name="log0", write_accelerator=True),
        "warning",
        detail_has=("log0",),
    ),
    "no-write-accelerator": Case("vm-write-accelerator", _noop, None),
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
    "windows-2019": Case("vm-os-unsupported", WINDOWS, None),
    "os-unknown": Case(
        "vm-os-unsupported",
        _set(os_type=None, os_name=None, image_publisher=None, image_offer=None, image_sku=None),
        None,
    ),
    # vm-scale-set-uniform
    "vmss-uniform": Case(
        "vm-scale-set-uniform",
        _set(
            scale_set_id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web",
            scale_set_mode="Uniform",
        ),
        "blocker",
        detail_has=("vmss-web",),
    ),
    "vmss-flexible": Case(
        "vm-scale-set-uniform", _set(scale_set_id="/x/vmss-flex", scale_set_mode="Flexible"), None
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
        detail_has=("Azure Storage", "2.6.1000.1"),
    ),
    "deny-internet-agent-unknown": Case(
        "net-outbound-restricted",
        _both(DENY_INTERNET, _set(agent__version="Unknown")),
        "warning",
        detail_has=("unknown",),
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
    "wireserver-ok": Case(
        "guest-wireserver-unreachable",
        _set(guest=GuestProbe(wireserver_80=True, wireserver_32526=True)),
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
    for rid in vm_rules:
        for severity in book.rules[rid].severities:
            assert (rid, severity) in fired, (rid, severity)


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
        ("subscription-not-enabled", {"state": "PastDue"}, "blocker"),
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


@pytest.mark.parametrize(("locked", "expect"), [(True, "info"), (False, None), (None, None)])
def test_vault_redundancy_locked(book: RuleBook, locked: bool | None, expect: str | None) -> None:
    finding = _only(book.evaluate_vault(make_vault(redundancy_locked=locked)), "vault-redundancy-locked")
    if expect is None:
        assert finding is None
        return
    assert finding is not None and finding.severity == expect
    _assert_rendered(finding)
    assert "rsv-weu" in finding.detail and "GeoRedundant" in finding.detail


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
        ("warning", "vm-requires-enhanced-policy"),
        ("info", "vm-spot"),
    ]


def _finding(severity: str) -> Finding:
    return Finding(
        rule=f"x-{severity}", severity=severity, title="t", detail="d", remedy="r", source="https://x"
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("severities", "vm_changes", "expected"),
    [
        (["blocker", "warning", "info"], {"unreadable": ["instance view: 404"]}, "blocked"),
        (["blocker"], {"power_state": None}, "blocked"),
        (["warning", "info"], {"unreadable": ["instance view: 404"]}, "unknown"),
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
    vm = make_vm(power_state=None, unreadable=["instance view: 403 AuthorizationFailed"])
    vm.agent.status = None
    vm.agent.version = None
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
    assert list(book.rules) == DESIGN_IDS
    assert set(CHECKS) == set(DESIGN_IDS)
    for rid, fn in CHECKS.items():
        assert fn.__name__ == "check_" + rid.replace("-", "_")
    assert book.version == "2026.11.1" and book.updated == "2026-11-26"
    for rule in book.rules.values():
        assert rule.severity in rule.severities
        assert re.fullmatch(r"https://learn\.microsoft\.com/azure/[a-z0-9/-]+", rule.source), rule.source
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", rule.source_date)
    assert book.rules["vm-already-protected"].severities == ("blocker", "info")
    assert book.rules["vm-os-unsupported"].severities == ("blocker", "warning")


def test_design_severities(book: RuleBook) -> None:
    text = Path("/work/shared/design.md")
    if not text.exists():
        pytest.skip("design.md not available")
    table = dict(
        re.findall(r"^\| ([a-z0-9-]+) \| ([a-z /]+) \|", text.read_text(encoding="utf-8"), re.MULTILINE)
    )
    for rid, rule in book.rules.items():
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
    with pytest.raises(RulesError, match=r"rule #29 \(vm-spot\).*duplicates"):
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
    with pytest.raises(RulesError, match=r"edited\.toml: rule #23 \(vm-spot\): missing key 'severity'"):
        load_rules(edited)
    no_version = tmp_path / "no-version.toml"
    no_version.write_text("[[rule]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(RulesError, match="'version'"):
        load_rules(no_version)
