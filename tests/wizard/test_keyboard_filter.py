"""Issue 11 item 3 (and item 11's escape in a filter): typing on a filtered table goes to its filter, `/`
focuses the filter, escape leaves the filter without leaving the step."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tests.wizard.drive import make_app, settle, sign_in, to_step


def names(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[0]).strip(" ●") for i in range(table.row_count)]


async def test_typing_on_the_subscription_list_filters_it(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, app)
        pane = app.pane("subscription")
        table = pane.query_one("#sub-table", DataTable)
        box = pane.query_one("#sub-filter", Input)
        assert app.focused is table  # focus starts on the list
        await pilot.press(*"fin")
        await pilot.pause()
        assert box.value == "fin" and app.focused is box
        assert names(table) == ["Contoso Finance"]
        # Escape leaves the field (the wizard does not go back to sign-in), and the filter stays.
        await pilot.press("escape")
        await pilot.pause()
        assert app.current == "subscription" and app.focused is table
        assert names(table) == ["Contoso Finance"]
        # `/` goes back to the filter; clearing it shows every subscription again.
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is box
        await pilot.press("backspace", "backspace", "backspace", "enter")
        await pilot.pause()
        assert app.focused is table and len(names(table)) == 4
        # Type, Enter back to the list, Enter chooses: printable keys only go to the filter.
        await pilot.press(*"prod", "enter")
        await pilot.pause()
        assert names(table) == ["Contoso Production"]
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.model.session.subscription is not None
        assert app.model.session.subscription.name == "Contoso Production"


async def test_typing_on_the_vm_list_filters_it_and_bound_keys_keep_their_meaning(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vms")
        pane = app.pane("vms")
        table = pane.query_one("#vms-table", DataTable)
        box = pane.query_one("#vms-filter", Input)
        table.focus()
        await pilot.press(*"web")
        await pilot.pause()
        assert box.value == "web" and app.focused is box
        assert table.row_count >= 1
        assert all("web" in str(table.get_row_at(i)[1]) for i in range(table.row_count))
        await pilot.press("escape")
        await pilot.pause()
        assert app.current == "vms" and app.focused is table
        await pilot.press("space")  # space still toggles: it is the table's own key
        await pilot.pause()
        assert app.model.inventory is not None
        chosen = [vm.name for vm in app.model.inventory.vms if vm.id in app.model.session.selected_vm_ids]
        assert len(chosen) == 1 and "web" in chosen[0]
