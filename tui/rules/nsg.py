"""Static evaluation of Azure NSG rules and user routes for a VM's outbound traffic.

Pure functions over ARM documents (or the flattened effective-rules / effective-routes shapes), no SDK
types. Used for the ``net-outbound-restricted`` and ``net-forced-tunneling`` rules.

Azure semantics implemented here: outbound traffic goes through the NIC's NSG first, then the subnet's NSG,
and passes only if every NSG present allows it. Within one NSG the matching rule with the lowest priority
number decides. Destinations are service-level ("Internet" or "Storage"), so a rule whose destination
covers only part of them (a public CIDR, another service tag) cannot decide and is reported as *partial*.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Destination = Literal["Internet", "Storage"]

_PRIVATE_V4 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
_ANY = {"*", "any", "all"}
_TUNNEL_HOPS = {"virtualappliance": "VirtualAppliance", "virtualnetworkgateway": "VirtualNetworkGateway"}
_EPHEMERAL = (1024, 65535)
_FULL, _PARTIAL, _NONE = "full", "partial", "none"


# -- data --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NsgRule:
    """One security rule, normalised from the ARM or the effective-rules shape."""

    name: str
    priority: int
    direction: str  # Inbound | Outbound
    access: str  # Allow | Deny
    protocol: str  # lower-case: tcp, udp, icmp, esp, ah, or * (also for Any / All)
    source_prefixes: tuple[str, ...] = ("*",)
    source_ports: tuple[str, ...] = ("*",)
    destination_prefixes: tuple[str, ...] = ("*",)
    destination_ports: tuple[str, ...] = ("*",)
    source_asgs: tuple[str, ...] = ()  # application security group names
    destination_asgs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Nsg:
    """A named NSG with its rules (custom and default)."""

    name: str
    rules: tuple[NsgRule, ...]


@dataclass(frozen=True)
class OutboundVerdict:
    """Whether outbound traffic passes every NSG, and why."""

    allowed: bool
    deciding: list[str] = field(default_factory=list)  # "nsg/rule (priority N, Deny)", one per NSG
    partial: list[str] = field(default_factory=list)  # rules that cover part of the destination / assumptions

    @property
    def blocking(self) -> list[str]:
        """Deciding Deny rules in NetworkFacts.blocking_rules format: ``"nsg/rule (priority N)"``."""
        return [d.replace(", Deny)", ")") for d in self.deciding if d.endswith(", Deny)")]


def _rule(name: str, priority: int, direction: str, access: str, src: str, dst: str) -> NsgRule:
    return NsgRule(name, priority, direction, access, "*", (src,), ("*",), (dst,), ("*",))


DEFAULT_RULES: tuple[NsgRule, ...] = (
    _rule("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    _rule("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    _rule("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    _rule("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    _rule("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    _rule("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
)


# -- parsing -----------------------------------------------------------------------------------------------
def _snake(camel: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in camel)


def _get(doc: Mapping[str, Any], key: str) -> Any:
    """``doc[key]`` in camelCase or snake_case, looking inside ``properties`` too."""
    for d in (doc, doc.get("properties") or {}):
        if isinstance(d, Mapping):
            for k in (key, _snake(key)):
                if d.get(k) not in (None, "", []):
                    return d[k]
    return None


def _strings(*values: Any) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if isinstance(v, str):
            out.append(v.strip())
        elif isinstance(v, Iterable) and not isinstance(v, Mapping):
            out.extend(str(x).strip() for x in v if x not in (None, ""))
    return tuple(s for s in out if s)


def _asg_names(value: Any) -> tuple[str, ...]:
    names = []
    for asg in value or ():
        ident = asg.get("id") if isinstance(asg, Mapping) else getattr(asg, "id", None)
        names.append(str(ident or "?").rstrip("/").rsplit("/", 1)[-1])
    return tuple(names)


def _rule_name(raw: Any) -> str:
    name = str(raw or "?")
    for prefix in ("securityRules/", "defaultSecurityRules/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def parse_rule(item: Mapping[str, Any]) -> NsgRule:
    """Normalise an ARM security rule or an effective security rule. Raises ValueError when unusable."""
    priority = _get(item, "priority")
    direction = str(_get(item, "direction") or "").capitalize()
    access = str(_get(item, "access") or "").capitalize()
    if priority is None or direction not in ("Inbound", "Outbound") or access not in ("Allow", "Deny"):
        raise ValueError(f"unusable security rule: {item.get('name')!r}")
    protocol = str(_get(item, "protocol") or "*").lower()
    src_asgs = _asg_names(_get(item, "sourceApplicationSecurityGroups"))
    dst_asgs = _asg_names(_get(item, "destinationApplicationSecurityGroups"))
    src = _strings(_get(item, "sourceAddressPrefix"), _get(item, "sourceAddressPrefixes"))
    dst = _strings(_get(item, "destinationAddressPrefix"), _get(item, "destinationAddressPrefixes"))
    # Effective rules expand tags into CIDR lists; the tag itself is more telling, so expanded lists are
    # only a fallback (they are what an ASG becomes in the effective view).
    src = src or _strings(_get(item, "expandedSourceAddressPrefix"))
    dst = dst or _strings(_get(item, "expandedDestinationAddressPrefix"))
    return NsgRule(
        name=_rule_name(item.get("name")),
        priority=int(priority),
        direction=direction,
        access=access,
        protocol="*" if protocol in _ANY else protocol,
        source_prefixes=src or (() if src_asgs else ("*",)),
        source_ports=_strings(_get(item, "sourcePortRange"), _get(item, "sourcePortRanges")) or ("*",),
        destination_prefixes=dst or (() if dst_asgs else ("*",)),
        destination_ports=_strings(_get(item, "destinationPortRange"), _get(item, "destinationPortRanges"))
        or ("*",),
        source_asgs=src_asgs,
        destination_asgs=dst_asgs,
    )


def _with_defaults(rules: list[NsgRule]) -> tuple[NsgRule, ...]:
    present = {(r.name.lower(), r.priority, r.direction) for r in rules}
    missing = [d for d in DEFAULT_RULES if (d.name.lower(), d.priority, d.direction) not in present]
    return tuple(rules + missing)


def _parse_rules(items: Iterable[Any]) -> list[NsgRule]:
    out = []
    for item in items or ():
        if isinstance(item, NsgRule):
            out.append(item)
        elif isinstance(item, Mapping):
            try:
                out.append(parse_rule(item))
            except (ValueError, TypeError):
                continue
    return out


def _last_segment(ident: Any) -> str | None:
    return str(ident).rstrip("/").rsplit("/", 1)[-1] if ident else None


NsgInput = Nsg | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


def load_nsg(source: NsgInput, name: str = "nsg") -> Nsg | None:
    """Build an :class:`Nsg` from an ARM NSG document, an effective-NSG entry or a list of rules.

    Azure's default rules are added when the input lacks them. ``None`` (no NSG) stays ``None``.
    """
    if source is None:
        return None
    if isinstance(source, Nsg):
        return Nsg(source.name, _with_defaults(list(source.rules)))
    if isinstance(source, Mapping):
        if "effectiveSecurityRules" in source or "effective_security_rules" in source:
            nsg_ref = source.get("networkSecurityGroup") or source.get("network_security_group") or {}
            nsg_name = _last_segment(nsg_ref.get("id")) or name
            items = source.get("effectiveSecurityRules") or source.get("effective_security_rules") or []
            return Nsg(nsg_name, _with_defaults(_parse_rules(items)))
        nsg_name = source.get("name") or _last_segment(source.get("id")) or name
        items = list(_get(source, "securityRules") or []) + list(_get(source, "defaultSecurityRules") or [])
        return Nsg(str(nsg_name), _with_defaults(_parse_rules(items)))
    return Nsg(name, _with_defaults(_parse_rules(source)))


def effective_nsgs(
    response: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> tuple[Nsg | None, Nsg | None]:
    """Split an effectiveNetworkSecurityGroups result into (NIC NSG, subnet NSG)."""
    items = response.get("value", []) if isinstance(response, Mapping) else response
    nic = subnet = None
    for item in items:
        assoc = item.get("association") or {}
        if assoc.get("networkInterface") or assoc.get("network_interface"):
            nic = load_nsg(item, "nic-nsg")
        elif assoc.get("subnet"):
            subnet = load_nsg(item, "subnet-nsg")
    return nic, subnet


# -- matching ----------------------------------------------------------------------------------------------
def _network(prefix: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(prefix.strip(), strict=False)
    except ValueError:
        return None


def is_private_v4(prefix: str) -> bool:
    """True when ``prefix`` (CIDR or address) lies entirely in 10/8, 172.16/12, 192.168/16 or 100.64/10."""
    net = _network(prefix)
    return isinstance(net, ipaddress.IPv4Network) and any(net.subnet_of(p) for p in _PRIVATE_V4)


def private_ip_in(prefix: str, ip: str) -> bool:
    """True when address ``ip`` lies in CIDR ``prefix`` (False when either does not parse)."""
    net = _network(prefix)
    try:
        return net is not None and ipaddress.ip_address(ip.strip()) in net
    except ValueError:
        return False


def _port_ranges(specs: Iterable[str]) -> list[tuple[int, int]]:
    out = []
    for spec in specs:
        s = spec.strip().lower()
        if s in _ANY:
            out.append((0, 65535))
            continue
        lo, _, hi = s.partition("-")
        try:
            out.append((int(lo), int(hi or lo)))
        except ValueError:
            continue
    return out


def _port_in(port: int, specs: Iterable[str]) -> bool:
    return any(lo <= port <= hi for lo, hi in _port_ranges(specs))


def _region_key(region: str | None) -> str | None:
    return "".join(region.split()).lower() if region else None


def _tag_coverage(tag: str, dest: Destination, region: str | None) -> str:
    """How much of ``dest`` a service tag covers: full, partial or none."""
    base, _, tag_region = tag.lower().partition(".")
    if base in ("virtualnetwork", "azureloadbalancer"):
        return _NONE
    if base in ("storage", "azurecloud"):
        if dest == "Internet":
            return _PARTIAL
        if not tag_region:
            return _FULL
        if region is None:
            return _PARTIAL
        return _FULL if _region_key(tag_region) == region else _NONE
    # Any other tag (AzureBackup, AzureMonitor, Sql, ...) is some public Azure addresses: part of the
    # Internet, and not Storage.
    return _PARTIAL if dest == "Internet" else _NONE


def _prefix_coverage(prefix: str, dest: Destination, region: str | None) -> str:
    p = prefix.strip()
    if p.lower() in _ANY or p.lower() == "internet":
        return _FULL
    net = _network(p)
    if net is None:
        return _tag_coverage(p, dest, region)
    if not isinstance(net, ipaddress.IPv4Network):
        return _NONE  # the traffic evaluated here is IPv4
    if net.prefixlen == 0:
        return _FULL
    if any(net.subnet_of(n) for n in _PRIVATE_V4) or net.is_private:
        return _NONE
    return _PARTIAL


def _destination_coverage(rule: NsgRule, dest: Destination, region: str | None) -> str:
    covs = {_prefix_coverage(p, dest, region) for p in rule.destination_prefixes}
    if _FULL in covs:
        return _FULL
    nets = [n for n in map(_network, rule.destination_prefixes) if isinstance(n, ipaddress.IPv4Network)]
    if any(n.prefixlen == 0 for n in ipaddress.collapse_addresses(nets)):
        return _FULL  # e.g. 0.0.0.0/1 + 128.0.0.0/1
    return _PARTIAL if _PARTIAL in covs else _NONE


def _source_match(rule: NsgRule, source_ip: str | None) -> tuple[bool, str | None]:
    """Whether the VM can be the rule's source, with a note when that is an assumption."""
    if rule.source_asgs:
        return True, f"assumes the VM is in application security group {', '.join(rule.source_asgs)}"
    assumed: list[str] = []
    for p in rule.source_prefixes:
        low = p.lower()
        if low in _ANY or low == "virtualnetwork":
            return True, None
        net = _network(p)
        if not isinstance(net, ipaddress.IPv4Network):
            continue
        if net.prefixlen == 0:
            return True, None
        if source_ip:
            if private_ip_in(p, source_ip):
                return True, None
        elif is_private_v4(p):
            assumed.append(p)
    if assumed:
        return True, f"assumes the VM's private IP is in source {', '.join(assumed)}"
    return False, None


def _source_ports_cover_ephemeral(rule: NsgRule) -> bool:
    return any(lo <= _EPHEMERAL[0] and hi >= _EPHEMERAL[1] for lo, hi in _port_ranges(rule.source_ports))


def _label(nsg: Nsg, rule: NsgRule) -> str:
    return f"{nsg.name}/{rule.name} (priority {rule.priority}, {rule.access})"


def evaluate_nsg(
    nsg: Nsg,
    *,
    destination: Destination,
    port: int = 443,
    region: str | None = None,
    source_ip: str | None = None,
) -> tuple[NsgRule | None, list[str]]:
    """The outbound rule of one NSG that decides TCP traffic to ``destination``:``port``, and notes.

    Notes name partial rules whose access differs from the decision (they qualify it) and assumptions the
    deciding rule depends on. ``None`` when no rule matches (impossible once defaults are present).
    """
    rkey = _region_key(region)
    pending: list[tuple[NsgRule, str]] = []
    for rule in sorted((r for r in nsg.rules if r.direction == "Outbound"), key=lambda r: r.priority):
        if rule.protocol not in ("*", "tcp") or not _port_in(port, rule.destination_ports):
            continue
        source_ok, assumption = _source_match(rule, source_ip)
        if not source_ok:
            continue
        # A destination ASG is a set of NICs in the VNet: never Internet or Storage.
        coverage = _destination_coverage(rule, destination, rkey) if rule.destination_prefixes else _NONE
        if coverage == _NONE:
            continue
        if coverage == _PARTIAL:
            pending.append((rule, f"destination {', '.join(rule.destination_prefixes)} is only part of"))
            continue
        if not _source_ports_cover_ephemeral(rule):
            pending.append(
                (rule, f"source ports {', '.join(rule.source_ports)} cover only some connections to")
            )
            continue
        notes = [f"{_label(nsg, r)}: {why} {destination}" for r, why in pending if r.access != rule.access]
        if assumption:
            notes.append(f"{_label(nsg, rule)}: {assumption}")
        return rule, notes
    return None, [f"{_label(nsg, r)}: {why} {destination}" for r, why in pending]


def outbound_verdict(
    nic_nsg_rules: NsgInput,
    subnet_nsg_rules: NsgInput,
    *,
    destination: Destination,
    port: int = 443,
    region: str | None = None,
    source_ip: str | None = None,
) -> OutboundVerdict:
    """Whether outbound TCP to ``destination`` ("Internet" or "Storage") on ``port`` passes the VM's NSGs.

    Each NSG may be an ARM NSG document, an effective-NSG entry, a list of rule items or an :class:`Nsg`;
    ``None`` means no NSG at that level (allow). The NIC NSG and the subnet NSG must both allow; each NSG
    present contributes its deciding rule to ``deciding`` (both are evaluated even when the first denies,
    so a remedy can name every blocker).
    """
    allowed = True
    deciding: list[str] = []
    partial: list[str] = []
    for source, fallback in ((nic_nsg_rules, "nic-nsg"), (subnet_nsg_rules, "subnet-nsg")):
        nsg = load_nsg(source, fallback)
        if nsg is None:
            continue
        rule, notes = evaluate_nsg(
            nsg, destination=destination, port=port, region=region, source_ip=source_ip
        )
        partial.extend(notes)
        if rule is None:
            allowed = False
            deciding.append(f"{nsg.name}: no rule matched")
            continue
        deciding.append(_label(nsg, rule))
        allowed = allowed and rule.access == "Allow"
    return OutboundVerdict(allowed=allowed, deciding=deciding, partial=partial)


# -- routes ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Route:
    label: str
    prefix: str
    hop: str  # canonical next hop type
    hop_ip: str | None


def _route_hop(doc: Mapping[str, Any]) -> tuple[str, str | None]:
    hop = str(_get(doc, "nextHopType") or "")
    ips = _strings(_get(doc, "nextHopIpAddress"))
    return _TUNNEL_HOPS.get(hop.lower(), hop), (", ".join(ips) or None)


def _is_effective(doc: Mapping[str, Any]) -> bool:
    return "source" in doc or isinstance(doc.get("addressPrefix", doc.get("address_prefix")), list)


def _effective_routes(items: Iterable[Mapping[str, Any]]) -> list[_Route]:
    out = []
    for item in items:
        source = str(item.get("source") or "User")
        if str(item.get("state") or "Active").lower() == "invalid":
            continue
        hop, ip = _route_hop(item)
        if source.lower() != "user" and not (
            source.lower() == "virtualnetworkgateway" and hop == "VirtualNetworkGateway"
        ):
            continue  # Default routes; BGP routes count only when they point at the gateway
        label = str(item.get("name") or ("user route" if source.lower() == "user" else f"{source} route"))
        out.extend(_Route(label, p, hop, ip) for p in _strings(_get(item, "addressPrefix")))
    return out


def _table_routes(table: Mapping[str, Any]) -> list[_Route]:
    table_name = str(table.get("name") or _last_segment(table.get("id")) or "route table")
    out = []
    for route in _get(table, "routes") or []:
        hop, ip = _route_hop(route)
        label = f"{table_name}/{route.get('name') or '?'}"
        out.extend(_Route(label, p, hop, ip) for p in _strings(_get(route, "addressPrefix")))
    return out


def _describe_tunnel(routes: list[_Route]) -> str | None:
    tunnel = [r for r in routes if r.hop in _TUNNEL_HOPS.values()]
    nets = [(r, _network(r.prefix)) for r in tunnel]
    v4 = [(r, n) for r, n in nets if isinstance(n, ipaddress.IPv4Network)]
    for r, n in v4:
        if n.prefixlen == 0:
            return f"{r.label}: 0.0.0.0/0 -> {r.hop}" + (f" {r.hop_ip}" if r.hop_ip else "")
    if not any(n.prefixlen == 0 for n in ipaddress.collapse_addresses(n for _, n in v4)):
        return None
    # Together the routes cover 0.0.0.0/0 (e.g. 0.0.0.0/1 + 128.0.0.0/1): name the widest ones.
    widest = [(r, n) for r, n in v4 if not any(m != n and n.subnet_of(m) for _, m in v4)]
    labels = " + ".join(dict.fromkeys(r.label for r, _ in widest))
    prefixes = ", ".join(str(n) for _, n in widest)
    hops = " / ".join(dict.fromkeys(r.hop + (f" {r.hop_ip}" if r.hop_ip else "") for r, _ in widest))
    return f"{labels}: {prefixes} -> {hops}"


def forced_tunnel(route_tables: Sequence[Mapping[str, Any]]) -> str | None:
    """Describe a user route sending 0.0.0.0/0 to a virtual appliance or gateway, or ``None``.

    Accepts route table ARM documents, an effectiveRouteTable result (``{"value": [...]}``) or its items.
    Next hop Internet (or None, a black hole) is not tunnelling; Invalid effective routes are ignored.
    """
    effective: list[Mapping[str, Any]] = []
    for doc in route_tables or ():
        if not isinstance(doc, Mapping):
            continue
        if isinstance(doc.get("value"), list):
            found = _describe_tunnel(_effective_routes(doc["value"]))
        elif _is_effective(doc):
            effective.append(doc)
            continue
        else:
            found = _describe_tunnel(_table_routes(doc))
        if found:
            return found
    return _describe_tunnel(_effective_routes(effective)) if effective else None
