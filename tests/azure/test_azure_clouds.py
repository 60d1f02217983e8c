"""Target and cloud selection."""

from __future__ import annotations

import dataclasses

import pytest
from azure.core import AzureClouds

from tui.azure import CLOUDS, PUBLIC_CLOUD_SCOPE, Target, parse_authority, scope_for_audience


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


@pytest.mark.parametrize(
    ("given", "host", "tenant"),
    [
        ("login.microsoftonline.us", "https://login.microsoftonline.us", None),
        ("https://login.microsoftonline.com/", "https://login.microsoftonline.com", None),
        ("https://127.0.0.1:8443/", "https://127.0.0.1:8443", None),
        ("https://adfs.local.azurestack.external/adfs/", "https://adfs.local.azurestack.external", "adfs"),
        ("https://ADFS.contoso.com/ADFS", "https://ADFS.contoso.com", "adfs"),
    ],
)
def test_authorities_are_read_as_azure_identity_takes_them(given: str, host: str, tenant: str | None) -> None:
    assert parse_authority(given) == (host, tenant)


@pytest.mark.parametrize("bad", ["http://login.example.com", "https://", ""])
def test_an_authority_must_be_https(bad: str) -> None:
    with pytest.raises(ValueError, match="https"):
        parse_authority(bad)


def test_audience_scopes_keep_the_trailing_slash_as_az_does() -> None:
    assert (
        scope_for_audience("https://management.core.windows.net/")
        == "https://management.core.windows.net//.default"
    )
    assert scope_for_audience("https://management.stack/guid") == "https://management.stack/guid/.default"


def test_sovereign_clouds_keep_their_authority_unless_overridden() -> None:
    gov = Target.for_cloud("AzureUSGovernment")
    assert gov.authority_host == "https://login.microsoftonline.us" and not gov.disable_instance_discovery
    moved = gov.with_authority("https://login.partner.example")
    assert moved.authority_host == "https://login.partner.example" and moved.disable_instance_discovery
    assert moved.arm_endpoint == gov.arm_endpoint and moved.credential_scopes == gov.credential_scopes


@pytest.mark.parametrize("name", sorted(CLOUDS))
def test_each_named_cloud_agrees_with_the_sdks_own_tables(name: str) -> None:
    """The table is written out so that naming a cloud loads no SDK: it must still say what the SDKs say
    (azure-mgmt-core's ARM endpoints and scopes, which the clients default to; azure-identity's authorities)."""
    from azure.identity import AzureAuthorityHosts
    from azure.mgmt.core.tools import get_arm_endpoints

    cloud = CLOUDS[name]
    sdk = get_arm_endpoints(cloud.sdk_cloud)
    assert (cloud.arm_endpoint, cloud.credential_scope) == (
        sdk["resource_manager"],
        sdk["credential_scopes"][0],
    )
    authorities = {
        AzureClouds.AZURE_PUBLIC_CLOUD: AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        AzureClouds.AZURE_US_GOVERNMENT: AzureAuthorityHosts.AZURE_GOVERNMENT,
        AzureClouds.AZURE_CHINA_CLOUD: AzureAuthorityHosts.AZURE_CHINA,
    }
    assert cloud.authority_host == "https://" + authorities[cloud.sdk_cloud]
