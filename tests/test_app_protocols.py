"""DNS, DHCP and HTTP against tshark: packet-list lines and `-T fields`, packet by packet.

Every capture is built here with scapy (one behaviour per packet: query types, NXDOMAIN,
compression, loops, truncation, DORA, pipelining, segmented messages) plus Wireshark's
public samples. tshark 4.0 (`tshark -n`) is the oracle.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import pytest
from diffutil import compare_fields, list_output, run_analyze
from scapy.all import (
    BOOTP,
    DHCP,
    DNS,
    DNSQR,
    DNSRR,
    DNSRRMX,
    DNSRROPT,
    DNSRRSOA,
    IP,
    TCP,
    UDP,
    Ether,
    Raw,
    mac2str,
    wrpcap,
)

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "tests" / "data" / "wireshark"
if not (PUBLIC / "dhcp.pcap").exists():
    PUBLIC = Path("/work/shared/captures/wireshark")

DNS_FIELDS = [
    "frame.protocols", "dns.id", "dns.flags", "dns.flags.response", "dns.flags.opcode",
    "dns.flags.authoritative", "dns.flags.truncated", "dns.flags.recdesired",
    "dns.flags.recavail", "dns.flags.z", "dns.flags.authenticated", "dns.flags.checkdisable",
    "dns.flags.rcode", "dns.count.queries", "dns.count.answers", "dns.count.auth_rr",
    "dns.count.add_rr", "dns.count.zones", "dns.count.prerequisites", "dns.count.updates",
    "dns.qry.name", "dns.qry.name.len", "dns.count.labels", "dns.qry.type", "dns.qry.class",
    "dns.resp.name", "dns.resp.type", "dns.resp.class", "dns.resp.ttl", "dns.resp.len",
    "dns.a", "dns.aaaa", "dns.cname", "dns.ptr.domain_name", "dns.ns", "dns.mx.preference",
    "dns.mx.mail_exchange", "dns.txt", "dns.txt.length", "dns.rr.udp_payload_size",
    "dns.resp.ext_rcode", "dns.resp.edns0_version", "dns.resp.z", "dns.resp.z.do",
    "dns.soa.mname", "dns.soa.rname", "dns.soa.serial_number", "dns.soa.refresh_interval",
    "dns.soa.retry_interval", "dns.soa.expire_limit", "dns.soa.minimum_ttl",
    "dns.srv.service", "dns.srv.proto", "dns.srv.name", "dns.srv.priority", "dns.srv.weight", "dns.srv.port", "dns.srv.target",
    "dns.response_in", "dns.response_to", "dns.time", "dns.unsolicited",
    "dns.retransmission", "dns.retransmit_request_in", "dns.retransmit_response_in",
    "dns.length",
]
DHCP_FIELDS = [
    "frame.protocols", "dhcp.type", "dhcp.hw.type", "dhcp.hw.len", "dhcp.hops", "dhcp.id",
    "dhcp.secs", "dhcp.flags", "dhcp.flags.bc", "dhcp.flags.reserved", "dhcp.ip.client",
    "dhcp.ip.your", "dhcp.ip.server", "dhcp.ip.relay", "dhcp.hw.mac_addr", "dhcp.hw.addr",
    "dhcp.hw.addr_padding", "dhcp.server", "dhcp.file", "dhcp.cookie", "dhcp.option.type",
    "dhcp.option.length", "dhcp.option.value", "dhcp.option.dhcp",
    "dhcp.option.requested_ip_address", "dhcp.option.dhcp_server_id",
    "dhcp.option.ip_address_lease_time", "dhcp.option.subnet_mask", "dhcp.option.router",
    "dhcp.option.domain_name_server", "dhcp.option.hostname",
    "dhcp.option.request_list_item", "dhcp.client_id.type", "dhcp.client_id.undef",
    "dhcp.option.end", "dhcp.option.padding", "dhcp.option.renewal_time_value",
    "dhcp.option.rebinding_time_value", "dhcp.option.domain_name",
    "dhcp.option.vendor_class_id", "dhcp.option.dhcp_max_message_size",
    "dhcp.option.broadcast_address",
]
HTTP_FIELDS = [
    "frame.protocols", "http.request.method", "http.request.uri", "http.request.version",
    "http.request.line", "http.request.full_uri", "http.request", "http.response.version",
    "http.response.code", "http.response.code.desc", "http.response.phrase",
    "http.response.line", "http.response", "http.host", "http.user_agent", "http.accept",
    "http.content_type", "http.content_length_header", "http.content_length",
    "http.connection", "http.server", "http.cookie", "http.cookie_pair", "http.location",
    "http.referer", "http.transfer_encoding", "http.set_cookie", "http.date",
    "http.file_data", "http.response_in", "http.request_in", "http.time",
    "http.prev_request_in", "http.prev_response_in", "http.next_request_in",
    "http.next_response_in", "http.response_for.uri", "http.request_number",
    "http.response_number", "http.request.uri.path", "http.request.uri.query",
    "http.request.uri.query.parameter", "http.chunk_size", "http.chunk_data",
    "http.chunk_boundary", "urlencoded-form.key", "urlencoded-form.value", "http.chat",
    "tcp.reassembled_in",
]

COMPARED: dict[str, int] = {}  # capture name -> packets x fields compared


# -- capture builders ---------------------------------------------------------------------

def _udp(payload, sport: int = 33333, dport: int = 53, src: str = "10.0.0.1",  # noqa: ANN001
         dst: str = "10.0.0.2"):  # noqa: ANN202
    return (Ether(src="00:11:22:33:44:55", dst="66:77:88:99:aa:bb") / IP(src=src, dst=dst)
            / UDP(sport=sport, dport=dport) / payload)


def _resp(payload, cport: int = 33333):  # noqa: ANN001, ANN202
    return _udp(payload, 53, cport, "10.0.0.2", "10.0.0.1")


def _write(path: Path, pkts: list, t0: float, step: float = 0.5) -> Path:
    for i, p in enumerate(pkts):
        p.time = t0 + i * step
    wrpcap(str(path), pkts)
    return path


def build_dns(d: Path) -> Path:
    """One DNS behaviour per packet."""
    p = [
        _udp(DNS(id=0xABCD, rd=1, qd=DNSQR(qname="example.com", qtype="A"))),
        _resp(DNS(id=0xABCD, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.com"),
                  an=DNSRR(rrname="example.com", type="A", ttl=300, rdata="93.184.216.34"))),
        _udp(DNS(id=0x1111, rd=1, qd=DNSQR(qname="nx.example.com", qtype="AAAA"))),
        _resp(DNS(id=0x1111, qr=1, rd=1, ra=1, rcode=3,
                  qd=DNSQR(qname="nx.example.com", qtype="AAAA"),
                  ns=DNSRRSOA(rrname="example.com", mname="ns.example.com",
                              rname="h.example.com", serial=1, refresh=2, retry=3, expire=4,
                              minimum=5, ttl=60))),
        _resp(DNS(id=0x2222, qr=1, aa=1, rd=1, ra=1,
                  qd=DNSQR(qname="www.example.com", qtype="A"),
                  an=[DNSRR(rrname="www.example.com", type="CNAME", ttl=10,
                            rdata="example.com"),
                      DNSRR(rrname="example.com", type="A", rdata="1.2.3.4"),
                      DNSRR(rrname="example.com", type="AAAA", rdata="2001:db8::1")],
                  ns=[DNSRR(rrname="example.com", type="NS", rdata="ns1.example.com")],
                  ar=[DNSRR(rrname="ns1.example.com", type="A", rdata="5.6.7.8"),
                      DNSRROPT(rclass=4096)]), 40000),
        _resp(DNS(id=0x3333, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.com", qtype="MX"),
                  an=[DNSRRMX(rrname="example.com", preference=10,
                              exchange="mail.example.com"),
                      DNSRR(rrname="example.com", type="TXT",
                            rdata=["hello world", "v=spf1 -all"])]), 40000),
        _resp(DNS(id=0x528E, qr=1, rd=1, ra=1, qd=DNSQR(qname="8.8.8.8.in-addr.arpa",
                                                        qtype="PTR"),
                  an=DNSRR(rrname="8.8.8.8.in-addr.arpa", type="PTR",
                           rdata="google-public-dns-a.google.com")), 40000),
        _udp(DNS(id=0x4444, rd=1, qd=DNSQR(qname="example.com", qtype=255),
                 ar=DNSRROPT(rclass=1232, z=0x8000))),
        # compression pointer to the question name
        _resp(Raw(bytes.fromhex("5555818000010001000000000378797a0000010001c00c0001000100"
                                "00003c000401020304"))),
        # truncated question name: malformed
        _udp(Raw(bytes.fromhex("666601000001000000000000076578616d"))),
        # a name pointer that points at itself
        _resp(Raw(bytes.fromhex("777781800001000000000000c00c00010001"))),
        _resp(DNS(id=0x9999, qr=1, qd=DNSQR(qname=".", qtype="NS"))),
        _udp(DNS(id=0x5151, rd=1, qd=DNSQR(qname="a.b", qtype="A"))),
        _udp(DNS(id=0x5151, rd=1, qd=DNSQR(qname="a.b", qtype="A"))),
        _resp(DNS(id=0x5151, qr=1, rcode=2, qd=DNSQR(qname="a.b", qtype="A"))),
        _resp(DNS(id=0x5151, qr=1, rcode=5, qd=DNSQR(qname="a.b", qtype="A"))),
        _udp(DNS(id=0x6161, opcode=2, qd=DNSQR(qname="c.d", qtype=99, qclass=3))),
        _udp(DNS(id=0x7171, opcode=5, qr=1, qd=[])),
        _resp(DNS(id=0x8181, qr=1, qd=DNSQR(qname="_sip._udp.example.com", qtype="SRV"),
                  an=Raw(b"\xc0\x0c\x00\x21\x00\x01\x00\x00\x00\x3c\x00\x08\x00\x0a\x00\x05"
                         b"\x13\xc4\xc0\x0c")), 40001),
    ]
    p[-1][DNS].ancount = 1
    return _write(d / "dns.pcap", p, 1000)


def build_dns_tcp(d: Path) -> Path:
    """DNS over TCP: whole messages, one split over 3 segments, two in one segment."""
    pkts = []

    def seg(src: str, dst: str, sp: int, dp: int, seq: int, ack: int, data: bytes) -> None:
        pkts.append(Ether() / IP(src=src, dst=dst)
                    / TCP(sport=sp, dport=dp, flags="PA", seq=seq, ack=ack) / Raw(data))

    q = bytes(DNS(id=0x1234, rd=1, qd=DNSQR(qname="tcp.example.com", qtype="A")))
    r = bytes(DNS(id=0x1234, qr=1, rd=1, ra=1, qd=DNSQR(qname="tcp.example.com", qtype="A"),
                  an=DNSRR(rrname="tcp.example.com", rdata="9.9.9.9")))
    seg("10.0.0.1", "10.0.0.2", 5555, 53, 1, 1, struct.pack(">H", len(q)) + q)
    seg("10.0.0.2", "10.0.0.1", 53, 5555, 1, 3 + len(q), struct.pack(">H", len(r)) + r)
    m = bytes(DNS(id=0x2345, rd=1, qd=DNSQR(qname="split.example.com", qtype="AAAA")))
    w = struct.pack(">H", len(m)) + m
    seq = 1
    for part in (w[:1], w[1:20], w[20:]):
        seg("10.0.0.1", "10.0.0.2", 5556, 53, seq, 1, part)
        seq += len(part)
    r1 = bytes(DNS(id=0x2345, qr=1, rd=1, ra=1, qd=DNSQR(qname="split.example.com",
                                                         qtype="AAAA"),
                   an=DNSRR(rrname="split.example.com", type="AAAA", rdata="::1")))
    r2 = bytes(DNS(id=0x2346, qr=1, rd=1, ra=1, rcode=3,
                   qd=DNSQR(qname="other.example.com", qtype="A")))
    seg("10.0.0.2", "10.0.0.1", 53, 5556, 1, seq,
        struct.pack(">H", len(r1)) + r1 + struct.pack(">H", len(r2)) + r2)
    return _write(d / "dns_tcp.pcap", pkts, 2000)


def build_dhcp(d: Path) -> Path:
    """DORA with many options, then NAK, Inform, Release, Lease query and plain BOOTP."""
    mac = "02:aa:bb:cc:dd:ee"

    def msg(op: int, opts: list, src: str = "0.0.0.0", sp: int = 68, dp: int = 67,  # noqa: S104
            yi: str = "0.0.0.0", flags: int = 0x8000, sname: bytes = b"",  # noqa: S104
            file: bytes = b""):  # noqa: ANN202
        return (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=src, dst="255.255.255.255")
                / UDP(sport=sp, dport=dp)
                / BOOTP(op=op, chaddr=mac2str(mac), xid=0x12345678, yiaddr=yi, flags=flags,
                        sname=sname, file=file, secs=3) / DHCP(options=opts))

    srv = {"src": "10.0.0.1", "sp": 67, "dp": 68}
    p = [
        msg(1, [("message-type", "discover"), ("client_id", b"\x01" + mac2str(mac)),
                ("hostname", "myhost"), ("vendor_class_id", "MSFT 5.0"),
                ("max_dhcp_size", 1500), ("param_req_list", [1, 3, 6, 15, 28, 51, 58, 59]),
                "end", "pad", "pad"]),
        msg(2, [("message-type", "offer"), ("server_id", "10.0.0.1"), ("lease_time", 86400),
                ("subnet_mask", "255.255.255.0"), ("router", "10.0.0.1"),
                ("name_server", "8.8.8.8", "1.1.1.1"), ("domain", "example.org"),
                ("broadcast_address", "10.0.0.255"), ("renewal_time", 43200),
                ("rebinding_time", 75600), "end"],
            yi="10.0.0.50", flags=0, sname=b"srv1", file=b"pxelinux.0", **srv),
        msg(1, [("message-type", "request"), ("requested_addr", "10.0.0.50"),
                ("server_id", "10.0.0.1"), ("client_id", b"\x00myclient"), "end"]),
        msg(2, [("message-type", "ack"), ("server_id", "10.0.0.1"), ("lease_time", 1),
                ("subnet_mask", "255.255.255.0"), "end"], yi="10.0.0.50", **srv),
        msg(2, [("message-type", "nak"), ("server_id", "10.0.0.1"), "end"], **srv),
        msg(1, [("message-type", "inform"), "end"]),
        msg(1, [("message-type", "release"), "end"]),
        msg(1, [("message-type", 10), "end"]),
        msg(1, ["end"]),
        msg(2, ["end"], **srv),
    ]
    return _write(d / "dhcp_dora.pcap", p, 3000, 0.25)


class _TcpConn:
    """Builds one TCP connection's segments with consistent sequence numbers."""

    def __init__(self, cport: int, sport: int = 80) -> None:
        self.cport, self.sport = cport, sport
        self.cseq, self.sseq = 1000, 5000
        self.pkts: list = []

    def _seg(self, from_client: bool, flags: str, data: bytes):  # noqa: ANN202
        if from_client:
            ip = IP(src="10.1.0.1", dst="10.1.0.2") / TCP(
                sport=self.cport, dport=self.sport, flags=flags, seq=self.cseq,
                ack=self.sseq if "A" in flags else 0)
        else:
            ip = IP(src="10.1.0.2", dst="10.1.0.1") / TCP(
                sport=self.sport, dport=self.cport, flags=flags, seq=self.sseq, ack=self.cseq)
        p = Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02") / ip
        return p / Raw(data) if data else p

    def handshake(self) -> None:
        self.pkts.append(self._seg(True, "S", b""))
        self.cseq += 1
        self.pkts.append(self._seg(False, "SA", b""))
        self.sseq += 1
        self.pkts.append(self._seg(True, "A", b""))

    def send(self, from_client: bool, data: bytes) -> None:
        self.pkts.append(self._seg(from_client, "PA", data))
        if from_client:
            self.cseq += len(data)
        else:
            self.sseq += len(data)


def build_http(d: Path) -> Path:
    """GET/POST/302/chunked, a request over 3 segments, a response over 4, pipelining."""
    a = _TcpConn(40001)
    a.handshake()
    a.send(True, b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88\r\n"
                 b"Accept: */*\r\nCookie: a=1; b=2\r\nReferer: http://example.com/\r\n\r\n")
    body = b"<html><body>Hello</body></html>\n"
    a.send(False, b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
                  b"Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % len(body) + body)
    a.send(True, b"POST /submit?x=1&y=2 HTTP/1.1\r\nHost: example.com:8080\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n"
                 b"\r\nname=ab")
    a.send(False, b"HTTP/1.1 302 Found\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n")
    a.send(True, b"GET /chunked HTTP/1.1\r\nHost: example.com\r\n\r\n")
    a.send(False, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked"
                  b"\r\n\r\n5\r\nHello\r\n6\r\n World\r\n0\r\n\r\n")
    req = b"GET /split/request HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\n\r\n"
    for part in (req[:10], req[10:40], req[40:]):
        a.send(True, part)
    resp = (b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: 300\r\n\r\n" + b"x" * 300)
    for part in (resp[:50], resp[50:150], resp[150:300], resp[300:]):
        a.send(False, part)
    a.send(True, b"GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"
                 b"GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n")
    a.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                  b"HTTP/1.1 204 No Content\r\n\r\n")
    a.send(True, b"GET /c HTTP/1.1\r\nHost: example.com\r\n\r\n")
    a.send(False, b"HTTP/1.1 200 OK\r\nSet-Cookie: k=v\r\nDate: Mon\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n4\r\nab")
    a.send(False, b"cd\r\n0\r\n\r\n")
    b = _TcpConn(40002, 8080)
    b.handshake()
    b.send(True, b"HEAD /x HTTP/1.0\r\nUser-Agent: t\r\n\r\n")
    b.send(False, b"HTTP/1.0 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 2\r\n\r\n{}")
    return _write(d / "http.pcap", a.pkts + b.pkts, 4000, 0.125)


def build_http_misc(d: Path) -> Path:
    """Heuristic port, Continuation, proxy URI, media body, OPTIONS *, body until FIN, gzip."""
    def seg(sp: int, dp: int, data: bytes, rev: bool = False):  # noqa: ANN202
        src, dst = ("10.2.0.2", "10.2.0.1") if rev else ("10.2.0.1", "10.2.0.2")
        return (Ether() / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags="PA", seq=1,
                                                     ack=1) / Raw(data))

    p = [
        seg(40010, 80, b"GET / HTTP/1.1\r\nX-Custom: yes\r\nHost: h\r\n"
                       b"Accept-Encoding: gzip\r\n\r\n"),
        seg(80, 40010, b"garbage not http\r\nmore", rev=True),
        seg(40011, 3128, b"GET http://proxy.example/x HTTP/1.1\r\nHost: proxy.example\r\n\r\n"),
        seg(3128, 40011, b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 4\r\n"
                         b"\r\n\x89PNG", rev=True),
        seg(40012, 8000, b"GET / HTTP/1.1\r\n\r\n"),
        seg(40013, 80, b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"),
        seg(80, 40013, b"HTTP/1.1 200 OK\r\nDate: Mon\r\n\r\nbody-without-length", rev=True),
    ]
    # Content-Encoding: gzip and deflate bodies are shown uncompressed; a bad one is data.
    for i, (enc, body) in enumerate((("gzip", gzip.compress(b"hello gzip world\n")),
                                     ("deflate", zlib.compress(b"deflated body")),
                                     ("gzip", b"abcde"))):
        port = 40020 + i
        p.append(seg(port, 80, b"GET /g%d HTTP/1.1\r\nHost: h\r\n\r\n" % i))
        p.append(seg(80, port, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                               b"Content-Encoding: %s\r\nContent-Length: %d\r\n\r\n"
                               % (enc.encode(), len(body)) + body, rev=True))
    return _write(d / "http_misc.pcap", p, 5000, 0.125)


def cut_snaplen(src: Path, snaplen: int) -> Path:
    """A copy of a little-endian µs pcap with every record cut to `snaplen` bytes."""
    data = src.read_bytes()
    out = bytearray(data[:24])
    struct.pack_into("<I", out, 16, snaplen)
    off = 24
    while off < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, off)
        rec = data[off + 16: off + 16 + incl]
        off += 16 + incl
        n = min(incl, snaplen)
        out += struct.pack("<IIII", sec, usec, n, orig) + rec[:n]
    dst = src.with_name(f"{src.stem}_snap{snaplen}.pcap")
    dst.write_bytes(bytes(out))
    return dst


# -- comparison helpers -------------------------------------------------------------------

def _assert_same(capture: Path, fields: list[str], proto_cols: tuple[str, ...] | None = None,
                 extra: tuple[str, ...] = (), lines: bool = True) -> int:
    """Packet-list lines and every field equal tshark's; returns packets x fields compared.

    With `proto_cols`, only the packets tshark shows with one of these Protocol columns are
    compared (the others belong to protocols outside this module).
    """
    ours, theirs = list_output(capture, extra)
    assert len(ours) == len(theirs)
    keep = [i for i, t in enumerate(theirs)
            if proto_cols is None or t.split()[5] in proto_cols]
    assert keep, "no packet of the protocol under test"
    if lines:
        bad = [f"ours:   {ours[i]}\ntshark: {theirs[i]}" for i in keep if ours[i] != theirs[i]]
        assert not bad, "\n".join(bad)
    mism = [m for m in compare_fields(capture, fields, extra) if m.frame - 1 in keep]
    assert not mism, "\n".join(map(str, mism))
    n = len(keep) * (len(fields) + 1)  # + the packet-list line
    COMPARED[f"{capture.parent.name}/{capture.name} {' '.join(extra)}".strip()] = n
    return n


# -- DNS ----------------------------------------------------------------------------------

@pytest.mark.tshark
def test_dns_udp_matches_tshark(tmp_path: Path) -> None:
    assert _assert_same(build_dns(tmp_path), DNS_FIELDS) > 0


@pytest.mark.tshark
def test_dns_two_pass_response_in(tmp_path: Path) -> None:
    cap = build_dns(tmp_path)
    _assert_same(cap, DNS_FIELDS, extra=("-2",))
    rc, out, _ = run_analyze(["-2", "-r", str(cap), "-T", "fields", "-e", "dns.response_in"])
    assert rc == 0
    assert out.splitlines()[0] == "2"  # the query in frame 1 is answered in frame 2


@pytest.mark.tshark
def test_dns_tcp_matches_tshark(tmp_path: Path) -> None:
    _assert_same(build_dns_tcp(tmp_path), DNS_FIELDS + ["tcp.reassembled_in"])


@pytest.mark.tshark
@pytest.mark.parametrize("snaplen", [66, 70, 77, 85, 90, 100, 150, 200, 250])
def test_dns_cut_by_snaplen(tmp_path: Path, snaplen: int) -> None:
    """Records cut by the snapshot length: the same items, Info and marking as tshark."""
    _assert_same(cut_snaplen(build_dns(tmp_path), snaplen), DNS_FIELDS)


@pytest.mark.tshark
@pytest.mark.parametrize("two_pass", [(), ("-2",)])
def test_dns_public_sample(two_pass: tuple[str, ...]) -> None:
    _assert_same(PUBLIC / "dns+icmp.pcapng.gz", DNS_FIELDS, ("DNS",), two_pass)


def test_dns_info_and_malformed(tmp_path: Path) -> None:
    """Exact Info texts, independent of tshark."""
    from diffutil import our_infos

    infos = our_infos(build_dns(tmp_path))
    assert infos[1] == "Standard query response 0xabcd A example.com A 93.184.216.34"
    assert infos[3] == ("Standard query response 0x1111 No such name AAAA nx.example.com "
                        "SOA ns.example.com")
    assert infos[6] == ("Standard query response 0x528e PTR 8.8.8.8.in-addr.arpa PTR "
                        "google-public-dns-a.google.com")
    assert infos[9] == "Standard query 0x6666[Malformed Packet]"
    assert infos[10] == "Standard query response 0x7777 A <Name contains a pointer that loops>"


def test_dns_name_loop_is_bounded() -> None:
    from dissectors.dns_labels import LOOP_NAME, get_name
    from dissectors.tvb import Tvb

    # Two pointers pointing at each other.
    msg = bytes(12) + b"\xc0\x0e\xc0\x0c"
    assert get_name(Tvb(msg), 12, 0) == (LOOP_NAME, 2)


# -- DHCP ---------------------------------------------------------------------------------

@pytest.mark.tshark
def test_dhcp_dora_matches_tshark(tmp_path: Path) -> None:
    _assert_same(build_dhcp(tmp_path), DHCP_FIELDS)


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["dhcp.pcap", "dhcp.pcapng", "dhcp-nanosecond.pcap"])
def test_dhcp_public_samples(name: str) -> None:
    _assert_same(PUBLIC / name, DHCP_FIELDS)


def test_dhcp_info_padding(tmp_path: Path) -> None:
    from diffutil import our_infos

    infos = our_infos(build_dhcp(tmp_path))
    assert infos[:4] == ["DHCP Discover - Transaction ID 0x12345678",
                         "DHCP Offer    - Transaction ID 0x12345678",
                         "DHCP Request  - Transaction ID 0x12345678",
                         "DHCP ACK      - Transaction ID 0x12345678"]


# -- HTTP ---------------------------------------------------------------------------------

@pytest.mark.tshark
def test_http_matches_tshark(tmp_path: Path) -> None:
    _assert_same(build_http(tmp_path), HTTP_FIELDS)


@pytest.mark.tshark
def test_http_two_pass_fields(tmp_path: Path) -> None:
    # Packet lines of the segments inside a reassembled PDU are TCP's business in -2.
    _assert_same(build_http(tmp_path), HTTP_FIELDS, extra=("-2",), lines=False)


@pytest.mark.tshark
@pytest.mark.parametrize("snaplen", [70, 90, 110, 120, 130, 150, 200, 300])
def test_http_cut_by_snaplen(tmp_path: Path, snaplen: int) -> None:
    """Cut first lines, headers and chunked bodies: no reassembly, tshark's marking."""
    _assert_same(cut_snaplen(build_http(tmp_path), snaplen), HTTP_FIELDS)


@pytest.mark.tshark
def test_http_misc_matches_tshark(tmp_path: Path) -> None:
    _assert_same(build_http_misc(tmp_path), HTTP_FIELDS + ["http.unknown_header",
                                                           "http.content_encoding", "data.data"])


@pytest.mark.tshark
def test_http_public_sample() -> None:
    _assert_same(PUBLIC / "http.pcap", HTTP_FIELDS)


def test_http_info_texts(tmp_path: Path) -> None:
    from diffutil import our_infos

    infos = our_infos(build_http(tmp_path))
    assert infos[3] == "GET /index.html HTTP/1.1 "
    assert infos[4] == "HTTP/1.1 200 OK  (text/html)"
    assert infos[16] == "GET /a HTTP/1.1 GET /b HTTP/1.1 "
