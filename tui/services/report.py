"""The readiness report: JSON (schema vmbackup-prep/report/v1), Markdown for people, a compact table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .assessment import Assessment, VmAssessment
from .model import Finding

SCHEMA = "vmbackup-prep/report/v1"
VERDICT_MARK = {"ready": "ready", "warning": "warning", "blocked": "BLOCKED", "unknown": "unknown"}


def _findings(findings: list[Finding]) -> list[dict[str, str]]:
    return [f.as_dict() for f in findings]


def vm_entry(a: VmAssessment) -> dict[str, Any]:
    vm = a.vm
    return {
        "id": vm.id,
        "name": vm.name,
        "subscription_id": vm.subscription_id,
        "resource_group": vm.resource_group,
        "location": vm.location,
        "power_state": vm.power_state,
        "os": {"type": vm.os_type, "name": vm.os_name, "version": vm.os_version},
        "agent": {"status": vm.agent.status, "version": vm.agent.version},
        "protection": {"status": vm.protection.status, "vault_id": vm.protection.vault_id},
        "verdict": a.verdict,
        "findings": _findings(a.findings),
    }


def to_json(
    assessment: Assessment, *, tool_version: str, cloud: str, generated_at: str | None = None
) -> dict[str, Any]:
    inv = assessment.inventory
    return {
        "schema": SCHEMA,
        "generated_at": generated_at
        or dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool_version": tool_version,
        "cloud": cloud,
        "rules_version": assessment.rules_version,
        "subscriptions": [
            {
                "id": s.id,
                "name": s.name,
                "state": s.state,
                "access": s.access,
                "findings": _findings(assessment.subscriptions.get(s.id.lower(), [])),
            }
            for s in inv.subscriptions
        ],
        "vaults": [
            {
                "id": v.id,
                "name": v.name,
                "location": v.location,
                "redundancy": v.redundancy,
                "cross_region_restore": v.cross_region_restore,
                "redundancy_locked": v.redundancy_locked,
                "protected_vms": v.protected_vms,
                "findings": _findings(assessment.vaults.get(v.id.lower(), [])),
            }
            for v in inv.vaults
        ],
        "vms": [vm_entry(a) for a in assessment.vms],
        "seed_2015_limitations": assessment.seed,
        "summary": assessment.summary(),
    }


def _cell(text: Any) -> str:
    return str(text if text not in (None, "") else "-").replace("|", "\\|").replace("\n", " ")


def to_markdown(
    assessment: Assessment, *, tool_version: str, cloud: str, generated_at: str | None = None
) -> str:
    doc = to_json(assessment, tool_version=tool_version, cloud=cloud, generated_at=generated_at)
    s = doc["summary"]
    lines = [
        "# Azure VM backup readiness",
        "",
        f"Generated {doc['generated_at']} by vmbackup-prep {tool_version} (rules {doc['rules_version']}), cloud {cloud}.",
        "",
        f"**{s['vms']} VMs: {s['ready']} ready, {s['warning']} with warnings, {s['blocked']} blocked, "
        f"{s['unknown']} unknown.**",
        "",
    ]
    if assessment.chosen_vault is not None:
        v = assessment.chosen_vault
        lines += [f"Assessed against vault **{v.name}** ({v.location}).", ""]
    else:
        lines += [
            "Each VM is assessed against the vault that protects it, or the emptiest vault of its "
            "subscription in its region.",
            "",
        ]
    lines += ["## Subscriptions", "", "| Subscription | State | Access | Findings |", "|---|---|---|---|"]
    for sub in doc["subscriptions"]:
        names = ", ".join(f["rule"] for f in sub["findings"]) or "none"
        lines.append(f"| {_cell(sub['name'])} | {sub['state']} | {sub['access']} | {names} |")
    lines += [
        "",
        "## Vaults",
        "",
        "| Vault | Region | Redundancy | Cross Region Restore | Locked | Protected VMs |",
        "|---|---|---|---|---|---|",
    ]
    for v in doc["vaults"]:
        locked = {True: "yes", False: "no", None: "unknown"}[v["redundancy_locked"]]
        lines.append(
            f"| {_cell(v['name'])} | {v['location']} | {_cell(v['redundancy'])} | "
            f"{'on' if v['cross_region_restore'] else 'off'} | {locked} | {v['protected_vms']} |"
        )
    lines += [
        "",
        "## VMs",
        "",
        "| VM | Region | Power | Agent | Protection | Verdict | Findings |",
        "|---|---|---|---|---|---|---|",
    ]
    for vm in doc["vms"]:
        rules = ", ".join(f["rule"] for f in vm["findings"]) or "-"
        agent = " ".join(str(x) for x in (vm["agent"]["status"], vm["agent"]["version"]) if x) or "-"
        lines.append(
            f"| {_cell(vm['name'])} | {vm['location']} | {_cell(vm['power_state'])} | {_cell(agent)} | "
            f"{_cell(vm['protection']['status'])} | {VERDICT_MARK[vm['verdict']]} | {_cell(rules)} |"
        )
    lines += ["", "## What to do", ""]
    by_severity = {"blocker": "Blocker", "warning": "Warning", "info": "Note"}
    for group in ("subscriptions", "vaults", "vms"):
        for entry in doc[group]:
            if not entry["findings"]:
                continue
            lines += [f"### {entry['name']}", ""]
            for f in entry["findings"]:
                lines += [
                    f"- **{by_severity[f['severity']]}: {f['title']}** (`{f['rule']}`)  ",
                    f"  {f['detail']}  ",
                    f"  *Remedy:* {f['remedy']}  ",
                    f"  *Source:* <{f['source']}>",
                ]
            lines.append("")
    unknown = [a for a in assessment.vms if a.verdict == "unknown"]
    if unknown:
        lines += ["## Could not be assessed", ""]
        lines += [f"- {a.vm.name}: {'; '.join(a.unknown_reasons)}" for a in unknown]
        lines.append("")
    lines += [
        "## The 2015 limitations, today",
        "",
        "| 2015 limitation | Status | Today | VMs it would have hit |",
        "|---|---|---|---|",
    ]
    for item in doc["seed_2015_limitations"]:
        lines.append(
            f"| {_cell(item['limitation'])} | {item['status']} | {_cell(item['today'])} | {item['affected_vms']} |"
        )
    return "\n".join(lines) + "\n"


def to_table(assessment: Assessment) -> str:
    """Compact, for a terminal: one line per VM, then the totals."""
    rows = [("VM", "REGION", "POWER", "AGENT", "PROTECTION", "VERDICT", "FINDINGS")]
    for a in assessment.vms:
        vm = a.vm
        notable = [f.rule for f in a.findings if f.severity == "blocker"]
        notable += [f.rule for f in a.findings if f.severity == "warning"]
        rest = len(notable) - 2
        rules = ", ".join(notable[:2]) + (f" (+{rest} more)" if rest > 0 else "")
        rows.append(
            (
                vm.name,
                vm.location,
                vm.power_state or "?",
                vm.agent.status or "-",
                vm.protection.status or "?",
                VERDICT_MARK[a.verdict],
                rules or "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    out = ["  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=False)) + "  " + r[-1] for r in rows]
    s = assessment.summary()
    out.append(
        f"\n{s['vms']} VMs: {s['ready']} ready, {s['warning']} warning, {s['blocked']} blocked, {s['unknown']} unknown"
    )
    for sub in assessment.inventory.subscriptions:
        for f in assessment.subscriptions.get(sub.id.lower(), []):
            out.append(f"subscription {sub.name}: {f.severity} {f.rule}: {f.detail}")
    return "\n".join(out) + "\n"
