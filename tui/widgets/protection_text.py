"""The Protect step's texts: a plan's row and details, each VM's result, what a run did to the vault.

Rich text for a table (the colours follow the theme through `Looks`); every state is also a mark or a word.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text

from tui.model import VaultFacts
from tui.services.protection import PlanAction, VmOutcome, VmPlan, VmResult
from tui.services.protection_report import RESULT_MARK, is_success, result_detail
from tui.textsafe import clean
from tui.widgets.badges import Looks

PLAN_CELL = {
    PlanAction.ENABLE: ("+ enable", "good"),
    PlanAction.ALREADY_PROTECTED: ("= already", "note"),
    PlanAction.REFUSED: ("⊘ refused", "bad"),
}
PLAN_WORDS = {
    PlanAction.ENABLE: "planned: enable protection",
    PlanAction.ALREADY_PROTECTED: "planned: nothing to do",
    PlanAction.REFUSED: "planned: not protected",
}
RESULT_LOOK = {
    VmOutcome.PROTECTED: "good",
    VmOutcome.ALREADY_PROTECTED: "note",
    VmOutcome.REFUSED: "warn",
    VmOutcome.FAILED: "bad",
}
PLAN_COLUMNS = [
    ("VM", "vm"),
    ("Plan", "plan"),
    ("Our verdict", "ours"),
    ("Pre-validation", "service"),
    ("Result", "result"),
    ("State", "state"),
    ("Job id", "job"),
]


def service_cell(p: VmPlan, looks: Looks) -> Text:
    v = p.service_verdict or ""
    return looks.ok(v.lower() == "succeeded" if v else None, f"✓ {clean(v)}", f"✗ {clean(v)}", "- not asked")


def result_cell(r: VmResult | None, looks: Looks) -> Text:
    if r is None:
        return Text("-", style="dim")
    word = r.result if r.protection_state != "ProtectionError" else "in error"
    look = RESULT_LOOK.get(r.result, "") if is_success(r) or r.result != VmOutcome.PROTECTED else "bad"
    return Text(f"{RESULT_MARK.get(r.result, '?')} {word}", style=looks.style(look))


def plan_cells(p: VmPlan, r: VmResult | None, looks: Looks) -> Sequence[RenderableType]:
    """One VM of the plan, as a row of PLAN_COLUMNS."""
    word, look = PLAN_CELL[p.action]
    return (
        p.vm.name,
        Text(word, style=looks.style(look)),
        looks.verdict(p.our_verdict) if p.our_verdict else "-",
        service_cell(p, looks),
        result_cell(r, looks),
        (r.protection_state if r else None) or "-",
        (r.job_id if r else None) or "-",
    )


def plan_details(p: VmPlan, r: VmResult | None, looks: Looks) -> Text:
    """What is planned for one VM and why, what to do when refused, and its result."""
    text = Text()
    text.append(f"{clean(p.vm.name)}: ", style="bold")
    text.append(PLAN_WORDS[p.action])
    if p.reason:
        text.append(f"\n{clean(p.reason)}")
    if p.action == PlanAction.REFUSED and p.remedy:
        text.append("\nWhat to do: ", style="bold")
        text.append(clean(p.remedy))
    for w in p.warnings:
        text.append(f"\n! {clean(w)}", style=looks.warn)
    if r is not None:
        text.append("\nResult: ", style="bold")
        text.append(clean(f"{r.result}; {result_detail(r) or 'done'}"))
    return text


def vault_heading(vault: VaultFacts) -> str:
    """The vault in a heading: name, region and redundancy."""
    return f"{vault.name} ({vault.location}, {vault.redundancy or 'redundancy unknown'})"


def lock_line(vault: VaultFacts) -> str:
    """What protecting did to the vault: how many VMs it protects, and its redundancy locked."""
    n = vault.protected_vms
    return f"{clean(vault.name)} now protects {n} VM{'s' if n != 1 else ''}" + (
        "; its storage redundancy is locked." if vault.redundancy_locked else "."
    )
