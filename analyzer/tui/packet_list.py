"""The packet list pane: a virtualised list that renders only the rows on screen.

Rows come from the PacketStore as column strings, so a million-row list costs a
scroll offset and a screenful of string splits per refresh, never a dissection.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from analyzer.tui.store import PacketStore

# (title, width, right-aligned); Info takes the rest of the line.
COLUMNS = (("No.", 7, True), ("Time", 11, True), ("Source", 17, False),
           ("Destination", 17, False), ("Protocol", 9, False), ("Length", 7, True),
           ("Info", 0, False))
NARROW = 100  # below this width, Time and Length are dropped (80x24 still fits)


def _fit(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        return text[: width - 1] + "\u2026" if width > 1 else text[:width]
    return text.rjust(width) if right else text.ljust(width)


def layout_row(cols: list[str], width: int, narrow: bool) -> str:
    """The row's text laid out in columns for a pane `width` cells wide; a `narrow`
    screen (under NARROW columns) leaves out Time and Length."""
    parts = []
    used = 0
    for i, ((_, w, right), text) in enumerate(zip(COLUMNS, cols, strict=False)):
        if narrow and i in (1, 5):  # Time, Length
            continue
        if w == 0:
            parts.append(text)
            break
        parts.append(_fit(text, w - 1, right) + " ")
        used += w
    return "".join(parts)[:width].ljust(width)


def header_text(width: int) -> str:
    return layout_row([c[0] for c in COLUMNS], width, width < NARROW)


class PacketList(ScrollView, can_focus=True):
    """Frames of the store's displayed list; the cursor selects one."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
    ]

    DEFAULT_CSS = """
    PacketList { height: 1fr; overflow-x: hidden; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Selected(Message):
        """The cursor moved to frame `number` (0 = no frame)."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, store: PacketStore, color: bool = True, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.store = store
        self.color = color
        self._count = 0
        self._selected = 0
        self._keep = 0  # the frame selected before a new filter, until it is placed
        self._styles: dict[str, Style] = {}

    def sync(self, complete: bool = True) -> None:
        """Follow the store: more rows read, or a new display filter applied.
        `complete` is False while the display filter's pass still adds rows."""
        count = self.store.shown_count()
        if count != self._count:
            self._count = count
            self.virtual_size = Size(0, count)
            self.refresh()
        if self._keep:
            idx = self.store.index_of(self._keep)
            if idx is not None:
                self._keep = 0
                self.cursor = idx
                return
            # the filtered list is in frame order: past the frame, it is not shown
            if not complete and not (count and self.store.shown_number(count - 1) > self._keep):
                return
            self._keep = 0
        if count and not self._selected:
            self.cursor = min(self.cursor, count - 1)

    def reset(self, complete: bool = True) -> None:
        """The display filter changed: keep the selected frame if it is (or, while the
        filter runs, becomes) shown; else select the first row."""
        self._keep = self._selected
        self._selected = 0
        self._count = -1
        if not self._keep:
            self.cursor = 0
        self.sync(complete)
        if not self.store.shown_count():
            self.post_message(self.Selected(0))

    def watch_cursor(self, value: int) -> None:
        count = self.store.shown_count()
        if not count:
            return
        value = max(0, min(value, count - 1))
        if value != self.cursor:
            self.cursor = value
            return
        # force: right after rows arrive the scrollbar is not laid out yet, and
        # an unforced scroll would be dropped (the cursor off screen)
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_offset.y)
        if value < top:
            self.scroll_to(y=value, animate=False, force=True)
        elif value >= top + height:
            self.scroll_to(y=value - height + 1, animate=False, force=True)
        number = self.store.shown_number(value)
        if number != self._selected:
            self._keep = 0  # (a row chosen: no earlier frame to go back to)
            self._selected = number
            self.post_message(self.Selected(number))
        self.refresh()

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        # a scroll forced before the scrollbar existed did not move its thumb
        if shown:
            self.vertical_scrollbar.position = self.scroll_y

    @property
    def selected(self) -> int:
        return self._selected

    @property
    def placing(self) -> bool:
        """A frame selected before a new filter is still waiting for its row."""
        return bool(self._keep)

    def select_number(self, number: int) -> bool:
        self.sync()  # (rows read since the last tick: the scroll range must know them)
        idx = self.store.index_of(number)
        if idx is None:
            return False
        self.cursor = idx
        return True

    def action_move(self, delta: int) -> None:
        self.cursor = self.cursor + delta

    def action_page(self, sign: int) -> None:
        self.cursor = self.cursor + sign * max(1, self.scrollable_content_region.height - 1)

    def action_jump(self, where: int) -> None:
        self.sync()
        self.cursor = 0 if where == 0 else max(0, self.store.shown_count() - 1)

    def on_click(self, event: events.Click) -> None:
        self.cursor = int(self.scroll_offset.y) + event.y

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        if index >= self.store.shown_count() or width <= 0:
            return Strip.blank(width, self.rich_style)
        number = self.store.shown_number(index)
        if number > len(self.store):
            return Strip([Segment("\u2026".ljust(width))])
        cols = self.store.row(number)
        if self.store.refs:
            cols[1] = self.store.time_text(number, cols[1])
        text = layout_row(cols, width, self.app.size.width < NARROW)
        style = Style()
        rule = self.store.rule(number) if self.color else None
        if rule is not None:
            style = self._styles.get(rule.name) or self._styles.setdefault(
                rule.name, Style.parse(rule.style))
        if number in self.store.marked:
            style = Style(color="white", bgcolor="black", bold=True)
        if index == self.cursor:
            style = style + Style(reverse=True, bold=True)
        return Strip([Segment(text, style)], width)


__all__ = ["PacketList", "COLUMNS", "layout_row", "header_text"]
