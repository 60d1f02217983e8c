"""Startup time of the wizard in demo mode against a bare Textual app with the same frame (run by hand; needs
tmux), and of the commands that need no Azure SDK.

    python -m bench.startup [--runs 10]

Starts `vmbackup-prep --demo` and `bench/bare_frame.py` (Header, a 9-line step sidebar, Footer: the floor) in
turn in a detached tmux pane (120x36) and reads the screen every 10 ms (through a tmux control-mode client,
which costs the machine next to nothing): "first paint" is when the step sidebar is drawn ("1. Sign in"),
"signed in" when the sign-in step shows the signed-in identity (the emulator is up, the token was fetched,
Next is enabled). The runs alternate, so a load that comes and goes on the machine
falls on both sides. Prints the median and range of each, and the ratios to the bare app's first paint
(targets: first paint within 1.5x, signed in within 2.5x). A second floor, "bare app, signed in": the bare app
that also starts the demo emulator and, once drawn, gets a token from it with azure-identity and nothing else
(`bare_frame.py --sign-in`): how much of the wizard's sign-in is the SDKs' and the emulator's own time.

Then times `vmbackup-prep --help`, `check --help`, `rules` and a usage error to the exit, next to the floor
of a Python that only imports argparse.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tui.resources import DEMO_ESTATE

SERVER = f"vmbackup-prep-bench-{os.getpid()}"  # its own tmux server: runs side by side never collide
SESSION = "measured"
SIZE = ("120", "36")
FIRST_PAINT = "1. Sign in"
SIGNED_IN = "Signed in"
BARE_FRAME = Path(__file__).with_name("bare_frame.py")
# Targets of issue 9 item 1: multiples of the bare app's first paint (medians).
FIRST_PAINT_TARGET = 1.5
SIGNED_IN_TARGET = 2.5


def _tmux(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", SERVER, *args], capture_output=True, text=True, check=check)


class Screens:
    """Reads what a tmux pane shows through one tmux control-mode client (``tmux -C``), attached to an idle
    session of its own: a capture costs ~0.1 ms there, where forking a `tmux capture-pane` every 10 ms took
    ~5 ms each (about a third of a core on a 2-core machine, taken from what is measured)."""

    def __init__(self) -> None:
        _tmux("new-session", "-d", "-s", "control", "-x", "80", "-y", "24", "sleep 100000", check=True)
        self._client = subprocess.Popen(
            ["tmux", "-L", SERVER, "-C", "attach-session", "-t", "control"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._send("display-message -p synced")
        while "synced" not in self._answer():  # past the block that attaching answers
            pass

    def _send(self, command: str) -> None:
        assert self._client.stdin is not None
        self._client.stdin.write(command + "\n")
        self._client.stdin.flush()

    def _answer(self) -> str:
        """The next command's output: the lines between its %begin and %end (or %error); notifications
        (%output, %sessions-changed, ...) skipped."""
        assert self._client.stdout is not None
        lines: list[str] | None = None
        for line in self._client.stdout:
            if line.startswith("%begin"):
                lines = []
            elif line.startswith(("%end", "%error")) and lines is not None:
                return "".join(lines)
            elif lines is not None:
                lines.append(line)
        raise SystemExit("the tmux control client ended")

    def capture(self) -> str:
        self._send(f"capture-pane -p -t {SESSION}")
        return self._answer()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            assert self._client.stdin is not None
            self._client.stdin.close()
        _tmux("kill-server")
        self._client.wait(10)


def one_run(
    screens: Screens, command: str, until: str | None, timeout: float = 60
) -> tuple[float, float | None]:
    """Seconds to the first paint and (with ``until``) to the screen showing ``until``."""
    _tmux("kill-session", "-t", SESSION)
    t0 = time.perf_counter()
    _tmux("new-session", "-d", "-s", SESSION, "-x", SIZE[0], "-y", SIZE[1], command, check=True)
    first = done = None
    try:
        while time.perf_counter() - t0 < timeout:
            screen = screens.capture()
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
    name: str,
    values: Sequence[float],
    floor: float | None = None,
    target: float | None = None,
    of: str = "the floor",
) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered)
    line = f"{name:<22} median {median:5.2f} s  (min {ordered[0]:.2f}, max {ordered[-1]:.2f})"
    if floor:
        line += f"  {median / floor:4.2f}x {of}"
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
    bare_sign_in = f"{sys.executable} {BARE_FRAME} --sign-in {shlex.quote(str(DEMO_ESTATE))}; sleep 5"
    screens = Screens()
    try:
        one_run(screens, wizard, SIGNED_IN)  # warm the file cache
        one_run(screens, bare_sign_in, SIGNED_IN)
        bare_paints: list[float] = []
        bare_signed: list[float] = []
        paints: list[float] = []
        signed: list[float] = []
        for _ in range(a.runs):
            bare_paints.append(one_run(screens, bare, None)[0])
            bare_signed.append(one_run(screens, bare_sign_in, SIGNED_IN)[1] or 0.0)
            first, done = one_run(screens, wizard, SIGNED_IN)
            paints.append(first)
            signed.append(done or 0.0)
    finally:
        screens.close()
    floor = statistics.median(bare_paints)
    load = os.getloadavg()[0]
    print(
        f"{a.runs} runs each at {'x'.join(SIZE)}, alternating (load average {load:.2f} on {os.cpu_count()} cores)"
    )
    print(summary("bare app, first paint", bare_paints))
    print(summary("bare app, signed in", bare_signed, floor))
    print(summary("wizard, first paint", paints, floor, FIRST_PAINT_TARGET))
    print(summary("wizard, signed in", signed, floor, SIGNED_IN_TARGET))
    print(summary("wizard, signed in", signed, statistics.median(bare_signed), of="the bare sign-in"))

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
