"""ARM documents as plain JSON through a management client's own pipeline, without building SDK models.

The TypeSpec clients turn every list item and instance view into nested model objects at once; a scan then
reads them as mappings anyway. At 1,000 VMs that model building was over a third of ``check``'s CPU
(measured with cProfile: the VM list, its power states, disks, network interfaces and one instance view per
VM), and on a machine where the scan is CPU-bound it is the difference between keeping to ARM's pace or not.
These reads go through the same client (``send_request``, or the operation itself with ``stream=True``), so
the credential, retries, pacer, read-only guard, observers and timeouts all apply unchanged, with the
api-versions the SDK itself sends (``arm-wire-protocol.md`` §1: compute VMs 2026-04-01, disks 2026-03-02,
network 2026-03-01; a test checks them against the installed SDK).

A page or document that is not the JSON ARM documents raises ``DecodeError`` (an ``AzureError``): the scan
then reports what it was for as unreadable, never a half-read list as a complete one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from azure.core.exceptions import (
    ClientAuthenticationError,
    DecodeError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
    map_error,
)
from azure.core.rest import HttpRequest

COMPUTE_VMS_API = "2026-04-01"
COMPUTE_DISKS_API = "2026-03-02"
NETWORK_API = "2026-03-01"

# What the generated operations map (their error_map): a 401 is a sign-in problem, not a read failure.
_ERROR_MAP = {
    401: ClientAuthenticationError,
    404: ResourceNotFoundError,
    409: ResourceExistsError,
    304: ResourceNotModifiedError,
}

Doc = dict[str, Any]


def _json(response: Any, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise DecodeError(message=f"{what}: the answer is not JSON ({exc})", response=response) from exc


def _check(response: Any) -> None:
    if response.status_code != 200:
        from azure.mgmt.core.exceptions import ARMErrorFormat  # only on a failure: azure.mgmt stays unloaded

        map_error(status_code=response.status_code, response=response, error_map=_ERROR_MAP)
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)


async def list_documents(
    client: Any, path: str, api_version: str, params: Mapping[str, str] | None = None
) -> AsyncIterator[Doc]:
    """The items of a paged ARM list (``value``), page by page, following ``nextLink`` as given (compute
    and network put the api-version in it)."""
    request = HttpRequest("GET", path, params={"api-version": api_version, **(params or {})})
    while True:
        response = await client.send_request(request)
        _check(response)
        page = _json(response, path)
        items = page.get("value") if isinstance(page, dict) else None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise DecodeError(
                message=f"{path}: a list page without a 'value' list of objects", response=response
            )
        for item in items:
            yield item
        next_link = page.get("nextLink")
        if not next_link:
            return
        if not isinstance(next_link, str):
            raise DecodeError(message=f"{path}: 'nextLink' is not a URL", response=response)
        request = HttpRequest("GET", next_link)


async def instance_view_document(compute: Any, resource_group: str, vm_name: str) -> Doc:
    """A VM's instance view as JSON (the SDK's own operation, its body left unparsed)."""
    response = await compute.virtual_machines.instance_view(
        resource_group,
        vm_name,
        stream=True,
        cls=lambda pipeline_response, _body, _headers: pipeline_response.http_response,
    )
    await response.read()
    doc = _json(response, f"instance view of {vm_name}")
    if not isinstance(doc, dict):
        raise DecodeError(message=f"instance view of {vm_name}: not a JSON object", response=response)
    return doc


__all__ = [
    "COMPUTE_DISKS_API",
    "COMPUTE_VMS_API",
    "NETWORK_API",
    "instance_view_document",
    "list_documents",
]
