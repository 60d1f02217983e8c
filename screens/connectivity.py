"""Wizard step: Connectivity (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import StepPane


class ConnectivityStep(StepPane):
    STEP_ID = "connectivity"
    TITLE = "Connectivity"

    def body(self) -> ComposeResult:
        yield Static("Not built yet.")
