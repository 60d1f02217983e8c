"""What the headless commands (``check``, ``protect``) share: a progress line on stderr, signing in and closing
everything afterwards, and one mapping from failures to a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TextIO

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError

from tui import interrupts
from tui.azure import explain
from tui.connect import Connection, UsageError
from tui.interrupts import Interrupted
from tui.rules import RulesError
from tui.services.inventory import ScanError
from tui.textsafe import clean

EXIT_ERROR = 2  # usage, sign-in or service error (design.md section 6)


class Refused(Exception):
    """Stop before any write, with this message (exit status 2)."""


class StderrProgress:
    """One self-rewriting line on stderr, only when stderr is a terminal; remembers where the run got to."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last: tuple[str, int, int] | None = None  # (stage, done, total), for an interrupted run

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.last = (stage, done, total)
        if self.tty:  # stage names carry names from Azure: no control character reaches the terminal
            self.stream.write(f"\r\x1b[2K{clean(stage)} {done}/{total}")
            self.stream.flush()

    def where(self) -> str:
        """Where the run was, in words: ``"at 'Contoso: VM agents' (12/40)"``, or ``"before the first read"``."""
        if self.last is None:
            return "before the first read"
        stage, done, total = self.last
        return f"at '{clean(stage)}' ({done}/{total})"

    def done(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


@asynccontextmanager
async def signed_in(
    connection: Connection, err: TextIO, progress: StderrProgress
) -> AsyncIterator[tuple[Connection, AsyncTokenCredential]]:
    """The connection with its cloud resolved, and a credential (the device code and the remembered sign-in
    said on ``err``). Afterwards, whatever happened: the credential closed, the progress line cleared, the
    connection closed (its emulator stopped, the process environment restored)."""
    try:
        resolved = await connection.resolved()
        credential = await resolved.headless_credential(err)
        try:
            yield resolved, credential
        finally:
            await credential.close()
            progress.done()
    finally:
        connection.close()


def problem_line(e: BaseException, auth: str | None = None) -> str:
    """An Azure or system failure as one sentence with its remedy (``auth``: the sign-in method in use)."""
    problem = explain(e, auth=auth)
    return f"{problem.title}: {problem.detail} {problem.remedy}".rstrip()


def run_command(
    prog: str,
    main: Callable[[], Coroutine[Any, Any, int]],
    args: argparse.Namespace,
    err: TextIO | None = None,
    *,
    interrupted: Callable[[Interrupted], str] | None = None,
) -> int:
    """Run ``main`` (the command's coroutine) and return its exit status; bad input, a refusal, a sign-in or a
    service failure becomes one line on stderr and exit status 2, never a traceback. A signal (ctrl+c,
    SIGTERM, SIGHUP) ends the run cleanly: ``interrupted`` says what was done, exit status 128 + signal."""
    err = err or sys.stderr
    try:
        return interrupts.run(main())
    except Interrupted as stop:
        said = interrupted(stop) if interrupted is not None else f"{prog}: interrupted by {stop.how}"
        err.write(said.rstrip("\n") + "\n")
        err.flush()
        return stop.exit_status
    except (Refused, UsageError, ScanError, RulesError, ValueError) as e:
        message: object = e
    except (AzureError, OSError) as e:  # ClientAuthenticationError is an AzureError
        message = problem_line(e, auth=getattr(args, "auth", None))
    print(f"{prog}: {clean(message)}", file=err)  # one line, whatever the message holds
    return EXIT_ERROR
