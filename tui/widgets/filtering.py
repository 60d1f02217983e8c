"""Tables with a filter field above them: type to filter (as in lazygit, k9s and htop).

A printable key typed on the table that none of the focused widgets binds goes to the filter (the table
asks for it with `WantsFilter`, carrying the character); `/` moves to the filter. In the filter, Enter or
escape go back to the table: escape there leaves the field, it never means Back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input


class TypeToFilter(DataTable):  # type: ignore[type-arg]
    """A table whose typed letters go to its filter field."""

    BINDINGS: ClassVar = [Binding("slash", "filter", "Filter", tooltip="Filter the list")]

    @dataclass
    class WantsFilter(Message):
        """Focus the filter, adding ``text`` (the key typed) to it."""

        text: str = ""

    def action_filter(self) -> None:
        self.post_message(self.WantsFilter())

    def on_key(self, event: events.Key) -> None:
        if not event.is_printable or not event.character or event.key in self.screen.active_bindings:
            return
        event.prevent_default()
        event.stop()
        self.post_message(self.WantsFilter(event.character))


class FilterInput(Input):
    """The filter field: Enter or escape go back to the table (escape here does not mean Back)."""

    BINDINGS: ClassVar = [
        Binding("escape", "done", "To the list", tooltip="Back to the list (in the filter)")
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("select_on_focus", False)  # a letter typed on the table adds to the filter
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    class Done(Message):
        pass

    def action_done(self) -> None:
        self.post_message(self.Done())

    def take(self, text: str) -> None:
        """Focus the field and add what was typed on the table (the rest of the word follows)."""
        self.focus()
        if text:
            self.cursor_position = len(self.value)
            self.insert_text_at_cursor(text)
