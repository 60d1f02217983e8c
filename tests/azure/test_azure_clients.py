"""ClientFactory: how clients are built, the read-only guard in real SDK pipelines, observers."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.core.rest import HttpRequest
from azure.mgmt.compute.aio import ComputeManagementClient
from azure.mgmt.network.aio import NetworkManagementClient
from azure.mgmt.recoveryservices.aio import RecoveryServicesClient
from azure.mgmt.recoveryservicesbackup.aio import RecoveryServicesBackupClient
from azure.mgmt.resource.locks.aio import ManagementLockClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

from tui.azure import ClientFactory, ProviderNotRegisteredError, ReadOnlyViolation, Target, explain

SUB = "00000000-0000-0000-0000-000000000001"
ENDPOINT = "https://127.0.0.1:8443/"


def missing_registration(namespace: str) -> Any:
    def handler(request: Any) -> tuple[int, Any]:
        if request.method == "POST" and request.url.split("?")[0].endswith("/register"):
            return 500, {"error": {"code": "InternalError", "message": "no"}}
        return 409, {
            "error": {
                "code": "MissingSubscriptionRegistration",
                "message": f"The subscription is not registered to use namespace '{namespace}'. "
                "See https://aka.ms/rps-not-found for how to register subscriptions.",
            }
        }

    return handler


def make_factory(transport: Any, credential: Any, **kwargs: Any) -> ClientFactory:
    kwargs.setdefault("retry_total", 0)
    return ClientFactory(
        Target.for_endpoint(ENDPOINT), credential, transport_factory=lambda: transport, **kwargs
    )


async def test_read_only_stops_auto_registration_fast(
    recording_transport: Any, static_credential: Any
) -> None:
    transport = recording_transport(missing_registration("Microsoft.Compute"))
    # default retry settings on purpose: the refusal must not be retried with back-off either
    factory = ClientFactory(
        Target.for_endpoint(ENDPOINT), static_credential, read_only=True, transport_factory=lambda: transport
    )
    async with factory:
        compute = factory.compute(SUB)
        with pytest.raises(ProviderNotRegisteredError) as info:
            _ = [vm async for vm in compute.virtual_machines.list_all()]
    # One GET and no register POST: the SDK's 10 s wait only follows a register POST.
    methods = [(m, u.split("?")[0]) for m, u, _ in transport.requests]
    assert methods == [("GET", f"{ENDPOINT}subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines")]
    assert not any(m == "POST" for m, _ in methods)
    error = info.value
    assert isinstance(error, ResourceExistsError) and error.status_code == 409
    assert error.namespace == "Microsoft.Compute"
    assert f"az provider register --namespace Microsoft.Compute --subscription {SUB}" in str(error)
    problem = explain(error)
    assert problem.code == "MissingSubscriptionRegistration"
    assert "az provider register --namespace Microsoft.Compute" in problem.remedy


async def test_read_only_stops_auto_registration_in_the_subscription_client(
    recording_transport: Any, static_credential: Any
) -> None:
    def handler(request: Any) -> tuple[int, Any]:
        if "/providers/" in request.url and request.method == "POST":
            return 200, {}
        return 409, {
            "error": {
                "code": "MissingSubscriptionRegistration",
                "message": "The subscription is not registered to use namespace 'Microsoft.Resources'.",
            }
        }

    transport = recording_transport(handler)
    async with make_factory(transport, static_credential, read_only=True) as factory:
        with pytest.raises(ProviderNotRegisteredError):
            await factory.subscriptions().subscriptions.list_locations(SUB).__anext__()
    assert [m for m, _, _ in transport.requests] == ["GET"]


@pytest.mark.parametrize("read_only", [False, True])
@pytest.mark.parametrize("kind", ["compute", "network", "recovery_services", "backup", "resources", "locks"])
async def test_no_client_registers_a_provider_by_itself(
    recording_transport: Any,
    static_credential: Any,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    read_only: bool,
) -> None:
    """Issue 12 item 3: azure-mgmt-core's auto-registration POSTs .../register on a 409 and sleeps; no client
    of ours lets it, with or without --read-only. The 409 surfaces at once, with the az command, and the SDK's
    "We are registering for you" line is not shown (nothing is registered)."""
    transport = recording_transport(missing_registration("Microsoft.Compute"))
    factory = ClientFactory(  # the default retries on purpose: the refusal is not retried with back-off
        Target.for_endpoint(ENDPOINT),
        static_credential,
        read_only=read_only,
        transport_factory=lambda: transport,
    )
    async with factory:
        client = getattr(factory, kind)(SUB)
        with pytest.raises(ProviderNotRegisteredError) as info:
            await client._client._pipeline.run(  # any GET into the namespace: the pipeline is what matters
                HttpRequest(
                    "GET", f"{ENDPOINT}subscriptions/{SUB}/providers/Microsoft.Compute/disks?api-version=1"
                )
            )
    assert [m for m, _, _ in transport.requests] == ["GET"]  # no POST .../register, so no 10 s sleep
    assert info.value.namespace == "Microsoft.Compute"
    assert "az provider register --namespace Microsoft.Compute" in explain(info.value).remedy
    assert "registering for you" not in caplog.text and "register manually" not in caplog.text


async def test_only_the_registration_client_registers_and_only_when_asked(
    recording_transport: Any, static_credential: Any
) -> None:
    """The wizard's confirmed "Register" goes through ClientFactory.registration; the same call on any other
    client is refused before it is sent."""

    def handler(request: Any) -> tuple[int, Any]:
        return 200, {"namespace": "Microsoft.RecoveryServices", "registrationState": "Registering"}

    transport = recording_transport(handler)
    async with make_factory(transport, static_credential) as factory:
        with pytest.raises(ProviderNotRegisteredError):
            await factory.resources(SUB).providers.register("Microsoft.RecoveryServices")
        assert transport.requests == []
        provider = await factory.registration(SUB).providers.register("Microsoft.RecoveryServices")
    assert provider.registration_state == "Registering"
    assert [(m, u.split("?")[0]) for m, u, _ in transport.requests] == [
        ("POST", f"{ENDPOINT}subscriptions/{SUB}/providers/Microsoft.RecoveryServices/register")
    ]
    async with make_factory(recording_transport(handler), static_credential, read_only=True) as factory:
        with pytest.raises(ReadOnlyViolation):  # --read-only refuses even the explicit registration
            await factory.registration(SUB).providers.register("Microsoft.RecoveryServices")


async def test_read_only_refuses_caller_writes_without_sending(
    recording_transport: Any, static_credential: Any
) -> None:
    transport = recording_transport()
    async with make_factory(transport, static_credential, read_only=True, retry_total=None) as factory:
        with pytest.raises(ReadOnlyViolation, match=r"PUT .*/resourcegroups/rg refused by --read-only"):
            await factory.resources(SUB).resource_groups.create_or_update("rg", {"location": "westeurope"})
        with pytest.raises(
            ReadOnlyViolation, match=r"POST .*/providers/Microsoft\.RecoveryServices/register"
        ):
            await factory.resources(SUB).providers.register("Microsoft.RecoveryServices")
        with pytest.raises(ReadOnlyViolation, match="DELETE"):
            await factory.compute(SUB).virtual_machines.begin_delete("rg", "vm1")
        with pytest.raises(ReadOnlyViolation, match="runCommand"):
            await factory.compute(SUB).virtual_machines.begin_run_command(
                "rg", "vm1", {"commandId": "RunShellScript"}
            )
    assert transport.requests == []  # refused before the transport: nothing to retry


async def test_read_only_allows_reading_posts(recording_transport: Any, static_credential: Any) -> None:
    def handler(request: Any) -> tuple[int, Any]:
        if request.url.split("?")[0].endswith("backupStatus"):
            return 200, {"protectionStatus": "NotProtected"}
        return 200, {"nameAvailable": True}

    transport = recording_transport(handler)
    async with make_factory(transport, static_credential, read_only=True) as factory:
        status = await factory.backup(SUB).backup_status.get(
            "westeurope", {"resourceId": f"/subscriptions/{SUB}/x", "resourceType": "VM"}
        )
        assert status.protection_status == "NotProtected"
        await factory.recovery_services(SUB).recovery_services.check_name_availability(
            "rg", "westeurope", {"type": "Microsoft.RecoveryServices/Vaults", "name": "v1"}
        )
    assert [m for m, _, _ in transport.requests] == ["POST", "POST"]


async def test_clients_are_built_for_the_target(recording_transport: Any, static_credential: Any) -> None:
    transport = recording_transport()
    factory = make_factory(transport, static_credential, user_agent="vmbackup-prep/9.9")
    assert isinstance(factory.subscriptions(), SubscriptionClient)
    assert isinstance(factory.resources(SUB), ResourceManagementClient)
    assert isinstance(factory.compute(SUB), ComputeManagementClient)
    assert isinstance(factory.network(SUB), NetworkManagementClient)
    assert isinstance(factory.recovery_services(SUB), RecoveryServicesClient)
    assert isinstance(factory.backup(SUB), RecoveryServicesBackupClient)
    assert isinstance(factory.locks(SUB), ManagementLockClient)
    assert isinstance(factory.registration(SUB), ResourceManagementClient)
    assert factory.registration(SUB) is not factory.resources(SUB)  # the one client that may register
    assert factory.compute(SUB) is factory.compute(SUB.upper())  # cached per (kind, subscription)
    assert factory.compute(SUB) is not factory.compute(SUB.replace("1", "2"))

    _ = [s async for s in factory.subscriptions().subscriptions.list()]
    _ = [g async for g in factory.resources(SUB).resource_groups.list()]
    _ = [v async for v in factory.compute(SUB).virtual_machines.list_all()]
    urls = [u.split("?")[0] for _, u, _ in transport.requests]
    assert urls == [
        f"{ENDPOINT}subscriptions",
        f"{ENDPOINT}subscriptions/{SUB}/resourcegroups",
        f"{ENDPOINT}subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines",
    ]
    for _, _, headers in transport.requests:
        assert headers["User-Agent"].startswith("vmbackup-prep/9.9 azsdk-python-mgmt-")
        assert headers["Authorization"] == "Bearer fake-token"
    assert set(static_credential.scopes) == {("https://management.azure.com/.default",)}

    await factory.close()
    assert transport.closed
    with pytest.raises(RuntimeError, match="closed"):
        factory.compute(SUB)
    await factory.close()  # idempotent


async def test_sovereign_cloud_client_settings(static_credential: Any) -> None:
    factory = ClientFactory(Target.for_cloud("AzureChinaCloud"), static_credential)
    try:
        compute = factory.compute(SUB)
        assert compute._config.base_url == "https://management.chinacloudapi.cn/"
        assert compute._config.credential_scopes == ["https://management.chinacloudapi.cn/.default"]
        assert compute._config.cloud_setting.name == "AZURE_CHINA_CLOUD"
        assert factory.subscriptions()._config.credential_scopes == [
            "https://management.chinacloudapi.cn/.default"
        ]
    finally:
        await factory.close()


async def test_shared_session_uses_one_ssl_context(tmp_path: Any, static_credential: Any) -> None:
    import ssl

    factory = ClientFactory(Target.for_endpoint(ENDPOINT), static_credential)
    try:
        a = factory.compute(SUB)._client._pipeline._transport
        b = factory.network(SUB)._client._pipeline._transport
        assert a is not b and a.session is b.session is factory._session
        assert factory._session.connector._ssl is True  # system trust store
    finally:
        await factory.close()
    assert factory._session is None

    # a CA bundle becomes one SSLContext on the shared connector (connections are pooled across clients)
    certifi_like = ssl.get_default_verify_paths().cafile
    if certifi_like:
        factory = ClientFactory(Target.for_endpoint(ENDPOINT, ca_bundle=certifi_like), static_credential)
        try:
            factory.compute(SUB)
            assert isinstance(factory._session.connector._ssl, ssl.SSLContext)
        finally:
            await factory.close()


async def test_response_observers_see_status_and_headers(
    recording_transport: Any, static_credential: Any
) -> None:
    transport = recording_transport(
        lambda r: (200, {"value": []}, {"x-ms-ratelimit-remaining-subscription-reads": "249"})
    )
    seen: list[tuple[str, str, int, str | None]] = []

    def observer(method: str, url: str, status: int, headers: Any) -> None:
        seen.append((method, url, status, headers.get("x-ms-ratelimit-remaining-subscription-reads")))

    def broken(*args: Any) -> None:
        raise RuntimeError("observer bug")

    async with make_factory(transport, static_credential, read_only=True) as factory:
        remove = factory.add_response_observer(observer)
        factory.add_response_observer(broken)
        _ = [v async for v in factory.compute(SUB).virtual_machines.list_all()]
        remove()
        _ = [v async for v in factory.compute(SUB).virtual_machines.list_all()]
    assert len(seen) == 1
    method, url, status, remaining = seen[0]
    assert (method, status, remaining) == ("GET", 200, "249")
    assert url.startswith(f"{ENDPOINT}subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines")


async def test_observer_sees_each_retry(recording_transport: Any, static_credential: Any) -> None:
    answers = iter(
        [(429, {"error": {"code": "TooManyRequests", "message": "slow"}}, {"Retry-After": "0.01"})]
    )

    def handler(request: Any) -> Any:
        return next(answers, (200, {"value": []}))

    transport = recording_transport(handler)
    statuses: list[int] = []
    async with make_factory(transport, static_credential, retry_total=3) as factory:
        factory.add_response_observer(lambda m, u, s, h: statuses.append(s))
        _ = [v async for v in factory.compute(SUB).virtual_machines.list_all()]
    assert statuses == [429, 200]


async def test_every_client_has_explicit_timeouts(static_credential: Any) -> None:
    """Issue 12 item 4: azure-core's defaults wait 300 s per attempt; ours: 10 s to connect, 60 s without a
    byte, 300 s for one operation with its retries, and at most 100 open connections."""
    async with ClientFactory(Target.for_endpoint(ENDPOINT), static_credential) as factory:
        for client in (
            factory.subscriptions(),
            factory.compute(SUB),
            factory.backup(SUB),
            factory.locks(SUB),
        ):
            transport = client._client._pipeline._transport
            assert (transport.connection_config.timeout, transport.connection_config.read_timeout) == (10, 60)
            assert client._config.retry_policy.timeout == 300
        assert factory._session is not None and factory._session.connector.limit == 100


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HTTPS_PROXY": "http://proxy.test:3128"}, {"https": "http://proxy.test:3128"}),
        ({"HTTPS_PROXY": "http://proxy.test:3128", "NO_PROXY": "127.0.0.1,localhost"}, None),
        ({}, None),
    ],
)
async def test_the_environment_proxy_is_read_once_for_every_client(
    static_credential: Any, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: Any
) -> None:
    """The shared session does not look the proxy up per request (aiohttp does that in a worker thread,
    costing more CPU than the request); HTTPS_PROXY and NO_PROXY still apply, through the clients' policy."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    async with ClientFactory(Target.for_endpoint(ENDPOINT), static_credential) as factory:
        client = factory.compute(SUB)
        assert client._config.proxy_policy.proxies == expected
        assert factory._session is not None and factory._session.trust_env is False
