"""Entry point: ``vmbackup-prep`` (the wizard), ``vmbackup-prep check``, ``protect``, ``rules`` and ``emulator``.

Each command imports what it needs when it runs: ``rules`` never loads the Azure SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from tui import __version__
from tui.resources import DEMO_ESTATE
from tui.textsafe import clean

EXIT_USAGE = 2


def _wizard_parser() -> argparse.ArgumentParser:
    from tui.connect import add_target_options

    p = argparse.ArgumentParser(
        prog="vmbackup-prep",
        usage="vmbackup-prep [{check,protect,rules,logout,emulator}] [options]   (no command: the wizard)",
        description="Get Azure VMs ready for Azure Backup. Commands: (none) the wizard; "
        "'check' headless readiness report; 'protect' enable backup headless; 'rules' the rule catalog; "
        "'logout' forget remembered sign-ins; 'emulator' the built-in ARM emulator.",
    )
    p.add_argument("--version", action="version", version=f"vmbackup-prep {__version__}")
    add_target_options(p)
    return p


def _emulator_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vmbackup-prep emulator",
        description="Serve an estate as Azure Resource Manager over HTTPS on loopback.",
    )
    p.add_argument(
        "--estate", metavar="FILE", default=str(DEMO_ESTATE), help="estate file (default: the demo estate)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s: loopback only)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    p.add_argument("--latency-ms", type=int, default=0, metavar="N", help="delay every response by N ms")
    p.add_argument(
        "--faults",
        metavar="SPEC",
        help="e.g. 429:0.1,503:0.05,reset:0.01; hang:RATE never answers; KIND:RATE@PATH only hits paths "
        "containing PATH (e.g. 503:1@/instanceView)",
    )
    p.add_argument("--throttle", choices=("arm", "off"), default="off", help="ARM token-bucket throttling")
    p.add_argument(
        "--page-size", type=int, default=100, metavar="N", help="items per list page (default %(default)s)"
    )
    p.add_argument("--request-log", metavar="FILE", help="append one JSON line per request (never tokens)")
    p.add_argument(
        "--approve-device-codes-after",
        type=float,
        metavar="SECONDS",
        help="approve every device code sign-in by itself after SECONDS (demos and scripted runs); "
        "otherwise approve with POST /_emulator/device-codes/{user_code}/approve",
    )
    p.add_argument(
        "--stop-when-stdin-closes",
        action="store_true",
        help="also stop when standard input closes (for a program that runs the emulator as its child: the "
        "OS closes the pipe however that program exits)",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (the token endpoint accepts any secret: anyone who reaches "
        "it can act in the emulated estate)",
    )
    return p


def run_emulator(argv: Sequence[str]) -> int:
    args = _emulator_parser().parse_args(argv)
    from tui.emulator import Emulator, EmulatorConfig, EstateError, load_estate

    try:
        config = EmulatorConfig(
            host=args.host,
            port=args.port,
            latency_ms=args.latency_ms,
            faults=args.faults,
            throttle=args.throttle,
            page_size=args.page_size,
            request_log=args.request_log,
            approve_device_codes_after=args.approve_device_codes_after,
            allow_remote=args.allow_remote,
        )
        config.validate()  # before the estate is read: a bad option is said at once
        emulator = Emulator(load_estate(args.estate), config)
    except (EstateError, ValueError) as e:
        print(f"vmbackup-prep emulator: {clean(e)}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_serve_until_signalled(emulator, stop_when_stdin_closes=args.stop_when_stdin_closes))


async def _serve_until_signalled(emulator: Any, *, stop_when_stdin_closes: bool = False) -> int:
    """Serve until SIGINT, SIGTERM or SIGHUP (or stdin's end, when asked). The handlers are in place before the
    ready line is printed, so a signal at any moment stops the emulator cleanly (no temp dir left behind)."""
    from tui.emulator import EmulatorStartError

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(_signum: int, _frame: object) -> None:
        # A plain handler runs at once, even while the start blocks (opening a FIFO request log, making
        # keys): so a signal during the start is seen when it returns, before any ready line.
        stop.set()
        loop.call_soon_threadsafe(lambda: None)  # wake the loop if it waits

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    if stop_when_stdin_closes:

        def at_end_of_stdin() -> None:
            sys.stdin.buffer.read()  # nothing is ever written: this returns when the parent's end closes
            with contextlib.suppress(RuntimeError):  # the loop closed already: stopped by a signal
                loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=at_end_of_stdin, name="stdin-watch", daemon=True).start()
    try:
        try:
            info = await emulator.start()
        except EmulatorStartError as e:
            print(f"vmbackup-prep emulator: {clean(e)}", file=sys.stderr)
            return EXIT_USAGE
        if not stop.is_set():
            print(json.dumps(info), flush=True)
            await stop.wait()
    finally:
        await emulator.stop()
    return 0


def run_logout(argv: Sequence[str]) -> int:
    argparse.ArgumentParser(
        prog="vmbackup-prep logout",
        description="Forget the remembered device code and browser sign-ins: the accounts and the token cache.",
    ).parse_args(argv)
    from tui.azure import SignInMemory

    try:
        print(SignInMemory().forget())
    except OSError as e:
        print(f"vmbackup-prep logout: cannot remove {e.filename}: {e.strerror}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def run_wizard(argv: Sequence[str]) -> int:
    from tui.connect import UsageError, connect

    args = _wizard_parser().parse_args(argv)
    try:
        connection = connect(args)
    except (UsageError, ValueError) as e:
        print(f"vmbackup-prep: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        from tui.app import VmBackupPrepApp

        VmBackupPrepApp(connection).run()
    finally:
        connection.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "emulator":
        return run_emulator(argv[1:])
    if argv and argv[0] == "check":
        from tui.check import run_check

        return run_check(argv[1:])
    if argv and argv[0] == "rules":
        from tui.catalog import run_rules

        return run_rules(argv[1:])
    if argv and argv[0] == "protect":
        from tui.protect import run_protect

        return run_protect(argv[1:])
    if argv and argv[0] == "logout":
        return run_logout(argv[1:])
    if argv and argv[0] == "wizard":
        argv = argv[1:]
    return run_wizard(argv)


if __name__ == "__main__":
    raise SystemExit(main())
