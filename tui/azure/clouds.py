"""Azure clouds and the `Target` every SDK client is built for."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from azure.core import AzureClouds

__all__ = [
    "CLOUDS",
    "CUSTOM_CLOUD",
    "DEFAULT_CLOUD",
    "PUBLIC_CLOUD_SCOPE",
    "Cloud",
    "Target",
    "parse_authority",
    "scope_for_audience",
]


@dataclass(frozen=True, slots=True)
class Cloud:
    """A named Azure cloud: where ARM lives and where to sign in."""

    name: str
    arm_endpoint: str
    credential_scope: str
    authority_host: str
    portal: str
    sdk_cloud_name: (
        str  # the azure-core AzureClouds member: named, so that naming a cloud loads no azure-core
    )

    @property
    def sdk_cloud(self) -> AzureClouds:
        """The azure-core ``cloud_setting`` (azure-core is loaded by the client builder that asks)."""
        from azure.core import AzureClouds

        return AzureClouds[self.sdk_cloud_name]


# Each cloud's ARM endpoint and token scope as azure-mgmt-core's `get_arm_endpoints(AzureClouds.X)` gives
# them (what the clients default to), its authority as azure-identity's `AzureAuthorityHosts`: written out so
# that naming a cloud (`--cloud`, `--help`) loads neither library; tests/azure/test_azure_clouds.py checks
# them against both.
CLOUDS: dict[str, Cloud] = {
    name: Cloud(name, f"https://{arm}/", scope, f"https://{login}", f"https://{portal}", sdk)
    for name, arm, scope, login, portal, sdk in (
        # name, ARM host, token scope, authority host, portal host, azure-core's cloud setting
        (
            "AzureCloud",
            "management.azure.com",
            "https://management.azure.com/.default",
            "login.microsoftonline.com",
            "portal.azure.com",
            "AZURE_PUBLIC_CLOUD",
        ),
        (
            "AzureUSGovernment",
            "management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net/.default",
            "login.microsoftonline.us",
            "portal.azure.us",
            "AZURE_US_GOVERNMENT",
        ),
        (
            "AzureChinaCloud",
            "management.chinacloudapi.cn",
            "https://management.chinacloudapi.cn/.default",
            "login.chinacloudapi.cn",
            "portal.azure.cn",
            "AZURE_CHINA_CLOUD",
        ),
    )
}
"""The clouds selectable by name (``--cloud``), keyed by their Azure CLI names."""

DEFAULT_CLOUD = "AzureCloud"
CUSTOM_CLOUD = "Custom"
PUBLIC_CLOUD_SCOPE = CLOUDS[DEFAULT_CLOUD].credential_scope  # "https://management.azure.com/.default"
# Microsoft Entra's own authorities (and the public cloud's old alias): MSAL knows them, so it may validate
# them through instance discovery; for any other authority discovery must be off.
KNOWN_AUTHORITY_HOSTS = frozenset(
    {urlsplit(c.authority_host).netloc for c in CLOUDS.values()}
    | {"login.windows.net", "login.microsoft.com"}
)


def parse_authority(url: str) -> tuple[str, str | None]:
    """A login endpoint (``authentication.loginEndpoint`` of the cloud metadata, or ``--authority-host``) as
    azure-identity takes it: ``(authority host URL, tenant it implies)``.

    ``login.example.com`` and ``https://login.example.com/`` give ``("https://login.example.com", None)``;
    an AD FS endpoint (``https://adfs.local.azurestack.external/adfs/``, Azure Stack Hub with AD FS) gives its
    host and the tenant ``adfs``, as the Azure CLI treats it. Plain http is refused: tokens need TLS.
    """
    text = url.strip()
    parts = urlsplit(text if "//" in text else "https://" + text)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"authority must be an https:// URL or a host name, got {url!r}")
    path = parts.path.strip("/").lower()
    return f"https://{parts.netloc}", ("adfs" if path.endswith("adfs") else None)


def scope_for_audience(audience: str) -> str:
    """The ``.default`` scope of an ARM audience (a v1 resource id), as the Azure CLI's
    ``resource_to_scopes`` makes it: the trailing slash is kept (``https://management.core.windows.net/`` ->
    ``https://management.core.windows.net//.default``, https://learn.microsoft.com/entra/identity-platform/
    scopes-oidc#trailing-slash-and-default)."""
    return audience.strip() + "/.default"


def normalise_endpoint(url: str) -> str:
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
    tenant: str | None = None  # the tenant the cloud's authority implies ("adfs" for AD FS), if any
    suffixes: tuple[tuple[str, str], ...] = ()  # from the cloud metadata (storage, keyVaultDns, ...)
    custom_portal: str | None = None  # a custom cloud's portal, from its metadata

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

    def with_authority(self, url: str) -> Target:
        """This target signing in at another authority (``--authority-host``); ValueError if not https."""
        host, tenant = parse_authority(url)
        return replace(self, authority_host=host, tenant=tenant)

    @property
    def disable_instance_discovery(self) -> bool:
        """True when the authority is not one of Entra's own: MSAL must not validate it at
        login.microsoftonline.com (it would refuse it), as for Azure Stack Hub and private clouds."""
        return urlsplit(self.authority_host).netloc.lower() not in KNOWN_AUTHORITY_HOSTS

    @property
    def identity_ca_bundle(self) -> str | None:
        """The CA bundle to trust at the authority: ``ca_bundle`` for a private authority (the emulator, AD FS
        on Azure Stack Hub), None for Entra's public ones, whose certificates chain to public roots that a
        bundle made for a private ARM endpoint would not hold."""
        return self.ca_bundle if self.disable_instance_discovery else None

    @classmethod
    def for_endpoint(
        cls,
        arm_endpoint: str,
        ca_bundle: str | None = None,
        scope: str | None = None,
        *,
        authority_host: str | None = None,
    ) -> Target:
        """Target a custom ARM endpoint (the emulator, Azure Stack-like endpoints) as given; `discover_target`
        reads the endpoint's own cloud metadata instead.

        The scope defaults to the public cloud's ``https://management.azure.com/.default``, the authority to
        the public cloud's.
        """
        host, tenant = parse_authority(authority_host or CLOUDS[DEFAULT_CLOUD].authority_host)
        return cls(
            cloud=CUSTOM_CLOUD,
            arm_endpoint=normalise_endpoint(arm_endpoint),
            credential_scopes=(scope or PUBLIC_CLOUD_SCOPE,),
            ca_bundle=ca_bundle,
            authority_host=host,
            tenant=tenant,
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
        """The portal URL: a named cloud's, a custom cloud's from its metadata, else None."""
        cloud = CLOUDS.get(self.cloud)
        return cloud.portal if cloud else self.custom_portal


def _lookup_cloud(name: str) -> Cloud:
    for key, cloud in CLOUDS.items():
        if key.lower() == name.strip().lower():
            return cloud
    raise ValueError(f"Unknown cloud {name!r}; valid names: {', '.join(CLOUDS)}")
