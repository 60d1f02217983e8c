"""The locks route (Microsoft.Authorization/locks), through the SDK the product uses (ManagementLockClient).

Shapes as ManagementLocks_ListAtSubscriptionLevel.json / _ListAtResourceGroupLevel.json /
_ListAtResourceLevel.json show them; which locks each list returns as Get-AzResourceLock documents it
(at, above or below the scope; only at or above with ``$filter=atScope()``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from azure.core.exceptions import ResourceNotFoundError
from azure.identity.aio import ManagedIdentityCredential
from azure.mgmt.resource.locks.aio import ManagementLockClient

from tests.conftest import read_request_log
from tests.emulator.estates import SUB_OK, base_estate

RG = f"/subscriptions/{SUB_OK}/resourceGroups/rg-0"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-1"


def _lock(scope: str, name: str, level: str) -> dict[str, Any]:
    return {
        "properties": {"level": level, "notes": f"{name} notes"},
        "id": f"{scope}/providers/Microsoft.Authorization/locks/{name}",
        "type": "Microsoft.Authorization/locks",
        "name": name,
    }


def _estate() -> dict[str, Any]:
    vm = {
        "id": VM,
        "name": "vm-1",
        "type": "Microsoft.Compute/virtualMachines",
        "location": "westeurope",
        "properties": {},
    }
    other_rg = f"/subscriptions/{SUB_OK}/resourceGroups/rg-other"
    return base_estate(
        extra=[
            vm,
            _lock(f"/subscriptions/{SUB_OK}", "sub-lock", "CanNotDelete"),
            _lock(RG, "rg-lock", "ReadOnly"),
            _lock(VM, "vm-lock", "CanNotDelete"),
            _lock(other_rg, "other-lock", "ReadOnly"),
        ]
    )


@pytest_asyncio.fixture
async def locks(make_emulator) -> AsyncIterator[tuple[Any, ManagementLockClient]]:
    emu = await make_emulator(_estate(), page_size=2)
    async with (
        ManagedIdentityCredential() as cred,
        ManagementLockClient(
            cred, SUB_OK, base_url=emu.info["arm_endpoint"], connection_verify=emu.info["ca_bundle"]
        ) as client,
    ):
        yield emu, client


async def _names(pager: Any) -> list[str]:
    return sorted([lock.name async for lock in pager])


async def test_subscription_list_returns_every_lock_in_the_subscription_over_pages(locks):
    emu, client = locks
    got = [lock async for lock in client.management_locks.list_at_subscription_level()]
    assert sorted(lock.name for lock in got) == ["other-lock", "rg-lock", "sub-lock", "vm-lock"]
    rg_lock = next(lock for lock in got if lock.name == "rg-lock")
    assert rg_lock.level == "ReadOnly" and rg_lock.type == "Microsoft.Authorization/locks"
    assert (
        rg_lock.id == f"{RG}/providers/Microsoft.Authorization/locks/rg-lock"
        and rg_lock.notes == "rg-lock notes"
    )
    pages = [r for r in read_request_log(emu) if r["path"].endswith("/locks")]
    assert len(pages) == 2  # page size 2: the nextLink was followed


async def test_group_list_has_the_locks_above_at_and_below_the_group(locks):
    _, client = locks
    assert await _names(client.management_locks.list_at_resource_group_level("rg-0")) == [
        "rg-lock",
        "sub-lock",
        "vm-lock",
    ]
    at_scope = client.management_locks.list_at_resource_group_level("rg-0", filter="atScope()")
    assert await _names(at_scope) == ["rg-lock", "sub-lock"]


async def test_resource_and_scope_lists(locks):
    _, client = locks
    got = client.management_locks.list_at_resource_level(
        "rg-0", "Microsoft.Compute", "", "virtualMachines", "vm-1"
    )
    assert await _names(got) == ["rg-lock", "sub-lock", "vm-lock"]
    assert await _names(client.management_locks.list_by_scope(VM)) == ["rg-lock", "sub-lock", "vm-lock"]
    assert await _names(client.management_locks.list_by_scope(f"/subscriptions/{SUB_OK}")) == [
        "other-lock",
        "rg-lock",
        "sub-lock",
        "vm-lock",
    ]


async def test_get_and_not_found(locks):
    _, client = locks
    lock = await client.management_locks.get_at_resource_group_level("rg-0", "rg-lock")
    assert lock.level == "ReadOnly"
    assert (await client.management_locks.get_at_subscription_level("sub-lock")).level == "CanNotDelete"
    with pytest.raises(ResourceNotFoundError):
        await client.management_locks.get_at_resource_group_level("rg-0", "nope")
    with pytest.raises(ResourceNotFoundError):
        _ = [x async for x in client.management_locks.list_at_resource_group_level("rg-missing")]
