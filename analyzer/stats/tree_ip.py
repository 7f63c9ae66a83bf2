"""`-z plen,tree` and the IPv4/IPv6 stats_tree statistics (ip_hosts, ip_srcdst, dests,
ptype and their ipv6_ twins) as declarations on analyzer/stats/tree.py.

The IP ones count once per IP header the `ip`/`ipv6` tap sees (the top-level layers of
the packet). Their "protocol type" is tshark's port type of the packet (the last TCP,
UDP, SCTP or DCCP layer it carries, else NONE) and their port that layer's destination
port (0 without one), as tshark reads them after the whole packet is dissected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from analyzer.stats.conv import _addr
from analyzer.stats.tree import Kind, Tree, declare, register_kinds
from dissectors.offers import CONVERSATIONS, untapped
from dissectors.packet import Item, Packet

_PLEN = "Packet Lengths"
_PLEN_RANGES = [("0-19", 0, 19), ("20-39", 20, 39), ("40-79", 40, 79), ("80-159", 80, 159),
                ("160-319", 160, 319), ("320-639", 320, 639), ("640-1279", 640, 1279),
                ("1280-2559", 1280, 2559), ("2560-5119", 2560, 5119),
                ("5120 and greater", 5120, 2**31 - 1)]
# transport protocol item -> (tshark's port type name, its destination port field): the
# conversation types with ports that the protocols register (tcp.py, udp.py)
_PORT_TYPES = {c.proto: (c.title, c.dst) for c in CONVERSATIONS.values() if c.over}


def _plen_init(tree: Tree) -> None:
    tree.ranges(tree.top(_PLEN), _PLEN_RANGES)


def _plen(tree: Tree, size: int) -> None:
    top = tree.top(_PLEN)
    tree.tick(top)
    tree.add_value(top, size, tick=False)
    tree.tick_range(top, size)


def _frame(pkt: Packet) -> Iterator[int]:
    yield pkt.frame.origlen


def _child(item: Item, abbrev: str) -> Any:
    for c in item.children or ():
        if c.field is not None and c.field.abbrev == abbrev:
            return c.value
    return None


def _port_type(pkt: Packet) -> tuple[str, int]:
    """The packet's last transport layer, also one an ICMP error quotes:
    (port type name, destination port)."""
    found = ("NONE", 0)
    stack = list(reversed(pkt.tree))
    while stack:
        item = stack.pop()
        f = item.field
        if f is not None and f.abbrev in _PORT_TYPES:
            name, dport = _PORT_TYPES[f.abbrev]
            port = _child(item, dport)
            if isinstance(port, int):  # (a layer without its ports, as SCTP's item
                found = (name, port)   # reopened after a DATA chunk, sets no pinfo port)
        if item.children:
            stack.extend(reversed(item.children))
    return found


_NET = ("ip", "ipv6")


def _ip_taps(proto: str) -> Any:
    """Once per top-level PROTO header, each with the packet's last network addresses:
    tshark 4.0's trees read pinfo's net_src/net_dst after the whole packet is dissected,
    which a tunnel (IP in IP, GRE, VXLAN, IPv6 in IPv4) leaves at the innermost header."""
    def taps(pkt: Packet) -> Iterator[tuple[str, str, str, int]]:
        heads = 0
        last: tuple[Any, Any] | None = None
        skip = untapped(proto, pkt)  # (a header that never reached the tap still sets
        # pinfo's addresses)
        for item in pkt.tree:
            name = item.field.abbrev if item.field is not None else None
            if name not in _NET:
                continue
            s, d = _child(item, name + ".src"), _child(item, name + ".dst")
            if s is None or d is None:
                continue
            heads += name == proto and id(item) not in skip
            last = (s, d)
        if last is None or not heads:
            return
        ptype = _port_type(pkt)
        for _ in range(heads):
            yield _addr(last[0]), _addr(last[1]), ptype[0], ptype[1]
    return taps


def _tops(*names: str) -> Callable[[Tree], None]:
    """An init that makes the top-level nodes (shown with 0 when no packet ticks them)."""
    def init(tree: Tree) -> None:
        for n in names:
            tree.top(n)
    return init


def _declare_ip(prefix: str, proto: str, family: str) -> list[str]:
    top_hosts, top_ptype, top_dests = "All Addresses", "IP Protocol Types", \
        "Destinations and Ports"
    src_top, dst_top = f"Source {family} Addresses", f"Destination {family} Addresses"
    taps = _ip_taps(proto)

    def hosts(tree: Tree, d: tuple[str, str, str, int]) -> None:
        top = tree.tick(tree.top(top_hosts))
        tree.tick_name(top, d[0])
        tree.tick_name(top, d[1])

    def srcdst(tree: Tree, d: tuple[str, str, str, int]) -> None:
        tree.tick_name(tree.tick(tree.top(src_top)), d[0])
        tree.tick_name(tree.tick(tree.top(dst_top)), d[1])

    def dests(tree: Tree, d: tuple[str, str, str, int]) -> None:
        node = tree.tick_name(tree.tick(tree.top(top_dests)), d[1])
        tree.tick_name(tree.tick_name(node, d[2]), str(d[3]))

    def ptype(tree: Tree, d: tuple[str, str, str, int]) -> None:
        tree.tick_name(tree.tick(tree.top(top_ptype)), d[2])

    stats = f"{family} Statistics/"
    kinds = [Kind(f"{prefix}hosts", stats + top_hosts, taps, hosts,
                  _tops(top_hosts)),
             Kind(f"{prefix}srcdst", stats + "Source and Destination Addresses", taps,
                  srcdst, _tops(src_top, dst_top), min_width=32),  # seen with tshark 4.0,
             Kind("dests" if prefix == "ip_" else f"{prefix}dests", stats + top_dests, taps,
                  dests, _tops(top_dests)),
             Kind("ptype" if prefix == "ip_" else f"{prefix}ptype", stats + top_ptype, taps,
                  ptype, _tops(top_ptype))]
    for k in kinds:
        declare(k)
    return [k.abbr for k in kinds]


ABBRS = ["plen", *_declare_ip("ip_", "ip", "IPv4"), *_declare_ip("ipv6_", "ipv6", "IPv6")]
declare(Kind("plen", _PLEN, _frame, _plen, _plen_init))
register_kinds(ABBRS)
