"""``vmbackup-prep protect`` end to end: run_protect against the emulator, through the real SDK.

run_protect calls asyncio.run, so tests call it in a thread while the test's emulator serves in the test loop.
What is asserted is what a user and Azure would see: the exit status, the plan on stderr, the results on
stdout, the emulator's protection state (backupStatus) and the request log (which writes were sent).
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from typing import Any

from tests.conftest import read_request_log
from tests.sdk import Sdk
from tui.cli import main
from tui.emulator import Emulator
from tui.emulator.demo import SUB_PROD
from tui.protect import run_protect

READ_ONLY_POSTS = ("/backupstatus", "/backupprevalidateprotection")
APPS_WEU = f"/subscriptions/{SUB_PROD}/resourceGroups/rg-app-weu/providers/Microsoft.RecoveryServices/vaults/rsv-apps-weu"


def _target(emu: Emulator) -> list[str]:
    return [
        "--arm-endpoint", emu.info["arm_endpoint"], "--ca-bundle", emu.info["ca_bundle"],
        "--auth", "managed-identity",
    ]  # fmt: skip


class FakeTerminal(io.StringIO):
    """A terminal that answers the prompt; ``on_prompt`` runs when it is read (between plan and enable)."""

    def __init__(self, answer: str, on_prompt: Callable[[], None] | None = None) -> None:
        super().__init__(answer + "\n")
        self.on_prompt = on_prompt
        self.prompted = False

    def isatty(self) -> bool:
        return True

    def readline(self, *args: Any) -> str:
        self.prompted = True
        if self.on_prompt is not None:
            self.on_prompt()
        return super().readline(*args)


async def protect(emu: Emulator, *argv: str, stdin: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    stdin = stdin if stdin is not None else io.StringIO("")  # not a terminal
    rc = await asyncio.to_thread(run_protect, [*_target(emu), *argv], out, err, stdin)
    return rc, out.getvalue(), err.getvalue()


def _writes(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in log if r["method"] not in ("GET", "HEAD", "OPTIONS")]


def _vm_id(emu: Emulator, name: str) -> str:
    return next(
        v["id"] for v in emu.estate.list(SUB_PROD, "Microsoft.Compute/virtualMachines") if v["name"] == name
    )


async def _status(emu: Emulator, name: str) -> dict[str, Any]:
    vm = emu.estate.get(_vm_id(emu, name))
    assert vm is not None
    async with Sdk(emu) as sdk:
        r = await sdk.backup(SUB_PROD).backup_status.get(
            vm["location"], {"resourceId": vm["id"], "resourceType": "VM"}
        )
    return {"protection_status": r.protection_status, "vault_id": r.vault_id, "policy_name": r.policy_name}


def _results(out: str) -> dict[str, dict[str, Any]]:
    return {r["vm"]: r for r in json.loads(out)["results"]}


# -- the happy path and its re-run ------------------------------------------------------------------------------
async def test_clean_run_protects_several_vms_and_a_rerun_changes_nothing(demo):
    vms = ["vm-neu-app01", "vm-neu-web01", "vm-neu-sql01"]
    args = ["--vault", "rsv-prod-neu", *[a for v in vms for a in ("--vm", v)], "--yes", "--format", "json"]
    rc, out, err = await protect(demo, *args)
    assert rc == 0, err
    assert "Vault: rsv-prod-neu (northeurope" in err and "Policy: DefaultPolicy (Standard): daily at" in err
    assert "policy preselected" in err
    results = _results(out)
    assert set(results) == set(vms)
    for name in vms:
        r = results[name]
        assert r["result"] == "protected" and r["protection_state"] == "IRPending", r
        assert r["job_id"] and r["request_ids"]
        status = await _status(demo, name)
        assert status["protection_status"] == "Protected"
        assert status["vault_id"].lower().endswith("/vaults/rsv-prod-neu")
        assert status["policy_name"] == "DefaultPolicy"
    assert json.loads(out)["summary"] == "Protected (3): vm-neu-app01, vm-neu-sql01, vm-neu-web01."
    log = read_request_log(demo)
    puts = [r["path"] for r in log if r["method"] == "PUT"]
    assert len(puts) == 3 and all("/protectedItems/" in p for p in puts)
    # The vault is now locked: a check shows it.
    from tui.check import run_check

    cout, cerr = io.StringIO(), io.StringIO()
    await asyncio.to_thread(
        run_check, [*_target(demo), "--subscription", "Contoso Production", "--vault", "rsv-prod-neu",
                    "--vm", "vm-neu-app01", "--format", "json"], cout, cerr,
    )  # fmt: skip
    vault = next(v for v in json.loads(cout.getvalue())["vaults"] if v["name"] == "rsv-prod-neu")
    assert vault["redundancy_locked"] is True and vault["protected_vms"] == 3

    before = len(read_request_log(demo))
    rc, out, err = await protect(demo, *args)
    assert rc == 0, err
    assert {r["result"] for r in _results(out).values()} == {"already-protected"}
    assert "Nothing will be changed in Azure." in err
    assert json.loads(out)["summary"].startswith("Already protected (skipped) (3): ")
    assert not _writes(read_request_log(demo)[before:])  # not even a pre-validation


async def test_default_selection_leaves_blocked_vms_out_and_says_why(demo):
    rc, out, err = await protect(demo, "--vault", "rsv-prod-neu", "--yes")
    assert rc == 0, err
    results = _results_table(out)
    assert "vm-neu-app03" not in results and "vm-neu-tools01" not in results
    assert results["vm-neu-app01"] == "protected" and results["vm-neu-app02"] == "protected"
    assert "Left out of the default selection" in err
    left = err.split("Left out of the default selection", 1)[1]
    assert "- vm-neu-app03: blocked: " in left and "vm-agent-not-ready" in left
    assert "- vm-neu-tools01: blocked: " in left
    assert all("-neu-" in name for name in results)  # other regions are never considered


def _results_table(out: str) -> dict[str, str]:
    """VM -> result word, from the table output."""
    rows = {}
    for line in out.splitlines()[1:]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells[2]
    return rows


# -- refusals ----------------------------------------------------------------------------------------------
async def test_standard_policy_for_a_vm_that_needs_enhanced_is_refused_before_any_request(demo):
    """Premium SSD v2 / Ultra disks need the Enhanced policy (facts section 0); Trusted Launch no longer does."""
    rc, out, err = await protect(
        demo, "--vault", "rsv-apps-weu", "--policy", "DefaultPolicy", "--vm", "vm-weu-pg01", "--yes"
    )
    assert rc == 1, err
    assert "x refused  vm-weu-pg01: DefaultPolicy is a Standard policy" in err
    assert "Premium SSD v2" in err and "What to do for vm-weu-pg01: Choose an Enhanced policy" in err
    assert _results_table(out) == {"vm-weu-pg01": "refused"}
    assert not _writes(read_request_log(demo))  # no pre-validation, no refresh, no PUT
    assert (await _status(demo, "vm-weu-pg01"))["protection_status"] == "NotProtected"

    # With other VMs in the same run they are protected (the Trusted Launch one with Standard too); the
    # refused one never gets a PUT.
    rc, out, err = await protect(
        demo, "--vault", "rsv-apps-weu", "--policy", "defaultpolicy",
        "--vm", "vm-weu-pg01", "--vm", "vm-weu-app01", "--vm", "vm-weu-api01", "--yes",
    )  # fmt: skip
    assert rc == 1, err
    assert _results_table(out) == {
        "vm-weu-pg01": "refused",
        "vm-weu-app01": "protected",
        "vm-weu-api01": "protected",
    }
    puts = [r["path"] for r in read_request_log(demo) if r["method"] == "PUT"]
    assert len(puts) == 2 and not any("vm-weu-pg01" in p for p in puts)


async def test_preselected_policy_is_enhanced_when_a_vm_needs_it_with_the_one_way_warning(demo):
    rc, out, err = await protect(
        demo, "--vault", "rsv-apps-weu", "--vm", "vm-weu-pg01", "--yes", "--format", "json"
    )
    assert rc == 0, err
    assert "Policy: EnhancedPolicy (Enhanced)" in err
    assert "! Enhanced policy: a VM moved from a Standard to an Enhanced policy cannot be moved back" in err
    assert _results(out)["vm-weu-pg01"]["result"] == "protected"


async def test_service_refusal_at_enable_is_a_failure_with_the_services_code(demo):
    """Premium SSD v2 on a GRS vault where the service does not offer it: our rule can only warn (the region
    list is incomplete), the service refuses, and the run says so with its error code."""
    rc, out, err = await protect(
        demo,
        "--vault",
        "rsv-prod-weu",
        "--vm",
        "vm-weu-pg01",
        "--vm",
        "vm-weu-app01",
        "--yes",
        "--format",
        "json",
    )
    assert rc == 1, err
    results = _results(out)
    assert results["vm-weu-app01"]["result"] == "protected"
    assert results["vm-weu-pg01"]["result"] == "failed"
    assert (
        "UserErrorUltraDiskOrPremiumSSDV2DiskVMCannotBeProtectedOnGRSVault"
        in results["vm-weu-pg01"]["message"]
    )
    assert (await _status(demo, "vm-weu-pg01"))["protection_status"] == "NotProtected"


async def test_vm_protected_by_another_vault_is_refused_with_that_vaults_id(demo):
    rc, out, err = await protect(
        demo, "--vault", "rsv-prod-weu", "--vm", "vm-weu-app03", "--yes", "--format", "json"
    )
    assert rc == 1, err
    r = _results(out)["vm-weu-app03"]
    assert r["result"] == "refused"
    assert r["message"] == f"already protected by another vault: {APPS_WEU}"
    assert not _writes(read_request_log(demo))
    status = await _status(demo, "vm-weu-app03")
    assert status["vault_id"].lower() == APPS_WEU.lower()


# -- partial failure --------------------------------------------------------------------------------------------
async def test_partial_failure_leaves_the_others_protected_and_names_exactly_which(demo):
    """Between the plan and the confirmation one VM is deleted and another's agent stops answering."""
    loop = asyncio.get_running_loop()
    web01, sql01 = _vm_id(demo, "vm-neu-web01"), _vm_id(demo, "vm-neu-sql01")

    def meanwhile() -> None:
        async def change() -> None:
            demo.estate.delete(web01)
            vm = demo.estate.get(sql01)
            assert vm is not None
            for s in vm["properties"]["instanceView"]["vmAgent"]["statuses"]:
                s["displayStatus"] = "Not Ready"

        asyncio.run_coroutine_threadsafe(change(), loop).result(timeout=10)

    terminal = FakeTerminal("y", meanwhile)
    rc, out, err = await protect(
        demo, "--vault", "rsv-prod-neu", "--vm", "vm-neu-app01", "--vm", "vm-neu-web01", "--vm", "vm-neu-sql01",
        stdin=terminal,
    )  # fmt: skip
    assert terminal.prompted and "Protect 3 VMs? [y/N] " in err
    assert rc == 1, err
    rows = _results_table(out)
    assert rows == {"vm-neu-app01": "protected", "vm-neu-web01": "failed", "vm-neu-sql01": "protected"}
    assert "not among the vault's protectable VMs" in out
    # An agent that stops answering does not fail the enable (real Azure answers IRPending; the first backup
    # job fails later with UserErrorGuestAgentStatusUnavailable).
    summary = out.strip().splitlines()[-1]
    assert summary == "Protected (2): vm-neu-app01, vm-neu-sql01. Failed (1): vm-neu-web01."
    assert (await _status(demo, "vm-neu-app01"))["protection_status"] == "Protected"
    assert (await _status(demo, "vm-neu-sql01"))["protection_status"] == "Protected"


# -- read-only, confirmation and bad input ---------------------------------------------------------------------
async def test_read_only_prints_the_plan_and_refuses_everything(demo):
    rc, out, err = await protect(
        demo,
        "--read-only",
        "--vault",
        "rsv-prod-neu",
        "--vm",
        "vm-neu-app01",
        "--vm",
        "vm-neu-web01",
        "--yes",
    )
    assert rc == 2 and out == ""
    assert "+ enable   vm-neu-app01" in err and "+ enable   vm-neu-web01" in err
    assert err.strip().splitlines()[-1] == (
        "vmbackup-prep protect: --read-only forbids enabling protection: nothing was sent for the 2 VM(s) of the plan"
    )
    writes = _writes(read_request_log(demo))
    assert writes and all(w["path"].lower().endswith(READ_ONLY_POSTS) for w in writes), writes
    assert (await _status(demo, "vm-neu-app01"))["protection_status"] == "NotProtected"


async def test_without_a_terminal_or_yes_nothing_is_sent(demo):
    rc, out, err = await protect(demo, "--vault", "rsv-prod-neu", "--vm", "vm-neu-app01")
    assert rc == 2 and out == ""
    assert "+ enable   vm-neu-app01" in err
    assert err.strip().splitlines()[-1].endswith("add --yes to confirm non-interactively")
    terminal = FakeTerminal("n")
    rc, out, err = await protect(demo, "--vault", "rsv-prod-neu", "--vm", "vm-neu-app01", stdin=terminal)
    assert rc == 2 and terminal.prompted
    assert err.strip().endswith("not confirmed: nothing was changed in Azure")
    assert not [r for r in read_request_log(demo) if r["method"] == "PUT"]


async def test_bad_input_is_one_clear_line(demo):
    rc, out, err = await protect(demo, "--vault", "rsv-nowhere", "--yes")
    assert rc == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("vmbackup-prep protect: unknown vault 'rsv-nowhere'")
    rc, out, err = await protect(demo, "--vault", "rsv-prod-neu", "--policy", "Nightly", "--yes")
    assert rc == 2 and err.count("\n") == 1, err
    assert "unknown policy 'Nightly'" in err and "DefaultPolicy (Standard)" in err
    rc, out, err = await protect(demo, "--vault", "rsv-prod-neu", "--vm", "vm-nowhere", "--yes")
    assert rc == 2 and "unknown VM 'vm-nowhere'" in err and err.count("\n") == 1
    assert not [r for r in read_request_log(demo) if r["method"] == "PUT"]


async def test_vault_by_id_and_the_cli_entry_point(demo, capsys):
    vault_id = (
        f"/subscriptions/{SUB_PROD}/resourceGroups/rg-backup-neu/providers/Microsoft.RecoveryServices/vaults/"
        "rsv-prod-neu"
    )
    rc = await asyncio.to_thread(
        main,
        [
            "protect",
            *_target(demo),
            "--vault",
            vault_id,
            "--vm",
            "vm-neu-jump01",
            "--yes",
            "--format",
            "json",
        ],
    )
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert _results(captured.out)["vm-neu-jump01"]["result"] == "protected"
