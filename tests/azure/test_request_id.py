"""The one request-id hook: the x-ms-request-id (and other headers) of a call's first response, through the
real SDK against the emulator; and the id an SDK error carries."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError

from tests.sdk import Sdk
from tui.azure import RequestIdHook, request_id_of

PROD = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"


async def test_the_hook_keeps_the_first_responses_request_id(sdk: Sdk) -> None:
    told: list[str] = []  # what protect's send log hears as soon as Azure answers
    hook = RequestIdHook(on_request_id=told.append)
    client = sdk.resources(PROD)
    await client.resource_groups.create_or_update(
        "rg-hooked", {"location": "westeurope"}, raw_response_hook=hook
    )
    assert hook.request_id and len(hook.request_id) == 36
    first = hook.request_id
    assert told == [first]
    await client.resource_groups.get("rg-hooked", raw_response_hook=hook)  # a second response: not kept
    assert hook.request_id == first
    assert told == [first]  # told once, for the first response only
    assert hook.get("X-MS-REQUEST-ID") == first  # headers by name, whatever their case


async def test_an_sdk_error_carries_its_request_id(sdk: Sdk) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        await sdk.resources(PROD).resource_groups.get("rg-that-does-not-exist")
    assert request_id_of(caught.value) and len(request_id_of(caught.value) or "") == 36
    assert request_id_of(ValueError("no response")) is None
