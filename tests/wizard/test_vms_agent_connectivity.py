"""Steps 4-6 (VMs, VM agent, connectivity) driven with keys on the demo estate through the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.widgets import Button, DataTable, Static

from tests.conftest import read_request_log
from tests.wizard.drive import make_app, settle, to_step
from tui.app import VmBackupPrepApp
from tui.widgets.dialogs import ConfirmDialog

SIZE = (100, 32)
NEU_SELECTABLE = 14  # every northeurope VM of Contoso Production; none is protected elsewhere


def rows(app: VmBackupPrepApp, table_id: str) -> dict[str, list[str]]:
    """{VM name: the row's cells as plain text} for the table on the current step."""
    table = app.pane().query_one(table_id, DataTable)
    out = {}
    for i in range(table.row_count):
        cells = [str(c) for c in table.get_row_at(i)]
        name = cells[1] if table_id == "#vms-table" else cells[0]
        out[name] = cells
    return out


def text(app: VmBackupPrepApp, widget_id: str) -> str:
    return str(app.pane().query_one(widget_id, Static).render())


def nav_status(app: VmBackupPrepApp) -> str:
    return str(app.query_one("#nav-status", Static).render())


def selected_names(app: VmBackupPrepApp) -> set[str]:
    assert app.model.inventory is not None
    chosen = {i.lower() for i in app.model.session.selected_vm_ids}
    return {vm.name for vm in app.model.inventory.vms if vm.id.lower() in chosen}


async def move_to(pilot: Any, app: VmBackupPrepApp, table_id: str, name: str) -> None:
    table = app.pane().query_one(table_id, DataTable)
    table.focus()
    names = list(rows(app, table_id))
    await pilot.press("ctrl+home", *["down"] * names.index(name))
    await pilot.pause()


def run_commands(emu: Any) -> list[str]:
    return [
        r["path"].split("/")[-2]
        for r in read_request_log(emu)
        if r["method"] == "POST" and r["path"].lower().endswith("/runcommand")
    ]


# -- step 4: VMs -----------------------------------------------------------------------------------------
async def test_vms_selectable_and_disabled_in_northeurope(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vms", vault="rsv-prod-neu")
        table = rows(app, "#vms-table")
        neu = [n for n, c in table.items() if c[0] == "[ ]"]
        assert len(neu) == NEU_SELECTABLE and all(n.startswith("vm-neu-") for n in neu)
        assert table["vm-weu-app01"][0].strip() == "-"
        assert table["vm-weu-app01"][2] == "✗ in westeurope"
        assert table["vm-eus-web01"][2] == "✗ in eastus"
        assert table["vm-neu-app03"][2] == "✗ blocked"  # its verdict badge (agent not Ready)
        assert table["vm-neu-app01"][2] == "✓ ready"
        assert "0 selected of 14 selectable" in text(app, "#vms-count")
        assert nav_status(app) == "Select at least one VM."

        # space on a VM of another region selects nothing and says why
        await move_to(pilot, app, "#vms-table", "vm-weu-app01")
        assert "vault protects only VMs in its own region" in text(app, "#vms-detail")
        await pilot.press("space")
        assert app.model.session.selected_vm_ids == []

        # space toggles one VM; Next is allowed then
        await move_to(pilot, app, "#vms-table", "vm-neu-app01")
        await pilot.press("space")
        await pilot.pause()
        assert selected_names(app) == {"vm-neu-app01"}
        assert rows(app, "#vms-table")["vm-neu-app01"][0] == "[x]"
        assert "1 selected of 14 selectable" in text(app, "#vms-count")
        assert nav_status(app) != "Select at least one VM."

        # a: all selectable, again: none
        await pilot.press("a")
        await pilot.pause()
        assert selected_names(app) == set(neu)
        await pilot.press("a")
        await pilot.pause()
        assert app.model.session.selected_vm_ids == []

        # filter by resource group, Enter back to the list, `a` takes what is shown
        await pilot.press("slash", *"rg-infra", "enter")
        await pilot.pause()
        shown = rows(app, "#vms-table")
        assert set(shown) == {"vm-neu-jump01", "vm-neu-dev01", "vm-neu-print01", "vm-neu-dns01"}
        assert isinstance(app.focused, DataTable)
        await pilot.press("a")
        await pilot.pause()
        assert selected_names(app) == set(shown)
        assert "4 selected of 14 selectable" in text(app, "#vms-count")

        # filter by OS; Escape in the filter returns to the list and is not Back
        await pilot.press("slash", *["backspace"] * 8, *"linux", "escape")
        await pilot.pause()
        assert app.current == "vms" and isinstance(app.focused, DataTable)
        shown = rows(app, "#vms-table")
        assert "vm-neu-tools01" in shown and "vm-neu-dns01" not in shown
        assert all(c[4] == "Linux" for c in shown.values())


async def test_keys_typed_fast_toggle_the_vms_they_were_typed_on(demo):
    """space, down, space, down, space in one go (as a terminal delivers them): three VMs, not the last one
    three times."""
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vms", vault="rsv-prod-neu")
        table = app.pane().query_one("#vms-table", DataTable)
        table.focus()
        await pilot.press("ctrl+home")
        for key in ("space", "down", "space", "down", "space"):  # as the driver sends them: no pause between
            event = events.Key(key, " " if key == "space" else None)
            event.set_sender(app)
            app._driver.send_message(event)  # type: ignore[union-attr]
        await settle(pilot, app)
        assert selected_names(app) == {"vm-neu-app01", "vm-neu-app02", "vm-neu-app03"}


async def test_vm_protected_by_another_vault_is_not_selectable(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vms", vault="rsv-prod-weu")
        table = rows(app, "#vms-table")
        assert table["vm-weu-app03"][0].strip() == "-"
        assert table["vm-weu-app03"][2] == "✗ vault rsv-apps-weu"
        assert table["vm-weu-web01"][0] == "[ ]"  # protected by the chosen vault itself: fine
        assert table["vm-neu-app01"][2] == "✗ in northeurope"
        await move_to(pilot, app, "#vms-table", "vm-weu-app03")
        assert "already protected by the vault rsv-apps-weu" in text(app, "#vms-detail")
        await pilot.press("space")
        assert app.model.session.selected_vm_ids == []


async def test_selection_survives_back_and_next(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "agent", vms=["vm-neu-app01", "vm-neu-dns01"])
        assert app.current == "agent"
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current == "vms"
        table = rows(app, "#vms-table")
        assert {n for n, c in table.items() if c[0] == "[x]"} == {"vm-neu-app01", "vm-neu-dns01"}
        assert "2 selected of 14 selectable" in text(app, "#vms-count")
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert app.current == "agent"
        assert set(rows(app, "#agent-table")) == {"vm-neu-app01", "vm-neu-dns01"}


# -- step 5: VM agent ------------------------------------------------------------------------------------
async def test_agent_step_shows_state_findings_and_remedies(demo):
    app = make_app(demo)
    vms = ["vm-neu-app01", "vm-neu-app02", "vm-neu-app03", "vm-neu-tools01"]
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "agent", vms=vms)
        await settle(pilot, app)
        # the step re-read the instance views of the selected VMs
        views = [r["path"] for r in read_request_log(demo) if r["path"].lower().endswith("/instanceview")]
        assert (
            sum(p.split("/")[-2] == "vm-neu-app02" for p in views) >= 1
        )  # deallocated: not read by the scan
        table = rows(app, "#agent-table")
        assert set(table) == set(vms)
        assert table["vm-neu-app03"][2] == "✗ Not Ready"
        assert table["vm-neu-app03"][3] == "Unknown"
        assert table["vm-neu-app03"][5] == "✗ blocked"
        assert table["vm-neu-tools01"][2] == "✗ not installed"  # provisionVMAgent false
        assert table["vm-neu-app01"][2] == "✓ Ready" and table["vm-neu-app01"][5] == "✓ ready"
        assert table["vm-neu-app02"][1] == "○ deallocated" and table["vm-neu-app02"][5] == "! warning"

        await move_to(pilot, app, "#agent-table", "vm-neu-app03")
        details = text(app, "#agent-findings")
        assert "VM agent is not Ready" in details and "[vm-agent-not-ready]" in details
        assert "What to do: Restart the agent" in details

        await move_to(pilot, app, "#agent-table", "vm-neu-tools01")
        details = text(app, "#agent-findings")
        assert "[vm-agent-missing]" in details and "Install the Azure VM agent" in details


# -- step 6: connectivity and the in-guest probe ---------------------------------------------------------
PROBE_VMS = ["vm-neu-dns01", "vm-neu-print01", "vm-neu-mon01", "vm-neu-app01", "vm-neu-app02", "vm-neu-app03"]
ELIGIBLE = {"vm-neu-dns01", "vm-neu-print01", "vm-neu-mon01", "vm-neu-app01"}


async def open_probe_dialog(pilot: Any, app: VmBackupPrepApp) -> ConfirmDialog:
    await pilot.press("p")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    return app.screen


async def test_probe_cancel_runs_nothing(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "connectivity", vms=PROBE_VMS)
        table = rows(app, "#net-table")
        assert table["vm-neu-dns01"][1] == "443 ✓" and table["vm-neu-dns01"][3] == "✓ no"
        assert table["vm-neu-dns01"][4] == "not probed"
        assert table["vm-neu-app02"][4] == "not eligible"
        dialog = await open_probe_dialog(pilot, app)
        body = dialog.body
        assert "168.63.129.16" in body and "changes nothing" in body.lower()
        for name in ELIGIBLE:
            assert f"• {name} (" in body
        assert "• vm-neu-app02: the VM is deallocated" in body
        assert "• vm-neu-app03: the VM agent is not Ready" in body
        await pilot.press("enter")  # focus starts on Cancel
        await settle(pilot, app)
        assert not isinstance(app.screen, ConfirmDialog)
        assert run_commands(demo) == []
        assert app.model.session.probe_consent is False
        assert [a for a in app.model.session.actions if a.what == "guest-probe"] == []
        assert rows(app, "#net-table")["vm-neu-dns01"][4] == "not probed"


async def test_probe_confirm_runs_on_eligible_vms_and_shows_findings(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "connectivity", vms=PROBE_VMS)
        await open_probe_dialog(pilot, app)
        await pilot.press("tab", "enter")  # to "Run probe", then press it
        await settle(pilot, app)
        await settle(pilot, app)
        assert sorted(run_commands(demo)) == sorted(ELIGIBLE)
        assert app.model.session.probe_consent is True

        table = rows(app, "#net-table")
        assert table["vm-neu-dns01"][5] == "✗ off" and table["vm-neu-dns01"][7] == "✗ blocked"
        assert table["vm-neu-print01"][4] == "80 ✓ 32526 ✗"
        assert table["vm-neu-mon01"][6] == "✗ off"
        assert table["vm-neu-app01"][4] == "80 ✓ 32526 ✓" and table["vm-neu-app01"][7] == "✓ ready"
        assert table["vm-neu-app02"][4] == "not eligible"

        await move_to(pilot, app, "#net-table", "vm-neu-dns01")
        details = text(app, "#net-findings")
        assert "[guest-dhcp-disabled]" in details and "What to do:" in details
        await move_to(pilot, app, "#net-table", "vm-neu-print01")
        assert "[guest-wireserver-unreachable]" in text(app, "#net-findings")
        await move_to(pilot, app, "#net-table", "vm-neu-mon01")
        assert "[guest-extensions-disabled]" in text(app, "#net-findings")
        await move_to(pilot, app, "#net-table", "vm-neu-app02")
        assert "Cannot be probed: the VM is deallocated" in text(app, "#net-findings")

        actions = [a for a in app.model.session.actions if a.what == "guest-probe"]
        assert {a.parameters["vm"] for a in actions} == ELIGIBLE
        assert all(a.result == "succeeded" for a in actions)

        # Re-reading the subscription (ctrl+r) cannot see inside the guests: the probe's findings stay.
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assessed = app.model.assessment()
        assert assessed is not None
        dns = next(a for a in assessed.vms if a.vm.name == "vm-neu-dns01")
        assert "guest-dhcp-disabled" in {f.rule for f in dns.findings} and dns.verdict == "blocked"
        dns = next(a for a in actions if a.parameters["vm"] == "vm-neu-dns01")
        assert "DHCP disabled" in dns.detail
        assert app.model.session.as_dict()["choices"]["guest_probe_consent"] is True


async def test_static_network_findings_in_westeurope(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "connectivity", vault="rsv-prod-weu", vms=["vm-weu-hana01", "vm-weu-erp01"])
        table = rows(app, "#net-table")
        assert table["vm-weu-hana01"][1] == "443 ✗" and table["vm-weu-hana01"][2] == "443 ✗"
        assert table["vm-weu-erp01"][1] == "443 ✓"
        assert table["vm-weu-erp01"][3] == "! yes"
        await move_to(pilot, app, "#net-table", "vm-weu-hana01")
        details = text(app, "#net-findings")
        assert "[net-outbound-restricted]" in details
        assert "outbound TCP 443: Internet denied, Storage denied" in details
        assert "Blocking rule: nsg-sap-weu/Deny-Internet-443-Out (priority 4000)" in details
        await move_to(pilot, app, "#net-table", "vm-weu-erp01")
        details = text(app, "#net-findings")
        assert "[net-forced-tunneling]" in details and "VirtualAppliance 10.10.0.4" in details


@pytest.mark.parametrize("read_only", [True])
async def test_probe_disabled_in_read_only_mode(demo, read_only):
    app = make_app(demo, read_only=read_only)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await to_step(pilot, app, "connectivity", vms=["vm-neu-dns01"])
        button = app.pane().query_one("#net-probe", Button)
        assert button.disabled
        assert "--read-only: the probe runs commands in VMs" in text(app, "#net-status")
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert run_commands(demo) == []
