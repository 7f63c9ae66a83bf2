"""Differential test of the display filter engine against tshark 4.0.

One small capture (UDP, TFTP, TCP handshake + HTTP-like payloads, ARP, ICMP, DNS,
IPv6, VLAN, an ICMP error quoting a second IP header), frames one second apart.
tshark evaluates many filters per run through `-z io,stat,1,F1,F2,...` (one
interval = one frame), so a filter costs far less than a tshark start; filters that
`io,stat` cannot take (commas) and those we reject run alone with `-Y`. Our side
runs in-process on pre-dissected packets.

A filter passes when both sides match the same frames, or both reject it. Filters
only the newest Wireshark accepts (NEWER_SYNTAX) must be accepted by us and are
checked against the equivalent spelled-out filter. A filter naming a protocol whose
dissector module is still a placeholder is skipped with that reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import diffutil
import pytest

pytestmark = pytest.mark.tshark

BASE_TS = 1_600_000_000
BATCH = 32
SENTINEL = 22  # frame number of the last frame, left out of every comparison

# ---- the capture ---------------------------------------------------------------------


def build_packets() -> list:
    """The scapy packets, in order; one second apart so io,stat intervals are frames."""
    from scapy.layers.dns import DNS, DNSQR, DNSRR
    from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, UDPerror
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    from scapy.layers.l2 import ARP, Dot1Q, Ether
    from scapy.packet import Raw

    a, b = "02:00:00:00:00:01", "02:00:00:00:00:02"
    c, s = "10.0.0.1", "10.0.0.2"
    http_req = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: lab\r\n\r\n"
    http_resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHello"
    pk = [
        # 1 TFTP read request
        Ether(src=a, dst=b) / IP(src=c, dst=s, id=0x1111) / UDP(sport=1234, dport=69)
        / Raw(b"\x00\x01hello.txt\x00octet\x00"),
        # 2 UDP data
        Ether(src=b, dst=a) / IP(src=s, dst=c, ttl=128, flags="DF") / UDP(sport=5000, dport=7777)
        / Raw(b"hello world, Hello WORLD"),
        # 3 broadcast UDP
        Ether(src=a, dst="ff:ff:ff:ff:ff:ff") / IP(src="192.168.1.5", dst="255.255.255.255",
                                                  ttl=1) / UDP(sport=9999, dport=9999)
        / Raw(b"Broadcast Msg\x00\xff"),
        # 4-6 TCP handshake
        Ether(src=a, dst=b) / IP(src=c, dst=s, flags="DF") / TCP(
            sport=40000, dport=80, flags="S", seq=1000, options=[("MSS", 1460)]),
        Ether(src=b, dst=a) / IP(src=s, dst=c, flags="DF") / TCP(
            sport=80, dport=40000, flags="SA", seq=5000, ack=1001, options=[("MSS", 1400)]),
        Ether(src=a, dst=b) / IP(src=c, dst=s, flags="DF") / TCP(
            sport=40000, dport=80, flags="A", seq=1001, ack=5001),
        # 7-8 payloads
        Ether(src=a, dst=b) / IP(src=c, dst=s, flags="DF") / TCP(
            sport=40000, dport=80, flags="PA", seq=1001, ack=5001) / Raw(http_req),
        Ether(src=b, dst=a) / IP(src=s, dst=c, flags="DF") / TCP(
            sport=80, dport=40000, flags="PA", seq=5001, ack=1001 + len(http_req))
        / Raw(http_resp),
        # 9 FIN
        Ether(src=a, dst=b) / IP(src=c, dst=s, flags="DF") / TCP(
            sport=40000, dport=80, flags="FA", seq=1001 + len(http_req),
            ack=5001 + len(http_resp)),
        # 10-11 ARP
        Ether(src=a, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=a, psrc=c, pdst=s),
        Ether(src=b, dst=a) / ARP(op=2, hwsrc=b, psrc=s, hwdst=a, pdst=c),
        # 12-13 ICMP echo
        Ether(src=a, dst=b) / IP(src=c, dst="8.8.8.8") / ICMP(type=8, id=7, seq=1)
        / Raw(b"abcdefgh"),
        Ether(src=b, dst=a) / IP(src="8.8.8.8", dst=c, ttl=117) / ICMP(type=0, id=7, seq=1)
        / Raw(b"abcdefgh"),
        # 14-15 DNS
        Ether(src=a, dst=b) / IP(src=c, dst="10.0.0.53") / UDP(sport=33333, dport=53)
        / DNS(id=0x4242, rd=1, qd=DNSQR(qname="example.com", qtype="A")),
        Ether(src=b, dst=a) / IP(src="10.0.0.53", dst=c) / UDP(sport=53, dport=33333)
        / DNS(id=0x4242, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.com", qtype="A"),
              an=DNSRR(rrname="example.com", type="A", ttl=300, rdata="93.184.216.34")),
        # 16-17 IPv6
        Ether(src=a, dst=b, type=0x86DD) / IPv6(src="2001:db8::1", dst="2001:db8::2")
        / UDP(sport=3000, dport=4000) / Raw(b"v6 payload"),
        Ether(src=a, dst=b, type=0x86DD) / IPv6(src="fe80::1", dst="ff02::1", hlim=255)
        / ICMPv6EchoRequest(id=1, seq=2),
        # 18 VLAN
        Ether(src=a, dst=b) / Dot1Q(vlan=100, prio=3) / IP(src="172.16.0.1", dst="172.16.0.2")
        / UDP(sport=40001, dport=40002) / Raw(b"vlan data"),
        # 19 ICMP port unreachable quoting IP/UDP (two ip layers)
        Ether(src=b, dst=a) / IP(src=s, dst=c) / ICMP(type=3, code=3)
        / IPerror(src=c, dst=s) / UDPerror(sport=1234, dport=7),
        # 20 multicast, odd TTL and id
        Ether(src=a, dst="01:00:5e:00:00:fb") / IP(src=c, dst="224.0.0.251", ttl=255, id=0x1234)
        / UDP(sport=6000, dport=6001) / Raw(b"\x00\x01\x02\x03"),
        # 21 unknown ethertype (plain data)
        Ether(src=a, dst=b, type=0x88B5) / Raw(b"\x47\x45\x54" + b"\x00" * 43),
        # 22 sentinel: io,stat never counts the frame at the very end, so nobody compares it
        Ether(src=a, dst=b, type=0x88B5) / Raw(b"\x00" * 46),
    ]
    return pk


CAPTURE_PROTOS = ("eth", "ip", "udp", "tftp", "tcp", "arp", "icmp", "dns", "ipv6", "icmpv6",
                  "vlan", "data")


def write_capture(path: Path) -> Path:
    from scapy.utils import wrpcap

    pk = build_packets()
    for i, p in enumerate(pk):
        p.time = BASE_TS + i
    wrpcap(str(path), pk)
    return path


# ---- the filters ---------------------------------------------------------------------
# Systematic part: field x operator x value.
_FIELD_VALUES = [
    ("udp.port", ["69", "53", "7777", "0x45", "0105", "9999"]),
    ("udp.srcport", ["1234", "5000"]),
    ("ip.ttl", ["64", "1", "128", "255"]),
    ("ip.src", ["10.0.0.1", "10.0.0.0/24", "8.8.8.8", "192.168.0.0/16"]),
    ("ip.addr", ["10.0.0.2", "10.0.0.0/8"]),
    ("eth.src", ["02:00:00:00:00:01", "02-00-00-00-00-02", "0200.0000.0001"]),
    ("eth.dst", ["ff:ff:ff:ff:ff:ff"]),
    ("frame.len", ["60", "42", "100"]),
    ("tcp.port", ["80", "40000"]),
    ("tcp.flags.syn", ["1", "0"]),
    ("ip.id", ["0x1111", "4660"]),
    ("ip.proto", ["17", "6", "1"]),
    ("eth.type", ["0x0800", "0x0806"]),
]
_OPS = ["==", "!=", "===", "!==", ">", "<=", "~="]

SYSTEMATIC = [f"{f} {op} {v}" for f, vals in _FIELD_VALUES for v in vals for op in _OPS
              if not (op in (">", "<=") and ("/" in v or f.startswith("eth.")))]

HANDWRITTEN = [
    # existence
    "frame", "eth", "ip", "udp", "tcp", "arp", "icmp", "dns", "tftp", "data", "ipv6", "vlan",
    "ip.flags.df", "tcp.flags", "udp.payload", "tcp.payload", "data.data", "tftp.opcode",
    "dns.qry.name", "tcp.options.mss", "eth.padding", "eth.trailer", "icmp.ident",
    # logic and precedence
    "udp and ip", "udp && ip.ttl == 64", "tcp or arp", "tcp || udp", "not udp", "!tcp",
    "udp and not tftp", "not udp or tcp", "not (udp or tcp)", "udp or tcp and ip.ttl == 64",
    "(udp or tcp) and ip.ttl == 64", "arp or udp and ip.ttl == 1", "!udp && !tcp",
    "not not udp", "ip and (tcp or (udp and not dns))", "eth and eth and eth",
    "tcp or udp or arp or icmp", "udp.port == 69 or udp.port == 53 or tcp.port == 80",
    # implicit existence
    "tcp.port != 80", "udp.port != 69", "ip.src != 10.0.0.1", "ip.addr != 10.0.0.1",
    "!(ip.addr == 10.0.0.1)", "!(tcp.port == 80)", "tcp.srcport != 80 && tcp.dstport != 80",
    # comparisons of all kinds
    "udp.srcport > udp.dstport", "udp.srcport < udp.dstport", "udp.port == udp.srcport",
    "tcp.srcport >= tcp.dstport", "ip.src == ip.dst", "ip.src < ip.dst", "ip.ttl >= 100",
    "ip.ttl lt 100", "ip.ttl gt 64", "ip.ttl ge 64", "ip.ttl le 64", "ip.ttl eq 64",
    "ip.ttl ne 64", "udp.port any_eq 69", "udp.port all_ne 69", "udp.port all_eq 9999",
    "udp.port any_ne 9999", "any udp.port == 69", "all udp.port == 9999",
    "any ip.addr != 10.0.0.1", "all ip.addr != 8.8.8.8", "all ip.src == 10.0.0.1",
    "all ip.addr == 10.0.0.0/8", "any tcp.port > 1000", "all tcp.port > 1000",
    "eth.src == eth.dst", "ip.dst == 255.255.255.255", "ip.dst >= 224.0.0.0",
    "eth.dst == ff:ff:ff:ff:ff:ff", "eth.dst == ffff.ffff.ffff", "eth.src == 020000000001",
    "eth.addr == 02:00:00:00:00:02", "eth.dst.ig == 1", "eth.dst.ig", "eth.dst.ig == 0",
    "ip.flags.df == 1", "ip.flags.df == 0", "ip.flags.df == \"Set\"",
    "ip.flags.df == \"Not set\"", "ip.flags.df == True", "ip.flags.df == False",
    "tcp.flags.syn == 1 and tcp.flags.ack == 0", "tcp.flags.fin == 1", "tcp.flags == 0x012",
    "tcp.flags == 0x18", "tcp.seq == 0", "tcp.ack == 1", "tcp.len > 0", "tcp.stream == 0",
    "tcp.window_size > 100", "tcp.options.mss_val == 1460", "tcp.hdr_len == 24",
    "frame.number == 5", "frame.number > 18", "frame.number <= 2", "frame.cap_len < 50",
    "frame.len >= 64", "ip.len == 52", "ip.hdr_len == 20", "ip.version == 4",
    "ip.dsfield == 0", "ip.checksum.status == 2", "ip.frag_offset == 0",
    "udp.length == 17", "udp.length > 20", "udp.checksum != 0", "udp.stream == 1",
    "udp.stream > 2", "data.len == 24", "data.len > 10", "tftp.opcode == 1",
    "tftp.opcode == \"Read Request\"", "tftp.opcode == \"read request\"",
    "tftp.source_file == \"hello.txt\"", "tftp.type == \"octet\"", "tftp.source_file == hello.txt",
    "ip.proto == \"UDP\"", "ip.proto == UDP", "ip.proto == \"udp\"", "ip.proto == ICMP",
    "eth.type == IPv4", "eth.type == \"ARP\"", "arp.opcode == 1", "arp.opcode == 2",
    "arp.opcode == request", "arp.opcode == \"reply\"", "arp.src.proto_ipv4 == 10.0.0.1",
    "arp.dst.proto_ipv4 == 10.0.0.1", "arp.src.hw_mac == 02:00:00:00:00:02",
    "icmp.type == 8", "icmp.type == 0", "icmp.type == 3", "icmp.code == 3", "icmp.seq == 1",
    "dns.qry.name == \"example.com\"", "dns.a == 93.184.216.34", "dns.flags.response == 1",
    "dns.id == 0x4242", "dns.count.answers == 1", "dns.qry.type == 1",
    "vlan.id == 100", "vlan.priority == 3", "vlan.etype == 0x0800",
    "ipv6.src == 2001:db8::1", "ipv6.addr == 2001:db8::/32", "ipv6.dst == ff02::1",
    "ipv6.hlim == 255", "ipv6.nxt == 17", "ipv6.dst == ff02::/16", "ipv6.src == ::1",
    "icmpv6.type == 128",
    # numbers in every base
    "udp.port == 0x45", "udp.port == 0105", "udp.port == 0b1000101", "udp.port == 'E'",
    "ip.ttl == 0x40", "ip.ttl == 0100", "frame.len == 0x3c", "ip.ttl == 1e",
    # strings and bytes
    "udp contains \"hello\"", "udp contains \"Hello\"", "frame contains \"hello\"",
    "frame contains 47:45:54", "frame contains 47.45.54", "frame contains 47-45-54",
    "frame contains :47", "frame contains 47", "udp contains 68:65:6c:6c:6f",
    "udp contains 'h'", "udp contains \"\\x68ello\"", "udp contains \"\\150ello\"",
    "udp contains \"\\u00e9\"", "frame contains \"\\xff\"", "frame contains \"Msg\\0\"",
    "frame contains \"Msg\\x00\\xff\"", "tcp contains \"GET\"", "tcp contains \"HTTP/1.1\"",
    "tcp.payload contains \"Host\"", "udp.payload contains \"world\"", "data contains \"vlan\"",
    "data.data contains 76:6c:61:6e", "frame contains r\"\\x47\"", "udp contains r\"hel\"",
    "tcp contains \"\\r\\n\\r\\n\"", "frame contains \"\\t\"", "eth contains 02:00",
    "ip contains 0a:00:00:01", "frame contains \"example\"", "dns contains \"example\"",
    "dns.qry.name contains \"exam\"", "tftp.source_file contains \"txt\"",
    "data.data == 76:6c:61:6e:20:64:61:74:61", "udp.payload == 00:01:02:03",
    "data.text == \"vlan data\"",
    # matches
    "frame matches \"hello\"", "frame matches \"HELLO\"", "frame matches \"(?-i)HELLO\"",
    "frame matches \"(?-i)hello\"", "udp matches \"hel+o\"", "frame ~ \"GET /[a-z]+\\\\.html\"",
    "tcp matches \"^GET\"", "frame matches \"HTTP/1\\\\.[01]\"", "udp matches \"world$\"",
    "dns.qry.name matches \"^exa\"", "dns.qry.name matches \"COM$\"",
    "tftp.source_file matches \"\\\\.txt$\"", "frame matches \"\\\\x00\\\\x01\\\\x02\"",
    "udp.payload matches \"\\x00\\x01\"", "frame matches \"a.c\"", "frame matches \"[0-9]{3}\"",
    # membership
    "udp.port in {69, 53}", "udp.port in {60..70}", "udp.port in {60..70, 9999}",
    "tcp.port in {80, 443, 8000..8080}", "tcp.port not in {80}", "udp.port not in {69, 53}",
    "not udp.port in {69}", "ip.src in {10.0.0.1, 8.8.8.8}", "ip.src in {10.0.0.0/24}",
    "ip.addr in {192.168.0.0/16 8.8.8.8}", "eth.src in {02:00:00:00:00:01}",
    "dns.qry.name in {\"example.com\", \"x\"}", "ip.ttl in {1, 255}", "ip.ttl in {1 .. 64}",
    "frame.len in {40..60}", "ip.proto in {UDP, 1}", "frame.number in {1, 3, 5..7}",
    "udp.port in {udp.srcport}", "all udp.port in {1234, 69}", "all udp.port in {9999}",
    "all ip.addr in {10.0.0.0/8}", "all udp.port in {1000..8000}", "all tcp.port not in {80}",
    "any udp.port in {69}", "all ip.addr in {10.0.0.1, 10.0.0.2}", "all ip.ttl in {60..70}",
    # slices
    "eth.src[0:3] == 02:00:00", "eth.src[0] == 02", "eth.src[-1] == 01", "eth.src[5] == 02",
    "eth.dst[0:2] == ff:ff", "eth.src[1-2] == 00:00", "eth.src[:2] == 02:00",
    "eth.src[4:] == 00:01", "eth.src[0:1,5] == 02:01", "ip.src[0] == 0a", "ip.src[0:1] == 10",
    "ip.src[3] == 01", "frame[0:6] == 02:00:00:00:00:02", "frame[12:2] == 08:00",
    "frame[12:2] == 81:00", "udp[0:2] == 04:d2", "udp.payload[0:2] == 00:01",
    "udp.payload[2:5] == \"hello\"", "tcp.payload[0:3] == \"GET\"", "frame[-2:] == 00:00",
    "frame[100:1] == 00", "udp[8:] contains \"world\"", "frame[0:3] contains 00",
    "eth.src[0:3] == eth.dst[0:3]", "ip.src[0:2] == ip.dst[0:2]", "frame[0:2] > 02:00",
    "frame[54-56] == \"GET\"",
    # layers
    "ip.src#1 == 10.0.0.2", "ip.src#2 == 10.0.0.1", "ip.dst#2 == 10.0.0.2", "ip#2",
    "ip.addr#[1-2] == 10.0.0.1", "ip.src#[2] == 10.0.0.1", "ip.ttl#1 == 64", "ip.proto#2 == 17",
    "udp.dstport#1 == 7", "udp#1", "ip.src#3",
    # arithmetic and bitwise
    "tcp.flags & 0x02", "tcp.flags & 0x12 == 0x12", "tcp.flags & 0x01", "ip.ttl & 0x80",
    "udp.srcport & 1 == 0", "frame.len & 0x40 != 0", "udp.dstport == udp.srcport + 6543",
    "udp.srcport + 1 == 1235", "udp.dstport - 1 == 68", "udp.srcport * 2 == 2468",
    "udp.srcport / 2 == 617", "udp.srcport % 10 == 4", "{udp.srcport + 1} * 2 == 2470",
    "ip.ttl == 32 * 2", "ip.ttl == 130 - 2", "ip.ttl == 2 * {60 + 4}", "-ip.ttl == -64",
    "ip.ttl > -1", "frame.len == 50 + 10", "tcp.srcport > tcp.dstport * 100",
    "udp.length == udp.payload[0:0] == 00",
    # functions
    "len(udp.payload) == 24", "len(eth.src) == 6", "len(ip.src) == 4", "len(frame) > 60",
    "len(dns.qry.name) == 11", "count(ip.addr) == 2", "count(ip.src) == 2",
    "count(tcp.options.mss) == 1", "upper(dns.qry.name) == \"EXAMPLE.COM\"",
    "lower(tftp.type) == \"octet\"", "upper(tftp.type) contains \"OCT\"",
    "string(udp.port) == \"69\"", "string(ip.src) == \"10.0.0.1\"",
    "string(frame.number) matches \"^1\"", "max(udp.srcport, udp.dstport) == 9999",
    "min(udp.srcport, udp.dstport) == 69", "min(tcp.port) == 80", "max(ip.ttl) > 100",
    "abs(udp.srcport) == 1234", "len(udp.payload) > len(tcp.payload)",
    # times
    "frame.time_relative == 0", "frame.time_relative > 10", "frame.time_relative >= 2.5",
    "frame.time_delta == 1", "frame.time_delta > 0.5", "frame.time_epoch > 1600000005",
    "frame.time_relative < 1.5", "udp.time_relative > 0",
    "frame.time >= \"2020-09-13 12:26:45\"", "frame.time < \"Sep 13, 2020 12:26:45\"",
    "frame.time == \"2020-09-13 12:26:40\"",
    # more corners: ordering on bytes/strings, field sets, string slices, signedness
    "eth.src > 02:00:00:00:00:01", "udp.payload > 00:01", "udp.payload < 68",
    "dns.qry.name > \"a\"", "dns.qry.name < \"example.con\"", "len(udp) == 8",
    "len(frame) == 60", "len(ip) > 20", "count(ip) == 2", "count(udp) == 1",
    "all ip.addr == ip.src", "any ip.addr == ip.dst", "ip.addr == ip.addr", "ip.addr != ip.addr",
    "ip.addr !== ip.addr", "udp.port in {udp.srcport..7777}", "frame.len == frame.cap_len",
    "dns.qry.name[0:3] == \"exa\"", "frame.protocols[0:3] == \"eth\"",
    "eth.src[0:4][1:2] == 00:00", "tcp.flags.syn & 1", "frame.time_delta * 2 > 1",
    "data.len > -1", "tcp.flags.syn == \"Set\"", "ip.proto == 0x11", "eth.type == 2048",
    "frame[12:2] in {08:00, 86:dd}", "ip.dst in {224.0.0.0/4}",
    "dns.qry.name == \"example\\x2ecom\"", "udp.port==69", "(udp)and(ip)",
    "ip.src eq 10.0.0.1 and not ip.dst eq 10.0.0.2", "ip#2 contains 0a:00:00:01",
    "udp.port#[1-2] == 7", "eth.src[-7] == 00", "udp.srcport / -2 == -617",
    "abs(frame.time_delta) >= 1", "max(udp.srcport, 10000) == 10000",
    "upper(dns.qry.name)[0:3] == \"EXA\"",
    "string(eth.src) == \"02:00:00:00:00:01\"", "string(ip.flags.df) == \"1\"",
    "string(frame.time_relative) contains \"1\"", "ip.ttl in {64, ip.ttl}",
    "frame.number in {2..4, 6, 19..}", "icmp.type in {0, 8} and ip.ttl > 100",
    "tcp.srcport != tcp.dstport", "tcp.port === tcp.port", "eth.addr === eth.addr",
    "ip.src matches \"10\"", "frame matches \"[[:digit:]]{3}\"", "frame matches \"\\d{3}\"",
    "frame matches \"\\bworld\\b\"", "frame.protocols ~ \"^eth:ethertype:ip:udp$\"",
    "ip.ttl == 1 / 0", "ip.ttl / 0 == 1", "frame.time == \"2020-09-13 12:26:40.5\"",
    "frame contains 0a0b", "frame contains 4745", "ip.src > 10.0.0.0/8", "ip.src <= 10.0.0.0/8",
    "ip.dst > 10.0.0.0/24", "eth.src in {00:00:00:00:00:00..02:00:00:00:00:01}",
    "dns.qry.name in {\"a\"..\"f\"}", "frame.marked == \"True\"", "ip.ttl == '\\x40'",
    "udp.port == +5", "data.len == -5", "udp.srcport == -udp.dstport",
    "len(udp.stream) == 4", "len(eth.src.oui) == 3", "all frame.len != tcp.flags.push",
    "eth.src matches \"[0-9a]\"", "frame.len == tcp.flags.syn",
    # keyword spelling
    "frame.protocols contains \"tftp\"", "frame.protocols == \"eth:ethertype:arp\"",
    "frame.protocols matches \"vlan\"",
    # issue 16: Wireshark's own filter suite's forms
    "udp.srcport == abs(-69)", "eth[0] & 1", "eth[0] & 1 == 0", "eth.dst[0] & 2",
    "frame[0:2] & ff:ff == 00:02", "udp.srcport bitwise_and 0x0F == 5", "frame[0] == 0x02",
    "frame[12:2] == 800", "frame[0:3] == 200", "frame[0] == fc", "frame contains ff",
    "udp.srcport == .udp.dstport", "frame.time == \"2020-09-13 12:26:40 UTC\"",
    "frame.time < \"2020-09-13T12:26:45Z\"", "frame.time > \"Sep 13, 2020 12:26:40UTC\"",
    "ip.dst#[-1] == 10.0.0.2",
    # numbers at the edge of their ranges (issue 12)
    "frame.time_delta >= 1.000000000000", "frame.time_relative > -1",
    "frame[2147483647] == 1", "frame[-2147483648:1] == 1", "frame[0:2147483647] == 00",
    # PCRE2 as Wireshark runs it: no UTF, caseless, \\C and \\x{..} as PCRE2 has them
    "frame matches \"\\\\x{47}et\"", "tcp matches \"G\\\\CT\"", "frame matches \"[[:^alpha:]]{5}\"",
    "udp matches \"(?i)WORLD\"", "frame matches \"\\\\h\"", "frame matches \"(a|b)*+c\"",
    "frame matches \"(?<=Hel)lo\"", "frame matches \"\\\\xff$\"",
    # constant `&` and division by zero inside constant arithmetic (fuzzing, issue 12)
    "frame[0:2] == 02:ff & ff:00", "ip.src == 10.0.0.1 & 255.255.255.255",
    "eth.src == 02:00:00:00:00:ff & ff:ff:ff:ff:ff:01", "frame.len == 1/0 + 1",
    "frame.len == {1/0} * 2",
]

# Filters tshark 4.0 rejects: we must reject them too (message checked in the parser tests).
ERRORS = [
    "udp.prot eq 69", "ip.addr == 10.0.0.300", "tcp.port == \"x\"", "udp.port == 70000",
    "ip.src == 10.0.0.1/33", "udp.port == 10.0.0.0/8", "eth.src == 00:00:83",
    "eth.src == 00:00:83:11:22:33:44", "ip.ttl[0]", "udp.port[0:1] == 00", "(udp",
    "udp)", "udp.port in {69", "udp.port in {69 70}", "udp.port ==", "== 69", "udp and",
    "frame contains \"\\q\"", "frame contains \"abc", "frame matches \"(\"",
    "frame matches \"[a\"", "ip.src == \"10.0.0.1\"", "udp.port == foo", "ip.ttl == 08",
    "ip.ttl == 0x", "ip.src == 10.0.0", "foo(udp.port)",
    "upper(udp.port) == \"X\"", "ip.src == eth.src", "ip.proto == udp", "frame.len > 1.5",
    "UDP", "x", "ip.src == ::1", "ipv6.src == 10.0.0.1", "frame[0", "frame[a]",
    "frame[1:2:3]", "ip.src#a", "udp contains", "udp contains hello", "udp.port == 69.",
    "ip.dst == 10.0.0.2 ip.src", "ip.flags.df == \"maybe\"", "udp.port in {\"69\"}",
    "frame.len in {50..60 70}", "udp.port contains 69", "ip.src matches \"10\"",
    "\"abc\"", "udp.port == 1 ==", "frame contains \"\\u0068\"", "ip.ttl > \"x\"",
    "eth.src > 1.2.3.4", "tcp.flags.syn == 2x", "frame[0:2] == 0g", "count(frame[0:2]) == 1",
    "udp.port == 'ab'", "frame contains \"\\x\"", "udp.srcport-1 == 1233",
    "frame matches hello", "eth.src == 00:00:83:11:22:33:",
    "frame contains a:b:c", "udp.payload in {00..ff}", "abs(ip.src) == 1",
    "min(ip.src, eth.src) == 1", "max(udp.port, \"x\") == 1", "ip.ttl == ''", "udp.port in {}",
    "udp.port in {1,}", "frame.len in {1.5..2}", "tcp.flags.syn & 1",
    "frame.time_delta * 2 > 1", "frame[12:2] in {08:00, 86:dd}",
    "string(ip.flags.df) == \"1\"", "ip.src + 1 == 1",
    "tcp.flags.urg == ip.proto", "max(tcp.stream, eth.src.oui) > 0", "all ip.addr contains 0a",
    "ip.ttl > ip.src",
    # issue 16
    "frame.time_delta > .5", "frame.time_delta in {0.1...7}", "udp.srcport == .7a",
    "frame.time == \"2020-09-13 12:26:40 FOO\"", "frame.time == \"2020-09-13 12:26.4\"",
    "frame.time == \"2020-09-13 12:26:40 utc\"", "frame[0] == 0x133", "uPPer(ip.src) == 1",
    # out-of-range numbers (issue 12)
    "frame.time_delta > 1e400", "frame.time_delta > -1e400", "frame.time_relative > 1e10",
    "frame.time_delta in {1 .. 1e400}", "frame.time_delta > inf", "frame.len > 0x10000000000000000",
    "frame.len > 18446744073709551616", "data.len > 9223372036854775808",
    "frame[2147483648] == 1", "frame[0:2147483648] == 1", "frame[-2147483649] == 1",
    "frame[99999999999999999999-1] == 1", "ip.ttl#2147483648 == 1",
    "ip.ttl#[1:99999999999999999999] == 1", "frame.time_delta > 1.0000000001",
    "dns.qry.name == 1 & 2", "frame.time_delta == 1 & 2", "tcp.flags.syn == 1 & 1",
    "frame.protocols == \"a\" & \"b\"", "frame matches \"(*UTF)x\"", "frame matches \"\\\\u0041\"", "frame matches \"\\\\N{U+0041}\"",
]

# Where our caret deliberately differs from tshark 4.0's (newer messages).
CARET_DIFFERS = {
    "eth.src == 00:00:83:11:22:33:",  # tshark's scanner splits the trailing ':'
    "frame contains a:b:c",  # same: we report the whole word as a bad byte string
    "udp.payload in {00..ff}",  # we reject the byte range, tshark the upper bound
}

# Accepted only by newer Wireshark: (filter, equivalent 4.0 spelling).
NEWER_SYNTAX = [
    ("udp xor tcp", "(udp or tcp) and not (udp and tcp)"),
    ("udp ^^ ip", "(udp or ip) and not (udp and ip)"),
    ("udp xor ip.ttl == 64", "(udp or ip.ttl == 64) and not (udp and ip.ttl == 64)"),
    ("udp or tcp xor arp", "udp or ((tcp or arp) and not (tcp and arp))"),
    ("udp AND ip", "udp and ip"), ("udp Or tcp", "udp or tcp"), ("NOT udp", "not udp"),
    ("udp.port EQ 69", "udp.port == 69"), ("udp.port In {69, 53}", "udp.port in {69, 53}"),
    ("69 == udp.port", "udp.port == 69"), ("64 < ip.ttl", "ip.ttl > 64"),
    ("10.0.0.1 == ip.src", "ip.src == 10.0.0.1"), ("1 <= udp.port", "udp.port >= 1"),
    ("1 < udp.port < 100", "udp.port > 1 and udp.port < 100"),
    ("60 <= frame.len <= 70", "frame.len >= 60 and frame.len <= 70"),
    ("ip.flags.df == true", "ip.flags.df == 1"), ("ip.flags.df == false", "ip.flags.df == 0"),
    # functions (issue 16): as tests, of slices, of constants
    ("len(udp.port)", "udp.port"), ("!len(udp.payload)", "!udp.payload"),
    ("len(frame[0:2]) == 2", "frame.cap_len >= 2"),
    ("max(60, 70) == frame.len", "frame.len == 70"),
    ("len(string(frame.number)) == 2", "frame.number >= 10 and frame.number <= 99"),
    ("-69 == udp.srcport", "udp.srcport == -69"),
    # absolute times: Unix time, strptime's %z zones (issue 16)
    ("frame.time == 1600000000", 'frame.time == "2020-09-13 12:26:40"'),
    ("frame.time >= 1600000000.5", 'frame.time >= "2020-09-13 12:26:40.5"'),
    ('frame.time < "2020-09-13 14:26:45 +02:00"', 'frame.time < "2020-09-13 12:26:45"'),
    ('frame.time < "2020-09-13 07:26:45 EST"', 'frame.time < "2020-09-13 12:26:45"'),
    ('frame.time < "2020-09-13 18:26:45F"', 'frame.time < "2020-09-13 12:26:45"'),
]


def all_filters() -> list[str]:
    seen: dict[str, None] = {}
    for f in SYSTEMATIC + HANDWRITTEN:
        if f not in ERRORS:
            seen.setdefault(f, None)
    return list(seen)


# ---- running both sides ----------------------------------------------------------------
def _needs(expr: str) -> set[str]:
    """Protocols a filter depends on: the prefixes of the names it uses."""
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*", expr))
    out = set()
    for n in names:
        p = n.split(".")[0]
        if p in CAPTURE_PROTOS or p in ("icmpv6", "ipv6", "http"):
            out.add(p)
    if re.search(r"\bdata\b|frame\.protocols|#", expr):
        out |= set(CAPTURE_PROTOS)  # depends on every layer being dissected
    return out


def missing_protocols(expr: str) -> list[str]:
    from dissectors.registry import REGISTRY

    return sorted(p for p in _needs(expr) if p not in REGISTRY.protocols)


def _tshark_version() -> str:
    return diffutil.run_tshark(["-v"]).splitlines()[0]


def _tshark_single(pcap: Path, expr: str) -> list[int] | str:
    cp = diffutil.run_tshark_full(["-r", str(pcap), "-Y", expr, "-T", "fields",
                                   "-e", "frame.number"])
    if cp.returncode != 0:
        return "ERROR: " + cp.stderr.strip()
    return [int(x) for x in cp.stdout.split() if int(x) < SENTINEL]


_ROW = re.compile(r"^\|\s*(\d+)\s*<>\s*(?:\d+|Dur)\s*\|(.*)\|\s*$")


def _tshark_batch(pcap: Path, exprs: list[str], nframes: int) -> dict[str, list[int] | str]:
    """Evaluate many filters in one tshark run via io,stat (1 s interval = 1 frame)."""
    out: dict[str, list[int] | str] = {}
    todo = list(exprs)
    while todo:
        arg = "io,stat,1," + ",".join(todo)
        cp = diffutil.run_tshark_full(["-q", "-r", str(pcap), "-z", arg])
        if cp.returncode != 0:
            m = re.search(r'Filter "(.*)" is invalid', cp.stderr)
            if not m or m.group(1) not in todo:
                for e in todo:  # cannot tell which: fall back to single runs
                    out[e] = _tshark_single(pcap, e)
                return out
            out[m.group(1)] = "ERROR: " + cp.stderr.strip()
            todo.remove(m.group(1))
            continue
        matched: dict[int, list[int]] = {i: [] for i in range(len(todo))}
        for line in cp.stdout.splitlines():
            m = _ROW.match(line)
            if not m:
                continue
            frame = int(m.group(1)) + 1
            cells = [c.strip() for c in m.group(2).split("|")]
            for i in range(len(todo)):
                frames = int(cells[2 * i])
                if frames:
                    matched[i].append(frame)
        for i, e in enumerate(todo):
            out[e] = matched[i]
        break
    return out


def tshark_results(pcap: Path, exprs: list[str], cache: object) -> dict[str, list[int] | str]:
    """tshark's verdict for every filter; cached by capture hash and tshark version."""
    key_base = "v2" + hashlib.sha256(pcap.read_bytes()).hexdigest()[:16] + _tshark_version()
    results: dict[str, list[int] | str] = {}
    pending = []
    for e in exprs:
        hit = cache.get("filters/" + hashlib.sha256((key_base + e).encode()).hexdigest(), None)
        if hit is not None:
            results[e] = hit if isinstance(hit, str) else list(hit)
        else:
            pending.append(e)
    from filters import FilterError, compile_filter

    batchable, singles = [], []
    for e in pending:
        try:
            compile_filter(e)
            ok = True
        except FilterError:
            ok = False
        (batchable if ok and "," not in e else singles).append(e)
    nframes = len(build_packets())
    batches = [batchable[i:i + BATCH] for i in range(0, len(batchable), BATCH)]
    with ThreadPoolExecutor(max_workers=2) as ex:
        for r in ex.map(lambda b: _tshark_batch(pcap, b, nframes), batches):
            results.update(r)
        for e, r in zip(singles, ex.map(lambda e: _tshark_single(pcap, e), singles), strict=True):
            results[e] = r
    for e in pending:
        cache.set("filters/" + hashlib.sha256((key_base + e).encode()).hexdigest(), results[e])
    return results


def tshark_caret(err: str) -> tuple[int, int] | None:
    """(column, length) of the caret line tshark prints under a rejected filter."""
    for line in err.splitlines():
        m = re.fullmatch(r"    ( *)\^(~*)", line)
        if m:
            return len(m.group(1)), 1 + len(m.group(2))
    return None


class _NoCache:
    """Stands in for pytest's cache when the cache plugin is off."""

    def get(self, key: str, default: object) -> object:
        return default

    def set(self, key: str, value: object) -> None:
        pass


def our_result(packets: list, expr: str) -> list[int] | str:
    from filters import FilterError, compile_filter

    try:
        flt = compile_filter(expr)
    except FilterError as e:
        return "ERROR: " + e.message
    return [p.frame.number for p in packets if flt.match(p) and p.frame.number < SENTINEL]


@pytest.fixture(scope="module")
def diff_env(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    if not diffutil.tshark_available():
        pytest.skip("tshark is not installed")
    from captures import open_capture
    from dissectors import Session, dissect

    pcap = write_capture(tmp_path_factory.mktemp("fdiff") / "filters.pcap")
    reader = open_capture(str(pcap))
    session = Session()
    packets = [dissect(fr, session) for fr in reader]
    reader.close()
    exprs = all_filters() + ERRORS + [x for pair in NEWER_SYNTAX for x in pair]
    # tshark runs with TZ=UTC and reads absolute-time literals as local time; so do we.
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    theirs = tshark_results(pcap, exprs, getattr(request.config, "cache", None) or _NoCache())
    stats = {"agree": 0, "disagree": [], "skipped": 0}
    yield packets, theirs, stats
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()
    path = Path(__file__).resolve().parent / "filter_diff_report.txt"
    lines = [f"filters agreeing with tshark: {stats['agree']}",
             f"skipped (placeholder dissectors): {stats['skipped']}",
             f"disagreeing: {len(stats['disagree'])}"] + [json.dumps(d) for d in
                                                          stats["disagree"]]
    try:
        path.write_text("\n".join(lines) + "\n")
    except OSError:
        pass
    print("\n" + "\n".join(lines[:3]))


def _check(diff_env, expr: str) -> None:  # noqa: ANN001
    packets, theirs, stats = diff_env
    missing = missing_protocols(expr)
    if missing:
        stats["skipped"] += 1
        pytest.skip(f"dissector not written yet: {', '.join(missing)}")
    ours = our_result(packets, expr)
    ref = theirs[expr]
    same = (isinstance(ours, str) and isinstance(ref, str)) or ours == ref
    if same:
        stats["agree"] += 1
    else:
        stats["disagree"].append({"filter": expr, "tshark": ref, "ours": ours})
    assert same, f"{expr!r}: tshark {ref!r}, labshark {ours!r}"


# Disagreements caused by a dissector, not by the filter engine.
KNOWN_DISSECTOR_BUGS: dict[str, str] = {}


@pytest.mark.parametrize("expr", all_filters())
def test_filter_matches_tshark(diff_env, expr: str) -> None:  # noqa: ANN001
    if expr in KNOWN_DISSECTOR_BUGS:
        pytest.xfail(KNOWN_DISSECTOR_BUGS[expr])
    _check(diff_env, expr)


@pytest.mark.parametrize("expr", ERRORS)
def test_rejected_like_tshark(diff_env, expr: str) -> None:  # noqa: ANN001
    packets, theirs, stats = diff_env
    assert isinstance(theirs[expr], str), f"tshark accepts {expr!r}: {theirs[expr]}"
    _check(diff_env, expr)
    from filters import FilterError, compile_filter

    with pytest.raises(FilterError) as ei:
        compile_filter(expr)
    caret = tshark_caret(theirs[expr])
    if caret is not None and expr not in CARET_DIFFERS:
        assert (ei.value.column, ei.value.length) == caret, theirs[expr]


@pytest.mark.parametrize("expr,equivalent", NEWER_SYNTAX)
def test_newer_syntax(diff_env, expr: str, equivalent: str) -> None:  # noqa: ANN001
    """tshark 4.0 rejects these; we accept them with the newest Wireshark's meaning."""
    packets, theirs, stats = diff_env
    missing = missing_protocols(expr) or missing_protocols(equivalent)
    if missing:
        pytest.skip(f"dissector not written yet: {', '.join(missing)}")
    assert isinstance(theirs[expr], str), f"tshark 4.0 accepts {expr!r} now: update the list"
    ref = theirs[equivalent]
    assert not isinstance(ref, str), f"tshark rejects the equivalent {equivalent!r}: {ref}"
    assert our_result(packets, expr) == ref


def test_enough_filters() -> None:
    assert len(all_filters()) + len(ERRORS) + len(NEWER_SYNTAX) >= 300
