"""`analyze -i IFACE` and `analyze -D`: live capture through the same pipeline as files.

The capture thread (captures.live) only queues packets; this main loop dissects,
filters, prints and writes them exactly as `analyze FILE` does, flushing whenever
it has caught up so a pipe sees packets as they arrive.
"""

from __future__ import annotations

import os
import signal
import time
from types import FrameType
from typing import Any, TextIO

from analyzer.options import UsageError, parse_ring
from analyzer.pipeline import mark_displayed
from analyzer.stats.taps import feed
from captures import CaptureError, Frame, Interface
from captures.pcap import PcapWriter
from captures.pcapng import PcapngWriter
from dissectors import Session, dissect


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _conditions(specs: list[str], flag: str, known: tuple[str, ...]) -> dict[str, float]:
    """`-a duration:5 -a packets:3` -> {"duration": 5.0, "packets": 3.0}."""
    out: dict[str, float] = {}
    for spec in specs:
        key, _, value = spec.partition(":")
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if key not in known or number <= 0:
            raise UsageError(f'Invalid {flag} argument "{spec}" (use {", ".join(known)}: '
                             f"a positive number)")
        out[key] = number
    return out


class RingWriter:
    """`-w base.pcapng -b filesize:KB -b files:N`: tshark's rotating output files.

    Files are named base_NNNNN_YYYYmmddHHMMSS.ext; only the newest N are kept. A file
    ends at filesize KB, after `packets` packets, `duration` seconds after it opened, or
    when the clock passes a multiple of `interval` seconds.
    """

    def __init__(self, path: str, fmt: str, iface: Interface, ring: dict[str, float]) -> None:
        root, ext = os.path.splitext(path)
        self.root, self.ext = root, ext
        self.fmt = fmt
        self.iface = iface
        self.max_bytes = int(ring["filesize"] * 1000) if "filesize" in ring else None
        self.max_files = int(ring["files"]) if "files" in ring else None
        self.max_secs = ring.get("duration")
        self.max_packets = int(ring["packets"]) if "packets" in ring else None
        self.interval = ring.get("interval")
        self.in_file = 0
        self.number = 0
        self.paths: list[str] = []
        self._f: Any = None
        self._w: PcapngWriter | PcapWriter | None = None
        self._opened = 0.0
        self._open()

    def _open(self) -> None:
        self.number += 1
        stamp = time.strftime("%Y%m%d%H%M%S")
        path = f"{self.root}_{self.number:05d}_{stamp}{self.ext}"
        try:
            self._f = open(path, "wb")  # noqa: SIM115 - closed in _close
        except OSError as e:
            raise CaptureError(f'The file "{path}" could not be created: {e.strerror}.'
                               ) from None
        if self.fmt == "pcapng":
            self._w = PcapngWriter(self._f, [self.iface], snaplen=self.iface.snaplen)
        else:
            self._w = PcapWriter(self._f, self.iface.linktype, self.iface.snaplen, False)
        self.paths.append(path)
        self._opened = time.monotonic()
        self.in_file = 0
        if self.interval is not None:  # the next multiple of the interval, wall clock
            self._ends = (time.time() // self.interval + 1) * self.interval
        if self.max_files is not None:
            while len(self.paths) > self.max_files:
                try:
                    os.unlink(self.paths.pop(0))
                except OSError:
                    pass

    def _close(self) -> None:
        if self._w is not None:
            self._w.close()
            self._f.close()
            self._w = None

    def write(self, frame: Frame) -> None:
        assert self._w is not None
        if (self.max_secs is not None and time.monotonic() - self._opened >= self.max_secs) \
                or (self.interval is not None and time.time() >= self._ends):
            self._close()
            self._open()
        self._w.write(frame)
        self.in_file += 1
        if (self.max_bytes is not None and self._f.tell() >= self.max_bytes) or \
                (self.max_packets is not None and self.in_file >= self.max_packets):
            self._close()
            self._open()

    def close(self) -> None:
        self._close()


def _list(out: TextIO) -> int:
    """`-D`: tshark's list and numbers (its extcap tools aside)."""
    from captures.devices import list_interfaces

    for iface in list_interfaces():
        friendly = iface.friendly_name
        out.write(f"{iface.number}. {iface.name}{f' ({friendly})' if friendly else ''}\n")
    return 0


def run_live(opts: Any, out: TextIO, err: TextIO) -> int:
    """Entry from analyzer.app: -D lists, -i captures until -c/-a/Ctrl-C/SIGTERM."""
    from analyzer.errors import AnalyzeError
    from analyzer.setup import (
        _compile_filter,
        _decode_as,
        build_fields_printer,
        prepare_taps,
        report_taps,
        write_plot,
    )

    if opts.list_interfaces:
        return _list(out)
    if opts.read_file or opts.file:
        raise UsageError("give either a capture file or -i INTERFACE, not both")
    if opts.two_pass or opts.export_objects:
        raise UsageError("-2 and --export-objects need a capture file, not live capture")
    stop_at = _conditions(opts.autostop, "-a", ("duration", "packets"))
    ring = parse_ring(opts.ring)
    if ring and not opts.write:
        raise UsageError("the ring buffer (-b) needs an output file (-w FILE)")
    if ring and opts.write == "-":
        raise UsageError("the ring buffer (-b) can't write to the standard output")
    fields_printer = build_fields_printer(opts)
    flt = _compile_filter(opts.filter, opts.explain, out) if opts.filter else None
    match = flt.match if flt is not None else None
    decode_as = _decode_as(opts.decode_as)
    prepared = prepare_taps(opts, out, flt)
    if isinstance(prepared, int):
        return prepared
    taps, io_plot = prepared
    try:
        code = _capture(opts, match, fields_printer, decode_as, stop_at, ring, out, err, taps)
    except CaptureError as e:
        out.flush()
        raise AnalyzeError(str(e), 2) from None
    report_taps(taps, opts, out)
    write_plot(io_plot, opts)
    return code


def _kernel_filter(opts: Any, dev: Any, out: TextIO) -> Any:
    """The BPF program for -f, or a pre-filter derived from -Y when that is safe."""
    from captures.bpf import LINKTYPE_ETHERNET, BpfError, compile_bpf
    from captures.live import linktype_of
    from filters import compile_filter
    from filters.prefilter import superset_bpf

    linktype = linktype_of(dev) or LINKTYPE_ETHERNET
    snaplen = opts.snaplen or 262144
    if opts.capture_filter:
        prog = compile_bpf(opts.capture_filter, linktype, snaplen)  # BpfError: exit 2
        source = "capture filter (-f)"
    else:
        text = None
        if opts.filter and linktype == LINKTYPE_ETHERNET:
            text = superset_bpf(compile_filter(opts.filter).tree, bool(opts.decode_as))
        prog = None
        if text is not None:
            try:
                prog = compile_bpf(text, linktype, snaplen)
            except BpfError:
                prog = None  # only an optimisation: the display filter still decides
        source = "pre-filter derived from the display filter (-Y)"
    if opts.explain:
        if prog is None:
            out.write("Kernel BPF filter: none (every packet reaches the display filter)\n")
        else:
            out.write(f"Kernel BPF filter, {source}: {prog.text}\n{prog.listing}\n")
    return prog


def _capture(opts: Any, match: Any, fields_printer: Any, decode_as: Any,
             stop_at: dict[str, float], ring: dict[str, float], out: TextIO,
             err: TextIO, taps: list) -> int:
    from analyzer.output.formats import open_output
    from captures import open_writer
    from captures.live import LiveCapture, resolve_interface

    dev = resolve_interface(opts.interface)
    prog = _kernel_filter(opts, dev, out)
    snaplen = opts.snaplen or 262144
    limit = opts.count or int(stop_at.get("packets", 0)) or None
    cap = LiveCapture(dev.name, prog, snaplen=snaplen, limit=limit)
    deadline = time.monotonic() + stop_at["duration"] if "duration" in stop_at else None
    writer: Any = None
    if opts.write:
        if ring:
            writer = RingWriter(opts.write, opts.write_format, cap.interface, ring)
        else:
            writer = open_writer(opts.write, opts.write_format, interfaces=[cap.interface])
    session = Session(two_pass=False, decode_as=decode_as)
    renderer = open_output(opts, fields_printer, out)
    if fields_printer:
        out.write(fields_printer.preamble())
    stopping = abandon = False

    def on_signal(sig: int, _frm: FrameType | None) -> None:
        """Ctrl-C, SIGTERM, SIGHUP: stop capturing, then show what was captured
        before; a second Ctrl-C gives up on that (the rest counts as dropped)."""
        nonlocal stopping, abandon
        if stopping and sig == signal.SIGINT:
            abandon = True
        stopping = True

    old = {sig: signal.signal(sig, on_signal)
           for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    err.write(f"Capturing on '{cap.display_name}'\n")
    err.flush()
    captured = 0
    prev_disp: int | None = None
    printing = not opts.quiet and (writer is None or opts.print_summary)
    # Only writing a file (like dumpcap): no dissection, so the queue keeps up.
    write_only = writer is not None and match is None and not taps and not printing
    try:
        cap.start()
        draining = False  # time is up: show what was captured before, then stop
        while not abandon:
            if not draining and (stopping or (deadline is not None
                                              and time.monotonic() >= deadline)):
                cap.halt()  # reads what the socket held from before the stop
                draining = True
            if cap.error is not None:
                raise CaptureError(cap.error)
            wait = 0.1 if deadline is None else max(0.0, min(0.1, deadline - time.monotonic()))
            item = cap.get(0 if draining else wait)
            if item is None:
                if draining:
                    break
                out.flush()
                continue
            captured += 1
            frame = cap.frame(captured, item)
            if write_only:
                writer.write(frame)
                if limit is not None and captured >= limit:
                    break
                continue
            pkt = dissect(frame, session)
            if taps:  # like tshark, taps see packets -Y hides
                feed(taps, pkt)
            if match is None or match(pkt):
                prev_disp = mark_displayed(pkt, prev_disp)
                if writer is not None:
                    writer.write(frame)
                if printing:
                    renderer.packet(pkt)
                    if cap.queue.empty():
                        out.flush()  # caught up: let a pipe see it now
            if limit is not None and captured >= limit:
                break
    finally:
        _received, kernel_drops = cap.stop()
        # Handed over but never shown: a second Ctrl-C, or an error, cut the drain.
        dropped = kernel_drops + cap.queue_drops + cap.queue.qsize()
        try:
            renderer.close()
            out.flush()
        finally:
            if writer is not None:
                writer.close()
            for sig, handler in old.items():
                signal.signal(sig, handler)
        # tshark's lines: the drops (when there are any; the interface by its bare
        # name there), then the count.
        if dropped:
            err.write(f"{_plural(dropped, 'packet')} dropped from {cap.name}\n")
        err.write(f"{_plural(captured, 'packet')} captured\n")
        err.flush()
    return 0


__all__ = ["run_live", "RingWriter"]
