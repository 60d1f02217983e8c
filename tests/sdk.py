"""Real async SDK clients for an emulator, signed in through its managed-identity endpoint."""

from __future__ import annotations

from typing import Any

from azure.identity.aio import ManagedIdentityCredential
from azure.mgmt.compute.aio import ComputeManagementClient
from azure.mgmt.network.aio import NetworkManagementClient
from azure.mgmt.recoveryservices.aio import RecoveryServicesClient
from azure.mgmt.recoveryservicesbackup.aio import RecoveryServicesBackupClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

from tui.emulator import Emulator


class Sdk:
    """Builds and caches SDK clients the way the product does: base_url + CA bundle + a real credential."""

    def __init__(self, emulator: Emulator, **client_kwargs: Any) -> None:
        self.emulator = emulator
        self.info = emulator.info
        self.credential = ManagedIdentityCredential()
        self.kwargs = {
            "base_url": self.info["arm_endpoint"],
            "connection_verify": self.info["ca_bundle"],
            **client_kwargs,
        }
        self._clients: list[Any] = []

    def _keep(self, client: Any) -> Any:
        self._clients.append(client)
        return client

    def subscriptions(self) -> SubscriptionClient:
        return self._keep(SubscriptionClient(self.credential, **self.kwargs))

    def resources(self, sub: str) -> ResourceManagementClient:
        return self._keep(ResourceManagementClient(self.credential, sub, **self.kwargs))

    def compute(self, sub: str) -> ComputeManagementClient:
        return self._keep(ComputeManagementClient(self.credential, sub, **self.kwargs))

    def network(self, sub: str) -> NetworkManagementClient:
        return self._keep(NetworkManagementClient(self.credential, sub, **self.kwargs))

    def recovery(self, sub: str) -> RecoveryServicesClient:
        return self._keep(RecoveryServicesClient(self.credential, sub, **self.kwargs))

    def backup(self, sub: str) -> RecoveryServicesBackupClient:
        return self._keep(RecoveryServicesBackupClient(self.credential, sub, **self.kwargs))

    async def __aenter__(self) -> Sdk:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients:
            await client.close()
        await self.credential.close()
