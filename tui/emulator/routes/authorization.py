"""Microsoft.Authorization: management locks (the lists Azure Backup readiness needs).

Shapes follow the azure-rest-api-specs examples of ``Microsoft.Authorization/locks`` 2020-05-01
(``ManagementLocks_ListAtSubscriptionLevel.json``, ``ManagementLocks_ListAtResourceGroupLevel.json``,
``ManagementLocks_ListAtResourceLevel.json``, ``ManagementLocks_GetAtScope.json``): each lock is
``{"properties": {"level": "CanNotDelete" | "ReadOnly", "notes"?, "owners"?}, "id", "type", "name"}``, served
as the estate holds it, in ``value``/``nextLink`` pages. Which locks a list returns follows the documented
semantics (Get-AzResourceLock ``-AtScope``): without a filter, every lock at, above or below the scope;
with ``$filter=atScope()``, only those at or above it. Locks are estate documents of type
``Microsoft.Authorization/locks`` whose id is ``{scope}/providers/Microsoft.Authorization/locks/{name}``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..routing import Ctx, Router, json_response, not_found

LOCK_TYPE = "Microsoft.Authorization/locks"
_MARKER = "/providers/microsoft.authorization/locks/"
_RESOURCE = "/subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}"


def lock_scope(lock_id: str) -> str:
    """``/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/locks/x`` -> the scope, lower."""
    low = lock_id.lower()
    at = low.rfind(_MARKER)
    return low[:at].rstrip("/") if at > 0 else ""


def _related(lock: str, scope: str, at_scope_only: bool) -> bool:
    """Whether a lock on ``lock`` (a scope) is returned for a list at ``scope``: at or above, and unless
    ``atScope()`` is asked for, below too."""
    above = scope == lock or scope.startswith(lock + "/")
    below = lock.startswith(scope + "/")
    return above or (below and not at_scope_only)


def _locks(ctx: Ctx, scope: str) -> list[dict[str, Any]]:
    at_scope_only = "atscope()" in ctx.query.get("$filter", "").replace(" ", "").lower()
    scope = scope.lower().rstrip("/")
    return [
        doc
        for doc in ctx.estate.list(ctx.sub_id, LOCK_TYPE)
        if _related(lock_scope(doc["id"]), scope, at_scope_only)
    ]


def register(router: Router) -> None:
    sub_scope = "/subscriptions/{sub}"

    def lists(template: str) -> list[str]:
        # ManagementLocks_ListByScope sends "/{scope}/..." with a scope that starts with "/": ARM takes both.
        return [template, "/" + template]

    async def list_at_subscription(ctx: Ctx) -> web.Response:
        return ctx.page(_locks(ctx, f"/subscriptions/{ctx.sub_id}"))

    async def list_at_group(ctx: Ctx) -> web.Response:
        ctx.require_rg()
        return ctx.page(_locks(ctx, ctx.rg_id()))

    for template in lists(sub_scope + "/providers/Microsoft.Authorization/locks"):
        router.add("GET", template, list_at_subscription)
    for template in lists(sub_scope + "/resourceGroups/{rg}/providers/Microsoft.Authorization/locks"):
        router.add("GET", template, list_at_group)

    async def list_at_resource(ctx: Ctx) -> web.Response:
        ctx.require_rg()
        path = "/" + ctx.request.path.lstrip("/")
        resource_id = path[: path.lower().rfind("/providers/microsoft.authorization/locks")]
        if ctx.estate.get(resource_id) is None:
            raise not_found(resource_id.split("/")[-2], resource_id.rsplit("/", 1)[-1], ctx.params["rg"])
        return ctx.page(_locks(ctx, resource_id))

    # ManagementLocks_ListAtResourceLevel / ListByScope, for a resource and for a child resource
    for resource in (_RESOURCE + "/{type}/{name}", _RESOURCE + "/{ptype}/{pname}/{type}/{name}"):
        for template in lists(resource + "/providers/Microsoft.Authorization/locks"):
            router.add("GET", template, list_at_resource)

    @router.route("GET", sub_scope + "/providers/Microsoft.Authorization/locks/{lock}")
    async def get_at_subscription(ctx: Ctx) -> web.Response:
        lock_id = f"/subscriptions/{ctx.sub_id}/providers/{LOCK_TYPE}/{ctx.params['lock']}"
        doc = ctx.estate.get(lock_id)
        if doc is None:
            raise not_found(LOCK_TYPE, ctx.params["lock"])
        return json_response(doc)

    @router.route("GET", sub_scope + "/resourceGroups/{rg}/providers/Microsoft.Authorization/locks/{lock}")
    async def get_at_group(ctx: Ctx) -> web.Response:
        return json_response(
            ctx.get_or_404(f"{ctx.rg_id()}/providers/{LOCK_TYPE}/{ctx.params['lock']}", LOCK_TYPE)
        )
