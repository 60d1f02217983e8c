"""The shared widgets on their own: the VM table keeps its cursor on the same VM and describes it; the busy
bar follows a busy reactive; the footer is rebuilt only when its keys change."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Button, Input, Static
from textual.widgets._footer import FooterKey

from tui.widgets.badges import PLAIN, Looks
from tui.widgets.busy import Busy, BusyBar, reporter
from tui.widgets.footer import KeysFooter
from tui.widgets.vm_table import VmTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        details = Static(id="details")
        yield VmTable([("VM", "vm")], details=details, describe=lambda key: f"about {key}", id="table")
        yield details


def rows(*names: str) -> list[tuple[str, tuple[str]]]:
    return [(f"/vms/{n}", (n,)) for n in names]


async def test_the_cursor_stays_on_the_same_vm_and_the_details_follow_it() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(VmTable)
        details = app.query_one("#details", Static)
        table.show_rows(rows("a", "b", "c"))
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert table.highlighted_key == "/vms/b" and str(details.content) == "about /vms/b"
        table.show_rows(rows("c", "b", "a"))  # new order: still on b
        await pilot.pause()
        assert table.highlighted_key == "/vms/b" and table.cursor_row == 1
        table.show_rows(rows("x", "y", "z"))  # b gone: the same line
        await pilot.pause()
        assert table.highlighted_key == "/vms/y" and str(details.content) == "about /vms/y"
        table.show_rows([])
        assert table.highlighted_key is None and str(details.content) == "about None"


class BusyApp(App[None]):
    busy: reactive[Busy | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield BusyBar(id="bar").data_bind(BusyApp.busy)


async def test_the_busy_bar_shows_only_while_busy_and_follows_progress() -> None:
    app = BusyApp()
    async with app.run_test() as pilot:
        bar = app.query_one(BusyBar)
        assert not bar.display
        progress = reporter(lambda b: setattr(app, "busy", b), "Reading: {stage} ({done}/{total})", "scan")
        progress("VM agents", 3, 12)
        await pilot.pause()
        assert app.busy == Busy("Reading: VM agents (3/12)", 3, 12, "scan")
        assert bar.display and (bar.progress, bar.total) == (3, 12)
        app.busy = None
        await pilot.pause()
        assert not bar.display


async def test_badges_take_their_colours_from_the_theme() -> None:
    app = BusyApp()
    async with app.run_test() as pilot:
        dark = Looks.of(app)
        assert dark.good == app.theme_variables["text-success"]
        assert dark.bad == f"bold {app.theme_variables['text-error']}"
        app.theme = "textual-light"
        await pilot.pause()
        light = Looks.of(app)
        assert light.good == app.theme_variables["text-success"] and light.good != dark.good
        assert str(light.verdict("blocked")) == "✗ blocked" and light.verdict("blocked").style == light.bad
    assert Looks.of(object()) == PLAIN  # no theme yet: the terminal's own colours


def test_a_vault_whose_reads_failed_says_so_instead_of_counting_zero():
    """The vault details never show 0 protected VMs for a list that could not be read, and name each failed
    read (the scan goes on with it unreadable)."""
    from tests.rules.factories import make_vault
    from tui.model import Unreadable
    from tui.widgets.vault_text import vault_details

    failed = Unreadable("protected items of vault rsv-weu", "503 ServiceUnavailable", "req-9")
    text = vault_details(make_vault(redundancy_locked=False, protected_vms=0, items_unreadable=failed))
    assert "0 protected VMs" not in text and "protected VMs not counted" in text
    assert "Not read: protected items of vault rsv-weu: 503 ServiceUnavailable" in text
    counted = vault_details(make_vault(redundancy_locked=True, protected_vms=3))
    assert "locked (3 protected VMs)" in counted and "Not read" not in counted


class FooterApp(App[None]):
    """Two buttons with the same keys, and a field that brings a key of its own."""

    BINDINGS: ClassVar = [Binding("f2", "two", "Two"), Binding("f3", "three", "Three")]

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield KeyedInput(id="field")
        yield KeysFooter(width=80, palette_min_width=1000)  # no palette key

    def action_two(self) -> None:
        pass

    def action_three(self) -> None:
        pass


class KeyedInput(Input):
    BINDINGS: ClassVar = [Binding("f4", "four", "Four")]

    def action_four(self) -> None:
        pass


def footer_keys(app: App[None]) -> list[FooterKey]:
    return list(app.query_one(KeysFooter).query(FooterKey))


async def test_the_footer_keeps_its_keys_when_focus_moves_and_they_stay_the_same() -> None:
    """Textual's Footer rebuilt every key on each focus change (~20 ms a time, ten times while signing in);
    moving between two buttons shows the same keys, so the very same key widgets stay."""
    app = FooterApp()
    async with app.run_test() as pilot:
        app.query_one("#one", Button).focus()
        await pilot.pause()
        before = footer_keys(app)
        assert [k.description for k in before] == ["Two", "Three"]
        await pilot.press("tab")  # to the second button: the same keys
        await pilot.pause()
        assert app.focused is app.query_one("#two", Button)
        assert footer_keys(app) == before and all(k.is_attached for k in before)


async def test_the_footer_shows_a_key_that_comes_with_the_focus_and_drops_it_after() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        app.query_one("#two", Button).focus()
        await pilot.pause()
        await pilot.press("tab")  # into the field, which binds f4
        await pilot.pause()
        assert [k.description for k in footer_keys(app)] == ["Four", "Two", "Three"]
        await pilot.press("shift+tab")
        await pilot.pause()
        assert [k.description for k in footer_keys(app)] == ["Two", "Three"]


async def test_the_footer_shows_a_key_turning_disabled() -> None:
    """A key whose action is switched off (check_action) is drawn disabled: the same keys, another state."""

    class Switching(FooterApp):
        allowed = True

        def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
            return None if action in ("two", "three") and not self.allowed else True

    app = Switching()
    async with app.run_test() as pilot:
        app.query_one("#one", Button).focus()
        await pilot.pause()
        assert not any(k.has_class("-disabled") for k in footer_keys(app))
        app.allowed = False
        app.refresh_bindings()
        await pilot.pause()
        assert [k.has_class("-disabled") for k in footer_keys(app)] == [True, True]
