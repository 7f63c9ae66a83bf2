"""`-z conv,TYPE[,FILTER]` and `-z endpoints,TYPE[,FILTER]` for eth, ip, ipv6, tcp, udp, sll.

Byte for byte tshark 4.0's `ui/cli/tap-iousers.c` and `tap-endpoints.c`: a conversation is
keyed by its two (address, port) ends (and the TCP stream), its first packet's source is
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
from dissectors.packet import Item, Packet

# -z word -> (tshark's table title, protocol item, address fields)
_TYPES = {
    "eth": ("Ethernet", "eth", "eth.src", "eth.dst"),
    "ip": ("IPv4", "ip", "ip.src", "ip.dst"),
    "ipv6": ("IPv6", "ipv6", "ipv6.src", "ipv6.dst"),
    "tcp": ("TCP", "tcp", "tcp.srcport", "tcp.dstport"),
    "udp": ("UDP", "udp", "udp.srcport", "udp.dstport"),
    # Linux cooked capture (the live `any` interface): only a source address, an
    # Ethernet or IPv4 one by its length; tshark's other ends are "NONE" (AT_NONE).
    "sll": ("SLL", "sll", "sll.src", ""),
}
_RULE = "=" * 80 + "\n"


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


def _ends(pkt: Packet, kind: str) -> Iterator[tuple[str, str, int | None]]:
    """(src, dst, tcp stream) for each top-level `kind` layer of the packet; the ports
    of tcp/udp come with the address of the IP layer above them."""
    _, proto, fsrc, fdst = _TYPES[kind]
    net: tuple[str, str] | None = None
    for item in pkt.tree:
        f = item.field
        if f is None:
            continue
        name = f.abbrev
        if kind in ("tcp", "udp") and name in ("ip", "ipv6"):
            s, d = _child(item, name + ".src"), _child(item, name + ".dst")
            net = (_addr(s), _addr(d)) if s is not None and d is not None else None
        if name != proto:
            continue
        if kind == "sll":
            s = _child(item, "sll.src.eth")
            s = _child(item, "sll.src.ipv4") if s is None else s
            yield "NONE" if s is None else _addr(s), "NONE", None
            continue
        s, d = _child(item, fsrc), _child(item, fdst)
        if s is None or d is None:
            continue
        if kind in ("tcp", "udp"):
            if net is None:
                continue
            stream = _child(item, "tcp.stream") if kind == "tcp" else None
            yield f"{net[0]}:{s}", f"{net[1]}:{d}", stream
        else:
            yield _addr(s), _addr(d), None


def _parse(arg: str, word: str) -> tuple[str, str | None]:
    rest = arg[len(word) + 1:]
    kind, sep, flt = rest.partition(",")
    if kind not in _TYPES:
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
    __slots__ = ("a", "b", "tx_f", "tx_b", "rx_f", "rx_b", "start", "stop")

    def __init__(self, a: str, b: str, ts: int) -> None:
        self.a, self.b = a, b
        self.tx_f = self.tx_b = self.rx_f = self.rx_b = 0
        self.start = self.stop = ts


class ConvTap:
    """One `-z conv,TYPE[,FILTER]` table."""

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
                c = self.convs[key] = _Conv(src, dst, ts)
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

    def text(self) -> str:
        title = _TYPES[self.kind][0]
        w = 26 if self.kind in ("tcp", "udp") else 20
        pad = " " * (2 * w + 7)
        out = [_RULE, f"{title} Conversations\n", f"Filter:{self.filter or '<No Filter>'}\n",
               f"{pad}|       <-      | |       ->      | |     Total     |"
               "    Relative    |   Duration   |\n",
               f"{pad}| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |"
               "      Start     |              |\n"]
        rows = sorted(self.convs.values(), key=lambda c: -(c.tx_f + c.rx_f))
        for c in rows:
            out.append(
                f"{c.a:<{w}s} <-> {c.b:<{w}s}  {c.rx_f:6d} {format_size(c.rx_b):<9s}"
                f"  {c.tx_f:6d} {format_size(c.tx_b):<9s}"
                f"  {c.tx_f + c.rx_f:6d} {format_size(c.tx_b + c.rx_b):<9s}  "
                f"{_secs(c.start):14.9f}   {_secs(c.stop) - _secs(c.start):12.4f}\n")
        out.append(_RULE)
        return "".join(out)


class EndpointsTap:
    """One `-z endpoints,TYPE[,FILTER]` table."""

    def __init__(self, arg: str) -> None:
        self.kind, self.filter = _parse(arg, "endpoints")
        self.match = _compile(self.filter, "endpoint")
        self.ends: dict[str, list[int]] = {}  # name -> [tx frames, tx bytes, rx f, rx b]

    def _get(self, name: str) -> list[int]:
        e = self.ends.get(name)
        if e is None:
            e = self.ends[name] = [0, 0, 0, 0]
        return e

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        size = pkt.frame.origlen
        for src, dst, _ in _ends(pkt, self.kind):
            e = self._get(src)
            e[0] += 1
            e[1] += size
            if self.kind == "sll":  # tshark counts only the source end
                continue
            e = self._get(dst)
            e[2] += 1
            e[3] += size

    def text(self) -> str:
        title = _TYPES[self.kind][0]
        ports = self.kind in ("tcp", "udp")
        out = [_RULE, f"{title} Endpoints\n", f"Filter:{self.filter or '<No Filter>'}\n",
               f"                       |  {'Port  ||  ' if ports else ''}Packets  | |  Bytes  |"
               " | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |\n"]
        rows = sorted(self.ends.items(), key=lambda kv: -(kv[1][0] + kv[1][2]))
        for name, (txf, txb, rxf, rxb) in rows:
            if ports:
                addr, _, port = name.rpartition(":")
                head = f"{addr:<20s}      {port:>5s}     "
            else:
                head = f"{name:<20s}      "
            out.append(f"{head}{txf + rxf:6d}     {txb + rxb:9d}     {txf:6d}       {txb:9d}"
                       f"      {rxf:6d}       {rxb:9d}   \n")
        out.append(_RULE)
        return "".join(out)


def _report(taps: list[Any]) -> str:
    """tshark draws the last registered tap first."""
    return "".join(t.text() for t in reversed(taps))


register("conv,", lambda args: [ConvTap(a) for a in args], _report,
         tuple(f"conv,{t}" for t in _TYPES))
register("endpoints,", lambda args: [EndpointsTap(a) for a in args], _report,
         tuple(f"endpoints,{t}" for t in _TYPES))
