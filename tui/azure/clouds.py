"""Azure clouds and the `Target` every SDK client is built for."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from azure.core import AzureClouds
from azure.identity import AzureAuthorityHosts
from azure.mgmt.core.tools import get_arm_endpoints

__all__ = [
    "CLOUDS",
    "CUSTOM_CLOUD",
    "DEFAULT_CLOUD",
    "PUBLIC_CLOUD_SCOPE",
    "Cloud",
    "Target",
]


@dataclass(frozen=True, slots=True)
class Cloud:
    """A named Azure cloud: where ARM lives and where to sign in."""

    name: str
    arm_endpoint: str
    credential_scope: str
    authority_host: str
    portal: str
    sdk_cloud: AzureClouds


def _cloud(name: str, sdk_cloud: AzureClouds, authority_host: str, portal: str) -> Cloud:
    endpoints = get_arm_endpoints(sdk_cloud)  # the SDK's own table, so scopes match what clients default to
    return Cloud(
        name=name,
        arm_endpoint=endpoints["resource_manager"],
        credential_scope=endpoints["credential_scopes"][0],
        authority_host=authority_host,
        portal=portal,
        sdk_cloud=sdk_cloud,
    )


CLOUDS: dict[str, Cloud] = {
    c.name: c
    for c in (
        _cloud(
            "AzureCloud",
            AzureClouds.AZURE_PUBLIC_CLOUD,
            "https://" + AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
            "https://portal.azure.com",
        ),
        _cloud(
            "AzureUSGovernment",
            AzureClouds.AZURE_US_GOVERNMENT,
            "https://" + AzureAuthorityHosts.AZURE_GOVERNMENT,
            "https://portal.azure.us",
        ),
        _cloud(
            "AzureChinaCloud",
            AzureClouds.AZURE_CHINA_CLOUD,
            "https://" + AzureAuthorityHosts.AZURE_CHINA,
            "https://portal.azure.cn",
        ),
    )
}
"""The clouds selectable by name (``--cloud``), keyed by their Azure CLI names."""

DEFAULT_CLOUD = "AzureCloud"
CUSTOM_CLOUD = "Custom"
PUBLIC_CLOUD_SCOPE = CLOUDS[DEFAULT_CLOUD].credential_scope  # "https://management.azure.com/.default"


def _normalise_endpoint(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"ARM endpoint must be an absolute https:// URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"ARM endpoint must not carry a query or fragment: {url!r}")
    return url.strip().rstrip("/") + "/"


@dataclass(frozen=True, slots=True)
class Target:
    """Where the clients talk to: an ARM endpoint, the token scope it accepts, and how TLS is verified.

    ``arm_endpoint`` always ends with a slash. ``ca_bundle`` is a PEM file that *replaces* the system CAs
    (azure-core semantics), or None for the system trust store.
    """

    cloud: str
    arm_endpoint: str
    credential_scopes: tuple[str, ...]
    ca_bundle: str | None = None
    authority_host: str = CLOUDS[DEFAULT_CLOUD].authority_host

    @classmethod
    def for_cloud(cls, name: str = DEFAULT_CLOUD, *, ca_bundle: str | None = None) -> Target:
        """Target one of the named clouds (case-insensitive); ValueError lists the valid names."""
        cloud = _lookup_cloud(name)
        return cls(
            cloud=cloud.name,
            arm_endpoint=cloud.arm_endpoint,
            credential_scopes=(cloud.credential_scope,),
            ca_bundle=ca_bundle,
            authority_host=cloud.authority_host,
        )

    @classmethod
    def for_endpoint(
        cls,
        arm_endpoint: str,
        ca_bundle: str | None = None,
        scope: str | None = None,
        *,
        authority_host: str | None = None,
    ) -> Target:
        """Target a custom ARM endpoint (the emulator, Azure Stack-like endpoints).

        The scope defaults to the public cloud's ``https://management.azure.com/.default``, which is what the
        emulator and such endpoints accept.
        """
        return cls(
            cloud=CUSTOM_CLOUD,
            arm_endpoint=_normalise_endpoint(arm_endpoint),
            credential_scopes=(scope or PUBLIC_CLOUD_SCOPE,),
            ca_bundle=ca_bundle,
            authority_host=authority_host or CLOUDS[DEFAULT_CLOUD].authority_host,
        )

    @property
    def is_custom(self) -> bool:
        """True for a custom endpoint, False for a named cloud."""
        return self.cloud not in CLOUDS

    @property
    def sdk_cloud(self) -> AzureClouds | None:
        """The azure-core ``cloud_setting`` for a named cloud; None for a custom endpoint."""
        cloud = CLOUDS.get(self.cloud)
        return cloud.sdk_cloud if cloud else None

    @property
    def portal(self) -> str | None:
        """The portal URL for a named cloud; None for a custom endpoint."""
        cloud = CLOUDS.get(self.cloud)
        return cloud.portal if cloud else None


def _lookup_cloud(name: str) -> Cloud:
    for key, cloud in CLOUDS.items():
        if key.lower() == name.strip().lower():
            return cloud
    raise ValueError(f"Unknown cloud {name!r}; valid names: {', '.join(CLOUDS)}")
