"""Display filter -> BPF pre-filter that keeps a superset of what the filter matches.

libpcap then runs it in C (on a live socket, or over a capture file's records) and the
display filter decides exactly on what is left. Only terms whose packets the BPF
expression can select at the outer headers are translated; every packet whose
meaning hides deeper (fragments, VLAN or other encapsulations, ICMP errors quoting a
header, tunnels, IPv6 extension headers, bogus IP headers) is always kept. A term
that cannot be translated makes its side "keep everything", so `and` keeps the other
side and `or`/`not` give up (None: no pre-filter). `or` is translated only between
terms a cut record cannot split (ports, ARP): a BPF load past a record's captured
bytes rejects the record whatever the other side says.
"""

from __future__ import annotations

import ipaddress

from dissectors.icmp import QUOTING_TYPES as ICMP_QUOTING
from dissectors.icmpv6 import QUOTING_TYPES as ICMP6_QUOTING
from dissectors.ipmsg import IPMSG_PORT
from dissectors.layers import UDP_TUNNEL_PORTS
from filters.syntax import Compare, Const, Exists, FieldRef, Logic, Node, operands

# Kept whatever the filter says: what the cheap outer-header test cannot see into.
# `{other}` is the test for "neither IPv4, IPv6 nor ARP" (a tag is judged apart); the
# ICMP types that quote a header are the ICMP modules' own lists.
_KEEP = (
    "{{other}}"
    " or (ip and (ip[6:2] & 0x3fff != 0 or ip[0] & 0xf0 != 0x40 or ip[0] & 0x0f < 5"
    " or ip[9] == 4 or ip[9] == 41 or ip[9] == 47 or ip[9] == 58))"
    " or (icmp and ({icmp}))"
    " or (ip6 and ip6[6] != 6 and ip6[6] != 17 and ip6[6] != 58)"
    " or (icmp6 and ({icmp6}))"
    + "".join(f" or udp port {p}" for p in sorted(UDP_TUNNEL_PORTS))
).format(icmp=" or ".join(f"icmp[0] == {t}" for t in sorted(ICMP_QUOTING)),
         icmp6=" or ".join(f"ip6[40] == {t}" for t in sorted(ICMP6_QUOTING)))
ALWAYS_KEEP = _KEEP.format(other="not (ip or ip6 or arp)")
_ALWAYS_UNTAGGED = _KEEP.format(
    other="not (ip or ip6 or arp or ether proto 0x8100 or ether proto 0x9100)")

_PRESENCE = {"ip": "ip", "ipv6": "ip6", "arp": "arp", "udp": "udp", "tcp": "tcp",
             "icmp": "icmp", "icmpv6": "icmp6", "tftp": "udp"}
_PORTS = {"udp.port": "udp port", "udp.srcport": "udp src port", "udp.dstport": "udp dst port",
          "tcp.port": "tcp port", "tcp.srcport": "tcp src port", "tcp.dstport": "tcp dst port"}
_NETS = {"ip.addr": "net", "ip.src": "src net", "ip.dst": "dst net"}
_TCP_FLAGS = {"tcp.flags.fin": 0x01, "tcp.flags.syn": 0x02, "tcp.flags.reset": 0x04,
              "tcp.flags.push": 0x08, "tcp.flags.ack": 0x10, "tcp.flags.urg": 0x20}
# libpcap's optimiser takes time that grows faster than the expression (0.2 s for 60
# port terms, minutes for 8,000): a longer pre-filter would cost more than it saves.
MAX_CORE_CHARS = 1200
# IPMSG runs on its own port, over UDP and TCP (dissectors/ipmsg.py registers both).
_IPMSG_BPF = f"udp port {IPMSG_PORT} or tcp port {IPMSG_PORT}"


def _compare(node: Compare) -> str | None:
    left, right = node.left, node.right
    if not isinstance(left, FieldRef) or left.layers or left.raw or left.ref or \
            not isinstance(right, Const):
        return None
    if node.op not in ("any_eq", "all_eq"):  # "all equal" implies "some equal"
        return None
    name, value = left.name, right.value
    if name in _PORTS and isinstance(value, int) and 0 <= value <= 0xFFFF:
        return f"{_PORTS[name]} {value}"
    if name in _NETS and right.kind == "ipv4":
        net = ipaddress.IPv4Network((value, right.prefix if right.prefix is not None else 32),
                                    strict=False)
        return f"{_NETS[name]} {net}"
    if name in _TCP_FLAGS and isinstance(value, int):
        bit = _TCP_FLAGS[name]
        # libpcap's tcp[] reads IPv4 only: keep all TCP over IPv6. Not in a fragment: a
        # first fragment may end before byte 13 (a load past a record's end rejects it,
        # and the datagram it completes can match).
        test = f"ip[6:2] & 0x3fff == 0 and tcp[13] & {bit} {'!=' if value else '=='} 0"
        return f"(tcp and {test}) or (ip6 and tcp)"
    if name == "ip.proto" and isinstance(value, int):
        return f"ip proto {value}"
    if name.startswith("ipmsg."):
        return _IPMSG_BPF
    return None


def _all_or_nothing(node: Node) -> bool:
    """Whether `node`'s BPF reads only bytes that tshark shows all or none of, and that
    no other side of an `or` reads deeper than: a UDP/TCP port term (both dissectors
    read the two ports before adding either), an IPMSG term (its ports), ARP (its own
    ethertype). Then a load past a cut record's end means no side can match."""
    if isinstance(node, Compare) and isinstance(node.left, FieldRef):
        name = node.left.name
        return name in _PORTS or name.startswith("ipmsg.")
    if isinstance(node, Exists) and isinstance(node.expr, FieldRef):
        name = node.expr.name
        return name == "arp" or name == "ipmsg" or name.startswith("ipmsg.")
    return isinstance(node, Logic) and node.op == "or" and all(
        map(_all_or_nothing, operands(node)))


def _term(node: Node) -> str | None:
    """BPF text for a superset of `node`'s matches at the outer headers; None = all."""
    if isinstance(node, Logic):
        if node.op == "and":  # a term that keeps all drops out of a conjunction
            kept = [t for t in map(_term, operands(node)) if t is not None]
            if len(kept) < 2:
                return kept[0] if kept else None
            return " and ".join(f"({t})" for t in kept)
        # A BPF load past a record's captured bytes rejects the whole record, so `or`
        # is pre-filtered only when no side can read deeper than another side that may
        # match: `tcp.flags.syn == 1 || ip.addr == 10.0.0.0/8` on a frame cut after its
        # IPv4 header would be dropped, where tshark shows it (`_all_or_nothing`).
        if node.op == "or" and all(map(_all_or_nothing, operands(node))):
            terms = [_term(x) for x in operands(node)]
            if any(t is None for t in terms):
                return None
            return " or ".join(f"({t})" for t in terms)
        return None
    if isinstance(node, Exists) and isinstance(node.expr, FieldRef) and not node.expr.layers:
        name = node.expr.name
        if name in _PRESENCE:
            return _PRESENCE[name]
        if name == "ipmsg" or name.startswith("ipmsg."):
            return _IPMSG_BPF
        return None
    if isinstance(node, Compare):
        return _compare(node)
    return None


def superset_bpf(tree: Node, decode_as: bool = False) -> str | None:
    """The capture-filter text for Ethernet frames, or None when it would keep all.

    With Decode-As in force, port-based terms no longer say which protocol a payload
    is, so no pre-filter is made.
    """
    if decode_as:
        return None
    core = _term(tree)
    if core is None or len(core) > MAX_CORE_CHARS:
        return None
    # libpcap's `vlan` moves every later offset by the tag, so it comes last; tagged
    # frames are judged after their first tag (a second tag is kept as "not IP").
    return f"({core}) or {_ALWAYS_UNTAGGED} or (vlan and (({core}) or {ALWAYS_KEEP}))"


__all__ = ["superset_bpf", "ALWAYS_KEEP"]
