"""A Microsoft Entra style authority under ``/{tenant}/``: OpenID configuration, the device authorization
grant and the token endpoint (client credentials with a secret or a certificate assertion, device code,
refresh token), enough for azure-identity, MSAL and the Azure CLI to sign in unchanged.

What MSAL asks for, traced with azure-identity's ``DeviceCodeCredential`` (instance discovery disabled):
``GET /{tenant}/v2.0/.well-known/openid-configuration``, ``POST /{tenant}/oauth2/v2.0/devicecode``, then
``POST /{tenant}/oauth2/v2.0/token`` every ``interval`` seconds until it gets a token or an error that ends
the flow. Sources: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code,
https://learn.microsoft.com/entra/identity-platform/reference-error-codes (error body and AADSTS codes),
https://learn.microsoft.com/entra/identity-platform/certificate-credentials.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .client_assertion import assertion_problem
from .device_codes import RefreshGrant
from .routing import json_response

if TYPE_CHECKING:
    from .server import Emulator

DEFAULT_AUDIENCE = "https://management.azure.com/"
VERIFICATION_PATH = "/devicelogin"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_TENANT_ALIASES = frozenset({"common", "organizations"})
_TOKEN_PATHS = ("oauth2/v2.0/token", "oauth2/token")
_DEVICE_CODE_PATHS = ("oauth2/v2.0/devicecode", "oauth2/devicecode")
_OPENID_PATHS = ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration")

# (HTTP status, error, AADSTS code, description). Descriptions follow reference-error-codes; 70020's wording
# is Entra's as users report it (azure-cli#22251); the docs name authorization_declined without a code, and
# 65004 UserDeclinedConsent is the closest one they list.
Err = tuple[int, str, int, str]
NO_CLIENT_ID: Err = (
    400,
    "invalid_request",
    900144,
    "The request body must contain the following parameter: 'client_id'.",
)
NO_CLIENT_CREDENTIAL: Err = (
    401,
    "invalid_client",
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
)
BAD_ASSERTION_TYPE: Err = (
    401,
    "invalid_client",
    50027,
    f"Invalid JWT token. client_assertion_type must be '{JWT_BEARER}'.",
)
PENDING: Err = (
    400,
    "authorization_pending",
    70016,
    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
)
EXPIRED: Err = (
    400,
    "expired_token",
    70020,
    "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
)
DECLINED: Err = (400, "authorization_declined", 65004, "The user declined to sign in with this device code.")
BAD_DEVICE_CODE: Err = (
    400,
    "bad_verification_code",
    70018,
    "The provided value for the input parameter 'device_code' is not valid.",
)
OTHER_CLIENT: Err = (400, "invalid_grant", 70000, "The device code was issued to another client_id.")
BAD_REFRESH_TOKEN: Err = (
    400,
    "invalid_grant",
    70000,
    "Provided grant is invalid or malformed: the refresh token isn't valid (the emulator restarted?).",
)


def entra_error(request: web.Request, err: Err) -> web.Response:
    """An error as the Entra token endpoints return it (reference-error-codes: "sample error response")."""
    status, error, code, description = err
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace = str(uuid.uuid4())
    correlation = request.headers.get("client-request-id") or str(uuid.uuid4())
    return json_response(
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\n"
            f"Correlation ID: {correlation}\r\nTimestamp: {now}",
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        },
        status=status,
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def resource_of(scope: str) -> str:
    """The resource (token audience) a scope string asks for: its first scope that is not an OpenID one, less
    ``/.default`` (``https://management.core.windows.net//.default`` asks for ``.../``, as v1 resources do)."""
    for item in scope.split():
        if item.lower() not in RESERVED_SCOPES:
            return item.removesuffix("/.default").removesuffix(".default") or DEFAULT_AUDIENCE
    return DEFAULT_AUDIENCE


def _openid_configuration(
    emulator: Emulator, request: web.Request, tenant: str, tid: str, v2: bool
) -> web.Response:
    base = emulator.base_url(request)
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


def _device_authorization(emulator: Emulator, request: web.Request, tenant: str, form: Any) -> web.Response:
    client_id = str(form.get("client_id") or "")
    if not client_id:
        return entra_error(request, NO_CLIENT_ID)
    scope = str(form.get("scope") or form.get("resource") or "")
    store = emulator.device_codes
    code = store.issue(client_id, tenant, scope)
    uri = emulator.base_url(request) + VERIFICATION_PATH.lstrip("/")
    return json_response(
        {
            "user_code": code.user_code,
            "device_code": code.device_code,
            "verification_uri": uri,
            "expires_in": store.expires_in,
            "interval": store.interval,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
            f"{code.user_code} to authenticate.",
        }
    )


def _user_tokens(
    emulator: Emulator, request: web.Request, tid: str, scope: str, grant: RefreshGrant
) -> web.Response:
    """A user's token response as the device code docs show it: an access token (with the claims ARM tokens
    carry for users), an ID token, ``client_info`` (MSAL's home account) and a refresh token."""
    user = grant.user
    audience = resource_of(scope)
    access, exp = emulator.tokens.issue(
        audience=audience,
        client_id=grant.client_id,
        object_id=user.oid,
        kind="user",
        extra={"name": user.name, "upn": user.upn, "unique_name": user.upn, "scp": "user_impersonation"},
    )
    now = int(time.time())
    id_token = emulator.id_tokens.sign(
        {
            "aud": grant.client_id,
            "iss": f"{emulator.base_url(request)}{tid}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": exp,
            "name": user.name,
            "oid": user.oid,
            "preferred_username": user.upn,
            "sub": user.oid,
            "tid": tid,
            "ver": "2.0",
        }
    )
    ttl = emulator.tokens.lifetime_s
    granted = sorted({s for s in scope.split() if s.lower() not in RESERVED_SCOPES} or {audience})
    return json_response(
        {
            "token_type": "Bearer",
            "scope": " ".join(granted),
            "expires_in": ttl,
            "ext_expires_in": ttl,
            "access_token": access,
            "refresh_token": emulator.refresh_tokens.issue(grant),
            "id_token": id_token,
            "client_info": _b64url(json.dumps({"uid": user.oid, "utid": tid}).encode()),
        }
    )


def _client_credentials(
    emulator: Emulator, request: web.Request, tenant: str, rest: str, form: Any
) -> web.Response:
    client_id = str(form.get("client_id") or "")
    if not client_id:
        return entra_error(request, NO_CLIENT_ID)
    assertion = form.get("client_assertion")
    if assertion is not None:
        if form.get("client_assertion_type") != JWT_BEARER:
            return entra_error(request, BAD_ASSERTION_TYPE)
        problem = assertion_problem(
            str(assertion), client_id, (f"{emulator.base_url(request)}{tenant}/{rest}",)
        )
        if problem is not None:
            return entra_error(request, (401, "invalid_client", *problem))
    elif not form.get("client_secret"):  # any secret is accepted: the emulator has no app registrations
        return entra_error(request, NO_CLIENT_CREDENTIAL)
    audience = resource_of(str(form.get("scope") or form.get("resource") or DEFAULT_AUDIENCE))
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


def _device_code_grant(emulator: Emulator, request: web.Request, tid: str, form: Any) -> web.Response:
    state, code = emulator.device_codes.poll(str(form.get("device_code") or ""))
    if state != "approved" or code is None or code.user is None:
        err = {"pending": PENDING, "expired": EXPIRED, "declined": DECLINED}.get(state, BAD_DEVICE_CODE)
        return entra_error(request, err)
    if code.client_id != str(form.get("client_id") or ""):
        return entra_error(request, OTHER_CLIENT)
    grant = RefreshGrant(user=code.user, client_id=code.client_id, tenant=tid)
    return _user_tokens(emulator, request, tid, str(form.get("scope") or code.scope), grant)


def _refresh_grant(emulator: Emulator, request: web.Request, tid: str, form: Any) -> web.Response:
    token, client_id = str(form.get("refresh_token") or ""), str(form.get("client_id") or "")
    grant = emulator.refresh_tokens.redeem(token, client_id)
    if grant is None:
        return entra_error(request, BAD_REFRESH_TOKEN)
    return _user_tokens(emulator, request, tid, str(form.get("scope") or ""), grant)


async def _token(emulator: Emulator, request: web.Request, tenant: str, tid: str, rest: str) -> web.Response:
    form = await request.post()
    grant = form.get("grant_type")
    if grant == "client_credentials":
        return _client_credentials(emulator, request, tenant, rest, form)
    if grant == DEVICE_CODE_GRANT:
        return _device_code_grant(emulator, request, tid, form)
    if grant == "refresh_token":
        return _refresh_grant(emulator, request, tid, form)
    unsupported: Err = (
        400,
        "unsupported_grant_type",
        70003,
        f"The app returned an unsupported grant type '{grant}'. The emulator signs in service principals "
        "(client_credentials) and users (device_code, refresh_token).",
    )
    return entra_error(request, unsupported)


def _tenant_id(emulator: Emulator, tenant: str) -> str | None:
    """The estate's tenant id when ``tenant`` names it (its id, an alias, or its users' domain); else None."""
    low = tenant.lower()
    domain = emulator.device_codes.user.upn.split("@")[1]
    if low in _TENANT_ALIASES or low in (emulator.estate.tenant_id.lower(), domain):
        return emulator.estate.tenant_id
    return None


def _instance_discovery(emulator: Emulator, request: web.Request, tenant: str) -> web.Response:
    base = emulator.base_url(request)
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


async def handle_authority(
    emulator: Emulator, request: web.Request, tenant: str, rest: str
) -> web.Response | None:
    """``/{tenant}/{rest}`` (``rest`` lower-cased) when it is an authority route; None otherwise."""
    if rest == "discovery/instance":
        return _instance_discovery(emulator, request, tenant)
    if rest == "discovery/v2.0/keys":
        return json_response({"keys": []})
    is_post = request.method == "POST"
    if rest not in _OPENID_PATHS and not (is_post and rest in (*_TOKEN_PATHS, *_DEVICE_CODE_PATHS)):
        return None
    tid = _tenant_id(emulator, tenant)
    if tid is None:
        unknown: Err = (
            400,
            "invalid_request",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
            "into the correct cloud.",
        )
        return entra_error(request, unknown)
    if rest in _OPENID_PATHS:
        return _openid_configuration(emulator, request, tenant, tid, rest.startswith("v2.0"))
    if rest in _DEVICE_CODE_PATHS:
        return _device_authorization(emulator, request, tenant, await request.post())
    return await _token(emulator, request, tenant, tid, rest)
