"""Every view of a fact follows the fact: nothing stale after a subscription switch, a vault change, a
protection or a re-scan (issue 10). Driven with keys against the demo emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.widget import Widget
from textual.widgets import OptionList, Static

from tests.wizard.drive import (
    choose_subscription,
    confirm,
    create_lrs_vault,
    go,
    make_app,
    protect,
    select_vms,
    settle,
    to_step,
)

SIZE = (100, 32)


def visible_text(pane: Widget) -> str:
    """What the user can read on a step: every shown Static and option list, top to bottom."""

    def shown(widget: Widget) -> bool:
        return all(node.display for node in [widget, *widget.ancestors] if node is not pane.parent)

    parts: list[str] = []
    for widget in pane.query("*"):
        if not shown(widget):
            continue
        if isinstance(widget, Static):
            parts.append(str(widget.render()))
        elif isinstance(widget, OptionList):
            parts += [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]
    return "\n".join(parts)


async def test_after_switching_subscription_the_vault_step_forgets_the_last_ones_result(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        await create_lrs_vault(pilot, app, "northeurope", "rsv-stale-neu")
        assert "Done. Create vault rsv-stale-neu" in visible_text(app.pane("vault"))

        await choose_subscription(pilot, app, "Contoso Legacy (past due)")  # Enter scans, then the vault step
        assert app.current == "vault"
        shown = visible_text(app.pane("vault"))
        assert "eastus" in shown  # the new subscription's region is on screen
        assert "rsv-stale-neu" not in shown and "Done." not in shown


async def test_after_protecting_the_vault_step_shows_the_redundancy_locked_only(demo):
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await to_step(pilot, app, "vault")
        pane = app.pane("vault")
        pane.query_one("#vault-regions", OptionList).focus()
        await pilot.press("home", "down", "enter")  # northeurope; its only vault rsv-prod-neu is highlighted
        await settle(pilot, app)
        await pilot.press("tab", "up", "enter")  # the redundancy choice: LRS -> GRS
        await pilot.pause()
        await pilot.press("tab", "tab", "tab", "enter")  # CRR checkbox, Use this vault, Change redundancy…
        await confirm(pilot, app)
        assert "redundancy can still be changed" in visible_text(pane)
        await pilot.press("shift+tab", "enter")  # Use this vault
        await settle(pilot, app)
        assert app.model.session.vault is not None and app.model.session.vault.name == "rsv-prod-neu"

        await select_vms(pilot, app, ["vm-neu-app01"])
        await go(pilot, app, "protect")
        await protect(pilot, app)
        assert app.model.session.vault is not None and app.model.session.vault.redundancy_locked

        await go(pilot, app, "vault")
        shown = visible_text(pane)
        assert "Redundancy: locked (1 protected VM)" in shown
        assert "can still be changed" not in shown


async def test_after_protecting_with_the_enhanced_policy_the_export_no_longer_asks_for_it(
    make_emulator: Any, demo_estate_doc: dict, tmp_path: Path
) -> None:
    emu = await make_emulator(demo_estate_doc)
    app = make_app(emu, export_dir=str(tmp_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await to_step(pilot, app, "protect", vault="rsv-apps-weu", vms=["vm-weu-pg01"])
        before = app.model.assessment()
        assert before is not None
        assert "vm-requires-enhanced-policy" in {f.rule for f in before.vms[0].findings}
        await protect(pilot, app)  # EnhancedPolicy is preselected: pg01 has a Premium SSD v2 disk
        await pilot.press("ctrl+e", "ctrl+e")  # to the summary (which says where), then write
        await settle(pilot, app)

    report_path = next(tmp_path.glob("*.json"))
    report = json.loads(report_path.read_text(encoding="utf-8"))
    pg01 = next(v for v in report["vms"] if v["name"] == "vm-weu-pg01")
    assert pg01["protection"]["status"] == "Protected"
    assert "vm-requires-enhanced-policy" not in [f["rule"] for f in pg01["findings"]]
    markdown = report_path.with_suffix(".md").read_text(encoding="utf-8")
    assert "Needs the Enhanced backup policy" not in markdown
