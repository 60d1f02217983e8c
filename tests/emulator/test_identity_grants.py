"""The emulator's Entra side over HTTP: the device authorization grant (codes, polling errors, approval,
expiry, decline, auto-approval), user tokens and refresh tokens, client assertions, unknown tenants, the
approval endpoint (loopback only) and the verification page; with the error bodies the Entra docs show.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from tests.emulator.estates import TENANT, base_estate
from tui.emulator import identity
from tui.emulator.client_assertion import assertion_problem
from tui.emulator.device_codes import DeviceCodeError, DeviceCodeStore, User, default_user
from tui.emulator.entra import DEVICE_CODE_GRANT, JWT_BEARER

CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # the client id azure-identity signs users in with
SCOPE = "https://management.core.windows.net//.default offline_access openid profile"
ERROR_FIELDS = {
    "error",
    "error_description",
    "error_codes",
    "timestamp",
    "trace_id",
    "correlation_id",
    "error_uri",
}


def _claims(jwt: str) -> dict[str, Any]:
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Entra:
    """POSTs forms to the emulator's authority, as MSAL does."""

    def __init__(self, emu: Any, session: aiohttp.ClientSession) -> None:
        self.emu, self.session = emu, session
        self.base = emu.info["arm_endpoint"]
        self.ssl = ssl.create_default_context(cafile=emu.info["ca_bundle"])

    async def post(self, path: str, form: dict[str, str] | None = None, **kw: Any) -> tuple[int, Any]:
        kw.setdefault("data", form)
        async with self.session.post(self.base + path, ssl=self.ssl, **kw) as r:
            return r.status, await r.json(content_type=None)

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base + path, ssl=self.ssl) as r:
            return r.status, await r.text()

    async def device_code(self, tenant: str = "organizations") -> dict[str, Any]:
        status, body = await self.post(
            f"{tenant}/oauth2/v2.0/devicecode", {"client_id": CLIENT, "scope": SCOPE}
        )
        assert status == 200, body
        return body

    async def poll(self, device_code: str, client_id: str = CLIENT) -> tuple[int, Any]:
        form = {"grant_type": DEVICE_CODE_GRANT, "client_id": client_id, "device_code": device_code}
        return await self.post("organizations/oauth2/v2.0/token", form)

    async def decide(self, user_code: str, action: str = "approve", **kw: Any) -> tuple[int, Any]:
        return await self.post(f"_emulator/device-codes/{user_code}/{action}", **kw)


@pytest.fixture
async def entra(make_emulator):
    emu = await make_emulator(base_estate())
    async with aiohttp.ClientSession() as session:
        yield Entra(emu, session)


def _entra_error(status: int, body: Any, want_status: int, error: str, code: int) -> None:
    assert status == want_status and set(body) >= ERROR_FIELDS, body
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert "Trace ID:" in body["error_description"] and "Correlation ID:" in body["error_description"]


# -- the device authorization grant -----------------------------------------------------------------------
async def test_device_code_response_has_what_the_docs_list(entra):
    body = await entra.device_code()
    assert set(body) == {"device_code", "user_code", "verification_uri", "expires_in", "interval", "message"}
    assert body["verification_uri"] == f"{entra.base}devicelogin"
    assert (body["expires_in"], body["interval"]) == (900, 5)  # Entra's 15 minutes and 5 seconds
    assert body["user_code"].isalnum() and body["user_code"].isupper() and len(body["user_code"]) == 9
    assert body["message"] == (
        f"To sign in, use a web browser to open the page {body['verification_uri']} and enter the code "
        f"{body['user_code']} to authenticate."
    )


async def test_polling_is_pending_until_approved_then_the_token_is_a_users(entra):
    flow = await entra.device_code()
    status, body = await entra.poll(flow["device_code"])
    _entra_error(status, body, 400, "authorization_pending", 70016)
    status, approved = await entra.decide(flow["user_code"].lower())  # as typed: case does not matter
    assert status == 200 and approved["state"] == "approved"
    assert approved["user"]["upn"] == "alex.admin@test.onmicrosoft.com"
    status, tokens = await entra.poll(flow["device_code"])
    assert status == 200
    assert {"access_token", "refresh_token", "id_token", "client_info", "expires_in", "scope"} <= set(tokens)
    access = entra.emu.tokens.verify(tokens["access_token"])
    assert access is not None  # ARM accepts it
    assert access["name"] == "Alex Admin" and access["upn"] == "alex.admin@test.onmicrosoft.com"
    assert access["idtyp"] == "user" and access["tid"] == TENANT and access["appid"] == CLIENT
    assert access["aud"] == "https://management.core.windows.net/"  # the resource of `...//.default`
    id_claims = _claims(tokens["id_token"])
    assert id_claims["iss"] == f"{entra.base}{TENANT}/v2.0" and id_claims["aud"] == CLIENT
    assert id_claims["preferred_username"] == access["upn"] and id_claims["oid"] == access["oid"]
    assert entra.emu.tokens.verify(tokens["id_token"]) is None  # an ID token is no access token for ARM
    info = json.loads(base64.urlsafe_b64decode(tokens["client_info"] + "=="))
    assert info == {"uid": access["oid"], "utid": TENANT}
    status, body = await entra.poll(flow["device_code"])  # a device code is redeemed once
    _entra_error(status, body, 400, "bad_verification_code", 70018)


async def test_the_approver_can_say_who_signs_in(entra):
    flow = await entra.device_code()
    status, _ = await entra.decide(flow["user_code"], json={"name": "Ada Lovelace", "upn": "ada@contoso.com"})
    assert status == 200
    _, tokens = await entra.poll(flow["device_code"])
    claims = entra.emu.tokens.verify(tokens["access_token"])
    assert (claims["name"], claims["upn"]) == ("Ada Lovelace", "ada@contoso.com")
    assert claims["oid"] == User("Ada Lovelace", "ada@contoso.com").oid


async def test_declined_expired_and_foreign_codes(entra):
    declined = await entra.device_code()
    assert (await entra.decide(declined["user_code"], "decline"))[0] == 200
    _entra_error(*await entra.poll(declined["device_code"]), 400, "authorization_declined", 65004)

    expired = await entra.device_code()
    entra.emu.device_codes.clock = lambda: time.time() + 901  # fifteen minutes later
    _entra_error(*await entra.poll(expired["device_code"]), 400, "expired_token", 70020)
    status, body = await entra.decide(expired["user_code"])
    assert status == 409 and body["error"]["code"] == "DeviceCodeNotPending"
    entra.emu.device_codes.clock = time.time

    other = await entra.device_code()
    await entra.decide(other["user_code"])
    _entra_error(
        *await entra.poll(other["device_code"], client_id="someone-else"), 400, "invalid_grant", 70000
    )
    _entra_error(*await entra.poll("not-a-device-code"), 400, "bad_verification_code", 70018)


async def test_approval_endpoint_refuses_unknown_codes_second_decisions_and_bad_bodies(entra):
    flow = await entra.device_code()
    status, body = await entra.decide("NOSUCHCODE")
    assert status == 404 and body["error"]["code"] == "DeviceCodeNotFound"
    status, body = await entra.decide(
        flow["user_code"], data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    status, body = await entra.decide(flow["user_code"], json={"upn": "no-at-sign"})
    assert status == 400 and "user@domain" in body["error"]["message"]
    assert (await entra.decide(flow["user_code"]))[0] == 200
    status, body = await entra.decide(flow["user_code"], "decline")
    assert status == 409 and "already approved" in body["error"]["message"]
    async with entra.session.get(entra.base + "_emulator/device-codes", ssl=entra.ssl) as r:
        listing = (await r.json())["value"]
    assert [(c["user_code"], c["state"]) for c in listing] == [(flow["user_code"], "approved")]
    assert "device_code" not in listing[0]  # the client's secret is never shown


async def test_approval_answers_loopback_clients_only(make_emulator):
    emu = await make_emulator(base_estate())
    for path in ("/_emulator/device-codes", "/_emulator/device-codes/ABC/approve", "/devicelogin"):
        request = make_mocked_request("POST", path, transport=_Peer("203.0.113.7"))
        response = await identity.handle_identity(emu, request)
        assert response is not None and response.status == 403
    request = make_mocked_request("GET", "/_emulator/device-codes", transport=_Peer("127.0.0.1"))
    response = await identity.handle_identity(emu, request)
    assert response is not None and response.status == 200


class _Peer:
    """A transport whose peer is ``address`` (what ``request.remote`` reads)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return (self.address, 50000) if name == "peername" else default


async def test_the_verification_page_approves_a_code_typed_into_it(entra):
    status, page = await entra.get("devicelogin")
    assert status == 200 and "<form" in page and "alex.admin@test.onmicrosoft.com" in page
    flow = await entra.device_code()
    async with entra.session.post(
        entra.base + "devicelogin", data={"user_code": flow["user_code"], "action": "approve"}, ssl=entra.ssl
    ) as r:
        assert "approved" in await r.text()
    assert (await entra.poll(flow["device_code"]))[0] == 200


async def test_codes_approve_themselves_when_the_emulator_is_told_to(make_emulator):
    emu = await make_emulator(base_estate(), approve_device_codes_after=0)
    async with aiohttp.ClientSession() as session:
        entra = Entra(emu, session)
        flow = await entra.device_code()
        status, tokens = await entra.poll(flow["device_code"])
    assert status == 200 and emu.tokens.verify(tokens["access_token"])["upn"].startswith("alex.admin@")


# -- refresh tokens -----------------------------------------------------------------------------------------
async def test_a_refresh_token_gets_new_tokens_and_an_unknown_one_is_invalid_grant(entra):
    flow = await entra.device_code()
    await entra.decide(flow["user_code"])
    _, first = await entra.poll(flow["device_code"])
    form = {
        "grant_type": "refresh_token",
        "client_id": CLIENT,
        "refresh_token": first["refresh_token"],
        "scope": SCOPE,
    }
    status, again = await entra.post("organizations/oauth2/v2.0/token", form)
    assert status == 200 and again["access_token"] != first["access_token"]
    assert entra.emu.tokens.verify(again["access_token"])["upn"] == "alex.admin@test.onmicrosoft.com"
    form["refresh_token"] = "from-an-emulator-that-was-restarted"
    _entra_error(*await entra.post("organizations/oauth2/v2.0/token", form), 400, "invalid_grant", 70000)


# -- service principals --------------------------------------------------------------------------------------
def _assertion(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def seg(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode()  # padded, as azure-identity does

    return f"{seg(header)}.{seg(claims)}.c2lnbmF0dXJl"


def _good(token_url: str, now: float | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    now = time.time() if now is None else now
    header = {"alg": "PS256", "typ": "JWT", "x5t#S256": "A1bC2dE3fH4iJ5kL6mN7oP8qR9s"}
    claims = {"aud": token_url, "iss": "app-1", "sub": "app-1", "jti": "j-1", "nbf": now, "exp": now + 600}
    return header, claims


async def test_client_credentials_with_a_well_formed_assertion_or_any_secret(entra):
    url = f"{entra.base}{TENANT}/oauth2/v2.0/token"
    header, claims = _good(url)
    form = {
        "grant_type": "client_credentials",
        "client_id": "app-1",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": _assertion(header, claims),
        "scope": "https://management.azure.com/.default",
    }
    status, body = await entra.post(f"{TENANT}/oauth2/v2.0/token", form)
    assert status == 200 and entra.emu.tokens.verify(body["access_token"])["appid"] == "app-1"
    secret = {"grant_type": "client_credentials", "client_id": "app-2", "client_secret": "anything"}
    assert (await entra.post(f"{TENANT}/oauth2/v2.0/token", secret))[0] == 200


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (lambda h, c: h.pop("x5t#S256"), 50027, "No certificate thumbprint specified in token header"),
        (
            lambda h, c: c.update(aud="https://login.microsoftonline.com/x/oauth2/v2.0/token"),
            50027,
            "audience",
        ),
        (lambda h, c: c.update(sub="someone-else"), 50048, "Subject mismatches Issuer"),
        (lambda h, c: c.update(iss="app-2", sub="app-2"), 50027, "issuer"),
        (lambda h, c: c.pop("jti"), 50027, "jti"),
        (lambda h, c: c.update(exp=time.time() - 3600), 50027, "valid time range"),
        (lambda h, c: c.pop("exp"), 50027, "exp"),
        (lambda h, c: h.update(alg="none"), 50027, "algorithm"),
    ],
)
async def test_a_malformed_assertion_is_invalid_client(entra, change, code, words):
    url = f"{entra.base}{TENANT}/oauth2/v2.0/token"
    header, claims = _good(url)
    change(header, claims)
    form = {
        "grant_type": "client_credentials",
        "client_id": "app-1",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": _assertion(header, claims),
    }
    status, body = await entra.post(f"{TENANT}/oauth2/v2.0/token", form)
    _entra_error(status, body, 401, "invalid_client", code)
    assert words in body["error_description"]


async def test_a_client_without_credential_or_with_garbage_is_refused(entra):
    path = f"{TENANT}/oauth2/v2.0/token"
    bare = {"grant_type": "client_credentials", "client_id": "app-1"}
    _entra_error(*await entra.post(path, bare), 401, "invalid_client", 7000218)
    garbage = {**bare, "client_assertion_type": JWT_BEARER, "client_assertion": "not.a-jwt"}
    _entra_error(*await entra.post(path, garbage), 401, "invalid_client", 50027)
    wrong_type = {**bare, "client_assertion_type": "password", "client_assertion": "x.y.z"}
    _entra_error(*await entra.post(path, wrong_type), 401, "invalid_client", 50027)
    _entra_error(
        *await entra.post(path, {"grant_type": "client_credentials"}), 400, "invalid_request", 900144
    )
    _entra_error(*await entra.post(path, {"grant_type": "password"}), 400, "unsupported_grant_type", 70003)


async def test_an_unknown_tenant_is_refused_and_the_known_names_work(entra):
    _entra_error(
        *await entra.post(
            "00000000-0000-0000-0000-00000000dead/oauth2/v2.0/devicecode", {"client_id": CLIENT}
        ),
        400,
        "invalid_request",
        90002,
    )
    for tenant in ("organizations", "common", TENANT, "test.onmicrosoft.com"):
        assert (await entra.device_code(tenant))["user_code"]
    status, _ = await entra.post(f"{TENANT}/oauth2/v2.0/devicecode", {})
    assert status == 400


# -- pure parts --------------------------------------------------------------------------------------------
def test_store_expiry_auto_approval_and_decisions_follow_its_clock():
    now = [1000.0]
    store = DeviceCodeStore(
        user=default_user("Contoso Ltd."), expires_in=60, approve_after=5, clock=lambda: now[0]
    )
    code = store.issue("c", "organizations", "s")
    assert store.poll(code.device_code)[0] == "pending"
    now[0] += 5
    state, redeemed = store.poll(code.device_code)
    assert state == "approved" and redeemed is not None and redeemed.user == store.user
    assert store.user.upn == "alex.admin@contosoltd.onmicrosoft.com"
    late = store.issue("c", "organizations", "s")
    now[0] += 61
    assert store.poll(late.device_code)[0] == "expired"  # approval after expiry never happens
    with pytest.raises(DeviceCodeError) as e:
        store.approve(late.user_code)
    assert e.value.status == 409


def test_assertion_problem_accepts_the_docs_shape_and_tolerates_skew():
    url = "https://login.example/t/oauth2/v2.0/token"
    header, claims = _good(url, now=1000)
    assert assertion_problem(_assertion(header, claims), "app-1", (url,), now=1000) is None
    assert assertion_problem(_assertion(header, claims), "app-1", (url + "/",), now=1000 + 600 + 299) is None
    header["x5t"] = header.pop("x5t#S256")  # SHA-1 thumbprint (AD FS, older clients)
    assert assertion_problem(_assertion(header, claims), "app-1", (url,), now=1000) is None
    assert assertion_problem(_assertion(header, claims), "app-1", (url,), now=1000 + 600 + 301)[0] == 50027
    assert assertion_problem("a.b", "app-1", (url,))[0] == 50027
