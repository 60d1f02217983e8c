"""A policy that already protects 1,000 items is refused before any request (tui/services/protection.py)."""

from __future__ import annotations

from tests.rules.factories import make_vault, make_vm
from tui.rules import load_rules
from tui.services.assessment import VmAssessment
from tui.services.protection import PolicyInfo, plan_protection, policy_refusal, preselect_policy

BOOK = load_rules()


def _policy(name: str, items: int, policy_type: str = "V1") -> PolicyInfo:
    return PolicyInfo(f"/x/{name}", name, policy_type, "daily", "30 days", protected_items=items)


def _assessed(**changes: object) -> VmAssessment:
    vm = make_vm(**changes)
    findings = BOOK.evaluate_vm(vm)
    return VmAssessment(vm, None, findings, "ready")


def test_full_policy_is_refused_and_never_preselected() -> None:
    a = _assessed()
    full, room = _policy("DefaultPolicy", 1000), _policy("Daily2", 999)
    assert "1,000" in (policy_refusal(full, a) or "")
    assert policy_refusal(room, a) is None
    assert preselect_policy([full, room], [a]) == room
    assert preselect_policy([full], [a]) is None


async def test_plan_refuses_the_full_policy_without_asking_the_service() -> None:
    # factory=None: any request (pre-validation) would fail, so the refusal is made before one.
    plan = await plan_protection(None, make_vault(), _policy("DefaultPolicy", 1000), [_assessed()])  # type: ignore[arg-type]
    (p,) = plan.vms
    assert p.action == "refused" and "1,000" in p.reason and "another policy" in p.remedy
    assert p.service_verdict == ""


def test_trusted_launch_vm_may_use_a_standard_policy() -> None:
    a = _assessed(security_type="TrustedLaunch")
    assert policy_refusal(_policy("DefaultPolicy", 3), a) is None
    assert (
        preselect_policy([_policy("DefaultPolicy", 3), _policy("EnhancedPolicy", 0, "V2")], [a]).name
        == "DefaultPolicy"
    )
