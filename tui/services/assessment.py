"""Putting it together: every subscription, vault and VM of an inventory evaluated against the rules.

A VM is assessed against a vault: the chosen one (``--vault`` / the wizard's choice) or, with none chosen,
the vault it would naturally go to: the one that already protects it, else a vault in its region and
subscription that still has room (the emptiest), else none (then the vault rules stay quiet: a full vault is
not where a new VM would go, so ``vault-vm-limit`` fires only for a vault the user chose). When a vault of
the region could not be counted (its protected items unreadable), that choice is unknown, and so is the
VM's verdict unless a blocker of its own is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.model import Finding, Inventory, Unreadable, VaultFacts, Verdict, VmFacts, same_id
from tui.rules import RuleBook, evaluate_seed, unknown_reasons, unreadable_for, verdict

VAULT_VM_LIMIT = 1000


@dataclass
class VmAssessment:
    vm: VmFacts
    vault: VaultFacts | None
    findings: list[Finding]
    verdict: Verdict
    unknown_reasons: list[str] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)  # what could not be read for the verdict


@dataclass
class Assessment:
    inventory: Inventory
    rules_version: str
    chosen_vault: VaultFacts | None
    subscriptions: dict[str, list[Finding]]  # lower sub id -> findings
    vaults: dict[str, list[Finding]]  # lower vault id -> findings
    vms: list[VmAssessment]
    seed: list[dict[str, object]]

    def summary(self) -> dict[str, int]:
        counts = {"vms": len(self.vms), "ready": 0, "warning": 0, "blocked": 0, "unknown": 0}
        for a in self.vms:
            counts[a.verdict] += 1
        return counts

    def all_findings(self) -> list[Finding]:
        out = [f for fs in self.subscriptions.values() for f in fs]
        out += [f for fs in self.vaults.values() for f in fs]
        out += [f for a in self.vms for f in a.findings]
        return out


def natural_vault(vm: VmFacts, vaults: list[VaultFacts]) -> VaultFacts | None:
    """The vault a VM would use when the user has not chosen one."""
    return natural_home(vm, vaults)[0]


def natural_home(vm: VmFacts, vaults: list[VaultFacts]) -> tuple[VaultFacts | None, list[VaultFacts]]:
    """The vault a VM would use when the user has not chosen one, and the vaults that might be it instead.

    A vault of the region whose protected items could not be read might be the emptiest one: its count
    reads 0 without being 0. Those are returned beside the choice among the vaults that could be counted,
    so that a failed read never silently picks the vault whose properties decide the verdict (issue 12)."""
    if vm.protection.vault_id:
        for v in vaults:
            if same_id(v.id, vm.protection.vault_id):
                return v, []
    here = [
        v
        for v in vaults
        if v.location.lower() == vm.location.lower()
        and v.subscription_id.lower() == vm.subscription_id.lower()
    ]
    undecided = [v for v in here if v.items_unreadable is not None]
    roomy = [v for v in here if v.protected_vms < VAULT_VM_LIMIT and v.items_unreadable is None]
    if not roomy:  # a full vault is no natural home: the VM would go to a new vault
        return None, undecided
    return min(roomy, key=lambda v: (v.protected_vms, v.name.lower())), undecided


def _outcome(findings: list[Finding]) -> frozenset[tuple[str, str]]:
    return frozenset((f.rule, f.severity) for f in findings)


def assess(inventory: Inventory, rules: RuleBook, *, vault: VaultFacts | None = None) -> Assessment:
    subs = {s.id.lower(): rules.evaluate_subscription(s) for s in inventory.subscriptions}
    vaults = {v.id.lower(): rules.evaluate_vault(v) for v in inventory.vaults}
    assessed: list[VmAssessment] = []
    for vm in inventory.vms:
        sub = inventory.subscription(vm.subscription_id)
        target, undecided = (vault, []) if vault is not None else natural_home(vm, inventory.vaults)
        findings = rules.evaluate_vm(vm, sub, target, inventory.vaults)
        undecided_reads: list[Unreadable] = []
        # A vault that could not be counted might be the VM's home instead: the verdict stands only if it is
        # the same whichever of them the VM goes to; else only the vault-independent findings are kept.
        if any(
            _outcome(rules.evaluate_vm(vm, sub, other, inventory.vaults)) != _outcome(findings)
            for other in undecided
        ):
            target = None
            findings = rules.evaluate_vm(vm, sub, None, inventory.vaults)
            undecided_reads = [v.items_unreadable for v in undecided if v.items_unreadable is not None]
        said, reasons = verdict(findings, vm, target), unknown_reasons(vm, target)
        if undecided_reads:
            said = "blocked" if said == "blocked" else "unknown"
            reasons.append(
                "which vault it would go to is unknown, and its verdict depends on it: "
                + "; ".join(str(u) for u in undecided_reads)
                + " (choose a vault to assess it against one)"
            )
        assessed.append(
            VmAssessment(vm, target, findings, said, reasons, unreadable_for(vm, target) + undecided_reads)
        )
    return Assessment(inventory, rules.version, vault, subs, vaults, assessed, evaluate_seed(inventory.vms))
