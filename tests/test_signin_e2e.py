"""`check` signs in the ways real users do, against a standalone emulator (`vmbackup-prep emulator`, its own
process) reached by --arm-endpoint, with no managed identity in the environment: device code (approved
through the emulator's endpoint, or by the emulator itself), the remembered sign-in on a second run and
`logout`, a service principal with a secret and with a certificate, and the default chain picking the
environment credential. Everything signs in at the emulator's authority, read from its cloud metadata.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.signin_support import CODE_IN_MESSAGE, certificate_pem, decide, signin_home  # noqa: F401 (the fixture every test here uses)
from tui.check import run_check
from tui.cli import main

SP_CLIENT = "5c0ffee0-1111-4222-8333-944445555666"
ONE_SUBSCRIPTION = ["--subscription", "Contoso Production", "--format", "json"]

pytestmark = pytest.mark.usefixtures("signin_home")


class Emulator:
    """A `vmbackup-prep emulator` process: its ready line, its request log."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.log = tmp / "requests.jsonl"
        self.info: dict[str, Any]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "emulator", "--request-log", str(self.log), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.info: dict[str, Any] = json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]

    def requests(self, suffix: str) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [r for r in map(json.loads, lines) if r["path"].endswith(suffix)]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("standalone"))
    yield emu
    emu.stop()


class Approver(io.StringIO):
    """stderr of `check`: when the device code message appears, approve the code at the emulator's endpoint
    (from another thread, as a person in a browser would, while check waits)."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__()
        self.info = info
        self.codes: list[str] = []

    def write(self, text: str) -> int:
        match = CODE_IN_MESSAGE.search(text)
        if match:
            self.codes.append(match.group(1))
            threading.Thread(target=decide, args=(self.info, match.group(1))).start()
        return super().write(text)


def home() -> Path:
    """The test's own home (the signin_home fixture)."""
    return Path(os.environ["HOME"])


def check(emu: Any, *argv: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), err or io.StringIO()
    target = ["--arm-endpoint", emu.info["arm_endpoint"], "--ca-bundle", emu.info["ca_bundle"]]
    rc = run_check([*target, *argv], out, err)
    return rc, out.getvalue(), err.getvalue()


def _report_ok(rc: int, out: str, err: str) -> dict[str, Any]:
    assert rc in (0, 1), err  # 0/1: the report was made (1: it found blockers); 2 would be a sign-in failure
    report = json.loads(out)
    assert report["cloud"] == "Custom" and report["subscriptions"][0]["name"] == "Contoso Production"
    return report


def test_device_code_signs_in_once_then_remembers_until_logout(standalone, capsys):
    argv = ["--auth", "device-code", "--allow-unencrypted-token-cache", *ONE_SUBSCRIPTION]
    before = len(standalone.requests("/oauth2/v2.0/devicecode"))

    approver = Approver(standalone.info)
    rc, out, err = check(standalone, *argv, err=approver)
    _report_ok(rc, out, err)
    url = f"{standalone.info['arm_endpoint']}devicelogin"
    assert (
        f"To sign in, use a web browser to open the page {url} and enter the code {approver.codes[0]}" in err
    )
    assert "To sign in" not in out  # the message goes to stderr; stdout is the report's
    assert "not encrypted, readable only by you" in err
    record = home() / "config" / "sign-in.json"
    cache = home() / ".IdentityService" / "vmbackup-prep.nocae"
    for private in (record, cache):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert json.loads(record.read_text())["records"][0]["username"] == "alex.admin@contoso.onmicrosoft.com"
    cached = json.loads(cache.read_text())  # the cache holds the tokens: that is what it is for
    secrets = [e["secret"] for kind in ("AccessToken", "RefreshToken") for e in cached[kind].values()]
    assert len(secrets) == 2
    for secret in secrets:  # ... and nothing else does: not the request log, not what check printed
        assert secret not in standalone.log.read_text() and secret not in err and secret not in out

    rc, out, err = check(standalone, *argv)  # a second run: nobody is asked
    _report_ok(rc, out, err)
    assert "To sign in" not in err
    assert len(standalone.requests("/oauth2/v2.0/devicecode")) == before + 1

    assert main(["logout"]) == 0
    said = capsys.readouterr().out
    assert "alex.admin@contoso.onmicrosoft.com" in said and str(cache) in said
    assert not record.exists() and not cache.exists()
    approver = Approver(standalone.info)
    rc, out, err = check(standalone, *argv, err=approver)  # after logout: asked again
    _report_ok(rc, out, err)
    assert len(approver.codes) == 1
    assert main(["logout"]) == 0 and main(["logout"]) == 0
    assert "Nothing to forget" in capsys.readouterr().out


async def test_without_a_keyring_and_without_the_flag_the_sign_in_is_not_remembered(
    make_emulator, demo_estate_doc, monkeypatch
):
    emu = await make_emulator(demo_estate_doc, device_code_interval=1)
    for name in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER"):  # make_emulator offers its managed identity
        monkeypatch.delenv(name)
    argv = ["--auth", "device-code", *ONE_SUBSCRIPTION]
    for _ in range(2):
        approver = Approver(emu.info)
        rc, out, err = await asyncio.to_thread(check, emu, *argv, err=approver)
        _report_ok(rc, out, err)
        assert len(approver.codes) == 1  # asked each time
        assert "Sign-in will not be remembered" in err and "--allow-unencrypted-token-cache" in err
    assert not (home() / ".IdentityService").exists() and not (home() / "config").exists()


def test_an_emulator_that_approves_by_itself_lets_check_run_unattended(tmp_path):
    emu = Emulator(tmp_path, "--approve-device-codes-after", "0")
    try:
        rc, out, err = check(emu, "--auth", "device-code", *ONE_SUBSCRIPTION)
    finally:
        emu.stop()
    _report_ok(rc, out, err)
    assert "enter the code" in err


@pytest.fixture
def service_principal(monkeypatch, standalone) -> dict[str, str]:
    monkeypatch.setenv("AZURE_CLIENT_ID", SP_CLIENT)
    monkeypatch.setenv("AZURE_TENANT_ID", standalone.info["tenant_id"])
    return {"token_path": f"/{standalone.info['tenant_id']}/oauth2/v2.0/token"}


@pytest.mark.parametrize("auth", ["env", "default"])
def test_a_service_principal_with_a_secret(standalone, service_principal, monkeypatch, auth):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "any-secret-the-emulator-accepts")
    before = len(standalone.requests(service_principal["token_path"]))
    rc, out, err = check(standalone, "--auth", auth, *ONE_SUBSCRIPTION)
    _report_ok(rc, out, err)
    assert len(standalone.requests(service_principal["token_path"])) == before + 1  # the emulator's authority


def test_a_service_principal_with_a_certificate(standalone, service_principal, monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_CLIENT_CERTIFICATE_PATH", str(certificate_pem(tmp_path / "sp.pem")))
    rc, out, err = check(standalone, "--auth", "env", *ONE_SUBSCRIPTION)
    _report_ok(rc, out, err)


def test_an_incomplete_service_principal_is_exit_2_with_what_to_check(standalone, service_principal):
    # no secret and no certificate: EnvironmentCredential is unavailable; the remedy names the variables
    rc, out, err = check(standalone, "--auth", "env", *ONE_SUBSCRIPTION)
    assert rc == 2 and out == ""
    assert "AZURE_CLIENT_SECRET" in err and "AZURE_CLIENT_CERTIFICATE_PATH" in err and "Traceback" not in err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreadable_cloud_metadata_is_exit_2_with_a_clear_message(standalone):
    rc, out, err = run_check_args(["--arm-endpoint", f"https://127.0.0.1:{_closed_port()}/", "--auth", "env"])
    assert rc == 2 and out == ""
    assert "Cannot read the cloud's metadata" in err and "/metadata/endpoints?api-version=2022-09-01" in err
    assert "Traceback" not in err
    # the emulator's certificate without its CA: not trusted, and the message says what to pass
    rc, out, err = run_check_args(["--arm-endpoint", standalone.info["arm_endpoint"], "--auth", "env"])
    assert rc == 2 and "Cannot read the cloud's metadata" in err and "--ca-bundle" in err


def run_check_args(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run_check(argv, out, err)
    return rc, out.getvalue(), err.getvalue()


def test_logout_with_nothing_remembered_says_so(capsys):
    assert main(["logout"]) == 0
    assert capsys.readouterr().out.strip() == "Nothing to forget: no sign-in is remembered."
    assert not os.path.exists(home() / "config")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["--authority-host", "http://login.example.com"],
            "--authority-host: authority must be an https:// URL",
        ),
        (["--authority-host", "https://"], "--authority-host"),
    ],
)
def test_a_bad_authority_host_is_a_usage_error(argv, words):
    rc, out, err = run_check_args(["--arm-endpoint", "https://127.0.0.1:9/", *argv])
    assert rc == 2 and out == "" and words in err and "Traceback" not in err


def test_the_emulator_refuses_a_negative_auto_approval_delay():
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli", "emulator", "--approve-device-codes-after", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "--approve-device-codes-after must not be negative" in proc.stderr
