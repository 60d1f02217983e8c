"""A custom cloud as ``az cloud register --endpoint-resource-manager`` makes it: read the ARM endpoint's
``/metadata/endpoints`` and take the login endpoint (authority), the ARM audience (credential scope), the
portal and the suffixes from it.

The Azure CLI asks ``{endpoint}/metadata/endpoints?api-version=2022-09-01`` (azure-cli
``command_modules/cloud/custom.py``, ``_populate_from_metadata_endpoint``) and maps ``authentication.
loginEndpoint`` to its ``active_directory`` endpoint and ``authentication.audiences[0]`` to
``active_directory_resource_id`` (``azure/cli/core/cloud.py``, ``_arm_to_cli_mapper``). Azure Stack Hub
answers one cloud object for every api-version; Azure's public ARM answers a list of clouds for the newer ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azure.core import AsyncPipelineClient
from azure.core.exceptions import AzureError
from azure.core.pipeline.policies import AsyncRetryPolicy, HeadersPolicy, UserAgentPolicy
from azure.core.rest import HttpRequest

from .clouds import CUSTOM_CLOUD, Target, normalise_endpoint, parse_authority, scope_for_audience
from .errors import Problem, explain

if TYPE_CHECKING:
    from azure.core.pipeline.transport import AsyncHttpTransport

__all__ = [
    "METADATA_API_VERSION",
    "CloudMetadata",
    "CloudMetadataError",
    "discover_target",
    "parse_cloud_metadata",
]

METADATA_API_VERSION = "2022-09-01"
_REMEDY = (
    "Check --arm-endpoint (it must be the cloud's Resource Manager URL, as for `az cloud register "
    "--endpoint-resource-manager`) and --ca-bundle."
)


class CloudMetadataError(ValueError):
    """The cloud metadata could not be read or lacks what sign-in needs. Carries a `Problem` for `explain`."""

    def __init__(self, url: str, detail: str, remedy: str = _REMEDY) -> None:
        self.problem = Problem(
            title="Cannot read the cloud's metadata",
            detail=f"{url}: {detail}",
            remedy=remedy,
            code="CloudMetadata",
        )
        super().__init__(f"{self.problem.title}: {self.problem.detail} {remedy}")


@dataclass(frozen=True, slots=True)
class CloudMetadata:
    """What a cloud's metadata says about signing in to it."""

    name: str
    login_endpoint: str
    audience: str
    portal: str | None
    suffixes: tuple[tuple[str, str], ...]


def metadata_url(arm_endpoint: str) -> str:
    """``{endpoint}/metadata/endpoints?api-version=...`` (the endpoint's own path prefix kept)."""
    return f"{arm_endpoint.rstrip('/')}/metadata/endpoints?api-version={METADATA_API_VERSION}"


def _pick_cloud(doc: Any, arm_endpoint: str, url: str) -> dict[str, Any]:
    if isinstance(doc, dict):
        return doc
    if not isinstance(doc, list) or not all(isinstance(c, dict) for c in doc):
        raise CloudMetadataError(url, "the answer is not a cloud object (nor a list of them).")
    wanted = arm_endpoint.rstrip("/").lower()
    mine = [c for c in doc if str(c.get("resourceManager", "")).rstrip("/").lower() == wanted]
    if len(mine) == 1 or len(doc) == 1:
        return (mine or doc)[0]
    raise CloudMetadataError(
        url, f"it lists {len(doc)} clouds and none whose resourceManager is {arm_endpoint}."
    )


def parse_cloud_metadata(doc: Any, arm_endpoint: str, url: str = "") -> CloudMetadata:
    """The parts of a ``/metadata/endpoints`` answer that sign-in needs; CloudMetadataError when missing."""
    url = url or metadata_url(arm_endpoint)
    cloud = _pick_cloud(doc, arm_endpoint, url)
    auth = cloud.get("authentication")
    login = auth.get("loginEndpoint") if isinstance(auth, dict) else None
    if not isinstance(login, str) or not login.strip():
        raise CloudMetadataError(url, "it has no authentication.loginEndpoint (where to sign in).")
    audiences = auth.get("audiences") if isinstance(auth, dict) else None
    if not isinstance(audiences, list) or not audiences or not isinstance(audiences[0], str):
        raise CloudMetadataError(url, "it has no authentication.audiences (the token audience of ARM).")
    suffixes = cloud.get("suffixes") if isinstance(cloud.get("suffixes"), dict) else {}
    portal = cloud.get("portal") or cloud.get("portalEndpoint")
    return CloudMetadata(
        name=str(cloud.get("name") or CUSTOM_CLOUD),
        login_endpoint=login.strip(),
        audience=audiences[0],
        portal=portal if isinstance(portal, str) and portal else None,
        suffixes=tuple(sorted((str(k), str(v)) for k, v in suffixes.items() if isinstance(v, str))),
    )


async def read_cloud_metadata(
    arm_endpoint: str, ca_bundle: str | None = None, *, transport: AsyncHttpTransport | None = None
) -> CloudMetadata:
    """GET the endpoint's cloud metadata (trusting ``ca_bundle`` instead of the system CAs, as the clients
    do) and parse it. Every failure is a CloudMetadataError that says what happened and what to do."""
    url = metadata_url(arm_endpoint)
    policies = [HeadersPolicy(), UserAgentPolicy(), AsyncRetryPolicy(retry_total=2, retry_backoff_factor=0.2)]
    if transport is None:
        from azure.core.pipeline.transport import AioHttpTransport  # aiohttp: loaded when first needed

        transport = AioHttpTransport(connection_verify=ca_bundle or True)
    try:
        async with AsyncPipelineClient(url, policies=policies, transport=transport) as client:
            response = await client.send_request(
                HttpRequest("GET", url, headers={"Accept": "application/json"})
            )
            await response.read()
    except AzureError as e:
        problem = explain(e)
        raise CloudMetadataError(url, f"{problem.title}: {problem.detail}", problem.remedy) from None
    if response.status_code != 200:
        raise CloudMetadataError(url, f"the endpoint answered HTTP {response.status_code}.")
    try:
        doc = response.json()
    except ValueError:
        raise CloudMetadataError(url, "the answer is not JSON.") from None
    return parse_cloud_metadata(doc, arm_endpoint, url)


async def discover_target(
    arm_endpoint: str,
    ca_bundle: str | None = None,
    *,
    authority_host: str | None = None,
    transport: AsyncHttpTransport | None = None,
) -> Target:
    """The `Target` for a custom ARM endpoint, from its own metadata; ``authority_host`` overrides the login
    endpoint it names (``--authority-host``)."""
    endpoint = normalise_endpoint(arm_endpoint)
    meta = await read_cloud_metadata(endpoint, ca_bundle, transport=transport)
    try:
        host, tenant = parse_authority(authority_host or meta.login_endpoint)
    except ValueError as e:
        raise CloudMetadataError(metadata_url(endpoint), f"authentication.loginEndpoint: {e}.") from None
    return Target(
        cloud=CUSTOM_CLOUD,
        arm_endpoint=endpoint,
        credential_scopes=(scope_for_audience(meta.audience),),
        ca_bundle=ca_bundle,
        authority_host=host,
        tenant=tenant,
        suffixes=meta.suffixes,
        custom_portal=meta.portal,
    )
