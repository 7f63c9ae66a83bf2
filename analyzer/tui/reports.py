"""Views that need a pass over the capture: follow, statistics, find, export.

Each runs on a thread over a fresh reader and Session (frames in order, as `analyze`
runs them) and hands its text to a TextScreen; the statistics are the `-z` taps'
own reports (analyzer/stats), the stream is analyzer/follow.py's.
"""

from __future__ import annotations

import threading
from typing import Any

from analyzer.tui.views import TextScreen

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

    def _pass(self, title: str, each: Any, finish: Any) -> None:
        """Run `each(pkt)` over every frame on a thread, then `finish()` -> text."""
        app = self.app
        app.message = f"{title}: reading…"

        def work() -> None:
            from dissectors import dissect

            try:
                if app.live is not None:
                    for pkt in app.live.packets(app.store):
                        each(pkt)
                else:
                    frames = app.source.frames()
                    session = app.source.session()
                    try:
                        for frame in frames:
                            if app.stop.is_set():
                                return
                            each(dissect(frame, session))
                    finally:
                        frames.close()
                text = finish()
            except Exception as e:  # noqa: BLE001 - a report error is a message, not a crash
                text = f"{title} failed: {e}"
            app.call_from_thread(self._show, title, text)

        threading.Thread(target=work, daemon=True, name="labshark-report").start()

    def _show(self, title: str, text: str) -> None:
        self.app.message = ""
        self.app.push_screen(TextScreen(title, text), self._back)

    def _back(self, number: int | None) -> None:
        if number:
            self.app.goto(number)

    def stats(self, kind: str) -> None:
        from analyzer.stats.taps import build_taps, feed, report

        title, args = STATS[kind]
        taps = build_taps(args)
        self._pass(title, lambda pkt: feed(taps, pkt), lambda: report(taps))

    def follow(self) -> None:
        detail = self.app.detail
        arg = follow_arg(detail.packet) if detail is not None else None
        if arg is None:
            self.app.message = "no TCP/UDP stream in the selected packet"
            return
        from analyzer.follow import build, report

        taps = build([arg])
        self._pass(f"Follow: {arg[len('follow,'):]}", lambda pkt: taps[0].packet(pkt),
                   lambda: report(taps))

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
        after = app.store.shown_number(start - 1) if app.store.shown_count() else 0
        found: list[int] = []

        def each(pkt: Any) -> None:
            n = pkt.frame.number
            if not found and n > after and app.store.index_of(n) is not None and \
                    flt.match(pkt):
                found.append(n)

        def finish() -> str:
            app.call_from_thread(app.goto, found[0]) if found else None
            return ""

        self._find_pass(each, finish, text)

    def _find_pass(self, each: Any, finish: Any, text: str) -> None:
        app = self.app

        def work() -> None:
            from dissectors import dissect

            frames = app.source.frames()
            session = app.source.session()
            try:
                for frame in frames:
                    each(dissect(frame, session))
            finally:
                frames.close()
            finish()
            app.message = "" if app.plist.selected else f"not found: {text}"

        threading.Thread(target=work, daemon=True, name="labshark-find").start()

    def export(self, path: str) -> None:
        """Write the displayed frames to `path` (pcapng unless it ends in .pcap)."""
        from captures import CaptureError, open_capture, open_writer

        app = self.app
        path = path.strip()
        if not path or app.live is not None and not hasattr(app.source, "path"):
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
