"""One factory for every async ARM client, built the same way from a `Target` and a credential."""

from __future__ import annotations

import importlib
import logging
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy

from tui import __version__

from .clouds import Target
from .pacing import ArmPacer, PacingPolicy
from .readonly import AutoRegistrationGuard, read_only_policies

if (
    TYPE_CHECKING
):  # an SDK loads with the first client of its kind (CLIENT_CLASSES), aiohttp with the first transport
    import aiohttp
    from azure.core.credentials_async import AsyncTokenCredential
    from azure.core.pipeline.transport import AsyncHttpTransport
    from azure.mgmt.compute.aio import ComputeManagementClient
    from azure.mgmt.network.aio import NetworkManagementClient
    from azure.mgmt.recoveryservices.aio import RecoveryServicesClient
    from azure.mgmt.recoveryservicesbackup.aio import RecoveryServicesBackupClient
    from azure.mgmt.resource.locks.aio import ManagementLockClient
    from azure.mgmt.resource.resources.aio import ResourceManagementClient
    from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

__all__ = [
    "CONNECT_TIMEOUT",
    "LRO_TIMEOUT",
    "OPERATION_TIMEOUT",
    "READ_TIMEOUT",
    "ClientFactory",
    "RequestIdHook",
    "ResponseObserver",
    "default_user_agent",
    "load_management_sdks",
]

_LOG = logging.getLogger(__name__)

ResponseObserver = Callable[[str, str, int, Mapping[str, str]], None]
"""Called for every HTTP response (each retry included) with ``(method, url, status, headers)``."""


# azure-core gives up after 3 retries on 429/5xx. A readiness scan of a large estate meets throttling and
# transient errors often enough that a few more (each waits the service's Retry-After) beat an "unknown" VM.
DEFAULT_RETRY_STATUS = 6
# azure-core's defaults wait 300 s per attempt, for up to 10 attempts, so one hung connection could hold a
# scan for an hour. ARM answers reads in well under a second; these leave room for a slow day.
CONNECT_TIMEOUT = 10.0  # seconds to open a connection (TCP and TLS)
READ_TIMEOUT = 60.0  # seconds without a byte of the answer
OPERATION_TIMEOUT = 300.0  # seconds for one operation, its retries and their Retry-After waits included
LRO_TIMEOUT = 1800.0  # seconds the services follow a long-running operation before giving up on it
MAX_CONNECTIONS = 100  # open connections across every client and subscription (aiohttp's default)
# The one client kind allowed to register a resource provider: the wizard's explicit, confirmed action.
REGISTRATION = "registration"
# Each client kind's class: (module, name). Imported when the first client of its kind is built (or ahead
# of it, in a worker thread, by `load_management_sdks`): no management SDK loads with the wizard's frame.
CLIENT_CLASSES: dict[str, tuple[str, str]] = {
    "subscriptions": ("azure.mgmt.resource.subscriptions.aio", "SubscriptionClient"),
    "resources": ("azure.mgmt.resource.resources.aio", "ResourceManagementClient"),
    REGISTRATION: ("azure.mgmt.resource.resources.aio", "ResourceManagementClient"),
    "locks": ("azure.mgmt.resource.locks.aio", "ManagementLockClient"),
    "compute": ("azure.mgmt.compute.aio", "ComputeManagementClient"),
    "network": ("azure.mgmt.network.aio", "NetworkManagementClient"),
    "recovery_services": ("azure.mgmt.recoveryservices.aio", "RecoveryServicesClient"),
    "backup": ("azure.mgmt.recoveryservicesbackup.aio", "RecoveryServicesBackupClient"),
}


def client_class(kind: str) -> type:
    """The SDK class of a client kind, imported on first use."""
    module, name = CLIENT_CLASSES[kind]
    return getattr(importlib.import_module(module), name)


def load_management_sdks() -> None:
    """Import every management SDK the factory builds clients from (about a second): a worker thread may do
    it once signed in, so the first scan does not stop the event loop (and the screen) meanwhile."""
    for module, _name in CLIENT_CLASSES.values():
        importlib.import_module(module)


class _AutoRegistrationLogFilter(logging.Filter):
    """Drops azure-mgmt-core's "We are registering for you" lines: every client here refuses that
    registration (`AutoRegistrationGuard`), so nothing is ever registered and the lines would mislead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("We are registering for you" in message or "Please register manually" in message)


for _name in ("azure.mgmt.core.policies._base_async", "azure.mgmt.core.policies._base"):
    logging.getLogger(_name).addFilter(_AutoRegistrationLogFilter())


def default_user_agent() -> str:
    """``vmbackup-prep/<version>``."""
    return f"vmbackup-prep/{__version__}"


REQUEST_ID = "x-ms-request-id"


class RequestIdHook:
    """A ``raw_response_hook`` for one SDK call: keeps the headers of the call's first response, so the
    ``x-ms-request-id`` of a change (and its ``Azure-AsyncOperation``) can be recorded and quoted to support.

    Pass it as ``raw_response_hook=hook`` (it sees each response of the call, the LRO polls included).
    """

    def __init__(self, on_request_id: Callable[[str], None] | None = None) -> None:
        self.headers: dict[str, str] = {}
        self._on_request_id = on_request_id

    def __call__(self, response: Any) -> None:
        if not self.headers:
            self.headers = dict(response.http_response.headers)
            # Recorded as soon as Azure answers, so an interrupted long-running call still names its request.
            if self._on_request_id is not None and (rid := self.request_id):
                self._on_request_id(rid)

    @property
    def request_id(self) -> str | None:
        return _header(self.headers, REQUEST_ID)

    def get(self, name: str) -> str | None:
        return _header(self.headers, name)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever the case the transport gave it."""
    low = name.lower()
    return next((v for k, v in headers.items() if k.lower() == low), None)


class _ObserverPolicy(SansIOHTTPPolicy[Any, Any]):
    """Hands each response's status and headers to the factory's observers (never the request headers)."""

    def __init__(self, observers: list[ResponseObserver]) -> None:
        self._observers = observers  # the factory's list, shared so later registrations apply

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        if not self._observers:
            return
        http_request, http_response = request.http_request, response.http_response
        for observer in tuple(self._observers):
            try:
                observer(
                    http_request.method, http_request.url, http_response.status_code, http_response.headers
                )
            except Exception:  # an observer must never break a request
                _LOG.exception("response observer %r failed", observer)


class ClientFactory:
    """Builds and caches the async mgmt clients for one target and credential.

    Every client gets ``base_url=target.arm_endpoint``, the target's credential scopes, ``cloud_setting`` for
    named clouds (TypeSpec clients), the custom CA, explicit connect/read/operation timeouts, the
    `AutoRegistrationGuard` (the SDK never registers a resource provider by itself: the 409 surfaces as
    `ProviderNotRegisteredError`; only `registration` may register, on the user's explicit request), the
    read-only guard when ``read_only``, and a response observer hook. Clients are cached per (kind,
    subscription) and closed by `close` (or ``async with``). The credential belongs to the caller and is
    not closed.

    Accessors must be called while the event loop runs (the shared aiohttp session is created lazily).
    ``share_session=True`` gives all clients one aiohttp session whose connector carries one SSL context
    built from ``ca_bundle``, so TLS connections are pooled across clients. ``transport_factory`` (tests)
    returns the transport for each new client instead.
    """

    def __init__(
        self,
        target: Target,
        credential: AsyncTokenCredential,
        *,
        read_only: bool = False,
        user_agent: str | None = None,
        retry_total: int | None = None,
        retry_status: int | None = DEFAULT_RETRY_STATUS,
        retry_backoff_factor: float | None = None,
        retry_backoff_max: float | None = None,
        polling_interval: float | None = None,
        connection_timeout: float | None = CONNECT_TIMEOUT,
        read_timeout: float | None = READ_TIMEOUT,
        operation_timeout: float | None = OPERATION_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        share_session: bool = True,
        pacer: ArmPacer | None = None,
        transport_factory: Callable[[], AsyncHttpTransport] | None = None,
    ) -> None:
        self.target = target
        self.credential = credential
        self.read_only = read_only
        self.user_agent = user_agent or default_user_agent()
        self._client_kwargs: dict[str, Any] = {
            k: v
            for k, v in {
                "retry_total": retry_total,
                "retry_status": retry_status,
                "retry_backoff_factor": retry_backoff_factor,
                "retry_backoff_max": retry_backoff_max,
                "polling_interval": polling_interval,
                "timeout": operation_timeout,
            }.items()
            if v is not None
        }
        self._connection_kwargs: dict[str, Any] = {
            k: v
            for k, v in {"connection_timeout": connection_timeout, "read_timeout": read_timeout}.items()
            if v is not None
        }
        self._share_session = share_session
        self._max_connections = max_connections
        self.pacer = pacer
        self._transport_factory = transport_factory
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._observers: list[ResponseObserver] = []
        self._closed = False

    # -- observers ---------------------------------------------------------------------------------------

    def add_response_observer(self, observer: ResponseObserver) -> Callable[[], None]:
        """Register ``observer`` for every response of every client; returns a function that removes it."""
        self._observers.append(observer)

        def remove() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return remove

    # -- clients -----------------------------------------------------------------------------------------

    def subscriptions(self) -> SubscriptionClient:
        """The (tenant-level) subscription client."""
        return self._get("subscriptions", "")

    def resources(self, subscription_id: str) -> ResourceManagementClient:
        """Resource groups, providers, generic resources."""
        return self._get("resources", subscription_id)

    def registration(self, subscription_id: str) -> ResourceManagementClient:
        """The one client whose ``providers.register`` is let through (still refused by --read-only): for
        the user's explicit, confirmed "Register" action. Every other client refuses registration."""
        return self._get(REGISTRATION, subscription_id)

    def locks(self, subscription_id: str) -> ManagementLockClient:
        """Management locks (Microsoft.Authorization/locks)."""
        return self._get("locks", subscription_id)

    def compute(self, subscription_id: str) -> ComputeManagementClient:
        """VMs, disks, run command."""
        return self._get("compute", subscription_id)

    def network(self, subscription_id: str) -> NetworkManagementClient:
        """NICs, NSGs, route tables, effective rules."""
        return self._get("network", subscription_id)

    def recovery_services(self, subscription_id: str) -> RecoveryServicesClient:
        """Recovery Services vaults."""
        return self._get("recovery_services", subscription_id)

    def backup(self, subscription_id: str) -> RecoveryServicesBackupClient:
        """Azure Backup: policies, protected items, backup status."""
        return self._get("backup", subscription_id)

    def _get(self, kind: str, subscription_id: str) -> Any:
        if self._closed:
            raise RuntimeError("ClientFactory is closed")
        key = (kind, subscription_id.lower())
        client = self._clients.get(key)
        if client is None:
            client = self._build(kind, subscription_id)
            self._clients[key] = client
        return client

    def _build(self, kind: str, subscription_id: str) -> Any:
        per_call: list[Any] = []
        per_retry: list[Any] = []
        if self.read_only:
            per_call, per_retry = read_only_policies()
        elif kind != REGISTRATION:
            per_retry = [AutoRegistrationGuard()]
        if self.pacer is not None:
            per_retry.append(PacingPolicy(self.pacer))
        per_retry.append(_ObserverPolicy(self._observers))
        kwargs: dict[str, Any] = {
            **self._client_kwargs,
            "base_url": self.target.arm_endpoint,
            "credential_scopes": list(self.target.credential_scopes),
            "user_agent": self.user_agent,
            "per_call_policies": per_call,
            "per_retry_policies": per_retry,
            "transport": self._new_transport(),
        }
        if self._share_session and self._transport_factory is None and (proxy := self._env_proxy()):
            kwargs["proxies"] = proxy
        if self.target.sdk_cloud is not None:
            kwargs["cloud_setting"] = self.target.sdk_cloud
        cls = client_class(kind)
        if kind == "subscriptions":  # tenant-level: no subscription_id
            return cls(self.credential, **kwargs)
        return cls(self.credential, subscription_id, **kwargs)

    def _env_proxy(self) -> dict[str, str] | None:
        """The proxy for the ARM endpoint from HTTPS_PROXY / HTTP_PROXY and NO_PROXY, read once.

        The shared session does not read the environment itself (``trust_env``): aiohttp would then look
        the proxy and ~/.netrc up again in a worker thread for every request, which costs more CPU than the
        request (a scan makes thousands). The clients' ProxyPolicy hands this one to every request instead.
        """
        parts = urlsplit(self.target.arm_endpoint)
        if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
            return None
        proxy = urllib.request.getproxies().get(parts.scheme)
        return {parts.scheme: proxy} if proxy else None

    def _new_transport(self) -> AsyncHttpTransport:
        if self._transport_factory is not None:
            return self._transport_factory()
        import aiohttp
        from azure.core.pipeline.transport import AioHttpTransport

        if not self._share_session:
            return AioHttpTransport(
                connection_verify=self.target.ca_bundle or True, **self._connection_kwargs
            )
        if self._session is None:
            # The session settings azure-core uses for the sessions it owns, but trust_env (_env_proxy).
            ssl_context: ssl.SSLContext | bool = True
            if self.target.ca_bundle:
                ssl_context = ssl.create_default_context(cafile=self.target.ca_bundle)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=ssl_context, limit=self._max_connections),
                trust_env=False,  # the environment's proxy is read once (_env_proxy)
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
            )
        return AioHttpTransport(session=self._session, session_owner=False, **self._connection_kwargs)

    # -- lifetime ----------------------------------------------------------------------------------------

    async def close(self) -> None:
        """Close every client and the shared session. Idempotent."""
        self._closed = True
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            try:
                await client.close()
            except Exception:
                _LOG.exception("closing %s failed", type(client).__name__)
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> ClientFactory:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()
