"""The 2015 Azure VM backup limitations (``assets/rules/seed-2015.toml``): what became of each, and how many
of the assessed VMs each one would have hit in 2015 (the report's ``seed_2015_limitations``)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tui.model import VmFacts
from tui.rules.checks import is_windows, os_problem
from tui.rules.engine import RULES_DIR, RulesError, table_list

DEFAULT_SEED = RULES_DIR / "seed-2015.toml"
STATUSES = ("retired", "changed", "still-applies")
_KEYS = ("limitation", "status", "today", "source", "matches")
_SOVEREIGN_PREFIXES = ("usgov", "usdod", "usnat", "ussec", "china")
_WINDOWS_2008_NOT_R2 = re.compile(r"\b2008\b(?!\s*-?\s*r2)", re.IGNORECASE)


def _nic_count(vm: VmFacts) -> int:
    if vm.network is None:
        return 0
    return vm.network.nic_count if vm.network.nic_count is not None else len(vm.network.nic_ids)


def _os_unsupported_2015(vm: VmFacts) -> bool:
    """What 2015 did not support: 32-bit, container Linux, Windows before 2008, Linux not endorsed (today's
    blockers and the Linux warning), plus Windows Server 2008 without R2 (2015 required 2008 R2 or later).
    Today's limited support of Windows 2008 R2 to 2012 R2 is not a 2015 limitation."""
    problem = os_problem(vm)
    if problem is not None and (problem[0] == "blocker" or not is_windows(vm)):
        return True
    text = " ".join(p for p in (vm.os_name, vm.image_offer, vm.image_sku) if p)
    return is_windows(vm) and bool(_WINDOWS_2008_NOT_R2.search(text))


PREDICATES: dict[str, Callable[[VmFacts], bool]] = {
    "all_vms": lambda vm: True,
    "any": lambda vm: True,
    "none": lambda vm: False,
    "data_disks_over_16": lambda vm: len(vm.data_disks) > 16,
    "premium_disks": lambda vm: any((d.sku or "").lower().startswith("premium") for d in vm.disks),
    "multiple_public_ips": lambda vm: vm.network is not None and (vm.network.public_ip_count or 0) > 1,
    "multiple_nics": lambda vm: _nic_count(vm) > 1,
    "load_balanced": lambda vm: vm.network is not None and vm.network.load_balanced is True,
    "sovereign_region": lambda vm: (
        (vm.location or "").lower().replace(" ", "").startswith(_SOVEREIGN_PREFIXES)
    ),
    "os_unsupported_2015": _os_unsupported_2015,
}


@dataclass(frozen=True)
class SeedLimitation:
    """One 2015 limitation and what became of it."""

    limitation: str
    status: str
    today: str
    source: str
    matches: str

    def affected(self, vms: Sequence[VmFacts]) -> int:
        """How many of ``vms`` this limitation would have hit in 2015."""
        predicate = PREDICATES[self.matches]
        return sum(1 for vm in vms if predicate(vm))


def _parse(doc: dict[str, Any]) -> tuple[SeedLimitation, ...]:
    parsed = []
    for where, raw in table_list(doc.get("limitation"), "limitation", required=True):
        for key in _KEYS:
            value = raw.get(key)
            if not isinstance(value, str) or not value.strip():
                raise RulesError(f"{where}: key {key!r} must be a non-empty string")
        if unknown := sorted(set(raw) - set(_KEYS)):
            raise RulesError(f"{where}: unknown keys {unknown}")
        if raw["status"] not in STATUSES:
            raise RulesError(f"{where}: key 'status' must be one of {list(STATUSES)}, not {raw['status']!r}")
        if raw["matches"] not in PREDICATES:
            raise RulesError(
                f"{where}: key 'matches' must be one of {sorted(PREDICATES)}, not {raw['matches']!r}"
            )
        if not raw["source"].startswith("https://"):
            raise RulesError(f"{where}: key 'source' must be an https:// URL")
        parsed.append(SeedLimitation(**{k: raw[k] for k in _KEYS}))
    return tuple(parsed)


def load_seed(path: Path | None = None) -> tuple[SeedLimitation, ...]:
    """Load and validate the 2015 limitation list (default: the repo's ``assets/rules/seed-2015.toml``)."""
    if path is None:
        return _default_seed()
    return _load(Path(path))


def _load(path: Path) -> tuple[SeedLimitation, ...]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the seed file: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return _parse(doc)
    except RulesError as exc:
        raise RulesError(f"{path}: {exc}") from None


@lru_cache(maxsize=1)
def _default_seed() -> tuple[SeedLimitation, ...]:
    return _load(DEFAULT_SEED)


def evaluate_seed(
    vms: Sequence[VmFacts], limitations: Sequence[SeedLimitation] | None = None
) -> list[dict[str, Any]]:
    """The report's ``seed_2015_limitations``: ``{"limitation", "status", "today", "affected_vms"}`` each."""
    items = load_seed() if limitations is None else limitations
    return [
        {
            "limitation": item.limitation,
            "status": item.status,
            "today": item.today,
            "affected_vms": item.affected(vms),
        }
        for item in items
    ]
