"""Plain-text descriptions of vaults, vault plans and their outcomes, for dialogs and result panels.

Plain text on purpose: it goes into ``Static`` with markup off, and every state carries a word or a mark
(NO_COLOR loses nothing).
"""

from __future__ import annotations

from tui.model import VaultFacts
from tui.services.vaults import ApplyResult, Plan, StepOutcome, StepStatus
from tui.textsafe import clean
from tui.widgets.redundancy import short_redundancy

OUTCOME_MARK = {
    StepStatus.OK: "✓",
    StepStatus.FAILED: "✗",
    StepStatus.REFUSED: "✗",
    StepStatus.NOT_RUN: "–",
    StepStatus.INTERRUPTED: "?",
}


def _vms(vault: VaultFacts) -> str:
    if vault.items_unreadable is not None:
        return "protected VMs not counted: their list could not be read"
    n = vault.protected_vms
    return f"{n} protected VM" + ("" if n == 1 else "s")


def lock_state(vault: VaultFacts) -> str:
    """ "locked (N protected VMs)", "can still be changed" or "lock state unknown"."""
    counted = vault.protected_vms or vault.items_unreadable is not None
    if vault.redundancy_locked is True:
        return f"locked ({_vms(vault)})"
    if vault.redundancy_locked is False:
        return "can still be changed" + (f" ({_vms(vault)})" if counted else "")
    return "lock state unknown (it is locked once a VM is protected)"


def vault_line(vault: VaultFacts) -> str:
    """One line: redundancy, CRR and whether the redundancy is locked."""
    crr = "on" if vault.cross_region_restore else "off"
    return (
        f"{short_redundancy(vault.redundancy)} · Cross Region Restore {crr} · redundancy {lock_state(vault)}"
    )


def vault_details(vault: VaultFacts) -> str:
    """A few lines about an existing vault, for the details panel."""
    crr = "on (cannot be turned off)" if vault.cross_region_restore else "off"
    return (
        f"{clean(vault.name)}  (resource group {clean(vault.resource_group)}, {clean(vault.location)})\n"
        f"Storage redundancy: {clean(vault.redundancy or 'unknown')} ({short_redundancy(vault.redundancy)})"
        f" · Cross Region Restore: {crr}\n"
        f"Redundancy: {lock_state(vault)}"
        + "".join(f"\nNot read: {clean(u)} (what depends on it is unknown)" for u in vault.unreadable)
    )


def plan_body(plan: Plan) -> str:
    """The confirmation text: each request in order (what, ARM operation) and what cannot be undone."""
    sub = f"/subscriptions/{plan.subscription_id}"
    lines = [plan.summary + ".", f"Subscription {plan.subscription_id}.", "", "Will be sent, in this order:"]
    for n, step in enumerate(plan.steps, 1):
        lines.append(f" {n}. {step.description}")
        # The subscription is stated once above, so each request fits a line: "PUT …/resourceGroups/rg".
        lines.append(f"    {step.operation.replace(sub, '…', 1)}")
        if step.irreversible:
            lines.append(f"    ! cannot be undone: {step.why or 'irreversible'}")
    if plan.irreversible:
        lines += ["", "Permanent or locked afterwards:"]
        lines += [f" • {item}" for item in plan.irreversible]
    lines += ["", "Nothing else is changed. Each request is recorded in the session (ctrl+e exports it)."]
    return "\n".join(clean(line) for line in lines)


def outcome_line(outcome: StepOutcome) -> str:
    mark = OUTCOME_MARK.get(outcome.status, "?")
    rid = f" (request id {outcome.request_id})" if outcome.request_id else ""
    status = "" if outcome.status == StepStatus.OK else f" {outcome.status.upper()}:"
    line = clean(f"{mark} {outcome.step.description} —{status} {outcome.message}".rstrip() + rid)
    if outcome.remedy and outcome.status in (StepStatus.FAILED, StepStatus.REFUSED):
        line += f"\n   What to do: {clean(outcome.remedy)}"
    return line


def result_text(result: ApplyResult, now: VaultFacts | None = None) -> str:
    """What happened, step by step, and the vault as it is now (``now``: as the wizard knows it today; else
    as re-read from Azure right after the steps)."""
    head = "Done." if result.ok else "Not completed."
    lines = [clean(f"{head} {result.plan.summary}.")]
    lines += [outcome_line(o) for o in result.outcomes]
    vault = now or result.vault
    if vault is not None:
        lines.append(f"Now in Azure: {clean(vault.name)} · {vault_line(vault)}")
    elif result.read_error:
        lines.append(f"Could not re-read the vault: {clean(result.read_error)}")
    return "\n".join(lines)
