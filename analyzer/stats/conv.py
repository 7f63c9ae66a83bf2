"""`-z conv,TYPE[,FILTER]` and `-z endpoints,TYPE[,FILTER]` for the conversation types the
protocols register (`dissectors.offers.register_conversation`: eth, ip, ipv6, tcp, udp,
sll).

Byte for byte tshark 4.0's `ui/cli/tap-iousers.c` and `tap-endpoints.c`: a conversation is
keyed by its two (address, port) ends (and the TCP or UDP stream), its first packet's source is
the left end ("->" counts what the left end sent); rows are sorted by total frames, largest
first, ties in order of first sighting. Like tshark's taps these see every dissected packet
whatever `-Y` keeps, and only the layers at the top of the tree (never the copy of a
packet that an ICMP error quotes).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from typing import Any

from analyzer.stats.taps import TapArgError, register
from dissectors.ipv6_routing import routed_dst
from dissectors.offers import CONVERSATIONS, untapped
from dissectors.packet import Item, Packet

_RULE = "=" * 80 + "\n"
#: The cells of a row, as the rich table heads them (the plain text has its own header).
CONV_COLUMNS = ("Address A", "Address B", "<- Frames", "<- Bytes", "-> Frames", "-> Bytes",
                "Frames", "Bytes", "Rel Start", "Duration")
_ENDPOINT_COUNTS = ("Packets", "Bytes", "Tx Packets", "Tx Bytes", "Rx Packets", "Rx Bytes")


def _reads() -> frozenset[str]:
    """The items _ends reads (the registered address fields): what a tree-less
    dissection makes for these taps."""
    return frozenset({f for c in CONVERSATIONS.values()
                      for f in (*c.src.split("|"), c.dst, c.stream) if f}
                     | {"ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.stream"})


def _addr(value: Any) -> str:
    """An address as tshark prints it with -n."""
    if isinstance(value, int):
        return str(ipaddress.IPv4Address(value))
    if isinstance(value, (bytes, bytearray)):
        if len(value) == 6:
            return ":".join(f"{b:02x}" for b in value)
        if len(value) == 16:
            return str(ipaddress.IPv6Address(bytes(value)))
        if len(value) == 4:
            return str(ipaddress.IPv4Address(bytes(value)))
    return str(value)


def format_size(size: int) -> str:
    """wsutil's format_size(FORMAT_SIZE_UNIT_BYTES | PREFIX_SI): "999 bytes", "45 kB"."""
    for power, prefix in ((10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if size >= power * 10:
            return f"{size // power} {prefix}B"
    return f"{size} bytes"


def _child(item: Item, abbrev: str) -> Any:
    for c in item.children or ():
        if c.field is not None and c.field.abbrev == abbrev:
            return c.value
    return None


def _first(item: Item, names: str) -> Any:
    """The first child of `item` among the alternatives `names` ("a|b")."""
    for name in names.split("|"):
        found = _child(item, name)
        if found is not None:
            return found
    return None


def _ends(pkt: Packet, kind: str) -> Iterator[tuple[str, str, int | None]]:
    """(src, dst, stream) for each top-level `kind` layer of the packet; the ports of a
    transport come with the address of the layer above them (IP) that gives addresses."""
    spec = CONVERSATIONS[kind]
    over = {c.proto: c for c in (CONVERSATIONS[o] for o in spec.over)}
    net: tuple[str, str] | None = None
    skip = untapped(spec.proto, pkt)  # (layers that never reached the protocol's tap)
    for item in pkt.tree:
        f = item.field
        if f is None:
            continue
        name = f.abbrev
        above = over.get(name)
        if above is not None:
            s, d = _child(item, above.src), _child(item, above.dst)
            if name == "ipv6" and isinstance(d, bytes):  # (tshark: pinfo->dst, routed)
                d = routed_dst(pkt, d)
            net = (_addr(s), _addr(d)) if s is not None and d is not None else None
        if name != spec.proto or id(item) in skip:
            continue
        s = _first(item, spec.src)
        if not spec.dst:  # one-ended (SLL: a source only; tshark's other end is AT_NONE)
            yield "NONE" if s is None else _addr(s), "NONE", None
            continue
        d = _child(item, spec.dst)
        if s is None or d is None:
            continue
        stream = _child(item, spec.stream) if spec.stream else None
        if spec.over:
            if net is None:
                continue
            yield f"{net[0]}:{s}", f"{net[1]}:{d}", stream
        else:
            yield _addr(s), _addr(d), stream


def _parse(arg: str, word: str) -> tuple[str, str | None]:
    rest = arg[len(word) + 1:]
    kind, sep, flt = rest.partition(",")
    if kind not in CONVERSATIONS:
        raise TapArgError(f'invalid "-z {word},<type>[,<filter>]" argument')
    return kind, (flt if sep else None)


def _compile(flt: str | None, what: str) -> Callable[[Packet], bool] | None:
    if not flt:
        return None
    from filters import FilterError, compile_filter

    try:
        return compile_filter(flt).match
    except FilterError as e:
        raise TapArgError(f'Couldn\'t register {what} tap: Filter "{flt}" is invalid - '
                          f"{e.message}") from None


def _secs(ns: int) -> float:
    """nstime_to_sec: seconds plus nanoseconds / 1e9, as a C double."""
    return ns // 1_000_000_000 + (ns % 1_000_000_000) / 1e9


class _Conv:
    __slots__ = ("a", "b", "tx_f", "tx_b", "rx_f", "rx_b", "start", "stop", "first")

    def __init__(self, a: str, b: str, ts: int, first: int = 0) -> None:
        self.a, self.b = a, b
        self.first = first  # the frame that made it (a merge of parts restores the order)
        self.tx_f = self.tx_b = self.rx_f = self.rx_b = 0
        self.start = self.stop = ts


class ConvTap:
    """One `-z conv,TYPE[,FILTER]` table."""

    @property
    def reads(self) -> frozenset[str]:
        return _reads()

    def __init__(self, arg: str) -> None:
        self.kind, self.filter = _parse(arg, "conv")
        self.match = _compile(self.filter, "conversations")
        self.convs: dict[tuple[Any, ...], _Conv] = {}

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        size, ts = pkt.frame.origlen, pkt.rel_ns
        for src, dst, stream in _ends(pkt, self.kind):
            key = (min(src, dst), max(src, dst), stream)
            c = self.convs.get(key)
            if c is None:
                c = self.convs[key] = _Conv(src, dst, ts, pkt.frame.number)
            elif ts > c.stop:
                c.stop = ts
            elif ts < c.start:
                c.start = ts
            if src == c.a and dst == c.b:
                c.tx_f += 1
                c.tx_b += size
            else:
                c.rx_f += 1
                c.rx_b += size

    @property
    def title(self) -> str:
        return f"{CONVERSATIONS[self.kind].title} Conversations"

    @property
    def caption(self) -> str:
        return f"Filter:{self.filter or '<No Filter>'}"

    columns = CONV_COLUMNS

    def rows(self) -> list[list[str]]:
        """One row of cells (CONV_COLUMNS) per conversation, most frames first: the plain
        text and the rich table are two views of these."""
        out = []
        for c in sorted(self.convs.values(), key=lambda c: -(c.tx_f + c.rx_f)):
            start = _secs(c.start)
            out.append([c.a, c.b, str(c.rx_f), format_size(c.rx_b), str(c.tx_f),
                        format_size(c.tx_b), str(c.tx_f + c.rx_f),
                        format_size(c.tx_b + c.rx_b), f"{start:.9f}",
                        f"{_secs(c.stop) - start:.4f}"])
        return out

    def text(self) -> str:
        w = 26 if CONVERSATIONS[self.kind].over else 20
        pad = " " * (2 * w + 7)
        out = [_RULE, f"{self.title}\n", f"{self.caption}\n",
               f"{pad}|       <-      | |       ->      | |     Total     |"
               "    Relative    |   Duration   |\n",
               f"{pad}| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |"
               "      Start     |              |\n"]
        for a, b, rxf, rxb, txf, txb, f, by, start, dur in self.rows():
            out.append(f"{a:<{w}s} <-> {b:<{w}s}  {rxf:>6s} {rxb:<9s}  {txf:>6s} {txb:<9s}"
                       f"  {f:>6s} {by:<9s}  {start:>14s}   {dur:>12s}\n")
        out.append(_RULE)
        return "".join(out)


class EndpointsTap:
    """One `-z endpoints,TYPE[,FILTER]` table."""

    @property
    def reads(self) -> frozenset[str]:
        return _reads()

    def __init__(self, arg: str) -> None:
        self.kind, self.filter = _parse(arg, "endpoints")
        self.match = _compile(self.filter, "endpoint")
        self.ends: dict[str, list[int]] = {}  # name -> [tx frames, tx bytes, rx f, rx b]
        self.first: dict[str, int] = {}  # name -> the frame that made it (for merges)

    def _get(self, name: str, frame: int = 0) -> list[int]:
        e = self.ends.get(name)
        if e is None:
            e = self.ends[name] = [0, 0, 0, 0]
            self.first[name] = frame
        return e

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        size = pkt.frame.origlen
        n = pkt.frame.number
        for src, dst, _ in _ends(pkt, self.kind):
            e = self._get(src, n)
            e[0] += 1
            e[1] += size
            if not CONVERSATIONS[self.kind].dst:  # one-ended: tshark counts the source
                continue
            e = self._get(dst, n)
            e[2] += 1
            e[3] += size

    @property
    def title(self) -> str:
        return f"{CONVERSATIONS[self.kind].title} Endpoints"

    @property
    def caption(self) -> str:
        return f"Filter:{self.filter or '<No Filter>'}"

    @property
    def columns(self) -> tuple[str, ...]:
        ports = ("Port",) if CONVERSATIONS[self.kind].over else ()
        return ("Address", *ports, *_ENDPOINT_COUNTS)

    def rows(self) -> list[list[str]]:
        """One row of cells (`columns`) per endpoint, most packets first: the plain text
        and the rich table are two views of these."""
        ports = bool(CONVERSATIONS[self.kind].over)
        out = []
        for name, (txf, txb, rxf, rxb) in sorted(self.ends.items(),
                                                  key=lambda kv: -(kv[1][0] + kv[1][2])):
            addr, _, port = name.rpartition(":") if ports else (name, "", "")
            out.append([addr, *((port,) if ports else ()),
                        *(str(n) for n in (txf + rxf, txb + rxb, txf, txb, rxf, rxb))])
        return out

    def text(self) -> str:
        ports = bool(CONVERSATIONS[self.kind].over)
        out = [_RULE, f"{self.title}\n", f"{self.caption}\n",
               f"                       |  {'Port  ||  ' if ports else ''}Packets  | |  Bytes  |"
               " | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |\n"]
        for row in self.rows():
            if ports:
                addr, port, *counts = row
                head = f"{addr:<20s}      {port:>5s}     "
            else:
                addr, *counts = row
                head = f"{addr:<20s}      "
            f, by, txf, txb, rxf, rxb = counts
            out.append(f"{head}{f:>6s}     {by:>9s}     {txf:>6s}       {txb:>9s}"
                       f"      {rxf:>6s}       {rxb:>9s}   \n")
        out.append(_RULE)
        return "".join(out)


def _report(taps: list[Any]) -> str:
    """tshark draws the last registered tap first."""
    return "".join(t.text() for t in reversed(taps))


register("conv,", lambda args: [ConvTap(a) for a in args], _report,
         tuple(f"conv,{t}" for t in CONVERSATIONS))
register("endpoints,", lambda args: [EndpointsTap(a) for a in args], _report,
         tuple(f"endpoints,{t}" for t in CONVERSATIONS))
