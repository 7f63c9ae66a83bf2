"""The detail tree pane, the hex/ASCII pane and the filter bar."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode

from analyzer.tui.store import Detail, TreeRow

_PRINTABLE = bytes(c if 32 <= c < 127 else 0x2E for c in range(256))


class DetailTree(Tree[TreeRow]):
    """The selected frame's tree, Wireshark's labels; Enter/Space toggle a node."""

    BINDINGS = [
        Binding("e", "expand_all", "Expand all"),
        Binding("c", "collapse_all", "Collapse all"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__("packet", **kw)  # type: ignore[arg-type]
        self.show_root = False
        self.detail: Detail | None = None

    def show(self, detail: Detail | None) -> None:
        """Replace the tree by `detail`'s, top-level nodes expanded one level deep."""
        self.clear()
        self.detail = detail
        if detail is None:
            return
        from dissectors.escape import format_str  # (a tree: after the first screen)

        stack: list[TreeNode[TreeRow]] = [self.root]
        for row in detail.rows:
            del stack[row.depth + 1:]
            parent = stack[-1]
            text = Text(format_str(row.label))
            if row.has_children:
                node = parent.add(text, data=row, expand=False)
                stack.append(node)
            else:
                parent.add_leaf(text, data=row)
        self.root.expand()

    def action_expand_all(self) -> None:
        self.root.expand_all()

    def action_collapse_all(self) -> None:
        for child in self.root.children:
            child.collapse_all()

    def select_offset(self, source: int, offset: int) -> None:
        """Move the cursor to the deepest visible item covering byte `offset`."""
        best: TreeNode[TreeRow] | None = None

        def walk(node: TreeNode[TreeRow]) -> None:
            nonlocal best
            for child in node.children:
                row = child.data
                if row is None:
                    continue
                it = row.item
                if it.source == source and it.length and it.offset <= offset < it.offset + \
                        it.length:
                    best = child
                    walk(child)

        walk(self.root)
        if best is not None:
            node = best
            parent = node.parent
            while parent is not None:
                parent.expand()
                parent = parent.parent
            # (the tree's lines are rebuilt on the next refresh: move after it)
            self.call_after_refresh(self.move_cursor, node)


class HexView(Static, can_focus=True):
    """Offset, 16 hex bytes, ASCII; the selected item's bytes highlighted."""

    class ByteClicked(Message):
        def __init__(self, source: int, offset: int) -> None:
            super().__init__()
            self.source = source
            self.offset = offset

    def __init__(self, color: bool = True, **kw: object) -> None:
        super().__init__("", **kw)  # type: ignore[arg-type]
        self.color = color
        self.detail: Detail | None = None
        self.source = 0
        self.span: tuple[int, int] = (0, 0)

    def show(self, detail: Detail | None, source: int = 0, offset: int = 0,
             length: int = 0) -> None:
        self.detail = detail
        self.source = source
        self.span = (offset, offset + length)
        self.update(self.render_text())

    def render_text(self) -> Text:
        text = Text(no_wrap=True)
        if self.detail is None:
            return text
        sources = self.detail.packet.sources
        src = self.source if self.source < len(sources) else 0
        name, data = sources[src]
        b = bytes(data)
        if len(sources) > 1:
            from dissectors.escape import format_str

            text.append(f"{format_str(name)}:\n", Style(bold=True))
        hi = Style(reverse=True, bold=True) if not self.color else \
            Style(color="black", bgcolor="cyan", bold=True)
        lo, up = self.span
        for off in range(0, len(b), 16):
            chunk = b[off: off + 16]
            text.append(f"{off:04x}  ")
            for i, c in enumerate(chunk):
                text.append(f"{c:02x}", hi if lo <= off + i < up else "")
                text.append(" " if i != 7 else "  ")
            text.append("   " * (16 - len(chunk)) + (" " if len(chunk) <= 7 else ""))
            text.append(" ")
            for i, c in enumerate(chunk):
                text.append(chr(_PRINTABLE[c]), hi if lo <= off + i < up else "")
            text.append("\n")
        text.rstrip()
        return text

    def on_click(self, event: events.Click) -> None:
        """A click on a hex byte selects the tree item it belongs to."""
        if self.detail is None:
            return
        line = event.y - (1 if len(self.detail.packet.sources) > 1 else 0)
        col = event.x - 6
        if line < 0 or col < 0:
            return
        i = col // 3 if col < 24 else (col - 1) // 3
        if 0 <= i < 16:
            self.post_message(self.ByteClicked(self.source, line * 16 + i))


class FieldSuggester(Suggester):
    """Completes the word being typed from the registry's protocol and field names."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.names = sorted(names)

    def set_names(self, names: list[str]) -> None:
        """The names, once the registry is imported (after the first screen)."""
        self.names = sorted(names)
        if self.cache is not None:
            self.cache.clear()

    async def get_suggestion(self, value: str) -> str | None:
        import bisect

        word = value
        for sep in " ()!=<>&|,{}[]~":
            word = word.rsplit(sep, 1)[-1]
        if len(word) < 2:
            return None
        i = bisect.bisect_left(self.names, word)
        if i < len(self.names) and self.names[i].startswith(word) and self.names[i] != word:
            return value + self.names[i][len(word):]
        return None


class FilterBar(Input):
    """The display filter: checked as you type, Enter applies, Up/Down walk the history."""

    BINDINGS = [
        Binding("up", "history(-1)", "Previous filter", show=False),
        Binding("down", "history(1)", "Next filter", show=False),
    ]

    DEFAULT_CSS = """
    FilterBar, FilterBar:focus { border: none; height: 1; padding: 0 1; }
    FilterBar.-ok { background: $success 40%; }
    FilterBar.-bad { background: $error 40%; }
    """

    def __init__(self, names: list[str], **kw: object) -> None:
        super().__init__(placeholder="Apply a display filter ... (/ to edit, Enter to apply)",
                         suggester=FieldSuggester(names), **kw)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._pos = 0

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self._pos = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._pos = max(0, min(len(self.history), self._pos + step))
        self.value = self.history[self._pos] if self._pos < len(self.history) else ""
        self.cursor_position = len(self.value)


def check_filter(text: str) -> tuple[bool, str]:
    """(valid, message): our own compiler's verdict, with the caret column on error."""
    from filters import FilterError, compile_filter

    if not text.strip():
        return True, ""
    try:
        compile_filter(text)
    except FilterError as e:
        return False, f"{e.message} (column {e.column + 1})"
    except (RecursionError, ValueError) as e:
        return False, str(e)
    return True, "valid filter"


__all__ = ["DetailTree", "HexView", "FilterBar", "FieldSuggester", "check_filter"]
