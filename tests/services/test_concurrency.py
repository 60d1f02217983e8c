"""bounded_gather: the one per-item loop of the services (a limit, results in order, progress as items end)."""

from __future__ import annotations

import asyncio

import pytest

from tui.services.concurrency import bounded_gather


async def test_at_most_limit_run_at_once_and_results_keep_the_items_order() -> None:
    running, peak = 0, 0

    async def work(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * (10 - n))  # later items finish first
        running -= 1
        return n * n

    assert await bounded_gather(work, list(range(10)), limit=3) == [n * n for n in range(10)]
    assert peak == 3


async def test_a_shared_semaphore_bounds_several_loops_together() -> None:
    gate, running, peak = asyncio.Semaphore(2), 0, 0

    async def work(_: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1

    await asyncio.gather(
        bounded_gather(work, range(5), limit=gate), bounded_gather(work, range(5), limit=gate)
    )
    assert peak == 2


async def test_progress_counts_finished_items_with_a_fixed_or_computed_stage() -> None:
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


async def test_a_failure_propagates() -> None:
    async def fail(n: int) -> int:
        if n == 2:
            raise ValueError("item 2")
        return n

    with pytest.raises(ValueError, match="item 2"):
        await bounded_gather(fail, [1, 2, 3], limit=2)
