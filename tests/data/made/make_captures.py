"""Write the captures made for labshark's own tests (scapy), reproducibly:

    python tests/data/made/make_captures.py [DIR]   (default: this folder)

http_port_reuse.pcap: two HTTP connections on the same address/port pair, the second
opened by a SYN with a new ISN after the first closed (TCP port reuse): Wireshark's HTTP
numbers the second connection's requests from 1 again.

ip_fragment_reuse.pcap: a flood of one IPv4 fragment (off=1480, MF) that passes
labshark's bytes cap for one datagram (dissectors/reassembly.py), then a datagram of two
fragments with the same (src, dst, id, proto): tshark reassembles it on its tail (the
flood's fragments lie past its end); labshark must too, though the flooded one is full.

ip_fragment_reuse_tail_first.pcap: the same, the new datagram's tail before its first
fragment: tshark reassembles it on the first (the tail fixes the length the flood left
unset).

cut_headers.pcap: IPv4, IPv6 and ARP packets cut by the snapshot length or by their own
length fields (one case a frame, listed in CUT_CASES): what tshark 4.0 names in
frame.protocols, which note it gives and where the payload ends; cut_more.pcap and
cut_s17.pcap more of them (CUT_MORE_CASES, CUT_S17_CASES).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

E = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}


def _connection(frames: list, t: float, isn: int, uris: list[str]) -> float:
    """10.5.0.1:40000 -> 10.5.0.2:80: handshake, a GET and its answer per URI, FINs."""
    def add(p, dt: float = 0.01) -> None:  # noqa: ANN001
        nonlocal t
        t += dt
        e = Ether(**E) / p
        e.time = t
        frames.append(e)
    c, s = IP(src="10.5.0.1", dst="10.5.0.2"), IP(src="10.5.0.2", dst="10.5.0.1")
    ci, si = isn, 9000
    add(c / TCP(sport=40000, dport=80, flags="S", seq=ci))
    add(s / TCP(sport=80, dport=40000, flags="SA", seq=si, ack=ci + 1))
    ci, si = ci + 1, si + 1
    add(c / TCP(sport=40000, dport=80, flags="A", seq=ci, ack=si))
    for uri in uris:
        req = f"GET {uri} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        add(c / TCP(sport=40000, dport=80, flags="PA", seq=ci, ack=si) / Raw(req))
        ci += len(req)
        res = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        add(s / TCP(sport=80, dport=40000, flags="PA", seq=si, ack=ci) / Raw(res))
        si += len(res)
    add(c / TCP(sport=40000, dport=80, flags="FA", seq=ci, ack=si))
    add(s / TCP(sport=80, dport=40000, flags="FA", seq=si, ack=ci + 1))
    add(c / TCP(sport=40000, dport=80, flags="A", seq=ci + 1, ack=si + 1))
    return t


def http_port_reuse(path: Path) -> None:
    frames: list = []
    t = _connection(frames, 1000.0, 1000, ["/one", "/two"])
    _connection(frames, t + 1, 70000, ["/three"])  # same ports, a new ISN
    wrpcap(str(path), frames)


def ip_fragment_reuse(path: Path, flood: int = 180, tail_first: bool = False) -> None:
    """`flood` x 1480 bytes at offset 1480 (past the 256 KiB cap after 177), then the
    datagram at offsets 0 (MF) and 16 (`tail_first`: 16, then 0), key 10.6.0.1 ->
    10.6.0.2, id 0x1234, UDP."""
    ip = {"src": "10.6.0.1", "dst": "10.6.0.2", "id": 0x1234, "proto": 17}
    udp = bytes(IP(**ip) / UDP(sport=40001, dport=40002) / Raw(b"legit after the flood"))[20:]
    frames = [Ether(**E) / IP(**ip, flags="MF", frag=1480 // 8) / Raw(b"f" * 1480)
              for _ in range(flood)]
    pair = [Ether(**E) / IP(**ip, flags="MF", frag=0) / Raw(udp[:16]),
            Ether(**E) / IP(**ip, frag=2) / Raw(udp[16:])]
    frames += pair[::-1] if tail_first else pair
    for i, e in enumerate(frames):
        e.time = 2000.0 + i / 100
    wrpcap(str(path), frames)


_UDP = struct.pack(">HHHH", 40000, 9, 12, 0) + b"abcd"


def _ipv6(payload: bytes, plen: int | None = None, nxt: int = 17, trailer: bytes = b"") -> bytes:
    """Ethernet, an IPv6 header (payload length `plen`, default the payload's) and more."""
    ip = struct.pack(">IHBB16s16s", (6 << 28) | (0xB8 << 20) | 0x12345,
                     len(payload) if plen is None else plen, nxt, 64,
                     bytes.fromhex("20010db8000000000000000000000001"),
                     bytes.fromhex("20010db8000000000000000000000002"))
    return bytes.fromhex("02000000000202000000000186dd") + ip + payload + trailer


def _ipv4(payload: bytes, total: int | None = None, proto: int = 17) -> bytes:
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload) if total is None else total,
                     7, 0x4000, 64, proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return bytes.fromhex("0200000000020200000000010800") + ip + payload


_ARP = bytes.fromhex("ffffffffffff0200000000010806") + struct.pack(
    ">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, bytes.fromhex("020000000001"), bytes([10, 0, 0, 1]),
    bytes(6), bytes([10, 0, 0, 2]))

#: (what it shows, frame, captured length or None for all of it)
CUT_CASES: list[tuple[str, bytes, int | None]] = [
    ("IPv6 payload length past the frame: a warning", _ipv6(_UDP, plen=100), None),
    ("IPv6 header, no payload bytes captured: udp named", _ipv6(_UDP), 54),
    ("IPv6 the same with a payload length past the frame", _ipv6(_UDP, plen=100), 54),
    ("IPv6 payload length 0 with a trailer: the payload is empty",
     _ipv6(_UDP, plen=0, trailer=b"\xaa" * 6), None),
    ("IPv6 payload length 0, a TCP header after it", _ipv6(bytes(20), plen=0, nxt=6), None),
    ("IPv6 payload length 0, no next header, a trailer",
     _ipv6(b"", plen=0, nxt=59, trailer=b"\xaa" * 6), None),
    ("IPv6 payload length shorter than the frame", _ipv6(_UDP, plen=12, trailer=b"\xaa" * 6),
     None),
    ("IPv4 header, no payload bytes captured", _ipv4(_UDP), 34),
    ("IPv4 total length past the frame, no payload captured", _ipv4(_UDP, total=100), 34),
    ("IPv4 total length past the frame", _ipv4(_UDP, total=100), None),
    ("IPv4 UDP header cut at 2 bytes", _ipv4(_UDP), 36),
    ("IPv4 UDP header cut at 4 bytes: the ports", _ipv4(_UDP), 38),
    ("IPv6 UDP header cut at 6 bytes: the ports and length", _ipv6(_UDP, plen=100), 60),
    ("IPv4 TCP header, nothing captured", _ipv4(bytes(20), proto=6), 34),
    ("IPv4 ICMP header, nothing captured", _ipv4(bytes.fromhex("0800000000010001"), proto=1),
     34),
] + [(f"ARP cut at {n} bytes", _ARP, 14 + n) for n in (0, 1, 2, 3, 4, 5, 6, 7, 8, 10)]


_ICMPV6_ECHO = bytes.fromhex("8000000000010002") + b"data"
_HOP_BY_HOP = bytes([17, 0, 1, 4, 0, 0, 0, 0])  # next header UDP, a PadN of 4 bytes

#: Session 16's cases (cut_more.pcap), which differed from tshark 4.0 before it.
CUT_MORE_CASES: list[tuple[str, bytes, int | None]] = [
    *[(f"IPv4 header cut at {n} of its 20 bytes", _ipv4(_UDP), 14 + n)
      for n in (1, 2, 4, 8, 10, 12, 16, 19)],
    ("IPv4 total length 10, below the header's", _ipv4(_UDP, total=10), None),
    ("IPv4 total length 19, below the header's", _ipv4(_UDP, total=19), None),
    *[(f"ICMPv6 echo cut at {n} bytes", _ipv6(_ICMPV6_ECHO, nxt=58), 54 + n)
      for n in (0, 1, 2, 4, 6, 8)],
    *[(f"IPv6 hop-by-hop header cut at {n} bytes", _ipv6(_HOP_BY_HOP + _UDP, nxt=0), 54 + n)
      for n in (0, 1, 2, 4, 7, 8, 10)],
]


def _tcp(opts: bytes) -> bytes:
    """A SYN's TCP header (40000 -> 80) with `opts`."""
    return struct.pack(">HHIIBBHHH", 40000, 80, 1000, 0, (20 + len(opts)) // 4 << 4, 0x02,
                       65535, 0, 0) + opts


def _udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


#: MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes
_TCP_OPTIONS = bytes.fromhex("020405b4" "0402" "080a0000000100000000" "01" "030307")
_DNS_QUERY = bytes.fromhex("123401000001000000000000") + b"\x07example\x03com\x00\x00\x01\x00\x01"
_INNER_IP = _ipv4(_UDP)[14:]
_VLAN = bytes.fromhex("0200000000020200000000018100" "0064" "0800") + _INNER_IP
_GRE_KEY = _ipv4(struct.pack(">HHI", 0x2000, 0x0800, 42) + _INNER_IP, proto=47)
_VXLAN = _ipv4(_udp(40000, 4789, bytes.fromhex("0800000000002a00" "020000000004" "020000000003"
                                                   "0800") + _INNER_IP))

#: Session 17's cases (cut_s17.pcap): all differed from tshark 4.0 before it.
CUT_S17_CASES: list[tuple[str, bytes, int | None]] = [
    *[(f"TCP option cut at {n} of the options' 20 bytes", _ipv4(_tcp(_TCP_OPTIONS), proto=6),
       54 + n) for n in (2, 3, 8, 10, 12, 14, 19)],
    *[(f"DNS cut at {n} bytes", _ipv4(_udp(40000, 53, _DNS_QUERY)), 42 + n) for n in (0, 1, 2, 3)],
    ("ICMP error quoting an IPv4 header cut to nothing",
     _ipv4(bytes.fromhex("0303000000000000") + _INNER_IP, proto=1), 42),
    *[(f"802.1Q tag cut at {n} bytes", _VLAN, 14 + n) for n in (0, 1, 4)],
    ("GRE with a key, the IPv4 inside cut to nothing", _GRE_KEY, 42),
    *[(f"VXLAN cut at {n} bytes", _VXLAN, 42 + n) for n in (0, 2, 4, 7, 8, 10, 14, 16, 22)],
]

_UNREACH = bytes.fromhex("0303000000000000")  # ICMP port unreachable (checksum 0: a bad one)
_UNREACH6 = bytes.fromhex("0104000000000000")
_QUOTED_UDP6 = _ipv6(_UDP)[14:]
_QUOTED_TCP = _ipv4(_tcp(b""), proto=6)[14:]
_ETH6 = bytes.fromhex("02000000000202000000000186dd")
_QINQ = bytes.fromhex("02000000000202000000000188a8" "a00a" "8100") + _VLAN[14:]


def _sack(blocks: int) -> bytes:
    """An ACK (40001 -> 80) with NOP, NOP and a SACK option of `blocks` edge pairs."""
    sack = bytes([1, 1, 5, 2 + 8 * blocks]) + b"".join(
        struct.pack(">II", 1500 + 1000 * i, 2000 + 1000 * i) for i in range(blocks))
    return _ipv4(struct.pack(">HHIIBBHHH", 40001, 80, 1000, 500, (20 + len(sack)) // 4 << 4,
                             0x10, 65535, 0, 0) + sack, proto=6)


def _dns_query(sport: int, name: bytes = b"\x07example\x03com\x00") -> bytes:
    return _ipv4(_udp(sport, 53, bytes.fromhex("123401000001000000000000") + name + b"\0\1\0\1"))


#: Session 18's cases (cut_s18.pcap): all differed from tshark 4.0 before it.
CUT_S18_CASES: list[tuple[str, bytes, int | None]] = [
    ("DNS query cut after its flags", _dns_query(40100), 46),
    ("DNS query whole, a retransmission of the cut one", _dns_query(40100), None),
    ("DNS query cut inside its counts", _dns_query(40101), 50),
    ("DNS query whole, a retransmission of the one cut in its counts", _dns_query(40101), None),
    ("DNS query for a one-character name", _dns_query(40102, b"\x01a\x00"), None),
    ("ICMP echo with a bad checksum", _ipv4(bytes.fromhex("0800000000010001") + b"abcd", proto=1),
     None),
    ("ICMP error quoting IPv4 and UDP, cut in the UDP header", _ipv4(_UNREACH + _INNER_IP, proto=1),
     66),
    ("ICMP error quoting IPv4 and TCP, cut in the TCP header",
     _ipv4(_UNREACH + _QUOTED_TCP, proto=1), 70),
    ("ICMP error quoting IPv4 and TCP, the TCP header cut to nothing",
     _ipv4(_UNREACH + _QUOTED_TCP, proto=1), 62),
    ("ICMPv6 error quoting IPv6 and UDP, cut in the UDP header",
     _ipv6(_UNREACH6 + _QUOTED_UDP6, nxt=58), 106),
    ("ICMP error quoting an IPv4 length 32 with 4 bytes of UDP", _ipv4(_UNREACH + _INNER_IP[:24],
                                                                     proto=1), None),
    ("ICMP error quoting an IPv4 length 32 with its header only",
     _ipv4(_UNREACH + _INNER_IP[:20], proto=1), None),
    ("ICMPv6 error quoting an IPv6 length 12 with 2 bytes of UDP",
     _ipv6(_UNREACH6 + _QUOTED_UDP6[:42], nxt=58), None),
    ("ICMPv6 error quoting an IPv6 header of 39 bytes", _ipv6(_UNREACH6 + _QUOTED_UDP6[:39], nxt=58),
     None),
    ("IPv4 total length 20 over UDP, a trailer", _ipv4(b"", total=20) + b"\xaa" * 6, None),
    ("IPv4 total length 32, 4 bytes of UDP", _ETH6[:12] + b"\x08\x00" + _INNER_IP[:24], None),
    ("IPv4 total length 32, 6 bytes of UDP", _ETH6[:12] + b"\x08\x00" + _INNER_IP[:26], None),
    ("IPv4 total length 32, the UDP header only", _ETH6[:12] + b"\x08\x00" + _INNER_IP[:28], None),
    ("IPv6 header of 6 bytes", _ETH6 + _QUOTED_UDP6[:6], None),
    ("IPv6 header of 39 bytes", _ETH6 + _QUOTED_UDP6[:39], None),
    ("SACK option cut after its left edge", _sack(1), 62),
    ("SACK option cut after a pair and a left edge", _sack(2), 70),
    ("802.1ad tag cut at 0 bytes", _QINQ, 14),
    ("802.1ad tag cut at 2 bytes", _QINQ, 16),
    ("802.1ad tag over an unknown type", _QINQ[:16] + b"\x12\x34" + b"x" * 40, None),
]


def cut_headers(path: Path, cases: list[tuple[str, bytes, int | None]] = CUT_CASES) -> None:
    """`cases` as a pcap of their own (scapy writes no snapshot-cut records)."""
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, (_what, frame, cut) in enumerate(cases, 1):
            caplen = len(frame) if cut is None else min(cut, len(frame))
            f.write(struct.pack("<IIII", 1_700_000_000 + n, 0, caplen, len(frame)))
            f.write(frame[:caplen])


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    http_port_reuse(out / "http_port_reuse.pcap")
    ip_fragment_reuse(out / "ip_fragment_reuse.pcap")
    ip_fragment_reuse(out / "ip_fragment_reuse_tail_first.pcap", tail_first=True)
    cut_headers(out / "cut_headers.pcap")
    cut_headers(out / "cut_more.pcap", CUT_MORE_CASES)
    cut_headers(out / "cut_s17.pcap", CUT_S17_CASES)
    cut_headers(out / "cut_s18.pcap", CUT_S18_CASES)
