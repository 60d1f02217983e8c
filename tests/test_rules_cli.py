"""``vmbackup-prep rules``: the catalog from the rules data (exit codes, one rule, json, markdown, 80 columns)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest

from tui.catalog import run_rules
from tui.cli import main
from tui.rules import load_rules

BOOK = load_rules()


def rules(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run_rules(list(argv), out, err)
    return rc, out.getvalue(), err.getvalue()


def test_table_lists_every_rule_and_unchecked_fact_within_80_columns() -> None:
    rc, out, err = rules()
    assert rc == 0 and err == ""
    lines = out.splitlines()
    # every line fits 80 columns, except one that is a single URL: it is never cut, so a terminal can open it
    assert all(len(line) <= 80 or re.fullmatch(r"  [A-Za-z ]{9} https://\S+", line) for line in lines)
    urls = re.findall(r"https://\S+", out)
    assert "https://learn.microsoft.com/azure/cost-management-billing/manage/subscription-states" in urls
    heads = [
        line.split()[0]
        for line in lines
        if line and not line.startswith(" ") and line.split()[0] in BOOK.rules
    ]
    assert heads == list(BOOK.rules)  # every id, once, in the rules file's order
    assert "Not checked" in out and all(u.fact.split()[0] in out for u in BOOK.unchecked)
    assert (
        "https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas" in out and "(2026-01-28)" in out
    )


def test_one_rule_shows_severities_checks_remedy_and_source() -> None:
    rc, out, _ = rules("vm-write-accelerator")
    assert rc == 0
    assert out.splitlines()[0] == "vm-write-accelerator  warning / blocker  (VM)"
    assert "Write Accelerator on the OS disk" in out  # the blocker variant
    assert "Checks" in out and "Remedy" in out and "(2025-12-09)" in out
    assert "<name>" in out  # placeholders shown as what the check fills in
    assert "vm-disk-size" not in out
    assert rules("VM-WRITE-ACCELERATOR")[0] == 0


def test_unknown_rule_exits_2_with_close_matches() -> None:
    rc, out, err = rules("vm-disk")
    assert rc == 2 and out == ""
    assert "unknown rule 'vm-disk'" in err and "vm-disk-size" in err and "vm-disk-count" in err
    rc, _, err = rules("zzzz")
    assert rc == 2 and "lists every rule" in err


def test_json_parses_and_carries_every_rule_with_its_source() -> None:
    rc, out, _ = rules("--format", "json")
    doc = json.loads(out)
    assert rc == 0 and doc["version"] == BOOK.version
    assert [r["id"] for r in doc["rules"]] == list(BOOK.rules)
    by_id = {r["id"]: r for r in doc["rules"]}
    assert by_id["subscription-not-enabled"]["severities"] == ["blocker", "warning"]
    assert by_id["vm-scale-set-uniform"]["scope"] == "subscription"
    assert all(r["source"].startswith("https://") and r["source_date"] and r["checks"] for r in doc["rules"])
    assert doc["lists"]["ultra-disk-grs-regions"]["complete"] is False
    assert len(doc["unchecked"]) == len(BOOK.unchecked)
    one = json.loads(rules("vm-spot", "--format", "json")[1])
    assert [r["id"] for r in one["rules"]] == ["vm-spot"]


def test_markdown_lists_every_id() -> None:
    rc, out, _ = rules("--format", "markdown")
    assert rc == 0 and out.startswith("# vmbackup-prep rules")
    for rid in BOOK.rules:
        assert f"## {rid}\n" in out and f"[`{rid}`](#{rid})" in out
    assert "## Not checked" in out


def test_bad_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as e:
        rules("--format", "yaml")
    assert e.value.code == 2


def test_through_the_console_entry_point_without_the_azure_sdk() -> None:
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "rc = main(['rules', 'vm-spot'])\n"
        "assert not [m for m in sys.modules if m.startswith('azure')], 'the SDK was imported'\n"
        "raise SystemExit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("vm-spot  info  (VM)")
    assert main(["rules", "no-such-rule"]) == 2
