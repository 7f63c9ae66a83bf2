"""`analyze`: the command line parsed into a Job (analyzer/job.py) and run by
analyzer/command.py through analyzer/pipeline.py, with tshark's exit codes; or handed
to the scale-out, capinfos or interactive-view front ends.

Every user-facing failure is one line on stderr and a non-zero exit; packets before
a broken record are still printed first.
"""

from __future__ import annotations

import io
import sys
from typing import Any, TextIO

from analyzer import collector
from analyzer.errors import EXIT_BAD_FILTER, EXIT_OK, EXIT_USAGE, AnalyzeError, UsageError, guarded
from analyzer.job import Job
from analyzer.options import build_parser

# Re-exported (callers and tests import these from analyzer.app), imported on first
# use: `analyze --tui` forks its first pass before the dissectors are imported, so
# this module and options.py import nothing under dissectors/ (the command line
# imports the same modules a moment later, in _run).
_LAZY = {"run_job_text": "analyzer.command", "run_job_command": "analyzer.command",
         "load_macros": "analyzer.command", "packet_line": "analyzer.output.packet_list",
         **{n: "analyzer.setup" for n in ("_compile_filter", "_decode_as",
                                          "build_fields_printer", "prepare_taps",
                                          "report_taps", "write_plot")}}

__all__ = ["EXIT_BAD_FILTER", "EXIT_OK", "EXIT_USAGE", "AnalyzeError", "UsageError", "run",
           "main", *_LAZY]


def __getattr__(name: str) -> Any:
    """The re-exported names of _LAZY, imported when first asked for (PEP 562)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(argv: list[str], out: TextIO, err: TextIO) -> int:
    """`analyze ARGV...`: the exit status; output on `out`, messages on `err`."""
    return guarded(lambda: _run(argv, out, err), err)


def _run(argv: list[str], out: TextIO, err: TextIO) -> int:
    opts = build_parser().parse_args(argv)
    if opts.dask_merge and not opts.dask:
        raise UsageError("--merge merges several files on Dask: give --dask local[:N] or a "
                         "scheduler (one machine: mergecap, then analyze)")
    if opts.dask:  # scale-out (analyzer/scale/, imported only here and only then);
        from analyzer.scale.cli import run as run_dask  # its workers run `run` per file

        return run_dask(opts, argv, out, err, run)
    job = Job.from_options(opts)
    if job.info:  # capinfos's summary of each file
        from analyzer.capinfo import run_info

        return run_info(job.info, out, err)
    if job.tui:  # the interactive view (analyzer/tui, textual; it loads the macros)
        from analyzer.tui import run_tui

        return run_tui(opts, err, job.macros)
    # (dissectors/ first: importing it puts the compiled build on the import path, the
    # packet loop's and the list writer's modules included, which analyzer.command
    # imports next; imported the other way round they ran from their .py source)
    import dissectors  # noqa: F401
    from analyzer.command import run_job_command

    if job.golden:
        from analyzer.golden import run_golden

        return run_golden(job, lambda o: run_job_command(job, o, err), out)
    return run_job_command(job, out, err)


def _buffered_stdout() -> None:
    """tshark buffers what it prints (a terminal gets lines; only -l flushes each packet);
    PYTHONUNBUFFERED=1, common in containers and CI, would make each packet's text a
    write(2) of its own (to a pipe: a wake-up of the reader each, seconds of system time
    at 1M packets). Live capture flushes whenever it has caught up (live_run.py)."""
    out = sys.stdout
    if not isinstance(out, io.TextIOWrapper) or not out.write_through:
        return
    try:
        if out.isatty():
            return
        raw = io.FileIO(out.fileno(), "w", closefd=False)
    except (OSError, ValueError):
        return
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding=out.encoding,
                                  errors=out.errors, newline="\n")


def main() -> None:
    collector.set_for_process()
    _buffered_stdout()
    # A command-line byte that is not UTF-8 (a filter typed on a GBK terminal) reaches
    # us as a surrogate (PEP 383); echoed in a message or report it goes out as the
    # same byte, as tshark echoes it. Packet text never holds surrogates.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    code = run(sys.argv[1:], sys.stdout, sys.stderr)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    raise SystemExit(code)
