"""Wizard step: Summary (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import StepPane


class SummaryStep(StepPane):
    STEP_ID = "summary"
    TITLE = "Summary"

    def body(self) -> ComposeResult:
        yield Static("Not built yet.")
