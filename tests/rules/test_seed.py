"""The 2015 limitation list: file shape, statuses, and how many assessed VMs each item would have hit."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.rules.factories import data_disks, make_vm
from tui.model import DiskFacts, NetworkFacts
from tui.rules import RulesError, evaluate_seed, load_seed
from tui.rules.seed import DEFAULT_SEED, PREDICATES, STATUSES


def test_seed_file_shape() -> None:
    items = load_seed()
    assert [(i.status, i.matches) for i in items] == [
        ("retired", "all_vms"),  # ARM VMs
        ("changed", "data_disks_over_16"),
        ("retired", "premium_disks"),
        ("retired", "multiple_public_ips"),  # multiple reserved IPs
        ("retired", "none"),  # reserved IP without endpoint
        ("retired", "multiple_nics"),
        ("retired", "load_balanced"),
        ("changed", "all_vms"),  # replace existing on restore
        ("changed", "all_vms"),  # cross-region backup and restore
        ("changed", "sovereign_region"),  # public regions only
        ("changed", "os_unsupported_2015"),
        ("retired", "none"),  # multi-DC restore
    ]
    assert {i.status for i in items} <= set(STATUSES)
    assert all(i.source.startswith("https://learn.microsoft.com/azure/backup/") for i in items)
    assert all(i.today.strip() and i.limitation.strip() for i in items)
    assert tomllib.loads(DEFAULT_SEED.read_text(encoding="utf-8"))["version"] == "2026.12.1"
    by_match = {i.matches: i for i in items}
    # facts section 0: the 16-disk limit concerned unmanaged disks only, which are retired
    assert (
        "unmanaged" in by_match["data_disks_over_16"].today
        and "retired" in by_match["data_disks_over_16"].today
    )
    assert "2012 R2" in by_match["os_unsupported_2015"].today


def _estate() -> list:
    plain = make_vm("plain")  # baseline: Premium_LRS disks
    plain.disks = [DiskFacts(name="os", is_os=True, size_gb=30, sku="StandardSSD_LRS")]
    many_disks = make_vm("many-disks")
    many_disks.disks[1:] = data_disks(17)
    networked = make_vm("networked")
    networked.network = NetworkFacts(nic_ids=["a", "b"], public_ip_count=2, load_balanced=True)
    gov = make_vm("gov", location="usgovvirginia")
    win2008 = make_vm(
        "win2008", os_type="Windows", os_name="Windows Server 2008 Datacenter", image_sku="2008-SP2"
    )
    win2008r2 = make_vm("win2008r2", os_type="Windows", os_name="Windows Server 2008 R2 Datacenter")
    arch = make_vm("arch", os_name="Arch Linux")
    return [plain, many_disks, networked, gov, win2008, win2008r2, arch]


def test_evaluate_seed_counts() -> None:
    report = evaluate_seed(_estate())
    assert [set(entry) for entry in report] == [{"limitation", "status", "today", "affected_vms"}] * 12
    assert [entry["affected_vms"] for entry in report] == [
        7,  # ARM VMs: every VM
        1,  # more than 16 data disks: many-disks
        6,  # Premium storage: all but "plain" (many-disks keeps a Premium OS disk)
        1,  # multiple reserved (public) IPs: networked
        0,  # reserved IP without endpoint: no such thing in ARM
        1,  # multiple NICs: networked
        1,  # load balanced: networked
        7,  # replace existing on restore: every VM
        7,  # cross-region backup and restore: every VM
        1,  # public regions only: gov
        2,  # OS: Windows Server 2008 without R2, Arch Linux
        0,  # multi-DC restore: not detectable
    ]
    assert report[0]["status"] == "retired" and report[0]["limitation"].startswith(
        "Backup of virtual machines"
    )


def test_evaluate_seed_empty_estate() -> None:
    assert all(entry["affected_vms"] == 0 for entry in evaluate_seed([]))


def test_nic_count_prefers_explicit_field() -> None:
    vm = make_vm(network=NetworkFacts(nic_ids=["a"], nic_count=3))
    assert PREDICATES["multiple_nics"](vm)
    assert not PREDICATES["multiple_nics"](make_vm(network=None))


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ('matches = "none"', 'matches = "domain_controllers"'),
        ('status = "retired"', 'status = "gone"'),
    ],
)
def test_malformed_seed(tmp_path: Path, replace: str, message: str) -> None:
    path = tmp_path / "seed.toml"
    path.write_text(DEFAULT_SEED.read_text(encoding="utf-8").replace(replace, message, 1), encoding="utf-8")
    with pytest.raises(RulesError, match=r"seed\.toml: limitation #\d+: key '(matches|status)'"):
        load_seed(path)


def test_seed_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "seed.toml"
    path.write_text('[[limitation]]\nlimitation = "x"\nstatus = "retired"\n', encoding="utf-8")
    with pytest.raises(RulesError, match="limitation #1: key 'today'"):
        load_seed(path)
