"""Startup time of the wizard in demo mode against a bare Textual app with the same frame (run by hand; needs
tmux), and of the commands that need no Azure SDK.

    python -m bench.startup [--runs 10]

Starts `vmbackup-prep --demo` and `bench/bare_frame.py` (Header, a 9-line step sidebar, Footer: the floor) in
turn in a detached tmux pane (120x36) and polls the screen every 10 ms: "first paint" is when the step sidebar
is drawn ("1. Sign in"), "signed in" when the sign-in step shows the signed-in identity (the emulator is up,
the token was fetched, Next is enabled). The runs alternate, so a load that comes and goes on the machine
falls on both sides. Prints the median and range of each, and the ratios to the bare app's first paint
(targets: first paint within 1.5x, signed in within 2.5x).

Then times `vmbackup-prep --help`, `check --help`, `rules` and a usage error to the exit, next to the floor
of a Python that only imports argparse.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

SESSION = f"vmbackup-prep-bench-{os.getpid()}"  # its own tmux server: runs side by side never collide
SIZE = ("120", "36")
FIRST_PAINT = "1. Sign in"
SIGNED_IN = "Signed in"
BARE_FRAME = Path(__file__).with_name("bare_frame.py")
# Targets of issue 9 item 1: multiples of the bare app's first paint (medians).
FIRST_PAINT_TARGET = 1.5
SIGNED_IN_TARGET = 2.5


def _tmux(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", SESSION, *args], capture_output=True, text=True, check=check)


def capture() -> str:
    return _tmux("capture-pane", "-p", "-t", SESSION).stdout


def one_run(command: str, until: str | None, timeout: float = 60) -> tuple[float, float | None]:
    """Seconds to the first paint and (with ``until``) to the screen showing ``until``."""
    _tmux("kill-session", "-t", SESSION)
    t0 = time.perf_counter()
    started = _tmux("new-session", "-d", "-s", SESSION, "-x", SIZE[0], "-y", SIZE[1], command)
    if started.returncode != 0:  # the server of the last run was still exiting: once more
        time.sleep(0.2)
        t0 = time.perf_counter()
        _tmux("new-session", "-d", "-s", SESSION, "-x", SIZE[0], "-y", SIZE[1], command, check=True)
    first = done = None
    try:
        while time.perf_counter() - t0 < timeout:
            screen = capture()
            now = time.perf_counter() - t0
            if first is None and FIRST_PAINT in screen:
                first = now
            if first is not None and (until is None or until in screen):
                done = now if until else None
                break
            time.sleep(0.01)
    finally:
        _tmux("kill-session", "-t", SESSION)
    if first is None or (until is not None and done is None):
        raise SystemExit(f"`{command}` did not show {until or FIRST_PAINT!r} within {timeout} s")
    return first, done


def time_exit(argv: Sequence[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - t0


def summary(
    name: str, values: Sequence[float], floor: float | None = None, target: float | None = None
) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered)
    line = f"{name:<22} median {median:5.2f} s  (min {ordered[0]:.2f}, max {ordered[-1]:.2f})"
    if floor:
        line += f"  {median / floor:4.2f}x the floor"
        if target is not None:
            line += f" (target {target}x: {'met' if median / floor <= target else 'NOT met'})"
    return line


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    exe = shutil.which("vmbackup-prep") or f"{sys.executable} -m tui.cli"
    wizard = f"{exe} --demo; sleep 5"
    bare = f"{sys.executable} {BARE_FRAME}; sleep 5"
    one_run(wizard, SIGNED_IN)  # warm the file cache
    one_run(bare, None)
    bare_paints: list[float] = []
    paints: list[float] = []
    signed: list[float] = []
    for _ in range(a.runs):
        bare_paints.append(one_run(bare, None)[0])
        first, done = one_run(wizard, SIGNED_IN)
        paints.append(first)
        signed.append(done or 0.0)
    floor = statistics.median(bare_paints)
    load = os.getloadavg()[0]
    print(
        f"{a.runs} runs each at {'x'.join(SIZE)}, alternating (load average {load:.2f} on {os.cpu_count()} cores)"
    )
    print(summary("bare app, first paint", bare_paints))
    print(summary("wizard, first paint", paints, floor, FIRST_PAINT_TARGET))
    print(summary("wizard, signed in", signed, floor, SIGNED_IN_TARGET))

    cli = exe.split() if " " in exe else [exe]
    commands = {
        "--help": [*cli, "--help"],
        "check --help": [*cli, "check", "--help"],
        "rules": [*cli, "rules"],
        "usage error": [*cli, "--no-such-option"],
    }
    python_floor = [time_exit([sys.executable, "-c", "import argparse"]) for _ in range(a.runs)]
    pfloor = statistics.median(python_floor)
    print(summary("python + argparse", python_floor))
    for name, argv in commands.items():
        print(summary(name, [time_exit(argv) for _ in range(a.runs)], pfloor))


if __name__ == "__main__":
    main()
