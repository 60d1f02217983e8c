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
from tui.services.assessment import VmAssessment
from tui.services.selection import matches, unselectable
from tui.textsafe import clean, markup
from tui.widgets.badges import BAD, verdict_badge

CHECKED, UNCHECKED, DISABLED = "[x]", "[ ]", " - "


@dataclass
class VmRow:
    assessment: VmAssessment
    why_not: (
        tuple[str, str] | None
    )  # (short, full) when the VM cannot be chosen; shown in place of its verdict

    @property
    def id(self) -> str:
        return self.assessment.vm.id


class VmTable(DataTable[Text | str]):
    """The VM list: space toggles the highlighted VM, `a` toggles all, `/` goes to the filter."""

    BINDINGS: ClassVar = [
        Binding("space", "toggle", "Toggle"),
        Binding("a", "toggle_all", "All"),
        Binding("slash", "filter", "Filter"),
    ]

    class Toggle(Message):
        def __init__(self, everything: bool) -> None:
            super().__init__()
            self.everything = everything

    class WantsFilter(Message):
        pass

    def action_toggle(self) -> None:
        self.post_message(self.Toggle(everything=False))

    def action_toggle_all(self) -> None:
        self.post_message(self.Toggle(everything=True))

    def action_filter(self) -> None:
        self.post_message(self.WantsFilter())


class FilterInput(Input):
    """Filter box: Enter or Escape go back to the list (Escape here does not mean Back)."""

    BINDINGS: ClassVar = [Binding("escape", "done", "To the list")]

    class Done(Message):
        pass

    def action_done(self) -> None:
        self.post_message(self.Done())


class VmsStep(StepPane):
    STEP_ID = "vms"
    TITLE = "VMs"
    PURPOSE = (
        "Choose the VMs to prepare: space toggles, a toggles all, / filters. Dimmed VMs cannot be chosen."
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[VmRow] = []

    def body(self) -> ComposeResult:
        yield FilterInput(placeholder="/ filter by name, resource group or OS", id="vms-filter")
        table = VmTable(id="vms-table", cursor_type="row", zebra_stripes=True)
        table.add_column(" ✓ ", key="check")
        table.add_column("VM", key="vm")
        table.add_column("Verdict", key="verdict")
        table.add_column("Resource group", key="rg")
        table.add_column("OS", key="os")
        table.add_column("Power", key="power")
        yield table
        yield Static("", id="vms-count")
        yield Static("", id="vms-detail")

    # -- data ------------------------------------------------------------------------------------------
    def entered(self) -> None:
        self.build_rows()
        self.render_table()
        self.query_one("#vms-table", VmTable).focus()

    def load(self) -> None:
        self.entered()

    def build_rows(self) -> None:
        vault = self.wizard.session.vault
        assessment = self.wizard.assessment(selected_only=False)
        if vault is None or assessment is None:
            self.rows = []
            return
        vaults = assessment.inventory.vaults
        rows = [VmRow(a, unselectable(a.vm, vault, vaults)) for a in assessment.vms]
        rows.sort(
            key=lambda r: (r.why_not is not None, r.assessment.vm.location, r.assessment.vm.name.lower())
        )
        self.rows = rows
        # keep the selection across visits, dropping VMs that vanished or can no longer be chosen
        selectable = {r.id.lower() for r in rows if r.why_not is None}
        kept = [i for i in self.wizard.session.selected_vm_ids if i.lower() in selectable]
        if kept != self.wizard.session.selected_vm_ids:
            self.wizard.session.selected_vm_ids = kept
            self.wizard.refresh_nav()

    def selected(self) -> set[str]:
        return {i.lower() for i in self.wizard.session.selected_vm_ids}

    def shown(self) -> list[VmRow]:
        query = self.query_one("#vms-filter", Input).value
        return [r for r in self.rows if matches(r.assessment.vm, query)]

    # -- rendering -------------------------------------------------------------------------------------
    def render_table(self) -> None:
        table = self.query_one("#vms-table", VmTable)
        cursor = self.highlighted()
        table.clear()
        chosen = self.selected()
        for row in self.shown():
            vm = row.assessment.vm
            dim = "dim" if row.why_not else ""
            check = DISABLED if row.why_not else (CHECKED if vm.id.lower() in chosen else UNCHECKED)
            table.add_row(
                Text(check, style="bold" if check == CHECKED else dim),
                Text(clean(vm.name), style=dim),
                Text(f"✗ {clean(row.why_not[0])}", style=f"dim {BAD}")
                if row.why_not
                else verdict_badge(row.assessment.verdict),
                Text(clean(vm.resource_group), style=dim),
                Text(clean(vm.os_type or "?"), style=dim),
                Text(clean(vm.power_state or "unknown"), style=dim),
                key=vm.id,
            )
        if cursor is not None and cursor.id in {r.id for r in self.shown()}:
            table.move_cursor(row=table.get_row_index(cursor.id))
        self.update_status()

    def highlighted(self) -> VmRow | None:
        table = self.query_one("#vms-table", VmTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.rows if r.id == key), None)

    def update_status(self) -> None:
        vault = self.wizard.session.vault
        count = self.query_one("#vms-count", Static)
        detail = self.query_one("#vms-detail", Static)
        if vault is None:
            count.update("Choose a vault first (step 3): it decides which VMs can be chosen.")
            detail.update("")
            return
        selectable = sum(r.why_not is None for r in self.rows)
        n = len(self.wizard.session.selected_vm_ids)
        shown = len(self.shown())
        line = f"[b]{n} selected[/b] of {selectable} selectable (vault {markup(vault.name)}, {markup(vault.location)})"
        if shown != len(self.rows):
            line += f" · {shown} of {len(self.rows)} shown by the filter"
        count.update(line)
        detail.update(self.describe(self.highlighted()))

    def describe(self, row: VmRow | None) -> Text:
        if row is None:
            return Text("No VM matches the filter." if self.rows else "No VMs in this subscription.")
        vm = row.assessment.vm
        if row.why_not:
            return Text.assemble(("Not selectable: ", "bold"), clean(row.why_not[1]))
        text = Text.assemble((f"{clean(vm.name)}: ", "bold"), verdict_badge(row.assessment.verdict))
        titles = [f.title for f in row.assessment.findings]
        if titles:
            text.append(" · " + clean("; ".join(titles)))
        return text

    # -- events ----------------------------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#vms-table")
    def _highlighted(self) -> None:
        self.update_status()

    @on(DataTable.RowSelected, "#vms-table")
    def _enter(self) -> None:
        self.toggle(everything=False)

    @on(VmTable.Toggle)
    def _toggle(self, event: VmTable.Toggle) -> None:
        event.stop()
        self.toggle(everything=event.everything)

    @on(VmTable.WantsFilter)
    def _wants_filter(self, event: VmTable.WantsFilter) -> None:
        event.stop()
        self.query_one("#vms-filter", Input).focus()

    @on(Input.Changed, "#vms-filter")
    def _filter(self) -> None:
        self.render_table()

    @on(Input.Submitted, "#vms-filter")
    @on(FilterInput.Done)
    def _filter_done(self) -> None:
        self.query_one("#vms-table", VmTable).focus()

    def toggle(self, *, everything: bool) -> None:
        """Toggle the highlighted VM, or (everything) all selectable VMs the filter shows."""
        chosen = self.selected()
        if everything:
            ids = {r.id.lower() for r in self.shown() if r.why_not is None}
            if not ids:
                self.wizard.notify("No selectable VM is shown.", severity="warning")
                return
            chosen = chosen - ids if ids <= chosen else chosen | ids
        else:
            row = self.highlighted()
            if row is None:
                return
            if row.why_not:
                self.wizard.notify(
                    markup(row.why_not[1]), title="Not selectable", severity="warning", timeout=8
                )
                return
            chosen ^= {row.id.lower()}
        # keep the list's order (selectable VMs by region and name), so exports read naturally
        self.wizard.session.selected_vm_ids = [r.id for r in self.rows if r.id.lower() in chosen]
        self.render_table()
        self.wizard.refresh_nav()

    def blocked_reason(self) -> str | None:
        return None if self.wizard.session.selected_vm_ids else "Select at least one VM."
