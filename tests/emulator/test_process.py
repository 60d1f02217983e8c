"""`vmbackup-prep emulator` as a process under bad options and signals (issue 12 item 7).

Bad options are one line and exit 2; a non-loopback host needs --allow-remote; the signal handlers are in
place before anything is created, so SIGTERM/SIGHUP at any moment leaves no temp dir (with the server key)
behind; SIGINT stops it promptly even with a request in flight.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.strategies import small_estate

CMD = [sys.executable, "-m", "tui.cli", "emulator"]


@pytest.fixture
def estate(tmp_path: Path) -> list[str]:
    """A small estate file (starting on the 1,266-resource demo estate takes seconds on a busy machine)."""
    path = tmp_path / "small-estate.json"
    path.write_text(json.dumps(small_estate()), encoding="utf-8")
    return ["--estate", str(path)]


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmp)}


def _leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("vmbackup-prep-emulator-"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "--port 99999: must be from 0 to 65535"),
        (["--port", "-1"], "--port -1: must be from 0 to 65535"),
        (["--host", "héllo"], "--host 'héllo' is not an IP address or a host name"),
        (["--host", ""], "--host '' would listen on every interface"),
        (
            ["--host", "0.0.0.0"],
            "not a loopback address: the emulator's token endpoint accepts any client id",
        ),
        (["--host", "::"], "add --allow-remote"),
        (["--host", "example.com"], "add --allow-remote"),
        (
            ["--request-log", "/nonexistent-dir/requests.jsonl"],
            "cannot open the request log /nonexistent-dir",
        ),
        (["--host", "192.0.2.1", "--allow-remote"], "cannot listen on 192.0.2.1:0"),
    ],
    ids=[
        "port-high",
        "port-negative",
        "host-unicode",
        "host-empty",
        "any-ipv4",
        "any-ipv6",
        "remote-name",
        "request-log-dir",
        "remote-unassigned",
    ],
)
def test_bad_options_are_one_line_exit_2_and_leave_nothing(tmp_path, args, message):
    proc = subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    assert proc.stderr.startswith("vmbackup-prep emulator: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert _leftovers(tmp_path) == []


def test_request_log_that_is_a_directory_is_reported_as_such(tmp_path):
    proc = subprocess.run(
        [*CMD, "--request-log", str(tmp_path)], capture_output=True, text=True, timeout=60, env=_env(tmp_path)
    )
    assert proc.returncode == 2 and "cannot open the request log" in proc.stderr
    assert "cannot listen" not in proc.stderr and "Is a directory" in proc.stderr


def test_loopback_names_need_no_allow_remote(tmp_path, estate):
    for host in ("localhost", "127.0.0.2", "::1"):
        proc = subprocess.Popen(
            [*CMD, *estate, "--host", host],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(tmp_path),
        )
        try:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            assert json.loads(line)["arm_endpoint"].startswith("https://")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_during_start_stops_cleanly_without_a_ready_line(tmp_path, estate, sig):
    """The request log is a FIFO, so the start waits on it: the signal lands mid-start, deterministically."""
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [*CMD, *estate, "--request-log", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    reader = os.open(fifo, os.O_RDONLY)  # blocks until the emulator opens its log: it is starting now
    try:
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(reader)
    assert proc.returncode == 0, err
    assert out == "" and "Traceback" not in err  # stopped before it was ready: no ready line
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_right_after_the_ready_line_removes_the_temp_dir(tmp_path, estate, sig):
    proc = subprocess.Popen(
        [*CMD, *estate], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path)
    )
    info = json.loads(proc.stdout.readline())
    ca_dir = Path(info["ca_bundle"]).parent
    assert sorted(p.name for p in ca_dir.iterdir()) == ["ca.pem"]  # the server key never stays on disk
    proc.send_signal(sig)
    assert proc.wait(30) == 0
    assert not ca_dir.exists() and _leftovers(tmp_path) == []


def test_sigint_with_a_request_in_flight_stops_promptly(tmp_path, estate):
    """With 10 minutes of latency a request is still being answered when SIGINT comes: the emulator gives it
    a short grace period, not aiohttp's 60 s."""
    proc = subprocess.Popen(
        [*CMD, *estate, "--latency-ms", "600000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    info = json.loads(proc.stdout.readline())
    host, port = info["arm_endpoint"].split("//")[1].rstrip("/").rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=info["ca_bundle"])
    sent = threading.Event()

    def request() -> None:
        with (
            socket.create_connection((host, int(port))) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            tls.sendall(b"GET /subscriptions?api-version=2022-12-01 HTTP/1.1\r\nHost: x\r\n\r\n")
            sent.set()
            tls.settimeout(120)
            with contextlib.suppress(OSError):
                tls.recv(1)

    client = threading.Thread(target=request, daemon=True)
    client.start()
    assert sent.wait(30)
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=30)  # aiohttp's default graceful shutdown alone would take 60 s
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("SIGINT did not stop the emulator while a request was in flight")
    assert code == 0 and _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "command",
    [["emulator"], ["check"], ["protect", "--vault", "rsv-1", "--yes"], []],
    ids=["emulator", "check", "protect", "wizard"],
)
def test_a_bad_estate_is_one_line_exit_2_for_every_command(tmp_path, command):
    """Issue 12 item 6: before, a list where a VM's properties belong was a traceback with exit 1 ("blockers")."""
    doc = small_estate()
    next(r for r in doc["resources"] if r["name"] == "vm-0")["properties"] = ["not", "an", "object"]
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    cli = [sys.executable, "-m", "tui.cli", *command[:1], "--estate", str(path), *command[1:]]
    proc = subprocess.run(
        cli, capture_output=True, text=True, timeout=120, env=_env(tmp_path), stdin=subprocess.DEVNULL
    )
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"{path}: resources[5].properties: expected an object, got a list" in proc.stderr
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("when", ["after the ready line", "during the start"])
def test_with_stop_when_stdin_closes_the_end_of_stdin_stops_it_cleanly(tmp_path, estate, when):
    """What a parent that runs the emulator as its child relies on (the wizard's --demo): the pipe's end,
    which the OS closes however the parent exits, stops the emulator as a signal does, temp dir removed."""
    proc = subprocess.Popen(
        [*CMD, *estate, "--stop-when-stdin-closes"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    if when == "after the ready line":
        info = json.loads(proc.stdout.readline())
        assert Path(info["ca_bundle"]).exists()
    proc.stdin.close()
    assert proc.wait(30) == 0, proc.stderr.read()
    assert _leftovers(tmp_path) == []


def test_without_the_option_the_end_of_stdin_changes_nothing(tmp_path, estate):
    """`vmbackup-prep emulator < /dev/null &` keeps serving: only the option ties it to stdin."""
    proc = subprocess.Popen(
        [*CMD, *estate], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, env=_env(tmp_path)
    )
    try:
        info = json.loads(proc.stdout.readline())
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(1)
        with socket.create_connection(("127.0.0.1", int(info["arm_endpoint"].rsplit(":", 1)[1].strip("/")))):
            pass  # still listening
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
