"""ReadOnlyPolicy and AutoRegistrationGuard, run through a real azure-core AsyncPipeline."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import AzureError, ResourceExistsError
from azure.core.pipeline import AsyncPipeline
from azure.core.rest import HttpRequest

from tui.azure import AutoRegistrationGuard, ProviderNotRegisteredError, ReadOnlyPolicy, ReadOnlyViolation
from tui.azure.readonly import is_read_only_request

ARM = "https://management.azure.com"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
VAULT = f"{SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1"
NIC = f"{SUB}/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic1"

ALLOWED = [
    ("GET", f"{SUB}/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01"),
    ("HEAD", f"{SUB}/resourcegroups/rg?api-version=2025-04-01"),
    ("get", f"{VAULT}?api-version=2026-11-01"),
    (
        "POST",
        f"{SUB}/providers/Microsoft.RecoveryServices/locations/westeurope/backupStatus?api-version=2026-10-01",
    ),
    ("POST", f"{SUB}/providers/Microsoft.RecoveryServices/locations/westeurope/BACKUPSTATUS?api-version=x"),
    (
        "POST",
        f"{SUB}/providers/Microsoft.RecoveryServices/locations/westeurope/backupValidateFeatures?api-version=x",
    ),
    ("POST", f"{VAULT}/backupPreValidateProtection?api-version=x"),
    ("POST", f"{SUB}/providers/Microsoft.RecoveryServices/locations/westeurope/backupPreValidateProtection"),
    (
        "POST",
        f"{SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/locations/westeurope/checkNameAvailability",
    ),
    ("POST", f"{NIC}/effectiveNetworkSecurityGroups?api-version=2026-03-01"),
    ("POST", f"{NIC}/effectiveRouteTable/?api-version=2026-03-01"),
]

REFUSED = [
    ("PUT", f"{VAULT}?api-version=2026-11-01"),
    ("PATCH", f"{VAULT}?api-version=2026-11-01"),
    ("DELETE", f"{SUB}/resourcegroups/rg?api-version=2025-04-01"),
    ("POST", f"{SUB}/providers/Microsoft.RecoveryServices/register?api-version=2025-04-01"),
    (
        "POST",
        f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1/runCommand?api-version=x",
    ),
    ("POST", f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1/powerOff"),
    ("POST", f"{VAULT}/backupFabrics/Azure/refreshContainers?api-version=x"),
    ("POST", f"{NIC}/effectiveRouteTable/extra"),  # the suffix must be the end of the path
    ("POST", f"{VAULT}/listKeys?checkNameAvailability"),  # a query string does not count
    ("MERGE", f"{VAULT}"),
]


@pytest.fixture
def pipeline(recording_transport: Any) -> tuple[AsyncPipeline, Any]:
    transport = recording_transport()
    return AsyncPipeline(transport, policies=[ReadOnlyPolicy()]), transport


@pytest.mark.parametrize(("method", "path"), ALLOWED)
async def test_reads_and_read_only_posts_pass(
    pipeline: tuple[AsyncPipeline, Any], method: str, path: str
) -> None:
    pipe, transport = pipeline
    response = await pipe.run(HttpRequest(method, ARM + path))
    assert response.http_response.status_code == 200
    assert len(transport.requests) == 1


@pytest.mark.parametrize(("method", "path"), REFUSED)
async def test_writes_are_refused_before_sending(
    pipeline: tuple[AsyncPipeline, Any], method: str, path: str
) -> None:
    pipe, transport = pipeline
    request = HttpRequest(method, ARM + path, headers={"Authorization": "Bearer secret-token"}, json={"a": 1})
    with pytest.raises(ReadOnlyViolation) as info:
        await pipe.run(request)
    assert transport.requests == []
    message = str(info.value)
    assert message == f"{method.upper()} {path.split('?')[0]} refused by --read-only; nothing was sent"
    assert "secret-token" not in message and "api-version" not in message
    assert isinstance(info.value, AzureError)
    assert info.value.method == method.upper()


def test_classifier_direct() -> None:
    assert is_read_only_request("options", ARM + SUB)
    assert not is_read_only_request("post", ARM + NIC)


def _missing_registration(request: HttpRequest) -> tuple[int, Any]:
    if request.method == "GET":
        return 409, {
            "error": {
                "code": "MissingSubscriptionRegistration",
                "message": "The subscription is not registered to use namespace 'Microsoft.RecoveryServices'. "
                "See https://aka.ms/rps-not-found for how to register subscriptions.",
                "details": [
                    {
                        "code": "MissingSubscriptionRegistration",
                        "target": "Microsoft.RecoveryServices",
                        "message": "The subscription is not registered to use namespace 'Microsoft.RecoveryServices'.",
                    }
                ],
            }
        }
    return 200, {}


async def test_guard_turns_register_post_into_provider_error(recording_transport: Any) -> None:
    transport = recording_transport(_missing_registration)
    guard = AutoRegistrationGuard()
    pipe = AsyncPipeline(transport, policies=[guard])
    response = await pipe.run(HttpRequest("GET", f"{ARM}{VAULT}?api-version=2026-11-01"))
    assert response.http_response.status_code == 409  # the guard only watches responses
    register = f"{ARM}{SUB}/providers/Microsoft.RecoveryServices/register?api-version=2016-02-01"
    with pytest.raises(ProviderNotRegisteredError) as info:
        await pipe.run(HttpRequest("POST", register))
    error = info.value
    assert [m for m, _, _ in transport.requests] == ["GET"]
    assert isinstance(error, ResourceExistsError)
    assert error.status_code == 409
    assert error.error is not None and error.error.code == "MissingSubscriptionRegistration"
    assert error.namespace == "Microsoft.RecoveryServices"
    assert error.subscription_id == SUB.rsplit("/", 1)[1]
    assert "az provider register --namespace Microsoft.RecoveryServices" in str(error)
    assert "not registered" in str(error)
    assert guard._pending == {}


async def test_guard_without_a_seen_409_still_refuses(recording_transport: Any) -> None:
    transport = recording_transport()
    pipe = AsyncPipeline(transport, policies=[AutoRegistrationGuard()])
    with pytest.raises(ProviderNotRegisteredError) as info:
        await pipe.run(HttpRequest("POST", f"{ARM}{SUB}/providers/Microsoft.Compute/register"))
    assert info.value.status_code == 409
    assert info.value.namespace == "Microsoft.Compute"
    assert transport.requests == []


async def test_guard_ignores_other_409s(recording_transport: Any) -> None:
    transport = recording_transport(lambda r: (409, {"error": {"code": "Conflict", "message": "busy 'x'"}}))
    guard = AutoRegistrationGuard()
    pipe = AsyncPipeline(transport, policies=[guard])
    response = await pipe.run(HttpRequest("PUT", f"{ARM}{VAULT}"))
    assert response.http_response.status_code == 409
    assert guard._pending == {}
