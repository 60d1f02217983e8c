"""One concern of a VM's assessment at a time (its agent, its network), for the steps that show just that."""

from __future__ import annotations

from tui.model import Finding, GuestProbe, Verdict

from .assessment import VmAssessment

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
