"""Live capture in the interactive view: `analyze --tui -i IFACE [-f BPF] [-c N]`.

Frames are dissected in this process as they arrive (a capture is lab-sized and
arrives at the network's pace), in order with one Session, into the same store as a
file's. A live capture cannot be read again, so a new display filter and the reports
run over the frames rebuilt from the store's spill (the trees the in-order pass made).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Iterator
from typing import Any

from analyzer.errors import AnalyzeError
from analyzer.tui.store import PacketStore, scan
from dissectors.packet import Packet


class LiveSource:
    """One open interface; `run()` captures into a store until stopped."""

    def __init__(self, cap: Any, decode_as: dict) -> None:
        self.cap = cap
        self.decode_as = decode_as
        self.title = f"{cap.display_name} (live)"
        self.captured = 0
        self.stopped = False
        self.drops = 0
        self.args: tuple[Any, ...] = (cap.name, None, 262144, None)  # to restart

    @classmethod
    def open(cls, opts: Any, decode_as: dict) -> LiveSource:
        """Open the interface as `analyze -i` does; its errors are the same one line."""
        from captures import CaptureError
        from captures.bpf import LINKTYPE_ETHERNET, compile_bpf
        from captures.live import LiveCapture, linktype_of, resolve_interface

        snaplen = opts.snaplen or 262144
        try:
            dev = resolve_interface(opts.interface)
            prog = None
            if opts.capture_filter:
                prog = compile_bpf(opts.capture_filter, linktype_of(dev) or LINKTYPE_ETHERNET,
                                   snaplen)
            args = (dev.name, prog, snaplen, opts.count or None)
            cap = LiveCapture(dev.name, prog, snaplen=snaplen, limit=opts.count or None)
        except CaptureError as e:
            raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
        live = cls(cap, decode_as)
        live.args = args
        return live

    def restart(self) -> None:
        """A new capture on the same interface and filter (the old one stopped)."""
        from captures.live import LiveCapture

        self.stop_capture()
        name, prog, snaplen, limit = self.args
        self.cap = LiveCapture(name, prog, snaplen=snaplen, limit=limit)
        self.captured = 0
        self.drops = 0
        self.stopped = False

    def frames(self, stop: threading.Event) -> Iterator[Any]:
        """Frames as they arrive, until `stop`, the -c limit, or a lost interface."""
        from captures import CaptureError

        cap = self.cap
        cap.start()
        while not stop.is_set() and not self.stopped:
            if cap.error is not None:
                raise CaptureError(cap.error)
            item = cap.get(0.1)
            if item is None:
                if not cap.alive:
                    break  # the -c limit was reached, or the socket closed
                continue
            self.captured += 1
            yield cap.frame(self.captured, item)
            if cap.limit is not None and self.captured >= cap.limit:
                break
        self.stop_capture()

    def run(self, store: PacketStore, match: Callable[[Packet], bool] | None,
            stop: threading.Event) -> None:
        from dissectors import Session

        scan(self.frames(stop), Session(decode_as=self.decode_as), store, match, stop)

    def stop_capture(self) -> None:
        """Stop capturing (the list keeps what was captured); counts the drops."""
        if not self.stopped:
            self.stopped = True
            _received, kernel_drops = self.cap.stop()
            self.drops = kernel_drops + self.cap.queue_drops

    def status(self) -> str:
        state = "stopped" if self.stopped else f"capturing on {self.cap.name}"
        return f"{state}: {self.captured} received, {self.drops} dropped"

    def packets(self, store: PacketStore) -> Iterator[Packet]:
        for n in range(1, len(store) + 1):
            yield store.detail(n).packet

    def refilter(self, store: PacketStore, match: Callable[[Packet], bool], out: array,
                 stop: threading.Event) -> None:
        for pkt in self.packets(store):
            if stop.is_set():
                return
            try:
                if match(pkt):
                    out.append(pkt.frame.number)
            except Exception:  # noqa: BLE001 - one odd packet must not end the pass
                continue

    def save(self, store: PacketStore, path: str, numbers: Iterator[int]) -> int:
        """Write the frames `numbers` (rebuilt from the spill) to pcap or pcapng."""
        from captures import open_writer

        fmt = "pcap" if path.endswith(".pcap") else "pcapng"
        writer = open_writer(path, fmt, interfaces=[self.cap.interface])
        written = 0
        try:
            for n in numbers:
                writer.write(store.detail(n).packet.frame)
                written += 1
        finally:
            writer.close()
        return written

    def close(self) -> None:
        self.stop_capture()


__all__ = ["LiveSource"]
