"""`-T pdml` and `-T psml`: tshark 4.0's XML formats, written by hand to be byte-equal.

PDML is the detail tree (the one -V and -T json print, hidden items included, each
with its position, size and bytes); PSML is the packet list's columns. Both escape
packet text as tshark's print_escaped_xml does: only `& < > " '` become entities,
every other byte is written as it is.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TextIO

from analyzer.output.formats import Output
from analyzer.output.json_ek import LayerFilter, item_value, proto_bytes, text_label
from analyzer.output.packet_list import column_parts
from dissectors.format import field_text, label
from dissectors.packet import Item, Packet
from dissectors.registry import FT
from dissectors.time_text import NS

if TYPE_CHECKING:
    from analyzer.job import Job

#: What tshark 4.0 names itself in both formats' root element.
CREATOR = "wireshark/4.0.17"

_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                      "'": "&#x27;"})


def xml_escape(s: str) -> str:
    """tshark's print_escaped_xml: the five markup characters as entities, nothing else
    (a CR or a byte of UTF-8 goes out as it is); the text ends at its first NUL."""
    i = s.find("\0")
    if i >= 0:
        s = s[:i]
    return s.translate(_XML)


#: The column titles of tshark's default packet list, in order (column_parts' order).
COLUMN_TITLES = ("No.", "Time", "Source", "Destination", "Protocol", "Length", "Info")


def pdml_preamble(capture_file: str | None) -> str:
    """The XML head tshark writes before the first packet: the run's local time (asctime),
    the capture's name as given."""
    now = time.asctime(time.localtime())
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<?xml-stylesheet type="text/xsl" href="pdml2html.xsl"?>\n'
            "<!-- You can find pdml2html.xsl in /usr/share/wireshark or at "
            "https://gitlab.com/wireshark/wireshark/-/raw/master/pdml2html.xsl. -->\n"
            f'<pdml version="0" creator="{CREATOR}" time="{now}" capture_file="'
            f'{xml_escape(capture_file or "")}">\n')


def _hex_value(pkt: Packet, it: Item) -> str:
    """The item's bytes as bare hex; tshark's complaint when they run past the data."""
    if it.source >= len(pkt.sources):
        return ""
    data = pkt.sources[it.source][1]
    if it.length > len(data) - it.offset:
        return "field length invalid!"
    return bytes(data[it.offset:it.offset + it.length]).hex()


def _showname(it: Item) -> str:
    """The item's tree label, without the brackets -V puts round a generated one."""
    text = label(it)
    return text[1:-1] if it.generated else text


def _bytes_proto(it: Item) -> bool:
    """A sub-protocol inside another's tree (`tcp.options.mss`): tshark's field of bytes,
    as its JSON value (json_ek's proto_bytes) says."""
    f = it.field
    return "." in f.abbrev and it.length > 0 and not (
        f.protocol is not None and f.protocol.valueless)


def _masked(it: Item) -> str:
    """A bitfield's value as tshark's PDML writes it: upper-case hex, no padding."""
    v = it.value
    if isinstance(v, bool):
        v = int(v)
    if not isinstance(v, int):
        return ""
    return f"{v & 0xFFFFFFFFFFFFFFFF if v < 0 else v:X}"


class _Writer:
    """One packet's PDML lines (the recursion of proto_tree_write_node_pdml)."""

    def __init__(self, pkt: Packet, lf: LayerFilter | None, out: list[str]) -> None:
        self.pkt = pkt
        self.names = lf.names if lf is not None else None
        self.expand = lf.expand if lf is not None else False
        self.out = out

    def node(self, it: Item, parent: Item | None, level: int) -> None:
        f = it.field
        w = self.out.append
        is_proto = f is not None and f.type is FT.PROTOCOL and not _bytes_proto(it)
        is_data = is_proto and f is not None and f.abbrev == "data"
        wrap = level == 0 and (not is_proto or is_data)
        w("  " * (level + 1))
        if wrap:
            w('<proto name="fake-field-wrapper">\n')
            level += 1
            w("  " * (level + 1))
        pos = it.offset
        if parent is not None and it.offset < parent.offset:
            pos = parent.offset + it.offset
        kids = it.children
        if f is None:  # a text item: a field with no name
            w(f'<field name="" show="{xml_escape(text_label(it))}" size="{it.length}" '
              f'pos="{pos}')
            if it.length > 0:
                w(f'" value="{_hex_value(self.pkt, it)}')
            w('">\n' if kids else '"/>\n')
        elif is_data:
            w(f'<field name="data" value="{_hex_value(self.pkt, it)}">\n')
        else:
            w('<proto name="' if is_proto and f.abbrev != "_ws.expert" else '<field name="')
            w(xml_escape(f.abbrev) + '" showname="' + xml_escape(_showname(it)))
            if it.hidden:
                w('" hide="yes')
            size = it.length
            if is_proto and it.source < len(self.pkt.sources):
                # a protocol's item holds what was captured of it (a header cut by the
                # capture: tshark shortens the item, it does not fail)
                size = max(0, min(size, len(self.pkt.sources[it.source][1]) - it.offset))
            w(f'" size="{size}" pos="{pos}')
            t = f.type
            if t is FT.NONE:
                w('" show="" value="')
            elif not is_proto:
                show = item_value(it) if t is not FT.PROTOCOL else proto_bytes(self.pkt, it)
                w('" show="' + xml_escape(show))
                if it.length > 0:
                    if f.bitmask:
                        w(f'" value="{_masked(it)}" unmaskedvalue="'
                          + _hex_value(self.pkt, it))
                    else:
                        w('" value="' + _hex_value(self.pkt, it))
            w('">\n' if kids else '"/>\n')
        if kids:
            abbrev = "text" if f is None else f.abbrev
            if self.names is None or abbrev in self.names:
                names = self.names
                if self.expand:
                    self.names = None
                for kid in kids:
                    self.node(kid, it, level + 1)
                self.names = names
            else:
                w("  " * (level + 2) + f'<field name="filtered" value="{xml_escape(abbrev)}" />\n')
        if wrap:
            level -= 1
        if kids:
            w("  " * (level + 1))
            w("</proto>\n" if is_proto and not is_data and f is not None
              and f.abbrev != "_ws.expert" else "</field>\n")
        if wrap:
            w("  " * (level + 1) + "</proto>\n")


def _geninfo(pkt: Packet, out: list[str]) -> None:
    """The `geninfo` pseudo-protocol PDML puts before `frame` (its number, lengths and
    time), sized as the frame item is."""
    frame = next((t for t in pkt.tree if t.field is not None and t.field.abbrev == "frame"),
                 None)
    if frame is None:
        return
    size = frame.length
    num = pkt.frame.number
    length = pkt.frame.origlen
    cap = len(pkt.sources[0][1]) if pkt.sources else 0
    secs, frac = divmod(pkt.frame.ts_ns, NS)
    when = next((field_text(i.field, i.value) for i in pkt.index.get("frame.time", ())), "")
    out.append(f'  <proto name="geninfo" pos="0" showname="General information" '
               f'size="{size}">\n'
               f'    <field name="num" pos="0" show="{num}" showname="Number" '
               f'value="{num:x}" size="{size}"/>\n'
               f'    <field name="len" pos="0" show="{length}" showname="Frame Length" '
               f'value="{length:x}" size="{size}"/>\n'
               f'    <field name="caplen" pos="0" show="{cap}" showname="Captured Length" '
               f'value="{cap:x}" size="{size}"/>\n'
               f'    <field name="timestamp" pos="0" show="{when}" showname="Captured Time" '
               f'value="{_c_int(secs)}.{frac:09d}" size="{size}"/>\n'
               "  </proto>\n")


def _c_int(v: int) -> int:
    """The seconds as tshark prints them, through a C int."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def pdml_packet(pkt: Packet, lf: LayerFilter | None = None,
                fields: list[str] | None = None, column: Any = None) -> str:
    """One `<packet>` element and the blank lines tshark follows it with. With `-e`,
    only those fields, `<field name= value=/>` per occurrence."""
    out = ["<packet>\n"]
    _geninfo(pkt, out)
    if fields:
        from analyzer.output.json_ek import field_values

        for name in dict.fromkeys(fields):
            for v in field_values(pkt, name, column):
                out.append(f'  <field name="{xml_escape(name)}" value="{xml_escape(v)}"/>\n')
    else:
        writer = _Writer(pkt, lf, out)
        for top in pkt.tree:
            writer.node(top, None, 0)
    out.append("</packet>\n\n\n")
    return "".join(out)


class PdmlOutput(Output):
    """`-T pdml`: the head, a `<packet>` per packet shown, `</pdml>`."""

    def __init__(self, opts: Job, fields_printer: Any, out: TextIO) -> None:
        super().__init__(opts, fields_printer, out)
        self.layer_filter = LayerFilter.from_options(getattr(opts, "layer_filter", None))
        self.started = False

    def _start(self) -> None:
        if not self.started:
            self.started = True
            self.out.write(pdml_preamble(self.opts.path))

    def packet(self, pkt: Packet) -> None:
        self._start()
        col = self.fields.column if self.fields else None
        self.out.write(pdml_packet(pkt, self.layer_filter, self.opts.fields, col))

    def close(self) -> None:
        self._start()
        self.out.write("</pdml>\n")


class PsmlOutput(Output):
    """`-T psml`: the column titles, then each packet's columns."""

    def __init__(self, opts: Job, fields_printer: Any, out: TextIO) -> None:
        super().__init__(opts, fields_printer, out)
        self.started = False

    def _start(self) -> None:
        if not self.started:
            self.started = True
            self.out.write(f'<?xml version="1.0" encoding="utf-8"?>\n'
                           f'<psml version="0" creator="{CREATOR}">\n<structure>\n'
                           + "".join(f"<section>{t}</section>\n" for t in COLUMN_TITLES)
                           + "</structure>\n\n")

    def packet(self, pkt: Packet) -> None:
        self._start()
        cols = column_parts(pkt, self.opts.time_format)
        self.out.write("<packet>\n" + "".join(f"<section>{xml_escape(c)}</section>\n"
                                              for c in cols) + "</packet>\n\n")

    def close(self) -> None:
        self._start()
        self.out.write("</psml>\n")
