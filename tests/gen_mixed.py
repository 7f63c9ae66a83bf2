"""Deterministic mixed capture for differential tests (fixed seed, fixed timestamps).

A few thousand packets covering what the dissectors must agree with tshark on: ARP,
ICMP (echo pairs, port unreachable quoting UDP), UDP data, DNS (A, AAAA, CNAME, PTR,
NXDOMAIN), TCP (handshake, data both ways, FIN, RST, retransmission, duplicate ACK, lost
segment), HTTP (a response split over several segments), VLAN (single and stacked),
IPv6 (UDP, ICMPv6 echo, TCP), IPv4 fragments, DHCP DORA, one truncated and one
malformed packet.

    python tests/gen_mixed.py OUT.pcap [pcap|pcapng]
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import ICMP, IP, TCP, UDP, fragment
from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Packet, Raw

_ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "make_samples", _ROOT / "captures" / "samples" / "make_samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

SEED = 20231114
BASE_TS_US = 1_700_000_000 * 1_000_000
BCAST = "ff:ff:ff:ff:ff:ff"
GW_MAC, GW = "52:54:00:00:00:01", "10.1.0.1"
DNS_MAC, DNS_SRV = "52:54:00:00:00:53", "10.1.0.53"
WEB_MAC, WEB = "52:54:00:00:00:80", "10.1.0.80"
V6_A, V6_B = "2001:db8::10", "2001:db8::80"


def host(i: int) -> tuple[str, str]:
    """(mac, ipv4) of client number i."""
    return f"02:00:00:00:{i // 256:02x}:{i % 256:02x}", f"10.1.{1 + i // 250}.{1 + i % 250}"


class Mixed:
    """Collects (timestamp, bytes, origlen) records on a deterministic clock."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.t = BASE_TS_US
        self.records: list[tuple[int, bytes, int | None]] = []
        self.ip_id = 0x100

    def add(self, pkt: Packet | bytes, caplen: int | None = None) -> None:
        self.t += self.rng.randint(20, 3000)
        data = bytes(pkt)
        if caplen is not None and caplen < len(data):
            self.records.append((self.t, data[:caplen], len(data)))
        else:
            self.records.append((self.t, data, None))

    def next_id(self) -> int:
        self.ip_id = (self.ip_id + self.rng.randint(1, 9)) & 0xFFFF
        return self.ip_id

    def eth_ip(self, smac: str, dmac: str, src: str, dst: str, **kw: object) -> Packet:
        kw.setdefault("id", self.next_id())
        kw.setdefault("ttl", 64)
        return Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, **kw)


# --- building blocks -----------------------------------------------------------------


def arp_traffic(m: Mixed, i: int) -> None:
    cmac, cip = host(i)
    m.add(Ether(src=cmac, dst=BCAST) / ARP(op=1, hwsrc=cmac, psrc=cip,
                                            hwdst="00:00:00:00:00:00", pdst=GW))
    m.add(Ether(src=GW_MAC, dst=cmac) / ARP(op=2, hwsrc=GW_MAC, psrc=GW, hwdst=cmac, pdst=cip))
    if i % 10 == 0:  # gratuitous
        m.add(Ether(src=cmac, dst=BCAST) / ARP(op=1, hwsrc=cmac, psrc=cip,
                                                hwdst="00:00:00:00:00:00", pdst=cip))


def ping(m: Mixed, i: int, count: int = 2) -> None:
    cmac, cip = host(i)
    payload = bytes(range(48))
    for seq in range(1, count + 1):
        m.add(m.eth_ip(cmac, GW_MAC, cip, WEB) / ICMP(type=8, id=0x4000 + i, seq=seq)
              / Raw(payload))
        m.add(m.eth_ip(WEB_MAC, cmac, WEB, cip, ttl=63) / ICMP(type=0, id=0x4000 + i, seq=seq)
              / Raw(payload))


def port_unreachable(m: Mixed, i: int) -> None:
    cmac, cip = host(i)
    probe = IP(src=cip, dst=WEB, id=m.next_id(), ttl=64) / UDP(sport=33434 + i, dport=33434) \
        / Raw(b"probe-" + str(i).encode())
    m.add(Ether(src=cmac, dst=GW_MAC) / probe)
    m.add(m.eth_ip(WEB_MAC, cmac, WEB, cip) / ICMP(type=3, code=3) / bytes(probe))


def udp_data(m: Mixed, i: int) -> None:
    cmac, cip = host(i)
    sport = m.rng.randint(40000, 60000)
    dport = m.rng.choice((5000, 7777, 9999, 12345))
    data = bytes(m.rng.randrange(256) for _ in range(m.rng.randint(1, 200)))
    m.add(m.eth_ip(cmac, WEB_MAC, cip, WEB) / UDP(sport=sport, dport=dport) / Raw(data))
    m.add(m.eth_ip(WEB_MAC, cmac, WEB, cip) / UDP(sport=dport, dport=sport) / Raw(data[::-1]))


_NAMES = ("example.com", "lab.example.org", "www.test.net", "mail.example.com", "ns1.lab")


def dns_exchange(m: Mixed, i: int) -> None:
    cmac, cip = host(i)
    sport = m.rng.randint(30000, 60000)
    qid = m.rng.randrange(65536)
    name = _NAMES[i % len(_NAMES)]
    kind = i % 5
    if kind == 0:
        q = DNSQR(qname=name, qtype="A")
        an = DNSRR(rrname=name, type="A", ttl=300, rdata=f"93.184.{i % 256}.{(i * 7) % 256}")
        rc, ancount = 0, 1
    elif kind == 1:
        q = DNSQR(qname=name, qtype="AAAA")
        an = DNSRR(rrname=name, type="AAAA", ttl=300, rdata=f"2001:db8::{i:x}")
        rc, ancount = 0, 1
    elif kind == 2:
        q = DNSQR(qname="alias." + name, qtype="A")
        an = DNSRR(rrname="alias." + name, type="CNAME", ttl=60, rdata=name) / \
            DNSRR(rrname=name, type="A", ttl=60, rdata=f"198.51.100.{i % 256}")
        rc, ancount = 0, 2
    elif kind == 3:
        rev = f"{i % 256}.100.51.198.in-addr.arpa"
        q = DNSQR(qname=rev, qtype="PTR")
        an = DNSRR(rrname=rev, type="PTR", ttl=3600, rdata=f"host{i}.example.com")
        rc, ancount = 0, 1
    else:
        q = DNSQR(qname=f"nope{i}.example.com", qtype="A")
        an, rc, ancount = [], 3, 0
    m.add(m.eth_ip(cmac, DNS_MAC, cip, DNS_SRV) / UDP(sport=sport, dport=53)
          / DNS(id=qid, rd=1, qd=q))
    resp = DNS(id=qid, qr=1, rd=1, ra=1, rcode=rc, qd=q, an=an, ancount=ancount)
    m.add(m.eth_ip(DNS_MAC, cmac, DNS_SRV, cip) / UDP(sport=53, dport=sport) / resp)


class TcpFlow:
    """One TCP connection; sends segments with correct sequence numbers both ways."""

    def __init__(self, m: Mixed, i: int, dport: int = 80, v6: bool = False) -> None:
        self.m = m
        self.cmac, self.cip = host(i)
        self.v6 = v6
        if v6:
            self.cip = f"2001:db8::1:{i:x}"
        self.sport = 20000 + i
        self.dport = dport
        self.cseq = m.rng.randrange(1 << 32)
        self.sseq = m.rng.randrange(1 << 32)
        self.srv, self.smac = (V6_B if v6 else WEB), WEB_MAC

    def seg(self, from_client: bool, flags: str, data: bytes = b"", seq: int | None = None,
            send: bool = True, opts: list | None = None) -> None:
        m = self.m
        if from_client:
            s, a, sp, dp = self.cseq, self.sseq, self.sport, self.dport
        else:
            s, a, sp, dp = self.sseq, self.cseq, self.dport, self.sport
        if seq is not None:
            s = seq
        tcp = TCP(sport=sp, dport=dp, seq=s & 0xFFFFFFFF, ack=a & 0xFFFFFFFF if "A" in flags
                  else 0, flags=flags, window=65535 if from_client else 29200,
                  options=opts or [])
        src, dst = (self.cip, self.srv) if from_client else (self.srv, self.cip)
        smac, dmac = (self.cmac, self.smac) if from_client else (self.smac, self.cmac)
        if self.v6:
            pkt = Ether(src=smac, dst=dmac) / IPv6(src=src, dst=dst, hlim=64) / tcp
        else:
            pkt = m.eth_ip(smac, dmac, src, dst, flags="DF") / tcp
        if data:
            pkt = pkt / Raw(data)
        if send:
            m.add(pkt)
        if seq is None:
            adv = len(data) + (1 if ("S" in flags or "F" in flags) else 0)
            if from_client:
                self.cseq += adv
            else:
                self.sseq += adv

    def handshake(self) -> None:
        self.seg(True, "S", opts=[("MSS", 1460)])
        self.seg(False, "SA", opts=[("MSS", 1460)])
        self.seg(True, "A")

    def teardown(self) -> None:
        self.seg(True, "FA")
        self.seg(False, "FA")
        self.seg(True, "A")


def http_flow(m: Mixed, i: int) -> None:
    f = TcpFlow(m, i)
    f.handshake()
    path = f"/item/{i}?q={m.rng.randrange(1000)}"
    req = (f"GET {path} HTTP/1.1\r\nHost: www.example.com\r\n"
           f"User-Agent: labshark-test/{i % 3}.0\r\nAccept: */*\r\n\r\n").encode()
    f.seg(True, "PA", req)
    f.seg(False, "A")
    body = bytes(m.rng.choice(b"abcdefghij \n") for _ in range(3000 + 10 * (i % 5)))
    code = (200, 404, 200, 301)[(i // 2) % 4]
    reason = {200: "OK", 404: "Not Found", 301: "Moved Permanently"}[code]
    resp = (f"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    for k in range(0, len(resp), 1400):  # split over several segments
        chunk = resp[k:k + 1400]
        f.seg(False, "PA" if k + 1400 >= len(resp) else "A", chunk)
        if (k // 1400) % 2 == 1:
            f.seg(True, "A")
    f.seg(True, "A")
    f.teardown()


def tcp_data_both_ways(m: Mixed, i: int) -> None:
    """A chat over TCP with a retransmission, a duplicate ACK and a lost segment."""
    f = TcpFlow(m, i, dport=9000)
    f.handshake()
    for k in range(3):
        f.seg(True, "PA", f"client line {k}\n".encode())
        f.seg(False, "PA", f"server line {k} for {i}\n".encode())
    # retransmission: the same client segment twice
    seq0 = f.cseq
    f.seg(True, "PA", b"retransmitted data\n")
    f.seg(True, "PA", b"retransmitted data\n", seq=seq0)
    f.seg(False, "A")
    # lost segment: the server's next segment never appears in the capture
    f.seg(False, "PA", b"this segment is lost\n", send=False)
    f.seg(False, "PA", b"after the gap\n")
    # duplicate ACKs from the client (still acking up to the gap)
    lost_ack = f.sseq
    f.sseq -= len(b"after the gap\n") + len(b"this segment is lost\n")
    f.seg(True, "A")
    f.seg(True, "A")
    f.sseq = lost_ack
    f.teardown()


def tcp_rst(m: Mixed, i: int) -> None:
    f = TcpFlow(m, i, dport=8081)
    f.seg(True, "S", opts=[("MSS", 1460)])
    f.seg(False, "RA")


def vlan_frames(m: Mixed, i: int) -> None:
    cmac, cip = host(i)
    m.add(Ether(src=cmac, dst=WEB_MAC) / Dot1Q(vlan=10 + i % 5, prio=i % 8)
          / IP(src=cip, dst=WEB, id=m.next_id()) / UDP(sport=4000 + i, dport=5000)
          / Raw(f"vlan {i}".encode()))
    m.add(Ether(src=cmac, dst=WEB_MAC) / Dot1Q(vlan=100) / Dot1Q(vlan=200 + i % 3)
          / IP(src=cip, dst=WEB, id=m.next_id()) / ICMP(type=8, id=i, seq=1) / Raw(b"qinq"))
    if i % 4 == 0:
        m.add(Ether(src=cmac, dst=BCAST) / Dot1Q(vlan=30) / ARP(op=1, hwsrc=cmac, psrc=cip,
                                                               pdst=GW, hwdst="00:00:00:00:00:00"))


def ipv6_traffic(m: Mixed, i: int) -> None:
    cmac, _ = host(i)
    a = f"2001:db8::1:{i:x}"
    m.add(Ether(src=cmac, dst=WEB_MAC) / IPv6(src=a, dst=V6_B, hlim=64)
          / UDP(sport=50000 + i, dport=7000) / Raw(f"v6 data {i}".encode()))
    m.add(Ether(src=cmac, dst=WEB_MAC) / IPv6(src=a, dst=V6_B, hlim=64)
          / ICMPv6EchoRequest(id=i, seq=1, data=b"ping6"))
    m.add(Ether(src=WEB_MAC, dst=cmac) / IPv6(src=V6_B, dst=a, hlim=64)
          / ICMPv6EchoReply(id=i, seq=1, data=b"ping6"))


def ipv6_tcp(m: Mixed, i: int) -> None:
    f = TcpFlow(m, i, dport=2222, v6=True)
    f.handshake()
    f.seg(True, "PA", b"SSH-2.0-labshark\r\n")
    f.seg(False, "PA", b"SSH-2.0-server\r\n")
    f.seg(True, "A")
    f.teardown()


def ip_fragments(m: Mixed, i: int) -> None:
    cmac, cip = host(i)
    big = IP(src=cip, dst=WEB, id=0x7000 + i, ttl=64) / UDP(sport=6000 + i, dport=6001) \
        / Raw(bytes((k * 13 + i) % 256 for k in range(3000)))
    for frag in fragment(big, fragsize=1400):
        m.add(Ether(src=cmac, dst=WEB_MAC) / frag)


def dhcp_dora(m: Mixed, i: int) -> None:
    cmac, _ = host(500 + i)
    mac_b = bytes.fromhex(cmac.replace(":", ""))
    xid = m.rng.randrange(1 << 32)
    offer_ip = f"10.1.200.{10 + i}"

    def boot(op: int, src: str, dst: str, smac: str, dmac: str, opts: list,
             yiaddr: str = "0.0.0.0") -> Packet:
        return (Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, id=m.next_id())
                / UDP(sport=68 if op == 1 else 67, dport=67 if op == 1 else 68)
                / BOOTP(op=op, chaddr=mac_b, xid=xid, yiaddr=yiaddr, flags=0)
                / DHCP(options=opts))

    m.add(boot(1, "0.0.0.0", "255.255.255.255", cmac, BCAST,
               [("message-type", "discover"), ("hostname", f"pc{i}"), "end"]))
    common = [("server_id", GW), ("lease_time", 3600), ("subnet_mask", "255.255.0.0"),
              ("router", GW), "end"]
    m.add(boot(2, GW, offer_ip, GW_MAC, cmac, [("message-type", "offer"), *common], offer_ip))
    m.add(boot(1, "0.0.0.0", "255.255.255.255", cmac, BCAST,
               [("message-type", "request"), ("requested_addr", offer_ip),
                ("server_id", GW), "end"]))
    m.add(boot(2, GW, offer_ip, GW_MAC, cmac, [("message-type", "ack"), *common], offer_ip))


def odd_packets(m: Mixed) -> None:
    """One truncated frame (caplen < origlen) and one with a bad UDP length."""
    cmac, cip = host(7)
    long_udp = m.eth_ip(cmac, WEB_MAC, cip, WEB) / UDP(sport=5555, dport=5000) / Raw(b"x" * 300)
    m.add(long_udp, caplen=96)
    bad = m.eth_ip(cmac, WEB_MAC, cip, WEB) / UDP(sport=5556, dport=5000, len=200) \
        / Raw(b"short payload")
    m.add(bad)


# --- the whole capture ---------------------------------------------------------------


def build(rounds: int = 80) -> list[tuple[int, bytes, int | None]]:
    """About 2,600 packets: `rounds` interleaved rounds of every kind of traffic."""
    m = Mixed()
    for i in range(rounds):
        arp_traffic(m, i)
        ping(m, i)
        dns_exchange(m, i)
        udp_data(m, i)
        if i % 2 == 0:
            http_flow(m, i)
        if i % 3 == 0:
            tcp_data_both_ways(m, 100 + i)
            port_unreachable(m, i)
            ipv6_tcp(m, i)
        if i % 5 == 0:
            tcp_rst(m, 200 + i)
            ip_fragments(m, i)
        vlan_frames(m, i)
        ipv6_traffic(m, i)
        if i % 10 == 0:
            dhcp_dora(m, i // 10)
        if i == rounds // 2:
            odd_packets(m)
    return m.records


def write_mixed(path: str | Path, fmt: str = "pcap", rounds: int = 80) -> Path:
    """Write the mixed capture as pcap or pcapng; the same bytes every time."""
    return samples.write_capture(path, build(rounds), fmt)


if __name__ == "__main__":
    out = write_mixed(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "pcap")
    print(out)
