"""Microsoft.Network: NICs, public IPs, load balancers, NSGs, virtual networks and subnets, route tables,
and a NIC's effective security rules and effective routes.

Effective NSGs / routes are computed from the estate when asked (``POST .../effectiveNetworkSecurityGroups``
and ``POST .../effectiveRouteTable``) and answered as real ARM does: 202 + ``Location`` only, the Location
answering 202 while running and then 200 with the result.

- Effective NSGs: one entry per NSG that applies (the subnet's, then the NIC's; one entry with both
  associations when it is the same NSG), each rule flattened: ``securityRules/x`` / ``defaultSecurityRules/x``,
  ports as ranges (``"*"`` -> ``"0-65535"``, ``"443"`` -> ``"443-443"``), protocol ``Tcp``/``Udp``/``All``
  (``"*"`` -> ``"All"``), address ``"*"`` -> ``"0.0.0.0/0"``, a bare IP -> ``/32``. The plural fields
  (``sourcePortRanges``, ``destinationPortRanges``, ``sourceAddressPrefixes``, ``destinationAddressPrefixes``)
  are always present, one string per range/prefix; the singular field is set when there is exactly one.
  ``expandedSourceAddressPrefix``/``expandedDestinationAddressPrefix`` and ``tagMap`` are omitted.
- Effective routes: system routes (VnetLocal per address prefix of the VNet, VNetPeering per connected peering,
  ``0.0.0.0/0`` Internet, and the ``None`` routes for 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10),
  then the subnet route table's routes with ``source: "User"``. A user route with the same prefix as a
  system route makes that system route ``state: "Invalid"`` (so a user 0.0.0.0/0 invalidates the Internet
  default: forced tunnelling).
- A NIC not attached to a running VM -> 400 ``NicNotAttachedToRunningVm`` (real ARM refuses these; the exact
  code is from memory, not verified).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..lro import accepted, op_urls
from ..routing import ArmError, Ctx, Router, json_response, not_found, register_plain_resource
from .compute import power_state

NIC_TYPE = "Microsoft.Network/networkInterfaces"
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
RT_TYPE = "Microsoft.Network/routeTables"
PIP_TYPE = "Microsoft.Network/publicIPAddresses"
LB_TYPE = "Microsoft.Network/loadBalancers"
SYSTEM_NONE_PREFIXES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")


# -- lookups ---------------------------------------------------------------------------------------------
def _props(doc: dict[str, Any] | None) -> dict[str, Any]:
    return (doc or {}).get("properties") or {}


def _ref(obj: Any) -> str | None:
    return obj.get("id") if isinstance(obj, dict) and obj.get("id") else None


def find_subnet(estate: Any, subnet_id: str) -> dict[str, Any] | None:
    """A subnet by id: inside its VNet document, else stored on its own."""
    vnet_id, _, name = subnet_id.rstrip("/").rpartition("/subnets/")
    for s in _props(estate.get(vnet_id)).get("subnets") or []:
        if str(s.get("name", "")).lower() == name.lower():
            return s
    return estate.get(subnet_id)


def primary_ip_configuration(nic: dict[str, Any]) -> dict[str, Any]:
    configs = _props(nic).get("ipConfigurations") or []
    for c in configs:
        if _props(c).get("primary"):
            return c
    return configs[0] if configs else {}


# -- effective security rules -------------------------------------------------------------------------------
def _port_range(p: str) -> str:
    p = str(p).strip()
    if p in ("*", ""):
        return "0-65535"
    return p if "-" in p else f"{p}-{p}"


def _prefix(p: str) -> str:
    p = str(p).strip()
    if p == "*":
        return "0.0.0.0/0"
    if p[:1].isdigit() and "/" not in p and (p.count(".") == 3 or ":" in p):
        return f"{p}/{128 if ':' in p else 32}"
    return p  # a service tag (VirtualNetwork, Internet, AzureLoadBalancer, Storage, ...) stays as is


def _protocol(p: str) -> str:
    low = str(p or "*").lower()
    return {"*": "All", "tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "esp": "Esp", "ah": "Ah"}.get(low, str(p))


def _many(props: dict[str, Any], singular: str, plural: str, fn: Any) -> list[str]:
    values = props.get(plural) or []
    if not values and props.get(singular) is not None:
        values = [props[singular]]
    return [fn(v) for v in values] or [fn("*")]


def effective_rule(kind: str, rule: dict[str, Any]) -> dict[str, Any]:
    p = _props(rule)
    out: dict[str, Any] = {
        "name": f"{kind}/{rule.get('name')}",
        "protocol": _protocol(p.get("protocol", "*")),
    }
    for field, plural, fn in (
        ("sourcePortRange", "sourcePortRanges", _port_range),
        ("destinationPortRange", "destinationPortRanges", _port_range),
        ("sourceAddressPrefix", "sourceAddressPrefixes", _prefix),
        ("destinationAddressPrefix", "destinationAddressPrefixes", _prefix),
    ):
        values = _many(p, field, plural, fn)
        if len(values) == 1:
            out[field] = values[0]
        out[plural] = values
    out.update({"access": p.get("access"), "priority": p.get("priority"), "direction": p.get("direction")})
    return out


def effective_nsgs(estate: Any, nic: dict[str, Any]) -> dict[str, Any]:
    subnet_id = _ref(_props(primary_ip_configuration(nic)).get("subnet"))
    subnet = find_subnet(estate, subnet_id) if subnet_id else None
    applied: dict[str, dict[str, Any]] = {}  # lower nsg id -> entry
    for nsg_id, assoc in (
        (_ref(_props(subnet).get("networkSecurityGroup")), {"subnet": {"id": subnet_id}}),
        (_ref(_props(nic).get("networkSecurityGroup")), {"networkInterface": {"id": nic["id"]}}),
    ):
        nsg = estate.get(nsg_id) if nsg_id else None
        if nsg is None:
            continue
        entry = applied.get(nsg["id"].lower())
        if entry is None:
            rules = sorted(
                _props(nsg).get("securityRules") or [],
                key=lambda r: (str(_props(r).get("direction")), int(_props(r).get("priority") or 0)),
            )
            entry = applied[nsg["id"].lower()] = {
                "networkSecurityGroup": {"id": nsg["id"]},
                "association": {},
                "effectiveSecurityRules": [effective_rule("securityRules", r) for r in rules]
                + [
                    effective_rule("defaultSecurityRules", r)
                    for r in _props(nsg).get("defaultSecurityRules") or []
                ],
            }
        entry["association"].update(assoc)
    return {"value": list(applied.values())}


# -- effective routes ----------------------------------------------------------------------------------------
def _route(
    source: str,
    prefixes: list[str],
    next_hop: str,
    ips: list[str] | None = None,
    name: str | None = None,
    disable_bgp: bool = False,
) -> dict[str, Any]:
    r: dict[str, Any] = {}
    if name:
        r["name"] = name
    r.update(
        {
            "disableBgpRoutePropagation": disable_bgp,
            "source": source,
            "state": "Active",
            "addressPrefix": prefixes,
            "nextHopIpAddress": ips or [],
            "nextHopType": next_hop,
        }
    )
    return r


def effective_routes(estate: Any, nic: dict[str, Any]) -> dict[str, Any]:
    subnet_id = _ref(_props(primary_ip_configuration(nic)).get("subnet"))
    vnet = estate.get(subnet_id.rpartition("/subnets/")[0]) if subnet_id else None
    subnet = find_subnet(estate, subnet_id) if subnet_id else None
    system: list[dict[str, Any]] = [
        _route("Default", [p], "VnetLocal")
        for p in (_props(vnet).get("addressSpace") or {}).get("addressPrefixes") or []
    ]
    for peering in _props(vnet).get("virtualNetworkPeerings") or []:
        pp = _props(peering)
        if str(pp.get("peeringState", "Connected")).lower() == "connected":
            remote = (pp.get("remoteAddressSpace") or {}).get("addressPrefixes") or []
            system += [_route("Default", [p], "VNetPeering") for p in remote]
    system.append(_route("Default", ["0.0.0.0/0"], "Internet"))
    system += [_route("Default", [p], "None") for p in SYSTEM_NONE_PREFIXES]
    table = estate.get(rt_id) if (rt_id := _ref(_props(subnet).get("routeTable"))) else None
    disable_bgp = bool(_props(table).get("disableBgpRoutePropagation", False))
    user = []
    for r in _props(table).get("routes") or []:
        rp = _props(r)
        ip = rp.get("nextHopIpAddress")
        user.append(
            _route(
                "User",
                [str(rp.get("addressPrefix"))],
                str(rp.get("nextHopType")),
                [ip] if ip else [],
                name=r.get("name"),
                disable_bgp=disable_bgp,
            )
        )
    overridden = {u["addressPrefix"][0] for u in user}
    for s in system:
        if s["addressPrefix"][0] in overridden:
            s["state"] = "Invalid"
    return {"value": system + user}


# -- handlers ----------------------------------------------------------------------------------------------------
def register(router: Router) -> None:
    rg_root = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network"

    for rtype in (NIC_TYPE, PIP_TYPE, LB_TYPE, NSG_TYPE, VNET_TYPE, RT_TYPE):
        register_plain_resource(router, "Microsoft.Network", rtype, rtype.split("/", 1)[1])

    # -- subnets -----------------------------------------------------------------------------------
    def vnet_of(ctx: Ctx) -> dict[str, Any]:
        return ctx.get_or_404(f"{ctx.rg_id()}/providers/{VNET_TYPE}/{ctx.params['vnet']}", VNET_TYPE)

    @router.route("GET", rg_root + "/virtualNetworks/{vnet}/subnets")
    async def list_subnets(ctx: Ctx) -> web.Response:
        vnet = vnet_of(ctx)
        inline = _props(vnet).get("subnets") or []
        names = {str(s.get("name", "")).lower() for s in inline}
        stored = [
            s
            for s in ctx.estate.children(vnet["id"], f"{VNET_TYPE}/subnets")
            if s["name"].lower() not in names
        ]
        return ctx.page([*inline, *stored])

    @router.route("GET", rg_root + "/virtualNetworks/{vnet}/subnets/{subnet}")
    async def get_subnet(ctx: Ctx) -> web.Response:
        vnet = vnet_of(ctx)
        subnet = find_subnet(ctx.estate, f"{vnet['id']}/subnets/{ctx.params['subnet']}")
        if subnet is None:
            raise not_found(f"{VNET_TYPE}/{vnet['name']}/subnets", ctx.params["subnet"], ctx.params["rg"])
        return json_response(subnet)

    # -- effective security rules and routes -------------------------------------------------------
    def running_nic(ctx: Ctx) -> dict[str, Any]:
        nic = ctx.get_or_404(f"{ctx.rg_id()}/providers/{NIC_TYPE}/{ctx.params['nic']}", NIC_TYPE)
        vm_id = _ref(_props(nic).get("virtualMachine"))
        vm = ctx.estate.get(vm_id) if vm_id else None
        if vm is None or power_state(vm) != "running":
            raise ArmError(
                400,
                "NicNotAttachedToRunningVm",
                f"Network interface {nic['id']} is not attached to a running virtual machine. Effective "
                "security rules and routes are only available for a network interface attached to a "
                "running virtual machine.",
            )
        return nic

    def start(ctx: Ctx, nic: dict[str, Any], result: dict[str, Any]) -> web.Response:
        op = ctx.emulator.operations.start(result=result)
        _, location_url = op_urls(ctx, "Microsoft.Network", str(nic.get("location") or "westeurope"), op)
        return accepted(location_url=location_url)

    @router.route("POST", rg_root + "/networkInterfaces/{nic}/effectiveNetworkSecurityGroups")
    async def nic_effective_nsgs(ctx: Ctx) -> web.Response:
        nic = running_nic(ctx)
        return start(ctx, nic, effective_nsgs(ctx.estate, nic))

    @router.route("POST", rg_root + "/networkInterfaces/{nic}/effectiveRouteTable")
    async def nic_effective_routes(ctx: Ctx) -> web.Response:
        nic = running_nic(ctx)
        return start(ctx, nic, effective_routes(ctx.estate, nic))
