"""mDNS, LLMNR (DNS's machinery, their own protocol items) and IPv4's TTL notes against
tshark 4.0: packet list, -V, -T json and the fields, on captures built here with scapy."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import compare_fields, run_analyze, run_tshark
from scapy.all import DNS, DNSQR, DNSRR, IP, UDP, Ether, IPv6, Raw, wrpcap
from scapy.layers.dns import DNSRRSRV

pytestmark = pytest.mark.tshark

FIELDS = [
    "frame.protocols", "dns.id", "dns.flags", "dns.flags.response", "dns.flags.opcode",
    "dns.flags.authoritative", "dns.flags.conflict", "dns.flags.tentative",
    "dns.flags.truncated", "dns.flags.rcode", "dns.qry.name", "dns.qry.type",
    "dns.qry.class", "dns.qry.qu", "dns.resp.name", "dns.resp.type", "dns.resp.class",
    "dns.resp.cache_flush", "dns.resp.ttl", "dns.a", "dns.aaaa", "dns.ptr.domain_name",
    "dns.srv.port", "dns.srv.target", "dns.txt", "dns.response_in", "dns.response_to",
    "dns.unsolicited", "_ws.col.Protocol", "_ws.col.Info", "_ws.expert.message",
]

E = Ether(src="00:11:22:33:44:55", dst="01:00:5e:00:00:fb")
E6 = Ether(src="00:11:22:33:44:55", dst="33:33:00:00:00:fb")


def _mdns_llmnr() -> list:
    pk = [
        # mDNS: a "QU" and a "QM" question, sent with mDNS's TTL 255
        E / IP(src="192.168.1.10", dst="224.0.0.251", ttl=255) / UDP(sport=5353, dport=5353)
        / DNS(id=0, rd=0, qd=[DNSQR(qname="_ipp._tcp.local", qtype="PTR", unicastresponse=1),
                              DNSQR(qname="printer.local", qtype="A")]),
        # an announcement: records with and without cache flush, SRV and TXT
        E / IP(src="192.168.1.20", dst="224.0.0.251", ttl=255) / UDP(sport=5353, dport=5353)
        / DNS(id=0, qr=1, aa=1, rd=0, qd=[], an=[
            DNSRR(rrname="_ipp._tcp.local", type="PTR", ttl=4500,
                  rdata="printer._ipp._tcp.local"),
            DNSRR(rrname="printer.local", type="A", cacheflush=1, ttl=120,
                  rdata="192.168.1.20")],
            ar=[DNSRRSRV(rrname="printer._ipp._tcp.local", cacheflush=1, ttl=120, port=631,
                         target="printer.local"),
                DNSRR(rrname="printer._ipp._tcp.local", type="TXT", cacheflush=1, ttl=4500,
                      rdata=["txtvers=1", "qtotal=1"])]),
        # mDNS over IPv6, and to 224.0.0.251 with a TTL other than 255 (a note)
        E6 / IPv6(src="fe80::1", dst="ff02::fb") / UDP(sport=5353, dport=5353)
        / DNS(id=0, rd=0, qd=[DNSQR(qname="host.local", qtype="AAAA")]),
        E / IP(src="192.168.1.11", dst="224.0.0.251", ttl=1) / UDP(sport=5353, dport=5353)
        / DNS(id=0, rd=0, qd=[DNSQR(qname="x.local", qtype="A")]),
        # a one-shot unicast query and its answer: paired like DNS
        E / IP(src="192.168.1.10", dst="192.168.1.20") / UDP(sport=40000, dport=5353)
        / DNS(id=0x1234, rd=0, qd=[DNSQR(qname="printer.local", qtype="A")]),
        E / IP(src="192.168.1.20", dst="192.168.1.10") / UDP(sport=5353, dport=40000)
        / DNS(id=0x1234, qr=1, aa=1, rd=0, qd=[DNSQR(qname="printer.local", qtype="A")],
              an=[DNSRR(rrname="printer.local", type="A", cacheflush=1, ttl=10,
                        rdata="192.168.1.20")]),
        # LLMNR: query, response (conflict bit set), IPv6 query with the T bit
        Ether() / IP(src="192.168.1.10", dst="224.0.0.252", ttl=1) / UDP(sport=51000, dport=5355)
        / DNS(id=0xABCD, rd=0, qd=[DNSQR(qname="wpad", qtype="A")]),
        Ether() / IP(src="192.168.1.30", dst="192.168.1.10") / UDP(sport=5355, dport=51000)
        / DNS(id=0xABCD, qr=1, aa=1, rd=0, qd=[DNSQR(qname="wpad", qtype="A")],
              an=[DNSRR(rrname="wpad", type="A", ttl=30, rdata="192.168.1.30")]),
        E6 / IPv6(src="fe80::1", dst="ff02::1:3") / UDP(sport=51001, dport=5355)
        / DNS(id=0x0102, rd=1, qd=[DNSQR(qname="fileserver", qtype="AAAA")]),
        # an LLMNR query with the C bit, and a cut one (Malformed: LLMNR)
        Ether() / IP(src="192.168.1.10", dst="224.0.0.252", ttl=1) / UDP(sport=51002, dport=5355)
        / DNS(id=0x0103, aa=1, rd=0, qd=[DNSQR(qname="nas", qtype="A")]),
        Ether() / IP(src="192.168.1.10", dst="224.0.0.252", ttl=1) / UDP(sport=51003, dport=5355)
        / Raw(bytes(DNS(id=7, rd=0, qd=[DNSQR(qname="cut", qtype="A")]))[:15]),
    ]
    for i, p in enumerate(pk):
        p.time = 1_700_000_000 + i / 4
    return pk


def _ttl(cases: list[tuple[int, str, int]]) -> list:
    """IPv4 TTL notes: RFC 3171's rule for 224.0.0.0/24, small unicast TTLs."""
    out = []
    for ttl, dst, proto in cases:
        p = Ether() / IP(src="10.0.0.2", dst=dst, ttl=ttl, proto=proto)
        out.append(p / UDP(sport=1234, dport=9) / Raw(b"abcd") if proto == 17
                   else p / Raw(b"\x11\x00\xee\xff\x00\x00\x00\x00"))
    return out


# (TTL, destination, IP protocol): the rule goes by address (UDP shows it in full) ...
TTL_UDP = [(1, "224.0.0.251", 17), (255, "224.0.0.251", 17), (64, "224.0.0.1", 17),
           (1, "224.0.0.1", 17), (255, "224.0.0.18", 17), (1, "224.0.0.102", 17),
           (64, "224.0.0.252", 17), (255, "224.0.0.107", 17), (64, "224.0.1.1", 17),
           (0, "10.0.0.1", 17), (4, "255.255.255.255", 17), (5, "10.0.0.1", 17),
           (1, "239.1.1.1", 17)]
# ... except that PIM and OSPF may use a small unicast TTL (their payloads labshark
# does not decode: only the IP fields and notes are compared).
TTL_OTHER = [(1, "10.0.0.1", 103), (1, "10.0.0.1", 89), (2, "10.0.0.1", 2),
             (64, "224.0.0.13", 103), (1, "224.0.0.5", 89), (64, "224.0.0.1", 2)]


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("mdns")
    out = {}
    for name, pk in (("mdns_llmnr", _mdns_llmnr()), ("ttl", _ttl(TTL_UDP)),
                     ("ttl_proto", _ttl(TTL_OTHER))):
        out[name] = d / f"{name}.pcap"
        wrpcap(str(out[name]), pk)
    return out


@pytest.mark.parametrize("name", ["mdns_llmnr", "ttl"])
@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], ["-2", "-V"],
                                  ["-q", "-z", "io,phs"]])
def test_output_equals_tshark(caps, name, args):
    rc, ours, err = run_analyze(["-r", str(caps[name]), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(caps[name]), *args])


@pytest.mark.parametrize("name", ["mdns_llmnr", "ttl"])
def test_fields_equal_tshark(caps, name):
    assert compare_fields(caps[name], FIELDS) == []


def test_ttl_notes_by_protocol(caps):
    for flt, frames in (("ip.ttl.too_small", ["3"]), ("ip.ttl.lncb", ["4", "6"])):
        args = ["-r", str(caps["ttl_proto"]), "-Y", flt, "-T", "fields", "-e", "frame.number"]
        rc, ours, err = run_analyze(args)
        assert rc == 0, err
        assert ours.split() == run_tshark(args).split() == frames


def test_filters_know_the_fields(caps):
    for flt, n in (("mdns", 6), ("llmnr", 5), ("dns", 0), ("dns.qry.qu", 5),
                   ("dns.resp.cache_flush == 1", 2), ("dns.flags.conflict == 1", 2),
                   ("ip.ttl.lncb", 1), ("dns.qry.class == 1", 9)):
        theirs = run_tshark(["-r", str(caps["mdns_llmnr"]), "-Y", flt])
        rc, ours, err = run_analyze(["-r", str(caps["mdns_llmnr"]), "-Y", flt])
        assert rc == 0, err
        assert ours == theirs
        assert len(theirs.splitlines()) == n, flt
