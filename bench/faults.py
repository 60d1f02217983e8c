"""`check` on the demo estate under heavy fault injection: does every run finish, and with the clean verdicts?

    python -m bench.faults --runs 5
    python -m bench.faults --runs 12 --faults 429:0.3,503:0.2,500:0.1,reset:0.05

Starts `vmbackup-prep emulator` twice as processes (the demo estate, once clean and once with --faults), runs
`vmbackup-prep check --arm-endpoint ... --format json --output FILE` once against the clean one for the
reference verdicts, then N times against the faulty one, and prints: runs, reports written, exit codes, and
per run the VMs whose verdict differs from the clean run (a fault that became a verdict). Nothing here is
part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

DEFAULT_FAULTS = "429:0.3,503:0.2,500:0.1,reset:0.05"
CLI = [sys.executable, "-m", "tui.cli"]


class Emulator:
    """`vmbackup-prep emulator` as a process, started with ``args``; stopped with SIGTERM."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [*CLI, "emulator", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise SystemExit(f"the emulator did not start ({' '.join(args)})")
        self.info: dict[str, Any] = json.loads(line)

    def target(self) -> list[str]:
        """The options that point a command at this emulator (its managed identity signs in)."""
        info = self.info
        return [
            "--arm-endpoint",
            info["arm_endpoint"],
            "--ca-bundle",
            info["ca_bundle"],
            "--auth",
            "managed-identity",
        ]

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "IDENTITY_ENDPOINT": self.info["identity_endpoint"],
            "IDENTITY_HEADER": self.info["identity_header"],
            "NO_PROXY": "127.0.0.1,localhost",
            **extra,
        }

    def check(self, out: Path, timeout: float) -> tuple[int | str, float, str]:
        """Exit status (or "timeout"), seconds and the last line on stderr of one `check` run."""
        cmd = [*CLI, "check", *self.target(), "--format", "json", "--output", str(out)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=self.env(), capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - t0, ""
        said = proc.stderr.strip().splitlines()
        return proc.returncode, time.perf_counter() - t0, said[-1] if said else ""

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def verdicts(path: Path) -> dict[str, tuple[str, str]] | None:
    """VM id (lower) -> (name, verdict), or None when no report was written."""
    if not path.exists():
        return None
    report = json.loads(path.read_text(encoding="utf-8"))
    return {v["id"].lower(): (v["name"], v["verdict"]) for v in report["vms"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--faults", default=DEFAULT_FAULTS)
    p.add_argument("--timeout", type=float, default=900, help="seconds one check may take")
    a = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    clean_emu = Emulator()
    try:
        code, seconds, _ = clean_emu.check(work / "clean.json", a.timeout)
    finally:
        clean_emu.stop()
    reference = verdicts(work / "clean.json")
    if reference is None:
        raise SystemExit(f"the clean run wrote no report (exit {code})")
    print(f"clean run: exit {code}, {len(reference)} VMs, {seconds:.1f} s")
    print(f"faults {a.faults}: {a.runs} runs")

    faulty = Emulator("--faults", a.faults)
    codes: Counter[str] = Counter()
    written, wrong_runs, wrong_vms, unknown_vms, times = 0, 0, 0, 0, []
    try:
        for i in range(1, a.runs + 1):
            out = work / f"run-{i}.json"
            code, seconds, said = faulty.check(out, a.timeout)
            times.append(seconds)
            codes[str(code)] += 1
            got = verdicts(out)
            if got is None:
                print(f"  run {i}: exit {code}, no report, {seconds:.1f} s: {said[:160]}")
                continue
            written += 1
            differ = sorted(
                (name, was, got.get(vm_id, (name, "missing"))[1])
                for vm_id, (name, was) in reference.items()
                if got.get(vm_id, (name, "missing"))[1] != was
            )
            # unknown (with what could not be read) is a truthful answer, and so is a VM missing from a run that
            # exited 2 naming its subscription as unread; any other change is a wrong verdict
            said_unread = code == 2 and "could not be read" in said
            wrong = [d for d in differ if d[2] != "unknown" and not (d[2] == "missing" and said_unread)]
            wrong_runs += bool(wrong)
            wrong_vms += len(wrong)
            unknown_vms += len(differ) - len(wrong)
            shown = ", ".join(f"{n}: {was} -> {now}" for n, was, now in wrong[:4])
            more = f" (+{len(wrong) - 4} more)" if len(wrong) > 4 else ""
            print(
                f"  run {i}: exit {code}, {len(wrong)} wrong verdicts, {len(differ) - len(wrong)} unknown or "
                f"unlisted (said), {seconds:.1f} s  {shown}{more}"
                + (f"; stderr: {said[:120]}" if code == 2 else "")
            )
    finally:
        faulty.stop()
    print(
        f"runs {a.runs}, reports written {written}, exit codes {dict(sorted(codes.items()))}, "
        f"runs with a wrong verdict {wrong_runs} ({wrong_vms} VM verdicts), unknown {unknown_vms} VM verdicts, "
        f"median {statistics.median(times):.1f} s per run"
    )


if __name__ == "__main__":
    main()
