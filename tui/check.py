"""``vmbackup-prep check``: the readiness report, headless, for scripts and CI.

Exit status: 0 no blocker (with --strict: no blocker and no warning), 1 at least one blocker (or warning
with --strict), 2 usage, sign-in or service error. The report goes to stdout or --output; progress and
messages go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from azure.core.exceptions import AzureError, ClientAuthenticationError

from tui import __version__
from tui.azure import ArmPacer, explain
from tui.connect import UsageError, add_deadline_option, add_target_options, connect
from tui.model import Inventory, VaultFacts, same_id
from tui.rules import RulesError, load_rules
from tui.services.assessment import Assessment, assess
from tui.services.files import atomic_write_text
from tui.services.inventory import InventoryService, ScanError
from tui.services.probe import run_probes
from tui.services.report import json_text, to_json, to_markdown, to_table

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


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
    p.add_argument("--output", metavar="FILE", help="write the report here (atomically) instead of stdout")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    add_deadline_option(p)
    return p


class StderrProgress:
    """One self-rewriting line on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[2K{stage} {done}/{total}")
            self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def resolve_vault(inventory: Inventory, wanted: str) -> VaultFacts:
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
    if "blocker" in severities or (strict and "warning" in severities):
        return EXIT_BLOCKED
    return EXIT_OK


async def _run(args: argparse.Namespace, err: TextIO) -> tuple[str, int]:
    if args.read_only and args.probe_guest:
        raise UsageError("--probe-guest runs commands in VMs, which --read-only forbids")
    connection = connect(args)
    progress = StderrProgress(err)
    try:
        connection.read_only = (
            not args.probe_guest
        )  # check never changes Azure; the probe is its one exception
        credential = await connection.headless_credential(err)
        try:
            async with connection.factory(credential, pacer=ArmPacer()) as factory:
                service = InventoryService(factory, progress=progress, deadline=args.deadline)
                inventory = await service.scan(args.subscription, args.vm)
                vault = resolve_vault(inventory, args.vault) if args.vault else None
                if args.probe_guest:
                    await run_probes(factory, inventory.vms, progress=progress)
        finally:
            await credential.close()
            progress.done()
        assessment = assess(inventory, load_rules(), vault=vault)
    finally:
        connection.close()
    cloud = connection.target.cloud
    if args.format == "json":
        text = json_text(to_json(assessment, tool_version=__version__, cloud=cloud))
    elif args.format == "markdown":
        text = to_markdown(assessment, tool_version=__version__, cloud=cloud)
    else:
        text = to_table(assessment)
    return text, exit_status(assessment, args.strict)


def run_check(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    try:
        text, status = asyncio.run(_run(args, err))
    except (UsageError, ScanError, RulesError, ValueError) as e:
        print(f"vmbackup-prep check: {e}", file=err)
        return EXIT_ERROR
    except (AzureError, ClientAuthenticationError, OSError) as e:
        problem = explain(e, auth=args.auth)
        print(f"vmbackup-prep check: {problem.title}: {problem.detail} {problem.remedy}".rstrip(), file=err)
        return EXIT_ERROR
    if args.output:
        try:
            path = atomic_write_text(args.output, text)
        except OSError as e:
            print(f"vmbackup-prep check: cannot write {args.output}: {e.strerror}", file=err)
            return EXIT_ERROR
        print(f"report written to {path}", file=err)
    else:
        out.write(text)
    return status
