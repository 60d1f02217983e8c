"""Case-insensitive ARM routing, the request context handed to route handlers, errors and paging."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

from aiohttp import web

from .estate_schema import IDENTITY, MAX_DEPTH, SKU, TAGS, SchemaError, check_depth_and_numbers, obj, string

# The envelope of a resource in a PUT or PATCH body, typed as in every RP's spec (location, tags, ...).
RESOURCE_BODY = obj({"location": string, "tags": TAGS, "properties": obj(), "sku": SKU, "identity": IDENTITY})

if TYPE_CHECKING:
    from .estate import Estate, Subscription
    from .server import Emulator

Handler = Callable[["Ctx"], Awaitable[web.StreamResponse]]
_PARAM = re.compile(r"\{(\w+)\}")


class ArmError(Exception):
    """Raised by a handler; rendered as the ARM error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}
        self.target = target

    def response(self) -> web.Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return json_response({"error": error}, status=self.status, headers=self.headers)


def invalid_content(reason: str, target: str | None = None) -> ArmError:
    """ARM's answer to a body it cannot deserialize (front door and RPs alike): 400 InvalidRequestContent,
    "The request content was invalid and could not be deserialized: '<reason>'.". Code and wording as ARM's
    answer is quoted in the Microsoft docs tutorial on troubleshooting template deployments (azure-docs
    articles/azure-resource-manager/resource-manager-tutorial-troubleshoot.md, "Troubleshoot the validation
    error": "Code=InvalidRequestContent; Message=The request content was invalid and could not be deserialized:
    'Could not find member ... Path '...', line 36, position 24.'."). ``target`` as Azure/ARO-HCP
    internal/api/arm/error.go NewUnmarshalCloudError sets it; no public source shows ARM itself setting it."""
    return ArmError(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{reason}'.",
        target=target,
    )


def parse_body(raw: bytes) -> Any:
    """A JSON object, at most 64 levels deep (the default MaxDepth of Json.NET 13 and System.Text.Json, the
    readers ARM runs on: Newtonsoft.Json 13.0.1 release notes, "MaxDepth defaults to 64"), with finite numbers.

    The reasons are Json.NET's reader messages where a public ARM answer quotes one: "Error parsing Infinity
    value." (an ARM 400 for ``Infinity`` in a NSG rule PUT, quoted in public deployment scripts) and "The
    reader's MaxDepth of 64 has been exceeded." (Json.NET's JsonReader wording). No public source: the
    wording for a body that is not an object, for an out-of-range number and for unparsable bytes (those
    carry Python's parser message); ARM's real text there comes from Json.NET and differs."""

    def bad_constant(name: str) -> Any:
        raise invalid_content(f"Error parsing {name} value")

    def too_deep(path: str) -> ArmError:
        return invalid_content(f"The reader's MaxDepth of {MAX_DEPTH} has been exceeded. Path '{path}'")

    try:
        body = json.loads(raw, parse_constant=bad_constant)
    except ArmError:
        raise
    except RecursionError:
        raise too_deep("") from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
        raise invalid_content(str(e).split(":", 1)[0]) from None
    if not isinstance(body, dict):
        raise invalid_content(
            f"Cannot deserialize a JSON {_json_kind(body)} into an object; the body must be a JSON object"
        )
    try:
        check_depth_and_numbers(body, "", MAX_DEPTH)
    except SchemaError as e:
        if e.problem.startswith("nested"):
            raise too_deep(e.path) from None
        raise invalid_content(f"A number is too large to be represented. Path '{e.path}'") from None
    return body


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def not_found(kind: str, name: str, rg: str | None = None) -> ArmError:
    where = f" under resource group '{rg}'" if rg else ""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{kind}/{name}'{where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    template: str


@dataclass
class Ctx:
    """What a handler needs: the request, path parameters, the estate and the emulator's services."""

    request: web.Request
    params: dict[str, str]
    emulator: Emulator
    query: dict[str, str] = field(default_factory=dict)  # lower-cased keys
    _body: Any = None
    _body_read: bool = False

    @property
    def estate(self) -> Estate:
        return self.emulator.estate

    @property
    def sub(self) -> Subscription:
        return self.emulator.estate.subscriptions[self.params["sub"].lower()]

    @property
    def sub_id(self) -> str:
        return self.sub.subscription_id

    def base(self) -> str:
        return self.emulator.base_url(self.request)

    async def json(self) -> Any:
        """The request body: absent (None) or a JSON object, else ARM's 400 ``InvalidRequestContent``."""
        if not self._body_read:
            raw = await self.request.read()
            self._body_read = True
            if raw:
                self._body = parse_body(raw)
                # A resource: ARM deserializes its envelope (location, tags, sku, identity: the common-types
                # TrackedResource/Sku/Identity definitions). No public source for the exact reason text.
                if self.request.method in ("PUT", "PATCH"):
                    try:
                        RESOURCE_BODY(self._body, "")
                    except SchemaError as e:
                        raise invalid_content(
                            f"{e.problem}. Path '{e.path.lstrip('.')}'", target=e.path.lstrip(".")
                        ) from None
        return self._body

    def rg_id(self) -> str:
        return f"/subscriptions/{self.sub_id}/resourceGroups/{self.params['rg']}"

    def require_rg(self) -> dict[str, Any]:
        doc = self.estate.get(self.rg_id())
        if doc is None:
            raise ArmError(
                404, "ResourceGroupNotFound", f"Resource group '{self.params['rg']}' could not be found."
            )
        return doc

    def get_or_404(self, resource_id: str, kind: str) -> dict[str, Any]:
        doc = self.estate.get(resource_id)
        if doc is None:
            self.require_rg()
            raise not_found(kind, resource_id.rsplit("/", 1)[-1], self.params.get("rg"))
        return doc

    def page(self, items: list[Any]) -> web.Response:
        """One page of ``items`` with an absolute nextLink to this server that carries api-version."""
        size = self.emulator.config.page_size
        try:
            start = max(0, int(self.query.get("$skiptoken", "0")))
        except ValueError:
            raise ArmError(400, "InvalidSkipToken", "The $skiptoken is not valid.") from None
        body: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            q = {k: v for k, v in self.request.query.items() if k.lower() != "$skiptoken"}
            q["$skiptoken"] = str(start + size)
            body["nextLink"] = f"{self.base()}{self.request.path.lstrip('/')}?{urlencode(q)}"
        return json_response(body)


class Router:
    """Routes ``{param}`` templates, matched case-insensitively on the percent-decoded path."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = _PARAM.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", template.rstrip("/"))
        route = Route(method.upper(), re.compile(f"^{regex}/?$", re.IGNORECASE), handler, template)
        self._routes.setdefault(method.upper(), []).append(route)

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.add(method, template, fn)
            return fn

        return deco

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        path = unquote(raw_path)
        for route in self._routes.get(method.upper(), ()):
            m = route.pattern.match(path)
            if m:
                return route, m.groupdict()
        return None

    def allows_other_method(self, method: str, raw_path: str) -> bool:
        path = unquote(raw_path)
        return any(r.pattern.match(path) for m, rs in self._routes.items() if m != method.upper() for r in rs)

    def __len__(self) -> int:
        return sum(len(v) for v in self._routes.values())

    def templates(self) -> list[str]:
        return [f"{r.method} {r.template}" for rs in self._routes.values() for r in rs]


def register_plain_resource(router: Router, provider: str, rtype: str, segment: str) -> None:
    """List (subscription and resource group) and GET routes for a resource with no special behaviour."""
    sub_root = f"/subscriptions/{{sub}}/providers/{provider}/{segment}"
    rg_root = f"/subscriptions/{{sub}}/resourceGroups/{{rg}}/providers/{provider}/{segment}"

    @router.route("GET", sub_root)
    async def list_all(ctx: Ctx) -> web.Response:
        return ctx.page(ctx.estate.list(ctx.sub_id, rtype))

    @router.route("GET", rg_root)
    async def list_in_group(ctx: Ctx) -> web.Response:
        ctx.require_rg()
        return ctx.page(ctx.estate.list(ctx.sub_id, rtype, resource_group=ctx.params["rg"]))

    @router.route("GET", rg_root + "/{name}")
    async def get_one(ctx: Ctx) -> web.Response:
        return json_response(ctx.get_or_404(f"{ctx.rg_id()}/providers/{rtype}/{ctx.params['name']}", rtype))
