"""The emulator's cross-cutting ARM behaviour, seen through the real async SDK."""

from __future__ import annotations

import asyncio
import json
import re
import time

import aiohttp
import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from tests.conftest import read_request_log
from tests.emulator.estates import SUB_FORBIDDEN, SUB_OK, SUB_UNREG, TENANT, base_estate
from tests.sdk import Sdk


async def test_subscriptions_list_pages_across_pages_and_nextlink_carries_api_version(make_emulator):
    emu = await make_emulator(base_estate(), page_size=1)
    async with Sdk(emu) as sdk:
        subs = [s async for s in sdk.subscriptions().subscriptions.list()]
    assert [s.display_name for s in subs] == ["Healthy", "Unregistered", "Forbidden"]
    # azure-mgmt-resource-subscriptions 1.0 asks 2022-12-01, whose Subscription carries tenantId and
    # managedByTenants (spec example examples/2022-12-01/GetSubscriptions.json)
    assert {s.tenant_id for s in subs} == {TENANT} and all(s.managed_by_tenants == [] for s in subs)
    pages = [r for r in read_request_log(emu) if r["path"] == "/subscriptions"]
    assert len(pages) == 3
    assert all(p["query"]["api-version"] == "2022-12-01" for p in pages)
    assert [p["query"].get("$skiptoken") for p in pages] == [None, "1", "2"]


async def test_resource_groups_list_paged_and_create_then_get(make_emulator):
    emu = await make_emulator(base_estate(groups=5), page_size=2)
    async with Sdk(emu) as sdk:
        rm = sdk.resources(SUB_OK)
        names = [g.name async for g in rm.resource_groups.list()]
        assert names == [f"rg-{i}" for i in range(5)]
        created = await rm.resource_groups.create_or_update(
            "rg-backup", {"location": "westeurope", "tags": {"a": "b"}}
        )
        assert created.properties.provisioning_state == "Succeeded"
        again = await rm.resource_groups.get("RG-BACKUP")  # case-insensitive, as ARM
        assert again.id.endswith("/resourceGroups/rg-backup") and again.tags == {"a": "b"}
        with pytest.raises(ResourceExistsError) as e:  # an existing group cannot move region
            await rm.resource_groups.create_or_update("rg-backup", {"location": "eastus"})
        assert e.value.error.code == "InvalidResourceGroupLocation"


async def test_missing_resource_group_is_404_with_arm_code(make_emulator):
    emu = await make_emulator(base_estate())
    async with Sdk(emu) as sdk:
        with pytest.raises(ResourceNotFoundError) as e:
            await sdk.resources(SUB_OK).resource_groups.get("nope")
    assert e.value.error.code == "ResourceGroupNotFound"


async def test_forbidden_subscription_is_403_authorization_failed_naming_action_and_scope(make_emulator):
    emu = await make_emulator(base_estate())
    async with Sdk(emu) as sdk:
        with pytest.raises(HttpResponseError) as e:
            await sdk.resources(SUB_FORBIDDEN).resource_groups.get("rg-0")
    err = e.value
    assert type(err) is HttpResponseError and err.status_code == 403
    assert err.error.code == "AuthorizationFailed"
    assert "Microsoft.Resources/subscriptions/resourceGroups/read" in err.error.message
    assert f"/subscriptions/{SUB_FORBIDDEN}/resourcegroups/rg-0" in err.error.message.lower()


async def test_unknown_subscription_is_404(make_emulator):
    emu = await make_emulator(base_estate())
    async with Sdk(emu) as sdk:
        with pytest.raises(ResourceNotFoundError) as e:
            await sdk.resources("99999999-0000-4000-8000-000000000000").resource_groups.get("rg-0")
    assert e.value.error.code == "SubscriptionNotFound"


async def test_request_without_token_is_401(make_emulator):
    emu = await make_emulator(base_estate())
    url = f"{emu.info['arm_endpoint']}subscriptions?api-version=2016-06-01"
    import ssl

    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    async with aiohttp.ClientSession() as s:
        async with s.get(url, ssl=ctx) as r:
            body = await r.json()
            assert r.status == 401
            assert body["error"]["code"] == "AuthenticationFailed"
        async with s.get(url, ssl=ctx, headers={"Authorization": "Bearer forged.token.value"}) as r:
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "InvalidAuthenticationToken"


async def test_sdk_surfaces_401_as_client_authentication_error(make_emulator):
    emu = await make_emulator(base_estate())

    class ForgedCredential:
        async def get_token(self, *scopes, **kw):
            from azure.core.credentials import AccessToken

            return AccessToken("not-a-token-of-ours", int(time.time()) + 3600)

        async def close(self):
            pass

    from azure.mgmt.resource.resources.aio import ResourceManagementClient

    async with ResourceManagementClient(
        ForgedCredential(), SUB_OK, base_url=emu.info["arm_endpoint"], connection_verify=emu.info["ca_bundle"]
    ) as rm:
        with pytest.raises(ClientAuthenticationError):
            await rm.resource_groups.get("rg-0")


async def test_provider_registration_moves_to_registered_over_polls_and_opens_the_namespace(make_emulator):
    emu = await make_emulator(base_estate(), registration_polls=2)
    vaults_url = (
        f"{emu.info['arm_endpoint']}subscriptions/{SUB_UNREG}/providers/Microsoft.RecoveryServices/"
        "vaults?api-version=2026-11-01"
    )
    async with Sdk(emu) as sdk:
        rm = sdk.resources(SUB_UNREG)
        assert (await rm.providers.get("Microsoft.RecoveryServices")).registration_state == "NotRegistered"
        reg = await rm.providers.register("Microsoft.RecoveryServices")
        assert reg.registration_state == "Registering"
        assert (await _raw_get(emu, vaults_url))[1] == 409  # still refused while Registering
        states = [(await rm.providers.get("Microsoft.RecoveryServices")).registration_state for _ in range(3)]
        assert states == ["Registering", "Registered", "Registered"]
        vaults = [v async for v in sdk.recovery(SUB_UNREG).vaults.list_by_subscription_id()]
    assert vaults == []  # the namespace answers now (no 409, so no SDK auto-registration either)
    registers = [r for r in read_request_log(emu) if r["path"].endswith("/register")]
    assert len(registers) == 1


async def test_unregistered_namespace_answers_409_missing_subscription_registration(make_emulator):
    emu = await make_emulator(base_estate())
    url = (
        f"{emu.info['arm_endpoint']}subscriptions/{SUB_UNREG}/providers/Microsoft.RecoveryServices/"
        "vaults?api-version=2026-11-01"
    )
    body, status = await _raw_get(emu, url)
    assert status == 409
    assert body["error"]["code"] == "MissingSubscriptionRegistration"
    assert "'Microsoft.RecoveryServices'" in body["error"]["message"]  # the SDK's regex takes it from here
    assert body["error"]["details"][0]["target"] == "Microsoft.RecoveryServices"


async def _raw_get(emu, url: str) -> tuple[dict, int]:
    import ssl

    token = emu.tokens.issue(audience="https://management.azure.com/", client_id="test")[0]
    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    async with (
        aiohttp.ClientSession() as s,
        s.get(url, ssl=ctx, headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        return await r.json(), r.status


async def test_faults_429_and_503_are_retried_by_the_sdk_and_succeed(make_emulator):
    emu = await make_emulator(base_estate(groups=3), faults="429:0.3,503:0.2", seed=7)
    async with Sdk(emu, retry_total=20, retry_status=20, retry_backoff_factor=0.01) as sdk:
        rm = sdk.resources(SUB_OK)
        results = await asyncio.gather(*(rm.resource_groups.get(f"rg-{i % 3}") for i in range(12)))
    assert [g.name for g in results] == [f"rg-{i % 3}" for i in range(12)]
    statuses = [r["status"] for r in read_request_log(emu) if "resourcegroups" in r["path"].lower()]
    assert 429 in statuses and 503 in statuses and statuses.count(200) == 12


@pytest.mark.parametrize(("fault", "retry_after"), [("429", "1"), ("503", "1"), ("500", None), ("502", None)])
async def test_fault_responses_carry_retry_after_only_for_429_and_503(make_emulator, fault, retry_after):
    emu = await make_emulator(base_estate(), faults=f"{fault}:1.0")
    url = f"{emu.info['arm_endpoint']}subscriptions?api-version=2016-06-01"
    import ssl

    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    async with aiohttp.ClientSession() as s, s.get(url, ssl=ctx) as r:
        assert r.status == int(fault)
        assert (
            r.headers.get("Retry-After") == retry_after
        )  # else the SDK would retry any status, POST included
        assert (await r.json())["error"]["code"]


async def test_reset_fault_drops_the_connection(make_emulator):
    emu = await make_emulator(base_estate(), faults="reset:1.0")
    async with Sdk(emu, retry_total=1, retry_read=1, retry_backoff_factor=0.01) as sdk:
        with pytest.raises((ServiceRequestError, ServiceResponseError), match="disconnected"):
            await sdk.resources(SUB_OK).resource_groups.get("rg-0")
    assert {r["status"] for r in read_request_log(emu) if r["path"].startswith("/subscriptions")} == {0}


async def test_reset_fault_is_survived_by_sdk_retries(make_emulator):
    emu = await make_emulator(base_estate(), faults="reset:0.3", seed=3)
    async with Sdk(emu, retry_total=10, retry_read=10, retry_backoff_factor=0.01) as sdk:
        names = [(await sdk.resources(SUB_OK).resource_groups.get("rg-0")).name for _ in range(8)]
    assert names == ["rg-0"] * 8
    statuses = [r["status"] for r in read_request_log(emu) if r["path"].startswith("/subscriptions")]
    assert 0 in statuses and statuses.count(200) == 8  # connections were dropped, and retried


async def test_throttle_headers_count_down_and_empty_bucket_gives_429_with_retry_after(make_emulator):
    emu = await make_emulator(base_estate(), throttle="arm")
    token = emu.tokens.issue(audience="https://management.azure.com/", client_id="test")[0]
    url = f"{emu.info['arm_endpoint']}subscriptions/{SUB_OK}/resourcegroups/rg-0?api-version=2025-04-01"
    import ssl

    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    remaining, last = [], None
    async with aiohttp.ClientSession() as s:
        for _ in range(260):
            async with s.get(url, ssl=ctx, headers={"Authorization": f"Bearer {token}"}) as r:
                if r.status == 429:
                    last = r
                    body = await r.json()
                    break
                remaining.append(int(r.headers["x-ms-ratelimit-remaining-subscription-reads"]))
    assert remaining[0] == 249 and remaining == sorted(remaining, reverse=True)
    assert last is not None and int(last.headers["Retry-After"]) >= 1
    assert body["error"]["code"] == "SubscriptionRequestsThrottled"
    # Writes draw on a separate, smaller bucket: a POST still goes through while reads are exhausted.
    post = f"{emu.info['arm_endpoint']}subscriptions/{SUB_OK}/providers/Microsoft.Compute/register?api-version=2025-04-01"
    async with (
        aiohttp.ClientSession() as s,
        s.post(post, ssl=ctx, headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        assert r.status == 200
        assert r.headers["x-ms-ratelimit-remaining-subscription-writes"] == "199"


async def test_request_log_never_holds_tokens(make_emulator):
    emu = await make_emulator(base_estate())
    async with Sdk(emu) as sdk:
        [s async for s in sdk.subscriptions().subscriptions.list()]
        token = (await sdk.credential.get_token("https://management.azure.com/.default")).token
    text = open(emu.config.request_log, encoding="utf-8").read()
    assert text and token not in text
    assert emu.identity_header not in text
    for line in text.splitlines():
        assert set(json.loads(line)) == {"ts", "method", "path", "query", "status", "ms"}


async def test_case_insensitive_routing_and_latency(make_emulator):
    emu = await make_emulator(base_estate(), latency_ms=120)
    body, status = await _raw_get(
        emu, f"{emu.info['arm_endpoint']}SUBSCRIPTIONS/{SUB_OK.upper()}/ResourceGroups/RG-0?api-version=x"
    )
    assert status == 200 and body["name"] == "rg-0"
    ms = [r["ms"] for r in read_request_log(emu)]
    assert ms and min(ms) >= 120


async def test_metadata_openid_and_service_principal_token_flow(make_emulator):
    """What `az cloud register` and `az login --service-principal` need, and the token works on ARM."""
    emu = await make_emulator(base_estate())
    base = emu.info["arm_endpoint"]
    import ssl

    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{base}/metadata/endpoints?api-version=2022-09-01", ssl=ctx) as r:  # az sends "//"
            clouds = await r.json()
        assert clouds["resourceManager"] == base and clouds["authentication"]["loginEndpoint"] == base
        async with s.get(f"{base}{TENANT}/v2.0/.well-known/openid-configuration", ssl=ctx) as r:
            oidc = await r.json()
        async with s.post(
            oidc["token_endpoint"],
            ssl=ctx,
            data={
                "grant_type": "client_credentials",
                "client_id": "app-1",
                "client_secret": "s3cret",
                "scope": "https://management.core.windows.net//.default",
            },
        ) as r:
            tok = await r.json()
        async with s.post(
            oidc["token_endpoint"], ssl=ctx, data={"grant_type": "password", "client_id": "x"}
        ) as r:
            assert r.status == 400
        async with s.get(
            f"{base}subscriptions?api-version=2016-06-01",
            ssl=ctx,
            headers={"Authorization": f"Bearer {tok['access_token']}"},
        ) as r:
            assert r.status == 200 and len((await r.json())["value"]) == 3
    claims = emu.tokens.verify(tok["access_token"])
    assert claims["tid"] == TENANT and claims["oid"]


async def test_managed_identity_endpoint_requires_the_identity_header(make_emulator):
    emu = await make_emulator(base_estate())
    async with aiohttp.ClientSession() as s:
        async with s.get(
            emu.info["identity_endpoint"],
            params={"api-version": "2019-08-01", "resource": "https://management.azure.com"},
        ) as r:
            assert r.status == 401
        async with s.get(
            emu.info["identity_endpoint"],
            headers={"X-IDENTITY-HEADER": emu.info["identity_header"]},
            params={"api-version": "2019-08-01", "resource": "https://management.azure.com"},
        ) as r:
            body = await r.json()
    assert emu.tokens.verify(body["access_token"])["tid"] == TENANT
    assert int(body["expires_on"]) > time.time()


# -- fault injection: statuses, resets, hangs, one route at a time -----------------------------------------------
def test_fault_specs_scope_a_fault_to_a_route():
    from tui.emulator.policy import FaultInjector, parse_faults

    faults = parse_faults("503:0.5@/instanceView,hang:0.5@/providers/Microsoft.Compute$,429:0.5")
    assert [(f.kind, f.rate, f.path) for f in faults] == [
        ("503", 0.5, "/instanceview"),
        ("hang", 0.5, "/providers/microsoft.compute$"),
        ("429", 0.5, None),
    ]
    only = FaultInjector(parse_faults("503:1@/instanceView"))
    assert (
        only.draw(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v/instanceView"
        )
        == "503"
    )
    assert only.draw("/subscriptions/s/providers/Microsoft.Compute/virtualMachines") is None
    anchored = FaultInjector(parse_faults("500:1@/providers/Microsoft.Compute$"))
    assert anchored.draw("/subscriptions/s/providers/Microsoft.Compute") == "500"
    assert anchored.draw("/subscriptions/s/providers/Microsoft.Compute/disks") is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("503:0.6@/a,503:0.6", "more than 1 for paths with '/a'"),
        ("503:0.5@", "@ needs a path fragment"),
        ("slow:0.5", "expected STATUS:RATE, reset:RATE or hang:RATE"),
    ],
)
def test_bad_fault_specs_say_what_is_wrong(spec, message):
    from tui.emulator.policy import parse_faults

    with pytest.raises(ValueError, match=re.escape(message)):
        parse_faults(spec)


async def test_injected_errors_carry_a_request_id_and_hangs_wait_for_the_client(make_emulator):
    emu = await make_emulator(base_estate(), faults="500:1@/providers/Microsoft.Compute$,hang:1@/locations")
    async with Sdk(emu, retry_total=0, read_timeout=0.3) as sdk:
        with pytest.raises(HttpResponseError) as e:
            await sdk.resources(SUB_OK).providers.get("Microsoft.Compute")
        assert e.value.status_code == 500 and e.value.response.headers["x-ms-request-id"]
        assert (
            await sdk.resources(SUB_OK).providers.get("Microsoft.Network")
        ).registration_state == "Registered"
        with pytest.raises(ServiceResponseError):  # no answer: the client's read timeout ends it
            [loc async for loc in sdk.subscriptions().subscriptions.list_locations(SUB_OK)]
