"""The wizard's model: what every step shares, and every change to it, without Textual.

The App owns one `WizardModel` and hands it to each step. A step reads facts from it and changes it only
through its methods; each change bumps ``version`` and the step then posts a message, so the App can make
every view of a fact follow the fact (nothing stale after a subscription switch, a vault change, a
protection or a re-scan). The rules live here once: which steps can be reached, which VMs can be chosen for
the vault, that a re-scan keeps the in-guest probe's answers, that a vault read from Azure replaces the
older facts, and that a protection shows in the facts at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from tui.connect import Connection
from tui.model import (
    Inventory,
    ProtectionFacts,
    SubscriptionFacts,
    VaultFacts,
    VmFacts,
    region_key,
    same_id,
)
from tui.services.actions import Change, Outcome
from tui.services.concurrency import Progress
from tui.session import Session

if TYPE_CHECKING:  # the rules and the services load when first used: the first paint needs none (issue 9)
    from tui.rules import RuleBook
    from tui.services.assessment import Assessment, VmAssessment
    from tui.services.protection import ProtectionPlan, VmResult
    from tui.services.vaults import ApplyResult, Plan, StepOutcome
    from tui.workspace import Workspace


class Step(StrEnum):
    """The wizard's steps, in order (also the ids of their panes)."""

    SIGNIN = "signin"
    SUBSCRIPTION = "subscription"
    VAULT = "vault"
    VMS = "vms"
    AGENT = "agent"
    CONNECTIVITY = "connectivity"
    LIMITATIONS = "limitations"
    PROTECT = "protect"
    SUMMARY = "summary"


INTERRUPTED_DETAIL = (
    "Sent, but the wizard quit before Azure answered: it may still complete. Check it in the portal or with az "
    "before running it again."
)


def default_export_dir() -> str:
    return str(Path(platformdirs.user_documents_dir()) / "vmbackup-prep")


@dataclass(frozen=True)
class VmChoice:
    """A VM of the subscription as the VMs step offers it: its assessment and, when it cannot be chosen for
    the vault, why (short, full)."""

    assessment: VmAssessment
    why_not: tuple[str, str] | None

    @property
    def id(self) -> str:
        return self.assessment.vm.id


@dataclass(frozen=True)
class ExportResult:
    directory: str
    paths: list[Path] = field(default_factory=list)
    error: str | None = None  # why nothing was written
    where: str | None = None  # the path that could not be written


class WizardModel:
    """Session, inventory, rules and the assessments of one wizard run; every change goes through here."""

    def __init__(
        self,
        workspace: Workspace,
        session: Session | None = None,
        *,
        rules: RuleBook | None = None,
        export_dir: str | None = None,
    ) -> None:
        self.workspace = workspace
        connection = workspace.connection
        self.session = session or Session(target=connection.label, cloud=connection.target.cloud)
        self._rules = rules
        self.inventory: Inventory | None = None
        self.export_dir = export_dir or default_export_dir()
        self.last_export: ExportResult | None = None
        self.version = 0  # bumped by every change: views compare it with the version they show
        self._cache: dict[Any, Any] = {}

    @property
    def rules(self) -> RuleBook:
        """The rule book (the packaged catalog unless one was given), read when first needed."""
        if self._rules is None:
            from tui.rules import load_rules

            self._rules = load_rules()
        return self._rules

    @property
    def connection(self) -> Connection:
        return self.workspace.connection

    def changed(self) -> int:
        """Note a change (forgets what was computed from the old facts); returns the new version."""
        self.version += 1
        self._cache.clear()
        return self.version

    def _cached(self, key: Any, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # -- what can be done -------------------------------------------------------------------------------
    def reachable(self) -> set[Step]:
        """The steps whose prerequisites are met: signed in, a scanned subscription, a vault, VMs."""
        s = self.session
        ok = {Step.SIGNIN}
        if s.identity:
            ok.add(Step.SUBSCRIPTION)
        if s.subscription is not None and self.inventory is not None:
            ok |= {Step.VAULT, Step.SUMMARY}
            if s.vault is not None:
                ok.add(Step.VMS)
                if s.selected_vm_ids:
                    ok |= {Step.AGENT, Step.CONNECTIVITY, Step.LIMITATIONS, Step.PROTECT}
        return ok

    # -- facts ------------------------------------------------------------------------------------------
    def vault(self, vault_id: str | None) -> VaultFacts | None:
        return self.inventory.vault(vault_id) if self.inventory is not None and vault_id else None

    def vaults_in(self, region: str | None) -> list[VaultFacts]:
        if self.inventory is None or region is None:
            return []
        here = (v for v in self.inventory.vaults if region_key(v.location) == region)
        return sorted(here, key=lambda v: v.name.lower())

    def is_chosen(self, vault: VaultFacts) -> bool:
        return same_id(self.session.vault.id if self.session.vault else None, vault.id)

    def selected_vms(self) -> list[VmFacts]:
        chosen = {i.lower() for i in self.session.selected_vm_ids}
        return [v for v in self.inventory.vms if v.id.lower() in chosen] if self.inventory else []

    def assessment(self, *, selected_only: bool = True) -> Assessment | None:
        """The rules applied to the subscription (the selected VMs only, by default) and the chosen vault."""
        if self.inventory is None:
            return None

        from tui.services.assessment import assess

        def make() -> Assessment:
            assert self.inventory is not None
            inv = self.inventory
            if selected_only:
                inv = replace(inv, vms=self.selected_vms())
            return assess(inv, self.rules, vault=self.session.vault)

        return self._cached(("assessment", selected_only), make)

    def summary_assessment(self) -> tuple[Assessment, str] | None:
        """What the summary and the export cover (the selected VMs, else the vault's region, else all), and
        a sentence saying so."""
        if self.inventory is None:
            return None

        from tui.services.assessment import assess
        from tui.services.findings import summary_scope

        def make() -> tuple[Assessment, str]:
            assert self.inventory is not None
            s = self.session
            inventory, scope = summary_scope(self.inventory, s.selected_vm_ids, s.vault)
            return assess(inventory, self.rules, vault=s.vault), scope

        return self._cached("summary", make)

    def vm_choices(self) -> list[VmChoice]:
        """Every VM with its verdict, the selectable ones first (by region and name); none without a vault."""
        vault = self.session.vault
        assessment = self.assessment(selected_only=False)
        if vault is None or assessment is None:
            return []

        from tui.services.selection import unselectable

        def make() -> list[VmChoice]:
            vaults = assessment.inventory.vaults
            rows = [VmChoice(a, unselectable(a.vm, vault, vaults)) for a in assessment.vms]
            return sorted(
                rows,
                key=lambda r: (r.why_not is not None, r.assessment.vm.location, r.assessment.vm.name.lower()),
            )

        return self._cached("choices", make)

    # -- changes ----------------------------------------------------------------------------------------
    def signed_in(self, identity: dict[str, Any]) -> None:
        self.session.identity = identity
        self.changed()

    def signed_out(self) -> None:
        self.session.identity = {}
        self.changed()

    async def rescan(self, subscription: SubscriptionFacts, progress: Progress | None = None) -> None:
        """Read the subscription again (or for the first time) and take the result in."""
        self.inventory_loaded(await self.workspace.scan(subscription.id, progress), subscription)

    def inventory_loaded(self, inventory: Inventory, subscription: SubscriptionFacts | None = None) -> None:
        """A scan's result: it chooses its subscription (another one forgets the vault and the selection);
        it keeps the in-guest probe's answers (ARM cannot see inside a guest); the chosen vault takes the
        fresh facts; VMs that can no longer be chosen leave the selection."""
        if subscription is not None:
            self.session.choose_subscription(inventory.subscription(subscription.id) or subscription)
        if self.inventory is not None:
            probed = {vm.id.lower(): vm.guest for vm in self.inventory.vms if vm.guest is not None}
            for vm in inventory.vms:
                vm.guest = vm.guest or probed.get(vm.id.lower())
        self.inventory = inventory
        if self.session.vault is not None:
            fresh = inventory.vault(self.session.vault.id)
            if fresh is not None:
                self.session.vault = fresh
        self._keep_selectable()
        self.changed()

    def use_vault(self, vault: VaultFacts) -> None:
        """The vault the VMs will be prepared for (another vault empties the selection)."""
        self.session.choose_vault(self.vault(vault.id) or vault)
        self._keep_selectable()
        self.changed()

    def replace_vault(self, vault: VaultFacts) -> None:
        """The vault as just read from Azure replaces the older facts (in the inventory and as chosen)."""
        if self.inventory is not None:
            others = [v for v in self.inventory.vaults if not same_id(v.id, vault.id)]
            self.inventory.vaults = [*others, vault]
        if self.session.vault is not None and same_id(self.session.vault.id, vault.id):
            self.session.vault = vault
        self.changed()

    def select(self, vm_ids: Iterable[str]) -> None:
        """Choose these VMs (the selectable ones, in the list's order, so exports read naturally)."""
        wanted = {i.lower() for i in vm_ids}
        self.session.selected_vm_ids = [
            c.id for c in self.vm_choices() if c.why_not is None and c.id.lower() in wanted
        ]
        self.changed()

    def _keep_selectable(self) -> None:
        self._cache.clear()
        selectable = {c.id.lower() for c in self.vm_choices() if c.why_not is None}
        self.session.selected_vm_ids = [i for i in self.session.selected_vm_ids if i.lower() in selectable]

    def facts_refreshed(self) -> None:
        """VM facts were re-read in place (the agent step's instance views)."""
        self.changed()

    def interrupted(self, what: Change, targets: Iterable[str], **parameters: Any) -> None:
        """Requests sent whose answer the wizard stopped waiting for (it quit): recorded as interrupted."""
        for target in targets:
            self.session.record(what, target, Outcome.INTERRUPTED, detail=INTERRUPTED_DETAIL, **parameters)
        self.changed()

    def vault_step_done(self, plan: Plan, outcome: StepOutcome) -> None:
        """One request of a vault plan answered (or interrupted): recorded at once."""
        self.session.record_vault_step(plan, outcome)
        self.changed()

    def vault_changes_applied(self, result: ApplyResult, *, recorded: bool = False) -> None:
        """A vault plan ran: its requests recorded (unless `vault_step_done` did, step by step); the vault as
        re-read replaces the old facts, and is the chosen one when everything succeeded."""
        if not recorded:
            self.session.record_vault_changes(result)
        if result.vault is not None:
            self.replace_vault(result.vault)
            if result.ok:
                self.use_vault(result.vault)
        self.changed()

    def provider_registered(
        self, subscription: SubscriptionFacts, state: str | None, error: str | None
    ) -> None:
        if error is None:
            subscription.provider_state = state
            self.session.record_registration(subscription.id, Outcome.SUCCEEDED, f"state {state}")
        else:
            self.session.record_registration(subscription.id, Outcome.FAILED, error)
        self.changed()

    def probed(self, vms: Iterable[VmFacts], failure: str | None = None) -> None:
        """The in-guest probe ran (with consent) on these VMs: each answer (or the failure) recorded."""
        self.session.probe_consent = True
        for vm in vms:
            self.session.record_probe(vm, failure if vm.guest is None else None)
        self.changed()

    def protection_enabled(self, plan: ProtectionPlan, results: Iterable[VmResult]) -> None:
        """Protection results recorded, and shown in the facts at once (the re-scan that follows confirms
        them): the VM protected by the vault with the policy, the vault counting it and its redundancy
        locked, as the service locks it with the first protected item."""
        from tui.services.protection import VmOutcome

        vault_id = plan.vault.id
        for r in results:
            self.session.record_protection(plan, r)
            if r.result != VmOutcome.PROTECTED:
                continue
            vm = (
                next((v for v in self.inventory.vms if same_id(v.id, r.vm.id)), r.vm)
                if self.inventory
                else r.vm
            )
            failing = r.protection_state == "ProtectionError"
            vm.protection = ProtectionFacts(
                status="ProtectionFailed" if failing else "Protected",
                vault_id=vault_id,
                policy_name=plan.policy.name,
                source="enabled",
            )
            for vault in (self.vault(vault_id), self.session.vault):  # one object, or the same vault twice
                if vault is not None and same_id(vault.id, vault_id):
                    vault.protected_vm_ids.add(vm.id.lower())
                    vault.protected_vms = len(vault.protected_vm_ids)
                    vault.redundancy_locked = True
        self.changed()

    def export(self, directory: str | None = None) -> ExportResult:
        """Write the JSON, Markdown and az script of what the summary covers (atomically)."""
        directory = (directory if directory is not None else self.export_dir).strip() or default_export_dir()
        covered = self.summary_assessment()
        if covered is None:
            result = ExportResult(
                directory, error="Choose a subscription first: there is nothing to export yet."
            )
        else:
            try:
                result = ExportResult(directory, self.session.export(covered[0], directory))
            except OSError as e:
                result = ExportResult(directory, error=e.strerror or str(e), where=e.filename or directory)
        self.last_export = result
        self.changed()
        return result
