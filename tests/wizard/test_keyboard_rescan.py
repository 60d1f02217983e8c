"""Issue 11 items 7 and 9 (the wizard's side): ctrl+r says what it does and what it found on every step, and
escape cancels a long re-scan without quitting or going back."""

from __future__ import annotations

from textual.widgets import Static

from tests.wizard.drive import cancel_a_slow_rescan, make_app, record_notes, settle, to_step, wait_until


def nav_status(app) -> str:
    return str(app.query_one("#nav-status", Static).content)


async def test_ctrl_r_on_the_vms_step_shows_progress_then_what_it_read(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vms")
        said = record_notes(app)
        demo.config.latency_ms = 150  # a slow ARM: the progress can be seen
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.busy is not None, "the re-scan to start")
        assert "Reading" in nav_status(app)  # on the step the user is on, not a hidden pane
        demo.config.latency_ms = 0
        await settle(pilot, app)
        assert app.busy is None and "Reading" not in nav_status(app)
        assert any("Contoso Production" in n and "VMs" in n for n in said), said


async def test_escape_cancels_a_long_scan_and_stays_on_the_step(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vms")
        inventory = app.model.inventory
        said = record_notes(app)
        await cancel_a_slow_rescan(pilot, app, demo)
        assert app.current == "vms" and app.is_running  # not Back, not quit
        assert app.model.inventory is inventory  # what was read before is kept
        assert any("Cancelled" in n for n in said), said
        assert "Reading" not in nav_status(app)
        # Escape with nothing running is Back again.
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current == "vault"
