"""ctrl+c, SIGTERM and SIGHUP to `check` and `protect` (issue 12 item 9, issue 11 item 9's CLI part).

Real signals to real processes, while they work: against an emulator process slowed by --latency-ms, the
test waits for the emulator's request log to show the run got where the signal should land. It asserts exit
codes (128 + the signal), what is printed and what the emulator saw, never how long anything took.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.faults import Emulator
from tui.emulator.demo import READY_VMS

CLI = [sys.executable, "-m", "tui.cli"]


class EmulatorProcess(Emulator):
    """The emulator process of bench/faults.py, with a request log the tests read."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.log = tmp / "requests.jsonl"
        super().__init__("--request-log", str(self.log), *args)

    def requests(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(x) for x in self.log.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture
def slow_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    emu = EmulatorProcess(tmp_path, "--latency-ms", "250")
    yield emu
    emu.stop()


def wait_until(what: Callable[[], bool], proc: subprocess.Popen[str], why: str) -> None:
    """Poll until ``what()`` holds (the run reached the point the signal must land on)."""
    for _ in range(6000):
        if what():
            return
        if proc.poll() is not None:
            pytest.fail(f"the command ended before {why}: {proc.communicate()}")
        time.sleep(0.01)
    proc.kill()
    pytest.fail(f"never saw {why}")


def _leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("vmbackup-prep-emulator-"))


# -- check ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_interrupted_check_says_what_was_done_in_one_line(tmp_path, slow_emulator, sig, code):
    out = tmp_path / "report.json"
    proc = subprocess.Popen(
        [*CLI, "check", *slow_emulator.target(), "--format", "json", "--output", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=slow_emulator.env(TMPDIR=str(tmp_path)),
    )
    wait_until(
        lambda: any("/virtualMachines" in r["path"] for r in slow_emulator.requests()), proc, "the VM lists"
    )
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert stdout == "" and "Traceback" not in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("vmbackup-prep check: interrupted by "), stderr
    assert "no report was written" in stderr and "nothing in Azure was changed" in stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []
    assert not [r for r in slow_emulator.requests() if r["method"] in ("PUT", "PATCH", "DELETE")]


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)], ids=lambda v: str(v)
)
def test_check_demo_stopped_by_a_signal_leaves_no_temp_dir(tmp_path, sig, code):
    """--demo runs the emulator in a thread of check: its temp dir (with the CA) must go with it."""
    proc = subprocess.Popen(
        [*CLI, "check", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    wait_until(lambda: bool(_leftovers(tmp_path)), proc, "the emulator's temp dir")
    proc.send_signal(sig)
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr
    assert _leftovers(tmp_path) == []


# -- protect ----------------------------------------------------------------------------------------------------
NEU_READY = sorted(v for v in READY_VMS if v.startswith("vm-neu-"))


def _puts(emu: EmulatorProcess) -> dict[str, int]:
    """VM name -> status of its protected-item PUT, as the emulator logged it."""
    return {
        r["path"].rsplit(";", 1)[-1]: r["status"]
        for r in emu.requests()
        if r["method"] == "PUT" and "/protectedItems/" in r["path"]
    }


def test_interrupted_protect_says_what_was_sent_per_vm(tmp_path, slow_emulator):
    proc = subprocess.Popen(
        [*CLI, "protect", *slow_emulator.target(), "--vault", "rsv-prod-neu", "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=slow_emulator.env(TMPDIR=str(tmp_path)),
    )

    def polled() -> bool:
        return any(
            "/protectedItems/" in r["path"] and "/operationsStatus/" in r["path"]
            for r in slow_emulator.requests()
        )

    wait_until(polled, proc, "a poll of an accepted PUT (the client has the 202)")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and stdout == ""
    report = stderr[
        stderr.index("vmbackup-prep protect: interrupted by ctrl+c (SIGINT) while enabling protection") :
    ]
    states = {}
    for line in report.splitlines()[1:]:
        parts = line.split()
        if parts and parts[0] in NEU_READY:
            states[parts[0]] = parts[1].rstrip(":,")
    assert sorted(states) == NEU_READY, report  # every VM of the plan, each with its state
    seen = _puts(slow_emulator)
    for vm, state in states.items():
        assert state in ("not", "sent", "accepted", "protected", "failed"), report
        if state == "not":  # "not sent": nothing left for this VM
            assert vm not in seen
        if state in ("accepted", "protected"):
            assert seen.get(vm) == 202
    assert "accepted" in states.values() or "protected" in states.values()
    assert "running protect again is safe" in report


def test_ctrl_c_at_the_confirmation_changes_nothing(tmp_path):
    emu = EmulatorProcess(tmp_path)
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*CLI, "protect", *emu.target(), "--vault", "rsv-prod-neu"],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=emu.env(TMPDIR=str(tmp_path)),
        )
        wait_until(
            lambda: any(
                r["method"] == "POST" and r["path"].endswith("backupPreValidateProtection")
                for r in emu.requests()
            ),
            proc,
            "the pre-validation",
        )
        time.sleep(1)  # let it reach the prompt (stderr is read once the process ends)
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        os.close(primary)
        os.close(secondary)
        emu.stop()
    assert proc.returncode == 130, stderr
    assert "[y/N]" in stderr and "Traceback" not in stderr
    assert "interrupted by ctrl+c (SIGINT) before anything was sent: nothing was changed in Azure" in stderr
    assert not [r for r in emu.requests() if r["method"] in ("PUT", "PATCH", "DELETE")]
