"""Views that need a pass over the capture: follow, statistics, find, export.

Each runs on a thread over a fresh reader and Session (frames in order, as `analyze`
runs them) and hands its text to a TextScreen; the statistics are the `-z` taps'
own reports (analyzer/stats), the stream is analyzer/follow.py's.
"""

from __future__ import annotations

import threading
from typing import Any

from analyzer.tui.views import TextScreen
from analyzer.tui.worker import Pass

#: key -> (title, -z arguments)
STATS = {
    "conv": ("Conversations", ["conv,eth", "conv,ip", "conv,ipv6", "conv,tcp", "conv,udp"]),
    "endpoints": ("Endpoints", ["endpoints,eth", "endpoints,ip", "endpoints,tcp",
                                "endpoints,udp"]),
    "phs": ("Protocol hierarchy", ["io,phs"]),
    "expert": ("Expert information", ["expert"]),
}


def follow_arg(pkt: Any) -> str | None:
    """The `-z follow,...` argument for the stream of a packet, as Wireshark picks it."""
    idx = pkt.index
    for proto, stream in (("http", "tcp.stream"), ("tcp", "tcp.stream"),
                          ("tftp", "udp.stream"), ("ipmsg", "udp.stream"),
                          ("udp", "udp.stream")):
        if proto in idx and stream in idx:
            return f"follow,{proto},ascii,{idx[stream][0].value}"
    return None


class Reports:
    """Starts the passes for one app and shows their results."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def _pass(self, title: str, args: list[str]) -> None:
        """The -z report `args` over the capture in a worker, then shown."""
        app = self.app
        app.message = f"{title}: reading…"

        def end(kind: str, payload: Any) -> None:
            text = payload if kind == "done" else f"{title} failed: {payload}"
            app.call_from_thread(self._show, title, text or "")

        if app.live is not None:
            self._live_pass(title, args, end)
            return
        app.passes.append(Pass(app.source.job("report", taps=args), lambda rows: None, end))

    def _live_pass(self, title: str, args: list[str], end: Any) -> None:
        """Live capture: the frames read so far, rebuilt from the store's spill."""
        from analyzer.tui.worker import build_report

        def work() -> None:
            try:
                feed, text = build_report(args)
                for n in range(1, len(self.app.store) + 1):
                    feed(self.app.store.detail(n).packet)
                end("done", text())
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
        self._pass(title, args)

    def follow(self) -> None:
        detail = self.app.detail
        arg = follow_arg(detail.packet) if detail is not None else None
        if arg is None:
            self.app.message = "no TCP/UDP stream in the selected packet"
            return
        self._pass(f"Follow: {arg[len('follow,'):]}", [arg])

    def find(self, text: str) -> None:
        """The next displayed frame after the selected one that matches `text`: a display
        filter when it compiles, else a string in the list's columns."""
        from filters import FilterError, compile_filter

        app = self.app
        text = text.strip()
        if not text:
            return
        start = app.plist.cursor + 1
        try:
            flt = compile_filter(text)
        except (FilterError, RecursionError, ValueError):
            flt = None
        if flt is None:
            store = app.store
            for i in range(start, store.shown_count()):
                if text in store.rows[store.shown_number(i) - 1]:
                    app.plist.cursor = i
                    return
            app.message = f"not found: {text}"
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

    def export(self, path: str) -> None:
        """Write the displayed frames to `path` (pcapng unless it ends in .pcap)."""
        from captures import CaptureError, open_capture, open_writer

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
            reader = open_capture(app.source.path)
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


__all__ = ["Reports", "follow_arg", "STATS"]
