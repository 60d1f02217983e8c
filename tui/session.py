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
import shlex
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tui import __version__

from .services.assessment import Assessment
from .services.files import atomic_write_text
from .services.model import SubscriptionFacts, VaultFacts
from .services.report import to_json, to_markdown

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Action:
    """One change made (or attempted) in Azure."""

    what: str  # "create-resource-group" | "create-vault" | "set-redundancy" | "register-provider" | "enable-protection" | "guest-probe"
    target: str  # the resource id (or subscription) acted on
    when: str
    result: str  # "succeeded" | "failed" | "refused" | "skipped"
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

    def record(
        self,
        what: str,
        target: str,
        result: str,
        *,
        detail: str = "",
        request_ids: list[str] | None = None,
        **parameters: Any,
    ) -> Action:
        action = Action(what, target, iso(self.clock()), result, detail, list(request_ids or ()), parameters)
        self.actions.append(action)
        return action

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
    def as_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "exported_at": iso(self.clock()),
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
        """Write the JSON, Markdown and az-script exports; returns their paths."""
        out = Path(directory).expanduser()
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        stem = stem or f"vmbackup-prep-{stamp}"
        now = iso(self.clock())
        report = to_json(assessment, tool_version=__version__, cloud=self.cloud, generated_at=now)
        report["session"] = self.as_dict()
        md = (
            session_markdown(self)
            + "\n"
            + to_markdown(assessment, tool_version=__version__, cloud=self.cloud, generated_at=now)
        )
        paths = [
            atomic_write_text(out / f"{stem}.json", json.dumps(report, indent=2) + "\n"),
            atomic_write_text(out / f"{stem}.md", md),
            atomic_write_text(out / f"{stem}.sh", az_script(self), mode=0o755),
        ]
        self.exports = [str(p) for p in paths]
        return paths


def session_markdown(session: Session) -> str:
    d = session.as_dict()
    c = d["choices"]
    lines = ["# vmbackup-prep session", "", f"Started {d['started_at']} against {d['target']}.", ""]
    who = session.identity.get("upn") or session.identity.get("appid") or session.identity.get("oid")
    if who:
        lines += [f"Signed in as {who} (tenant {session.identity.get('tid')}).", ""]
    lines += [
        "| Choice | Value |",
        "|---|---|",
        f"| Subscription | {c['subscription']['name'] + ' (' + c['subscription']['id'] + ')' if c['subscription'] else '-'} |",
        f"| Region | {c['region'] or '-'} |",
        f"| Vault | {c['vault']['name'] + ', ' + str(c['vault']['redundancy']) if c['vault'] else '-'} |",
        f"| VMs | {len(c['vms'])} selected |",
        f"| In-guest probe | {'consented' if c['guest_probe_consent'] else 'not run'} |",
        "",
    ]
    lines += ["## Changes made in Azure", ""]
    if not session.actions:
        lines.append("None: nothing in Azure was changed.")
    for a in session.actions:
        ids = f" (request ids: {', '.join(a.request_ids)})" if a.request_ids else ""
        lines.append(f"- {a.when} **{a.what}** `{a.target}`: {a.result}{ids}. {a.detail}".rstrip())
    return "\n".join(lines) + "\n"


_REDUNDANCY_CLI = {
    "LocallyRedundant": "LocallyRedundant",
    "GeoRedundant": "GeoRedundant",
    "ZoneRedundant": "ZoneRedundant",
}


def az_script(session: Session) -> str:
    """Replay the successful vault-side actions with the Azure CLI (review before running)."""
    q = shlex.quote
    lines = [
        "#!/usr/bin/env bash",
        "# Generated by vmbackup-prep: replays the changes this session made in Azure.",
        "# Review it before running; it is idempotent where the Azure CLI is.",
        "set -euo pipefail",
        "",
    ]
    if session.subscription:
        lines.append(f"az account set --subscription {q(session.subscription.id)}")
    done = [a for a in session.actions if a.result == "succeeded"]
    for a in done:
        p = a.parameters
        if a.what == "register-provider":
            lines.append(
                f"az provider register --namespace {q(p.get('namespace', 'Microsoft.RecoveryServices'))} --wait"
            )
        elif a.what == "create-resource-group":
            lines.append(f"az group create --name {q(p['resource_group'])} --location {q(p['location'])}")
        elif a.what == "create-vault":
            lines.append(
                f"az backup vault create --resource-group {q(p['resource_group'])} --name {q(p['name'])} "
                f"--location {q(p['location'])}"
            )
            lines += _redundancy_lines(p)
        elif a.what == "set-redundancy":
            lines += _redundancy_lines(p)
        elif a.what == "enable-protection":
            lines.append(
                f"az backup protection enable-for-vm --resource-group {q(p['vault_resource_group'])} "
                f"--vault-name {q(p['vault_name'])} --vm {q(a.target)} --policy-name {q(p['policy'])}"
            )
    if not done:
        lines.append("# No change was made in Azure during this session.")
    return "\n".join(lines) + "\n"


def _redundancy_lines(p: dict[str, Any]) -> list[str]:
    q = shlex.quote
    redundancy = _REDUNDANCY_CLI.get(str(p.get("redundancy")), str(p.get("redundancy")))
    crr = "True" if p.get("cross_region_restore") else "False"
    return [
        f"az backup vault backup-properties set --resource-group {q(p['resource_group'])} --name {q(p['name'])} "
        f"--backup-storage-redundancy {q(redundancy)} --cross-region-restore-flag {crr}"
    ]
