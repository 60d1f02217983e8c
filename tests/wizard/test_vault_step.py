"""Step 3, Vault: pick a region and a vault, or create one, with the keyboard against the demo emulator."""

from __future__ import annotations

from typing import Any

from textual.widgets import Button, Checkbox, Input, OptionList, RadioSet, Static

from tests.conftest import read_request_log
from tests.wizard.drive import (
    choose_vault,
    make_app,
    open_new_vault_form,
    settle,
    to_step,
    wait_until,
)
from tui.app import VmBackupPrepApp
from tui.session import az_script
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.redundancy import RedundancyPicker

SIZE = (100, 32)
PROD = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"


def text(app: VmBackupPrepApp, widget_id: str) -> str:
    return str(app.pane("vault").query_one(widget_id, Static).content)


def writes(emu: Any) -> list[str]:
    """Every request that is not a read (checkNameAvailability is a POST that changes nothing: listed apart)."""
    return [
        f"{r['method']} {r['path']}"
        for r in read_request_log(emu)
        if r["method"] != "GET" and not r["path"].lower().endswith("/checknameavailability")
    ]


def vault_id(group: str, name: str) -> str:
    return f"/subscriptions/{PROD}/resourceGroups/{group}/providers/Microsoft.RecoveryServices/vaults/{name}"


async def wait_for_dialog(pilot: Any, app: VmBackupPrepApp) -> ConfirmDialog:
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation dialog")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    return app.screen


async def test_create_lrs_vault_in_new_group_with_the_keyboard(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        assert app.current == "vault"
        assert app.pane("vault").blocked_reason() == "Choose or create a vault."
        await open_new_vault_form(pilot, app, "northeurope")
        await pilot.press(*"rsv-test-neu")
        await settle(pilot, app)
        assert text(app, "#vault-name-status").startswith("✓ 'rsv-test-neu' is free")
        assert "new resource group 'rg-backup-northeurope'" in text(app, "#vault-rg-status")
        await pilot.press("tab", "tab", "tab")  # group choice, new group name, redundancy
        assert isinstance(app.focused, RadioSet)
        await pilot.press("down", "enter")  # GRS -> LRS
        await pilot.pause()
        picker = app.pane("vault").query_one("#vault-new-redundancy", RedundancyPicker)
        assert picker.redundancy == "LocallyRedundant"
        assert picker.query_one(Checkbox).disabled  # Cross Region Restore needs GRS
        await pilot.press("tab")  # the disabled checkbox is skipped
        assert isinstance(app.focused, Button) and app.focused.id == "vault-create-button"
        await pilot.press("enter")
        dialog = await wait_for_dialog(pilot, app)
        assert f"Subscription {PROD}." in dialog.body
        assert "PUT …/resourceGroups/rg-backup-northeurope\n" in dialog.body
        assert (
            "PUT …/resourceGroups/rg-backup-northeurope/providers/Microsoft.RecoveryServices/vaults/"
            in dialog.body
        )
        assert "LocallyRedundant" in dialog.body and "cannot be changed later" in dialog.body
        assert writes(demo) == []  # nothing sent before the confirmation
        await pilot.press("tab", "enter")  # focus starts on Cancel
        await settle(pilot, app)

        doc = demo.estate.get(vault_id("rg-backup-northeurope", "rsv-test-neu"))
        assert doc is not None and doc["location"] == "northeurope"
        assert doc["properties"]["redundancySettings"]["standardTierStorageRedundancy"] == "LocallyRedundant"
        assert demo.estate.get(f"/subscriptions/{PROD}/resourceGroups/rg-backup-northeurope") is not None
        result = text(app, "#vault-result")
        assert result.startswith("Done.")
        assert "Now in Azure: rsv-test-neu · LRS · Cross Region Restore off" in result
        assert "request id" in result
        assert app.model.session.vault is not None and app.model.session.vault.name == "rsv-test-neu"
        assert app.model.session.vault.redundancy == "LocallyRedundant"
        assert [(a.what, a.result) for a in app.model.session.actions] == [
            ("create-resource-group", "succeeded"),
            ("create-vault", "succeeded"),
        ]
        assert all(a.request_ids for a in app.model.session.actions)
        create = app.model.session.actions[1].parameters
        assert create == {
            "resource_group": "rg-backup-northeurope",
            "name": "rsv-test-neu",
            "location": "northeurope",
            "redundancy": "LocallyRedundant",
            "cross_region_restore": False,
        }
        script = az_script(app.model.session)
        assert "az group create --name rg-backup-northeurope --location northeurope" in script
        assert "--name rsv-test-neu --location northeurope" in script
        assert app.model.inventory is not None and any(
            v.name == "rsv-test-neu" for v in app.model.inventory.vaults
        )
        vault_list = app.pane("vault").query_one("#vault-list", OptionList)
        assert "● rsv-test-neu · LRS · unlocked" in str(
            vault_list.get_option(app.model.session.vault.id).prompt
        )
        assert app.pane("vault").blocked_reason() is None
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert app.current == "vms"


async def test_invalid_names_show_why_and_send_nothing(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        await open_new_vault_form(pilot, app, "northeurope")
        name = app.pane("vault").query_one("#vault-name", Input)
        create = app.pane("vault").query_one("#vault-create-button", Button)
        for typed, message in [
            ("9", "'9' must start with a letter"),
            ("a", "'a' is 1 character — a vault name needs 2 to 50"),
            ("my_vault", "'my_vault' contains '_' — only letters, digits and hyphens are allowed"),
        ]:
            name.value = ""
            await pilot.press(*typed)
            await settle(pilot, app)
            assert text(app, "#vault-name-status") == f"✗ {message}"
            assert create.disabled
        await pilot.press("enter", "tab", "tab", "tab", "tab")  # the disabled button is never reached
        await settle(pilot, app)
        assert app.focused is not create and not isinstance(app.screen, ConfirmDialog)
        new_group = app.pane("vault").query_one("#vault-new-rg", Input)
        name.value = "rsv-ok"
        new_group.value = "rg bad."
        await settle(pilot, app)
        assert "contains a space" in text(app, "#vault-rg-status") and create.disabled
        assert [r for r in read_request_log(demo) if r["method"] != "GET"] == []
        assert app.model.session.actions == [] and app.model.session.vault is None


async def test_locked_vault_refuses_a_redundancy_change_and_sends_nothing(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        pane = app.pane("vault")
        regions = pane.query_one("#vault-regions", OptionList)
        regions.focus()
        await pilot.press("home", "enter")  # westeurope has the most VMs: first
        vault = next(v for v in app.model.inventory.vaults if v.name == "rsv-prod-weu")
        vaults = pane.query_one("#vault-list", OptionList)
        assert app.focused is vaults
        ids = [vaults.get_option_at_index(i).id for i in range(vaults.option_count)]
        await pilot.press(*["down"] * (ids.index(vault.id) - (vaults.highlighted or 0)))
        await settle(pilot, app)
        facts = text(app, "#vault-facts")
        assert "GeoRedundant (GRS)" in facts and "Cross Region Restore: on" in facts
        assert "Redundancy: locked (3 protected VMs)" in facts
        picker = pane.query_one("#vault-edit-redundancy", RedundancyPicker)
        assert picker.query_one(RadioSet).disabled and picker.query_one(Checkbox).disabled
        assert pane.query_one("#vault-change", Button).disabled
        assert "create a new vault in westeurope" in str(picker.query_one(".redundancy-note", Static).content)

        # even if the change were asked for, the plan refuses it with the reason and sends nothing
        picker.set_value("LocallyRedundant", False)
        await pilot.pause()
        pane.change_vault(vault)
        await settle(pilot, app)
        result = text(app, "#vault-result")
        assert result.startswith("✗ Not possible, nothing was sent:")
        assert "locked at GeoRedundant" in result and "re-create the vault" in result
        assert not isinstance(app.screen, ConfirmDialog)
        assert writes(demo) == [] and app.model.session.actions == []


async def test_choosing_an_unlocked_vault_sets_the_session_and_survives_back(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        await open_new_vault_form(pilot, app, "eastus")
        await pilot.press(*"rsv-draft")
        await settle(pilot, app)
        await choose_vault(pilot, app, "rsv-prod-neu")  # Enter on the vault uses it
        vault = app.model.session.vault
        assert vault is not None and vault.name == "rsv-prod-neu" and vault.location == "northeurope"
        assert app.model.session.region == "northeurope"
        assert app.pane("vault").blocked_reason() is None
        assert not app.query_one("#next", Button).disabled
        assert "This is the vault in use." in text(app, "#vault-facts")
        assert writes(demo) == [] and app.model.session.actions == []

        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert app.current == "vms"
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current == "vault"
        pane = app.pane("vault")
        assert pane.query_one("#vault-list", OptionList).highlighted_option.id == vault.id
        assert pane.query_one("#vault-name", Input).value == "rsv-draft"  # what was typed is still there


async def test_cancel_in_the_confirmation_sends_nothing(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        await open_new_vault_form(pilot, app, "northeurope")
        await pilot.press(*"rsv-cancelled")
        await settle(pilot, app)
        await pilot.press("tab", "tab", "tab", "tab", "space")  # GRS stays; tick Cross Region Restore
        await pilot.pause()
        picker = app.pane("vault").query_one("#vault-new-redundancy", RedundancyPicker)
        assert (picker.redundancy, picker.crr) == ("GeoRedundant", True)
        await pilot.press("tab", "enter")
        dialog = await wait_for_dialog(pilot, app)
        assert "Cross Region Restore on" in dialog.body
        assert "cannot be undone: Cross Region Restore cannot be turned off" in dialog.body
        await pilot.press("enter")  # the focus starts on Cancel
        await settle(pilot, app)
        assert not isinstance(app.screen, ConfirmDialog)
        assert text(app, "#vault-result") == "Cancelled: nothing was sent to Azure."
        assert writes(demo) == []
        assert demo.estate.get(vault_id("rg-backup-northeurope", "rsv-cancelled")) is None
        assert app.model.session.actions == [] and app.model.session.vault is None


async def test_change_redundancy_of_an_unlocked_vault(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        pane = app.pane("vault")
        regions = pane.query_one("#vault-regions", OptionList)
        regions.focus()
        await pilot.press("home", "down", "enter")  # northeurope; its only vault rsv-prod-neu is highlighted
        await settle(pilot, app)
        assert "Redundancy: can still be changed" in text(app, "#vault-facts")
        assert pane.query_one("#vault-change", Button).disabled  # nothing changed yet
        await pilot.press("tab")  # the vault list -> the redundancy choice
        assert isinstance(app.focused, RadioSet)
        await pilot.press("up", "enter")  # LRS -> GRS
        await pilot.pause()
        await pilot.press("tab", "tab", "tab", "enter")  # CRR checkbox, Use this vault, Change redundancy…
        dialog = await wait_for_dialog(pilot, app)
        assert "LocallyRedundant → GeoRedundant storage" in dialog.body
        assert "PATCH " in dialog.body and "/vaults/rsv-prod-neu" in dialog.body
        await pilot.press("tab", "enter")
        await settle(pilot, app)
        vault = next(v for v in app.model.inventory.vaults if v.name == "rsv-prod-neu")
        doc = demo.estate.get(vault.id)
        assert doc["properties"]["redundancySettings"]["standardTierStorageRedundancy"] == "GeoRedundant"
        assert vault.redundancy == "GeoRedundant"
        assert "Now in Azure: rsv-prod-neu · GRS · Cross Region Restore off" in text(app, "#vault-result")
        assert [(a.what, a.result) for a in app.model.session.actions] == [("set-redundancy", "succeeded")]
        assert app.model.session.actions[0].parameters["redundancy"] == "GeoRedundant"
        assert app.model.session.vault is not None and app.model.session.vault.id == vault.id
        assert "--backup-storage-redundancy GeoRedundant" in az_script(app.model.session)
