"""The Textual application: a step sidebar, one pane per step, Back/Next, a command palette, one error router.

The App owns the wizard model and what follows it: ``current`` (the step on screen), ``version`` (the
model's, bound into every step) and ``busy`` (the re-scan, the one long call the App runs itself). Steps
post messages (changed, re-scan requested, navigate, failed); the App handles them with ``@on`` and never
calls a step's own methods.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Center, Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Header, Input, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from screens import ORDER, STEPS, step_info
from screens.base import StepPane
from tui.connect import Connection
from tui.model import SubscriptionFacts
from tui.resources import STYLESHEET
from tui.session import Session
from tui.textsafe import clean, markup
from tui.widgets.busy import Busy, BusyBar, reporter
from tui.widgets.dialogs import ConfirmDialog, ErrorDialog
from tui.widgets.footer import KeysFooter
from tui.widgets.help import HelpScreen, Section
from tui.widgets.sidebar import StepSidebar
from tui.wizard import Step, WizardModel
from tui.workspace import Workspace

HELP_INTRO = (
    "Steps: sign in, pick a subscription, pick or create the vault in the VMs' region (set its redundancy now: "
    "it locks once a VM is protected), select VMs, then review agent, connectivity and limitations findings, "
    "and export. Nothing in Azure changes without a confirmation that states exactly what will happen."
)


PALETTE_KEY_MIN_WIDTH = 100  # columns from which the footer also shows ^p palette
EARLIER_STEPS_FIRST = "finish the earlier steps first."  # a step not reachable, no earlier one saying why

QUIT_TITLE = "Quit while a change is in flight?"
QUIT_BODY = (
    "A change in Azure is in flight:\n{changes}\n\n"
    "Quitting stops the wizard waiting for it, not Azure: it may still complete. Every request sent so far "
    "is recorded with its outcome (the one in flight as interrupted), and the session is exported to {where} "
    "so the record survives.\n\nCancel keeps the wizard running until the change is done."
)


class WizardCommands(Provider):
    """The non-linear actions: jump to a step, re-run checks, export, switch subscription, help."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: VmBackupPrepApp = self.app  # type: ignore[assignment]
        reachable = app.model.reachable()
        why_not = app.unreachable_reasons()
        cmds: list[tuple[str, str, Callable[[], Any]]] = [  # a step not reachable yet says why
            (
                f"Go to step {n}: {info.title}",
                info.purpose
                if info.step in reachable
                else f"Not yet: {why_not.get(info.step, EARLIER_STEPS_FIRST)}",
                lambda s=info.step: app.go(s),
            )
            for n, info in enumerate(STEPS, 1)
        ]
        cmds += [
            ("Re-run checks", "Read the subscription again and re-evaluate every rule", app.action_rerun),
            ("Export summary", "Write the JSON report, Markdown summary and az script", app.action_export),
            ("Switch subscription", "Back to the subscription list", lambda: app.go(Step.SUBSCRIPTION)),
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


class VmBackupPrepApp(App[None]):
    TITLE = "vmbackup-prep"
    SUB_TITLE = "get Azure VMs ready for Azure Backup"
    CSS_PATH = str(STYLESHEET)
    COMMANDS: ClassVar = App.COMMANDS | {WizardCommands}
    # The one breakpoint system: a class on the screen by terminal width, which steps and widgets style.
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (100, "-medium"), (120, "-wide")]
    BINDINGS: ClassVar = [
        Binding("ctrl+n", "next", "Next", priority=True),
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "rerun", "Re-run"),
        Binding("ctrl+e", "export", "Export", priority=True),  # text fields bind ctrl+e (end of line)
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),  # asks first while a change is in flight
    ]
    HELP_KEYS: ClassVar = (
        ("^p", "command palette: go to a step, re-run, export, switch subscription"),
        ("tab", "move between fields"),
        ("escape", "in a text field: leave the field"),
    )

    current: reactive[Step] = reactive(Step.SIGNIN, always_update=True, init=False)
    version: reactive[int] = reactive(0, init=False)
    busy: reactive[Busy | None] = reactive(None, init=False)

    def __init__(
        self, connection: Connection, *, session: Session | None = None, export_dir: str | None = None
    ) -> None:
        super().__init__()
        self.model = WizardModel(Workspace(connection), session, export_dir=export_dir)
        self.visited: set[Step] = set()
        self._scan_target: SubscriptionFacts | None = None

    # -- layout ------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield StepSidebar(id="sidebar")
            with Vertical(id="content"):
                with ContentSwitcher(initial=self.current, id="steps"):
                    # only the first step: the others are built when first shown (a faster first paint)
                    yield self._new_pane(self.current)
                with Horizontal(id="nav"):
                    yield Button("◀ Back", id="back")
                    with Vertical(id="nav-middle"):
                        yield Static("", id="nav-status")
                        with Center():
                            yield BusyBar(id="nav-progress", show_eta=False).data_bind(VmBackupPrepApp.busy)
                    yield Button("Next ▶", id="next", variant="primary")
        # compact, and below 100 columns without the palette's key (the help lists ^p): every key of every
        # step fits at 80 columns
        yield KeysFooter(compact=True, width=self.size.width, palette_min_width=PALETTE_KEY_MIN_WIDTH)

    def get_default_screen(self) -> Screen:
        """The screen with its breakpoint class already set for the terminal's width: Textual sets it on the
        first resize, which would style every widget a second time before the first paint."""
        screen = super().get_default_screen()
        width = self.size.width
        fits = [name for least, name in sorted(self.HORIZONTAL_BREAKPOINTS, reverse=True) if width >= least]
        screen.add_class(*fits[:1])
        return screen

    def on_mount(self) -> None:
        self.title = f"vmbackup-prep · {clean(self.model.connection.label)}"  # an estate path is data
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.go(self.current)

    def on_ready(self) -> None:
        """The first screen is drawn: what the sign-in needs begins loading (in a thread)."""
        self.model.workspace.prepare()

    def _theme_changed(self, _theme: object) -> None:
        """Tables and trees carry the theme's colours in their text: show every step again."""
        for pane in self.query(StepPane):
            pane.outdated()
        if (pane := self._shown_pane()) is not None:
            pane.sync()
        self._show_nav()

    async def on_unmount(self) -> None:
        await self.model.workspace.close()

    # -- navigation --------------------------------------------------------------------------------------
    def pane(self, step_id: str | None = None) -> StepPane:
        return self.query_one(f"#{step_id or self.current}", StepPane)

    def _new_pane(self, step_id: str) -> StepPane:
        """A step's pane, unmounted (its module is imported on first use: the first paint needs one step)."""
        return step_info(step_id).pane()(self.model).data_bind(VmBackupPrepApp.version)

    def _built(self, step_id: str) -> StepPane | None:
        """A step's pane if it has been built (steps are built when first shown)."""
        return next((node for node in self.query(f"#{step_id}") if isinstance(node, StepPane)), None)

    async def _build_all(self) -> None:
        """Build the steps not shown yet, hidden (they are built when first shown, for a faster start)."""
        missing = [self._new_pane(s.step) for s in STEPS if self._built(s.step) is None]
        for pane in missing:
            pane.display = False
        if missing:
            await self.query_one("#steps", ContentSwitcher).mount_all(missing)

    def _shown_pane(self) -> StepPane | None:
        """The current step's pane, once it is built (None for the moment it is being mounted)."""
        return self._built(self.current)

    def go(self, step_id: str) -> None:
        step = Step(step_id)
        if step != self.current and step not in self.model.reachable():
            self.notify(f"Not yet: {self.why_unreachable(step)}", severity="warning")
            return
        self.current = step

    def why_unreachable(self, step_id: str) -> str:
        """What an earlier step still needs before ``step_id`` can be shown."""
        return self.unreachable_reasons().get(Step(step_id), EARLIER_STEPS_FIRST)

    def unreachable_reasons(self) -> dict[Step, str]:
        """For each step after the first one that is not done: that step's reason, in words. One pass, which
        stops at that step (a step not shown yet is asked through an unmounted pane)."""
        for n, earlier in enumerate(ORDER):
            pane = self._built(earlier) or self._new_pane(earlier)
            if (reason := pane.blocked_reason()) is not None:
                said = f"step {n + 1} ({pane.TITLE}): {reason}"
                return dict.fromkeys(ORDER[n + 1 :], said)
        return {}

    async def watch_current(self, step: Step) -> None:
        self.visited.add(step)
        switcher = self.query_one("#steps", ContentSwitcher)
        if self._built(step) is None:
            await switcher.mount(self._new_pane(step))
        if step != self.current:  # another step was chosen while this one was being built
            return
        self.sub_title = f"{ORDER.index(step) + 1}/{len(ORDER)} {self.pane(step).TITLE}"  # short: fits at 80
        switcher.current = step
        self.pane().arrive()
        self._show_nav()
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

    def watch_version(self) -> None:
        self._show_nav()

    def watch_busy(self) -> None:
        self._show_nav()

    def _show_nav(self) -> None:
        """The sidebar and the navigation bar, as the model and the current step say."""
        if not self.query(StepSidebar):  # closing: the frame is gone already
            return
        reachable = self.model.reachable()
        done = {s for s in self.visited if s != self.current and s in reachable}
        self.query_one(StepSidebar).show([(s.step, s.title) for s in STEPS], self.current, done, reachable)
        index = ORDER.index(self.current)
        shown = self._shown_pane()
        reason = shown.blocked_reason() if shown is not None else "…"
        self.query_one("#back", Button).disabled = index == 0
        last = index == len(ORDER) - 1
        nxt = self.query_one("#next", Button)
        nxt.disabled = last or reason is not None
        nxt.label = "Next ▶" if not last else "Done"
        status = self.busy.line if self.busy else reason or f"Step {index + 1} of {len(ORDER)}"
        self.query_one("#nav-status", Static).update(status)

    def action_next(self) -> None:
        index = ORDER.index(self.current)
        reason = self.pane().blocked_reason()
        if reason is not None:
            self.notify(reason, severity="warning")
            return
        if index + 1 < len(ORDER):
            self.go(ORDER[index + 1])

    def action_back(self) -> None:
        """Escape: leaves a text field (what was typed stays), else cancels a re-scan that runs (a read:
        nothing in Azure changes), else goes back a step."""
        if isinstance(self.focused, Input):
            self.screen.focus_next()
            return
        if self.busy is not None and self.busy.group == "inventory" and self._scan_target is not None:
            self.workers.cancel_group(self, "inventory")
            self.busy = None
            self.notify(
                f"Cancelled: reading {markup(self._scan_target.name)}. What was read before is kept; "
                "ctrl+r reads it again.",
                severity="warning",
            )
            return
        index = ORDER.index(self.current)
        if index > 0:
            self.go(ORDER[index - 1])

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(StepSidebar.Chosen)
    def _sidebar_chosen(self, event: StepSidebar.Chosen) -> None:
        self.go(event.step)

    # -- what the steps ask for ----------------------------------------------------------------------------
    @on(StepPane.Changed)
    def _model_changed(self) -> None:
        self.version = self.model.version

    @on(StepPane.Navigate)
    def _navigate(self, event: StepPane.Navigate) -> None:
        self.go(event.step)

    @on(StepPane.RescanRequested)
    def _rescan_requested(self, event: StepPane.RescanRequested) -> None:
        self.scan(event.subscription)

    def action_rerun(self) -> None:
        sub = self.model.session.subscription
        if sub is None:
            self.notify("Choose a subscription first.", severity="warning")
            return
        self.scan(sub)

    @work(exclusive=True, group="inventory", exit_on_error=False)
    async def scan(self, subscription: SubscriptionFacts) -> None:
        """The one re-scan path: the subscription read (again), the model updated, every view following;
        then a line says what was read (the nav bar showed the progress on whatever step is on screen)."""
        self._scan_target = subscription

        def show(busy: Busy) -> None:
            self.busy = busy

        self.busy = Busy(f"Reading {subscription.name}… (escape cancels)", group="inventory")
        try:
            await self.model.rescan(
                subscription,
                reporter(show, "Reading {stage} ({done}/{total}) · escape cancels", "inventory"),
            )
        finally:
            self.busy = None
        self.version = self.model.version
        inventory = self.model.inventory
        if inventory is not None:
            self.notify(
                f"Read {markup(subscription.name)}: {len(inventory.vms)} VMs, {len(inventory.vaults)} vaults; "
                "every check re-run.",
                timeout=4,
            )

    @on(StepPane.ExportRequested)
    def _export_requested(self) -> None:
        self.export_now()

    def action_export(self) -> None:
        """ctrl+e: from another step, to the summary, whose directory field says where the files will go
        (nothing written yet); on the summary, write them (as its Export button and Enter do)."""
        if Step.SUMMARY not in self.model.reachable():
            self.notify("Choose a subscription first: there is nothing to export yet.", severity="warning")
            return
        if self.current != Step.SUMMARY:
            self.go(Step.SUMMARY)
            self.notify(
                f"Export to {markup(self.model.export_dir)}? Enter or ctrl+e writes the JSON report, "
                "Markdown summary and az script there; edit the directory first to write elsewhere.",
                title="Export",
                timeout=8,
            )
            return
        self.export_now()

    def export_now(self) -> None:
        """The one export path (the summary's Export button, Enter in its field, ctrl+e on the summary)."""
        result = self.model.export()
        self.version = self.model.version
        if result.error is None:
            self.notify(f"Exported to {markup(result.paths[0].parent)}")
        else:
            self.notify(f"Export failed: {markup(result.error)}", severity="error")

    async def action_help(self) -> None:
        """F1 or ?: the keys, the current step's first; again closes it (one help at a time)."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        await self._build_all()  # every step's keys come from its widgets: build the steps not shown yet
        pane = self.pane()
        everywhere: dict[str, str] = {}
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.show:
                everywhere.setdefault(self.get_key_display(b), b.tooltip or b.description)
        everywhere["f1 / ?"] = everywhere.pop(self.get_key_display(Binding("f1", "help")), "Help")
        sections: list[Section] = [
            (f"{pane.TITLE} step", pane.keys() or [("", "no keys of its own: the ones below work here")]),
            ("Everywhere", [*everywhere.items(), *self.HELP_KEYS]),
        ]
        others = sorted(
            (p for p in self.query(StepPane) if p is not pane and p.keys()),
            key=lambda p: ORDER.index(p.STEP_ID),
        )
        if others:
            sections.append(("Other steps", []))
            sections += [(f"  {p.TITLE}", p.keys()) for p in others]
        self.push_screen(HelpScreen(f"Keys · {pane.TITLE} step", sections, HELP_INTRO))

    # -- quitting ------------------------------------------------------------------------------------------
    def changes_in_flight(self) -> list[str]:
        """The changes in Azure being sent right now, in words (from every step's busy state)."""
        return [p.busy.change for p in self.query(StepPane) if p.busy is not None and p.busy.change]

    async def action_quit(self) -> None:
        """ctrl+q: quits at once, unless a change is in flight: then it asks, and quitting anyway records
        what was sent (the step in flight as interrupted) and exports the session, so the record survives."""
        changes = self.changes_in_flight()
        if not changes:
            self.exit()
            return
        if isinstance(self.screen, ConfirmDialog) and self.screen.title_text == QUIT_TITLE:
            return  # asked already

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.call_later(self._quit_recording)

        body = QUIT_BODY.format(changes="\n".join(f"  • {c}" for c in changes), where=self.model.export_dir)
        self.push_screen(ConfirmDialog(QUIT_TITLE, body, confirm="Quit anyway", danger=True), answered)

    async def _quit_recording(self) -> None:
        workers = list(self.workers)
        for worker in workers:
            worker.cancel()  # each step records the request it was waiting for as interrupted
        for worker in workers:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        result = self.model.export()
        where = (
            f"written to {result.paths[0].parent}"
            if result.error is None
            else f"NOT written ({result.error}): nothing of it was kept"
        )
        self.exit(
            message=f"Quit while a change was in flight. The session (what was sent, and how far) is {where}."
        )

    # -- the one place errors become messages --------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The App's own workers (the re-scan): a failure goes to the same router as the steps'."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            target = self._scan_target
            retry = (lambda: self.scan(target)) if target is not None else None
            self.post_message(StepPane.Failed(event.worker.error, retry=retry))

    @on(StepPane.Failed)
    def _failed(self, event: StepPane.Failed) -> None:
        from tui.azure import explain  # azure-core: never needed before the first paint

        problem = explain(event.error, auth=self.model.connection.auth)

        def after(choice: str | None) -> None:
            if choice == "retry" and event.retry is not None:
                event.retry()

        self.push_screen(ErrorDialog(problem, can_retry=event.retry is not None), after)
