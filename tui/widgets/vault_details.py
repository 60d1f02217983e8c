"""An existing vault in the vault step: its facts, its redundancy (locked when Azure locked it), and the
buttons to use it or to change its redundancy."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Static

from tui.model import VaultFacts
from tui.widgets.redundancy import RedundancyPicker
from tui.widgets.rows import ButtonRow
from tui.widgets.vault_text import vault_details


class VaultDetails(Vertical):
    """``show`` a vault; posts `Requested` to use it or change its redundancy (to what is picked)."""

    DEFAULT_CSS = """
    VaultDetails {
        height: auto;
        padding: 1 0 0 0;
    }
    """

    @dataclass
    class Requested(Message):
        """Use this vault, or (``change``) change its redundancy to what is picked."""

        vault: VaultFacts
        change: bool = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.vault: VaultFacts | None = None
        self.busy = False
        self._shown: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("", id="vault-facts", markup=False)
        yield RedundancyPicker(id="vault-edit-redundancy")
        with ButtonRow():
            yield Button("Use this vault", id="vault-use", variant="primary")
            yield Button("Change redundancy…", id="vault-change")

    @property
    def picker(self) -> RedundancyPicker:
        return self.query_one("#vault-edit-redundancy", RedundancyPicker)

    def show(self, vault: VaultFacts, *, in_use: bool) -> None:
        """Show the vault; the same facts again change nothing (a redundancy being picked stays picked)."""
        facts = vault_details(vault) + ("\n● This is the vault in use." if in_use else "")
        shown = (vault.id, facts, vault.redundancy, vault.cross_region_restore, vault.redundancy_locked)
        self.vault = vault
        if shown == self._shown:
            self.sync_buttons()
            return
        self._shown = shown
        self.query_one("#vault-facts", Static).update(facts)
        self.picker.set_value(vault.redundancy, vault.cross_region_restore)
        locked = vault.redundancy_locked is True
        note = (
            f"Locked: Azure fixed the redundancy when the first VM was protected. To use another "
            f"redundancy, create a new vault in {vault.location}."
            if locked
            else "Cross Region Restore is on and cannot be turned off."
            if vault.cross_region_restore
            else ""
        )
        self.picker.set_locked(redundancy=locked, crr=vault.cross_region_restore, note=note)
        self.query_one("#vault-use", Button).label = "In use ✓" if in_use else "Use this vault"
        self.sync_buttons()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.sync_buttons()

    def sync_buttons(self) -> None:
        change = self.query_one("#vault-change", Button)
        use = self.query_one("#vault-use", Button)
        vault = self.vault
        if vault is None:
            change.disabled = use.disabled = True
            return
        differs = (self.picker.redundancy, self.picker.crr) != (vault.redundancy, vault.cross_region_restore)
        change.disabled = self.busy or not differs
        use.disabled = self.busy

    @on(RedundancyPicker.Changed)
    def _picked(self) -> None:
        self.sync_buttons()

    @on(Button.Pressed, "#vault-use")
    def _use(self, event: Button.Pressed) -> None:
        event.stop()
        if self.vault is not None:
            self.post_message(self.Requested(self.vault))

    @on(Button.Pressed, "#vault-change")
    def _change(self, event: Button.Pressed) -> None:
        event.stop()
        if self.vault is not None and not self.busy:
            self.post_message(self.Requested(self.vault, change=True))
