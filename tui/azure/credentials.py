"""Credentials for ``--auth``, signing in at the target cloud's authority, and a safe summary of who a token
belongs to."""

from __future__ import annotations

import asyncio
import base64
import binascii
import importlib
import json
import threading
from typing import TYPE_CHECKING, Any

from .clouds import Target

if TYPE_CHECKING:  # azure-identity (and msal) load in make_credential: the wizard paints before either
    from azure.core.credentials_async import AsyncTokenCredential

    from .interactive import DeviceCodePrompt, InteractiveSignIn
    from .token_cache import SignInMemory

__all__ = [
    "AUTH_METHODS",
    "INTERACTIVE_METHODS",
    "authority_kwargs",
    "describe_identity",
    "load_sign_in_sdks",
    "make_credential",
]

AUTH_METHODS: tuple[str, ...] = ("default", "cli", "device-code", "browser", "env", "managed-identity")
"""Valid values of ``--auth``."""

INTERACTIVE_METHODS = frozenset({"device-code", "browser"})
"""The methods that ask a person to sign in (and so are remembered between runs)."""


# What a sign-in loads: azure-core with its aiohttp transport and responses (the token), azure-identity's
# credentials (and msal), the client factory and its pacer; and, for an endpoint whose cloud is discovered,
# what reads the cloud's metadata.
SIGN_IN_MODULES = (
    "azure.core.pipeline.transport._aiohttp",
    "azure.core.rest._aiohttp",
    "azure.identity.aio",
    "tui.azure.clients",
)
DISCOVERY_MODULES = ("tui.azure.cloud_metadata",)


def load_sign_in_sdks(discover: bool = False) -> None:
    """Import `SIGN_IN_MODULES` (and `DISCOVERY_MODULES` with ``discover``): about half a second of CPU. A
    worker thread does it ahead of `make_credential`, while the demo emulator starts: the event loop goes on
    drawing meanwhile."""
    for module in (*SIGN_IN_MODULES, *(DISCOVERY_MODULES if discover else ())):
        importlib.import_module(module)


def authority_kwargs(target: Target) -> dict[str, Any]:
    """What every azure-identity credential that talks to an authority needs to sign in at the target's: the
    authority (``authority=``, the keyword form of ``AZURE_AUTHORITY_HOST``), no instance discovery at
    login.microsoftonline.com for an authority it does not know (as ``az config set
    core.instance_discovery=false`` for Azure Stack Hub), and the CA bundle for a private authority."""
    kwargs: dict[str, Any] = {"authority": target.authority_host}
    if target.disable_instance_discovery:
        kwargs["disable_instance_discovery"] = True
    if target.identity_ca_bundle:
        kwargs["connection_verify"] = target.identity_ca_bundle
    return kwargs


def _interactive(
    auth: str,
    target: Target,
    tenant_id: str | None,
    device_code_prompt: DeviceCodePrompt | None,
    memory: SignInMemory | None,
) -> InteractiveSignIn:
    from azure.identity import DeviceCodeCredential, InteractiveBrowserCredential

    from .interactive import CancellableTransport, InteractiveSignIn, loop_prompt

    kwargs = authority_kwargs(target)
    cancelled = threading.Event()
    kwargs["transport"] = CancellableTransport(
        cancelled, connection_verify=kwargs.pop("connection_verify", True)
    )
    kwargs["disable_automatic_authentication"] = True  # InteractiveSignIn decides when to ask the user
    tenant = tenant_id or target.tenant
    if tenant:
        kwargs["tenant_id"] = tenant
    remember = None
    options = memory.cache_options() if memory is not None else None
    if memory is not None and options is not None:  # without a persistent cache there is nothing to remember
        kwargs["cache_persistence_options"] = options
        record = memory.load(target.authority_host, tenant_id)
        if record is not None:  # it names the account, and its authority (the same host) and tenant
            kwargs["authentication_record"] = record
            del kwargs["authority"]
        remember = memory.save
    if auth == "device-code":
        if device_code_prompt is not None:
            kwargs["prompt_callback"] = loop_prompt(device_code_prompt, asyncio.get_running_loop())
        credential: Any = DeviceCodeCredential(**kwargs)
    else:
        credential = InteractiveBrowserCredential(**kwargs)
    return InteractiveSignIn(credential, cancelled=cancelled, remember=remember)


def make_credential(
    auth: str,
    target: Target,
    *,
    tenant_id: str | None = None,
    device_code_prompt: DeviceCodePrompt | None = None,
    managed_identity_client_id: str | None = None,
    memory: SignInMemory | None = None,
) -> AsyncTokenCredential:
    """Build the async credential for ``--auth`` (one of `AUTH_METHODS`) signing in at the target's cloud.

    ``device_code_prompt`` receives the verification URL and code (on the event loop thread) so the TUI can
    show them; without it azure-identity prints them to stdout. Must be called with a running event loop
    when ``auth == "device-code"`` and a prompt is given. ``memory`` remembers device code and browser
    sign-ins between runs (None: this process only). Unknown ``auth`` raises ValueError.
    """
    from azure.identity.aio import (
        AzureCliCredential,
        DefaultAzureCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
    )

    match auth:
        case "default":
            kwargs = authority_kwargs(target)
            if tenant_id:  # DefaultAzureCredential refuses tenant_id itself
                kwargs.update(shared_cache_tenant_id=tenant_id, workload_identity_tenant_id=tenant_id)
            if managed_identity_client_id:
                kwargs["managed_identity_client_id"] = managed_identity_client_id
            return DefaultAzureCredential(**kwargs)
        case "cli":  # the Azure CLI signs in at its own cloud (`az cloud set`)
            return AzureCliCredential(tenant_id=tenant_id or "")
        case "env":
            return EnvironmentCredential(**authority_kwargs(target))
        case "managed-identity":
            return ManagedIdentityCredential(client_id=managed_identity_client_id)
        case "device-code" | "browser":
            return _interactive(auth, target, tenant_id, device_code_prompt, memory)
    raise ValueError(f"Unknown auth method {auth!r}; valid: {', '.join(AUTH_METHODS)}")


def describe_identity(token: str) -> dict[str, str | None]:
    """Who an access token (a JWT) was issued to, read from its payload without verifying it.

    Returns ``tid``, ``oid``, ``name`` (a person's display name), ``upn`` (upn, unique_name or
    preferred_username), ``appid`` (appid or azp) and ``principal``: the most readable of these, e.g.
    ``Ada Lovelace (ada@contoso.com)`` for a user, the application id for a service principal or managed
    identity. Never returns or logs the token; a malformed token raises ValueError without echoing it.
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
        "name": claim("name"),
        "upn": claim("upn", "unique_name", "preferred_username"),
        "appid": claim("appid", "azp"),
    }
    person = info["name"] or info["upn"]
    if info["name"] and info["upn"] and info["name"] != info["upn"]:
        person = f"{info['name']} ({info['upn']})"
    info["principal"] = person or info["appid"] or info["oid"]
    return info
