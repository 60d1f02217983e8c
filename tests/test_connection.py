"""The Connection is frozen and puts the process environment back on close; the headless commands share one
runner that turns every failure into one line and exit status 2; the session's vocabulary is fixed."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from tui.cli import _wizard_parser
from tui.command import EXIT_ERROR, Refused, problem_line, run_command
from tui.connect import Connection, EmulatorStart, UsageError, connect
from tui.services.actions import Change, Outcome
from tui.session import Session


def test_a_demo_connection_sets_the_identity_endpoint_once_the_emulator_listens_and_restores_the_environment(
    monkeypatch,
):
    monkeypatch.setenv("IDENTITY_ENDPOINT", "http://before.example/msi")
    monkeypatch.delenv("IDENTITY_HEADER", raising=False)
    monkeypatch.setenv("NO_PROXY", "corp.example")
    connection = connect(_wizard_parser().parse_args(["--demo"]))
    try:
        assert connection.starting and connection.label == "demo estate (emulator)"
        resolved = asyncio.run(connection.resolved())  # what the sign-in does: waits for the emulator
        assert os.environ["IDENTITY_ENDPOINT"].startswith("http://127.0.0.1:")
        assert os.environ["IDENTITY_HEADER"]
        assert os.environ["NO_PROXY"] == "corp.example"  # an existing NO_PROXY is kept
        assert not resolved.starting and resolved.target.arm_endpoint.startswith("https://127.0.0.1:")
        assert resolved.tenant and resolved.label == "demo estate (emulator)"
    finally:
        connection.close()
    assert os.environ["IDENTITY_ENDPOINT"] == "http://before.example/msi"
    assert "IDENTITY_HEADER" not in os.environ
    connection.close()  # twice is harmless
    assert os.environ["IDENTITY_ENDPOINT"] == "http://before.example/msi"


def _stopped(connection: Connection) -> bool:
    """The connection's emulator process, if it ever ran, has exited."""
    process = connection.emulator.process if connection.emulator is not None else None
    return process is None or process.poll() is not None


def test_a_demo_connection_closed_while_its_emulator_starts_stops_it_and_changes_nothing(monkeypatch):
    monkeypatch.delenv("IDENTITY_ENDPOINT", raising=False)
    connection = connect(_wizard_parser().parse_args(["--demo"]))
    assert connection.emulator is not None and connection.emulator.process is not None  # begun at once
    connection.close()  # at once: the child is still starting (importing, reading the estate)
    assert _stopped(connection)
    assert "IDENTITY_ENDPOINT" not in os.environ
    with pytest.raises(RuntimeError, match="stopped before it started"):  # fails, never hangs
        asyncio.run(connection.resolved())


def test_the_emulator_process_stops_when_the_wizard_dies_without_closing_it(tmp_path):
    """Killed (SIGKILL: no clean-up runs), the wizard leaves no emulator behind: the child watches its stdin,
    which the OS closes with the parent."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import asyncio, os, signal\n"
        "from tui.cli import _wizard_parser\n"
        "from tui.connect import connect\n"
        "c = connect(_wizard_parser().parse_args(['--demo']))\n"
        "asyncio.run(c.resolved())\n"
        "print(c.emulator.process.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    child = int(done.stdout.split()[0])
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """A process with this pid runs (not a zombie: the emulator is re-parented to init, which reaps it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_sign_in_cancelled_while_the_emulator_starts_can_sign_in_again(monkeypatch):
    """The user may cancel the first sign-in while it waits for the emulator: the start goes on, and the
    next sign-in finds the emulator up."""
    monkeypatch.delenv("IDENTITY_ENDPOINT", raising=False)
    connection = connect(_wizard_parser().parse_args(["--demo"]))

    async def cancel_then_resolve() -> Connection:
        waiting = asyncio.create_task(connection.resolved())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return await connection.resolved()

    try:
        resolved = asyncio.run(cancel_then_resolve())
        assert resolved.target.arm_endpoint.startswith("https://127.0.0.1:")
        assert os.environ["IDENTITY_ENDPOINT"].startswith("http://127.0.0.1:")
    finally:
        connection.close()
    assert _stopped(connection)


def test_an_emulator_that_cannot_start_fails_the_sign_in_with_its_reason_and_closes_cleanly(monkeypatch):
    monkeypatch.delenv("IDENTITY_ENDPOINT", raising=False)
    connection = connect(_wizard_parser().parse_args(["--demo"]), host="192.0.2.1")  # not loopback
    try:
        with pytest.raises(ValueError, match=r"^--host 192\.0\.2\.1 is not a loopback address"):
            asyncio.run(connection.resolved())
    finally:
        connection.close()
    assert "IDENTITY_ENDPOINT" not in os.environ and _stopped(connection)


def test_a_bad_estate_file_is_a_usage_error_before_anything_starts(tmp_path, monkeypatch):
    bad = tmp_path / "estate.json"
    bad.write_text("{not json", encoding="utf-8")
    started: list[object] = []
    monkeypatch.setattr(EmulatorStart, "begin", lambda self: started.append(self))
    with pytest.raises(UsageError, match=r"estate\.json"):
        connect(_wizard_parser().parse_args(["--estate", str(bad)]))
    assert started == []


def test_a_connection_is_frozen_and_another_sign_in_method_is_a_new_one():
    connection = connect(
        _wizard_parser().parse_args(["--arm-endpoint", "https://127.0.0.1:9/", "--auth", "cli"])
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        connection.read_only = True  # type: ignore[misc]
    other = connection.with_auth("device-code")
    assert (connection.auth, other.auth) == ("cli", "device-code")
    assert other.target is connection.target and connection.with_auth("cli") is connection


def test_a_factory_can_narrow_the_connections_read_only():
    connection = connect(_wizard_parser().parse_args(["--arm-endpoint", "https://127.0.0.1:9/"]))
    assert isinstance(connection, Connection) and connection.read_only is False
    assert connection.factory(object(), read_only=True).read_only is True  # type: ignore[arg-type]
    assert connection.factory(object()).read_only is False  # type: ignore[arg-type]


def _unused(stop: object) -> str:
    raise AssertionError(f"not interrupted: {stop}")


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (UsageError("--ca-bundle goes with --arm-endpoint"), "prog: --ca-bundle goes with --arm-endpoint"),
        (Refused("not confirmed: nothing was changed in Azure"), "prog: not confirmed"),
        (HttpResponseError(message="Operation returned an invalid status 'Forbidden'"), None),
        (ClientAuthenticationError(message="AADSTS700016: Application not found"), None),
        (OSError(13, "Permission denied"), None),
    ],
)
def test_the_runner_turns_each_failure_into_one_line_and_exit_2(error: Exception, said: str | None) -> None:
    """Bad input and refusals as they are; Azure and system failures explained (title, detail, remedy)."""

    async def main() -> int:
        raise error

    if said is None:
        said = f"prog: {problem_line(error)}"

    err = io.StringIO()
    args = _wizard_parser().parse_args([])
    assert run_command("prog", main, args, err, interrupted=_unused) == EXIT_ERROR
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith(said) and "Traceback" not in err.getvalue()


def test_the_runner_returns_the_commands_status() -> None:
    async def main() -> int:
        return 1

    assert run_command("prog", main, _wizard_parser().parse_args([]), interrupted=_unused) == 1


def test_the_session_records_only_known_changes_and_outcomes() -> None:
    session = Session(target="t", cloud="AzureCloud")
    action = session.record("create-vault", "/subscriptions/s/resourceGroups/g", "succeeded", location="x")
    assert (action.what, action.result) == (Change.CREATE_VAULT, Outcome.SUCCEEDED)
    with pytest.raises(ValueError):
        session.record("create_vault", "/x", "succeeded")  # the vocabulary is fixed: no silent new word
    with pytest.raises(ValueError):
        session.record(Change.GUEST_PROBE, "/x", "ok")


def test_the_emulator_child_runs_this_tui_even_where_the_working_directory_has_another(tmp_path, monkeypatch):
    """The wizard started from a checkout of something else with a `tui` package: the child must not import
    that one (python -m would put the working directory first)."""
    impostor = tmp_path / "tui"
    impostor.mkdir()
    (impostor / "__init__.py").write_text("raise SystemExit('the wrong tui')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IDENTITY_ENDPOINT", raising=False)
    connection = connect(_wizard_parser().parse_args(["--demo"]))
    try:
        resolved = asyncio.run(connection.resolved())
        assert resolved.target.arm_endpoint.startswith("https://127.0.0.1:")
    finally:
        connection.close()
