"""Custom clouds from their own `/metadata/endpoints`, as `az cloud register --endpoint-resource-manager`
reads them: the answers of Azure Stack Hub (one object, AD FS or Entra) and of Azure's ARM (a list), what
sign-in needs from them, and a clear error for everything that can go wrong."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.estates import base_estate
from tui.azure import CloudMetadataError, Target, discover_target, explain, parse_cloud_metadata
from tui.azure.cloud_metadata import METADATA_API_VERSION

STACK = "https://management.local.azurestack.external/"
# Azure Stack Hub's answer with Microsoft Entra, the sample of
# https://learn.microsoft.com/azure-stack/user/azure-stack-version-profiles-java ("Sample JSON file").
STACK_ENTRA = {
    "galleryEndpoint": "https://portal.local.azurestack.external:30015/",
    "graphEndpoint": "https://graph.windows.net/",
    "portal Endpoint": "https://portal.local.azurestack.external/",
    "authentication": {
        "loginEndpoint": "https://login.windows.net/",
        "audiences": ["https://management.contoso.onmicrosoft.com/3cc5febd-e4b7-4a85-a2ed-1d730e2f5928"],
    },
}
# The same shape with AD FS: the login endpoint is the stack's AD FS (``.../adfs/``), as az detects it.
STACK_ADFS = {
    "galleryEndpoint": "https://providers.local.azurestack.external:30016/",
    "graphEndpoint": "https://graph.local.azurestack.external/",
    "portalEndpoint": "https://portal.local.azurestack.external/",
    "authentication": {
        "loginEndpoint": "https://adfs.local.azurestack.external/adfs/",
        "audiences": ["https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155"],
    },
}


def test_azure_stack_hub_with_ad_fs():
    meta = parse_cloud_metadata(STACK_ADFS, STACK)
    assert meta.login_endpoint == "https://adfs.local.azurestack.external/adfs/"
    assert meta.audience == "https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155"
    assert meta.portal == "https://portal.local.azurestack.external/"


def test_the_public_clouds_list_is_searched_for_this_endpoint():
    clouds = [
        {"name": "AzureCloud", "resourceManager": "https://management.azure.com/", "authentication":
         {"loginEndpoint": "https://login.microsoftonline.com/", "audiences": ["https://management.core.windows.net/"]},
         "suffixes": {"storage": "core.windows.net"}, "portal": "https://portal.azure.com"},
        {"name": "AzureUSGovernment", "resourceManager": "https://management.usgovcloudapi.net/", "authentication":
         {"loginEndpoint": "https://login.microsoftonline.us", "audiences": ["https://management.core.usgovcloudapi.net/"]}},
    ]  # fmt: skip
    meta = parse_cloud_metadata(clouds, "https://management.usgovcloudapi.net")
    assert (meta.name, meta.login_endpoint) == ("AzureUSGovernment", "https://login.microsoftonline.us")
    assert parse_cloud_metadata(clouds, "https://management.azure.com/").suffixes == (
        ("storage", "core.windows.net"),
    )
    with pytest.raises(CloudMetadataError, match="lists 2 clouds and none"):
        parse_cloud_metadata(clouds, STACK)


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"authentication": {"audiences": ["https://m/"]}}, "no authentication.loginEndpoint"),
        ({"authentication": {"loginEndpoint": " "}}, "no authentication.loginEndpoint"),
        (
            {"authentication": {"loginEndpoint": "https://login/", "audiences": []}},
            "no authentication.audiences",
        ),
        ({"name": "x"}, "no authentication.loginEndpoint"),
        ("<html>", "not a cloud object"),
        ([1, 2], "not a cloud object"),
    ],
)
def test_what_sign_in_needs_must_be_there(doc: Any, words: str):
    with pytest.raises(CloudMetadataError) as info:
        parse_cloud_metadata(doc, STACK)
    assert words in str(info.value)
    problem = explain(info.value)
    assert problem.title == "Cannot read the cloud's metadata"
    assert f"{STACK}metadata/endpoints?api-version={METADATA_API_VERSION}" in problem.detail
    assert "--arm-endpoint" in problem.remedy


async def test_the_emulator_is_a_cloud_with_its_own_authority(make_emulator):
    emu = await make_emulator(base_estate())
    target = await discover_target(emu.info["arm_endpoint"], emu.info["ca_bundle"])
    base = emu.info["arm_endpoint"].rstrip("/")
    assert target.arm_endpoint == emu.info["arm_endpoint"] and target.cloud == "Custom" and target.is_custom
    assert target.authority_host == base and target.tenant is None
    assert target.credential_scopes == (
        "https://management.azure.com//.default",
    )  # as az's resource_to_scopes
    assert target.disable_instance_discovery and target.identity_ca_bundle == emu.info["ca_bundle"]
    assert (
        dict(target.suffixes)["keyVaultDns"] == "vault.azure.net"
        and target.portal == emu.info["arm_endpoint"]
    )
    overridden = await discover_target(
        emu.info["arm_endpoint"], emu.info["ca_bundle"], authority_host="https://adfs.stack.local/adfs"
    )
    assert (overridden.authority_host, overridden.tenant) == ("https://adfs.stack.local", "adfs")
    assert overridden.credential_scopes == target.credential_scopes  # the audience still comes from ARM


async def test_an_untrusted_certificate_says_to_pass_the_ca_bundle(make_emulator):
    emu = await make_emulator(base_estate())
    with pytest.raises(CloudMetadataError) as info:
        await discover_target(emu.info["arm_endpoint"])  # system CAs only
    assert "--ca-bundle" in info.value.problem.remedy and "certificate" in info.value.problem.detail.lower()


async def test_an_error_status_or_a_refused_connection_is_a_metadata_error(recording_transport):
    transport = recording_transport(lambda request: (404, {"error": {"code": "NotFound"}}))
    with pytest.raises(CloudMetadataError, match="answered HTTP 404"):
        await discover_target("https://arm.example/", transport=transport)
    assert transport.requests[0][:2] == (
        "GET",
        f"https://arm.example/metadata/endpoints?api-version={METADATA_API_VERSION}",
    )
    with pytest.raises(CloudMetadataError) as info:
        await discover_target("https://127.0.0.1:9/")  # the discard port: nothing answers
    assert info.value.problem.title == "Cannot read the cloud's metadata"
    assert "Cannot connect" in info.value.problem.detail


async def test_a_stack_with_entra_signs_in_at_entra_with_its_own_audience(recording_transport):
    target = await discover_target(
        STACK, "/tmp/stack-ca.pem", transport=recording_transport(lambda r: (200, STACK_ENTRA))
    )
    assert (target.authority_host, target.tenant) == ("https://login.windows.net", None)
    assert not target.disable_instance_discovery and target.identity_ca_bundle is None  # public roots
    assert target.credential_scopes == (
        "https://management.contoso.onmicrosoft.com/3cc5febd-e4b7-4a85-a2ed-1d730e2f5928/.default",
    )


async def test_a_stack_with_ad_fs_signs_in_at_its_ad_fs_host_with_the_adfs_tenant(recording_transport):
    transport = recording_transport(lambda request: (200, STACK_ADFS))
    target = await discover_target(STACK, "/tmp/stack-ca.pem", transport=transport)
    assert (target.authority_host, target.tenant) == ("https://adfs.local.azurestack.external", "adfs")
    assert target.credential_scopes == (
        "https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default",
    )
    assert target.identity_ca_bundle == "/tmp/stack-ca.pem" and isinstance(target, Target)
