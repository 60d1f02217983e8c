"""Recovery Services vaults: name checks, plans for creating a vault or changing its redundancy, applying them.

A change is always two steps for the caller: ``plan_*`` reads Azure (never writes) and returns a `Plan` that
says in plain words what would be sent, what becomes permanent, or why it must not be done; `VaultService.apply`
then runs exactly those steps, records each outcome with its ``x-ms-request-id`` and re-reads the vault.

Decisions:

* ``check_name``: checkNameAvailability is resource-group scoped and real Azure answers 404 when the group
  does not exist yet. Then (and also after an "available" answer) the subscription's vault list is searched
  for the name: the Backup docs want vault names unique in the subscription (facts §1.1), and a create in
  another group would fail with 409 otherwise. When the service says taken, the list names the group.
* A redundancy change on an existing vault is a vault PATCH with ``redundancySettings`` (``vaults.begin_update``;
  the service may answer 202 + Azure-AsyncOperation). Not the backup storage config API: once the vault API
  has set a vault's redundancy (as our create does) the service refuses the storage config API for it
  ("Redundancy settings for this vault cannot be modified using this API", facts §0). Redundancy and Cross
  Region Restore of a *new* vault go in the create request itself (``redundancySettings``), so there is no
  window with the service default.
* Before anything touches Microsoft.RecoveryServices the provider's state is read with ``providers.get``:
  an unregistered namespace answers 409 and the SDK would then register it by itself (a write nobody asked
  for). A create plan on an unregistered subscription gets an explicit registration step instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from tui.azure import ClientFactory, ReadOnlyViolation, RequestIdHook, explain, request_id_of
from tui.azure.clients import LRO_TIMEOUT
from tui.model import RECOVERY_SERVICES, VaultFacts, region_key

from .actions import Change, Reported
from .facts import VM_ITEMS_FILTER, provider_state, resource_group_of, vault_facts
from .providers import read_provider_state

__all__ = [
    "RECOVERY_SERVICES",
    "REDUNDANCY_OPTIONS",
    "ApplyResult",
    "NameCheck",
    "Plan",
    "PlanStep",
    "ProviderRegistrationTimeout",
    "StepOutcome",
    "StepStatus",
    "VaultService",
    "normalize_redundancy",
    "validate_resource_group_name",
    "validate_vault_name",
]

VAULT_TYPE = "Microsoft.RecoveryServices/vaults"
REDUNDANCY_OPTIONS = ("GeoRedundant", "LocallyRedundant", "ZoneRedundant")
_ALIASES = {"grs": "GeoRedundant", "lrs": "LocallyRedundant", "zrs": "ZoneRedundant"}

CRR_IRREVERSIBLE = "Cross Region Restore cannot be turned off once enabled"
LOCKS_ON_PROTECTION = (
    "the storage redundancy locks when the first item is protected: after that it can only be changed by "
    "re-creating the vault"
)
SOFT_DELETE_DEFAULT = (
    "soft delete is on by default: backup data of a deleted item is kept for 14 more days (free for those "
    "14 days; the retention can be raised to 180 days)"
)


# -- local name rules ---------------------------------------------------------------------------------------
def _shown(ch: str) -> str:
    return "a space" if ch == " " else ("a tab" if ch == "\t" else f"'{ch}'")


def _bad_chars(name: str, ok: Callable[[str], bool]) -> str | None:
    bad = list(dict.fromkeys(c for c in name if not ok(c)))
    if not bad:
        return None
    shown = [_shown(c) for c in bad]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _edges(name: str, what: str) -> str | None:
    if name != name.lstrip():
        return f"'{name}' starts with {_shown(name[0])} — remove the spaces before the {what}"
    if name != name.rstrip():
        return f"'{name}' ends with {_shown(name[-1])} — remove the spaces after the {what}"
    return None


def _chars(n: int) -> str:
    return f"{n} character" if n == 1 else f"{n} characters"


def _vault_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "-")


def validate_vault_name(name: str) -> str | None:
    """None when ``name`` is a valid Recovery Services vault name, else one sentence saying what is wrong.

    Rules (facts §1.1): 2 to 50 characters; letters, digits and hyphens; starts with a letter.
    """
    if not name:
        return "The vault name is empty — a vault name needs 2 to 50 characters"
    edge = _edges(name, "name")
    if edge:
        return edge
    bad = _bad_chars(name, _vault_char)
    if bad:
        return f"'{name}' contains {bad} — only letters, digits and hyphens are allowed"
    if not name[0].isalpha():
        return f"'{name}' must start with a letter"
    if not 2 <= len(name) <= 50:
        return f"'{name}' is {_chars(len(name))} — a vault name needs 2 to 50"
    return None


def _group_char(c: str) -> bool:
    return c.isalnum() or c in "_-.()"


def validate_resource_group_name(name: str) -> str | None:
    """None when ``name`` is a valid resource group name, else one sentence saying what is wrong.

    Rules (ARM): 1 to 90 characters; letters, digits, underscores, hyphens, periods and parentheses;
    must not end with a period.
    """
    if not name:
        return "The resource group name is empty — a resource group name needs 1 to 90 characters"
    edge = _edges(name, "name")
    if edge:
        return edge
    bad = _bad_chars(name, _group_char)
    if bad:
        return (
            f"'{name}' contains {bad} — only letters, digits, underscores, hyphens, periods and "
            "parentheses are allowed"
        )
    if len(name) > 90:
        return f"'{name}' is {_chars(len(name))} — a resource group name needs 1 to 90"
    if name.endswith("."):
        return f"'{name}' ends with a period — a resource group name cannot end with '.'"
    return None


def normalize_redundancy(value: str) -> str | None:
    """``GeoRedundant``/``LocallyRedundant``/``ZoneRedundant`` for any casing or GRS/LRS/ZRS; else None."""
    v = value.strip().lower()
    if v in _ALIASES:
        return _ALIASES[v]
    return next((r for r in REDUNDANCY_OPTIONS if r.lower() == v), None)


def _crr(enabled: bool) -> str:
    return "on" if enabled else "off"


# -- data ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NameCheck:
    """Whether a vault name can be used; ``reason`` is Invalid / AlreadyExists / the service's reason."""

    available: bool
    reason: str | None
    message: str


@dataclass(frozen=True)
class PlanStep:
    """One request a plan will send, described for a person."""

    description: str
    operation: str  # "PUT /subscriptions/.../resourceGroups/rg"
    irreversible: bool = False
    why: str | None = None  # why it cannot be undone
    action: Change = (
        Change.CREATE_VAULT
    )  # register-provider, create-resource-group, create-vault, set-redundancy
    body: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "operation": self.operation,
            "irreversible": self.irreversible,
            "why": self.why,
        }


@dataclass(frozen=True)
class Plan:
    """What would be done to one vault. No steps and no refusal means there is nothing to do."""

    subscription_id: str
    resource_group: str
    vault_name: str
    location: str | None
    redundancy: str | None
    cross_region_restore: bool | None
    summary: str
    steps: list[PlanStep] = field(default_factory=list)
    irreversible: list[str] = field(default_factory=list)
    refusal: str | None = None
    current: VaultFacts | None = None  # the vault as read when planning (None: it does not exist yet)

    @property
    def noop(self) -> bool:
        return not self.steps and self.refusal is None

    @property
    def vault_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/{VAULT_TYPE}/{self.vault_name}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "vault_id": self.vault_id,
            "summary": self.summary,
            "steps": [s.as_dict() for s in self.steps],
            "irreversible": list(self.irreversible),
            "refusal": self.refusal,
        }


class StepStatus(Reported):
    OK = "ok"
    FAILED = "failed"  # the service said no
    REFUSED = "refused"  # not sent: --read-only
    NOT_RUN = "not-run"  # an earlier step did not succeed
    INTERRUPTED = "interrupted"  # sent, then the caller stopped waiting (the wizard quit)


@dataclass(frozen=True)
class StepOutcome:
    """What happened to one step: ok, failed (service error), refused (--read-only) or not-run."""

    step: PlanStep
    status: StepStatus
    message: str = ""
    remedy: str | None = None
    code: str | None = None
    request_id: str | None = None
    at: str = ""  # ISO 8601 UTC time the step finished

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.step.as_dict(),
            "status": self.status,
            "message": self.message,
            "remedy": self.remedy,
            "code": self.code,
            "request_id": self.request_id,
            "at": self.at,
        }


@dataclass(frozen=True)
class ApplyResult:
    """The outcome of `VaultService.apply`: each step, and the vault as Azure shows it afterwards."""

    plan: Plan
    outcomes: list[StepOutcome]
    vault: VaultFacts | None  # re-read after the steps (None: it does not exist, or could not be read)
    refusal: str | None = None  # the plan's refusal: nothing was run
    read_error: str | None = None  # why the vault could not be re-read

    @property
    def ok(self) -> bool:
        return self.refusal is None and all(o.status == StepStatus.OK for o in self.outcomes)

    @property
    def failed(self) -> StepOutcome | None:
        return next((o for o in self.outcomes if o.status in (StepStatus.FAILED, StepStatus.REFUSED)), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.as_dict(),
            "ok": self.ok,
            "refusal": self.refusal,
            "steps": [o.as_dict() for o in self.outcomes],
            "read_error": self.read_error,
        }


class ProviderRegistrationTimeout(TimeoutError):
    """Microsoft.RecoveryServices did not reach Registered in time."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- the service --------------------------------------------------------------------------------------------
class VaultService:
    """Vault reads, plans and changes through one `ClientFactory` (which enforces --read-only)."""

    def __init__(
        self, factory: ClientFactory, *, poll_interval: float = 2.0, register_timeout: float = 300.0
    ) -> None:
        self.factory = factory
        self.poll_interval = poll_interval
        self.register_timeout = register_timeout

    # reads ----------------------------------------------------------------------------------------------
    async def provider_state(self, subscription_id: str) -> str:
        """Microsoft.RecoveryServices registration state in the subscription."""
        return await read_provider_state(self.factory, subscription_id) or "Unknown"

    async def read_vault(self, subscription_id: str, resource_group: str, name: str) -> VaultFacts:
        """The vault as Azure shows it now: redundancy and lock from the backup storage config, protected VMs
        from the vault's protected items. Raises ``ResourceNotFoundError`` when it does not exist."""
        doc = (
            await self.factory.recovery_services(subscription_id).vaults.get(resource_group, name)
        ).as_dict()
        name = str(doc.get("name") or name)
        config, items = await asyncio.gather(
            self.factory.backup(subscription_id).backup_resource_storage_configs_non_crr.get(
                name, resource_group
            ),
            self._protected_items(subscription_id, resource_group, name),
        )
        return vault_facts(doc, protected_items=items, storage_config=config.as_dict())

    async def _protected_items(
        self, subscription_id: str, resource_group: str, name: str
    ) -> list[dict[str, Any]]:
        pager = self.factory.backup(subscription_id).backup_protected_items.list(
            name, resource_group, filter=VM_ITEMS_FILTER
        )
        return [item.as_dict() async for item in pager]

    async def _vault_or_none(self, subscription_id: str, resource_group: str, name: str) -> VaultFacts | None:
        try:
            return await self.read_vault(subscription_id, resource_group, name)
        except ResourceNotFoundError:
            return None

    async def _group_exists(self, subscription_id: str, resource_group: str) -> bool:
        try:
            await self.factory.resources(subscription_id).resource_groups.get(resource_group)
        except ResourceNotFoundError:
            return False
        return True

    # names ----------------------------------------------------------------------------------------------
    async def check_name(
        self, subscription_id: str, resource_group: str, location: str, name: str
    ) -> NameCheck:
        """Can a new vault be called ``name``? Local rules first (nothing is sent for an invalid name), then
        checkNameAvailability in the resource group, then the subscription's vaults (see module docstring).
        """
        problem = validate_vault_name(name)
        if problem:
            return NameCheck(False, "Invalid", problem)
        if await self.provider_state(subscription_id) != "Registered":
            return NameCheck(
                True,
                None,
                f"'{name}' is free: {RECOVERY_SERVICES} is not registered in this subscription yet, so it "
                "has no vaults (register the provider before creating the vault)",
            )
        rs = self.factory.recovery_services(subscription_id)
        group_missing = False
        try:
            result = await rs.recovery_services.check_name_availability(
                resource_group, region_key(location), {"type": VAULT_TYPE, "name": name}
            )
        except ResourceNotFoundError:  # the resource group does not exist yet
            group_missing = True
        else:
            if not result.name_available:
                reason = result.reason or "AlreadyExists"
                detail = (result.message or "the name is not available").rstrip(".")
                if reason == "AlreadyExists":
                    where = await self._vault_named(subscription_id, name) or resource_group
                    detail = f"a vault with that name already exists in resource group '{where}'"
                return NameCheck(False, reason, f"'{name}' cannot be used: {detail}")
        other = await self._vault_named(subscription_id, name)
        if other is not None:
            return NameCheck(
                False,
                "AlreadyExists",
                f"'{name}' cannot be used: a vault with that name already exists in resource group "
                f"'{other}' of this subscription, and vault names must be unique in a subscription",
            )
        if group_missing:
            return NameCheck(
                True,
                None,
                f"'{name}' is free as far as can be checked: resource group '{resource_group}' does not "
                "exist yet and no vault in this subscription has that name",
            )
        return NameCheck(True, None, f"'{name}' is available")

    async def _vault_named(self, subscription_id: str, name: str) -> str | None:
        """The resource group of a vault called ``name`` anywhere in the subscription, else None."""
        low = name.lower()
        async for vault in self.factory.recovery_services(subscription_id).vaults.list_by_subscription_id():
            if (vault.name or "").lower() == low:
                return resource_group_of(vault.id or "") or "?"
        return None

    # plans ----------------------------------------------------------------------------------------------
    async def plan_create(
        self,
        subscription_id: str,
        resource_group: str,
        name: str,
        location: str,
        redundancy: str,
        cross_region_restore: bool,
        *,
        create_group: bool,
    ) -> Plan:
        """Plan a new vault (and its resource group when ``create_group``) with these settings.

        Only reads. When the vault already exists in the group, the plan converges it instead: nothing to
        do when the settings match, else the redundancy plan (`plan_redundancy`). A failed read raises the
        SDK's error (explain it with `tui.azure.explain`)."""
        region = region_key(location)
        red = normalize_redundancy(redundancy)

        def refuse(reason: str, current: VaultFacts | None = None) -> Plan:
            return Plan(
                subscription_id,
                resource_group,
                name,
                region,
                red or redundancy,
                cross_region_restore,
                summary=f"Vault {name} will not be created",
                refusal=reason,
                current=current,
            )

        problem = validate_vault_name(name) or validate_resource_group_name(resource_group)
        if problem:
            return refuse(f"{problem}.")
        if not region:
            return refuse("A region is needed: the vault must be in the same region as the VMs it protects.")
        if red is None:
            return refuse(_bad_redundancy(redundancy))
        if cross_region_restore and red != "GeoRedundant":
            return refuse(_crr_needs_grs(red))

        registered = await self.provider_state(subscription_id) == "Registered"
        group_exists = await self._group_exists(subscription_id, resource_group)
        if not group_exists and not create_group:
            return refuse(
                f"Resource group '{resource_group}' does not exist in this subscription: pick an existing "
                "group or let the wizard create it."
            )
        current = (
            await self._vault_or_none(subscription_id, resource_group, name)
            if registered and group_exists
            else None
        )
        if current is not None:
            if region_key(current.location) != region:
                return refuse(
                    f"Vault {name} already exists in resource group '{resource_group}' in "
                    f"{current.location}, and a vault cannot be moved to another region: choose another "
                    f"name for a vault in {region}.",
                    current,
                )
            return await self.plan_redundancy(current, red, cross_region_restore)

        sub = f"/subscriptions/{subscription_id}"
        rg_path = f"{sub}/resourceGroups/{resource_group}"
        steps: list[PlanStep] = []
        if not registered:
            steps.append(
                PlanStep(
                    description=f"Register the {RECOVERY_SERVICES} resource provider in the subscription "
                    "(needed before any vault can exist there)",
                    operation=f"POST {sub}/providers/{RECOVERY_SERVICES}/register",
                    action=Change.REGISTER_PROVIDER,
                )
            )
        if not group_exists:
            steps.append(
                PlanStep(
                    description=f"Create resource group '{resource_group}' in {region}",
                    operation=f"PUT {rg_path}",
                    action=Change.CREATE_RESOURCE_GROUP,
                    body={"location": region},
                )
            )
        irreversible = [
            f"the vault's region ({region}) cannot be changed later; it can protect only VMs in {region}",
            LOCKS_ON_PROTECTION,
            SOFT_DELETE_DEFAULT,
        ]
        if cross_region_restore:
            irreversible.insert(0, CRR_IRREVERSIBLE)
        steps.append(
            PlanStep(
                description=f"Create Recovery Services vault '{name}' in {region} with {red} storage and "
                f"Cross Region Restore {_crr(cross_region_restore)}",
                operation=f"PUT {rg_path}/providers/{VAULT_TYPE}/{name}",
                irreversible=cross_region_restore,
                why=f"{CRR_IRREVERSIBLE}." if cross_region_restore else None,
                action=Change.CREATE_VAULT,
                body={
                    "location": region,
                    "sku": {"name": "Standard"},
                    "properties": {
                        "publicNetworkAccess": "Enabled",
                        "redundancySettings": {
                            "standardTierStorageRedundancy": red,
                            "crossRegionRestore": "Enabled" if cross_region_restore else "Disabled",
                        },
                    },
                },
            )
        )
        where = (
            f"new resource group {resource_group}" if not group_exists else f"resource group {resource_group}"
        )
        return Plan(
            subscription_id,
            resource_group,
            name,
            region,
            red,
            cross_region_restore,
            summary=f"Create vault {name} in {region} ({where}), {red}, Cross Region Restore "
            f"{_crr(cross_region_restore)}",
            steps=steps,
            irreversible=irreversible,
        )

    async def plan_redundancy(
        self, vault: VaultFacts, redundancy: str | None, cross_region_restore: bool | None
    ) -> Plan:
        """Plan a storage redundancy / Cross Region Restore change on an existing vault (None keeps a value).

        Sends nothing: decides from ``vault`` (read it fresh with `read_vault`). Refuses what the service refuses by
        its documented rules (locked redundancy, CRR without GeoRedundant, CRR off); ZoneRedundant in a
        region without zones is left for the service to refuse."""
        red = vault.redundancy if redundancy is None else normalize_redundancy(redundancy)
        crr = vault.cross_region_restore if cross_region_restore is None else cross_region_restore

        def plan(summary: str, **kw: Any) -> Plan:
            return Plan(
                vault.subscription_id,
                vault.resource_group,
                vault.name,
                region_key(vault.location),
                red,
                crr,
                summary=summary,
                current=vault,
                **kw,
            )

        if red is None:
            return plan(f"Vault {vault.name} will not be changed", refusal=_bad_redundancy(str(redundancy)))
        red_change = red != vault.redundancy
        crr_change = crr != vault.cross_region_restore
        if not red_change and not crr_change:
            return plan(
                f"Nothing to do: vault {vault.name} already has {red} storage and Cross Region Restore "
                f"{_crr(crr)}"
            )
        reasons: list[str] = []
        if red_change and vault.redundancy_locked:
            items = f"{vault.protected_vms} protected VM{'s' if vault.protected_vms != 1 else ''}"
            reasons.append(
                f"The storage redundancy of vault {vault.name} is locked at {vault.redundancy}: it already "
                f"holds backup items ({items}), and Azure locks the redundancy when the first item is "
                f"protected. To use {red}, re-create the vault: create a new {red} vault and protect the "
                "VMs there, or stop protection in this vault (deleting or retaining the backup data) and "
                "protect the VMs in the new vault."
            )
        if vault.cross_region_restore and not crr:
            reasons.append(
                f"{CRR_IRREVERSIBLE} (a non-reversible storage property) and vault {vault.name} has it "
                "on. To do without it, create a new vault without Cross Region Restore and protect the VMs "
                "there."
            )
        if crr and red != "GeoRedundant":
            reasons.append(_crr_needs_grs(red))
        if reasons:
            return plan(f"Vault {vault.name} will not be changed", refusal=" ".join(reasons))

        wants = [f"{vault.redundancy or 'unknown'} → {red} storage"] if red_change else []
        if crr_change:
            wants.append(f"Cross Region Restore {_crr(vault.cross_region_restore)} → {_crr(crr)}")
        enables_crr = crr and not vault.cross_region_restore
        irreversible = [CRR_IRREVERSIBLE] if enables_crr else []
        if vault.redundancy_locked is not True:
            irreversible.append(LOCKS_ON_PROTECTION)
        path = (
            f"/subscriptions/{vault.subscription_id}/resourceGroups/{vault.resource_group}/providers/"
            f"{VAULT_TYPE}/{vault.name}"
        )
        step = PlanStep(
            description=f"Change vault '{vault.name}': {', '.join(wants)}",
            operation=f"PATCH {path}",
            irreversible=enables_crr,
            why=f"{CRR_IRREVERSIBLE}." if enables_crr else None,
            action=Change.SET_REDUNDANCY,
            body={
                "properties": {
                    "redundancySettings": {
                        "standardTierStorageRedundancy": red,
                        "crossRegionRestore": "Enabled" if crr else "Disabled",
                    }
                }
            },
        )
        return plan(f"Change vault {vault.name}: {', '.join(wants)}", steps=[step], irreversible=irreversible)

    # changes --------------------------------------------------------------------------------------------
    async def apply(self, plan: Plan, on_step: Callable[[StepOutcome], None] | None = None) -> ApplyResult:
        """Run the plan's steps in order, stop at the first that fails, then re-read the vault.

        ``on_step`` hears each step's outcome as soon as it is known, so a caller that is stopped part-way
        (the wizard quitting) still has every request that was sent: the step in flight is reported as
        interrupted, with its request id if Azure had answered. A refused plan sends nothing. A plan with
        nothing to do sends nothing either and returns the vault as read when planning."""
        tell = on_step or (lambda _outcome: None)
        if plan.refusal is not None:
            return ApplyResult(plan, [], plan.current, refusal=plan.refusal)
        if not plan.steps:
            return ApplyResult(plan, [], plan.current)
        outcomes: list[StepOutcome] = []
        stopped = False
        for step in plan.steps:
            if stopped:
                outcomes.append(
                    StepOutcome(
                        step, StepStatus.NOT_RUN, "Not run: an earlier step did not succeed.", at=_now()
                    )
                )
                tell(outcomes[-1])
                continue
            hook = RequestIdHook()
            try:
                outcome = await self._run(plan, step, hook)
            except asyncio.CancelledError:
                tell(
                    StepOutcome(
                        step,
                        StepStatus.INTERRUPTED,
                        f"Sent ({step.operation}), but the wizard stopped waiting for the answer: Azure may "
                        "still complete it. Check it in the portal or with az before running it again.",
                        request_id=hook.request_id,
                        at=_now(),
                    )
                )
                raise
            outcomes.append(outcome)
            tell(outcome)
            stopped = outcome.status != StepStatus.OK
        vault: VaultFacts | None = None
        read_error: str | None = None
        try:
            vault = await self.read_vault(plan.subscription_id, plan.resource_group, plan.vault_name)
        except ResourceNotFoundError:
            read_error = f"Vault {plan.vault_name} does not exist in resource group {plan.resource_group}."
        except Exception as exc:  # the changes are recorded; a failed re-read must not hide them
            problem = explain(exc)
            read_error = f"{problem.title}: {problem.detail}"
        return ApplyResult(plan, outcomes, vault, read_error=read_error)

    async def _run(self, plan: Plan, step: PlanStep, hook: RequestIdHook) -> StepOutcome:
        sub, rg = plan.subscription_id, plan.resource_group
        try:
            if step.action == Change.REGISTER_PROVIDER:
                state = await self._register(sub, self.register_timeout, self.poll_interval, hook)
                message = f"{RECOVERY_SERVICES} is {state}"
            elif step.action == Change.CREATE_RESOURCE_GROUP:
                await self.factory.resources(sub).resource_groups.create_or_update(
                    rg, dict(step.body), raw_response_hook=hook
                )
                message = f"Resource group {rg} created"
            elif step.action == Change.CREATE_VAULT:
                poller = await self.factory.recovery_services(sub).vaults.begin_create_or_update(
                    rg, plan.vault_name, dict(step.body), raw_response_hook=hook
                )
                async with asyncio.timeout(LRO_TIMEOUT):
                    await poller.result()
                message = f"Vault {plan.vault_name} created"
            else:
                poller = await self.factory.recovery_services(sub).vaults.begin_update(
                    rg, plan.vault_name, dict(step.body), raw_response_hook=hook
                )
                async with asyncio.timeout(LRO_TIMEOUT):
                    await poller.result()
                message = f"Vault {plan.vault_name} changed"
        except ReadOnlyViolation as exc:
            return StepOutcome(
                step,
                StepStatus.REFUSED,
                str(exc),
                remedy=explain(exc).remedy,
                code="ReadOnly",
                at=_now(),
            )
        except ProviderRegistrationTimeout as exc:
            return StepOutcome(
                step,
                StepStatus.FAILED,
                str(exc),
                remedy=f"Registration can take several minutes: check `az provider show -n "
                f"{RECOVERY_SERVICES} --subscription {sub}` and run the plan again once it is Registered.",
                code="RegistrationTimeout",
                request_id=hook.request_id,
                at=_now(),
            )
        except Exception as exc:  # every failure becomes a failed step, never a traceback
            problem = explain(exc)
            return StepOutcome(
                step,
                StepStatus.FAILED,
                f"{problem.title}: {problem.detail}",
                remedy=problem.remedy,
                code=problem.code,
                request_id=hook.request_id or request_id_of(exc),
                at=_now(),
            )
        return StepOutcome(step, StepStatus.OK, message, request_id=hook.request_id, at=_now())

    async def register_provider(
        self,
        subscription_id: str,
        *,
        timeout: float = 300,  # noqa: ASYNC109 - polls with its own interval; part of the API
        poll_interval: float = 2.0,
    ) -> str:
        """Register Microsoft.RecoveryServices and wait until it is Registered; returns the final state.

        Already Registered: nothing is sent but the read. Raises `ProviderRegistrationTimeout` when it is not
        Registered within ``timeout`` seconds, `ReadOnlyViolation` under --read-only."""
        return await self._register(subscription_id, timeout, poll_interval, None)

    async def _register(
        self, subscription_id: str, limit: float, poll_interval: float, hook: Callable[[Any], None] | None
    ) -> str:
        state = await self.provider_state(subscription_id)
        if state == "Registered":
            return state
        if state != "Registering":
            kwargs: dict[str, Any] = {"raw_response_hook": hook} if hook is not None else {}
            registered = await self.factory.registration(subscription_id).providers.register(
                RECOVERY_SERVICES, **kwargs
            )  # the one client that lets a registration through: the user asked for it
            state = provider_state(registered.as_dict()) or "Unknown"
        deadline = time.monotonic() + limit
        while state != "Registered":
            if time.monotonic() >= deadline:
                raise ProviderRegistrationTimeout(
                    f"{RECOVERY_SERVICES} is still {state} in subscription {subscription_id} after "
                    f"{limit:g} s; registration can take several minutes, check again later with "
                    f"`az provider show -n {RECOVERY_SERVICES} --subscription {subscription_id}`"
                )
            await asyncio.sleep(poll_interval)
            state = await self.provider_state(subscription_id)
        return state


def _bad_redundancy(value: str) -> str:
    return f"'{value}' is not a storage redundancy: use GeoRedundant, LocallyRedundant or ZoneRedundant."


def _crr_needs_grs(redundancy: str | None) -> str:
    return (
        f"Cross Region Restore needs GeoRedundant storage, not {redundancy}: choose GeoRedundant, or turn "
        "Cross Region Restore off."
    )
