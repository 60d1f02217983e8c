"""Credentials signing in at the target's authority, through azure-identity against the emulator: the device
code flow asked once and remembered, cancelled while it waits, service principals from the environment; and
which authority settings each kind of cloud gets."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from tests.emulator.estates import base_estate
from tests.signin_support import certificate_pem, decide, signin_home  # noqa: F401 (the fixture used here)
from tui.azure import SignInCancelled, SignInMemory, Target, discover_target, explain, make_credential
from tui.azure.credentials import authority_kwargs

pytestmark = pytest.mark.usefixtures("signin_home")


async def _target(emu) -> Target:
    return await discover_target(emu.info["arm_endpoint"], emu.info["ca_bundle"])


async def test_device_code_asks_once_then_answers_from_the_cache_and_remembers_the_account(make_emulator):
    emu = await make_emulator(base_estate(), device_code_interval=1)
    target = await _target(emu)
    prompts: list[tuple[str, str, dt.datetime]] = []

    def prompt(uri: str, code: str, expires_on: dt.datetime) -> None:
        prompts.append((uri, code, expires_on))
        asyncio.get_running_loop().run_in_executor(None, decide, emu.info, code)

    memory = SignInMemory(allow_unencrypted=True)
    credential = make_credential("device-code", target, device_code_prompt=prompt, memory=memory)
    try:
        first = await credential.get_token(*target.credential_scopes)
        again = await credential.get_token(*target.credential_scopes)
    finally:
        await credential.close()
    assert len(prompts) == 1 and prompts[0][0] == f"{emu.info['arm_endpoint']}devicelogin"
    assert prompts[0][2] > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=14)
    assert again.token == first.token  # from MSAL's cache, nobody asked
    assert emu.tokens.verify(first.token)["upn"] == "alex.admin@test.onmicrosoft.com"
    record = memory.load(target.authority_host)
    assert record is not None and record.username == "alex.admin@test.onmicrosoft.com"
    assert record.tenant_id == emu.info["tenant_id"]


async def test_cancel_stops_a_device_code_sign_in_that_waits_for_the_user(make_emulator):
    emu = await make_emulator(base_estate(), device_code_interval=1)
    target = await _target(emu)
    credential = make_credential("device-code", target, device_code_prompt=lambda *a: credential.cancel())
    try:
        with pytest.raises(SignInCancelled) as info:
            await credential.get_token(*target.credential_scopes)
    finally:
        await credential.close()
    assert explain(info.value, auth="device-code").title == "Sign-in cancelled"
    assert [c["state"] for c in emu.device_codes.listing()] == ["pending"]  # nobody approved anything


@pytest.mark.parametrize("auth", ["env", "default"])
async def test_a_service_principal_from_the_environment_gets_its_token_at_the_clouds_authority(
    make_emulator, monkeypatch, tmp_path: Path, auth: str
):
    emu = await make_emulator(base_estate())
    monkeypatch.delenv("IDENTITY_ENDPOINT")  # no managed identity: the chain must pick the environment
    monkeypatch.delenv("IDENTITY_HEADER")
    monkeypatch.setenv("AZURE_CLIENT_ID", "app-cert")
    monkeypatch.setenv("AZURE_TENANT_ID", emu.info["tenant_id"])
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PATH", str(certificate_pem(tmp_path / "sp.pem")))
    target = await _target(emu)
    credential = make_credential(auth, target)
    try:
        token = await credential.get_token(*target.credential_scopes)
    finally:
        await credential.close()
    claims = emu.tokens.verify(token.token)
    assert claims is not None and claims["appid"] == "app-cert" and claims["idtyp"] == "app"


def test_named_clouds_use_their_own_authority_with_instance_discovery_and_the_system_cas():
    assert authority_kwargs(Target.for_cloud("AzureUSGovernment", ca_bundle="/tmp/ca.pem")) == {
        "authority": "https://login.microsoftonline.us"
    }


def test_a_private_authority_gets_no_instance_discovery_and_the_ca_bundle():
    target = Target.for_endpoint("https://arm.stack.local/", ca_bundle="/tmp/stack-ca.pem")
    assert authority_kwargs(target.with_authority("https://adfs.stack.local/adfs/")) == {
        "authority": "https://adfs.stack.local",
        "disable_instance_discovery": True,
        "connection_verify": "/tmp/stack-ca.pem",
    }
    # Azure Stack Hub with Microsoft Entra: the private ARM's bundle is not used at login.microsoftonline.com
    assert authority_kwargs(target.with_authority("login.microsoftonline.com")) == {
        "authority": "https://login.microsoftonline.com"
    }
