"""Step 2: choose the subscription (disabled or unreadable ones are shown with the reason)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, ProgressBar, Static

from screens.base import StepPane
from tui.model import SubscriptionFacts
from tui.services.subscriptions import subscription_overview, unusable_reason
from tui.textsafe import clean, markup
from tui.widgets.badges import BAD, GOOD, WARN
from tui.widgets.dialogs import ConfirmDialog


class SubscriptionStep(StepPane):
    STEP_ID = "subscription"
    TITLE = "Subscription"
    PURPOSE = "Pick the subscription whose VMs you want to back up. Type to filter; Enter chooses."

    def __init__(self) -> None:
        super().__init__()
        self.subs: list[SubscriptionFacts] = []
        self.loaded = False

    def body(self) -> ComposeResult:
        yield Input(placeholder="filter by name or id", id="sub-filter")
        table: DataTable[Text | str] = DataTable(id="sub-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Subscription", "State", "Access", "RS provider", "VMs", "Id")
        yield table
        yield Static("", id="sub-status")
        yield ProgressBar(id="sub-progress", show_eta=False)

    def on_mount(self) -> None:
        self.query_one("#sub-progress").display = False

    def entered(self) -> None:
        if not self.loaded and self.wizard.session.identity:
            self.load()
        self.query_one("#sub-table", DataTable).focus()

    def load(self) -> None:
        self.loaded = True
        self.load_subscriptions()

    @work(exclusive=True, group="subscriptions", exit_on_error=False)
    async def load_subscriptions(self) -> None:
        self.query_one("#sub-status", Static).update("Reading subscriptions…")
        table = self.query_one("#sub-table", DataTable)
        table.loading = True
        try:
            assert self.wizard.workspace.factory is not None
            self.subs = await subscription_overview(self.wizard.workspace.factory)
        finally:
            table.loading = False
        self.render_table()
        usable = sum(unusable_reason(s) is None for s in self.subs)
        self.query_one("#sub-status", Static).update(
            f"{len(self.subs)} subscriptions, {usable} usable. Enter chooses the highlighted one."
        )

    def render_table(self) -> None:
        table = self.query_one("#sub-table", DataTable)
        needle = self.query_one("#sub-filter", Input).value.strip().lower()
        table.clear()
        for s in self.subs:
            if needle and needle not in s.name.lower() and needle not in s.id.lower():
                continue
            bad = unusable_reason(s)
            style = "dim" if bad else ""
            chosen = (
                self.wizard.session.subscription is not None and self.wizard.session.subscription.id == s.id
            )
            prov = s.provider_state or "-"
            table.add_row(
                Text(("● " if chosen else "  ") + clean(s.name), style=style),
                Text(clean(s.state), style=GOOD if s.state == "Enabled" else BAD),
                Text(s.access, style=GOOD if s.access == "ok" else BAD),
                Text(clean(prov), style=GOOD if prov == "Registered" else WARN),
                str(sum(s.regions.values())) if s.access == "ok" else "-",
                Text(clean(s.id), style="dim"),
                key=s.id,
            )

    @on(Input.Changed, "#sub-filter")
    def _filter(self) -> None:
        self.render_table()

    @on(Input.Submitted, "#sub-filter")
    def _filter_done(self) -> None:
        self.query_one("#sub-table", DataTable).focus()

    @on(DataTable.RowSelected, "#sub-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        sub = next((s for s in self.subs if s.id == event.row_key.value), None)
        if sub is not None:
            self.choose(sub)

    def choose(self, sub: SubscriptionFacts) -> None:
        reason = unusable_reason(sub)
        if reason:
            self.wizard.notify(
                f"{markup(sub.name)} cannot be used: {markup(reason)}.", severity="warning", timeout=8
            )
            return
        if sub.provider_state != "Registered":
            body = (
                f"Register the Microsoft.RecoveryServices resource provider in subscription {clean(sub.name)} "
                f"({clean(sub.id)})?\n\nThis is a subscription-level change (POST .../providers/Microsoft.RecoveryServices/"
                "register). It lets the subscription hold Recovery Services vaults; it costs nothing and creates "
                "no resource. It usually takes a minute.\n\nEquivalent: az provider register --namespace "
                "Microsoft.RecoveryServices"
            )

            def confirmed(ok: bool | None) -> None:
                if ok:
                    self.register(sub)

            self.wizard.push_screen(
                ConfirmDialog("Register Recovery Services?", body, confirm="Register"), confirmed
            )
            return
        self.load_inventory(sub)

    @work(exclusive=True, group="subscriptions", exit_on_error=False)
    async def register(self, sub: SubscriptionFacts) -> None:
        status = self.query_one("#sub-status", Static)
        status.update(
            f"Registering Microsoft.RecoveryServices in {markup(sub.name)}… (waiting for Registered)"
        )
        try:
            state = await self.wizard.workspace.vaults().register_provider(sub.id)
        except Exception as e:
            self.wizard.session.record(
                "register-provider",
                f"/subscriptions/{sub.id}",
                "failed",
                detail=str(e),
                namespace="Microsoft.RecoveryServices",
            )
            raise
        self.wizard.session.record(
            "register-provider",
            f"/subscriptions/{sub.id}",
            "succeeded",
            detail=f"state {state}",
            namespace="Microsoft.RecoveryServices",
        )
        sub.provider_state = state
        self.render_table()
        self.wizard.notify(f"Microsoft.RecoveryServices is {markup(state)} in {markup(sub.name)}.")
        self.load_inventory(sub)

    @work(exclusive=True, group="inventory", exit_on_error=False)
    async def load_inventory(self, sub: SubscriptionFacts) -> None:
        bar = self.query_one("#sub-progress", ProgressBar)
        status = self.query_one("#sub-status", Static)
        bar.display = True
        bar.update(total=None, progress=0)

        def progress(stage: str, done: int, total: int) -> None:
            status.update(f"Reading {markup(sub.name)}: {markup(stage)} ({done}/{total})")
            bar.update(total=max(total, 1), progress=done)

        try:
            inventory = await self.wizard.workspace.scan(sub.id, progress)
        finally:
            bar.display = False
        self.wizard.session.choose_subscription(inventory.subscription(sub.id) or sub)
        self.wizard.inventory_loaded(inventory)
        self.render_table()
        status.update(
            f"{markup(sub.name)}: {len(inventory.vms)} VMs in {len(inventory.subscriptions[0].regions)} regions, "
            f"{len(inventory.vaults)} vaults."
        )
        if self.wizard.current == self.STEP_ID:
            self.wizard.go("vault")

    def blocked_reason(self) -> str | None:
        if self.wizard.session.subscription is None or self.wizard.inventory is None:
            return "Enter on a subscription chooses it."
        return None
