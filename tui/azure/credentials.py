"""Credentials for ``--auth``, and a safe summary of who a token belongs to."""

from __future__ import annotations

import asyncio
import base64
import binascii
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions
from azure.core.credentials_async import AsyncTokenCredential
from azure.identity import DeviceCodeCredential, InteractiveBrowserCredential
from azure.identity.aio import (
    AzureCliCredential,
    DefaultAzureCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
)

from .clouds import Target

__all__ = [
    "AUTH_METHODS",
    "DeviceCodePrompt",
    "ThreadedCredential",
    "describe_identity",
    "make_credential",
]

_LOG = logging.getLogger(__name__)

AUTH_METHODS: tuple[str, ...] = ("default", "cli", "device-code", "browser", "env", "managed-identity")
"""Valid values of ``--auth``."""

DeviceCodePrompt = Callable[[str, str, datetime], Awaitable[None] | None]
"""``(verification_uri, user_code, expires_on)``; called on the event loop thread, may be a coroutine."""


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

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """Get a token, running the blocking flow in a thread."""
        async with self._lock:
            return await asyncio.to_thread(
                self._credential.get_token,
                *scopes,
                claims=claims,
                tenant_id=tenant_id,
                enable_cae=enable_cae,
                **kwargs,
            )

    async def get_token_info(
        self, *scopes: str, options: TokenRequestOptions | None = None
    ) -> AccessTokenInfo:
        """Get a token with its metadata, running the blocking flow in a thread."""
        get_info = getattr(self._credential, "get_token_info", None)
        async with self._lock:
            if get_info is not None:
                return await asyncio.to_thread(get_info, *scopes, options=options)
            opts = dict(options or {})
            token = await asyncio.to_thread(
                self._credential.get_token,
                *scopes,
                claims=opts.get("claims"),
                tenant_id=opts.get("tenant_id"),
                enable_cae=bool(opts.get("enable_cae", False)),
            )
            return AccessTokenInfo(token.token, token.expires_on)

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


def _loop_prompt(
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


def make_credential(
    auth: str,
    target: Target,
    *,
    tenant_id: str | None = None,
    device_code_prompt: DeviceCodePrompt | None = None,
    managed_identity_client_id: str | None = None,
) -> AsyncTokenCredential:
    """Build the async credential for ``--auth`` (one of `AUTH_METHODS`) signing in at the target's cloud.

    ``device_code_prompt`` receives the verification URL and code (on the event loop thread) so the TUI can
    show them; without it azure-identity prints them to stdout. Must be called with a running event loop
    when ``auth == "device-code"`` and a prompt is given. Unknown ``auth`` raises ValueError.
    """
    authority = target.authority_host
    match auth:
        case "default":
            kwargs: dict[str, Any] = {"authority": authority}
            if tenant_id:  # DefaultAzureCredential refuses tenant_id itself
                kwargs.update(shared_cache_tenant_id=tenant_id, workload_identity_tenant_id=tenant_id)
            if managed_identity_client_id:
                kwargs["managed_identity_client_id"] = managed_identity_client_id
            return DefaultAzureCredential(**kwargs)
        case "cli":
            return AzureCliCredential(tenant_id=tenant_id or "")
        case "env":
            return EnvironmentCredential(authority=authority)
        case "managed-identity":
            return ManagedIdentityCredential(client_id=managed_identity_client_id)
        case "device-code":
            callback = None
            if device_code_prompt is not None:
                callback = _loop_prompt(device_code_prompt, asyncio.get_running_loop())
            return ThreadedCredential(
                DeviceCodeCredential(tenant_id=tenant_id, authority=authority, prompt_callback=callback)
            )
        case "browser":
            return ThreadedCredential(InteractiveBrowserCredential(tenant_id=tenant_id, authority=authority))
    raise ValueError(f"Unknown auth method {auth!r}; valid: {', '.join(AUTH_METHODS)}")


def describe_identity(token: str) -> dict[str, str | None]:
    """Who an access token (a JWT) was issued to, read from its payload without verifying it.

    Returns ``tid``, ``oid``, ``upn`` (upn, unique_name or preferred_username), ``appid`` (appid or azp) and
    ``principal`` (the most readable of these). Never returns or logs the token; a malformed token raises
    ValueError without echoing it.
    """
    try:
        payload_b64 = token.split(".")[1]
        payload_b64 += "=" * (-len(payload_b64) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload_b64))
        if not isinstance(claims, dict):
            raise TypeError
    except (IndexError, ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValueError("not a JWT access token (payload could not be decoded)") from None

    def claim(*names: str) -> str | None:
        for name in names:
            value = claims.get(name)
            if isinstance(value, str) and value:
                return value
        return None

    info = {
        "tid": claim("tid"),
        "oid": claim("oid"),
        "upn": claim("upn", "unique_name", "preferred_username"),
        "appid": claim("appid", "azp"),
    }
    info["principal"] = info["upn"] or info["appid"] or info["oid"]
    return info
