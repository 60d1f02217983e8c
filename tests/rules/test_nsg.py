"""NSG evaluation and forced-tunnel detection (tui/rules/nsg.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tui.rules.nsg import (
    DEFAULT_RULES,
    Nsg,
    effective_nsgs,
    forced_tunnel,
    is_private_v4,
    load_nsg,
    outbound_verdict,
    parse_rule,
    private_ip_in,
)


def rule(
    name: str,
    priority: int,
    access: str = "Deny",
    dest: str | list[str] = "Internet",
    port: str | list[str] = "443",
    *,
    protocol: str = "Tcp",
    source: str | list[str] = "*",
    source_port: str = "*",
    direction: str = "Outbound",
    **extra: Any,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "protocol": protocol,
        "access": access,
        "priority": priority,
        "direction": direction,
        "sourcePortRange": source_port,
    }
    props.update(
        {"destinationAddressPrefixes": dest} if isinstance(dest, list) else {"destinationAddressPrefix": dest}
    )
    props.update(
        {"destinationPortRanges": port} if isinstance(port, list) else {"destinationPortRange": port}
    )
    props.update(
        {"sourceAddressPrefixes": source} if isinstance(source, list) else {"sourceAddressPrefix": source}
    )
    props.update(extra)
    return {"name": name, "properties": props}


def arm_default_rules() -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "properties": {
                "protocol": "*",
                "sourceAddressPrefix": r.source_prefixes[0],
                "sourcePortRange": "*",
                "destinationAddressPrefix": r.destination_prefixes[0],
                "destinationPortRange": "*",
                "access": r.access,
                "priority": r.priority,
                "direction": r.direction,
            },
        }
        for r in DEFAULT_RULES
    ]


def nsg(name: str, *rules: dict[str, Any], defaults: bool = True) -> dict[str, Any]:
    props: dict[str, Any] = {"securityRules": list(rules)}
    if defaults:
        props["defaultSecurityRules"] = arm_default_rules()
    return {"name": name, "id": f"/subscriptions/s/resourceGroups/rg/providers/x/{name}", "properties": props}


def internet(nic: Any, subnet: Any = None, **kw: Any):
    return outbound_verdict(nic, subnet, destination="Internet", **kw)


def storage(nic: Any, subnet: Any = None, **kw: Any):
    return outbound_verdict(nic, subnet, destination="Storage", **kw)


# -- basics -------------------------------------------------------------------------------------------------
def test_no_nsg_at_all_is_allowed():
    v = internet(None, None)
    assert v.allowed and v.deciding == [] and v.partial == []


def test_defaults_only_allow_internet_and_storage():
    v = internet(nsg("nsg-web"))
    assert v.allowed
    assert v.deciding == ["nsg-web/AllowInternetOutBound (priority 65001, Allow)"]
    assert storage(nsg("nsg-web")).allowed


def test_deny_internet_443_blocks_with_deciding_rule():
    v = internet(nsg("nsg-erp", rule("deny-internet", 4000)))
    assert not v.allowed
    assert v.deciding == ["nsg-erp/deny-internet (priority 4000, Deny)"]
    assert v.blocking == ["nsg-erp/deny-internet (priority 4000)"]
    # Internet covers Storage's public addresses too
    assert not storage(nsg("nsg-erp", rule("deny-internet", 4000))).allowed


def test_allow_443_above_deny_all():
    doc = nsg("n", rule("allow-https", 100, "Allow", "*"), rule("deny-all", 200, dest="*", port="*"))
    assert internet(doc).allowed
    assert internet(doc).deciding == ["n/allow-https (priority 100, Allow)"]
    assert not internet(doc, port=80).allowed  # only 443 is allowed
    assert internet(doc, port=80).deciding == ["n/deny-all (priority 200, Deny)"]


def test_priority_order_not_document_order():
    doc = nsg("n", rule("deny-all", 300, dest="*", port="*"), rule("allow-https", 200, "Allow"))
    assert internet(doc).allowed


def test_subnet_denies_while_nic_allows():
    nic = nsg("nic-nsg", rule("allow-https", 100, "Allow"))
    subnet = nsg("snet-nsg", rule("deny-internet", 4000))
    v = internet(nic, subnet)
    assert not v.allowed
    assert v.deciding == [
        "nic-nsg/allow-https (priority 100, Allow)",
        "snet-nsg/deny-internet (priority 4000, Deny)",
    ]
    assert v.blocking == ["snet-nsg/deny-internet (priority 4000)"]


def test_both_deny_both_named():
    v = internet(nsg("a", rule("d1", 100)), nsg("b", rule("d2", 200)))
    assert not v.allowed
    assert v.blocking == ["a/d1 (priority 100)", "b/d2 (priority 200)"]


def test_nic_absent_subnet_present():
    assert not internet(None, nsg("snet", rule("deny", 100))).allowed
    v = internet(None, nsg("snet"))
    assert v.allowed and v.deciding == ["snet/AllowInternetOutBound (priority 65001, Allow)"]


def test_nic_denies_subnet_absent():
    assert not internet(nsg("nic", rule("deny", 100)), None).allowed


# -- ports and protocols --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("port_spec", "blocked"),
    [
        ("*", True),
        ("443", True),
        ("400-500", True),
        ("443-443", True),
        ("444-500", False),
        ("80", False),
        (["80", "443"], True),
        (["80", "8000-9000"], False),
        (["1-442", "444-65535"], False),
    ],
)
def test_port_ranges_and_lists(port_spec, blocked):
    doc = nsg("n", rule("deny", 100, port=port_spec))
    assert internet(doc).allowed is not blocked


def test_port_parameter_is_used():
    doc = nsg("n", rule("deny-8443", 100, port="8443"))
    assert internet(doc).allowed
    assert not storage(doc, port=8443).allowed


@pytest.mark.parametrize(
    ("protocol", "matches"),
    [
        ("Tcp", True),
        ("*", True),
        ("Any", True),
        ("Udp", False),
        ("Icmp", False),
        ("Esp", False),
        ("Ah", False),
    ],
)
def test_protocols(protocol, matches):
    doc = nsg("n", rule("deny", 100, protocol=protocol))
    assert internet(doc).allowed is not matches


def test_inbound_rules_ignored():
    doc = nsg("n", rule("deny-in", 100, dest="*", port="*", direction="Inbound"))
    assert internet(doc).allowed


# -- destinations ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dest", ["*", "0.0.0.0/0", "Internet", "internet", "Any"])
def test_destinations_covering_everything(dest):
    doc = nsg("n", rule("deny", 100, dest=dest))
    assert not internet(doc).allowed
    assert not storage(doc).allowed


def test_storage_tag_matches_storage_not_internet():
    doc = nsg("n", rule("deny-storage", 100, dest="Storage"))
    assert not storage(doc).allowed
    v = internet(doc)
    assert v.allowed
    assert v.partial == ["n/deny-storage (priority 100, Deny): destination Storage is only part of Internet"]


def test_allow_storage_then_deny_internet():
    doc = nsg("n", rule("allow-storage", 100, "Allow", "Storage"), rule("deny-internet", 200))
    assert storage(doc).allowed
    assert not internet(doc).allowed


def test_storage_region_tags():
    doc = nsg("n", rule("allow-st", 100, "Allow", "Storage.WestEurope"), rule("deny-internet", 200))
    assert storage(doc, region="westeurope").allowed
    assert storage(doc, region="West Europe").allowed
    v = storage(doc, region="eastus")
    assert not v.allowed and v.deciding == ["n/deny-internet (priority 200, Deny)"]
    assert v.partial == []  # another region's tag does not even partly match
    # region unknown: a regional tag might or might not be the VM's region -> partial, not deciding
    v = storage(doc)
    assert not v.allowed
    assert v.partial == [
        "n/allow-st (priority 100, Allow): destination Storage.WestEurope is only part of Storage"
    ]


def test_deny_other_region_storage_does_not_block():
    doc = nsg("n", rule("deny-st-eus", 100, dest="Storage.eastus"))
    assert storage(doc, region="westeurope").allowed
    assert not storage(doc, region="EastUS").allowed


@pytest.mark.parametrize("dest", ["AzureCloud", "AzureCloud.westeurope"])
def test_azurecloud_matches_storage_not_internet(dest):
    doc = nsg("n", rule("deny-azure", 100, dest=dest))
    assert not storage(doc, region="westeurope").allowed
    assert internet(doc, region="westeurope").allowed
    assert internet(doc, region="westeurope").partial


def test_azurecloud_other_region():
    doc = nsg("n", rule("deny-azure", 100, dest="AzureCloud.northeurope"))
    assert storage(doc, region="westeurope").allowed


@pytest.mark.parametrize(
    "dest", ["VirtualNetwork", "10.0.0.0/8", "192.168.1.0/24", "172.16.5.4", "AzureLoadBalancer"]
)
def test_destinations_matching_neither(dest):
    doc = nsg("n", rule("deny", 100, dest=dest))
    for v in (internet(doc), storage(doc)):
        assert v.allowed and v.partial == []


def test_other_service_tag_is_partial_for_internet_only():
    doc = nsg("n", rule("deny-backup", 100, dest="AzureBackup"))
    assert internet(doc).allowed and internet(doc).partial
    assert storage(doc).allowed and storage(doc).partial == []


def test_specific_public_cidr_is_partial():
    deny = nsg("n", rule("deny-20", 100, dest="20.0.0.0/8"))
    v = internet(deny)
    assert v.allowed
    assert v.deciding == ["n/AllowInternetOutBound (priority 65001, Allow)"]
    assert v.partial == ["n/deny-20 (priority 100, Deny): destination 20.0.0.0/8 is only part of Internet"]
    assert storage(deny).partial  # Storage could live in 20/8 too

    allow = nsg("n", rule("allow-20", 100, "Allow", "20.0.0.0/8"), rule("deny-all", 200, dest="*"))
    v = internet(allow)
    assert not v.allowed
    assert v.partial == ["n/allow-20 (priority 100, Allow): destination 20.0.0.0/8 is only part of Internet"]


def test_partial_with_same_access_as_decision_not_reported():
    doc = nsg("n", rule("deny-20", 100, dest="20.0.0.0/8"), rule("deny-all", 200, dest="*"))
    v = internet(doc)
    assert not v.allowed and v.partial == []


def test_cidr_halves_cover_everything():
    doc = nsg("n", rule("deny-halves", 100, dest=["0.0.0.0/1", "128.0.0.0/1"]))
    assert not internet(doc).allowed


def test_ipv6_any_does_not_match_ipv4_traffic():
    assert internet(nsg("n", rule("deny-v6", 100, dest="::/0"))).allowed


def test_destination_asg_never_matches():
    r = rule("deny-asg", 100, dest="*")
    del r["properties"]["destinationAddressPrefix"]
    r["properties"]["destinationApplicationSecurityGroups"] = [{"id": "/x/applicationSecurityGroups/asg-db"}]
    assert internet(nsg("n", r)).allowed


# -- sources -------------------------------------------------------------------------------------------------
def test_source_virtualnetwork_matches():
    assert not internet(nsg("n", rule("deny", 100, source="VirtualNetwork"))).allowed


def test_source_cidr_with_known_ip():
    doc = nsg("n", rule("deny", 100, source="10.1.0.0/24"))
    assert not internet(doc, source_ip="10.1.0.4").allowed
    assert internet(doc, source_ip="10.2.0.4").allowed


def test_source_cidr_unknown_ip_private_assumed_with_note():
    v = internet(nsg("n", rule("deny", 100, source="10.1.0.0/24")))
    assert not v.allowed
    assert v.partial == ["n/deny (priority 100, Deny): assumes the VM's private IP is in source 10.1.0.0/24"]
    # a public source CIDR can never be the VM's private address
    assert internet(nsg("n", rule("deny", 100, source="52.0.0.0/8"))).allowed


def test_source_tag_other_than_vnet_does_not_match():
    assert internet(nsg("n", rule("deny", 100, source="AzureLoadBalancer"))).allowed


def test_source_asg_counts_as_matching_with_note():
    r = rule("deny-web", 100)
    del r["properties"]["sourceAddressPrefix"]
    r["properties"]["sourceApplicationSecurityGroups"] = [{"id": "/s/x/applicationSecurityGroups/asg-web"}]
    v = internet(nsg("n", r))
    assert not v.allowed
    assert v.partial == [
        "n/deny-web (priority 100, Deny): assumes the VM is in application security group asg-web"
    ]


def test_restricted_source_port_is_partial():
    doc = nsg("n", rule("deny-sp", 100, source_port="80"))
    v = internet(doc)
    assert v.allowed and "source ports 80" in v.partial[0]
    assert not internet(nsg("n", rule("deny-sp", 100, source_port="1024-65535"))).allowed


# -- defaults ------------------------------------------------------------------------------------------------
def test_missing_defaults_are_added():
    v = internet(nsg("n", defaults=False))
    assert v.allowed and v.deciding == ["n/AllowInternetOutBound (priority 65001, Allow)"]
    # a bare list of rules works too (named after the level)
    v = internet([rule("allow-https", 100, "Allow")], [rule("x", 100, dest="VirtualNetwork")])
    assert v.deciding == [
        "nic-nsg/allow-https (priority 100, Allow)",
        "subnet-nsg/AllowInternetOutBound (priority 65001, Allow)",
    ]


def test_custom_rule_overrides_allow_internet_for_one_port_only():
    doc = nsg("n", rule("deny-https", 4096, dest="Internet", port="443"))
    assert not internet(doc).allowed
    assert internet(doc, port=80).deciding == ["n/AllowInternetOutBound (priority 65001, Allow)"]


def test_deny_all_outbound_decides_when_allow_internet_overridden():
    # The document's own defaults are trusted: with AllowInternetOutBound narrowed, DenyAllOutBound decides.
    defaults = arm_default_rules()
    for r in defaults:
        if r["name"] == "AllowInternetOutBound":
            r["properties"]["destinationAddressPrefix"] = "VirtualNetwork"
    doc = {"name": "n", "properties": {"securityRules": [], "defaultSecurityRules": defaults}}
    v = internet(doc)
    assert not v.allowed
    assert v.deciding == ["n/DenyAllOutBound (priority 65500, Deny)"]
    assert v.blocking == ["n/DenyAllOutBound (priority 65500)"]


def test_custom_deny_all_before_defaults():
    v = internet(nsg("n", rule("deny-everything", 4096, dest="*", port="*")))
    assert not v.allowed and v.deciding == ["n/deny-everything (priority 4096, Deny)"]


def test_partial_default_set_is_completed():
    partial_defaults = [r for r in arm_default_rules() if r["name"] != "AllowInternetOutBound"]
    doc = {"name": "n", "properties": {"securityRules": [], "defaultSecurityRules": partial_defaults}}
    loaded = load_nsg(doc)
    assert loaded is not None and len(loaded.rules) == 6
    assert internet(doc).allowed
    # an Nsg object is completed the same way
    raw = Nsg("n", tuple(parse_rule(r) for r in partial_defaults))
    assert internet(raw).deciding == ["n/AllowInternetOutBound (priority 65001, Allow)"]


def test_custom_rule_named_like_a_default_does_not_replace_it():
    loaded = load_nsg(nsg("n", rule("AllowInternetOutBound", 300, dest="Internet"), defaults=False))
    assert loaded is not None
    assert sorted(r.priority for r in loaded.rules if r.name == "AllowInternetOutBound") == [300, 65001]


def test_defaults_not_duplicated_when_present():
    loaded = load_nsg(nsg("n"))
    assert loaded is not None and len(loaded.rules) == 6


def test_unusable_rules_are_skipped():
    bad = {"name": "broken", "properties": {"access": "Deny", "direction": "Outbound"}}  # no priority
    assert internet(nsg("n", bad)).allowed
    with pytest.raises(ValueError):
        parse_rule(bad)


# -- effective rules format -----------------------------------------------------------------------------------
def eff(
    name: str, priority: int, access: str, dest: str, port: str = "0-65535", protocol: str = "All", **kw: Any
):
    return {
        "name": name,
        "protocol": protocol,
        "sourcePortRange": "0-65535",
        "destinationPortRange": port,
        "sourceAddressPrefix": kw.pop("source", "0.0.0.0/0"),
        "destinationAddressPrefix": dest,
        "expandedDestinationAddressPrefix": kw.pop("expanded", []),
        "access": access,
        "priority": priority,
        "direction": kw.pop("direction", "Outbound"),
    }


EFFECTIVE_DEFAULTS = [
    eff("defaultSecurityRules/AllowVnetOutBound", 65000, "Allow", "VirtualNetwork", source="VirtualNetwork"),
    eff(
        "defaultSecurityRules/AllowInternetOutBound",
        65001,
        "Allow",
        "Internet",
        expanded=["1.0.0.0/8", "2.0.0.0/7"],
    ),
    eff("defaultSecurityRules/DenyAllOutBound", 65500, "Deny", "0.0.0.0/0"),
]


def test_effective_rules_format():
    rules = [eff("securityRules/deny-internet", 4000, "Deny", "Internet", port="443-443", protocol="Tcp")]
    rules += EFFECTIVE_DEFAULTS
    v = internet(rules)
    assert not v.allowed and v.deciding == ["nic-nsg/deny-internet (priority 4000, Deny)"]
    r = parse_rule(rules[0])
    assert r.name == "deny-internet" and r.protocol == "tcp" and r.destination_ports == ("443-443",)
    assert internet(rules, port=80).deciding == ["nic-nsg/AllowInternetOutBound (priority 65001, Allow)"]


def test_effective_udp_rule_and_all_protocol():
    rules = [eff("securityRules/deny-udp", 100, "Deny", "0.0.0.0/0", protocol="Udp"), *EFFECTIVE_DEFAULTS]
    assert internet(rules).allowed
    rules = [eff("securityRules/deny-all", 100, "Deny", "0.0.0.0/0", protocol="All"), *EFFECTIVE_DEFAULTS]
    assert not internet(rules).allowed


def test_effective_nsgs_response_split():
    response = {
        "value": [
            {
                "networkSecurityGroup": {
                    "id": "/s/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-nic"
                },
                "association": {"networkInterface": {"id": "/nic"}},
                "effectiveSecurityRules": [*EFFECTIVE_DEFAULTS],
            },
            {
                "networkSecurityGroup": {
                    "id": "/s/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-snet"
                },
                "association": {"subnet": {"id": "/subnet"}},
                "effectiveSecurityRules": [
                    eff("securityRules/deny-storage", 300, "Deny", "Storage.westeurope", port="443-443"),
                    *EFFECTIVE_DEFAULTS,
                ],
            },
        ]
    }
    nic, subnet = effective_nsgs(response)
    assert nic is not None and nic.name == "nsg-nic"
    assert subnet is not None and subnet.name == "nsg-snet"
    v = storage(nic, subnet, region="westeurope")
    assert not v.allowed and v.blocking == ["nsg-snet/deny-storage (priority 300)"]
    assert internet(nic, subnet).allowed


def test_effective_entry_as_direct_input():
    entry = {
        "networkSecurityGroup": {"id": "/x/networkSecurityGroups/nsg-a"},
        "association": {"subnet": {"id": "/s"}},
        "effectiveSecurityRules": [eff("securityRules/deny", 100, "Deny", "Internet")],
    }
    v = internet(None, entry)
    assert not v.allowed and v.deciding == ["nsg-a/deny (priority 100, Deny)"]


def test_snake_case_documents_accepted():
    doc = {
        "name": "n",
        "security_rules": [
            {
                "name": "deny",
                "protocol": "Tcp",
                "destination_address_prefix": "Internet",
                "destination_port_range": "443",
                "source_address_prefix": "*",
                "source_port_range": "*",
                "access": "Deny",
                "priority": 100,
                "direction": "Outbound",
            }
        ],
    }
    assert not internet(doc).allowed


# -- helpers -------------------------------------------------------------------------------------------------
def test_ip_helpers():
    assert private_ip_in("10.0.0.0/16", "10.0.3.4")
    assert not private_ip_in("10.0.0.0/16", "10.1.3.4")
    assert not private_ip_in("Internet", "10.1.3.4")
    assert not private_ip_in("10.0.0.0/16", "not-an-ip")
    assert is_private_v4("172.20.0.0/16") and is_private_v4("192.168.0.1")
    assert (
        not is_private_v4("20.0.0.0/8")
        and not is_private_v4("10.0.0.0/7")
        and not is_private_v4("VirtualNetwork")
    )


# -- forced tunnelling ----------------------------------------------------------------------------------------
def route(name: str, prefix: str, hop: str, ip: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"addressPrefix": prefix, "nextHopType": hop}
    if ip:
        props["nextHopIpAddress"] = ip
    return {"name": name, "properties": props}


def table(name: str, *routes: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "id": f"/x/routeTables/{name}", "properties": {"routes": list(routes)}}


def test_forced_tunnel_virtual_appliance():
    rt = table(
        "rt-erp-weu",
        route("to-onprem", "192.168.0.0/16", "VirtualNetworkGateway"),
        route("default-via-fw", "0.0.0.0/0", "VirtualAppliance", "10.10.0.4"),
    )
    assert forced_tunnel([rt]) == "rt-erp-weu/default-via-fw: 0.0.0.0/0 -> VirtualAppliance 10.10.0.4"


def test_forced_tunnel_gateway():
    rt = table("rt-hub", route("default", "0.0.0.0/0", "VirtualNetworkGateway"))
    assert forced_tunnel([rt]) == "rt-hub/default: 0.0.0.0/0 -> VirtualNetworkGateway"


def test_internet_next_hop_is_not_tunnelling():
    assert forced_tunnel([table("rt", route("default", "0.0.0.0/0", "Internet"))]) is None
    assert forced_tunnel([table("rt", route("blackhole", "0.0.0.0/0", "None"))]) is None
    assert forced_tunnel([table("rt", route("fw", "10.0.0.0/8", "VirtualAppliance", "10.0.0.4"))]) is None
    assert forced_tunnel([table("rt")]) is None
    assert forced_tunnel([]) is None


def test_split_halves_count():
    rt = table(
        "rt-split",
        route("low", "0.0.0.0/1", "VirtualAppliance", "10.10.0.4"),
        route("high", "128.0.0.0/1", "VirtualAppliance", "10.10.0.4"),
        route("spoke", "10.0.0.0/8", "VirtualAppliance", "10.10.0.4"),
    )
    assert (
        forced_tunnel([rt])
        == "rt-split/low + rt-split/high: 0.0.0.0/1, 128.0.0.0/1 -> VirtualAppliance 10.10.0.4"
    )


def test_split_half_alone_or_to_internet_is_not_tunnelling():
    assert forced_tunnel([table("rt", route("low", "0.0.0.0/1", "VirtualAppliance", "10.0.0.4"))]) is None
    rt = table(
        "rt",
        route("low", "0.0.0.0/1", "VirtualAppliance", "10.0.0.4"),
        route("high", "128.0.0.0/1", "Internet"),
    )
    assert forced_tunnel([rt]) is None


def test_second_table_found():
    tables = [
        table("rt-a", route("x", "10.0.0.0/8", "VnetLocal")),
        table("rt-b", route("d", "0.0.0.0/0", "VirtualAppliance", "10.1.1.1")),
    ]
    assert forced_tunnel(tables) == "rt-b/d: 0.0.0.0/0 -> VirtualAppliance 10.1.1.1"


def eroute(
    prefix: str,
    hop: str,
    source: str = "User",
    state: str = "Active",
    ip: list[str] | None = None,
    name: str | None = None,
):
    return {
        "name": name,
        "source": source,
        "state": state,
        "addressPrefix": [prefix],
        "nextHopIpAddress": ip or [],
        "nextHopType": hop,
    }


def test_effective_routes_format():
    routes = [
        eroute("10.0.0.0/16", "VnetLocal", source="Default"),
        eroute("0.0.0.0/0", "Internet", source="Default", state="Invalid"),
        eroute("0.0.0.0/0", "VirtualAppliance", ip=["10.10.0.4"], name="default-via-fw"),
    ]
    assert forced_tunnel(routes) == "default-via-fw: 0.0.0.0/0 -> VirtualAppliance 10.10.0.4"
    assert forced_tunnel([{"value": routes}]) == "default-via-fw: 0.0.0.0/0 -> VirtualAppliance 10.10.0.4"


def test_effective_routes_invalid_state_ignored():
    routes = [
        eroute("0.0.0.0/0", "VirtualAppliance", state="Invalid", ip=["10.10.0.4"]),
        eroute("0.0.0.0/0", "Internet", source="Default"),
    ]
    assert forced_tunnel(routes) is None


def test_effective_default_source_not_user_ignored():
    assert forced_tunnel([eroute("0.0.0.0/0", "VirtualAppliance", source="Default", ip=["1.1.1.1"])]) is None


def test_effective_bgp_default_route_via_gateway_counts():
    found = forced_tunnel(
        [eroute("0.0.0.0/0", "VirtualNetworkGateway", source="VirtualNetworkGateway", ip=["10.9.0.4"])]
    )
    assert found == "VirtualNetworkGateway route: 0.0.0.0/0 -> VirtualNetworkGateway 10.9.0.4"


def test_effective_split_halves_unnamed():
    routes = [
        eroute("0.0.0.0/1", "VirtualAppliance", ip=["10.0.0.4"]),
        eroute("128.0.0.0/1", "VirtualAppliance", ip=["10.0.0.4"]),
    ]
    assert forced_tunnel(routes) == "user route: 0.0.0.0/1, 128.0.0.0/1 -> VirtualAppliance 10.0.0.4"
