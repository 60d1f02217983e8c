"""The floors for bench/startup.py: a bare Textual app with the wizard's frame and nothing else, and the same
app doing the least a demo sign-in is: a token from the demo emulator's managed identity endpoint.

A Header, a 9-line step sidebar (an OptionList, as the wizard's), an empty content pane and a Footer with the
wizard's keys. Run as a script (``python bench/bare_frame.py``) so nothing of the product is imported.
``--sign-in ESTATE`` also starts the emulator on ESTATE when it starts (with the wizard's `EmulatorStart`),
and once the first screen is drawn loads azure-identity in a thread while the emulator starts, gets a token
with ManagedIdentityCredential (what the demo signs in with) and shows "Signed in".
"""

from __future__ import annotations

import asyncio
import sys
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
                yield Static("Sign in", id="status")
        yield Footer()


class BareSignIn(BareFrame):
    def __init__(self, estate: str) -> None:
        super().__init__()
        # the emulator as the wizard starts it: the setting of the measure, not the product
        from tui.connect import EmulatorStart

        self._emulator = EmulatorStart(estate)
        self._emulator.begin()

    def on_ready(self) -> None:
        self.run_worker(self._sign_in())

    def on_unmount(self) -> None:
        self._emulator.stop()

    async def _sign_in(self) -> None:
        def load() -> None:
            import azure.core.pipeline.transport._aiohttp
            import azure.identity.aio  # noqa: F401

        # `wait` also points azure-identity at the emulator's managed identity endpoint
        await asyncio.gather(asyncio.to_thread(load), self._emulator.wait())
        from azure.identity.aio import ManagedIdentityCredential

        async with ManagedIdentityCredential() as credential:
            await credential.get_token("https://management.azure.com/.default")
        self.query_one("#status", Static).update("Signed in")


if __name__ == "__main__":
    (BareSignIn(sys.argv[2]) if sys.argv[1:2] == ["--sign-in"] else BareFrame()).run()
