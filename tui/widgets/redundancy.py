"""Storage redundancy and Cross Region Restore of a Recovery Services vault, as one keyboard-friendly picker."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

# (ARM value, short name, one line on resilience and cost) — facts §1.3 and §1.4
REDUNDANCY_CHOICES: list[tuple[str, str, str]] = [
    ("GeoRedundant", "GRS", "default; copy in the paired region; ~2× LRS cost"),
    ("LocallyRedundant", "LRS", "cheapest; 3 copies in one datacenter"),
    ("ZoneRedundant", "ZRS", "3 zones: survives a zone outage; not all regions"),
]
SHORT = {value: short for value, short, _ in REDUNDANCY_CHOICES}
CRR_LABEL = "Cross Region Restore (needs GRS; extra cost; irreversible)"


class MarkedRadioButton(RadioButton):
    """A radio button whose state is also a mark (● on, blank off), not only a colour (NO_COLOR)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button


class MarkedCheckbox(Checkbox):
    """A checkbox whose state is also a mark (X on, blank off), not only a colour (NO_COLOR)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


def short_redundancy(value: str | None) -> str:
    """GRS / LRS / ZRS for an ARM value; the value itself (or "unknown") otherwise."""
    return SHORT.get(value or "", value or "unknown")


class RedundancyPicker(Vertical):
    """A RadioSet of GRS/LRS/ZRS (one line each) and a Cross Region Restore checkbox enabled only with GRS.

    ``set_locked`` disables what may not be changed; ``Changed`` is posted on every user or programmatic change.
    """

    DEFAULT_CSS = """
    RedundancyPicker { height: auto; }
    /* no border, focused or not: Tab must not make the layout jump; the focus shows as a tint */
    RedundancyPicker RadioSet, RedundancyPicker RadioSet:focus { width: 1fr; border: none; padding: 0; }
    RedundancyPicker RadioButton { width: 1fr; }
    RedundancyPicker Checkbox, RedundancyPicker Checkbox:focus { border: none; padding: 0; }
    RedundancyPicker RadioSet:focus, RedundancyPicker Checkbox:focus { background-tint: $foreground 8%; }
    RedundancyPicker .redundancy-note { color: $text-muted; padding: 0 0 0 1; }
    """

    class Changed(Message):
        def __init__(self, picker: RedundancyPicker, redundancy: str, crr: bool) -> None:
            super().__init__()
            self.picker, self.redundancy, self.crr = picker, redundancy, crr

        @property
        def control(self) -> RedundancyPicker:
            return self.picker

    def __init__(self, *, id: str | None = None, redundancy: str = "GeoRedundant", crr: bool = False) -> None:
        super().__init__(id=id)
        self._initial = (redundancy, crr)
        self._value: str | None = redundancy
        self._redundancy_locked = False
        self._crr_locked = False

    def compose(self) -> ComposeResult:
        red, crr = self._initial
        with RadioSet():
            for value, short, line in REDUNDANCY_CHOICES:
                yield MarkedRadioButton(f"{short}  {line}", value=value == red)
        yield MarkedCheckbox(CRR_LABEL, value=crr and red == "GeoRedundant")
        yield Static("", classes="redundancy-note")

    def on_mount(self) -> None:
        self._sync_crr()

    @property
    def redundancy(self) -> str | None:
        """The chosen value (None: unknown, for a vault whose redundancy could not be read)."""
        return self._value

    @property
    def crr(self) -> bool:
        return self.query_one(Checkbox).value

    def set_value(self, redundancy: str | None, crr: bool) -> None:
        """Show these values (an unknown redundancy leaves no button pressed)."""
        # Only switch the wanted button on: RadioSet switches the other one off (and switches back on a
        # button that is switched off directly).
        self._value = redundancy
        for button, (value, _, _) in zip(self.query(RadioButton), REDUNDANCY_CHOICES, strict=True):
            if value == redundancy:
                button.value = True
        self.query_one(Checkbox).value = crr
        self._sync_crr(redundancy)

    def set_locked(self, *, redundancy: bool, crr: bool, note: str = "") -> None:
        """Disable the redundancy choice and/or the CRR checkbox; ``note`` says why (shown below)."""
        self._redundancy_locked, self._crr_locked = redundancy, crr
        self.query_one(RadioSet).disabled = redundancy
        self.query_one(".redundancy-note", Static).update(note)
        self.query_one(".redundancy-note", Static).display = bool(note)
        self._sync_crr()

    def _sync_crr(self, redundancy: str | None = None) -> None:
        box = self.query_one(Checkbox)
        geo = (redundancy or self.redundancy) == "GeoRedundant"
        if not geo and box.value:
            box.value = False
        box.disabled = self._crr_locked or not geo

    @on(RadioSet.Changed)
    def _radio(self, event: RadioSet.Changed) -> None:
        event.stop()
        self._value = REDUNDANCY_CHOICES[event.index][0]
        self._sync_crr()
        self.post_message(self.Changed(self, self.redundancy, self.crr))

    @on(Checkbox.Changed)
    def _checkbox(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, self.redundancy, self.crr))
