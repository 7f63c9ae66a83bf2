"""Deterministic generator of a mixed lab capture for the benchmark (bench/run.py).

    python bench/gen_capture.py OUT [--packets N] [-F pcap|pcapng] [--seed S]
    python bench/gen_capture.py OUT --cut N --from BIG   # first N records of BIG

Why not scapy: building a million packets with scapy takes many minutes. Here each
header is one precompiled `struct.Struct` pack, checksums are computed with the
"big integer mod 0xffff" identity, and records go through one buffered file, so 1M
packets take seconds. The output depends only on the seed and the packet count
(fixed start time, timestamps from the seeded RNG), and a file of N packets is the
exact prefix of a longer one with the same seed.

Traffic mix (share of packets, roughly): TCP/HTTP flows with handshakes, GET,
response and FIN teardown (~33%, to 10.x and to 192.168.x / 172.16.x servers), TFTP
transfers (RRQ/WRQ to udp 69, then DATA/ACK on the server's new port; some with an
OACK for blksize, some ending in ERROR; ~15%), DNS over UDP 53 (~11%), FeiQ / IPMSG on
udp 2425 (BR_ENTRY broadcasts, ANSENTRY, SENDMSG 288, RECVMSG; ~9%), ICMP echo and
port-unreachable errors quoting a UDP datagram (some to port 69; ~6%), ARP (~4%),
UDP broadcasts to port 6868 (~3%), fragmented UDP datagrams (~2.5%), IPv6 DNS /
ICMPv6 echo / HTTP (~10%). About 5% of the packets are 802.1Q-tagged IPv4.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

SEED = 20240601
START_SEC = 1_700_000_000  # 2023-11-14 22:13:20 UTC: fixed, never the clock

ETH = struct.Struct("!6s6sH")
VLAN = struct.Struct("!6s6sHHH")
IP4 = struct.Struct("!BBHHHBBH4s4s")
IP6 = struct.Struct("!IHBB16s16s")
UDP = struct.Struct("!HHHH")
TCP = struct.Struct("!HHIIBBHHH")
ICMP = struct.Struct("!BBHHH")
ARP = struct.Struct("!HHBBH6s4s6s4s")
DNS = struct.Struct("!HHHHHH")
PCAP_HDR = struct.Struct("<IHHiIII")
PCAP_REC = struct.Struct("<IIII")
EPB = struct.Struct("<IIIIIII")
H10 = struct.Struct("!10H")

BCAST_MAC = b"\xff" * 6
BCAST4 = bytes([255, 255, 255, 255])
ROUTER_MAC = b"\x02\x00\x0a\x00\x00\x01"

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip4(s: str) -> bytes:
    return bytes(int(x) for x in s.split("."))


def mac_of(addr: bytes) -> bytes:
    """A host's MAC is derived from its address, so ARP never sees two MACs per IP."""
    return b"\x02\x00" + addr[-4:] if len(addr) == 4 else b"\x02\x06" + addr[-4:]


def csum_sum(data: bytes) -> int:
    """One's-complement sum of 16-bit words (as an int in 0..0xffff) via int mod 0xffff."""
    if len(data) & 1:
        data += b"\0"
    s = int.from_bytes(data, "big") % 0xFFFF
    if s == 0 and any(data):
        s = 0xFFFF
    return s


def fold(s: int) -> int:
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ip4_csum(hdr: bytes) -> int:
    return ~fold(sum(H10.unpack(hdr))) & 0xFFFF


def l4_csum(pseudo: bytes, seg: bytes, zero_is_ffff: bool) -> int:
    c = ~fold(csum_sum(pseudo) + csum_sum(seg)) & 0xFFFF
    return 0xFFFF if (c == 0 and zero_is_ffff) else c


class Builder:
    """Frames from headers; holds the per-host IP id counters."""

    def __init__(self) -> None:
        self.ipid: dict[bytes, int] = {}

    def eth(self, src: bytes, dst: bytes, etype: int, vlan: int) -> bytes:
        if vlan:
            return VLAN.pack(dst, src, 0x8100, vlan, etype)
        return ETH.pack(dst, src, etype)

    def next_id(self, src: bytes) -> int:
        i = (self.ipid.get(src, (src[-1] * 257) & 0xFFFF) + 1) & 0xFFFF
        self.ipid[src] = i
        return i

    def ipv4(self, src: bytes, dst: bytes, proto: int, payload: bytes, ttl: int = 64,
             ident: int | None = None, frag: int = 0x4000) -> bytes:
        if ident is None:
            ident = self.next_id(src)
        h = IP4.pack(0x45, 0, 20 + len(payload), ident, frag, ttl, proto, 0, src, dst)
        return h[:10] + ip4_csum(h).to_bytes(2, "big") + h[12:] + payload

    def ipv6(self, src: bytes, dst: bytes, nxt: int, payload: bytes) -> bytes:
        return IP6.pack(0x60000000, len(payload), nxt, 64, src, dst) + payload

    def udp(self, src: bytes, dst: bytes, sport: int, dport: int, data: bytes,
            with_csum: bool) -> bytes:
        ln = 8 + len(data)
        seg = UDP.pack(sport, dport, ln, 0) + data
        if not with_csum:
            return seg
        c = l4_csum(self._pseudo(src, dst, 17, ln), seg, True)
        return seg[:6] + c.to_bytes(2, "big") + seg[8:]

    def tcp(self, src: bytes, dst: bytes, sport: int, dport: int, seq: int, ack: int,
            flags: int, data: bytes = b"", win: int = 64240) -> bytes:
        if flags & SYN:
            hdr = TCP.pack(sport, dport, seq, ack, 6 << 4, flags, win, 0, 0) + b"\x02\x04\x05\xb4"
        else:
            hdr = TCP.pack(sport, dport, seq, ack, 5 << 4, flags, win, 0, 0)
        seg = hdr + data
        c = l4_csum(self._pseudo(src, dst, 6, len(seg)), seg, False)
        return seg[:16] + c.to_bytes(2, "big") + seg[18:]

    @staticmethod
    def _pseudo(src: bytes, dst: bytes, proto: int, ln: int) -> bytes:
        if len(src) == 4:
            return src + dst + struct.pack("!BBH", 0, proto, ln)
        return src + dst + struct.pack("!IxxxB", ln, proto)

    def frame4(self, src: bytes, dst: bytes, proto: int, payload: bytes, vlan: int = 0,
               dst_mac: bytes | None = None, **kw: int) -> bytes:
        return (self.eth(mac_of(src), dst_mac or mac_of(dst), 0x0800, vlan)
                + self.ipv4(src, dst, proto, payload, **kw))

    def udp4(self, src: bytes, dst: bytes, sport: int, dport: int, data: bytes,
             vlan: int = 0, dst_mac: bytes | None = None) -> bytes:
        return self.frame4(src, dst, 17, self.udp(src, dst, sport, dport, data, False),
                           vlan, dst_mac, frag=0)

    def tcp_frame(self, src: bytes, dst: bytes, sport: int, dport: int, seq: int, ack: int,
                  flags: int, data: bytes, vlan: int) -> bytes:
        seg = self.tcp(src, dst, sport, dport, seq, ack, flags, data)
        if len(src) == 16:
            return self.eth(mac_of(src), mac_of(dst), 0x86DD, 0) + self.ipv6(src, dst, 6, seg)
        return self.frame4(src, dst, 6, seg, vlan)


# ---------------------------------------------------------------- host plan

CLIENTS_A = [ip4(f"10.0.1.{i}") for i in range(10, 60)]
CLIENTS_B = [ip4(f"192.168.1.{i}") for i in range(20, 60)]
WEB_10 = [ip4("10.0.0.80"), ip4("10.0.0.81"), ip4("10.20.3.4")]
WEB_OTHER = [ip4("192.168.1.10"), ip4("172.16.0.10"), ip4("172.16.5.20")]
DNS_SERVERS = [ip4("10.0.0.53"), ip4("192.168.1.1")]
# TFTP hosts are used by nothing else, so tshark's TFTP conversations (client address
# and port, server address, any server port) never capture other traffic.
TFTP_CLIENTS = [ip4(f"10.9.1.{i}") for i in range(1, 31)] + [ip4(f"192.168.9.{i}")
                                                              for i in range(1, 11)]
TFTP_SERVERS = [ip4("10.9.0.1"), ip4("10.9.0.2"), ip4("192.168.9.250")]
TFTP_DEAD = [ip4("10.9.0.66"), ip4("192.168.9.66")]  # no TFTP server: ICMP unreachable
FEIQ_HOSTS = [ip4(f"192.168.1.{i}") for i in range(100, 140)]
SUBNET_BCAST = ip4("192.168.1.255")
V6_CLIENTS = [bytes.fromhex("20010db8000100000000000000000" + f"{i:03x}") for i in range(16, 48)]
V6_SERVERS = [bytes.fromhex("20010db8000200000000000000000053"),
              bytes.fromhex("20010db8000200000000000000000080")]

WORDS = ("alpha beta gamma delta lab node packet switch router cable frame bits "
         "socket stream kernel queue timer block octet window").split()
FILES = ["boot.img", "pxelinux.0", "config.txt", "firmware.bin", "lab1/readme.txt",
         "notes.md", "startup-config", "kernel.gz"]
FEIQ_VERSIONS = [b"1_lbt6_0#128#001122334455#0#0#0#4001#9",
                 b"1_lbt4_10#128#A0B1C2D3E4F5#0#0#0#3201#9", b"1"]


def text_pool(rng: random.Random, n: int) -> bytes:
    """Lower-case text for payloads; no upper case, so `frame contains "GET"` stays rare."""
    out = bytearray()
    while len(out) < n:
        out += rng.choice(WORDS).encode() + b" "
    return bytes(out[:n])


class Gen:
    """Scenario generators; each yields frames (bytes) of one conversation in order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.b = Builder()
        self.pool = text_pool(self.rng, 1 << 16)
        self.port_ctr: dict[bytes, int] = {}
        self.dns_id = 0
        self.icmp_id = 0
        self.ipmsg_no = 1_700_000_000

    def text(self, n: int) -> bytes:
        o = self.rng.randrange(0, len(self.pool) - n)
        return self.pool[o:o + n]

    def eport(self, host: bytes) -> int:
        """Ephemeral ports per host, never reused within a file of a few million packets."""
        p = self.port_ctr.get(host, 32768 + (host[-1] * 211) % 1000)
        p = p + 1 if p < 65535 else 32768
        self.port_ctr[host] = p
        return p

    def vlan(self) -> int:
        return self.rng.choice((10, 20, 30)) if self.rng.random() < 0.07 else 0

    # -- TCP / HTTP
    def http(self, v6: bool = False) -> Iterator[bytes]:
        r, b = self.rng, self.b
        if v6:
            cli, srv, vlan = r.choice(V6_CLIENTS), V6_SERVERS[1], 0
        else:
            cli = r.choice(CLIENTS_A if r.random() < 0.5 else CLIENTS_B)
            srv = r.choice(WEB_10 if r.random() < 0.5 else WEB_OTHER)
            vlan = self.vlan()
        cp, sp = self.eport(cli), 80
        cs, ss = r.getrandbits(32), r.getrandbits(32)
        host = (f"[{srv.hex()}]" if v6 else ".".join(map(str, srv))).encode()
        path = f"/{r.choice(WORDS)}/{r.randrange(1000)}.html".encode()
        req = (b"GET " + path + b" HTTP/1.1\r\nHost: " + host
               + b"\r\nUser-Agent: labbench/1.0\r\nAccept: */*\r\n\r\n")
        body = self.text(r.randrange(80, 2600))
        resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body)
        f = b.tcp_frame
        yield f(cli, srv, cp, sp, cs, 0, SYN, b"", vlan)
        yield f(srv, cli, sp, cp, ss, cs + 1, SYN | ACK, b"", vlan)
        cs += 1
        ss += 1
        yield f(cli, srv, cp, sp, cs, ss, ACK, b"", vlan)
        yield f(cli, srv, cp, sp, cs, ss, PSH | ACK, req, vlan)
        cs = (cs + len(req)) & 0xFFFFFFFF
        yield f(srv, cli, sp, cp, ss, cs, ACK, b"", vlan)
        for i in range(0, len(resp), 1400):
            seg = resp[i:i + 1400]
            yield f(srv, cli, sp, cp, ss, cs, PSH | ACK if i + 1400 >= len(resp) else ACK,
                    seg, vlan)
            ss = (ss + len(seg)) & 0xFFFFFFFF
        yield f(cli, srv, cp, sp, cs, ss, ACK, b"", vlan)
        yield f(cli, srv, cp, sp, cs, ss, FIN | ACK, b"", vlan)
        yield f(srv, cli, sp, cp, ss, cs + 1, FIN | ACK, b"", vlan)
        yield f(cli, srv, cp, sp, cs + 1, ss + 1, ACK, b"", vlan)

    # -- TFTP
    def tftp(self) -> Iterator[bytes]:
        r, b = self.rng, self.b
        cli, srv = r.choice(TFTP_CLIENTS), r.choice(TFTP_SERVERS)
        if cli[0] != srv[0]:
            srv = TFTP_SERVERS[2] if cli[0] == 192 else TFTP_SERVERS[r.randrange(2)]
        vlan = self.vlan()
        cp, sp = self.eport(cli), self.eport(srv)
        name = r.choice(FILES).encode()
        write = r.random() < 0.25
        oack = r.random() < 0.15
        error = r.random() < 0.08
        blksize = 1024 if oack else 512
        req = struct.pack("!H", 2 if write else 1) + name + b"\0octet\0"
        if oack:
            req += b"blksize\0" + str(blksize).encode() + b"\0"
        yield b.udp4(cli, srv, cp, 69, req, vlan)
        if error:
            msg = b"File not found\0" if not write else b"Access violation\0"
            yield b.udp4(srv, cli, sp, cp, struct.pack("!HH", 5, 1 if not write else 2) + msg,
                         vlan)
            return
        size = r.randrange(0, 6 * blksize)
        if r.random() < 0.1:
            size = blksize * r.randrange(1, 4)  # exact multiple: a last empty block
        nblocks = size // blksize + 1
        if oack:
            yield b.udp4(srv, cli, sp, cp, b"\0\x06blksize\0" + str(blksize).encode() + b"\0",
                         vlan)
            if not write:
                yield b.udp4(cli, srv, cp, sp, b"\0\x04\0\0", vlan)
        elif write:
            yield b.udp4(srv, cli, sp, cp, b"\0\x04\0\0", vlan)
        sender, receiver = ((cli, cp), (srv, sp)) if write else ((srv, sp), (cli, cp))
        for blk in range(1, nblocks + 1):
            n = min(blksize, size - (blk - 1) * blksize)
            data = struct.pack("!HH", 3, blk) + (self.text(n) if n else b"")
            yield b.udp4(sender[0], receiver[0], sender[1], receiver[1], data, vlan)
            yield b.udp4(receiver[0], sender[0], receiver[1], sender[1],
                         struct.pack("!HH", 4, blk), vlan)

    # -- DNS
    def dns(self, v6: bool = False) -> Iterator[bytes]:
        r, b = self.rng, self.b
        if v6:
            cli, srv, vlan = r.choice(V6_CLIENTS), V6_SERVERS[0], 0
        else:
            cli = r.choice(CLIENTS_A + CLIENTS_B)
            srv = DNS_SERVERS[0] if cli[0] == 10 else DNS_SERVERS[1]
            vlan = self.vlan()
        cp = self.eport(cli)
        self.dns_id = (self.dns_id + 7919) & 0xFFFF
        name = f"{r.choice(WORDS)}{r.randrange(100)}.lab.example".encode()
        qname = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\0"
        aaaa = r.random() < 0.2
        qtype = 28 if aaaa else 1
        q = DNS.pack(self.dns_id, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", qtype, 1)
        rdata = (bytes.fromhex("20010db8000300000000000000000001") if aaaa
                 else bytes([10, 0, r.randrange(256), r.randrange(1, 255)]))
        ans = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata
        resp = DNS.pack(self.dns_id, 0x8180, 1, 1, 0, 0) + qname + q[-4:] + ans
        if v6:
            eth = b.eth
            yield (eth(mac_of(cli), mac_of(srv), 0x86DD, 0)
                   + b.ipv6(cli, srv, 17, b.udp(cli, srv, cp, 53, q, True)))
            yield (eth(mac_of(srv), mac_of(cli), 0x86DD, 0)
                   + b.ipv6(srv, cli, 17, b.udp(srv, cli, 53, cp, resp, True)))
        else:
            yield b.udp4(cli, srv, cp, 53, q, vlan)
            yield b.udp4(srv, cli, 53, cp, resp, vlan)

    # -- ICMP
    def ping(self, v6: bool = False) -> Iterator[bytes]:
        r, b = self.rng, self.b
        self.icmp_id = (self.icmp_id + 1) & 0xFFFF
        ident, seq = self.icmp_id, r.randrange(1, 60000)
        data = bytes(range(16, 72))
        if v6:
            cli, srv = r.choice(V6_CLIENTS), r.choice(V6_SERVERS)
            for s, d, t in ((cli, srv, 128), (srv, cli, 129)):
                msg = ICMP.pack(t, 0, 0, ident, seq) + data
                c = l4_csum(b._pseudo(s, d, 58, len(msg)), msg, False)
                msg = msg[:2] + c.to_bytes(2, "big") + msg[4:]
                yield b.eth(mac_of(s), mac_of(d), 0x86DD, 0) + b.ipv6(s, d, 58, msg)
            return
        cli = r.choice(CLIENTS_A + CLIENTS_B)
        srv = r.choice(WEB_10 + WEB_OTHER + DNS_SERVERS)
        vlan = self.vlan()
        for s, d, t in ((cli, srv, 8), (srv, cli, 0)):
            msg = ICMP.pack(t, 0, 0, ident, seq) + data
            msg = msg[:2] + (~fold(csum_sum(msg)) & 0xFFFF).to_bytes(2, "big") + msg[4:]
            yield b.frame4(s, d, 1, msg, vlan)

    def unreachable(self) -> Iterator[bytes]:
        """A UDP datagram, then the ICMP port unreachable that quotes all of it."""
        r, b = self.rng, self.b
        if r.random() < 0.5:
            cli = r.choice(TFTP_CLIENTS)
            dead = TFTP_DEAD[0] if cli[0] == 10 else TFTP_DEAD[1]
            dport, data = 69, b"\0\x01" + r.choice(FILES).encode() + b"\0octet\0"
        else:
            cli, dead = r.choice(CLIENTS_A), ip4("10.0.0.99")
            dport, data = 33434 + r.randrange(100), bytes(32)
        vlan = self.vlan()
        sport = self.eport(cli)
        dgram = b.ipv4(cli, dead, 17, b.udp(cli, dead, sport, dport, data, False), frag=0)
        yield b.eth(mac_of(cli), mac_of(dead), 0x0800, vlan) + dgram
        msg = ICMP.pack(3, 3, 0, 0, 0) + dgram
        msg = msg[:2] + (~fold(csum_sum(msg)) & 0xFFFF).to_bytes(2, "big") + msg[4:]
        yield b.frame4(dead, cli, 1, msg, vlan, frag=0)

    # -- ARP
    def arp(self) -> Iterator[bytes]:
        r, b = self.rng, self.b
        hosts = CLIENTS_A + WEB_10[:2] + DNS_SERVERS[:1] if r.random() < 0.6 else (
            CLIENTS_B + FEIQ_HOSTS + DNS_SERVERS[1:])
        a, t = r.sample(hosts, 2)
        vlan = self.vlan()
        yield b.eth(mac_of(a), BCAST_MAC, 0x0806, vlan) + ARP.pack(
            1, 0x0800, 6, 4, 1, mac_of(a), a, bytes(6), t)
        yield b.eth(mac_of(t), mac_of(a), 0x0806, vlan) + ARP.pack(
            1, 0x0800, 6, 4, 2, mac_of(t), t, mac_of(a), a)

    # -- FeiQ / IPMSG
    def ipmsg_pkt(self, src: bytes, dst: bytes, ver: bytes, cmd: int, extra: bytes,
                  dst_mac: bytes | None = None) -> tuple[bytes, int]:
        self.ipmsg_no += 1
        user = b"user" + str(src[-1]).encode()
        host = b"pc-" + str(src[-1]).encode()
        line = b":".join((ver, str(self.ipmsg_no).encode(), user, host, str(cmd).encode(),
                          extra))
        return self.b.udp4(src, dst, 2425, 2425, line, 0, dst_mac), self.ipmsg_no

    def ipmsg(self) -> Iterator[bytes]:
        r = self.rng
        a, c = r.sample(FEIQ_HOSTS, 2)
        va, vc = r.choice(FEIQ_VERSIONS), r.choice(FEIQ_VERSIONS)
        if r.random() < 0.35:
            dst = BCAST4 if r.random() < 0.5 else SUBNET_BCAST
            extra = b"user" + str(a[-1]).encode() + b"\0lab-group\0"
            yield self.ipmsg_pkt(a, dst, va, 0x01, extra, BCAST_MAC)[0]
            for h in r.sample(FEIQ_HOSTS, r.randrange(1, 3)):
                if h != a:
                    yield self.ipmsg_pkt(h, a, vc, 0x03, b"user" + str(h[-1]).encode()
                                         + b"\0lab-group\0")[0]
        else:
            msg = b"hello " + self.text(r.randrange(4, 60)) + b"\0"
            pkt, no = self.ipmsg_pkt(a, c, va, 0x20 | 0x100, msg)
            yield pkt
            yield self.ipmsg_pkt(c, a, vc, 0x21, str(no).encode() + b"\0")[0]

    # -- other broadcasts, fragments
    def bcast(self) -> Iterator[bytes]:
        r = self.rng
        src = r.choice(CLIENTS_B + FEIQ_HOSTS)
        dst = BCAST4 if r.random() < 0.5 else SUBNET_BCAST
        data = b"lab-agent discover " + self.text(r.randrange(8, 120))
        yield self.b.udp4(src, dst, 6868, 6868, data, 0, BCAST_MAC)

    def fragments(self) -> Iterator[bytes]:
        """One UDP datagram to port 5005 in 2 or 3 IPv4 fragments, in order."""
        r, b = self.rng, self.b
        cli, srv = r.choice(CLIENTS_A), ip4("10.0.0.20")
        vlan = self.vlan()
        n = r.randrange(1600, 4300)
        dgram = b.udp(cli, srv, self.eport(cli), 5005, self.text(n), False)
        ident = b.next_id(cli)
        for off in range(0, len(dgram), 1480):
            more = 0x2000 if off + 1480 < len(dgram) else 0
            yield b.frame4(cli, srv, 17, dgram[off:off + 1480], vlan, ident=ident,
                           frag=more | (off // 8))


def frames(seed: int = SEED) -> Iterator[tuple[int, int, bytes]]:
    """Endless (seconds, microseconds, frame) stream; a few conversations interleave."""
    g = Gen(seed)
    rng = random.Random(seed + 1)
    kinds: list[Callable[[], Iterator[bytes]]] = [
        g.http, lambda: g.http(True), g.tftp, g.dns, lambda: g.dns(True), g.ping,
        lambda: g.ping(True), g.unreachable, g.arp, g.ipmsg, g.bcast, g.fragments]
    # weights ~ packet share / packets per scenario
    weights = [33 / 10.5, 3 / 10.5, 15 / 9, 8 / 2, 4 / 2, 3 / 2, 3 / 2, 3 / 2, 4 / 2,
               9 / 2.2, 3 / 1, 2.5 / 2.4]
    active = [rng.choices(kinds, weights)[0]() for _ in range(6)]
    usec = 0
    while True:
        i = rng.randrange(len(active))
        try:
            f = next(active[i])
        except StopIteration:
            active[i] = rng.choices(kinds, weights)[0]()
            continue
        usec += rng.randrange(5, 400)
        yield START_SEC + usec // 1_000_000, usec % 1_000_000, f


def write_capture(out: str | Path, packets: int, fmt: str = "pcap", seed: int = SEED) -> None:
    """Write `packets` frames of the stream to `out` as pcap or pcapng (Ethernet, µs)."""
    with open(out, "wb", buffering=1 << 20) as f:
        w = f.write
        if fmt == "pcap":
            w(PCAP_HDR.pack(0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
            rec = PCAP_REC.pack
            for n, (sec, us, fr) in enumerate(frames(seed), 1):
                ln = len(fr)
                w(rec(sec, us, ln, ln) + fr)
                if n >= packets:
                    break
        else:
            w(struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1)
              + struct.pack("<I", 28))
            w(struct.pack("<IIHHII", 1, 20, 1, 0, 262144, 20))
            epb = EPB.pack
            for n, (sec, us, fr) in enumerate(frames(seed), 1):
                ln = len(fr)
                pad = -ln & 3
                total = 32 + ln + pad
                ts = sec * 1_000_000 + us
                w(epb(6, total, 0, ts >> 32, ts & 0xFFFFFFFF, ln, ln) + fr + b"\0" * pad
                  + total.to_bytes(4, "little"))
                if n >= packets:
                    break


def cut_capture(src: str | Path, dst: str | Path, n: int) -> int:
    """Copy the first `n` records of a pcap or pcapng file; returns how many were copied."""
    data = Path(src).read_bytes()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        off, count = 0, 0
        while off + 8 <= len(data):
            btype, blen = struct.unpack_from("<II", data, off)
            if btype == 6:
                if count == n:
                    break
                count += 1
            off += blen
        Path(dst).write_bytes(data[:off])
        return count
    off, count = 24, 0
    while count < n and off + 16 <= len(data):
        off += 16 + PCAP_REC.unpack_from(data, off)[2]
        count += 1
    Path(dst).write_bytes(data[:off])
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("-F", dest="fmt", choices=("pcap", "pcapng"), default="pcap")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--cut", type=int, help="write the first N records of --from to OUT")
    ap.add_argument("--from", dest="src", help="source file for --cut")
    a = ap.parse_args(argv)
    if a.cut is not None:
        if not a.src:
            ap.error("--cut needs --from FILE")
        cut_capture(a.src, a.out, a.cut)
        return 0
    write_capture(a.out, a.packets, a.fmt, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
