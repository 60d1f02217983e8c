"""Step 8: enable protection for the selected VMs with a policy of the vault, after our checks and the
service's pre-validation, with a plan to confirm, per-VM progress and results, recorded in the session."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from screens.base import StepPane
from tui.azure import explain
from tui.services.protection import (
    PolicyInfo,
    ProtectionPlan,
    ProtectionService,
    VmPlan,
    VmResult,
    list_policies,
    plan_protection,
    preselect_policy,
)
from tui.services.protection_report import (
    RESULT_MARK,
    is_success,
    policy_warnings,
    result_detail,
    session_result,
    summary_line,
)
from tui.textsafe import clean, markup
from tui.widgets.badges import BAD, GOOD, NOTE, WARN, verdict_badge
from tui.widgets.dialogs import ConfirmDialog

READ_ONLY_REASON = "--read-only: enabling protection changes Azure, so it is switched off."
PLAN_CELL = {
    "enable": Text("+ enable", style=GOOD),
    "already-protected": Text("= already", style=NOTE),
    "refused": Text("⊘ refused", style=BAD),
}
RESULT_STYLE = {"protected": GOOD, "already-protected": NOTE, "refused": WARN, "failed": BAD}


def service_cell(p: VmPlan) -> Text:
    v = p.service_verdict
    if not v:
        return Text("- not asked", style="dim")
    return Text(f"✓ {clean(v)}", style=GOOD) if v.lower() == "succeeded" else Text(f"✗ {clean(v)}", style=BAD)


def result_cell(r: VmResult | None) -> Text:
    if r is None:
        return Text("-", style="dim")
    word = r.result if r.protection_state != "ProtectionError" else "in error"
    style = RESULT_STYLE.get(r.result, "") if is_success(r) or r.result != "protected" else BAD
    return Text(f"{RESULT_MARK.get(r.result, '?')} {word}", style=style)


class ProtectStep(StepPane):
    STEP_ID = "protect"
    TITLE = "Protect"
    PURPOSE = (
        "Enable Azure Backup for the selected VMs with a policy of the vault. Nothing changes in Azure "
        "until you confirm the plan."
    )
    BINDINGS: ClassVar = [Binding("p", "protect", "Protect")]

    def __init__(self) -> None:
        super().__init__()
        self.policies: list[PolicyInfo] = []
        self.policy: PolicyInfo | None = None
        self.plan: ProtectionPlan | None = None
        self.results: dict[str, VmResult] = {}  # lower VM id -> the last result
        self.scope: tuple[str, tuple[str, ...]] | None = None  # (vault id, VM ids) of policies/results

    def body(self) -> ComposeResult:
        yield Static("", id="prot-heading")
        with VerticalScroll(id="prot-scroll"):
            yield Static("Policy (Enter chooses it):", classes="muted")
            yield OptionList(id="prot-policies")
            yield Static("", id="prot-warning")
            yield Static("", id="prot-status")
            yield ProgressBar(id="prot-progress", show_eta=False)
            table: DataTable[Text | str] = DataTable(id="prot-table", cursor_type="row", zebra_stripes=True)
            table.add_column("VM", key="vm")
            table.add_column("Plan", key="plan")
            table.add_column("Our verdict", key="ours")
            table.add_column("Pre-validation", key="service")
            table.add_column("Result", key="result")
            table.add_column("State", key="state")
            table.add_column("Job id", key="job")
            yield table
            yield Static("", id="prot-detail")
            with Horizontal(id="prot-actions"):
                yield Button("Protect (p)", id="prot-go", variant="primary")
                yield Static("", id="prot-readonly")
            yield Static("", id="prot-summary")

    def on_mount(self) -> None:
        self.query_one("#prot-progress").display = False

    # -- arrival -----------------------------------------------------------------------------------------
    def entered(self) -> None:
        session = self.wizard.session
        scope = (
            session.vault.id.lower() if session.vault else "",
            tuple(sorted(i.lower() for i in session.selected_vm_ids)),
        )
        if scope != self.scope:  # another vault or selection: earlier policies and results do not apply
            self.scope, self.policies, self.policy, self.plan, self.results = scope, [], None, None, {}
            self.query_one("#prot-summary", Static).update("")
        read_only = self.wizard.connection.read_only
        self.query_one("#prot-readonly", Static).update(READ_ONLY_REASON if read_only else "")
        self.render_plan()
        self.query_one("#prot-table").focus()
        self.load()

    def load(self) -> None:
        if self.wizard.session.vault is not None and self.wizard.session.selected_vm_ids:
            self.make_plan(self.policy.name if self.policy else None)

    # -- planning ----------------------------------------------------------------------------------------
    @work(exclusive=True, group="protect-plan", exit_on_error=False)
    async def make_plan(self, policy_name: str | None) -> None:
        vault = self.wizard.session.vault
        assessment = self.wizard.assessment()
        factory = self.wizard.workspace.factory
        if vault is None or assessment is None or factory is None:
            return
        status = self.query_one("#prot-status", Static)
        status.update(f"Reading the policies of {markup(vault.name)} and asking the service to pre-validate…")
        self.set_busy(True)
        try:
            if not self.policies:
                self.policies = await list_policies(factory, vault)
                self.render_policies()
            chosen = next((p for p in self.policies if p.name == policy_name), None)
            chosen = chosen or preselect_policy(self.policies, assessment.vms)
            if chosen is None:
                self.plan = None
                status.update(
                    f"{markup(vault.name)} has no Azure VM backup policy: create one in the portal first."
                )
                return
            self.policy = chosen
            self.render_policies()
            self.plan = await plan_protection(factory, vault, chosen, assessment.vms)
        finally:
            self.set_busy(False)
        self.render_plan()

    @on(OptionList.OptionSelected, "#prot-policies")
    def _policy_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and (self.policy is None or event.option.id != self.policy.name):
            self.make_plan(event.option.id)

    # -- rendering -----------------------------------------------------------------------------------------
    def render_policies(self) -> None:
        options = self.query_one("#prot-policies", OptionList)
        options.clear_options()
        for p in self.policies:
            mark = "●" if self.policy is not None and p.name == self.policy.name else "○"
            options.add_option(Option(f"{mark} {markup(p.describe())}", id=p.name))
        if self.policy is not None:
            options.highlighted = next(i for i, p in enumerate(self.policies) if p.name == self.policy.name)

    def render_plan(self) -> None:
        vault = self.wizard.session.vault
        n = len(self.wizard.session.selected_vm_ids)
        heading = self.query_one("#prot-heading", Static)
        if vault is None:
            heading.update("Choose a vault and VMs first.")
        else:
            where = markup(f"{vault.name} ({vault.location}, {vault.redundancy or 'redundancy unknown'})")
            heading.update(f"Vault {where} · {n} VM{'s' if n != 1 else ''} selected")
        table = self.query_one("#prot-table", DataTable)
        keep = table.cursor_row
        table.clear()
        plans = self.plan.vms if self.plan is not None else []
        for p in plans:
            r = self.results.get(p.vm.id.lower())
            table.add_row(
                Text(clean(p.vm.name)),
                PLAN_CELL[p.action],
                verdict_badge(p.our_verdict) if p.our_verdict else "-",
                service_cell(p),
                result_cell(r),
                Text(clean((r.protection_state if r else None) or "-")),
                Text(clean((r.job_id if r else None) or "-")),
                key=p.vm.id,
            )
        if plans:
            table.move_cursor(row=min(keep, len(plans) - 1))
            if table.has_focus:  # on a short terminal the list of policies would hide it
                self.call_after_refresh(table.scroll_visible, animate=False)
        warning = self.query_one("#prot-warning", Static)
        notes = policy_warnings(self.policy, self.plan) if self.policy is not None else []
        warning.update(Text("\n".join(f"! {w}" for w in notes), style=WARN) if notes else "")
        warning.display = bool(notes)
        if self.plan is not None:
            todo = len(self.plan.to_enable)
            refused = sum(1 for p in plans if p.action == "refused")
            already = sum(1 for p in plans if p.action == "already-protected")
            self.query_one("#prot-status", Static).update(
                f"Policy {markup(self.plan.policy.name)}: {todo} to enable, {already} already protected, "
                f"{refused} refused (highlight a VM for why)."
            )
        self.update_button()
        self.show_detail()

    def update_button(self) -> None:
        button = self.query_one("#prot-go", Button)
        button.disabled = (
            self.wizard.connection.read_only or self.plan is None or not self.plan.to_enable or self.busy
        )

    @property
    def busy(self) -> bool:
        return self.query_one("#prot-progress").display

    def set_busy(self, busy: bool) -> None:
        bar = self.query_one("#prot-progress", ProgressBar)
        bar.display = busy
        if busy:
            bar.update(total=None, progress=0)
        self.update_button()

    @on(DataTable.RowHighlighted, "#prot-table")
    def _highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        out = self.query_one("#prot-detail", Static)
        table = self.query_one("#prot-table", DataTable)
        plans = self.plan.vms if self.plan is not None else []
        if not plans or table.row_count == 0:
            out.update("")
            return
        p = plans[min(table.cursor_row, len(plans) - 1)]
        text = Text()
        text.append(f"{clean(p.vm.name)}: ", style="bold")
        text.append(
            {
                "enable": "planned: enable protection",
                "already-protected": "planned: nothing to do",
                "refused": "planned: not protected",
            }[p.action]
        )
        if p.reason:
            text.append(f"\n{clean(p.reason)}")
        if p.action == "refused" and p.remedy:
            text.append("\nWhat to do: ", style="bold")
            text.append(clean(p.remedy))
        for w in p.warnings:
            text.append(f"\n! {clean(w)}", style=WARN)
        r = self.results.get(p.vm.id.lower())
        if r is not None:
            text.append("\nResult: ", style="bold")
            text.append(f"{r.result}; {result_detail(r) or 'done'}")
        out.update(text)

    # -- doing it --------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#prot-go")
    def _go_pressed(self) -> None:
        self.action_protect()

    def action_protect(self) -> None:
        if self.wizard.connection.read_only:
            self.wizard.notify(READ_ONLY_REASON, severity="warning")
            return
        if self.busy:
            return
        if self.plan is None or not self.plan.to_enable:
            self.wizard.notify("Nothing to enable in this plan.", severity="warning")
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
            self.query_one("#prot-status", Static).update("Cancelled: nothing was sent to Azure.")
            return
        factory = self.wizard.workspace.factory
        assert factory is not None
        status = self.query_one("#prot-status", Static)
        bar = self.query_one("#prot-progress", ProgressBar)
        self.set_busy(True)
        bar.update(total=n, progress=0)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(total=max(total, 1), progress=done)
            status.update(f"Enabling protection: {stage} ({done}/{total})")

        status.update(f"Enabling protection for {n} VM{'s' if n != 1 else ''}…")
        try:
            results = await ProtectionService(factory).enable(plan, progress)
        except Exception as e:  # the container refresh failed: record it for every VM, then let it be shown
            problem = explain(e)
            for p in plan.to_enable:
                self.record(plan, VmResult(p.vm, "failed", message=f"{problem.title}: {problem.detail}"))
            raise
        finally:
            self.set_busy(False)
        for r in results:
            self.results[r.vm.id.lower()] = r
            self.record(plan, r)
        self.render_plan()
        line = summary_line(results)
        ok = all(is_success(r) for r in results)
        summary = self.query_one("#prot-summary", Static)
        text = Text(("✓ " if ok else "✗ ") + line, style=GOOD if ok else BAD)
        summary.update(text)
        self.wizard.notify(line, severity="information" if ok else "warning", timeout=10)
        lock = await self.rescan()
        if lock:
            summary.update(text + Text(f"\n{lock}"))
        self.make_plan(plan.policy.name)  # the plan as it is now: the protected VMs show as already protected

    def record(self, plan: ProtectionPlan, r: VmResult) -> None:
        vault = plan.vault
        self.wizard.session.record(
            "enable-protection",
            r.vm.id,
            session_result(r),
            detail=result_detail(r),
            request_ids=[i for i in r.request_ids if i],
            vault_resource_group=vault.resource_group,
            vault_name=vault.name,
            vault_id=vault.id,
            policy=plan.policy.name,
            vm=r.vm.name,
        )

    async def rescan(self) -> str:
        """Read the subscription again so the vault's lock and the VMs' protection show the new state;
        returns what it says about the vault now."""
        sub = self.wizard.session.subscription
        if sub is None:
            return ""
        status = self.query_one("#prot-status", Static)
        status.update(f"Reading {markup(sub.name)} again to show the new protection state…")
        inventory = await self.wizard.workspace.scan(sub.id)
        self.wizard.inventory_loaded(inventory)
        vault = self.wizard.session.vault
        if vault is None:
            return ""
        lock = (
            f"{markup(vault.name)} now protects {vault.protected_vms} VM{'s' if vault.protected_vms != 1 else ''}"
            + ("; its storage redundancy is locked." if vault.redundancy_locked else ".")
        )
        status.update(f"Done. {lock}")
        return lock
