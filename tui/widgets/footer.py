"""The key footer, rebuilt only when the keys it shows change.

Textual's Footer removes and mounts all its keys again on every bindings update of its screen, and a screen
publishes one (two, in fact) for every change of focus: while the wizard signs in, focus moves and the
keys stay the same, yet the footer was rebuilt about ten times (~0.2 s of the event loop's time, measured
with cProfile; issue 9). This one keeps its keys when what they would show is what they show.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.widgets import Footer


class KeysFooter(Footer):
    """A Footer that skips a rebuild which would show the same keys."""

    _shown: Hashable = None

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
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self.show_command_palette else None
        return (keys, self.compact, palette[2] if palette else None)

    def compose(self):  # type: ignore[no-untyped-def]
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()

    async def recompose(self) -> None:
        if (
            self._bindings_ready
            and self.is_attached
            and self._shown is not None
            and self._keys() == self._shown
        ):
            return
        await super().recompose()
