"""Tiny estates for emulator tests, written inline so each test shows what it serves."""

from __future__ import annotations

from typing import Any

TENANT = "72f988bf-0000-4000-8000-000000000001"
SUB_OK = "10000000-0000-4000-8000-000000000001"
SUB_UNREG = "10000000-0000-4000-8000-000000000002"
SUB_FORBIDDEN = "10000000-0000-4000-8000-000000000003"


def base_estate(*, groups: int = 1, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    subs = [
        {"subscriptionId": SUB_OK, "displayName": "Healthy", "state": "Enabled"},
        {
            "subscriptionId": SUB_UNREG,
            "displayName": "Unregistered",
            "state": "Enabled",
            "x-emulator": {"providers": {"Microsoft.RecoveryServices": "NotRegistered"}},
        },
        {
            "subscriptionId": SUB_FORBIDDEN,
            "displayName": "Forbidden",
            "state": "Enabled",
            "x-emulator": {"access": "forbidden"},
        },
    ]
    resources = [
        {
            "id": f"/subscriptions/{SUB_OK}/resourceGroups/rg-{i}",
            "name": f"rg-{i}",
            "type": "Microsoft.Resources/resourceGroups",
            "location": "westeurope",
            "properties": {"provisioningState": "Succeeded"},
        }
        for i in range(groups)
    ]
    return {
        "format": "vmbackup-prep/estate/v1",
        "tenant": {"tenantId": TENANT, "displayName": "Test"},
        "subscriptions": subs,
        "resources": resources + (extra or []),
    }
