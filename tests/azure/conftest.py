"""Test doubles for tui.azure: an in-memory transport (replaces the network, not the SDK)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

_REASONS = {200: "OK", 202: "Accepted", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
_REASONS |= {409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error"}


class FakeResponse(AsyncHttpResponseImpl):
    """A complete in-memory response."""

    def __init__(
        self, request: HttpRequest, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        all_headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=utf-8"})
        all_headers.update(headers or {})
        super().__init__(
            request=request,
            internal_response=None,
            status_code=status,
            reason=_REASONS.get(status, "Status"),
            content_type=all_headers["Content-Type"],
            headers=all_headers,
            stream_download_generator=None,
        )
        self._content = b"" if body is None else json.dumps(body).encode()
        self._is_stream_consumed = True

    async def close(self) -> None:
        self._is_closed = True


Handler = Callable[[HttpRequest], tuple[int, Any, dict[str, str]] | tuple[int, Any]]


class RecordingTransport(AsyncHttpTransport):
    """Records (method, url, headers) of every request and answers from ``handler``."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler = handler or (lambda request: (200, {"value": []}))
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.closed = False

    async def send(self, request: HttpRequest, **kwargs: Any) -> FakeResponse:  # type: ignore[override]
        self.requests.append((request.method, request.url, dict(request.headers)))
        status, body, *rest = self.handler(request)
        return FakeResponse(request, status, body, rest[0] if rest else None)

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> RecordingTransport:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.close()


class StaticCredential:
    """An async credential that hands out a fixed fake token and records the scopes asked for."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("fake-token", int(time.time()) + 3600)

    async def close(self) -> None:
        pass


@pytest.fixture
def fake_response() -> type[FakeResponse]:
    return FakeResponse


@pytest.fixture
def recording_transport() -> type[RecordingTransport]:
    return RecordingTransport


@pytest.fixture
def static_credential() -> StaticCredential:
    return StaticCredential()
