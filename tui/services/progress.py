"""Progress of a scan that tells the truth: every read counted, the phases in flight named.

A scan learns its work as it goes (the VM list says how many instance views follow, the vault list how
many vault reads). `ScanProgress` counts each read when it becomes known and when it is done, and keeps one
unit open per subscription still discovering its work, plus one for the protection phase at the end, so the
bar reaches 100 % only when the last read is done. The stage names the phases in flight ("resource lists,
VM agents"), never a subscription (the caller says which subscription it reads, once).
"""

from __future__ import annotations

from collections import Counter

from .concurrency import Progress

PROVIDERS = "provider registration"
LISTS = "resource lists"
AGENTS = "VM agents"
VAULTS = "vaults"
STATUS = "backup status"
PHASES = (PROVIDERS, LISTS, AGENTS, VAULTS, STATUS)


def _nothing(stage: str, done: int, total: int) -> None:
    pass


class ScanProgress:
    """Counts the reads of one scan by phase and reports them through a `Progress` callback."""

    def __init__(self, callback: Progress | None, open_units: int = 1) -> None:
        self.callback = callback or _nothing
        self.expected: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()
        self.open_units = open_units  # work not known yet: one per subscription, one for the end

    def expect(self, phase: str, n: int = 1) -> None:
        """``n`` more reads of ``phase`` are known to come."""
        if n > 0:
            self.expected[phase] += n
            self._report()

    def done(self, phase: str, n: int = 1) -> None:
        self.finished[phase] += n
        self._report()

    def settle(self) -> None:
        """A subscription (or the final phase) knows all its reads now."""
        self.open_units = max(0, self.open_units - 1)
        self._report()

    @property
    def stage(self) -> str:
        active = [p for p in PHASES if self.finished[p] < self.expected[p]]
        return ", ".join(active) or "finishing"

    @property
    def counts(self) -> tuple[int, int]:
        done = sum(self.finished.values())
        return done, max(done, sum(self.expected.values())) + self.open_units

    def _report(self) -> None:
        done, total = self.counts
        self.callback(self.stage, done, total)


__all__ = ["AGENTS", "LISTS", "PROVIDERS", "STATUS", "VAULTS", "Progress", "ScanProgress"]
