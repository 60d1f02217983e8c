"""Which subscriptions the wizard lets you choose: the states as Azure defines them (facts section 0)."""

from __future__ import annotations

import pytest

from tui.model import SubscriptionFacts
from tui.services.subscriptions import unusable_reason


@pytest.mark.parametrize(
    ("state", "usable"),
    [
        ("Enabled", True),
        ("PastDue", True),  # every operation still works: a warning finding, not a wall
        ("Warned", False),  # GET and DELETE only: no vault, no protection
        ("Disabled", False),
        ("Expired", False),
        ("Deleted", False),
    ],
)
def test_state_decides_whether_the_vault_and_protection_can_be_written(state: str, usable: bool) -> None:
    reason = unusable_reason(SubscriptionFacts(id="s", name="S", state=state))
    assert (reason is None) is usable
    if not usable:
        assert state in reason


def test_access_problems_come_first() -> None:
    forbidden = SubscriptionFacts(id="s", name="S", state="PastDue", access="forbidden")
    assert "no role assignment" in (unusable_reason(forbidden) or "")
    broken = SubscriptionFacts(id="s", name="S", state="Enabled", access="error", error="503 after retries")
    assert unusable_reason(broken) == "it could not be read: 503 after retries"


# -- the overview against the emulator: registration read first, nothing registered, failures stay local ------
async def test_overview_never_lists_into_an_unregistered_compute_namespace(make_emulator, monkeypatch):
    from azure.identity.aio import ManagedIdentityCredential

    from tests.conftest import read_request_log
    from tui.azure import ClientFactory, Target
    from tui.emulator import builders as b
    from tui.services.subscriptions import subscription_overview

    ok, unreg = "5ab5c1de-0000-4000-8000-0000000000c1", "5ab5c1de-0000-4000-8000-0000000000c2"
    estate = b.estate(
        b.tenant("0c0ffee0-0000-4000-8000-00000000c001", "Own"),
        [
            b.subscription(ok, "Ok"),
            b.subscription(unreg, "No compute", providers={"Microsoft.Compute": "NotRegistered"}),
        ],
        [b.virtual_machine(s, "rg", f"vm-{i}", location="westeurope") for i, s in enumerate((ok, unreg))],
    )
    emu = await make_emulator(
        estate, faults="503:1@/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines$"
    )
    target = Target.for_endpoint(emu.info["arm_endpoint"], ca_bundle=emu.info["ca_bundle"])
    async with ManagedIdentityCredential() as cred, ClientFactory(target, cred) as factory:  # not read-only
        subs = {s.name: s for s in await subscription_overview(factory)}
    assert subs["Ok"].access == "ok" and subs["Ok"].regions == {"westeurope": 1}
    assert subs["No compute"].access == "ok" and subs["No compute"].regions == {}
    assert subs["No compute"].providers["Microsoft.Compute"] == "NotRegistered"
    log = read_request_log(emu)
    assert not [r for r in log if unreg in r["path"] and "virtualMachines" in r["path"]]
    assert not [r for r in log if r["method"] == "POST"]  # nothing registered, by us or by the SDK
