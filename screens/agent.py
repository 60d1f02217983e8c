"""Wizard step: VM agent (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import StepPane


class AgentStep(StepPane):
    STEP_ID = "agent"
    TITLE = "VM agent"

    def body(self) -> ComposeResult:
        yield Static("Not built yet.")
