"""Step 7: every finding of the selected VMs by severity (with detail, remedy, source), and the 2015 list."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Link, Static, TabbedContent, TabPane, Tree
from textual.widgets.tree import TreeNode

from screens.base import StepPane
from tui.model import Finding
from tui.services.assessment import Assessment
from tui.services.findings import (
    SEED_MARK,
    SEVERITIES,
    SEVERITY_HEADING,
    SEVERITY_MARK,
    SeedRow,
    by_severity,
    clear_vms,
    counts,
    seed_rows,
)
from tui.textsafe import clean, markup
from tui.wizard import Step, WizardModel

SEVERITY_LOOK = {"blocker": "bad", "warning": "warn", "info": "note"}
SEED_LOOK = {"retired": "good", "changed": "warn", "still-applies": "bad"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _clip(text: str, width: int) -> str:
    """The table shows the start; the panel under it shows the whole text."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class LimitationsStep(StepPane):
    STEP_ID = Step.LIMITATIONS
    BINDINGS: ClassVar = [
        Binding("f", "tab('lim-findings')", "Findings"),
        Binding("l", "tab('lim-seed')", "2015 list"),
        # o and c are said where they apply (the detail pane's "Source (o opens, c copies)") and in the help:
        # in the footer they would push Next and Help off an 80-column screen
        Binding("o", "open_source", "Open source", show=False),
        Binding("c", "copy_source", "Copy URL", show=False),
    ]
    SCOPED_CSS = False
    DEFAULT_CSS = """
    LimitationsStep {
        #lim-tabs { height: 1fr; }
        #lim-tabs TabPane { padding: 0; }
        #lim-heading, #lim-seed-heading { height: auto; color: $text-muted; }
        #lim-split { height: 1fr; }
        #lim-tree { width: 1fr; height: 1fr; border-right: solid $panel; }
        #lim-detail { width: 1fr; height: 1fr; padding: 0 1; }
        #lim-detail-title { text-style: bold; padding: 0 0 1 0; }
        #lim-source-label { padding: 1 0 0 0; }
        #lim-source { width: 1fr; text-overflow: fold; text-wrap: wrap; }
        #lim-seed-table { height: 1fr; min-height: 5; }
        #lim-seed-detail { height: auto; max-height: 8; padding: 1 0 0 0; }
    }
    /* below 120 columns the detail goes under the tree */
    Screen.-narrow LimitationsStep, Screen.-medium LimitationsStep {
        #lim-split { layout: vertical; }
        #lim-tree { width: 1fr; border-right: none; border-bottom: solid $panel; }
        #lim-detail { width: 1fr; height: 1fr; }
        #lim-seed-detail { max-height: 5; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self.seed: list[SeedRow] = []

    def body(self) -> ComposeResult:
        with TabbedContent(id="lim-tabs", initial="lim-findings"):
            with TabPane("Findings", id="lim-findings"):
                yield Static("", id="lim-heading")
                with Horizontal(id="lim-split"):
                    tree: Tree[Any] = Tree("Findings", id="lim-tree")
                    tree.show_root = False
                    yield tree
                    with VerticalScroll(id="lim-detail"):
                        yield Static("", id="lim-detail-title")
                        yield Static("", id="lim-detail-body")
                        yield Static("Source (o opens, c copies):", id="lim-source-label", classes="muted")
                        yield Link("", id="lim-source")
            with TabPane("2015 limitations", id="lim-seed"):
                yield Static("", id="lim-seed-heading")
                table: DataTable[Text | str] = DataTable(id="lim-seed-table", cursor_type="row")
                table.add_columns("Status", "VMs hit", "2015 limitation", "Today")
                yield table
                yield Static("", id="lim-seed-detail")

    # -- following the model -------------------------------------------------------------------------------
    def show_model(self) -> None:
        assessment = self.model.assessment()
        if assessment is None:
            return
        self.render_findings(assessment)
        self.render_seed(assessment)

    def entered(self) -> None:
        tabs = self.query_one("#lim-tabs", TabbedContent)
        (
            self.query_one("#lim-tree")
            if tabs.active == "lim-findings"
            else self.query_one("#lim-seed-table")
        ).focus()

    # -- findings ----------------------------------------------------------------------------------------
    def render_findings(self, assessment: Assessment) -> None:
        tree = self.query_one("#lim-tree", Tree)
        previous = tree.cursor_node.data if tree.cursor_node is not None else None
        tree.clear()
        looks = self.looks
        grouped = by_severity(assessment)
        n = counts(assessment)
        total = sum(n.values())
        first: TreeNode[Any] | None = None
        keep: TreeNode[Any] | None = None
        for severity in SEVERITIES:
            label = Text(f"{SEVERITY_MARK[severity]} {SEVERITY_HEADING[severity]} ({n[severity]})")
            label.stylize(looks.style(SEVERITY_LOOK[severity]))
            group = tree.root.add(label, expand=True, allow_expand=bool(grouped[severity]))
            for subject, findings in grouped[severity]:
                node = group.add(Text(clean(subject.label)), expand=True)  # a str label is markup
                for f in findings:
                    data = ("finding", subject.label, f)
                    leaf = node.add_leaf(Text(clean(f.title)), data=data)
                    first = first or leaf
                    if previous is not None and previous[0] == "finding" and previous[1:] == data[1:]:
                        keep = leaf
        unknown = [a for a in assessment.vms if a.verdict == "unknown"]
        if unknown:
            group = tree.root.add(
                Text(f"? Could not be assessed ({len(unknown)})", style="bold"), expand=True
            )
            for a in unknown:
                leaf = group.add_leaf(Text(clean(a.vm.name)), data=("unknown", a.vm.name, a.unknown_reasons))
                first = first or leaf
        ready = clear_vms(assessment)
        group = tree.root.add(Text(f"✓ Ready VMs ({len(ready)})", style=looks.good), expand=True)
        for name in ready:
            group.add_leaf(Text(clean(name)), data=("ready", name, None))
        vms = len(assessment.vms)
        vault = assessment.chosen_vault
        against = f" against vault {markup(vault.name)}" if vault is not None else ""
        self.query_one("#lim-heading", Static).update(
            f"{_plural(vms, 'VM')}{against}: {_plural(n['blocker'], 'blocker')}, "
            f"{_plural(n['warning'], 'warning')}, {_plural(n['info'], 'note')}; {len(ready)} ready."
        )
        tabs = self.query_one("#lim-tabs", TabbedContent)
        tabs.get_tab("lim-findings").label = f"Findings ({total})"
        target = keep or first
        if target is not None:
            self.call_after_refresh(tree.move_cursor, target)  # the tree's lines exist after the refresh
            self.show(target.data)
        else:
            self.show(None)

    @on(Tree.NodeHighlighted, "#lim-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[Any]) -> None:
        if event.node.data is not None:
            self.show(event.node.data)

    def show(self, data: tuple[str, str, Any] | None) -> None:
        title = self.query_one("#lim-detail-title", Static)
        body = self.query_one("#lim-detail-body", Static)
        kind, name, payload = data if data is not None else ("none", "", None)
        url = ""
        if kind == "finding":
            f: Finding = payload
            heading = Text(f"{SEVERITY_MARK[f.severity]} {f.severity.upper()}: {clean(f.title)}")
            heading.stylize(self.looks.style(SEVERITY_LOOK[f.severity]))
            title.update(heading)
            text = Text()
            text.append(f"{clean(name)} · rule {clean(f.rule)}\n\n", style="dim")
            text.append(f"{clean(f.detail)}\n\n")
            text.append("What to do: ", style="bold")
            text.append(clean(f.remedy))
            body.update(text)
            url = f.source
        elif kind == "unknown":
            title.update(Text(f"? {clean(name)} could not be assessed", style="bold"))
            body.update(Text("\n".join(f"- {clean(r)}" for r in payload) or "Some facts could not be read."))
        elif kind == "ready":
            title.update(Text(f"✓ {clean(name)} is ready", style=self.looks.good))
            body.update("No blocker and no warning: nothing to do before enabling backup.")
        else:
            title.update("No findings.")
            body.update("Nothing stands in the way of backing up the selected VMs.")
        link = self.query_one("#lim-source", Link)
        link.text, link.url = url, url
        link.display = bool(url)
        self.query_one("#lim-source-label").display = bool(url)

    # -- the 2015 list -------------------------------------------------------------------------------------
    def render_seed(self, assessment: Assessment) -> None:
        self.seed = seed_rows(assessment)
        table = self.query_one("#lim-seed-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.seed:
            table.add_row(
                Text(
                    SEED_MARK.get(item.status, item.status),
                    style=self.looks.style(SEED_LOOK.get(item.status, "")),
                ),
                str(item.affected_vms),
                _clip(item.limitation, 48),
                _clip(item.today, 60),
            )
        by_status = {s: sum(1 for i in self.seed if i.status == s) for s in SEED_MARK}
        vms = len(assessment.vms)
        self.query_one("#lim-seed-heading", Static).update(
            f"{len(self.seed)} limitations from 2015: {by_status['retired']} retired, {by_status['changed']} "
            f"changed, {by_status['still-applies']} still appl{'ies' if by_status['still-applies'] == 1 else 'y'}. "
            f"VMs hit: how many of your {_plural(vms, 'VM')} each would have hit."
        )
        self.query_one("#lim-tabs", TabbedContent).get_tab(
            "lim-seed"
        ).label = f"2015 limitations ({len(self.seed)})"
        if self.seed:
            table.move_cursor(row=min(row, len(self.seed) - 1))
            self.show_seed(table.cursor_row)

    @on(DataTable.RowHighlighted, "#lim-seed-table")
    def _seed_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_seed(event.cursor_row)

    def show_seed(self, index: int) -> None:
        if not 0 <= index < len(self.seed):
            return
        item = self.seed[index]
        text = Text()
        text.append(
            f"{SEED_MARK.get(item.status, item.status)} ",
            style=self.looks.style(SEED_LOOK.get(item.status, "")),
        )
        text.append(f"2015: {item.limitation}\n", style="bold")
        text.append(f"Today: {item.today}\n")
        text.append(f"In 2015 it would have hit {_plural(item.affected_vms, 'VM')} of yours. ")
        text.append(f"Source: {item.source}", style=f"link {item.source}" if item.source else "")
        self.query_one("#lim-seed-detail", Static).update(text)

    # -- actions -------------------------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one("#lim-tabs", TabbedContent).active = tab
        (self.query_one("#lim-tree") if tab == "lim-findings" else self.query_one("#lim-seed-table")).focus()

    def _current_url(self) -> str:
        if self.query_one("#lim-tabs", TabbedContent).active == "lim-seed":
            table = self.query_one("#lim-seed-table", DataTable)
            if 0 <= table.cursor_row < len(self.seed):
                return self.seed[table.cursor_row].source
            return ""
        return self.query_one("#lim-source", Link).url

    def action_open_source(self) -> None:
        if url := self._current_url():
            self.app.open_url(url)

    def action_copy_source(self) -> None:
        if url := self._current_url():
            self.app.copy_to_clipboard(url)
            self.app.notify(f"Copied {url}")
