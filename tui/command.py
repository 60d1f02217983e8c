"""What the headless commands (``check``, ``protect``) share: a progress line on stderr, signing in and closing
everything afterwards, and one mapping from failures to a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TextIO

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError

from tui.azure import explain
from tui.connect import Connection, UsageError
from tui.rules import RulesError
from tui.services.inventory import ScanError

EXIT_ERROR = 2  # usage, sign-in or service error (design.md section 6)


class Refused(Exception):
    """Stop before any write, with this message (exit status 2)."""


class StderrProgress:
    """One self-rewriting line on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[2K{stage} {done}/{total}")
            self.stream.flush()

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


def run_command(
    prog: str,
    main: Callable[[], Coroutine[Any, Any, int]],
    args: argparse.Namespace,
    err: TextIO | None = None,
) -> int:
    """Run ``main`` (the command's coroutine) and return its exit status; bad input, a refusal, a sign-in or a
    service failure becomes one line on stderr and exit status 2, never a traceback."""
    err = err or sys.stderr
    try:
        return asyncio.run(main())
    except (Refused, UsageError, ScanError, RulesError, ValueError) as e:
        print(f"{prog}: {e}", file=err)
    except (AzureError, ClientAuthenticationError, OSError) as e:
        problem = explain(e, auth=getattr(args, "auth", None))
        print(f"{prog}: {problem.title}: {problem.detail} {problem.remedy}".rstrip(), file=err)
    return EXIT_ERROR
