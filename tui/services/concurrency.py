"""Bounded concurrency with progress: the one shape every per-item loop of the services takes.

A scan, an agent re-read, the in-guest probe and enabling protection all run one coroutine per item, at most
N at a time (ARM's budget and the pacer decide the real rate), and report ``progress(stage, done, total)``
as items finish, for a progress bar. No Textual imports here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as work completes (for a progress bar)."""

Stage = str | Callable[[T, R], str]
"""The stage a progress report names: fixed, or from the item and its result (``"vm-01: protected"``)."""


async def bounded_gather(
    fn: Callable[[T], Awaitable[R]],
    items: Sequence[T],
    *,
    limit: int | asyncio.Semaphore,
    progress: Progress | None = None,
    stage: Stage[T, R] = "",
) -> list[R]:
    """``fn(item)`` for every item, at most ``limit`` at a time; the results in the order of ``items``.

    ``limit`` may be a semaphore shared with other loops, so that one budget bounds them all (the scan's
    instance views, vault reads and backup status calls). Progress is reported after each item, with the
    total of this call; an exception propagates as ``asyncio.gather`` propagates it.
    """
    gate = limit if isinstance(limit, asyncio.Semaphore) else asyncio.Semaphore(limit)
    total = len(items)
    done = 0

    async def one(item: T) -> R:
        nonlocal done
        async with gate:
            result = await fn(item)
        done += 1
        if progress is not None:
            progress(stage if isinstance(stage, str) else stage(item, result), done, total)
        return result

    return list(await asyncio.gather(*(one(item) for item in items)))
