"""Link and network layers (VLAN, LLC, ARP, SLL, null, raw IP, IPv6, ICMP, ICMPv6)
against tshark: packet list lines and `-T fields` values must match line for line."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from scapy.all import (
    ARP,
    ICMP,
    IP,
    LLC,
    SNAP,
    TCP,
    UDP,
    Dot1AD,
    Dot1Q,
    Dot3,
    Ether,
    ICMPv6DestUnreach,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6MLQuery,
    ICMPv6MLReport,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_Redirect,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6PacketTooBig,
    ICMPv6ParamProblem,
    ICMPv6TimeExceeded,
    IPerror,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    PadN,
    Raw,
    RouterAlert,
    TCPerror,
    UDPerror,
)

ROOT = Path(__file__).resolve().parent.parent
ANALYZE = ROOT / ".venv" / "bin" / "analyze"
TSHARK = shutil.which("tshark")
SAMPLES = Path("/work/shared/captures/wireshark")

M1, M2 = "00:11:22:33:44:55", "66:77:88:99:aa:bb"
BCAST = "ff:ff:ff:ff:ff:ff"
A1, A2 = "10.0.0.1", "10.0.0.2"
V6A, V6B = "2001:db8::1", "2001:db8::2"
LL1, LL2 = "fe80::211:22ff:fe33:4455", "fe80::6677:88ff:fe99:aabb"


def _truncate(pkt, n: int) -> tuple[bytes, int]:
    """A frame cut by the snapshot length: first `n` bytes captured, full length on wire."""
    raw = bytes(pkt)
    return raw[:n], len(raw)


def eth_frames() -> list:
    """Ethernet frames: ARP, VLAN, LLC, ICMP, IPv6 and ICMPv6 cases."""
    e = Ether(src=M1, dst=M2)
    er = Ether(src=M2, dst=M1)
    icmp_payload = b"\x00" * 8 + bytes(range(0x10, 0x38))
    frames = [
        # ARP
        Ether(src=M1, dst=BCAST) / ARP(op=1, hwsrc=M1, psrc=A1, pdst=A2),
        Ether(src=M2, dst=M1) / ARP(op=2, hwsrc=M2, psrc=A2, hwdst=M1, pdst=A1),
        Ether(src=M1, dst=BCAST) / ARP(op=1, hwsrc=M1, psrc=A1, pdst=A1),
        Ether(src=M1, dst=BCAST) / ARP(op=2, hwsrc=M1, psrc=A1, hwdst=BCAST, pdst=A1),
        Ether(src=M1, dst=BCAST) / ARP(op=1, hwsrc=M1, psrc="0.0.0.0", pdst="10.0.0.9"),
        Ether(src=M1, dst=BCAST) / ARP(op=1, hwsrc=M1, psrc="10.0.0.9", pdst="10.0.0.9",
                                       hwdst="00:00:00:00:00:00"),
        Ether(src=M1, dst=BCAST) / ARP(op=3, hwsrc=M1, psrc=A1, hwdst=M1, pdst=A1),
        Ether(src=M1, dst=BCAST) / ARP(op=4, hwsrc=M2, psrc=A2, hwdst=M1, pdst=A1),
        _truncate(Ether(src=M1, dst=BCAST) / ARP(op=1, hwsrc=M1, psrc=A1, pdst=A2), 30),
        # VLAN
        e / Dot1Q(vlan=10, prio=5) / IP(src=A1, dst=A2, id=1) / ICMP(id=0x1234, seq=1)
        / icmp_payload,
        er / Dot1Q(vlan=10, prio=5) / IP(src=A2, dst=A1, id=2) / ICMP(type=0, id=0x1234, seq=1)
        / icmp_payload,
        e / Dot1AD(vlan=100, id=1) / Dot1Q(vlan=20) / IP(src=A1, dst=A2) / UDP(sport=1000,
                                                                              dport=2000)
        / b"hello",
        Ether(src=M1, dst=M2, type=0x9100) / Dot1Q(vlan=7) / IP(src=A1, dst=A2) / UDP(
            sport=1, dport=2),
        e / Dot1Q(vlan=3) / ARP(op=1, hwsrc=M1, psrc=A1, pdst=A2),
        e / Dot1Q(vlan=4) / IP(src=A1, dst=A2, len=29) / UDP(sport=5, dport=6, len=9) / b"x"
        / (b"\xaa" * 30),
        e / Dot1Q(vlan=5, type=0x88b5) / b"unknown-ethertype-data",
        e / Dot1Q(vlan=6, type=38) / LLC(dsap=0x5A, ssap=0x5A, ctrl=3) / (b"\x00" * 35)
        / b"trail",
        e / Dot1Q(vlan=9) / IP(src=A1, dst=A2) / UDP(sport=3456, dport=3457) / (b"\x00" * 12),
        e / Dot1Q(vlan=11) / IP(src=A1, dst=A2, len=28) / UDP(sport=3456, dport=3457, len=8)
        / (b"\x00" * 12),
        _truncate(e / Dot1Q(vlan=8) / IP(src=A1, dst=A2) / UDP(sport=1, dport=2), 16),
        # LLC / 802.3
        Dot3(src=M1, dst="01:80:c2:00:00:00") / LLC(dsap=0x5A, ssap=0x5B, ctrl=3)
        / (b"\x00" * 35),
        Dot3(src=M1, dst=M2) / LLC(dsap=0x80, ssap=0x81, ctrl=0xAF) / b"xid-ish payload",
        Dot3(src=M1, dst=M2) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800)
        / IP(src=A1, dst=A2) / UDP(sport=7, dport=8),
        Dot3(src=M1, dst=M2) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0x123456,
                                                                         code=0x2000) / b"oui",
        Dot3(src=M1, dst=M2) / LLC(dsap=0x5A, ssap=0x5A, ctrl=0x02) / b"\x04I-frame",
        _truncate(Dot3(src=M1, dst=M2) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3)
                  / SNAP(OUI=0, code=0x0800) / IP(src=A1, dst=A2), 18),
        # ICMP
        e / IP(src=A1, dst=A2, ttl=64) / ICMP(id=0x1234, seq=1) / icmp_payload,
        er / IP(src=A2, dst=A1, ttl=40) / ICMP(type=0, id=0x1234, seq=1) / icmp_payload,
        e / IP(src=A1, dst=A2, ttl=64) / ICMP(id=0x1234, seq=2) / icmp_payload,
        e / IP(src=A1, dst=A2) / ICMP(id=0x0100, seq=0x0200) / b"abc",
        er / IP(src=A2, dst=A1) / ICMP(type=3, code=3) / IPerror(src=A1, dst=A2, id=7)
        / UDPerror(sport=40000, dport=9999) / b"query",
        er / IP(src=A2, dst=A1) / ICMP(type=3, code=1) / IPerror(src=A1, dst=A2)
        / TCPerror(sport=40000, dport=80, seq=5),
        er / IP(src="192.168.1.1", dst=A1) / ICMP(type=11, code=0)
        / IPerror(src=A1, dst="8.8.8.8", ttl=1) / UDPerror(sport=33434, dport=33435),
        er / IP(src="192.168.1.1", dst=A1) / ICMP(type=5, code=1, gw="192.168.1.254")
        / IPerror(src=A1, dst="8.8.4.4") / ICMP(id=9, seq=9),
        e / IP(src=A1, dst=A2) / ICMP(type=13, id=1, seq=2, ts_ori=4594233, ts_rx=60000,
                                      ts_tx=86399999),
        e / IP(src=A1, dst=A2) / ICMP(type=8, chksum=0x1111, id=3, seq=3),
        _truncate(e / IP(src=A1, dst=A2) / ICMP(id=0x77, seq=1) / icmp_payload, 14 + 20 + 6),
        # IPv6 / ICMPv6
        e / IPv6(src=V6A, dst=V6B, hlim=64) / ICMPv6EchoRequest(id=0x1a2b, seq=1, data=b"ping"),
        er / IPv6(src=V6B, dst=V6A, hlim=63) / ICMPv6EchoReply(id=0x1a2b, seq=1, data=b"ping"),
        e / IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(id=0x1a2b, seq=2),
        Ether(src=M1, dst="33:33:ff:99:aa:bb") / IPv6(src=LL1, dst="ff02::1:ff99:aabb", hlim=255)
        / ICMPv6ND_NS(tgt=LL2) / ICMPv6NDOptSrcLLAddr(lladdr=M1),
        er / IPv6(src=LL2, dst=LL1, hlim=255) / ICMPv6ND_NA(tgt=LL2, R=0, S=1, O=1)
        / ICMPv6NDOptDstLLAddr(lladdr=M2),
        Ether(src=M1, dst="33:33:00:00:00:02") / IPv6(src=LL1, dst="ff02::2", hlim=255)
        / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=M1),
        Ether(src=M2, dst="33:33:00:00:00:01") / IPv6(src=LL2, dst="ff02::1", hlim=255)
        / ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=M2)
        / ICMPv6NDOptMTU(mtu=1500) / ICMPv6NDOptPrefixInfo(prefix="2001:db8::", prefixlen=64),
        Ether(src=M1, dst="33:33:00:00:00:16") / IPv6(src=LL1, dst="ff02::16", hlim=1)
        / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / ICMPv6MLReport(mladdr="ff02::fb"),
        er / IPv6(src=V6B, dst=V6A) / ICMPv6DestUnreach(code=4)
        / IPv6(src=V6A, dst=V6B) / UDP(sport=40100, dport=40200) / b"data",
        er / IPv6(src=V6B, dst=V6A) / ICMPv6TimeExceeded()
        / IPv6(src=V6A, dst=V6B, hlim=1) / UDP(sport=5001, dport=6001),
        e / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00")])
        / UDP(sport=1111, dport=2220) / b"hbh",
        e / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrDestOpt() / UDP(sport=1112, dport=2223),
        e / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrRouting(addresses=["2001:db8::99"], segleft=1)
        / UDP(sport=1113, dport=2224),
        e / IPv6(src=V6A, dst=V6B, nh=59),
        e / IPv6(src=V6A, dst=V6B, tc=0xb8, fl=0x12345) / UDP(sport=1114, dport=2225) / b"tc",
        e / IPv6(src=V6A, dst=V6B) / UDP(sport=9, dport=9) / b"x",
        _truncate(e / IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(id=1, seq=1), 14 + 30),
        _truncate(e / IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(id=1, seq=1), 14 + 44),
    ]
    # IPv6 fragments (reassembled in the second), then an IPv4 ICMP echo in fragments.
    big = IPv6(src=V6A, dst=V6B) / IPv6ExtHdrFragment(id=0xabcd) / UDP(
        sport=4000, dport=4001) / (b"F" * 100)
    frags = [e / f for f in _v6_fragments(big)]
    frames += frags
    frames.append(e / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrFragment(id=0x77, m=1, offset=0)
                  / UDP(sport=1, dport=2) / (b"G" * 16))
    frames.append(e / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrFragment(id=0x78, m=1, offset=0)
                  / ICMPv6EchoRequest(id=5, seq=5) / (b"G" * 16))
    frames.append(e / IP(src=A1, dst=A2, proto=41) / IPv6(src=V6A, dst=V6B)
                  / ICMPv6EchoRequest(id=6, seq=6))
    frames += _more_frames(e, er)
    return frames


def _more_frames(e, er) -> list:  # noqa: ANN001
    """Less common cases: timestamps in echo data, other ICMP/ICMPv6 messages, padding."""
    ts = struct.pack("<II", 1700000016, 123456)  # Linux ping's struct timeval (LE)
    ts_be = struct.pack(">II", 1700000016, 500000)
    mtu_opt = struct.pack(">BBHI", 5, 1, 0, 1400)
    rdnss = struct.pack(">BBHI", 25, 3, 0, 600) + bytes.fromhex("20010db8000000000000000000000053")
    mldv2 = (bytes([143, 0, 0, 0, 0, 0, 0, 1]) + bytes([4, 0, 0, 1])
             + bytes.fromhex("ff0200000000000000000000000000fb")
             + bytes.fromhex("20010db8000000000000000000000001"))
    return [
        e / IP(src=A1, dst=A2) / ICMP(id=0x4242, seq=7) / (ts + bytes(range(16))),
        er / IP(src=A2, dst=A1) / ICMP(type=0, id=0x4242, seq=7) / (ts + bytes(range(16))),
        e / IP(src=A1, dst=A2) / ICMP(id=0x4343, seq=1) / (ts_be + b"x" * 8),
        e / IP(src=A1, dst=A2) / ICMP(id=0x4444, seq=1) / ts,
        er / IP(src=A2, dst=A1) / ICMP(type=0, id=0x9999, seq=9) / b"orphan",
        er / IP(src=A2, dst=A1) / ICMP(type=14, id=1, seq=2, ts_ori=1, ts_rx=2, ts_tx=3),
        er / IP(src=A2, dst=A1) / ICMP(type=12, code=0, ptr=9) / IPerror(src=A1, dst=A2)
        / UDPerror(sport=40001, dport=40002),
        er / IP(src=A2, dst=A1) / ICMP(type=3, code=4, nexthopmtu=1400)
        / IPerror(src=A1, dst=A2, flags="DF", len=1500) / UDPerror(sport=40003, dport=40004,
                                                                  len=1480),
        er / IP(src=A2, dst=A1) / ICMP(type=4) / IPerror(src=A1, dst=A2)
        / TCPerror(sport=40005, dport=40006),
        e / IP(src=A1, dst=A2) / ICMP(type=17, id=5, seq=6) / b"\x00\x00\x00\x00",
        e / IP(src=A1, dst=A2) / ICMP(type=99, code=1) / b"unknown-type",
        _truncate(er / IP(src=A2, dst=A1) / ICMP(type=3, code=3) / IPerror(src=A1, dst=A2)
                  / UDPerror(sport=40007, dport=40008) / (b"\xee" * 7), 14 + 20 + 8 + 28 + 4),
        # ICMPv6
        er / IPv6(src=V6B, dst=V6A) / ICMPv6PacketTooBig(mtu=1280)
        / IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(id=3, seq=3, data=b"big"),
        er / IPv6(src=V6B, dst=V6A) / ICMPv6ParamProblem(code=1, ptr=6)
        / IPv6(src=V6A, dst=V6B, nh=253),
        er / IPv6(src=LL2, dst=LL1, hlim=255) / ICMPv6ND_Redirect(tgt=LL2, dst=V6B)
        / ICMPv6NDOptDstLLAddr(lladdr=M2),
        Ether(src=M1, dst="33:33:00:00:00:16") / IPv6(src=LL1, dst="ff02::16", hlim=1)
        / IPv6ExtHdrHopByHop(nh=58, options=[RouterAlert()]) / Raw(mldv2),
        Ether(src=M2, dst="33:33:00:00:00:01") / IPv6(src=LL2, dst="ff02::1", hlim=255)
        / ICMPv6ND_RA(M=1, O=1, prf=3, chlim=64, reachabletime=30000, retranstimer=1000)
        / Raw(mtu_opt + rdnss),
        er / IPv6(src=V6B, dst=V6A) / ICMPv6EchoReply(id=0x77, seq=1),
        e / IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(id=8, seq=8, cksum=0x1234),
        er / IPv6(src=V6B, dst=V6A) / ICMPv6DestUnreach(code=1)
        / IPv6(src=V6A, dst=V6B) / TCP(sport=40009, dport=40010),
        e / IPv6(src=V6A, dst=V6B) / ICMPv6MLQuery(mladdr="ff02::1:3"),
        # IPv6 addresses with embedded details, stacking, padding and trailers
        e / IPv6(src="2002:c000:0201::1", dst="2001:0:4136:e378:8000:63bf:3fff:fdd2")
        / UDP(sport=3544, dport=40011),
        e / IPv6(src="fe80::5efe:c000:201", dst=V6B) / UDP(sport=40012, dport=40013),
        e / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrRouting(addresses=[], segleft=0)
        / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])
        / UDP(sport=40014, dport=40015),
        e / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrFragment(id=0x99, m=0, offset=0, nh=17)
        / UDP(sport=40016, dport=40017) / b"atomic",
        e / IPv6(src=V6A, dst=V6B) / UDP(sport=40018, dport=40019) / (b"\x00" * 2),
        (bytes(e / Dot1Q(vlan=12) / IPv6(src=V6A, dst=V6B, plen=10)
               / UDP(sport=40020, dport=40021) / b"xy") + bytes(10)),
        (bytes(e / Dot1Q(vlan=13) / IPv6(src=V6A, dst=V6B, plen=10)
               / UDP(sport=40022, dport=40023) / b"xy") + b"\xde\xad\xbe\xef"),
        (bytes(e / Dot1Q(vlan=14) / IP(src=A1, dst=A2) / UDP(sport=3456, dport=3457))
         + bytes(16)),
        e / IPv6(src=V6A, dst=V6B, plen=200) / UDP(sport=40024, dport=40025) / b"short",
        e / Dot1Q(vlan=30) / Dot1Q(vlan=31) / IPv6(src=V6A, dst=V6B)
        / ICMPv6EchoRequest(id=9, seq=9),
        e / Dot1AD(vlan=40) / Dot1Q(vlan=41, prio=7) / ARP(hwsrc=M1, psrc=A1, pdst=A2)
        / (b"\x00" * 10),
        Ether(src=M1, dst=BCAST) / ARP(op=1, hwsrc=M1, psrc=A1, pdst=A2) / (b"\x00" * 18),
        Ether(src=M1, dst=BCAST) / ARP(op=2, hwsrc=M1, psrc=A1, hwdst=M2, pdst=A2)
        / (b"\x01" * 18),
        Ether(src=M1, dst=BCAST) / ARP(hwtype=6, op=1, hwsrc=M1, psrc=A1, pdst=A2),
        Ether(src=M1, dst=BCAST) / ARP(op=9, hwsrc=M1, psrc=A1, hwdst=M2, pdst=A2),
        Ether(src=M1, dst=BCAST) / ARP(op=8, hwsrc=M1, psrc=A1, hwdst=M2, pdst=A2),
        Ether(src=M1, dst=BCAST) / ARP(op=1, ptype=0x86DD, plen=16, hwsrc=M1,
                                       psrc=None, pdst=None),
    ]


def code_frames() -> list:
    """Every ICMP/ICMPv6 type and code with a name in the Info column."""
    e = Ether(src=M1, dst=M2)
    out = [e / IP(src=A1, dst=A2) / ICMP(type=3, code=c) / IPerror(src=A2, dst=A1)
           / UDPerror(sport=40000, dport=40001) for c in range(17)]
    for t, codes in ((5, range(4)), (11, range(2)), (12, range(3))):
        out += [e / IP(src=A1, dst=A2) / ICMP(type=t, code=c) / IPerror(src=A2, dst=A1)
                / UDPerror(sport=40000, dport=40001) for c in codes]
    for t, codes in ((10, [0]), (15, [0]), (16, [0]), (18, [0]), (40, range(6))):
        out += [e / IP(src=A1, dst=A2) / ICMP(type=t, code=c) / bytes(28) for c in codes]
    for t, codes in ((1, range(9)), (3, range(2)), (4, range(4)), (2, [0]), (200, [0]),
                     (130, [0]), (132, [0])):
        out += [e / IPv6(src=V6A, dst=V6B, nh=58) / Raw(bytes([t, c, 0, 0]) + bytes(24))
                for c in codes]
    return out


def _v6_fragments(pkt) -> list:
    from scapy.layers.inet6 import fragment6

    return fragment6(pkt, 96)


def ip_packets() -> list:
    """Packets without a link layer, for raw IP, null and SLL captures."""
    return [
        IP(src=A1, dst=A2) / ICMP(id=1, seq=1) / b"raw",
        IP(src=A2, dst=A1) / ICMP(type=0, id=1, seq=1) / b"raw",
        IPv6(src=V6A, dst=V6B) / UDP(sport=5300, dport=5301) / b"v6",
        IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(id=2, seq=2),
    ]


def _arp_claims() -> list:
    """Two MACs claim 10.0.0.5 (as sender, as a reply's target, gratuitously), 0.25 s
    apart: which frame a duplicate names (the latest with the first MAC), whose check
    the Info suffix comes from (a reply's target replaces its sender's), whole seconds,
    a multicast sender MAC that is not learnt."""
    bc, m3, mc = "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:03", "01:00:5e:00:00:01"
    return [Ether(src=M1, dst=bc) / ARP(op=1, hwsrc=M1, psrc="10.0.0.5", pdst="10.0.0.6"),
            Ether(src=M2, dst=bc) / ARP(op=1, hwsrc=M2, psrc="10.0.0.5", pdst="10.0.0.6"),
            Ether(src=m3, dst=M1) / ARP(op=2, hwsrc=m3, psrc="10.0.0.6", hwdst=M1,
                                        pdst="10.0.0.5"),
            Ether(src=m3, dst=M2) / ARP(op=2, hwsrc=m3, psrc="10.0.0.6", hwdst=M2,
                                        pdst="10.0.0.5"),
            Ether(src=M2, dst=m3) / ARP(op=2, hwsrc=M2, psrc="10.0.0.7", hwdst=m3,
                                        pdst="10.0.0.6"),
            Ether(src=M1, dst=bc) / ARP(op=1, hwsrc=M1, psrc="10.0.0.7", pdst="10.0.0.7"),
            Ether(src=M2, dst=bc) / ARP(op=2, hwsrc=M2, psrc="10.0.0.5", hwdst=M2,
                                        pdst="10.0.0.5"),
            Ether(src=mc, dst=bc) / ARP(op=1, hwsrc=mc, psrc="10.0.0.5", pdst="10.0.0.6"),
            Ether(src=M2, dst=m3) / ARP(op=2, hwsrc=M2, psrc="10.0.0.6", hwdst=M1,
                                        pdst="10.0.0.5"),
            Ether(src=M1, dst=bc) / ARP(op=1, hwsrc=M1, psrc="10.0.0.6", pdst="10.0.0.9")]


def write_pcap(path: Path, frames: list, linktype: int) -> Path:
    """A classic pcap written by hand, so the link type is exactly `linktype`."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)]
    for i, f in enumerate(frames):
        if isinstance(f, tuple):
            data, wirelen = f
        else:
            data = bytes(f)
            wirelen = getattr(f, "wirelen", None) or len(data)
        out.append(struct.pack("<IIII", 1700000000 + i // 4, (i % 4) * 250000, len(data),
                               wirelen) + data)
    path.write_bytes(b"".join(out))
    return path


def _null_header(family: int, order: str) -> bytes:
    return family.to_bytes(4, order)  # type: ignore[arg-type]


def sll2_header(ptype: int, etype: int, ifindex: int, mac: bytes, hatype: int = 1) -> bytes:
    return (etype.to_bytes(2, "big") + b"\x00\x00" + ifindex.to_bytes(4, "big")
            + hatype.to_bytes(2, "big") + bytes([ptype, len(mac)]) + mac.ljust(8, b"\x00"))


def sll1_header(ptype: int, etype: int, mac: bytes, hatype: int = 1) -> bytes:
    return (ptype.to_bytes(2, "big") + hatype.to_bytes(2, "big") + len(mac).to_bytes(2, "big")
            + mac.ljust(8, b"\x00") + etype.to_bytes(2, "big"))


def build_all(d: Path) -> dict[str, Path]:
    """Every capture of this test module, written into `d`."""
    d = Path(d)
    caps: dict[str, Path] = {}
    caps["eth"] = write_pcap(d / "eth.pcap", eth_frames(), 1)
    ips = ip_packets()
    mac = bytes.fromhex("001122334455")
    sll1 = [(sll1_header(p, 0x0800 if x.version == 4 else 0x86DD, mac)
                           + bytes(x)) for p, x in zip((0, 4, 1, 3), ips, strict=False)]
    sll1.append(sll1_header(0, 0x0806, mac)
                               + bytes(ARP(hwsrc=M1, psrc=A1, pdst=A2)))
    sll1.append(sll1_header(0, 0x0800, b"\x0a\x00\x00\x01", hatype=778)
                               + bytes(ips[0]))
    sll1.append(sll1_header(4, 0x0800, b"", hatype=772) + bytes(ips[0]))
    sll1.append(sll1_header(0, 4, mac) + bytes(LLC(dsap=0x5A, ssap=0x5A, ctrl=3) / b"llc"))
    sll1.append(sll1_header(2, 0x88B5, mac) + b"experimental")
    sll1.append(_truncate((sll1_header(0, 0x0800, mac) + bytes(ips[0])), 10))
    caps["sll"] = write_pcap(d / "sll.pcap", sll1, 113)
    sll2 = [(sll2_header(p, 0x0800 if x.version == 4 else 0x86DD, 3, mac)
                           + bytes(x)) for p, x in zip((0, 4, 1, 3), ips, strict=False)]
    sll2.append(_truncate((sll2_header(0, 0x0800, 2, mac) + bytes(ips[0])), 12))
    caps["sll2"] = write_pcap(d / "sll2.pcap", sll2, 276)
    fam = [2, 2, 30, 24]
    caps["null_le"] = write_pcap(
        d / "null_le.pcap", [(_null_header(f, "little") + bytes(x))
                             for f, x in zip(fam, ips, strict=False)]
        + [(_null_header(28, "little") + bytes(ips[2])),
           (_null_header(99, "little") + b"unknown"),
           _truncate((_null_header(2, "little") + bytes(ips[0])), 3)], 0)
    caps["null_be"] = write_pcap(
        d / "null_be.pcap", [(_null_header(f, "big") + bytes(x))
                             for f, x in zip(fam, ips, strict=False)], 0)
    caps["loop"] = write_pcap(
        d / "loop.pcap", [(_null_header(f, "big") + bytes(x))
                          for f, x in zip((2, 2, 24, 24), ips, strict=False)], 108)
    for lt in (101, 12, 14):
        caps[f"raw{lt}"] = write_pcap(
            d / f"raw{lt}.pcap", ips + [b"\x50\x00\x00", b"\x50" + bytes(19),
                                        _truncate(ips[0], 24), _truncate(ips[0], 6)], lt)
    dup = [Ether(src=M1, dst=M2) / ARP(op=2, hwsrc=M1, psrc="10.0.0.5", hwdst=M2,
                                       pdst="10.0.0.6"),
           Ether(src=M2, dst=M1) / ARP(op=2, hwsrc=M2, psrc="10.0.0.5", hwdst=M1,
                                       pdst="10.0.0.6"),
           Ether(src=M2, dst=M1) / ARP(op=1, hwsrc=M2, psrc="10.0.0.5", pdst="10.0.0.6"),
           Ether(src=M1, dst=M2) / ARP(op=1, hwsrc=M1, psrc="10.0.0.5", pdst="10.0.0.6")]
    caps["arp_dup"] = write_pcap(d / "arp_dup.pcap", dup, 1)
    caps["arp_claims"] = write_pcap(d / "arp_claims.pcap", _arp_claims(), 1)
    caps["codes"] = write_pcap(d / "codes.pcap", code_frames(), 1)
    caps["raw229"] = write_pcap(d / "raw229.pcap",
                                [ips[2], ips[3], _truncate(ips[3], 20)], 229)
    return caps


# -- comparison against tshark ---------------------------------------------------------

FIELDS = [
    "frame.protocols",
    # VLAN / 802.1ad
    "vlan.priority", "vlan.dei", "vlan.id", "vlan.etype", "vlan.len", "vlan.trailer",
    "ieee8021ah.etype", "ieee8021ah.trailer",
    "ieee8021ad.priority", "ieee8021ad.dei", "ieee8021ad.id", "eth.padding", "eth.trailer",
    # LLC
    "llc.dsap", "llc.dsap.sap", "llc.dsap.ig", "llc.ssap", "llc.ssap.sap", "llc.ssap.cr",
    "llc.control", "llc.control.n_r", "llc.control.n_s", "llc.control.u_modifier_cmd",
    "llc.control.u_modifier_resp", "llc.type", "llc.oui", "llc.pid",
    # ARP
    "arp.hw.type", "arp.proto.type", "arp.hw.size", "arp.proto.size", "arp.opcode",
    "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
    "arp.isgratuitous", "arp.isannouncement", "arp.isprobe", "arp.duplicate-address-frame",
    "arp.seconds-since-duplicate-address-frame", "arp.duplicate-address-detected",
    # SLL / null
    "sll.pkttype", "sll.hatype", "sll.halen", "sll.src.eth", "sll.src.ipv4", "sll.src.other",
    "sll.unused", "sll.etype", "sll.ltype", "sll.gretype", "sll.ifindex", "null.family",
    "null.type",
    # IPv6
    "ipv6.version", "ipv6.tclass", "ipv6.tclass.dscp", "ipv6.tclass.ecn", "ipv6.flow",
    "ipv6.plen", "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst", "ipv6.addr",
    "ipv6.src_host", "ipv6.dst_host", "ipv6.host", "ipv6.src_slaac_mac", "ipv6.dst_slaac_mac",
    "ipv6.slaac_mac", "ipv6.hopopts.nxt", "ipv6.hopopts.len", "ipv6.hopopts.len_oct",
    "ipv6.dstopts.nxt", "ipv6.dstopts.len", "ipv6.opt.type", "ipv6.opt.length",
    "ipv6.opt.router_alert", "ipv6.opt.padn", "ipv6.opt.pad1", "ipv6.routing.nxt",
    "ipv6.routing.len", "ipv6.routing.type", "ipv6.routing.segleft", "ipv6.routing.src.addr",
    "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
    "ipv6.fragments", "ipv6.fragment", "ipv6.fragment.count", "ipv6.reassembled.in",
    "ipv6.reassembled.length", "ipv6.reassembled.data",
    # ICMP
    "icmp.type", "icmp.code", "icmp.checksum", "icmp.checksum.status", "icmp.ident",
    "icmp.ident_le", "icmp.seq", "icmp.seq_le", "icmp.data_time", "icmp.data_time_relative",
    "icmp.resp_in", "icmp.resp_to", "icmp.resptime", "icmp.no_resp", "icmp.redir_gw",
    "icmp.checksum_bad", "icmp.mtu", "icmp.pointer",
    # ICMPv6
    "icmpv6.type", "icmpv6.code", "icmpv6.checksum", "icmpv6.checksum.status",
    "icmpv6.reserved", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
    "icmpv6.resp_in", "icmpv6.resp_to", "icmpv6.resptime", "icmpv6.no_resp", "icmpv6.mtu",
    "icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address", "icmpv6.nd.na.flag",
    "icmpv6.nd.na.flag.r", "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.o",
    "icmpv6.nd.ra.cur_hop_limit", "icmpv6.nd.ra.flag", "icmpv6.nd.ra.flag.prf",
    "icmpv6.nd.ra.router_lifetime", "icmpv6.nd.ra.reachable_time",
    "icmpv6.nd.ra.retrans_timer", "icmpv6.opt", "icmpv6.opt.type", "icmpv6.opt.length",
    "icmpv6.opt.linkaddr", "icmpv6.opt.src_linkaddr", "icmpv6.opt.target_linkaddr",
    "icmpv6.opt.mtu", "icmpv6.opt.prefix", "icmpv6.opt.prefix.length",
    "icmpv6.opt.prefix.flag", "icmpv6.opt.prefix.valid_lifetime",
    "icmpv6.opt.prefix.preferred_lifetime", "icmpv6.mld.maximum_response_delay",
    "icmpv6.mld.multicast_address",
    # what the quoted packets of errors add, and payloads
    "ip.src", "ip.dst", "ip.proto", "udp.srcport", "udp.dstport", "data.data",
]

needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark not installed")
COMPARED = {"packets": 0, "values": 0}


def _run(cmd: list[str]) -> list[str]:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    return out.stdout.splitlines()


def _tshark(path: Path, *args: str) -> list[str]:
    return _run([TSHARK, "-n", "-r", str(path), *args])  # type: ignore[list-item]


def _analyze(path: Path, *args: str) -> list[str]:
    return _run([str(ANALYZE), "-r", str(path), *args])


def _fields_args(fields: list[str]) -> list[str]:
    args = ["-T", "fields"]
    for f in fields:
        args += ["-e", f]
    return args


def _compare_fields(path: Path, fields: list[str], *extra: str) -> None:
    args = [*extra, *_fields_args(fields)]
    want, got = _tshark(path, *args), _analyze(path, *args)
    assert len(got) == len(want)
    for n, (w, g) in enumerate(zip(want, got, strict=True), 1):
        wv, gv = w.split("\t"), g.split("\t")
        diffs = [f"{name}: tshark={a!r} analyze={b!r}"
                 for name, a, b in zip(fields, wv, gv, strict=True) if a != b]
        assert not diffs, f"{path.name} frame {n}: " + "; ".join(diffs)
    COMPARED["packets"] += len(want)
    COMPARED["values"] += len(want) * len(fields)


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("l2l3"))


CAPTURES = ["eth", "sll", "sll2", "null_le", "null_be", "loop", "raw101", "raw12", "raw14",
            "raw229", "arp_dup", "arp_claims", "codes"]


@needs_tshark
@pytest.mark.parametrize("name", CAPTURES)
def test_packet_list_matches_tshark(caps: dict[str, Path], name: str) -> None:
    assert _analyze(caps[name]) == _tshark(caps[name])


@needs_tshark
@pytest.mark.parametrize("name", CAPTURES)
def test_fields_match_tshark(caps: dict[str, Path], name: str) -> None:
    _compare_fields(caps[name], FIELDS)


@needs_tshark
def test_two_pass_reply_in_and_no_response(caps: dict[str, Path]) -> None:
    """`-2` adds "(reply in N)" / "(no response found!)" to echo requests."""
    path = caps["eth"]
    got = _analyze(path, "-2")
    assert got == _tshark(path, "-2")
    assert any("(reply in " in line for line in got)
    assert any("(no response found!)" in line for line in got)
    _compare_fields(path, ["icmp.resp_in", "icmp.no_resp", "icmpv6.resp_in", "icmpv6.no_resp",
                           "icmp.resp_to", "icmpv6.resp_to", "ipv6.reassembled.in"], "-2")


def test_info_strings(caps: dict[str, Path]) -> None:
    """The exact Info texts (also checked against tshark above, this runs without it)."""
    lines = _analyze(caps["eth"])
    text = "\n".join(lines)
    for want in ("Who has 10.0.0.2? Tell 10.0.0.1", "10.0.0.2 is at 66:77:88:99:aa:bb",
                 "Gratuitous ARP for 10.0.0.1 (Reply)", "Who has 10.0.0.9? (ARP Probe)",
                 "ARP Announcement for 10.0.0.1",
                 "Echo (ping) request  id=0x1234, seq=1/256, ttl=64",
                 "Echo (ping) reply    id=0x1234, seq=1/256, ttl=40 (request in ",
                 "Destination unreachable (Port unreachable)",
                 "Redirect             (Redirect for host)",
                 "Echo (ping) request id=0x1a2b, seq=1, hop limit=64",
                 "Neighbor Solicitation for fe80::6677:88ff:fe99:aabb from 00:11:22:33:44:55",
                 "Neighbor Advertisement fe80::6677:88ff:fe99:aabb (sol, ovr) is at "
                 "66:77:88:99:aa:bb", "Multicast Listener Report",
                 "IPv6 fragment (off=0 more=y ident=0x0000abcd nxt=17)",
                 "PRI: 0  DEI: 0  ID: 8[Packet size limited during capture]"):
        assert want in text, want


def test_quoted_packet_keeps_outer_columns(caps: dict[str, Path]) -> None:
    """An ICMP error's quoted IP/UDP adds second occurrences but not columns."""
    lines = _analyze(caps["eth"], "-T", "fields", "-e", "frame.protocols", "-e", "ip.src",
                     "-e", "udp.srcport")
    row = next(r for r in lines if r.startswith("eth:ethertype:ip:icmp:ip:udp"))
    assert row.split("\t")[1:] == ["10.0.0.2,10.0.0.1", "40000"]
    plain = _analyze(caps["eth"])
    unreach = next(r for r in plain if "Port unreachable" in r)
    assert "10.0.0.2 \u2192 10.0.0.1" in unreach and " ICMP " in unreach


SAMPLE_FIELDS = [
    "frame.protocols", "ipv6.src", "ipv6.dst", "ipv6.plen", "ipv6.hlim", "ipv6.addr",
    "ipv6.src_slaac_mac", "ipv6.hopopts.nxt", "ipv6.opt.type", "ipv6.opt.router_alert",
    "ipv6.opt.padn", "icmpv6.type", "icmpv6.code", "icmpv6.checksum", "icmpv6.checksum.status",
    "icmpv6.reserved", "icmpv6.mld.multicast_address", "icmp.type", "icmp.code",
    "icmp.checksum", "icmp.checksum.status", "icmp.ident", "icmp.ident_le", "icmp.seq",
    "icmp.seq_le", "icmp.data_time", "icmp.data_time_relative", "icmp.resp_to",
    "icmp.resptime", "data.len",
]


@needs_tshark
@pytest.mark.parametrize("sample", ["ipv6.pcap", "dns+icmp.pcapng.gz"])
def test_public_samples(sample: str) -> None:
    """The ICMP/ICMPv6 packets of Wireshark's sample captures, one and two passes."""
    path = SAMPLES / sample
    if not path.exists():
        pytest.skip(f"{path} not available")
    for extra in ((), ("-2",)):
        want = [line for line in _tshark(path, *extra) if " ICMP" in line]
        got = [line for line in _analyze(path, *extra) if " ICMP" in line]
        assert want and got == want
    _compare_fields(path, SAMPLE_FIELDS)
    assert _my_blocks(_analyze(path, "-V")) == _my_blocks(_tshark(path, "-V"))


MY_TREES = ("802.1Q Virtual LAN", "IEEE 802.1ad", "Logical-Link Control",
            "Address Resolution Protocol", "Linux cooked capture", "Null/Loopback",
            "Internet Protocol Version 6", "Internet Control Message Protocol",
            "[Duplicate IP address")
# Lines that come from other modules or from the renderer's handling of expert items and
# long byte strings, not from these dissectors.
TREE_NOISE = re.compile(
    r"Expert Info|\[Severity level|\[Group:|\u2026|\[Timestamps\]|\[Time since|Data: |"
    r"Bad checksum|Duplicate IP address configured|code not implemented|Routing header type is deprecated|Connection establish|traceroute|"
    r"padding of zeros|payload length (exceeds|equals)|total length exceeds|Bad length value|"
    r"\"Time To Live\" only|UDP payload \(|Exception occurred|Reassembled IPv6 data|^\s*\[?Data \(1 byte")


def _my_blocks(lines: list[str]) -> list[list[str]]:
    """The top-level detail-tree blocks of this module's protocols, noise removed."""
    blocks: list[list[str]] = []
    keep = False
    for line in lines:
        if not line.strip() or re.match(r"^[0-9a-f]{4}  ", line):
            continue
        if not line.startswith(" "):
            keep = line.startswith(MY_TREES)
            if keep:
                blocks.append([])
        if keep and not TREE_NOISE.search(line):
            blocks[-1].append(line)
    return blocks


@needs_tshark
@pytest.mark.parametrize("name", CAPTURES)
def test_detail_tree_matches_tshark(caps: dict[str, Path], name: str) -> None:
    """`-V` subtrees of VLAN/LLC/ARP/SLL/null/IPv6/ICMP/ICMPv6, label for label."""
    want = _my_blocks(_tshark(caps[name], "-V"))
    got = _my_blocks(_analyze(caps[name], "-V"))
    assert len(got) == len(want)
    for w, g in zip(want, got, strict=True):
        assert g == w


def test_no_traceback_on_random_cuts(tmp_path: Path) -> None:
    """Every prefix of every frame is dissected without an exception escaping."""
    frames = [bytes(f) if not isinstance(f, tuple) else f[0] for f in eth_frames()]
    cut = [(f[:n], len(f)) for f in frames[::3] for n in range(0, len(f), 7)]
    path = write_pcap(tmp_path / "cuts.pcap", cut, 1)
    lines = _analyze(path)
    assert len(lines) == len(cut)


def test_zz_report_counts() -> None:
    """Not a check: prints how much was compared against tshark (pytest -s shows it)."""
    print(f"\ncompared against tshark: {COMPARED['packets']} packets, "
          f"{COMPARED['values']} field values")
