"""`analyze -i IFACE` and `analyze -D`: live capture through the same pipeline as files.

The capture thread (captures.live) only queues packets; LiveSource hands them to
analyzer.pipeline, which dissects, filters, prints and writes them exactly as for
`analyze FILE`, flushing whenever it has caught up so a pipe sees packets as they
arrive.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from analyzer.options import UsageError, parse_ring
from captures import CaptureError, Frame, Interface
from captures.pcap import PcapWriter
from captures.pcapng import PcapngWriter

if TYPE_CHECKING:
    from analyzer.job import Job


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


def run_live(job: Job, out: TextIO, err: TextIO) -> int:
    """Entry from analyzer.app: -D lists, -i captures until -c/-a/Ctrl-C/SIGTERM."""
    from analyzer.errors import AnalyzeError
    from analyzer.setup import (
        _compile_filter,
        _decode_as,
        build_fields_printer,
        prepare_taps,
        write_plot,
    )

    if job.list_interfaces:
        return _list(out)
    if job.read_file or job.file:
        raise UsageError("give either a capture file or -i INTERFACE, not both")
    if job.two_pass or job.export_objects:
        raise UsageError("-2 and --export-objects need a capture file, not live capture")
    stop_at = _conditions(job.autostop, "-a", ("duration", "packets"))
    ring = parse_ring(job.ring)
    if ring and not job.write:
        raise UsageError("the ring buffer (-b) needs an output file (-w FILE)")
    if ring and job.write == "-":
        raise UsageError("the ring buffer (-b) can't write to the standard output")
    job.fields_printer = build_fields_printer(job)
    if job.filter:
        job.display_filter = _compile_filter(job.filter, job.explain, out)
    job.decode_table = _decode_as(job.decode_as)
    prepared = prepare_taps(job, out, job.display_filter)
    if isinstance(prepared, int):
        return prepared
    taps, io_plot = prepared
    try:
        _capture(job, stop_at, ring, out, err, taps)
    except CaptureError as e:
        out.flush()
        raise AnalyzeError(str(e), 2) from None
    write_plot(io_plot, job)
    return 0


def _kernel_filter(job: Job, dev: Any, out: TextIO) -> Any:
    """The BPF program for -f, or a pre-filter derived from -Y when that is safe."""
    from captures.bpf import LINKTYPE_ETHERNET, BpfError, compile_bpf
    from captures.live import linktype_of
    from filters.prefilter import superset_bpf

    linktype = linktype_of(dev) or LINKTYPE_ETHERNET
    snaplen = job.snaplen or 262144
    if job.capture_filter:
        prog = compile_bpf(job.capture_filter, linktype, snaplen)  # BpfError: exit 2
        source = "capture filter (-f)"
    else:
        text = None
        if job.display_filter is not None and linktype == LINKTYPE_ETHERNET:
            text = superset_bpf(job.display_filter.tree, bool(job.decode_as))
        prog = None
        if text is not None:
            try:
                prog = compile_bpf(text, linktype, snaplen)
            except BpfError:
                prog = None  # only an optimisation: the display filter still decides
        source = "pre-filter derived from the display filter (-Y)"
    if job.explain:
        if prog is None:
            out.write("Kernel BPF filter: none (every packet reaches the display filter)\n")
        else:
            out.write(f"Kernel BPF filter, {source}: {prog.text}\n{prog.listing}\n")
    return prog


class LiveSource:
    """The frames a LiveCapture queues, for analyzer.pipeline, until -c/-a packets,
    -a duration, Ctrl-C, SIGTERM or SIGHUP; tshark's lines on stderr around them.

    After each frame the pipeline took, the output is flushed when the queue is empty
    (caught up: a pipe sees packets as they arrive)."""

    def __init__(self, cap: Any, stop_at: dict[str, float], limit: int | None,
                 out: TextIO, err: TextIO, flush: bool) -> None:
        self.cap = cap
        self.interfaces = [cap.interface]
        self.deadline = time.monotonic() + stop_at["duration"] if "duration" in stop_at \
            else None
        self.limit = limit
        self.out, self.err = out, err
        self.flush = flush
        self.captured = 0
        self.dropped = 0
        self.stopping = self.abandon = False
        self._old: dict[int, Any] = {}
        self._stopped = False

    def _on_signal(self, sig: int, _frm: FrameType | None) -> None:
        """Ctrl-C, SIGTERM, SIGHUP: stop capturing, then show what was captured
        before; a second Ctrl-C gives up on that (the rest counts as dropped)."""
        if self.stopping and sig == signal.SIGINT:
            self.abandon = True
        self.stopping = True

    def start(self, session: Any, count: int | None) -> None:
        self._old = {sig: signal.signal(sig, self._on_signal)
                     for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        self.err.write(f"Capturing on '{self.cap.display_name}'\n")
        self.err.flush()

    def __iter__(self) -> Iterator[Frame]:
        cap, out, limit = self.cap, self.out, self.limit
        cap.start()
        draining = False  # time is up: show what was captured before, then stop
        while not self.abandon:
            if not draining and (self.stopping or (self.deadline is not None
                                                   and time.monotonic() >= self.deadline)):
                cap.halt()  # reads what the socket held from before the stop
                draining = True
            if cap.error is not None:
                raise CaptureError(cap.error)
            wait = 0.1 if self.deadline is None else \
                max(0.0, min(0.1, self.deadline - time.monotonic()))
            item = cap.get(0 if draining else wait)
            if item is None:
                if draining:
                    break
                out.flush()
                continue
            self.captured += 1
            yield cap.frame(self.captured, item)
            if self.flush and cap.queue.empty():
                out.flush()  # caught up: let a pipe see it now
            if limit is not None and self.captured >= limit:
                break

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        _received, kernel_drops = self.cap.stop()
        # Handed over but never shown: a second Ctrl-C, or an error, cut the drain.
        self.dropped = kernel_drops + self.cap.queue_drops + self.cap.queue.qsize()

    def close(self) -> None:
        """After the sinks closed: the signals back, then tshark's lines: the drops
        (when there are any; the interface by its bare name there), then the count."""
        self.stop()
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        if self.dropped:
            self.err.write(f"{_plural(self.dropped, 'packet')} dropped from {self.cap.name}\n")
        self.err.write(f"{_plural(self.captured, 'packet')} captured\n")
        self.err.flush()


def _capture(job: Job, stop_at: dict[str, float], ring: dict[str, float], out: TextIO,
             err: TextIO, taps: list) -> None:
    from analyzer.pipeline import WriterSink, command_sinks, run_job
    from captures import open_writer
    from captures.live import LiveCapture, resolve_interface

    dev = resolve_interface(job.interface)
    prog = _kernel_filter(job, dev, out)
    snaplen = job.snaplen or 262144
    limit = job.count or int(stop_at.get("packets", 0)) or None
    cap = LiveCapture(dev.name, prog, snaplen=snaplen, limit=limit)
    writer: WriterSink | None = None
    if job.write:
        if ring:
            ready: Any = RingWriter(job.write, job.write_format, cap.interface, ring)
        else:
            ready = open_writer(job.write, job.write_format, interfaces=[cap.interface])
        writer = WriterSink(job.write, job.write_format, ready)
    sinks = command_sinks(job, out, taps, writer)
    sinks.open([cap.interface])  # the output's complaints before "Capturing on"
    source = LiveSource(cap, stop_at, limit, out, err, flush=job.printing)
    run_job(job, source, sinks, out)


__all__ = ["run_live", "RingWriter", "LiveSource"]
