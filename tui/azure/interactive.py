"""User sign-in that asks a person (device code, browser), run off the event loop, cancellable, remembered.

azure-identity's `DeviceCodeCredential` and `InteractiveBrowserCredential` are blocking: `ThreadedCredential`
runs them in a worker thread. `InteractiveSignIn` asks the user only when the token cache cannot answer, and
hands the resulting `AuthenticationRecord` to whoever remembers it (see `token_cache`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.transport import RequestsTransport
from azure.identity import AuthenticationRecord, AuthenticationRequiredError

__all__ = [
    "CancellableTransport",
    "DeviceCodePrompt",
    "InteractiveSignIn",
    "SignInCancelled",
    "ThreadedCredential",
    "device_code_message",
    "loop_prompt",
]

_LOG = logging.getLogger(__name__)


class _ExpectedSilentMiss(logging.Filter):
    """azure-identity warns "Interactive authentication is required" when the cache cannot answer and
    ``disable_automatic_authentication`` is set: `InteractiveSignIn` expects that and asks the user next."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(a, AuthenticationRequiredError) for a in args)


logging.getLogger("azure.identity._internal.interactive").addFilter(_ExpectedSilentMiss())

DeviceCodePrompt = Callable[[str, str, datetime], Awaitable[None] | None]
"""``(verification_uri, user_code, expires_on)``; called on the event loop thread, may be a coroutine."""


def device_code_message(verification_uri: str, user_code: str) -> str:
    """The instruction Microsoft Entra sends with a device code (its ``message``), for the terminal."""
    return (
        f"To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} "
        "to authenticate."
    )


class SignInCancelled(ClientAuthenticationError):
    """The user cancelled the sign-in while it waited for them."""

    def __init__(self) -> None:
        super().__init__(message="Sign-in cancelled.")


class CancellableTransport(RequestsTransport):
    """The identity library's HTTP transport, refusing every request once ``cancelled`` is set, so a device
    code flow that polls in a worker thread stops at its next poll instead of waiting out the code."""

    def __init__(self, cancelled: threading.Event, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cancelled = cancelled

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.cancelled.is_set():
            raise SignInCancelled()
        return super().send(request, **kwargs)


class _SyncCredential(Protocol):
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken: ...

    def close(self) -> None: ...


class ThreadedCredential(AsyncTokenCredential):
    """Async adapter for a blocking azure-identity credential (device code, browser).

    Each token request runs in a worker thread; requests are serialised so concurrent clients never start
    two sign-in flows at once (after the first, MSAL's cache answers silently).
    """

    def __init__(self, credential: _SyncCredential) -> None:
        self._credential = credential
        self._lock = asyncio.Lock()

    def _token_info(self, scopes: tuple[str, ...], options: TokenRequestOptions) -> AccessTokenInfo:
        """Runs in the worker thread."""
        get_info = getattr(self._credential, "get_token_info", None)
        if get_info is not None:
            return get_info(*scopes, options=options)
        token = self._credential.get_token(
            *scopes,
            claims=options.get("claims"),
            tenant_id=options.get("tenant_id"),
            enable_cae=bool(options.get("enable_cae", False)),
        )
        return AccessTokenInfo(token.token, token.expires_on)

    async def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        """Get a token with its metadata, running the blocking flow in a thread."""
        async with self._lock:
            return await asyncio.to_thread(self._token_info, scopes, dict(options or {}))  # type: ignore[arg-type]

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """Get a token, running the blocking flow in a thread."""
        options: TokenRequestOptions = {"enable_cae": enable_cae}
        if claims:
            options["claims"] = claims
        if tenant_id:
            options["tenant_id"] = tenant_id
        info = await self.get_token_info(*scopes, options=options)
        return AccessToken(info.token, info.expires_on)

    async def close(self) -> None:
        """Close the wrapped credential."""
        await asyncio.to_thread(self._credential.close)

    async def __aenter__(self) -> ThreadedCredential:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()


class InteractiveSignIn(ThreadedCredential):
    """A person's sign-in that asks them only when it must.

    The wrapped credential is built with ``disable_automatic_authentication=True`` (and, when one is
    remembered, the ``authentication_record`` of the account to use): tokens come silently from the cache
    (refreshed with the refresh token when they expire); only when that fails does it ``authenticate()``,
    which asks the user, and then hands the new record to ``remember``. ``cancel()`` stops a flow that waits
    for the user, through the credential's `CancellableTransport`.
    """

    def __init__(
        self,
        credential: Any,
        *,
        cancelled: threading.Event,
        remember: Callable[[AuthenticationRecord], None] | None = None,
    ) -> None:
        super().__init__(credential)
        self._cancelled = cancelled
        self._remember = remember

    def _token_info(self, scopes: tuple[str, ...], options: TokenRequestOptions) -> AccessTokenInfo:
        try:
            return self._credential.get_token_info(*scopes, options=options)
        except AuthenticationRequiredError:
            pass  # nothing usable in the cache: ask the user
        if self._cancelled.is_set():
            raise SignInCancelled()
        record = self._credential.authenticate(
            scopes=list(scopes),
            claims=options.get("claims"),
            tenant_id=options.get("tenant_id"),
            enable_cae=bool(options.get("enable_cae", False)),
        )
        if self._remember is not None:
            try:
                self._remember(record)
            except Exception:  # not remembering it must not undo the sign-in
                _LOG.warning("could not remember the sign-in", exc_info=True)
        return self._credential.get_token_info(*scopes, options=options)

    def cancel(self) -> None:
        """Stop waiting for the user; the pending token request fails with `SignInCancelled`."""
        self._cancelled.set()


def loop_prompt(
    prompt: DeviceCodePrompt, loop: asyncio.AbstractEventLoop
) -> Callable[[str, str, datetime], None]:
    """Wrap ``prompt`` so the identity library's worker thread hands it to the event loop."""

    tasks: set[asyncio.Future[None]] = set()  # keep coroutine prompts alive until they finish

    def invoke(uri: str, code: str, expires_on: datetime) -> None:
        try:
            result = prompt(uri, code, expires_on)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except Exception:  # a failing dialog must not kill the sign-in flow
            _LOG.exception("device code prompt failed")

    def from_thread(uri: str, code: str, expires_on: datetime) -> None:
        loop.call_soon_threadsafe(invoke, uri, code, expires_on)

    return from_thread
