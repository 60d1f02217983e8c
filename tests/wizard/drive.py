"""Drive the wizard on the demo estate the way a user would, step by step.

Composable: `make_app` builds the app for an emulator; `sign_in`, `choose_subscription`, `choose_vault`,
`select_vms` each do one step with the keys a user would press; `to_step` chains them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from tui.app import VmBackupPrepApp
from tui.azure import Target
from tui.connect import Connection
from tui.emulator import Emulator
from tui.widgets.dialogs import ConfirmDialog

CONTOSO_PRODUCTION = "Contoso Production"
ORDER = [
    "signin",
    "subscription",
    "vault",
    "vms",
    "agent",
    "connectivity",
    "limitations",
    "protect",
    "summary",
]


def make_app(
    emu: Emulator, *, read_only: bool = False, client_options: dict[str, Any] | None = None, **kwargs: Any
) -> VmBackupPrepApp:
    """The wizard signed in with the emulator's managed identity (what `--demo` does)."""
    target = Target.for_endpoint(emu.info["arm_endpoint"], ca_bundle=emu.info["ca_bundle"])
    connection = Connection(
        target, "managed-identity", emu.info["tenant_id"], read_only, client_options=client_options or {}
    )
    return VmBackupPrepApp(connection, **kwargs)


async def settle(pilot: Pilot[Any], app: VmBackupPrepApp) -> None:
    """Until nothing runs: the workers, and the workers their results start (a re-scan, then a re-plan)."""
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            return


async def sign_in(pilot: Pilot[Any], app: VmBackupPrepApp) -> None:
    """Sign-in is automatic on mount; Next moves to the subscription list once it is done."""
    await settle(pilot, app)
    assert app.model.session.identity, "sign-in did not finish"
    await pilot.press("ctrl+n")
    await settle(pilot, app)
    assert app.current == "subscription"


async def choose_subscription(
    pilot: Pilot[Any], app: VmBackupPrepApp, name: str = CONTOSO_PRODUCTION
) -> None:
    """Enter on the subscription's row; the scan runs and the wizard moves on to the vault step."""
    if app.current != "subscription":
        app.go("subscription")
        await settle(pilot, app)
    await highlight_subscription(pilot, app, name)
    await pilot.press("enter")
    await settle(pilot, app)
    assert app.model.session.subscription is not None and app.model.session.subscription.name == name
    assert app.model.inventory is not None


def subscription_rows(app: VmBackupPrepApp) -> list[str]:
    """The subscription names in the subscription table, top to bottom (without the chosen mark)."""
    table = app.pane("subscription").query_one("#sub-table", DataTable)
    return [str(table.get_row_at(i)[0]).strip(" ●") for i in range(table.row_count)]


async def highlight_subscription(pilot: Pilot[Any], app: VmBackupPrepApp, name: str) -> None:
    """Focus the subscription table and move its cursor to ``name`` with the arrow keys."""
    app.pane("subscription").query_one("#sub-table", DataTable).focus()
    await pilot.press("ctrl+home", *["down"] * subscription_rows(app).index(name))


async def _move_to(pilot: Pilot[Any], options: OptionList, option_id: str) -> None:
    """Arrow keys from the highlighted option to ``option_id``, then Enter."""
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    delta = ids.index(option_id) - (options.highlighted or 0)
    await pilot.press(*(["down"] * delta if delta > 0 else ["up"] * -delta), "enter")


async def choose_vault(pilot: Pilot[Any], app: VmBackupPrepApp, name: str) -> None:
    """On the vault step: the vault's region in the region list, Enter, the vault in the vault list, Enter."""
    assert app.model.inventory is not None
    vault = next(v for v in app.model.inventory.vaults if v.name == name)
    if app.current != "vault":
        await go(pilot, app, "vault")
    pane = app.pane("vault")
    regions = pane.query_one("#vault-regions", OptionList)
    regions.focus()
    await pilot.pause()
    await _move_to(pilot, regions, vault.location.lower().replace(" ", ""))
    await pilot.pause()
    vaults = pane.query_one("#vault-list", OptionList)
    assert app.focused is vaults
    await _move_to(pilot, vaults, vault.id)
    await settle(pilot, app)
    assert app.model.session.vault is not None and app.model.session.vault.name == name


async def select_vms(pilot: Pilot[Any], app: VmBackupPrepApp, names: list[str]) -> None:
    """On the VMs step: for each name, / to filter, type it, Enter back to the list, space to toggle."""
    if app.current != "vms":
        await go(pilot, app, "vms")
    pane = app.pane("vms")
    box = pane.query_one("#vms-filter", Input)
    for name in names:
        await pilot.press("slash")
        box.value = ""
        await pilot.press(*name, "enter")
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
    await pilot.press("slash")
    box.value = ""
    await pilot.press("enter")
    await settle(pilot, app)
    chosen = (
        {vm.id.lower() for vm in app.model.inventory.vms if vm.name in names}
        if app.model.inventory
        else set()
    )
    assert {i.lower() for i in app.model.session.selected_vm_ids} == chosen, "not every VM could be selected"


async def go(pilot: Pilot[Any], app: VmBackupPrepApp, step_id: str) -> None:
    """Jump to a reachable step (what the sidebar and the palette's "Go to step" do)."""
    app.go(step_id)
    await settle(pilot, app)
    assert app.current == step_id, f"{step_id} not reachable: {sorted(app.model.reachable())}"


async def to_step(
    pilot: Pilot[Any],
    app: VmBackupPrepApp,
    step_id: str,
    *,
    subscription: str = CONTOSO_PRODUCTION,
    vault: str | None = "rsv-prod-neu",
    vms: list[str] | None = None,
) -> None:
    """From a fresh app to ``step_id``, choosing along the way (vault and VMs only when the step needs them)."""
    want = ORDER.index(step_id)
    await sign_in(pilot, app)
    if want >= ORDER.index("vault") or step_id == "summary":
        await choose_subscription(pilot, app, subscription)
    if vault is not None and (want >= ORDER.index("vms")):
        await choose_vault(pilot, app, vault)
    if vms is not None and want >= ORDER.index("agent"):
        await select_vms(pilot, app, vms)
    if app.current != step_id:
        await go(pilot, app, step_id)


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], what: str, seconds: float = 15
) -> None:
    """Let the app run until ``condition()`` holds. For states reached inside a worker that then waits on
    the user (a ConfirmDialog pushed with push_screen_wait), where ``workers.wait_for_complete`` would hang."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def open_register_dialog(pilot: Pilot[Any], app: VmBackupPrepApp) -> ConfirmDialog:
    """Signed in, Enter on Contoso Analytics (its Recovery Services provider is not registered): the register
    dialog, focus on Cancel."""
    await sign_in(pilot, app)
    await highlight_subscription(pilot, app, "Contoso Analytics")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the register dialog")
    assert isinstance(app.screen, ConfirmDialog)
    return app.screen


async def cancel_a_slow_rescan(pilot: Pilot[Any], app: VmBackupPrepApp, emulator: Emulator) -> None:
    """ctrl+r with every answer 400 ms late, escape while it reads, and wait until the re-scan has stopped."""
    emulator.config.latency_ms = 400
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: app.busy is not None, "the re-scan to start")
    await pilot.press("escape")
    await wait_until(pilot, lambda: app.busy is None, "the re-scan to stop")
    emulator.config.latency_ms = 0
    await settle(pilot, app)


async def open_new_vault_form(pilot: Pilot[Any], app: VmBackupPrepApp, region: str) -> None:
    """On the vault step: the region in the region list, Enter, "+ Create a new vault", Enter.
    Leaves the focus in the vault name field."""
    if app.current != "vault":
        await go(pilot, app, "vault")
    pane = app.pane("vault")
    regions = pane.query_one("#vault-regions", OptionList)
    regions.focus()
    await pilot.pause()
    await _move_to(pilot, regions, region)
    await pilot.pause()
    await _move_to(pilot, pane.query_one("#vault-list", OptionList), "new-vault")
    await settle(pilot, app)
    assert app.focused is pane.query_one("#vault-name", Input)


async def confirm(pilot: Pilot[Any], app: VmBackupPrepApp) -> str:
    """Wait for a confirmation dialog, Tab to its confirm button (the focus starts on Cancel) and press it;
    then let what follows run (the change, its re-read or re-scan). Returns the dialog's body."""
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation dialog")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmDialog)
    body = app.screen.body
    await pilot.press("tab", "enter")
    await settle(pilot, app)
    return body


async def protect(pilot: Pilot[Any], app: VmBackupPrepApp) -> str:
    """On the protect step: press p, then confirm the plan. Returns the dialog's body."""
    await pilot.press("p")
    return await confirm(pilot, app)


async def create_lrs_vault(pilot: Pilot[Any], app: VmBackupPrepApp, region: str, name: str) -> str:
    """On the vault step: "+ Create a new vault" in ``region``, type ``name``, pick LRS, Create vault…, and
    confirm the plan. Returns the plan's text."""
    await open_new_vault_form(pilot, app, region)
    await pilot.press(*name)
    await settle(pilot, app)
    await pilot.press("tab", "tab", "tab", "down", "enter", "tab", "enter")  # LRS, then Create vault…
    return await confirm(pilot, app)


def as_shown(note: str) -> str:
    """A notification's text as the user reads it (notify renders Textual markup)."""
    return Content.from_markup(note).plain


def record_notes(app: VmBackupPrepApp) -> list[str]:
    """Every notification from now on, as text (the app's own list drops them when they time out)."""
    said: list[str] = []
    notify = app.notify

    def recording(message: Any, **kwargs: Any) -> Any:
        said.append(str(message))
        return notify(message, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    return said
