"""A table of VMs whose cursor stays on the same VM when the rows are shown again, and the details pane of
the highlighted VM (the VMs, agent, connectivity and protect steps)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.widgets import DataTable, Static

from tui.textsafe import clean
from tui.widgets.fitting import fit_rows

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
        give_way: Sequence[int] = (),
        keep: Sequence[str] = ("vm", "verdict"),
        middle: Sequence[str] = (),
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        for label, key in columns:
            self.add_column(label, key=key)
        self.details = details
        self.describe = describe
        self._rows: list[Row] = []
        self.give_way = give_way  # the columns narrowed first when the table is too narrow
        self.keep = [i for i, (_, key) in enumerate(columns) if key in keep]  # ... and the ones narrowed last
        self.middle = [i for i, (_, key) in enumerate(columns) if key in middle]  # ids: cut in the middle

    @property
    def highlighted_key(self) -> str | None:
        if self.row_count == 0:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def show_rows(self, rows: Sequence[Row]) -> None:
        """The rows, in columns that fit the table's width (cut cells end in an ellipsis)."""
        self._rows = list(rows)
        keep, line = self.highlighted_key, self.cursor_row
        self.clear()
        # a plain string is Azure's words: shown as written, never as markup
        cells = [[Text(clean(c)) if isinstance(c, str) else c for c in row] for _, row in rows]
        for (key, _), row in zip(
            rows,
            fit_rows(self, cells, give_way=self.give_way, keep=self.keep, middle=self.middle),
            strict=True,
        ):
            self.add_row(*row, key=key)
        keys = [key for key, _ in rows]
        if keys:
            self.move_cursor(row=keys.index(keep) if keep in keys else min(line, len(keys) - 1))
        self.show_details()

    def show_details(self) -> None:
        self.details.update(self.describe(self.highlighted_key) or Text(""))

    def on_resize(self) -> None:
        if self._rows:
            self.show_rows(self._rows)

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.show_details()
