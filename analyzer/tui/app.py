"""The interactive view's application: three panes with synced cursors, filter bar,
status line, and the keys that open the other views (views.py, reports.py)."""

from __future__ import annotations

import sys
import threading
import time
from array import array
from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static, Tree

from analyzer.tui.packet_list import PacketList, header_text
from analyzer.tui.panes import DetailTree, FilterBar, HexView, check_filter
from analyzer.tui.source import SMALL, Source
from analyzer.tui.store import Detail, PacketStore, TreeRow, refilter
from analyzer.tui.worker import Pass, start_scan


def field_names() -> list[str]:
    """Protocol and field names for completion (imports the registry)."""
    from dissectors import REGISTRY

    names = []
    for p in REGISTRY.protocols.values():
        names.append(p.abbrev)
        names += [f.abbrev for f in p.fields]
    return names


#: The command palette's entries: (title, help, action).
COMMANDS = (
    ("Filter: edit the display filter", "/", "edit_filter"),
    ("Go to packet", "Ctrl+G", "goto"),
    ("Find packet", "Ctrl+F: display filter, string, hex, regex", "find"),
    ("Mark / unmark packet", "m", "mark"),
    ("Time reference: set / unset", "Ctrl+T", "time_ref"),
    ("Copy field value", "y", "copy(False)"),
    ("Copy field as filter", "Y", "copy(True)"),
    ("Apply selected field as filter", "a", "apply_item(True)"),
    ("Prepare selected field as filter", "p", "apply_item(False)"),
    ("Export displayed packets", "Ctrl+E", "export"),
    ("Follow stream", "F", "follow"),
    ("Conversations", "C", "stats('conv')"),
    ("Endpoints", "E", "stats('endpoints')"),
    ("Flow (sequence) diagram", "D", "flow"),
    ("I/O graph", "I", "io_graph"),
    ("Protocol hierarchy", "H", "stats('phs')"),
    ("Expert information", "X", "stats('expert')"),
    ("Learner's panel", "L", "learner"),
    ("Live capture: stop", "S", "stop_capture"),
    ("Live capture: restart", "R", "restart_capture"),
    ("Help: every key", "?", "help"),
)


class LabsharkApp(App[int]):
    """`analyze --tui`: list, detail tree, bytes; a filter bar and a status line."""

    TITLE = "labshark"
    CSS = """
    Screen { layout: vertical; }
    #header { height: 1; background: $primary 40%; text-style: bold; }
    PacketList { height: 1fr; min-height: 3; }
    DetailTree { height: 1fr; min-height: 3; border-top: solid $primary; }
    #hex-scroll { height: 1fr; min-height: 3; border-top: solid $primary; }
    #status { height: 1; background: $primary 30%; }
    """
    BINDINGS = [
        Binding("q", "quit_app", "Quit"),
        Binding("ctrl+c", "quit_app", "Quit", priority=True),
        Binding("slash", "edit_filter", "Filter"),
        Binding("escape", "to_list", "List", show=False),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+g", "goto", "Go to"),
        Binding("ctrl+f", "find", "Find"),
        Binding("m", "mark", "Mark"),
        Binding("ctrl+e", "export", "Export"),
        Binding("a", "apply_item(True)", "Apply as filter", show=False),
        Binding("p", "apply_item(False)", "Prepare filter", show=False),
        Binding("F", "follow", "Follow"),
        Binding("C", "stats('conv')", "Conversations"),
        Binding("E", "stats('endpoints')", "Endpoints"),
        Binding("H", "stats('phs')", "Hierarchy"),
        Binding("X", "stats('expert')", "Expert"),
        Binding("L", "learner", "Learner"),
        Binding("S", "stop_capture", "Stop capture"),
        Binding("R", "restart_capture", "Restart capture", show=False),
        Binding("D", "flow", "Flow"),
        Binding("I", "io_graph", "I/O graph"),
        Binding("ctrl+t", "time_ref", "Time reference", show=False),
        Binding("y", "copy(False)", "Copy value", show=False),
        Binding("Y", "copy(True)", "Copy as filter", show=False),
    ]

    def __init__(self, source: Source, *, display_filter: str = "", color: bool = True,
                 rules: list | None = None, time_fmt: str = "r", live: Any = None,
                 store: PacketStore | None = None, scan: Pass | None = None,
                 late: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._late = late  # run_tui's work after the first screen (then the registry)
        self._late_thread: threading.Thread | None = None
        self.registry_ready = threading.Event()
        self._pending = 0  # a row selected before the registry was: its tree to show
        self._building = 0  # a frame whose tree a thread builds (ondemand.py)
        if late is None and "dissectors" in sys.modules:
            self.registry_ready.set()
        self.source = source
        self.color = color
        self.store = store if store is not None else PacketStore(rules if color else None,
                                                                 time_fmt)
        self.scan = scan  # the first pass, when run_tui started it already
        self.passes: list[Pass] = []
        self.initial_filter = display_filter
        self.stop = threading.Event()
        self.filter_stop = threading.Event()
        self.filter_started = 0.0
        self.filter_time: float | None = None
        self.filter_text = ""
        self.filter_done = True
        self.message = ""
        self.detail: Detail | None = None
        self.live = live
        self._live_thread: threading.Thread | None = None
        self._reports: Any = None
        self.find_how = ("filter", "list", "")
        self._status_text = ""

    @property
    def reports(self) -> Any:
        """The passes behind the views (reports.py, views.py: imported at first use, not
        before the first screen)."""
        if self._reports is None:
            from analyzer.tui.reports import Reports

            self._reports = Reports(self)
        return self._reports

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        # (the names once the dissectors are imported: after the first screen, unless
        # they were already)
        names = field_names() if "dissectors" in sys.modules else []
        yield FilterBar(names, id="filter", value=self.initial_filter)
        yield Static("", id="header")
        yield PacketList(self.store, color=self.color, id="list")
        yield DetailTree(id="tree")
        with VerticalScroll(id="hex-scroll"):
            yield HexView(color=self.color, id="hex")
        yield Static("", id="status", markup=False)

    def on_mount(self) -> None:
        self.plist = self.query_one(PacketList)
        self.dtree = self.query_one(DetailTree)
        self.hex = self.query_one(HexView)
        self.fbar = self.query_one(FilterBar)
        self.status = self.query_one("#status", Static)
        self.plist.focus()
        if self.initial_filter:  # (checked by run_tui or the first pass)
            self.filter_text = self.initial_filter
            self.fbar.remember(self.initial_filter)
        self.started = time.monotonic()
        if self.live is not None:
            match = None
            if self.initial_filter:
                from filters import compile_filter

                match = compile_filter(self.initial_filter).match
            self._start_live(match)
        elif self.scan is None:
            self.scan = start_scan(self.source.job(
                "scan", filter=self.initial_filter, color=self.color,
                time_fmt=self.store.time_fmt), self.store)
        if self.scan is not None:
            self.passes.append(self.scan)
        self.set_interval(0.1, self._tick)
        # until the first rows arrive, look more often: the first screen shows sooner
        self._first = self.set_interval(0.02, self._first_tick)
        self.on_resize()
        # (the first rows start it sooner; a pipe with no writer yet: this)
        self.set_timer(1.0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        """The dissector registry (completion names, the filter bar's checks, trees) and
        run_tui's late work, imported on a thread once the first rows are on the screen:
        the first screen does not wait for them, nor share the CPU with them
        (bench/tui.py). The first row is selected (its tree shown) after that."""
        if self._late_thread is not None or self.registry_ready.is_set():
            return
        self._late_thread = threading.Thread(target=self._late_work, daemon=True,
                                             name="labshark-late")
        self._late_thread.start()

    def _late_work(self) -> None:
        try:
            if self._late is not None:
                self._late()
        except Exception as e:  # noqa: BLE001 - checked by the first pass already
            self.message = f"internal error ({type(e).__name__}: {e})"
        names = field_names()
        try:
            self.call_from_thread(self.fbar.suggester.set_names, names)  # type: ignore[union-attr]
        except RuntimeError:  # (run on the app's own thread: wait_late)
            self.fbar.suggester.set_names(names)  # type: ignore[union-attr]
        self.registry_ready.set()

    def wait_late(self) -> None:
        """Before anything that compiles a filter: run_tui's late work done (macros)."""
        if self.registry_ready.is_set():
            return
        if self._late_thread is None:
            self._late_thread = threading.current_thread()
            self._late_work()
        elif self._late_thread is not threading.current_thread():
            self._late_thread.join()

    def on_resize(self, event: object = None) -> None:
        self.query_one("#header", Static).update(header_text(self.size.width))

    def _start_live(self, match: Any) -> None:
        self._live_thread = threading.Thread(target=self._live_scan, args=(match,),
                                             daemon=True, name="labshark-live")
        self._live_thread.start()

    def _live_scan(self, match: Any) -> None:
        try:
            self.live.run(self.store, match, self.stop)
        except Exception as e:  # noqa: BLE001 - never a traceback over the screen
            self.store.error = str(e)
        self.store.done = True

    def _first_tick(self) -> None:
        if len(self.store) or self.store.done:
            self._first.stop()
            self._tick()
            self.call_after_refresh(self._after_first_paint)

    def _tick(self) -> None:
        if self.store.done:  # (a filter following a pipe's copy: it is whole now)
            for p in self.passes:
                p.release()
        self.plist.sync(complete=self.filter_done)
        if self.plist.selected == 0 and not self.plist.placing and self.store.shown_count():
            self.plist.cursor = self.plist.cursor  # select the first row once it exists
        if self._pending and self.registry_ready.is_set():  # (a tree: after the first screen)
            number, self._pending = self._pending, 0
            self._show_detail(number)
        self._show_status()

    def _show_status(self) -> None:
        """Counts first (they must fit 80 columns), then timings, messages, the source."""
        total = len(self.store)
        shown = self.store.shown_count()
        parts = [f"Packets: {total} Displayed: {shown}"
                 + (f" ({shown * 100 / total:.1f}%)" if total and shown != total else "")]
        if not self.store.done:
            size = getattr(self.source, "size", 0)
            parts.append(f"reading… {min(99, self.store.read_bytes * 100 // size)}%"
                         if size and self.store.read_bytes else "reading…")
        if self.live is not None:
            parts.append(self.live.status())
        if self.store.marked:
            parts.append(f"Marked: {len(self.store.marked)}")
        if not self.filter_done:
            parts.append(f"filtering… {time.monotonic() - self.filter_started:.1f} s")
        elif self.filter_time is not None:
            parts.append(f"filter took {self.filter_time:.3f} s")
        if self.store.error:
            from dissectors.escape import format_str

            parts.append(format_str(self.store.error))
        if self.message:
            parts.append(self.message)
        title = getattr(self.source, "safe_title", None)
        if title is None:
            from dissectors.escape import format_str

            title = format_str(self.source.title)
        parts.append(title)
        text = " | ".join(parts)
        if text != self._status_text:  # (an unchanged line is not laid out again: the
            self._status_text = text   # 10 Hz tick cost 4% of a core on an idle view)
            self.status.update(text)

    # -- synced cursors ----------------------------------------------------------
    def on_packet_list_selected(self, event: PacketList.Selected) -> None:
        self._pending = 0
        if not event.number or event.number > len(self.store):
            self.detail = None
            self.dtree.show(None)
            self.hex.show(None)
            return
        if not self.registry_ready.is_set():  # (shown by _tick once it is)
            self._pending = event.number
            return
        self._show_detail(event.number)

    def _show_detail(self, number: int) -> None:
        builder = self.store.builder
        if builder is not None and not builder.quick(number):
            # (many frames to dissect first: a thread builds it, the keys stay quick)
            self.message = f"building frame {number}'s tree…"
            self._building = number
            threading.Thread(target=self._build_tree, args=(number,), daemon=True,
                             name="labshark-tree").start()
            return
        try:
            self.detail = self.store.detail(number)
        except OSError as e:  # the capture file changed (its bytes are read again)
            self.message = str(e)
            self.detail = None
        self.dtree.show(self.detail)
        self.hex.show(self.detail)

    def _build_tree(self, number: int) -> None:
        try:
            self.store.detail(number)  # (cached: shown at once on the app's thread)
        except (OSError, ValueError) as e:
            self.message = str(e)
            return
        try:
            self.call_from_thread(self._tree_built, number)
        except RuntimeError:  # the app ended meanwhile
            pass

    def _tree_built(self, number: int) -> None:
        if self._building == number and self.plist.selected == number:
            self.message = ""
            self._show_detail(number)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[TreeRow]) -> None:
        row = event.node.data
        if row is None or self.detail is None:
            return
        it = row.item
        self.hex.show(self.detail, it.source, it.offset, it.length)
        self.message = f"{row.abbrev}" + (f" == {row.value}" if row.value else "")

    def on_hex_view_byte_clicked(self, event: HexView.ByteClicked) -> None:
        self.dtree.select_offset(event.source, event.offset)

    # -- filter bar --------------------------------------------------------------
    def on_input_changed(self, event: FilterBar.Changed) -> None:
        if event.input is not self.fbar:
            return
        self.wait_late()
        ok, msg = check_filter(event.value)
        self.fbar.set_class(bool(event.value.strip()) and ok, "-ok")
        self.fbar.set_class(not ok, "-bad")
        self.message = msg
        self._show_status()

    def on_input_submitted(self, event: FilterBar.Submitted) -> None:
        if event.input is not self.fbar:
            return
        self.apply_filter(event.value)

    def apply_filter(self, text: str) -> None:
        from filters import FilterError, compile_filter

        self.wait_late()
        text = text.strip()
        try:
            flt = compile_filter(text) if text else None
        except (FilterError, RecursionError, ValueError) as e:
            col = f" (column {e.column + 1})" if isinstance(e, FilterError) else ""
            self.message = f"{getattr(e, 'message', e)}{col} — not applied"
            self.bell()
            return
        self.fbar.remember(text)
        self.filter_stop.set()
        for p in self.passes:
            if p.name == "labshark-filter":
                p.cancel()
        self.passes = [p for p in self.passes if not p.cancelled]
        self.filter_text = text
        self.message = ""
        if flt is None:
            self.store.displayed = None
            self.filter_time = None
            self.plist.reset()
            self.plist.focus()
            return
        self.filter_stop = stop = threading.Event()
        out: array = array("I")
        self.store.displayed = out
        self.filter_started = time.monotonic()
        self.filter_done = False
        self.plist.reset(complete=False)
        self.plist.focus()

        def end(kind: str, payload: Any) -> None:
            if kind == "error":
                self.store.error = payload
            if not stop.is_set():
                self.filter_time = time.monotonic() - self.filter_started
                self.filter_done = True

        if self.live is None and not (self.store.done and len(self.store) <= SMALL):
            # (a pipe still being read: the frames read so far, then each as it comes)
            follow = bool(self.source.copy) and not self.store.done
            self.passes.append(Pass(self.source.job("filter", filter=text, follow=follow),
                                    out.extend, end))
            return

        def work() -> None:  # small or live: in this process, no worker to start
            try:
                if self.live is not None:
                    self.live.refilter(self.store, flt.match, out, stop)
                else:
                    self._refilter_here(flt.match, out, stop)
            except Exception as e:  # noqa: BLE001 - a capture error ends the pass only
                end("error", str(e))
            end("done", None)

        threading.Thread(target=work, daemon=True, name="labshark-filter").start()

    def _refilter_here(self, match: Any, out: array, stop: threading.Event) -> None:
        from dissectors import Session

        frames = self.source.frames()
        try:
            session = Session(two_pass=self.source.two_pass, decode_as=self.source.decode_as)
            if self.source.two_pass:
                from analyzer.pipeline import second_pass_reader

                frames = second_pass_reader(frames, session)
            refilter(frames, session, match, out, stop)
        finally:
            frames.close()

    def action_edit_filter(self) -> None:
        self.fbar.focus()

    def action_to_list(self) -> None:
        self.plist.focus()

    def action_apply_item(self, apply: bool) -> None:
        node = self.dtree.cursor_node
        if node is None or node.data is None or not node.data.abbrev:
            self.message = "select a field in the detail tree first"
            return
        row = node.data
        text = f"{row.abbrev} == {row.value}" if row.value else row.abbrev
        self.fbar.value = text
        if apply:
            self.apply_filter(text)
        else:
            self.fbar.focus()

    # -- other keys --------------------------------------------------------------
    def action_help(self) -> None:
        from analyzer.tui.views import HelpScreen

        self.push_screen(HelpScreen())

    def action_quit_app(self) -> None:
        self.end_passes()
        self.exit(0)

    def end_passes(self) -> None:
        self.stop.set()
        self.filter_stop.set()
        for p in [*self.passes, *([self.scan] if self.scan is not None else [])]:
            p.cancel()

    def action_mark(self) -> None:
        n = self.plist.selected
        if n:
            self.store.marked.symmetric_difference_update({n})
            self.plist.refresh()

    def goto(self, number: int) -> None:
        if number and not self.plist.select_number(number):
            self.message = f"packet {number} is not displayed"

    def action_goto(self) -> None:
        from analyzer.tui.views import PromptScreen

        def done(value: str | None) -> None:
            try:
                self.goto(int((value or "").strip()))
            except ValueError:
                if value:
                    self.message = f"not a packet number: {value}"

        self.push_screen(PromptScreen("Go to packet:"), done)

    def action_find(self) -> None:
        from analyzer.tui.find import FindScreen

        def done(how: tuple[str, str, str] | None) -> None:
            if how is not None:
                self.find_how = how
                mode, where, text = how
                self.reports.find(text, mode, where)

        self.push_screen(FindScreen(*self.find_how), done)

    def action_flow(self) -> None:
        self.reports.flow()

    def action_io_graph(self) -> None:
        self.reports.io_graph()

    def action_time_ref(self) -> None:
        """Wireshark's Ctrl+T: the packet becomes (or stops being) a time reference."""
        n = self.plist.selected
        if n:
            self.store.toggle_ref(n)
            self.message = (f"packet {n} is a time reference" if n in self.store.refs
                            else f"packet {n} is no longer a time reference")
            self.plist.refresh()

    def action_copy(self, as_filter: bool) -> None:
        """Copy the selected tree item's value, or a filter for it, to the clipboard."""
        node = self.dtree.cursor_node
        row = node.data if node is not None else None
        if row is None or not (row.value or (as_filter and row.abbrev)):
            self.message = "select a field with a value in the detail tree first"
            return
        text = (f"{row.abbrev} == {row.value}" if row.value else row.abbrev) if as_filter \
            else row.value
        self.copy_to_clipboard(text)
        from dissectors.escape import format_str

        self.message = f"copied: {format_str(text)}"

    def action_restart_capture(self) -> None:
        """Live capture: stop, forget what was captured, and capture anew."""
        if self.live is None:
            return
        self.stop.set()
        self.live.stop_capture()
        if self._live_thread is not None:
            self._live_thread.join(5)
        self.live.restart()
        self.stop = threading.Event()
        self.store.close()
        self.store = PacketStore(self.store.rules, self.store.time_fmt)
        self.plist.store = self.store
        self.detail = None
        self.plist.reset()
        self.message = "capture restarted"
        match = None
        if self.filter_text:
            from filters import compile_filter

            match = compile_filter(self.filter_text).match
        self._start_live(match)

    def get_system_commands(self, screen: Any) -> Any:
        """The command palette (Ctrl+P): every view and action by name."""
        from textual.app import SystemCommand

        yield from super().get_system_commands(screen)
        for title, help_text, action in COMMANDS:
            if action in ("stop_capture", "restart_capture") and self.live is None:
                continue
            yield SystemCommand(title, help_text,
                                lambda a=action: self.call_later(self.run_action, a))

    def action_export(self) -> None:
        from analyzer.tui.views import PromptScreen

        self.push_screen(PromptScreen("Export displayed packets to (.pcap or .pcapng):"),
                         lambda v: self.reports.export(v or ""))

    def action_follow(self) -> None:
        self.reports.follow()

    def action_stats(self, kind: str) -> None:
        self.reports.stats(kind)

    def action_stop_capture(self) -> None:
        if self.live is not None:
            self.live.stop_capture()

    def action_learner(self) -> None:
        from analyzer.tui.views import TextScreen

        if self.detail is None:
            return
        from analyzer.learner import explain

        text = explain(self.detail.packet) or "(no addresses or ports in this packet)"
        self.push_screen(TextScreen(f"Learner's panel: packet {self.detail.number}", text))

    def on_unmount(self) -> None:
        self.end_passes()


__all__ = ["LabsharkApp", "Source", "field_names"]
