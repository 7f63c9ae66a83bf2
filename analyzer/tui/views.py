"""Screens over the main view: help, a text report (follow, statistics), a prompt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from dissectors.escape import format_str

#: (key, what it does): the help screen and the README's key list.
KEYS = (
    ("/", "edit the display filter (Right accepts the completion, Up/Down history, "
          "Enter applies)"),
    ("Esc", "back to the packet list / close a view"),
    ("Tab / Shift+Tab", "next / previous pane (list, tree, bytes)"),
    ("Up Down PgUp PgDn Home End / k j g G", "move in the list (k j: up, down; g G: "
                                             "first, last)"),
    ("Enter / Space", "in the tree: open or close a node"),
    ("e / c", "in the tree: expand all / collapse all"),
    ("a / p", "apply the selected tree item as filter / prepare it in the filter bar"),
    ("y / Y", "copy the selected tree item's value / it as a filter (clipboard and "
              "status line)"),
    ("Ctrl+G", "go to packet number"),
    ("Ctrl+F", "find: display filter, string, hex bytes or regex, in the list, details "
               "or bytes"),
    ("m", "mark / unmark the packet"),
    ("Ctrl+T", "set / unset the packet as time reference (*REF*; later times relative "
               "to it)"),
    ("Ctrl+E", "export displayed packets (pcap or pcapng by file name)"),
    ("F", "follow the selected packet's TCP/UDP/HTTP/TFTP/FeiQ stream; in it a / x / c / r: "
          "ASCII / hex dump / C arrays / raw, g: go to a packet"),
    ("C / E", "conversations / endpoints: sortable tables (column number, s or a click "
              "sorts; Enter filters on the row)"),
    ("D", "flow (sequence) diagram of the displayed packets; Enter goes to the packet"),
    ("I", "I/O graph: displayed packets/s per interval (+ / - change the interval)"),
    ("H", "protocol hierarchy"),
    ("X", "expert information"),
    ("L", "learner's panel: explain the packet's addresses, ports and layers"),
    ("S / R", "live capture: stop capturing (the list keeps what was captured) / "
              "restart (a new capture)"),
    ("Ctrl+P", "command palette: every view and action by name"),
    ("? / F1", "this help"),
    ("q / Ctrl+C", "quit"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; height: 90%; border: round $accent;
                                  background: $surface; }
    """

    def compose(self) -> ComposeResult:
        lines = ["labshark interactive view: keys", ""]
        width = max(len(k) for k, _ in KEYS)
        lines += [f"{k:<{width}}  {v}" for k, v in KEYS]
        with VerticalScroll():
            yield Static("\n".join(lines), id="help-text")


class TextScreen(ModalScreen[int]):
    """A report (tshark's text for follow or a -z statistic), scrollable; Esc closes.
    For a report on frames, `g` asks the frame to jump back to."""

    BINDINGS = [Binding("escape,q", "close", "Close"),
                Binding("g", "goto", "Go to packet")]  # from a report: back to a frame
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > Vertical { width: 96%; height: 94%; border: round $accent;
                            background: $surface; }
    TextScreen Label { width: 100%; background: $accent 30%; }
    TextScreen Input { display: none; border: none; height: 1; }
    TextScreen Input.-shown { display: block; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(format_str(self.title_text), id="report-title")
            with VerticalScroll(id="report-scroll"):
                yield Static(format_str(self.body) if self.body else "(nothing)",
                             id="report-body", markup=False)
            yield Input(placeholder="packet number", id="report-goto")

    def action_close(self) -> None:
        self.dismiss(0)

    def action_goto(self) -> None:
        box = self.query_one("#report-goto", Input)
        box.add_class("-shown")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(int(event.value.strip()))
        except ValueError:
            self.dismiss(0)


class FollowScreen(TextScreen):
    """A followed stream; a / x / c / r show it again in another encoding."""

    BINDINGS = [Binding("a", "mode('ascii')", "ASCII"),
                Binding("x", "mode('hex')", "Hex dump"),
                Binding("c", "mode('carray')", "C arrays"),
                Binding("r", "mode('raw')", "Raw")]

    def __init__(self, title: str, text: str, encoding: str) -> None:
        super().__init__(f"{title} [{encoding}] — a: ASCII, x: hex dump, c: C arrays, "
                         "r: raw, g: go to packet", text)

    def action_mode(self, mode: str) -> None:
        self.dismiss(mode)  # type: ignore[arg-type]  # (the caller runs the pass again)


class PromptScreen(ModalScreen[str]):
    """One line of input (go to, find, export name); Esc gives ""."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 70; height: 5; border: round $accent;
                              background: $surface; }
    """

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.value, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss("")


__all__ = ["HelpScreen", "TextScreen", "FollowScreen", "PromptScreen", "KEYS"]
