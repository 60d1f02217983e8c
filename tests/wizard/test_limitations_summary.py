"""Limitations and Summary steps on the demo estate, through the emulator, driven with real keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Link, Static, TabbedContent, Tree

from tests.conftest import MakeEmulator
from tests.wizard.drive import go, make_app, settle, to_step
from tui.model import VaultFacts

WEU = ["vm-weu-legacy01", "vm-weu-clus01", "vm-weu-app01"]


def text_of(widget: Static) -> str:
    return str(widget.render())


def tree_labels(tree: Tree[Any]) -> list[str]:
    out: list[str] = []

    def walk(node: Any, depth: int) -> None:
        for child in node.children:
            out.append("  " * depth + str(child.label))
            walk(child, depth + 1)

    walk(tree.root, 0)
    return out


async def down_to(pilot: Any, tree: Tree[Any], label: str) -> None:
    """Press Down (the keyboard only) until the tree's cursor is on ``label``."""
    for _ in range(tree.last_line + 1):
        if tree.cursor_node is not None and str(tree.cursor_node.label) == label:
            break
        await pilot.press("down")
    await pilot.pause()
    assert tree.cursor_node is not None and str(tree.cursor_node.label) == label


async def test_findings_grouped_with_remedy_and_source(
    make_emulator: MakeEmulator, demo_estate_doc: dict
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_step(pilot, app, "limitations", vault="rsv-prod-weu", vms=WEU)
        pane = app.pane("limitations")
        tree = pane.query_one("#lim-tree", Tree)
        labels = tree_labels(tree)
        blockers = labels.index(next(x for x in labels if x.startswith("✖ Blockers")))
        warnings = labels.index(next(x for x in labels if x.startswith("▲ Warnings")))
        notes = labels.index(next(x for x in labels if x.startswith("ℹ Notes")))
        assert blockers < warnings < notes
        assert labels[blockers] == "✖ Blockers (2)"
        # The subscription's uniform scale set comes first: it is a subscription finding (its instances are
        # never in the VM list), then the selected VM's own blocker.
        assert labels[blockers + 1].strip() == "Contoso Production (subscription)"
        assert labels[blockers + 2].strip() == "Uniform scale sets cannot be backed up"
        assert labels[blockers + 3].strip() == "vm-weu-legacy01"
        assert labels[blockers + 4].strip() == "Operating system not supported"
        assert labels[warnings + 1].strip() == "vm-weu-clus01"
        assert "Shared disk attached" in [x.strip() for x in labels[warnings:notes]]
        assert "rsv-prod-weu (vault)" in [x.strip() for x in labels[notes:]]
        ready = labels.index(next(x for x in labels if x.startswith("✓ Ready VMs")))
        assert labels[ready] == "✓ Ready VMs (1)" and labels[ready + 1].strip() == "vm-weu-app01"

        # the first blocker is shown with its detail, remedy and source
        detail = text_of(pane.query_one("#lim-detail-body", Static))
        assert "vmss-weu-front" in detail and "2 instances" in detail
        heading = text_of(pane.query_one("#lim-heading", Static))
        assert heading.startswith("3 VMs against vault rsv-prod-weu: 2 blockers, 1 warning")

        # down to the OS blocker (keyboard only): its detail, remedy and source
        assert app.focused is tree
        await down_to(pilot, tree, "Operating system not supported")
        detail = text_of(pane.query_one("#lim-detail-body", Static))
        assert "32-bit operating systems are not supported" in detail
        assert "What to do: Migrate the workload" in detail
        link = pane.query_one("#lim-source", Link)
        assert link.url == "https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas"
        assert link.display and link.text == link.url

        # moving the cursor down to the shared-disk warning shows it (keyboard only)
        assert app.focused is tree
        assert (
            tree.cursor_node is not None and str(tree.cursor_node.label) == "Operating system not supported"
        )
        await down_to(pilot, tree, "Shared disk attached")
        assert "Shared disks are not backed up" in text_of(pane.query_one("#lim-detail-body", Static))
        assert pane.query_one("#lim-source", Link).url.endswith("backup-azure-vms-enhanced-policy")
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.press("c")
        assert copied == ["https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy"]

        # the 2015 tab, by keyboard
        tabs = pane.query_one("#lim-tabs", TabbedContent)
        assert str(tabs.get_tab("lim-seed").label) == "2015 limitations (12)"
        assert str(tabs.get_tab("lim-findings").label).startswith("Findings (")
        await pilot.press("l")
        await pilot.pause()
        assert tabs.active == "lim-seed"
        table = pane.query_one("#lim-seed-table", DataTable)
        assert app.focused is table
        rows = {str(table.get_row_at(i)[2]): table.get_row_at(i) for i in range(table.row_count)}
        arm = next(
            r for k, r in rows.items() if k.startswith("Backup of virtual machines created with Azure")
        )
        assert str(arm[0]) == "✓ retired" and arm[1] == "3"
        os_row = next(r for k, r in rows.items() if k.startswith("Only Azure-endorsed Linux"))
        assert str(os_row[0]) == "~ changed" and os_row[1] == "1"  # facts section 0: 2008 to 2012 R2 limited
        premium = next(r for k, r in rows.items() if k.startswith("Backup of virtual machines using Premium"))
        assert premium[1] == "2"
        seed_heading = text_of(pane.query_one("#lim-seed-heading", Static))
        assert "12 limitations from 2015: 7 retired, 5 changed, 0 still apply" in seed_heading
        assert "Today:" in text_of(pane.query_one("#lim-seed-detail", Static))
        await pilot.press("f")
        await pilot.pause()
        assert tabs.active == "lim-findings" and app.focused is tree


async def test_summary_counts_and_export(
    make_emulator: MakeEmulator, demo_estate_doc: dict, tmp_path: Path
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu, export_dir=str(tmp_path / "out"))
    async with app.run_test(size=(120, 36)) as pilot:
        await to_step(pilot, app, "limitations", vault="rsv-prod-weu", vms=WEU)
        # an action as the vault step records it, so the az script has something to replay
        vault = app.model.session.vault
        assert isinstance(vault, VaultFacts)
        app.model.session.record(
            "create-vault",
            "/subscriptions/6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601/resourceGroups/rg-new/providers/"
            "Microsoft.RecoveryServices/vaults/rsv-new-weu",
            "succeeded",
            request_ids=["req-1"],
            location="westeurope",
            redundancy="LocallyRedundant",
            cross_region_restore=False,
        )
        await go(pilot, app, "summary")
        pane = app.pane("summary")
        scope = text_of(pane.query_one("#sum-scope", Static))
        assert "the 3 selected VMs" in scope
        assert "1 ready, 1 with warnings, 1 blocked, 0 unknown" in scope
        chart = text_of(pane.query_one("#sum-chart", Static)).splitlines()
        assert [line.split()[0] for line in chart] == ["ready", "warning", "blocked", "unknown"]
        assert [line.split()[-1] for line in chart] == ["1", "1", "1", "0"]
        assert "█" in chart[0]
        choices = text_of(pane.query_one("#sum-choices", Static))
        assert "Contoso Production" in choices and "rsv-prod-weu" in choices and "3 selected" in choices
        actions = text_of(pane.query_one("#sum-actions", Static))
        assert "create-vault rsv-new-weu" in actions and "succeeded" in actions
        assert pane.query_one("#sum-dir", Input).value == str(tmp_path / "out")

        await pilot.press("ctrl+e")
        await settle(pilot, app)
        files = sorted((tmp_path / "out").iterdir())
        assert [f.suffix for f in files] == [".json", ".md", ".sh"]
        shown = text_of(pane.query_one("#sum-result", Static))
        for f in files:
            assert str(f) in shown
        report = json.loads(files[0].read_text())
        assert report["schema"] == "vmbackup-prep/report/v1"
        assert report["summary"] == {"vms": 3, "ready": 1, "warning": 1, "blocked": 1, "unknown": 0}
        choices_json = report["session"]["choices"]
        assert choices_json["subscription"]["name"] == "Contoso Production"
        assert choices_json["vault"]["name"] == "rsv-prod-weu" and choices_json["region"] == "westeurope"
        assert len(choices_json["vms"]) == 3
        assert report["session"]["actions"][0]["request_ids"] == ["req-1"]
        assert report["session"]["exported_at"] == report["generated_at"]
        script = files[2].read_text()
        assert "az account set --subscription 6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601" in script
        assert (
            "az backup vault create --resource-group rg-new --name rsv-new-weu --location westeurope"
            in script
        )
        assert (
            "az backup vault backup-properties set --resource-group rg-new --name rsv-new-weu "
            "--backup-storage-redundancy LocallyRedundant --cross-region-restore-flag False" in script
        )
        assert files[2].stat().st_mode & 0o111
        assert "## Changes made in Azure" in files[1].read_text()


async def test_export_to_unwritable_path_shows_error(
    make_emulator: MakeEmulator, demo_estate_doc: dict, tmp_path: Path
) -> None:
    emu = await make_emulator(demo_estate_doc)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the directory should be\n")
    app = make_app(emu, export_dir=str(blocker / "exports"))
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "summary", vault=None)
        pane = app.pane("summary")
        # no VM selected and no vault: the whole subscription, and the screen says so
        assert "no VM selected, so all" in text_of(pane.query_one("#sum-scope", Static))
        assert "Nothing in Azure was changed." in text_of(pane.query_one("#sum-actions", Static))
        field = pane.query_one("#sum-dir", Input)
        field.focus()
        await pilot.press("enter")
        await settle(pilot, app)
        shown = text_of(pane.query_one("#sum-result", Static))
        assert "Export failed" in shown and "Nothing was lost" in shown
        assert field.value == str(blocker / "exports") and app.focused is field
        assert app.model.session.exports == []
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("requests-")) == [
            "not-a-dir"
        ]

        # a good directory afterwards works, with nothing left over from the failure
        field.value = str(tmp_path / "good")
        await pilot.click("#sum-export")
        await settle(pilot, app)
        written = sorted(p.name for p in (tmp_path / "good").iterdir())
        assert len(written) == 3 and not any(n.endswith(".tmp") for n in written)
        assert "✓ Exported" in text_of(pane.query_one("#sum-result", Static))


async def test_summary_region_scope_when_vault_chosen(
    make_emulator: MakeEmulator, demo_estate_doc: dict
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "vms", vault="rsv-prod-neu")
        await pilot.pause()
        app.go("summary")
        await settle(pilot, app)
        pane = app.pane("summary")
        n = sum(1 for vm in app.model.inventory.vms if vm.location == "northeurope")  # type: ignore[union-attr]
        assert f"no VM selected, so all {n} VMs in northeurope" in text_of(
            pane.query_one("#sum-scope", Static)
        )
        # 80 columns: the app's one breakpoint system puts the choices under the verdicts
        assert app.screen.has_class("-narrow")
        verdicts, choices = pane.query_one("#sum-verdicts"), pane.query_one("#sum-choice-box")
        assert choices.region.y > verdicts.region.y and choices.region.x == verdicts.region.x
