"""Busy state: what a step (or the app) is doing right now, and the progress bar that follows it.

One shape for every long call: the worker sets a reactive ``busy`` to a `Busy` (text, done/total, the worker
group that does it, so a future "escape cancels" knows what to cancel) and back to None; a `BusyBar` bound
to that reactive with ``data_bind`` shows or hides itself and moves. `reporter` turns the services'
``progress(stage, done, total)`` callbacks into `Busy` values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import ProgressBar

from tui.services.concurrency import Progress
from tui.textsafe import clean


@dataclass(frozen=True)
class Busy:
    """What is going on: ``text`` for the user, ``done`` of ``total`` (None: not known yet), the worker
    group doing it, and ``change``: the change in Azure in flight, in words (empty for reads), which
    quitting asks about first."""

    text: str
    done: int = 0
    total: int | None = None
    group: str = ""
    change: str = ""

    @property
    def line(self) -> Text:
        """``text`` to show: it quotes names from Azure, so plain text (never markup), control characters
        escaped."""
        return Text(clean(self.text))


def reporter(show: Callable[[Busy], None], template: str, group: str = "", change: str = "") -> Progress:
    """A services progress callback that shows ``template`` (with ``{stage}``, ``{done}``, ``{total}``)."""

    def progress(stage: str, done: int, total: int) -> None:
        text = template.format(stage=stage, done=done, total=total)
        show(Busy(text, done, max(total, 1), group, change))

    return progress


class BusyBar(ProgressBar):
    """A progress bar shown only while ``busy`` is set; indeterminate until a total is known."""

    busy: reactive[Busy | None] = reactive(None, init=False)

    def on_mount(self) -> None:
        self.display = self.busy is not None

    def watch_busy(self, busy: Busy | None) -> None:
        self.display = busy is not None
        if busy is not None:
            self.update(total=busy.total, progress=busy.done)
