"""The Textual application. For now: sign in and list the subscriptions read through the SDK."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from tui.azure import explain
from tui.connect import Connection
from tui.services.subscriptions import SubscriptionInfo, list_subscriptions

ASSETS = Path(__file__).resolve().parent.parent / "assets"


class VmBackupPrepApp(App[None]):
    TITLE = "vmbackup-prep"
    SUB_TITLE = "get Azure VMs ready for Azure Backup"
    CSS_PATH = str(ASSETS / "app.tcss")
    BINDINGS: ClassVar = [("r", "reload", "Reload"), ("ctrl+q", "quit", "Quit")]

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Target: {self.connection.label}", id="status-line")
        table: DataTable[Text | str] = DataTable(id="subscriptions", cursor_type="row", zebra_stripes=True)
        table.add_columns("Subscription", "Id", "State", "Access", "Recovery Services")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one("#status-line", Static).update(
            f"Target: {self.connection.label} · loading subscriptions…"
        )
        self.load_subscriptions()

    @work(exclusive=True)
    async def load_subscriptions(self) -> None:
        credential = self.connection.credential()
        try:
            async with self.connection.factory(credential) as factory:
                subs = await list_subscriptions(factory)
        except Exception as e:  # every failure becomes a message with a remedy
            problem = explain(e)
            self.notify(
                f"{problem.detail}\n{problem.remedy}", title=problem.title, severity="error", timeout=15
            )
            self.query_one("#status-line", Static).update(
                f"Target: {self.connection.label} · {problem.title}"
            )
            return
        finally:
            await credential.close()
        self._show(subs)

    def _show(self, subs: list[SubscriptionInfo]) -> None:
        table = self.query_one("#subscriptions", DataTable)
        table.clear()
        for s in subs:
            access = Text(s.access, style="green" if s.access == "ok" else "red")
            state = Text(s.state, style="green" if s.state == "Enabled" else "red")
            prov = s.provider_state or "-"
            prov_text = Text(prov, style="green" if prov == "Registered" else "yellow")
            table.add_row(s.name, s.id, state, access, prov_text, key=s.id)
        self.query_one("#status-line", Static).update(
            f"Target: {self.connection.label} · {len(subs)} subscriptions · {sum(s.usable for s in subs)} usable"
        )
