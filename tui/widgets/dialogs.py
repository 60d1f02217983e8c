"""Modal dialogs: confirm a plan, show an error with its remedy (and retry), show a device code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.textsafe import clean

if TYPE_CHECKING:
    from tui.azure import Problem

ResultType = TypeVar("ResultType")


# Rows of a dialog that are not its body: border 2, padding 2, title 2, "more below" 1, buttons 4.
FRAME_ROWS = 11


class DialogBody(VerticalScroll):
    """The scrolling body of a dialog: it takes the focus with Tab and scrolls with the arrows, PgUp/PgDn,
    Home/End (the keys also work while a button has the focus: the dialog passes them on)."""


class Dialog(ModalScreen[ResultType]):
    """A box in the middle of the screen: a title, a body that scrolls, buttons that stay visible.

    The body (a `DialogBody`) scrolls with the keyboard wherever the focus is, and a line under it says
    "more below" while part of it is out of view, so nothing of a plan is hidden from keyboard users."""

    BINDINGS: ClassVar = [
        Binding("up", "scroll_body('scroll_up')", "Scroll up", show=False),
        Binding("down", "scroll_body('scroll_down')", "Scroll down", show=False),
        Binding("pageup", "scroll_body('scroll_page_up')", "Page up", show=False),
        Binding("pagedown", "scroll_body('scroll_page_down')", "Page down", show=False),
        Binding("home", "scroll_body('scroll_home')", "Top", show=False),
        Binding("end", "scroll_body('scroll_end')", "End", show=False),
    ]

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        background: $background 60%;
        .dialog {
            width: 84;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: thick $accent;
            background: $surface;
            padding: 1 2;
        }
        .error-dialog { border: thick $error; }
        .dialog-title { text-style: bold; padding: 0 0 1 0; }
        /* leaves room for the title and the buttons on a 24-row terminal (on_resize gives it what the
           screen has left): the buttons are always visible */
        .dialog-body { height: auto; max-height: 45vh; }
        .dialog-body:focus { background-tint: $foreground 5%; }
        #dialog-more { height: 1; color: $accent; text-style: italic; }
        .dialog-buttons { height: auto; align: right middle; padding: 1 0 0 0; }
        .dialog-buttons Button { margin: 0 0 0 2; }
        .remedy { padding: 1 0 0 0; color: $warning; }
        .device-code { text-style: bold; color: $accent; padding: 1 0; }
        .muted { color: $text-muted; }
    }
    """

    MORE = "▼ more below: ↓ PgDn End scroll"

    def more_line(self) -> Static:
        """The line under the body that says whether there is more to read."""
        return Static(self.MORE, id="dialog-more")

    def _bodies(self) -> list[DialogBody]:
        return list(self.query(DialogBody))

    def on_mount(self) -> None:
        for body in self._bodies():
            self.watch(body, "scroll_y", self._show_more, init=False)
            self.watch(body, "virtual_size", self._show_more, init=False)
        self.call_after_refresh(self._show_more)

    def on_resize(self, event: events.Resize) -> None:
        for body in self._bodies():  # all the rows the screen has left (90 % of it) go to the body
            body.styles.max_height = max(3, int(event.size.height * 0.9) - FRAME_ROWS)
        self.call_after_refresh(self._show_more)

    def _show_more(self, *_: object) -> None:
        bodies = self._bodies()
        if not bodies or not self.query("#dialog-more"):
            return
        body = bodies[0]
        self.query_one("#dialog-more", Static).display = body.scroll_y < body.max_scroll_y

    def action_scroll_body(self, how: str) -> None:
        for body in self._bodies():
            getattr(body, how)(animate=False)


class ConfirmDialog(Dialog[bool]):
    """States exactly what will happen; returns True only on an explicit confirmation.

    Title and body are plain text (they quote names from Azure): shown as written, never as markup, with
    control characters escaped."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: str, *, confirm: str = "Confirm", danger: bool = False) -> None:
        super().__init__()
        self.title_text, self.body, self.confirm_label, self.danger = title, body, confirm, danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(clean(self.title_text), classes="dialog-title", markup=False)
            with DialogBody(classes="dialog-body"):
                yield Static(clean(self.body, multiline=True), markup=False)
            yield self.more_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="confirm", variant="error" if self.danger else "primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#cancel", Button).focus()  # the safe choice has the focus

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


class ErrorDialog(Dialog[str]):
    """What went wrong and what to do; returns "retry" or "close"."""

    BINDINGS: ClassVar = [Binding("escape", "close", "Close"), Binding("r", "retry", "Retry")]

    def __init__(self, problem: Problem, *, can_retry: bool = True) -> None:
        super().__init__()
        self.problem, self.can_retry = problem, can_retry

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Static(clean(self.problem.title), classes="dialog-title", markup=False)
            with DialogBody(classes="dialog-body"):  # Azure's own words: plain text, escaped
                yield Static(clean(self.problem.detail, multiline=True), markup=False)
                yield Static(
                    clean(f"What to do: {self.problem.remedy}", multiline=True),
                    classes="remedy",
                    markup=False,
                )
            yield self.more_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close")
                if self.can_retry:
                    yield Button("Retry", id="retry", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#retry" if self.can_retry else "#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "close")

    def action_close(self) -> None:
        self.dismiss("close")

    def action_retry(self) -> None:
        if self.can_retry:
            self.dismiss("retry")


class DeviceCodeDialog(Dialog[str | None]):
    """The device code and where to enter it, while azure-identity waits for the sign-in; a spinner and the
    time left show the waiting. ``c`` copies the code; escape cancels the sign-in (dismisses with "cancel").
    The step that opened it dismisses it with None once the sign-in ends."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel sign-in"), Binding("c", "copy", "Copy code")]
    SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(
        self,
        url: str,
        code: str,
        expires_on: dt.datetime | None = None,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        super().__init__()
        self.url, self.code, self.expires_on, self.clock = url, code, expires_on, clock
        self._frame = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Sign in with a device code", classes="dialog-title")
            yield Static(f"Open {self.url} in a browser and enter the code:", id="device-code-url")
            yield Static(self.code, classes="device-code", id="device-code")
            yield Static("", id="device-code-wait")
            yield Static("c copies the code · escape cancels the sign-in", classes="muted")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Copy code", id="copy", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#copy", Button).focus()  # Enter must not cancel the sign-in by accident
        self._tick()
        self.set_interval(0.2, self._tick)

    @property
    def seconds_left(self) -> int | None:
        """Whole seconds until the code expires (0 once expired); None when the expiry is unknown."""
        if self.expires_on is None:
            return None
        return max(0, int((self.expires_on - self.clock()).total_seconds()))

    def _tick(self) -> None:
        left = self.seconds_left
        wait = self.query_one("#device-code-wait", Static)
        if left == 0:
            wait.update("[b]The code has expired.[/b] Close this and sign in again for a new one.")
            return
        self._frame = (self._frame + 1) % len(self.SPINNER)
        remaining = "" if left is None else f" {left // 60}:{left % 60:02d} left"
        wait.update(f"{self.SPINNER[self._frame]} Waiting for you to sign in…{remaining}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.action_cancel()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.code)
        self.notify(f"Copied the code {self.code}.")

    def action_cancel(self) -> None:
        self.dismiss("cancel")
