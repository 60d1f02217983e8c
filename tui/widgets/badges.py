"""Verdict, severity and check-state badges: a colour for the eye and always a mark and a word (NO_COLOR)."""

from __future__ import annotations

from rich.text import Text

VERDICT_BADGES: dict[str, tuple[str, str]] = {
    "ready": ("✓ ready", "green"),
    "warning": ("! warning", "yellow"),
    "blocked": ("✗ blocked", "bold red"),
    "unknown": ("? unknown", "magenta"),
}
SEVERITY_BADGES: dict[str, tuple[str, str]] = {
    "blocker": ("✗ blocker", "bold red"),
    "warning": ("! warning", "yellow"),
    "info": ("i info", "cyan"),
}


def verdict_badge(verdict: str) -> Text:
    word, style = VERDICT_BADGES.get(verdict, (f"? {verdict}", ""))
    return Text(word, style=style)


def severity_badge(severity: str) -> Text:
    word, style = SEVERITY_BADGES.get(severity, (severity, ""))
    return Text(word, style=style)


def ok_badge(
    value: bool | None, yes: str = "✓ allowed", no: str = "✗ denied", unknown: str = "? unknown"
) -> Text:
    """A tri-state check: True good, False bad, None could not be told."""
    if value is None:
        return Text(unknown, style="dim")
    return Text(yes, style="green") if value else Text(no, style="bold red")
