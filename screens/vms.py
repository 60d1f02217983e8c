"""Step 4: choose the VMs to prepare. Only VMs in the vault's region, not protected elsewhere, can be chosen;
the others are listed too, dimmed, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from screens.base import StepPane
from tui.services.selection import matches
from tui.textsafe import clean, markup
from tui.widgets.filtering import FilterInput, TypeToFilter
from tui.widgets.vm_table import VmTable
from tui.wizard import Step, VmChoice, WizardModel

CHECKED, UNCHECKED, DISABLED = "[x]", "[ ]", " - "
COLUMNS = [
    (" ✓ ", "check"),
    ("VM", "vm"),
    ("Verdict", "verdict"),
    ("Resource group", "rg"),
    ("OS", "os"),
    ("Power", "power"),
]


class SelectableVmTable(TypeToFilter, VmTable):
    """The VM list: space toggles the highlighted VM, `a` toggles all, `/` or any other letter goes to the
    filter."""

    BINDINGS: ClassVar = [
        Binding("space", "toggle", "Toggle", tooltip="Toggle the highlighted VM"),
        Binding("a", "toggle_all", "All", tooltip="Toggle every VM shown"),
    ]

    @dataclass
    class Toggle(Message):
        everything: bool  # every VM shown, or the one highlighted when the key was pressed:
        key: str | None = None  # its id (keys typed fast reach the step after the cursor moved on)

    def action_toggle(self) -> None:
        self.post_message(self.Toggle(everything=False, key=self.highlighted_key))

    def action_toggle_all(self) -> None:
        self.post_message(self.Toggle(everything=True))


class VmsStep(StepPane):
    STEP_ID = Step.VMS
    KEYS: ClassVar = (("a letter", "filter (escape or Enter back to the list)"),)
    DEFAULT_CSS = """
    VmsStep {
        #vms-filter { margin: 0; }
        #vms-count { height: 1; padding: 0 1; background: $panel; }
        #vms-detail { height: auto; max-height: 3; color: $text-muted; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self.rows: list[VmChoice] = []

    def body(self) -> ComposeResult:
        yield FilterInput(placeholder="/ filter by name, resource group or OS", id="vms-filter")
        details = Static("", id="vms-detail")
        yield SelectableVmTable(
            COLUMNS,
            details=details,
            describe=self.describe,
            id="vms-table",
            give_way=[3, 5],
            keep=("check", "vm", "verdict"),
        )  # resource group and power state give way first: the details line repeats them
        yield Static("", id="vms-count")
        yield details

    @property
    def table(self) -> SelectableVmTable:
        return self.query_one(SelectableVmTable)

    def show_model(self) -> None:
        self.rows = self.model.vm_choices()
        self.render_table()

    def entered(self) -> None:
        self.table.focus()

    def load(self) -> None:
        self.redraw()

    def selected(self) -> set[str]:
        return {i.lower() for i in self.model.session.selected_vm_ids}

    def shown(self) -> list[VmChoice]:
        query = self.query_one("#vms-filter", Input).value
        return [r for r in self.rows if matches(r.assessment.vm, query)]

    # -- rendering -------------------------------------------------------------------------------------
    def render_table(self) -> None:
        chosen = self.selected()
        looks = self.looks
        rows = []
        for row in self.shown():
            vm = row.assessment.vm
            dim = "dim" if row.why_not else ""
            check = DISABLED if row.why_not else (CHECKED if vm.id.lower() in chosen else UNCHECKED)
            cells = (
                Text(check, style="bold" if check == CHECKED else dim),
                Text(clean(vm.name), style=dim),
                Text(f"✗ {clean(row.why_not[0])}", style=f"dim {looks.bad}")
                if row.why_not
                else looks.verdict(row.assessment.verdict),
                Text(clean(vm.resource_group), style=dim),
                Text(clean(vm.os_type or "?"), style=dim),
                Text(clean(vm.power_state or "unknown"), style=dim),
            )
            rows.append((vm.id, cells))
        self.table.show_rows(rows)
        self.show_count()

    def highlighted(self) -> VmChoice | None:
        key = self.table.highlighted_key
        return next((r for r in self.rows if r.id == key), None)

    def show_count(self) -> None:
        vault = self.model.session.vault
        count = self.query_one("#vms-count", Static)
        if vault is None:
            count.update("Choose a vault first (step 3): it decides which VMs can be chosen.")
            return
        selectable = sum(r.why_not is None for r in self.rows)
        n = len(self.model.session.selected_vm_ids)
        shown = len(self.shown())
        line = f"[b]{n} selected[/b] of {selectable} selectable (vault {markup(vault.name)}, {markup(vault.location)})"
        if shown != len(self.rows):
            line += f" · {shown} of {len(self.rows)} shown by the filter"
        count.update(line)

    def describe(self, key: str | None) -> Text:
        if self.model.session.vault is None:
            return Text("")
        row = next((r for r in self.rows if r.id == key), None)
        if row is None:
            return Text("No VM matches the filter." if self.rows else "No VMs in this subscription.")
        vm = row.assessment.vm
        if row.why_not:
            return Text.assemble(("Not selectable: ", "bold"), clean(row.why_not[1]))
        text = Text.assemble(
            (clean(vm.name), "bold"),
            f" ({clean(vm.resource_group)}, {clean(vm.power_state or 'power unknown')}): ",
            self.looks.verdict(row.assessment.verdict),
        )
        titles = [f.title for f in row.assessment.findings]
        if titles:
            text.append(" · " + clean("; ".join(titles)))
        return text

    # -- events ----------------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#vms-table")
    def _enter(self, event: DataTable.RowSelected) -> None:
        self.toggle(everything=False, key=event.row_key.value)

    @on(SelectableVmTable.Toggle)
    def _toggle(self, event: SelectableVmTable.Toggle) -> None:
        event.stop()
        self.toggle(everything=event.everything, key=event.key)

    @on(TypeToFilter.WantsFilter)
    def _wants_filter(self, event: TypeToFilter.WantsFilter) -> None:
        event.stop()
        self.query_one("#vms-filter", FilterInput).take(event.text)

    @on(Input.Changed, "#vms-filter")
    def _filter(self) -> None:
        self.render_table()

    @on(Input.Submitted, "#vms-filter")
    @on(FilterInput.Done)
    def _filter_done(self) -> None:
        self.table.focus()

    def toggle(self, *, everything: bool, key: str | None = None) -> None:
        """Toggle a VM (``key``, else the highlighted one), or (everything) all selectable VMs shown."""
        chosen = self.selected()
        if everything:
            ids = {r.id.lower() for r in self.shown() if r.why_not is None}
            if not ids:
                self.app.notify("No selectable VM is shown.", severity="warning")
                return
            chosen = chosen - ids if ids <= chosen else chosen | ids
        else:
            row = next((r for r in self.rows if r.id == key), None) if key else self.highlighted()
            if row is None:
                return
            if row.why_not:
                self.app.notify(markup(row.why_not[1]), title="Not selectable", severity="warning", timeout=8)
                return
            chosen ^= {row.id.lower()}
        self.model.select(chosen)
        self.changed()

    def blocked_reason(self) -> str | None:
        return None if self.model.session.selected_vm_ids else "Select at least one VM."
