"""Sign-in and subscription steps, driven with keys against the emulator."""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Static

from tests.conftest import read_request_log
from tests.wizard.drive import (
    highlight_subscription,
    make_app,
    open_register_dialog,
    settle,
    sign_in,
    subscription_rows,
)
from tui.emulator.policy import FaultInjector, parse_faults
from tui.widgets.dialogs import ErrorDialog

ANALYTICS = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f602"


async def test_sign_in_shows_the_identity_and_unlocks_next(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, app)
        shown = str(app.pane("signin").query_one("#signin-identity", Static).content)
        assert "Signed in" in shown and demo.info["tenant_id"] in shown
        assert app.query_one("#next", Button).disabled is False
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert app.current == "subscription"
        assert subscription_rows(app) == [
            "Contoso Analytics",
            "Contoso Finance",
            "Contoso Legacy (past due)",
            "Contoso Production",
        ]
        table = app.pane("subscription").query_one("#sub-table", DataTable)
        finance = table.get_row("6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f603")
        assert str(finance[2]) == "forbidden"


@pytest.mark.parametrize("name", ["Contoso Finance"])
async def test_unusable_subscriptions_cannot_be_chosen(demo, name):
    app = make_app(demo)
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await sign_in(pilot, app)
        await highlight_subscription(pilot, app, name)
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.model.session.subscription is None and app.current == "subscription"
        assert any("cannot be used" in n.message for n in app._notifications)
        assert app.query_one("#next", Button).disabled


async def test_a_past_due_subscription_can_be_chosen(demo):
    """PastDue: every operation still works (facts section 0); its warning shows in the findings."""
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, app)
        await highlight_subscription(pilot, app, "Contoso Legacy (past due)")
        await pilot.press("enter")
        await settle(pilot, app)
        assert (
            app.model.session.subscription is not None and app.model.session.subscription.state == "PastDue"
        )
        assert app.current == "vault"


async def test_unregistered_provider_is_registered_after_confirmation(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, registration_polls=1)
    app = make_app(emu)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_register_dialog(pilot, app)
        await pilot.press("enter")  # the focus starts on Cancel: nothing is registered
        await settle(pilot, app)
        assert (
            emu.estate.subscriptions[ANALYTICS].provider_state("Microsoft.RecoveryServices")
            == "NotRegistered"
        )
        assert not [r for r in read_request_log(emu) if r["path"].endswith("/register")]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("tab", "enter")  # Confirm
        await settle(pilot, app)
        assert (
            emu.estate.subscriptions[ANALYTICS].provider_state("Microsoft.RecoveryServices") == "Registered"
        )
        assert [a.what for a in app.model.session.actions] == ["register-provider"]
        assert app.model.session.actions[0].result == "succeeded"
        assert app.model.session.subscription is not None and app.model.session.subscription.id == ANALYTICS
        assert app.current == "vault"  # the scan ran and the wizard moved on


async def test_a_failing_call_shows_the_error_with_its_remedy_and_retry_recovers(demo):
    app = make_app(demo, client_options={"retry_total": 1, "retry_backoff_factor": 0.01})
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, app)
        demo.faults = FaultInjector(parse_faults("500:1.0"))
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.problem.remedy
        demo.faults = FaultInjector([])
        await pilot.press("enter")  # Retry has the focus
        await settle(pilot, app)
        assert not isinstance(app.screen, ErrorDialog)
        assert "Contoso Production" in subscription_rows(app)


async def test_filter_narrows_the_table(demo):
    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, app)
        app.pane("subscription").query_one("#sub-filter").focus()
        await pilot.press(*"prod")
        await pilot.pause()
        assert subscription_rows(app) == ["Contoso Production"]
        await pilot.press("enter")  # back to the table, Enter chooses
        await pilot.press("enter")
        await settle(pilot, app)
        assert (
            app.model.session.subscription is not None
            and app.model.session.subscription.name == "Contoso Production"
        )
