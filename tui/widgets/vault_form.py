"""The new-vault form of the vault step: name (checked as typed, availability asked once typing pauses),
resource group (an existing one of the region, or a new one), redundancy, and the Create button."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Select, Static

from tui.azure import explain
from tui.services.vaults import NameCheck, validate_resource_group_name, validate_vault_name
from tui.textsafe import markup
from tui.widgets.redundancy import RedundancyPicker
from tui.widgets.rows import ButtonRow

NEW_GROUP = "\0new-group"  # the "new resource group" choice of the group Select (not a valid group name)
NEW_GROUP_LABEL = "new resource group, named →"
NAME_CHECK_DELAY = 0.4  # seconds of no typing before the availability check

NameChecker = Callable[[str, str, str], Awaitable[NameCheck]]  # (name, group, region) -> availability


@dataclass(frozen=True)
class NewVault:
    name: str
    group: str
    new_group: bool
    region: str
    redundancy: str
    crr: bool


class NewVaultForm(Vertical):
    """``prepare`` it for a region with the resource groups there; posts `CreateRequested`."""

    DEFAULT_CSS = """
    NewVaultForm {
        height: auto;
        padding: 1 0 0 0;
        #vault-name, #vault-new-rg { margin: 0; }
        #vault-rg-row { height: auto; padding: 1 0 0 0; }
        #vault-rg { width: 1fr; }
        #vault-new-rg { width: 1fr; }
    }
    """

    @dataclass
    class CreateRequested(Message):
        vault: NewVault

    def __init__(self, check: NameChecker, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.check = check
        self.for_region: str | None = None
        self.groups: dict[str, list[str]] | None = None  # region -> resource group names; None: not read
        self.group_choice: dict[str, str] = {}  # region -> chosen group (or NEW_GROUP)
        self.new_group: dict[str, str] = {}  # region -> name typed for a new group
        self.name_ok: bool | None = None  # availability of the typed name: None unknown/pending
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="new vault name, e.g. rsv-backup-northeurope", id="vault-name")
        yield Static("", id="vault-name-status", markup=False)
        with Horizontal(id="vault-rg-row"):
            yield Select([(NEW_GROUP_LABEL, NEW_GROUP)], id="vault-rg", allow_blank=False)
            yield Input(placeholder="new resource group name", id="vault-new-rg")
        yield Static("", id="vault-rg-status", markup=False)
        yield RedundancyPicker(id="vault-new-redundancy")
        with ButtonRow():
            yield Button("Create vault…", id="vault-create-button", variant="primary")

    # -- region and groups -------------------------------------------------------------------------------
    def prepare(self, region: str | None, groups: dict[str, list[str]] | None) -> None:
        """The form for ``region`` (what was typed for each region is kept); ``groups`` as read."""
        if region is None or (region == self.for_region and groups is self.groups):
            self.sync_button()
            return
        self.for_region, self.groups = region, groups
        names = (groups or {}).get(region, [])
        default_new = f"rg-backup-{region}"
        select = self.query_one("#vault-rg", Select)
        select.set_options([(NEW_GROUP_LABEL, NEW_GROUP)] + [(g, g) for g in names])
        choice = self.group_choice.get(region)
        if choice is None:
            choice = default_new if default_new in names else NEW_GROUP
        select.value = choice if choice == NEW_GROUP or choice in names else NEW_GROUP
        self.query_one("#vault-new-rg", Input).value = self.new_group.get(region, default_new)
        self.query_one("#vault-name", Input).placeholder = f"new vault name, e.g. rsv-backup-{region}"
        self._group_changed()
        self.name_changed()

    def chosen_group(self) -> tuple[str, bool]:
        """(resource group name, whether it is a new group)."""
        value = self.query_one("#vault-rg", Select).value
        if value == NEW_GROUP or not isinstance(value, str):
            return self.query_one("#vault-new-rg", Input).value, True
        return value, False

    @on(Select.Changed, "#vault-rg")
    def _group_selected(self) -> None:
        if self.for_region is not None:
            self.group_choice[self.for_region] = str(self.query_one("#vault-rg", Select).value)
        self._group_changed()
        self.name_changed()

    @on(Input.Changed, "#vault-new-rg")
    def _new_group_typed(self, event: Input.Changed) -> None:
        if self.for_region is not None:
            self.new_group[self.for_region] = event.value
        self._group_changed()
        self.name_changed()

    def _group_changed(self) -> None:
        name, new = self.chosen_group()
        self.query_one("#vault-new-rg", Input).display = new
        problem = validate_resource_group_name(name) if new else None
        known = any(name.lower() == g.lower() for gs in (self.groups or {}).values() for g in gs)
        if problem:
            self._say("#vault-rg-status", f"✗ {problem}", "blocked")
        elif new and known:
            self._say("#vault-rg-status", f"'{name}' already exists: the vault goes into that group.")
        elif new:
            self._say(
                "#vault-rg-status", f"A new resource group '{name}' will be created in {self.for_region}."
            )
        else:
            self._say("#vault-rg-status", f"Existing resource group '{name}'.")

    def _say(self, where: str, text: str, cls: str = "muted") -> None:
        status = self.query_one(where, Static)
        status.update(text)
        status.set_classes(cls)

    # -- the name ---------------------------------------------------------------------------------------
    @on(Input.Changed, "#vault-name")
    def _name_typed(self) -> None:
        self.name_changed()

    @on(Input.Submitted, "#vault-name")
    def _name_submitted(self, event: Input.Submitted) -> None:
        """Enter: on to the resource group, unless the name cannot be used: then say why (the focus stays)."""
        problem = validate_vault_name(event.value) if event.value else "Type a name for the new vault first."
        if problem:
            self.app.notify(markup(problem), title="Vault name", severity="warning")
            return
        self.query_one("#vault-rg", Select).focus()

    def name_changed(self) -> None:
        """Validate on every keystroke; check availability once typing pauses."""
        name = self.query_one("#vault-name", Input).value
        self.name_ok = None
        problem = validate_vault_name(name)
        if not name:
            self._say(
                "#vault-name-status",
                "Vault name: 2 to 50 letters, digits and hyphens, starting with a letter.",
            )
        elif problem:
            self._say("#vault-name-status", f"✗ {problem}", "blocked")
        else:
            self._say("#vault-name-status", f"… checking whether '{name}' is available")
        group, _ = self.chosen_group()
        if not problem and validate_resource_group_name(group) is None and self.for_region:
            self.check_name(name, group, self.for_region)
        else:
            self.workers.cancel_group(self, "vault-name")
        self.sync_button()

    @work(exclusive=True, group="vault-name", exit_on_error=False)
    async def check_name(self, name: str, group: str, region: str) -> None:
        await asyncio.sleep(NAME_CHECK_DELAY)  # debounce: a newer keystroke cancels this worker
        try:
            check = await self.check(name, group, region)
        except Exception as exc:  # shown in place: a failed check must not interrupt typing with a dialog
            problem = explain(exc)
            self._say(
                "#vault-name-status",
                f"? Could not check availability: {problem.title}. {problem.remedy}",
                "warning",
            )
            return
        if self.query_one("#vault-name", Input).value != name or self.chosen_group()[0] != group:
            return
        self.name_ok = check.available
        self._say(
            "#vault-name-status",
            ("✓ " if check.available else "✗ ") + check.message,
            "ready" if check.available else "blocked",
        )
        self.sync_button()

    def name_taken(self) -> None:
        self.name_ok = False
        self.sync_button()

    def problem(self) -> str | None:
        name = self.query_one("#vault-name", Input).value
        group, new = self.chosen_group()
        return (
            validate_vault_name(name)
            or (validate_resource_group_name(group) if new else None)
            or ("That name is already taken." if self.name_ok is False else None)
        )

    # -- create -----------------------------------------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.sync_button()

    def sync_button(self) -> None:
        self.query_one("#vault-create-button", Button).disabled = self.busy or self.problem() is not None

    def created(self) -> None:
        self.query_one("#vault-name", Input).value = ""

    @on(RedundancyPicker.Changed)
    def _redundancy_changed(self) -> None:
        self.sync_button()

    @on(Button.Pressed, "#vault-create-button")
    def _create(self, event: Button.Pressed) -> None:
        event.stop()
        if self.problem() is not None or self.busy or self.for_region is None:
            return
        picker = self.query_one("#vault-new-redundancy", RedundancyPicker)
        name = self.query_one("#vault-name", Input).value
        group, new = self.chosen_group()
        vault = NewVault(name, group, new, self.for_region, picker.redundancy or "GeoRedundant", picker.crr)
        self.post_message(self.CreateRequested(vault))
