"""What every wizard step has: a title, a one-line purpose, a body, the wizard model, and the messages it posts.

A step reads the `WizardModel` it is given and changes it only through the model's methods; then it posts
`StepPane.Changed` and the App re-renders what follows the model (the bound ``version``). A step never
imports the App: it asks for a re-scan, a move or shows a failure with a message (Harlequin's style).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from screens import step_info
from tui.model import SubscriptionFacts
from tui.services.concurrency import Progress
from tui.widgets.badges import Looks
from tui.widgets.busy import Busy, reporter
from tui.wizard import Step, WizardModel


class StepPane(Vertical):
    """A step of the wizard. Subclasses set STEP_ID, implement ``body`` and ``show_model``; their TITLE and
    PURPOSE come from the step table (`screens.STEPS`)."""

    STEP_ID: ClassVar[Step]
    TITLE: ClassVar[str] = ""
    PURPOSE: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "STEP_ID" in cls.__dict__:
            info = step_info(cls.STEP_ID)
            cls.TITLE, cls.PURPOSE = info.title, info.purpose

    KEYS: ClassVar[tuple[tuple[str, str], ...]] = ()  # keys of the step's widgets, for the help

    DEFAULT_CSS = """
    StepPane {
        height: 1fr;
        padding: 0 1;
        .step-title { text-style: bold; color: $accent; padding: 1 0 0 0; }
        .step-purpose { color: $text-muted; padding: 0 0 1 0; }
        DataTable { height: 1fr; }
        ProgressBar { height: 1; }
        Input { margin: 0 0 1 0; }
        .muted { color: $text-muted; }
        .ready { color: $success; }
        .warning { color: $warning; }
        .blocked { color: $error; }
        .findings-pane { height: auto; max-height: 40%; min-height: 3; border-top: solid $panel; }
    }
    """

    version: reactive[int] = reactive(0, init=False)  # bound to the App's: the model's version
    busy: reactive[Busy | None] = reactive(None, init=False)  # what the step's worker is doing

    class Changed(Message):
        """The step changed the wizard model."""

    @dataclass
    class RescanRequested(Message):
        """Read this subscription (again): the App's one re-scan path."""

        subscription: SubscriptionFacts

    @dataclass
    class Navigate(Message):
        step: Step

    class ExportRequested(Message):
        """Export now (the App's one export path, as ctrl+e)."""

    @dataclass
    class Failed(Message):
        """An Azure call failed: the App shows what went wrong, what to do, and offers ``retry``."""

        error: BaseException
        retry: Callable[[], object] | None = None

    def __init__(self, model: WizardModel) -> None:
        super().__init__(id=self.STEP_ID)
        self.model = model
        self._shown_version = -1

    def compose(self) -> ComposeResult:
        yield Static(self.TITLE, classes="step-title")
        if self.PURPOSE:
            yield Static(self.PURPOSE, classes="step-purpose")
        yield from self.body()

    def body(self) -> ComposeResult:
        yield from ()

    def keys(self) -> list[tuple[str, str]]:
        """(key, what it does) for this step, for the help: the bindings of the step and of the widgets it
        holds (the ones this product defines), then ``KEYS`` (what no binding says, e.g. Enter on a list)."""
        found: dict[str, str] = {}
        for node in [self, *self.query("*")]:
            for cls in type(node).__mro__:
                if not cls.__module__.startswith(("screens.", "tui.")):
                    continue
                for b in cls.__dict__.get("BINDINGS", ()):
                    if isinstance(b, Binding) and b.description:
                        found.setdefault(self.app.get_key_display(b), b.tooltip or b.description)
        for key, what in self.KEYS:
            found.setdefault(key, what)
        return list(found.items())

    # -- following the model ---------------------------------------------------------------------------
    def watch_version(self) -> None:
        if self.display and self.is_attached and not self._closing:
            self.sync()

    def sync(self) -> None:
        """Show the model as it is now, unless that was already done."""
        if self._shown_version != self.model.version:
            self._shown_version = self.model.version
            self.show_model()

    def redraw(self) -> None:
        """Show the model again, even at the same version."""
        self.outdated()
        self.sync()

    def outdated(self) -> None:
        """What is shown no longer looks right (another theme): show it again when next synced."""
        self._shown_version = -1

    def show_model(self) -> None:
        """Render everything this step shows from the model."""

    def arrive(self) -> None:
        """The user comes to this step."""
        self.sync()
        self.entered()

    def entered(self) -> None:
        """What the step does on each arrival (focus, loading its data); never loses what was typed."""

    def load(self) -> None:
        """(Re)start this step's data loading; also what Retry does after an error."""

    def blocked_reason(self) -> str | None:
        """Why Next is not possible yet (shown in the navigation bar), or None."""
        return None

    def changed(self) -> None:
        self.post_message(self.Changed())

    def refused_read_only(self, reason: str) -> bool:
        """Under --read-only, say why a change is switched off (and return True)."""
        if self.model.connection.read_only:
            self.app.notify(reason, severity="warning")
        return self.model.connection.read_only

    @property
    def looks(self) -> Looks:
        """The colours of the theme, for the Rich text of tables and trees."""
        return Looks.of(self.app)

    # -- busy --------------------------------------------------------------------------------------------
    def watch_busy(self, busy: Busy | None) -> None:
        self.show_busy(busy)

    def show_busy(self, busy: Busy | None) -> None:
        """Say what the step is doing (busy), or its resting status (None)."""

    def progress(self, template: str, group: str = "", change: str = "") -> Progress:
        """A services progress callback that shows ``template`` ({stage}, {done}, {total}) as busy
        (``change``: the change in Azure it reports on, see `Busy`)."""
        return reporter(self._set_busy, template, group, change)

    def _set_busy(self, busy: Busy) -> None:
        self.busy = busy

    # -- failures ----------------------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker.StateChanged does not bubble: a failed worker of this step becomes a Failed message."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.busy = None
            self.post_message(self.Failed(event.worker.error, retry=self.load))
