"""Step 3: the Recovery Services vault. Pick a region (where the VMs are), then a vault there or create one.

Every write goes plan -> confirmation (what is sent, what becomes permanent) -> apply -> result re-read from
Azure; each request is recorded in the session. The rules and texts live in tui/services/vaults.py and
tui/widgets/vault_text.py, the lists, details and form in tui/widgets/vault_*.py; this module wires them to
the wizard model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList, Static

from screens.base import StepPane
from tui.model import VaultFacts
from tui.services.vaults import ApplyResult, NameCheck, Plan, VaultService
from tui.textsafe import clean, markup
from tui.widgets.busy import Busy, BusyBar
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.redundancy import RedundancyPicker
from tui.widgets.vault_details import VaultDetails
from tui.widgets.vault_form import NewVault, NewVaultForm
from tui.widgets.vault_picker import NEW_VAULT, VaultPicker, region_key
from tui.widgets.vault_text import plan_body, result_text, vault_line
from tui.wizard import Step, WizardModel


@dataclass(frozen=True)
class Said:
    """The outcome of the last action (a result, a refusal, a cancel), for the subscription it was in."""

    subscription_id: str
    text: str = ""
    cls: str = ""
    result: ApplyResult | None = None  # its "Now in Azure" line follows the vault as the model knows it


class VaultStep(StepPane):
    STEP_ID = Step.VAULT
    KEYS: ClassVar = VaultPicker.KEYS
    DEFAULT_CSS = """
    VaultStep {
        #vault-body { height: 1fr; }
        #vault-progress-text, #vault-result { padding: 1 0 0 0; }
        #vault-result { height: auto; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self.groups: dict[str, list[str]] | None = None  # region -> resource group names; None: not read
        self._groups_sub: str | None = None
        self._said: Said | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="vault-body"):
            yield VaultPicker(id="vault-pickers")
            yield Static("", id="vault-progress-text", markup=False)
            yield BusyBar(id="vault-progress", show_eta=False, show_percentage=False).data_bind(StepPane.busy)
            yield Static("", id="vault-result", markup=False)
            yield VaultDetails(id="vault-existing")
            yield NewVaultForm(self._check_name, id="vault-create")

    def on_mount(self) -> None:
        for wid in ("#vault-existing", "#vault-create", "#vault-progress-text", "#vault-result"):
            self.query_one(wid).display = False

    @property
    def picker(self) -> VaultPicker:
        return self.query_one(VaultPicker)

    def service(self) -> VaultService:
        return self.model.workspace.vaults()

    # -- following the model -----------------------------------------------------------------------------
    def show_model(self) -> None:
        inv = self.model.inventory
        if inv is None:
            self.picker.query_one("#vault-regions", OptionList).clear_options()
        else:
            self.picker.show(inv.vms, inv.vaults, self.model.session.vault)
        self.show_detail()
        self.show_said()

    def entered(self) -> None:
        sub = self.model.session.subscription
        if sub is not None and self._groups_sub != sub.id:
            self.load_groups()
        if self.app.focused is None or self not in self.app.focused.ancestors:
            # the list is at the top: no scrolling to it (on a step just shown the layout may not be done)
            self.picker.query_one("#vault-regions", OptionList).focus(scroll_visible=False)

    def load(self) -> None:
        self.redraw()
        self.load_groups()

    @work(exclusive=True, group="vault-groups", exit_on_error=False)
    async def load_groups(self) -> None:
        sub = self.model.session.subscription
        factory = self.model.workspace.factory
        if sub is None or factory is None:
            return
        self._groups_sub = sub.id
        groups: dict[str, list[str]] = {}
        async for group in factory.resources(sub.id).resource_groups.list():
            if group.name:
                groups.setdefault(region_key(group.location or ""), []).append(group.name)
        self.groups = {r: sorted(names, key=str.lower) for r, names in groups.items()}
        self.show_detail()

    async def _check_name(self, name: str, group: str, region: str) -> NameCheck:
        sub = self.model.session.subscription
        if sub is None:
            return NameCheck(False, None, "Choose a subscription first")
        return await self.service().check_name(sub.id, group, region, name)

    # -- details: an existing vault or the create form ---------------------------------------------------
    @on(VaultPicker.Highlighted)
    def show_detail(self) -> None:
        key = self.picker.vault_key
        creating = key == NEW_VAULT
        form, details = self.query_one(NewVaultForm), self.query_one(VaultDetails)
        form.display = creating
        vault = self.model.vault(key) if not creating else None
        details.display = vault is not None
        if creating:
            form.prepare(self.picker.picked_region, self.groups)
        elif vault is not None:
            details.show(vault, in_use=self.model.is_chosen(vault))

    @on(VaultPicker.Chosen)
    def _chosen(self, event: VaultPicker.Chosen) -> None:
        if event.vault_key == NEW_VAULT:
            self.query_one("#vault-name", Input).focus()
        elif (vault := self.model.vault(event.vault_key)) is not None:
            self.use_vault(vault)

    @on(VaultDetails.Requested)
    def _details_requested(self, event: VaultDetails.Requested) -> None:
        if not event.change:
            self.use_vault(event.vault)
        elif self.busy is None:
            self.change_vault(event.vault)

    def use_vault(self, vault: VaultFacts) -> None:
        self.model.use_vault(vault)
        self.changed()
        self.app.notify(
            f"Vault {markup(vault.name)} chosen ({vault_line(vault)}). Next (ctrl+n) picks the VMs."
        )

    # -- changes ------------------------------------------------------------------------------------------
    @on(NewVaultForm.CreateRequested)
    def _create_requested(self, event: NewVaultForm.CreateRequested) -> None:
        if self.busy is None:
            self.create_vault(event.vault)

    @work(exclusive=True, group="vault-apply", exit_on_error=False)
    async def create_vault(self, new: NewVault) -> None:
        sub = self.model.session.subscription
        if sub is None:
            return
        self.busy = Busy(f"Checking '{new.name}' and planning…", group="vault-apply")
        try:
            svc = self.service()
            check = await svc.check_name(sub.id, new.group, new.region, new.name)
            if not check.available:
                self.query_one(NewVaultForm).name_taken()
                self.show_refusal(check.message + ".")
                return
            plan = await svc.plan_create(
                sub.id, new.group, new.name, new.region, new.redundancy, new.crr, create_group=new.new_group
            )
        finally:
            self.busy = None
        await self.confirm_and_apply(plan, created=True)

    @work(exclusive=True, group="vault-apply", exit_on_error=False)
    async def change_vault(self, vault: VaultFacts) -> None:
        picker = self.query_one("#vault-edit-redundancy", RedundancyPicker)
        wanted = picker.redundancy, picker.crr  # before anything re-renders the details
        self.busy = Busy(f"Reading {vault.name} as it is now and planning…", group="vault-apply")
        try:
            svc = self.service()
            fresh = await svc.read_vault(vault.subscription_id, vault.resource_group, vault.name)
            self.model.replace_vault(fresh)
            self.changed()
            plan = await svc.plan_redundancy(fresh, *wanted)
        finally:
            self.busy = None
        await self.confirm_and_apply(plan, created=False)

    async def confirm_and_apply(self, plan: Plan, *, created: bool) -> None:
        if plan.refusal is not None:
            self.show_refusal(plan.refusal)
            return
        if plan.noop:
            self.say(plan.summary + ". Nothing was sent.")
            return
        verb = "Create" if created else "Change"
        dialog = ConfirmDialog(
            f"{verb} vault {plan.vault_name}?",
            plan_body(plan),
            confirm=verb,
            danger=any(s.irreversible for s in plan.steps),
        )
        if not await self.app.push_screen_wait(dialog):
            self.say("Cancelled: nothing was sent to Azure.")
            return
        self.busy = Busy(
            f"{plan.summary}… (creating a vault can take a minute)", group="vault-apply", change=plan.summary
        )
        try:
            result = await self.service().apply(plan, lambda done: self.model.vault_step_done(plan, done))
        finally:
            self.busy = None
        self.model.vault_changes_applied(result, recorded=True)
        self._said = Said(plan.subscription_id, cls="ready" if result.ok else "blocked", result=result)
        if result.ok and result.vault is not None:
            if created:
                self.query_one(NewVaultForm).created()
            self.picker.vault_key = result.vault.id
            self.query_one("#vault-list", OptionList).focus()
            self.app.notify(
                f"Vault {markup(result.vault.name)} is ready and chosen. Next (ctrl+n) picks the VMs."
            )
        self.changed()
        self.show_said()

    # -- what happened ------------------------------------------------------------------------------------
    def show_refusal(self, reason: str) -> None:
        self.say(f"✗ Not possible, nothing was sent: {reason}", "blocked")

    def say(self, text: str, cls: str = "") -> None:
        sub = self.model.session.subscription
        self._said = Said(sub.id, text, cls) if sub is not None and text else None
        self.show_said()

    def show_said(self) -> None:
        """The outcome of the last action, right below the lists: only in the subscription it happened in,
        and its result says what the vault is now."""
        said, sub = self._said, self.model.session.subscription
        box = self.query_one("#vault-result", Static)
        if said is None or sub is None or said.subscription_id != sub.id or self.busy is not None:
            box.display = False
            return
        if said.result is not None:
            now = self.model.vault(said.result.plan.vault_id)
            box.update(result_text(said.result, now))
        else:
            box.update(clean(said.text, multiline=True))  # quotes Azure's messages: escaped
        box.set_classes(said.cls)
        box.display = True

    def show_busy(self, busy: Busy | None) -> None:
        text = self.query_one("#vault-progress-text", Static)
        text.update(busy.line if busy else "")
        text.display = busy is not None
        if busy is not None:
            self._said = None
        self.query_one(NewVaultForm).set_busy(busy is not None)
        self.query_one(VaultDetails).set_busy(busy is not None)
        self.show_said()

    def blocked_reason(self) -> str | None:
        return None if self.model.session.vault is not None else "Choose or create a vault."
