"""SIGINT, SIGTERM and SIGHUP as clean stops for the headless commands (``check``, ``protect``).

``run(coro)`` is ``asyncio.run`` where any of the three signals cancels the run: every ``finally`` runs (the
emulator thread of ``--demo`` stops and removes its temp dir, clients close), then ``Interrupted`` is raised
for the command to say in one line what was done and exit with 128 + the signal number (130 for ctrl+c),
as a shell reports a process stopped by a signal. Outside the event loop, and inside ``blocking()`` (a
prompt waiting on the terminal, which blocks the loop), a signal raises ``Interrupted`` where the program is.
Signals can only be handled in the main thread: elsewhere (tests calling a command in a thread) ``run`` is
plain ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):  # like KeyboardInterrupt: a stop, never swallowed by `except Exception`
    """The run was stopped by a signal; ``exit_status`` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    @property
    def how(self) -> str:
        return "ctrl+c (SIGINT)" if self.signum == signal.SIGINT else self.name


class _Run:
    def __init__(self) -> None:
        self.signum: int | None = None  # the first signal received

    def note(self, signum: int) -> bool:
        """Remember the first signal; True if it is the first."""
        if self.signum is not None:
            return False
        self.signum = signum
        return True


_active: _Run | None = None


def _raise(signum: int, _frame: Any) -> None:
    if _active is not None:
        _active.note(signum)
    raise Interrupted(signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _raising() -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, _raise)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to the end; a signal cancels it (its cleanup runs) and raises ``Interrupted``."""
    global _active
    if not _main_thread():
        return asyncio.run(coro)
    state = _active = _Run()

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def stop(sig: int) -> None:
            if state.note(sig):  # the first signal decides; more while cleaning up change nothing
                task.cancel()

        for sig in SIGNALS:
            loop.add_signal_handler(sig, stop, sig)
        try:
            return await coro
        finally:
            for sig in SIGNALS:
                loop.remove_signal_handler(sig)
                signal.signal(sig, _raise)  # the rest of the shutdown is short and synchronous

    try:
        with _raising():
            return asyncio.run(main())
    except asyncio.CancelledError:
        if state.signum is not None:
            raise Interrupted(state.signum) from None
        raise
    finally:
        _active = None


@contextlib.contextmanager
def blocking() -> Iterator[None]:
    """Around a call that blocks the event loop (a prompt reading the terminal): a signal interrupts the
    call itself rather than waiting for the loop."""
    if _active is None or not _main_thread():
        yield
        return
    with _raising():
        yield
