"""Step 5: the VM agent of each selected VM (power, agent status and version, backup extension), re-read on
arrival, with the agent findings and their remedies for the highlighted VM."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import StepPane
from tui.model import VmFacts
from tui.services.agents import refresh_agents
from tui.services.assessment import VmAssessment
from tui.services.concerns import AGENT_RULES, agent_state, concern_verdict, findings_for
from tui.textsafe import clean
from tui.widgets.badges import Looks
from tui.widgets.busy import Busy, BusyBar
from tui.widgets.findings import findings_text
from tui.widgets.vm_table import VmTable
from tui.wizard import Step, WizardModel

COLUMNS = [
    ("VM", "vm"),
    ("Power", "power"),
    ("Agent", "agent"),
    ("Version", "version"),
    ("Backup ext.", "ext"),
    ("Verdict", "verdict"),
]


def power_cell(vm: VmFacts, looks: Looks) -> Text:
    state = vm.power_state
    if state is None:
        return Text("? unknown", style=looks.odd)
    state = clean(state)
    return (
        Text(f"● {state}", style=looks.good) if state == "running" else Text(f"○ {state}", style=looks.warn)
    )


def agent_cell(vm: VmFacts, looks: Looks) -> Text:
    words, look = agent_state(vm)
    mark, style = {
        "good": ("✓", looks.good),
        "bad": ("✗", looks.bad),
        "odd": ("?", looks.odd),
        "dim": ("-", "dim"),
    }[look]
    return Text(f"{mark} {clean(words)}", style=style)


def extension_cell(vm: VmFacts, looks: Looks) -> Text:
    ext = vm.agent.backup_extension
    if ext is None:
        return Text("- none yet", style="dim")
    state = clean(ext.state or "no status")
    if state == "succeeded":
        return Text(f"✓ {state}", style=looks.good)
    if state == "failed":
        return Text(f"✗ {state}", style=looks.bad)
    return Text(f"… {state}", style=looks.warn)


class AgentStep(StepPane):
    STEP_ID = Step.AGENT
    DEFAULT_CSS = """
    AgentStep {
        #agent-status { height: auto; color: $text-muted; }
        #agent-table { height: 1fr; min-height: 6; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self.rows: dict[str, VmAssessment] = {}
        self.unread: dict[str, str] = {}  # vm id -> why its instance view could not be re-read

    def body(self) -> ComposeResult:
        yield Static("", id="agent-status")
        yield BusyBar(id="agent-progress", show_eta=False).data_bind(StepPane.busy)
        details = Static("", id="agent-findings")
        yield VmTable(  # the version and the extension give way first: the details line repeats them
            COLUMNS,
            details=details,
            describe=self.describe,
            id="agent-table",
            give_way=[3, 4],
            keep=("vm", "power", "agent", "verdict"),
        )
        with VerticalScroll(id="agent-details", classes="findings-pane"):
            yield details

    def show_model(self) -> None:
        assessment = self.model.assessment()
        self.rows = {a.vm.id: a for a in assessment.vms} if assessment is not None else {}
        looks = self.looks
        self.query_one(VmTable).show_rows(
            [
                (
                    a.vm.id,
                    (
                        a.vm.name,
                        power_cell(a.vm, looks),
                        agent_cell(a.vm, looks),
                        a.vm.agent.version or "-",
                        extension_cell(a.vm, looks),
                        looks.verdict(
                            concern_verdict(findings_for(a, AGENT_RULES), known=a.vm.power_state is not None)
                        ),
                    ),
                )
                for a in self.rows.values()
            ]
        )
        self.show_busy(self.busy)

    def entered(self) -> None:
        self.query_one(VmTable).focus()
        self.load()

    def load(self) -> None:
        if self.model.selected_vms():
            self.refresh_agents()

    @work(exclusive=True, group="agent", exit_on_error=False)
    async def refresh_agents(self) -> None:
        vms = self.model.selected_vms()
        factory = self.model.workspace.factory
        assert factory is not None
        self.busy = Busy(f"Reading the agent state of {len(vms)} VMs…", 0, max(len(vms), 1), "agent")
        progress = self.progress("Reading the agent state of {total} VMs… ({done}/{total})", "agent")
        try:
            self.unread = await refresh_agents(factory, vms, progress)
        finally:
            self.busy = None
        self.model.facts_refreshed()
        self.changed()

    def show_busy(self, busy: Busy | None) -> None:
        self.query_one("#agent-status", Static).update(busy.line if busy else self.status_line())

    def status_line(self) -> str:
        verdicts = [concern_verdict(findings_for(a, AGENT_RULES)) for a in self.rows.values()]
        parts = [
            f"{verdicts.count(v)} {v}"
            for v in ("ready", "warning", "blocked", "unknown")
            if verdicts.count(v)
        ]
        n = len(self.rows)
        line = f"Agent checks on {n} VM{'s' if n != 1 else ''}: " + ", ".join(parts) + "."
        if self.unread:
            line += f" {len(self.unread)} could not be re-read (showing the scan's data)."
        return line

    def describe(self, key: str | None) -> Text | str:
        a = self.rows.get(key or "")
        if a is None:
            return "No VM selected." if not self.rows else ""
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
        return findings_text(
            self.looks,
            f"{vm.name} ({vm.os_type or 'OS unknown'}, {vm.resource_group})",
            findings_for(a, AGENT_RULES),
            none="The agent is ready for Azure Backup.",
            notes=notes,
        )
