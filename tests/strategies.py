"""Hypothesis strategies for hostile input: JSON values, ARM documents and estates with one thing wrong.

Reusable by any fuzz test (the estate loader and the emulator here; facts parsing later): ``json_values`` is
any JSON a file or a reply could hold (and ``1e999``/NaN that Python's parser lets through), ``small_estate``
is a valid estate that exercises every route family, and ``broken_estates`` is that estate with a few values
replaced, removed or nested absurdly deep, at places drawn from the whole document.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from tui.emulator import builders as b

TENANT = "0f0e0d0c-0000-4000-8000-00000000f022"
SUB = "5a5a0000-0000-4000-8000-000000000001"
SUB2 = "5a5a0000-0000-4000-8000-000000000002"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "/", "/providers", "Enabled", "\x1b[31m", "a\nb", "\x00", "1e999"]),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def deep(levels: int) -> Any:
    """``levels`` nested objects and lists (built without recursion)."""
    value: Any = 1
    for i in range(levels):
        value = {"a": value} if i % 2 else [value]
    return value


def small_estate() -> dict[str, Any]:
    """A valid estate with one of everything the routes serve: a running VM with its disk, NIC, NSG, subnet,
    route table; a stopped VM; a vault with a protected item; a second, forbidden subscription."""
    rg, net = "rg-app", "rg-net"
    nsg = b.network_security_group(
        SUB, net, "nsg-1", security_rules=[b.security_rule("deny-out", 100, "Outbound", "Deny")]
    )
    table = b.route_table(
        SUB, net, "rt-1", routes=[b.route("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.0.4")]
    )
    vnet_id = b.resource_id(SUB, net, "Microsoft.Network/virtualNetworks", "vnet-1")
    subnet = b.subnet_id(vnet_id, "default")
    vnet = b.virtual_network(
        SUB,
        net,
        "vnet-1",
        subnets=[b.subnet("default", "10.0.0.0/24", nsg_id=nsg["id"], route_table_id=table["id"])],
    )
    resources: list[dict[str, Any]] = [
        b.resource_group(SUB, rg, "westeurope"),
        b.resource_group(SUB, net, "westeurope"),
    ]
    resources += [nsg, table, vnet]
    vms = []
    for i, power in enumerate(("running", "deallocated")):
        name = f"vm-{i}"
        disk_id = b.resource_id(SUB, rg, "Microsoft.Compute/disks", f"{name}-os")
        nic = b.network_interface(
            SUB, rg, f"{name}-nic", subnet_id=subnet, private_ip=f"10.0.0.{10 + i}", nsg_id=nsg["id"]
        )
        vm = b.virtual_machine(
            SUB,
            rg,
            name,
            os_type="Linux" if i == 0 else "Windows",
            nic_ids=[nic["id"]],
            os_disk_spec=b.os_disk(f"{name}-os", "Linux", disk_id=disk_id),
            power_state=power,
        )
        nic["properties"]["virtualMachine"] = {"id": vm["id"]}
        resources += [vm, nic, b.managed_disk(SUB, rg, f"{name}-os", managed_by=vm["id"])]
        vms.append(vm)
    vault = b.recovery_services_vault(SUB, rg, "rsv-1")
    resources += [vault, b.protected_item(vault["id"], vms[1]["id"])]
    subs = [b.subscription(SUB, "Fuzz"), b.subscription(SUB2, "Fuzz forbidden", access="forbidden")]
    return b.estate(b.tenant(TENANT, "Fuzz"), subs, resources)


def _paths(value: Any, limit: int = 12) -> list[tuple[Any, ...]]:
    """Every place in ``value`` down to ``limit`` levels (iterative: earlier mutations may nest deep)."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        v, prefix = stack.pop()
        if prefix:
            out.append(prefix)
        if len(prefix) >= limit:
            continue
        items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
        stack += [(child, (*prefix, k)) for k, child in items]
    return sorted(out, key=repr)


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


odd_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["", " ", "\x1b[31mred", "a\nb", "\x00", "[b]x[/b]", "../..", "%2F", "é", "\u202eevil", "0"]
    ),
)


def same_kind(value: Any) -> st.SearchStrategy[Any]:
    """A value of the same JSON type as ``value`` but odd: what a real document could still hold."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if isinstance(value, float):
        return st.floats(allow_nan=False, allow_infinity=False)
    if isinstance(value, str):
        return odd_text
    if isinstance(value, list):
        return st.sampled_from([[], value + value[:1]])
    if isinstance(value, dict):
        return st.just({})
    return st.none()


@st.composite
def broken_estates(
    draw: st.DrawFn, base: dict[str, Any] | None = None, *, plausible: bool = False
) -> dict[str, Any]:
    """``base`` (default: ``small_estate()``) with one to three values replaced, removed or nested deep.

    ``plausible``: mostly changes a document could really carry (odd strings, nulls, empty lists, missing
    keys), so most results load and the emulator has to serve them.
    """
    doc = copy.deepcopy(base if base is not None else small_estate())
    hows = (
        ["same", "same", "same", "null", "remove"]
        if plausible
        else ["any", "any", "any", "remove", "deep", "infinite"]
    )
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p[0] in ("tenant", "subscriptions", "resources")]
        path = draw(st.sampled_from(paths))
        parent, key = _parent(doc, path), path[-1]
        how = draw(st.sampled_from(hows))
        if how == "remove":
            del parent[key]
        elif how == "null":
            parent[key] = None
        elif how == "same":
            parent[key] = draw(same_kind(parent[key]))
        elif how == "deep":
            parent[key] = deep(draw(st.sampled_from([65, 200, 5000])))
        elif how == "infinite":
            parent[key] = draw(st.sampled_from([float("inf"), float("-inf"), float("nan")]))
        else:
            parent[key] = draw(json_values)
    return doc
