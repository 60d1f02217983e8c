"""Which subscriptions the wizard lets you choose: the states as Azure defines them (facts section 0)."""

from __future__ import annotations

import pytest

from tui.model import SubscriptionFacts
from tui.services.subscriptions import unusable_reason


@pytest.mark.parametrize(
    ("state", "usable"),
    [
        ("Enabled", True),
        ("PastDue", True),  # every operation still works: a warning finding, not a wall
        ("Warned", False),  # GET and DELETE only: no vault, no protection
        ("Disabled", False),
        ("Expired", False),
        ("Deleted", False),
    ],
)
def test_state_decides_whether_the_vault_and_protection_can_be_written(state: str, usable: bool) -> None:
    reason = unusable_reason(SubscriptionFacts(id="s", name="S", state=state))
    assert (reason is None) is usable
    if not usable:
        assert state in reason


def test_access_problems_come_first() -> None:
    forbidden = SubscriptionFacts(id="s", name="S", state="PastDue", access="forbidden")
    assert "no role assignment" in (unusable_reason(forbidden) or "")
    broken = SubscriptionFacts(id="s", name="S", state="Enabled", access="error", error="503 after retries")
    assert unusable_reason(broken) == "it could not be read: 503 after retries"
