"""One predicate per rule id: ``check_<snake_id>(subject, ctx) -> Hit | None``.

VM checks take the ``VmFacts``; subscription checks the ``SubscriptionFacts``; vault checks the ``VaultFacts``.
A check returns ``None`` when the rule does not fire, including when the facts it needs are ``None`` (it never
guesses). A ``Hit`` carries the values for the rule's text placeholders and, for two-severity rules, the
severity. ``CHECKS`` maps rule id to function; ``SCOPES``, ``FIELDS`` and ``SEVERITIES`` describe each check so
the engine can validate the rules file against it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tui.model import (
    DiskFacts,
    Severity,
    SubscriptionFacts,
    VaultFacts,
    VmFacts,
    same_id,
)

Scope = Literal["subscription", "vault", "vm"]

# Limits (Azure's "32 TiB" disk is 32,767 GiB and its "4 TiB" disk 4,095 GiB).
MIN_WINDOWS_AGENT = (2, 6, 1198, 718)
MAX_DATA_DISKS = 32
MAX_DATA_DISKS_UNMANAGED = 16
MAX_DISK_GB = 32767
MAX_TOTAL_GB = 256 * 1024
MAX_ADE_DISK_GB = 4095
MAX_VMS_PER_VAULT = 1000

PROTECTED_STATES = {
    "protected": "protected",
    "protecting": "being protected",
    "protectionfailed": "protected",
    "protectionstopped": "protection stopped, with its backups retained",
    "protectionpaused": "protection paused",
    "backupssuspended": "protected, with backups suspended",
}
NOT_RUNNING_STATES = {"stopped", "deallocated", "stopping", "deallocating"}
ADE_EXTENSION_TYPES = {"azurediskencryption", "azurediskencryptionforlinux"}

# Placeholders every check of a scope gets from the engine (see common_values).
COMMON_FIELDS: dict[Scope, frozenset[str]] = {
    "vm": frozenset({"name", "vm_id", "resource_group", "location", "subscription_id"}),
    "subscription": frozenset({"subscription", "subscription_id"}),
    "vault": frozenset({"vault", "vault_id", "vault_location", "vault_resource_group"}),
}


@dataclass(frozen=True)
class Hit:
    """A rule fired: placeholder values, and the severity when the rule has more than one."""

    values: dict[str, Any] = field(default_factory=dict)
    severity: Severity | None = None


@dataclass(frozen=True)
class Context:
    """What a check may look at besides its subject: the VM's subscription, the chosen vault, all vaults."""

    sub: SubscriptionFacts | None = None
    vault: VaultFacts | None = None
    vaults: Sequence[VaultFacts] = ()


CheckFn = Callable[[Any, Context], Hit | None]

CHECKS: dict[str, CheckFn] = {}
SCOPES: dict[str, Scope] = {}
FIELDS: dict[str, frozenset[str]] = {}
SEVERITIES: dict[str, frozenset[Severity]] = {}


def check(
    rule_id: str, scope: Scope, fields: Sequence[str] = (), severities: Sequence[Severity] = ()
) -> Callable[[CheckFn], CheckFn]:
    """Register a check for ``rule_id`` with the placeholders it fills and the severities it may set."""

    def register(fn: CheckFn) -> CheckFn:
        if rule_id in CHECKS:
            raise ValueError(f"duplicate check for {rule_id}")
        CHECKS[rule_id] = fn
        SCOPES[rule_id] = scope
        FIELDS[rule_id] = COMMON_FIELDS[scope] | frozenset(fields)
        SEVERITIES[rule_id] = frozenset(severities)
        return fn

    return register


def common_values(subject: Any) -> dict[str, Any]:
    """The placeholders every rule of the subject's scope may use."""
    if isinstance(subject, VmFacts):
        return {
            "name": subject.name,
            "vm_id": subject.id,
            "resource_group": subject.resource_group,
            "location": subject.location,
            "subscription_id": subject.subscription_id,
        }
    if isinstance(subject, SubscriptionFacts):
        return {"subscription": subject.name, "subscription_id": subject.id}
    if isinstance(subject, VaultFacts):
        return {
            "vault": subject.name,
            "vault_id": subject.id,
            "vault_location": subject.location,
            "vault_resource_group": subject.resource_group,
        }
    raise TypeError(f"no rules for {type(subject).__name__}")


# ----------------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------------


def _lower(value: str | None) -> str:
    return (value or "").strip().lower()


def _region(value: str | None) -> str:
    return _lower(value).replace(" ", "")


def _names(disks: Sequence[DiskFacts]) -> str:
    return ", ".join(d.name for d in disks)


def parse_version(version: str | None) -> tuple[int, ...] | None:
    """``"2.7.41491.1010"`` -> ``(2, 7, 41491, 1010)``; ``None`` for ``"Unknown"`` or anything not numeric."""
    parts = _lower(version).split(".")
    if not parts or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def version_older(version: tuple[int, ...], minimum: tuple[int, ...]) -> bool:
    """Compare integer parts, padding the shorter one with zeros."""
    width = max(len(version), len(minimum))
    return version + (0,) * (width - len(version)) < minimum + (0,) * (width - len(minimum))


def is_windows(vm: VmFacts) -> bool:
    return _lower(vm.os_type) == "windows"


def is_linux(vm: VmFacts) -> bool:
    return _lower(vm.os_type) == "linux"


def is_running(vm: VmFacts) -> bool:
    return _lower(vm.power_state) == "running"


def agent_outdated(vm: VmFacts) -> bool:
    """Windows agent whose version parses and is older than 2.6.1198.718 ("Unknown" is not outdated)."""
    parsed = parse_version(vm.agent.version)
    return is_windows(vm) and parsed is not None and version_older(parsed, MIN_WINDOWS_AGENT)


def agent_version_unknown(vm: VmFacts) -> bool:
    return vm.agent.version is None or _lower(vm.agent.version) == "unknown"


def vault_name(vault_id: str, vaults: Sequence[VaultFacts]) -> str:
    """The name of a known vault, else the last segment of its id."""
    known = next((v for v in vaults if same_id(v.id, vault_id)), None)
    return known.name if known else vault_id.rstrip("/").rsplit("/", 1)[-1]


_OLD_WINDOWS = re.compile(r"\b(2000|2003)\b")
_32_BIT = re.compile(r"32-?bit|\bx86(?![-_]?64)|\bi[36]86\b", re.IGNORECASE)
_CONTAINER_OS = re.compile(r"coreos|flatcar", re.IGNORECASE)
_ENDORSED = re.compile(
    r"ubuntu|canonical|red\s*hat|rhel|suse|sles|debian|centos|oracle|alma|rocky|azure\s*-?linux|mariner",
    re.IGNORECASE,
)


def _os_label(vm: VmFacts) -> str:
    if vm.os_name:
        return " ".join(p for p in (vm.os_name, vm.os_version) if p)
    return " ".join(p for p in (vm.image_publisher, vm.image_offer, vm.image_sku) if p)


def os_problem(vm: VmFacts) -> tuple[Severity, str] | None:
    """Why the VM's OS is unsupported (blocker) or not endorsed (warning); ``None`` when fine or unknown."""
    name_and_sku = " ".join(p for p in (vm.os_name, vm.image_sku) if p)
    image = " ".join(p for p in (vm.os_name, vm.image_publisher, vm.image_offer, vm.image_sku) if p)
    if _32_BIT.search(name_and_sku):
        return "blocker", "32-bit operating systems are not supported"
    if _CONTAINER_OS.search(image):
        return "blocker", "CoreOS / Flatcar Container Linux is not supported"
    if is_windows(vm):
        windows_text = " ".join(p for p in (vm.os_name, vm.image_offer, vm.image_sku) if p)
        if _OLD_WINDOWS.search(windows_text):
            return "blocker", "Windows versions older than Windows Server 2008 are not supported"
        return None
    if is_linux(vm):
        distro = vm.os_name or " ".join(p for p in (vm.image_publisher, vm.image_offer) if p)
        if distro and not _ENDORSED.search(distro):
            return "warning", "not an Azure-endorsed Linux distribution"
    return None


# ----------------------------------------------------------------------------------------------------------
# subscription
# ----------------------------------------------------------------------------------------------------------


@check("subscription-not-enabled", "subscription", ["state"])
def check_subscription_not_enabled(sub: SubscriptionFacts, ctx: Context) -> Hit | None:
    if not sub.state or _lower(sub.state) == "enabled":
        return None
    return Hit({"state": sub.state})


@check("subscription-no-access", "subscription", ["error"])
def check_subscription_no_access(sub: SubscriptionFacts, ctx: Context) -> Hit | None:
    if _lower(sub.access) != "forbidden":
        return None
    return Hit({"error": sub.error or "403 Forbidden"})


@check("provider-not-registered", "subscription", ["provider_state"])
def check_provider_not_registered(sub: SubscriptionFacts, ctx: Context) -> Hit | None:
    if sub.provider_state is None or _lower(sub.provider_state) == "registered":
        return None
    return Hit({"provider_state": sub.provider_state})


# ----------------------------------------------------------------------------------------------------------
# vault
# ----------------------------------------------------------------------------------------------------------


@check("vault-redundancy-locked", "vault", ["redundancy"])
def check_vault_redundancy_locked(vault: VaultFacts, ctx: Context) -> Hit | None:
    if vault.redundancy_locked is not True:
        return None
    return Hit({"redundancy": vault.redundancy or "its current setting"})


@check("vault-region-mismatch", "vm", ["vault", "vault_location"])
def check_vault_region_mismatch(vm: VmFacts, ctx: Context) -> Hit | None:
    vault = ctx.vault
    if vault is None or not vault.location or not vm.location:
        return None
    if _region(vault.location) == _region(vm.location):
        return None
    return Hit({"vault": vault.name, "vault_location": vault.location})


@check("vault-vm-limit", "vm", ["vault", "protected", "limit"])
def check_vault_vm_limit(vm: VmFacts, ctx: Context) -> Hit | None:
    vault = ctx.vault
    if vault is None or vault.protected_vms < MAX_VMS_PER_VAULT:
        return None
    if vault.protects(vm.id) or same_id(vm.protection.vault_id, vault.id):
        return None
    return Hit(
        {"vault": vault.name, "protected": f"{vault.protected_vms:,}", "limit": f"{MAX_VMS_PER_VAULT:,}"}
    )


# ----------------------------------------------------------------------------------------------------------
# VM: protection and state
# ----------------------------------------------------------------------------------------------------------


@check(
    "vm-already-protected",
    "vm",
    ["status", "protecting_vault", "chosen_vault"],
    severities=["blocker", "info"],
)
def check_vm_already_protected(vm: VmFacts, ctx: Context) -> Hit | None:
    status = PROTECTED_STATES.get(_lower(vm.protection.status))
    vault_id = vm.protection.vault_id
    if status is None or not vault_id:
        return None
    if _lower(vm.protection.status) == "protectionfailed":
        status = "protected (its last protection attempt failed)"
    vaults = [*ctx.vaults, *([ctx.vault] if ctx.vault else [])]
    other = ctx.vault is not None and not same_id(ctx.vault.id, vault_id)
    return Hit(
        {
            "status": status,
            "protecting_vault": vault_name(vault_id, vaults),
            "chosen_vault": ctx.vault.name if ctx.vault else "",
        },
        severity="blocker" if other else "info",
    )


@check("vm-provisioning-failed", "vm")
def check_vm_provisioning_failed(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if _lower(vm.provisioning_state) == "failed" else None


@check("vm-agent-missing", "vm", ["reason"])
def check_vm_agent_missing(vm: VmFacts, ctx: Context) -> Hit | None:
    if vm.agent.provision_vm_agent is False:
        return Hit({"reason": "the VM model says provisionVMAgent is false (no VM agent was provisioned)"})
    if is_running(vm) and vm.agent.status is None:
        return Hit({"reason": "the VM is running but reports no VM agent (agent status is blank)"})
    return None


@check("vm-agent-not-ready", "vm", ["status", "message"])
def check_vm_agent_not_ready(vm: VmFacts, ctx: Context) -> Hit | None:
    status = vm.agent.status
    if not is_running(vm) or status is None or _lower(status) == "ready":
        return None
    message = f" ({vm.agent.message})" if vm.agent.message else ""
    return Hit({"status": f'"{status}"', "message": message})


@check("vm-agent-outdated", "vm", ["version", "minimum"])
def check_vm_agent_outdated(vm: VmFacts, ctx: Context) -> Hit | None:
    if not agent_outdated(vm):
        return None
    return Hit({"version": vm.agent.version, "minimum": ".".join(map(str, MIN_WINDOWS_AGENT))})


@check("vm-extension-failed", "vm", ["extension", "message"])
def check_vm_extension_failed(vm: VmFacts, ctx: Context) -> Hit | None:
    ext = vm.agent.backup_extension
    if ext is None or _lower(ext.state) != "failed":
        return None
    message = f": {ext.message}" if ext.message else ""
    return Hit({"extension": ext.name, "message": message})


@check("vm-not-running", "vm", ["power_state"])
def check_vm_not_running(vm: VmFacts, ctx: Context) -> Hit | None:
    state = _lower(vm.power_state)
    return Hit({"power_state": state}) if state in NOT_RUNNING_STATES else None


# ----------------------------------------------------------------------------------------------------------
# VM: disks and configuration
# ----------------------------------------------------------------------------------------------------------


@check("vm-disk-count", "vm", ["count", "limit", "why"])
def check_vm_disk_count(vm: VmFacts, ctx: Context) -> Hit | None:
    count = len(vm.data_disks)
    unmanaged = [d for d in vm.disks if not d.managed]
    if unmanaged and count > MAX_DATA_DISKS_UNMANAGED:
        why = f"because the VM uses unmanaged disks, e.g. {unmanaged[0].name}"
        return Hit({"count": count, "limit": MAX_DATA_DISKS_UNMANAGED, "why": why})
    if count > MAX_DATA_DISKS:
        why = f"{MAX_DATA_DISKS_UNMANAGED} when the VM uses unmanaged disks"
        return Hit({"count": count, "limit": MAX_DATA_DISKS, "why": why})
    return None


@check("vm-disk-size", "vm", ["problems"])
def check_vm_disk_size(vm: VmFacts, ctx: Context) -> Hit | None:
    problems = []
    for disk in vm.disks:
        if disk.size_gb is None:
            continue
        if disk.size_gb > MAX_DISK_GB:
            problems.append(f"disk {disk.name} is {disk.size_gb:,} GiB (over 32 TiB)")
        elif disk.ade_encrypted and disk.size_gb > MAX_ADE_DISK_GB:
            problems.append(f"ADE-encrypted disk {disk.name} is {disk.size_gb:,} GiB (over 4 TiB)")
    total = sum(d.size_gb or 0 for d in vm.disks)
    if total > MAX_TOTAL_GB:
        problems.append(f"its disks total {total:,} GiB (over 256 TiB)")
    return Hit({"problems": "; ".join(problems)}) if problems else None


@check("vm-ephemeral-os-disk", "vm", ["disk"])
def check_vm_ephemeral_os_disk(vm: VmFacts, ctx: Context) -> Hit | None:
    disk = next((d for d in vm.disks if d.is_os and d.ephemeral), None)
    return Hit({"disk": disk.name}) if disk else None


@check("vm-shared-disk", "vm", ["disks"])
def check_vm_shared_disk(vm: VmFacts, ctx: Context) -> Hit | None:
    shared = [d for d in vm.disks if (d.max_shares or 0) > 1]
    if not shared:
        return None
    return Hit({"disks": ", ".join(f"{d.name} (maxShares {d.max_shares})" for d in shared)})


@check("vm-requires-enhanced-policy", "vm", ["reasons"])
def check_vm_requires_enhanced_policy(vm: VmFacts, ctx: Context) -> Hit | None:
    reasons = []
    v2 = [d for d in vm.disks if _lower(d.sku).startswith("premiumv2")]
    ultra = [d for d in vm.disks if _lower(d.sku).startswith("ultrassd")]
    if v2:
        reasons.append(f"Premium SSD v2 disks ({_names(v2)})")
    if ultra:
        reasons.append(f"Ultra disks ({_names(ultra)})")
    security = _lower(vm.security_type)
    if security == "trustedlaunch":
        reasons.append("Trusted Launch")
    elif security == "confidentialvm":
        reasons.append("confidential VM (preview: v6-series only, limited regions, no Cross Region Restore)")
    return Hit({"reasons": "; ".join(reasons)}) if reasons else None


@check("vm-write-accelerator", "vm", ["disks"])
def check_vm_write_accelerator(vm: VmFacts, ctx: Context) -> Hit | None:
    disks = [d for d in vm.disks if d.write_accelerator]
    return Hit({"disks": _names(disks)}) if disks else None


@check("vm-encrypted-ade", "vm", ["evidence"])
def check_vm_encrypted_ade(vm: VmFacts, ctx: Context) -> Hit | None:
    evidence = []
    disks = [d for d in vm.disks if d.ade_encrypted]
    if disks:
        evidence.append(f"encrypted disks: {_names(disks)}")
    exts = [e for e in vm.agent.extensions if _lower(e.type).rsplit(".", 1)[-1] in ADE_EXTENSION_TYPES]
    if exts:
        evidence.append("extension " + ", ".join(e.name for e in exts))
    return Hit({"evidence": "; ".join(evidence)}) if evidence else None


@check("vm-os-unsupported", "vm", ["os", "reason"], severities=["blocker", "warning"])
def check_vm_os_unsupported(vm: VmFacts, ctx: Context) -> Hit | None:
    problem = os_problem(vm)
    if problem is None:
        return None
    severity, reason = problem
    return Hit({"os": _os_label(vm) or vm.os_type or "an unknown OS", "reason": reason}, severity=severity)


@check("vm-scale-set-uniform", "vm", ["scale_set"])
def check_vm_scale_set_uniform(vm: VmFacts, ctx: Context) -> Hit | None:
    if _lower(vm.scale_set_mode) != "uniform":
        return None
    scale_set = (vm.scale_set_id or "").rstrip("/").rsplit("/", 1)[-1] or "(unnamed)"
    return Hit({"scale_set": scale_set})


@check("vm-spot", "vm")
def check_vm_spot(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if _lower(vm.priority) == "spot" else None


# ----------------------------------------------------------------------------------------------------------
# network
# ----------------------------------------------------------------------------------------------------------


@check("net-forced-tunneling", "vm", ["route"])
def check_net_forced_tunneling(vm: VmFacts, ctx: Context) -> Hit | None:
    if vm.network is None or not vm.network.forced_tunnel:
        return None
    return Hit({"route": vm.network.forced_tunnel})


@check("net-outbound-restricted", "vm", ["targets", "blocking", "reasons"])
def check_net_outbound_restricted(vm: VmFacts, ctx: Context) -> Hit | None:
    net = vm.network
    if net is None:
        return None
    targets = [
        label
        for label, open_ in (
            ("the internet", net.outbound_internet_443),
            ("Azure Storage", net.outbound_storage_443),
        )
        if open_ is False
    ]
    if not targets:
        return None
    reasons = []
    wa = [d for d in vm.disks if d.write_accelerator]
    if wa:
        reasons.append(f"it has Write Accelerator disks ({_names(wa)})")
    if agent_outdated(vm):
        minimum = ".".join(map(str, MIN_WINDOWS_AGENT))
        reasons.append(
            f"its VM agent {vm.agent.version} is older than {minimum} (unsupported agents need Storage)"
        )
    elif agent_version_unknown(vm):
        reasons.append("its VM agent version is unknown (unsupported agents need outbound access to Storage)")
    if not reasons:
        return None
    return Hit(
        {
            "targets": " and ".join(targets),
            "blocking": ", ".join(net.blocking_rules) or "rule not identified",
            "reasons": "; ".join(reasons),
        }
    )


# ----------------------------------------------------------------------------------------------------------
# in-guest probe
# ----------------------------------------------------------------------------------------------------------


@check("guest-wireserver-unreachable", "vm", ["ports"])
def check_guest_wireserver_unreachable(vm: VmFacts, ctx: Context) -> Hit | None:
    if vm.guest is None:
        return None
    ports = [
        p for p, ok in (("80", vm.guest.wireserver_80), ("32526", vm.guest.wireserver_32526)) if ok is False
    ]
    if not ports:
        return None
    return Hit({"ports": ("ports " if len(ports) > 1 else "port ") + " and ".join(ports)})


@check("guest-dhcp-disabled", "vm")
def check_guest_dhcp_disabled(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if vm.guest is not None and vm.guest.dhcp is False else None


@check("guest-extensions-disabled", "vm")
def check_guest_extensions_disabled(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if vm.guest is not None and vm.guest.extensions_enabled is False else None
