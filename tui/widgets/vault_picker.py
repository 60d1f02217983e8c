"""The vault step's two lists: regions (where the VMs are, with their VM and vault counts) and the vaults of
the highlighted region, ending with "+ Create a new vault". Side by side, or one above the other on a
narrow screen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.model import VaultFacts, VmFacts, same_id
from tui.textsafe import markup
from tui.widgets.redundancy import short_redundancy

NEW_VAULT = "new-vault"  # the "+ Create a new vault" option of the vault list


def region_key(location: str) -> str:
    return location.replace(" ", "").lower()


def lock_word(vault: VaultFacts) -> str:
    return "locked" if vault.redundancy_locked else "unlocked" if vault.redundancy_locked is False else "?"


class VaultPicker(Horizontal):
    """``show`` the VMs and vaults; the highlighted region and vault (or NEW_VAULT) are ``picked_region`` and
    ``vault_key``. Posts `Highlighted` when either moves and `Chosen` on Enter in the vault list."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
    VaultPicker {
        height: auto;
        #vault-regions-box { width: auto; height: auto; padding: 0 1 0 0; }
        #vault-list-box { width: 1fr; height: auto; }
        .vault-head { color: $text-muted; text-style: bold; }
        #vault-regions, #vault-list { height: auto; max-height: 8; }
        #vault-regions { width: auto; min-width: 30; }
    }
    Screen.-narrow VaultPicker, Screen.-medium VaultPicker {
        layout: vertical;
        #vault-regions-box { width: 1fr; padding: 0; }
        #vault-regions { width: 1fr; }
    }
    """
    KEYS: ClassVar = (("enter", "use the highlighted vault, or create one"),)

    class Highlighted(Message):
        """The highlighted region or vault changed."""

    @dataclass
    class Chosen(Message):
        vault_key: str  # a vault id, or NEW_VAULT

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.picked_region: str | None = None
        self.vault_key: str | None = None
        self._vaults: list[VaultFacts] = []
        self._chosen: VaultFacts | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="vault-regions-box"):
            yield Static("Region · VMs · vaults", classes="vault-head")
            yield OptionList(id="vault-regions")
        with Vertical(id="vault-list-box"):
            yield Static("Vaults", id="vault-list-head", classes="vault-head")
            yield OptionList(id="vault-list")

    def show(self, vms: Sequence[VmFacts], vaults: Sequence[VaultFacts], chosen: VaultFacts | None) -> None:
        """Regions by VM count (the chosen vault's marked ●), keeping the highlighted one where it still is."""
        self._vaults, self._chosen = list(vaults), chosen
        regions = self.query_one("#vault-regions", OptionList)
        regions.clear_options()
        vm_count = Counter(region_key(vm.location) for vm in vms)
        vault_count = Counter(region_key(v.location) for v in vaults)
        order = sorted(vm_count, key=lambda r: (-vm_count[r], r))
        if not order:
            regions.add_option(Option("No VMs in this subscription", disabled=True))
            self.query_one("#vault-list", OptionList).clear_options()
            self.picked_region = self.vault_key = None
            return
        width = max(len(r) for r in order)
        for r in order:
            mark = "●" if chosen is not None and region_key(chosen.location) == r else " "
            n, k = vm_count[r], vault_count[r]
            vms = "VMs," if n != 1 else "VM,"  # padded after the comma: the columns stay aligned
            text = f"{mark} {markup(r):<{width}} {n:>3} {vms:<4} {k} vault{'s' if k != 1 else ''}"
            regions.add_option(Option(text, id=r))
        if self.picked_region not in order:
            self.picked_region = region_key(chosen.location) if chosen is not None else None
            if self.picked_region not in order:
                self.picked_region = order[0]
        regions.highlighted = order.index(self.picked_region)
        self._show_vaults()

    def _show_vaults(self) -> None:
        vault_list = self.query_one("#vault-list", OptionList)
        vault_list.clear_options()
        here = sorted(
            (v for v in self._vaults if region_key(v.location) == self.picked_region),
            key=lambda v: v.name.lower(),
        )
        chosen = self._chosen
        for v in here:
            mark = "●" if chosen is not None and same_id(chosen.id, v.id) else " "
            text = f"{mark} {markup(v.name)} · {short_redundancy(v.redundancy)} · {lock_word(v)}"
            vault_list.add_option(Option(text, id=v.id))
        vault_list.add_option(Option("+ Create a new vault", id=NEW_VAULT))
        ids = [v.id for v in here] + [NEW_VAULT]
        if self.vault_key not in ids:
            in_region = chosen is not None and chosen.id in ids
            self.vault_key = chosen.id if in_region and chosen else ids[0]
        vault_list.highlighted = ids.index(self.vault_key)
        self.query_one("#vault-list-head", Static).update(f"Vaults in {self.picked_region}")
        self.post_message(self.Highlighted())

    @on(OptionList.OptionHighlighted, "#vault-regions")
    def _region_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_id and event.option_id != self.picked_region:
            self.picked_region = event.option_id
            self._show_vaults()

    @on(OptionList.OptionSelected, "#vault-regions")
    def _region_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#vault-list", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#vault-list")
    def _vault_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_id and event.option_id != self.vault_key:
            self.vault_key = event.option_id
            self.post_message(self.Highlighted())

    @on(OptionList.OptionSelected, "#vault-list")
    def _vault_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id:
            self.post_message(self.Chosen(event.option_id))
