"""One predicate per rule id: ``check_<snake_id>(subject, ctx) -> Hit | None``.

VM checks take the ``VmFacts``; subscription checks the ``SubscriptionFacts``; vault checks the ``VaultFacts``.
A check returns ``None`` when the rule does not fire, including when the facts it needs are ``None`` (it never
guesses). A ``Hit`` carries the values for the rule's text placeholders and, for two-severity rules, the
severity. ``CHECKS`` maps rule id to function; ``SCOPES``, ``FIELDS`` and ``SEVERITIES`` describe each check so
the engine can validate the rules file against it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tui.model import (
    REQUIRED_PROVIDERS,
    DiskFacts,
    LockFacts,
    Severity,
    SubscriptionFacts,
    VaultFacts,
    VmFacts,
    same_id,
)

Scope = Literal["subscription", "vault", "vm"]

# Limits and minimums, as facts section 0 gives them (sources in assets/rules/support-matrix.toml).
MIN_WINDOWS_AGENT = (2, 6, 1198, 718)  # backup docs: the Windows agent backup needs
MIN_LINUX_AGENT = (2, 2, 53, 1)  # KB4049215: the oldest supported Linux agent
SUPPORTED_WINDOWS_AGENT = (2, 7, 41491, 1010)  # KB4049215: older Windows agents are unsupported
MAX_DATA_DISKS = 32
MAX_DISK_GB = 64 * 1024  # 64 TB per disk
MAX_TOTAL_GB = 512 * 1024  # 512 TB across the disks of a VM
MAX_ADE_DISK_GB = 4 * 1024  # 4 TB for an ADE-encrypted disk
MAX_VMS_PER_VAULT = 1000
MAX_ITEMS_PER_POLICY = 1000
BLOCKING_LOCKS = {"cannotdelete", "readonly"}

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
BAD_EXTENSION_STATES = {"failed": "failed", "deleting": "stuck deleting"}
NEVER_REPORTED = "not yet populated"  # "VM status blob is found but not yet populated."
# Region lists kept in the rules file ([lists.<name>]) that a check reads.
LIST_OF: dict[str, str] = {
    "vm-ultra-disk-grs": "ultra-disk-grs-regions",
    "vm-confidential-prerequisites": "confidential-vm-regions",
}

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
class RegionList:
    """A list of region names from the rules file; ``complete`` when it is the source's whole list."""

    regions: frozenset[str]
    complete: bool = True
    source: str = ""
    source_date: str = ""
    note: str = ""

    def has(self, region: str | None) -> bool:
        return _region(region) in self.regions


@dataclass(frozen=True)
class Context:
    """What a check may look at besides its subject: the VM's subscription, the chosen vault, all vaults,
    and the region lists of the rules file."""

    sub: SubscriptionFacts | None = None
    vault: VaultFacts | None = None
    vaults: Sequence[VaultFacts] = ()
    lists: Mapping[str, RegionList] = field(default_factory=dict)


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


def agent_minimum(vm: VmFacts) -> tuple[int, ...] | None:
    """The agent version backup needs on this VM's OS (None when the OS type is unknown)."""
    return MIN_WINDOWS_AGENT if is_windows(vm) else MIN_LINUX_AGENT if is_linux(vm) else None


def agent_below(vm: VmFacts, minimum: tuple[int, ...] | None) -> bool:
    """The agent's version parses and is older than ``minimum`` ("Unknown" is not below anything)."""
    parsed = parse_version(vm.agent.version)
    return minimum is not None and parsed is not None and version_older(parsed, minimum)


def agent_outdated(vm: VmFacts) -> bool:
    """Windows agent older than 2.6.1198.718, Linux agent older than 2.2.53.1."""
    return agent_below(vm, agent_minimum(vm))


def agent_unsupported(vm: VmFacts) -> tuple[int, ...] | None:
    """The KB minimum this VM's agent is below (it then needs outbound access to Azure Storage), or None."""
    minimum = SUPPORTED_WINDOWS_AGENT if is_windows(vm) else MIN_LINUX_AGENT if is_linux(vm) else None
    return minimum if agent_below(vm, minimum) else None


def agent_version_unknown(vm: VmFacts) -> bool:
    return vm.agent.version is None or _lower(vm.agent.version) == "unknown"


def agent_never_reported(vm: VmFacts) -> bool:
    """Real ARM's shape of an agent that never reported: vmAgent with vmAgentVersion "Unknown", status
    ProvisioningState/Unavailable "VM status blob is found but not yet populated.", no extension handlers."""
    a = vm.agent
    if a.instance_view is not True or not a.reported or _lower(a.status) == "ready" or a.handlers:
        return False
    return agent_version_unknown(vm) and (a.message is None or NEVER_REPORTED in _lower(a.message))


def _version(minimum: tuple[int, ...]) -> str:
    return ".".join(map(str, minimum))


def vault_name(vault_id: str, vaults: Sequence[VaultFacts]) -> str:
    """The name of a known vault, else the last segment of its id."""
    known = next((v for v in vaults if same_id(v.id, vault_id)), None)
    return known.name if known else vault_id.rstrip("/").rsplit("/", 1)[-1]


_OLD_WINDOWS = re.compile(r"\b(2000|2003)\b|\bxp\b|\bvista\b", re.IGNORECASE)
_LIMITED_WINDOWS = re.compile(r"\b(2008|2012)\b|windows\s*(7|8(\.1)?)\b", re.IGNORECASE)
_NT_VERSION = re.compile(r"(?<![\d.])(\d+)\.(\d+)\.\d+")
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
        nt = _NT_VERSION.search(vm.os_version or "")
        release = (int(nt.group(1)), int(nt.group(2))) if nt else None
        if _OLD_WINDOWS.search(windows_text) or (release is not None and release < (6, 0)):
            return "blocker", "Windows versions older than Windows Server 2008 are not supported"
        if _LIMITED_WINDOWS.search(windows_text) or (release is not None and release < (10, 0)):
            return "warning", (
                "Windows Server 2012 R2 and older are no longer supported by the VM agent, so Azure Backup "
                "gives them limited support only (the matrix lists Windows Server 2016 to 2025 and "
                "Windows 10/11 64-bit)"
            )
        return None
    if is_linux(vm):
        distro = vm.os_name or " ".join(p for p in (vm.image_publisher, vm.image_offer) if p)
        if distro and not _ENDORSED.search(distro):
            return "warning", "not an Azure-endorsed Linux distribution"
    return None


# ----------------------------------------------------------------------------------------------------------
# subscription
# ----------------------------------------------------------------------------------------------------------

STATE_EFFECTS = {  # what ARM still accepts in each state (subscription states doc)
    "pastdue": "every operation still works, but it is disabled if the balance stays unpaid",
    "warned": "only GET and DELETE requests are accepted, so no vault, policy or protection can be created",
    "disabled": "no PUT, PATCH or POST request is accepted, so no vault, policy or protection can be created",
    "expired": "no PUT, PATCH or POST request is accepted, so no vault, policy or protection can be created",
    "deleted": "no request is accepted at all",
}


@check("subscription-not-enabled", "subscription", ["state", "effect"], severities=["blocker", "warning"])
def check_subscription_not_enabled(sub: SubscriptionFacts, ctx: Context) -> Hit | None:
    state = _lower(sub.state)
    if not state or state == "enabled":
        return None
    effect = STATE_EFFECTS.get(state, "Azure Backup needs an Enabled subscription")
    return Hit(
        {"state": sub.state, "effect": effect}, severity="warning" if state == "pastdue" else "blocker"
    )


@check("subscription-no-access", "subscription", ["error"])
def check_subscription_no_access(sub: SubscriptionFacts, ctx: Context) -> Hit | None:
    if _lower(sub.access) != "forbidden":
        return None
    return Hit({"error": sub.error or "403 Forbidden"})


def unregistered(sub: SubscriptionFacts) -> list[tuple[str, str]]:
    """(namespace, state) of every required provider that was read and is not Registered."""
    states = dict(sub.providers)
    if sub.provider_state is not None:
        states.setdefault(REQUIRED_PROVIDERS[0], sub.provider_state)
    return [
        (ns, states[ns])
        for ns in REQUIRED_PROVIDERS
        if states.get(ns) is not None and _lower(states[ns]) != "registered"
    ]


@check("provider-not-registered", "subscription", ["namespaces", "commands"])
def check_provider_not_registered(sub: SubscriptionFacts, ctx: Context) -> Hit | None:
    missing = unregistered(sub)
    if not missing:
        return None
    return Hit(
        {
            "namespaces": ", ".join(f"{ns} ({state})" for ns, state in missing),
            "commands": "; ".join(
                f"az provider register --namespace {ns} --subscription {sub.id} --wait" for ns, _ in missing
            ),
        }
    )


@check("vm-scale-set-uniform", "subscription", ["scale_sets", "count"])
def check_vm_scale_set_uniform(sub: SubscriptionFacts, ctx: Context) -> Hit | None:
    uniform = sub.uniform_scale_sets
    if not uniform:
        return None

    def instances(n: int | None) -> str:
        return "instance count unknown" if n is None else f"{n} instance{'s' if n != 1 else ''}"

    listed = ", ".join(f"{s.name} ({s.location}, {instances(s.capacity)})" for s in uniform)
    return Hit({"scale_sets": listed, "count": len(uniform)})


# ----------------------------------------------------------------------------------------------------------
# vault
# ----------------------------------------------------------------------------------------------------------


@check("vault-redundancy-locked", "vault", ["redundancy"])
def check_vault_redundancy_locked(vault: VaultFacts, ctx: Context) -> Hit | None:
    if vault.redundancy_locked is not True:
        return None
    return Hit({"redundancy": vault.redundancy or "its current setting"})


@check("vault-policy-item-limit", "vault", ["policies", "limit"])
def check_vault_policy_item_limit(vault: VaultFacts, ctx: Context) -> Hit | None:
    full = [p for p in vault.policies or () if (p.protected_items or 0) >= MAX_ITEMS_PER_POLICY]
    if not full:
        return None
    listed = ", ".join(f"{p.name} ({p.protected_items:,} protected items)" for p in full)
    return Hit({"policies": listed, "limit": f"{MAX_ITEMS_PER_POLICY:,}"})


@check("vault-region-mismatch", "vm", ["vault", "vault_location"])
def check_vault_region_mismatch(vm: VmFacts, ctx: Context) -> Hit | None:
    vault = ctx.vault
    if vault is None or not vault.location or not vm.location:
        return None
    if _region(vault.location) == _region(vm.location):
        return None
    return Hit({"vault": vault.name, "vault_location": vault.location})


@check("vault-other-subscription", "vm", ["vault", "vault_subscription"])
def check_vault_other_subscription(vm: VmFacts, ctx: Context) -> Hit | None:
    vault = ctx.vault
    if vault is None or not vault.subscription_id or not vm.subscription_id:
        return None
    if _lower(vault.subscription_id) == _lower(vm.subscription_id):
        return None
    return Hit({"vault": vault.name, "vault_subscription": vault.subscription_id})


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


@check("vm-updating", "vm")
def check_vm_updating(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if _lower(vm.provisioning_state) == "updating" else None


@check("vm-agent-missing", "vm", ["reason"])
def check_vm_agent_missing(vm: VmFacts, ctx: Context) -> Hit | None:
    agent = vm.agent
    if agent.instance_view is False:  # the read failed: the verdict is unknown, not "missing"
        return None
    never = agent_never_reported(vm)
    if agent.provision_vm_agent is False and (agent.instance_view is None or not agent.reported or never):
        return Hit({"reason": "the VM model says provisionVMAgent is false (no VM agent was provisioned)"})
    if not is_running(vm) or agent.instance_view is not True:
        return None
    if agent.reported is False:
        return Hit({"reason": "the VM is running but its instance view reports no VM agent at all"})
    if never:
        return Hit(
            {
                "reason": "the VM is running but its VM agent never reported (vmAgentVersion "
                f'"{agent.version or "Unknown"}", "{agent.message or "no status"}", no extension handlers)'
            }
        )
    return None


@check("vm-agent-not-ready", "vm", ["status", "message"])
def check_vm_agent_not_ready(vm: VmFacts, ctx: Context) -> Hit | None:
    agent = vm.agent
    status = agent.status
    if not is_running(vm) or agent.instance_view is not True or not agent.reported:
        return None
    if status is None or _lower(status) == "ready" or agent_never_reported(vm):
        return None
    message = f" ({agent.message})" if agent.message else ""
    return Hit({"status": f'"{status}"', "message": message})


@check("vm-agent-outdated", "vm", ["version", "minimum", "os"])
def check_vm_agent_outdated(vm: VmFacts, ctx: Context) -> Hit | None:
    minimum = agent_minimum(vm)
    if minimum is None or not agent_outdated(vm):
        return None
    return Hit({"version": vm.agent.version, "minimum": _version(minimum), "os": vm.os_type})


def bad_extensions(vm: VmFacts) -> list[tuple[str, str, str | None]]:
    """(name, what is wrong, message) of every extension that failed or is stuck deleting."""
    return [
        (e.name, BAD_EXTENSION_STATES[_lower(e.state)], e.message)
        for e in vm.agent.extensions
        if _lower(e.state) in BAD_EXTENSION_STATES
    ]


@check("vm-extension-failed", "vm", ["extensions", "extension"])
def check_vm_extension_failed(vm: VmFacts, ctx: Context) -> Hit | None:
    if vm.agent.instance_view is not True:
        return None
    bad = bad_extensions(vm)
    if not bad:
        return None
    listed = "; ".join(f"{name} ({what}{': ' + msg if msg else ''})" for name, what, msg in bad)
    return Hit({"extensions": listed, "extension": bad[0][0]})


@check("vm-not-running", "vm", ["power_state"])
def check_vm_not_running(vm: VmFacts, ctx: Context) -> Hit | None:
    state = _lower(vm.power_state)
    return Hit({"power_state": state}) if state in NOT_RUNNING_STATES else None


# ----------------------------------------------------------------------------------------------------------
# VM: disks and configuration
# ----------------------------------------------------------------------------------------------------------


@check("vm-disk-count", "vm", ["count", "limit"])
def check_vm_disk_count(vm: VmFacts, ctx: Context) -> Hit | None:
    count = len(vm.data_disks)
    return Hit({"count": count, "limit": MAX_DATA_DISKS}) if count > MAX_DATA_DISKS else None


def _tb(gib: int) -> str:
    return f"{gib // 1024} TB" if gib % 1024 == 0 else f"{gib:,} GiB"


@check("vm-disk-size", "vm", ["problems"])
def check_vm_disk_size(vm: VmFacts, ctx: Context) -> Hit | None:
    problems = []
    for disk in vm.disks:
        if disk.size_gb is None:
            continue
        if disk.size_gb > MAX_DISK_GB:
            problems.append(f"disk {disk.name} is {disk.size_gb:,} GiB (over {_tb(MAX_DISK_GB)})")
        elif disk.ade_encrypted and disk.size_gb > MAX_ADE_DISK_GB:
            problems.append(
                f"ADE-encrypted disk {disk.name} is {disk.size_gb:,} GiB (over {_tb(MAX_ADE_DISK_GB)})"
            )
    total = sum(d.size_gb or 0 for d in vm.disks)
    if total > MAX_TOTAL_GB:
        problems.append(f"its disks total {total:,} GiB (over {_tb(MAX_TOTAL_GB)})")
    return Hit({"problems": "; ".join(problems)}) if problems else None


@check("vm-ephemeral-os-disk", "vm", ["disk"])
def check_vm_ephemeral_os_disk(vm: VmFacts, ctx: Context) -> Hit | None:
    disk = next((d for d in vm.disks if d.is_os and d.ephemeral), None)
    return Hit({"disk": disk.name}) if disk else None


@check("vm-unmanaged-disks", "vm", ["disks"])
def check_vm_unmanaged_disks(vm: VmFacts, ctx: Context) -> Hit | None:
    unmanaged = [d for d in vm.disks if not d.managed]
    if not unmanaged:
        return None
    return Hit({"disks": ", ".join(f"{d.name} ({d.vhd_uri or 'VHD'})" for d in unmanaged)})


@check("vm-shared-disk", "vm", ["disks"])
def check_vm_shared_disk(vm: VmFacts, ctx: Context) -> Hit | None:
    shared = [d for d in vm.disks if (d.max_shares or 0) > 1]
    if not shared:
        return None
    return Hit({"disks": ", ".join(f"{d.name} (maxShares {d.max_shares})" for d in shared)})


def v2_or_ultra(vm: VmFacts) -> tuple[list[DiskFacts], list[DiskFacts]]:
    """(Premium SSD v2 disks, Ultra disks)."""
    v2 = [d for d in vm.disks if _lower(d.sku).startswith("premiumv2")]
    ultra = [d for d in vm.disks if _lower(d.sku).startswith("ultrassd")]
    return v2, ultra


def v2_ultra_reasons(vm: VmFacts) -> list[str]:
    v2, ultra = v2_or_ultra(vm)
    reasons = [f"Premium SSD v2 disks ({_names(v2)})"] if v2 else []
    return reasons + ([f"Ultra disks ({_names(ultra)})"] if ultra else [])


def protected_with_enhanced_policy(vm: VmFacts, vaults: Sequence[VaultFacts]) -> bool | None:
    """The VM is already protected with an Enhanced (V2) policy of the vault that protects it; None when that
    vault's policies could not be read (then nobody knows: `engine.unreadable_for` makes the verdict unknown)."""
    prot = vm.protection
    vault = next((v for v in vaults if same_id(v.id, prot.vault_id)), None)
    if vault is None or not prot.policy_name:
        return False
    if vault.policies_unreadable is not None:
        return None
    policy = next((p for p in vault.policies or () if _lower(p.name) == _lower(prot.policy_name)), None)
    return policy is not None and policy.policy_type.upper() == "V2"


@check("vm-requires-enhanced-policy", "vm", ["reasons"])
def check_vm_requires_enhanced_policy(vm: VmFacts, ctx: Context) -> Hit | None:
    """Quiet once the VM is protected with an Enhanced policy: the requirement is met."""
    reasons = v2_ultra_reasons(vm)
    if not reasons:
        return None
    enhanced = protected_with_enhanced_policy(vm, [*ctx.vaults, *([ctx.vault] if ctx.vault else [])])
    if enhanced is not False:  # met, or unknown (a failed read never raises a finding)
        return None
    return Hit({"reasons": "; ".join(reasons)})


def _redundancy_problem(vault: VaultFacts | None) -> str | None:
    if vault is None:
        return None
    if vault.cross_region_restore:
        return "has Cross Region Restore"
    if _lower(vault.redundancy) == "georedundant":
        return "is geo-redundant (GRS)"
    return None


@check(
    "vm-ultra-disk-grs",
    "vm",
    ["reasons", "vault", "vault_problem", "vault_location"],
    severities=["blocker", "warning"],
)
def check_vm_ultra_disk_grs(vm: VmFacts, ctx: Context) -> Hit | None:
    reasons = v2_ultra_reasons(vm)
    problem = _redundancy_problem(ctx.vault)
    regions = ctx.lists.get(LIST_OF["vm-ultra-disk-grs"])
    if not reasons or problem is None or ctx.vault is None or regions is None:
        return None
    if regions.has(ctx.vault.location):
        return None
    return Hit(
        {
            "reasons": "; ".join(reasons),
            "vault": ctx.vault.name,
            "vault_problem": problem,
            "vault_location": ctx.vault.location,
        },
        severity="blocker" if regions.complete else "warning",
    )


@check("vm-trusted-launch", "vm")
def check_vm_trusted_launch(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if _lower(vm.security_type) == "trustedlaunch" else None


_CVM_V6_SIZE = re.compile(r"^standard_[de]c\d+a[a-z]*_v6$", re.IGNORECASE)  # DCa / ECa v6 (DCasv6, ECadsv6)


@check("vm-confidential-prerequisites", "vm", ["problems", "size"], severities=["blocker", "warning"])
def check_vm_confidential_prerequisites(vm: VmFacts, ctx: Context) -> Hit | None:
    if _lower(vm.security_type) != "confidentialvm":
        return None
    problems = []
    if vm.vm_size and not _CVM_V6_SIZE.match(vm.vm_size):
        problems.append(f"its size {vm.vm_size} is not a DCa or ECa v6 size")
    regions = ctx.lists.get(LIST_OF["vm-confidential-prerequisites"])
    if regions is not None and vm.location and not regions.has(vm.location):
        problems.append(f"its region {vm.location} is not one where confidential VM backup is offered")
    if ctx.vault is not None and ctx.vault.cross_region_restore:
        problems.append(
            f"vault {ctx.vault.name} has Cross Region Restore, which confidential VMs do not support"
        )
    return Hit(
        {"problems": "; ".join(problems), "size": vm.vm_size or "unknown"},
        severity="blocker" if problems else "warning",
    )


@check("vm-write-accelerator", "vm", ["disks"], severities=["warning", "blocker"])
def check_vm_write_accelerator(vm: VmFacts, ctx: Context) -> Hit | None:
    disks = [d for d in vm.disks if d.write_accelerator]
    if not disks:
        return None
    return Hit({"disks": _names(disks)}, severity="blocker" if any(d.is_os for d in disks) else "warning")


@check("vm-disk-data-access-auth", "vm", ["disks"])
def check_vm_disk_data_access_auth(vm: VmFacts, ctx: Context) -> Hit | None:
    disks = [d for d in vm.disks if _lower(d.data_access_auth_mode) == "azureactivedirectory"]
    return Hit({"disks": _names(disks)}) if disks else None


@check("vm-data-disk-security-type", "vm", ["disks"])
def check_vm_data_disk_security_type(vm: VmFacts, ctx: Context) -> Hit | None:
    disks = [
        d for d in vm.data_disks if _lower(d.security_type).startswith(("trustedlaunch", "confidentialvm"))
    ]
    if not disks:
        return None
    return Hit({"disks": ", ".join(f"{d.name} ({d.security_type})" for d in disks)})


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


@check("vm-spot", "vm")
def check_vm_spot(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if _lower(vm.priority) == "spot" else None


def restore_point_group(vm: VmFacts, group: str) -> bool:
    """Whether ``group`` is a restore-point resource group Azure Backup makes for VMs of this region
    (``AzureBackupRG_<region>_<n>``)."""
    return re.fullmatch(rf"azurebackuprg_{re.escape(_region(vm.location))}_\d+", _lower(group)) is not None


def blocking_locks(vm: VmFacts, locks: Sequence[LockFacts]) -> list[tuple[LockFacts, str]]:
    """(lock, where) for every CanNotDelete/ReadOnly lock that breaks this VM's restore-point cleanup."""
    out = []
    sub_scope = f"/subscriptions/{_lower(vm.subscription_id)}"
    for lock in locks:
        if _lower(lock.level) not in BLOCKING_LOCKS:
            continue
        scope = _lower(lock.scope).rstrip("/")
        parts = scope.split("/")
        if scope == sub_scope:
            out.append((lock, "on the subscription"))
        elif len(parts) == 5 and scope.startswith(sub_scope + "/resourcegroups/"):
            group = lock.scope.rstrip("/").split("/")[4]
            if _lower(group) == _lower(vm.resource_group):
                out.append((lock, f"on the VM's resource group {group}"))
            elif restore_point_group(vm, group):
                out.append((lock, f"on the restore-point resource group {group}"))
    return out


@check("vm-resource-lock", "vm", ["locks", "lock_id"])
def check_vm_resource_lock(vm: VmFacts, ctx: Context) -> Hit | None:
    if ctx.sub is None or ctx.sub.locks is None:
        return None
    found = blocking_locks(vm, ctx.sub.locks)
    if not found:
        return None
    listed = "; ".join(f"{lock.name} ({lock.level}) {where}" for lock, where in found)
    return Hit({"locks": listed, "lock_id": found[0][0].id})


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
    minimum = agent_unsupported(vm)
    if minimum is not None:
        reasons.append(
            f"its VM agent {vm.agent.version} is older than the supported {_version(minimum)} "
            "(unsupported agents need outbound access to Azure Storage)"
        )
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
# in-guest probe (and the model's allowExtensionOperations)
# ----------------------------------------------------------------------------------------------------------


@check("guest-wireserver-unreachable", "vm", ["ports"])
def check_guest_wireserver_unreachable(vm: VmFacts, ctx: Context) -> Hit | None:
    if vm.guest is None:
        return None
    g = vm.guest
    ports = [
        p
        for p, ok in (("80", g.wireserver_80), ("443", g.wireserver_443), ("32526", g.wireserver_32526))
        if ok is False
    ]
    if not ports:
        return None
    return Hit({"ports": ("ports " if len(ports) > 1 else "port ") + ", ".join(ports)})


@check("guest-dhcp-disabled", "vm")
def check_guest_dhcp_disabled(vm: VmFacts, ctx: Context) -> Hit | None:
    return Hit() if vm.guest is not None and vm.guest.dhcp is False else None


@check("guest-extensions-disabled", "vm", ["reasons"])
def check_guest_extensions_disabled(vm: VmFacts, ctx: Context) -> Hit | None:
    reasons = []
    if vm.allow_extension_operations is False:
        reasons.append("the VM model has osProfile.allowExtensionOperations set to false")
    g = vm.guest
    if g is not None and g.extensions_enabled is False:
        reasons.append("/etc/waagent.conf has Extensions.Enable=n")
    if g is not None and g.provisioning_agent is not None and _lower(g.provisioning_agent) != "auto":
        reasons.append(f"/etc/waagent.conf has Provisioning.Agent={g.provisioning_agent} (not auto)")
    return Hit({"reasons": "; ".join(reasons)}) if reasons else None
