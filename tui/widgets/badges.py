"""Verdict, severity and check-state badges: a colour for the eye and always a mark and a word (NO_COLOR).

Tables and trees render Rich text, which cannot read the theme's CSS variables, so the colours are looked up
in the app's theme when a view renders (`Looks.of`): good, warn, bad, note and odd are the theme's
``$text-success``, ``$text-warning``, ``$text-error``, ``$text-primary`` and ``$text-secondary``, the
readable shades of the ``$success``, ``$warning`` and ``$error`` the stylesheets use.
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
        """The looks of ``app``'s current theme (its text colours for success, warning, error, ...); the
        terminal's own colours where there is no theme yet."""
        variables = getattr(app, "theme_variables", None) or {}
        try:
            return cls(
                **{look: (bold + " " + variables[name]).strip() for look, (name, bold) in THEME.items()}
            )
        except KeyError:
            return PLAIN

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


THEME = {  # look -> (theme variable, extra style); the text-* variables are made to be read on the background
    "good": ("text-success", ""),
    "warn": ("text-warning", ""),
    "bad": ("text-error", "bold"),
    "note": ("text-primary", ""),
    "odd": ("text-secondary", ""),
}
PLAIN = Looks(good="green", warn="yellow", bad="bold red", note="cyan", odd="magenta")
