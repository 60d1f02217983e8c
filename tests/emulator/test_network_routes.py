"""Microsoft.Network routes of the emulator, through the SDK calls the product makes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import read_request_log
from tests.sdk import Sdk
from tui.emulator import builders as b

SUB = "30000000-0000-4000-8000-000000000001"
RG = "rg-net"
NET = "Microsoft.Network"


def rid(rtype: str, name: str) -> str:
    return b.resource_id(SUB, RG, rtype, name)


def network_estate() -> dict[str, Any]:
    vnet_id = rid(f"{NET}/virtualNetworks", "vnet-hub")
    app_subnet, plain_subnet = b.subnet_id(vnet_id, "app"), b.subnet_id(vnet_id, "plain")
    nsg_subnet, nsg_nic = (
        rid(f"{NET}/networkSecurityGroups", "nsg-app"),
        rid(f"{NET}/networkSecurityGroups", "nsg-vm"),
    )
    rt_id = rid(f"{NET}/routeTables", "rt-firewall")
    pip_id = rid(f"{NET}/publicIPAddresses", "pip-lb")
    vm = {name: rid("Microsoft.Compute/virtualMachines", name) for name in ("vm-web", "vm-off", "vm-db")}
    nic = {name: rid(f"{NET}/networkInterfaces", f"{name}-nic") for name in vm}
    deny_web = b.security_rule("deny-web-out", 200, "Outbound", "Deny", destination_address_prefix="Internet")
    deny_web["properties"].pop("destinationPortRange")
    deny_web["properties"]["destinationPortRanges"] = ["80", "443"]  # a rule written with plural port ranges
    resources = [
        b.resource_group(SUB, RG, "westeurope"),
        b.virtual_network(
            SUB,
            RG,
            "vnet-hub",
            address_prefixes=["10.10.0.0/16", "10.20.0.0/16"],
            subnets=[
                b.subnet("app", "10.10.1.0/24", nsg_id=nsg_subnet, route_table_id=rt_id),
                b.subnet("plain", "10.10.2.0/24"),
            ],
        ),
        b.network_security_group(
            SUB,
            RG,
            "nsg-app",
            subnet_ids=[app_subnet],
            security_rules=[
                deny_web,
                b.security_rule("allow-https-in", 100, "Inbound", "Allow", destination_port_range="443"),
            ],
        ),
        b.network_security_group(
            SUB,
            RG,
            "nsg-vm",
            nic_ids=[nic["vm-web"]],
            security_rules=[
                b.security_rule(
                    "ssh-from-bastion",
                    110,
                    "Inbound",
                    "Allow",
                    protocol="*",
                    source_address_prefix="10.30.0.5",
                    destination_port_range="22",
                ),
            ],
        ),
        b.route_table(
            SUB,
            RG,
            "rt-firewall",
            subnet_ids=[app_subnet],
            routes=[
                b.route("to-firewall", "0.0.0.0/0", "VirtualAppliance", "10.10.0.4"),
                b.route("onprem", "192.168.0.0/16", "VirtualNetworkGateway"),
            ],
        ),
        b.network_interface(
            SUB,
            RG,
            "vm-web-nic",
            subnet_id=app_subnet,
            private_ip="10.10.1.4",
            nsg_id=nsg_nic,
            vm_id=vm["vm-web"],
        ),
        b.network_interface(
            SUB, RG, "vm-off-nic", subnet_id=app_subnet, private_ip="10.10.1.5", vm_id=vm["vm-off"]
        ),
        b.network_interface(
            SUB, RG, "vm-db-nic", subnet_id=plain_subnet, private_ip="10.10.2.4", vm_id=vm["vm-db"]
        ),
        b.network_interface(SUB, RG, "orphan-nic", subnet_id=plain_subnet, private_ip="10.10.2.9"),
        b.virtual_machine(SUB, RG, "vm-web", nic_ids=[nic["vm-web"]]),
        b.virtual_machine(SUB, RG, "vm-off", nic_ids=[nic["vm-off"]], power_state="stopped"),
        b.virtual_machine(SUB, RG, "vm-db", nic_ids=[nic["vm-db"]]),
        b.public_ip(SUB, RG, "pip-lb", ip_address="20.1.2.3"),
        b.load_balancer(
            SUB,
            RG,
            "lb-web",
            public_ip_id=pip_id,
            backend_ip_configuration_ids=[f"{nic['vm-web']}/ipConfigurations/ipconfig1"],
        ),
    ]
    return b.estate(
        b.tenant("72f988bf-0000-4000-8000-0000000000bb", "Fabrikam"), [b.subscription(SUB, "Net")], resources
    )


@pytest.fixture
async def network(make_emulator):
    emu = await make_emulator(network_estate(), page_size=2)
    async with Sdk(emu) as sdk:
        yield emu, sdk.network(SUB)


async def test_list_all_resources_page_through_everything(network):
    emu, client = network
    nics = {n.name: n async for n in client.network_interfaces.list_all()}
    assert set(nics) == {"vm-web-nic", "vm-off-nic", "vm-db-nic", "orphan-nic"}
    web = nics["vm-web-nic"]
    assert web.properties.virtual_machine.id.endswith("/virtualMachines/vm-web")
    assert web.properties.ip_configurations[0].properties.private_ip_address == "10.10.1.4"
    assert nics["orphan-nic"].properties.virtual_machine is None
    nic_pages = [r for r in read_request_log(emu) if r["path"].endswith("/networkInterfaces")]
    assert len(nic_pages) == 2 and all(p["query"]["api-version"] == "2026-03-01" for p in nic_pages)

    nsgs = {n.name: n async for n in client.network_security_groups.list_all()}
    assert set(nsgs) == {"nsg-app", "nsg-vm"}
    assert len(nsgs["nsg-app"].properties.default_security_rules) == 6
    tables = [t async for t in client.route_tables.list_all()]
    assert [r.properties.next_hop_ip_address for r in tables[0].properties.routes] == ["10.10.0.4", None]
    vnets = [v async for v in client.virtual_networks.list_all()]
    assert vnets[0].properties.address_space.address_prefixes == ["10.10.0.0/16", "10.20.0.0/16"]
    pips = [p async for p in client.public_ip_addresses.list_all()]
    assert [(p.name, p.properties.ip_address) for p in pips] == [("pip-lb", "20.1.2.3")]
    lbs = [lb async for lb in client.load_balancers.list_all()]
    assert lbs[0].properties.frontend_ip_configurations[0].properties.public_ip_address.id.endswith("/pip-lb")


async def test_gets_by_group_and_subnets(network):
    _, client = network
    assert len([n async for n in client.network_interfaces.list(RG)]) == 4
    nic = await client.network_interfaces.get(RG, "VM-WEB-NIC")
    assert nic.properties.network_security_group.id.endswith("/nsg-vm")
    assert (
        (await client.network_security_groups.get(RG, "nsg-app"))
        .properties.subnets[0]
        .id.endswith("/subnets/app")
    )
    assert (await client.route_tables.get(RG, "rt-firewall")).name == "rt-firewall"
    assert (await client.virtual_networks.get(RG, "vnet-hub")).name == "vnet-hub"
    subnets = [s async for s in client.subnets.list(RG, "vnet-hub")]
    assert [s.name for s in subnets] == ["app", "plain"]
    app = await client.subnets.get(RG, "vnet-hub", "app")
    assert app.properties.route_table.id.endswith("/rt-firewall")
    assert app.properties.network_security_group.id.endswith("/nsg-app")
    with pytest.raises(ResourceNotFoundError):
        await client.subnets.get(RG, "vnet-hub", "nope")
    with pytest.raises(ResourceNotFoundError) as e:
        await client.network_interfaces.get(RG, "nope")
    assert e.value.error.code == "ResourceNotFound"


async def _effective_nsgs(client: Any, nic: str) -> list[Any]:
    poller = await client.network_interfaces.begin_list_effective_network_security_groups(
        RG, nic, polling_interval=0.05
    )
    return (await poller.result()).value


async def _effective_routes(client: Any, nic: str) -> list[Any]:
    poller = await client.network_interfaces.begin_get_effective_route_table(RG, nic, polling_interval=0.05)
    return (await poller.result()).value


async def test_effective_nsgs_and_routes(network):
    emu, client = network
    nsgs, routes, plain_routes = await asyncio.gather(
        _effective_nsgs(client, "vm-web-nic"),
        _effective_routes(client, "vm-web-nic"),
        _effective_routes(client, "vm-db-nic"),
    )

    # Effective NSGs: the subnet's and the NIC's, each with its association and flattened rules.
    by_nsg = {g.network_security_group.id.rsplit("/", 1)[-1]: g for g in nsgs}
    assert set(by_nsg) == {"nsg-app", "nsg-vm"}
    assert by_nsg["nsg-app"].association.subnet.id.endswith("/subnets/app")
    assert by_nsg["nsg-vm"].association.network_interface.id.endswith("/vm-web-nic")
    rules = {r.name: r for r in by_nsg["nsg-app"].effective_security_rules}
    deny = rules["securityRules/deny-web-out"]
    assert (deny.direction, deny.access, deny.priority, deny.protocol) == ("Outbound", "Deny", 200, "Tcp")
    assert (
        deny.destination_port_ranges == ["80-80", "443-443"] and deny.destination_address_prefix == "Internet"
    )
    assert deny.source_port_range == "0-65535" and deny.source_address_prefix == "0.0.0.0/0"
    assert rules["securityRules/allow-https-in"].destination_port_range == "443-443"
    internet_out = rules["defaultSecurityRules/AllowInternetOutBound"]
    assert (internet_out.protocol, internet_out.priority, internet_out.destination_address_prefix) == (
        "All",
        65001,
        "Internet",
    )
    ssh = {r.name: r for r in by_nsg["nsg-vm"].effective_security_rules}["securityRules/ssh-from-bastion"]
    assert (ssh.protocol, ssh.source_address_prefix, ssh.destination_port_range) == (
        "All",
        "10.30.0.5/32",
        "22-22",
    )

    # Effective routes: forced tunnelling through the firewall makes the Internet default Invalid.
    def find(rs: list[Any], source: str, prefix: str) -> Any:
        return next(r for r in rs if r.source == source and r.address_prefix == [prefix])

    tunnel = find(routes, "User", "0.0.0.0/0")
    assert (tunnel.next_hop_type, tunnel.next_hop_ip_address, tunnel.state) == (
        "VirtualAppliance",
        ["10.10.0.4"],
        "Active",
    )
    assert find(routes, "Default", "0.0.0.0/0").state == "Invalid"
    assert find(routes, "Default", "192.168.0.0/16").state == "Invalid"  # overridden by the on-premises route
    assert find(routes, "Default", "10.0.0.0/8").next_hop_type == "None"
    assert [r.address_prefix for r in routes if r.next_hop_type == "VnetLocal"] == [
        ["10.10.0.0/16"],
        ["10.20.0.0/16"],
    ]
    # A subnet without a route table: system routes only, Internet default active.
    assert {r.source for r in plain_routes} == {"Default"}
    assert find(plain_routes, "Default", "0.0.0.0/0").state == "Active"
    assert {p for r in plain_routes if r.next_hop_type == "None" for p in r.address_prefix} == {
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    }

    # Real ARM answers these POSTs 202 + Location only, and the Location 202s until the result is ready.
    log = read_request_log(emu)
    assert {r["status"] for r in log if r["method"] == "POST"} == {202}
    assert {r["status"] for r in log if "/operationResults/" in r["path"]} <= {200, 202}


async def test_effective_views_need_a_nic_on_a_running_vm(network):
    _, client = network
    for nic in ("vm-off-nic", "orphan-nic"):
        with pytest.raises(HttpResponseError) as e:
            await client.network_interfaces.begin_get_effective_route_table(RG, nic)
        assert e.value.status_code == 400 and e.value.error.code == "NicNotAttachedToRunningVm"
        with pytest.raises(HttpResponseError) as e:
            await client.network_interfaces.begin_list_effective_network_security_groups(RG, nic)
        assert e.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        await client.network_interfaces.begin_get_effective_route_table(RG, "nope")
