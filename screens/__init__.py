"""The wizard's steps as the App shows them: order, title, purpose, and the module of each step's pane.

A pane's module is imported when its step is first shown (`StepInfo.pane`), not before the first paint: the
frame (sidebar, palette, help intro) needs only the titles and purposes here (issue 9). Each pane class
takes its ``TITLE`` and ``PURPOSE`` from this table (`screens.base.StepPane`), so they are written once.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.wizard import Step

if TYPE_CHECKING:
    from screens.base import StepPane


@dataclass(frozen=True, slots=True)
class StepInfo:
    step: Step
    title: str
    purpose: str
    module: str  # screens.<module> defines the pane
    pane_class: str

    def pane(self) -> type[StepPane]:
        """The pane's class (its module imported on first use)."""
        return getattr(importlib.import_module(f"screens.{self.module}"), self.pane_class)


STEPS: tuple[StepInfo, ...] = (
    StepInfo(
        Step.SIGNIN,
        "Sign in",
        "Who vmbackup-prep acts as. Every read and every change in Azure is made with this identity.",
        "signin",
        "SignInStep",
    ),
    StepInfo(
        Step.SUBSCRIPTION,
        "Subscription",
        "Pick the subscription whose VMs you want to back up. Type to filter; Enter chooses.",
        "subscription",
        "SubscriptionStep",
    ),
    StepInfo(
        Step.VAULT,
        "Vault",
        "The vault must be in the VMs' region. Pick a region, then a vault there (Enter uses it) or create one.",
        "vault",
        "VaultStep",
    ),
    StepInfo(
        Step.VMS,
        "VMs",
        "Choose the VMs to prepare: space toggles, a toggles all, / filters. Dimmed VMs cannot be chosen.",
        "vms",
        "VmsStep",
    ),
    StepInfo(
        Step.AGENT,
        "VM agent",
        "Backup runs through the VM agent: installed, Ready, VM running (stopped: crash-consistent only).",
        "agent",
        "AgentStep",
    ),
    StepInfo(
        Step.CONNECTIVITY,
        "Connectivity",
        "The agent must reach 168.63.129.16 (ports 80, 443, 32526) with DHCP on. NSGs and routes come from "
        "ARM; p probes inside the guests.",
        "connectivity",
        "ConnectivityStep",
    ),
    StepInfo(
        Step.LIMITATIONS,
        "Limitations",
        "Every blocker, warning and note for the selected VMs, and what became of the 2015 limits.",
        "limitations",
        "LimitationsStep",
    ),
    StepInfo(
        Step.PROTECT,
        "Protect",
        "Enable Azure Backup for the selected VMs with a policy of the vault. Nothing changes in Azure until "
        "you confirm the plan.",
        "protect",
        "ProtectStep",
    ),
    StepInfo(
        Step.SUMMARY,
        "Summary",
        "What was assessed, chosen and changed. Export writes a JSON report, a Markdown summary and an az "
        "script.",
        "summary",
        "SummaryStep",
    ),
)
ORDER: list[Step] = [info.step for info in STEPS]


def step_info(step: str) -> StepInfo:
    return STEPS[ORDER.index(Step(step))]
