"""Step 2: choose the subscription (disabled or unreadable ones are shown with the reason)."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from screens.base import StepPane
from tui.model import RECOVERY_SERVICES, SubscriptionFacts
from tui.services.actions import Change
from tui.services.providers import is_registered
from tui.services.subscriptions import subscription_overview, unusable_reason
from tui.textsafe import clean, markup, shell_arg
from tui.widgets.busy import Busy, BusyBar
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.filtering import FilterInput, TypeToFilter
from tui.widgets.fitting import fit_rows
from tui.wizard import Step, WizardModel

REGISTER_BODY = (
    "Register the Microsoft.RecoveryServices resource provider in subscription {name} ({id})?\n\n"
    "This is a subscription-level change (POST .../providers/Microsoft.RecoveryServices/register). It lets the "
    "subscription hold Recovery Services vaults; it costs nothing and creates no resource. It usually takes a "
    "minute.\n\nEquivalent: az provider register --namespace Microsoft.RecoveryServices --subscription {arg}"
)


class SubscriptionStep(StepPane):
    STEP_ID = Step.SUBSCRIPTION
    KEYS: ClassVar = (
        ("enter", "choose the highlighted subscription"),
        ("a letter", "filter (escape or Enter back to the list)"),
    )

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self.subs: list[SubscriptionFacts] = []
        self.loaded = False
        self.advance_after: str | None = None  # the subscription whose scan the user waits for, to move on

    def body(self) -> ComposeResult:
        yield FilterInput(placeholder="type or / to filter by name or id", id="sub-filter")
        table = TypeToFilter(id="sub-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("Subscription", "State", "Access", "RS provider", "VMs", "Id")
        yield table
        yield Static("", id="sub-status")
        yield BusyBar(id="sub-progress", show_eta=False).data_bind(StepPane.busy)

    def entered(self) -> None:
        self.advance_after = None  # arriving afresh: an earlier wait is over
        if not self.loaded and self.model.session.identity:
            self.load()
        self.query_one("#sub-table", DataTable).focus()

    def load(self) -> None:
        self.loaded = True
        self.load_subscriptions()

    @work(exclusive=True, group="subscriptions", exit_on_error=False)
    async def load_subscriptions(self) -> None:
        factory = self.model.workspace.factory
        assert factory is not None
        self.query_one("#sub-status", Static).update("Reading subscriptions…")
        table = self.query_one("#sub-table", DataTable)
        table.loading = True
        try:
            self.subs = await subscription_overview(factory)
        finally:
            table.loading = False
        self.render_table()
        self.show_busy(None)

    # -- following the model ---------------------------------------------------------------------------
    def show_model(self) -> None:
        self.render_table()
        self.show_busy(self.busy)
        sub, inv = self.model.session.subscription, self.model.inventory
        if (
            self.advance_after is not None
            and sub is not None
            and inv is not None
            and sub.id == self.advance_after
        ):
            self.advance_after = None  # its scan is in: on to the vault
            self.post_message(self.Navigate(Step.VAULT))

    def show_busy(self, busy: Busy | None) -> None:
        self.query_one("#sub-status", Static).update(busy.line if busy else self.status_line())

    def status_line(self) -> str:
        sub, inv = self.model.session.subscription, self.model.inventory
        if sub is not None and inv is not None and (scanned := inv.subscription(sub.id)) is not None:
            return f"{markup(sub.name)}: {len(inv.vms)} VMs in {len(scanned.regions)} regions, {len(inv.vaults)} vaults."
        if not self.subs:
            return ""
        usable = sum(unusable_reason(s) is None for s in self.subs)
        return f"{len(self.subs)} subscriptions, {usable} usable. Enter chooses the highlighted one."

    def render_table(self) -> None:
        looks = self.looks
        table = self.query_one("#sub-table", DataTable)
        needle = self.query_one("#sub-filter", Input).value.strip().lower()
        chosen = self.model.session.subscription
        table.clear()
        rows, keys = [], []
        for s in self.subs:
            if needle and needle not in s.name.lower() and needle not in s.id.lower():
                continue
            style = "dim" if unusable_reason(s) else ""
            prov = s.provider_state or "-"
            keys.append(s.id)
            rows.append(
                [
                    Text(
                        ("● " if chosen is not None and chosen.id == s.id else "  ") + clean(s.name),
                        style=style,
                    ),
                    Text(clean(s.state), style=looks.good if s.state == "Enabled" else looks.bad),
                    Text(clean(s.access), style=looks.good if s.access == "ok" else looks.bad),
                    Text(clean(prov), style=looks.good if prov == "Registered" else looks.warn),
                    str(sum(s.regions.values())) if s.access == "ok" else "-",
                    Text(clean(s.id), style="dim"),
                ]
            )
        for key, row in zip(
            keys, fit_rows(table, rows, middle=[5], give_way=[5], keep=[0]), strict=True
        ):  # ids: cut mid-way
            table.add_row(*row, key=key)
        if rows and not table.size.width:  # not laid out yet: fit the columns once it is
            self.call_after_refresh(self.render_table)

    def on_resize(self) -> None:
        self.render_table()

    # -- choosing -----------------------------------------------------------------------------------------
    @on(Input.Changed, "#sub-filter")
    def _filter(self) -> None:
        self.render_table()

    @on(TypeToFilter.WantsFilter)
    def _wants_filter(self, event: TypeToFilter.WantsFilter) -> None:
        event.stop()
        self.query_one("#sub-filter", FilterInput).take(event.text)

    @on(Input.Submitted, "#sub-filter")
    @on(FilterInput.Done)
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
            self.app.notify(
                f"{markup(sub.name)} cannot be used: {markup(reason)}.", severity="warning", timeout=8
            )
            return
        if not is_registered(sub.provider_state):

            def confirmed(ok: bool | None) -> None:
                if ok:
                    self.register(sub)

            body = REGISTER_BODY.format(name=sub.name, id=sub.id, arg=shell_arg(sub.id))
            self.app.push_screen(
                ConfirmDialog("Register Recovery Services?", body, confirm="Register"), confirmed
            )
            return
        self.scan(sub)

    def scan(self, sub: SubscriptionFacts) -> None:
        """Ask for the subscription to be read; once its scan is in, move on to the vault."""
        self.advance_after = sub.id
        self.post_message(self.RescanRequested(sub))

    @work(exclusive=True, group="subscriptions", exit_on_error=False)
    async def register(self, sub: SubscriptionFacts) -> None:
        text = f"Registering Microsoft.RecoveryServices in {sub.name}… (waiting for Registered)"
        self.busy = Busy(
            text, group="subscriptions", change=f"registering Microsoft.RecoveryServices in {sub.name}"
        )
        try:
            state = await self.model.workspace.vaults().register_provider(sub.id)
        except asyncio.CancelledError:  # the wizard quits: the request was sent
            self.model.interrupted(
                Change.REGISTER_PROVIDER, [f"/subscriptions/{sub.id}"], namespace=RECOVERY_SERVICES
            )
            raise
        except Exception as e:
            self.model.provider_registered(sub, None, str(e))
            self.changed()
            raise
        finally:
            self.busy = None
        self.model.provider_registered(sub, state, None)
        self.changed()
        self.app.notify(f"Microsoft.RecoveryServices is {markup(state)} in {markup(sub.name)}.")
        self.scan(sub)

    def blocked_reason(self) -> str | None:
        if self.model.session.subscription is None or self.model.inventory is None:
            return "Enter on a subscription chooses it."
        return None
