"""Bounded concurrency for the services: at most ``limit`` calls at a time, fed lazily from an iterable.

`bounded_gather` runs ``limit`` workers that pull the next item when they are free, so 10,000 VMs cost
``limit`` tasks, not 10,000 (each task and its coroutine frame hold memory until it ends). Each caller keeps
its own limit: the inventory gives every subscription its own, because ARM's throttling buckets are per
subscription, and a subscription waiting for its tokens must not hold a slot another one could use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def bounded_gather(items: Iterable[T], fn: Callable[[T], Awaitable[R]], *, limit: int) -> list[R]:
    """``[await fn(item) for item in items]``, with at most ``limit`` calls running at once.

    Results are in the order of ``items``. The first exception cancels the other calls and propagates
    (callers that must go on catch per item inside ``fn``).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    source = iter(enumerate(items))
    results: dict[int, R] = {}

    async def worker() -> None:
        for index, item in source:  # the shared iterator hands each item to exactly one worker
            results[index] = await fn(item)

    workers = [asyncio.ensure_future(worker()) for _ in range(limit)]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return [results[i] for i in range(len(results))]


__all__ = ["bounded_gather"]
