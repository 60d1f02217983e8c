"""`vmbackup-prep emulator` as a separate process: the ready line, the SDK reading through it, clean exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from azure.identity.aio import ManagedIdentityCredential
from azure.mgmt.compute.aio import ComputeManagementClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

CMD = [sys.executable, "-m", "tui.cli", "emulator"]


@pytest.fixture
def emulator_process(tmp_path):
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [*CMD, "--page-size", "7", "--request-log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    yield proc, json.loads(line), log
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


async def test_ready_line_is_one_json_object_with_the_contract_keys(emulator_process):
    proc, info, _ = emulator_process
    assert set(info) == {
        "arm_endpoint",
        "ca_bundle",
        "identity_endpoint",
        "identity_header",
        "tenant_id",
        "pid",
    }
    assert info["arm_endpoint"].startswith("https://127.0.0.1:") and info["arm_endpoint"].endswith("/")
    assert info["identity_endpoint"].startswith("http://127.0.0.1:") and info["pid"] == proc.pid
    assert os.path.isabs(info["ca_bundle"]) and os.path.exists(info["ca_bundle"])


async def test_sdk_reads_the_demo_estate_through_the_process_and_sigterm_stops_it(
    emulator_process, monkeypatch
):
    proc, info, log = emulator_process
    monkeypatch.setenv("IDENTITY_ENDPOINT", info["identity_endpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", info["identity_header"])
    kw = {"base_url": info["arm_endpoint"], "connection_verify": info["ca_bundle"]}
    async with ManagedIdentityCredential() as cred:
        async with SubscriptionClient(cred, **kw) as sc:
            subs = {s.display_name: s.subscription_id async for s in sc.subscriptions.list()}
        async with ComputeManagementClient(cred, subs["Contoso Production"], **kw) as cc:
            vms = [vm async for vm in cc.virtual_machines.list_all()]
    assert "Contoso Production" in subs and len(vms) > 7  # more than one page of 7
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert any("virtualMachines" in r["path"] and r["query"].get("$skiptoken") == "7" for r in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--estate", "/nonexistent/estate.json"], "no such estate file"),
        (["--faults", "418:0.5"], "bad fault '418:0.5'"),
        (["--page-size", "0"], "--page-size must be at least 1"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args, message):
    proc = subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in proc.stderr and "Traceback" not in proc.stderr
