"""`-T json`: tshark 4.0's layout, written by hand to be byte-equal (`-T ek`, which
shares its value texts, is analyzer/output/ek.py).

tshark's JSON repeats a key for each occurrence (`"tcp.port"` twice), which no dict
can hold, so a node here is a list of (key, value) pairs and the writer is our own.
`--no-duplicate-keys` groups a node's repeated keys into one array, as tshark does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TextIO, cast

from analyzer.output.formats import Output
from dissectors.compiled import python_class
from dissectors.escape import cstr
from dissectors.format import PER_FIELD_MAX, Texts, field_text, fit_label, label
from dissectors.packet import Item, Packet, SharedItem
from dissectors.registry import FT, Field
from dissectors.time_text import NS, local_tm, zone_token

# Enum members read once: `FT.X` goes through EnumType's __getattr__ hook (~0.1 us a
# read, which LOAD_ATTR cannot specialise), and these are read per printed value. Final
# (as every module-level name read per value here): compiled, a C static, not a look-up
# in the module's dict.
_FT_ABSOLUTE_TIME: Final = FT.ABSOLUTE_TIME
_FT_BOOLEAN: Final = FT.BOOLEAN
_FT_BYTES: Final = FT.BYTES
_FT_FRAMENUM: Final = FT.FRAMENUM
_FT_NONE: Final = FT.NONE
_FT_PROTOCOL: Final = FT.PROTOCOL
_FT_RELATIVE_TIME: Final = FT.RELATIVE_TIME
_FT_STRING: Final = FT.STRING
_FT_STRINGZ: Final = FT.STRINGZ
_FT_STRINGZPAD: Final = FT.STRINGZPAD
_FT_UINT_BYTES: Final = FT.UINT_BYTES
_FT_UINT_STRING: Final = FT.UINT_STRING


if TYPE_CHECKING:
    from analyzer.job import Job

#: A node: (key, value) pairs; a value is a string, None (JSON null), a node, or
#: an _Array of values (from grouping repeated keys).
Node = list[tuple[str, Any]]


@dataclass(frozen=True)
class LayerFilter:
    """tshark's `-j`/`-J`: only the listed protocols are written; the others as
    `{"filtered": name}`. With `-j` (not `expand`) a subtree is opened only when it is
    listed too (`ip ip.flags`); -T ek applies that to every item, -T json to items with
    children. With `-J` a listed top-level protocol is written whole."""

    names: frozenset[str]
    expand: bool

    @classmethod
    def from_options(cls, given: list[tuple[str, str]] | None) -> LayerFilter | None:
        """From the (flag, text) of each -j/-J in order: as in tshark, the last list
        counts, and one -J anywhere makes it expand."""
        if not given:
            return None
        return cls(frozenset(given[-1][1].split()), any(f == "J" for f, _ in given))


def _filtered(name: str) -> Node:
    return [("filtered", name)]


@python_class
class _Array(list):
    """A JSON array (a plain list is a node)."""




_CNTRL: Final = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}


def _str(s: str, dots: bool = False) -> str:
    """A JSON string escaped as tshark's json_dumper does (`</` as `<\\/`)."""
    if '"' not in s and "\\" not in s and "</" not in s and s.isprintable() and \
            not (dots and "." in s):
        # the usual case, without the per-character loop (printable: no control below
        # 0x20; a string that is not, 0x7f or a non-ASCII one, the loop writes as it is)
        return f'"{s}"'
    out = ['"']
    prev = ""
    for ch in s:
        o = ord(ch)
        if o < 0x20:
            out.append(_CNTRL.get(o, f"\\u{o:04x}"))
        elif ch == "/" and prev == "<":
            out.append("\\/")
        elif ch in '\\"':
            out.append("\\" + ch)
        elif dots and ch == ".":
            out.append("_")
        else:
            out.append(ch)
        prev = ch
    out.append('"')
    return "".join(out)


def _label(it: Item) -> str:
    """A text-only item's key: its label without the brackets of a generated item."""
    t = it.text or ""
    t = t[1:-1] if t.startswith("[") and t.endswith("]") else t
    return fit_label(t, 0)  # as the tree shows it: at most 239 bytes


def _hex(b: bytes | bytearray | memoryview) -> str:
    return bytes(b).hex(":")


def _value(it: Item) -> str:
    """tshark's JSON value: -T fields text, but bytes colon-separated."""
    f = it.field
    assert f is not None
    t = f.type  # identity tests: an Enum's hash runs in Python, this runs per item
    if t is _FT_NONE or t is _FT_PROTOCOL:
        return ""
    if (t is _FT_BYTES or t is _FT_UINT_BYTES) and isinstance(it.value,
                                                        (bytes, bytearray, memoryview)):
        return _hex(it.value)  # (empty: "", where -T fields prints "<none>")
    return _text(f, it.value)


def _text(f: Field, value: Any) -> str:
    """A value as tshark's JSON holds it: a string raw up to its NUL (JSON escapes it,
    -T fields' \\r\\n escaping does not apply), anything else as -T fields prints it."""
    t = f.type
    if t.is_string and isinstance(value, str):
        return cstr(value)
    return field_text(f, value)


def _proto_bytes(pkt: Packet, it: Item) -> str:
    """A nested sub-protocol's (`tcp.options.mss`) value in tshark's JSON: the bytes it
    covers; a dissector's own protocol (`data`) is an object, as tshark writes it."""
    f = it.field
    if it.length <= 0 or "." not in f.abbrev or it.source >= len(pkt.sources) or \
            (f.protocol is not None and f.protocol.valueless):
        return ""
    return _hex(pkt.sources[it.source][1][it.offset:it.offset + it.length])


def _node(pkt: Packet, items: list[Item], lf: LayerFilter | None = None) -> Node:
    """Items as tshark's JSON pairs; `lf` (-j) closes the subtrees it does not list."""
    out: Node = []
    for it in items:
        if it.field is None:
            label = _label(it)
            if it.children and lf is not None and label not in lf.names:
                out.append((label, _filtered(label)))
            else:
                out.append((label, _node(pkt, it.children, lf) if it.children else ""))
            continue
        key = it.field.abbrev
        t = it.field.type
        val = _proto_bytes(pkt, it) if t is _FT_PROTOCOL else _value(it)
        if t is _FT_PROTOCOL and it.hidden and not it.length and it.text:
            val = it.text  # a hidden zero-length marker (_ws.malformed): its text
        if it.children:
            sub = _filtered(key) if lf is not None and key not in lf.names else \
                _node(pkt, it.children, lf)
            if val == "" and t in (_FT_PROTOCOL, _FT_NONE):
                out.append((key, sub))
            else:
                out.append((key, val))
                out.append((key + "_tree", sub))
        else:
            out.append((key, val))
    return out


def _group(node: Node) -> Node:
    """`--no-duplicate-keys`: a key's values in one array, at its first place."""
    order: dict[str, list[Any]] = {}
    for k, v in node:
        order.setdefault(k, []).append(
            _group(v) if isinstance(v, list) and not isinstance(v, _Array) else v)
    return [(k, vs[0] if len(vs) == 1 else _Array(vs)) for k, vs in order.items()]


def _index_date(pkt: Packet) -> str:
    """`packets-YYYY-MM-DD` of the frame's local date, tshark's `_index` (the last one
    kept: packets come many a second; time.tzset makes a new time.tzname)."""
    secs = pkt.frame.ts_ns // NS
    last = _INDEX_LAST
    if last[1] == secs and last[0] is zone_token():
        return last[2]  # type: ignore[no-any-return]
    got = local_tm(secs)
    if got is None:
        text = "packets-XXXX-XX-XX"  # tshark's, when localtime fails
    else:
        year, month, day = got[0][:3]
        text = f"packets-{year}-{month:02d}-{day:02d}"
    last[:] = [zone_token(), secs, text]
    return text


#: (time.tzname, seconds, text) of the last _index_date.
_INDEX_LAST: list[Any] = [None, None, ""]


def _field_values(pkt: Packet, name: str, column: Any) -> list[str]:
    """The `-e` values of one field (or `_ws.col.*` column) in a packet."""
    if column is not None and name.startswith("_ws.col."):
        val = column(pkt, name)
        return [val] if val is not None else []
    return [_text(i.field, i.value) for i in pkt.index.get(name, ())]


def packet_node(pkt: Packet, no_dup: bool = False, fields: list[str] | None = None,
                column: Any = None, lf: LayerFilter | None = None) -> Node:
    """One packet's `-T json` object; with `-e`, only those fields, each an array;
    with `lf` (-j/-J), the protocols it does not list as `{"filtered": name}`."""
    if fields:
        layers: Node = []
        for name in dict.fromkeys(fields):
            if vals := _field_values(pkt, name, column):
                layers.append((name, _Array(vals)))
    else:
        layers = []
        for top in pkt.tree:
            if top.field is None:  # a top-level text item (netlink's messages): its
                # label the key, its subtree the value, as tshark writes it
                text = _label(top)
                if lf is not None and text not in lf.names:
                    layers.append((text, _filtered(text)))
                else:
                    layers.append((text, _node(pkt, top.children, None if lf is None or
                                                lf.expand else lf) if top.children else ""))
                continue
            name = top.field.abbrev
            if not top.children and (top.field.type is not _FT_PROTOCOL or top.text):
                # a top-level field (ftp's cwd): its value; a protocol with nothing
                # under it (ftp-data): its label
                # (its label as the tree shows it, brackets kept: `_ws.short`)
                layers += _node(pkt, [top]) if top.field.type is not _FT_PROTOCOL else \
                    [(name, fit_label(top.text or "", 0))]
            elif lf is not None and name not in lf.names:
                layers.append((name, _filtered(name)))
            else:
                inner = None if lf is None or lf.expand else lf
                # a layer with nothing under it (TLS before a record it must reassemble)
                # is its label, as tshark writes it
                layers.append((name, _node(pkt, top.children, inner) if top.children else
                               label(top)))
    if no_dup:
        layers = _group(layers)
    src: Node = [("layers", layers)]
    return [("_index", _index_date(pkt)), ("_type", "doc"), ("_score", None),
            ("_source", src)]


def _write(v: Any, ind: str, out: list[str]) -> None:
    if v is None:
        out.append("null")
    elif isinstance(v, int):  # (-T jsonraw's positions, lengths, masks and types)
        out.append(str(v))
    elif isinstance(v, str):
        out.append(_str(v))
    elif isinstance(v, _Array):
        out.append("[")
        inner = ind + "  "
        for i, x in enumerate(v):
            out.append(("\n" if i == 0 else ",\n") + inner)
            _write(x, inner, out)
        out.append("\n" + ind + "]")
    else:
        if not v:
            out.append("{}")
            return
        out.append("{")
        inner = ind + "  "
        for i, (k, x) in enumerate(v):
            out.append(("\n" if i == 0 else ",\n") + inner + _str(k) + ": ")
            _write(x, inner, out)
        out.append("\n" + ind + "}")


def dumps(pkt: Packet, no_dup: bool = False, fields: list[str] | None = None,
          column: Any = None, lf: LayerFilter | None = None, ind: str = "") -> str:
    """One packet's object for `-T json`, every line indented by `ind` (the renderer's
    two spaces). The whole tree (no `-e`, no `--no-duplicate-keys`) is written straight
    to text (_jobj); the others build packet_node's pairs first."""
    if fields or no_dup:
        out: list[str] = []
        _write(packet_node(pkt, no_dup, fields, column, lf), "", out)
        text = "".join(out)
        return "\n".join(ind + ln for ln in text.split("\n")) if ind else text  # not U+2028
    i1 = ind + "  "
    i2 = i1 + "  "
    index = _str(_index_date(pkt))
    layers = _jlayers(pkt, i2, lf)  # (the packet's text: copied once, into the f-string)
    return (f'{ind}{{\n{i1}"_index": {index},\n{i1}"_type": "doc",\n{i1}"_score": null,\n'
            f'{i1}"_source": {{\n{i2}"layers": {layers}\n{i1}}}\n{ind}}}')


# ---- the whole tree straight to text (packet_node + _write's output, per item less) --

#: Field -> its JSON key text (`"tcp.port": `) and its subtree's (`"tcp.port_tree": `).
_JKEYS: Final[dict[Field, tuple[str, str]]] = {}
#: Field -> its leaves' whole pairs (`"tcp.port": "80"`) by int, str or bytes value,
#: while they repeat (format.py's rule: a field whose values do not repeat, times,
#: sequence numbers, checksums, is found and not cached after); bool values apart
#: (True == 1), bounded as format.py's caches (format.Texts, the same table as its
#: labels'). An absolute time's text hangs on the time zone: never cached.
_JPAIRS: Final[dict[Field, Texts]] = {}
_JBOOLS: Final[dict[tuple[Field, bool], str]] = {}
_JPAIRS_MAX: Final = 8192
#: One field's pairs table holds this many at most (a quarter of format.py's
#: PER_FIELD_MAX): ~190 fields' tables of up to 1,024 pairs (~130 KB each) came to ~4 MB
#: in each process of a split run, most of it fields whose values come back about once
#: (ICMP identifiers, reassembled lengths); a smaller table decides sooner whether a
#: field's values repeat, and a hot field's few values still fit (s18-memjson: split
#: -T json at 1M ~100 -> ~90 MB PSS summed, for ~2% more instructions a packet).
PAIRS_MAX: Final = PER_FIELD_MAX // 4
_STRING_TYPES: Final = (_FT_STRING, _FT_STRINGZ, _FT_UINT_STRING, _FT_STRINGZPAD)
_UNCACHED: Final = (_FT_NONE, _FT_PROTOCOL, _FT_ABSOLUTE_TIME)
#: A str value is cached up to this length (names, hosts, protocol chains; not
#: payload text); a bytes value only of an address type.
_STR_MAX: Final = 64
#: Types whose `-T fields` text of an int (or bool) value is digits, hex, dots, colons
#: or a minus: nothing JSON escapes (FT_CHAR's quoted C escapes are not).
_PLAIN_INT_TYPES: Final = frozenset(
    id(t) for t in FT if t.is_integer and t is not FT.CHAR) | frozenset(
    (id(FT.IPv4), id(FT.RELATIVE_TIME)))
#: Types whose text of a bytes value is plain so (hex and colons, an IPv6 address).
_PLAIN_BYTES_TYPES: Final = frozenset((id(FT.ETHER), id(FT.IPv6)))



def _jkey(f: Field) -> tuple[str, str]:
    keys = _JKEYS.get(f)
    if keys is None:
        keys = _JKEYS[f] = (_str(f.abbrev) + ": ", _str(f.abbrev + "_tree") + ": ")
    return keys


def _jfiltered(name: str, ind: str) -> str:
    return "{\n" + ind + '  "filtered": ' + _str(name) + "\n" + ind + "}"


def _jvalue(it: Item, f: Field, t: FT) -> str:
    """_value(it) (not of a protocol) as JSON text."""
    v = it.value
    if t is _FT_NONE:
        return '""'
    vt = type(v)
    if (vt is int or vt is bool) and id(t) in _PLAIN_INT_TYPES or \
            vt is bytes and id(t) in _PLAIN_BYTES_TYPES:
        return f'"{field_text(f, v)}"'  # (nothing to escape)
    if t in _STRING_TYPES and isinstance(v, str):
        return _str(cstr(v))
    if (t is _FT_BYTES or t is _FT_UINT_BYTES) and isinstance(v, (bytes, bytearray,
                                                                memoryview)):
        return f'"{_hex(v)}"'  # (hex digits and colons: nothing to escape)
    return _str(field_text(f, v))


def _jpair(it: Item, f: Field) -> str:
    """A childless non-protocol item's pair, cached by its value (int, str, bytes or
    bool) while the field's values repeat."""
    pair = (_JKEYS.get(f) or _jkey(f))[0] + _jvalue(it, f, f.type)
    v = it.value
    vt = type(v)
    if vt is bool:
        if len(_JBOOLS) >= _JPAIRS_MAX:
            _JBOOLS.clear()
        _JBOOLS[(f, cast(bool, v))] = pair
    elif (vt is int or vt is str and len(cast(str, v)) <= _STR_MAX or
          vt is bytes and id(f.type) in _PLAIN_BYTES_TYPES) and f.type not in _UNCACHED:
        table = _JPAIRS.get(f)
        if table is None:
            table = _JPAIRS[f] = Texts(PAIRS_MAX)
        if table.on:
            table.store(v, pair)
    return pair


def _jobj(pkt: Packet, items: list[Item], ind: str, lf: LayerFilter | None,
          head: str = "") -> str:
    """`head` (a key), then _write(_node(pkt, items, lf)) at indent `ind`, without the
    pairs in between. (An object's text is made in one piece, its key in front: a `+`
    of each piece would copy the whole subtree's text again, at every depth.)"""
    inner = ind + "  "
    parts: list[str] = []
    pairs, bools = _JPAIRS, _JBOOLS
    for it in items:
        f = it.field
        ch = it.children
        if ch is None and f is not None:  # a leaf: most items
            v = it.value
            vt = type(v)
            pair = None
            if vt is int or vt is str or vt is bytes:
                table = pairs.get(f)
                if table is not None and table.on:
                    pair = table.texts.get(v)
                    if pair is not None:
                        table.hits += 1
            elif vt is bool:
                pair = bools.get((f, cast(bool, v)))
            if pair is None:
                if f.type is _FT_PROTOCOL:
                    val = _proto_bytes(pkt, it)
                    if it.hidden and not it.length and it.text:
                        val = it.text  # a hidden zero-length marker (_ws.malformed)
                    pair = (_JKEYS.get(f) or _jkey(f))[0] + _str(val)
                else:
                    pair = _jpair(it, f)
            parts.append(pair)
            continue
        if f is None:
            lab = _label(it)
            key = _str(lab) + ": "
            if ch and lf is not None and lab not in lf.names:
                parts.append(key + _jfiltered(lab, inner))
            else:
                parts.append(_jobj(pkt, ch, inner, lf, key) if ch else key + '""')
            continue
        if lf is None and type(it) is SharedItem:  # a prebuilt subtree: its text kept
            sh = cast(SharedItem, it)
            parts.append(sh.jtext if sh.jkey == len(inner) else _jshared(pkt, sh, inner))
            continue
        t = f.type
        keys = _JKEYS.get(f) or _jkey(f)
        if t is _FT_PROTOCOL:
            val = _proto_bytes(pkt, it)
            if it.hidden and not it.length and it.text:
                val = it.text
            jval = _str(val)
        else:
            jval = _jvalue(it, f, t)
        if ch:
            key = keys[0]
            if not (jval == '""' and (t is _FT_PROTOCOL or t is _FT_NONE)):
                parts.append(key + jval)
                key = keys[1]
            parts.append(key + _jfiltered(f.abbrev, inner) if lf is not None and
                         f.abbrev not in lf.names else _jobj(pkt, ch, inner, lf, key))
        else:
            parts.append(keys[0] + jval)
    if not parts:
        return head + "{}"
    body = (",\n" + inner).join(parts)
    return f"{head}{{\n{inner}{body}\n{ind}}}"


def _jshared(pkt: Packet, it: SharedItem, inner: str) -> str:
    """A SharedItem's part of _jobj at indent `inner` (its pair, and its subtree's),
    written once and kept on the item for that indent."""
    obj = _jobj(pkt, [_as_plain(it)], inner[:-2], None)  # "{\n" inner text "\n" ind "}"
    text = obj[2 + len(inner):len(obj) - len(inner)]
    it.jkey = len(inner)
    it.jtext = text
    return text


def _as_plain(it: Item) -> Item:
    """A copy of a SharedItem as a plain Item (so _jobj writes it item by item)."""
    copy = Item(it.field, it.value, it.offset, it.length, it.text, it.hidden,
                it.generated, it.source)
    copy.children = it.children
    return copy


def _jlayers(pkt: Packet, ind: str, lf: LayerFilter | None) -> str:
    """packet_node's `layers` object (without -e), written at indent `ind`."""
    inner = ind + "  "
    parts: list[str] = []
    sub_lf = None if lf is None or lf.expand else lf
    for top in pkt.tree:
        f = top.field
        ch = top.children
        if f is None:  # a top-level text item: its label the key, its subtree the value
            text = _label(top)
            head = _str(text) + ": "
            if lf is not None and text not in lf.names:
                parts.append(head + _jfiltered(text, inner))
            else:
                parts.append(_jobj(pkt, ch, inner, sub_lf, head) if ch else head + '""')
            continue
        name = f.abbrev
        if not ch and (f.type is not _FT_PROTOCOL or top.text):
            if f.type is not _FT_PROTOCOL:  # a top-level field (ftp's cwd): its value
                parts.append(_jpair(top, f))
            else:  # a protocol with nothing under it: its label as the tree shows it
                parts.append(_jkey(f)[0] + _str(fit_label(top.text or "", 0)))
        elif lf is not None and name not in lf.names:
            parts.append(_jkey(f)[0] + _jfiltered(name, inner))
        else:
            parts.append(_jobj(pkt, ch, inner, sub_lf, _jkey(f)[0]) if ch else
                         _jkey(f)[0] + _str(label(top)))
    if not parts:
        return "{}"
    body = (",\n" + inner).join(parts)
    return f"{{\n{inner}{body}\n{ind}}}"


# ---- -T ek ----------------------------------------------------------------------

#: For the other tree formats (analyzer/output/pdml.py): an item's value as tshark's
#: JSON and PDML write it, and the `-e` values of one field.
item_value = _value
text_label = _label
proto_bytes = _proto_bytes
field_values = _field_values
write_json = _write
group_keys = _group
index_date = _index_date
JsonArray = _Array


@python_class  # (Output, of an uncompiled module, is its base)
class JsonOutput(Output):
    """`-T json`: one array, a packet an element (tshark's indentation)."""

    def __init__(self, opts: Job, fields_printer: Any, out: TextIO) -> None:
        super().__init__(opts, fields_printer, out)
        self.first = True
        self.layer_filter = LayerFilter.from_options(getattr(opts, "layer_filter", None))

    def dumps(self, pkt: Packet, ind: str = "") -> str:
        """One packet's object, each line indented by `ind`."""
        o = self.opts
        no_dup = getattr(o, "no_duplicate_keys", False)
        col = self.fields.column if self.fields else None
        return dumps(pkt, no_dup, o.fields, col, self.layer_filter, ind)

    def packet(self, pkt: Packet) -> None:
        body = self.dumps(pkt, "  ")
        self.out.write(("[\n" if self.first else ",\n") + body)
        self.first = False

    def close(self) -> None:
        self.out.write("\n]\n" if not self.first else "[]\n")
