"""`--export parquet OUT`: one row per packet shown, so DuckDB or pandas can query a capture.

The columns are the `-e` fields (or DEFAULT_FIELDS), typed by the field's type so a
query compares numbers as numbers: integers int64 (uint64 for 64-bit), booleans bool,
relative times durations (ns), frame.time_epoch a UTC timestamp (ns), floats float64;
addresses, strings, bytes and the `_ws.col.*` columns are the strings `-T fields`
prints. A packet without the field has null; a field that occurs more than once in
some packet (ip.addr, tcp.port) is a list column. pyarrow is imported only here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analyzer.options import UsageError
from dissectors.format import field_text
from dissectors.registry import FT, REGISTRY

if TYPE_CHECKING:
    from analyzer.job import Job

DEFAULT_FIELDS = ("frame.number", "frame.time_epoch", "frame.time_relative", "frame.len",
                  "eth.src", "eth.dst", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
                  "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
                  "frame.protocols", "_ws.col.Protocol", "_ws.col.Info")
FORMATS = ("parquet",)


class TableSink:
    """The --export sink of analyzer.pipeline: each shown packet is a row; `close`
    writes the table. Format, fields and pyarrow are checked when it is built, before
    the capture is read."""

    def __init__(self, job: Job) -> None:
        fmt, self.out_path = job.export or ("", "")
        if fmt not in FORMATS:
            raise UsageError(f'--export "{fmt}": unknown format (known: {", ".join(FORMATS)})')
        from analyzer.options import parse_field_opts
        from analyzer.output.fields import FieldsPrinter, valid_field

        self.names = list(job.fields) or list(DEFAULT_FIELDS)
        if bad := [f for f in self.names if not valid_field(f)]:
            raise UsageError("Some fields aren't valid: " + ", ".join(bad))
        fopts = parse_field_opts(job.field_opts)
        fopts.update(separator="\t", quote="n", header="n", bom="n")
        self.printer = FieldsPrinter(self.names, fopts, job.time_format)
        try:
            import pyarrow  # noqa: F401 - only checked here
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise UsageError("--export parquet needs pyarrow (pip install pyarrow)") from None
        self.columns: list[list[list[Any]]] = [[] for _ in self.names]

    def packet(self, pkt: Any) -> None:
        for name, col in zip(self.names, self.columns, strict=True):
            col.append(_values(pkt, name, self.printer))

    def close(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # Duplicate -e names cannot be two parquet columns: the last one wins, as in tshark.
        names, columns = self.names, self.columns
        table = {n: _arrow_column(pa, n, c) for n, c in zip(names, columns, strict=True)}
        try:
            pq.write_table(pa.table(table), self.out_path)
        except OSError as e:
            raise UsageError(f'--export "{self.out_path}": {e}') from None


#: Non-integer types whose values are numbers (times: integer nanoseconds).
_NUMBERS = (FT.FLOAT, FT.DOUBLE, FT.RELATIVE_TIME, FT.ABSOLUTE_TIME)


def _arrow_type(pa: Any, name: str) -> Any:
    """The Arrow type of one value of field `name` (see the module docstring)."""
    f = REGISTRY.get(name)
    t = f.type if f is not None else None
    if t is FT.BOOLEAN:
        return pa.bool_()
    if t is FT.UINT64:
        return pa.uint64()
    if t is not None and t.is_integer:
        return pa.int64()
    if t in (FT.FLOAT, FT.DOUBLE):
        return pa.float64()
    if t is FT.RELATIVE_TIME:
        return pa.timestamp("ns", tz="UTC") if name.endswith(".time_epoch") else \
            pa.duration("ns")
    if t is FT.ABSOLUTE_TIME:
        return pa.timestamp("ns", tz="UTC")
    return pa.string()


def _values(pkt: Any, name: str, printer: Any) -> list[Any]:
    """One packet's values of `name`: raw numbers/booleans/ns for typed fields, the
    `-T fields` text for the rest (and for the `_ws.col.*` columns)."""
    f = REGISTRY.get(name)
    if f is None:
        col = printer.column(pkt, name)
        return [] if col is None else [col]
    out: list[Any] = []
    for it in pkt.index.get(name, ()):
        v = it.value
        if f.type is FT.BOOLEAN:
            out.append(bool(v))
        elif f.type.is_integer or f.type in _NUMBERS:
            out.append(v if isinstance(v, (int, float)) else None)
        else:
            out.append(field_text(f, v))
    return out


def _arrow_column(pa: Any, name: str, rows: list[list[Any]]) -> Any:
    """A scalar column, or a list column when some packet has the field twice."""
    typ = _arrow_type(pa, name)
    if any(len(r) > 1 for r in rows):
        return pa.array([r or None for r in rows], type=pa.list_(typ))
    return pa.array([r[0] if r else None for r in rows], type=typ)
