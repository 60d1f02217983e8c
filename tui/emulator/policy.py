"""Fault injection and ARM's throttling token buckets."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

FAULT_KINDS = {"reset", "408", "429", "500", "502", "503", "504"}


@dataclass(frozen=True)
class Fault:
    kind: str  # an HTTP status as text, or "reset"
    rate: float


def parse_faults(spec: str | None) -> list[Fault]:
    """Parse ``429:0.1,503:0.05,reset:0.01``; raises ValueError saying which part is wrong."""
    if not spec:
        return []
    faults: list[Fault] = []
    for part in spec.split(","):
        part = part.strip()
        kind, sep, rate_s = part.partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in FAULT_KINDS:
            raise ValueError(
                f"bad fault {part!r}: expected STATUS:RATE or reset:RATE with STATUS one of "
                f"{', '.join(sorted(FAULT_KINDS - {'reset'}))}"
            )
        try:
            rate = float(rate_s)
        except ValueError:
            raise ValueError(f"bad fault {part!r}: rate {rate_s!r} is not a number") from None
        if not 0 <= rate <= 1:
            raise ValueError(f"bad fault {part!r}: rate must be between 0 and 1")
        faults.append(Fault(kind, rate))
    if sum(f.rate for f in faults) > 1:
        raise ValueError("fault rates add up to more than 1")
    return faults


class FaultInjector:
    def __init__(self, faults: list[Fault], seed: int | None = None) -> None:
        self.faults = faults
        self._rng = random.Random(seed)

    def draw(self) -> str | None:
        if not self.faults:
            return None
        x = self._rng.random()
        for f in self.faults:
            if x < f.rate:
                return f.kind
            x -= f.rate
        return None


class TokenBucket:
    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, capacity: float, rate: float) -> None:
        self.capacity, self.rate = capacity, rate
        self.tokens = capacity
        self.updated = time.monotonic()

    def take(self) -> tuple[bool, int, float]:
        """(allowed, remaining whole tokens, seconds until the next token when refused)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True, int(self.tokens), 0.0
        return False, 0, (1 - self.tokens) / self.rate


# ARM's documented per-subscription, per-principal buckets (since 2024): (capacity, refill per second).
ARM_BUCKETS = {"reads": (250, 25.0), "writes": (200, 10.0), "deletes": (200, 10.0)}


def request_class(method: str) -> str:
    m = method.upper()
    if m in ("GET", "HEAD", "OPTIONS"):
        return "reads"
    return "deletes" if m == "DELETE" else "writes"  # ARM counts POST (even read-only ones) as writes


class ArmThrottle:
    """Token buckets per (scope, principal, class), scope being a subscription or the tenant."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def take(self, scope: str, principal: str, method: str) -> tuple[str, bool, int, int]:
        """(header name, allowed, remaining, retry-after seconds)."""
        cls = request_class(method)
        key = (scope, principal, cls)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(*ARM_BUCKETS[cls])
        ok, remaining, wait = bucket.take()
        level = "tenant" if scope == "tenant" else "subscription"
        return f"x-ms-ratelimit-remaining-{level}-{cls}", ok, remaining, max(1, math.ceil(wait))
