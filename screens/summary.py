"""Step 8: verdict counts, what was chosen and changed in Azure, and the export (JSON, Markdown, az script)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.widgets import Button, Input, Static

from screens.base import StepPane
from tui.services.assessment import Assessment, assess
from tui.services.findings import summary_scope
from tui.session import Action
from tui.textsafe import clean, markup
from tui.widgets.badges import BAD, GOOD, WARN
from tui.widgets.charts import verdict_bars

NARROW = 90
RESULT_MARK = {
    "succeeded": ("✓", GOOD),
    "failed": ("✖", BAD),
    "refused": ("⊘", WARN),
    "skipped": ("-", "dim"),
}


def default_export_dir() -> str:
    return str(Path(platformdirs.user_documents_dir()) / "vmbackup-prep")


def _short(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1] or resource_id


def action_line(a: Action) -> Text:
    mark, style = RESULT_MARK.get(a.result, ("?", ""))
    line = Text()
    line.append(f"{mark} {a.result:<9} ", style=style)
    line.append(f"{clean(a.what)} ", style="bold")
    line.append(f"{clean(_short(a.target))}  ")
    line.append(clean(a.when), style="dim")
    if a.detail:
        line.append(f"\n    {clean(a.detail)}", style="dim")
    return line


class SummaryStep(StepPane):
    STEP_ID = "summary"
    TITLE = "Summary"
    PURPOSE = "What was assessed, chosen and changed. Export writes a JSON report, a Markdown summary and an az script."

    def __init__(self) -> None:
        super().__init__()
        self.scope = ""

    def body(self) -> ComposeResult:
        with VerticalScroll(id="sum-scroll"):
            yield Static("", id="sum-scope")
            with Horizontal(id="sum-top"):
                with Vertical(id="sum-verdicts"):
                    yield Static("Verdicts", classes="sum-heading")
                    yield Static("", id="sum-chart")
                with Vertical(id="sum-choice-box"):
                    yield Static("Choices", classes="sum-heading")
                    yield Static("", id="sum-choices")
            yield Static("Changes made in Azure", classes="sum-heading")
            yield Static("", id="sum-actions")
            yield Static(
                "Export to directory (Enter or the button writes the three files)", classes="sum-heading"
            )
            with Horizontal(id="sum-export-row"):
                yield Input(id="sum-dir", placeholder="directory for the exports")
                yield Button("Export", id="sum-export", variant="primary")
            yield Static("", id="sum-result")

    def on_mount(self) -> None:
        self.query_one("#sum-dir", Input).value = self.wizard.export_dir or default_export_dir()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")

    # -- what is summarised ----------------------------------------------------------------------------------
    def assessment(self) -> Assessment | None:
        """The selected VMs (or, with none selected, the vault's region or the whole subscription)."""
        app = self.wizard
        if app.inventory is None:
            return None
        inventory, self.scope = summary_scope(app.inventory, app.session.selected_vm_ids, app.session.vault)
        return assess(inventory, app.rules, vault=app.session.vault)

    def entered(self) -> None:
        assessment = self.assessment()
        if assessment is None:
            self.query_one("#sum-scope", Static).update(
                "Choose a subscription first: there is nothing to summarise."
            )
            return
        s = assessment.summary()
        self.query_one("#sum-scope", Static).update(
            f"Assessed: {markup(self.scope)}. {s['vms']} VMs: {s['ready']} ready, {s['warning']} with warnings, "
            f"{s['blocked']} blocked, {s['unknown']} unknown."
        )
        self.query_one("#sum-chart", Static).update(verdict_bars(s, width=24))
        self.query_one("#sum-choices", Static).update(self.choices_text())
        actions = self.wizard.session.actions
        out = (
            Text("\n").join(action_line(a) for a in actions)
            if actions
            else Text("Nothing in Azure was changed.")
        )
        self.query_one("#sum-actions", Static).update(out)
        if not self.wizard.session.exports:
            self.query_one("#sum-result", Static).update("Not exported yet.")

    def choices_text(self) -> Text:
        session = self.wizard.session
        sub, vault = session.subscription, session.vault
        rows = [
            ("Subscription", f"{sub.name} ({sub.id})" if sub else "-"),
            ("Region", session.region or "-"),
            (
                "Vault",
                f"{vault.name}, {vault.redundancy or 'redundancy unknown'}, Cross Region Restore "
                f"{'on' if vault.cross_region_restore else 'off'}"
                if vault
                else "none chosen",
            ),
            ("VMs", f"{len(session.selected_vm_ids)} selected"),
            ("Guest probe", "yes (consented)" if session.probe_consent else "no"),
        ]
        text = Text()
        for i, (k, v) in enumerate(rows):
            text.append(("\n" if i else "") + f"{k:<13}", style="bold")
            text.append(clean(v))
        return text

    # -- export --------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#sum-export")
    @on(Input.Submitted, "#sum-dir")
    def _export_pressed(self) -> None:
        self.export()

    def export(self) -> list[Path] | None:
        """Write the three files atomically; show their paths, or why they could not be written."""
        result = self.query_one("#sum-result", Static)
        field = self.query_one("#sum-dir", Input)
        directory = field.value.strip() or default_export_dir()
        assessment = self.assessment()
        if assessment is None:
            self.wizard.notify(
                "Choose a subscription first: there is nothing to export yet.", severity="warning"
            )
            return None
        try:
            paths = self.wizard.session.export(assessment, directory)
        except OSError as e:
            reason = e.strerror or str(e)
            where = e.filename or directory
            result.set_class(True, "blocked")
            result.update(
                Text(
                    f"✖ Export failed: cannot write to {where}: {reason}.\n"
                    "Nothing was lost: choose another directory above and press Export again.",
                )
            )
            self.wizard.notify(f"Export failed: {reason}", severity="error")
            field.focus()
            return None
        result.set_class(False, "blocked")
        text = Text("✓ Exported:\n", style="bold")
        labels = ("JSON report ", "Markdown    ", "az script   ")
        for i, (label, path) in enumerate(zip(labels, paths, strict=True)):
            text.append(("\n" if i else "") + label, style="bold")
            text.append(str(path))
        result.update(text)
        self.wizard.notify(f"Exported to {Path(directory).expanduser()}")
        return paths
