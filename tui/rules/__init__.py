"""Rule engine: evaluates ``assets/rules`` (support matrix and the 2015 seed list) against the inventory."""

from tui.rules.checks import CHECKS, Context, Hit
from tui.rules.engine import (
    DEFAULT_RULES,
    RULES_DIR,
    Rule,
    RuleBook,
    RulesError,
    Unchecked,
    load_rules,
    parse_rules,
    sort_findings,
    unknown_reasons,
    unreadable_for,
    verdict,
)
from tui.rules.seed import SeedLimitation, evaluate_seed, load_seed

__all__ = [
    "CHECKS",
    "DEFAULT_RULES",
    "RULES_DIR",
    "Context",
    "Hit",
    "Rule",
    "RuleBook",
    "RulesError",
    "SeedLimitation",
    "Unchecked",
    "evaluate_seed",
    "load_rules",
    "load_seed",
    "parse_rules",
    "sort_findings",
    "unknown_reasons",
    "unreadable_for",
    "verdict",
]
