"""`analyze`: read, dissect, filter, print, write — with tshark's exit codes.

Every user-facing failure is one line on stderr and a non-zero exit; packets before
a broken record are still printed first.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from analyzer.errors import EXIT_BAD_FILTER, EXIT_OK, EXIT_USAGE, AnalyzeError, UsageError
from analyzer.options import build_parser
from analyzer.output.packet_list import packet_line
from analyzer.pipeline import mark_displayed, second_pass_reader
from analyzer.setup import (
    _compile_filter,
    _decode_as,
    build_fields_printer,
    prepare_taps,
    report_taps,
    wanted_fields,
    write_plot,
)
from analyzer.stats.taps import feed
from captures import CaptureError, open_capture, open_writer
from dissectors import REGISTRY, Session, dissect
from filters import CompiledFilter

# (re-exported: callers and tests import these from analyzer.app)
__all__ = ["EXIT_BAD_FILTER", "EXIT_OK", "EXIT_USAGE", "AnalyzeError", "UsageError",
           "_compile_filter", "_decode_as", "build_fields_printer", "prepare_taps",
           "report_taps", "write_plot", "run", "main"]


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


def run(argv: list[str], out: TextIO, err: TextIO) -> int:
    try:
        return _run(argv, out, err)
    except UsageError as e:
        err.write(f"analyze: {e}\n")
        return EXIT_USAGE
    except AnalyzeError as e:
        err.write(f"analyze: {e.message}\n")
        if e.detail:
            err.write(e.detail + "\n")
        return e.code
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - a bug of ours: one line, not a traceback
        if os.environ.get("LABSHARK_DEBUG"):
            raise
        err.write(f"analyze: internal error ({type(e).__name__}: {e}); "
                  "run with LABSHARK_DEBUG=1 for the traceback and please report it\n")
        return 2


def _run(argv: list[str], out: TextIO, err: TextIO) -> int:
    opts = build_parser().parse_args(argv)
    if opts.dask:  # scale-out (analyzer/scale/, imported only here and only then)
        return __import__("analyzer.scale.cli", fromlist=["run"]).run(opts, argv, out, err)
    if opts.golden:
        from analyzer.golden import run_golden

        return run_golden(opts, lambda o: _run_opts(opts, o, err), out)
    return _run_opts(opts, out, err)


def _load_macros(files: list[str]) -> None:
    from filters.macros import add_macros, read_macros

    for f in files:
        try:
            add_macros(read_macros(f))
        except OSError as e:
            raise AnalyzeError(f"Can't read macros file \"{f}\": {e.strerror}.",
                               EXIT_USAGE) from None
        except ValueError as e:
            raise AnalyzeError(str(e), EXIT_USAGE) from None


def _select_frame(flt: CompiledFilter, path: str, number: int | None, decode_as) -> None:  # noqa: ANN001
    """Dissect up to frame `number` so the filter's field references read its values."""
    if not flt.references or not number or number < 1:
        return
    reader = open_capture(path)
    try:
        session = Session(decode_as=decode_as)
        for n, frame in enumerate(reader, 1):
            pkt = dissect(frame, session)
            if n == number:
                flt.select(pkt)
                return
    finally:
        reader.close()


def _run_opts(opts: Any, out: TextIO, err: TextIO) -> int:
    _load_macros(getattr(opts, "macros", None) or [])
    if getattr(opts, "info", None):  # capinfos's summary of each file
        from analyzer.capinfo import run_info

        return run_info(opts.info, out, err)
    if opts.glossary:
        _glossary(opts.glossary, out)
        return EXIT_OK
    if "help" in opts.stats:  # tshark prints the list on stderr and exits 0
        from analyzer.stats.taps import help_text

        err.write(f"analyze: {help_text()}")
        return EXIT_OK
    if opts.check_filter is not None:
        _compile_filter(opts.check_filter, opts.explain, out)
        return EXIT_OK
    if getattr(opts, "cross_check", None):
        from analyzer.crosscheck import run_cross_check

        if opts.filter:
            _compile_filter(opts.filter, False, out)
        try:
            return run_cross_check(opts, out, err, _decode_as(opts.decode_as))
        except CaptureError as e:
            raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
    if getattr(opts, "tui", False):  # the interactive view (analyzer/tui, textual)
        from analyzer.tui import run_tui

        return run_tui(opts, err)
    if getattr(opts, "interface", None) or getattr(opts, "list_interfaces", False):
        from analyzer.live_run import run_live

        return run_live(opts, out, err)
    path = opts.read_file or opts.file
    if opts.read_file and opts.file:
        raise UsageError("give the capture file once: either -r FILE or FILE")
    if not path:
        raise UsageError("no capture file given (analyze FILE or analyze -r FILE)")
    flt = _compile_filter(opts.filter, opts.explain, out) if opts.filter else None
    if flt is not None:
        try:
            _select_frame(flt, path, getattr(opts, "selected_frame", None),
                          _decode_as(opts.decode_as))
        except CaptureError as e:
            raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
    match = flt.match if flt is not None else None
    if getattr(opts, "export", None):  # -e names its columns, with or without -T fields
        from analyzer.export_table import run_export

        try:
            return run_export(opts, path, match, _decode_as(opts.decode_as))
        except CaptureError as e:
            raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None
    fields_printer = build_fields_printer(opts)
    decode_as = _decode_as(opts.decode_as)
    prepared = prepare_taps(opts, out, flt)
    if isinstance(prepared, int):
        return prepared
    taps, io_plot = prepared
    if opts.export_objects:
        from analyzer.export_objects import ExportError, parse_spec

        try:
            parse_spec(opts.export_objects)  # a bad argument fails before any output
        except ExportError as e:
            raise AnalyzeError(str(e), EXIT_USAGE) from None
    try:
        resume = 1
        if not taps:
            from analyzer.fast_run import run_fast

            done = run_fast(opts, path, flt.tree if flt else None, match, opts.fields, out)
            if done == 0:
                return EXIT_OK
            resume = done or 1
        # tree-less (only the fields this run reads) unless the tree is printed or walked
        wanted = wanted_fields(opts, flt, fields_printer, taps, out)
        from analyzer.closure import plan_for

        plan = plan_for(opts, path, flt, taps) if resume == 1 else None
        code = None
        from analyzer.split_run import can_split, run_split

        if can_split(opts, plan, out):  # both cores: the plan's groups in two processes
            code = run_split(plan, lambda half, o: _process(
                opts, path, match, fields_printer, decode_as, o, taps, resume, wanted, half),
                out)
        if code is None:
            code = _process(opts, path, match, fields_printer, decode_as, out, taps, resume,
                            wanted, plan)
        if code == EXIT_OK:
            write_plot(io_plot, opts)
        return code
    except CaptureError as e:
        out.flush()
        raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None


def _process(opts, path: str, match, fields_printer, decode_as, out: TextIO,  # noqa: ANN001
             taps: list | None = None, resume: int = 1,
             wanted: frozenset[str] | None = None, plan=None) -> int:  # noqa: ANN001
    """The full pipeline; frames before `resume` were already done by the fast path;
    `wanted` makes the dissection tree-less (setup.wanted_fields); frames not in `plan`
    (analyzer/closure.py) are passed over, not dissected."""
    from analyzer.output.formats import open_output
    from dissectors.skipping import skip

    # stdin is spooled only when it must be read twice (-2, --export-objects)
    reader = open_capture(path, second_pass=bool(opts.two_pass or opts.export_objects))
    try:
        session = Session(two_pass=opts.two_pass, decode_as=decode_as)
        session.show_ours = not getattr(opts, "only_tshark", False)
        if opts.two_pass:
            reader = second_pass_reader(reader, session, opts.count)
        writer = None
        if opts.write:
            writer = open_writer(opts.write, opts.write_format,
                                 interfaces=getattr(reader, "interfaces", None))
        renderer = open_output(opts, fields_printer, out)
        if fields_printer:
            out.write(fields_printer.preamble())
        prev_disp: int | None = None
        from analyzer.output.progress import start_progress

        bar = start_progress(opts, path, reader, out)  # stderr, terminal only
        try:
            for n, frame in enumerate(reader, 1):
                if bar is not None:
                    bar.tick(n)
                if n < resume:
                    continue
                if plan is not None and n not in plan:
                    skip(frame, session)
                    continue
                pkt = dissect(frame, session, wanted)
                if taps:  # like tshark, taps see packets -Y hides
                    feed(taps, pkt)
                if match is not None and not match(pkt):
                    if opts.count and n >= opts.count:
                        break
                    continue
                prev_disp = mark_displayed(pkt, prev_disp)
                if writer is not None:
                    writer.write(frame)
                # Like tshark: writing a file prints nothing unless -P asks for it.
                if not opts.quiet and (writer is None or opts.print_summary):
                    renderer.packet(pkt)
                if opts.count and n >= opts.count:
                    break
        finally:
            if bar is not None:
                bar.close()
            renderer.close()
            if writer is not None:
                writer.close()
            out.flush()
        # stdin cannot be read twice: the export pass replays the reader's spool
        export_src = reader.reopen() if opts.export_objects and path == "-" else path
    finally:
        reader.close()
    report_taps(taps, opts, out)
    if opts.export_objects:
        from analyzer.export_objects import ExportError, export_objects

        try:
            export_objects(opts.export_objects, export_src, decode_as, out)
        except ExportError as e:
            raise AnalyzeError(str(e), EXIT_USAGE) from None
    return EXIT_OK


def main() -> None:
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


__all__ = ["run", "main", "packet_line"]
