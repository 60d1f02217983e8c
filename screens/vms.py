"""Wizard step: VMs (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import StepPane


class VmsStep(StepPane):
    STEP_ID = "vms"
    TITLE = "VMs"

    def body(self) -> ComposeResult:
        yield Static("Not built yet.")
