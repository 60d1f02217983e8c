"""VM selectability, the VM filter, the agent refresh and the probe summary (no Textual, no emulator)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tui.model import AgentFacts, GuestProbe, ProtectionFacts, Unreadable, VaultFacts, VmFacts
from tui.services.agents import refresh_agents
from tui.services.concerns import agent_state, probe_summary
from tui.services.selection import matches, unselectable

SUB = "00000000-0000-0000-0000-000000000001"


def vault(name: str, location: str = "northeurope", protects: tuple[str, ...] = ()) -> VaultFacts:
    vid = f"/subscriptions/{SUB}/resourceGroups/rg-bk/providers/Microsoft.RecoveryServices/vaults/{name}"
    return VaultFacts(vid, name, SUB, "rg-bk", location, protected_vm_ids={p.lower() for p in protects})


def vm(name: str, location: str = "northeurope", **kw: Any) -> VmFacts:
    vid = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/{name}"
    return VmFacts(vid, name, SUB, "rg-app", location, os_type="Linux", **kw)


def test_same_region_unprotected_is_selectable():
    assert unselectable(vm("a"), vault("v")) is None


def test_other_region_is_not_selectable():
    short, full = unselectable(vm("a", "westeurope"), vault("v")) or ("", "")
    assert short == "in westeurope"
    assert "its own region" in full


def test_protected_by_another_vault_is_not_selectable_but_by_the_chosen_one_is():
    other, chosen = vault("other"), vault("chosen")
    a = vm("a", protection=ProtectionFacts(status="Protected", vault_id=other.id.upper()))
    assert unselectable(a, chosen, [other, chosen]) == (
        "vault other",
        "a is already protected by the vault other: a VM can be backed up to one vault only. "
        "Stop its protection there first if it should move to chosen.",
    )
    b = vm("b", protection=ProtectionFacts(status="Protected", vault_id=chosen.id))
    assert unselectable(b, chosen, [other, chosen]) is None


def test_filter_matches_name_group_and_os_words():
    a = vm("vm-neu-app01")
    assert matches(a, "")
    assert matches(a, "APP01")
    assert matches(a, "rg-app linux")
    assert not matches(a, "windows")


class _Compute:
    def __init__(self, views: dict[str, Any]) -> None:
        self.views = views
        self.virtual_machines = self

    async def instance_view(self, rg: str, name: str) -> Any:
        view = self.views[name]
        if isinstance(view, Exception):
            raise view
        return SimpleNamespace(as_dict=lambda: view)


def _factory(views: dict[str, Any]) -> Any:
    compute = _Compute(views)
    return SimpleNamespace(compute=lambda sub: compute)


def _not_found() -> HttpResponseError:
    e = HttpResponseError(message="not found")
    e.status_code, e.reason = 404, "Not Found"
    return e


READY = {
    "statuses": [{"code": "PowerState/running"}],
    "vmAgent": {"vmAgentVersion": "2.11.1.12", "statuses": [{"displayStatus": "Ready", "message": "ok"}]},
    "extensions": [
        {
            "name": "VMSnapshotLinux",
            "type": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
            "statuses": [{"code": "ProvisioningState/succeeded"}],
        }
    ],
}


async def test_refresh_agents_updates_facts_and_reports_partial_failures():
    a = vm("a", power_state="running", agent=AgentFacts(provision_vm_agent=True, status="Not Ready"))
    a.unreadable.append(Unreadable("instance view", "429 Too Many Requests"))
    b = vm("b", power_state="running", agent=AgentFacts(status="Ready", version="1.0"))
    seen: list[tuple[int, int]] = []
    failed = await refresh_agents(
        _factory({"a": READY, "b": _not_found()}), [a, b], lambda s, d, t: seen.append((d, t))
    )
    assert a.agent.status == "Ready" and a.agent.version == "2.11.1.12"
    assert a.agent.provision_vm_agent is True  # only the model says this; kept
    assert a.agent.backup_extension is not None and a.agent.backup_extension.state == "succeeded"
    assert a.unreadable == []
    assert b.agent.version == "1.0"  # kept the scan's data
    assert failed == {b.id: "404 Not Found"}
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)


async def test_refresh_agents_raises_when_nothing_could_be_read():
    with pytest.raises(HttpResponseError):
        await refresh_agents(_factory({"a": _not_found()}), [vm("a")])


def test_probe_summary_words():
    g = GuestProbe(wireserver_80=True, wireserver_32526=False, dhcp=False, extensions_enabled=None)
    assert probe_summary(g, "Windows") == (
        "WireServer 80 reachable, 443 unknown, 32526 unreachable, DHCP disabled, proxy none"
    )
    assert "extensions unknown" in probe_summary(g, "Linux")
    linux = GuestProbe(wireserver_443=False, extensions_enabled=True, provisioning_agent="cloud-init")
    assert "443 unreachable" in probe_summary(linux, "Linux")
    assert "Provisioning.Agent cloud-init" in probe_summary(linux, "Linux")
    assert probe_summary(GuestProbe(error="boom")) == "probe failed: boom"


NEVER = {  # real ARM's vmAgent of a running VM whose agent never reported (facts section 0)
    "reported": True,
    "status": "Not Ready",
    "state": "unavailable",
    "version": "Unknown",
    "message": "VM status blob is found but not yet populated.",
    "handlers": 0,
}


@pytest.mark.parametrize(
    ("power", "agent", "expected"),
    [
        ("running", {"provision_vm_agent": False, "instance_view": True, **NEVER}, ("not installed", "bad")),
        ("running", {"provision_vm_agent": True, "instance_view": True, **NEVER}, ("never reported", "bad")),
        (
            "running",
            {"instance_view": True, "reported": True, "status": "Ready", "version": "2.7.41491.1102"},
            ("Ready", "good"),
        ),
        (
            "running",
            {
                "instance_view": True,
                "reported": True,
                "status": "Not Ready",
                "version": "Unknown",
                "message": "VM Agent is unresponsive.",
                "handlers": 2,
            },
            ("Not Ready", "bad"),
        ),
        ("running", {"instance_view": False}, ("unreadable", "odd")),  # a failed read is never "missing"
        ("deallocated", {}, ("not running", "dim")),
    ],
)
def test_agent_state_tells_the_real_cases_apart(power: str, agent: dict[str, Any], expected: tuple) -> None:
    assert agent_state(vm("vm-1", power_state=power, agent=AgentFacts(**agent))) == expected
