"""A table of VMs whose cursor stays on the same VM when the rows are shown again, and the details pane of
the highlighted VM (the VMs, agent, connectivity and protect steps)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.widgets import DataTable, Static

from tui.textsafe import clean

Row = tuple[str, Sequence[RenderableType]]  # (VM id, cells)


class VmTable(DataTable[RenderableType]):
    """Rows keyed by VM id. ``show_rows`` keeps the cursor on the VM it was on (else on the same line);
    the ``details`` widget always describes the highlighted VM (``describe(None)``: no row)."""

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        *,
        details: Static,
        describe: Callable[[str | None], RenderableType],
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        for label, key in columns:
            self.add_column(label, key=key)
        self.details = details
        self.describe = describe

    @property
    def highlighted_key(self) -> str | None:
        if self.row_count == 0:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def show_rows(self, rows: Sequence[Row]) -> None:
        keep, line = self.highlighted_key, self.cursor_row
        self.clear()
        for key, cells in rows:  # a plain string is Azure's words: shown as written, never as markup
            self.add_row(*(Text(clean(c)) if isinstance(c, str) else c for c in cells), key=key)
        keys = [key for key, _ in rows]
        if keys:
            self.move_cursor(row=keys.index(keep) if keep in keys else min(line, len(keys) - 1))
        self.show_details()

    def show_details(self) -> None:
        self.details.update(self.describe(self.highlighted_key) or Text(""))

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.show_details()
