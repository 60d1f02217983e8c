"""Wizard step: Limitations (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import StepPane


class LimitationsStep(StepPane):
    STEP_ID = "limitations"
    TITLE = "Limitations"

    def body(self) -> ComposeResult:
        yield Static("Not built yet.")
