"""Pacing to ARM's throttling budget, so a large scan slows down before it drowns in 429s.

ARM throttles with token buckets per subscription and principal (reads 250 + 25/s; writes, which include
every POST, 200 + 10/s; deletes 200 + 10/s). `ArmPacer` keeps a client-side mirror of those buckets, takes a
token before each request, and corrects its estimate from the ``x-ms-ratelimit-remaining-*`` header of
every response (other tools of the same principal drain the same bucket). A reserve is left untouched for
them. `PacingPolicy` puts the pacer in a client pipeline, below the retry policy, so pages, retries and
LRO polls are paced too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy

BUCKETS = {"reads": (250.0, 25.0), "writes": (200.0, 10.0), "deletes": (200.0, 10.0)}


def request_class(method: str) -> str:
    m = method.upper()
    if m in ("GET", "HEAD", "OPTIONS"):
        return "reads"
    return "deletes" if m == "DELETE" else "writes"


def scope_of(url: str) -> str:
    """The subscription a request is charged to (``tenant`` for tenant-level calls)."""
    path = url.split("://", 1)[-1].split("?", 1)[0]
    parts = path.split("/")
    low = [p.lower() for p in parts]
    if "subscriptions" in low:
        i = low.index("subscriptions")
        if i + 1 < len(parts) and parts[i + 1]:
            return parts[i + 1].lower()
    return "tenant"


@dataclass
class _Bucket:
    capacity: float
    rate: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now


class ArmPacer:
    """Client-side token buckets per (subscription, request class), corrected by ARM's remaining headers."""

    def __init__(self, reserve: float = 0.1) -> None:
        self.reserve = reserve  # fraction of each bucket left for other tools of the same principal
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self.waits = 0  # requests that had to wait for a token
        self.waited_s = 0.0  # their waiting, summed (concurrent waits overlap)
        self.requests = 0

    def _bucket(self, scope: str, cls: str) -> _Bucket:
        b = self._buckets.get((scope, cls))
        if b is None:
            cap, rate = BUCKETS[cls]
            b = self._buckets[(scope, cls)] = _Bucket(cap, rate, cap, time.monotonic())
        return b

    async def acquire(self, method: str, url: str) -> None:
        """Take a token, waiting until the bucket (less the reserve) has one. Each request reserves its
        token at once (the bucket may go below zero) and sleeps until its turn: first come, first served,
        one wake-up per request however many wait."""
        cls = request_class(method)
        bucket = self._bucket(scope_of(url), cls)
        floor = bucket.capacity * self.reserve
        self.requests += 1
        bucket.refill(time.monotonic())
        bucket.tokens -= 1
        wait = (floor - bucket.tokens) / bucket.rate
        if wait > 0:
            self.waits += 1
            self.waited_s += wait
            await asyncio.sleep(wait)

    def observe(self, method: str, url: str, status: int, headers: Mapping[str, str]) -> None:
        cls = request_class(method)
        scope = scope_of(url)
        level = "tenant" if scope == "tenant" else "subscription"
        remaining = headers.get(f"x-ms-ratelimit-remaining-{level}-{cls}")
        if remaining is None:
            # A 429 without the header is a resource provider's own limit (or a fault), not ARM's bucket:
            # the SDK honours its Retry-After; emptying our bucket would stall the whole scan.
            return
        try:
            value = float(remaining)
        except ValueError:
            return
        bucket = self._bucket(scope, cls)
        bucket.refill(time.monotonic())
        bucket.tokens = min(bucket.tokens, value)

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "waits": self.waits, "waited_s": round(self.waited_s, 2)}


class PacingPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Waits for the pacer before each attempt and feeds it every response's headers."""

    def __init__(self, pacer: ArmPacer) -> None:
        super().__init__()
        self._pacer = pacer

    async def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        http = request.http_request
        await self._pacer.acquire(http.method, http.url)
        response = await self.next.send(request)
        self._pacer.observe(
            http.method, http.url, response.http_response.status_code, response.http_response.headers
        )
        return response
