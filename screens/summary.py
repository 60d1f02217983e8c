"""Step 9: verdict counts, what was chosen and changed in Azure, and the export (JSON, Markdown, az script)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from screens.base import StepPane
from tui.services.actions import Outcome
from tui.session import Action
from tui.textsafe import clean, markup
from tui.widgets.badges import Looks
from tui.widgets.charts import verdict_bars
from tui.wizard import ExportResult, Step, WizardModel

RESULT_MARK = {
    Outcome.SUCCEEDED: ("✓", "good"),
    Outcome.FAILED: ("✖", "bad"),
    Outcome.REFUSED: ("⊘", "warn"),
    Outcome.SKIPPED: ("-", "dim"),
    Outcome.INTERRUPTED: ("?", "warn"),
}


def _short(resource_id: str) -> str:
    return resource_id.rstrip("/").rsplit("/", 1)[-1] or resource_id


def action_line(a: Action, looks: Looks) -> Text:
    mark, look = RESULT_MARK.get(a.result, ("?", ""))
    line = Text()
    line.append(f"{mark} {a.result:<9} ", style=looks.style(look))
    line.append(f"{clean(a.what)} ", style="bold")
    line.append(f"{clean(_short(a.target))}  ")
    line.append(clean(a.when), style="dim")
    if a.detail:
        line.append(f"\n    {clean(a.detail)}", style="dim")
    return line


class SummaryStep(StepPane):
    STEP_ID = Step.SUMMARY
    KEYS = (("enter / ctrl+e", "export to the directory in the field"),)
    SCOPED_CSS = False
    DEFAULT_CSS = """
    SummaryStep {
        #sum-scroll { height: 1fr; }
        #sum-scope { height: auto; }
        .sum-heading { text-style: bold; color: $accent; padding: 1 0 0 0; }
        #sum-top { height: auto; }
        #sum-verdicts { width: 36; height: auto; }
        #sum-choice-box { width: 1fr; height: auto; }
        #sum-actions { height: auto; }
        #sum-export-row { height: auto; }
        #sum-export-row Input { width: 1fr; }
        #sum-result { height: auto; padding: 0 0 1 0; }
    }
    /* below 120 columns the choices go under the verdicts */
    Screen.-narrow SummaryStep, Screen.-medium SummaryStep {
        #sum-top { layout: vertical; }
        #sum-verdicts { width: 1fr; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self._shown_export: ExportResult | None = None

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
                yield Input(self.model.export_dir, id="sum-dir", placeholder="directory for the exports")
                yield Button("Export", id="sum-export", variant="primary")
            yield Static("", id="sum-result")

    # -- following the model ---------------------------------------------------------------------------------
    def show_model(self) -> None:
        covered = self.model.summary_assessment()
        if covered is None:
            self.query_one("#sum-scope", Static).update(
                "Choose a subscription first: there is nothing to summarise."
            )
            return
        assessment, scope = covered
        s = assessment.summary()
        self.query_one("#sum-scope", Static).update(
            f"Assessed: {markup(scope)}. {s['vms']} VMs: {s['ready']} ready, {s['warning']} with warnings, "
            f"{s['blocked']} blocked, {s['unknown']} unknown."
        )
        self.query_one("#sum-chart", Static).update(verdict_bars(s, self.looks, width=24))
        self.query_one("#sum-choices", Static).update(self.choices_text())
        looks, session = self.looks, self.model.session
        changes, probes = session.changes(), session.probe_runs()
        out = (
            Text("\n").join(action_line(a, looks) for a in changes)
            if changes
            else Text("Nothing in Azure was changed.")
        )
        if probes:
            out += Text("\n\nRead-only runs in VMs (in-guest probe):\n", style="bold")
            out += Text("\n").join(action_line(a, looks) for a in probes)
        self.query_one("#sum-actions", Static).update(out)
        self.show_export()

    def choices_text(self) -> Text:
        session = self.model.session
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

    def show_export(self) -> None:
        """The last export: its files, or why it failed (then the directory field has the focus)."""
        result, box = self.model.last_export, self.query_one("#sum-result", Static)
        box.set_class(result is not None and result.error is not None, "blocked")
        if result is None:
            box.update("Not exported yet.")
        elif result.error is not None:
            box.update(
                Text(
                    clean(
                        f"✖ Export failed: cannot write to {result.where or result.directory}: {result.error}."
                    )
                    + "\n"
                    "Nothing was lost: choose another directory above and press Export again."
                )
            )
            if result is not self._shown_export:
                self.query_one("#sum-dir", Input).focus()
        else:
            text = Text("✓ Exported:\n", style="bold")
            labels = ("JSON report ", "Markdown    ", "az script   ")
            for i, (label, path) in enumerate(zip(labels, result.paths, strict=True)):
                text.append(("\n" if i else "") + label, style="bold")
                text.append(clean(str(path)))
            box.update(text)
        self._shown_export = result

    def entered(self) -> None:
        """The directory field has the focus: it says where an export goes, and Enter writes there."""
        self.query_one("#sum-dir", Input).focus()

    # -- export ----------------------------------------------------------------------------------------------
    @on(Input.Changed, "#sum-dir")
    def _directory_typed(self, event: Input.Changed) -> None:
        self.model.export_dir = event.value

    @on(Button.Pressed, "#sum-export")
    @on(Input.Submitted, "#sum-dir")
    def _export_pressed(self) -> None:
        self.post_message(self.ExportRequested())
