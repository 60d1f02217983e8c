"""The floor for bench/startup.py: a bare Textual app with the wizard's frame and nothing else.

A Header, a 9-line step sidebar (an OptionList, as the wizard's), an empty content pane and a Footer with the
wizard's keys. Run as a script (``python bench/bare_frame.py``) so nothing of the product is imported.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, OptionList, Static

STEPS = (
    "Sign in",
    "Subscription",
    "Vault",
    "VMs",
    "Agent",
    "Connectivity",
    "Limitations",
    "Protect",
    "Summary",
)


class BareFrame(App[None]):
    TITLE = "vmbackup-prep"
    CSS = "#sidebar { width: 24; } #content { width: 1fr; }"
    BINDINGS: ClassVar = [
        Binding("ctrl+n", "next", "Next"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield OptionList(*(f" · {n}. {title}" for n, title in enumerate(STEPS, 1)), id="sidebar")
            with Vertical(id="content"):
                yield Static("Sign in")
        yield Footer()


if __name__ == "__main__":
    BareFrame().run()
