"""The wizard's connection to Azure for one run: credential, client factory, pacer and services.

No Textual imports: the wizard model (tui/wizard.py) owns one Workspace and the steps call it from workers.
``connection`` is the current one: the cloud resolved at sign-in, the sign-in method the user picked.
The services (and azure-core under them) are imported where they are first used: the wizard builds a
Workspace before its first paint, which needs none of them (issue 9; tests/test_startup_imports.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from tui.azure import describe_identity, load_sign_in_sdks
from tui.connect import Connection
from tui.model import Inventory
from tui.services.concurrency import Progress

if TYPE_CHECKING:
    from tui.azure import ArmPacer, ClientFactory, DeviceCodePrompt
    from tui.services.inventory import InventoryService
    from tui.services.vaults import VaultService


# The management SDKs take about a second of CPU to import, holding the GIL: start after the signed-in step
# has been drawn, not alongside it.
SDK_LOAD_DELAY = 0.5  # seconds


async def _load_management_sdks_soon() -> None:
    from tui.azure import load_management_sdks

    await asyncio.sleep(SDK_LOAD_DELAY)
    await asyncio.to_thread(load_management_sdks)


def _in_background(work: Awaitable[None]) -> asyncio.Future[None]:
    """``work`` going on by itself; whoever awaits the future gets its failure (none is ever logged as
    "never retrieved")."""
    future = asyncio.ensure_future(work)
    future.add_done_callback(lambda f: f.cancelled() or f.exception())
    return future


class Workspace:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.credential: Any = None
        self.factory: ClientFactory | None = None
        self.pacer: ArmPacer | None = None  # one for the whole run (ARM budgets outlive a sign-in): see open
        self._loading: asyncio.Future[None] | None = None  # the management SDKs, loading in a worker thread
        self._preparing: asyncio.Future[None] | None = None  # what a sign-in needs, loading likewise

    def prepare(self) -> asyncio.Future[None]:
        """Begin loading what a sign-in needs (`load_sign_in_sdks`) in a worker thread, once: the wizard asks
        as soon as its first screen is drawn, so that it loads while the demo emulator starts (in its own
        process) and the event loop goes on drawing. Call from the event loop."""
        if self._preparing is None:
            self._preparing = _in_background(asyncio.to_thread(load_sign_in_sdks, self.connection.discover))
        return self._preparing

    def open(
        self, device_code_prompt: DeviceCodePrompt | None = None, auth: str | None = None
    ) -> ClientFactory:
        """(Re)build credential and clients; call from the event loop (device code needs it)."""
        if auth:
            self.connection = self.connection.with_auth(auth)
        kwargs = {"device_code_prompt": device_code_prompt} if self.connection.auth == "device-code" else {}
        if self.pacer is None:
            from tui.azure import ArmPacer  # azure-core: after the first paint

            self.pacer = ArmPacer()
        self.credential = self.connection.credential(**kwargs)
        self.factory = self.connection.factory(self.credential, pacer=self.pacer)
        return self.factory

    async def sign_in(
        self, device_code_prompt: DeviceCodePrompt | None = None, auth: str | None = None
    ) -> dict[str, Any]:
        """Sign in afresh with ``auth``: read a custom cloud's metadata (once), rebuild credential and clients,
        get a token and say who we are. CloudMetadataError when the cloud cannot be read."""
        await self.close()
        preparing = self.prepare()
        self.connection = await self.connection.started()  # an emulator that failed is said first
        await asyncio.shield(preparing)  # a cancelled sign-in leaves the loading to the next one
        self.connection = await self.connection.resolved()
        self.open(device_code_prompt=device_code_prompt, auth=auth)
        identity = await self.identity()
        if self._loading is None:  # what the next steps' clients need, loaded while the user reads this one
            self._loading = _in_background(_load_management_sdks_soon())  # a failure shows at the first scan
        return identity

    def cancel_sign_in(self) -> None:
        """Stop a sign-in that waits for the user (device code); its token request fails."""
        cancel = getattr(self.credential, "cancel", None)
        if cancel is not None:
            cancel()

    async def close(self) -> None:
        if self.factory is not None:
            await self.factory.close()
            self.factory = None
        if self.credential is not None:
            await self.credential.close()
            self.credential = None

    async def identity(self) -> dict[str, Any]:
        """Sign in (gets a token) and say who we are: tenant, object id, user or app (never the token)."""
        token = await self.credential.get_token(*self.connection.target.credential_scopes)
        return describe_identity(token.token)

    def inventory(self, progress: Progress | None = None) -> InventoryService:
        from tui.services.inventory import InventoryService

        assert self.factory is not None
        return InventoryService(self.factory, progress=progress)

    def vaults(self) -> VaultService:
        from tui.services.vaults import VaultService

        assert self.factory is not None
        return VaultService(self.factory)

    async def scan(self, subscription_id: str, progress: Progress | None = None) -> Inventory:
        if self._loading is not None:  # the SDKs still loading: wait here, not with the event loop stopped
            await asyncio.shield(self._loading)
        return await self.inventory(progress).scan([subscription_id])
