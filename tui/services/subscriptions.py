"""The subscription overview the wizard starts from: state, access, provider registration, VMs per region."""

from __future__ import annotations

import asyncio
from collections import Counter

from azure.core.exceptions import AzureError, ClientAuthenticationError

from tui.azure import ClientFactory, explain
from tui.model import COMPUTE, RECOVERY_SERVICES, SubscriptionFacts

from .concurrency import bounded_gather
from .facts import subscription_facts
from .providers import read_provider_state


async def probe_subscription(factory: ClientFactory, sub: SubscriptionFacts) -> SubscriptionFacts:
    """Fill access, Recovery Services registration and VM counts per region (three cheap reads). The VMs
    are counted only where Microsoft.Compute is registered: a list into an unregistered namespace is how
    the SDK would come to register it by itself."""
    try:
        states = await asyncio.gather(
            *(read_provider_state(factory, sub.id, ns) for ns in (RECOVERY_SERVICES, COMPUTE))
        )
        sub.providers = {
            ns: state
            for ns, state in zip((RECOVERY_SERVICES, COMPUTE), states, strict=True)
            if state is not None
        }
        sub.provider_state = sub.providers.get(RECOVERY_SERVICES)
        regions: Counter[str] = Counter()
        if sub.providers.get(COMPUTE) == "Registered":
            async for vm in factory.compute(sub.id).virtual_machines.list_all(status_only="true"):
                regions[(vm.location or "").lower()] += 1
        sub.regions = dict(sorted(regions.items()))
        sub.access = "ok"
    except ClientAuthenticationError:
        raise
    except AzureError as e:  # HTTP errors after retries, resets, timeouts: this subscription only
        sub.access = "forbidden" if getattr(e, "status_code", None) == 403 else "error"
        sub.error = explain(e).one_line
    return sub


async def subscription_overview(factory: ClientFactory, concurrency: int = 8) -> list[SubscriptionFacts]:
    subs = [s async for s in factory.subscriptions().subscriptions.list()]
    facts = [subscription_facts(s) for s in subs]
    result = await bounded_gather(lambda s: probe_subscription(factory, s), facts, limit=concurrency)
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
