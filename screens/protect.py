"""Step 8: enable protection for the selected VMs with a policy of the vault, after our checks and the
service's pre-validation, with a plan to confirm, per-VM progress and results, recorded in the session."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import StepPane
from tui.azure import explain
from tui.model import Inventory
from tui.services.actions import Change
from tui.services.protection import (
    PlanAction,
    PolicyInfo,
    ProtectionPlan,
    ProtectionService,
    VmOutcome,
    VmResult,
    list_policies,
    plan_protection,
    preselect_policy,
)
from tui.services.protection_report import (
    is_success,
    policy_warnings,
    summary_line,
)
from tui.textsafe import clean, markup
from tui.widgets.busy import Busy, BusyBar
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.protection_text import PLAN_COLUMNS, lock_line, plan_cells, plan_details, vault_heading
from tui.widgets.vm_table import VmTable
from tui.wizard import Step, WizardModel

READ_ONLY_REASON = "--read-only: enabling protection changes Azure, so it is switched off."


class ProtectStep(StepPane):
    STEP_ID = Step.PROTECT
    BINDINGS: ClassVar = [Binding("p", "protect", "Protect")]
    KEYS: ClassVar = (("enter", "choose the highlighted policy"),)
    DEFAULT_CSS = """
    ProtectStep {
        #prot-heading { height: auto; text-style: bold; }
        #prot-scroll { height: 1fr; }
        #prot-policies { height: auto; max-height: 8; }
        #prot-warning { height: auto; color: $warning; }
        #prot-status { height: auto; }
        #prot-table { height: auto; max-height: 14; }
        #prot-detail { height: auto; padding: 1 0 0 0; }
        #prot-actions { height: auto; }
        #prot-readonly { width: 1fr; padding: 1 1 0 1; color: $text-muted; }
        #prot-summary { height: auto; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self.policies: list[PolicyInfo] = []
        self.policy: PolicyInfo | None = None
        self.plan: ProtectionPlan | None = None
        self.results: dict[str, VmResult] = {}  # lower VM id -> the last result
        self.scope: tuple[str, tuple[str, ...]] | None = None  # (vault id, VM ids) of policies/results
        self.note = ""  # what the status line says when there is no plan to describe
        self.last_run: tuple[str, bool] | None = (
            None  # the summary line of the last run, and whether all went well
        )
        self.replan_after: Inventory | None = None  # re-plan once the re-scan replaced this inventory

    def body(self) -> ComposeResult:
        yield Static("", id="prot-heading")
        with VerticalScroll(id="prot-scroll"):
            yield Static("Policy (Enter chooses it):", classes="muted")
            yield OptionList(id="prot-policies")
            yield Static("", id="prot-warning")
            yield Static("", id="prot-status")
            yield BusyBar(id="prot-progress", show_eta=False).data_bind(StepPane.busy)
            details = Static("", id="prot-detail")
            yield VmTable(  # the job id cut in the middle when it must be: the details line has it whole
                PLAN_COLUMNS,
                details=details,
                describe=self.describe,
                id="prot-table",
                keep=("vm", "result"),
                middle=("job",),
            )
            yield details
            with Horizontal(id="prot-actions"):
                yield Button("Protect (p)", id="prot-go", variant="primary")
                yield Static("", id="prot-readonly")
            yield Static("", id="prot-summary")

    # -- following the model -------------------------------------------------------------------------------
    def show_model(self) -> None:
        session = self.model.session
        vault, n = session.vault, len(session.selected_vm_ids)
        heading = (
            f"Vault {markup(vault_heading(vault))} · {n} VM{'s' if n != 1 else ''} selected"
            if vault is not None
            else "Choose a vault and VMs first."
        )
        self.query_one("#prot-heading", Static).update(heading)
        self.query_one("#prot-readonly", Static).update(
            READ_ONLY_REASON if self.model.connection.read_only else ""
        )
        self.render_plan()
        if self.replan_after is not None and self.model.inventory is not self.replan_after:
            self.replan_after = None  # the re-scan after protecting: the plan as it is now
            self.load()

    def entered(self) -> None:
        session = self.model.session
        scope = (
            session.vault.id.lower() if session.vault else "",
            tuple(sorted(i.lower() for i in session.selected_vm_ids)),
        )
        if scope != self.scope:  # another vault or selection: earlier policies and results do not apply
            self.scope, self.policies, self.policy, self.plan, self.results = scope, [], None, None, {}
            self.last_run, self.note = None, ""
            self.render_plan()
        self.query_one(VmTable).focus()
        self.load()

    def load(self) -> None:
        if self.model.session.vault is not None and self.model.session.selected_vm_ids:
            self.make_plan(self.policy.name if self.policy else None)

    @work(exclusive=True, group="protect-plan", exit_on_error=False)
    async def make_plan(self, policy_name: str | None) -> None:
        vault = self.model.session.vault
        assessment = self.model.assessment()
        factory = self.model.workspace.factory
        if vault is None or assessment is None or factory is None:
            return
        busy = f"Reading the policies of {vault.name} and asking the service to pre-validate…"
        self.busy = Busy(busy, group="protect-plan")
        try:
            if not self.policies:
                self.policies = await list_policies(factory, vault)
            chosen = next((p for p in self.policies if p.name == policy_name), None)
            self.policy = chosen or preselect_policy(self.policies, assessment.vms)
            self.render_policies()
            if self.policy is None:
                self.plan = None
                self.note = (
                    f"{markup(vault.name)} has no Azure VM backup policy: create one in the portal first."
                )
                return
            self.plan = await plan_protection(factory, vault, self.policy, assessment.vms)
        finally:
            self.busy = None
        self.render_plan()

    @on(OptionList.OptionSelected, "#prot-policies")
    def _policy_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and (self.policy is None or event.option.id != self.policy.name):
            self.make_plan(event.option.id)

    # -- rendering -----------------------------------------------------------------------------------------
    def render_policies(self) -> None:
        options = self.query_one("#prot-policies", OptionList)
        options.clear_options()
        chosen = self.policy.name if self.policy is not None else None
        for p in self.policies:
            options.add_option(
                Option(f"{'●' if p.name == chosen else '○'} {markup(p.describe())}", id=p.name)
            )
        if chosen is not None:
            options.highlighted = next(i for i, p in enumerate(self.policies) if p.name == chosen)

    def render_plan(self) -> None:
        looks = self.looks
        plans = self.plan.vms if self.plan is not None else []
        rows = [(p.vm.id, plan_cells(p, self.results.get(p.vm.id.lower()), looks)) for p in plans]
        table = self.query_one(VmTable)
        table.show_rows(rows)
        if plans and table.has_focus:  # on a short terminal the list of policies would hide it
            self.call_after_refresh(table.scroll_visible, animate=False)
        warning = self.query_one("#prot-warning", Static)
        notes = policy_warnings(self.policy, self.plan) if self.policy is not None else []
        warning.update(
            Text(clean("\n".join(f"! {w}" for w in notes), multiline=True), style=looks.warn) if notes else ""
        )
        warning.display = bool(notes)
        if self.plan is not None:
            count = {a: sum(1 for p in plans if p.action == a) for a in PlanAction}
            self.note = (
                f"Policy {markup(self.plan.policy.name)}: {count[PlanAction.ENABLE]} to enable, "
                f"{count[PlanAction.ALREADY_PROTECTED]} already protected, {count[PlanAction.REFUSED]} refused "
                "(highlight a VM for why)."
            )
        self.show_busy(self.busy)
        self.query_one("#prot-summary", Static).update(self.summary_text())

    def summary_text(self) -> Text | str:
        """The last run in one line, and what it did to the vault as the model knows it now."""
        if self.last_run is None:
            return ""
        line, ok = self.last_run
        text = Text(("✓ " if ok else "✗ ") + line, style=self.looks.good if ok else self.looks.bad)
        vault = self.model.session.vault
        return text + Text(f"\n{lock_line(vault)}") if vault is not None else text

    def show_busy(self, busy: Busy | None) -> None:
        self.query_one("#prot-status", Static).update(busy.line if busy else self.note)
        button = self.query_one("#prot-go", Button)
        button.disabled = (
            self.model.connection.read_only
            or self.plan is None
            or not self.plan.to_enable
            or busy is not None
        )

    def describe(self, key: str | None) -> Text | str:
        p = next((p for p in self.plan.vms if p.vm.id == key), None) if self.plan is not None else None
        return plan_details(p, self.results.get(p.vm.id.lower()), self.looks) if p is not None else ""

    # -- doing it --------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#prot-go")
    def _go_pressed(self) -> None:
        self.action_protect()

    def action_protect(self) -> None:
        if self.refused_read_only(READ_ONLY_REASON):
            return
        if self.busy is not None:
            return
        if self.plan is None or not self.plan.to_enable:
            self.app.notify("Nothing to enable in this plan.", severity="warning")
            return
        self.protect(self.plan)

    @work(exclusive=True, group="protect-apply", exit_on_error=False)
    async def protect(self, plan: ProtectionPlan) -> None:
        n = len(plan.to_enable)
        dialog = ConfirmDialog(
            f"Protect {n} VM{'s' if n != 1 else ''} with {plan.policy.name}?",
            "\n".join([plan.describe(), *(f"! {w}" for w in policy_warnings(plan.policy, plan))]),
            confirm="Protect",
        )
        if not await self.app.push_screen_wait(dialog):
            self.note = "Cancelled: nothing was sent to Azure."
            self.show_busy(None)
            return
        factory = self.model.workspace.factory
        assert factory is not None
        change = f"enabling protection for {n} VM{'s' if n != 1 else ''} in vault {plan.vault.name}"
        self.busy = Busy(f"{change[0].upper()}{change[1:]}…", 0, n, "protect-apply", change)
        progress = self.progress("Enabling protection: {stage} ({done}/{total})", "protect-apply", change)
        try:
            results = await ProtectionService(factory).enable(plan, progress)
        except asyncio.CancelledError:  # the wizard quits: which VMs' requests were answered is not known
            vault = plan.vault
            self.model.interrupted(
                Change.ENABLE_PROTECTION,
                [p.vm.id for p in plan.to_enable],
                vault_resource_group=vault.resource_group,
                vault_name=vault.name,
                vault_id=vault.id,
                policy=plan.policy.name,
            )
            raise
        except Exception as e:  # the container refresh failed: recorded for every VM, then shown
            problem = explain(e)
            failed = [
                VmResult(p.vm, VmOutcome.FAILED, message=f"{problem.title}: {problem.detail}")
                for p in plan.to_enable
            ]
            self.model.protection_enabled(plan, failed)
            self.changed()
            raise
        finally:
            self.busy = None
        self.results.update({r.vm.id.lower(): r for r in results})
        line = summary_line(results)
        ok = all(is_success(r) for r in results)
        self.last_run = (line, ok)
        self.model.protection_enabled(plan, results)
        self.changed()
        self.app.notify(line, severity="information" if ok else "warning", timeout=10)
        if (sub := self.model.session.subscription) is not None:
            # read the subscription again: the vault's lock and the VMs' protection as Azure has them now
            self.replan_after = self.model.inventory
            self.post_message(self.RescanRequested(sub))
