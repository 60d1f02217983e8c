"""Verdict, severity and check-state badges: a colour for the eye and always a mark and a word (NO_COLOR).

Tables and trees render Rich text, which cannot read the theme's CSS variables, so the colours are looked up
in the app's theme when a view renders (`Looks.of`): good, warn, bad, note, odd follow the theme like the
stylesheet's ``$success``, ``$warning`` and ``$error`` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text

VERDICT_BADGES: dict[str, tuple[str, str]] = {
    "ready": ("✓ ready", "good"),
    "warning": ("! warning", "warn"),
    "blocked": ("✗ blocked", "bad"),
    "unknown": ("? unknown", "odd"),
}
SEVERITY_BADGES: dict[str, tuple[str, str]] = {
    "blocker": ("✗ blocker", "bad"),
    "warning": ("! warning", "warn"),
    "info": ("i info", "note"),
}


LOOKS = ("good", "warn", "bad", "note", "odd")


@dataclass(frozen=True)
class Looks:
    """Rich styles for the states every view shows."""

    good: str
    warn: str
    bad: str
    note: str
    odd: str

    @classmethod
    def of(cls, app: Any) -> Looks:
        """The looks of ``app``'s current theme."""
        return CLASSIC

    def style(self, look: str) -> str:
        """The style of a look (good, warn, bad, note, odd); any other word is a Rich style already."""
        return str(getattr(self, look)) if look in LOOKS else look

    def verdict(self, verdict: str) -> Text:
        word, look = VERDICT_BADGES.get(verdict, (f"? {verdict}", ""))
        return Text(word, style=self.style(look))

    def severity(self, severity: str) -> Text:
        word, look = SEVERITY_BADGES.get(severity, (severity, ""))
        return Text(word, style=self.style(look))

    def ok(
        self, value: bool | None, yes: str = "✓ allowed", no: str = "✗ denied", unknown: str = "? unknown"
    ) -> Text:
        """A tri-state check: True good, False bad, None could not be told."""
        if value is None:
            return Text(unknown, style="dim")
        return Text(yes, style=self.good) if value else Text(no, style=self.bad)


CLASSIC = Looks(good="#5fd75f", warn="#ffd75f", bad="bold #ff6b6b", note="#5fd7ff", odd="#d787ff")
