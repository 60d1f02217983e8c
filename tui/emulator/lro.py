"""Long-running operations: an in-memory store and the 202 / status / result responses ARM gives."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .routing import ArmError, Ctx, Router, json_response

RETRY_AFTER = {"Retry-After": "1"}  # never 0: the SDK treats 0 as "no hint" and sleeps 30 s


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Operation:
    id: str
    started: float
    duration: float
    result: Callable[[], Any] | Any = None  # body of the final result (callable: computed when read)
    error: dict[str, Any] | None = None  # ARM error object when the operation fails
    properties: dict[str, Any] = field(default_factory=dict)
    http_status: int = 400  # status of a failed operation's Location poll

    @property
    def done(self) -> bool:
        return time.monotonic() >= self.started + self.duration

    @property
    def status(self) -> str:
        if not self.done:
            return "InProgress"
        return "Failed" if self.error else "Succeeded"

    def result_body(self) -> Any:
        return self.result() if callable(self.result) else self.result

    def status_body(self) -> dict[str, Any]:
        wall_start = time.time() - (time.monotonic() - self.started)
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.id,
            "status": self.status,
            "startTime": _iso(wall_start),
        }
        if self.done:
            body["endTime"] = _iso(wall_start + self.duration)
        if self.error and self.done:
            body["error"] = self.error
        if self.properties:
            body["properties"] = self.properties
        return body


class OperationStore:
    """Keeps the latest operations (bounded) by id."""

    def __init__(self, duration: float, keep: int = 20_000) -> None:
        self.duration = duration
        self.keep = keep
        self._ops: OrderedDict[str, Operation] = OrderedDict()

    def start(
        self,
        *,
        result: Any = None,
        error: dict[str, Any] | None = None,
        duration: float | None = None,
        properties: dict[str, Any] | None = None,
    ) -> Operation:
        op = Operation(
            str(uuid.uuid4()),
            time.monotonic(),
            self.duration if duration is None else duration,
            result,
            error,
            properties or {},
        )
        self._ops[op.id] = op
        while len(self._ops) > self.keep:
            self._ops.popitem(last=False)
        return op

    def get(self, op_id: str) -> Operation:
        op = self._ops.get(op_id.lower()) or self._ops.get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
        return op


def accepted(
    *, async_url: str | None = None, location_url: str | None = None, body: Any = None
) -> web.Response:
    """202 Accepted pointing the poller at the status (Azure-AsyncOperation) and/or result (Location)."""
    headers = dict(RETRY_AFTER)
    if async_url:
        headers["Azure-AsyncOperation"] = async_url
    if location_url:
        headers["Location"] = location_url
    if body is None:
        return web.Response(status=202, headers=headers)
    return json_response(body, status=202, headers=headers)


def status_response(op: Operation) -> web.Response:
    return json_response(op.status_body(), headers=None if op.done else RETRY_AFTER)


def result_response(ctx: Ctx, op: Operation, *, done_status: int = 200) -> web.Response:
    """A Location poll: 202 while running; then the result (or the failure) once done."""
    if not op.done:
        return web.Response(status=202, headers={**RETRY_AFTER, "Location": str(ctx.request.url)})
    if op.error:
        return json_response({"error": op.error}, status=op.http_status)
    body = op.result_body()
    if body is None:
        return web.Response(status=204 if done_status == 200 else done_status)
    return json_response(body, status=done_status)


def op_urls(ctx: Ctx, namespace: str, location: str, op: Operation) -> tuple[str, str]:
    """(Azure-AsyncOperation, Location) URLs for an operation of a provider in a region."""
    api = ctx.request.query.get("api-version", "")
    root = f"{ctx.base()}subscriptions/{ctx.sub_id}/providers/{namespace}/locations/{location}"
    return (
        f"{root}/operations/{op.id}?api-version={api}",
        f"{root}/operationResults/{op.id}?api-version={api}",
    )


def register(router: Router) -> None:
    root = "/subscriptions/{sub}/providers/{ns}/locations/{loc}"

    @router.route("GET", root + "/operations/{op}")
    async def operation_status(ctx: Ctx) -> web.Response:
        op = ctx.emulator.operations.get(ctx.params["op"])
        if ctx.query.get("monitor", "").lower() == "true":  # Compute's Location form of the same URL
            return result_response(ctx, op)
        return status_response(op)

    @router.route("GET", root + "/operationResults/{op}")
    async def operation_result(ctx: Ctx) -> web.Response:
        return result_response(ctx, ctx.emulator.operations.get(ctx.params["op"]))
