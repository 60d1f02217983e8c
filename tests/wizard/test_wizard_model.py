"""The wizard model without Textual: which steps can be reached, what a re-scan keeps, a vault read from Azure
replacing the old facts, a protection showing in the facts at once, the selection keeping only what can be
chosen, and every change bumping the version the views follow."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from tests.rules.factories import SUB_ID, make_sub, make_vault, make_vm, vault_id
from tui.azure import Target
from tui.connect import Connection
from tui.model import DiskFacts, GuestProbe, Inventory, PolicyFacts, SubscriptionFacts
from tui.services.actions import Change, Outcome
from tui.services.protection import PlanAction, PolicyInfo, ProtectionPlan, VmOutcome, VmPlan, VmResult
from tui.session import Session
from tui.wizard import Step, WizardModel
from tui.workspace import Workspace

OTHER_SUB = "00000000-0000-0000-0000-000000000002"


def clock() -> dt.datetime:
    return dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def make_model(tmp_path: Path | None = None) -> WizardModel:
    connection = Connection(Target.for_endpoint("https://127.0.0.1:9/"), "managed-identity", None, False)
    session = Session(target="test", cloud="Custom", clock=clock)
    return WizardModel(Workspace(connection), session, export_dir=str(tmp_path) if tmp_path else None)


def estate() -> Inventory:
    """Two VMs and a vault in westeurope, one VM in northeurope; the vault offers an Enhanced policy."""
    weu = make_vault(
        "rsv-weu",
        redundancy="LocallyRedundant",
        redundancy_locked=False,
        policies=[
            PolicyFacts(f"{vault_id('rsv-weu')}/backupPolicies/EnhancedPolicy", "EnhancedPolicy", "V2", 0)
        ],
    )
    pv2 = make_vm("vm-pg01")
    pv2.disks.append(DiskFacts(name="pg-data", is_os=False, lun=1, sku="PremiumV2_LRS"))
    return Inventory(
        subscriptions=[make_sub(regions={"westeurope": 2, "northeurope": 1})],
        vaults=[weu],
        vms=[make_vm("vm-app01"), pv2, make_vm("vm-neu01", location="northeurope")],
    )


def scanned(model: WizardModel, inventory: Inventory | None = None) -> WizardModel:
    model.signed_in({"tid": "t", "oid": "o"})
    model.inventory_loaded(inventory or estate(), make_sub())
    return model


def ids(model: WizardModel, *names: str) -> list[str]:
    assert model.inventory is not None
    return [vm.id for vm in model.inventory.vms if vm.name in names]


def test_each_step_is_reached_once_what_it_needs_is_there() -> None:
    model = make_model()
    assert model.reachable() == {Step.SIGNIN}
    model.signed_in({"tid": "t"})
    assert model.reachable() == {Step.SIGNIN, Step.SUBSCRIPTION}
    model.inventory_loaded(estate(), make_sub())
    assert model.reachable() == {Step.SIGNIN, Step.SUBSCRIPTION, Step.VAULT, Step.SUMMARY}
    model.use_vault(make_vault("rsv-weu"))
    assert Step.VMS in model.reachable() and Step.AGENT not in model.reachable()
    model.select(ids(model, "vm-app01"))
    assert model.reachable() == set(Step)
    model.signed_out()
    assert Step.SUBSCRIPTION not in model.reachable()


def test_every_change_bumps_the_version_and_assessments_follow_it() -> None:
    model = scanned(make_model())
    before = model.version
    first = model.assessment(selected_only=False)
    assert model.assessment(selected_only=False) is first  # computed once per version
    model.use_vault(model.inventory.vaults[0])  # type: ignore[union-attr]
    assert model.version > before
    assert model.assessment(selected_only=False) is not first


def test_a_rescan_keeps_the_in_guest_probes_answers_and_refreshes_the_chosen_vault() -> None:
    model = scanned(make_model())
    assert model.inventory is not None
    model.use_vault(model.inventory.vaults[0])
    model.select(ids(model, "vm-app01", "vm-pg01"))
    probe = GuestProbe(wireserver_80=True, wireserver_32526=False, dhcp=True)
    model.inventory.vms[0].guest = probe
    fresh = estate()
    fresh.vaults[0].redundancy_locked = True  # Azure locked it meanwhile
    model.inventory_loaded(fresh, make_sub())
    assert model.inventory is fresh
    assert fresh.vms[0].guest is probe and fresh.vms[1].guest is None
    assert model.session.vault is fresh.vaults[0] and model.session.vault.redundancy_locked
    assert model.session.selected_vm_ids == ids(model, "vm-app01", "vm-pg01")  # the same subscription: kept


def test_another_subscription_forgets_the_vault_and_the_selection() -> None:
    model = scanned(make_model())
    model.use_vault(model.inventory.vaults[0])  # type: ignore[union-attr]
    model.select(ids(model, "vm-app01"))
    other = SubscriptionFacts(id=OTHER_SUB, name="Other", state="Enabled")
    model.inventory_loaded(Inventory(subscriptions=[other]), other)
    assert model.session.subscription is other
    assert model.session.vault is None and model.session.selected_vm_ids == []
    assert model.reachable() == {Step.SIGNIN, Step.SUBSCRIPTION, Step.VAULT, Step.SUMMARY}


def test_only_vms_the_vault_can_protect_are_selected_and_they_stay_in_list_order() -> None:
    model = scanned(make_model())
    model.use_vault(model.inventory.vaults[0])  # type: ignore[union-attr]
    choices = {c.assessment.vm.name: c.why_not for c in model.vm_choices()}
    assert choices["vm-neu01"] is not None and choices["vm-neu01"][0] == "in northeurope"
    model.select(reversed(ids(model, "vm-pg01", "vm-app01", "vm-neu01")))
    assert model.session.selected_vm_ids == ids(model, "vm-app01", "vm-pg01")
    gone = estate()
    gone.vms = [vm for vm in gone.vms if vm.name != "vm-pg01"]  # deleted since
    model.inventory_loaded(gone, make_sub())
    assert model.session.selected_vm_ids == ids(model, "vm-app01")


def test_a_vault_read_from_azure_replaces_the_old_facts_everywhere() -> None:
    model = scanned(make_model())
    assert model.inventory is not None
    old = model.inventory.vaults[0]
    model.use_vault(old)
    fresh = copy.deepcopy(old)
    fresh.redundancy, fresh.redundancy_locked = "GeoRedundant", True
    version = model.version
    model.replace_vault(fresh)
    assert model.vault(old.id) is fresh and model.session.vault is fresh
    assert len(model.inventory.vaults) == 1 and model.version > version
    assessment = model.assessment()
    assert assessment is not None and assessment.chosen_vault is fresh
    assert "vault-redundancy-locked" in {f.rule for f in assessment.vaults[fresh.id.lower()]}


def test_a_protection_shows_at_once_in_the_facts_the_session_and_the_rules() -> None:
    model = scanned(make_model())
    assert model.inventory is not None
    vault = model.inventory.vaults[0]
    model.use_vault(vault)
    model.select(ids(model, "vm-app01", "vm-pg01"))
    app01, pg01 = model.selected_vms()
    before = model.assessment()
    assert before is not None
    assert "vm-requires-enhanced-policy" in {f.rule for a in before.vms if a.vm is pg01 for f in a.findings}
    policy = PolicyInfo(vault.policies[0].id, "EnhancedPolicy", "V2", "daily", "30 days")  # type: ignore[index]
    plan = ProtectionPlan(vault, policy, [VmPlan(pg01, PlanAction.ENABLE), VmPlan(app01, PlanAction.ENABLE)])
    results = [
        VmResult(pg01, VmOutcome.PROTECTED, protection_state="IRPending", request_ids=["req-1"]),
        VmResult(app01, VmOutcome.FAILED, message="BMSUserErrorContainerObjectNotFound"),
    ]
    model.protection_enabled(plan, results)
    assert pg01.protection.status == "Protected" and pg01.protection.policy_name == "EnhancedPolicy"
    assert app01.protection.status == "NotProtected"  # a failure changes no fact
    assert vault.protected_vm_ids == {pg01.id.lower()} and vault.protected_vms == 1
    assert vault.redundancy_locked is True  # Azure locks it with the first protected item
    assert [(a.what, a.result, a.parameters["vm"]) for a in model.session.actions] == [
        (Change.ENABLE_PROTECTION, Outcome.SUCCEEDED, "vm-pg01"),
        (Change.ENABLE_PROTECTION, Outcome.FAILED, "vm-app01"),
    ]
    after = model.assessment()
    assert after is not None
    pg = next(a for a in after.vms if a.vm is pg01)
    assert "vm-requires-enhanced-policy" not in {f.rule for f in pg.findings}  # protected with Enhanced
    assert ("vm-already-protected", "info") in {(f.rule, f.severity) for f in pg.findings}


def test_the_probe_is_recorded_for_each_vm_with_consent() -> None:
    model = scanned(make_model())
    assert model.inventory is not None
    ok, unanswered = model.inventory.vms[0], model.inventory.vms[1]
    ok.guest = GuestProbe(wireserver_80=True, wireserver_32526=True, dhcp=True, wireserver_443=True)
    model.probed([ok, unanswered], failure="Run Command timed out")
    assert model.session.probe_consent
    results = {a.parameters["vm"]: (a.result, a.detail) for a in model.session.actions}
    assert results["vm-app01"][0] == Outcome.SUCCEEDED
    assert results["vm-pg01"] == (Outcome.FAILED, "Run Command timed out")


def test_export_writes_three_files_or_says_why_not_and_keeps_the_last_outcome(tmp_path: Path) -> None:
    model = make_model(tmp_path / "out")
    assert model.export().error == "Choose a subscription first: there is nothing to export yet."
    scanned(model)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    failed = model.export(str(blocker / "exports"))
    assert failed.error and failed.paths == [] and model.last_export is failed
    assert model.session.exports == []
    done = model.export()
    assert [p.suffix for p in done.paths] == [".json", ".md", ".sh"] and done.error is None
    assert all(p.parent == tmp_path / "out" for p in done.paths) and model.last_export is done


@pytest.mark.parametrize("sub_id", [SUB_ID, SUB_ID.upper()])
def test_a_rescan_of_the_same_subscription_keeps_the_choices(sub_id: str) -> None:
    model = scanned(make_model())
    model.use_vault(model.inventory.vaults[0])  # type: ignore[union-attr]
    model.inventory_loaded(estate(), make_sub(id=sub_id))
    assert model.session.vault is not None
