"""--read-only is enforced in the client pipeline: writes never reach the emulator (its request log proves it)."""

from __future__ import annotations

import pytest
from azure.identity.aio import ManagedIdentityCredential

from tests.conftest import read_request_log
from tests.emulator.estates import SUB_OK, SUB_UNREG, base_estate
from tui.azure import ClientFactory, ProviderNotRegisteredError, ReadOnlyViolation, Target


async def _factory(emu, read_only: bool) -> tuple[ClientFactory, ManagedIdentityCredential]:
    cred = ManagedIdentityCredential()
    target = Target.for_endpoint(emu.info["arm_endpoint"], ca_bundle=emu.info["ca_bundle"])
    return ClientFactory(target, cred, read_only=read_only), cred


async def test_vault_create_is_refused_before_any_request_is_sent(make_emulator):
    emu = await make_emulator(base_estate())
    factory, cred = await _factory(emu, read_only=True)
    async with factory, cred:
        with pytest.raises(ReadOnlyViolation, match="refused by --read-only; nothing was sent"):
            poller = await factory.recovery_services(SUB_OK).vaults.begin_create_or_update(
                "rg-0", "rsv-new", {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {}}
            )
            await poller.result()
        with pytest.raises(ReadOnlyViolation):
            await factory.resources(SUB_OK).resource_groups.create_or_update(
                "rg-x", {"location": "westeurope"}
            )
        groups = [g.name async for g in factory.resources(SUB_OK).resource_groups.list()]  # reads still work
    assert groups == ["rg-0"]
    methods = {r["method"] for r in read_request_log(emu) if r["path"].startswith("/subscriptions")}
    assert methods == {"GET"}


async def test_sdk_auto_registration_is_stopped_in_read_only_mode(make_emulator):
    emu = await make_emulator(base_estate())
    factory, cred = await _factory(emu, read_only=True)
    async with factory, cred:
        with pytest.raises(ProviderNotRegisteredError) as e:
            [v async for v in factory.recovery_services(SUB_UNREG).vaults.list_by_subscription_id()]
    assert "az provider register --namespace Microsoft.RecoveryServices" in str(e.value)
    log = read_request_log(emu)
    assert not [r for r in log if r["method"] != "GET"]
    assert (
        emu.estate.subscriptions[SUB_UNREG.lower()].provider_state("Microsoft.RecoveryServices")
        == "NotRegistered"
    )
