"""Bounded concurrency with progress: the one shape every per-item loop of the services takes.

A scan, an agent re-read, the in-guest probe and enabling protection all run one coroutine per item, at most
``limit`` at a time (ARM's budget and the pacer decide the real rate), and report ``progress(stage, done,
total)`` as items finish, for a progress bar. ``limit`` workers pull the next item when they are free, so
10,000 VMs cost ``limit`` tasks, not 10,000 (each task and its coroutine frame hold memory until it ends).
Each caller keeps its own limit: the inventory gives every subscription its own, because ARM's throttling
buckets are per subscription, and a subscription waiting for its tokens must not hold a slot another one
could use (a semaphore shared across subscriptions did exactly that: head-of-line blocking).
No Textual imports here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sized
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as work completes (for a progress bar)."""

Stage = str | Callable[[T, R], str]
"""The stage a progress report names: fixed, or from the item and its result (``"vm-01: protected"``)."""


async def bounded_gather(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    limit: int,
    progress: Progress | None = None,
    stage: Stage[T, R] = "",
    total: int | None = None,
) -> list[R]:
    """``[await fn(item) for item in items]``, at most ``limit`` calls at once; results in the order of items.

    Progress is reported after each item with ``total`` (default: ``len(items)``, or the count so far for
    an iterator). The first exception cancels the other calls and propagates (callers that must go on catch
    per item inside ``fn``).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if total is None and isinstance(items, Sized):
        total = len(items)
    source = iter(enumerate(items))
    results: dict[int, R] = {}

    async def worker() -> None:
        for index, item in source:  # the shared iterator hands each item to exactly one worker
            result = await fn(item)
            results[index] = result
            if progress is not None:
                label = stage if isinstance(stage, str) else stage(item, result)
                progress(label, len(results), max(total or 0, len(results)))

    workers = [asyncio.ensure_future(worker()) for _ in range(limit)]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return [results[i] for i in range(len(results))]
