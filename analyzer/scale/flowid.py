"""The Community ID (v1) of a packet's flow: the key that joins a flow's rows across
files, chunks, and other tools (Zeek, Suricata) in a parquet dataset.

Computed by the `communityid` package when it is installed; otherwise by the spec
(https://github.com/corelight/community-id-spec): base64 of SHA-1 over seed (2 bytes),
the ordered addresses, protocol, a zero byte and the ordered ports; ICMP types stand
in for ports, with the spec's request/reply pairs treated as two directions.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import struct
from typing import Any

from dissectors.packet import Packet

_ICMP4_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
_ICMP6_PAIRS = {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135,
                130: 131, 131: 130, 144: 145, 145: 144}


def _first(pkt: Packet, name: str) -> Any:
    items = pkt.index.get(name)
    return items[0].value if items else None


def _addr(value: Any) -> bytes | None:
    if isinstance(value, int):
        return value.to_bytes(4, "big")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return ipaddress.ip_address(value).packed
        except ValueError:
            return None
    return None


Flow = tuple[int, bytes, bytes, int | None, int | None, bool]


def flow_tuple(pkt: Packet) -> Flow | None:
    """(proto, saddr, daddr, sport or ICMP type, dport or ICMP code, is_icmp) of the
    packet's outer IP flow."""
    src, dst = _addr(_first(pkt, "ip.src")), _addr(_first(pkt, "ip.dst"))
    proto = _first(pkt, "ip.proto")
    v6 = False
    if src is None or dst is None:
        src, dst = _addr(_first(pkt, "ipv6.src")), _addr(_first(pkt, "ipv6.dst"))
        proto, v6 = _first(pkt, "ipv6.nxt"), True
    if src is None or dst is None or proto is None:
        return None
    for p in ("tcp", "udp", "sctp"):
        sport, dport = _first(pkt, p + ".srcport"), _first(pkt, p + ".dstport")
        if sport is not None and dport is not None:
            return int(proto), src, dst, int(sport), int(dport), False
    icmp = "icmpv6" if v6 else "icmp"
    itype, icode = _first(pkt, icmp + ".type"), _first(pkt, icmp + ".code")
    if itype is not None and icode is not None:
        return int(proto), src, dst, int(itype), int(icode), True
    return int(proto), src, dst, None, None, False


def spec_hash(t: Flow, seed: int = 0) -> str:
    """The Community ID by the spec (no package needed)."""
    proto, src, dst, sport, dport, is_icmp = t
    one_way = False
    if is_icmp and sport is not None:
        pairs = _ICMP6_PAIRS if len(src) == 16 else _ICMP4_PAIRS
        if sport in pairs:
            dport = pairs[sport]
        else:
            one_way = True
    if not one_way and (src, sport or 0) > (dst, dport or 0):
        src, dst, sport, dport = dst, src, dport, sport
    data = struct.pack("!H", seed) + src + dst + struct.pack("!BB", proto, 0)
    if sport is not None and dport is not None:
        data += struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def package_hash(t: Flow, seed: int = 0) -> str | None:
    """The Community ID by the `communityid` package, None when it is not installed."""
    try:
        import communityid
    except ImportError:
        return None
    proto, src, dst, sport, dport, is_icmp = t
    cid = communityid.CommunityID(seed)
    s, d = str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst))
    if is_icmp:
        make = communityid.FlowTuple.make_icmp6 if len(src) == 16 else \
            communityid.FlowTuple.make_icmp
        return cid.calc(make(s, d, sport, dport))
    return cid.calc(communityid.FlowTuple(proto, s, d, sport, dport))


def community_id(pkt: Packet, seed: int = 0) -> str | None:
    """The packet's Community ID v1 ("1:base64"), None without an IP layer."""
    t = flow_tuple(pkt)
    if t is None:
        return None
    got = package_hash(t, seed)
    return got if got is not None else spec_hash(t, seed)


__all__ = ["community_id", "flow_tuple", "spec_hash", "package_hash", "Flow"]
