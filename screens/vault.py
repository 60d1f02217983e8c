"""Step 3: the Recovery Services vault. Pick a region (where the VMs are), then a vault there or create one.

Every write goes plan -> confirmation (what is sent, what becomes permanent) -> apply -> result re-read from
Azure; each request is recorded in the session. The rules and texts live in tui/services/vaults.py and
tui/widgets/vault_text.py; this module only wires widgets to them.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, OptionList, ProgressBar, Select, Static
from textual.widgets.option_list import Option

from screens.base import StepPane
from tui.azure import explain
from tui.model import Inventory, VaultFacts
from tui.services.vaults import (
    ApplyResult,
    Plan,
    VaultService,
    validate_resource_group_name,
    validate_vault_name,
)
from tui.textsafe import clean, markup
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.redundancy import RedundancyPicker, short_redundancy
from tui.widgets.vault_text import (
    SESSION_ACTION,
    SESSION_RESULT,
    plan_body,
    result_text,
    vault_facts,
    vault_line,
)

NEW_VAULT = "new-vault"  # the "+ Create a new vault" option of the vault list
NEW_GROUP = "\0new-group"  # the "new resource group" choice of the group Select (not a valid group name)
NEW_GROUP_LABEL = "new resource group, named →"
NAME_CHECK_DELAY = 0.4  # seconds of no typing before the availability check


def region_key(location: str) -> str:
    return location.replace(" ", "").lower()


class VaultStep(StepPane):
    STEP_ID = "vault"
    TITLE = "Vault"
    PURPOSE = "The vault must be in the VMs' region. Pick a region, then a vault there (Enter uses it) or create one."

    def __init__(self) -> None:
        super().__init__()
        self.picked_region: str | None = None  # highlighted region
        self.vault_key: str | None = None  # highlighted vault id, or NEW_VAULT
        self.groups: dict[str, list[str]] | None = None  # region -> resource group names; None: not read
        self.group_choice: dict[str, str] = {}  # region -> chosen group (or NEW_GROUP)
        self.new_group: dict[str, str] = {}  # region -> name typed for a new group
        self._form_region: str | None = None
        self._inventory: Inventory | None = None
        self._groups_sub: str | None = None
        self._name_ok: bool | None = None  # availability of the typed name: None unknown/pending
        self._busy = False

    # -- layout --------------------------------------------------------------------------------------------
    def body(self) -> ComposeResult:
        with VerticalScroll(id="vault-body"):
            with Horizontal(id="vault-pickers"):
                with Vertical(id="vault-regions-box"):
                    yield Static("Region · VMs · vaults", classes="vault-head")
                    yield OptionList(id="vault-regions")
                with Vertical(id="vault-list-box"):
                    yield Static("Vaults", id="vault-list-head", classes="vault-head")
                    yield OptionList(id="vault-list")
            yield Static("", id="vault-progress-text", markup=False)
            yield ProgressBar(id="vault-progress", show_eta=False, show_percentage=False)
            yield Static("", id="vault-result", markup=False)
            with Vertical(id="vault-existing"):
                yield Static("", id="vault-facts", markup=False)
                yield RedundancyPicker(id="vault-edit-redundancy")
                with Horizontal(classes="vault-buttons"):
                    yield Button("Use this vault", id="vault-use", variant="primary")
                    yield Button("Change redundancy…", id="vault-change")
            with Vertical(id="vault-create"):
                yield Input(placeholder="new vault name, e.g. rsv-backup-northeurope", id="vault-name")
                yield Static("", id="vault-name-status", markup=False)
                with Horizontal(id="vault-rg-row"):
                    yield Select([(NEW_GROUP_LABEL, NEW_GROUP)], id="vault-rg", allow_blank=False)
                    yield Input(placeholder="new resource group name", id="vault-new-rg")
                yield Static("", id="vault-rg-status", markup=False)
                yield RedundancyPicker(id="vault-new-redundancy")
                with Horizontal(classes="vault-buttons"):
                    yield Button("Create vault…", id="vault-create-button", variant="primary")

    def on_resize(self) -> None:
        self.set_class(self.size.width < 76, "-narrow")  # lists above each other on small terminals

    def on_mount(self) -> None:
        for wid in (
            "#vault-existing",
            "#vault-create",
            "#vault-progress",
            "#vault-progress-text",
            "#vault-result",
        ):
            self.query_one(wid).display = False

    # -- arrival and data ------------------------------------------------------------------------------------
    def entered(self) -> None:
        if self.wizard.inventory is not self._inventory:
            self.render_regions()
        sub = self.wizard.session.subscription
        if sub is not None and self._groups_sub != sub.id:
            self.load_groups()
        if self.app.focused is None or self not in self.app.focused.ancestors:
            self.query_one("#vault-regions", OptionList).focus()

    def load(self) -> None:
        self.render_regions()
        self.load_groups()

    @work(exclusive=True, group="vault-groups", exit_on_error=False)
    async def load_groups(self) -> None:
        sub = self.wizard.session.subscription
        factory = self.wizard.workspace.factory
        if sub is None or factory is None:
            return
        self._groups_sub = sub.id
        groups: dict[str, list[str]] = {}
        async for group in factory.resources(sub.id).resource_groups.list():
            if group.name:
                groups.setdefault(region_key(group.location or ""), []).append(group.name)
        self.groups = {r: sorted(names, key=str.lower) for r, names in groups.items()}
        self._form_region = None  # rebuild the group choice with the real list
        self.show_detail()

    def service(self) -> VaultService:
        return self.wizard.workspace.vaults()

    def vaults_in(self, region: str | None) -> list[VaultFacts]:
        inv = self.wizard.inventory
        if inv is None or region is None:
            return []
        return sorted(
            (v for v in inv.vaults if region_key(v.location) == region), key=lambda v: v.name.lower()
        )

    def _vault(self, vault_id: str | None) -> VaultFacts | None:
        inv = self.wizard.inventory
        return inv.vault(vault_id) if inv is not None and vault_id else None

    # -- region and vault lists ------------------------------------------------------------------------------
    def render_regions(self) -> None:
        inv = self._inventory = self.wizard.inventory
        regions = self.query_one("#vault-regions", OptionList)
        regions.clear_options()
        if inv is None:
            return
        vms = Counter(region_key(vm.location) for vm in inv.vms)
        vaults = Counter(region_key(v.location) for v in inv.vaults)
        order = sorted(vms, key=lambda r: (-vms[r], r))
        if not order:
            regions.add_option(Option("No VMs in this subscription", disabled=True))
            self.query_one("#vault-list", OptionList).clear_options()
            return
        chosen = self.wizard.session.vault
        width = max(len(r) for r in order)
        for r in order:
            mark = "●" if chosen is not None and region_key(chosen.location) == r else " "
            n, k = vms[r], vaults[r]
            text = f"{mark} {r:<{width}} {n:>3} VM{'s' if n != 1 else ' '}, {k} vault{'s' if k != 1 else ''}"
            regions.add_option(Option(text, id=r))
        if self.picked_region not in order:
            self.picked_region = region_key(chosen.location) if chosen is not None else None
            if self.picked_region not in order:
                self.picked_region = order[0]
        regions.highlighted = order.index(self.picked_region)
        self.render_vaults()

    def render_vaults(self) -> None:
        vault_list = self.query_one("#vault-list", OptionList)
        vault_list.clear_options()
        vaults = self.vaults_in(self.picked_region)
        chosen = self.wizard.session.vault
        for v in vaults:
            mark = "●" if chosen is not None and chosen.id.lower() == v.id.lower() else " "
            lock = "locked" if v.redundancy_locked else "unlocked" if v.redundancy_locked is False else "?"
            vault_list.add_option(
                Option(f"{mark} {markup(v.name)} · {short_redundancy(v.redundancy)} · {lock}", id=v.id)
            )
        vault_list.add_option(Option("+ Create a new vault", id=NEW_VAULT))
        ids = [v.id for v in vaults] + [NEW_VAULT]
        if self.vault_key not in ids:
            in_region = chosen is not None and chosen.id in ids
            self.vault_key = chosen.id if in_region and chosen else ids[0]
        vault_list.highlighted = ids.index(self.vault_key)
        self.query_one("#vault-list-head", Static).update(f"Vaults in {self.picked_region}")
        self.show_detail()

    @on(OptionList.OptionHighlighted, "#vault-regions")
    def _region_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id and event.option_id != self.picked_region:
            self.picked_region = event.option_id
            self.render_vaults()

    @on(OptionList.OptionSelected, "#vault-regions")
    def _region_selected(self) -> None:
        self.query_one("#vault-list", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#vault-list")
    def _vault_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id and event.option_id != self.vault_key:
            self.vault_key = event.option_id
            self.show_detail()

    @on(OptionList.OptionSelected, "#vault-list")
    def _vault_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == NEW_VAULT:
            self.query_one("#vault-name", Input).focus()
        else:
            vault = self._vault(event.option_id)
            if vault is not None:
                self.use_vault(vault)

    # -- details: an existing vault or the create form --------------------------------------------------------
    def show_detail(self) -> None:
        creating = self.vault_key == NEW_VAULT
        self.query_one("#vault-create").display = creating
        self.query_one("#vault-existing").display = not creating and self.vault_key is not None
        if creating:
            self.prepare_form()
        else:
            self.show_existing()

    def show_existing(self) -> None:
        vault = self._vault(self.vault_key)
        if vault is None:
            return
        chosen = self.wizard.session.vault
        in_use = chosen is not None and chosen.id.lower() == vault.id.lower()
        facts = vault_facts(vault) + ("\n● This is the vault in use." if in_use else "")
        self.query_one("#vault-facts", Static).update(facts)
        picker = self.query_one("#vault-edit-redundancy", RedundancyPicker)
        picker.set_value(vault.redundancy, vault.cross_region_restore)
        locked = vault.redundancy_locked is True
        note = (
            f"Locked: Azure fixed the redundancy when the first VM was protected. To use another "
            f"redundancy, create a new vault in {vault.location}."
            if locked
            else "Cross Region Restore is on and cannot be turned off."
            if vault.cross_region_restore
            else ""
        )
        picker.set_locked(redundancy=locked, crr=vault.cross_region_restore, note=note)
        self.query_one("#vault-use", Button).label = "In use ✓" if in_use else "Use this vault"
        self._sync_buttons()

    def prepare_form(self) -> None:
        region = self.picked_region
        if region is None or region == self._form_region:
            self._sync_buttons()
            return
        self._form_region = region
        groups = (self.groups or {}).get(region, [])
        default_new = f"rg-backup-{region}"
        select = self.query_one("#vault-rg", Select)
        select.set_options([(NEW_GROUP_LABEL, NEW_GROUP)] + [(g, g) for g in groups])
        choice = self.group_choice.get(region)
        if choice is None:
            choice = default_new if default_new in groups else NEW_GROUP
        select.value = choice if choice == NEW_GROUP or choice in groups else NEW_GROUP
        self.query_one("#vault-new-rg", Input).value = self.new_group.get(region, default_new)
        self.query_one("#vault-name", Input).placeholder = f"new vault name, e.g. rsv-backup-{region}"
        self._group_changed()
        self.name_changed()

    # -- create form: live validation ----------------------------------------------------------------------------
    def chosen_group(self) -> tuple[str, bool]:
        """(resource group name, whether it is a new group)."""
        value = self.query_one("#vault-rg", Select).value
        if value == NEW_GROUP or not isinstance(value, str):
            return self.query_one("#vault-new-rg", Input).value, True
        return value, False

    @on(Select.Changed, "#vault-rg")
    def _group_selected(self) -> None:
        if self.picked_region is not None and self._form_region == self.picked_region:
            self.group_choice[self.picked_region] = str(self.query_one("#vault-rg", Select).value)
        self._group_changed()
        self.name_changed()

    @on(Input.Changed, "#vault-new-rg")
    def _new_group_typed(self, event: Input.Changed) -> None:
        if self.picked_region is not None and self._form_region == self.picked_region:
            self.new_group[self.picked_region] = event.value
        self._group_changed()
        self.name_changed()

    def _group_changed(self) -> None:
        name, new = self.chosen_group()
        self.query_one("#vault-new-rg", Input).display = new
        status = self.query_one("#vault-rg-status", Static)
        problem = validate_resource_group_name(name) if new else None
        if problem:
            status.update(f"✗ {problem}")
            status.set_classes("blocked")
        elif (
            new
            and self.groups is not None
            and any(name.lower() == g.lower() for gs in self.groups.values() for g in gs)
        ):
            status.update(f"'{name}' already exists: the vault goes into that group.")
            status.set_classes("muted")
        elif new:
            status.update(f"A new resource group '{name}' will be created in {self.picked_region}.")
            status.set_classes("muted")
        else:
            status.update(f"Existing resource group '{name}'.")
            status.set_classes("muted")

    @on(Input.Changed, "#vault-name")
    def _name_typed(self) -> None:
        self.name_changed()

    @on(Input.Submitted, "#vault-name")
    def _name_submitted(self) -> None:
        self.query_one("#vault-rg", Select).focus()

    def name_changed(self) -> None:
        """Validate on every keystroke; check availability once typing pauses."""
        name = self.query_one("#vault-name", Input).value
        status = self.query_one("#vault-name-status", Static)
        self._name_ok = None
        problem = validate_vault_name(name)
        if not name:
            status.update("Vault name: 2 to 50 letters, digits and hyphens, starting with a letter.")
            status.set_classes("muted")
        elif problem:
            status.update(f"✗ {problem}")
            status.set_classes("blocked")
        else:
            status.update(f"… checking whether '{name}' is available")
            status.set_classes("muted")
        group, _ = self.chosen_group()
        if not problem and validate_resource_group_name(group) is None and self.picked_region:
            self.check_name(name, group, self.picked_region)
        else:
            self.workers.cancel_group(self, "vault-name")
        self._sync_buttons()

    @work(exclusive=True, group="vault-name", exit_on_error=False)
    async def check_name(self, name: str, group: str, region: str) -> None:
        await asyncio.sleep(NAME_CHECK_DELAY)  # debounce: a newer keystroke cancels this worker
        sub = self.wizard.session.subscription
        if sub is None:
            return
        status = self.query_one("#vault-name-status", Static)
        try:
            check = await self.service().check_name(sub.id, group, region, name)
        except Exception as exc:  # shown in place: a failed check must not interrupt typing with a dialog
            problem = explain(exc)
            status.update(f"? Could not check availability: {problem.title}. {problem.remedy}")
            status.set_classes("warning")
            return
        if self.query_one("#vault-name", Input).value != name or self.chosen_group()[0] != group:
            return
        self._name_ok = check.available
        status.update(("✓ " if check.available else "✗ ") + check.message)
        status.set_classes("ready" if check.available else "blocked")
        self._sync_buttons()

    def form_problem(self) -> str | None:
        name = self.query_one("#vault-name", Input).value
        group, new = self.chosen_group()
        return (
            validate_vault_name(name)
            or (validate_resource_group_name(group) if new else None)
            or ("That name is already taken." if self._name_ok is False else None)
        )

    @on(RedundancyPicker.Changed)
    def _redundancy_changed(self) -> None:
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        busy = self._busy
        self.query_one("#vault-create-button", Button).disabled = busy or self.form_problem() is not None
        vault = self._vault(self.vault_key) if self.vault_key != NEW_VAULT else None
        change = self.query_one("#vault-change", Button)
        use = self.query_one("#vault-use", Button)
        if vault is None:
            change.disabled = use.disabled = True
            return
        picker = self.query_one("#vault-edit-redundancy", RedundancyPicker)
        differs = (picker.redundancy, picker.crr) != (vault.redundancy, vault.cross_region_restore)
        change.disabled = busy or not differs
        use.disabled = busy

    # -- actions ---------------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#vault-use")
    def _use_pressed(self) -> None:
        vault = self._vault(self.vault_key)
        if vault is not None:
            self.use_vault(vault)

    def use_vault(self, vault: VaultFacts) -> None:
        self.wizard.session.choose_vault(vault)
        self.render_regions()
        self.wizard.refresh_nav()
        self.wizard.notify(
            f"Vault {markup(vault.name)} chosen ({vault_line(vault)}). Next (ctrl+n) picks the VMs."
        )

    @on(Button.Pressed, "#vault-create-button")
    def _create_pressed(self) -> None:
        if self.form_problem() is None and not self._busy:
            self.create_vault()

    @on(Button.Pressed, "#vault-change")
    def _change_pressed(self) -> None:
        vault = self._vault(self.vault_key)
        if vault is not None and not self._busy:
            self.change_vault(vault)

    @work(exclusive=True, group="vault-apply", exit_on_error=False)
    async def create_vault(self) -> None:
        sub = self.wizard.session.subscription
        region = self.picked_region
        if sub is None or region is None:
            return
        name = self.query_one("#vault-name", Input).value
        group, new = self.chosen_group()
        picker = self.query_one("#vault-new-redundancy", RedundancyPicker)
        self.set_busy(f"Checking '{name}' and planning…")
        try:
            svc = self.service()
            check = await svc.check_name(sub.id, group, region, name)
            if not check.available:
                self._name_ok = False
                self.show_refusal(check.message + ".")
                return
            plan = await svc.plan_create(
                sub.id, group, name, region, picker.redundancy or "GeoRedundant", picker.crr, create_group=new
            )
        finally:
            self.set_busy(None)
        await self.confirm_and_apply(plan, created=True)

    @work(exclusive=True, group="vault-apply", exit_on_error=False)
    async def change_vault(self, vault: VaultFacts) -> None:
        picker = self.query_one("#vault-edit-redundancy", RedundancyPicker)
        self.set_busy(f"Reading {vault.name} as it is now and planning…")
        try:
            svc = self.service()
            fresh = await svc.read_vault(vault.subscription_id, vault.resource_group, vault.name)
            self.remember(fresh)
            plan = await svc.plan_redundancy(fresh, picker.redundancy, picker.crr)
        finally:
            self.set_busy(None)
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
        self.set_busy(f"{plan.summary}… (creating a vault can take a minute)")
        try:
            result = await self.service().apply(plan)
        finally:
            self.set_busy(None)
        self.record(result)
        self.show_result(result, created=created)

    def record(self, result: ApplyResult) -> None:
        plan = result.plan
        sub = f"/subscriptions/{plan.subscription_id}"
        for outcome in result.outcomes:
            action = outcome.step.action
            if action == "register_provider":
                target, params = sub, {"namespace": "Microsoft.RecoveryServices"}
            else:
                target = (
                    f"{sub}/resourceGroups/{plan.resource_group}"
                    if action == "create_group"
                    else plan.vault_id
                )
                params = {
                    "resource_group": plan.resource_group,
                    "name": plan.vault_name,
                    "location": plan.location,
                    "redundancy": plan.redundancy,
                    "cross_region_restore": bool(plan.cross_region_restore),
                }
            self.wizard.session.record(
                SESSION_ACTION[action],
                target,
                SESSION_RESULT[outcome.status],
                detail=outcome.message,
                request_ids=[outcome.request_id] if outcome.request_id else [],
                **params,
            )

    def show_result(self, result: ApplyResult, *, created: bool) -> None:
        self.say(result_text(result), "ready" if result.ok else "blocked")
        vault = result.vault
        if vault is None:
            return
        self.remember(vault)
        if result.ok:
            self.wizard.session.choose_vault(vault)
            if created:
                self.query_one("#vault-name", Input).value = ""
            self.vault_key = vault.id
        self.render_regions()
        self.wizard.refresh_nav()
        if result.ok:
            self.query_one("#vault-list", OptionList).focus()
            self.wizard.notify(
                f"Vault {markup(vault.name)} is ready and chosen. Next (ctrl+n) picks the VMs."
            )

    def remember(self, vault: VaultFacts) -> None:
        """Put the vault as just read into the inventory (replacing the older facts)."""
        inv = self.wizard.inventory
        if inv is None:
            return
        inv.vaults = [v for v in inv.vaults if v.id.lower() != vault.id.lower()] + [vault]
        chosen = self.wizard.session.vault
        if chosen is not None and chosen.id.lower() == vault.id.lower():
            self.wizard.session.vault = vault

    def show_refusal(self, reason: str) -> None:
        self.say(f"✗ Not possible, nothing was sent: {reason}", "blocked")

    def say(self, text: str, cls: str = "") -> None:
        """The outcome of the last action (result, refusal, cancel), right below the lists."""
        box = self.query_one("#vault-result", Static)
        box.update(clean(text, multiline=True))  # quotes Azure's names and messages: escaped, never markup
        box.set_classes(cls)
        box.display = bool(text)

    def set_busy(self, text: str | None) -> None:
        self._busy = text is not None
        self.query_one("#vault-progress-text", Static).update(clean(text or ""))
        self.query_one("#vault-progress-text").display = self._busy
        bar = self.query_one("#vault-progress", ProgressBar)
        bar.display = self._busy
        bar.update(total=None)
        if self._busy:
            self.say("")
        self._sync_buttons()

    # -- wizard contract -------------------------------------------------------------------------------------------
    def blocked_reason(self) -> str | None:
        return None if self.wizard.session.vault is not None else "Choose or create a vault."
