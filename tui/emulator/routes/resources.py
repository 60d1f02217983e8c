"""Microsoft.Resources and subscriptions: subscriptions, tenants, locations, resource groups, providers."""

from __future__ import annotations

from aiohttp import web

from ..regions import REGIONS
from ..routing import ArmError, Ctx, Router, json_response

RG_TYPE = "Microsoft.Resources/resourceGroups"
# Namespaces a provider GET knows about, with the resource types it advertises.
KNOWN_PROVIDERS = {
    "microsoft.compute": (
        "Microsoft.Compute",
        ["virtualMachines", "disks", "virtualMachineScaleSets", "locations/operations"],
    ),
    "microsoft.network": (
        "Microsoft.Network",
        [
            "networkInterfaces",
            "networkSecurityGroups",
            "virtualNetworks",
            "routeTables",
            "publicIPAddresses",
            "loadBalancers",
        ],
    ),
    "microsoft.recoveryservices": (
        "Microsoft.RecoveryServices",
        ["vaults", "locations", "locations/backupStatus", "locations/checkNameAvailability"],
    ),
    "microsoft.storage": ("Microsoft.Storage", ["storageAccounts"]),
    "microsoft.keyvault": ("Microsoft.KeyVault", ["vaults"]),
}


def register(router: Router) -> None:
    @router.route("GET", "/subscriptions")
    async def list_subscriptions(ctx: Ctx) -> web.Response:
        version, tenant = ctx.query.get("api-version"), ctx.estate.tenant_id
        return ctx.page([s.document(version, tenant) for s in ctx.estate.subscriptions.values()])

    @router.route("GET", "/subscriptions/{sub}")
    async def get_subscription(ctx: Ctx) -> web.Response:
        return json_response(ctx.sub.document(ctx.query.get("api-version"), ctx.estate.tenant_id))

    @router.route("GET", "/tenants")
    async def list_tenants(ctx: Ctx) -> web.Response:
        t = ctx.estate.tenant
        return ctx.page(
            [
                {
                    "id": f"/tenants/{t['tenantId']}",
                    "tenantId": t["tenantId"],
                    "tenantCategory": "Home",
                    "displayName": t.get("displayName", ""),
                    "defaultDomain": t.get("defaultDomain", ""),
                    "tenantType": "AAD",
                }
            ]
        )

    @router.route("GET", "/subscriptions/{sub}/locations")
    async def list_locations(ctx: Ctx) -> web.Response:
        sid = ctx.sub_id
        return json_response(
            {
                "value": [
                    {
                        "id": f"/subscriptions/{sid}/locations/{name}",
                        "subscriptionId": sid,
                        "name": name,
                        "displayName": disp,
                        "latitude": lat,
                        "longitude": lon,
                    }
                    for name, (disp, lat, lon, _pair) in REGIONS.items()
                ]
            }
        )

    # -- resource groups ---------------------------------------------------------------------------
    @router.route("GET", "/subscriptions/{sub}/resourcegroups")
    async def list_groups(ctx: Ctx) -> web.Response:
        return ctx.page(ctx.estate.list(ctx.sub_id, RG_TYPE))

    @router.route("GET", "/subscriptions/{sub}/resourcegroups/{rg}")
    async def get_group(ctx: Ctx) -> web.Response:
        return json_response(ctx.require_rg())

    @router.route("HEAD", "/subscriptions/{sub}/resourcegroups/{rg}")
    async def group_exists(ctx: Ctx) -> web.Response:
        return web.Response(status=204 if ctx.estate.get(ctx.rg_id()) else 404)

    @router.route("PUT", "/subscriptions/{sub}/resourcegroups/{rg}")
    async def put_group(ctx: Ctx) -> web.Response:
        body = await ctx.json() or {}
        location = str(body.get("location") or "").replace(" ", "").lower()
        if not location:
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        if location not in REGIONS:
            raise ArmError(
                400,
                "LocationNotAvailableForResourceGroup",
                f"The provided location '{location}' is not available for resource group.",
            )
        rg = ctx.params["rg"]
        if not _valid_rg_name(rg):
            raise ArmError(400, "InvalidResourceGroup", f"The resource group name '{rg}' is invalid.")
        existing = ctx.estate.get(ctx.rg_id())
        if existing is not None:
            if existing["location"].lower() != location:
                raise ArmError(
                    409,
                    "InvalidResourceGroupLocation",
                    f"Invalid resource group location '{location}'. The Resource group already exists in "
                    f"location '{existing['location']}'.",
                )
            if "tags" in body:
                existing["tags"] = body.get("tags") or {}
            return json_response(existing, status=200)
        doc = {
            "id": f"/subscriptions/{ctx.sub_id}/resourceGroups/{rg}",
            "name": rg,
            "type": RG_TYPE,
            "location": location,
            "tags": body.get("tags") or {},
            "properties": {"provisioningState": "Succeeded"},
        }
        ctx.estate.put(doc)
        return json_response(doc, status=201)

    # -- providers ---------------------------------------------------------------------------------
    def provider_doc(ctx: Ctx, ns: str) -> dict:
        proper, types = KNOWN_PROVIDERS.get(ns.lower(), (ns, []))
        proper = ctx.sub.provider_names.get(ns.lower(), proper)
        return {
            "id": f"/subscriptions/{ctx.sub_id}/providers/{proper}",
            "namespace": proper,
            "registrationState": ctx.sub.provider_state(ns),
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": [
                {"resourceType": t, "locations": [d for d, *_ in REGIONS.values()], "apiVersions": []}
                for t in types
            ],
        }

    def check_known(ns: str) -> None:
        if ns.lower() not in KNOWN_PROVIDERS:
            raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{ns}' is invalid.")

    @router.route("GET", "/subscriptions/{sub}/providers")
    async def list_providers(ctx: Ctx) -> web.Response:
        return ctx.page([provider_doc(ctx, ns) for ns in KNOWN_PROVIDERS])

    @router.route("GET", "/subscriptions/{sub}/providers/{ns}")
    async def get_provider(ctx: Ctx) -> web.Response:
        ns = ctx.params["ns"]
        check_known(ns)
        sub, key = ctx.sub, ns.lower()
        if (
            sub.provider_state(ns) == "Registering"
        ):  # each read moves a registration along, as ARM does over time
            left = sub.registering.get(key, 0) - 1
            if left <= 0:
                sub.providers[key] = "Registered"
                sub.registering.pop(key, None)
            else:
                sub.registering[key] = left
        return json_response(provider_doc(ctx, ns))

    @router.route("POST", "/subscriptions/{sub}/providers/{ns}/register")
    async def register_provider(ctx: Ctx) -> web.Response:
        ns = ctx.params["ns"]
        check_known(ns)
        sub, key = ctx.sub, ns.lower()
        if sub.provider_state(ns) != "Registered":
            sub.providers[key] = "Registering"
            sub.registering[key] = ctx.emulator.config.registration_polls
            sub.provider_names.setdefault(key, KNOWN_PROVIDERS[key][0])
        return json_response(provider_doc(ctx, ns))


def _valid_rg_name(name: str) -> bool:
    return 1 <= len(name) <= 90 and not name.endswith(".") and all(c.isalnum() or c in "-_.()" for c in name)
