"""The peer tools' match counters for bench/run.py (dpkt, scapy, pyshark and a plain
struct loop over the records): each prints a filter's match count, run as
`run.py --worker TOOL KEY|EXPR FILE` in a fresh process so that its time and memory
are its own.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# ------------------------------------------------------------------ predicates
# Both tools are reduced to the same small view of a packet, read from their own
# objects; the predicates then say what tshark's filter means on our capture:
# top-level IPv4/IPv6 (through 802.1Q), UDP ports also in UDP headers quoted by ICMP
# errors, TFTP conversations (client address+port, server address, any server port)
# opened by a request to udp 69, ipmsg mode = CommandNo & 0xff on udp 2425.

@dataclass
class View:
    raw: bytes
    ipv: int = 0
    src: bytes = b""
    dst: bytes = b""
    proto: int = -1
    sport: int = -1
    dport: int = -1
    flags: int = 0
    payload: bytes = b""
    quoted: tuple[int, int, int] | None = None  # ICMP error: (sport, dport, payload len)


ICMP_ERRORS = (3, 4, 5, 11, 12)


class Predicates:
    """Per-filter tests on a View; `tftp` keeps tshark-like conversation state."""

    def __init__(self) -> None:
        self.tftp_conv: set[tuple[bytes, int, bytes]] = set()

    def test(self, key: str, v: View) -> bool:
        return getattr(self, "p_" + key)(v)

    def p_all(self, v: View) -> bool:
        return True

    def p_udp69(self, v: View) -> bool:
        if v.proto == 17 and (v.sport == 69 or v.dport == 69):
            return True
        q = v.quoted
        return q is not None and (q[0] == 69 or q[1] == 69)

    def p_ip10syn(self, v: View) -> bool:
        return (v.ipv == 4 and v.proto == 6 and bool(v.flags & 0x02)
                and (v.src[0] == 10 or v.dst[0] == 10))

    def p_tftp(self, v: View) -> bool:
        if v.proto == 17:
            if v.dport == 69:
                self.tftp_conv.add((v.src, v.sport, v.dst))
                return True
            if v.sport == 69:
                return True
            return ((v.src, v.sport, v.dst) in self.tftp_conv
                    or (v.dst, v.dport, v.src) in self.tftp_conv)
        q = v.quoted
        return q is not None and (q[0] == 69 or q[1] == 69) and q[2] > 0

    def p_ipmsg(self, v: View) -> bool:
        if v.proto != 17 or (v.sport != 2425 and v.dport != 2425):
            return False
        parts = v.payload.split(b":", 5)
        if len(parts) < 5 or not parts[4].isdigit():
            return False
        return int(parts[4]) & 0xFF == 0x20

    def p_get(self, v: View) -> bool:
        return b"GET" in v.raw


def dpkt_count(path: str, key: str) -> int:
    import dpkt

    IP, IP6, UDP, TCP = dpkt.ip.IP, dpkt.ip6.IP6, dpkt.udp.UDP, dpkt.tcp.TCP
    ICMP = dpkt.icmp.ICMP
    preds = Predicates()
    n = 0
    with open(path, "rb") as f:
        reader = dpkt.pcapng.Reader(f) if path.endswith(".pcapng") else dpkt.pcap.Reader(f)
        for _ts, buf in reader:
            v = View(buf)
            eth = dpkt.ethernet.Ethernet(buf)
            ip = eth.data
            l4 = None
            if isinstance(ip, IP):
                v.ipv, v.src, v.dst, v.proto = 4, ip.src, ip.dst, ip.p
                if ip.offset == 0:
                    l4 = ip.data
            elif isinstance(ip, IP6):
                v.ipv, v.src, v.dst, v.proto = 6, ip.src, ip.dst, ip.nxt
                l4 = ip.data
            if isinstance(l4, UDP):
                v.sport, v.dport, v.payload = l4.sport, l4.dport, l4.data
            elif isinstance(l4, TCP):
                v.sport, v.dport, v.flags = l4.sport, l4.dport, l4.flags
            elif isinstance(l4, ICMP) and l4.type in ICMP_ERRORS:
                inner = getattr(l4.data, "data", None)
                if isinstance(inner, IP) and isinstance(inner.data, UDP):
                    u = inner.data
                    v.quoted = (u.sport, u.dport, len(u.data))
            if preds.test(key, v):
                n += 1
    return n


def scapy_count(path: str, key: str) -> int:
    from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, UDPerror
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Dot1Q
    from scapy.utils import PcapReader

    preds = Predicates()
    n = 0
    for p in PcapReader(path):
        v = View(bytes(p.original))
        ip = p.payload
        while isinstance(ip, Dot1Q):
            ip = ip.payload
        l4 = None
        if type(ip) is IP:
            v.ipv, v.src, v.dst, v.proto = 4, bytes(map(int, ip.src.split("."))), \
                bytes(map(int, ip.dst.split("."))), ip.proto
            if ip.frag == 0:
                l4 = ip.payload
        elif type(ip) is IPv6:
            v.ipv, v.proto = 6, ip.nh
            v.src, v.dst = ip.src.encode(), ip.dst.encode()
            l4 = ip.payload
        if type(l4) is UDP:
            v.sport, v.dport, v.payload = l4.sport, l4.dport, bytes(l4.payload)
        elif type(l4) is TCP:
            v.sport, v.dport, v.flags = l4.sport, l4.dport, int(l4.flags)
        elif type(l4) is ICMP and l4.type in ICMP_ERRORS:
            inner = l4.payload
            if isinstance(inner, IPerror) and isinstance(inner.payload, UDPerror):
                u = inner.payload
                v.quoted = (u.sport, u.dport, len(bytes(u.payload)))
        if preds.test(key, v):
            n += 1
    return n


def pyshark_count(path: str, expr: str) -> int:
    import pyshark

    cap = pyshark.FileCapture(path, display_filter=expr or None, keep_packets=False)
    n = 0
    try:
        for _ in cap:
            n += 1
    finally:
        cap.close()
    return n


def struct_loop(path: str) -> int:
    """The floor for pure Python: walk record headers, one fixed-offset test (udp dport 69).

    The file is read in 8 MB chunks (not mmap), so RSS stays flat like a streaming tool's.
    """
    n = 0
    ng = False
    with open(path, "rb") as f:
        buf = f.read(1 << 23)
        ng = buf[:4] == b"\x0a\x0d\x0d\x0a"
        hdr = struct.Struct("<II") if ng else struct.Struct("<12xI")
        off = 0 if ng else 24
        while True:
            size = len(buf)
            while off + 16 <= size:
                if ng:
                    btype, blen = hdr.unpack_from(buf, off)
                    if off + blen > size:
                        break
                    d, end = off + 28, off + blen
                    if btype != 6:
                        off = end
                        continue
                else:
                    d = off + 16
                    end = d + hdr.unpack_from(buf, off)[0]
                    if end > size:
                        break
                if (buf[d + 12:d + 14] == b"\x08\x00" and buf[d + 23] == 17
                        and buf[d + 36:d + 38] == b"\x00\x45"):
                    n += 1
                off = end
            more = f.read(1 << 23)
            if not more:
                return n
            buf = buf[off:] + more
            off = 0


def worker(argv: list[str]) -> int:
    """`run.py --worker TOOL KEY|EXPR FILE`: print the match count (run as a child)."""
    tool, arg, path = argv
    if tool == "dpkt":
        print(dpkt_count(path, arg))
    elif tool == "scapy":
        print(scapy_count(path, arg))
    elif tool == "pyshark":
        print(pyshark_count(path, arg))
    elif tool == "structloop":
        print(struct_loop(path))
    return 0
