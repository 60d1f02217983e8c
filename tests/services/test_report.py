"""The report's unreadable facts (issue 12): JSON ``vms[].unreadable`` (what, error, request id), Markdown and
the table say what could not be read; the JSON text is exactly ``json.dumps(indent=2)``."""

from __future__ import annotations

import json

from tests.rules.factories import make_vm
from tui.model import Inventory, SubscriptionFacts, Unreadable, VaultFacts
from tui.rules import load_rules
from tui.services.assessment import assess
from tui.services.report import json_text, to_json, to_markdown, to_table

SUB = "5ab5c1de-0000-4000-8000-0000000000d1"


def _assessment():
    ok = make_vm(name="vm-ok")
    unread = make_vm(name="vm-unread")
    unread.unreadable.append(Unreadable("instance view", "GET …/instanceView: Azure service error", "req-1"))
    unread.agent.instance_view = False
    for vm in (ok, unread):
        vm.subscription_id = SUB
    inventory = Inventory(
        subscriptions=[SubscriptionFacts(id=SUB, name="S", state="Enabled")], vms=[ok, unread]
    )
    return assess(inventory, load_rules())


def test_json_lists_what_could_not_be_read_with_the_request_id():
    doc = to_json(_assessment(), tool_version="t", cloud="c")
    vms = {vm["name"]: vm for vm in doc["vms"]}
    assert vms["vm-unread"]["verdict"] == "unknown"
    assert vms["vm-unread"]["unreadable"] == [
        {"what": "instance view", "error": "GET …/instanceView: Azure service error", "request_id": "req-1"}
    ]
    assert vms["vm-ok"]["unreadable"] == [] and vms["vm-ok"]["verdict"] != "unknown"
    assert doc["summary"]["unknown"] == 1


def test_json_text_is_json_dumps_with_an_indent():
    doc = to_json(_assessment(), tool_version="t", cloud="c")
    assert json_text(doc) == json.dumps(doc, indent=2) + "\n"
    assert json_text({**doc, "vms": []}) == json.dumps({**doc, "vms": []}, indent=2) + "\n"


def test_markdown_and_table_say_what_was_not_read():
    a = _assessment()
    md = to_markdown(a, tool_version="t", cloud="c", generated_at="now")
    assert "- vm-unread: instance view: GET …/instanceView: Azure service error" in md
    assert "`req-1`" in md
    table = to_table(a)
    (row,) = [line for line in table.splitlines() if line.startswith("vm-unread")]
    assert "unknown" in row and "unread: instance view" in row


def test_a_vault_whose_items_were_not_read_leaves_its_vms_unknown():
    vm = make_vm(name="vm-x")
    vm.subscription_id = SUB
    vault = VaultFacts(id=f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v",
                       name="v", subscription_id=SUB, resource_group="rg", location=vm.location)  # fmt: skip
    vault.items_unreadable = Unreadable("protected items of vault v", "timed out: GET …/backupProtectedItems")
    inventory = Inventory(subscriptions=[SubscriptionFacts(id=SUB, name="S", state="Enabled")], vms=[vm])
    inventory.vaults.append(vault)
    (a,) = assess(inventory, load_rules(), vault=vault).vms
    assert a.verdict == "unknown" and a.unreadable == [vault.items_unreadable]
    vm.protection.vault_id = vault.id  # already in that vault: its VM count does not matter
    (a,) = assess(inventory, load_rules(), vault=vault).vms
    assert a.verdict != "unknown"


def test_what_to_do_lists_only_what_needs_doing_and_notes_go_below():
    """Issue 11.12: a VM already protected by its own vault (an info note) is not a thing to do."""
    from tui.model import ProtectionFacts

    vault = VaultFacts(
        id=f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/rsv",
        name="rsv",
        subscription_id=SUB,
        resource_group="rg",
        location="westeurope",
        protected_vms=1,
        redundancy_locked=True,
    )
    done = make_vm(name="vm-done")
    done.protection = ProtectionFacts(status="Protected", vault_id=vault.id, source="vault-items")
    blocked = make_vm(name="vm-blocked", provisioning_state="Failed")
    for vm in (done, blocked):
        vm.subscription_id = SUB
    inventory = Inventory([SubscriptionFacts(id=SUB, name="S", state="Enabled")], [vault], [done, blocked])
    md = to_markdown(assess(inventory, load_rules()), tool_version="t", cloud="c", generated_at="now")
    todo = md.split("## What to do", 1)[1].split("\n## ", 1)[0]
    notes = md.split("## Notes", 1)[1].split("\n## ", 1)[0]
    assert "### vm-blocked" in todo and "vm-done" not in todo
    assert "### vm-done" in notes and "vm-already-protected" in notes
