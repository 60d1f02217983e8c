"""Credential selection and describe_identity."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.identity.aio import (
    AzureCliCredential,
    DefaultAzureCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
)

from tui.azure import AUTH_METHODS, Target, ThreadedCredential, describe_identity, make_credential
from tui.azure.interactive import loop_prompt as _loop_prompt


def _jwt(claims: dict[str, Any]) -> str:
    def seg(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'RS256', 'typ': 'JWT'})}.{seg(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("auth", "cls"),
    [
        ("default", DefaultAzureCredential),
        ("cli", AzureCliCredential),
        ("env", EnvironmentCredential),
        ("managed-identity", ManagedIdentityCredential),
    ],
)
async def test_async_credentials(auth: str, cls: type) -> None:
    credential = make_credential(
        auth, Target.for_cloud("AzureUSGovernment"), tenant_id="00000000-0000-0000-0000-0000000000aa"
    )
    try:
        assert isinstance(credential, cls)
    finally:
        await credential.close()


@pytest.mark.parametrize("auth", ["device-code", "browser"])
async def test_blocking_flows_are_wrapped(auth: str) -> None:
    credential = make_credential(
        auth, Target.for_cloud("AzureChinaCloud"), device_code_prompt=lambda *a: None
    )
    try:
        assert isinstance(credential, ThreadedCredential)
        inner = credential._credential
        assert "chinacloudapi.cn" in inner._authority
    finally:
        await credential.close()


def test_all_documented_methods_are_known() -> None:
    assert set(AUTH_METHODS) == {"default", "cli", "device-code", "browser", "env", "managed-identity"}


def test_unknown_auth_is_value_error() -> None:
    with pytest.raises(ValueError, match="valid: default, cli, device-code"):
        make_credential("password", Target.for_cloud())


async def test_threaded_credential_runs_off_loop_and_serialises() -> None:
    calls: list[tuple[tuple[str, ...], float]] = []

    class Blocking:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            calls.append((scopes, time.monotonic()))
            time.sleep(0.05)  # blocks a worker thread, not the loop
            return AccessToken("t", int(time.time()) + 60)

        def close(self) -> None:
            pass

    credential = ThreadedCredential(Blocking())
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(5):
            await asyncio.sleep(0.01)
            ticks += 1

    tokens = await asyncio.gather(credential.get_token("s1"), credential.get_token("s2"), ticker())
    assert tokens[0].token == "t"
    assert ticks == 5  # the loop kept running
    assert calls[1][1] - calls[0][1] >= 0.045  # one flow at a time
    info = await credential.get_token_info("s3")
    assert info.token == "t"
    await credential.close()


async def test_device_code_prompt_is_delivered_on_the_loop() -> None:
    loop = asyncio.get_running_loop()
    seen: list[tuple[str, str]] = []
    done = asyncio.Event()

    async def prompt(uri: str, code: str, expires_on: datetime) -> None:
        assert asyncio.get_running_loop() is loop
        seen.append((uri, code))
        done.set()

    callback = _loop_prompt(prompt, loop)
    expires = datetime.now(UTC)
    await asyncio.to_thread(callback, "https://microsoft.com/devicelogin", "ABCD-1234", expires)
    await asyncio.wait_for(done.wait(), 2)
    assert seen == [("https://microsoft.com/devicelogin", "ABCD-1234")]


def test_describe_identity_user() -> None:
    token = _jwt({"tid": "t-1", "oid": "o-1", "upn": "ada@contoso.com", "appid": "app-1"})
    info = describe_identity(token)
    assert info == {
        "tid": "t-1",
        "oid": "o-1",
        "name": None,
        "upn": "ada@contoso.com",
        "appid": "app-1",
        "principal": "ada@contoso.com",
    }
    assert token not in json.dumps(info)


def test_describe_identity_names_a_person_by_name() -> None:
    claims = {"tid": "t", "oid": "o", "name": "Ada Lovelace", "upn": "ada@contoso.com", "appid": "04b07795"}
    assert describe_identity(_jwt(claims))["principal"] == "Ada Lovelace (ada@contoso.com)"
    assert describe_identity(_jwt({"oid": "o", "name": "Ada Lovelace"}))["principal"] == "Ada Lovelace"
    assert describe_identity(_jwt({"oid": "o-only"}))["principal"] == "o-only"


def test_describe_identity_falls_back_to_unique_name_and_service_principal() -> None:
    assert (
        describe_identity(_jwt({"tid": "t", "oid": "o", "unique_name": "live.com#bob@x"}))["upn"]
        == "live.com#bob@x"
    )
    sp = describe_identity(_jwt({"tid": "t", "oid": "o", "azp": "client-1"}))
    assert sp["upn"] is None
    assert sp["appid"] == "client-1"
    assert sp["principal"] == "client-1"


@pytest.mark.parametrize(
    "bad", ["", "not-a-jwt", "a.!!!.c", "a." + base64.urlsafe_b64encode(b"[1]").decode() + ".c"]
)
def test_describe_identity_rejects_garbage_without_echoing_it(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        describe_identity(bad)
    assert info.value.__cause__ is None
    if bad:
        assert bad not in str(info.value)
