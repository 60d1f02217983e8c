"""Target and cloud selection."""

from __future__ import annotations

import dataclasses

import pytest
from azure.core import AzureClouds

from tui.azure import CLOUDS, PUBLIC_CLOUD_SCOPE, Target


@pytest.mark.parametrize(
    ("name", "endpoint", "scope", "authority", "sdk_cloud"),
    [
        (
            "AzureCloud",
            "https://management.azure.com/",
            "https://management.azure.com/.default",
            "https://login.microsoftonline.com",
            AzureClouds.AZURE_PUBLIC_CLOUD,
        ),
        (
            "AzureUSGovernment",
            "https://management.usgovcloudapi.net/",
            "https://management.core.usgovcloudapi.net/.default",
            "https://login.microsoftonline.us",
            AzureClouds.AZURE_US_GOVERNMENT,
        ),
        (
            "AzureChinaCloud",
            "https://management.chinacloudapi.cn/",
            "https://management.chinacloudapi.cn/.default",
            "https://login.chinacloudapi.cn",
            AzureClouds.AZURE_CHINA_CLOUD,
        ),
    ],
)
def test_named_clouds(name: str, endpoint: str, scope: str, authority: str, sdk_cloud: AzureClouds) -> None:
    target = Target.for_cloud(name)
    assert target.cloud == name
    assert target.arm_endpoint == endpoint
    assert target.credential_scopes == (scope,)
    assert target.authority_host == authority
    assert target.sdk_cloud is sdk_cloud
    assert target.ca_bundle is None
    assert not target.is_custom
    assert target.portal and target.portal.startswith("https://portal.azure.")


def test_cloud_name_is_case_insensitive() -> None:
    assert Target.for_cloud("azurechinacloud").cloud == "AzureChinaCloud"


def test_default_is_public_cloud() -> None:
    assert Target.for_cloud().cloud == "AzureCloud"


def test_unknown_cloud_lists_valid_names() -> None:
    with pytest.raises(ValueError) as info:
        Target.for_cloud("AzureGermanCloud")
    for name in CLOUDS:
        assert name in str(info.value)


def test_custom_endpoint_defaults() -> None:
    target = Target.for_endpoint("https://127.0.0.1:8443", ca_bundle="/tmp/ca.pem")
    assert target.arm_endpoint == "https://127.0.0.1:8443/"
    assert target.credential_scopes == (PUBLIC_CLOUD_SCOPE,) == ("https://management.azure.com/.default",)
    assert target.ca_bundle == "/tmp/ca.pem"
    assert target.is_custom
    assert target.sdk_cloud is None
    assert target.portal is None


def test_custom_endpoint_keeps_path_and_single_trailing_slash() -> None:
    target = Target.for_endpoint("https://stack.example/arm//", scope="https://stack.example/.default")
    assert target.arm_endpoint == "https://stack.example/arm/"
    assert target.credential_scopes == ("https://stack.example/.default",)


@pytest.mark.parametrize("bad", ["127.0.0.1:8443", "ftp://host/", "https://host/?x=1", ""])
def test_custom_endpoint_rejects_non_urls(bad: str) -> None:
    with pytest.raises(ValueError):
        Target.for_endpoint(bad)


def test_target_is_frozen() -> None:
    target = Target.for_cloud()
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.arm_endpoint = "https://elsewhere/"  # type: ignore[misc]
