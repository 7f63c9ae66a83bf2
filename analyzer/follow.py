"""`-z follow,PROTO,MODE,STREAM[,RANGE]`: tshark 4.0's follow stream, byte for byte.

tcp and udp reproduce tshark's taps (epan/dissectors/packet-tcp.c, packet-udp.c) and
its printer (ui/cli/tap-follow.c): the TCP tap puts segments in sequence order,
drops what was already seen (retransmissions), holds out-of-order segments until the
gap fills and, when the peer acknowledges bytes the capture lacks, writes tshark's
`[N bytes missing in capture file]` marker (with its trailing NUL, as tshark does).

tftp and ipmsg are labshark's own (tshark has neither): the same layout, one block
per TFTP DATA block (each block once, in block order) or per IPMSG message text.

Like every tap, follow sees all packets whatever `-Y` keeps (tshark does the same).

`--encoding ENC` (labshark's own) shows the ascii mode's text decoded from ENC (the
course's chat programs send GBK) instead of a dot per non-ASCII byte; control
characters and bytes that do not decode stay dots, as in tshark's ascii mode.
"""

from __future__ import annotations

import base64
import codecs
import re
import socket
import unicodedata
from dataclasses import dataclass, field

from analyzer.errors import UsageError
from analyzer.stats.taps import register
from dissectors.http import http_follow_extras
from dissectors.packet import Item, Packet

SEPARATOR = "=" * 67 + "\n"
_MODES = ("hex", "ascii", "ebcdic", "raw", "yaml")
# Longest first: "http" must not swallow "http2".
_PROTOS = ("ipmsg", "http", "tftp", "tcp", "udp", "tls")
_UNSUPPORTED = ("http2", "quic", "sip", "dccp")
_SUPPORTED_TEXT = "tcp, udp, http, tls, tftp, ipmsg"
# What tshark 4.0 prints for each byte in ebcdic mode, measured over all 256 values
# (tests/test_follow_more.py). It is neither cp037 nor cp500 (102 bytes differ):
# letters come out as dots and 0x20-0x3f mostly as themselves (as if the table were
# applied twice); only LF and CR survive as control characters.
_EBCDIC_SHOWN = (
    '..........\n..\r..................'
    ' !"#$%&\'()*+,-./..23456789:;<=.?'
    ' ...........<(+|&.........!$*);^'
    "-/........|,%_>?..........:#@'=."
    '................................'
    '................................'
    '................................'
    '................................'
)
assert len(_EBCDIC_SHOWN) == 256
_M32 = 0xFFFFFFFF


def _fail(msg: str) -> UsageError:
    """tshark's follow_exit: `tshark: follow - MSG` on stderr, exit 1."""
    return UsageError(f"follow - {msg}")


def _lt(a: int, b: int) -> bool:
    """LT_SEQ: sequence comparison modulo 2**32."""
    d = (a - b) & _M32
    return d != 0 and d >= 0x80000000


def _gt(a: int, b: int) -> bool:
    return _lt(b, a)


def _addr_str(addr: bytes) -> str:
    if len(addr) == 4:
        return socket.inet_ntop(socket.AF_INET, addr)
    if len(addr) == 16:
        return socket.inet_ntop(socket.AF_INET6, addr)
    return ""


@dataclass(slots=True)
class _Record:
    is_server: bool
    number: int
    ts_ns: int
    data: bytes
    seq: int = 0


@dataclass
class _Args:
    proto: str
    mode: str
    stream: int | None = None
    addrs: tuple[tuple[bytes, int], tuple[bytes, int]] | None = None
    chunk_min: int = 1
    chunk_max: int = _M32


_UINT = re.compile(r"\s*[+-]?\d+")


def _scan_uint(s: str, pos: int) -> tuple[int, int] | None:
    """C's `%u` at `pos`: (value mod 2**32, end) or None."""
    m = _UINT.match(s, pos)
    if m is None:
        return None
    return int(m.group()) & _M32, m.end()


def _host_port(s: str, pos: int) -> tuple[bytes, int, int] | None:
    """`,host:port` or `,[v6host]:port` at `pos`: (address, port, end)."""
    m = re.compile(r",\[([^\]]+)\]:\s*([+-]?\d+)").match(s, pos)
    family = socket.AF_INET6
    if m is None:
        m = re.compile(r",([^:]+):\s*([+-]?\d+)").match(s, pos)
        family = socket.AF_INET
    if m is None:
        return None
    try:
        addr = socket.inet_pton(family, m.group(1))
    except OSError:
        return None
    return addr, int(m.group(2)), m.end()


def parse_follow_arg(arg: str) -> _Args:
    """Parse as tshark 4.0's follow_stream_cb: type, mode, stream or peers, range."""
    rest = arg[len("follow,"):]
    name = rest.split(",", 1)[0]
    if name in _UNSUPPORTED:
        raise _fail(f"{name} is not supported by labshark (supported: {_SUPPORTED_TEXT}).")
    proto = next((p for p in _PROTOS if rest.startswith(p)), None)
    if proto is None:
        raise UsageError(f'Invalid -z argument "{arg}"')
    s = rest[len(proto):]
    mode = next((m for m in _MODES if s.startswith("," + m)), None)
    if mode is None:
        raise _fail("Invalid display mode.")
    pos = len(mode) + 1
    out = _Args(proto, mode)
    got = _scan_uint(s, pos + 1) if s.startswith(",", pos) else None
    if got is not None and (got[1] == len(s) or s[got[1]] == ","):
        out.stream, pos = got
        if out.stream > 0x7FFFFFFF:  # tshark builds "tcp.stream eq -1" and fails
            raise _fail("Error registering tap listener.")
    else:
        peers = []
        for _ in range(2):
            hp = _host_port(s, pos)
            if hp is None:
                raise _fail("Invalid address.")
            peers.append((hp[0], hp[1]))
            pos = hp[2]
        if len(peers[0][0]) != len(peers[1][0]):
            raise _fail("Mismatched IP address types.")
        out.addrs = (peers[0], peers[1])
    if pos < len(s):
        m = re.compile(r",\s*([+-]?\d+)-\s*([+-]?\d+)").match(s, pos)
        if m is not None:
            out.chunk_min, out.chunk_max = int(m.group(1)) & _M32, int(m.group(2)) & _M32
            pos = m.end()
        else:
            got = _scan_uint(s, pos + 1) if s.startswith(",", pos) else None
            if got is None:
                raise _fail("Invalid range.")
            out.chunk_min = out.chunk_max = got[0]
            pos = got[1]
        if out.chunk_min < 1 or out.chunk_min > out.chunk_max:
            raise _fail("Invalid range value.")
    if pos < len(s):
        raise _fail("Invalid parameter.")
    return out


def _children(item: Item) -> dict[str, Item]:
    """A layer's fields by abbrev (first occurrence), one level and their subtrees."""
    out: dict[str, Item] = {}
    stack = list(reversed(item.children or []))
    while stack:
        it = stack.pop()
        if it.field is not None:  # text-only items carry no field
            out.setdefault(it.field.abbrev, it)
        if it.children:
            stack.extend(reversed(it.children))
    return out


@dataclass
class FollowTap:
    """One `-z follow,...`: collects the records, `text()` prints them as tshark does."""

    arg: str
    args: _Args = field(init=False)
    records: list[_Record] = field(default_factory=list)
    client: tuple[bytes, int] | None = None
    server: tuple[bytes, int] | None = None
    seq: list[int] = field(default_factory=lambda: [0, 0])
    frags: list[list[_Record]] = field(default_factory=lambda: [[], []])
    tftp_blocks: set[int] = field(default_factory=set)
    tftp_requests: set[int] = field(default_factory=set)
    encoding: str | None = None  # --encoding: ascii mode decodes the data from it

    def __post_init__(self) -> None:
        self.args = parse_follow_arg(self.arg)

    # -- selecting packets -------------------------------------------------------

    def _peers_match(self, pkt: Packet, sport: int, dport: int) -> bool:
        assert self.args.addrs is not None
        (a0, p0), (a1, p1) = self.args.addrs
        here = ((pkt.net_src, sport), (pkt.net_dst, dport))
        return here in (((a0, p0), (a1, p1)), ((a1, p1), (a0, p0)))

    def _layer_selected(self, pkt: Packet, kids: dict[str, Item], proto: str) -> bool:
        if self.args.stream is not None:
            st = kids.get(f"{proto}.stream")
            return st is not None and st.value == self.args.stream
        sp, dp = kids.get(f"{proto}.srcport"), kids.get(f"{proto}.dstport")
        return sp is not None and dp is not None and self._peers_match(pkt, sp.value, dp.value)

    def _is_server(self, pkt: Packet, sport: int, dport: int) -> bool:
        if self.client is None:
            self.client = (pkt.net_src, sport)
            self.server = (pkt.net_dst, dport)
        return self.client != (pkt.net_src, sport)

    def packet(self, pkt: Packet) -> None:
        proto = self.args.proto
        # A layer quoted inside an ICMP error hangs below ICMP's tree: tshark taps
        # nothing for it (pinfo->flags.in_error_pkt).
        top = {id(item) for item in pkt.tree}
        if proto == "tcp":
            for layer in pkt.index.get("tcp", ()):
                if id(layer) in top:
                    self._tcp(pkt, layer)
        elif proto == "http":
            self._http(pkt, top)
        elif proto == "tls":
            return  # labshark decrypts no TLS: tshark without keys shows an empty stream
        elif proto in ("udp", "tftp"):
            for layer in pkt.index.get("udp", ()):
                if id(layer) in top:
                    self._udp(pkt, layer)
        else:
            self._ipmsg(pkt)

    # -- UDP, TFTP, IPMSG --------------------------------------------------------

    def _udp(self, pkt: Packet, layer: Item) -> None:
        kids = _children(layer)
        if "udp.stream" not in kids:
            return
        selected = self._layer_selected(pkt, kids, "udp")
        if self.args.proto == "tftp":
            self._tftp(pkt, kids, selected)
            return
        if not selected:
            return
        sport, dport = kids["udp.srcport"].value, kids["udp.dstport"].value
        pl = kids.get("udp.payload")
        if pl is None:
            return  # tshark taps no empty datagram (it does not even pick Node 0 from it)
        data = bytes(pl.value)
        server = self._is_server(pkt, sport, dport)
        self.records.append(_Record(server, pkt.frame.number, pkt.frame.ts_ns, data))

    def _tftp(self, pkt: Packet, kids: dict[str, Item], selected: bool) -> None:
        """DATA blocks of the transfer, each block once (a retransmission adds nothing).

        The transfer is the DATA packets' UDP stream, or the one answering a read or
        write request on the given stream (the request goes to port 69, the data not).
        """
        ops = pkt.index.get("tftp.opcode", ())
        if not ops:
            return
        if ops[0].value in (1, 2):
            if selected:
                self.tftp_requests.add(pkt.frame.number)
            return
        req = pkt.index.get("tftp.request_frame", ())
        if ops[0].value != 3 or not (
                selected or (req and req[0].value in self.tftp_requests)):
            return
        blocks = pkt.index.get("tftp.block.full") or pkt.index.get("tftp.block") or ()
        block = blocks[0].value if blocks else -1
        server = self._is_server(pkt, kids["udp.srcport"].value, kids["udp.dstport"].value)
        if block in self.tftp_blocks:
            return
        self.tftp_blocks.add(block)
        pl = kids.get("udp.payload")
        data = bytes(pl.value)[4:] if pl is not None else b""  # after opcode and block
        self.records.append(_Record(server, pkt.frame.number, pkt.frame.ts_ns, data))

    def _ipmsg(self, pkt: Packet) -> None:
        """One record per message text sent between the two peers."""
        msgs = pkt.index.get("ipmsg.msg", ())
        udps = pkt.index.get("udp", ())
        if not msgs or not udps:
            return
        kids = _children(udps[0])
        if "udp.stream" not in kids or not self._layer_selected(pkt, kids, "udp"):
            return
        sport, dport = kids["udp.srcport"].value, kids["udp.dstport"].value
        server = self._is_server(pkt, sport, dport)
        for m in msgs:
            if self.encoding:  # the bytes as sent, for --encoding to decode
                text = bytes(pkt.sources[m.source][1][m.offset: m.offset + m.length])
            else:
                text = str(m.value).encode("utf-8", "replace")
            self.records.append(_Record(server, pkt.frame.number, pkt.frame.ts_ns, text))

    # -- HTTP (packet-http.c's http_follow tap) -------------------------------------

    def _http(self, pkt: Packet, top: set[int]) -> None:
        """Per HTTP message two records: its first line and headers, then its body.

        The body is what HTTP hands on (de-chunked, uncompressed); a message without
        a body (HEAD, 204, 304) gives no body record. Data that starts no message
        (a continuation) gives an empty header record and the data.
        """
        # http.py notes what tshark's tap sees apart from the tree: bytes tapped with no
        # HTTP layer (data before any request), layers not tapped (binary continuation).
        tapped, untapped = http_follow_extras(pkt)
        layers = [lay for lay in pkt.index.get("http", ()) if id(lay) not in untapped]
        tcps = [t for t in pkt.index.get("tcp", ()) if id(t) in top]
        if not (layers or tapped) or not tcps:
            return
        kids = _children(tcps[0])
        if "tcp.stream" not in kids or not self._layer_selected(pkt, kids, "tcp"):
            return
        sport, dport = kids["tcp.srcport"].value, kids["tcp.dstport"].value
        for layer in layers:
            head, body = _http_parts(pkt, layer)
            for data in (head, body):
                if data is not None:
                    server = self._is_server(pkt, sport, dport)
                    self.records.append(_Record(server, pkt.frame.number, pkt.frame.ts_ns,
                                                data))
        for data in tapped:
            server = self._is_server(pkt, sport, dport)
            self.records.append(_Record(server, pkt.frame.number, pkt.frame.ts_ns, data))

    # -- TCP (packet-tcp.c follow_tcp_tap_listener) -------------------------------

    def _tcp(self, pkt: Packet, layer: Item) -> None:
        kids = _children(layer)
        need = ("tcp.len", "tcp.seq", "tcp.hdr_len", "tcp.flags", "tcp.stream")
        if any(k not in kids for k in need) or kids["tcp.hdr_len"].value < 20:
            return  # no segment length (quoted by ICMP, bogus header): tshark taps nothing
        if not self._layer_selected(pkt, kids, "tcp"):
            return
        seglen = kids["tcp.len"].value
        start = layer.offset + kids["tcp.hdr_len"].value
        src = pkt.sources[layer.source][1]
        payload = bytes(src[start: start + seglen])
        flags = kids["tcp.flags"].value
        ack = kids["tcp.ack"].value if "tcp.ack" in kids else 0
        sport, dport = kids["tcp.srcport"].value, kids["tcp.dstport"].value
        self._tcp_segment(pkt, sport, dport, kids["tcp.seq"].value, seglen, flags, ack,
                          payload)

    def _tcp_segment(self, pkt: Packet, sport: int, dport: int, sequence: int, length: int,
                     flags: int, ack: int, data: bytes) -> None:
        if flags & 0x02:
            sequence = (sequence + 1) & _M32
        server = self._is_server(pkt, sport, dport)
        s = int(server)
        num = pkt.frame.number
        if self.frags[1 - s]:
            while self._check_frags(1 - s, ack, num, pkt.frame.ts_ns, True):
                pass
        if self.seq[s] == 0:
            self.seq[s] = sequence
        offset = 0
        if _lt(sequence, self.seq[s]):
            nextseq = (sequence + length) & _M32
            if _gt(nextseq, self.seq[s]):
                offset = (self.seq[s] - sequence) & _M32
                data = data[offset:] if len(data) > offset else b""
                sequence = self.seq[s]
                length = (nextseq - self.seq[s]) & _M32
        if not data or _lt(sequence, self.seq[s]):
            return
        rec = _Record(server, num, pkt.frame.ts_ns, data, sequence)
        if sequence == self.seq[s]:
            self.seq[s] = (self.seq[s] + length) & _M32
            self.records.append(rec)
            while self._check_frags(s, 0, num, pkt.frame.ts_ns, False):
                pass
        else:
            self.frags[s].append(rec)

    def _check_frags(self, s: int, acked: int, num: int, ts_ns: int, use_ack: bool) -> bool:
        """packet-tcp.c check_follow_fragments: one step of filling the gap."""
        frags = self.frags[s]
        if not frags:
            return False
        lowest = frags[0].seq
        for i, frag in enumerate(frags):
            if _gt(lowest, frag.seq):
                lowest = frag.seq
            if _lt(frag.seq, self.seq[s]):
                newseq = (frag.seq + len(frag.data)) & _M32
                if _gt(newseq, self.seq[s]):
                    new_pos = (self.seq[s] - frag.seq) & _M32
                    if len(frag.data) > new_pos:
                        self.records.append(_Record(frag.is_server, frag.number, frag.ts_ns,
                                                    frag.data[new_pos:]))
                    self.seq[s] = (self.seq[s] + len(frag.data) - new_pos) & _M32
                del frags[i]
                return True
            if frag.seq == self.seq[s]:
                if frag.data:
                    self.records.append(frag)
                self.seq[s] = (self.seq[s] + len(frag.data)) & _M32
                del frags[i]
                return True
        if use_ack and _gt(acked, lowest):
            missing = (lowest - self.seq[s]) & _M32
            if missing >= 0x80000000:
                missing -= 1 << 32
            dummy = f"[{missing} bytes missing in capture file]".encode() + b"\0"
            self.records.append(_Record(bool(s), num, 0, dummy, lowest))  # tshark: no time
            self.seq[s] = lowest
            return True
        return False

    # -- printing (ui/cli/tap-follow.c follow_draw) -------------------------------

    def _filter_text(self) -> str:
        a = self.args
        proto = "udp" if a.proto in ("udp", "tftp", "ipmsg") else "tcp"  # http, tls: tcp
        if a.stream is not None:
            text = f"{proto}.stream eq {a.stream}"
        else:
            assert a.addrs is not None
            (h0, p0), (h1, p1) = a.addrs
            v = "v6" if len(h0) == 16 else ""
            s0, s1 = _addr_str(h0), _addr_str(h1)
            text = (f"((ip{v}.src eq {s0} and {proto}.srcport eq {p0}) and "
                    f"(ip{v}.dst eq {s1} and {proto}.dstport eq {p1})) or "
                    f"((ip{v}.src eq {s1} and {proto}.srcport eq {p1}) and "
                    f"(ip{v}.dst eq {s0} and {proto}.dstport eq {p0}))")
        if a.proto in ("tftp", "ipmsg"):
            text = f"{a.proto} and ({text})"
        return text

    @staticmethod
    def _node(n: int, peer: tuple[bytes, int] | None) -> str:
        addr, port = peer if peer is not None else (b"", 0)
        host = _addr_str(addr)
        return f"Node {n}: [{host}]:{port}\n" if len(addr) == 16 else f"Node {n}: {host}:{port}\n"

    def text(self) -> str:
        a = self.args
        if a.mode == "yaml":
            return self._yaml()
        out = [f"\n{SEPARATOR}", f"Follow: {a.proto},{a.mode}\n",
               f"Filter: {self._filter_text()}\n",
               self._node(0, self.client), self._node(1, self.server)]
        pos = [0, 0]
        # A character split between two segments of a TCP stream decodes whole:
        # one decoder per direction; datagrams are decoded each on its own.
        decoders = [_decoder(self.encoding), _decoder(self.encoding)] if (
            self.encoding and a.mode == "ascii") else None
        whole = a.proto not in ("tcp", "http")
        for chunk, rec in enumerate(self.records, 1):
            s = int(rec.is_server)
            if chunk < a.chunk_min or chunk > a.chunk_max:
                pos[s] += len(rec.data)
                if decoders is not None:
                    decoders[s].decode(rec.data, whole)
                continue
            tab = "\t" if rec.is_server else ""
            if a.mode == "hex":
                out.append(_hexdump(tab, pos[s], rec.data))
                pos[s] += len(rec.data)
            elif decoders is not None:
                text = _shown(decoders[s].decode(rec.data, whole))
                out.append(f"{tab}{len(rec.data)}\n{text}\n")
            elif a.mode == "ascii":
                text = "".join(chr(c) if 0x20 <= c < 0x7F or c in (10, 13) else "."
                               for c in rec.data)
                out.append(f"{tab}{len(rec.data)}\n{text}\n")
            elif a.mode == "ebcdic":
                text = "".join(_EBCDIC_SHOWN[c] for c in rec.data)
                out.append(f"{tab}{len(rec.data)}\n{text}\n")
            else:
                out.append(f"{tab}{rec.data.hex()}\n")
        out.append(SEPARATOR)
        return "".join(out)

    def _yaml(self) -> str:
        out = ["peers:\n"]
        for n, peer in enumerate((self.client, self.server)):
            addr, port = peer if peer is not None else (b"", 0)
            out.append(f"  - peer: {n}\n    host: {_addr_str(addr)}\n    port: {port}\n")
        out.append("packets:\n")
        for chunk, rec in enumerate(self.records, 1):
            if chunk < self.args.chunk_min or chunk > self.args.chunk_max:
                continue
            secs, nsecs = divmod(rec.ts_ns, 1_000_000_000)
            out.append(f"  - packet: {rec.number}\n    peer: {int(rec.is_server)}\n"
                       f"    timestamp: {float(secs) + nsecs / 1e9:.9f}\n"
                       "    data: !!binary |\n")
            for i in range(0, len(rec.data), 57):
                out.append(f"      {base64.b64encode(rec.data[i:i + 57]).decode()}\n")
        return "".join(out)


def _http_parts(pkt: Packet, layer: Item) -> tuple[bytes, bytes | None]:
    """(start line and headers, body or None) of one HTTP layer, from its tree."""
    src = pkt.sources[layer.source][1]
    msg = bytes(src[layer.offset: layer.offset + layer.length])
    kids = layer.children or []
    body_item = next((k for k in kids if k.field is not None
                      and k.field.abbrev == "http.file_data"), None)
    if not any(k.field is not None and k.field.abbrev in ("http.request", "http.response")
               for k in kids):
        return b"", msg  # a continuation: no headers, all of it body
    pos = 0
    while True:  # up to and with the empty line ending the headers
        lf = msg.find(b"\n", pos)
        if lf < 0:
            pos = len(msg)
            break
        line = msg[pos:lf]
        pos = lf + 1
        if line in (b"", b"\r"):
            break
    body = None
    if body_item is not None:
        bsrc = pkt.sources[body_item.source][1]
        body = bytes(bsrc[body_item.offset: body_item.offset + body_item.length])
    return msg[:pos], body


def _dots(err: UnicodeError) -> tuple[str, int]:
    """Bytes that do not decode show as dots, one per byte (tshark's ascii mode)."""
    assert isinstance(err, UnicodeDecodeError)
    return "." * (err.end - err.start), err.end


codecs.register_error("labshark.follow-dots", _dots)


def check_encoding(name: str) -> str:
    """The codec's name for `--encoding NAME`; ValueError when Python has no such codec
    or it does not decode bytes to text (e.g. base64)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{name!r} is not a text encoding")
    return info.name


def _decoder(name: str | None) -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder(name or "ascii")(errors="labshark.follow-dots")


def _shown(text: str) -> str:
    """Decoded text as the ascii mode shows it: LF and CR kept, every other control or
    format character (and any unassigned one) a dot, so no escape reaches a terminal."""
    return "".join(c if c in "\n\r" or unicodedata.category(c)[0] != "C" else "."
                   for c in text)


def _hexdump(prefix: str, offset: int, data: bytes) -> str:
    """follow_print_hex: 16 bytes a line, offsets per direction, ASCII column."""
    lines = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        hexpart = " ".join(f"{c:02x}" for c in chunk[:8])
        if len(chunk) > 8:
            hexpart += "  " + " ".join(f"{c:02x}" for c in chunk[8:])
        asc = "".join(chr(c) if 0x20 <= c < 0x7F else "." for c in chunk[:8])
        if len(chunk) >= 8:
            asc += " " + "".join(chr(c) if 0x20 <= c < 0x7F else "." for c in chunk[8:])
        if asc.endswith(" "):
            asc = asc[:-1]  # tshark drops the line's last column when it is a space
        lines.append(f"{prefix}{offset + i:08X}  {hexpart:<50s}{asc}\n")
    return "".join(lines)


def build(args: list[str]) -> list[FollowTap]:
    return [FollowTap(a) for a in args]


def report(taps: list[FollowTap]) -> str:
    """tshark draws the follow taps last registered first."""
    return "".join(t.text() for t in reversed(taps))


register("follow,", build, report, tuple(f"follow,{p}" for p in _PROTOS))
