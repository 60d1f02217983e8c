"""Fault injection and ARM's throttling token buckets.

Faults (``--faults``): comma-separated ``KIND:RATE[@PATH]``. KIND is an HTTP status (408, 429, 500, 502,
503, 504), ``reset`` (the connection is dropped) or ``hang`` (no answer at all: the request is held until
the client gives up, to test timeouts). ``@PATH`` limits the fault to requests whose path contains PATH
(case-insensitive), e.g. ``503:1@/instanceView`` fails every instance view and nothing else; a PATH that
ends with ``$`` must end the request's path (``500:1@/providers/Microsoft.Compute$`` fails the provider
read, not the lists under it). The rates of the faults that can hit one path add up to at most 1.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = {"reset", "hang", "408", "429", "500", "502", "503", "504"}
HANG_LIMIT = 600.0  # seconds a hung request is held at most when the client never gives up


@dataclass(frozen=True)
class Fault:
    kind: str  # an HTTP status as text, "reset" or "hang"
    rate: float
    path: str | None = None  # lower-cased path fragment the fault is limited to; None: every request

    def applies(self, path: str) -> bool:
        if self.path is None:
            return True
        if self.path.endswith("$"):
            return path.lower().rstrip("/").endswith(self.path[:-1])
        return self.path in path.lower()


def parse_faults(spec: str | None) -> list[Fault]:
    """Parse ``429:0.1,503:0.05,reset:0.01,hang:1@/instanceView``; raises ValueError saying which part is
    wrong."""
    if not spec:
        return []
    faults: list[Fault] = []
    for part in spec.split(","):
        part = part.strip()
        body, at, path = part.partition("@")
        kind, sep, rate_s = body.partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in FAULT_KINDS:
            raise ValueError(
                f"bad fault {part!r}: expected STATUS:RATE, reset:RATE or hang:RATE (optionally @PATH) with "
                f"STATUS one of {', '.join(sorted(FAULT_KINDS - {'reset', 'hang'}))}"
            )
        if at and not path.strip():
            raise ValueError(f"bad fault {part!r}: @ needs a path fragment, e.g. @/instanceView")
        try:
            rate = float(rate_s)
        except ValueError:
            raise ValueError(f"bad fault {part!r}: rate {rate_s!r} is not a number") from None
        if not 0 <= rate <= 1:
            raise ValueError(f"bad fault {part!r}: rate must be between 0 and 1")
        faults.append(Fault(kind, rate, path.strip().lower() if at else None))
    for scope in {f.path for f in faults}:
        if sum(f.rate for f in faults if f.path is None or f.path == scope) > 1:
            where = f" for paths with {scope!r}" if scope else ""
            raise ValueError(f"fault rates add up to more than 1{where}")
    return faults


class FaultInjector:
    def __init__(self, faults: list[Fault], seed: int | None = None) -> None:
        self.faults = faults
        self._rng = random.Random(seed)

    def draw(self, path: str = "/") -> str | None:
        """The fault for a request to ``path`` (None: answer it)."""
        if not self.faults:
            return None
        x = self._rng.random()
        for f in self.faults:
            if not f.applies(path):
                continue
            if x < f.rate:
                return f.kind
            x -= f.rate
        return None


async def hang(request: Any) -> None:
    """Hold a request without answering until its client closes the connection (at most `HANG_LIMIT`)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + HANG_LIMIT
    while loop.time() < until:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(0.05)


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
