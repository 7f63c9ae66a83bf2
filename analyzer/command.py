"""Running one Job over a capture file: the glossary, a filter check, cross-check,
live capture, or the file through analyzer/pipeline.py, with tshark's messages and
exit statuses. The command line (analyzer/app.py) and the Python API
(analyzer/api.py) both come here, so neither imports the other.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any, TextIO

from analyzer.errors import EXIT_OK, EXIT_USAGE, AnalyzeError, UsageError, guarded
from analyzer.job import Job
from analyzer.pipeline import FileSource, command_sinks, packets, run_job, try_fast_path
from analyzer.setup import (
    _compile_filter,
    _decode_as,
    build_fields_printer,
    indexed_fields,
    prepare_taps,
    tshark_builds_tree,
    wanted_fields,
    write_plot,
)
from captures import CaptureError
from dissectors import REGISTRY


def _glossary(kind: str, out: TextIO) -> None:
    if kind == "protocols":
        for p in REGISTRY.protocols.values():
            out.write(f"{p.name}\t{p.short}\t{p.abbrev}\n")
        return
    for p in REGISTRY.protocols.values():
        out.write(f"P\t{p.name}\t{p.abbrev}\n")
        for f in p.fields:
            base = f.base.value if f.type.is_integer and f.type.value != "FT_BOOLEAN" else ""
            if f.type.value == "FT_BOOLEAN":
                base = str(max(8, ((f.bitmask.bit_length() + 7) // 8) * 8)) if f.bitmask else "0"
            out.write(f"F\t{f.name}\t{f.abbrev}\t{f.type.value}\t{p.abbrev}\t{base}\t"
                      f"0x{f.bitmask:x}\t{f.blurb}\n")


def run_job_text(job: Job, out: TextIO, err: TextIO) -> int:
    """Run a Job built without a command line (the Python API), with run()'s messages
    and exit statuses."""
    return guarded(lambda: run_job_command(job, out, err), err)


def load_macros(files: list[str]) -> None:
    from filters.macros import add_macros, read_macros

    for f in files:
        try:
            add_macros(read_macros(f))
        except OSError as e:
            raise AnalyzeError(f"Can't read macros file \"{f}\": {e.strerror}.",
                               EXIT_USAGE) from None
        except ValueError as e:
            raise AnalyzeError(str(e), EXIT_USAGE) from None


def _select_frame(job: Job) -> None:
    """Dissect up to frame `--selected-frame` so the filter's field references read
    its values."""
    flt, number, path = job.display_filter, job.selected_frame, job.path
    if flt is None or not flt.references or not number or number < 1 or not path:
        return
    every = Job(read_file=path, decode_table=_decode_as(job.decode_as))
    with closing(packets(every, FileSource(path))) as pkts:
        for n, pkt in enumerate(pkts, 1):
            if n == number:
                flt.select(pkt)
                return


def run_job_command(job: Job, out: TextIO, err: TextIO) -> int:
    """A parsed command line: the glossary, a filter check, cross-check, live capture,
    or a capture file through analyzer.pipeline."""
    load_macros(job.macros)
    if job.glossary:
        _glossary(job.glossary, out)
        return EXIT_OK
    if "help" in job.stats:  # tshark prints the list on stderr and exits 0
        from analyzer.stats.taps import help_text

        err.write(f"analyze: {help_text()}")
        return EXIT_OK
    if "help" in job.hexdump:  # tshark prints its list on stdout and exits 0
        from analyzer.options import HEXDUMP_HELP

        out.write(f"analyze: {HEXDUMP_HELP}\n")
        return EXIT_OK
    if job.check_filter is not None:
        _compile_filter(job.check_filter, job.explain, out)
        return EXIT_OK
    if job.cross_check:
        from analyzer.crosscheck import run_cross_check

        if job.filter:
            _compile_filter(job.filter, False, out)
        try:
            return run_cross_check(job, out, err, _decode_as(job.decode_as))
        except CaptureError as e:
            raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
    if job.interface or job.list_interfaces:
        from analyzer.live_run import run_live

        return run_live(job, out, err)
    path = job.path
    if job.read_file and job.file:
        raise UsageError("give the capture file once: either -r FILE or FILE")
    if not path:
        raise UsageError("no capture file given (analyze FILE or analyze -r FILE)")
    if job.filter:
        job.display_filter = _compile_filter(job.filter, job.explain, out)
        try:
            _select_frame(job)
        except CaptureError as e:
            raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
    if job.export is not None:  # -e names its columns, with or without -T fields
        job.decode_table = _decode_as(job.decode_as)
        try:
            sinks = command_sinks(job, out)  # checks the format and fields first
            run_job(job, FileSource(path, job.two_pass), sinks, out)
            return EXIT_OK
        except CaptureError as e:
            raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
    job.fields_printer = build_fields_printer(job)
    job.decode_table = _decode_as(job.decode_as)
    prepared = prepare_taps(job, out, job.display_filter)
    if isinstance(prepared, int):
        return prepared
    taps, io_plot = prepared
    if job.export_objects:
        from analyzer.export_objects import ExportError, parse_spec

        try:
            parse_spec(job.export_objects)  # a bad argument fails before any output
        except ExportError as e:
            raise AnalyzeError(str(e), EXIT_USAGE) from None
    try:
        _run_file(job, path, out, taps)
    except CaptureError as e:
        out.flush()
        raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
    write_plot(io_plot, job)
    return EXIT_OK


def _run_file(job: Job, path: str, out: TextIO, taps: list) -> None:
    """The fast path when it applies (and it can only without taps), then the full
    loop from where it stopped: tree-less (only the fields this run reads) unless the
    tree is printed or walked, over only the frames the shown ones depend on when the
    filter is decided cheaply (analyzer/closure.py)."""
    resume = 1
    if not taps:
        done = try_fast_path(job, out)
        if done == 0:
            return
        resume = done or 1
    job.wanted = wanted_fields(job, job.display_filter, job.fields_printer, taps, out)
    job.indexed = indexed_fields(job, job.display_filter, job.fields_printer, taps, out)
    job.tshark_tree = tshark_builds_tree(job, taps, out)
    from analyzer import release, split_run
    from analyzer.closure import plan_all, plan_for

    may_split = resume == 1 and split_run.wanted(job, out)
    # (one walk makes the plan and the release schedule: release.py)
    freed = resume == 1 and release.eligible(job, path, taps)
    if freed or may_split:
        from analyzer.heap import steady_heap

        # (the walks free their growing tables' blocks again and again: glibc would raise
        # its mmap threshold and leave them holes in its heap, analyzer/heap.py)
        steady_heap()
    # (each frame's group is kept only for a split: 4 bytes a frame through the run)
    plan = plan_for(job, path, job.display_filter, taps, job.wanted, may_split, freed,
                    may_split) if resume == 1 else None
    if plan is not None:  # (its shown frames decided: the filter's fields not made)
        plan.decide(wanted_fields(job, None, job.fields_printer, taps, out))
    whole = None  # (no filter: every frame, in groups, to split the run or to release)
    if (may_split or freed and plan is None) and job.display_filter is None:
        whole = plan_all(job, path, taps, job.wanted, may_split, freed, may_split)
    if freed:
        made = plan if plan is not None else whole
        job.release = made.release if made is not None else _release_walk(job, path, taps)
    if not may_split:
        whole = None
    if plan is not None or whole is not None or freed:
        from analyzer.heap import give_back

        give_back()  # (what the walk freed: not carried through the run)
    split = plan or whole
    if split_run.can_split(job, split, out, may_split):  # both cores: by groups
        if split_run.run_split(split,  # type: ignore[arg-type]
                               lambda half, o: _run_pass(job, path, o, taps, resume, half, o,
                                                         split),
                               out, job.output,
                               lambda o: _run_pass(job, path, o, taps, resume, plan),
                               _warm_before_fork(job)) is not None:
            return
    _run_pass(job, path, out, taps, resume, plan)


def _warm_before_fork(job: Job) -> Any:
    """What a split's two processes would each load on first use, to load once before
    its fork: a run making whole trees names Ethernet vendors (the manuf file's text,
    4.6 MB with its upper-case copy)."""
    if job.wanted is not None:
        return None
    from dissectors.manuf import preload

    return preload


def _release_walk(job: Job, path: str, taps: list) -> Any:
    """The release schedule of a run that has no plan (a filter decided only by full
    dissection): the planning walk, for its schedule alone."""
    from analyzer.closure import plan_all

    plan = plan_all(job, path, taps, None, False, True, False)
    return plan.release if plan is not None else None


def _run_pass(job: Job, path: str, out: TextIO, taps: list, resume: int,
              plan: object, mark: object = None, whole: object = None) -> int:
    """One pass of the full loop over the file, dissecting only the frames of `plan`
    (None: all); `mark`, a sink told after each shown packet's output (a split's part:
    `whole`, the plan it is half of)."""
    job.plan = plan
    if mark is not None:  # a split's half: its own records only, when it can
        from analyzer.split_run import half_source

        half = half_source(path, plan)  # type: ignore[arg-type]
        if half is not None:
            kept = job.release  # (a fresh one if this part fails and one process runs)
            if kept is not None and whole is not None:  # (its own keys only)
                job.release = kept.mine(whole.groups,  # type: ignore[attr-defined]
                                        plan.needed)  # type: ignore[attr-defined]
            try:
                return _run_source(job, half, out, taps, resume, mark)
            finally:
                job.release = kept
    source = FileSource(path, job.two_pass)
    if plan is not None and getattr(plan, "light", False):
        source.select(plan.needed)
    return _run_source(job, source, out, taps, resume, mark)


def _run_source(job: Job, source: Any, out: TextIO, taps: list, resume: int,
                mark: object) -> int:
    """`_run_pass` over a source made for it."""
    try:
        sinks = command_sinks(job, out, taps)
    except BaseException:
        source.close()
        raise
    if mark is not None:
        sinks.shown.append(mark)
    source.progress(job, out)
    try:
        run_job(job, source, sinks, out, resume)
    except Exception as e:
        from analyzer.export_objects import ExportError

        if isinstance(e, ExportError):
            raise AnalyzeError(str(e), EXIT_USAGE) from None
        raise
    return EXIT_OK


__all__ = ["run_job_text", "guarded", "load_macros", "run_job_command"]
