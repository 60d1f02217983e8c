"""Subscriptions the signed-in identity can see, with access and Recovery Services registration."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from azure.core.exceptions import HttpResponseError

from tui.azure import ClientFactory

RECOVERY_SERVICES = "Microsoft.RecoveryServices"


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    name: str
    state: str
    access: str  # ok | forbidden | error
    provider_state: str | None  # Microsoft.RecoveryServices registration; None when unreadable
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.state == "Enabled" and self.access == "ok"


async def _probe(factory: ClientFactory, sub_id: str) -> tuple[str, str | None, str | None]:
    try:
        provider = await factory.resources(sub_id).providers.get(RECOVERY_SERVICES)
    except HttpResponseError as e:
        code = e.error.code if e.error else None
        if e.status_code == 403:
            return "forbidden", None, "You have no read access to this subscription (AuthorizationFailed)."
        return "error", None, f"{code or e.status_code}: {e.message.splitlines()[0] if e.message else ''}"
    return "ok", provider.registration_state, None


async def list_subscriptions(factory: ClientFactory, concurrency: int = 8) -> list[SubscriptionInfo]:
    """All subscriptions, each probed (bounded concurrency) for access and provider registration."""
    subs = [s async for s in factory.subscriptions().subscriptions.list()]
    gate = asyncio.Semaphore(concurrency)

    async def one(s) -> SubscriptionInfo:  # type: ignore[no-untyped-def]
        async with gate:
            access, provider, problem = await _probe(factory, s.subscription_id)
        return SubscriptionInfo(s.subscription_id, s.display_name, str(s.state), access, provider, problem)

    result = await asyncio.gather(*(one(s) for s in subs))
    return sorted(result, key=lambda s: s.name.lower())
