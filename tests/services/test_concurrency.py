"""bounded_gather: every item once, in order, never more than the limit at once, items pulled lazily,
progress as items end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tui.services.concurrency import bounded_gather


async def test_results_in_order_and_at_most_limit_at_once():
    running = peak = 0

    async def work(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * (10 - n % 10))  # later items finish first
        running -= 1
        return n * n

    assert await bounded_gather(work, range(50), limit=4) == [n * n for n in range(50)]
    assert peak == 4


async def test_items_are_pulled_as_workers_free_up():
    pulled = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for n in range(1000):
            pulled += 1
            yield n

    async def work(n: int) -> int:
        assert pulled <= n + 3  # a worker takes the next item only when it is free: not 1,000 tasks up front
        await asyncio.sleep(0)
        return n

    assert len(await bounded_gather(work, items(), limit=3)) == 1000


async def test_progress_counts_finished_items_with_a_fixed_or_computed_stage():
    seen: list[tuple[str, int, int]] = []

    async def double(n: int) -> int:
        return 2 * n

    await bounded_gather(double, [1, 2, 3], limit=1, progress=lambda *a: seen.append(a), stage="doubling")
    assert seen == [("doubling", 1, 3), ("doubling", 2, 3), ("doubling", 3, 3)]
    seen.clear()
    await bounded_gather(
        double, [5], limit=1, progress=lambda *a: seen.append(a), stage=lambda n, r: f"{n}->{r}"
    )
    assert seen == [("5->10", 1, 1)]
    seen.clear()
    await bounded_gather(double, iter([1, 2]), limit=1, progress=lambda *a: seen.append(a), total=2)
    assert [s[1:] for s in seen] == [(1, 2), (2, 2)]  # never past 100 %, never a total below what is done


async def test_the_first_error_propagates_and_stops_the_rest():
    started: list[int] = []

    async def work(n: int) -> int:
        started.append(n)
        if n == 2:
            raise ValueError("boom")
        await asyncio.sleep(0.01)
        return n

    with pytest.raises(ValueError, match="boom"):
        await bounded_gather(work, range(100), limit=2)
    assert len(started) < 10


async def test_empty_and_bad_limit():
    async def work(n: int) -> int:
        return n

    assert await bounded_gather(work, [], limit=5) == []
    with pytest.raises(ValueError):
        await bounded_gather(work, [1], limit=0)
