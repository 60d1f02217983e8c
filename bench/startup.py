"""Startup time of the wizard in demo mode, as a user sees it (run by hand; needs tmux).

    python -m bench.startup [--runs 10]

Starts `vmbackup-prep --demo` in a detached tmux pane (120x36) and polls the screen every 10 ms:
"first paint" is when the step sidebar is drawn, "interactive" when the sign-in step shows the signed-in
identity (the emulator is up, the token was fetched, Next is enabled). Prints the median of the runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

SESSION = "vmbackup-prep-bench"


def capture() -> str:
    return subprocess.run(
        ["tmux", "-L", SESSION, "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True
    ).stdout


def one_run(command: str, timeout: float = 60) -> tuple[float, float]:
    subprocess.run(["tmux", "-L", SESSION, "kill-session", "-t", SESSION], capture_output=True)
    t0 = time.perf_counter()
    subprocess.run(
        ["tmux", "-L", SESSION, "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "36", command],
        check=True,
    )
    first = interactive = None
    while time.perf_counter() - t0 < timeout:
        screen = capture()
        now = time.perf_counter() - t0
        if first is None and "1. Sign in" in screen:
            first = now
        if "Signed in" in screen:
            interactive = now
            break
        time.sleep(0.01)
    subprocess.run(["tmux", "-L", SESSION, "kill-session", "-t", SESSION], capture_output=True)
    if first is None or interactive is None:
        raise SystemExit(f"the wizard did not become interactive within {timeout} s")
    return first, interactive


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    exe = shutil.which("vmbackup-prep") or f"{sys.executable} -m tui.cli"
    command = f"{exe} --demo; sleep 5"
    one_run(command)  # warm the file cache
    runs = [one_run(command) for _ in range(a.runs)]
    firsts = sorted(r[0] for r in runs)
    inter = sorted(r[1] for r in runs)
    print(f"{a.runs} runs of `vmbackup-prep --demo` at 120x36")
    print(
        f"first paint:  median {statistics.median(firsts):.2f} s  (min {firsts[0]:.2f}, max {firsts[-1]:.2f})"
    )
    print(f"interactive:  median {statistics.median(inter):.2f} s  (min {inter[0]:.2f}, max {inter[-1]:.2f})")


if __name__ == "__main__":
    main()
