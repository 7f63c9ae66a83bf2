"""Setting up a run from its options: Decode-As, the display filter, the `-T fields`
printer, the `-z` taps and their reports.

Shared by the file run (app.py) and live capture (live_run.py), so neither imports
the other for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from analyzer.errors import EXIT_BAD_FILTER, EXIT_USAGE, AnalyzeError, UsageError
from analyzer.options import check_stats_args, parse_field_opts
from analyzer.output.fields import FieldsPrinter, valid_field
from filters import CompiledFilter

if TYPE_CHECKING:
    from analyzer.job import Job


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
        raise AnalyzeError(e.message, EXIT_BAD_FILTER,
                           e.caret_lines() if e.caret else "") from None
    if explain:
        out.write(flt.explain() + "\n")
    return flt


def build_fields_printer(job: Job) -> FieldsPrinter | None:
    """The `-T fields` printer, after tshark's checks of -T/-e/-E (file and live alike)."""
    fopts = parse_field_opts(job.field_opts)
    if getattr(job, "no_duplicate_keys", False) and job.output not in ("json", "jsonraw"):
        raise UsageError('--no-duplicate-keys can only be used with "-T json" and "-T jsonraw"')
    if job.output in ("ek", "json", "pdml", "psml") and job.fields:
        # -e limits them to those fields (-T psml takes -e and prints its columns)
        if bad := [f for f in job.fields if not valid_field(f)]:
            raise AnalyzeError("Some fields aren't valid:\n\t" + "\n\t".join(bad), EXIT_USAGE)
        return FieldsPrinter(job.fields, dict(fopts, header="n", bom="n"), job.time_format)
    if job.output != "fields":
        if job.fields:
            raise UsageError('Output fields were specified with "-e", but "-Tek, -Tfields, '
                             '-Tjson or -Tpdml" was not specified.')
        return None
    if not job.fields:
        raise UsageError('-T fields was specified, but no fields were specified with "-e"')
    bad = [f for f in job.fields if not valid_field(f)]
    if bad:
        raise AnalyzeError("Some fields aren't valid:\n\t" + "\n\t".join(bad), EXIT_USAGE)
    return FieldsPrinter(job.fields, fopts, job.time_format)


def prepare_taps(job: Job, out: TextIO, flt: CompiledFilter | None = None
                 ) -> tuple[list, Any] | int:
    """The -z taps and the --plot tap (file and live alike), or an exit status after
    the error for a bad -z argument (stdout only where tshark prints it there)."""
    check_stats_args(job.stats)
    from analyzer.stats.taps import TapArgError, build_taps

    encoding = getattr(job, "encoding", None)
    if encoding:
        from analyzer.follow import check_encoding

        try:
            encoding = check_encoding(encoding)
        except ValueError as e:
            raise UsageError(f"--encoding: {e}") from None
    try:
        taps = build_taps(job.stats)
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
                t.source_path = getattr(job, "read_file", None) or getattr(job, "file", None)
            if hasattr(t, "time_format"):  # -z flow prints times as -t does
                t.time_format = getattr(job, "time_format", "r")
            if hasattr(t, "notes"):  # --flow-notes: the course's notes beside -z flow
                t.notes = bool(getattr(job, "flow_notes", False))
    _prime(taps, flt, _builds_tree(job))
    io_plot = None
    if getattr(job, "plot", None):
        from analyzer.stats.io_stat import plot_tap

        graph = next((t for _, ts in taps for t in ts if hasattr(t, "draw")), None)
        if graph is not None and hasattr(graph, "write_csv") \
                and job.plot.lower().endswith(".csv"):
            io_plot = graph  # -z tcp,graph,...'s rows as CSV
        elif graph is not None:  # -z tcp,graph,... and -z flow draw themselves
            plot_tap([], job.plot)  # (only checks the file name)
            io_plot = graph
        else:
            io_plot = plot_tap(taps, job.plot)  # a hidden io,stat,1 when -z gives none
    return taps, io_plot


def _builds_tree(opts: Any) -> bool:
    """tshark builds every packet's tree (its `frame` item included) for -V, -O and the
    tree formats (-T fields/json/ek/pdml); io,phs then starts at `frame`."""
    return bool(getattr(opts, "verbose", False) or getattr(opts, "output", "text") != "text")


def _prime(taps: list, flt: CompiledFilter | None, tree: bool = False) -> None:
    """Taps that depend on which fields any filter of the run names (tshark builds only
    those): io,stat's calculated columns, io,phs's `frame` root. The names come from -Y,
    every io,stat filter and the other taps' filters (conv, phs, expert, ...)."""
    primable = [t for _, ts in taps for t in ts if hasattr(t, "prime")]
    if not primable:
        return
    from analyzer.stats.io_calc import field_refs
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
        if tree and hasattr(t, "with_frame"):
            t.with_frame = True
            t.tree_built = True


def tshark_builds_tree(job: Job, taps: list | None, out: TextIO) -> bool:
    """Whether tshark builds each packet's tree in this run (tshark.c's
    create_proto_tree): for a display filter, -V and the tree formats, -e fields,
    colours, a tap with a filter, or a tap whose listener needs the tree (io,phs,
    io,stat, hosts, follow: their `tshark_tree`); not for a packet list or taps such
    as -z expert, flow, conv/endpoints and the stats trees alone: a dissector that
    reads bytes only for its tree (a DNS record's subtree checks its length, SDP's
    token notes) then goes further."""
    from analyzer.output.text import use_color

    if (job.verbose or job.output != "text" or job.display_filter is not None
            or job.fields_printer is not None or use_color(job.color, out)):
        return True
    return any(getattr(t, "tshark_tree", False) or getattr(t, "filter", None)
               for _, group in taps or () for t in group)


def wanted_fields(job: Job, flt: CompiledFilter | None, fields_printer: Any,
                  taps: list | None, out: TextIO) -> frozenset[str] | None:
    """The fields a tree-less dissection must make for this run (Wireshark's
    "interesting fields": the display filter's, the `-e` ones, the taps' and their
    filters'); None where the run prints or walks the whole tree (-V, -x, JSON, --golden,
    colouring, --explain-addresses, export objects/tables, a tap that reads the tree, a
    `field#N` filter)."""
    from analyzer.output.text import use_color

    if (job.verbose or job.hex or job.output not in ("text", "fields") or job.golden
            or job.explain_addresses or job.export_objects or job.export is not None
            or job.cross_check or (job.output == "text" and use_color(job.color, out))):
        return None
    return _fields_read(job, flt, fields_printer, taps)


def indexed_fields(job: Job, flt: CompiledFilter | None, fields_printer: Any,
                   taps: list | None, out: TextIO) -> frozenset[str] | None:
    """The fields a full dissection (-V, -x, the tree formats) indexes below the top
    level: what this run reads back from a packet's index (the filter's, `-e`, the
    taps', the dissectors' own, the writers': frame.time for PDML, the displayed delta
    the loop fills in). -V and JSON read only the tree, so the rest is not indexed item
    by item. None (all) for a tree-less run and where something walks the index
    (--golden, colouring, --explain-addresses, exports, -2, a tap reading the tree)."""
    from analyzer.output.text import use_color
    from dissectors.frame import TIME_DELTA_DISP
    from dissectors.packet import KEEP

    if (job.wanted is not None or job.golden or job.explain_addresses or job.export_objects
            or job.export is not None or job.cross_check or job.two_pass
            or use_color(job.color, out)):
        return None
    reads = _fields_read(job, flt, fields_printer, taps)
    if reads is None:
        return None
    return reads | KEEP | {"frame.time", TIME_DELTA_DISP.abbrev} | set(job.fields)


def _fields_read(job: Job, flt: CompiledFilter | None, fields_printer: Any,
                 taps: list | None) -> frozenset[str] | None:
    """The fields the filter, `-e` and the taps (and their filters) read from items;
    None: one of them reads the tree."""
    from filters import compile_filter

    wanted: set[str] = set()
    if flt is not None:
        if flt.fields is None:
            return None
        wanted |= flt.fields
    if fields_printer is not None:
        wanted.update(fields_printer.names)
    for _, group in taps or ():
        for t in group:
            reads = getattr(t, "reads", None)  # what it reads from items; None: the tree
            if reads is None:
                return None
            wanted |= reads
            text = getattr(t, "filter", None)
            if isinstance(text, str) and text:
                fields = compile_filter(text).fields
                if fields is None:
                    return None
                wanted |= fields
    return frozenset(wanted)


def report_taps(taps: list | None, job: Job, out: TextIO) -> None:
    """The -z reports after the packets: rich tables on a terminal, tshark's text else."""
    if taps:
        from analyzer.stats.rich_tables import write_report

        write_report(taps, job, out)


def write_plot(io_plot: Any, job: Job) -> None:
    """--plot's image, drawn from the io,stat numbers the taps gathered."""
    if io_plot is None:
        return
    from analyzer.stats.io_stat import PlotError, plot_io

    try:
        if hasattr(io_plot, "draw"):
            io_plot.draw(job.plot or "")
        else:
            plot_io(io_plot, job.plot or "")
    except PlotError as e:
        raise AnalyzeError(str(e), EXIT_USAGE) from None


