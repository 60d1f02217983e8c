"""The Textual application: a step sidebar, one pane per step, Back/Next, a command palette, one error router."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, ContentSwitcher, Footer, Header, OptionList, Static
from textual.worker import Worker, WorkerState

from screens.agent import AgentStep
from screens.base import StepPane
from screens.connectivity import ConnectivityStep
from screens.limitations import LimitationsStep
from screens.protect import ProtectStep
from screens.signin import SignInStep
from screens.subscription import SubscriptionStep
from screens.summary import SummaryStep
from screens.vault import VaultStep
from screens.vms import VmsStep
from tui.azure import explain
from tui.connect import Connection
from tui.model import Inventory
from tui.rules import RuleBook, load_rules
from tui.services.assessment import Assessment, assess
from tui.session import Session
from tui.textsafe import clean
from tui.widgets.dialogs import ErrorDialog
from tui.widgets.sidebar import StepSidebar
from tui.workspace import Workspace

ASSETS = Path(__file__).resolve().parent.parent / "assets"
STEPS: list[type[StepPane]] = [
    SignInStep,
    SubscriptionStep,
    VaultStep,
    VmsStep,
    AgentStep,
    ConnectivityStep,
    LimitationsStep,
    ProtectStep,
    SummaryStep,
]


class WizardCommands(Provider):
    """The non-linear actions: jump to a step, re-run checks, export, switch subscription, help."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: VmBackupPrepApp = self.app  # type: ignore[assignment]
        cmds: list[tuple[str, str, Callable[[], Any]]] = []
        for n, step in enumerate(STEPS, 1):
            if step.STEP_ID in app.reachable():
                cmds.append((f"Go to step {n}: {step.TITLE}", step.PURPOSE, lambda s=step.STEP_ID: app.go(s)))
        cmds += [
            ("Re-run checks", "Read the subscription again and re-evaluate every rule", app.action_rerun),
            ("Export summary", "Write the JSON report, Markdown summary and az script", app.action_export),
            ("Switch subscription", "Back to the subscription list", lambda: app.go("subscription")),
            ("Help", "Keys and what each step does", app.action_help),
        ]
        return cmds

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield Hit(1.0, name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)


HELP = """Keys
  ctrl+n   next step              escape  previous step
  ctrl+r   re-run checks          ctrl+e  export the summary
  ctrl+p   command palette        ctrl+q  quit
  tab      move between fields    space   toggle a VM (VMs step)

Steps: sign in, pick a subscription, pick or create the vault in the VMs' region (set its redundancy now:
it locks once a VM is protected), select VMs, then review agent, connectivity and limitations findings,
and export. Nothing in Azure changes without a confirmation that states exactly what will happen."""


class VmBackupPrepApp(App[None]):
    TITLE = "vmbackup-prep"
    SUB_TITLE = "get Azure VMs ready for Azure Backup"
    CSS_PATH = str(ASSETS / "app.tcss")
    COMMANDS: ClassVar = App.COMMANDS | {WizardCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar = [
        Binding("ctrl+n", "next", "Next", priority=True),
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "rerun", "Re-run"),
        Binding("ctrl+e", "export", "Export"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self, connection: Connection, *, session: Session | None = None, export_dir: str | None = None
    ) -> None:
        super().__init__()
        self.connection = connection
        self.workspace = Workspace(connection)
        self.session = session or Session(target=connection.label, cloud=connection.target.cloud)
        self.export_dir = export_dir
        self.rules: RuleBook = load_rules()
        self.inventory: Inventory | None = None
        self.current = STEPS[0].STEP_ID
        self.visited: set[str] = set()

    # -- layout ------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield StepSidebar(id="sidebar")
            with Vertical(id="content"):
                with ContentSwitcher(initial=self.current, id="steps"):
                    for step in STEPS:
                        yield step()
                with Horizontal(id="nav"):
                    yield Button("◀ Back", id="back")
                    yield Static("", id="nav-status")
                    yield Button("Next ▶", id="next", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"vmbackup-prep · {clean(self.connection.label)}"  # an estate path is data
        self.go(self.current)

    async def on_unmount(self) -> None:
        await self.workspace.close()

    # -- navigation --------------------------------------------------------------------------------------
    def pane(self, step_id: str | None = None) -> StepPane:
        return self.query_one(f"#{step_id or self.current}", StepPane)

    def reachable(self) -> set[str]:
        s = self.session
        ok = {"signin"}
        if s.identity:
            ok.add("subscription")
        if s.subscription is not None and self.inventory is not None:
            ok |= {"vault", "summary"}
        if s.vault is not None:
            ok.add("vms")
        if s.selected_vm_ids:
            ok |= {"agent", "connectivity", "limitations", "protect"}
        return ok

    def go(self, step_id: str) -> None:
        if step_id != self.current and step_id not in self.reachable():
            self.notify("Finish the earlier steps first.", severity="warning")
            return
        self.current = step_id
        self.visited.add(step_id)
        self.query_one("#steps", ContentSwitcher).current = step_id
        self.pane().entered()
        self.refresh_nav()
        self.call_after_refresh(self._focus_step)

    def _focus_step(self) -> None:
        """Keys go to the step on screen: keep a focus the step chose, else focus its first control."""
        pane = self.pane()
        focused = self.screen.focused
        if focused is not None and (focused is pane or pane in focused.ancestors):
            return
        for widget in pane.query("*"):
            if widget.focusable and widget.display and widget.visible:
                widget.focus()
                return

    def refresh_nav(self) -> None:
        ids = [s.STEP_ID for s in STEPS]
        done = {sid for sid in self.visited if sid != self.current and sid in self.reachable()}
        self.query_one(StepSidebar).show(
            [(s.STEP_ID, s.TITLE) for s in STEPS], self.current, done, self.reachable()
        )
        index = ids.index(self.current)
        reason = self.pane().blocked_reason()
        self.query_one("#back", Button).disabled = index == 0
        last = index == len(ids) - 1
        nxt = self.query_one("#next", Button)
        nxt.disabled = last or reason is not None
        nxt.label = "Next ▶" if not last else "Done"
        self.query_one("#nav-status", Static).update(reason or f"Step {index + 1} of {len(ids)}")

    def action_next(self) -> None:
        ids = [s.STEP_ID for s in STEPS]
        index = ids.index(self.current)
        reason = self.pane().blocked_reason()
        if reason is not None:
            self.notify(reason, severity="warning")
            return
        if index + 1 < len(ids):
            self.pane().leave()
            self.go(ids[index + 1])

    def action_back(self) -> None:
        ids = [s.STEP_ID for s in STEPS]
        index = ids.index(self.current)
        if index > 0:
            self.go(ids[index - 1])

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(OptionList.OptionSelected, "#sidebar")
    def _sidebar_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.go(event.option.id)

    # -- shared state --------------------------------------------------------------------------------------
    def assessment(self, *, selected_only: bool = True) -> Assessment | None:
        """The rules applied to the chosen subscription (selected VMs only, by default) and vault."""
        if self.inventory is None:
            return None
        inv = self.inventory
        if selected_only:
            chosen = {i.lower() for i in self.session.selected_vm_ids}
            inv = replace(inv, vms=[v for v in inv.vms if v.id.lower() in chosen])
        return assess(inv, self.rules, vault=self.session.vault)

    def inventory_loaded(self, inventory: Inventory) -> None:
        if self.inventory is not None:  # a re-scan does not undo the in-guest probe: ARM cannot see inside
            probed = {vm.id.lower(): vm.guest for vm in self.inventory.vms if vm.guest is not None}
            for vm in inventory.vms:
                vm.guest = vm.guest or probed.get(vm.id.lower())
        self.inventory = inventory
        if self.session.vault is not None:  # keep the chosen vault's facts fresh
            fresh = inventory.vault(self.session.vault.id)
            if fresh is not None:
                self.session.vault = fresh
        self.refresh_nav()

    # -- actions ---------------------------------------------------------------------------------------
    def action_rerun(self) -> None:
        if self.session.subscription is None:
            self.notify("Choose a subscription first.", severity="warning")
            return
        self.pane("subscription").load_inventory(self.session.subscription)  # type: ignore[attr-defined]

    def action_export(self) -> None:
        if "summary" not in self.reachable():
            self.notify("Choose a subscription first: there is nothing to export yet.", severity="warning")
            return
        self.go("summary")
        self.pane("summary").export()  # type: ignore[attr-defined]

    def action_help(self) -> None:
        self.notify(HELP, title="vmbackup-prep", timeout=20)

    # -- the one place errors become messages --------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        problem = explain(event.worker.error, auth=self.connection.auth)
        node = event.worker.node
        pane = node if isinstance(node, StepPane) else None

        def after(choice: str | None) -> None:
            if choice == "retry" and pane is not None:
                pane.load()

        self.push_screen(ErrorDialog(problem, can_retry=pane is not None), after)
