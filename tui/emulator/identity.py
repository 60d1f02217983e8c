"""Identity endpoints: the App Service style managed-identity endpoint, cloud metadata, the Entra style
authority under ``/{tenant}/`` (`entra`), and device code approval: what a person does at the verification
page, done by a test or a person through ``/_emulator/device-codes`` (loopback clients only).

So azure-identity, MSAL and the Azure CLI sign in against the emulator with no special code.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .device_codes import DeviceCodeError, User
from .entra import DEFAULT_AUDIENCE, VERIFICATION_PATH, handle_authority
from .routing import json_response

if TYPE_CHECKING:
    from .server import Emulator

MSI_PATH = "/msi/token"
APPROVAL_PATH = "/_emulator/device-codes"


def _msi_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status=status)


def msi_app(emulator: Emulator) -> web.Application:
    """The managed-identity endpoint (``IDENTITY_ENDPOINT`` + ``IDENTITY_HEADER``), served over plain HTTP on
    loopback as App Service does."""

    async def token(request: web.Request) -> web.Response:
        if request.headers.get("X-IDENTITY-HEADER") != emulator.identity_header:
            return _msi_error(401, "unauthorized", "The X-IDENTITY-HEADER header is missing or wrong.")
        resource = request.query.get("resource")
        if not resource:
            return _msi_error(400, "invalid_request", "The 'resource' query parameter is required.")
        client_id = (
            request.query.get("client_id") or request.query.get("principal_id") or emulator.msi_client_id
        )
        access, exp = emulator.tokens.issue(
            audience=resource, client_id=client_id, object_id=emulator.msi_object_id, kind="app"
        )
        return json_response(
            {
                "access_token": access,
                "expires_on": str(exp),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": client_id,
            }
        )

    app = web.Application(middlewares=[emulator.log_middleware])
    app.router.add_get(MSI_PATH, token)
    return app


def cloud_metadata(base: str, api_version: str) -> Any:
    """``GET /metadata/endpoints``: one cloud, as a single-cloud ARM (Azure Stack Hub) answers it for every
    api-version. The Azure CLI's ``az cloud register --endpoint-resource-manager`` expects exactly this."""
    cloud = {
        "name": "VmbackupPrepEmulator",
        "resourceManager": base,
        "portal": base,
        "authentication": {
            "loginEndpoint": base,
            "audiences": [DEFAULT_AUDIENCE, "https://management.core.windows.net/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "graph": base,
        "graphAudience": base,
        "microsoftGraphResourceId": base,
        "media": base,
        "sqlManagement": base,
        "batch": base,
        "gallery": base,
        "activeDirectoryDataLake": base,
        "appInsightsResourceId": base,
        "appInsightsTelemetryChannelResourceId": base,
        "logAnalyticsResourceId": base,
        "synapseAnalyticsResourceId": base,
        "ossrDbmsResourceId": base,
        "suffixes": {
            "storage": "core.windows.net",
            "keyVaultDns": "vault.azure.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        },
    }
    cloud.update({"portalEndpoint": base, "galleryEndpoint": base, "graphEndpoint": base})
    return cloud


def _is_loopback(request: web.Request) -> bool:
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


# -- device code approval: the emulator's stand-in for a person at the verification page ------------------
def _user_from(body: Any, fallback: User) -> User:
    if not isinstance(body, dict) or not (body.get("upn") or body.get("name")):
        return fallback
    upn = str(body.get("upn") or fallback.upn)
    if "@" not in upn:
        raise DeviceCodeError(400, f"'upn' must look like user@domain, got {upn!r}.")
    return User(name=str(body.get("name") or upn.split("@")[0]), upn=upn)


async def _approval(emulator: Emulator, request: web.Request, rest: str) -> web.Response:
    """``GET /_emulator/device-codes``; ``POST /_emulator/device-codes/{user_code}/approve`` (optional JSON
    body ``{"name": ..., "upn": ...}``: who signs in) and ``.../decline``. Loopback clients only."""
    store = emulator.device_codes
    try:
        if not rest and request.method == "GET":
            return json_response({"value": store.listing()})
        match = re.fullmatch(r"/([^/]+)/(approve|decline)", rest)
        if request.method != "POST" or match is None:
            raise DeviceCodeError(404, f"The emulator does not serve '{request.method} {request.path}'.")
        user_code, action = match.groups()
        if action == "approve":
            raw = await request.read()
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                raise DeviceCodeError(400, 'The body must be JSON: {"name": ..., "upn": ...}.') from None
            code = store.approve(user_code, _user_from(body, store.user))
        else:
            code = store.decline(user_code)
    except DeviceCodeError as e:
        codes = {400: "InvalidRequestContent", 404: "DeviceCodeNotFound", 409: "DeviceCodeNotPending"}
        return json_response({"error": {"code": codes[e.status], "message": str(e)}}, status=e.status)
    user = {"name": code.user.name, "upn": code.user.upn, "oid": code.user.oid} if code.user else None
    return json_response({"user_code": code.user_code, "state": code.state, "user": user})


_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Sign in (vmbackup-prep emulator)</title>
</head><body><h1>Sign in to the vmbackup-prep emulator</h1><p>{message}</p>
<form method="post"><label>Code <input name="user_code" autofocus></label>
<button name="action" value="approve">Sign in as {user}</button>
<button name="action" value="decline">Decline</button></form></body></html>"""


async def _verification_page(emulator: Emulator, request: web.Request) -> web.Response:
    """The ``verification_uri``: enter a code and approve or decline it (what the approval endpoint does)."""
    store = emulator.device_codes
    message = "Enter the code shown by the application."
    if request.method == "POST":
        form = await request.post()
        action, user_code = str(form.get("action") or ""), str(form.get("user_code") or "")
        try:
            code = store.decline(user_code) if action == "decline" else store.approve(user_code)
            message = f"Code {code.user_code} {code.state}. You can close this page."
        except DeviceCodeError as e:
            message = str(e)
    page = _PAGE.format(message=html.escape(message), user=html.escape(store.user.upn))
    return web.Response(text=page, content_type="text/html")


async def handle_identity(emulator: Emulator, request: web.Request) -> web.Response | None:
    """Answer the unauthenticated identity routes on the ARM port; None when the path is not one of them."""
    path = request.path.rstrip("/")
    low = path.lower()
    if low == "/metadata/endpoints":
        return json_response(
            cloud_metadata(emulator.base_url(request), request.query.get("api-version", "2019-05-01"))
        )
    if low in (APPROVAL_PATH, VERIFICATION_PATH) or low.startswith(APPROVAL_PATH + "/"):
        if not _is_loopback(request):
            return json_response(
                {
                    "error": {
                        "code": "Forbidden",
                        "message": "Device code approval answers loopback clients only.",
                    }
                },
                status=403,
            )
        if low == VERIFICATION_PATH:
            return await _verification_page(emulator, request)
        return await _approval(emulator, request, path[len(APPROVAL_PATH) :])
    parts = path.strip("/").split("/")
    if len(parts) < 2:
        return None
    return await handle_authority(emulator, request, parts[0], "/".join(parts[1:]).lower())
