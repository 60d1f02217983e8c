"""One concern of a VM's assessment at a time (its agent, its network), for the steps that show just that."""

from __future__ import annotations

from typing import Literal

from tui.model import Finding, GuestProbe, Verdict, VmFacts
from tui.rules.checks import agent_never_reported

from .assessment import VmAssessment

AgentLook = Literal["good", "bad", "odd", "dim"]

AGENT_RULES = (
    "vm-agent-missing",
    "vm-agent-not-ready",
    "vm-agent-outdated",
    "vm-extension-failed",
    "vm-not-running",
    "vm-provisioning-failed",
    "vm-updating",
)
NETWORK_RULES = (
    "guest-wireserver-unreachable",
    "guest-dhcp-disabled",
    "guest-extensions-disabled",
    "net-forced-tunneling",
    "net-outbound-restricted",
)


def findings_for(a: VmAssessment, rules: tuple[str, ...]) -> list[Finding]:
    return [f for f in a.findings if f.rule in rules]


def concern_verdict(findings: list[Finding], *, known: bool = True) -> Verdict:
    """blocked / warning / ready from these findings only; unknown when the data behind them is missing."""
    severities = {f.severity for f in findings}
    if "blocker" in severities:
        return "blocked"
    if not known:
        return "unknown"
    return "warning" if "warning" in severities else "ready"


def agent_state(vm: VmFacts) -> tuple[str, AgentLook]:
    """The VM agent in a few words, as real ARM lets us tell the cases apart (facts section 0): not installed
    (provisionVMAgent false), never reported (vmAgentVersion "Unknown", no handlers), its status when it did
    report, unreadable when the instance view could not be read, nothing while the VM is not running."""
    agent = vm.agent
    if agent.provision_vm_agent is False and (not agent.reported or agent_never_reported(vm)):
        return "not installed", "bad"
    if agent.instance_view is False:
        return "unreadable", "odd"
    if agent.instance_view is None or not agent.reported:
        return ("none reported", "bad") if vm.power_state == "running" else ("not running", "dim")
    if agent_never_reported(vm):
        return "never reported", "bad"
    status = agent.status or "no status"
    return status, "good" if status.lower() == "ready" else "bad"


def _word(value: bool | None, yes: str, no: str) -> str:
    return "unknown" if value is None else (yes if value else no)


def probe_summary(guest: GuestProbe, os_type: str | None = None) -> str:
    """One line for the session log and the details pane (Extensions.Enable exists only on Linux)."""
    if guest.error:
        return f"probe failed: {guest.error}"
    parts = [
        f"WireServer 80 {_word(guest.wireserver_80, 'reachable', 'unreachable')}",
        f"443 {_word(guest.wireserver_443, 'reachable', 'unreachable')}",
        f"32526 {_word(guest.wireserver_32526, 'reachable', 'unreachable')}",
        f"DHCP {_word(guest.dhcp, 'enabled', 'disabled')}",
        f"extensions {_word(guest.extensions_enabled, 'enabled', 'disabled')}",
        f"Provisioning.Agent {guest.provisioning_agent or 'unknown'}",
        f"proxy {guest.proxy or 'none'}",
    ]
    if (os_type or "").lower() == "windows":  # waagent.conf exists only on Linux
        parts = [p for p in parts if not p.startswith(("extensions ", "Provisioning.Agent "))]
    return ", ".join(parts)
