"""Wizard step: Vault (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import StepPane


class VaultStep(StepPane):
    STEP_ID = "vault"
    TITLE = "Vault"

    def body(self) -> ComposeResult:
        yield Static("Not built yet.")
