"""A full readiness scan as a user runs it: `vmbackup-prep check` against the emulator (run by hand).

    python -m bench.scan                                  # 5 subscriptions x 400 VMs, ARM throttling, 20 ms
    python -m bench.scan --subs 1 --vms 1000 10000        # peak memory at two sizes
    python -m bench.scan --subs 3 --vms 60 --compare      # also: verdicts identical to one-subscription runs

The estate (``bench.make_estate``) is written to a file and served by ``vmbackup-prep emulator`` in its own
process (the other core); ``check`` runs in another process, so its peak RSS is the scan's own, as a user
against real Azure would see it. From the emulator's request log: the requests and 429s, the scan's time
(first to last ARM request, so Python's start and the sign-in are left out), and the floor: the largest single
subscription's minimal work under ARM's buckets (reads: (reads - 250 burst) / 25 per s; writes: (writes -
200) / 10 per s), since the buckets are per subscription and subscriptions can be read side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.make_estate import build

READS, WRITES = (250, 25.0), (200, 10.0)  # ARM's per-subscription buckets: burst, refill per second


def floor_seconds(log: list[dict[str, Any]]) -> float:
    """The largest subscription's minimal time under ARM's read and write buckets."""
    reads: Counter[str] = Counter()
    writes: Counter[str] = Counter()
    for r in log:
        parts = r["path"].split("/")
        if len(parts) > 2 and parts[1].lower() == "subscriptions" and parts[2]:
            (reads if r["method"] == "GET" else writes)[parts[2].lower()] += 1
    subs = set(reads) | set(writes)
    return max(
        (max((reads[s] - READS[0]) / READS[1], (writes[s] - WRITES[0]) / WRITES[1], 0.0) for s in subs),
        default=0.0,
    )


class Emulator:
    """``vmbackup-prep emulator`` in its own process, with a request log."""

    def __init__(self, estate: Path, log: Path, throttle: str, latency_ms: int) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "emulator", "--estate", str(estate), "--throttle", throttle,
             "--latency-ms", str(latency_ms), "--request-log", str(log)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())

    def requests(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_check(emu: Emulator, out: Path, *extra: str) -> tuple[int, float, float, float]:
    """(exit status, wall seconds, peak RSS in MB, CPU seconds) of one ``check`` run."""
    env = dict(
        os.environ,
        IDENTITY_ENDPOINT=emu.info["identity_endpoint"],
        IDENTITY_HEADER=emu.info["identity_header"],
        NO_PROXY="127.0.0.1,localhost",
    )
    argv = [sys.executable, "-m", "tui.cli", "check", "--arm-endpoint", emu.info["arm_endpoint"],
            "--ca-bundle", emu.info["ca_bundle"], "--auth", "managed-identity", "--format", "json",
            "--output", str(out), *extra]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return os.waitstatus_to_exitcode(status), time.perf_counter() - t0, usage.ru_maxrss / 1024, cpu


def verdicts(report: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    doc = json.loads(report.read_text(encoding="utf-8"))
    return {vm["id"].lower(): (vm["verdict"], tuple(f["rule"] for f in vm["findings"])) for vm in doc["vms"]}


def bench(subs: int, vms: int, throttle: str, latency_ms: int, compare: bool, tmp: Path) -> None:
    estate = tmp / f"estate-{subs}x{vms}.json"
    doc = build(vms * subs, subs)
    sub_ids = [s["subscriptionId"] for s in doc["subscriptions"]]
    estate.write_text(json.dumps(doc), encoding="utf-8")
    del doc
    log = tmp / f"requests-{subs}x{vms}.jsonl"
    emu = Emulator(estate, log, throttle, latency_ms)
    try:
        report = tmp / "report.json"
        emu_cpu = cpu_seconds(emu.proc.pid)
        rc, wall, rss, cpu = run_check(emu, report)
        emu_cpu = cpu_seconds(emu.proc.pid) - emu_cpu
        log_lines = emu.requests()
        arm = [r for r in log_lines if r["path"].startswith("/subscriptions/")]
        scan_s = max(r["ts"] for r in arm) - min(r["ts"] - r["ms"] / 1000 for r in arm)
        floor = floor_seconds(arm)
        ratio = f"{scan_s / floor:.2f}x the floor" if floor > 0 else "floor 0 (within the burst)"
        summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
        print(
            f"{subs} x {vms} VMs, throttle {throttle}, {latency_ms} ms: exit {rc}; scan {scan_s:.1f} s "
            f"(wall {wall:.1f} s), floor {floor:.1f} s, {ratio}; requests {len(arm)}, "
            f"429s {sum(r['status'] == 429 for r in arm)}; peak RSS {rss:.0f} MB; CPU: check {cpu:.1f} s, "
            f"emulator {emu_cpu:.1f} s (on {os.cpu_count()} cores); {summary}",
            flush=True,
        )
        if compare and subs > 1:
            together = verdicts(report)
            alone: dict[str, tuple[str, tuple[str, ...]]] = {}
            for sub in sub_ids:
                run_check(emu, report, "--subscription", sub)
                alone |= verdicts(report)
            same = (
                "identical"
                if alone == together
                else f"DIFFERENT ({len(set(alone.items()) ^ set(together.items()))})"
            )
            print(f"  verdicts of the {subs} subscriptions together vs one at a time: {same}", flush=True)
    finally:
        emu.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--subs", type=int, default=5, help="subscriptions (default 5)")
    p.add_argument("--vms", type=int, nargs="+", default=[400], help="VMs per subscription (one run each)")
    p.add_argument("--throttle", choices=("arm", "off"), default="arm")
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--compare", action="store_true", help="also scan each subscription alone; same verdicts?")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for vms in a.vms:
            bench(a.subs, vms, a.throttle, a.latency_ms, a.compare, Path(tmp))


if __name__ == "__main__":
    main()
