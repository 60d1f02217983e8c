"""Findings and the 2015 list arranged for reading: by severity, then by what they are about.

Used by the wizard's Limitations and Summary steps; no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tui.model import Finding, Inventory, VaultFacts, region_key, same_id
from tui.rules import load_seed

from .assessment import Assessment

SEVERITIES = ("blocker", "warning", "info")
SEVERITY_HEADING = {"blocker": "Blockers", "warning": "Warnings", "info": "Notes"}
SEVERITY_MARK = {"blocker": "✖", "warning": "▲", "info": "ℹ"}
SEED_MARK = {"retired": "✓ retired", "changed": "~ changed", "still-applies": "✖ still applies"}


@dataclass(frozen=True)
class Subject:
    """What a group of findings is about: a VM, the chosen vault or the subscription."""

    kind: str  # "vm" | "vault" | "subscription"
    name: str
    id: str

    @property
    def label(self) -> str:
        return self.name if self.kind == "vm" else f"{self.name} ({self.kind})"


@dataclass(frozen=True)
class SeedRow:
    limitation: str
    status: str
    today: str
    affected_vms: int
    source: str


def subjects(assessment: Assessment) -> list[tuple[Subject, list[Finding]]]:
    """Every subject with its findings: the subscription(s), the vaults the VMs are assessed against, the VMs."""
    out: list[tuple[Subject, list[Finding]]] = []
    for sub in assessment.inventory.subscriptions:
        out.append(
            (Subject("subscription", sub.name, sub.id), assessment.subscriptions.get(sub.id.lower(), []))
        )
    used = [a.vault for a in assessment.vms if a.vault is not None]
    if assessment.chosen_vault is not None:
        used.insert(0, assessment.chosen_vault)
    seen: set[str] = set()
    for vault in used:
        if vault.id.lower() in seen:
            continue
        seen.add(vault.id.lower())
        out.append((Subject("vault", vault.name, vault.id), assessment.vaults.get(vault.id.lower(), [])))
    for a in assessment.vms:
        out.append((Subject("vm", a.vm.name, a.vm.id), a.findings))
    return out


def by_severity(assessment: Assessment) -> dict[str, list[tuple[Subject, list[Finding]]]]:
    """``{"blocker": [(subject, findings)], "warning": [...], "info": [...]}``; subjects without any omitted."""
    grouped: dict[str, list[tuple[Subject, list[Finding]]]] = {s: [] for s in SEVERITIES}
    for subject, findings in subjects(assessment):
        for severity in SEVERITIES:
            these = [f for f in findings if f.severity == severity]
            if these:
                grouped[severity].append((subject, these))
    return grouped


def counts(assessment: Assessment) -> dict[str, int]:
    """How many findings of each severity."""
    grouped = by_severity(assessment)
    return {s: sum(len(fs) for _, fs in grouped[s]) for s in SEVERITIES}


def clear_vms(assessment: Assessment) -> list[str]:
    """Names of the assessed VMs with neither blocker nor warning (notes allowed) and a known verdict."""
    return [a.vm.name for a in assessment.vms if a.verdict == "ready"]


def seed_rows(assessment: Assessment) -> list[SeedRow]:
    """The report's ``seed_2015_limitations`` with each item's source (from the seed file)."""
    sources = {item.limitation: item.source for item in load_seed()}
    return [
        SeedRow(
            limitation=str(item["limitation"]),
            status=str(item["status"]),
            today=str(item["today"]),
            affected_vms=int(item["affected_vms"]),  # type: ignore[call-overload]
            source=sources.get(str(item["limitation"]), ""),
        )
        for item in assessment.seed
    ]


def summary_scope(
    inventory: Inventory, selected_ids: list[str], vault: VaultFacts | None
) -> tuple[Inventory, str]:
    """Which VMs the summary and its export cover, and a sentence saying so.

    The selected VMs when there are any; otherwise every VM in the chosen vault's region, or every VM of the
    subscription when no vault is chosen yet (so an export is useful before anything is selected).
    """
    if selected_ids:
        vms = [vm for vm in inventory.vms if any(same_id(vm.id, i) for i in selected_ids)]
        return replace(inventory, vms=vms), f"the {len(vms)} selected VM{'s' if len(vms) != 1 else ''}"
    if vault is not None:
        region = region_key(vault.location)
        vms = [vm for vm in inventory.vms if region_key(vm.location) == region]
        return replace(inventory, vms=vms), (
            f"no VM selected, so all {len(vms)} VMs in {vault.location} (the vault's region)"
        )
    return inventory, f"no VM selected, so all {len(inventory.vms)} VMs of the subscription"
