"""`-T ek`: tshark 4.0's Elasticsearch bulk lines (an index line, then the packet's
flat document), beside `-T json` whose value texts and layer filter it shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from analyzer.output.formats import Output
from analyzer.output.json_ek import JsonArray as _Array
from analyzer.output.json_ek import LayerFilter, _str
from analyzer.output.json_ek import field_values as _field_values
from analyzer.output.json_ek import index_date as _index_date
from analyzer.output.json_ek import item_value as _value
from analyzer.output.json_ek import proto_bytes as _proto_bytes
from analyzer.output.json_ek import text_label as _label
from dissectors.packet import Item, Packet
from dissectors.registry import FT
from dissectors.time_text import NOT_REPRESENTABLE, NS, utc_tm

_FT_ABSOLUTE_TIME, _FT_BOOLEAN, _FT_NONE, _FT_PROTOCOL = (
    FT.ABSOLUTE_TIME, FT.BOOLEAN, FT.NONE, FT.PROTOCOL)


class _Raw(str):
    """Already written JSON (a nested ek object)."""


if TYPE_CHECKING:
    from analyzer.job import Job


def _ek_value(pkt: Packet, it: Item) -> Any:
    f = it.field
    assert f is not None
    if f.type is _FT_NONE:
        return None
    if f.type is _FT_BOOLEAN:
        return bool(it.value)
    if f.type is _FT_ABSOLUTE_TIME and isinstance(it.value, int):
        secs, frac = divmod(it.value, NS)
        tm = utc_tm(secs)
        if tm is None:
            return NOT_REPRESENTABLE
        # tshark 4.0 formats this in a 20-byte buffer: past the year 9999 the seconds
        # it prints are whatever the buffer held; we print the date whole.
        y, mo, d, h, mi, sec, _ = tm
        return f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}.{frac:09d}Z"
    if f.type is _FT_PROTOCOL:
        return _proto_bytes(pkt, it)
    return _value(it)


def _ek_key(it: Item) -> str:
    """`tcp_tcp_port`: the field's own protocol, then its name (a protocol: its name)."""
    f = it.field
    if f is None:
        return "text"
    if f.type is _FT_PROTOCOL:
        return f.abbrev
    proto = f.protocol.abbrev if f.protocol is not None else f.abbrev.split(".")[0]
    return f"{proto}_{f.abbrev}"


def _ek_filtered(name: str) -> _Raw:
    return _Raw('{"filtered":' + _str(name) + "}")


_TEXTS = "\0text"  # where the top-level text items go among the -T ek layers


def _ek_flat(pkt: Packet, items: list[Item], out: list[tuple[str, Any]],
             lf: LayerFilter | None = None) -> None:
    """A protocol's subtree flattened into `proto_field_name` keys, as tshark's ek
    writer does: repeated siblings become one array, each subtree follows its key,
    a text item is a `text` key, and a protocol without bytes keeps its own object.
    With `lf` (-j) an item it does not list is `{"filtered": name}`, unopened."""
    groups: dict[str, list[Item]] = {}
    for it in items:
        key = _ek_key(it)
        if it.field is not None and it.field.type is _FT_PROTOCOL and \
                not _proto_bytes(pkt, it):
            key = "\0" + it.field.abbrev  # an object each; repeated ones one array
        groups.setdefault(key, []).append(it)
    for key, its in groups.items():
        first = its[0]
        name = "text" if first.field is None else first.field.abbrev
        if lf is not None and name not in lf.names:
            vals = [_ek_filtered(name) for _ in its]
            out.append((name if key.startswith("\0") else key,
                        vals[0] if len(vals) == 1 else _Array(vals)))
            continue
        if key.startswith("\0"):
            objs = []
            for it in its:
                sub: list[tuple[str, Any]] = []
                _ek_flat(pkt, it.children or [], sub, lf)
                objs.append(_Raw(_ek_obj(sub)))
            out.append((name, objs[0] if len(objs) == 1 else _Array(objs)))
            continue
        vals = [_label(it) if it.field is None else _ek_value(pkt, it) for it in its]
        out.append((key, vals[0] if len(vals) == 1 else _Array(vals)))
        kids = [c for it in its for c in (it.children or ())]
        if kids:  # the group's subtrees flattened together, as tshark does
            _ek_flat(pkt, kids, out, lf)


def _ek_obj(pairs: list[tuple[str, Any]]) -> str:
    return "{" + ",".join(_str(k, dots=True) + ":" + (
        "[" + ",".join(map(_ek_scalar, v)) + "]" if isinstance(v, _Array) else _ek_scalar(v))
        for k, v in pairs) + "}"


def _ek_scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, _Raw):
        return v
    return _str(v)


def ek_lines(pkt: Packet, fields: list[str] | None = None,
             column: Any = None, lf: LayerFilter | None = None) -> str:
    """The two lines of one packet in `-T ek`: the index line and the document.

    With `-e`, only those fields, each an array of strings (absent ones left out);
    `column(pkt, name)` gives a `_ws.col.*` value; `lf` is -j/-J."""
    head = '{"index":{"_index":"' + _index_date(pkt) + '","_type":"doc"}}\n'
    # tshark writes the seconds as an unsigned 64-bit number, then 3 digits of ms.
    secs, frac = divmod(pkt.frame.ts_ns, NS)
    ts = f"{secs % (1 << 64)}{frac // 1_000_000:03d}"
    if fields:
        parts = []
        for name in dict.fromkeys(fields):
            if vals := _field_values(pkt, name, column):
                parts.append(_str(name, dots=True) + ":[" + ",".join(map(_str, vals)) + "]")
        layers = "{" + ",".join(parts) + "}"
    else:
        # Protocols are objects (a repeated one, e.g. two VLAN tags, an array); any
        # other top-level item (tcp.segments) is flattened into `layers` itself.
        tops: dict[str, list[Any]] = {}
        inner = None if lf is None or lf.expand else lf
        texts = [top for top in pkt.tree if top.field is None]
        for top in pkt.tree:
            if top.field is None:  # the top-level text items: one group, flattened
                tops.setdefault(_TEXTS, [])  # together where the first one is
                continue
            sub: list[tuple[str, Any]] = []
            if top.field.type is _FT_PROTOCOL:
                if lf is not None and top.field.abbrev not in lf.names:
                    tops.setdefault(top.field.abbrev, []).append(
                        _ek_filtered(top.field.abbrev))
                    continue
                _ek_flat(pkt, top.children or [], sub, inner)
                tops.setdefault(top.field.abbrev, []).append(_Raw(_ek_obj(sub)))
                continue
            _ek_flat(pkt, [top], sub, lf)
            for k, v in sub:
                tops.setdefault(k, []).append(v)
        pairs: list[tuple[str, Any]] = []
        for k, v in tops.items():
            if k == _TEXTS:
                _ek_flat(pkt, texts, pairs, lf)
            else:
                pairs.append((k, v[0] if len(v) == 1 else _Array(v)))
        layers = _ek_obj(pairs)
    return head + '{"timestamp":"' + ts + '","layers":' + layers + "}\n"


class EkOutput(Output):
    """`-T ek`: two lines a packet (index, then the document), for Elasticsearch."""

    def __init__(self, opts: Job, fields_printer: Any, out: TextIO) -> None:
        super().__init__(opts, fields_printer, out)
        self.layer_filter = LayerFilter.from_options(getattr(opts, "layer_filter", None))

    def packet(self, pkt: Packet) -> None:
        self.out.write(ek_lines(pkt, self.opts.fields,
                                self.fields.column if self.fields else None,
                                self.layer_filter))
