"""Render findings with their detail and remedy (the lower pane of the agent and connectivity steps)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from tui.model import Finding
from tui.textsafe import clean

from .badges import Looks


def findings_text(
    looks: Looks, title: str, findings: Iterable[Finding], *, none: str, notes: Iterable[str] = ()
) -> Text:
    """``title`` in bold, then each finding (badge, title, detail, "What to do: remedy"), then notes.

    Everything quotes names and messages from Azure: control characters are escaped, newlines kept only
    between the parts this function lays out."""
    text = Text(clean(title), style="bold")
    found = list(findings)
    if not found:
        text.append("\n")
        text.append("✓ ", style=looks.good)
        text.append(none)
    for f in found:
        text.append("\n")
        text.append_text(looks.severity(f.severity))
        text.append(f"  {clean(f.title)}", style="bold")
        text.append(f"  [{clean(f.rule)}]", style="dim")
        text.append(f"\n  {clean(f.detail)}")
        text.append("\n  What to do: ", style="bold")
        text.append(clean(f.remedy))
    for note in notes:
        text.append(f"\n{clean(note)}", style="italic")
    return text
