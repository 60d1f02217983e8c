"""Step 6: what stands between the agent and Azure. Static NSG and route findings from ARM for every selected
VM, and (only after the user consents) an in-guest probe through Run Command, with its results."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, ProgressBar, Static

from screens.base import StepPane
from tui.model import VmFacts
from tui.services.assessment import VmAssessment
from tui.services.concerns import NETWORK_RULES, concern_verdict, findings_for, probe_summary
from tui.services.probe import PROBE_EXPLANATION, probe_eligible, run_probes
from tui.textsafe import clean
from tui.widgets.badges import BAD, GOOD, WARN, ok_badge, verdict_badge
from tui.widgets.dialogs import ConfirmDialog
from tui.widgets.findings import findings_text

READ_ONLY_REASON = "--read-only: the probe runs commands in VMs"
DASH = Text("-", style="dim")


def _allowed(value: bool | None) -> str:
    return "unknown" if value is None else ("allowed" if value else "denied")


def tunnel_cell(vm: VmFacts) -> Text:
    net = vm.network
    if net is None:
        return Text("? unknown", style="dim")
    return Text("! yes", style=WARN) if net.forced_tunnel else Text("✓ no", style=GOOD)


def probe_cells(vm: VmFacts) -> tuple[Text, Text, Text, Text]:
    """WireServer, DHCP, extensions, proxy: the probe's answers, or why there are none."""
    g = vm.guest
    if g is None:
        why = probe_eligible(vm)
        return (Text("not eligible" if why else "not probed", style="dim italic"), DASH, DASH, DASH)
    if g.error:
        return (Text("✗ probe failed", style=BAD), DASH, DASH, DASH)
    ws = Text()
    for port, ok in (("80", g.wireserver_80), ("32526", g.wireserver_32526)):
        if ws:
            ws.append(" ")
        ws.append_text(ok_badge(ok, f"{port} ✓", f"{port} ✗", f"{port} ?"))
    ext = (
        DASH
        if g.extensions_enabled is None and (vm.os_type or "").lower() == "windows"
        else ok_badge(g.extensions_enabled, "✓ on", "✗ off")
    )
    proxy = Text(clean(g.proxy or "none"), style="" if g.proxy else "dim")  # the guest's own words
    return ws, ok_badge(g.dhcp, "✓ on", "✗ off"), ext, proxy


class ConnectivityStep(StepPane):
    STEP_ID = "connectivity"
    TITLE = "Connectivity"
    PURPOSE = (
        "The agent must reach 168.63.129.16 (ports 80, 32526) with DHCP on. NSGs and routes come from ARM; "
        "p probes inside the guests."
    )
    BINDINGS: ClassVar = [Binding("p", "probe", "Probe guests")]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[VmAssessment] = []

    def body(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(id="net-table", cursor_type="row", zebra_stripes=True)
        table.add_column("VM", key="vm")
        table.add_column("Internet", key="internet")  # outbound TCP 443 through the NSGs
        table.add_column("Storage", key="storage")
        table.add_column("Tunnel", key="tunnel")  # 0.0.0.0/0 to an appliance or gateway
        table.add_column("WireServer", key="wireserver")
        table.add_column("DHCP", key="dhcp")
        table.add_column("Ext.", key="ext")  # Linux agent Extensions.Enable
        table.add_column("Verdict", key="verdict")
        table.add_column("Proxy", key="proxy")
        yield table
        with Horizontal(id="net-probe-bar"):
            yield Button("Run in-guest probe…", id="net-probe", variant="primary")
            yield Static("", id="net-status")
        yield ProgressBar(id="net-progress", show_eta=False)
        with VerticalScroll(id="net-details", classes="findings-pane"):
            yield Static("", id="net-findings")

    def on_mount(self) -> None:
        self.query_one("#net-progress").display = False
        if self.wizard.connection.read_only:
            button = self.query_one("#net-probe", Button)
            button.disabled = True
            button.tooltip = READ_ONLY_REASON

    def entered(self) -> None:
        self.render_table()
        self.query_one("#net-table", DataTable).focus()

    def load(self) -> None:
        self.render_table()

    def selected_vms(self) -> list[VmFacts]:
        return [a.vm for a in self.rows]

    # -- rendering -------------------------------------------------------------------------------------
    def render_table(self) -> None:
        assessment = self.wizard.assessment()
        self.rows = assessment.vms if assessment is not None else []
        table = self.query_one("#net-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for a in self.rows:
            vm, net = a.vm, a.vm.network
            wireserver, dhcp, ext, proxy = probe_cells(vm)
            table.add_row(
                Text(clean(vm.name)),
                ok_badge(net.outbound_internet_443 if net else None, "443 ✓", "443 ✗", "?"),
                ok_badge(net.outbound_storage_443 if net else None, "443 ✓", "443 ✗", "?"),
                tunnel_cell(vm),
                wireserver,
                dhcp,
                ext,
                verdict_badge(concern_verdict(findings_for(a, NETWORK_RULES), known=net is not None)),
                proxy,
                key=vm.id,
            )
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self.update_status()

    def update_status(self) -> None:
        vms = self.selected_vms()
        eligible = [vm for vm in vms if probe_eligible(vm) is None]
        probed = [vm for vm in vms if vm.guest is not None]
        if self.wizard.connection.read_only:
            line = f"Probe unavailable ({READ_ONLY_REASON})."
        elif probed:
            failed = sum(vm.guest is not None and vm.guest.error is not None for vm in probed)
            line = f"Probed {len(probed)} of {len(vms)} VMs" + (f", {failed} failed" if failed else "") + "."
        else:
            line = f"Not probed yet: {len(eligible)} of {len(vms)} VMs can be probed."
        self.query_one("#net-status", Static).update(line)
        self.show_details()

    def show_details(self) -> None:
        table = self.query_one("#net-table", DataTable)
        out = self.query_one("#net-findings", Static)
        if not self.rows or table.row_count == 0:
            out.update("No VM selected.")
            return
        a = self.rows[min(table.cursor_row, len(self.rows) - 1)]
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
        out.update(
            findings_text(
                vm.name,
                findings_for(a, NETWORK_RULES),
                none="Nothing blocks the agent's traffic.",
                notes=notes,
            )
        )

    @on(DataTable.RowHighlighted, "#net-table")
    def _highlighted(self) -> None:
        self.show_details()

    # -- the probe -------------------------------------------------------------------------------------
    @on(Button.Pressed, "#net-probe")
    def _probe_pressed(self) -> None:
        self.action_probe()

    def action_probe(self) -> None:
        if self.wizard.connection.read_only:
            self.wizard.notify(READ_ONLY_REASON, severity="warning")
            return
        vms = self.selected_vms()
        eligible = [vm for vm in vms if probe_eligible(vm) is None]
        skipped = [(vm, why) for vm in vms if (why := probe_eligible(vm)) is not None]
        if not eligible:
            self.wizard.notify(
                "None of the selected VMs can be probed (see each VM's details).", severity="warning"
            )
            return
        lines = [PROBE_EXPLANATION, "", f"It will run on {len(eligible)} VM(s):"]
        lines += [clean(f"  • {vm.name} ({vm.os_type}, {vm.resource_group})") for vm in eligible]
        if skipped:
            lines += ["", f"Skipped ({len(skipped)}):"]
            lines += [clean(f"  • {vm.name}: {why}") for vm, why in skipped]

        def consented(ok: bool | None) -> None:
            if ok:
                self.wizard.session.probe_consent = True
                self.run_probe(eligible)

        self.wizard.push_screen(
            ConfirmDialog("Run the in-guest probe?", "\n".join(lines), confirm="Run probe"), consented
        )

    @work(exclusive=True, group="probe", exit_on_error=False)
    async def run_probe(self, vms: list[VmFacts]) -> None:
        bar = self.query_one("#net-progress", ProgressBar)
        status = self.query_one("#net-status", Static)
        button = self.query_one("#net-probe", Button)
        bar.display, button.disabled = True, True
        bar.update(total=len(vms), progress=0)
        status.update(f"Probing {len(vms)} VMs through Run Command…")

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(total=max(total, 1), progress=done)
            status.update(f"Probing… {done} of {total} VMs done")

        for vm in vms:
            vm.guest = None  # a re-run replaces earlier answers
        assert self.wizard.workspace.factory is not None
        try:
            await run_probes(self.wizard.workspace.factory, vms, progress=progress)
        except Exception as e:
            for vm in vms:
                if vm.guest is None:
                    self.wizard.session.record("guest-probe", vm.id, "failed", detail=str(e), vm=vm.name)
            raise
        finally:
            bar.display, button.disabled = False, self.wizard.connection.read_only
        for vm in vms:
            g = vm.guest
            result = "failed" if g is None or g.error else "succeeded"
            detail = probe_summary(g, vm.os_type) if g is not None else "no answer"
            self.wizard.session.record("guest-probe", vm.id, result, detail=detail, vm=vm.name, os=vm.os_type)
        button.label = "Run the probe again…"
        self.render_table()
        self.wizard.notify(f"In-guest probe finished on {len(vms)} VMs.")
