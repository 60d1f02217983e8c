"""Resource provider registration, read before anything touches a namespace.

Every mgmt client registers an unregistered namespace by itself when ARM answers 409
MissingSubscriptionRegistration (a write nobody asked for, and at least 10 s of waiting), so the scan, the
subscription list, the vault plans and ``protect`` all ask ``providers.get`` first, through this one read.
No Textual imports here.
"""

from __future__ import annotations

from tui.azure import ClientFactory
from tui.model import RECOVERY_SERVICES

from .facts import is_registered, provider_state

__all__ = ["is_registered", "read_provider_state"]


async def read_provider_state(
    factory: ClientFactory, subscription_id: str, namespace: str = RECOVERY_SERVICES
) -> str | None:
    """The registration state of ``namespace`` in the subscription (None when ARM names none)."""
    provider = await factory.resources(subscription_id).providers.get(namespace)
    return provider_state(provider.as_dict())
