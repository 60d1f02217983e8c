"""The subscription overview the wizard starts from: state, access, provider registration, VMs per region."""

from __future__ import annotations

import asyncio
from collections import Counter

from azure.core.exceptions import HttpResponseError

from tui.azure import ClientFactory, explain
from tui.model import RECOVERY_SERVICES, SubscriptionFacts


async def probe_subscription(factory: ClientFactory, sub: SubscriptionFacts) -> SubscriptionFacts:
    """Fill access, Recovery Services registration and VM counts per region (two cheap reads)."""
    try:
        provider = await factory.resources(sub.id).providers.get(RECOVERY_SERVICES)
        sub.provider_state = provider.registration_state
        regions: Counter[str] = Counter()
        async for vm in factory.compute(sub.id).virtual_machines.list_all(status_only="true"):
            regions[(vm.location or "").lower()] += 1
        sub.regions = dict(sorted(regions.items()))
        sub.access = "ok"
    except HttpResponseError as e:
        sub.access = "forbidden" if e.status_code == 403 else "error"
        sub.error = explain(e).one_line
    return sub


async def subscription_overview(factory: ClientFactory, concurrency: int = 8) -> list[SubscriptionFacts]:
    subs = [s async for s in factory.subscriptions().subscriptions.list()]
    facts = [
        SubscriptionFacts(id=s.subscription_id, name=s.display_name or s.subscription_id, state=str(s.state))
        for s in subs
    ]
    gate = asyncio.Semaphore(concurrency)

    async def one(sub: SubscriptionFacts) -> SubscriptionFacts:
        async with gate:
            return await probe_subscription(factory, sub)

    result = await asyncio.gather(*(one(s) for s in facts))
    return sorted(result, key=lambda s: s.name.lower())


WRITABLE_STATES = frozenset({"Enabled", "PastDue"})
"""Subscription states in which PUT/PATCH/POST still work (subscription states doc, 2025-12-29)."""


def unusable_reason(sub: SubscriptionFacts) -> str | None:
    """Why a subscription cannot be chosen (None when it can)."""
    if sub.access == "forbidden":
        return (
            "you cannot read this subscription (no role assignment); ask for Reader, then Backup Contributor"
        )
    if sub.access == "error":
        return f"it could not be read: {sub.error}"
    if sub.state not in WRITABLE_STATES:
        return (
            f"it is {sub.state}: Azure accepts no new vault or protection there until it is Enabled again "
            "(Warned allows only reads and deletes; Disabled and Expired no writes; Deleted nothing)"
        )
    return None
