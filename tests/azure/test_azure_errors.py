"""explain() on real SDK exception objects built from in-memory responses."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.rest import HttpRequest
from azure.identity import CredentialUnavailableError
from azure.mgmt.core.exceptions import ARMErrorFormat

from tui.azure import ProviderNotRegisteredError, ReadOnlyViolation, explain, role_for_action

SUB = "00000000-0000-0000-0000-000000000001"
URL = f"https://management.azure.com/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines?api-version=x"


@pytest.fixture
def arm_error(fake_response: Any) -> Any:
    def build(
        cls: type[HttpResponseError],
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> HttpResponseError:
        response = fake_response(
            HttpRequest("GET", URL), status, {"error": {"code": code, "message": message}}, headers
        )
        return cls(response=response, error_format=ARMErrorFormat)

    return build


def test_403_names_action_scope_and_role(arm_error: Any) -> None:
    scope = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1"
    exc = arm_error(
        HttpResponseError,
        403,
        "AuthorizationFailed",
        "The client 'ada@contoso.com' with object id 'o-1' does not have authorization to perform action "
        f"'Microsoft.RecoveryServices/vaults/write' over scope '{scope}' or the scope is invalid. "
        "If access was recently granted, please refresh your credentials.",
    )
    problem = explain(exc)
    assert problem.status == 403 and problem.code == "AuthorizationFailed"
    assert "Microsoft.RecoveryServices/vaults/write" in problem.detail and scope in problem.detail
    assert "Backup Contributor" in problem.remedy and scope in problem.remedy


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("Microsoft.Compute/virtualMachines/read", "Reader"),
        (
            "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/write",
            "Backup Contributor",
        ),
        ("Microsoft.RecoveryServices/Vaults/backupstorageconfig/write", "Backup Contributor"),
        ("Microsoft.Compute/virtualMachines/runCommand/action", "Virtual Machine Contributor"),
        ("Microsoft.Network/networkInterfaces/effectiveNetworkSecurityGroups/action", "Network Contributor"),
        ("Microsoft.RecoveryServices/register/action", "Contributor"),
        ("Microsoft.Resources/subscriptions/resourceGroups/write", "Contributor"),
    ],
)
def test_role_for_action(action: str, role: str) -> None:
    assert role_for_action(action) == role


def test_403_without_parsable_action(arm_error: Any) -> None:
    problem = explain(arm_error(HttpResponseError, 403, "AuthorizationFailed", "nope"))
    assert problem.title == "Access denied" and "Reader" in problem.remedy


def test_403_policy(arm_error: Any) -> None:
    problem = explain(arm_error(HttpResponseError, 403, "RequestDisallowedByPolicy", "denied by policy 'p'"))
    assert "Policy" in problem.title


def test_401_from_arm(arm_error: Any) -> None:
    exc = arm_error(
        ClientAuthenticationError, 401, "InvalidAuthenticationToken", "The access token is invalid."
    )
    problem = explain(exc, auth="cli")
    assert problem.status == 401 and "az login" in problem.remedy
    assert "The access token is invalid." in problem.detail


def test_credential_unavailable() -> None:
    problem = explain(CredentialUnavailableError(message="DefaultAzureCredential failed to retrieve a token"))
    assert problem.title == "Could not sign in" and problem.code == "CredentialUnavailable"
    assert "--auth" in problem.remedy
    assert "device-code" in explain(ClientAuthenticationError("expired"), auth="device-code").remedy


def test_404(arm_error: Any) -> None:
    problem = explain(
        arm_error(
            ResourceNotFoundError, 404, "ResourceGroupNotFound", "Resource group 'rg' could not be found."
        )
    )
    assert problem.status == 404 and problem.code == "ResourceGroupNotFound"
    assert "rg" in problem.detail


def test_409_missing_registration_from_arm(arm_error: Any) -> None:
    exc = arm_error(
        ResourceExistsError,
        409,
        "MissingSubscriptionRegistration",
        "The subscription is not registered to use namespace 'Microsoft.RecoveryServices'. "
        "See https://aka.ms/rps-not-found for how to register subscriptions.",
    )
    problem = explain(exc)
    assert problem.code == "MissingSubscriptionRegistration" and problem.status == 409
    assert (
        f"az provider register --namespace Microsoft.RecoveryServices --subscription {SUB}" in problem.remedy
    )


def test_409_conflict(arm_error: Any) -> None:
    problem = explain(arm_error(ResourceExistsError, 409, "Conflict", "Another operation is in progress."))
    assert problem.title == "Conflict" and "retry" in problem.remedy


def test_429(arm_error: Any) -> None:
    exc = arm_error(
        HttpResponseError, 429, "SubscriptionRequestsThrottled", "Too many.", {"Retry-After": "17"}
    )
    problem = explain(exc)
    assert problem.status == 429 and "17 s" in problem.detail and "retry" in problem.remedy


def test_5xx(arm_error: Any) -> None:
    assert (
        explain(arm_error(HttpResponseError, 503, "ServiceUnavailable", "down")).title
        == "Azure service error"
    )


def test_http_error_without_arm_body(fake_response: Any) -> None:
    exc = HttpResponseError(response=fake_response(HttpRequest("GET", URL), 400, None))
    problem = explain(exc)
    assert problem.status == 400 and problem.code is None


def test_cannot_connect_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    tls = ServiceRequestError(
        "Cannot connect to host 127.0.0.1:8443 ssl:True [SSLCertVerificationError: (1, '[SSL: "
        "CERTIFICATE_VERIFY_FAILED] certificate verify failed')]"
    )
    assert "--ca-bundle" in explain(tls).remedy
    refused = ServiceRequestError("Cannot connect to host 127.0.0.1:1 ssl:default [Connection refused]")
    problem = explain(refused)
    assert problem.title == "Cannot connect to Azure" and "proxy" not in problem.remedy
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    assert "HTTPS_PROXY" in explain(refused).remedy
    plain = ServiceRequestError(
        "Bearer token authentication is not permitted for non-TLS protected (non-https) URLs."
    )
    assert explain(plain).code == "InsecureEndpoint"


def test_timeouts() -> None:
    assert explain(ServiceResponseError("read timed out")).code == "Timeout"
    assert explain(TimeoutError()).code == "Timeout"


def test_read_only_and_provider_errors() -> None:
    problem = explain(ReadOnlyViolation("PUT", "/subscriptions/x/resourcegroups/rg"))
    assert problem.code == "ReadOnly" and "PUT /subscriptions/x/resourcegroups/rg" in problem.detail
    problem = explain(ProviderNotRegisteredError("Microsoft.RecoveryServices", SUB))
    assert problem.status == 409
    assert (
        f"az provider register --namespace Microsoft.RecoveryServices --subscription {SUB}" in problem.remedy
    )


def test_anything_else_is_still_a_problem() -> None:
    problem = explain(KeyError("boom"))
    assert problem.title == "Unexpected error" and "KeyError" in problem.detail
    assert str(problem).startswith("Unexpected error: ")
