"""Load ``assets/rules/support-matrix.toml`` and evaluate it against subscriptions, vaults and VMs.

The rules file holds the words (title, detail and remedy templates, source); ``tui.rules.checks`` holds the
predicates. ``load_rules`` refuses a file that does not match the checks exactly, so the two never drift.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from tui.model import (
    Finding,
    Severity,
    SubscriptionFacts,
    Unreadable,
    VaultFacts,
    Verdict,
    VmFacts,
    same_id,
)
from tui.resources import asset
from tui.rules.checks import (
    CHECKS,
    FIELDS,
    LIST_OF,
    SCOPES,
    SEVERITIES,
    Context,
    RegionList,
    common_values,
    v2_ultra_reasons,
)

RULES_DIR = asset("rules")
DEFAULT_RULES = RULES_DIR / "support-matrix.toml"

SEVERITY_ORDER: dict[str, int] = {"blocker": 0, "warning": 1, "info": 2}
_VALID_SEVERITIES: tuple[str, ...] = get_args(Severity)
_REQUIRED = ("id", "severity", "title", "checks", "detail", "remedy", "source", "source_date")
_OPTIONAL = ("severities", "by_severity", "also")
_TEXT_KEYS = ("title", "detail", "remedy")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNCHECKED_KEYS = ("fact", "reason", "source", "source_date")
_LIST_KEYS = {"regions", "complete", "source", "source_date", "note"}
# Subscription rules that are repeated on each VM of the subscription, so the VM's verdict reflects them.
VM_REPEATED_SUBSCRIPTION_RULES = ("subscription-not-enabled", "provider-not-registered")


class RulesError(ValueError):
    """The rules file is missing, malformed, or does not match the registered checks."""


@dataclass(frozen=True)
class Rule:
    """One rule of the support matrix: its default words plus optional per-severity overrides."""

    id: str
    severity: Severity
    severities: tuple[Severity, ...]
    title: str
    detail: str
    remedy: str
    source: str
    source_date: str
    variants: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)
    also: tuple[str, ...] = ()  # further sources
    checks: str = ""  # what the rule checks, in words (the catalog's "fires when")

    @property
    def scope(self) -> str:
        """subscription, vault or vm: what the rule is evaluated on."""
        return SCOPES[self.id]

    def texts(self, severity: Severity) -> dict[str, str]:
        """Title, detail and remedy templates for ``severity`` (the variant's, falling back to the default)."""
        base = {"title": self.title, "detail": self.detail, "remedy": self.remedy}
        return {**base, **self.variants.get(severity, {})}

    def finding(self, severity: Severity | None = None, values: Mapping[str, Any] | None = None) -> Finding:
        """Render this rule into a ``Finding`` with ``values`` filled into its templates."""
        severity = severity or self.severity
        if severity not in self.severities:
            raise RulesError(f"rule {self.id}: severity {severity!r} is not one of {list(self.severities)}")
        texts = self.texts(severity)
        try:
            rendered = {k: v.format_map(dict(values or {})) for k, v in texts.items()}
        except (KeyError, IndexError, ValueError) as exc:
            raise RulesError(f"rule {self.id}: cannot fill its text: {exc!r}") from exc
        return Finding(
            rule=self.id,
            severity=severity,
            title=rendered["title"],
            detail=rendered["detail"],
            remedy=rendered["remedy"],
            source=self.source,
        )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Blockers first, then warnings, then info; by rule id within a severity."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.rule))


@dataclass(frozen=True)
class Unchecked:
    """A fact of the support matrix that no rule checks, and why."""

    fact: str
    reason: str
    source: str
    source_date: str


@dataclass
class RuleBook:
    """The loaded rules, and the evaluation of subscriptions, vaults and VMs against them."""

    version: str
    rules: dict[str, Rule]
    updated: str = ""
    path: Path | None = None
    lists: dict[str, RegionList] = field(default_factory=dict)
    unchecked: tuple[Unchecked, ...] = ()

    def _fire(self, rule_id: str, subject: Any, ctx: Context) -> Finding | None:
        hit = CHECKS[rule_id](subject, ctx)
        if hit is None:
            return None
        return self.rules[rule_id].finding(hit.severity, {**common_values(subject), **hit.values})

    def _run(self, scope: str, subject: Any, ctx: Context) -> list[Finding]:
        found = (self._fire(rid, subject, ctx) for rid in self.rules if SCOPES[rid] == scope)
        return [f for f in found if f is not None]

    def evaluate_subscription(self, sub: SubscriptionFacts) -> list[Finding]:
        """The subscription rules (state, access, providers, uniform scale sets)."""
        return sort_findings(self._run("subscription", sub, Context(sub=sub, lists=self.lists)))

    def evaluate_vault(self, vault: VaultFacts) -> list[Finding]:
        """The vault rules (redundancy lock, full policies)."""
        return sort_findings(self._run("vault", vault, Context(vault=vault, lists=self.lists)))

    def evaluate_vm(
        self,
        vm: VmFacts,
        sub: SubscriptionFacts | None = None,
        vault: VaultFacts | None = None,
        vaults: Sequence[VaultFacts] = (),
    ) -> list[Finding]:
        """Every VM rule, with ``vault`` the chosen vault (or None) and ``vaults`` every known vault.

        With ``sub``, subscription-not-enabled and provider-not-registered are repeated on the VM.
        """
        ctx = Context(sub=sub, vault=vault, vaults=tuple(vaults), lists=self.lists)
        findings = self._run("vm", vm, ctx)
        if sub is not None:
            for rule_id in VM_REPEATED_SUBSCRIPTION_RULES:
                finding = self._fire(rule_id, sub, ctx)
                if finding is not None:
                    findings.append(finding)
        return sort_findings(findings)


def unreadable_for(vm: VmFacts, vault: VaultFacts | None = None) -> list[Unreadable]:
    """What could not be read for ``vm``'s verdict: its own facts; the protected items of the vault it is
    assessed against (without them the vault's VM count, and so vault-vm-limit, is unknown), unless the VM
    is already in that vault; and, for a VM in that vault that needs an Enhanced policy, the vault's policies
    (whether its policy is one is unknown: vm-requires-enhanced-policy)."""
    out = list(vm.unreadable)
    if vault is None:
        return out
    in_vault = same_id(vm.protection.vault_id, vault.id)
    if vault.items_unreadable is not None and not in_vault:
        out.append(vault.items_unreadable)
    if vault.policies_unreadable is not None and in_vault and v2_ultra_reasons(vm):
        out.append(vault.policies_unreadable)
    return out


def unknown_reasons(vm: VmFacts, vault: VaultFacts | None = None) -> list[str]:
    """Why a verdict for ``vm`` cannot be given: unreadable data, or state the running-VM checks need."""
    reasons = [str(u) for u in unreadable_for(vm, vault)]
    power = (vm.power_state or "").strip().lower()
    if not power:
        reasons.append("power state could not be read, so the VM agent checks could not run")
    elif power == "starting":
        reasons.append("the VM is starting, so its agent state is not settled yet")
    return reasons


def verdict(findings: Sequence[Finding], vm: VmFacts, vault: VaultFacts | None = None) -> Verdict:
    """blocked if any blocker; else unknown if needed data is missing; else warning if any; else ready.
    A failed read is never a blocker: only what was read can block (issue 12)."""
    severities = {f.severity for f in findings}
    if "blocker" in severities:
        return "blocked"
    if unknown_reasons(vm, vault):
        return "unknown"
    if "warning" in severities:
        return "warning"
    return "ready"


# ----------------------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------------------


def _where(index: int, raw: Mapping[str, Any]) -> str:
    rule_id = raw.get("id")
    return f"rule #{index + 1}" + (f" ({rule_id})" if isinstance(rule_id, str) else "")


def _placeholders(template: str) -> set[str]:
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: key {key!r} must be a non-empty string")
    return value


def _source(where: str, raw: Mapping[str, Any]) -> tuple[str, str]:
    """(source URL, source date) of a table, validated."""
    source = _text(where, "source", raw.get("source"))
    if not source.startswith("https://"):
        raise RulesError(f"{where}: key 'source' must be an https:// URL")
    date = raw.get("source_date")
    if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
        date = date.isoformat()
    if not isinstance(date, str) or not _DATE.match(date):
        raise RulesError(f"{where}: key 'source_date' must be a date YYYY-MM-DD")
    return source, date


def table_list(raw_items: Any, key: str, *, required: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """The ``[[key]]`` tables of a TOML document as (where, table), validated as a list of tables."""
    if raw_items is None and not required:
        return []
    if not isinstance(raw_items, list) or (required and not raw_items):
        raise RulesError(f"top level: expected [[{key}]] tables")
    out = []
    for index, raw in enumerate(raw_items):
        where = f"{key} #{index + 1}"
        if not isinstance(raw, dict):
            raise RulesError(f"{where}: must be a table")
        out.append((where, raw))
    return out


def _parse_unchecked(raw_items: Any) -> tuple[Unchecked, ...]:
    out = []
    for where, raw in table_list(raw_items, "unchecked"):
        if unknown := sorted(set(raw) - set(_UNCHECKED_KEYS)):
            raise RulesError(f"{where}: unknown keys {unknown}")
        fact = _text(where, "fact", raw.get("fact"))
        reason = _text(f"{where} ({fact})", "reason", raw.get("reason"))
        source, date = _source(f"{where} ({fact})", raw)
        out.append(Unchecked(fact=fact, reason=reason, source=source, source_date=date))
    return tuple(out)


def _parse_lists(raw_lists: Any) -> dict[str, RegionList]:
    if raw_lists is None:
        raw_lists = {}
    if not isinstance(raw_lists, dict):
        raise RulesError("top level: 'lists' must be [lists.<name>] tables")
    out: dict[str, RegionList] = {}
    for name, raw in raw_lists.items():
        where = f"lists.{name}"
        if not isinstance(raw, dict):
            raise RulesError(f"{where}: must be a table")
        if unknown := sorted(set(raw) - _LIST_KEYS):
            raise RulesError(f"{where}: unknown keys {unknown}")
        regions = raw.get("regions")
        if not isinstance(regions, list) or not all(isinstance(r, str) and r.strip() for r in regions):
            raise RulesError(f"{where}: key 'regions' must be a list of region names")
        complete = raw.get("complete", True)
        if not isinstance(complete, bool):
            raise RulesError(f"{where}: key 'complete' must be true or false")
        note = raw.get("note", "")
        if not isinstance(note, str):
            raise RulesError(f"{where}: key 'note' must be a string")
        source, date = _source(where, raw)
        out[name] = RegionList(
            regions=frozenset(r.strip().lower().replace(" ", "") for r in regions),
            complete=complete,
            source=source,
            source_date=date,
            note=note,
        )
    if missing := sorted({n for n in LIST_OF.values()} - set(out)):
        raise RulesError(f"region lists the checks need are missing: {missing}")
    return out


def _check_template(where: str, rule_id: str, key: str, template: str) -> None:
    try:
        names = _placeholders(template)
    except ValueError as exc:
        raise RulesError(f"{where}: key {key!r} is not a valid template: {exc}") from exc
    if rule_id in FIELDS and (unknown := names - FIELDS[rule_id]):
        raise RulesError(
            f"{where}: key {key!r} uses placeholders {sorted(unknown)} that the check does not fill "
            f"(available: {sorted(FIELDS[rule_id])})"
        )


def _severity(where: str, key: str, value: Any) -> Severity:
    if value not in _VALID_SEVERITIES:
        raise RulesError(f"{where}: key {key!r} must be one of {list(_VALID_SEVERITIES)}, not {value!r}")
    return value


def _parse_rule(index: int, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(f"rule #{index + 1}: must be a table")
    where = _where(index, raw)
    for key in _REQUIRED:
        if key not in raw:
            raise RulesError(f"{where}: missing key {key!r}")
    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise RulesError(f"{where}: unknown key {key!r}")
    rule_id = _text(where, "id", raw["id"])
    severity = _severity(where, "severity", raw["severity"])
    severities_raw = raw.get("severities", [severity])
    if not isinstance(severities_raw, list) or not severities_raw:
        raise RulesError(f"{where}: key 'severities' must be a non-empty list")
    severities = tuple(_severity(where, "severities", s) for s in severities_raw)
    if severity not in severities or len(set(severities)) != len(severities):
        raise RulesError(f"{where}: key 'severities' must list {severity!r} once and no duplicates")
    texts = {k: _text(where, k, raw[k]) for k in _TEXT_KEYS}
    checks = _text(where, "checks", raw["checks"])
    source, date = _source(where, raw)
    also = raw.get("also", [])
    if not isinstance(also, list) or not all(isinstance(u, str) and u.startswith("https://") for u in also):
        raise RulesError(f"{where}: key 'also' must be a list of https:// URLs")
    variants: dict[str, dict[str, str]] = {}
    by_severity = raw.get("by_severity", {})
    if not isinstance(by_severity, dict):
        raise RulesError(f"{where}: key 'by_severity' must be a table")
    for sev, table in by_severity.items():
        key = f"by_severity.{sev}"
        if sev not in severities:
            raise RulesError(f"{where}: key {key!r} names a severity not in {list(severities)}")
        if not isinstance(table, dict) or not table or set(table) - set(_TEXT_KEYS):
            raise RulesError(f"{where}: key {key!r} must be a table of title/detail/remedy")
        variants[sev] = {k: _text(where, f"{key}.{k}", v) for k, v in table.items()}
    for key, template in texts.items():
        _check_template(where, rule_id, key, template)
    for sev, table in variants.items():
        for key, template in table.items():
            _check_template(where, rule_id, f"by_severity.{sev}.{key}", template)
    if rule_id in SEVERITIES:
        expected = set(SEVERITIES[rule_id]) or {severity}
        if set(severities) != expected:
            raise RulesError(
                f"{where}: key 'severities' is {list(severities)} but the check reports {sorted(expected)}"
            )
    return Rule(
        id=rule_id,
        severity=severity,
        severities=severities,
        source=source,
        source_date=date,
        variants=variants,
        also=tuple(also),
        checks=checks,
        **texts,
    )


def parse_rules(doc: Mapping[str, Any], path: Path | None = None) -> RuleBook:
    """Validate a parsed rules document against the registered checks and build the ``RuleBook``."""
    version = doc.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RulesError("top level: key 'version' must be a non-empty string")
    updated = doc.get("updated", "")
    if isinstance(updated, dt.date):
        updated = updated.isoformat()
    raw_rules = doc.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError("top level: expected [[rule]] tables")
    rules: dict[str, Rule] = {}
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(index, raw)
        if rule.id in rules:
            raise RulesError(f"{_where(index, raw)}: key 'id' duplicates an earlier rule")
        rules[rule.id] = rule
    if missing := sorted(set(CHECKS) - set(rules)):
        raise RulesError(f"checks without a rule in the rules file: {missing}")
    if unchecked := sorted(set(rules) - set(CHECKS)):
        raise RulesError(f"rules without a check in tui/rules/checks.py: {unchecked}")
    if unknown := sorted(set(doc) - {"version", "updated", "rule", "unchecked", "lists"}):
        raise RulesError(f"top level: unknown keys {unknown}")
    return RuleBook(
        version=version,
        rules=rules,
        updated=str(updated),
        path=path,
        lists=_parse_lists(doc.get("lists")),
        unchecked=_parse_unchecked(doc.get("unchecked")),
    )


def load_rules(path: Path | None = None) -> RuleBook:
    """Load and validate the support-matrix rules (default: the repo's ``assets/rules/support-matrix.toml``)."""
    path = Path(path) if path is not None else DEFAULT_RULES
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return parse_rules(doc, path)
    except RulesError as exc:
        raise RulesError(f"{path}: {exc}") from None
