"""Table columns that fit the width the table has: the columns that matter least give way first (the
widest of them first), down to a floor; the ones a user reads a row by (``keep``: the VM's name, its
verdict) only when nothing else can; a cell that must be cut ends in an ellipsis (never a silent cut)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import DataTable

FLOOR = 8  # a kept column gets no narrower than this (or its label)
SMALL = 8  # the others no narrower than this: a short word whole, or a few letters and an ellipsis
SCROLLBAR = 2  # kept free for the vertical scrollbar


def column_widths(
    natural: Sequence[int],
    floors: Sequence[int],
    available: int,
    give_way: Sequence[int] = (),
    keep: Sequence[int] = (),
) -> list[int]:
    """Widths for columns that want ``natural`` within ``available`` columns: the columns in ``give_way``
    first, then the widest of the others, then (only if still too wide) the widest of ``keep``; none below
    its floor. If even the floors do not fit, the floors (the table scrolls sideways)."""
    widths = list(natural)
    for i in give_way:
        widths[i] = max(floors[i], widths[i] - max(0, sum(widths) - available))
    for group in ([i for i in range(len(widths)) if i not in keep], list(keep)):
        while group and sum(widths) > available:
            widest = max(group, key=lambda i: widths[i] - floors[i])
            if widths[widest] <= floors[widest]:
                break
            widths[widest] -= 1
    return widths


def _text(cell: RenderableType) -> Text | None:
    if isinstance(cell, Text):
        return cell
    if isinstance(cell, str):
        return Text(cell)
    return None  # another renderable: left as it is


def cut(text: Text, width: int, *, middle: bool = False) -> Text:
    """``text`` in ``width`` cells, the cut marked with an ellipsis: at the end, or (``middle``, for ids
    that share a prefix) in the middle, so the end that tells them apart stays."""
    if text.cell_len <= width:
        return text
    if middle and width >= 5:
        tail = (width - 1) // 2
        head = width - 1 - tail
        return Text.assemble(text[:head], "…", text[len(text) - tail :])
    text = text.copy()
    text.truncate(width, overflow="ellipsis")
    return text


def fit_rows(
    table: DataTable,
    rows: Sequence[Sequence[RenderableType]],
    *,
    middle: Sequence[int] = (),
    give_way: Sequence[int] = (),
    keep: Sequence[int] = (),
) -> list[list[RenderableType]]:
    """Rows whose text cells are cut (with an ellipsis; in the middle for the columns in ``middle``) to
    column widths that fit ``table``'s width; sets those widths on its columns. Before the table has a
    size, the rows as they are. The columns in ``give_way`` are narrowed before the others, the ones in
    ``keep`` after them."""
    columns = list(table.columns.values())
    scrollbar = SCROLLBAR if len(rows) >= table.size.height - 1 else 0  # rows under the header row
    available = table.size.width - scrollbar - 2 * table.cell_padding * len(columns)
    texts = [[_text(c) for c in row] for row in rows]
    labels = [c.label.cell_len for c in columns]
    natural = [
        max([labels[i], *(t.cell_len for row in texts if (t := row[i]) is not None)])
        for i in range(len(columns))
    ]
    if table.size.width <= 0:
        return [list(row) for row in rows]
    floors = [
        min(n, max(FLOOR, labels[i]) if i in keep else FLOOR + 1 if i in middle else SMALL)
        for i, n in enumerate(natural)
    ]  # an id cut in the middle keeps 4 characters on each side
    widths = column_widths(natural, floors, available, give_way, keep)
    for column, width in zip(columns, widths, strict=True):
        column.auto_width = False
        column.width = width
    fitted: list[list[RenderableType]] = []
    for row, cells in zip(rows, texts, strict=True):
        out: list[RenderableType] = []
        for i, (cell, text) in enumerate(zip(row, cells, strict=True)):
            if text is not None and text.cell_len > widths[i]:
                out.append(cut(text, widths[i], middle=i in middle))
            else:
                out.append(cell)
        fitted.append(out)
    return fitted
