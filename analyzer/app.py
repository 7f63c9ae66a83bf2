"""`analyze`: read, dissect, filter, print, write — with tshark's exit codes.

Every user-facing failure is one line on stderr and a non-zero exit; packets before
a broken record are still printed first.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from analyzer.columns import packet_line
from analyzer.fields_output import FieldsPrinter, valid_field
from analyzer.options import UsageError, build_parser, check_stats_args, parse_field_opts
from analyzer.pipeline import mark_displayed, second_pass_reader
from analyzer.taps import feed
from captures import CaptureError, open_capture, open_writer
from dissectors import REGISTRY, Session, dissect
from filters import CompiledFilter

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_BAD_FILTER = 2


class AnalyzeError(Exception):
    """A failure reported to the user as `analyze: <message>`."""

    def __init__(self, message: str, code: int = 2, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail


def _decode_as(specs: list[str]) -> dict[tuple[str, int], str]:
    """`udp.port==6969,tftp` -> {("udp.port", 6969): "tftp"}."""
    from dissectors.dispatch import BY_NAME, TABLES

    out: dict[tuple[str, int], str] = {}
    for spec in specs:
        try:
            sel, proto = spec.split(",", 1)
            table, value = sel.split("==", 1)
            port = int(value, 0)
        except ValueError:
            raise AnalyzeError(f'Invalid -d argument "{spec}": expected LAYER==VALUE,PROTOCOL',
                               EXIT_USAGE) from None
        if table not in TABLES:
            raise AnalyzeError(f'Bad -d table name "{table}" in "{spec}"', EXIT_USAGE)
        if proto not in BY_NAME:
            raise AnalyzeError(f'Unknown protocol "{proto}" in -d "{spec}"', EXIT_USAGE)
        out[(table, port)] = proto
    return out


def _compile_filter(text: str, explain: bool, out: TextIO) -> CompiledFilter:
    from filters import FilterError, compile_filter

    try:
        flt = compile_filter(text)
    except FilterError as e:
        raise AnalyzeError(e.message, EXIT_BAD_FILTER, e.caret_lines()) from None
    if explain:
        out.write(flt.explain() + "\n")
    return flt


def build_fields_printer(opts: Any) -> FieldsPrinter | None:
    """The `-T fields` printer, after tshark's checks of -T/-e/-E (file and live alike)."""
    fopts = parse_field_opts(opts.field_opts)
    if getattr(opts, "no_duplicate_keys", False) and opts.output != "json":
        raise UsageError('--no-duplicate-keys can only be used with "-T json" and "-T jsonraw"')
    if opts.output in ("ek", "json") and opts.fields:  # -e limits them to those fields
        if bad := [f for f in opts.fields if not valid_field(f)]:
            raise AnalyzeError("Some fields aren't valid:\n\t" + "\n\t".join(bad), EXIT_USAGE)
        return FieldsPrinter(opts.fields, dict(fopts, header="n", bom="n"), opts.time_format)
    if opts.output != "fields":
        if opts.fields:
            raise UsageError('"-Tfields" was not specified, but fields were specified with "-e"')
        return None
    if not opts.fields:
        raise UsageError('-T fields was specified, but no fields were specified with "-e"')
    bad = [f for f in opts.fields if not valid_field(f)]
    if bad:
        raise AnalyzeError("Some fields aren't valid:\n\t" + "\n\t".join(bad), EXIT_USAGE)
    return FieldsPrinter(opts.fields, fopts, opts.time_format)


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
    if opts.golden:
        from analyzer.golden import run_golden

        return run_golden(opts, lambda o: _run_opts(opts, o, err), out)
    return _run_opts(opts, out, err)


def _run_opts(opts: Any, out: TextIO, err: TextIO) -> int:
    if opts.glossary:
        _glossary(opts.glossary, out)
        return EXIT_OK
    if "help" in opts.stats:  # tshark prints the list on stderr and exits 0
        from analyzer.taps import help_text

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
    if getattr(opts, "interface", None) or getattr(opts, "list_interfaces", False):
        from analyzer.live_run import run_live

        return run_live(opts, out, err)
    path = opts.read_file or opts.file
    if opts.read_file and opts.file:
        raise UsageError("give the capture file once: either -r FILE or FILE")
    if not path:
        raise UsageError("no capture file given (analyze FILE or analyze -r FILE)")
    flt = _compile_filter(opts.filter, opts.explain, out) if opts.filter else None
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
        code = _process(opts, path, match, fields_printer, decode_as, out, taps, resume)
        if code == EXIT_OK:
            write_plot(io_plot, opts)
        return code
    except CaptureError as e:
        out.flush()
        raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None


def prepare_taps(opts: Any, out: TextIO, flt: CompiledFilter | None = None
                 ) -> tuple[list, Any] | int:
    """The -z taps and the --plot tap (file and live alike), or an exit status after
    the error for a bad -z argument (stdout only where tshark prints it there)."""
    check_stats_args(opts.stats)
    from analyzer.taps import TapArgError, build_taps

    encoding = getattr(opts, "encoding", None)
    if encoding:
        from analyzer.follow import check_encoding

        try:
            encoding = check_encoding(encoding)
        except ValueError as e:
            raise UsageError(f"--encoding: {e}") from None
    try:
        taps = build_taps(opts.stats)
    except TapArgError as e:
        if not e.on_stdout:
            raise AnalyzeError(str(e), EXIT_USAGE) from None
        out.write(f"{e}\n")
        return EXIT_USAGE
    for _, group in taps:  # --encoding: the follow taps decode their text from it
        for t in group:
            if hasattr(t, "encoding"):
                t.encoding = encoding
            if hasattr(t, "source_path"):  # -z hosts names the file it read
                t.source_path = getattr(opts, "read_file", None) or getattr(opts, "file", None)
    _prime(taps, flt)
    io_plot = None
    if getattr(opts, "plot", None):
        from analyzer.stats_io import plot_tap

        io_plot = plot_tap(taps, opts.plot)  # a hidden io,stat,1 when -z gives none
    return taps, io_plot


def _prime(taps: list, flt: CompiledFilter | None) -> None:
    """Taps that depend on which fields any filter of the run names (tshark builds only
    those): io,stat's calculated columns, io,phs's `frame` root. The names come from -Y,
    every io,stat filter and the other taps' filters (conv, phs, expert, ...)."""
    primable = [t for _, ts in taps for t in ts if hasattr(t, "prime")]
    if not primable:
        return
    from analyzer.stats_io_calc import field_refs
    from filters import compile_filter

    refs = set().union(*(getattr(t, "refs", ()) for t in primable))
    if flt is not None:
        refs |= field_refs(flt.tree)
    for _, ts in taps:
        for t in ts:
            text = getattr(t, "filter", None)
            if isinstance(text, str) and text:
                refs |= field_refs(compile_filter(text).tree)  # compiled once already
    for t in primable:
        t.prime(refs)


def report_taps(taps: list | None, opts: Any, out: TextIO) -> None:
    """The -z reports after the packets: rich tables on a terminal, tshark's text else."""
    if taps:
        from analyzer.stats_rich import write_report

        write_report(taps, opts, out)


def write_plot(io_plot: Any, opts: Any) -> None:
    """--plot's image, drawn from the io,stat numbers the taps gathered."""
    if io_plot is None:
        return
    from analyzer.stats_io import PlotError, plot_io

    try:
        plot_io(io_plot, opts.plot)
    except PlotError as e:
        raise AnalyzeError(str(e), EXIT_USAGE) from None


def _process(opts, path: str, match, fields_printer, decode_as, out: TextIO,  # noqa: ANN001
             taps: list | None = None, resume: int = 1) -> int:
    """The full pipeline; frames before `resume` were already done by the fast path."""
    from analyzer.render import Renderer

    # stdin is spooled only when it must be read twice (-2, --export-objects)
    reader = open_capture(path, second_pass=bool(opts.two_pass or opts.export_objects))
    try:
        session = Session(two_pass=opts.two_pass, decode_as=decode_as)
        if opts.two_pass:
            reader = second_pass_reader(reader, session, opts.count)
        writer = None
        if opts.write:
            writer = open_writer(opts.write, opts.write_format,
                                 interfaces=getattr(reader, "interfaces", None))
        renderer = Renderer(opts, fields_printer, out)
        if fields_printer:
            out.write(fields_printer.preamble())
        prev_disp: int | None = None
        from analyzer.progress import start_progress

        bar = start_progress(opts, path, reader, out)  # stderr, terminal only
        try:
            for n, frame in enumerate(reader, 1):
                if bar is not None:
                    bar.tick(n)
                if n < resume:
                    continue
                pkt = dissect(frame, session)
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
    code = run(sys.argv[1:], sys.stdout, sys.stderr)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    raise SystemExit(code)


__all__ = ["run", "main", "packet_line"]
