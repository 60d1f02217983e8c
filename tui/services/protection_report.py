"""What the protect command and the wizard's Protect step say about a protection run (no Textual here).

Shared wording so the CLI and the wizard tell the same story: which VMs a default selection leaves out and
why, the one-way warning of an Enhanced policy, each VM's result, and one summary line naming exactly which
VMs succeeded, failed, were refused or skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.model import VaultFacts, region_key
from tui.textsafe import clean

from .assessment import Assessment, VmAssessment
from .protection import PlanAction, PolicyInfo, ProtectionPlan, VmOutcome, VmResult

ONE_WAY = (
    "Enhanced policy: a VM moved from a Standard to an Enhanced policy cannot be moved back to Standard "
    "(the move is one-way)."
)
RESULT_MARK = {
    VmOutcome.PROTECTED: "✓",
    VmOutcome.ALREADY_PROTECTED: "=",
    VmOutcome.REFUSED: "⊘",
    VmOutcome.FAILED: "✗",
}


@dataclass(frozen=True)
class LeftOut:
    vm_name: str
    reason: str


def default_selection(assessment: Assessment, vault: VaultFacts) -> tuple[list[VmAssessment], list[LeftOut]]:
    """The VMs of the vault's region and subscription that the rules say are ready or warning, and the others
    of that region and subscription with why they were left out (blocked or unknown: never enabled blindly)."""
    chosen: list[VmAssessment] = []
    left: list[LeftOut] = []
    for a in assessment.vms:
        vm = a.vm
        if region_key(vm.location) != region_key(vault.location):
            continue
        if vm.subscription_id.lower() != vault.subscription_id.lower():
            continue
        if a.verdict in ("ready", "warning"):
            chosen.append(a)
            continue
        if a.verdict == "blocked":
            blockers = [f for f in a.findings if f.severity == "blocker"]
            why = "blocked: " + "; ".join(f"{f.title} ({f.rule})" for f in blockers)
        else:
            why = "unknown: " + ("; ".join(a.unknown_reasons) or "some facts could not be read")
        left.append(LeftOut(clean(vm.name), clean(why)))
    return chosen, left


def policy_warnings(policy: PolicyInfo, plan: ProtectionPlan | None = None) -> list[str]:
    """Warnings that belong next to the chosen policy, before anything is confirmed."""
    out = [ONE_WAY] if policy.enhanced else []
    if plan is not None:
        out += [f"{clean(p.vm.name)}: {clean(w)}" for p in plan.vms for w in p.warnings]
    return out


def is_success(r: VmResult) -> bool:
    """Protected (and not in error) or already protected: nothing left to do for this VM."""
    return r.result == VmOutcome.ALREADY_PROTECTED or (
        r.result == VmOutcome.PROTECTED and r.protection_state != "ProtectionError"
    )


def result_detail(r: VmResult) -> str:
    """One line for the session and the result table: state, job and what went wrong."""
    parts = []
    if r.protection_state:
        parts.append(f"state {r.protection_state}")
    if r.job_id:
        parts.append(f"job {r.job_id}")
    if r.message:
        parts.append(r.message)
    if r.remedy and (
        r.result in (VmOutcome.REFUSED, VmOutcome.FAILED) or r.protection_state == "ProtectionError"
    ):
        parts.append(f"What to do: {r.remedy}")
    return clean("; ".join(p for p in parts if p))


def summary_line(results: Sequence[VmResult]) -> str:
    """Exactly which VMs succeeded, which were already protected, refused or failed."""
    groups: dict[str, list[str]] = {}
    for r in results:
        key = r.result
        if r.result == VmOutcome.PROTECTED and r.protection_state == "ProtectionError":
            key = "protected-in-error"
        groups.setdefault(key, []).append(clean(r.vm.name))
    labels = (
        ("protected", "Protected"),
        ("protected-in-error", "Protected but in error"),
        ("already-protected", "Already protected (skipped)"),
        ("refused", "Refused"),
        ("failed", "Failed"),
    )
    parts = [
        f"{label} ({len(groups[k])}): {', '.join(sorted(groups[k]))}" for k, label in labels if groups.get(k)
    ]
    return ". ".join(parts) + "." if parts else "No VM was part of the plan."


def plan_rows(plan: ProtectionPlan) -> list[tuple[str, str, str, str, str]]:
    """(VM, our verdict, the service's pre-validation, plan, reason and remedy) for each VM of the plan."""
    action = {
        PlanAction.ENABLE: "enable",
        PlanAction.ALREADY_PROTECTED: "already protected",
        PlanAction.REFUSED: "refused",
    }
    rows = []
    for p in plan.vms:
        why = p.reason + (f" What to do: {p.remedy}" if p.action == PlanAction.REFUSED and p.remedy else "")
        rows.append(
            (
                clean(p.vm.name),
                p.our_verdict or "-",
                clean(p.service_verdict or "not asked"),
                action[p.action],
                clean(why.strip()),
            )
        )
    return rows
