"""``vmbackup-prep check``: the readiness report, headless, for scripts and CI.

Exit status: 0 no blocker (with --strict: no blocker, no warning and no unknown verdict), 1 at least one
blocker (or warning or unknown verdict with --strict), 2 usage, sign-in or service error (also a
subscription whose VMs could not be listed: its report is still written). The report goes to stdout or
--output; progress and messages go to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from tui import __version__
from tui.connect import UsageError, add_deadline_option, add_target_options, connect
from tui.model import Inventory, VaultFacts, region_key, same_id
from tui.textsafe import clean

if TYPE_CHECKING:  # the run's own modules (azure-core, the rules, the services) load once the options parsed:
    # `check --help` and a usage error need none of them
    from tui.command import StderrProgress
    from tui.interrupts import Interrupted
    from tui.services.assessment import Assessment

EXIT_OK, EXIT_BLOCKED = 0, 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vmbackup-prep check",
        description="Check Azure VMs against the Azure Backup support matrix; print a report.",
    )
    add_target_options(p)
    p.add_argument(
        "--subscription", action="append", metavar="ID_OR_NAME", help="only these subscriptions (repeatable)"
    )
    p.add_argument("--vm", action="append", metavar="NAME_OR_ID", help="only these VMs (repeatable)")
    p.add_argument(
        "--vault", metavar="NAME_OR_ID", help="assess every VM against this Recovery Services vault"
    )
    p.add_argument(
        "--probe-guest",
        action="store_true",
        help="also run the read-only in-guest probe through Run Command (needs Virtual Machine Contributor)",
    )
    p.add_argument("--format", choices=("json", "markdown", "table"), default="table")
    p.add_argument(
        "--output",
        metavar="FILE",
        help="write the report here instead of stdout (a file is replaced atomically; a device or pipe is "
        "written as it is)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 on warnings and on verdicts that could not be given (unknown) too",
    )
    add_deadline_option(p)
    return p


def resolve_vault(inventory: Inventory, wanted: str) -> VaultFacts:
    from tui.services.inventory import ScanError  # a scan's error: the scan loaded it already

    key = wanted.strip()
    matches = [v for v in inventory.vaults if same_id(v.id, key) or v.name.lower() == key.lower()]
    if not matches:
        known = ", ".join(f"{v.name} ({v.location})" for v in inventory.vaults) or "none"
        raise ScanError(f"unknown vault {wanted!r} in the scanned subscriptions; vaults found: {known}")
    if len(matches) > 1:
        raise ScanError(
            f"vault name {wanted!r} is ambiguous: use one of the ids {', '.join(v.id for v in matches)}"
        )
    return matches[0]


def regions_without_vault(inventory: Inventory) -> list[str]:
    """A line per subscription and region that has VMs but no Recovery Services vault (a VM can only be
    backed up to a vault in its own region and subscription)."""
    lines = []
    for sub in sorted({vm.subscription_id.lower() for vm in inventory.vms}):
        vms = [vm for vm in inventory.vms if vm.subscription_id.lower() == sub]
        vaults = {region_key(v.location) for v in inventory.vaults if v.subscription_id.lower() == sub}
        for region in sorted({region_key(vm.location) for vm in vms} - vaults):
            n = sum(region_key(vm.location) == region for vm in vms)
            lines.append(
                clean(
                    f"no Recovery Services vault in {region} (subscription {sub}), where {n} "
                    f"VM{'s are' if n != 1 else ' is'}: create one there before protecting them"
                )
            )
    return lines


def exit_status(assessment: Assessment, strict: bool) -> int:
    """From the subscriptions' findings, the VMs' and those of the vaults the VMs are assessed against (a
    full policy in an unrelated vault does not fail a --strict check of one VM)."""
    used = {a.vault.id.lower() for a in assessment.vms if a.vault is not None}
    if assessment.chosen_vault is not None:
        used.add(assessment.chosen_vault.id.lower())
    findings = [f for fs in assessment.subscriptions.values() for f in fs]
    findings += [f for vid, fs in assessment.vaults.items() if vid in used for f in fs]
    findings += [f for a in assessment.vms for f in a.findings]
    severities = {f.severity for f in findings}
    unknown = any(a.verdict == "unknown" for a in assessment.vms)
    if "blocker" in severities or (strict and ("warning" in severities or unknown)):
        return EXIT_BLOCKED
    return EXIT_OK


def unread_subscriptions(assessment: Assessment) -> list[str]:
    """One line per subscription whose VMs could not be listed (not one of its VMs is in the report)."""
    return [
        f"{clean(s.name)} could not be read ({clean(s.error or 'no reason given')}): no VM of it is in the report"
        for s in assessment.inventory.subscriptions
        if s.access == "error"
    ]


async def _run(args: argparse.Namespace, progress: StderrProgress, out: TextIO, err: TextIO) -> int:
    from tui.azure import ArmPacer
    from tui.command import EXIT_ERROR, signed_in
    from tui.rules import load_rules
    from tui.services.assessment import assess
    from tui.services.files import write_output
    from tui.services.inventory import InventoryService
    from tui.services.probe import run_probes
    from tui.services.report import json_text, to_json, to_markdown, to_table

    if args.read_only and args.probe_guest:
        raise UsageError("--probe-guest runs commands in VMs, which --read-only forbids")
    # check never changes Azure; the in-guest probe is its one exception
    async with (
        signed_in(connect(args), err, progress) as (connection, credential),
        connection.factory(credential, read_only=not args.probe_guest, pacer=ArmPacer()) as factory,
    ):
        service = InventoryService(factory, progress=progress, deadline=args.deadline)
        inventory = await service.scan(args.subscription, args.vm)
        vault = resolve_vault(inventory, args.vault) if args.vault else None
        if args.probe_guest:
            await run_probes(factory, inventory.vms, progress=progress)
    assessment = assess(inventory, load_rules(), vault=vault)
    for line in regions_without_vault(inventory):
        print(f"note: {line}", file=err)
    for vault_read in (u for v in inventory.vaults for u in v.unreadable):
        print(f"note: could not read the {clean(vault_read)}; the report marks it unreadable", file=err)
    cloud = connection.target.cloud
    if args.format == "json":
        text = json_text(to_json(assessment, tool_version=__version__, cloud=cloud))
    elif args.format == "markdown":
        text = to_markdown(assessment, tool_version=__version__, cloud=cloud)
    else:
        text = to_table(assessment)
    if not args.output:
        out.write(text)
    else:
        try:
            path = write_output(args.output, text)
        except OSError as e:  # its message names the file and the cause, in words
            print(f"vmbackup-prep check: {clean(e)}", file=err)
            return EXIT_ERROR
        print(f"report written to {clean(path)}", file=err)
    # A subscription that could not be read is a service error, never a pass: its VMs are not even known.
    unread = unread_subscriptions(assessment)
    for line in unread:
        print(f"vmbackup-prep check: {line}", file=err)
    return EXIT_ERROR if unread else exit_status(assessment, args.strict)


def _interrupted(stop: Interrupted, progress: StderrProgress, probe: bool) -> str:
    """What an interrupted check did, in one line: where it was; no report; nothing changed in Azure."""
    changed = (
        "nothing in Azure was changed (Run Command may still finish the read-only probe in VMs it reached)"
        if probe and progress.last and progress.last[0] == "in-guest probe"
        else "nothing in Azure was changed (check only reads)"
    )
    return f"interrupted by {stop.how} {progress.where()}; no report was written; {changed}"


def run_check(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    from tui.command import StderrProgress, run_command

    err = err or sys.stderr
    progress = StderrProgress(err)
    return run_command(
        "vmbackup-prep check",
        lambda: _run(args, progress, out or sys.stdout, err),
        args,
        err,
        interrupted=lambda stop: f"vmbackup-prep check: {_interrupted(stop, progress, args.probe_guest)}",
    )
