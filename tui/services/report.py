"""The readiness report: JSON (schema vmbackup-prep/report/v1), Markdown for people, a compact table."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from typing import Any

from tui.model import Finding
from tui.textsafe import clean, code_span, markdown

from .assessment import Assessment, VmAssessment

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
        "unreadable": [u.as_dict() for u in a.unreadable],
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
                "unreadable": [u.as_dict() for u in v.unreadable],  # each read of the vault that failed
            }
            for v in inv.vaults
        ],
        "vms": [vm_entry(a) for a in assessment.vms],
        "seed_2015_limitations": assessment.seed,
        "summary": assessment.summary(),
    }


def json_text(doc: dict[str, Any]) -> str:
    """``json.dumps(doc, indent=2) + "\n"``, with the VM list encoded one VM at a time: with an indent the
    encoder keeps every small piece of the whole report until it joins them (tens of MB for 10,000 VMs)."""
    vms = doc.get("vms") or []
    head = json.dumps({**doc, "vms": []}, indent=2)
    if not vms:
        return head + "\n"
    body = ",\n".join(textwrap.indent(json.dumps(vm, indent=2), "    ") for vm in vms)
    return head.replace('"vms": []', '"vms": [\n' + body + "\n  ]", 1) + "\n"


def _vms(n: int) -> str:
    return f"{n} VM" if n == 1 else f"{n} VMs"


def _cell(text: Any) -> str:
    """A Markdown table cell: text from Azure shown as written (no formatting, no line break, no "|")."""
    return markdown(text if text not in (None, "") else "-")


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
        f"**{_vms(s['vms'])}: {s['ready']} ready, {s['warning']} with warnings, {s['blocked']} blocked, "
        f"{s['unknown']} unknown.**",
        "",
    ]
    if assessment.chosen_vault is not None:
        v = assessment.chosen_vault
        lines += [f"Assessed against vault **{markdown(v.name)}** ({markdown(v.location)}).", ""]
    else:
        lines += [
            "Each VM is assessed against the vault that protects it, or else the emptiest vault of its "
            "subscription in its region that still has room (none when there is no such vault).",
            "",
        ]
    lines += ["## Subscriptions", "", "| Subscription | State | Access | Findings |", "|---|---|---|---|"]
    for sub in doc["subscriptions"]:
        names = ", ".join(f["rule"] for f in sub["findings"]) or "none"
        lines.append(f"| {_cell(sub['name'])} | {_cell(sub['state'])} | {sub['access']} | {_cell(names)} |")
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
            f"| {_cell(v['name'])} | {_cell(v['location'])} | {_cell(v['redundancy'])} | "
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
            f"| {_cell(vm['name'])} | {_cell(vm['location'])} | {_cell(vm['power_state'])} | {_cell(agent)} | "
            f"{_cell(vm['protection']['status'])} | {VERDICT_MARK[vm['verdict']]} | {_cell(rules)} |"
        )
    by_severity = {"blocker": "Blocker", "warning": "Warning", "info": "Note"}
    # blockers and warnings are what to do; notes (e.g. a VM already protected by its vault) come after
    for heading, severities in (("What to do", ("blocker", "warning")), ("Notes", ("info",))):
        lines += ["", f"## {heading}", ""]
        for group in ("subscriptions", "vaults", "vms"):
            for entry in doc[group]:
                found = [f for f in entry["findings"] if f["severity"] in severities]
                if not found:
                    continue
                lines += [f"### {markdown(entry['name'])}", ""]
                for f in found:  # details and remedies quote names and messages from Azure
                    lines += [
                        f"- **{by_severity[f['severity']]}: {markdown(f['title'])}** ({code_span(f['rule'])})  ",
                        f"  {markdown(f['detail'])}  ",
                        f"  *Remedy:* {markdown(f['remedy'])}  ",
                        f"  *Source:* <{clean(f['source']).replace('>', '%3E')}>",
                    ]
                lines.append("")
        if lines[-1] == "" and lines[-2] == f"## {heading}":
            lines.append("Nothing." if heading == "What to do" else "None.")
    unknown = [a for a in assessment.vms if a.verdict == "unknown"]
    if unknown:
        lines += ["## Could not be assessed", ""]
        lines += [f"- {markdown(a.vm.name)}: {markdown('; '.join(a.unknown_reasons))}" for a in unknown]
        lines.append("")
    partly = [a for a in assessment.vms if a.verdict != "unknown" and a.unreadable]
    if partly:  # a blocker was found from what was read; the rest is still unknown
        lines += ["## Blocked, and partly unread", ""]
        lines += [f"- {a.vm.name}: {'; '.join(str(u) for u in a.unreadable)}" for a in partly]
        lines.append("")
    with_ids = [(a.vm.name, u) for a in assessment.vms for u in a.unreadable if u.request_id]
    if with_ids:
        lines += ["Request ids of the failed reads (for Azure support): "]
        lines += [f"- {_cell(name)}: {u.what}: `{u.request_id}`" for name, u in with_ids]
        lines.append("")
    lines += [
        "## The 2015 limitations, today",
        "",
        "| 2015 limitation | Status | Today | VMs it would have hit |",
        "|---|---|---|---|",
    ]
    for item in doc["seed_2015_limitations"]:
        lines.append(
            f"| {_cell(item['limitation'])} | {_cell(item['status'])} | {_cell(item['today'])} | {item['affected_vms']} |"
        )
    return "\n".join(lines) + "\n"


def _wrap_rules(rules: list[str], width: int) -> list[str]:
    """Rule ids joined with ", " in lines of at most ``width`` characters (a single id may exceed it)."""
    lines: list[str] = []
    for i, rule in enumerate(rules):
        piece = rule + ("," if i < len(rules) - 1 else "")
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines or ["-"]


def to_table(assessment: Assessment, *, width: int = 80) -> str:
    """Compact, for a terminal: one row per VM (findings wrap under their column), then the totals.

    Fits ``width`` columns as long as VM names do; blockers and warnings are listed, info findings and the
    remedies are in the Markdown and JSON reports.
    """
    header = ("VM", "REGION", "VERDICT")
    rows = [(clean(a.vm.name), clean(a.vm.location), VERDICT_MARK[a.verdict]) for a in assessment.vms]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    indent = sum(widths) + 2 * len(widths)
    room = max(width - indent, 27)  # the longest rule id is 27 characters

    def line(cells: tuple[str, ...], rest: str) -> str:
        return ("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + rest).rstrip()

    out = [line(header, "FINDINGS (blockers, then warnings)"[: max(room, 8)])]
    for a, row in zip(assessment.vms, rows, strict=True):
        rules = [f.rule for f in a.findings if f.severity == "blocker"]
        rules += [f.rule for f in a.findings if f.severity == "warning"]
        rules += [f"unread: {what}" for what in dict.fromkeys(u.what for u in a.unreadable)]
        first, *more = _wrap_rules(rules, room)
        out.append(line(row, first))
        out += [" " * indent + m for m in more]
    s = assessment.summary()
    out += [
        "",
        f"{_vms(s['vms'])}: {s['ready']} ready, {s['warning']} warning, {s['blocked']} blocked, "
        f"{s['unknown']} unknown",
    ]
    if assessment.chosen_vault is not None:
        v = assessment.chosen_vault
        out.append(clean(f"assessed against vault {v.name} ({v.location})"))
    for sub in assessment.inventory.subscriptions:
        for f in assessment.subscriptions.get(sub.id.lower(), []):
            out += textwrap.wrap(
                clean(f"subscription {sub.name}: {f.severity} {f.rule}: {f.detail}"),
                width=width,
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
    out.append("Remedies and sources: --format markdown (or json).")
    return "\n".join(out) + "\n"
