"""``vmbackup-prep rules [RULE_ID] [--format table|markdown|json]``: the rule catalog, from the rules data.

Every rule with its severities, what it checks, its texts, remedy and source; the region lists the rules
read; and the facts of the support matrix that no rule checks, with the reason. Imports no Azure SDK (it
only reads ``assets/rules``), so it answers at once.
"""

from __future__ import annotations

import argparse
import difflib
import json
import string
import sys
import textwrap
from collections.abc import Sequence
from typing import Any, TextIO

from tui.rules import Rule, RuleBook, RulesError, load_rules

PROG = "vmbackup-prep rules"
EXIT_OK, EXIT_USAGE = 0, 2
WIDTH = 80
SCOPE_LABEL = {"subscription": "subscription", "vault": "vault", "vm": "VM"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="The rule catalog: every rule id with its severity, what it checks, remedy and source, "
        "and the support-matrix facts no rule checks (with why).",
    )
    p.add_argument("rule_id", nargs="?", metavar="RULE_ID", help="show this rule only")
    p.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    return p


def template(text: str) -> str:
    """A rule text with its placeholders shown as ``<name>`` (what the check fills in)."""
    out = []
    for literal, field, _spec, _conv in string.Formatter().parse(text):
        out.append(literal)
        if field is not None:
            out.append(f"<{field}>")
    return "".join(out)


def severities(rule: Rule) -> str:
    return " / ".join(rule.severities)


def rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "scope": rule.scope,
        "severity": rule.severity,
        "severities": list(rule.severities),
        "title": rule.title,
        "checks": rule.checks,
        "detail": template(rule.detail),
        "remedy": template(rule.remedy),
        "by_severity": {
            sev: {k: template(v) for k, v in texts.items()} for sev, texts in rule.variants.items()
        },
        "source": rule.source,
        "source_date": rule.source_date,
        "also": list(rule.also),
    }


def to_json(book: RuleBook, rules: Sequence[Rule]) -> str:
    doc = {
        "version": book.version,
        "updated": book.updated,
        "rules": [rule_dict(r) for r in rules],
        "lists": {
            name: {
                "regions": sorted(lst.regions),
                "complete": lst.complete,
                "note": lst.note,
                "source": lst.source,
                "source_date": lst.source_date,
            }
            for name, lst in book.lists.items()
        },
        "unchecked": [
            {"fact": u.fact, "reason": u.reason, "source": u.source, "source_date": u.source_date}
            for u in book.unchecked
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


# -- table (a terminal: everything wrapped to 80 columns) ----------------------------------------------------
def _field(label: str, text: str) -> list[str]:
    """A labelled paragraph wrapped to 80 columns; a URL is never cut (a terminal could not open it)."""
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=f"  {label:<9} ",
        subsequent_indent=" " * 12,
        break_on_hyphens=False,
        break_long_words=False,
    )


def rule_block(rule: Rule) -> list[str]:
    head = f"{rule.id}  {severities(rule)}  ({SCOPE_LABEL[rule.scope]})"
    lines = textwrap.wrap(head, width=WIDTH) + textwrap.wrap(rule.title, width=WIDTH, initial_indent="  ")
    lines += _field("Checks", rule.checks)
    lines += _field("Detail", template(rule.detail))
    lines += _field("Remedy", template(rule.remedy))
    for sev, texts in rule.variants.items():
        lines += _field(
            sev.capitalize(), f"{texts.get('title', rule.title)}: {template(texts.get('detail', ''))}"
        )
    lines += _field("Source", f"{rule.source} ({rule.source_date})")
    for url in rule.also:
        lines += _field("See also", url)
    return lines


def to_table(book: RuleBook, rules: Sequence[Rule], *, everything: bool) -> str:
    lines: list[str] = []
    if everything:
        lines += textwrap.wrap(
            f"{len(rules)} rules (version {book.version}, updated {book.updated}). "
            f"`{PROG} RULE_ID` shows one; --format markdown or json for documents.",
            width=WIDTH,
        )
        lines.append("")
    for rule in rules:
        lines += [*rule_block(rule), ""]
    if everything:
        for name, lst in book.lists.items():
            lines += textwrap.wrap(f"List {name}" + ("" if lst.complete else " (incomplete)"), width=WIDTH)
            lines += _field("Regions", ", ".join(sorted(lst.regions)))
            lines += _field("Note", lst.note) if lst.note else []
            lines += _field("Source", f"{lst.source} ({lst.source_date})")
            lines.append("")
        lines += textwrap.wrap(
            f"Not checked ({len(book.unchecked)} facts of the support matrix):", width=WIDTH
        )
        for u in book.unchecked:
            lines += textwrap.wrap(u.fact, width=WIDTH, initial_indent="- ", subsequent_indent="  ")
            lines += _field("Why", u.reason)
            lines += _field("Source", f"{u.source} ({u.source_date})")
    return "\n".join(lines).rstrip("\n") + "\n"


# -- markdown ------------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(book: RuleBook, rules: Sequence[Rule], *, everything: bool) -> str:
    lines = [f"# vmbackup-prep rules ({book.version}, updated {book.updated})", ""]
    if everything:
        lines += ["| Rule | Severity | Scope | Title |", "|---|---|---|---|"]
        lines += [
            f"| [`{r.id}`](#{r.id}) | {severities(r)} | {SCOPE_LABEL[r.scope]} | {_cell(r.title)} |"
            for r in rules
        ]
        lines.append("")
    for r in rules:
        lines += [
            f"## {r.id}",
            "",
            f"**{r.title}** · {severities(r)} · {SCOPE_LABEL[r.scope]}",
            "",
            f"- **Checks:** {r.checks}",
            f"- **Detail:** {template(r.detail)}",
            f"- **Remedy:** {template(r.remedy)}",
        ]
        for sev, texts in r.variants.items():
            variant = f"{texts.get('title', r.title)}: {template(texts.get('detail', ''))}"
            lines.append(f"- **As {sev}:** {variant}")
        lines.append(f"- **Source:** <{r.source}> ({r.source_date})")
        lines += [f"- **See also:** <{url}>" for url in r.also]
        lines.append("")
    if everything:
        lines += ["## Region lists", ""]
        for name, lst in book.lists.items():
            status = "complete" if lst.complete else "incomplete"
            lines += [
                f"- **{name}** ({status}): {', '.join(sorted(lst.regions))}. {lst.note} "
                f"Source: <{lst.source}> ({lst.source_date})",
            ]
        lines += ["", "## Not checked", "", "| Fact | Why not | Source |", "|---|---|---|"]
        lines += [
            f"| {_cell(u.fact)} | {_cell(u.reason)} | <{u.source}> ({u.source_date}) |"
            for u in book.unchecked
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def close_matches(wanted: str, ids: Sequence[str]) -> list[str]:
    """Ids that contain ``wanted`` or look like it, best first."""
    key = wanted.strip().lower()
    contained = [i for i in ids if key and key in i]
    similar = difflib.get_close_matches(key, ids, n=5, cutoff=0.5)
    return list(dict.fromkeys([*similar, *contained]))[:8]


def run_rules(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    try:
        book = load_rules()
    except RulesError as e:
        print(f"{PROG}: {e}", file=err)
        return EXIT_USAGE
    rules = list(book.rules.values())
    everything = args.rule_id is None
    if not everything:
        key = args.rule_id.strip().lower()
        if key not in book.rules:
            near = close_matches(key, list(book.rules))
            hint = f"; close matches: {', '.join(near)}" if near else f"; `{PROG}` lists every rule"
            print(f"{PROG}: unknown rule {args.rule_id!r}{hint}", file=err)
            return EXIT_USAGE
        rules = [book.rules[key]]
    if args.format == "json":
        text = to_json(book, rules)
    elif args.format == "markdown":
        text = to_markdown(book, rules, everything=everything)
    else:
        text = to_table(book, rules, everything=everything)
    out.write(text)
    return EXIT_OK
