"""`-T jsonraw`: tshark 4.0's JSON of the fields' raw bytes (what `-T json -x` adds, with
no text values): every item's `KEY_raw` is [hex, position, length, bitmask, type].

The same detail tree as -V and -T json; the layout (indentation, `[` ... `]`) is
-T json's, written by json_ek's writer.
"""

from __future__ import annotations

from analyzer.output.formats import Output
from analyzer.output.json_ek import (
    JsonArray,
    group_keys,
    index_date,
    proto_bytes,
    text_label,
    write_json,
)
from dissectors.packet import Item, Packet
from dissectors.registry import FT

#: Wireshark 4.0's ftenum numbers (epan/ftypes/ftypes.h), the last element of a `_raw`.
FT_NUMBER = {
    FT.NONE: 0, FT.PROTOCOL: 1, FT.BOOLEAN: 2, FT.CHAR: 3, FT.UINT8: 4, FT.UINT16: 5,
    FT.UINT24: 6, FT.UINT32: 7, FT.UINT48: 9, FT.UINT64: 11, FT.INT8: 12, FT.INT16: 13,
    FT.INT32: 15, FT.INT64: 19, FT.FLOAT: 22, FT.DOUBLE: 23, FT.ABSOLUTE_TIME: 24,
    FT.RELATIVE_TIME: 25, FT.STRING: 26, FT.STRINGZ: 27, FT.UINT_STRING: 28, FT.ETHER: 29,
    FT.BYTES: 30, FT.UINT_BYTES: 31, FT.IPv4: 32, FT.IPv6: 33, FT.FRAMENUM: 35,
    FT.GUID: 36, FT.OID: 37, FT.STRINGZPAD: 43,
}


def _hex(pkt: Packet, it: Item) -> str | None:
    """A bitfield's value in upper-case hex, else the item's bytes (tshark's note when
    they run past the data)."""
    f = it.field
    if f is not None and f.bitmask:
        v = it.value
        v = int(v) if isinstance(v, (bool, int)) else 0
        return f"{v & 0xFFFFFFFFFFFFFFFF:X}"
    if it.source >= len(pkt.sources):
        return None  # an item added with no tvb: no hex at all
    data = pkt.sources[it.source][1]
    if it.length > len(data) - it.offset:
        return "field length invalid!"
    return bytes(data[it.offset:it.offset + it.length]).hex()


def _raw(pkt: Packet, it: Item) -> JsonArray:
    f = it.field
    assert f is not None
    hexed = _hex(pkt, it)
    # a sub-protocol holding bytes (tcp.options.mss) is tshark's FT_BYTES
    ftype = 30 if f.type is FT.PROTOCOL and proto_bytes(pkt, it) else FT_NUMBER.get(f.type, 0)
    return JsonArray(([] if hexed is None else [hexed])
                     + [it.offset, it.length, f.bitmask, ftype])


def _has_value(pkt: Packet, it: Item, top: bool) -> bool:
    """Whether tshark's JSON gives the item a value (then its subtree is `KEY_tree`):
    every field; a protocol only nested in another's tree, where it holds bytes."""
    f = it.field
    if f is None or f.type is FT.NONE:
        return False
    if f.type is FT.PROTOCOL:
        return not top and proto_bytes(pkt, it) != ""
    return True


def raw_node(pkt: Packet, items: list[Item], top: bool = False) -> list:
    """Items as tshark's jsonraw pairs, each key repeated as often as it occurs."""
    out: list = []
    for it in items:
        if it.field is None:  # a text item: its label the key, no _raw
            label = text_label(it)
            out.append((label, raw_node(pkt, it.children) if it.children else ""))
            continue
        key = it.field.abbrev
        out.append((key + "_raw", _raw(pkt, it)))
        if it.children:
            suffix = "_tree" if _has_value(pkt, it, top) else ""
            out.append((key + suffix, raw_node(pkt, it.children)))
    return out


def raw_dumps(pkt: Packet, no_dup: bool = False) -> str:
    """One packet's object for `-T jsonraw`, at indent 0."""
    layers = raw_node(pkt, pkt.tree, top=True)
    if no_dup:
        layers = group_keys(layers)
    node = [("_index", index_date(pkt)), ("_type", "doc"), ("_score", None),
            ("_source", [("layers", layers)])]
    out: list[str] = []
    write_json(node, "", out)
    return "".join(out)


class JsonRawOutput(Output):
    """`-T jsonraw`: -T json's array, each packet's fields as raw bytes. (Not a subclass
    of json_ek.JsonOutput: compiled, that class's methods take only its own instances.)"""

    first = True

    def dumps(self, pkt: Packet, ind: str = "") -> str:
        text = raw_dumps(pkt, getattr(self.opts, "no_duplicate_keys", False))
        return "\n".join(ind + ln for ln in text.split("\n")) if ind else text  # not U+2028

    def packet(self, pkt: Packet) -> None:
        self.out.write(("[\n" if self.first else ",\n") + self.dumps(pkt, "  "))
        self.first = False

    def close(self) -> None:
        self.out.write("\n]\n" if not self.first else "[]\n")
