"""The client-side ARM pacer: waits before the bucket is empty, follows ARM's remaining headers."""

from __future__ import annotations

import asyncio

from tui.azure.pacing import ArmPacer, request_class, scope_of

SUB_URL = "https://management.azure.com/subscriptions/ABC/resourceGroups/rg/providers/X/y?api-version=1"


def test_requests_are_charged_to_their_subscription_and_class():
    assert scope_of(SUB_URL) == "abc"
    assert scope_of("https://management.azure.com/subscriptions?api-version=1") == "tenant"
    assert request_class("GET") == "reads"
    assert request_class("POST") == "writes"  # even read-only POSTs draw on ARM's write budget
    assert request_class("DELETE") == "deletes"


async def test_a_fresh_bucket_lets_the_burst_through_without_waiting():
    pacer = ArmPacer(reserve=0.1)
    for _ in range(200):
        await pacer.acquire("GET", SUB_URL)
    assert pacer.waits == 0


async def test_a_low_remaining_header_slows_the_next_requests_down():
    pacer = ArmPacer(reserve=0.1)
    pacer.observe("GET", SUB_URL, 200, {"x-ms-ratelimit-remaining-subscription-reads": "25"})
    await pacer.acquire("GET", SUB_URL)  # 25 left, 25 kept in reserve: wait for one token (1/25 s)
    assert pacer.waits == 1
    # Another subscription and the write bucket are not affected.
    await pacer.acquire("GET", SUB_URL.replace("ABC", "DEF"))
    await pacer.acquire("POST", SUB_URL)
    assert pacer.waits == 1


async def test_a_throttling_429_with_the_header_empties_the_bucket_but_a_bare_429_does_not():
    pacer = ArmPacer(reserve=0.0)
    pacer.observe(
        "GET", SUB_URL, 429, {}
    )  # a resource provider's own limit or a fault: Retry-After handles it
    await asyncio.wait_for(pacer.acquire("GET", SUB_URL), 0.01)
    assert pacer.waits == 0
    pacer.observe("GET", SUB_URL, 429, {"x-ms-ratelimit-remaining-subscription-reads": "0"})
    await pacer.acquire("GET", SUB_URL)
    assert pacer.waits == 1
