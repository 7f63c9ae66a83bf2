"""Find a packet as Wireshark's find bar does: by display filter, string, hex bytes or
regular expression, in the packet list, the details or the bytes.

The list is searched in its packed row strings; details and bytes in each frame's
spilled tree (the labels the detail pane shows, and every data source's bytes), on a
thread, from the packet after the selected one, stopping at the first match.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from analyzer.tui.store import SEP, PacketStore

MODES = (("Display filter", "filter"), ("String", "string"), ("Hex value", "hex"),
         ("Regular expression", "regex"))
WHERE = (("Packet list", "list"), ("Packet details", "details"), ("Packet bytes", "bytes"))


class FindError(ValueError):
    """What the user typed cannot be searched for (bad hex, bad pattern)."""


def parse_hex(text: str) -> bytes:
    """ "de ad be ef", "de:ad:be:ef", "deadbeef", "0xde 0xad" -> bytes."""
    digits = re.sub(r"0x|[\s:.\-]", "", text.strip(), flags=re.I)
    if not digits or len(digits) % 2 or not re.fullmatch(r"[0-9a-fA-F]+", digits):
        raise FindError(f"not hex bytes: {text}")
    return bytes.fromhex(digits)


def matcher(mode: str, where: str, text: str) -> Callable[[Any], bool]:
    """A test on a str (list, details) or on bytes (bytes) for `text` in `mode`."""
    if mode == "hex":
        needle = parse_hex(text)
        if where != "bytes":
            raise FindError("hex values are found in the packet bytes")
        return lambda data: needle in data
    if mode == "regex":
        try:
            rx = re.compile(text.encode("utf-8", "surrogateescape") if where == "bytes"
                            else text)
        except re.error as e:
            raise FindError(f"bad regular expression: {e}") from None
        return lambda s: rx.search(s) is not None
    if where == "bytes":
        raw = text.encode("utf-8", "surrogateescape")
        return lambda data: raw in data
    return lambda s: text in s


def haystacks(store: PacketStore, where: str, number: int) -> list[Any]:
    """What a search looks at in frame `number`: its row's columns, its tree's labels,
    or its data sources' bytes."""
    if where == "list":
        return [store.rows[number - 1].replace(SEP, " ")]
    pkt = store.detail(number)
    if where == "details":
        return [r.label for r in pkt.rows]
    return [bytes(data) for _name, data in pkt.packet.sources]


def search(store: PacketStore, test: Callable[[Any], bool], where: str, start: int,
           stop: threading.Event) -> int | None:
    """The first displayed frame from row `start` on (0-based) whose `where` matches."""
    for i in range(start, store.shown_count()):
        if stop.is_set():
            return None
        n = store.shown_number(i)
        if any(test(h) for h in haystacks(store, where, n)):
            return n
    return None


class FindScreen(ModalScreen[tuple[str, str, str] | None]):
    """What to find (mode, where, text), as Wireshark's find bar asks it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    FindScreen { align: center middle; }
    FindScreen > Vertical { width: 90; height: 9; border: round $accent;
                            background: $surface; }
    FindScreen Select { width: 1fr; }
    """

    def __init__(self, mode: str = "filter", where: str = "list", text: str = "") -> None:
        super().__init__()
        self.mode, self.where, self.text = mode, where, text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Find (Enter: next match after the selected packet; Tab: options)")
            with Horizontal(id="find-options"):
                yield Select(MODES, value=self.mode, allow_blank=False, id="find-mode")
                yield Select(WHERE, value=self.where, allow_blank=False, id="find-where")
            yield Input(value=self.text, id="find-input")

    def on_mount(self) -> None:
        self.query_one("#find-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        mode = str(self.query_one("#find-mode", Select).value)
        where = str(self.query_one("#find-where", Select).value)
        self.dismiss((mode, where, event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["FindScreen", "FindError", "matcher", "parse_hex", "search", "MODES", "WHERE"]
