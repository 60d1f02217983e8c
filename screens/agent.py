"""Step 5: the VM agent of each selected VM (power, agent status and version, backup extension), re-read on
arrival, with the agent findings and their remedies for the highlighted VM."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, ProgressBar, Static

from screens.base import StepPane
from tui.model import VmFacts
from tui.services.agents import refresh_agents
from tui.services.assessment import VmAssessment
from tui.services.concerns import AGENT_RULES, agent_state, concern_verdict, findings_for
from tui.textsafe import clean
from tui.widgets.badges import BAD, GOOD, ODD, WARN, verdict_badge
from tui.widgets.findings import findings_text


def power_cell(vm: VmFacts) -> Text:
    state = vm.power_state
    if state is None:
        return Text("? unknown", style=ODD)
    state = clean(state)
    return Text(f"● {state}", style=GOOD) if state == "running" else Text(f"○ {state}", style=WARN)


def agent_cell(vm: VmFacts) -> Text:
    words, look = agent_state(vm)
    mark, style = {"good": ("✓", GOOD), "bad": ("✗", BAD), "odd": ("?", ODD), "dim": ("-", "dim")}[look]
    return Text(f"{mark} {clean(words)}", style=style)


def extension_cell(vm: VmFacts) -> Text:
    ext = vm.agent.backup_extension
    if ext is None:
        return Text("- none yet", style="dim")
    state = clean(ext.state or "no status")
    if state == "succeeded":
        return Text(f"✓ {state}", style=GOOD)
    if state == "failed":
        return Text(f"✗ {state}", style=BAD)
    return Text(f"… {state}", style=WARN)


class AgentStep(StepPane):
    STEP_ID = "agent"
    TITLE = "VM agent"
    PURPOSE = (
        "Backup runs through the VM agent: installed, Ready, VM running (stopped: crash-consistent only)."
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[VmAssessment] = []
        self.unread: dict[str, str] = {}  # vm id -> why its instance view could not be re-read

    def body(self) -> ComposeResult:
        yield Static("", id="agent-status")
        yield ProgressBar(id="agent-progress", show_eta=False)
        table: DataTable[Text | str] = DataTable(id="agent-table", cursor_type="row", zebra_stripes=True)
        table.add_column("VM", key="vm")
        table.add_column("Power", key="power")
        table.add_column("Agent", key="agent")
        table.add_column("Version", key="version")
        table.add_column("Backup ext.", key="ext")
        table.add_column("Verdict", key="verdict")
        yield table
        with VerticalScroll(id="agent-details", classes="findings-pane"):
            yield Static("", id="agent-findings")

    def on_mount(self) -> None:
        self.query_one("#agent-progress").display = False

    def entered(self) -> None:
        self.render_table()
        self.query_one("#agent-table", DataTable).focus()
        self.load()

    def load(self) -> None:
        if self.selected_vms():
            self.refresh_agents()

    def selected_vms(self) -> list[VmFacts]:
        inv = self.wizard.inventory
        chosen = {i.lower() for i in self.wizard.session.selected_vm_ids}
        return [v for v in inv.vms if v.id.lower() in chosen] if inv is not None else []

    @work(exclusive=True, group="agent", exit_on_error=False)
    async def refresh_agents(self) -> None:
        vms = self.selected_vms()
        bar = self.query_one("#agent-progress", ProgressBar)
        status = self.query_one("#agent-status", Static)
        bar.display = True
        bar.update(total=max(len(vms), 1), progress=0)
        status.update(f"Reading the agent state of {len(vms)} VMs…")

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(total=max(total, 1), progress=done)
            status.update(f"Reading the agent state of {total} VMs… ({done}/{total})")

        assert self.wizard.workspace.factory is not None
        try:
            self.unread = await refresh_agents(self.wizard.workspace.factory, vms, progress)
        finally:
            bar.display = False
        self.render_table()

    # -- rendering -------------------------------------------------------------------------------------
    def render_table(self) -> None:
        assessment = self.wizard.assessment()
        self.rows = assessment.vms if assessment is not None else []
        table = self.query_one("#agent-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for a in self.rows:
            vm = a.vm
            found = findings_for(a, AGENT_RULES)
            table.add_row(
                Text(clean(vm.name)),
                power_cell(vm),
                agent_cell(vm),
                Text(clean(vm.agent.version or "-")),
                extension_cell(vm),
                verdict_badge(concern_verdict(found, known=vm.power_state is not None)),
                key=vm.id,
            )
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self.update_status()

    def update_status(self) -> None:
        verdicts = [concern_verdict(findings_for(a, AGENT_RULES)) for a in self.rows]
        parts = [
            f"{verdicts.count(v)} {v}"
            for v in ("ready", "warning", "blocked", "unknown")
            if verdicts.count(v)
        ]
        line = (
            f"Agent checks on {len(self.rows)} VM{'s' if len(self.rows) != 1 else ''}: "
            + ", ".join(parts)
            + "."
        )
        if self.unread:
            line += f" {len(self.unread)} could not be re-read (showing the scan's data)."
        self.query_one("#agent-status", Static).update(line)
        self.show_details()

    def show_details(self) -> None:
        table = self.query_one("#agent-table", DataTable)
        out = self.query_one("#agent-findings", Static)
        if not self.rows or table.row_count == 0:
            out.update("No VM selected." if not self.rows else "")
            return
        a = self.rows[min(table.cursor_row, len(self.rows) - 1)]
        vm = a.vm
        notes = []
        if vm.id in self.unread:
            notes.append(
                f"Could not re-read the instance view ({self.unread[vm.id]}); this is the scan's data."
            )
        if vm.agent.message:
            notes.append(f"Agent says: {vm.agent.message}")
        ext = vm.agent.backup_extension
        if ext is None:
            notes.append(
                "Backup extension: not installed yet; Azure Backup installs it (VMSnapshot on Windows, "
                "VMSnapshotLinux on Linux) with the first backup after protection is enabled."
            )
        else:
            notes.append(
                f"Backup extension {ext.type}: {ext.state or 'no status'}. {ext.message or ''}".rstrip()
            )
        out.update(
            findings_text(
                f"{vm.name} ({vm.os_type or 'OS unknown'}, {vm.resource_group})",
                findings_for(a, AGENT_RULES),
                none="The agent is ready for Azure Backup.",
                notes=notes,
            )
        )

    @on(DataTable.RowHighlighted, "#agent-table")
    def _highlighted(self) -> None:
        self.show_details()
