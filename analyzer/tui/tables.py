"""Conversations and endpoints as sortable tables: the `-z conv,...` / `-z endpoints,...`
taps' own rows (analyzer/stats/conv.py), one tab a type. Any column sorts (its key, or
a click on its head; again reverses); Enter applies a filter on the row, as Wireshark's
"Apply as Filter → Selected → A↔B" does."""

from __future__ import annotations

import re
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, TabbedContent, TabPane

from dissectors.escape import format_str

#: (kind, title, columns, rows) of one table
Table = tuple[str, str, list[str], list[list[str]]]

_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?(bytes|kB|MB|GB|TB|PB)?$")
_UNITS = {None: 1, "bytes": 1, "kB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "PB": 10**15}


def sort_key(cell: str) -> tuple[int, float, str]:
    """Numbers (and sizes, "45 kB") by value, before text; text as text."""
    m = _SIZE.match(cell.strip())
    if m:
        return (0, float(m.group(1)) * _UNITS[m.group(2)], "")
    return (1, 0.0, cell)


def _split(end: str, over: bool) -> tuple[str, str | None]:
    """("10.0.0.1", "80") of a transport end, (address, None) of a network one."""
    if not over:
        return end, None
    addr, _, port = end.rpartition(":")
    return addr, port


def _addr_field(kind: str, addr: str) -> str:
    if kind == "eth":
        return "eth.addr"
    return "ipv6.addr" if ":" in addr else "ip.addr"


def row_filter(kind: str, columns: list[str], row: list[str]) -> str:
    """The display filter Wireshark applies for a conversation (A↔B) or an endpoint."""
    over = kind in ("tcp", "udp")
    if columns and columns[0] == "Address A":  # a conversation
        (a, pa), (b, pb) = _split(row[0], over), _split(row[1], over)
        af = _addr_field(kind, a)
        if over:
            return (f"{af}=={a} && {kind}.port=={pa} && {af}=={b} && {kind}.port=={pb}")
        return f"{af}=={a} && {af}=={b}"
    addr = row[0]
    af = _addr_field(kind, addr)
    if over:
        return f"{af}=={addr} && {kind}.port=={row[1]}"
    return f"{af}=={addr}"


def tables_of(taps: list[tuple[Any, list[Any]]]) -> list[Table]:
    """(kind, title, columns, rows) of each conv/endpoints tap, in the order asked."""
    out = []
    for _kind, group in taps:
        for tap in group:
            out.append((tap.kind, tap.title, list(tap.columns), tap.rows()))
    return out


class SortTable(DataTable):
    """A DataTable that sorts by a column on request (keys 1-9, 0, `s`, a head click)."""

    BINDINGS = [Binding("s", "sort_here", "Sort by this column"),
                *[Binding(str(i % 10), f"sort_col({i - 1})", show=False) for i in range(1, 11)]]

    def __init__(self, table: Table, **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)
        self.kind, self.title_text, self.columns_text, self.rows_text = table
        self.order: tuple[int, bool] | None = None  # (column, reverse)

    def on_mount(self) -> None:
        self.keys = [self.add_column(format_str(c), key=str(i))
                     for i, c in enumerate(self.columns_text)]
        self.show_rows(self.rows_text)

    def show_rows(self, rows: list[list[str]]) -> None:
        self.clear()
        for i, r in enumerate(rows):
            self.add_row(*(format_str(c) for c in r), key=str(i))

    def sort_by(self, col: int) -> None:
        """Sort by column `col`; the same column again reverses the order."""
        if not 0 <= col < len(self.columns_text):
            return
        reverse = self.order is not None and self.order[0] == col and not self.order[1]
        self.order = (col, reverse)
        self.rows_text = sorted(self.rows_text, key=lambda r: sort_key(r[col]),
                                reverse=reverse)
        self.show_rows(self.rows_text)

    def action_sort_here(self) -> None:
        self.sort_by(self.cursor_column)

    def action_sort_col(self, col: int) -> None:
        self.sort_by(col)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_index)

    def selected_filter(self) -> str | None:
        if not self.rows_text:
            return None
        row = self.rows_text[min(self.cursor_row, len(self.rows_text) - 1)]
        return row_filter(self.kind, self.columns_text, row)


class TablesScreen(ModalScreen[str]):
    """The tables in tabs; Enter gives the selected row's filter, Esc nothing."""

    BINDINGS = [Binding("escape,q", "close", "Close"),
                Binding("enter", "choose", "Filter on this", priority=True)]
    DEFAULT_CSS = """
    TablesScreen { align: center middle; }
    TablesScreen > Vertical { width: 98%; height: 94%; border: round $accent;
                              background: $surface; }
    TablesScreen #tables-title { width: 100%; background: $accent 30%; }
    """

    def __init__(self, title: str, tables: list[Table]) -> None:
        super().__init__()
        self.title_text = title
        self.tables = tables

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.title_text} — sort: column number key, s or a click on "
                        "the head; Enter: filter on the row; Esc: close", id="tables-title")
            with TabbedContent():
                for i, t in enumerate(self.tables):
                    label = t[1].replace(" Conversations", "").replace(" Endpoints", "")
                    with TabPane(f"{label} ({len(t[3])})", id=f"tab-{i}"):
                        yield SortTable(t, id=f"table-{i}")

    def on_mount(self) -> None:
        self.current().focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.current().focus()

    def current(self) -> SortTable:
        tabs = self.query_one(TabbedContent)
        active = tabs.active or "tab-0"
        return self.query_one(f"#table-{active.removeprefix('tab-')}", SortTable)

    def action_choose(self) -> None:
        self.dismiss(self.current().selected_filter() or "")

    def action_close(self) -> None:
        self.dismiss("")


__all__ = ["TablesScreen", "SortTable", "row_filter", "sort_key", "tables_of"]
