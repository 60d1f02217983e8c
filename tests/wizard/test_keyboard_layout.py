"""Issue 11 item 10: every step usable at 80x24 with nothing essential cut; no layout jump on Tab; toasts
never over Next."""

from __future__ import annotations

from textual.widgets import DataTable, RadioSet
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from tests.wizard.drive import ORDER, go, make_app, open_new_vault_form, settle, sign_in, to_step
from tui.widgets.redundancy import RedundancyPicker


def footer_keys(app) -> dict[str, object]:
    """The keys the footer shows in full on screen: inside the width, and not under the command palette's
    key, which is docked at the right over whatever key reaches there."""
    width = app.size.width
    keys = [k for k in app.screen.query(FooterKey) if k.region.width > 0 and k.region.right <= width]
    palette = [k.region for k in keys if k.key == "ctrl+p"]
    return {
        k.key: k.region for k in keys if k.key == "ctrl+p" or not any(k.region.overlaps(p) for p in palette)
    }


async def test_at_80x24_the_vms_step_shows_every_column_and_the_footer_keeps_next_and_help(demo):
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "vms")
        table = app.pane("vms").query_one("#vms-table", DataTable)
        table.focus()
        await pilot.pause()
        assert table.virtual_size.width <= table.scrollable_content_region.width, "columns cut off"
        shown = footer_keys(app)
        for key in ("ctrl+n", "f1", "ctrl+e", "space"):
            assert key in shown, (key, sorted(shown))


async def test_tab_onto_the_redundancy_choice_does_not_move_the_layout(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vault")
        await open_new_vault_form(pilot, app, "northeurope")
        picker = app.pane("vault").query_one(RedundancyPicker)
        radios = picker.query_one(RadioSet)
        before = (picker.region, radios.region)
        radios.focus()
        await pilot.pause()
        assert app.focused is radios
        assert (picker.region, radios.region) == before


async def test_a_toast_never_covers_next(demo):
    app = make_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await to_step(pilot, app, "vault")
        app.notify(
            "A line long enough to wrap onto a second and a third line of the toast on a narrow screen."
        )
        await settle(pilot, app)
        await pilot.pause(0.3)
        nxt = app.query_one("#next").region
        toasts = [t.region for t in app.screen.query(Toast)]
        assert toasts
        assert not any(t.overlaps(nxt) for t in toasts), (toasts, nxt)


async def test_subscription_ids_cut_in_the_middle_so_each_stays_distinct(demo):
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, app)
        table = app.pane("subscription").query_one("#sub-table", DataTable)
        assert table.virtual_size.width <= table.size.width
        ids = [str(table.get_row_at(i)[5]) for i in range(table.row_count)]
        assert len(set(ids)) == len(ids) == 4, ids
        assert all(i.startswith("6c1f") and i.endswith(("601", "602", "603", "604")) for i in ids), ids
        names = [str(table.get_row_at(i)[0]).strip(" ●") for i in range(table.row_count)]
        assert all(not n.endswith("…") or len(n) > 8 for n in names)


def test_column_widths_give_way_widest_first_and_cuts_show_an_ellipsis():
    from rich.text import Text

    from tui.widgets.fitting import column_widths, cut

    assert column_widths([10, 40, 6], [8, 8, 6], 40) == [10, 24, 6]
    assert column_widths([10, 40, 6], [8, 8, 6], 10) == [8, 8, 6]  # floors: the table scrolls
    assert column_widths([3, 4], [3, 4], 50) == [3, 4]
    assert column_widths([20, 30, 36], [8, 8, 8], 60) == [20, 20, 20]  # the widest first
    assert column_widths([20, 30, 36], [8, 8, 8], 60, give_way=[0]) == [8, 26, 26]
    # the kept column (a name) gives way only when the others are at their floor
    assert column_widths([30, 20, 20], [8, 6, 6], 50, keep=[0]) == [30, 10, 10]
    assert column_widths([30, 20, 20], [8, 6, 6], 30, keep=[0]) == [18, 6, 6]
    assert cut(Text("resource-group-name"), 10).plain == "resource-…"
    assert cut(Text("6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"), 13, middle=True).plain == "6c1f2a…e5f601"
    assert cut(Text("short"), 10).plain == "short"


async def test_at_80x24_every_step_keeps_next_and_help_in_the_footer(demo):
    """The footer is the only place the keys are said: a step's own keys must leave room for Next and Help
    at 80 columns (a step with many keys hides its less used ones from the footer; f1 lists them all)."""
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "agent", vms=["vm-neu-web01"])
        for step in ORDER:
            await go(pilot, app, step)
            await settle(pilot, app)
            shown = footer_keys(app)
            assert {"ctrl+n", "f1"} <= set(shown), (step, sorted(shown))


async def test_the_breakpoint_class_is_the_terminals_from_the_start_and_follows_a_resize(demo):
    """The App sets the screen's breakpoint class before the first styling (a faster first paint); the class
    still follows the terminal when it is resized, one class at a time."""
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.get_default_screen().has_class("-narrow")  # the screen as made, before any resize event
        assert app.screen.has_class("-narrow") and not app.screen.has_class("-wide")
        await pilot.resize_terminal(130, 36)
        await pilot.pause()
        assert app.screen.has_class("-wide") and not app.screen.has_class("-narrow")
        await pilot.resize_terminal(110, 36)
        await pilot.pause()
        assert app.screen.has_class("-medium") and not app.screen.has_class("-wide")


async def test_the_palette_key_leaves_the_footer_below_100_columns_and_comes_back(demo):
    """Docked at the right, ^p palette covered the last keys at 80 columns (f1 Help among them): it is shown
    from 100 columns, and the help lists it at any width."""
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await sign_in(pilot, app)
        assert {"ctrl+p", "f1", "ctrl+n"} <= set(footer_keys(app))
        await pilot.resize_terminal(80, 24)
        await settle(pilot, app)
        shown = footer_keys(app)
        assert "ctrl+p" not in shown and {"f1", "ctrl+n"} <= set(shown), sorted(shown)
        await pilot.resize_terminal(110, 30)
        await settle(pilot, app)
        assert "ctrl+p" in footer_keys(app)
        assert any(key == "^p" for key, _ in app.HELP_KEYS)
