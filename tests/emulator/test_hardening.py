"""Bad estates and bad requests: a clear error or a correct answer, never a traceback or a 500.

Issue 12 items 6 and 7. Estates are checked by ``tui/emulator/estate_schema.py`` (called from parse_estate);
request bodies by ``routing.parse_body`` and the dispatcher, which answers ARM's 400 ``InvalidRequestContent``
for a body it cannot take and ARM's 500 envelope (with one log line) for its own failures.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import SUB, broken_estates, deep, json_values, small_estate
from tui.emulator import Emulator, EmulatorConfig, EstateError, load_estate, parse_estate
from tui.emulator.routes.resources import KNOWN_PROVIDERS
from tui.emulator.routing import json_response

VM0 = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-0"
VAULT = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-1"
T = TypeVar("T")
FUZZ = settings(derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def fuzz(examples: int) -> settings:
    """Bounded and derandomized: the same examples every run, so a failure reproduces."""
    return settings(FUZZ, max_examples=examples)


def _find(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in doc["resources"] if r.get("name") == name)


def _vm(doc: dict[str, Any]) -> dict[str, Any]:
    return _find(doc, "vm-0")


# -- estates: the cases issue 12 found, each one line naming the place --------------------------------------
ISSUE_CASES = [
    ("subscription state is a list", lambda d: d["subscriptions"][0].update(state=["Enabled"]),
     "subscriptions[0].state: expected a string, got a list"),
    ("provider state is a list",
     lambda d: d["subscriptions"][0]["x-emulator"]["providers"].update({"Microsoft.Compute": ["Registered"]}),
     "subscriptions[0].x-emulator.providers.Microsoft.Compute: expected a string, got a list"),
    ("id ending in /providers",
     lambda d: d["resources"].append({"id": f"/subscriptions/{SUB}/resourceGroups/rg-app/providers", "name": "providers", "type": "x"}),
     "resources[13].id: must be an ARM id"),
    ("deep nesting", lambda d: _vm(d).update(tags=deep(5000)), "resources[5].tags"),
    ("VM properties a string", lambda d: _vm(d).update(properties="running"),
     "resources[5].properties: expected an object, got a string"),
    ("osProfile a list", lambda d: _vm(d)["properties"].update(osProfile=[{"computerName": "x"}]),
     "resources[5].properties.osProfile: expected an object, got a list"),
    ("vmAgent a string", lambda d: _vm(d)["properties"]["instanceView"].update(vmAgent="Ready"),
     "resources[5].properties.instanceView.vmAgent: expected an object, got a string"),
    ("dataDisks a string", lambda d: _vm(d)["properties"]["storageProfile"].update(dataDisks="none"),
     "resources[5].properties.storageProfile.dataDisks: expected a list, got a string"),
    ("statuses an object", lambda d: _vm(d)["properties"]["instanceView"].update(statuses={"code": "x"}),
     "resources[5].properties.instanceView.statuses: expected a list, got an object"),
    ("disk size 1e999", lambda d: _vm(d)["properties"]["storageProfile"]["osDisk"].update(diskSizeGB=float("inf")),
     "resources[5].properties.storageProfile.osDisk.diskSizeGB: expected a finite number"),
    ("disk size beyond int32", lambda d: _find(d, "vm-0-os")["properties"].update(diskSizeGB=2**40),
     "resources[7].properties.diskSizeGB: 1099511627776 is out of range"),
    ("status code null", lambda d: _vm(d)["properties"]["instanceView"]["statuses"][0].update(code=None),
     "resources[5].properties.instanceView.statuses[0].code: must not be null"),
    ("NSG rule priority a word",
     lambda d: _find(d, "nsg-1")["properties"]["securityRules"][0]["properties"].update(priority="high"),
     "resources[2].properties.securityRules[0].properties.priority: expected an integer, got a string"),
    ("vault without properties", lambda d: _find(d, "rsv-1").pop("properties"), "resources[11].properties: is missing"),
    ("VM outside a resource group",
     lambda d: d["resources"].append({**copy.deepcopy(_vm(d)), "id": f"/subscriptions/{SUB}/providers/Microsoft.Compute/virtualMachines/vm-0"}),
     "a Microsoft.Compute/virtualMachines lives in a resource group"),
    ("tags a list", lambda d: _vm(d).update(tags=["a"]), "resources[5].tags: expected an object, got a list"),
    ("guest probe flag a string", lambda d: _vm(d).update({"x-emulator": {"guest": {"dhcp": "no"}}}),
     "resources[5].x-emulator.guest.dhcp: expected true or false, got a string"),
    ("resource group without location", lambda d: d["resources"][0].pop("location"), "resources[0].location: is missing"),
]  # fmt: skip


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in ISSUE_CASES], ids=[c[0] for c in ISSUE_CASES])
def test_bad_estate_is_one_line_naming_the_place(mutate, message):
    doc = small_estate()
    mutate(doc)
    with pytest.raises(EstateError) as e:
        parse_estate(doc, source="estate.json")
    text = str(e.value)
    assert text.startswith("estate.json: ") and message in text, text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a":' * 5000 + "1" + "}" * 5000, "nested more than 64 levels deep"),
        ("[" * 100000 + "]" * 100000, "nested more than 64 levels deep"),
        (
            json.dumps(small_estate()).replace('"diskSizeGB": 128', '"diskSizeGB": 1e999', 1),
            "expected a finite number",
        ),
        (
            json.dumps(small_estate()).replace('"diskSizeGB": 128', '"diskSizeGB": NaN', 1),
            "expected a finite number, got NaN",
        ),
    ],
    ids=["deep-objects", "deep-lists", "1e999", "NaN"],
)
def test_estate_files_that_python_parses_oddly_are_refused(tmp_path, text, message):
    path = tmp_path / "estate.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EstateError, match=message):
        load_estate(path)


@fuzz(300)
@given(broken_estates())
def test_generated_estates_load_or_are_refused_in_one_line(doc):
    try:
        estate = parse_estate(doc, source="fuzz.json")
    except EstateError as e:
        assert str(e).startswith("fuzz.json: ") and "\n" not in str(e)
    else:
        assert len(estate) >= 1


# -- what an accepted estate is served as ------------------------------------------------------------------------
async def _probe_every_route(emu: Emulator) -> list[tuple[int, str, str]]:
    """Call every route family on every resource; return (status, method, path) of each answer >= 500."""
    token = emu.tokens.issue(audience="https://management.azure.com/", client_id="fuzz")[0]
    base = emu.info["arm_endpoint"].rstrip("/")
    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    bad: list[tuple[int, str, str]] = []
    estate = emu.estate
    docs = [
        d
        for s in estate.subscriptions.values()
        for d in estate._docs.values()
        if d["id"].lower().startswith(f"/subscriptions/{s.subscription_id.lower()}")
    ]

    async def call(
        session: aiohttp.ClientSession, method: str, path: str, body: Any = None, query: str = ""
    ) -> None:
        url = f"{base}{quote(path, safe='/;')}?api-version=2099-01-01{query}"
        async with session.request(
            method, url, ssl=ctx, json=body, headers={"Authorization": f"Bearer {token}"}
        ) as r:
            await r.read()
            if r.status >= 500:
                bad.append((r.status, method, path))

    async with aiohttp.ClientSession() as s:
        calls = [call(s, "GET", "/subscriptions"), call(s, "GET", "/tenants")]
        for sub in estate.subscriptions.values():
            root = f"/subscriptions/{sub.subscription_id}"
            calls += [
                call(s, "GET", root),
                call(s, "GET", f"{root}/resourcegroups"),
                call(s, "GET", f"{root}/providers"),
            ]
            for ns, kinds in KNOWN_PROVIDERS.values():  # every namespace and resource type the emulator knows
                calls.append(call(s, "GET", f"{root}/providers/{ns}"))
                calls += [call(s, "GET", f"{root}/providers/{ns}/{k}") for k in kinds]
            calls.append(
                call(
                    s, "GET", f"{root}/providers/Microsoft.Compute/virtualMachines", query="&statusOnly=true"
                )
            )
        for d in docs:
            rid, rtype = d["id"], str(d.get("type", "")).lower()
            calls.append(call(s, "GET", rid))
            if rtype == "microsoft.resources/resourcegroups":
                for k in (
                    "Microsoft.Compute/virtualMachines",
                    "Microsoft.Network/networkInterfaces",
                    "Microsoft.RecoveryServices/vaults",
                ):
                    calls.append(call(s, "GET", f"{rid}/providers/{k}"))
            elif rtype == "microsoft.compute/virtualmachines":
                region = quote(str(d.get("location") or "westeurope"))
                loc = f"/subscriptions/{rid.split('/')[2]}/providers/Microsoft.RecoveryServices/locations/{region}"
                probe = {"commandId": "RunShellScript", "script": ["# vmbackup-prep-probe v1"]}
                calls += [
                    call(s, "GET", rid, query="&$expand=instanceView"),
                    call(s, "GET", f"{rid}/instanceView"),
                    call(s, "POST", f"{rid}/runCommand", probe),
                    call(s, "POST", f"{loc}/backupStatus", {"resourceId": rid, "resourceType": "VM"}),
                    call(
                        s,
                        "POST",
                        f"{loc}/backupPreValidateProtection",
                        {"resourceId": rid, "resourceType": "VM", "vaultId": VAULT},
                    ),
                ]
            elif rtype == "microsoft.network/networkinterfaces":
                calls += [
                    call(s, "POST", f"{rid}/effectiveNetworkSecurityGroups"),
                    call(s, "POST", f"{rid}/effectiveRouteTable"),
                ]
            elif rtype == "microsoft.network/virtualnetworks":
                calls.append(call(s, "GET", f"{rid}/subnets"))
            elif rtype == "microsoft.recoveryservices/vaults":
                for tail in (
                    "usages",
                    "backupstorageconfig/vaultstorageconfig",
                    "backupconfig/vaultconfig",
                    "backupPolicies",
                    "backupProtectedItems",
                    "backupProtectableItems",
                ):
                    calls.append(call(s, "GET", f"{rid}/{tail}"))
                calls.append(call(s, "POST", f"{rid}/backupFabrics/Azure/refreshContainers"))
                calls.append(call(s, "PATCH", rid, {"tags": {"k": "v"}}))
                vm = VM0.split("/")
                item = f"{rid}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;{vm[4]};{vm[-1]}/protectedItems/VM;iaasvmcontainerv2;{vm[4]};{vm[-1]}"
                calls.append(
                    call(
                        s,
                        "PUT",
                        item,
                        {
                            "properties": {
                                "protectedItemType": "Microsoft.Compute/virtualMachines",
                                "sourceResourceId": VM0,
                                "policyId": f"{rid}/backupPolicies/DefaultPolicy",
                            }
                        },
                    )
                )
        for c in calls:  # one at a time: the order of writes and reads stays the same run to run
            await c
    return bad


async def _serving(estate: Any, use: Callable[[Emulator], Awaitable[T]]) -> T:
    """Run ``use`` against a fresh emulator on this event loop (hypothesis tests run one loop per example)."""
    emu = Emulator(estate, EmulatorConfig(lro_seconds=0))
    await emu.start()
    try:
        return await use(emu)
    finally:
        await emu.stop()


@fuzz(80)
@given(st.one_of(broken_estates(plausible=True), broken_estates()))
def test_every_estate_the_loader_accepts_is_served_without_a_500(doc):
    try:
        estate = parse_estate(doc)
    except EstateError:
        return

    assert asyncio.run(_serving(estate, _probe_every_route)) == []


def test_the_route_probe_reaches_the_routes(caplog):
    """Guard: on the valid estate the probe sees VMs, NICs and the vault (so the fuzz above means something)."""
    seen: list[str] = []

    async def spied(emu: Emulator) -> list[tuple[int, str, str]]:
        original = emu._arm

        async def spy(request: Any, headers: Any) -> Any:
            resp = await original(request, headers)
            seen.append(f"{request.method} {resp.status} {request.path}")
            return resp

        emu._arm = spy  # type: ignore[method-assign]
        return await _probe_every_route(emu)

    assert asyncio.run(_serving(parse_estate(small_estate()), spied)) == []
    ok = [s for s in seen if s.split()[1].startswith("2")]
    assert any(s.startswith("POST 202") and s.endswith("/effectiveNetworkSecurityGroups") for s in ok)
    assert any(s.startswith("POST 202") and s.endswith("/runCommand") for s in ok)
    assert any(s.startswith("GET 200") and s.endswith("/backupstorageconfig/vaultstorageconfig") for s in ok)
    assert any(s.startswith("PUT 202") and "/protectedItems/" in s for s in ok)


# -- request bodies --------------------------------------------------------------------------------------------
WRITES = [  # (method, path under the subscription, a valid body)
    ("PUT", "/resourcegroups/rg-new", {"location": "westeurope", "tags": {"a": "b"}}),
    ("PUT", "/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-new",
     {"location": "westeurope", "properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"}}, "identity": {"type": "SystemAssigned"}}),
    ("PATCH", "/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-1",
     {"properties": {"redundancySettings": {"crossRegionRestore": "Disabled"}}, "tags": {"a": "b"}}),
    ("PUT", "/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-1/backupstorageconfig/vaultstorageconfig",
     {"properties": {"storageType": "LocallyRedundant", "crossRegionRestoreFlag": False}}),
    ("PUT", "/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-1/backupPolicies/Nightly",
     {"properties": {"backupManagementType": "AzureIaasVM", "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy"}}}),
    ("PUT", "/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-1/backupFabrics/Azure/protectionContainers/"
     "IaasVMContainer;iaasvmcontainerv2;rg-app;vm-0/protectedItems/VM;iaasvmcontainerv2;rg-app;vm-0",
     {"properties": {"sourceResourceId": VM0, "policyId": f"{VAULT}/backupPolicies/DefaultPolicy"}}),
    ("POST", "/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/locations/westeurope/checkNameAvailability",
     {"name": "rsv-free", "type": "Microsoft.RecoveryServices/vaults"}),
    ("POST", "/providers/Microsoft.RecoveryServices/locations/westeurope/backupStatus", {"resourceId": VM0, "resourceType": "VM"}),
    ("POST", "/providers/Microsoft.RecoveryServices/locations/westeurope/backupPreValidateProtection",
     {"resourceId": VM0, "resourceType": "VM", "vaultId": VAULT}),
    ("POST", "/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-0/runCommand",
     {"commandId": "RunShellScript", "script": ["# vmbackup-prep-probe v1"]}),
]  # fmt: skip
BAD_BODIES = [  # raw bytes: what a client could send
    b"[]", b'"text"', b"42", b"null", b"true", b"{", b"\xff\xfe", b'{"a": NaN}', b'{"a": 1e999}', b'{"a": Infinity}',
    json.dumps(deep(65)).encode(), json.dumps({"properties": deep(100)}).encode(), b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'{"properties": "x"}', b'{"properties": []}', b'{"properties": 7}', b'{"location": ["westeurope"]}',
    b'{"location": {"a": 1}}', b'{"tags": "x"}', b'{"tags": [1]}', b'{"identity": "SystemAssigned"}',
    b'{"location": "westeurope", "properties": {"redundancySettings": "LRS"}}',
    b'{"location": "westeurope", "properties": {"redundancySettings": ["LRS"]}}',
    b'{"properties": {"storageType": ["x"]}}', b'{"properties": {"backupManagementType": 5, "schedulePolicy": "x"}}',
    b'{"properties": {"sourceResourceId": ["x"], "policyId": {"a": 1}}}', b'{"name": ["x"], "type": 1}',
    b'{"resourceId": {"id": "x"}}', b'{"commandId": ["RunShellScript"], "script": "x"}', b'{"script": 5, "commandId": "RunShellScript"}',
]  # fmt: skip


async def _send(emu: Emulator, method: str, path: str, body: bytes) -> tuple[int, Any]:
    token = emu.tokens.issue(audience="https://management.azure.com/", client_id="bodies")[0]
    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    url = f"{emu.info['arm_endpoint']}subscriptions/{SUB}{quote(path, safe='/;')}?api-version=2099-01-01"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as s, s.request(method, url, data=body, ssl=ctx, headers=headers) as r:
        text = await r.text()
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, text


async def test_wrong_typed_and_deeply_nested_bodies_get_arms_400(make_emulator, caplog):
    emu = await make_emulator(small_estate(), lro_seconds=0)
    caplog.set_level(logging.WARNING, logger="tui.emulator")
    answers: dict[tuple[str, bytes], int] = {}
    for method, path, _good in WRITES:
        for body in BAD_BODIES:
            status, doc = await _send(emu, method, path, body)
            answers[(path, body)] = status
            assert status < 500, (method, path, body[:60], doc)
            if status >= 400:
                assert isinstance(doc, dict) and set(doc["error"]) >= {"code", "message"}, doc
    # The body shapes no route can take are ARM's InvalidRequestContent everywhere.
    for body in (b"[]", b'"text"', b"{", b'{"a": NaN}', b'{"a": 1e999}', json.dumps(deep(65)).encode()):
        for method, path, _good in WRITES:
            status, doc = await _send(emu, method, path, body)
            assert (status, doc["error"]["code"]) == (400, "InvalidRequestContent"), (path, body[:40], doc)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # the emulator itself never failed


@fuzz(150)
@given(st.sampled_from(WRITES), st.data())
def test_generated_bodies_never_get_a_500(write, data):
    method, path, good = write
    body = copy.deepcopy(good)
    target, key = body, None
    while True:  # walk down to a random place of the valid body and put any JSON there
        key = data.draw(st.sampled_from(sorted(target)))
        if isinstance(target[key], dict) and target[key] and data.draw(st.booleans()):
            target = target[key]
            continue
        break
    target[key] = data.draw(json_values)
    raw = json.dumps(body, allow_nan=True).encode()

    status, doc = asyncio.run(
        _serving(parse_estate(small_estate()), lambda emu: _send(emu, method, path, raw))
    )
    assert status < 500, (method, path, raw[:200], doc)
    assert status < 400 or set(doc["error"]) >= {"code", "message"}


async def test_an_unexpected_handler_error_is_a_500_in_arms_envelope_and_one_log_line(make_emulator, caplog):
    emu = await make_emulator(small_estate())

    async def broken(ctx: Any) -> Any:
        return json_response({"n": 1 / 0})

    emu.router.add("GET", "/subscriptions/{sub}/providers/Microsoft.Compute/broken", broken)
    caplog.set_level(logging.WARNING, logger="tui.emulator")
    status, doc = await _send(emu, "GET", "/providers/Microsoft.Compute/broken", b"")
    assert status == 500 and doc["error"]["code"] == "InternalServerError"
    assert doc["error"]["message"].startswith("Encountered internal server error. Diagnostic information:")
    # The fields real ARM's 500 carries, so a user can quote them to support.
    assert f"subscription id '{SUB}'" in doc["error"]["message"]
    assert (
        "tracking id '" in doc["error"]["message"] and "request correlation id '" in doc["error"]["message"]
    )
    records = [r for r in caplog.records if r.name == "tui.emulator"]
    assert len(records) == 1 and "ZeroDivisionError" in records[0].getMessage()
    assert "\n" not in records[0].getMessage() and records[0].exc_info is None


def test_body_refusals_are_warned_once_not_as_tracebacks(caplog):
    """A body the handler cannot take is the client's error: a 400 and a warning line, no error, no trace."""

    body = b'{"location": "westeurope", "properties": {"redundancySettings": "LRS"}}'
    caplog.set_level(logging.WARNING, logger="tui.emulator")
    status, doc = asyncio.run(
        _serving(parse_estate(small_estate()), lambda emu: _send(emu, *WRITES[1][:2], body))
    )
    assert (status, doc["error"]["code"]) == (400, "InvalidRequestContent")
    assert "could not be deserialized" in doc["error"]["message"]
    assert [r.levelno for r in caplog.records if r.name == "tui.emulator"] == [logging.WARNING]


def test_demo_estate_still_loads(demo_estate_doc):
    assert len(parse_estate(demo_estate_doc)) > 1000
    assert Path(__file__).exists()


async def test_a_vault_sku_capacity_is_a_string_as_recoveryservices_defines_it(make_emulator):
    """RecoveryServices' Sku.capacity is a string (azure-rest-api-specs Microsoft.RecoveryServices
    stable/2025-02-01/vaults.json definitions.Sku); Compute's is an int64. Both are accepted, other types not."""
    emu = await make_emulator(small_estate())
    path = "/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-sku"
    body = {"location": "westeurope", "sku": {"name": "RS0", "tier": "Standard", "capacity": "1"}}
    status, doc = await _send(emu, "PUT", path, json.dumps(body).encode())
    assert status in (200, 201), doc
    body["sku"]["capacity"] = ["1"]
    status, doc = await _send(emu, "PUT", path, json.dumps(body).encode())
    assert (status, doc["error"]["code"], doc["error"]["target"]) == (
        400,
        "InvalidRequestContent",
        "sku.capacity",
    )
    estate = small_estate()
    estate["resources"].append(
        {
            "id": f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-s",
            "name": "rsv-s",
            "type": "Microsoft.RecoveryServices/vaults",
            "location": "westeurope",
            "sku": {"name": "RS0", "tier": "Standard", "capacity": "1"},
            "properties": {},
        }
    )
    assert len(parse_estate(estate)) == len(parse_estate(small_estate())) + 1
