"""tui.azure.raw: the scan's hot reads as plain JSON through the real SDK clients' own pipeline: the same
documents, pages and api-versions as the SDK's operations, and the same errors."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute.operations import _operations as compute_ops
from azure.mgmt.network.operations import _operations as network_ops

from tests.conftest import read_request_log
from tests.sdk import Sdk
from tui.azure.raw import (
    COMPUTE_DISKS_API,
    COMPUTE_VMS_API,
    NETWORK_API,
    instance_view_document,
    list_documents,
)

SUB = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"  # the demo estate's Contoso Production
VMS = f"/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines"


def _api_version(build: Any, **kwargs: Any) -> str:
    request = build(subscription_id=SUB, **kwargs)
    return request.url.split("api-version=")[1].split("&")[0]


def test_the_api_versions_are_the_ones_the_installed_sdk_sends() -> None:
    assert _api_version(compute_ops.build_virtual_machines_list_all_request) == COMPUTE_VMS_API
    assert _api_version(compute_ops.build_disks_list_request) == COMPUTE_DISKS_API
    assert _api_version(network_ops.build_network_interfaces_list_all_request) == NETWORK_API


async def test_a_paged_list_gives_the_sdks_documents_over_every_page(make_emulator, demo_estate_doc) -> None:
    emu = await make_emulator(demo_estate_doc, page_size=2)  # several pages, followed by nextLink
    async with Sdk(emu) as sdk:
        compute = sdk.compute(SUB)
        raw = [d async for d in list_documents(compute, VMS, COMPUTE_VMS_API)]
        models = [vm.as_dict() async for vm in compute.virtual_machines.list_all()]
        assert len(raw) > 2 and raw == models
        status = [d async for d in list_documents(compute, VMS, COMPUTE_VMS_API, {"statusOnly": "true"})]
        assert [d["id"] for d in status] == [d["id"] for d in raw]
        assert all(d["properties"]["instanceView"]["statuses"] for d in status)
    log = [r for r in read_request_log(emu) if r["path"] == VMS]
    assert len(log) > 3  # the raw reads and the SDK's both went page by page
    assert {r["query"].get("api-version") for r in log} == {COMPUTE_VMS_API}


async def test_an_instance_view_is_the_sdks_document(sdk) -> None:
    compute = sdk.compute(SUB)
    vm = await anext(aiter(compute.virtual_machines.list_all()))
    rg = vm.id.split("/")[4]
    raw = await instance_view_document(compute, rg, vm.name)
    model = await compute.virtual_machines.instance_view(rg, vm.name)
    assert raw == model.as_dict() and "statuses" in raw


async def test_errors_are_the_sdks_errors(make_emulator, demo_estate_doc) -> None:
    emu = await make_emulator(demo_estate_doc, faults="503:1@/virtualMachines$")
    async with Sdk(emu, retry_total=0) as sdk:
        compute = sdk.compute(SUB)
        with pytest.raises(ResourceNotFoundError) as raw_missing:
            await instance_view_document(compute, "no-such-group", "no-such-vm")
        with pytest.raises(ResourceNotFoundError) as sdk_missing:
            await compute.virtual_machines.instance_view("no-such-group", "no-such-vm")
        with pytest.raises(HttpResponseError) as failed:
            [d async for d in list_documents(compute, VMS, COMPUTE_VMS_API)]
        with pytest.raises(HttpResponseError) as sdk_failed:
            [d async for d in compute.virtual_machines.list_all()]
    # the same class, status and ARM error code as the SDK's own operation (the scan reads the code: a 409
    # MissingSubscriptionRegistration is a finding, not a failure)
    for raw, own in ((raw_missing.value, sdk_missing.value), (failed.value, sdk_failed.value)):
        assert type(raw) is type(own) and raw.status_code == own.status_code
        assert raw.error is not None and own.error is not None
        assert raw.error.code and raw.error.code == own.error.code
    assert failed.value.status_code == 503
