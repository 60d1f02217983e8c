"""The key footer: rebuilt only when the keys it shows change, and with the palette's key only where it fits.

Textual's Footer removes and mounts all its keys again on every bindings update of its screen, and a screen
publishes one (two, in fact) for every change of focus: while the wizard signs in, focus moves and the
keys stay the same, yet the footer was rebuilt about ten times (~0.2 s of the event loop's time, measured
with cProfile; issue 9). This one keeps its keys when what they would show is what they show.

The palette's key is docked at the right, over whatever key reaches there: below ``palette_min_width``
columns it would cover the last keys (f1 Help among them), so it is shown only from that width.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer


class KeysFooter(Footer):
    """A Footer that skips a rebuild which would show the same keys, and shows the palette's key from
    ``palette_min_width`` columns (``width``: the terminal's, for the first frame)."""

    def __init__(self, *, width: int, palette_min_width: int, compact: bool = False) -> None:
        super().__init__(compact=compact, show_command_palette=width >= palette_min_width)
        self.palette_min_width = palette_min_width
        self._shown: Hashable = None

    def _keys(self) -> Hashable:
        """What `Footer.compose` shows: each shown binding with its state, and the palette's key."""
        active = self.screen.active_bindings
        keys = tuple(
            (
                b.key,
                b.action,
                b.description,
                self.app.get_key_display(b),
                b.group.description if b.group else None,
                enabled,
                tooltip,
            )
            for _node, b, enabled, tooltip in active.values()
            if b.show
        )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return (keys, self.compact, self.show_command_palette, palette[2] if palette else None)

    def compose(self) -> ComposeResult:
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()

    async def recompose(self) -> None:
        if (
            self._bindings_ready
            and self.is_attached
            and self._shown is not None
            and self._shown == self._keys()
        ):
            return
        await super().recompose()

    def on_resize(self, event: events.Resize) -> None:
        wanted = event.size.width >= self.palette_min_width
        if self.show_command_palette != wanted:
            self.show_command_palette = wanted
            self.refresh(recompose=True)
