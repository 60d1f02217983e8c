"""Enabling Azure Backup protection for VMs, safely: policies, pre-validation, a plan, then the writes.

Order of work, and why:
1. Policies of the vault are listed with their schedule and retention in words; a VM that needs the
   Enhanced policy (Premium SSD v2 / Ultra disks) is refused a Standard policy here, and every VM a policy
   that already protects 1,000 items, before any request, instead of failing late in the service.
2. Each VM is pre-validated by the service (backupPreValidateProtection) next to our own verdict; a VM that
   fails either is not enabled, with the service's code and message and our remedy.
3. For the confirmed plan: refresh the vault's containers once (without it the service answers the
   infamous "VM not found"), find each VM's protectable item by full resource id, create the protected
   item and follow the operation to its end, then read the item back (protection state, health, job id).
A VM already protected by this vault with this policy is reported, not re-done; one protected by another
vault is refused with that vault's id. One VM failing never stops the others.
No Textual imports here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from azure.core.exceptions import AzureError

from tui.azure import ClientFactory, RequestIdHook, explain
from tui.model import VaultFacts, VmFacts, same_id
from tui.textsafe import clean

from .actions import Reported
from .assessment import VmAssessment
from .concurrency import Progress, bounded_gather
from .facts import IAAS_FILTER, item_health, policy_facts

ENHANCED_RULE = "vm-requires-enhanced-policy"
MAX_ITEMS_PER_POLICY = 1000  # the Azure CLI's enable-for-vm refuses a policy at this count
PLAN_CONCURRENCY = 8  # pre-validations at once (POSTs: ARM's write budget is 10/s)


# -- policies ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyInfo:
    id: str
    name: str
    policy_type: str  # V1 (Standard) | V2 (Enhanced)
    schedule: str  # in words
    retention: str  # in words
    protected_items: int = 0

    @property
    def enhanced(self) -> bool:
        return self.policy_type.upper() == "V2"

    @property
    def kind(self) -> str:
        return "Enhanced" if self.enhanced else "Standard"

    def describe(self) -> str:
        return clean(f"{self.name} ({self.kind}): {self.schedule}; {self.retention}")


def _time(value: Any) -> str:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).strftime("%H:%M")
    except ValueError:
        return str(value)


def describe_schedule(props: dict[str, Any]) -> str:
    sched = props.get("schedulePolicy") or {}
    tz = props.get("timeZone") or "UTC"
    freq = str(sched.get("scheduleRunFrequency") or "")
    if freq == "Hourly":
        h = sched.get("hourlySchedule") or {}
        return (
            f"every {h.get('interval', '?')} hours from {_time(h.get('scheduleWindowStartTime'))} {tz} "
            f"for {h.get('scheduleWindowDuration', '?')} hours"
        )
    times = sched.get("scheduleRunTimes") or (sched.get("dailySchedule") or {}).get("scheduleRunTimes") or []
    at = ", ".join(_time(t) for t in times) or "?"
    if freq == "Weekly":
        days = (
            sched.get("scheduleRunDays") or (sched.get("weeklySchedule") or {}).get("scheduleRunDays") or []
        )
        return f"weekly on {', '.join(days) or '?'} at {at} {tz}"
    return f"daily at {at} {tz}" if freq else "no schedule"


def describe_retention(props: dict[str, Any]) -> str:
    ret = props.get("retentionPolicy") or {}
    parts = []
    for key, label in (
        ("dailySchedule", "daily"),
        ("weeklySchedule", "weekly"),
        ("monthlySchedule", "monthly"),
        ("yearlySchedule", "yearly"),
    ):
        dur = (ret.get(key) or {}).get("retentionDuration") or {}
        if dur.get("count"):
            parts.append(f"{label} points {dur['count']} {str(dur.get('durationType', '')).lower()}")
    snap = props.get("instantRpRetentionRangeInDays")
    text = "keeps " + ", ".join(parts) if parts else "retention not set"
    return text + (f", snapshots {snap} days" if snap else "")


def policy_info(doc: dict[str, Any]) -> PolicyInfo | None:
    """An Azure VM policy with its schedule and retention in words; None for a policy of another workload."""
    facts = policy_facts(doc)
    if facts is None:
        return None
    props = doc.get("properties") or {}
    return PolicyInfo(
        id=facts.id,
        name=facts.name,
        policy_type=facts.policy_type,
        schedule=describe_schedule(props),
        retention=describe_retention(props),
        protected_items=facts.protected_items or 0,
    )


async def list_policies(factory: ClientFactory, vault: VaultFacts) -> list[PolicyInfo]:
    """The vault's Azure VM policies, Standard first, then by name."""
    client = factory.backup(vault.subscription_id)
    docs = [
        p.as_dict()
        async for p in client.backup_policies.list(vault.name, vault.resource_group, filter=IAAS_FILTER)
    ]
    infos = [info for d in docs if (info := policy_info(d)) is not None]
    return sorted(infos, key=lambda p: (p.enhanced, p.name.lower()))


def needs_enhanced(a: VmAssessment) -> bool:
    return any(f.rule == ENHANCED_RULE for f in a.findings)


def preselect_policy(policies: Sequence[PolicyInfo], vms: Sequence[VmAssessment]) -> PolicyInfo | None:
    """A policy that fits every selected VM: Enhanced when any needs it, else DefaultPolicy (or any Standard);
    never one that already protects 1,000 items."""
    policies = [p for p in policies if p.protected_items < MAX_ITEMS_PER_POLICY]
    if not policies:
        return None
    if any(needs_enhanced(a) for a in vms):
        enhanced = [p for p in policies if p.enhanced]
        return next((p for p in enhanced if p.name == "EnhancedPolicy"), enhanced[0] if enhanced else None)
    return next(
        (p for p in policies if p.name == "DefaultPolicy"),
        next((p for p in policies if not p.enhanced), policies[0]),
    )


def policy_refusal(policy: PolicyInfo, a: VmAssessment) -> str | None:
    """Why ``policy`` cannot protect this VM (before any request), or None."""
    if policy.protected_items >= MAX_ITEMS_PER_POLICY:
        return (
            f"{policy.name} already protects {policy.protected_items:,} items; a policy protects at most "
            f"{MAX_ITEMS_PER_POLICY:,}"
        )
    if not policy.enhanced and needs_enhanced(a):
        why = next(f.detail for f in a.findings if f.rule == ENHANCED_RULE)
        return (
            f"{policy.name} is a Standard policy, and {a.vm.name} can only be protected with an Enhanced "
            f"policy: {why}"
        )
    return None


# -- the plan --------------------------------------------------------------------------------------------------
class PlanAction(StrEnum):
    ENABLE = "enable"
    ALREADY_PROTECTED = "already-protected"
    REFUSED = "refused"


@dataclass
class VmPlan:
    vm: VmFacts
    action: PlanAction
    reason: str = ""  # why refused / what is already the case
    remedy: str = ""
    our_verdict: str = ""
    service_verdict: str = ""  # pre-validation: "Succeeded" | "Failed: <code>" | "not asked"
    warnings: list[str] = field(default_factory=list)  # e.g. the one-way Standard -> Enhanced move


@dataclass
class ProtectionPlan:
    vault: VaultFacts
    policy: PolicyInfo
    vms: list[VmPlan]

    @property
    def to_enable(self) -> list[VmPlan]:
        return [p for p in self.vms if p.action == PlanAction.ENABLE]

    def describe(self) -> str:
        vault = self.vault
        lines = [
            clean(f"Vault: {vault.name} ({vault.location}, {vault.redundancy or 'redundancy unknown'})"),
            f"Policy: {self.policy.describe()}",
            "",
        ]
        for p in self.vms:
            mark = {
                PlanAction.ENABLE: "+ enable",
                PlanAction.ALREADY_PROTECTED: "= already",
                PlanAction.REFUSED: "x refused",
            }[p.action]
            lines.append(f"{mark:10s} {clean(p.vm.name)}" + (f": {clean(p.reason)}" if p.reason else ""))
            lines += [f"           ! {clean(w)}" for w in p.warnings]
        if self.to_enable:
            lines += [
                "",
                f"{len(self.to_enable)} VM(s) will be protected. Once a VM is protected, the vault's storage "
                "redundancy can no longer be changed, and the first backup runs at the policy's next scheduled "
                "time. Each write is PUT .../protectionContainers/{container}/protectedItems/{item}.",
            ]
        else:
            lines += ["", "Nothing will be changed in Azure."]
        return "\n".join(lines)


async def prevalidate(factory: ClientFactory, vault: VaultFacts, vm: VmFacts) -> tuple[str, str, str]:
    """(status, error code, message) from the service's backupPreValidateProtection for this VM and vault."""
    client = factory.backup(vm.subscription_id)
    r = await client.protection_intent.validate(
        vm.location, {"resourceType": "VM", "resourceId": vm.id, "vaultId": vault.id, "properties": ""}
    )
    d = r.as_dict()
    return str(d.get("status") or ""), str(d.get("errorCode") or ""), str(d.get("errorMessage") or "")


async def plan_protection(
    factory: ClientFactory,
    vault: VaultFacts,
    policy: PolicyInfo,
    assessments: Sequence[VmAssessment],
    *,
    current_policies: dict[str, str] | None = None,
) -> ProtectionPlan:
    """Decide per VM: enable, already protected (same vault and policy), or refused (with reason and remedy).

    ``current_policies`` maps lower VM id -> the policy name it is protected with in this vault, if any.
    """
    current_policies = current_policies or {}
    plans: list[VmPlan] = []

    async def one(a: VmAssessment) -> VmPlan:
        vm = a.vm
        p = VmPlan(vm=vm, action=PlanAction.ENABLE, our_verdict=a.verdict)
        prot = vm.protection
        if prot.vault_id and not same_id(prot.vault_id, vault.id):
            p.action, p.reason = PlanAction.REFUSED, f"already protected by another vault: {prot.vault_id}"
            p.remedy = "Keep it in that vault, or stop protection there first (a VM can be protected by one vault only)."
            return p
        if prot.vault_id and same_id(prot.vault_id, vault.id):
            current = current_policies.get(vm.id.lower()) or prot.policy_name
            if current and current.lower() == policy.name.lower():
                p.action, p.reason = (
                    PlanAction.ALREADY_PROTECTED,
                    f"already protected by {vault.name} with {policy.name}",
                )
                return p
            p.warnings.append(
                f"moves from policy {current} to {policy.name}"
                + (
                    "; moving from Standard to Enhanced is one-way: it cannot be moved back"
                    if policy.enhanced
                    else ""
                )
            )
        refusal = policy_refusal(policy, a)
        if refusal:
            p.action, p.reason = PlanAction.REFUSED, refusal
            p.remedy = (
                "Choose another policy of the vault, or create one with the same schedule."
                if policy.protected_items >= MAX_ITEMS_PER_POLICY
                else "Choose an Enhanced policy (for example EnhancedPolicy) for this VM."
            )
            return p
        blockers = [f for f in a.findings if f.severity == "blocker" and f.rule != "vm-already-protected"]
        if blockers:
            p.action = PlanAction.REFUSED
            p.reason = "; ".join(f"{f.title} ({f.rule})" for f in blockers)
            p.remedy = blockers[0].remedy
            return p
        try:
            status, code, message = await prevalidate(factory, vault, vm)
        except AzureError as e:
            pr = explain(e)
            p.action, p.service_verdict = PlanAction.REFUSED, f"pre-validation failed: {pr.title}"
            p.reason, p.remedy = f"{pr.title}: {pr.detail}", pr.remedy
            return p
        p.service_verdict = status if status.lower() == "succeeded" else f"{status}: {code}"
        if status.lower() != "succeeded":
            p.action, p.reason = PlanAction.REFUSED, f"the service's pre-validation failed: {code}: {message}"
            p.remedy = "Fix what the service names, then run the plan again."
        return p

    plans = await bounded_gather(one, assessments, limit=PLAN_CONCURRENCY)
    return ProtectionPlan(vault=vault, policy=policy, vms=plans)


# -- doing it ------------------------------------------------------------------------------------------------
class VmOutcome(Reported):
    PROTECTED = "protected"
    ALREADY_PROTECTED = "already-protected"
    REFUSED = "refused"
    FAILED = "failed"


@dataclass
class VmResult:
    vm: VmFacts
    result: VmOutcome
    protection_state: str | None = None
    health: str | None = None
    job_id: str | None = None
    message: str = ""
    remedy: str = ""
    request_ids: list[str] = field(default_factory=list)


@dataclass
class SendLog:
    """What ``enable`` has sent so far, kept as it goes so an interrupted run can say it.

    Per lower VM id: ``sent`` (the PUT left, no answer yet: Azure may or may not have it), ``accepted``
    (Azure answered 202: protection is being configured), then ``protected`` / ``failed``.
    """

    refresh: str = "not sent"  # the container refresh (a POST): "sent" | "done"
    vms: dict[str, str] = field(default_factory=dict)
    request_ids: dict[str, str] = field(default_factory=dict)


class ProtectionService:
    def __init__(self, factory: ClientFactory, *, concurrency: int = 4, poll_timeout: float = 1800) -> None:
        self.factory = factory
        self.concurrency = concurrency
        self.poll_timeout = poll_timeout
        self.sent = SendLog()

    async def refresh_containers(self, vault: VaultFacts) -> None:
        """Ask the service to discover the VMs it can protect, and wait for it to finish."""
        client = self.factory.backup(vault.subscription_id)
        location = await client.protection_containers.refresh(
            vault.name,
            vault.resource_group,
            "Azure",
            filter=IAAS_FILTER,
            cls=lambda pr, _d, _h: pr.http_response.headers.get("Location"),
        )
        if not location:
            return
        op_id = location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        deadline = asyncio.get_running_loop().time() + self.poll_timeout
        while True:
            status = await client.protection_container_refresh_operation_results.get(
                vault.name,
                vault.resource_group,
                "Azure",
                op_id,
                cls=lambda pr, _d, _h: pr.http_response.status_code,
            )
            if status != 202:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(
                    f"the container refresh of {vault.name} did not finish in {self.poll_timeout:.0f} s"
                )
            await asyncio.sleep(1)

    async def protectable_items(self, vault: VaultFacts) -> dict[str, tuple[str, str]]:
        """Lower VM id -> (container name, item name), from the vault's protectable items."""
        client = self.factory.backup(vault.subscription_id)
        out: dict[str, tuple[str, str]] = {}
        async for item in client.backup_protectable_items.list(
            vault.name, vault.resource_group, filter=IAAS_FILTER
        ):
            d = item.as_dict()
            vm_id = str((d.get("properties") or {}).get("virtualMachineId") or "")
            parts = str(d.get("id", "")).split("/")
            low = [x.lower() for x in parts]
            if vm_id and "protectioncontainers" in low and "protectableitems" in low:
                out[vm_id.lower()] = (
                    parts[low.index("protectioncontainers") + 1],
                    parts[low.index("protectableitems") + 1],
                )
        return out

    async def enable(self, plan: ProtectionPlan, progress: Progress | None = None) -> list[VmResult]:
        results = [
            VmResult(
                p.vm,
                VmOutcome.ALREADY_PROTECTED
                if p.action == PlanAction.ALREADY_PROTECTED
                else VmOutcome.REFUSED,
                message=p.reason,
                remedy=p.remedy,
            )
            for p in plan.vms
            if p.action != PlanAction.ENABLE
        ]
        todo = plan.to_enable
        if not todo:
            return results
        if progress:
            progress("refreshing the vault's containers", 0, len(todo))
        self.sent.refresh = "sent"
        await self.refresh_containers(plan.vault)
        self.sent.refresh = "done"
        items = await self.protectable_items(plan.vault)

        async def one(p: VmPlan) -> VmResult:
            return await self._enable_one(plan, p, items)

        results += await bounded_gather(
            one,
            todo,
            limit=self.concurrency,
            progress=progress,
            stage=lambda p, r: f"{p.vm.name}: {r.result}",
        )
        return results

    async def _enable_one(
        self, plan: ProtectionPlan, p: VmPlan, items: dict[str, tuple[str, str]]
    ) -> VmResult:
        vm, vault = p.vm, plan.vault
        names = items.get(vm.id.lower())
        if names is None and vm.protection.vault_id and same_id(vm.protection.vault_id, vault.id):
            rg = vm.resource_group.lower()
            names = (
                f"IaasVMContainer;iaasvmcontainerv2;{rg};{vm.name.lower()}",
                f"VM;iaasvmcontainerv2;{rg};{vm.name.lower()}",
            )
        if names is None:
            return VmResult(
                vm,
                VmOutcome.FAILED,
                message=(
                    f"{vm.name} is not among the vault's protectable VMs after the refresh: it is in "
                    f"another region than {vault.name} ({vault.location}), already protected elsewhere, "
                    "or was deleted."
                ),
                remedy="Check the VM's region and its protection status (az backup protection check-vm).",
            )
        container, item = names
        client = self.factory.backup(vault.subscription_id)
        key = vm.id.lower()
        hook = RequestIdHook(on_request_id=lambda rid: self.sent.request_ids.__setitem__(key, rid))

        body = {
            "properties": {
                "protectedItemType": "Microsoft.Compute/virtualMachines",
                "sourceResourceId": vm.id,
                "policyId": plan.policy.id,
            }
        }
        self.sent.vms[key] = "sent"
        try:
            poller = await client.protected_items.begin_create_or_update(
                vault.name,
                vault.resource_group,
                "Azure",
                container,
                item,
                body,
                raw_response_hook=hook,
            )
            self.sent.vms[key] = "accepted"
            doc = await asyncio.wait_for(poller.result(), timeout=self.poll_timeout)
        except (AzureError, TimeoutError) as e:
            self.sent.vms[key] = "failed"
            pr = explain(e)
            code = getattr(getattr(e, "error", None), "code", None)
            return VmResult(
                vm,
                VmOutcome.FAILED,
                message=f"{code + ': ' if code else ''}{pr.detail or pr.title}",
                remedy=pr.remedy,
                request_ids=[hook.request_id] if hook.request_id else [],
            )
        self.sent.vms[key] = "protected"
        item_doc = doc.as_dict() if doc is not None else {}
        props = item_doc.get("properties") or {}
        job_id = await self._job_id(client, vault, container, item, hook.get("Azure-AsyncOperation"))
        health = item_health(item_doc)
        state = props.get("protectionState")
        result = VmResult(
            vm,
            VmOutcome.PROTECTED,
            protection_state=state,
            health=props.get("healthStatus"),
            job_id=job_id,
            request_ids=[hook.request_id] if hook.request_id else [],
        )
        if state == "ProtectionError":
            result.message = f"protection is configured but in error: {health or props.get('healthStatus')}"
            result.remedy = (
                "The VM agent must be running and Ready for the first backup: restart the agent "
                "(Windows: WindowsAzureGuestAgent service; Linux: systemctl restart walinuxagent)."
            )
        return result

    async def _job_id(
        self, client: Any, vault: VaultFacts, container: str, item: str, status_url: str | None
    ) -> str | None:
        if not status_url:
            return None
        op_id = status_url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        try:
            status = await client.protected_item_operation_statuses.get(
                vault.name, vault.resource_group, "Azure", container, item, op_id
            )
        except AzureError:
            return None
        return ((status.as_dict().get("properties") or {}).get("jobId")) or None
