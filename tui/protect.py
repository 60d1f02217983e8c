"""``vmbackup-prep protect``: enable Azure Backup for VMs, headless, with the wizard's checks.

Flow: scan (read-only clients) -> assess against the vault -> policies -> plan (our rules and the service's
pre-validation) -> the plan on stderr -> confirmation (unless --yes) -> enable -> per-VM results on stdout.
Exit status: 0 every planned VM protected or already protected, 1 any VM refused or failed (or protected
but in error), 2 usage, sign-in or service error (also: --read-only with something to enable, and no
terminal to confirm on without --yes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from azure.core.exceptions import AzureError, ClientAuthenticationError

from tui import interrupts
from tui.azure import ArmPacer, ClientFactory, explain
from tui.check import resolve_vault
from tui.command import Refused, StderrProgress, run_command, signed_in
from tui.connect import add_deadline_option, add_target_options, connect
from tui.interrupts import Interrupted
from tui.model import VaultFacts
from tui.rules import load_rules
from tui.services.assessment import VmAssessment, assess
from tui.services.inventory import InventoryService, ScanError, resolve_subscriptions
from tui.services.protection import (
    PlanAction,
    PolicyInfo,
    ProtectionPlan,
    ProtectionService,
    VmPlan,
    VmResult,
    list_policies,
    plan_protection,
    preselect_policy,
)
from tui.services.protection_report import (
    RESULT_MARK,
    LeftOut,
    default_selection,
    is_success,
    plan_rows,
    policy_warnings,
    result_detail,
    summary_line,
)
from tui.services.providers import is_registered, read_provider_state
from tui.services.subscriptions import WRITABLE_STATES
from tui.textsafe import clean, shell_arg

EXIT_OK, EXIT_FAILED = 0, 1
PROG = "vmbackup-prep protect"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Enable Azure Backup for VMs with a vault's policy, after the same checks as the wizard. "
        "The plan and the prompt go to stderr, the per-VM results to stdout.",
    )
    add_target_options(p)
    p.add_argument(
        "--subscription",
        action="append",
        metavar="ID_OR_NAME",
        help="where the VMs are (repeatable; default: the vault's subscription)",
    )
    p.add_argument("--vault", required=True, metavar="NAME_OR_ID", help="the Recovery Services vault")
    p.add_argument(
        "--policy", metavar="NAME", help="backup policy of the vault (default: one that fits every VM)"
    )
    p.add_argument(
        "--vm",
        action="append",
        metavar="NAME_OR_ID",
        help="a VM to protect (repeatable; default: every ready or warning VM of the vault's region)",
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--format", choices=("table", "json"), default="table", help="how results are printed")
    add_deadline_option(p)
    return p


# -- finding the vault -----------------------------------------------------------------------------------------
async def _vault_subscription(factory: ClientFactory, service: InventoryService, wanted: str) -> str:
    """The subscription of the vault named ``wanted`` (an id carries it; a name is looked up everywhere)."""
    key = wanted.strip()
    if key.lower().startswith("/subscriptions/"):
        return key.split("/")[2]
    hits: list[tuple[str, str]] = []  # (vault id, subscription id)
    problems: list[str] = []

    async def one(sub_id: str, sub_name: str) -> None:
        try:
            # Checked first: listing vaults where the provider is not registered would make the SDK try
            # to register it by itself (a write nobody asked for).
            if not is_registered(await read_provider_state(factory, sub_id)):
                return
            async for v in factory.recovery_services(sub_id).vaults.list_by_subscription_id():
                if (v.name or "").lower() == key.lower():
                    hits.append((str(v.id), sub_id))
        except ClientAuthenticationError:
            raise
        except AzureError as e:  # a forbidden, unregistered or unreachable subscription cannot hold it
            problems.append(f"{sub_name}: {explain(e).title}")

    subs = [s for s in await service.list_subscriptions() if s.state in WRITABLE_STATES]
    await asyncio.gather(*(one(s.id, s.name) for s in subs))
    if not hits:
        unread = f" (not readable: {'; '.join(sorted(problems))})" if problems else ""
        raise ScanError(f"unknown vault {wanted!r} in the subscriptions the identity can read{unread}")
    if len(hits) > 1:
        raise ScanError(
            f"vault name {wanted!r} is ambiguous: use one of the ids {', '.join(h[0] for h in hits)}"
        )
    return hits[0][1]


# -- choosing -----------------------------------------------------------------------------------------------
def _policy(
    policies: list[PolicyInfo], wanted: str | None, vms: list[VmAssessment], vault: VaultFacts
) -> PolicyInfo:
    if not policies:
        raise ScanError(f"the vault {vault.name} has no Azure VM backup policy: create one first")
    if wanted:
        match = next((p for p in policies if p.name.lower() == wanted.strip().lower()), None)
        if match is None:
            names = ", ".join(f"{p.name} ({p.kind})" for p in policies)
            raise ScanError(
                f"unknown policy {wanted!r} in vault {vault.name}; its Azure VM policies: {names}"
            )
        return match
    chosen = preselect_policy(policies, vms)
    if chosen is None:
        raise ScanError(f"no policy of {vault.name} fits every selected VM: name one with --policy")
    return chosen


def _plan_text(plan: ProtectionPlan, left_out: list[LeftOut], preselected: bool) -> str:
    lines = plan.describe().split("\n")
    if preselected:
        lines.insert(2, "(policy preselected: it fits every selected VM; choose another with --policy)")
    if plan.vms:
        rows = plan_rows(plan)
        width = max(len(row[0]) for row in rows)
        lines += ["", f"{'VM':<{width}}  {'our verdict':<12} {'pre-validation':<28} plan"]
        for name, ours, service, action, _why in rows:
            lines.append(f"{name:<{width}}  {ours:<12} {service:<28} {action}")
        lines += [
            f"What to do for {clean(p.vm.name)}: {clean(p.remedy)}"
            for p in plan.vms
            if p.action == PlanAction.REFUSED and p.remedy
        ]
    warnings = policy_warnings(plan.policy)
    lines += [f"! {w}" for w in warnings]
    if left_out:
        lines += ["", f"Left out of the default selection ({len(left_out)}):"]
        lines += [f"- {lo.vm_name}: {lo.reason}" for lo in left_out]
    return "\n".join(lines) + "\n"


# -- results -----------------------------------------------------------------------------------------------
def _results_table(results: list[VmResult]) -> str:
    head = ("VM", "RESULT", "STATE", "JOB ID", "MESSAGE")
    rows = [
        (
            clean(r.vm.name),
            f"{RESULT_MARK.get(r.result, '?')} {r.result}",
            clean(r.protection_state or "-"),
            clean(r.job_id or "-"),
            clean(
                " ".join(
                    x
                    for x in (r.message, f"What to do: {r.remedy}" if r.remedy and not is_success(r) else "")
                    if x
                )
                or "-"
            ),
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(4)]
    out = []
    for row in [head, *rows]:
        out.append("  ".join(f"{c:<{w}}" for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
    return "\n".join(out) + "\n\n" + summary_line(results) + "\n"


def _results_json(plan: ProtectionPlan, results: list[VmResult]) -> str:
    doc: dict[str, Any] = {
        "schema": "vmbackup-prep/protect/v1",
        "vault": {"id": plan.vault.id, "name": plan.vault.name, "location": plan.vault.location},
        "policy": {"id": plan.policy.id, "name": plan.policy.name, "type": plan.policy.kind},
        "results": [
            {
                "vm": r.vm.name,
                "id": r.vm.id,
                "result": r.result,
                "protection_state": r.protection_state,
                "health": r.health,
                "job_id": r.job_id,
                "message": r.message,
                "remedy": r.remedy,
                "detail": result_detail(r),
                "request_ids": r.request_ids,
            }
            for r in results
        ],
        "summary": summary_line(results),
    }
    return json.dumps(doc, indent=2) + "\n"


def _confirm(n: int, stdin: TextIO, err: TextIO) -> bool:
    if not stdin.isatty():
        raise Refused("no terminal to confirm on: add --yes to confirm non-interactively")
    err.write(f"Protect {n} VM{'s' if n != 1 else ''}? [y/N] ")
    err.flush()
    with interrupts.blocking():  # the loop waits on this read: ctrl+c must reach the read itself
        return stdin.readline().strip().lower() in ("y", "yes")


_STATE_WORDS = {
    "not sent": "not sent: nothing was asked for this VM",
    "sent": "sent, no answer yet: Azure may or may not have started protecting it",
    "accepted": "accepted: Azure is configuring protection (in progress)",
    "protected": "protected",
    "failed": "failed: Azure refused it or it failed",
}


def _interrupted_report(stop: Interrupted, state: _State) -> str:
    """What an interrupted protect did: per VM of the plan, sent / accepted / in progress / unknown."""
    head = f"{PROG}: interrupted by {stop.how}"
    if state.service is None:
        return f"{head} before anything was sent: nothing was changed in Azure\n"
    sent = state.service.sent
    lines = [f"{head} while enabling protection. What was sent and its state:"]
    if sent.refresh != "not sent":
        lines.append(
            f"  (the vault's container refresh was {'requested' if sent.refresh == 'sent' else 'done'})"
        )
    width = max(len(clean(p.vm.name)) for p in state.todo)
    for p in state.todo:
        key = p.vm.id.lower()
        word = sent.vms.get(key, "not sent")
        rid = sent.request_ids.get(key)
        extra = f" (request id {rid})" if rid else ""
        lines.append(f"  {clean(p.vm.name):<{width}}  {_STATE_WORDS[word]}{extra}")
    vault = state.vault
    where = (
        f"--resource-group {shell_arg(vault.resource_group)} --vault-name {shell_arg(vault.name)}"
        if vault
        else ""
    )
    lines.append(
        f"Check in Azure before running again (az backup job list {where}); running protect again is safe: "
        "protected VMs are reported, not re-done."
    )
    return "\n".join(lines) + "\n"


@dataclass
class _State:
    """How far a run got, for an interrupted one: the writer service (once writes may start) and the plan."""

    service: ProtectionService | None = None
    todo: list[VmPlan] = field(default_factory=list)
    vault: VaultFacts | None = None


# -- the run -----------------------------------------------------------------------------------------------
async def _run(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO, state: _State) -> int:
    progress = StderrProgress(err)
    async with signed_in(connect(args), err, progress) as (connection, credential):
        pacer = ArmPacer()
        # everything up to the confirmation only reads
        async with connection.factory(credential, read_only=True, pacer=pacer) as factory:
            service = InventoryService(factory, progress=progress, deadline=args.deadline)
            if args.subscription:
                subs = [
                    s.id for s in resolve_subscriptions(await service.list_subscriptions(), args.subscription)
                ]
            else:
                subs = [await _vault_subscription(factory, service, args.vault)]
            inventory = await service.scan(subs, args.vm)
            vault = resolve_vault(inventory, args.vault)
            assessment = assess(inventory, load_rules(), vault=vault)
            if args.vm:
                wanted = {w.strip().lower() for w in args.vm}
                chosen = [
                    a for a in assessment.vms if a.vm.name.lower() in wanted or a.vm.id.lower() in wanted
                ]
                left_out: list[LeftOut] = []
            else:
                chosen, left_out = default_selection(assessment, vault)
            policies = await list_policies(factory, vault)
            policy = _policy(policies, args.policy, chosen, vault)
            plan = await plan_protection(factory, vault, policy, chosen)
            progress.done()
            err.write(_plan_text(plan, left_out, preselected=not args.policy))
            err.flush()
            if plan.to_enable:
                if args.read_only:
                    raise Refused(
                        f"--read-only forbids enabling protection: nothing was sent for the "
                        f"{len(plan.to_enable)} VM(s) of the plan"
                    )
                if not args.yes and not _confirm(len(plan.to_enable), stdin, err):
                    raise Refused("not confirmed: nothing was changed in Azure")
                async with connection.factory(credential, read_only=False, pacer=pacer) as writer:
                    state.service, state.todo, state.vault = ProtectionService(writer), plan.to_enable, vault
                    results = await state.service.enable(plan, progress=progress)
            else:  # nothing to write: the already protected and refused VMs are reported as such
                results = await ProtectionService(factory).enable(plan)
    order = {p.vm.id.lower(): i for i, p in enumerate(plan.vms)}
    results.sort(key=lambda r: order.get(r.vm.id.lower(), len(order)))
    out.write(_results_json(plan, results) if args.format == "json" else _results_table(results))
    return EXIT_OK if all(is_success(r) for r in results) else EXIT_FAILED


def run_protect(
    argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    args = parser().parse_args(argv)
    err = err or sys.stderr
    state = _State()
    return run_command(
        PROG,
        lambda: _run(args, out or sys.stdout, err, stdin or sys.stdin, state),
        args,
        err,
        interrupted=lambda stop: _interrupted_report(stop, state),
    )
