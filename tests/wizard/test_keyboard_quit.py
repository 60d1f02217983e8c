"""Issue 11 item 8: ctrl+q while a change is in flight asks first; every request that was sent is recorded
with its outcome (also the interrupted one), and the record survives quitting (the session is exported)."""

from __future__ import annotations

import json

from tests.wizard.drive import make_app, open_new_vault_form, settle, to_step, wait_until
from tui.widgets.dialogs import ConfirmDialog

NAME = "rsv-quit-neu"


async def start_create_vault(pilot, app, demo) -> None:
    """Create vault (in a new resource group) confirmed on a slow ARM: returns once the group is created and
    the vault's request is on its way."""
    await to_step(pilot, app, "vault")
    await open_new_vault_form(pilot, app, "northeurope")
    await pilot.press(*NAME)
    await settle(pilot, app)
    await pilot.press("tab", "tab", "tab", "down", "enter", "tab", "enter")  # LRS, then Create vault…
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the plan")
    demo.config.latency_ms = 700
    await pilot.press("tab", "enter")  # Create
    await wait_until(
        pilot,
        lambda: [a.what for a in app.model.session.actions] == ["create-resource-group"],
        "the resource group to be created (recorded as soon as it is)",
    )


async def test_ctrl_q_during_create_vault_asks_and_cancel_lets_it_finish(demo, tmp_path):
    app = make_app(demo, export_dir=str(tmp_path / "out"))
    async with app.run_test(size=(100, 32)) as pilot:
        await start_create_vault(pilot, app, demo)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert app.is_running
        question = app.screen.body
        assert "in flight" in question and NAME in question
        await pilot.press("escape")  # keep running
        demo.config.latency_ms = 0
        await settle(pilot, app)
        assert app.is_running
        done = [(a.what, a.result) for a in app.model.session.actions]
        assert done == [("create-resource-group", "succeeded"), ("create-vault", "succeeded")]
        assert app.model.session.vault is not None and app.model.session.vault.name == NAME


async def test_quitting_during_create_vault_records_what_was_sent(demo, tmp_path):
    out = tmp_path / "out"
    app = make_app(demo, export_dir=str(out))
    async with app.run_test(size=(100, 32)) as pilot:
        await start_create_vault(pilot, app, demo)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("tab", "enter")  # Quit anyway
        await wait_until(pilot, lambda: not app.is_running, "the app to quit", seconds=20)
    actions = [(a.what, a.result) for a in app.model.session.actions]
    assert actions == [("create-resource-group", "succeeded"), ("create-vault", "interrupted")]
    interrupted = app.model.session.actions[1]
    assert "Sent" in interrupted.detail and "check" in interrupted.detail.lower()
    # The record outlives the app: the session was written where the summary exports.
    report = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert [(a["what"], a["result"]) for a in report["session"]["actions"]] == actions
