"""Verdict, severity and check-state badges: a colour for the eye and always a mark and a word (NO_COLOR)."""

from __future__ import annotations

from rich.text import Text

# Bright enough to stay readable when NO_COLOR turns colours into greys (plain ANSI red and green become
# near-black greys there); the marks and words carry the meaning in any case.
GOOD = "#5fd75f"
WARN = "#ffd75f"
BAD = "bold #ff6b6b"
NOTE = "#5fd7ff"
ODD = "#d787ff"

VERDICT_BADGES: dict[str, tuple[str, str]] = {
    "ready": ("✓ ready", GOOD),
    "warning": ("! warning", WARN),
    "blocked": ("✗ blocked", BAD),
    "unknown": ("? unknown", ODD),
}
SEVERITY_BADGES: dict[str, tuple[str, str]] = {
    "blocker": ("✗ blocker", BAD),
    "warning": ("! warning", WARN),
    "info": ("i info", NOTE),
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
    return Text(yes, style=GOOD) if value else Text(no, style=BAD)
