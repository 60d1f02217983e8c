"""One read of Azure, made safe for a scan: whatever makes it fail becomes an `Unreadable` for the facts it
was for, so one failing read affects only those facts and the scan goes on (issue 12).

What can fail a read after the SDK's own retries: an HTTP error (403, 404, a 429 or 5xx that outlived the
retries), a connection reset or refused (``ServiceRequestError``), a read that broke off or timed out
(``ServiceResponseError``), and the scan's deadline (``--deadline``). All are ``AzureError`` but the last.
A sign-in failure (``ClientAuthenticationError``) is not caught: every other read would fail the same way, so
the caller reports it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any, TypeVar

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ServiceRequestTimeoutError,
    ServiceResponseTimeoutError,
)

from tui.azure import explain, request_id_of
from tui.model import Unreadable

T = TypeVar("T")


class Reader:
    """Runs reads under the scan's deadline and turns their failures into `Unreadable` entries.

    ``deadline`` is in seconds from the first read (None: no deadline). A read in flight when it passes is
    cancelled; a read not started by then is not sent. Both say so, naming the call.
    """

    def __init__(self, deadline: float | None = None) -> None:
        if deadline is not None and deadline <= 0:
            raise ValueError("the deadline must be a positive number of seconds")
        self.deadline = deadline
        self._at: float | None = None

    def deadline_at(self) -> float | None:
        """The deadline on the event loop's clock (set by the first call), or None."""
        if self.deadline is None:
            return None
        if self._at is None:
            self._at = asyncio.get_running_loop().time() + self.deadline
        return self._at

    @property
    def expired(self) -> bool:
        at = self.deadline_at()
        return at is not None and asyncio.get_running_loop().time() >= at

    async def read(self, what: str, call: str, operation: Awaitable[T]) -> T | Unreadable:
        """``await operation``; on failure an `Unreadable` saying ``what`` could not be read and why,
        with ``call`` (e.g. ``GET .../instanceView``) named."""
        if self.expired:
            if asyncio.iscoroutine(operation):
                operation.close()
            return Unreadable(
                what, f"timed out: the scan's deadline ({self.deadline:g} s) passed before {call} was sent"
            )
        try:
            async with asyncio.timeout_at(self.deadline_at()) as scope:
                return await operation
        except ClientAuthenticationError:
            raise
        except TimeoutError as exc:
            if scope.expired():
                return Unreadable(
                    what,
                    f"timed out: the scan's deadline ({self.deadline:g} s) passed while waiting for {call}",
                )
            return Unreadable(what, f"timed out: {call} got no answer in time ({exc or 'timeout'})")
        except (ServiceRequestTimeoutError, ServiceResponseTimeoutError) as exc:
            return Unreadable(what, f"timed out: {call} got no answer in time ({_first_line(exc)})")
        except AzureError as exc:
            problem = explain(exc)
            return Unreadable(
                what, f"{call}: {problem.one_line}", request_id_of(exc), problem.status, problem.code
            )

    async def each(
        self, what: str, call: str, pager: AsyncIterable[Any], take: Callable[[Any], None]
    ) -> Unreadable | None:
        """Read a paged list, handing each item to ``take`` as its page arrives (nothing is kept here)."""

        async def consume() -> None:
            async for item in pager:
                take(item)

        result = await self.read(what, call, consume())
        return result if isinstance(result, Unreadable) else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def as_dicts(items: Iterable[Any]) -> list[dict[str, Any]]:
    """SDK models (TypeSpec ``as_dict``) or plain mappings, as plain dicts."""
    return [item.as_dict() if hasattr(item, "as_dict") else dict(item) for item in items]


__all__ = ["Reader", "as_dicts"]
