"""What a Dask worker runs: one capture file, or one chunk of a large one.

A file task reuses `analyze` itself (analyzer.app.run) for the per-file outputs
(`-T fields`, `-w`), so they are the single-process bytes by construction; the `-z`
taps and the parquet rows come from one more pass through the same dissect/feed code
(analyzer.stats, analyzer.export_table). A chunk task reads its records with the
capture readers, numbered globally, and runs the same pass. Every result is plain data
(text, counts, taps without their compiled filters) so it travels back to the client.
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from analyzer.scale.chunks import Chunk, Layout, chunk_bytes, frames
from analyzer.scale.merge import detach
from analyzer.scale.split_policy import note_state
from captures import CaptureError, Frame
from dissectors import Session, dissect

#: `analyze ARGV` with its output and message streams, returning the exit status.
Command = Callable[[list[str], Any, Any], int]

#: Fault injection for the retry test: a task that finds this variable set and its
#: marker file missing creates the file and kills its own worker process (once).
KILL_ONCE_ENV = "LABSHARK_SCALE_KILL_ONCE"


@dataclass(frozen=True)
class RunSpec:
    """The options every task of a run shares."""

    argv: tuple[str, ...]  # analyze's options without -r/-w/-z/--export/--dask*
    stats: tuple[str, ...] = ()  # the -z values
    packets: bool = False  # does analyze print per-file output (fields, packet list)?
    write_dir: str | None = None
    export_dir: str | None = None
    fields: tuple[str, ...] = ()  # -e (the parquet columns; DEFAULT_FIELDS if empty)
    first_ts: int | None = None  # the run's first timestamp: the taps' time reference
    # `analyze` itself (analyzer.app.run, pickled by name): what a file task runs for
    # per-file outputs; given by the command line, never imported from here
    command: Command | None = None


@dataclass
class Result:
    """One task's outputs, in the order the client prints them."""

    index: int
    source: str
    out: str = ""
    err: str = ""
    code: int = 0
    taps: list[tuple[str, list[Any]]] | None = None
    rows: int = 0
    records: int = 0
    error: str | None = None  # "MESSAGE (at byte N)" for a damaged input
    notes: set[str] = field(default_factory=set)  # protocols seen (split-file checks)


def _maybe_die() -> None:
    marker = os.environ.get(KILL_ONCE_ENV)
    if marker and not os.path.exists(marker):
        with open(marker, "w"):
            pass
        os.kill(os.getpid(), signal.SIGKILL)


def _opts(spec: RunSpec, path: str) -> Any:
    from analyzer.options import build_parser

    argv = [*spec.argv, *(a for z in spec.stats for a in ("-z", z)), "-r", path]
    return build_parser().parse_args(argv)


def _damage(e: CaptureError) -> str:
    where = f" (at byte {e.offset})" if getattr(e, "offset", None) is not None else ""
    return f"{e}{where}"


def _first_error(path: str) -> CaptureError | None:
    """Read the file's records only, to say where it is damaged."""
    from captures import open_capture

    try:
        reader = open_capture(path)
        try:
            for _ in reader:
                pass
        finally:
            reader.close()
    except CaptureError as e:
        return e
    return None


class _Pass:
    """One pass of dissection feeding the taps and collecting parquet rows."""

    def __init__(self, spec: RunSpec, opts: Any, source: str, printer: Any = None) -> None:
        from analyzer.setup import _compile_filter, prepare_taps

        self.source = source
        flt = _compile_filter(opts.filter, False, io.StringIO()) if opts.filter else None
        self.match: Callable[[Any], bool] | None = flt.match if flt else None
        self.taps: list = []
        if spec.stats:
            prepared = prepare_taps(opts, io.StringIO(), flt)
            self.taps = prepared[0] if not isinstance(prepared, int) else []
        self.table = None
        if spec.export_dir:
            from analyzer.scale.dataset import RowTable

            self.table = RowTable(opts, source)
        self.notes: set[str] = set()
        self.firsts: set[tuple] = set()
        # the tree-less dissection analyze itself runs (only the fields this run reads)
        self.wanted: frozenset[str] | None = None
        if self.table is None and (printer is not None or not spec.packets):
            from analyzer.job import Job
            from analyzer.setup import wanted_fields

            self.wanted = wanted_fields(Job.from_options(opts), flt, printer, self.taps,
                                        io.StringIO())
            if self.wanted is not None:
                from analyzer.scale.split_policy import NOTE_FIELDS

                self.wanted |= NOTE_FIELDS

    def run(self, frames_in: Iterable[Frame], session: Session,
            renderer: Any = None) -> int:
        """Dissect, feed the taps, and hand each shown packet to the -T writer and the
        table (as app.py's loop); the number of records read."""
        from analyzer.pipeline import mark_displayed
        from analyzer.stats.taps import feed

        n = 0
        prev: int | None = None
        for frame in frames_in:
            n += 1
            pkt = dissect(frame, session, self.wanted)
            note_state(self.notes, pkt, self.firsts)
            if self.taps:
                feed(self.taps, pkt)
            if self.match is not None and not self.match(pkt):
                continue
            if renderer is None and self.table is None:
                continue
            prev = mark_displayed(pkt, prev)
            if renderer is not None:
                renderer.packet(pkt)
            if self.table is not None:
                self.table.add(pkt)
        return n


def file_task(index: int, path: str, spec: RunSpec) -> Result:
    """Everything the run asks of one capture file (an fsspec URL is fetched to a
    local temporary file first, and named by its URL in every output)."""
    _maybe_die()
    if "://" not in path:
        return _local_file_task(index, path, spec)
    import tempfile

    import fsspec

    with tempfile.TemporaryDirectory(prefix="labshark-") as d:
        local = os.path.join(d, os.path.basename(path.rstrip("/")) or "capture")
        with fsspec.open(path, "rb") as src, open(local, "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
        res = _local_file_task(index, local, spec, source=path)
    res.source = path
    res.out, res.err = res.out.replace(local, path), res.err.replace(local, path)
    if res.error:
        res.error = res.error.replace(local, path)
    return res


def _local_file_task(index: int, path: str, spec: RunSpec, source: str | None = None
                     ) -> Result:
    run = spec.command
    res = Result(index, path)
    if spec.packets or spec.write_dir:
        argv = [*spec.argv, "-r", path]
        tmp = dest = None
        if spec.write_dir:
            dest = os.path.join(spec.write_dir, os.path.basename(path))
            tmp = dest + ".part"
            argv += ["-w", tmp]
        out, err = io.StringIO(), io.StringIO()
        assert run is not None, "RunSpec.command is needed for per-file outputs"
        res.code = run(argv, out, err)
        res.out, res.err = out.getvalue(), err.getvalue()
        if tmp and dest and os.path.exists(tmp):
            os.replace(tmp, dest)  # a retried task overwrites; no half file is left
    if res.code and res.error is None:
        e = _first_error(path)
        if e is not None:  # one line naming the file and the byte, printed at the end
            res.error, res.err = _damage(e), ""
    if spec.stats or spec.export_dir:  # the taps count the records before a damage
        _file_pass(res, path, spec, source or path)
    return res


def _file_pass(res: Result, path: str, spec: RunSpec, source: str) -> None:
    """The taps (time reference: the run's first record) and the parquet rows (the
    file's own, as `analyze --export` gives them): one pass each."""
    opts = _opts(spec, path)
    decode_as = _decode(opts)
    if spec.stats:
        p = _Pass(replace(spec, export_dir=None, packets=False), opts, source)
        _read(res, p, path, decode_as, spec.first_ts)
        res.taps = detach(p.taps)
    if spec.export_dir and res.error is None:
        p = _Pass(replace(spec, stats=()), opts, source)
        _read(res, p, path, decode_as, None)
        if p.table is not None:
            from analyzer.scale.dataset import part_name

            res.rows = p.table.write(part_name(spec.export_dir, res.index, source))


def _read(res: Result, p: _Pass, path: str, decode_as: dict, first_ts: int | None) -> None:
    from captures import open_capture

    session = Session(decode_as=decode_as)
    session.first_ts = first_ts
    try:
        reader = open_capture(path)
        try:
            res.records = p.run(reader, session)
        finally:
            reader.close()
    except CaptureError as e:
        res.error, res.code = _damage(e), getattr(e, "exit_code", 2) or 2


def _decode(opts: Any) -> dict:
    from analyzer.setup import _decode_as

    return _decode_as(opts.decode_as)


def chunk_task(lay: Layout, chunk: Chunk, number_base: int, prev_ts: int | None,
               spec: RunSpec) -> Result:
    """Everything the run asks of one chunk of a split file (stateless outputs only:
    the CLI has refused the rest)."""
    _maybe_die()
    from analyzer.output.formats import open_output
    from analyzer.setup import build_fields_printer

    res = Result(chunk.index, lay.path)
    opts = _opts(spec, lay.path)
    session = Session(decode_as=_decode(opts))
    session.first_ts, session.prev_ts = spec.first_ts, prev_ts
    printer = build_fields_printer(opts) if spec.packets else None
    head, body = chunk_bytes(lay, chunk)
    fast = _fast_chunk(spec, opts, head + body, number_base)
    if fast is not None:
        res.out, res.records = fast
        return res
    p = _Pass(spec, opts, lay.path, printer)
    out = io.StringIO()
    renderer = open_output(opts, printer, out) if spec.packets else None
    if printer is not None and chunk.index == 0:
        out.write(printer.preamble())

    try:
        res.records = p.run(frames(lay, chunk, head, body, number_base), session, renderer)
    except CaptureError as e:
        res.error, res.code = _damage(e), 2
    if renderer is not None:
        renderer.close()
    res.out = out.getvalue()
    res.notes = p.notes
    if spec.stats:
        res.taps = detach(p.taps)
    if p.table is not None:
        from analyzer.scale.dataset import part_name

        res.rows = p.table.write(part_name(spec.export_dir or "", chunk.index, lay.path))
    return res


def _fast_chunk(spec: RunSpec, opts: Any, buf: bytes, number_base: int
                ) -> tuple[str, int] | None:
    """A chunk's matching frame numbers by analyze's fast path (no dissection), when
    that is all the run prints (as analyze itself decides); None otherwise."""
    if not fast_only(spec, opts):
        return None
    from analyzer.fast_run import decide_chunk

    got = decide_chunk(buf, opts.filter)
    if got is None:
        return None
    found, count = got
    return "".join(f"{n + number_base}\n" for n in found), count


def fast_only(spec: RunSpec, opts: Any = None) -> bool:
    """Does the run print only the frame numbers a fast filter matches (the fast path
    of `analyze`: a chunk needs neither the frames before it nor their times)?"""
    if spec.stats or spec.export_dir or spec.write_dir or not spec.packets:
        return False
    opts = opts if opts is not None else _opts(spec, "-")
    if not opts.filter:
        return False
    from analyzer.fast_run import chunk_filter, eligible
    from analyzer.job import Job

    job = Job.from_options(opts)
    return eligible(job, job.fields) and job.output == "fields" and \
        chunk_filter(opts.filter) is not None


def fast_chunk_task(lay: Layout, chunk: Chunk, spec: RunSpec) -> tuple[Any, int] | None:
    """The first and only stage of a fast-only split run: (the chunk's matching record
    numbers counted from 1, its record count), or None (the chunk needs the full
    path: a fragment begun before it, a damaged record, a pcapng interface mid-file)."""
    _maybe_die()
    from analyzer.fast_run import decide_chunk

    head, body = chunk_bytes(lay, chunk)
    return decide_chunk(head + body, _opts(spec, lay.path).filter)


def survey_task(lay: Layout, chunk: Chunk) -> Chunk:
    """The cheap first stage of a split file: count the chunk's records."""
    from analyzer.scale.chunks import survey

    try:
        return survey(lay, chunk)
    except CaptureError:
        chunk.damaged = True
        return chunk


__all__ = ["RunSpec", "Result", "file_task", "chunk_task", "survey_task", "fast_chunk_task",
           "fast_only", "KILL_ONCE_ENV"]
