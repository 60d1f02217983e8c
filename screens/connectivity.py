"""Step 6: what stands between the agent and Azure. Static NSG and route findings from ARM for every selected
VM, and (only after the user consents) an in-guest probe through Run Command, with its results."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from screens.base import StepPane
from tui.model import VmFacts
from tui.services.assessment import VmAssessment
from tui.services.concerns import NETWORK_RULES, concern_verdict, findings_for, probe_summary
from tui.services.probe import PROBE_EXPLANATION, probe_eligible, run_probes
from tui.textsafe import clean
from tui.widgets.badges import Looks
from tui.widgets.busy import Busy, BusyBar
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.findings import findings_text
from tui.widgets.vm_table import VmTable
from tui.wizard import Step, WizardModel

READ_ONLY_REASON = "--read-only: the probe runs commands in VMs"
DASH = Text("-", style="dim")
COLUMNS = [
    ("VM", "vm"),
    ("Internet", "internet"),  # outbound TCP 443 through the NSGs
    ("Storage", "storage"),
    ("Tunnel", "tunnel"),  # 0.0.0.0/0 to an appliance or gateway
    ("WireServer", "wireserver"),
    ("DHCP", "dhcp"),
    ("Ext.", "ext"),  # Linux agent Extensions.Enable
    ("Verdict", "verdict"),
    ("Proxy", "proxy"),
]


def _allowed(value: bool | None) -> str:
    return "unknown" if value is None else ("allowed" if value else "denied")


def tunnel_cell(vm: VmFacts, looks: Looks) -> Text:
    net = vm.network
    if net is None:
        return Text("? unknown", style="dim")
    return Text("! yes", style=looks.warn) if net.forced_tunnel else Text("✓ no", style=looks.good)


def probe_cells(vm: VmFacts, looks: Looks) -> tuple[Text, Text, Text, Text]:
    """WireServer, DHCP, extensions, proxy: the probe's answers, or why there are none."""
    g = vm.guest
    if g is None:
        why = probe_eligible(vm)
        return (Text("not eligible" if why else "not probed", style="dim italic"), DASH, DASH, DASH)
    if g.error:
        return (Text("✗ probe failed", style=looks.bad), DASH, DASH, DASH)
    ws = Text()
    for port, ok in (("80", g.wireserver_80), ("32526", g.wireserver_32526)):
        if ws:
            ws.append(" ")
        ws.append_text(looks.ok(ok, f"{port} ✓", f"{port} ✗", f"{port} ?"))
    ext = (
        DASH
        if g.extensions_enabled is None and (vm.os_type or "").lower() == "windows"
        else looks.ok(g.extensions_enabled, "✓ on", "✗ off")
    )
    proxy = Text(clean(g.proxy or "none"), style="" if g.proxy else "dim")  # the guest's own words
    return ws, looks.ok(g.dhcp, "✓ on", "✗ off"), ext, proxy


class ConnectivityStep(StepPane):
    STEP_ID = Step.CONNECTIVITY
    BINDINGS: ClassVar = [Binding("p", "probe", "Probe guests")]
    DEFAULT_CSS = """
    ConnectivityStep {
        #net-table { height: 1fr; min-height: 6; }
        #net-probe-bar { height: auto; }
        #net-probe { margin: 0 1 0 0; }
        #net-status { height: auto; color: $text-muted; width: 1fr; padding: 1 0 0 0; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self.rows: dict[str, VmAssessment] = {}

    def body(self) -> ComposeResult:
        details = Static("", id="net-findings")
        yield VmTable(COLUMNS, details=details, describe=self.describe, id="net-table")
        with Horizontal(id="net-probe-bar"):
            yield Button("Run in-guest probe…", id="net-probe", variant="primary")
            yield Static("", id="net-status")
        yield BusyBar(id="net-progress", show_eta=False).data_bind(StepPane.busy)
        with VerticalScroll(id="net-details", classes="findings-pane"):
            yield details

    def on_mount(self) -> None:
        if self.model.connection.read_only:
            self.query_one("#net-probe", Button).tooltip = READ_ONLY_REASON
        self.show_busy(None)

    def show_model(self) -> None:
        assessment = self.model.assessment()
        self.rows = {a.vm.id: a for a in assessment.vms} if assessment is not None else {}
        looks = self.looks
        rows = []
        for a in self.rows.values():
            vm, net = a.vm, a.vm.network
            wireserver, dhcp, ext, proxy = probe_cells(vm, looks)
            cells = (
                vm.name,
                looks.ok(net.outbound_internet_443 if net else None, "443 ✓", "443 ✗", "?"),
                looks.ok(net.outbound_storage_443 if net else None, "443 ✓", "443 ✗", "?"),
                tunnel_cell(vm, looks),
                wireserver,
                dhcp,
                ext,
                looks.verdict(concern_verdict(findings_for(a, NETWORK_RULES), known=net is not None)),
                proxy,
            )
            rows.append((vm.id, cells))
        self.query_one(VmTable).show_rows(rows)
        self.show_busy(self.busy)

    def entered(self) -> None:
        self.query_one(VmTable).focus()

    def load(self) -> None:
        self.redraw()

    def selected_vms(self) -> list[VmFacts]:
        return [a.vm for a in self.rows.values()]

    def show_busy(self, busy: Busy | None) -> None:
        button = self.query_one("#net-probe", Button)
        button.disabled = busy is not None or self.model.connection.read_only
        if any(vm.guest is not None for vm in self.selected_vms()):
            button.label = "Run the probe again…"
        self.query_one("#net-status", Static).update(busy.line if busy else self.status_line())

    def status_line(self) -> str:
        vms = self.selected_vms()
        eligible = [vm for vm in vms if probe_eligible(vm) is None]
        probed = [vm for vm in vms if vm.guest is not None]
        if self.model.connection.read_only:
            return f"Probe unavailable ({READ_ONLY_REASON})."
        if probed:
            failed = sum(vm.guest is not None and vm.guest.error is not None for vm in probed)
            return f"Probed {len(probed)} of {len(vms)} VMs" + (f", {failed} failed" if failed else "") + "."
        return f"Not probed yet: {len(eligible)} of {len(vms)} VMs can be probed."

    def describe(self, key: str | None) -> Text | str:
        a = self.rows.get(key or "")
        if a is None:
            return "No VM selected."
        vm, net = a.vm, a.vm.network
        notes: list[str] = []
        if net is None:
            notes.append("The network configuration could not be read, so NSGs and routes were not assessed.")
        else:
            notes.append(
                f"NSGs, outbound TCP 443: Internet {_allowed(net.outbound_internet_443)}, "
                f"Storage {_allowed(net.outbound_storage_443)}."
            )
            notes += [f"Blocking rule: {r}" for r in net.blocking_rules]
            if net.forced_tunnel:
                notes.append(f"Default route: {net.forced_tunnel}")
        if vm.guest is not None:
            notes.append(f"In-guest probe: {probe_summary(vm.guest, vm.os_type)}")
        elif why := probe_eligible(vm):
            notes.append(f"Cannot be probed: {why}.")
        else:
            notes.append("Not probed yet: press p to run the in-guest probe.")
        return findings_text(
            self.looks,
            vm.name,
            findings_for(a, NETWORK_RULES),
            none="Nothing blocks the agent's traffic.",
            notes=notes,
        )

    # -- the probe -------------------------------------------------------------------------------------
    @on(Button.Pressed, "#net-probe")
    def _probe_pressed(self) -> None:
        self.action_probe()

    def action_probe(self) -> None:
        if self.refused_read_only(READ_ONLY_REASON):
            return
        vms = self.selected_vms()
        eligible = [vm for vm in vms if probe_eligible(vm) is None]
        skipped = [(vm, why) for vm in vms if (why := probe_eligible(vm)) is not None]
        if not eligible:
            self.app.notify(
                "None of the selected VMs can be probed (see each VM's details).", severity="warning"
            )
            return
        lines = [PROBE_EXPLANATION, "", f"It will run on {len(eligible)} VM(s):"]
        lines += [f"  • {vm.name} ({vm.os_type}, {vm.resource_group})" for vm in eligible]
        if skipped:
            lines += ["", f"Skipped ({len(skipped)}):"]
            lines += [f"  • {vm.name}: {why}" for vm, why in skipped]

        def consented(ok: bool | None) -> None:
            if ok:
                self.run_probe(eligible)

        self.app.push_screen(
            ConfirmDialog("Run the in-guest probe?", "\n".join(lines), confirm="Run probe"), consented
        )

    @work(exclusive=True, group="probe", exit_on_error=False)
    async def run_probe(self, vms: list[VmFacts]) -> None:
        factory = self.model.workspace.factory
        assert factory is not None
        change = f"running the in-guest probe on {len(vms)} VMs (Run Command)"
        self.busy = Busy(f"Probing {len(vms)} VMs through Run Command…", 0, len(vms), "probe", change)
        for vm in vms:
            vm.guest = None  # a re-run replaces earlier answers
        try:
            await run_probes(
                factory, vms, progress=self.progress("Probing… {done} of {total} VMs done", "probe", change)
            )
        except Exception as e:
            self.model.probed(vms, failure=str(e))
            self.changed()
            raise
        finally:
            self.busy = None
        self.model.probed(vms)
        self.changed()
        self.app.notify(f"In-guest probe finished on {len(vms)} VMs.")
