"""The whole wizard in one run, with key presses only: the healthy subscription, a new LRS vault, VMs, the
in-guest probe, export. Then the exported files and the emulator's state are checked."""

from __future__ import annotations

import json
import os

from tests.conftest import read_request_log
from tests.wizard.drive import create_lrs_vault, go, make_app, select_vms, settle, to_step
from tests.wizard.test_vms_agent_connectivity import open_probe_dialog, run_commands

PROD = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"
VAULT_ID = f"/subscriptions/{PROD}/resourceGroups/rg-backup-northeurope/providers/Microsoft.RecoveryServices/vaults/rsv-flow-neu"
VMS = ["vm-neu-web01", "vm-neu-dns01", "vm-neu-app02"]


async def test_subscription_new_lrs_vault_vms_probe_export(demo, tmp_path):
    app = make_app(demo, export_dir=str(tmp_path / "exports"))
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vault")  # signed in, Enter on Contoso Production, scanned
        await create_lrs_vault(pilot, app, "northeurope", "rsv-flow-neu")
        assert app.model.session.vault is not None and app.model.session.vault.id.lower() == VAULT_ID.lower()
        await pilot.press("ctrl+n")
        await settle(pilot, app)

        await select_vms(pilot, app, VMS)
        await go(pilot, app, "connectivity")
        await open_probe_dialog(pilot, app)
        await pilot.press("tab", "enter")  # Run probe
        await settle(pilot, app)
        assert sorted(run_commands(demo)) == ["vm-neu-dns01", "vm-neu-web01"]  # app02 is deallocated

        await pilot.press("ctrl+e")  # export from anywhere: jumps to the summary, which says where
        await settle(pilot, app)
        assert app.current == "summary"
        await pilot.press("ctrl+e")  # and writes there
        await settle(pilot, app)

    # The emulator holds the vault, with the redundancy chosen in the same create request.
    vault = demo.estate.get(VAULT_ID)
    assert vault["properties"]["redundancySettings"]["standardTierStorageRedundancy"] == "LocallyRedundant"
    puts = [r["path"] for r in read_request_log(demo) if r["method"] == "PUT"]
    assert len(puts) == 2 and puts[1].lower() == VAULT_ID.lower()  # the resource group, then the vault

    files = sorted(os.listdir(tmp_path / "exports"))
    assert [f.rsplit(".", 1)[1] for f in files] == ["json", "md", "sh"]
    report = json.loads((tmp_path / "exports" / files[0]).read_text())
    assert report["schema"] == "vmbackup-prep/report/v1"
    choices = report["session"]["choices"]
    assert choices["vault"]["name"] == "rsv-flow-neu" and choices["vault"]["redundancy"] == "LocallyRedundant"
    assert choices["guest_probe_consent"] is True and len(choices["vms"]) == 3
    verdicts = {v["name"]: v["verdict"] for v in report["vms"]}
    assert verdicts == {"vm-neu-web01": "ready", "vm-neu-dns01": "blocked", "vm-neu-app02": "warning"}
    dns = next(v for v in report["vms"] if v["name"] == "vm-neu-dns01")
    assert [f["rule"] for f in dns["findings"]] == ["guest-dhcp-disabled"]
    done = [(a["what"], a["result"]) for a in report["session"]["actions"]]
    assert ("create-vault", "succeeded") in done and done.count(("guest-probe", "succeeded")) == 2
    assert all(a["request_ids"] for a in report["session"]["actions"] if a["what"] == "create-vault")
    script = (tmp_path / "exports" / files[2]).read_text()
    assert "az backup vault create --resource-group rg-backup-northeurope --name rsv-flow-neu" in script
    assert "--backup-storage-redundancy LocallyRedundant" in script
    markdown = (tmp_path / "exports" / files[1]).read_text()
    assert "## Changes made in Azure" in markdown and "rsv-flow-neu" in markdown
