"""The one packet loop: a Job's frames from a source, dissected, filtered, to every sink.

    job (analyzer/job.py) -> source (file, stdin spool, live queue, any frames)
        -> dissect -> taps and the other sinks that see every packet
        -> display filter -> sinks that see the shown packets (renderer, parquet table)
                          -> the -w writer (the shown frames)

Every way of reading packets runs here: `analyze FILE` and `analyze -i` (analyzer/app.py,
live_run.py), `--export parquet`, `--cross-check`, `--export-objects` (in the same pass),
and the Python API's iteration (analyzer/api.py, through `shown_packets`). The fast path
(analyzer/fast_run.py) is a choice `run_job` makes: it prints the matches it can decide
without dissecting and says where the full loop resumes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from analyzer import collector
from dissectors import Session, dissect
from dissectors.frame import TIME_DELTA_DISP
from dissectors.packet import Packet
from dissectors.skipping import pass_over, skip

if TYPE_CHECKING:
    from analyzer.job import Job
    from captures import Frame


class Sink(Protocol):
    """Takes packets one by one; `close()` ends what it writes."""

    def packet(self, pkt: Packet) -> None: ...

    def close(self) -> None: ...


class Source(Protocol):
    """Where frames come from. `start` runs before the first frame (a file's first pass
    with -2), `stop` when no more are wanted (live: stop capturing), `close` last."""

    interfaces: list | None

    def start(self, session: Session, count: int | None) -> None: ...

    def __iter__(self) -> Iterator[Frame]: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class FileSource:
    """A capture file or stdin (spooled when -2 reads it twice), with the progress bar
    when the run wants one."""

    def __init__(self, path: str, two_pass: bool = False) -> None:
        from captures import open_capture

        self.path = path
        self.reader: Any = open_capture(path, second_pass=two_pass)
        self.bar: Any = None
        self._progress: tuple[Job, TextIO] | None = None

    @property
    def interfaces(self) -> list | None:
        return getattr(self.reader, "interfaces", None)

    def start(self, session: Session, count: int | None) -> None:
        if session.two_pass:
            self.reader = second_pass_reader(self.reader, session, count)
        if self._progress is not None:
            from analyzer.output.progress import start_progress

            job, out = self._progress
            self.bar = start_progress(job, self.path, self.reader, out)

    def progress(self, job: Job, out: TextIO) -> None:
        """Ask for a bar on stderr (a terminal only, and only for runs that print no
        list), started with the pass."""
        self._progress = (job, out)

    def select(self, needed: bytearray) -> None:
        """Make Frames only of the frames marked in `needed` (by number; those past its
        end too): the reader gives the others as their times (int), when it can."""
        only = getattr(self.reader, "only", None)
        if only is not None:
            only(needed)

    def __iter__(self) -> Iterator[Frame]:
        if self.bar is None:
            return iter(self.reader)
        return self._ticking()

    def _ticking(self) -> Iterator[Frame]:
        tick = self.bar.tick
        for n, frame in enumerate(self.reader, 1):
            tick(n)
            yield frame

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def close(self) -> None:
        self.reader.close()


class FramesSource:
    """Frames from any iterable (a test, a generator), no second pass."""

    interfaces: list | None = None

    def __init__(self, frames: Iterable[Frame]) -> None:
        self.frames = frames

    def start(self, session: Session, count: int | None) -> None:
        if session.two_pass:
            raise ValueError("two passes need a source that can be read again")

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def stop(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to close."""


class WriterSink:
    """`-w`: the shown frames into a pcap/pcapng file, opened when the source knows
    its interfaces (or a RingWriter given ready-made by live capture)."""

    def __init__(self, path: str, fmt: str, ready: Any = None) -> None:
        self.path, self.fmt = path, fmt
        self.writer: Any = ready

    def open(self, interfaces: list | None) -> None:
        if self.writer is None:
            from captures import open_writer

            self.writer = open_writer(self.path, self.fmt, interfaces=interfaces)

    def write(self, frame: Frame) -> None:
        self.writer.write(frame)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class RendererSink:
    """The `-T` output, built (and its `-T fields` header written) when the pass opens
    its sinks: after -2's first pass and the -w file, as tshark complains."""

    def __init__(self, job: Job, out: TextIO) -> None:
        self.job, self.out = job, out
        self.output: Any = None

    def open(self) -> None:
        if self.output is not None:
            return
        from analyzer.output.formats import open_output

        job = self.job
        self.output = open_output(job, job.fields_printer, self.out)
        if job.fields_printer and not job.write:  # tshark -w writes no preamble
            self.out.write(job.fields_printer.preamble())

    def packet(self, pkt: Packet) -> None:
        if self.output is None:
            raise RuntimeError("RendererSink.packet before open()")
        self.output.packet(pkt)

    def feed(self) -> Any:
        """What takes each packet once opened: the format's own method (no extra call)."""
        return self.packet if self.output is None else self.output.packet

    def close(self) -> None:
        if self.output is not None:
            self.output.close()


class TapsSink:
    """The -z taps: they see every packet, -Y hidden ones too (like tshark's);
    `report()` prints their tables after the packets."""

    def __init__(self, taps: list, job: Job, out: TextIO) -> None:
        from analyzer.stats.taps import feed

        self.taps, self.job, self.out = taps, job, out
        self._feed = feed

    def packet(self, pkt: Packet) -> None:
        self._feed(self.taps, pkt)

    def close(self) -> None:
        """Reports only after a whole pass: see `report`."""

    def report(self) -> None:
        from analyzer.setup import report_taps

        report_taps(self.taps, self.job, self.out)


@dataclass
class Sinks:
    """Everything a pass feeds, by what it is given.

    `every`: each dissected packet (taps, export objects, cross-check); `shown`: the
    packets the display filter shows (the renderer when it prints, the parquet table);
    `writer`: their frames; `whole`: sinks that read on past -c (export objects,
    which cover the whole capture). `closing` is closed after the pass however it ends, in
    order (the renderer even when it printed nothing: `-T json -q` still writes its
    `[]`); `reports` run after a pass that read to the end (taps, then export objects).
    """

    every: list[Any] = field(default_factory=list)
    shown: list[Any] = field(default_factory=list)
    writer: WriterSink | None = None
    whole: list[Any] = field(default_factory=list)
    closing: list[Any] = field(default_factory=list)
    reports: list[Any] = field(default_factory=list)

    def close(self, out: TextIO | None) -> None:
        try:
            for s in self.closing:
                s.close()
        finally:
            if out is not None:
                out.flush()

    def open(self, interfaces: list | None) -> None:
        """The -w file (for the source's interfaces), then the outputs; twice is once."""
        if self.writer is not None:
            self.writer.open(interfaces)
        for s in self.closing:
            if s is not self.writer and hasattr(s, "open"):
                s.open()

    def report(self) -> None:
        for r in self.reports:
            r()


def command_sinks(job: Job, out: TextIO, taps: list | None = None,
                  writer: WriterSink | None = None) -> Sinks:
    """The sinks the command line asks for: the renderer, -w, -z taps, --export-objects
    (same pass) or, with --export, only the table."""
    sinks = Sinks()
    if job.export is not None:
        from analyzer.export_table import TableSink

        table = TableSink(job)
        sinks.shown.append(table)
        sinks.reports.append(table.close)
        return sinks
    if writer is None and job.write:
        writer = WriterSink(job.write, job.write_format)
    renderer = RendererSink(job, out)
    # tshark 4.0's JSON goes through the dumper its preamble opens: with -w, none.
    if not (job.write and job.output == "json"):
        if job.printing:
            sinks.shown.append(renderer)
        sinks.closing.append(renderer)
    if writer is not None:
        sinks.writer = writer
        sinks.closing.append(writer)
    if taps:
        tap_sink = TapsSink(taps, job, out)
        sinks.every.append(tap_sink)
        sinks.reports.append(tap_sink.report)
    if job.export_objects:
        from analyzer.export_objects import ObjectsExport

        objects = ObjectsExport(job.export_objects, out)
        sinks.every.append(objects)
        sinks.whole.append(objects)
        sinks.reports.append(objects.close)
    return sinks


def shown_packets(job: Job, frames: Iterable[Frame | int], session: Session,
                  every: list[Any] | None = None, resume: int = 1,
                  whole: list[Any] | None = None) -> Iterator[Packet]:
    """The loop: dissect each frame, give it to `every`, yield those the display filter
    shows (their displayed delta filled in); stop after -c frames, except that the
    `whole` sinks (export objects: the whole capture) see the rest too. Frames before
    `resume` were already decided by the fast path."""
    if getattr(frames, "own_frames", False):
        yield from own_frames(job, frames, session, every)  # type: ignore[arg-type]
        return
    match = job.match
    count = job.count
    wanted, plan = job.wanted, job.plan
    light = plan is not None and plan.light
    # (half of a split run: the other half's shown frames still set the displayed delta)
    others = getattr(plan, "others", None)
    # (a plan that decided the shown frames itself: closure.Plan.decide)
    decided = getattr(plan, "decided", None)
    if decided is None:
        decided = bytearray()
    lean = getattr(plan, "decided_wanted", None)
    known = 0 if every else len(decided)  # (sinks that see every packet: its filter too)
    prev_disp: int | None = None
    # (conversations whose last frame is done are dropped: analyzer/release.py)
    release = job.release
    due = release.next_due() if release is not None else 1 << 62
    it = iter(frames)
    for n, frame in enumerate(it, 1):
        if n > due:
            due = release.done(n - 1, session)
        if n < resume:
            continue
        if isinstance(frame, int):
            # no shown frame depends on it: a reader told to make only the planned
            # frames gives the others' times (FileSource.select)
            pass_over(frame, session)
            if others is not None and others[n]:
                prev_disp = frame
            continue
        if plan is not None and n not in plan:  # (no shown frame depends on it either)
            if light and not frame.secrets:  # (keys: dissected, see skip)
                pass_over(frame.ts_ns, session)
            else:
                skip(frame, session)
            if others is not None and others[n]:
                prev_disp = frame.ts_ns
            continue
        if n < known:  # (no -c with a plan: closure.eligible)
            pkt = dissect(frame, session, lean)
            if not decided[n]:
                continue
            prev_disp = mark_displayed(pkt, prev_disp)
            yield pkt
            continue
        pkt = dissect(frame, session, wanted)
        if every:
            for sink in every:
                sink.packet(pkt)
        if match is not None and not match(pkt):
            if count and n >= count:
                break
            continue
        prev_disp = mark_displayed(pkt, prev_disp)
        yield pkt
        if count and n >= count:
            break
    if whole:
        for frame in it:  # (no plan, so no frame given as its time)
            pkt = dissect(frame, session)  # type: ignore[arg-type]
            for sink in whole:
                sink.packet(pkt)


def own_frames(job: Job, frames: Iterable[tuple[Frame, int | None]], session: Session,
               every: list[Any] | None = None) -> Iterator[Packet]:
    """The loop of a split run's half (analyzer/split_run.HalfSource): only its own
    frames, each given with the time of the shown frame before it (either half's), the
    source having set the session's frame times as the frames between would have (a
    light plan: nothing else of theirs matters; no -c, no taps). Its groups' state is
    dropped after their last frames as in one process (the other half's keys are in no
    table of this one)."""
    match, wanted = job.match, job.wanted
    release = job.release
    due = release.next_due() if release is not None else 1 << 62
    # (a plan that decided the shown frames itself: closure.Plan.decide)
    decided = getattr(job.plan, "decided", None)
    if decided is None:
        decided = bytearray()
    lean = getattr(job.plan, "decided_wanted", None)
    known = 0 if every else len(decided)
    for frame, prev_disp in frames:
        n = frame.number
        if n > due:
            due = release.done(n - 1, session)
        if n < known:
            pkt = dissect(frame, session, lean)
            if not decided[n]:
                continue
            mark_displayed(pkt, prev_disp)
            yield pkt
            continue
        pkt = dissect(frame, session, wanted)
        if every:
            for sink in every:
                sink.packet(pkt)
        if match is not None and not match(pkt):
            continue
        mark_displayed(pkt, prev_disp)
        yield pkt


def _write_only(frames: Iterable[Frame], writer: WriterSink, count: int | None) -> None:
    """Only writing a file (like dumpcap): no dissection, so a live queue keeps up."""
    write = writer.write
    for n, frame in enumerate(frames, 1):
        write(frame)
        if count and n >= count:
            break


def try_fast_path(job: Job, out: TextIO) -> int | None:
    """The fast path's answer for a file job: None (not taken), 0 (all printed) or the
    frame where the full loop resumes."""
    from analyzer import fast_run  # looked up now: tests watch fast_run.run_fast

    return fast_run.run_fast(job, out)


def run_job(job: Job, source: Source, sinks: Sinks, out: TextIO | None = None,
            resume: int = 1) -> None:
    """Run `job` over `source` into `sinks` (one pass; -2's first pass is the source's).
    The sinks are closed however the pass ends; their reports follow a whole pass."""
    with collector.during_run():
        _run_job(job, source, sinks, out, resume)


def _run_job(job: Job, source: Source, sinks: Sinks, out: TextIO | None,
             resume: int) -> None:
    session = job.new_session()
    try:
        source.start(session, job.count)
        sinks.open(source.interfaces)
        try:
            if sinks.writer is not None and not sinks.every and not sinks.shown \
                    and job.display_filter is None and resume == 1:
                _write_only(source, sinks.writer, job.count)
            else:
                shown = [s.feed() if isinstance(s, RendererSink) else s.packet
                         for s in sinks.shown]
                writer = sinks.writer
                for pkt in shown_packets(job, source, session, sinks.every, resume,
                                         sinks.whole):
                    if writer is not None:
                        writer.write(pkt.frame)
                    for feed in shown:
                        feed(pkt)
        finally:
            source.stop()
            sinks.close(out)
    finally:
        source.close()
    sinks.report()


def packets(job: Job, source: Source, every: list[Any] | None = None) -> Iterator[Packet]:
    """The shown packets of `job` over `source`, one at a time (the Python API's
    iteration; a pull rather than sinks); the source is closed when the loop ends."""
    session = job.new_session()
    try:
        source.start(session, job.count)
        yield from shown_packets(job, source, session, every)
    finally:
        source.stop()
        source.close()


def second_pass_reader(reader: Any, session: Session, count: int | None = None) -> Any:
    """With -2: dissect the frames once (pass 1, up to `count`), then return a fresh
    reader of the same input for pass 2; the session keeps what pass 1 learnt."""
    for n, frame in enumerate(reader, 1):
        dissect(frame, session)
        if count and n >= count:
            break
    session.start_second_pass()
    again = reader.reopen()
    reader.close()
    return again


def mark_displayed(pkt: Packet, prev_disp: int | None) -> int:
    """Fill frame.time_delta_displayed of a shown packet; returns its time for the next."""
    ts = pkt.frame.ts_ns
    pkt.delta_disp_ns = 0 if prev_disp is None else ts - prev_disp
    items = pkt.index.get(TIME_DELTA_DISP.abbrev)
    if items is not None:  # (compiled: a list's loop is native; a list-or-tuple's generic)
        for item in items:
            item.value = pkt.delta_disp_ns
    return ts


__all__ = ["Sink", "Source", "FileSource", "FramesSource", "WriterSink", "RendererSink",
           "TapsSink", "Sinks", "command_sinks", "shown_packets", "packets", "run_job",
           "try_fast_path", "second_pass_reader", "mark_displayed", "own_frames"]
