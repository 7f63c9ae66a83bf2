"""The flow (sequence) diagram and the I/O graph of the displayed packets.

Both are drawn from the `-z` taps' own rows, computed by a worker pass over the
capture: the flow diagram is tshark's `-z flow,any,standard,FILTER` ladder
(analyzer/stats/flow.py) with a cursor on its arrows (Enter or `g` jumps to the
packet), the I/O graph is `-z io,stat,INTERVAL,FILTER`'s frames per interval
(analyzer/stats/io_stat.py) drawn as packets/s bars.
"""

from __future__ import annotations

import math
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from dissectors.escape import format_str

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 98%; height: 94%; border: round $accent; background: $surface; }}
{name} Label {{ width: 100%; background: $accent 30%; }}
"""


def ladder_lines(items: list[Any]) -> tuple[list[str], list[int]]:
    """The ladder's lines, and for each line the item it draws (-1: header, separator),
    as flow.ladder lays them out: two header lines, a separator where the conversation
    changes (when there are several), two lines an item."""
    from analyzer.stats.flow import ladder

    lines = ladder(items).splitlines()
    if not lines:
        return [], []
    owner = [-1, -1]
    several = any(it.conv != items[0].conv for it in items)
    conv = items[0].conv
    for i, it in enumerate(items):
        if several and it.conv != conv:
            owner.append(-1)
            conv = it.conv
        owner += [i, i]
    return lines, owner[:len(lines)]


class FlowScreen(ModalScreen[int]):
    """The ladder with a cursor on one arrow; Enter/g gives its frame number."""

    BINDINGS = [Binding("escape,q", "close", "Close"),
                Binding("up,k", "move(-1)", "Previous", show=False),
                Binding("down,j", "move(1)", "Next", show=False),
                Binding("pageup", "move(-10)", show=False),
                Binding("pagedown", "move(10)", show=False),
                Binding("enter,g", "choose", "Go to packet")]
    DEFAULT_CSS = _CSS.format(name="FlowScreen")

    def __init__(self, title: str, items: list[Any]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.lines, self.owner = ladder_lines(items)
        self.cursor = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(format_str(self.title_text) + " — Up/Down: arrow, Enter: go to "
                        "its packet, Esc: close")
            with VerticalScroll(id="flow-scroll"):
                yield Static(self.render_text(), id="flow-body")

    def render_text(self) -> Text:
        text = Text(no_wrap=True)
        if not self.items:
            text.append("(no packets with addresses are displayed)")
            return text
        hi = Style(reverse=True, bold=True)
        for line, who in zip(self.lines, self.owner, strict=False):
            text.append(format_str(line) + "\n", hi if who == self.cursor else "")
        text.rstrip()
        return text

    def action_move(self, step: int) -> None:
        if not self.items:
            return
        self.cursor = max(0, min(len(self.items) - 1, self.cursor + step))
        self.query_one("#flow-body", Static).update(self.render_text())
        first = self.owner.index(self.cursor)
        self.query_one("#flow-scroll", VerticalScroll).scroll_to(
            y=max(0, first - 3), animate=False)

    def action_choose(self) -> None:
        self.dismiss(self.items[self.cursor].frame if self.items else 0)

    def action_close(self) -> None:
        self.dismiss(0)


def nice_interval(duration_s: float, rows: int = 60) -> float:
    """An interval of 1, 2 or 5 times a power of ten giving at most ~`rows` rows."""
    if duration_s <= 0:
        return 1.0
    raw = duration_s / rows
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return max(m * mag, 0.001)
    return 10 * mag


def bars(spans: list[tuple[float, float]], counts: list[int], width: int = 50) -> str:
    """Packets/s per interval: its start, its rate, a bar scaled to the largest."""
    rates = [c / (e - s) if e > s else float(c) for (s, e), c in zip(spans, counts,
                                                                      strict=True)]
    top = max(rates, default=0.0) or 1.0
    out = [f"{'Interval start (s)':>18}  {'packets/s':>10}  {'frames':>8}"]
    for (s, _e), r, c in zip(spans, rates, counts, strict=True):
        n = r / top * width
        bar = "\u2588" * int(n) + ("\u258c" if n - int(n) >= 0.5 else "")
        out.append(f"{s:>18.3f}  {r:>10.1f}  {c:>8d}  {bar}")
    return "\n".join(out)


class IoGraphScreen(ModalScreen[float]):
    """Packets/s per interval as bars; + and - change the interval (a new pass)."""

    BINDINGS = [Binding("escape,q", "close", "Close"),
                Binding("plus,equals_sign", "zoom(0.5)", "Shorter interval"),
                Binding("minus", "zoom(2)", "Longer interval")]
    DEFAULT_CSS = _CSS.format(name="IoGraphScreen")

    def __init__(self, title: str, interval: float, spans: list[tuple[float, float]],
                 counts: list[int]) -> None:
        super().__init__()
        self.title_text = title
        self.interval = interval
        self.body = bars(spans, counts)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{format_str(self.title_text)} — interval {self.interval:g} s "
                        "(+/- change it), Esc: close")
            with VerticalScroll():
                yield Static(self.body, id="io-body", markup=False)

    def action_zoom(self, factor: float) -> None:
        self.dismiss(self.interval * factor)

    def action_close(self) -> None:
        self.dismiss(0.0)


__all__ = ["FlowScreen", "IoGraphScreen", "ladder_lines", "bars", "nice_interval"]
