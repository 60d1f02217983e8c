"""Identity endpoints: the App Service style managed-identity endpoint, cloud metadata and an OAuth token
endpoint, so azure-identity and the Azure CLI sign in against the emulator with no special code."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .routing import json_response

if TYPE_CHECKING:
    from .server import Emulator

MSI_PATH = "/msi/token"
DEFAULT_AUDIENCE = "https://management.azure.com/"


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status=status)


def msi_app(emulator: Emulator) -> web.Application:
    """The managed-identity endpoint (``IDENTITY_ENDPOINT`` + ``IDENTITY_HEADER``), served over plain HTTP on
    loopback as App Service does."""

    async def token(request: web.Request) -> web.Response:
        if request.headers.get("X-IDENTITY-HEADER") != emulator.identity_header:
            return _oauth_error(401, "unauthorized", "The X-IDENTITY-HEADER header is missing or wrong.")
        resource = request.query.get("resource")
        if not resource:
            return _oauth_error(400, "invalid_request", "The 'resource' query parameter is required.")
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


async def handle_identity(emulator: Emulator, request: web.Request) -> web.Response | None:
    """Answer the unauthenticated identity routes on the ARM port; None when the path is not one of them."""
    path = request.path.rstrip("/")
    low = path.lower()
    base = emulator.base_url(request)
    if low == "/metadata/endpoints":
        return json_response(cloud_metadata(base, request.query.get("api-version", "2019-05-01")))
    parts = path.strip("/").split("/")
    if not parts or len(parts) < 2:
        return None
    tenant, rest = parts[0], "/".join(parts[1:]).lower()
    if rest == "discovery/instance":
        return json_response(
            {
                "tenant_discovery_endpoint": f"{base}{tenant}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {
                        "preferred_network": request.host,
                        "preferred_cache": request.host,
                        "aliases": [request.host],
                    }
                ],
            }
        )
    if rest in ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration"):
        v2 = rest.startswith("v2.0")
        tid = emulator.estate.tenant_id if tenant.lower() in ("common", "organizations") else tenant
        prefix = f"{base}{tenant}/oauth2/" + ("v2.0/" if v2 else "")
        return json_response(
            {
                "issuer": f"{base}{tid}/v2.0" if v2 else f"https://sts.windows.net/{tid}/",
                "authorization_endpoint": prefix + "authorize",
                "token_endpoint": prefix + "token",
                "device_authorization_endpoint": prefix + "devicecode",
                "jwks_uri": f"{base}{tenant}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "tenant_region_scope": None,
                "cloud_instance_name": "emulator",
                "cloud_graph_host_name": request.host,
                "msgraph_host": request.host,
            }
        )
    if rest == "discovery/v2.0/keys":
        return json_response({"keys": []})
    if request.method == "POST" and rest in ("oauth2/v2.0/token", "oauth2/token"):
        form = await request.post()
        grant = form.get("grant_type")
        client_id = str(form.get("client_id") or "")
        if grant != "client_credentials":
            return _oauth_error(
                400,
                "unsupported_grant_type",
                "The emulator signs in service principals only (grant_type=client_credentials).",
            )
        if not client_id or not (form.get("client_secret") or form.get("client_assertion")):
            return _oauth_error(
                401, "invalid_client", "client_id and a client_secret (or assertion) are required."
            )
        scope = str(form.get("scope") or form.get("resource") or DEFAULT_AUDIENCE)
        audience = scope.split()[0].removesuffix(".default").removesuffix("/") + "/"
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vmbackup-prep:sp:{client_id}"))
        access, exp = emulator.tokens.issue(audience=audience, client_id=client_id, object_id=oid)
        ttl = emulator.tokens.lifetime_s
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": ttl,
            "ext_expires_in": ttl,
            "access_token": access,
        }
        if not rest.startswith("oauth2/v2.0"):
            body.update({"expires_on": str(exp), "resource": audience})
        return json_response(body)
    return None
