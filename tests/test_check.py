"""``vmbackup-prep check`` end to end: run_check against the emulator, through the real SDK.

The contract is design.md section 6 (options, exit status 0/1/2, report schema v1). run_check calls
asyncio.run, so async tests call it in a thread while the test's emulator keeps serving in the test loop.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.make_estate import build as bench_estate
from tests.conftest import read_request_log
from tests.rules.factories import SUB_ID, make_vault, make_vm
from tests.services.test_assessment import rule_estate
from tui.check import regions_without_vault, run_check
from tui.emulator import Emulator
from tui.emulator.demo import READY_VMS, RULE_TRIGGERS, SUB_FINANCE
from tui.model import Inventory, SubscriptionFacts
from tui.rules.checks import CHECKS

READ_ONLY_POSTS = (  # design.md section 3: POSTs that only read
    "/backupstatus",
    "/backupprevalidateprotection",
    "/checknameavailability",
    "/effectivenetworksecuritygroups",
    "/effectiveroutetable",
)

# What the demo's design implies for a plain `check --demo` (each VM is named in RULE_TRIGGERS[rule]).
PLAIN_TRIGGERS: dict[str, dict[str, str]] = {  # rule -> {subject: severity}
    "subscription-not-enabled": {  # PastDue: every operation still works (facts section 0)
        "Contoso Legacy (past due)": "warning",
        "vm-leg-app01": "warning",
        "vm-leg-db01": "warning",
    },
    "provider-not-registered": {"vm-ana-spark01": "blocker", "vm-ana-bi01": "blocker"},
    "vm-already-protected": {"vm-weu-app03": "info"},
    "vm-provisioning-failed": {"vm-eus-etl01": "blocker"},
    "vm-updating": {"vm-weu-patch01": "warning"},
    "vm-agent-missing": {"vm-neu-tools01": "blocker", "vm-weu-silent01": "blocker"},
    "vm-agent-not-ready": {"vm-neu-app03": "blocker"},
    "vm-agent-outdated": {"vm-eus-app02": "warning", "vm-weu-oldlin01": "warning"},
    "vm-extension-failed": {
        "vm-eus-file01": "blocker",
        "vm-weu-batch01": "blocker",
        "vm-weu-agent01": "blocker",
    },
    "vm-not-running": {"vm-neu-app02": "warning"},
    "vm-disk-count": {"vm-eus-dw01": "blocker"},
    "vm-disk-size": {"vm-weu-hr01": "blocker"},
    "vm-unmanaged-disks": {"vm-leg-app01": "blocker"},
    "vm-disk-data-access-auth": {"vm-weu-aad01": "blocker"},
    "vm-data-disk-security-type": {"vm-weu-dsec01": "blocker"},
    "vm-ephemeral-os-disk": {"vm-eus-build01": "blocker"},
    "vm-shared-disk": {"vm-weu-clus01": "warning"},
    "vm-requires-enhanced-policy": {"vm-weu-pg01": "warning", "vm-swc-tsdb01": "warning"},
    "vm-trusted-launch": {"vm-weu-api01": "info", "vm-weu-dsec01": "info"},
    "vm-confidential-prerequisites": {"vm-weu-cvm01": "warning"},
    "vm-ultra-disk-grs": {"vm-swc-tsdb01": "warning"},  # blocker once the region list is complete
    "vm-write-accelerator": {"vm-weu-hana01": "warning", "vm-weu-hana02": "blocker"},
    "vm-encrypted-ade": {"vm-weu-hr01": "warning"},
    "vm-os-unsupported": {
        "vm-weu-legacy01": "blocker",
        "vm-neu-flatcar01": "blocker",
        "vm-neu-arch01": "warning",
    },
    "vm-resource-lock": {"vm-weu-ledger01": "blocker", "vm-swc-tsdb01": "blocker"},
    "vm-scale-set-uniform": {"Contoso Production": "blocker"},  # a subscription finding: no VM lists it
    "vm-spot": {"vm-weu-render01": "info"},
    "vault-policy-item-limit": {"rsv-data-swc": "warning"},
    "net-forced-tunneling": {"vm-weu-erp01": "warning"},
    "net-outbound-restricted": {"vm-weu-hana01": "warning", "vm-eus-app02": "warning"},
    "guest-extensions-disabled": {"vm-weu-noext01": "blocker"},  # allowExtensionOperations false: no probe
}
# With --vault rsv-prod-eus --probe-guest (eastus, full: 1,000 protected VMs).
VAULT_PROBE_TRIGGERS: dict[str, dict[str, str]] = {
    "vault-region-mismatch": {"vm-neu-web01": "blocker"},
    "vault-vm-limit": {"vm-eus-app01": "blocker", "vm-eus-web02": "blocker"},
    "vm-already-protected": {"vm-weu-app03": "blocker", "vm-weu-web01": "blocker"},
    "guest-wireserver-unreachable": {"vm-neu-print01": "blocker"},
    "guest-dhcp-disabled": {"vm-neu-dns01": "blocker"},
    "guest-extensions-disabled": {"vm-neu-mon01": "blocker"},
    "vault-other-subscription": {"vm-ana-spark01": "warning"},
}


def _target(emu: Emulator) -> list[str]:
    return [
        "--arm-endpoint",
        emu.info["arm_endpoint"],
        "--ca-bundle",
        emu.info["ca_bundle"],
        "--auth",
        "managed-identity",
    ]


async def check(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = await asyncio.to_thread(run_check, list(argv), out, err)
    return rc, out.getvalue(), err.getvalue()


def _findings(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """rule -> {subject name: severity} over subscriptions, vaults and VMs."""
    fired: dict[str, dict[str, str]] = {}
    for group in ("subscriptions", "vaults", "vms"):
        for entry in report[group]:
            for f in entry["findings"]:
                fired.setdefault(f["rule"], {})[entry["name"]] = f["severity"]
    return fired


def _without_time(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "generated_at"}


def _writes(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in log if r["method"] not in ("GET", "HEAD", "OPTIONS")]


# -- the demo estate ------------------------------------------------------------------------------------------
def test_trigger_tables_follow_the_demo_design():
    for table in (PLAIN_TRIGGERS, VAULT_PROBE_TRIGGERS):
        for rule, vms in table.items():
            for vm in vms:
                assert vm in RULE_TRIGGERS[rule], f"{vm} is not named in RULE_TRIGGERS[{rule!r}]"
    assert set(RULE_TRIGGERS) == set(CHECKS)


async def test_demo_json_reports_every_vm_with_the_verdicts_its_design_implies(demo_estate_doc):
    rc, out, err = await check("--demo", "--format", "json")
    assert rc == 1, err  # the demo has blockers
    report = json.loads(out)
    assert report["schema"] == "vmbackup-prep/report/v1"
    assert set(report) >= {
        "generated_at", "tool_version", "cloud", "rules_version", "subscriptions", "vaults", "vms",
        "seed_2015_limitations", "summary",
    }  # fmt: skip
    estate_vms = {
        r["name"]
        for r in demo_estate_doc["resources"]
        if r["type"] == "Microsoft.Compute/virtualMachines"
        and SUB_FINANCE not in r["id"]
        and "/virtualMachineScaleSets/" not in r["id"]  # uniform instances are never in the VM list
    }
    verdicts = {vm["name"]: vm["verdict"] for vm in report["vms"]}
    assert set(verdicts) == estate_vms  # every VM of every readable subscription, once
    assert len(report["vms"]) == len(verdicts)
    assert {vm: verdicts[vm] for vm in READY_VMS} == dict.fromkeys(READY_VMS, "ready")

    fired = _findings(report)
    for rule, expected in PLAIN_TRIGGERS.items():
        for vm, severity in expected.items():
            assert fired.get(rule, {}).get(vm) == severity, f"{rule} on {vm}: {fired.get(rule)}"
    subs = {s["name"]: s for s in report["subscriptions"]}
    assert subs["Contoso Finance"]["access"] == "forbidden"
    assert [f["rule"] for f in subs["Contoso Finance"]["findings"]] == ["subscription-no-access"]
    assert [f["rule"] for f in subs["Contoso Production"]["findings"]] == ["vm-scale-set-uniform"]
    assert fired["vault-redundancy-locked"] == {
        "rsv-prod-weu": "info",
        "rsv-apps-weu": "info",
        "rsv-prod-eus": "info",
    }

    for vm in report["vms"]:  # verdicts follow the severities
        sev = {f["severity"] for f in vm["findings"]}
        want = "blocked" if "blocker" in sev else "warning" if "warning" in sev else "ready"
        assert vm["verdict"] == want, vm["name"]
        assert set(vm) >= {
            "id",
            "subscription_id",
            "resource_group",
            "location",
            "power_state",
            "os",
            "agent",
        }
        for f in vm["findings"]:
            assert set(f) == {"rule", "severity", "title", "detail", "remedy", "source"}
            assert f["source"].startswith("https://")
    s = report["summary"]
    assert s["vms"] == len(report["vms"]) == s["ready"] + s["warning"] + s["blocked"] + s["unknown"]
    assert s["unknown"] == 0


async def test_every_rule_fires_with_a_vault_and_the_guest_probe(demo):
    rc, out, err = await check(*_target(demo), "--vault", "rsv-prod-eus", "--probe-guest", "--format", "json")
    assert rc == 1, err
    report = json.loads(out)
    fired = _findings(report)
    assert set(fired) == set(CHECKS)  # all 28
    for rule, expected in VAULT_PROBE_TRIGGERS.items():
        for vm, severity in expected.items():
            assert fired[rule].get(vm) == severity, f"{rule} on {vm}: {fired[rule]}"
    already = next(v for v in report["vms"] if v["name"] == "vm-weu-app03")
    (f,) = [f for f in already["findings"] if f["rule"] == "vm-already-protected"]
    assert "rsv-apps-weu" in f["title"] + f["detail"]  # names the vault that protects it

    # The probe's Run Command POSTs are the only writes, one per eligible VM (running, agent Ready).
    eligible = {
        v["name"] for v in report["vms"] if v["power_state"] == "running" and v["agent"]["status"] == "Ready"
    }
    writes = _writes(read_request_log(demo))
    assert {w["method"] for w in writes} == {"POST"}
    assert all(w["path"].endswith("/runCommand") for w in writes), writes
    probed = [w["path"].split("/")[-2] for w in writes]
    assert sorted(probed) == sorted(eligible)
    assert not {"vm-neu-app02", "vm-neu-app03", "vm-neu-tools01"} & set(probed)


def _demo_counts(estate: dict[str, Any]) -> tuple[int, int]:
    """(VMs, vaults) a plain check of the demo reports: all but the forbidden subscription's, no scale-set instance."""
    readable = [r for r in estate["resources"] if SUB_FINANCE not in r["id"]]
    vms = [
        r
        for r in readable
        if r["type"] == "Microsoft.Compute/virtualMachines" and "/virtualMachineScaleSets/" not in r["id"]
    ]
    return len(vms), sum(r["type"] == "Microsoft.RecoveryServices/vaults" for r in readable)


async def test_plain_check_is_read_only_and_its_reports_read_well(demo, demo_estate_doc):
    rc, md, err = await check(*_target(demo), "--format", "markdown")
    assert rc == 1  # stderr has only the notes of regions with VMs and no vault (issue 11 item 12)
    notes = err.splitlines()
    assert notes and all(line.startswith("note: no Recovery Services vault in ") for line in notes)
    rc, table, _ = await check(*_target(demo), "--format", "table")
    assert rc == 1

    log = read_request_log(demo)
    assert log and not [r for r in log if r["method"] in ("PUT", "PATCH", "DELETE")]
    posts = [r["path"] for r in _writes(log)]
    assert all(p.lower().endswith(READ_ONLY_POSTS) for p in posts), posts

    # Markdown: title, summary line, the three tables, per-VM findings with remedy and source, 2015 list.
    lines = md.splitlines()
    assert lines[0] == "# Azure VM backup readiness"
    summary = re.search(
        r"^\*\*(\d+) VMs: (\d+) ready, (\d+) with warnings, (\d+) blocked, (\d+) unknown\.\*\*$", md, re.M
    )
    assert summary, md[:400]
    total, *parts = map(int, summary.groups())
    vm_count, vault_count = _demo_counts(demo_estate_doc)
    assert total == vm_count and sum(parts) == total
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Subscriptions", "## Vaults", "## VMs", "## What to do", "## Notes", "## The 2015 limitations, today",
    ]  # fmt: skip
    for heading, rows in (
        ("## Subscriptions", 4),
        ("## Vaults", vault_count),
        ("## VMs", vm_count),
        ("## The 2015", None),
    ):
        start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 2
        header, rule, *body = lines[start:]
        body = body[: next((i for i, line in enumerate(body) if not line.startswith("|")), len(body))]
        cells = header.count("|")
        assert rule == "|" + "---|" * (cells - 1)
        assert all(row.count("|") - row.count("\\|") == cells for row in body), heading
        if rows is not None:
            assert len(body) == rows, heading
    section = md[md.index("### vm-eus-etl01") :].split("\n### ", 1)[0]
    assert "- **Blocker: " in section and "(`vm-provisioning-failed`)" in section
    assert "*Remedy:* " in section and re.search(r"\*Source:\* <https://[^>]+>", section)
    assert "{" not in md.split("## The 2015")[0].replace("`", "")  # no unfilled placeholders

    # Table: fits an 80-column terminal, one row per VM, then the totals.
    tlines = table.splitlines()
    assert max(map(len, tlines)) <= 80, [line for line in tlines if len(line) > 80]
    assert tlines[0].split()[:4] == ["VM", "REGION", "VERDICT", "FINDINGS"]
    rows = {line.split()[0]: line.split()[2] for line in tlines[1:] if line and not line[0].isspace()}
    assert rows["vm-eus-etl01"] == "BLOCKED" and rows["vm-neu-app02"] == "warning"
    assert rows["vm-weu-web01"] == "ready"
    assert any(line.startswith(f"{total} VMs: ") for line in tlines)


# -- vaults, selection, exit status ----------------------------------------------------------------------------
async def test_vault_of_another_region_and_vm_protected_by_another_vault(tmp_path):
    estate = tmp_path / "rules.json"
    estate.write_text(json.dumps(rule_estate()), encoding="utf-8")
    rc, out, err = await check(
        "--estate", str(estate), "--subscription", "Rules", "--vault", "rsv-eus",
        "--vm", "vm-baseline", "--vm", "VM-ALREADY-PROTECTED", "--format", "json",
    )  # fmt: skip
    assert rc == 1, err
    report = json.loads(out)
    vms = {v["name"]: v for v in report["vms"]}
    assert set(vms) == {"vm-baseline", "vm-already-protected"}
    assert [f["rule"] for f in vms["vm-baseline"]["findings"]] == ["vault-region-mismatch"]
    mismatch = vms["vm-baseline"]["findings"][0]
    assert "rsv-eus" in mismatch["detail"] and "eastus" in mismatch["detail"]
    protected = {f["rule"]: f for f in vms["vm-already-protected"]["findings"]}
    assert protected["vm-already-protected"]["severity"] == "blocker"
    assert "rsv-locked" in protected["vm-already-protected"]["detail"]
    assert vms["vm-already-protected"]["protection"]["status"] == "Protected"
    assert vms["vm-already-protected"]["protection"]["vault_id"].endswith("/rsv-locked")


async def test_exit_status_follows_blockers_and_strict(demo):
    prod = ["--subscription", "Contoso Production"]
    rc, out, _ = await check(*_target(demo), *prod, "--vm", "vm-neu-app01", "--format", "json")
    assert rc == 0
    assert [v["verdict"] for v in json.loads(out)["vms"]] == ["ready"]
    rc, *_ = await check(*_target(demo), *prod, "--vm", "vm-neu-app01", "--strict")
    assert rc == 0
    rc, *_ = await check(*_target(demo), *prod, "--vm", "vm-neu-app02")  # warning only
    assert rc == 0
    rc, *_ = await check(*_target(demo), *prod, "--vm", "vm-neu-app02", "--strict")
    assert rc == 1
    rc, *_ = await check(*_target(demo), *prod, "--vm", "vm-eus-etl01")  # blocker
    assert rc == 1


async def test_output_is_written_atomically(demo, tmp_path):
    root = tmp_path / "out"
    target = root / "reports" / "readiness.json"
    target.parent.mkdir(parents=True)  # --output never creates directories (a typo would go unnoticed)
    prod = ["--subscription", "Contoso Production", "--vm", "vm-neu-app01"]
    rc, out, err = await check(*_target(demo), *prod, "--format", "json", "--output", str(target))
    assert rc == 0 and out == ""
    assert err.strip() == f"report written to {target}"
    report = json.loads(target.read_text(encoding="utf-8"))  # complete
    assert [v["name"] for v in report["vms"]] == ["vm-neu-app01"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["readiness.json"]  # no temp file left

    blocked = root / "a-directory"
    blocked.mkdir()
    rc, out, err = await check(*_target(demo), *prod, "--output", str(blocked))
    assert rc == 2 and out == ""
    assert err.startswith(f"vmbackup-prep check: cannot write {blocked}") and err.count("\n") == 1
    assert sorted(root.rglob("*")) == sorted([target.parent, target, blocked])  # no temp files


# -- bad input ------------------------------------------------------------------------------------------------
def _one_clear_line(rc: int, out: str, err: str, *expected: str) -> None:
    assert rc == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("vmbackup-prep check: "), err
    assert "Traceback" not in err
    for text in expected:
        assert text in err


async def test_bad_selection_is_one_clear_line(demo):
    rc, out, err = await check(*_target(demo), "--subscription", "Contoso Nowhere")
    _one_clear_line(rc, out, err, "unknown subscription 'Contoso Nowhere'", "Contoso Production")
    prod = ["--subscription", "Contoso Production"]
    rc, out, err = await check(*_target(demo), *prod, "--vm", "vm-does-not-exist")
    _one_clear_line(rc, out, err, "unknown VM 'vm-does-not-exist'")
    rc, out, err = await check(*_target(demo), *prod, "--vault", "rsv-nowhere")
    _one_clear_line(rc, out, err, "unknown vault 'rsv-nowhere'", "rsv-prod-weu (westeurope)")
    writes = _writes(read_request_log(demo))
    assert not writes


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"format": "vmbackup-prep/estate/v1", "subscriptions": [', "not valid JSON at line 1"),
        ('{"format": "something-else"}', "format"),
        (None, "no such estate file"),
    ],
    ids=["truncated", "wrong-format", "missing"],
)
async def test_malformed_estate_is_one_clear_line(tmp_path: Path, content: str | None, expected: str):
    path = tmp_path / "estate.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    rc, out, err = await check("--estate", str(path))
    _one_clear_line(rc, out, err, str(path), expected)


async def test_probe_guest_with_read_only_is_refused():
    rc, out, err = await check("--demo", "--probe-guest", "--read-only")
    _one_clear_line(rc, out, err, "--probe-guest", "--read-only")


# -- throttling and faults -------------------------------------------------------------------------------------
async def test_throttled_scan_of_300_vms_paces_itself_and_gives_the_same_report(make_emulator):
    estate = bench_estate(300)
    clean = await make_emulator(estate)
    rc, out, err = await check(*_target(clean), "--format", "json")
    assert rc == 0, err
    reference = json.loads(out)
    assert reference["summary"]["vms"] == 300

    throttled = await make_emulator(estate, throttle="arm")
    rc, out, err = await check(*_target(throttled), "--format", "json")
    assert rc == 0, err
    assert _without_time(json.loads(out)) == _without_time(reference)
    log = read_request_log(throttled)
    reads = [r for r in log if r["method"] == "GET"]
    assert len(reads) > 250  # more than ARM's read burst: the bucket matters
    assert sum(r["status"] == 429 for r in log) <= len(log) // 100  # the pacer keeps 429s rare


def _differs_only_where_unreadable(report: dict[str, Any], reference: dict[str, Any]) -> None:
    """A fault may make facts unreadable, never wrong: each vault is as in the clean run unless it says what
    of it could not be read; each VM's verdict is the clean one, or unknown with what could not be read."""
    clean_vaults = {v["id"]: v for v in reference["vaults"]}
    for vault in report["vaults"]:
        if not vault.get("unreadable"):
            assert vault == clean_vaults[vault["id"]], vault["name"]
    clean_vms = {v["id"]: v for v in reference["vms"]}
    for vm in report["vms"]:
        if vm["verdict"] != clean_vms[vm["id"]]["verdict"]:
            assert vm["verdict"] == "unknown" and vm["unreadable"], vm["name"]


async def test_faults_change_a_verdict_only_to_unknown_and_a_vault_only_where_it_says_unreadable(
    make_emulator, demo_estate_doc
):
    """Random 429s and 503s: the retries absorb them, and a read that still fails shows as unreadable (which
    reads fail depends on the order of requests, so the report may differ there, and only there)."""
    clean = await make_emulator(demo_estate_doc)
    rc_clean, out, err = await check(*_target(clean), "--format", "json")
    assert rc_clean == 1, err
    reference = json.loads(out)
    assert {v["verdict"] for v in reference["vms"]} == {"ready", "warning", "blocked"}
    faulty = await make_emulator(demo_estate_doc, faults="429:0.2,503:0.1", seed=20261126)
    rc, out, err = await check(*_target(faulty), "--format", "json")
    assert rc in (rc_clean, 2), err
    _differs_only_where_unreadable(json.loads(out), reference)
    statuses = [r["status"] for r in read_request_log(faulty)]
    assert statuses.count(429) and statuses.count(503)  # the faults did happen


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/backupPolicies", "policies of vault"),
        ("/backupProtectedItems", "protected items of vault"),
        ("/vaultstorageconfig", "storage configuration of vault"),
    ],
)
async def test_a_vault_read_that_fails_is_said_on_the_vault_and_turns_a_verdict_only_to_unknown(
    make_emulator, demo_estate_doc, path, what
):
    """Found by CI (the random-faults test): the policies of rsv-data-swc failed after the retries and its
    vault-policy-item-limit warning silently went; the vault entry read as if its policies were fine."""
    reference = json.loads(
        (await check(*_target(await make_emulator(demo_estate_doc)), "--format", "json"))[1]
    )
    emu = await make_emulator(demo_estate_doc, faults=f"503:1@{path}")
    rc, out, err = await check(*_target(emu), "--format", "json")
    report = json.loads(out)
    _differs_only_where_unreadable(report, reference)
    assert all(any(what in u["what"] for u in v["unreadable"]) for v in report["vaults"]), report["vaults"]
    assert rc == 1, err  # the blockers the clean run found: the exit status counts what was read
    assert f"note: could not read the {what} rsv-data-swc: " in err  # and says what was not


# -- what could not be read never passes for "no blocker" ------------------------------------------------------
async def test_a_subscription_whose_vms_could_not_be_listed_fails_the_run_with_its_report(
    make_emulator, demo_estate_doc, tmp_path
):
    """Found by bench/faults: the VM list of a subscription failed after the retries, its VMs were simply
    absent, and a run with no blocker elsewhere would have exited 0. Its VMs are unknown, not fine."""
    emu = await make_emulator(demo_estate_doc, faults="500:1@/virtualMachines$")
    report = tmp_path / "report.json"
    prod = ["--subscription", "Contoso Production"]
    rc, _, err = await check(*_target(emu), *prod, "--format", "json", "--output", str(report))
    assert rc == 2, err  # a service error, said once, with the report still written
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert [s["access"] for s in doc["subscriptions"]] == ["error"] and doc["vms"] == []
    (line,) = [ln for ln in err.splitlines() if "could not be read" in ln]
    assert (
        "Contoso Production" in line and "virtualMachines" in line and "no VM of it is in the report" in line
    )


async def test_strict_fails_on_a_verdict_that_could_not_be_given(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, faults="500:1@/vm-neu-app01/instanceView")
    args = [*_target(emu), "--subscription", "Contoso Production", "--vm", "vm-neu-app01"]
    rc, out, err = await check(*args, "--format", "json")
    assert [v["verdict"] for v in json.loads(out)["vms"]] == ["unknown"]
    assert rc == 0, err  # no blocker was found
    rc, _, err = await check(*args, "--strict")
    assert rc == 1, err  # but --strict asks for every VM to be known ready


def test_regions_without_vault_compare_regions_as_arm_does_and_count_the_vms():
    """A vault written "West Europe" covers VMs in westeurope; a region with VMs and no vault gets one note
    with its VM count, and a vault of another subscription does not cover it."""
    sub = SubscriptionFacts(id=SUB_ID, name="S", state="Enabled")
    vms = [
        make_vm("a", location="westeurope"),
        make_vm("b", location="North Europe"),
        make_vm("c", location="northeurope"),
        make_vm("d", location="eastus"),
    ]
    other_sub = make_vault("rsv-other", location="eastus", subscription_id="another-subscription")
    inventory = Inventory([sub], [make_vault("rsv-weu", location="West Europe"), other_sub], vms)
    assert regions_without_vault(inventory) == [
        f"no Recovery Services vault in eastus (subscription {SUB_ID}), where 1 VM is: create one there "
        "before protecting them",
        f"no Recovery Services vault in northeurope (subscription {SUB_ID}), where 2 VMs are: create one "
        "there before protecting them",
    ]
