"""The sign-in step with a device code, as an admin over SSH uses it, driven with Pilot against an emulator
reached by --arm-endpoint (no managed identity in the environment): the dialog, approval through the
emulator's endpoint, cancel, expiry, decline, the remembered sign-in, and a cloud whose metadata is missing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import socket
from typing import Any

import pytest
from textual.widgets import Button, Static

from tests.conftest import read_request_log
from tests.signin_support import decide, signin_home  # noqa: F401 (the fixture every test here uses)
from tests.wizard.drive import settle, wait_until
from tui.app import VmBackupPrepApp
from tui.cli import _wizard_parser
from tui.connect import connect
from tui.widgets.dialogs import DeviceCodeDialog, ErrorDialog

QUICK = {"device_code_interval": 1}  # Entra's 5 s polling interval, shortened for tests

pytestmark = pytest.mark.usefixtures("signin_home")


def wizard(emu: Any, *extra: str) -> VmBackupPrepApp:
    """The wizard as `vmbackup-prep --arm-endpoint URL --ca-bundle PEM ...` builds it."""
    argv = ["--arm-endpoint", emu.info["arm_endpoint"], "--ca-bundle", emu.info["ca_bundle"], *extra]
    return VmBackupPrepApp(connect(_wizard_parser().parse_args(argv)))


def _status(app: VmBackupPrepApp) -> str:
    """The sign-in step's status text, without markup."""
    return re.sub(r"\[/?b\]", "", str(app.pane("signin").query_one("#signin-identity", Static).content))


def _device_codes(emu: Any) -> list[dict[str, Any]]:
    return [r for r in read_request_log(emu) if r["path"].endswith("/oauth2/v2.0/devicecode")]


async def _dialog(pilot: Any, app: VmBackupPrepApp) -> DeviceCodeDialog:
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, DeviceCodeDialog) and app.screen.is_mounted,
        "the device code dialog",
    )
    assert isinstance(app.screen, DeviceCodeDialog)
    return app.screen


async def _approve(pilot: Any, app: VmBackupPrepApp, emu: Any, dialog: DeviceCodeDialog) -> None:
    await asyncio.to_thread(decide, emu.info, dialog.code)
    await wait_until(pilot, lambda: bool(app.model.session.identity), "the sign-in to finish")
    await settle(pilot, app)


async def test_device_code_dialog_shows_the_code_and_signs_in_once_approved(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, **QUICK)
    app = wizard(emu, "--auth", "device-code")
    async with app.run_test(size=(100, 32)) as pilot:
        dialog = await _dialog(pilot, app)
        shown = str(dialog.query_one("#device-code-url", Static).content)
        assert f"{emu.info['arm_endpoint']}devicelogin" in shown  # the emulator's own verification page
        assert str(dialog.query_one("#device-code", Static).content) == dialog.code
        assert [c["user_code"] for c in emu.device_codes.listing()] == [dialog.code]
        waiting = str(dialog.query_one("#device-code-wait", Static).content)
        assert "Waiting for you to sign in" in waiting and "14:5" in waiting  # 15 minutes, as Entra gives
        await pilot.press("c")
        assert app.clipboard == dialog.code
        assert app.model.session.identity == {}  # nothing goes on while nobody has signed in
        await _approve(pilot, app, emu, dialog)
        assert not isinstance(app.screen, DeviceCodeDialog)
        status = _status(app)
        assert "Signed in as Alex Admin (alex.admin@contoso.onmicrosoft.com)" in status
        assert "Method: device-code" in status
        assert "not be remembered" in status  # no keyring here and no --allow-unencrypted-token-cache
        assert app.query_one("#next", Button).disabled is False
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert app.current == "subscription"  # the user's token works on ARM
    assert len(_device_codes(emu)) == 1


async def test_escape_cancels_and_sign_in_starts_over_with_a_new_code(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, **QUICK)
    app = wizard(emu, "--auth", "device-code")
    async with app.run_test(size=(100, 32)) as pilot:
        first = (await _dialog(pilot, app)).code
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, DeviceCodeDialog)
        assert "Sign-in cancelled" in _status(app)
        assert app.model.session.identity == {} and app.query_one("#next", Button).disabled
        button = app.pane("signin").query_one("#signin-button", Button)
        assert app.focused is button  # Enter tries again
        await pilot.press("enter")
        dialog = await _dialog(pilot, app)
        assert dialog.code != first
        await _approve(pilot, app, emu, dialog)
        assert "Signed in as Alex Admin" in _status(app)


async def test_an_expired_code_is_said_and_sign_in_can_start_again(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, device_code_expires_in=2, **QUICK)
    app = wizard(emu, "--auth", "device-code")
    async with app.run_test(size=(100, 32)) as pilot:
        await _dialog(pilot, app)
        await wait_until(pilot, lambda: "expired" in _status(app), "the code to expire", seconds=20)
        assert not isinstance(app.screen, DeviceCodeDialog)
        assert "The sign-in code expired" in _status(app) and "new code" in _status(app)
        assert app.model.session.identity == {}
        await pilot.press("enter")  # Sign in has the focus
        dialog = await _dialog(pilot, app)
        await _approve(pilot, app, emu, dialog)
        assert app.model.session.identity["upn"] == "alex.admin@contoso.onmicrosoft.com"


def test_the_dialog_says_when_the_code_has_expired():
    past = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    dialog = DeviceCodeDialog("https://example/devicelogin", "ABC123XYZ", past)
    assert dialog.seconds_left == 0
    now = dt.datetime.now(dt.UTC)
    assert DeviceCodeDialog("u", "c", now + dt.timedelta(seconds=90), clock=lambda: now).seconds_left == 90
    assert DeviceCodeDialog("u", "c").seconds_left is None


async def test_a_declined_sign_in_is_said(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, **QUICK)
    app = wizard(emu, "--auth", "device-code")
    async with app.run_test(size=(100, 32)) as pilot:
        dialog = await _dialog(pilot, app)
        await asyncio.to_thread(decide, emu.info, dialog.code, "decline")
        await wait_until(pilot, lambda: "declined" in _status(app), "the sign-in to end")
        assert "Sign-in declined" in _status(app) and app.model.session.identity == {}


async def test_a_remembered_sign_in_does_not_ask_again(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, **QUICK)
    first = wizard(emu, "--auth", "device-code", "--allow-unencrypted-token-cache")
    async with first.run_test(size=(100, 32)) as pilot:
        await _approve(pilot, first, emu, await _dialog(pilot, first))
        assert "Remembered until you run `vmbackup-prep logout`" not in _status(first)  # unencrypted: said so
        assert "not encrypted" in _status(first)
    second = wizard(emu, "--auth", "device-code", "--allow-unencrypted-token-cache")
    async with second.run_test(size=(100, 32)) as pilot:
        await settle(pilot, second)
        assert not isinstance(second.screen, DeviceCodeDialog)
        assert "Signed in as Alex Admin" in _status(second)
    assert len(_device_codes(emu)) == 1  # the second run asked nobody


async def test_a_service_principal_from_the_environment_signs_in_at_the_clouds_authority(
    make_emulator, demo_estate_doc, monkeypatch
):
    emu = await make_emulator(demo_estate_doc)
    monkeypatch.delenv("IDENTITY_ENDPOINT")  # make_emulator offers its managed identity: not here
    monkeypatch.delenv("IDENTITY_HEADER")
    monkeypatch.setenv("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "any-secret")
    monkeypatch.setenv("AZURE_TENANT_ID", emu.info["tenant_id"])
    app = wizard(emu, "--auth", "env")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, app)
        assert "Signed in as 11111111-2222-3333-4444-555555555555" in _status(app)
    tokens = [r for r in read_request_log(emu) if r["path"].endswith("/oauth2/v2.0/token")]
    assert [r["path"] for r in tokens] == [f"/{emu.info['tenant_id']}/oauth2/v2.0/token"]


async def test_a_cloud_without_readable_metadata_opens_a_dialog_with_retry():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["--arm-endpoint", f"https://127.0.0.1:{port}/", "--auth", "device-code"]
    app = VmBackupPrepApp(connect(_wizard_parser().parse_args(argv)))
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(
            pilot, lambda: isinstance(app.screen, ErrorDialog) and app.screen.is_mounted, "the error dialog"
        )
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.problem.title == "Cannot read the cloud's metadata"
        assert f"127.0.0.1:{port}/metadata/endpoints?api-version=2022-09-01" in app.screen.problem.detail
        assert app.screen.can_retry
        assert "Not signed in" in _status(app) and app.model.session.identity == {}
