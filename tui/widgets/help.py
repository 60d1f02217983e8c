"""The help: a modal screen of keys, the current step's first, then the keys that work everywhere, then the
other steps'. F1, `?` or escape close it (Posting's and Harlequin's help screens are modal as well)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.widgets.dialogs import Dialog, DialogBody

Keys = Sequence[tuple[str, str]]  # (key as shown, what it does)
Section = tuple[str, Keys]  # (heading, keys)


def help_text(sections: Sequence[Section], closing: str) -> Text:
    """The sections as aligned columns (plain text: descriptions are ours, never markup), then ``closing``."""
    width = max((len(k) for _, keys in sections for k, _ in keys), default=0) + 2
    text = Text()
    for heading, keys in sections:  # a heading without keys heads the sections that follow
        text.append(f"{heading}\n", style="bold")
        for key, what in keys:
            text.append(f"  {key:<{width}}", style="bold")
            text.append(f"{what}\n")
        if keys:
            text.append("\n")
    text.append(closing)
    return text


class HelpScreen(Dialog[None]):
    """Keys and what each does; one at a time (the App toggles it)."""

    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close"),
        Binding("f1", "close", "Close"),
        Binding("question_mark", "close", "Close"),
    ]

    def __init__(self, title: str, sections: Sequence[Section], closing: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = help_text(sections, closing)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with DialogBody(classes="dialog-body"):
                yield Static(self.text)
            yield self.more_line()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (F1, ? or escape)", id="close", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
