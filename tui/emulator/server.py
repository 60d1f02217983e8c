"""The ARM emulator: HTTPS on loopback, one dispatch function in front of per-provider route modules."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from aiohttp import web
from yarl import URL

from . import identity, lro
from .device_codes import DEFAULT_EXPIRES_IN, DEFAULT_INTERVAL, DeviceCodeStore, RefreshTokens, default_user
from .estate import Estate, load_estate, parse_estate
from .policy import ArmThrottle, FaultInjector, hang, parse_faults
from .routes import ROUTE_MODULES
from .routes.vaults import ensure_default_policies
from .routing import ArmError, Ctx, Router, invalid_content, json_response
from .tls import make_tls
from .tokens import TokenIssuer

_PROVIDER_ROUTE_SUFFIXES = ("/register", "/unregister")
_URL_HEADERS = ("Location", "Azure-AsyncOperation")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # RFC 3986 reserved characters, and "%" so encoded ones stay as they are
SHUTDOWN_TIMEOUT = 1.0  # seconds in-flight requests get to finish when stopping (aiohttp's default is 60)
log = logging.getLogger("tui.emulator")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class EmulatorStartError(ValueError):
    """The emulator could not start; the message says what failed (listening, the request log, ...)."""


@dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0
    latency_ms: int = 0
    faults: str | None = None
    throttle: str = "off"  # "arm" or "off"
    page_size: int = 100
    request_log: str | None = None
    lro_seconds: float = 0.5  # how long an operation stays InProgress
    registration_polls: int = 2  # provider GETs answered "Registering" before "Registered"
    seed: int | None = None  # fault injection randomness
    approve_device_codes_after: float | None = None  # approve every device code by itself after N s
    device_code_expires_in: int = DEFAULT_EXPIRES_IN  # Entra: 15 minutes
    device_code_interval: int = DEFAULT_INTERVAL  # Entra: poll every 5 s
    allow_remote: bool = False  # bind a non-loopback address (the token endpoint accepts any secret)

    def validate(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"--port {self.port}: must be from 0 to 65535 (0 picks a free port)")
        check_host(self.host, self.allow_remote)
        if self.page_size < 1:
            raise ValueError("--page-size must be at least 1")
        if self.latency_ms < 0:
            raise ValueError("--latency-ms must not be negative")
        if self.throttle not in ("arm", "off"):
            raise ValueError("--throttle must be 'arm' or 'off'")
        parse_faults(self.faults)
        if self.approve_device_codes_after is not None and self.approve_device_codes_after < 0:
            raise ValueError("--approve-device-codes-after must not be negative")
        if self.device_code_expires_in < 1 or self.device_code_interval < 1:
            raise ValueError("device codes need a lifetime and a polling interval of at least 1 s")


def check_host(host: str, allow_remote: bool) -> None:
    """A host to bind: an IP address or a DNS name, on loopback unless ``allow_remote``."""
    if host in ("localhost", "localhost."):
        return
    try:
        ip: Any = ipaddress.ip_address(host)
    except ValueError:
        ip = None
        if not host:
            raise ValueError(
                "--host '' would listen on every interface: name the address (e.g. 127.0.0.1, or 0.0.0.0 "
                "with --allow-remote)"
            ) from None
        if not _HOST_NAME.match(host):
            raise ValueError(f"--host {host!r} is not an IP address or a host name") from None
    if (ip is None or not ip.is_loopback) and not allow_remote:
        raise ValueError(
            f"--host {host} is not a loopback address: the emulator's token endpoint accepts any client id "
            "and secret, so anyone who reaches it can act in the emulated estate; add --allow-remote to "
            "listen there anyway"
        )


def build_router() -> Router:
    router = Router()
    lro.register(router)
    for module in ROUTE_MODULES:
        module.register(router)
    return router


class Emulator:
    """One emulator instance: estate, routes, TLS material and the two listening sites."""

    def __init__(self, estate: Estate, config: EmulatorConfig | None = None) -> None:
        self.estate = estate
        ensure_default_policies(estate)  # the service gives every vault its system default policies
        self.config = config or EmulatorConfig()
        self.config.validate()
        self.router = build_router()
        self.tokens = TokenIssuer(estate.tenant_id)
        self.id_tokens = TokenIssuer(estate.tenant_id)  # its own key: an ID token is no access token for ARM
        self.device_codes = DeviceCodeStore(
            user=default_user(estate.tenant.get("displayName")),
            expires_in=self.config.device_code_expires_in,
            interval=self.config.device_code_interval,
            approve_after=self.config.approve_device_codes_after,
        )
        self.refresh_tokens = RefreshTokens()
        self.identity_header = secrets.token_urlsafe(24)
        self.msi_client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vmbackup-prep:msi:{estate.tenant_id}"))
        self.msi_object_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vmbackup-prep:msi-oid:{estate.tenant_id}"))
        self.operations = lro.OperationStore(self.config.lro_seconds)
        self.faults = FaultInjector(parse_faults(self.config.faults), self.config.seed)
        self.throttle = ArmThrottle() if self.config.throttle == "arm" else None
        self.info: dict[str, Any] = {}
        self._runners: list[web.AppRunner] = []
        self._tmp: Path | None = None
        self._log: IO[str] | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> dict[str, Any]:
        """Listen and return the ready info; on any failure nothing is left behind (no temp dir, no log)."""
        try:
            return await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> dict[str, Any]:
        if self.config.request_log:
            try:
                self._log = open(self.config.request_log, "a", encoding="utf-8", buffering=1)  # noqa: SIM115, ASYNC230 (once, at start)
            except OSError as e:
                raise EmulatorStartError(
                    f"cannot open the request log {self.config.request_log}: {e.strerror or e}"
                ) from None
        self._tmp = Path(tempfile.mkdtemp(prefix="vmbackup-prep-emulator-"))
        tls = make_tls(self._tmp, [self.config.host])
        arm = web.Application(middlewares=[self.log_middleware], client_max_size=16 * 1024**2)
        arm.router.add_route("*", "/{tail:.*}", self._dispatch)
        try:
            arm_port = await self._serve(arm, self.config.host, self.config.port, tls.server_context)
            msi_port = await self._serve(identity.msi_app(self), "127.0.0.1", 0, None)
        except (OSError, UnicodeError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            raise EmulatorStartError(
                f"cannot listen on {self.config.host}:{self.config.port}: {reason}"
            ) from None
        shown_host = self.config.host if self.config.host not in ("0.0.0.0", "::") else "127.0.0.1"
        if ":" in shown_host:
            shown_host = f"[{shown_host}]"
        self.info = {
            "arm_endpoint": f"https://{shown_host}:{arm_port}/",
            "ca_bundle": str(tls.ca_pem.resolve()),
            "identity_endpoint": f"http://127.0.0.1:{msi_port}{identity.MSI_PATH}",
            "identity_header": self.identity_header,
            "tenant_id": self.estate.tenant_id,
            "pid": os.getpid(),
        }
        return self.info

    async def _serve(self, app: web.Application, host: str, port: int, ssl_ctx: Any) -> int:
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        self._runners.append(runner)
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((host, port))
            site = web.SockSite(runner, sock, ssl_context=ssl_ctx, backlog=512)
            await site.start()
        except BaseException:
            sock.close()
            raise
        return sock.getsockname()[1]

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
        if self._log:
            self._log.close()
            self._log = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # -- helpers for routes ----------------------------------------------------------------------------
    def base_url(self, request: web.Request) -> str:
        return f"https://{request.host}/"

    # -- middleware and dispatch -----------------------------------------------------------------------
    @web.middleware
    async def log_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        t0 = time.perf_counter()
        status = 0  # 0 = the connection was dropped (reset fault)
        try:
            resp = await handler(request)
            status = resp.status
            return resp
        finally:
            if self._log:
                entry = {
                    "ts": round(time.time(), 3),
                    "method": request.method,
                    "path": request.path,
                    "query": dict(request.query),
                    "status": status,
                    "ms": round((time.perf_counter() - t0) * 1000, 2),
                }
                self._log.write(json.dumps(entry, separators=(",", ":")) + "\n")

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path_part, sep, query = request.raw_path.partition("?")
        if "//" in path_part:  # clients joining "https://host/" + "/path" send "//path"; ARM tolerates it
            request = request.clone(rel_url=URL(re.sub("/{2,}", "/", path_part) + sep + query, encoded=True))
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        ident = await identity.handle_identity(self, request)
        if ident is not None:
            return ident
        request_id = str(uuid.uuid4())
        base_headers = {  # on every answer, errors included, as ARM sends them
            "x-ms-request-id": request_id,
            "x-ms-correlation-request-id": request.headers.get("x-ms-client-request-id", request_id),
        }
        fault = self.faults.draw(request.path)
        if fault == "hang":  # no answer; once the client gives up, the connection is dropped
            await hang(request)
            fault = "reset"
        if fault == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing is written on an aborted connection
        if fault:
            status = int(fault)
            headers = {"Retry-After": "1"} if status in (429, 503) else {}
            return ArmError(
                status,
                {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(status, "InternalServerError"),
                f"Injected fault: HTTP {status}.",
                headers={**headers, **base_headers},
            ).response()
        try:
            resp = await self._arm(request, base_headers)
        except ArmError as e:
            resp = e.response()
        except asyncio.CancelledError:
            raise
        except Exception as e:  # never a plain-text 500 with a traceback: ARM's envelope and one log line
            resp = self._unexpected(request, e, base_headers).response()
        resp.headers.update(base_headers)
        # Location / Azure-AsyncOperation carry a URI (RFC 9110 section 10.2.2; RFC 3986 section 2.1 for the
        # percent-encoding): names from the estate with spaces or non-ASCII are encoded, reserved chars kept.
        for name in _URL_HEADERS:
            if name in resp.headers:
                resp.headers[name] = quote(resp.headers[name], safe=_URL_SAFE)
        return resp

    def _unexpected(self, request: web.Request, e: Exception, base_headers: dict[str, str]) -> ArmError:
        """A handler failed. With a body, a value of the wrong type (a list where an object belongs, ...) is
        the client's error, as ARM's deserializer would say (no public source for that reason text); anything
        else is the emulator's own: ARM's 500. No Microsoft doc or spec example shows ARM's 500 body; its wording
        and fields here are those of real ARM answers quoted in public code and issue threads, e.g.
        "Encountered internal server error. Diagnostic information: timestamp '20210213T041159Z', subscription
        id '54aea2c5-...', tracking id '27345547-...', request correlation id '27345547-...'."."""
        frame = e.__traceback__
        while frame is not None and frame.tb_next is not None:
            frame = frame.tb_next
        where = f"{Path(frame.tb_frame.f_code.co_filename).name}:{frame.tb_lineno}" if frame else "?"
        what = f"{type(e).__name__}: {e}"
        if request.body_exists and isinstance(
            e, AttributeError | TypeError | KeyError | IndexError | ValueError
        ):
            log.warning(
                "emulator: %s %s: request body refused (%s at %s)", request.method, request.path, what, where
            )
            return invalid_content(
                f"A value of the request body has a type the service does not accept ({what})"
            )
        log.error("emulator: %s %s failed: %s at %s", request.method, request.path, what, where)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        return ArmError(
            500,
            "InternalServerError",
            f"Encountered internal server error. Diagnostic information: timestamp '{stamp}', subscription id "
            f"'{_subscription_id(request.path)}', tracking id '{base_headers['x-ms-request-id']}', request "
            f"correlation id '{base_headers['x-ms-correlation-request-id']}'.",
        )

    def _authenticate(self, request: web.Request) -> dict[str, Any]:
        auth = request.headers.get("Authorization", "")
        challenge = {
            "WWW-Authenticate": 'Bearer authorization_uri="'
            + self.base_url(request)
            + self.estate.tenant_id
            + '", error="invalid_token", error_description="The authentication failed."'
        }
        if not auth.lower().startswith("bearer "):
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
                headers=challenge,
            )
        claims = self.tokens.verify(auth[7:].strip())
        if claims is None:
            raise ArmError(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid or has expired.",
                headers=challenge,
            )
        return claims

    async def _arm(self, request: web.Request, base_headers: dict[str, str]) -> web.StreamResponse:
        claims = self._authenticate(request)
        raw_path = request.raw_path.split("?", 1)[0]
        segments = request.path.split("/")
        sub_key = segments[2].lower() if len(segments) > 2 and segments[1].lower() == "subscriptions" else ""
        sub = self.estate.subscriptions.get(sub_key) if sub_key else None
        if sub_key and sub is None:
            raise ArmError(
                404, "SubscriptionNotFound", f"The subscription '{segments[2]}' could not be found."
            )
        if sub is not None and sub.access == "forbidden":
            raise ArmError(
                403,
                "AuthorizationFailed",
                f"The client '{claims.get('appid')}' with object id '{claims.get('oid')}' does not have "
                f"authorization to perform action '{_action(request.method, request.path)}' over scope "
                f"'{_scope(request.path)}' or the scope is invalid. If access was recently granted, please "
                "refresh your credentials.",
            )
        if self.throttle is not None:
            header, ok, remaining, wait = self.throttle.take(
                sub_key or "tenant", str(claims.get("oid")), request.method
            )
            if not ok:
                who = f"subscription '{segments[2]}'" if sub_key else "the tenant"
                raise ArmError(
                    429,
                    "SubscriptionRequestsThrottled",
                    f"Number of requests for {who} actor '{claims.get('oid')}' exceeded. Please try again "
                    f"after '{wait}' seconds after additional tokens are available. Refer to "
                    "https://aka.ms/arm-throttling for additional information.",
                    headers={"Retry-After": str(wait), header: "0"},
                )
            base_headers[header] = str(remaining)
        if sub is not None:
            self._check_registration(sub, request.path)
        found = self.router.match(request.method, raw_path)
        if found is None:
            if self.router.allows_other_method(request.method, raw_path):
                raise ArmError(
                    405,
                    "MethodNotAllowed",
                    f"The requested method '{request.method}' is not allowed for this resource.",
                )
            raise ArmError(
                404, "InvalidResourceType", f"The emulator does not serve '{request.method} {request.path}'."
            )
        route, params = found
        ctx = Ctx(
            request=request,
            params=params,
            emulator=self,
            query={k.lower(): v for k, v in request.query.items()},
        )
        if "api-version" not in ctx.query:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        return await route.handler(ctx)

    def _check_registration(self, sub: Any, path: str) -> None:
        """ARM refuses every request into a namespace the subscription has not registered (GET included)."""
        parts = path.split("/")
        low = [p.lower() for p in parts]
        if "providers" not in low:
            return
        i = low.index("providers")
        if i + 1 >= len(parts):
            return
        ns = parts[i + 1]
        if low[i + 1] == "microsoft.resources":
            return
        if i == 3 and (len(parts) == 5 or (len(parts) == 6 and low[5] in ("register", "unregister"))):
            return  # the provider resource itself: get / register
        state = sub.provider_state(ns)
        if state != "Registered":
            proper = sub.provider_names.get(ns.lower(), ns)
            msg = (
                f"The subscription is not registered to use namespace '{proper}'. "
                "See https://aka.ms/rps-not-found for how to register subscriptions."
            )
            raise ArmError(
                409,
                "MissingSubscriptionRegistration",
                msg,
                details=[{"code": "MissingSubscriptionRegistration", "target": proper, "message": msg}],
            )


def _scope(path: str) -> str:
    parts = path.split("/")
    low = [p.lower() for p in parts]
    return "/".join(parts[:5]) if len(parts) >= 5 and low[3] == "resourcegroups" else "/".join(parts[:3])


def _subscription_id(path: str) -> str:
    """The subscription a path names, or "" (no public answer shows ARM's 500 for a path without one: the
    field is kept, empty, rather than invented)."""
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def _action(method: str, path: str) -> str:
    """The RBAC action a request needs, e.g. ``Microsoft.Compute/virtualMachines/read``."""
    parts = path.strip("/").split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        kinds = "Microsoft.Resources/subscriptions" + ("/resourceGroups" if "resourcegroups" in low else "")
        return f"{kinds}/{'read' if method == 'GET' else 'write'}"
    i = len(low) - 1 - low[::-1].index("providers")
    rest = parts[i + 1 :]
    if not rest:  # the provider list itself (GET /subscriptions/{id}/providers): the operation
        # "Microsoft.Resources/subscriptions/providers/read" of the Azure RBAC resource provider operations list
        # (https://learn.microsoft.com/azure/role-based-access-control/resource-provider-operations)
        return f"Microsoft.Resources/subscriptions/providers/{'read' if method == 'GET' else 'write'}"
    types = [rest[0], *rest[1::2]]
    if method == "POST" and len(rest) % 2 == 0:
        return "/".join([*types, rest[-1], "action"]) if len(rest) > 1 else "/".join([*types, "action"])
    verb = {"GET": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete", "POST": "action"}.get(
        method, "read"
    )
    return "/".join([*types, verb])


# -- ways to run it -------------------------------------------------------------------------------------
def _as_estate(estate: Estate | dict[str, Any] | str | Path) -> Estate:
    if isinstance(estate, Estate):
        return estate
    if isinstance(estate, dict):
        return parse_estate(estate)
    return load_estate(estate)


@asynccontextmanager
async def running(
    estate: Estate | dict[str, Any] | str | Path, config: EmulatorConfig | None = None
) -> AsyncIterator[Emulator]:
    """Run an emulator in the current event loop for the duration of the block."""
    emulator = Emulator(_as_estate(estate), config)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


class EmulatorThread:
    """An emulator on its own event loop in a daemon thread, so it never competes with the UI's loop."""

    def __init__(
        self, estate: Estate | dict[str, Any] | str | Path, config: EmulatorConfig | None = None
    ) -> None:
        self.emulator = Emulator(_as_estate(estate), config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="arm-emulator", daemon=True)

    def start(self, timeout: float = 30) -> dict[str, Any]:
        self._thread.start()
        try:
            return asyncio.run_coroutine_threadsafe(self.emulator.start(), self._loop).result(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 10) -> None:
        """Stop serving and remove the temp dir; safe to call twice, and from a signal's cleanup path."""
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self.emulator.stop(), self._loop).result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def __enter__(self) -> dict[str, Any]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["Emulator", "EmulatorConfig", "EmulatorStartError", "EmulatorThread", "json_response", "running"]
