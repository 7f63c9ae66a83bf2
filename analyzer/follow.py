"""`-z follow,PROTO,MODE,STREAM[,RANGE]`: tshark 4.0's follow stream, byte for byte.

The generic driver and tshark's printer (ui/cli/tap-follow.c): which stream the
argument names, who is Node 0 and Node 1, the chunk range and the output modes.
What a protocol's stream holds is the protocol's (its follower, registered with
`dissectors.offers.register_follow`: tcp.py's follow_tcp_tap_listener in
tcp_follow.py, udp.py's, http_follow.py, tftp_follow.py, ipmsg.py's); tftp and ipmsg
are labshark's own (tshark has neither), in the same layout.

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
from dissectors.offers import FOLLOW, Follower, FollowSpec
from dissectors.packet import Item, Packet

SEPARATOR = "=" * 67 + "\n"
_MODES = ("hex", "ascii", "ebcdic", "raw", "yaml")
_UNSUPPORTED = ("http2", "quic", "sip", "dccp")


def _supported_text() -> str:
    """The transports, then the protocols over each (those whose stream shows data
    first), in registration order: "tcp, udp, http, tls, tftp, ipmsg"."""
    return ", ".join(sorted(FOLLOW, key=lambda n: (
        FOLLOW[n].transport != n, FOLLOW[n].transport, FOLLOW[n].follower is None)))
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
        raise _fail(f"{name} is not supported by labshark (supported: {_supported_text()}).")
    # Longest first: a name must not swallow a longer one it starts ("http" of "http2").
    proto = next((p for p in sorted(FOLLOW, key=len, reverse=True) if rest.startswith(p)),
                 None)
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


@dataclass
class FollowTap:
    """One `-z follow,...`: the protocol's follower emits the chunks into `records`,
    `text()` prints them as tshark does (this is the follower's FollowStream)."""

    tshark_tree = True  # (tshark's listener needs the protocol tree: setup.tshark_builds_tree)
    arg: str
    args: _Args = field(init=False)
    spec: FollowSpec = field(init=False)
    records: list[_Record] = field(default_factory=list)
    client: tuple[bytes, int] | None = None
    server: tuple[bytes, int] | None = None
    encoding: str | None = None  # --encoding: ascii mode decodes the data from it
    follower: Follower | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.args = parse_follow_arg(self.arg)
        self.spec = FOLLOW[self.args.proto]
        self.follower = self.spec.follower(self) if self.spec.follower else None

    # -- the FollowStream a follower sees ---------------------------------------------

    def selected(self, pkt: Packet, fields: dict[str, Item]) -> bool:
        """By the stream index, or by both ends' address and port, either way round."""
        proto = self.spec.transport
        if self.args.stream is not None:
            st = fields.get(f"{proto}.stream")
            return st is not None and st.value == self.args.stream
        sp, dp = fields.get(f"{proto}.srcport"), fields.get(f"{proto}.dstport")
        if sp is None or dp is None:
            return False
        assert self.args.addrs is not None
        (a0, p0), (a1, p1) = self.args.addrs
        here = ((pkt.net_src, sp.value), (pkt.net_dst, dp.value))
        return here in (((a0, p0), (a1, p1)), ((a1, p1), (a0, p0)))

    def is_server(self, pkt: Packet, sport: int, dport: int) -> bool:
        if self.client is None:
            self.client = (pkt.net_src, sport)
            self.server = (pkt.net_dst, dport)
        return self.client != (pkt.net_src, sport)

    def emit(self, is_server: bool, number: int, ts_ns: int, data: bytes) -> None:
        self.records.append(_Record(is_server, number, ts_ns, data))

    def packet(self, pkt: Packet) -> None:
        if self.follower is not None:
            # A layer quoted inside an ICMP error hangs below ICMP's tree: tshark taps
            # nothing for it (pinfo->flags.in_error_pkt).
            self.follower.packet(pkt, {id(item) for item in pkt.tree})

    # -- printing (ui/cli/tap-follow.c follow_draw) -------------------------------

    def _filter_text(self) -> str:
        a = self.args
        proto = self.spec.transport
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
        if self.spec.filter_prefix:
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
        whole = not self.spec.byte_stream
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


register("follow,", build, report, tuple(f"follow,{p}" for p in FOLLOW))
