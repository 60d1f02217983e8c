"""Issue 11 item 1: the exported az script runs every command in the subscription it was made in, and the
register dialog's "Equivalent:" names the subscription."""

from __future__ import annotations

from tests.wizard.drive import (
    choose_subscription,
    create_lrs_vault,
    make_app,
    open_register_dialog,
    settle,
)
from tests.wizard.test_signin_subscription import ANALYTICS
from tui.session import az_script

PROD = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"


def subscription_of_each_command(script: str) -> list[tuple[str, str]]:
    """(subscription the CLI is set to, command) for each az command that changes something."""
    current, out = "", []
    for line in script.splitlines():
        if line.startswith("az account set --subscription "):
            current = line.rsplit(" ", 1)[1]
        elif line.startswith("az ") and not line.startswith(("az cloud", "az account")):
            out.append((current, " ".join(line.split()[:3])))
    return out


async def test_register_in_one_subscription_then_create_a_vault_in_another(make_emulator, demo_estate_doc):
    emu = await make_emulator(demo_estate_doc, registration_polls=1)
    app = make_app(emu)
    async with app.run_test(size=(100, 32)) as pilot:
        dialog = await open_register_dialog(pilot, app)
        assert (
            f"az provider register --namespace Microsoft.RecoveryServices --subscription {ANALYTICS}"
            in dialog.body
        )
        await pilot.press("tab", "enter")  # Register
        await settle(pilot, app)
        assert app.model.session.actions[0].result == "succeeded"
        await choose_subscription(pilot, app, "Contoso Production")
        await create_lrs_vault(pilot, app, "northeurope", "rsv-two-subs")
        script = az_script(app.model.session)
    assert subscription_of_each_command(script) == [
        (ANALYTICS, "az provider register"),
        (PROD, "az group create"),
        (PROD, "az backup vault"),
        (PROD, "az backup vault"),
    ], script
