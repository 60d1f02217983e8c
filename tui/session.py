"""The wizard's session: what the user chose and what was done in Azure, and its export.

Exports (all written atomically into one directory):
- ``*.json``: the report (schema vmbackup-prep/report/v1) plus a ``session`` object with every choice and
  every action taken (what, when, result, request ids), so a reader can audit what changed in Azure;
- ``*.md``: the readable report with the session's choices and actions first;
- ``*.sh``: an ``az`` script that reproduces the vault and redundancy steps (and the protection actions).
No Textual imports here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui import __version__

from .model import RECOVERY_SERVICES, SubscriptionFacts, VaultFacts, VmFacts
from .services.actions import Change, Outcome
from .textsafe import code_span, markdown, shell_arg, shell_comment

if TYPE_CHECKING:  # the services load where a record or the export first needs them: the wizard makes its
    # Session before the first paint, which needs none of them (issue 9)
    from .services.assessment import Assessment
    from .services.protection import ProtectionPlan, VmResult
    from .services.vaults import ApplyResult, Plan, StepOutcome

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Action:
    """One change made (or attempted) in Azure."""

    what: Change
    target: str  # the resource id (or subscription) acted on
    when: str
    result: Outcome
    detail: str = ""
    request_ids: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(
        default_factory=dict
    )  # what a replay needs (location, redundancy, ...)


@dataclass
class Session:
    """Choices and actions of one wizard run. The choices survive Back: steps read and write them here."""

    target: str  # "AzureCloud", an ARM endpoint, or "demo estate (emulator)"
    cloud: str
    clock: Clock = _utc_now
    started_at: str = ""
    identity: dict[str, Any] = field(default_factory=dict)  # tid, oid, upn/appid (never the token)
    subscription: SubscriptionFacts | None = None
    region: str | None = None
    vault: VaultFacts | None = None
    selected_vm_ids: list[str] = field(default_factory=list)
    probe_consent: bool = False
    actions: list[Action] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.started_at:
            self.started_at = iso(self.clock())

    def changes(self) -> list[Action]:
        """The actions that changed (or tried to change) something in Azure."""
        return [a for a in self.actions if a.what != Change.GUEST_PROBE]

    def probe_runs(self) -> list[Action]:
        """The read-only in-guest probe runs (Run Command): recorded, but not changes."""
        return [a for a in self.actions if a.what == Change.GUEST_PROBE]

    def record(
        self,
        what: Change | str,
        target: str,
        result: Outcome | str,
        *,
        detail: str = "",
        request_ids: list[str] | None = None,
        **parameters: Any,
    ) -> Action:
        """Record one action (an unknown kind or result raises ValueError: the vocabulary is fixed)."""
        action = Action(
            Change(what),
            target,
            iso(self.clock()),
            Outcome(result),
            detail,
            list(request_ids or ()),
            parameters,
        )
        self.actions.append(action)
        return action

    def record_registration(self, subscription_id: str, outcome: Outcome, detail: str) -> None:
        """Microsoft.RecoveryServices registered in a subscription (or not)."""
        self.record(
            Change.REGISTER_PROVIDER,
            f"/subscriptions/{subscription_id}",
            outcome,
            detail=detail,
            namespace=RECOVERY_SERVICES,
        )

    def record_vault_changes(self, result: ApplyResult) -> None:
        """Each request of an applied vault plan, with what the az script needs to replay it."""
        for outcome in result.outcomes:
            self.record_vault_step(result.plan, outcome)

    def record_vault_step(self, plan: Plan, outcome: StepOutcome) -> None:
        """One request of a vault plan (as soon as its outcome is known, so quitting part-way loses none)."""
        sub = f"/subscriptions/{plan.subscription_id}"
        change = outcome.step.action
        if change == Change.REGISTER_PROVIDER:
            target, params = sub, {"namespace": RECOVERY_SERVICES}
        else:
            group = f"{sub}/resourceGroups/{plan.resource_group}"
            target = group if change == Change.CREATE_RESOURCE_GROUP else plan.vault_id
            params = {
                "resource_group": plan.resource_group,
                "name": plan.vault_name,
                "location": plan.location,
                "redundancy": plan.redundancy,
                "cross_region_restore": bool(plan.cross_region_restore),
            }
        self.record(
            change,
            target,
            outcome.status.outcome,
            detail=outcome.message,
            request_ids=[outcome.request_id] if outcome.request_id else [],
            **params,
        )

    def record_protection(self, plan: ProtectionPlan, result: VmResult) -> None:
        """One VM's enable-protection result, with the vault and policy it used."""
        from .services.protection_report import result_detail

        vault = plan.vault
        self.record(
            Change.ENABLE_PROTECTION,
            result.vm.id,
            result.result.outcome,
            detail=result_detail(result),
            request_ids=[i for i in result.request_ids if i],
            vault_resource_group=vault.resource_group,
            vault_name=vault.name,
            vault_id=vault.id,
            policy=plan.policy.name,
            vm=result.vm.name,
        )

    def record_probe(self, vm: VmFacts, failure: str | None = None) -> None:
        """The in-guest probe of one VM: its answers (``vm.guest``), or why the run failed."""
        guest = vm.guest
        if failure is not None or guest is None:
            self.record(Change.GUEST_PROBE, vm.id, Outcome.FAILED, detail=failure or "no answer", vm=vm.name)
            return
        from .services.concerns import probe_summary

        outcome = Outcome.FAILED if guest.error else Outcome.SUCCEEDED
        detail = probe_summary(guest, vm.os_type)
        self.record(Change.GUEST_PROBE, vm.id, outcome, detail=detail, vm=vm.name, os=vm.os_type)

    def choose_subscription(self, sub: SubscriptionFacts) -> None:
        if self.subscription is None or self.subscription.id.lower() != sub.id.lower():
            self.region, self.vault, self.selected_vm_ids = None, None, []
        self.subscription = sub

    def choose_vault(self, vault: VaultFacts) -> None:
        if self.vault is None or self.vault.id.lower() != vault.id.lower():
            self.selected_vm_ids = []
        self.vault = vault
        self.region = vault.location

    # -- export ----------------------------------------------------------------------------------------
    def as_dict(self, *, exported_at: str | None = None) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "exported_at": exported_at or iso(self.clock()),
            "target": self.target,
            "identity": self.identity,
            "choices": {
                "subscription": {"id": self.subscription.id, "name": self.subscription.name}
                if self.subscription
                else None,
                "region": self.region,
                "vault": {
                    "id": self.vault.id,
                    "name": self.vault.name,
                    "location": self.vault.location,
                    "redundancy": self.vault.redundancy,
                    "cross_region_restore": self.vault.cross_region_restore,
                }
                if self.vault
                else None,
                "vms": list(self.selected_vm_ids),
                "guest_probe_consent": self.probe_consent,
            },
            "actions": [asdict(a) for a in self.actions],
        }

    def export(self, assessment: Assessment, directory: str | Path, *, stem: str | None = None) -> list[Path]:
        """Write the JSON, Markdown and az-script exports; returns their paths.

        All three are rendered before the first is written, so a rendering error leaves no partial set; each
        file is written atomically (a failed write leaves neither a half file nor a temporary one).
        """
        from .services.files import write_output
        from .services.report import to_json, to_markdown

        out = Path(directory).expanduser()
        moment = self.clock()  # one reading: the stem, generated_at and exported_at agree
        stem = stem or f"vmbackup-prep-{moment.strftime('%Y%m%d-%H%M%S')}"
        now = iso(moment)
        report = to_json(assessment, tool_version=__version__, cloud=self.cloud, generated_at=now)
        report["session"] = self.as_dict(exported_at=now)
        # one H1 (the report's), then the session's choices and changes, then the rest of the report
        title, _, rest = to_markdown(
            assessment, tool_version=__version__, cloud=self.cloud, generated_at=now
        ).partition("\n")
        md = f"{title}\n\n{session_markdown(self, exported_at=now)}{rest}"
        texts = [  # modes of new files, less the umask (a replaced file keeps its own)
            (out / f"{stem}.json", json.dumps(report, indent=2) + "\n", 0o666),
            (out / f"{stem}.md", md, 0o666),
            (out / f"{stem}.sh", az_script(self), 0o777),
        ]
        paths = [write_output(path, text, mode=mode, create_dirs=True) for path, text, mode in texts]
        self.exports = [str(p) for p in paths]
        return paths


def session_markdown(session: Session, *, exported_at: str | None = None) -> str:
    d = session.as_dict(exported_at=exported_at)
    c = d["choices"]
    md = markdown
    lines = ["## This vmbackup-prep session", "", f"Started {d['started_at']} against {md(d['target'])}.", ""]
    who = session.identity.get("upn") or session.identity.get("appid") or session.identity.get("oid")
    if who:
        lines += [f"Signed in as {md(who)} (tenant {md(session.identity.get('tid'))}).", ""]
    sub, vault = c["subscription"], c["vault"]
    lines += [
        "| Choice | Value |",
        "|---|---|",
        f"| Subscription | {md(sub['name'] + ' (' + sub['id'] + ')') if sub else '-'} |",
        f"| Region | {md(c['region'] or '-')} |",
        f"| Vault | {md(vault['name'] + ', ' + str(vault['redundancy'])) if vault else '-'} |",
        f"| VMs | {len(c['vms'])} selected |",
        f"| In-guest probe | {'consented' if c['guest_probe_consent'] else 'not run'} |",
        "",
    ]
    changes, probes = session.changes(), session.probe_runs()

    def listed(actions: list[Action]) -> list[str]:
        out = []
        for a in actions:
            ids = f" (request ids: {md(', '.join(a.request_ids))})" if a.request_ids else ""
            line = (
                f"- {md(a.when)} **{md(a.what)}** {code_span(a.target)}: {md(a.result)}{ids}. {md(a.detail)}"
            )
            out.append(line.rstrip())
        return out

    lines += ["## Changes made in Azure", ""]
    lines += listed(changes) or ["None: nothing in Azure was changed."]
    if probes:
        lines += ["", "## Read-only runs in VMs (in-guest probe, Run Command)", "", *listed(probes)]
    return "\n".join(lines) + "\n"


_REDUNDANCY_CLI = {
    "locallyredundant": "LocallyRedundant",
    "lrs": "LocallyRedundant",
    "georedundant": "GeoRedundant",
    "grs": "GeoRedundant",
    "zoneredundant": "ZoneRedundant",
    "zrs": "ZoneRedundant",
}
_CLOUD_CLI = {"AzureUSGovernment", "AzureChinaCloud"}


def _id_part(resource_id: str, key: str) -> str | None:
    """``resourceGroups`` / ``vaults`` / ``subscriptions`` segment of an ARM id (case-insensitive)."""
    parts = [p for p in resource_id.split("/") if p]
    for i, part in enumerate(parts[:-1]):
        if part.lower() == key.lower():
            return parts[i + 1]
    return None


def _vault_params(a: Action) -> dict[str, Any]:
    """The action's parameters, with the vault's resource group, name and location filled in from its target."""
    p = dict(a.parameters)
    p.setdefault("resource_group", p.get("vault_resource_group") or _id_part(a.target, "resourceGroups"))
    p.setdefault("name", p.get("vault_name") or _id_part(a.target, "vaults"))
    return p


def _protecting_vault(session: Session, a: Action) -> tuple[str, str] | None:
    """(resource group, name) of the vault an enable-protection action used (its target is the VM)."""
    p = a.parameters
    group, name = p.get("vault_resource_group"), p.get("vault_name")
    if (not group or not name) and p.get("vault_id"):
        group, name = _id_part(p["vault_id"], "resourceGroups"), _id_part(p["vault_id"], "vaults")
    if (not group or not name) and session.vault is not None:
        group, name = _id_part(session.vault.id, "resourceGroups"), session.vault.name
    return (str(group), str(name)) if group and name else None


def az_script(session: Session) -> str:
    """Replay the successful vault-side actions with the Azure CLI (review before running).

    Every value is one shell word that is exactly the value (``shell_arg``), every comment stays one line
    (``shell_comment``): a newline or ``$(...)`` in a name from Azure never becomes a command.
    """
    q = shell_arg
    lines = [
        "#!/usr/bin/env bash",
        "# Generated by vmbackup-prep: replays the changes this session made in Azure.",
        "# Review it before running; it is idempotent where the Azure CLI is.",
        "set -euo pipefail",
        "",
    ]
    if session.cloud in _CLOUD_CLI:
        lines.append(f"az cloud set --name {q(session.cloud)}")
    elif session.cloud != "AzureCloud":
        lines.append(
            f"# Recorded against {shell_comment(session.target)}: point the Azure CLI at the same cloud first."
        )
    done = [a for a in session.actions if a.result == Outcome.SUCCEEDED]
    if session.subscription and not done:
        lines.append(f"az account set --subscription {q(session.subscription.id)}")
    skipped: list[str] = []
    current = None  # the subscription the CLI is set to: each command runs in the one it was made in
    for a in done:
        what = a.what
        p = _vault_params(a)
        subscription = _id_part(a.target, "subscriptions")
        if subscription and subscription != current and what != Change.GUEST_PROBE:
            lines.append(f"az account set --subscription {q(subscription)}")
            current = subscription
        if what == Change.REGISTER_PROVIDER:
            lines.append(
                f"az provider register --namespace {q(p.get('namespace', RECOVERY_SERVICES))} --wait"
            )
        elif what == Change.CREATE_RESOURCE_GROUP and p.get("location"):
            group = p.get("resource_group") or _id_part(a.target, "resourceGroups")
            lines.append(f"az group create --name {q(str(group))} --location {q(p['location'])}")
        elif what == Change.CREATE_VAULT and p.get("location") and p["resource_group"] and p["name"]:
            lines.append(
                f"az backup vault create --resource-group {q(p['resource_group'])} --name {q(p['name'])} "
                f"--location {q(p['location'])}"
            )
            if p.get("redundancy"):  # else a set-redundancy action of its own follows
                lines += _redundancy_lines(p)
        elif what == Change.SET_REDUNDANCY and p["resource_group"] and p["name"] and p.get("redundancy"):
            lines += _redundancy_lines(p)
        elif (
            what == Change.ENABLE_PROTECTION and (vault := _protecting_vault(session, a)) and p.get("policy")
        ):
            lines.append(
                f"az backup protection enable-for-vm --resource-group {q(vault[0])} "
                f"--vault-name {q(vault[1])} --vm {q(a.target)} --policy-name {q(p['policy'])}"
            )
        elif what != Change.GUEST_PROBE:
            skipped.append(shell_comment(f"# Not replayable (parameters missing): {a.what} {a.target}"))
    if not done:
        lines.append("# No change was made in Azure during this session.")
    lines += skipped
    # a create-vault that set the redundancy may be followed by its own set-redundancy step: say it once
    lines = [line for i, line in enumerate(lines) if i == 0 or line != lines[i - 1] or not line]
    return "\n".join(lines) + "\n"


def _redundancy_lines(p: dict[str, Any]) -> list[str]:
    q = shell_arg
    raw = str(p.get("redundancy"))
    redundancy = _REDUNDANCY_CLI.get(raw.lower(), raw)
    line = (
        f"az backup vault backup-properties set --resource-group {q(p['resource_group'])} --name {q(p['name'])} "
        f"--backup-storage-redundancy {q(redundancy)}"
    )
    if p.get("cross_region_restore") is not None:  # the CLI takes True / False here
        line += f" --cross-region-restore-flag {'True' if p['cross_region_restore'] else 'False'}"
    return [line]
