"""The Protect step on the demo estate, through the emulator, driven with real keys.

The whole path: subscription -> vault -> VMs -> Protect (policy, our verdict next to the service's
pre-validation, the plan to confirm, per-VM results) -> Summary and the export's az script.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual.widgets import Button, DataTable, OptionList, Static

from tests.conftest import MakeEmulator, read_request_log
from tests.wizard.drive import go, make_app, protect, settle, to_step
from tui.app import VmBackupPrepApp
from tui.widgets.dialogs import ConfirmDialog

NEU = ["vm-neu-app01", "vm-neu-web01", "vm-neu-app03"]  # app03: agent Not Ready (blocked)


def text_of(widget: Static) -> str:
    return str(widget.render())


def rows(app: VmBackupPrepApp) -> dict[str, list[str]]:
    """VM -> the row's cells as the user reads them."""
    table = app.pane("protect").query_one("#prot-table", DataTable)
    return {
        str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)
    }


def puts(emu: Any) -> list[str]:
    return [r["path"] for r in read_request_log(emu) if r["method"] == "PUT"]


async def test_whole_path_protects_the_ready_vms_and_exports_the_az_lines(
    make_emulator: MakeEmulator, demo_estate_doc: dict, tmp_path: Path
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu, export_dir=str(tmp_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await to_step(pilot, app, "protect", vault="rsv-prod-neu", vms=NEU)
        pane = app.pane("protect")
        policies = pane.query_one("#prot-policies", OptionList)
        prompts = [str(policies.get_option_at_index(i).prompt) for i in range(policies.option_count)]
        assert prompts[0].startswith(
            "● DefaultPolicy (Standard): daily at 19:00 UTC; keeps daily points 30 days"
        )
        assert prompts[1].startswith("○ EnhancedPolicy (Enhanced): every 4 hours")
        before = rows(app)
        assert before["vm-neu-app01"][1:4] == ["+ enable", "✓ ready", "✓ Succeeded"]
        assert before["vm-neu-web01"][1:4] == ["+ enable", "✓ ready", "✓ Succeeded"]
        assert before["vm-neu-app03"][1:4] == ["⊘ refused", "✗ blocked", "- not asked"]
        assert not pane.query_one("#prot-go", Button).disabled
        assert not puts(emu)  # nothing written before the confirmation

        body = await protect(pilot, app)
        assert "Vault: rsv-prod-neu (northeurope, LocallyRedundant)" in body
        assert "+ enable   vm-neu-app01" in body and "x refused  vm-neu-app03" in body

        after = rows(app)
        assert after["vm-neu-app01"][4] == "✓ protected" and after["vm-neu-app01"][5] == "IRPending"
        assert after["vm-neu-web01"][4] == "✓ protected"
        job = after["vm-neu-web01"][6]  # the job id: whole, or cut in the middle to fit (issue 11 item 10)
        assert len(job) == 36 or (job.count("…") == 1 and len(job) >= 9), job
        table = pane.query_one("#prot-table", DataTable)
        assert table.virtual_size.width <= table.size.width  # every column on screen
        web01 = app.model.inventory.vms[[v.name for v in app.model.inventory.vms].index("vm-neu-web01")]
        table.move_cursor(row=table.get_row_index(web01.id))
        await pilot.pause()
        details = text_of(pane.query_one("#prot-detail", Static))
        assert re.search(r"job [0-9a-f-]{36}", details), details  # the details line has it whole
        assert after["vm-neu-app03"][4] == "⊘ refused"
        assert after["vm-neu-app01"][1] == "= already"  # re-planned after the re-scan
        summary = text_of(pane.query_one("#prot-summary", Static)).splitlines()
        assert summary[0] == "✗ Protected (2): vm-neu-app01, vm-neu-web01. Refused (1): vm-neu-app03."
        assert len(puts(emu)) == 2
        # the re-scan shows the vault locked and the VMs protected
        vault = app.model.session.vault
        assert vault is not None and vault.redundancy_locked and vault.protected_vms == 2
        assert summary[1] == "rsv-prod-neu now protects 2 VMs; its storage redundancy is locked."
        assert app.model.inventory is not None
        protected = {v.name: v.protection.status for v in app.model.inventory.vms if v.name in NEU}
        assert protected == {
            "vm-neu-app01": "Protected",
            "vm-neu-web01": "Protected",
            "vm-neu-app03": "NotProtected",
        }
        # every protection action is in the session
        acts = {a.parameters["vm"]: a for a in app.model.session.actions if a.what == "enable-protection"}
        assert {k: a.result for k, a in acts.items()} == {
            "vm-neu-app01": "succeeded",
            "vm-neu-web01": "succeeded",
            "vm-neu-app03": "refused",
        }
        assert (
            acts["vm-neu-app01"].request_ids and acts["vm-neu-app01"].parameters["policy"] == "DefaultPolicy"
        )

        await go(pilot, app, "summary")
        shown = text_of(app.pane("summary").query_one("#sum-actions", Static))
        assert "succeeded enable-protection vm-neu-app01" in shown
        assert "refused   enable-protection vm-neu-app03" in shown
        paths = app.model.export().paths
        assert paths
        script = next(p for p in paths if p.suffix == ".sh").read_text(encoding="utf-8")
        lines = [x for x in script.splitlines() if "enable-for-vm" in x]
        assert len(lines) == 2
        for name in ("vm-neu-app01", "vm-neu-web01"):
            vm_id = next(v.id for v in app.model.inventory.vms if v.name == name)
            assert (
                f"az backup protection enable-for-vm --resource-group rg-backup-neu --vault-name rsv-prod-neu "
                f"--vm {vm_id} --policy-name DefaultPolicy"
            ) in lines
        json_text = next(p for p in paths if p.suffix == ".json").read_text(encoding="utf-8")
        assert json_text.count('"what": "enable-protection"') == 3

        # a second press has nothing to do: the button is off and nothing is sent
        assert pane.query_one("#prot-go", Button).disabled
        await pilot.press("p")
        await settle(pilot, app)
        assert len(puts(emu)) == 2


async def test_standard_policy_refused_for_a_vm_needing_enhanced_and_the_one_way_warning(
    make_emulator: MakeEmulator, demo_estate_doc: dict
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_step(pilot, app, "protect", vault="rsv-apps-weu", vms=["vm-weu-pg01", "vm-weu-app01"])
        pane = app.pane("protect")
        policies = pane.query_one("#prot-policies", OptionList)
        assert str(policies.get_option_at_index(policies.highlighted or 0).prompt).startswith(
            "● EnhancedPolicy"
        )
        warning = text_of(pane.query_one("#prot-warning", Static))
        assert "cannot be moved back to Standard" in warning and "one-way" in warning
        assert rows(app)["vm-weu-pg01"][1] == "+ enable"

        # choose the Standard policy with the keyboard: the plan (and pre-validation) is made again
        policies.focus()
        await pilot.press("home", "enter")
        await settle(pilot, app)
        assert pane.plan is not None and pane.plan.policy.name == "DefaultPolicy"  # type: ignore[attr-defined]
        now = rows(app)
        assert now["vm-weu-pg01"][1:4] == ["⊘ refused", "! warning", "- not asked"]
        assert now["vm-weu-app01"][1] == "+ enable"
        assert not pane.query_one("#prot-warning", Static).display
        pane.query_one("#prot-table", DataTable).focus()
        await pilot.press("home", "down")  # vm-weu-pg01 sorts after vm-weu-app01
        await pilot.pause()
        detail = text_of(pane.query_one("#prot-detail", Static))
        assert "DefaultPolicy is a Standard policy" in detail and "Premium SSD v2" in detail
        assert "What to do: Choose an Enhanced policy" in detail

        await protect(pilot, app)
        assert [p for p in puts(emu) if "vm-weu-pg01" in p] == []
        assert len(puts(emu)) == 1
        summary = text_of(pane.query_one("#prot-summary", Static)).splitlines()[0]
        assert summary == "✗ Protected (1): vm-weu-app01. Refused (1): vm-weu-pg01."


async def test_partial_failure_names_exactly_which_succeeded(
    make_emulator: MakeEmulator, demo_estate_doc: dict
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_step(pilot, app, "protect", vault="rsv-prod-neu", vms=["vm-neu-app01", "vm-neu-web01"])
        pane = app.pane("protect")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        web01 = next(v.id for v in app.model.inventory.vms if v.name == "vm-neu-web01")  # type: ignore[union-attr]
        emu.estate.delete(web01)  # deleted while the user reads the plan
        await pilot.press("tab", "enter")
        await settle(pilot, app)
        await settle(pilot, app)
        summary = text_of(pane.query_one("#prot-summary", Static)).splitlines()[0]
        assert summary == "✗ Protected (1): vm-neu-app01. Failed (1): vm-neu-web01."
        result = {a.parameters["vm"]: a.result for a in app.model.session.actions}
        assert result == {"vm-neu-app01": "succeeded", "vm-neu-web01": "failed"}
        failed = next(a for a in app.model.session.actions if a.result == "failed")
        assert "not among the vault's protectable VMs" in failed.detail


async def test_read_only_switches_the_button_off_and_sends_nothing(
    make_emulator: MakeEmulator, demo_estate_doc: dict
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "protect", vault="rsv-prod-neu", vms=["vm-neu-app01"])
        pane = app.pane("protect")
        assert pane.query_one("#prot-go", Button).disabled
        assert "--read-only" in text_of(pane.query_one("#prot-readonly", Static))
        assert rows(app)["vm-neu-app01"][1:4] == [
            "+ enable",
            "✓ ready",
            "✓ Succeeded",
        ]  # pre-validation reads
        await pilot.press("p")
        await settle(pilot, app)
        assert not isinstance(app.screen, ConfirmDialog)
        assert not app.model.session.actions
        writes = [r for r in read_request_log(emu) if r["method"] not in ("GET", "HEAD", "OPTIONS")]
        assert all(w["path"].lower().endswith("/backupprevalidateprotection") for w in writes), writes
