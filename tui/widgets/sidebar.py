"""The step sidebar: where the user is, what is done, what is not reachable yet."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from .badges import Looks


class StepSidebar(OptionList):
    """One option per step: ✓ done, ▶ current, · to do; unreachable steps are disabled. Enter (or a click)
    on a step posts `Chosen`."""

    @dataclass
    class Chosen(Message):
        step: str

    def show(self, steps: list[tuple[str, str]], current: str, done: set[str], reachable: set[str]) -> None:
        good = Looks.of(self.app).good
        highlighted = self.highlighted
        options = []
        for n, (step_id, title) in enumerate(steps, 1):
            mark, style = (
                ("▶", "bold") if step_id == current else (("✓", good) if step_id in done else ("·", "dim"))
            )
            label = Text.assemble(
                (f" {mark} ", style), (f"{n}. {title}", "bold" if step_id == current else "")
            )
            options.append(
                Option(label, id=step_id, disabled=step_id not in reachable and step_id != current)
            )
        self.set_options(options)  # one layout, not one per step
        self.highlighted = highlighted if highlighted is not None else 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))
