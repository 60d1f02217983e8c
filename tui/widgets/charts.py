"""Small text charts. Each bar carries its word and number, so the chart reads the same without colour."""

from __future__ import annotations

from rich.text import Text

from .badges import Looks

VERDICTS = ("ready", "warning", "blocked", "unknown")
VERDICT_LOOK = {"ready": "good", "warning": "warn", "blocked": "bad", "unknown": "dim"}


def verdict_bars(summary: dict[str, int], looks: Looks, *, width: int = 30) -> Text:
    """One line per verdict: ``ready    ██████████ 5``; bars scale to the largest count."""
    biggest = max((summary.get(v, 0) for v in VERDICTS), default=0)
    label_width = max(len(v) for v in VERDICTS)
    out = Text()
    for i, verdict in enumerate(VERDICTS):
        n = summary.get(verdict, 0)
        length = round(n * width / biggest) if biggest else 0
        if n and not length:
            length = 1
        if i:
            out.append("\n")
        out.append(f"{verdict.ljust(label_width)} ")
        out.append("█" * length, style=looks.style(VERDICT_LOOK[verdict]))
        out.append(f"{' ' if length else ''}{n}", style="bold")
    return out
