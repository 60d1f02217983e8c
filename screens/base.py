"""What every wizard step has: a title, a one-line purpose, a body, and a way to (re)load its data."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker

if TYPE_CHECKING:
    from tui.app import VmBackupPrepApp


class StepPane(Vertical):
    """A step of the wizard. Subclasses set STEP_ID/TITLE/PURPOSE and implement ``body``."""

    STEP_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    PURPOSE: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__(id=self.STEP_ID, classes="step")

    @property
    def wizard(self) -> VmBackupPrepApp:
        return cast("VmBackupPrepApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(self.TITLE, classes="step-title")
        if self.PURPOSE:
            yield Static(self.PURPOSE, classes="step-purpose")
        yield from self.body()

    def body(self) -> ComposeResult:
        yield from ()

    def entered(self) -> None:
        """Called each time the user arrives on this step: refresh from the session (never lose input)."""

    def load(self) -> None:
        """(Re)start this step's data loading; also what Retry does after an error."""

    def blocked_reason(self) -> str | None:
        """Why Next is not possible yet (shown in the navigation bar), or None."""
        return None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker.StateChanged does not bubble: hand this pane's workers to the app's one error router."""
        self.wizard.on_worker_state_changed(event)

    def leave(self) -> None:
        """Called when the user moves on with Next: commit choices to the session."""
