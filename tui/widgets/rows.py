"""Small layout pieces the steps share."""

from __future__ import annotations

from textual.containers import Horizontal


class ButtonRow(Horizontal):
    """Buttons in a row below a form, a line apart from it, two columns between them."""

    DEFAULT_CSS = """
    ButtonRow {
        height: auto;
        padding: 1 0 0 0;
        Button { margin: 0 2 0 0; }
    }
    """
