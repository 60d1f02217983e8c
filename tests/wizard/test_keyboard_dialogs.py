"""Issue 11 item 2: a confirmation dialog's whole plan is readable with the keyboard, and it says when there
is more below."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from tests.wizard.drive import make_app, open_new_vault_form, settle, to_step, wait_until
from tui.widgets.dialogs import ConfirmDialog


async def open_create_plan(pilot, app) -> ConfirmDialog:
    await to_step(pilot, app, "vault")
    await open_new_vault_form(pilot, app, "northeurope")
    await pilot.press(*"rsv-keys-neu")
    await settle(pilot, app)
    await pilot.press("tab", "tab", "tab", "down", "enter", "tab", "enter")  # LRS, then Create vault…
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation dialog")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    return app.screen


def more_below(dialog: ConfirmDialog) -> bool:
    more = dialog.query_one("#dialog-more", Static)
    return more.display and "more below" in str(more.content)


async def test_create_vault_plan_scrolls_with_the_keyboard_to_its_last_line(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_create_plan(pilot, app)
        body = dialog.query_one(".dialog-body", VerticalScroll)
        assert "Permanent or locked afterwards" in dialog.body
        if body.max_scroll_y == 0:  # it all fits at this size: nothing to scroll, nothing said
            assert not more_below(dialog)
            return
        assert more_below(dialog), "the dialog does not say that the plan goes on"
        # The focus stays on Cancel (the safe choice), yet the arrows and PgDn scroll the plan.
        assert app.focused is dialog.query_one("#cancel")
        await pilot.press("down")
        await pilot.pause()
        assert body.scroll_y == 1
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        assert not more_below(dialog), "still says 'more below' at the end"
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0 and more_below(dialog)
        # The body itself takes the focus with Tab, and PgDn scrolls it page by page.
        focus_chain = dialog.focus_chain
        assert body in focus_chain
        body.focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 1
        # Nothing was confirmed by reading.
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.model.session.vault is None


async def test_every_line_of_the_plan_can_be_reached_at_80x24(demo):
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_create_plan(pilot, app)
        body = dialog.query_one(".dialog-body", VerticalScroll)
        assert body.max_scroll_y > 0 and more_below(dialog)
        seen: list[str] = []
        for _ in range(body.max_scroll_y + 1):
            seen.append(str(body.scroll_y))
            await pilot.press("down")
            await pilot.pause()
        assert body.scroll_y == body.max_scroll_y and not more_below(dialog)
        # The buttons stay on screen however long the plan.
        cancel = dialog.query_one("#cancel")
        assert cancel.region.bottom <= 24 and cancel.region.height > 0
