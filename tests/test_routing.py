"""OSPF, NDP, RSVP, PIM, ICMP/ICMPv6 Extended Echo (RFC 8335) and DNS on any UDP port
(tshark 4.0's dns_udp heuristic) against tshark 4.0: packet list, -V, -T json and the
new fields, on the corpus captures that hold them and on packets built here (tshark is
the check: every expected output is tshark's, compared live)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import assert_like_tshark as _same
from diffutil import compare_fields, run_analyze, run_tshark
from scapy.all import IP, UDP, Ether, Raw, wrpcap
from scapy.contrib.ospf import OSPF_DBDesc, OSPF_Hdr, OSPF_Hello

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
#: Captures whose every packet is now tshark's, list, -V and JSON alike (the OSPF, NDP
#: and PIM ones inside tunnels are in tests/test_l2_tunnels.py's WHOLE).
WHOLE = ["tcpdump-icmp-rfc8335.pcap", "tcpdump-icmp6-rfc8335.pcap", "tcpdump-someip1.pcap"]

#: (capture, display filter, fields): the new fields, and filters on them.
FIELD_CASES = [
    ("tcpdump-erspan-type-i-4.pcap", "ospf.msg.hello && ospf.hello.active_neighbor",
     ["ospf.version", "ospf.msg", "ospf.packet_length", "ospf.srcrouter", "ospf.area_id",
      "ospf.checksum", "ospf.auth.type", "ospf.auth.none", "ospf.hello.network_mask",
      "ospf.hello.hello_interval", "ospf.v2.options", "ospf.v2.options.e",
      "ospf.hello.router_priority", "ospf.hello.router_dead_interval",
      "ospf.hello.designated_router", "ospf.hello.backup_designated_router",
      "ospf.hello.active_neighbor"]),
    ("tcpdump-erspan-type-ii-3.pcap", "ndp.state == 2 && llc.nortel_pid == 0x01a1",
     ["llc.oui", "llc.nortel_pid", "ndp.ipaddress", "ndp.segmentident", "ndp.chassis",
      "ndp.backplane", "ndp.state", "ndp.numberoflinks", "_ws.col.Info"]),
    ("tcpdump-various_gre.pcap", "pim.type == 0 && pim.generation_id > 0",
     ["pim.version", "pim.type", "pim.cksum", "pim.cksum.status", "pim.optiontype",
      "pim.optionlength", "pim.holdtime", "pim.generation_id", "pim.dr_priority",
      "pim.state_refresh_version", "pim.state_refresh_interval"]),
    ("wireshark-communityid.pcap.gz", "rsvp.resv || rsvp.resvconf",
     ["rsvp.version", "rsvp.msg", "rsvp.message_checksum", "rsvp.message_length",
      "rsvp.object", "rsvp.ctype", "rsvp.session.ip", "rsvp.session.port",
      "rsvp.hop.neighbor_address_ipv4", "rsvp.refresh_interval", "rsvp.style.style",
      "rsvp.flowspec.token_bucket_rate", "rsvp.flowspec.peak_data_rate",
      "rsvp.sender.ip", "rsvp.sender.port", "rsvp.error.error_code",
      "rsvp.confirm.receiver_address_ipv4"]),
    ("tcpdump-icmp-rfc8335.pcap", "icmp.ext.echo.req.local || icmp.type == 43",
     ["icmp.type", "icmp.code", "icmp.ext.echo.seq", "icmp.ext.echo.req.local",
      "icmp.ext.echo.rsp.state", "icmp.ext.echo.rsp.active", "icmp.ext.version",
      "icmp.ext.checksum", "icmp.ext.checksum.status", "icmp.ext.class", "icmp.ext.ctype",
      "icmp.int_ident.name", "icmp.int_ident.index", "icmp.int_ident.afi",
      "icmp.int_ident.ipv4", "icmp.ext.data"]),
    ("tcpdump-icmp6-rfc8335.pcap", "icmpv6.ext.echo.rsp.ipv6 == 0 || icmp.ext.length > 8",
     ["icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier", "icmpv6.ext.echo.seq",
      "icmpv6.ext.echo.req.local", "icmpv6.ext.echo.rsp.ipv4", "icmp.ext.length",
      "icmp.int_ident.name", "frame.protocols"]),
    ("tcpdump-someip1.pcap", "dns.resp.type == 0",
     ["dns.count.answers", "dns.resp.type", "dns.resp.class", "dns.data"]),
]



@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
@pytest.mark.parametrize("name", WHOLE)
def test_corpus_whole(name: str, mode: list[str]) -> None:
    _same(["-r", str(CORPUS / name), *mode])


@pytest.mark.parametrize("mode", [[], ["-V"]], ids=["list", "V"])
def test_communityid_rsvp_sctp(mode: list[str]) -> None:
    """Every packet of the capture (its HTTP's -T json differs elsewhere, not here)."""
    _same(["-r", str(CORPUS / "wireshark-communityid.pcap.gz"), *mode])


@pytest.mark.parametrize(("name", "dfilter", "fields"), FIELD_CASES,
                         ids=[c[0] for c in FIELD_CASES])
def test_fields_and_filters(name: str, dfilter: str, fields: list[str]) -> None:
    path = CORPUS / name
    assert run_tshark(["-r", str(path), "-Y", dfilter])  # the filter selects something
    assert compare_fields(path, fields, ["-Y", dfilter]) == []


def _ospf_packets() -> list:
    """Hello (bad checksum, a neighbor, area 1), simple and cryptographic authentication,
    DB Description, an unknown type, and a Hello whose L bit promises an LLS block."""
    ip = IP(src="10.0.0.1", dst="224.0.0.5", ttl=1)
    return [
        Ether() / ip / OSPF_Hdr(chksum=0x1234, area="0.0.0.1")
        / OSPF_Hello(neighbors=["10.0.0.2", "10.0.0.3"]),
        Ether() / ip / OSPF_Hdr(authtype=1, authdata=0x6162630000000000) / OSPF_Hello(),
        Ether() / ip / OSPF_Hdr(authtype=2, keyid=7, authdatalen=16, seq=5) / OSPF_Hello(),
        Ether() / ip / OSPF_Hdr() / OSPF_DBDesc(dbdescr=0x07, options=0x42),
        Ether() / ip / OSPF_Hdr(type=9) / Raw(b"abcd"),
        Ether() / ip / OSPF_Hdr() / OSPF_Hello(options=0x12),
    ]


def _udp_dns_probes() -> list:
    """UDP payloads on unregistered ports at the edges of the dns_udp heuristic."""
    def hdr(flags: int, q: int, a: int, au: int, ad: int) -> bytes:
        return struct.pack(">HHHHHH", 0x1234, flags, q, a, au, ad)
    payloads = [hdr(0x8100, 0, 1, 0, 0) + bytes(11), hdr(0x0100, 1, 0, 0, 0) + bytes(5),
                hdr(0x0100, 0, 0, 0, 0) + bytes(5), hdr(0x0100, 1, 1, 0, 0) + bytes(16),
                hdr(0x8100, 0, 1, 0, 0), hdr(0x8900, 0, 1, 0, 0) + bytes(11),
                hdr(0x8100, 0, 100, 0, 0) + bytes(11), hdr(0x8100, 0, 101, 0, 0) + bytes(11),
                hdr(0x8100, 0, 1, 10, 0) + bytes(11), hdr(0x8100, 0, 1, 11, 0) + bytes(11),
                hdr(0x0100, 1, 0, 0, 10) + bytes(11), hdr(0x0100, 1, 0, 0, 11) + bytes(11),
                hdr(0x8100, 2, 1, 0, 0) + bytes(11), hdr(0x0100, 1, 0, 1, 0) + bytes(16),
                # a name that starts with an extended label / has one after a label
                hdr(0x8180, 0, 1, 0, 0) + b"\x47" + struct.pack(">HHIH", 1, 1, 60, 4)
                + bytes(24),
                hdr(0x8180, 0, 1, 0, 0) + b"\x01a\x47" + struct.pack(">HHIH", 1, 1, 60, 4)
                + bytes(4)]
    return [Ether() / IP(src="10.0.0.1", dst="10.0.0.2")
            / UDP(sport=40000 + i, dport=41000 + i) / Raw(p) for i, p in enumerate(payloads)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("routing")
    out = {}
    for name, packets in (("ospf", _ospf_packets()), ("dns_heur", _udp_dns_probes())):
        out[name] = d / f"{name}.pcap"
        wrpcap(str(out[name]), packets)
    return out


@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
@pytest.mark.parametrize("name", ["ospf", "dns_heur"])
def test_built(built: dict[str, Path], name: str, mode: list[str]) -> None:
    _same(["-r", str(built[name]), *mode])


def test_ospf_filters(built: dict[str, Path]) -> None:
    for dfilter in ("ospf.auth.simple == \"abc\"", "ospf.dbd.ms", "ospf.v2.options.l",
                    "ospf.auth.crypt.key_id == 7", "ospf.lsa.invalid_length",
                    "ospf.msg == 9", "ospf.area_id == 0.0.0.1"):
        args = ["-r", str(built["ospf"]), "-Y", dfilter, "-T", "fields", "-e", "frame.number"]
        theirs = run_tshark(args)
        assert theirs.strip(), dfilter
        rc, ours, err = run_analyze(args)
        assert (rc, ours) == (0, theirs), (dfilter, err)
