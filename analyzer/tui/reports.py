"""Views that need a pass over the capture: follow, statistics, flow, I/O graph, find,
export.

Each runs in a worker over a fresh reader and Session (frames in order, as `analyze`
runs them) and hands its result to a screen: the statistics are the `-z` taps' own
reports or rows (analyzer/stats), the stream is analyzer/follow.py's.
"""

from __future__ import annotations

import threading
from typing import Any

from analyzer.tui.views import FollowScreen, TextScreen
from analyzer.tui.worker import Pass

#: follow encodings: key in the follow view -> (name, -z follow mode or "carray")
FOLLOW_MODES = {"a": ("ASCII", "ascii"), "x": ("hex dump", "hex"),
                "c": ("C arrays", "carray"), "r": ("raw", "raw")}

#: key -> (title, -z arguments)
STATS = {
    "conv": ("Conversations", ["conv,eth", "conv,ip", "conv,ipv6", "conv,tcp", "conv,udp"]),
    "endpoints": ("Endpoints", ["endpoints,eth", "endpoints,ip", "endpoints,tcp",
                                "endpoints,udp"]),
    "phs": ("Protocol hierarchy", ["io,phs"]),
    "expert": ("Expert information", ["expert"]),
}


def follow_arg(pkt: Any, mode: str = "ascii") -> str | None:
    """The `-z follow,...` argument for the stream of a packet, as Wireshark picks it."""
    idx = pkt.index
    for proto, stream in (("http", "tcp.stream"), ("tcp", "tcp.stream"),
                          ("tftp", "udp.stream"), ("ipmsg", "udp.stream"),
                          ("udp", "udp.stream")):
        if proto in idx and stream in idx:
            return f"follow,{proto},{mode},{idx[stream][0].value}"
    return None


class Reports:
    """Starts the passes for one app and shows their results."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def _pass(self, title: str, args: list[str], form: str = "text",
              show: Any = None) -> None:
        """The -z report `args` over the capture in a worker, then `show(result)` (by
        default a text screen)."""
        app = self.app
        app.message = f"{title}: reading…"
        show = show or (lambda text: self._show(title, text or ""))

        def end(kind: str, payload: Any) -> None:
            if kind == "done":
                app.call_from_thread(show, payload)
            else:
                app.call_from_thread(self._show, title, f"{title} failed: {payload}")

        if app.live is not None:
            self._live_pass(args, form, end)
            return
        app.passes.append(Pass(app.source.job("report", taps=args, form=form),
                               lambda rows: None, end))

    def _live_pass(self, args: list[str], form: str, end: Any) -> None:
        """Live capture: the frames read so far, rebuilt from the store's spill."""
        from analyzer.tui.worker import build_report

        def work() -> None:
            try:
                feed, result = build_report(args, form)
                for n in range(1, len(self.app.store) + 1):
                    feed(self.app.store.detail(n).packet)
                end("done", result())
            except Exception as e:  # noqa: BLE001 - a report error is a message
                end("error", str(e))

        threading.Thread(target=work, daemon=True, name="labshark-report").start()

    def _show(self, title: str, text: str) -> None:
        self.app.message = ""
        self.app.push_screen(TextScreen(title, text), self._back)

    def _back(self, number: int | None) -> None:
        if number:
            self.app.goto(number)

    def stats(self, kind: str) -> None:
        title, args = STATS[kind]
        if kind in ("conv", "endpoints"):
            self._pass(title, args, "tables", lambda tables: self._tables(title, tables))
            return
        self._pass(title, args)

    def _tables(self, title: str, tables: list[Any]) -> None:
        from analyzer.tui.tables import TablesScreen

        self.app.message = ""

        def chosen(flt: str | None) -> None:
            if flt:
                self.app.fbar.value = flt
                self.app.apply_filter(flt)

        self.app.push_screen(TablesScreen(title, tables), chosen)

    def follow(self, mode: str = "ascii") -> None:
        detail = self.app.detail
        arg = follow_arg(detail.packet, "raw" if mode == "carray" else mode) \
            if detail is not None else None
        if arg is None:
            self.app.message = "no TCP/UDP stream in the selected packet"
            return
        name = next(n for n, m in FOLLOW_MODES.values() if m == mode)
        title = f"Follow: {arg[len('follow,'):]}" + (" (C arrays)" if mode == "carray" else "")

        def show(text: str) -> None:
            self.app.message = ""
            self.app.push_screen(FollowScreen(title, text or "", name), self._followed)

        self._pass(title, [arg], "carray" if mode == "carray" else "text", show)

    def _followed(self, result: int | str | None) -> None:
        """Back from a follow view: a frame to go to, or another encoding to show."""
        if isinstance(result, str):
            self.follow(result)
        elif result:
            self.app.goto(result)

    def flow(self) -> None:
        """The flow diagram of the displayed packets (-z flow,any,standard,FILTER)."""
        from analyzer.tui.graphs import FlowScreen

        flt = self.app.filter_text
        arg = "flow,any,standard" + (f",{flt}" if flt else "")
        title = "Flow" + (f": {flt}" if flt else ": all packets")
        def show(result: tuple[list[Any], int]) -> None:
            items, total = result
            more = f" (the first {len(items)} of {total} arrows)" if total > len(items) else ""
            self.app.message = ""
            self.app.push_screen(FlowScreen(title + more, items), self._back)

        self._pass(title, [arg], "flow", show)

    def io_graph(self, interval: float = 0.0) -> None:
        """Packets/s of the displayed packets per interval (-z io,stat,INTERVAL,FILTER)."""
        from analyzer.tui.graphs import IoGraphScreen, nice_interval

        store = self.app.store
        if interval <= 0:
            span = (store.ts[-1] - store.ts[0]) / 1e9 if len(store.ts) else 0.0
            interval = nice_interval(span)
        flt = self.app.filter_text
        arg = f"io,stat,{interval:g}" + (f",{flt}" if flt else "")
        title = f"I/O graph: {flt or 'all packets'}"

        def show(rows: Any) -> None:
            spans, cols = rows
            self.app.message = ""
            self.app.push_screen(IoGraphScreen(title, interval, spans, cols[0]),
                                 lambda again: self.io_graph(again) if again else None)

        self._pass(title, [arg], "io", show)

    def find(self, text: str, mode: str = "", where: str = "list") -> None:
        """The next displayed frame after the selected one that matches `text`: as a
        display filter, string, hex bytes or regex (`mode`; "" = a display filter when
        it compiles, else a string), in the list, details or bytes (`where`)."""
        from analyzer.tui.find import FindError, matcher, search
        from filters import FilterError, compile_filter

        app = self.app
        text = text.strip()
        if not text:
            return
        start = app.plist.cursor + 1
        if mode in ("", "filter"):
            try:
                compile_filter(text)
                mode = "filter"
            except (FilterError, RecursionError, ValueError) as e:
                if mode == "filter":
                    app.message = f"not a display filter: {getattr(e, 'message', e)}"
                    return
                mode = "string"
        if mode != "filter":
            try:
                test = matcher(mode, where, text)
            except FindError as e:
                app.message = str(e)
                return
            stop = app.filter_stop
            app.message = f"finding {text}…"

            def work() -> None:
                found = search(app.store, test, where, start, stop)
                app.call_from_thread(self._found, found, text)

            threading.Thread(target=work, daemon=True, name="labshark-find").start()
            return
        after = app.plist.selected
        found: list[int] = []

        def rows(numbers: list[int]) -> None:
            for n in numbers:
                if not found and n > after and app.store.index_of(n) is not None:
                    found.append(n)
                    app.call_from_thread(app.goto, n)

        def end(kind: str, payload: Any) -> None:
            if not found:
                app.message = f"not found: {text}"

        if app.live is None:
            app.passes.append(Pass(app.source.job("filter", filter=text), rows, end))

    def _found(self, number: int | None, text: str) -> None:
        if number is None:
            self.app.message = f"not found: {text}"
            return
        self.app.message = f"found {text} in packet {number}"
        self.app.goto(number)

    def export(self, path: str) -> None:
        """Write the displayed frames to `path` (pcapng unless it ends in .pcap)."""
        from captures import CaptureError, open_writer

        app = self.app
        path = path.strip()
        if not path:
            return
        if app.live is not None:  # (nothing to read again: the frames from the spill)
            store = app.store
            try:
                n = app.live.save(store, path, (store.shown_number(i)
                                                for i in range(store.shown_count())))
            except (CaptureError, OSError) as e:
                app.message = f"export failed: {e}"
                return
            app.message = f"exported {n} packets to {path}"
            return
        fmt = "pcap" if path.endswith(".pcap") else "pcapng"
        written = 0
        try:
            reader = app.source.frames()
            try:
                writer = open_writer(path, fmt, interfaces=getattr(reader, "interfaces", None))
                try:
                    for frame in reader:
                        if app.store.index_of(frame.number) is not None:
                            writer.write(frame)
                            written += 1
                finally:
                    writer.close()
            finally:
                reader.close()
        except (CaptureError, OSError) as e:
            app.message = f"export failed: {e}"
            return
        app.message = f"exported {written} packets to {path}"


__all__ = ["Reports", "follow_arg", "STATS", "FOLLOW_MODES"]
