"""`--export parquet OUT`: one row per packet shown, so DuckDB or pandas can query a capture.

The columns are the `-e` fields (or DEFAULT_FIELDS), each value the string `-T fields`
prints (all occurrences joined by ","), "" when the packet has none: a query gives
what `analyze -T fields` would have shown. pyarrow is imported only here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzer.options import UsageError

DEFAULT_FIELDS = ("frame.number", "frame.time_epoch", "frame.time_relative", "frame.len",
                  "eth.src", "eth.dst", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
                  "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
                  "frame.protocols", "_ws.col.Protocol", "_ws.col.Info")
FORMATS = ("parquet",)


def run_export(opts: Any, path: str, match: Callable[[Any], bool] | None,
               decode_as: dict | None = None) -> int:
    """Dissect `path`, keep what `match` shows (and -c), write the table; exit status."""
    fmt, out_path = opts.export
    if fmt not in FORMATS:
        raise UsageError(f'--export "{fmt}": unknown format (known: {", ".join(FORMATS)})')
    from analyzer.fields_output import FieldsPrinter, valid_field
    from analyzer.options import parse_field_opts

    names = list(opts.fields) or list(DEFAULT_FIELDS)
    if bad := [f for f in names if not valid_field(f)]:
        raise UsageError("Some fields aren't valid: " + ", ".join(bad))
    fopts = parse_field_opts(opts.field_opts)
    fopts.update(separator="\t", quote="n", header="n", bom="n")
    printer = FieldsPrinter(names, fopts, opts.time_format)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("--export parquet needs pyarrow (pip install pyarrow)") from None
    columns: list[list[str]] = [[] for _ in names]
    for pkt in _shown(opts, path, match, decode_as):
        values = printer.line(pkt).split("\t")
        values += [""] * (len(names) - len(values))
        for col, v in zip(columns, values, strict=False):
            col.append(v)
    # Duplicate -e names cannot be two parquet columns: the last one wins, as in tshark.
    table = {n: pa.array(c, type=pa.string()) for n, c in zip(names, columns, strict=True)}
    try:
        pq.write_table(pa.table(table), out_path)
    except OSError as e:
        raise UsageError(f'--export "{out_path}": {e}') from None
    return 0


def _shown(opts: Any, path: str, match: Callable[[Any], bool] | None, decode_as: dict | None):
    """The packets `analyze` would print, with the displayed-delta times filled in."""
    from analyzer.pipeline import mark_displayed, second_pass_reader
    from captures import open_capture
    from dissectors import Session, dissect

    reader = open_capture(path)
    try:
        session = Session(two_pass=opts.two_pass, decode_as=decode_as or {})
        if opts.two_pass:
            reader = second_pass_reader(reader, session, opts.count)
        prev: int | None = None
        for n, frame in enumerate(reader, 1):
            pkt = dissect(frame, session)
            if match is None or match(pkt):
                prev = mark_displayed(pkt, prev)
                yield pkt
            if opts.count and n >= opts.count:
                break
    finally:
        reader.close()
