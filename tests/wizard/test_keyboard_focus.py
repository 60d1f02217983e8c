"""Issue 11 item 11: escape in a text field leaves the field first (never Back mid-edit); Enter on an invalid
vault name says why and keeps the focus; after a dialog, the focus is back where it was."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tests.wizard.drive import (
    make_app,
    open_new_vault_form,
    open_register_dialog,
    record_notes,
    settle,
    to_step,
)


async def test_escape_in_the_vault_name_leaves_the_field_then_goes_back(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vault")
        await open_new_vault_form(pilot, app, "northeurope")
        name = app.pane("vault").query_one("#vault-name", Input)
        await pilot.press(*"rsv-half")
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current == "vault" and name.value == "rsv-half"
        assert app.focused is not name and app.focused is not None
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current == "subscription"


async def test_enter_on_an_invalid_vault_name_says_why_and_keeps_the_focus(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vault")
        await open_new_vault_form(pilot, app, "northeurope")
        said = record_notes(app)
        name = app.pane("vault").query_one("#vault-name", Input)
        await pilot.press(*"9-bad", "enter")
        await pilot.pause()
        assert app.focused is name
        assert any("letter" in n for n in said), said
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace", "enter")
        await pilot.pause()
        assert app.focused is name and any("name" in n.lower() for n in said[1:]), said


async def test_focus_returns_to_the_list_after_the_register_dialog(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_register_dialog(pilot, app)
        table = app.pane("subscription").query_one("#sub-table", DataTable)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.focused is table and app.current == "subscription"
