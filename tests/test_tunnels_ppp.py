"""GTP (GTPv1-U with its inner IP), PPPoE (discovery and session), PPP, LCP, IPCP, PAP,
CHAP and L2TPv2 against tshark 4.0: packet list, -V, -T json, fields, filters and io,phs,
on the public corpus captures that hold them and on packets built here (synthetic but
valid; tshark is the check, live)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import assert_like_tshark as _same
from diffutil import compare_fields, run_analyze
from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw, wrpcap

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
GTP_CAP = "ndpi-false_positives.pcapng"
PPP_CAP = "dpkt-nb6-http.pcap"
#: Frames of the PPP capture whose differences are another protocol's: an ICMP error
#: quoting a DNS answer, which tshark 4.0 draws at the top level.
PPP_CAP_OTHERS = "frame.number != 34"

FIELDS = [
    "frame.protocols", "_ws.col.Protocol", "_ws.col.Info", "ip.src", "ip.dst", "ipv6.src",
    "tcp.stream", "udp.stream", "tcp.srcport", "udp.dstport",
    "gtp.flags", "gtp.flags.version", "gtp.flags.payload", "gtp.flags.reserved", "gtp.flags.e",
    "gtp.flags.s", "gtp.flags.pn", "gtp.message", "gtp.length", "gtp.teid", "gtp.seq_number",
    "gtp.npdu_number", "gtp.recovery", "gtp.response_to", "gtp.time", "gtp.ext_hdr.next", "gtp.ext_hdr.length",
    "gtp.ext_hdr.pdu_ses_con.pdu_type", "gtp.ext_hdr.pdu_ses_con.qos_flow_id",
    "pppoe.version", "pppoe.type", "pppoe.code", "pppoe.session_id", "pppoe.payload_length",
    "pppoed.tag", "pppoed.tags.ac_name", "pppoed.tags.service_name", "pppoed.tags.host_uniq",
    "pppoed.tags.ac_cookie", "ppp.address", "ppp.control", "ppp.protocol", "ppp.code",
    "ppp.identifier", "ppp.length", "lcp.magic_number", "lcp.data", "lcp.opt.type",
    "lcp.opt.length", "lcp.opt.mru", "lcp.opt.magic_number", "lcp.opt.auth_protocol",
    "lcp.opt.asyncmap", "lcp.rej_proto", "l2tp.flags", "l2tp.type", "l2tp.length_bit",
    "l2tp.seq_bit", "l2tp.offset_bit", "l2tp.priority", "l2tp.version", "l2tp.length",
    "l2tp.tunnel", "l2tp.session", "l2tp.Ns", "l2tp.Nr", "l2tp.offset", "l2tp.avp.mandatory",
    "l2tp.avp.hidden", "l2tp.avp.length", "l2tp.avp.type", "l2tp.avp.message_type",
    "l2tp.avp.host_name", "l2tp.avp.assigned_tunnel_id", "l2tp.avp.receive_window_size",
    "l2tp.avp.assigned_session_id", "l2tp.avp.protocol_version", "ipcp.opt.type",
    "ipcp.opt.ip_address", "ipcp.opt.pri_dns_address", "ipcp.opt.sec_nbns_address",
    "ipcp.opt.compress_proto", "ipcp.opt.max_slot_id", "ppp.data", "pap.code", "pap.peer_id",
    "pap.password", "pap.message", "chap.code", "chap.value", "chap.name", "chap.message",
]

A, B = "00:11:22:33:44:55", "00:66:77:88:99:aa"
INNER = bytes(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000) / Raw(b"hi"))
INNER6 = bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(sport=1234, dport=80, flags="S"))


def _udp(port: int, payload: bytes) -> bytes:
    return bytes(Ether(src=A, dst=B) / IP(src="1.1.1.1", dst="2.2.2.2")
                 / UDP(sport=port, dport=port) / Raw(payload))


def _gtp(flags: int, mtype: int, teid: int, body: bytes, opt: bytes = b"") -> bytes:
    return _udp(2152, struct.pack(">BBHI", flags, mtype, len(opt + body), teid) + opt + body)


def _pppoe(ethertype: int, code: int, sid: int, payload: bytes, dst: str = B) -> bytes:
    return bytes(Ether(src=A, dst=dst, type=ethertype)) + struct.pack(
        ">BBHH", 0x11, code, sid, len(payload)) + payload


def _tag(t: int, v: bytes) -> bytes:
    return struct.pack(">HH", t, len(v)) + v


def _cp(code: int, ident: int, body: bytes) -> bytes:
    """A PPP control-protocol packet (LCP)."""
    return struct.pack(">BBH", code, ident, 4 + len(body)) + body


def _lcp(code: int, ident: int, body: bytes) -> bytes:
    return _pppoe(0x8864, 0, 0x1234, b"\xc0\x21" + _cp(code, ident, body))


def _avp(t: int, v: bytes, mandatory: bool = True) -> bytes:
    return struct.pack(">HHH", (0x8000 if mandatory else 0) | (6 + len(v)), 0, t) + v


def _l2tp_control(tunnel: int, ns: int, nr: int, avps: bytes) -> bytes:
    return _udp(1701, struct.pack(">HHHHHH", 0xC802, 12 + len(avps), tunnel, 0, ns, nr)
                + avps)


def synthetic() -> list[bytes]:
    ext85 = struct.pack(">HBB", 0, 0, 0x85) + bytes([1, 0x10, 0x09, 0])
    sccrq = (_avp(0, b"\x00\x01") + _avp(2, b"\x01\x00") + _avp(3, b"\x00\x00\x00\x03")
             + _avp(7, b"host1") + _avp(9, b"\x00\x05") + _avp(10, b"\x00\x04")
             + _avp(8, b"vendor", False))
    return [
        # GTP-U: plain T-PDU (IPv4), with a sequence number (IPv6), with a PDU session
        # container, with an N-PDU number; an End Marker; a payload neither IPv4 nor IPv6
        _gtp(0x30, 0xFF, 1, INNER),
        _gtp(0x32, 0xFF, 2, INNER6, struct.pack(">HBB", 0x1234, 0, 0)),
        _gtp(0x34, 0xFF, 3, INNER, ext85),
        _gtp(0x31, 0xFF, 6, INNER, struct.pack(">HBB", 0, 0x55, 0)),
        _gtp(0x30, 0xFE, 5, b""),
        _gtp(0x30, 0xFF, 7, b"\x00\x21" + INNER),
        # echo request and response (Recovery IE; the response is linked to the request)
        _gtp(0x32, 0x01, 0, b"", struct.pack(">HBB", 7, 0, 0)),
        _gtp(0x32, 0x02, 0, b"\x0e\x05", struct.pack(">HBB", 7, 0, 0)),
        # PPPoE discovery: PADI, PADO (AC-Name in Info), PADS, PADT
        _pppoe(0x8863, 0x09, 0, _tag(0x0101, b"") + _tag(0x0103, b"\x01\x02\x03\x04"),
               "ff:ff:ff:ff:ff:ff"),
        _pppoe(0x8863, 0x07, 0, _tag(0x0102, b"myac") + _tag(0x0101, b"svc")
               + _tag(0x0104, b"\xaa" * 16) + _tag(0x0103, b"\x01\x02\x03\x04")),
        _pppoe(0x8863, 0x65, 0x1234, _tag(0x0103, b"\x01\x02\x03\x04")),
        _pppoe(0x8863, 0xA7, 0x1234, b""),
        # LCP over PPPoE: configure (MRU, magic, auth, ACCM, PFC/ACFC), terminate, echo,
        # protocol / code reject, discard
        _lcp(1, 1, bytes.fromhex("010405d4 050611223344")),
        _lcp(1, 2, bytes.fromhex("010405d4 0304c023 020600000000")),
        _lcp(1, 2, bytes.fromhex("0206000a0000")),
        _lcp(2, 2, bytes.fromhex("010405d4")),
        _lcp(3, 3, bytes.fromhex("01040578")),
        _lcp(4, 4, bytes.fromhex("07020802")),
        _lcp(5, 5, b"bye"),
        _lcp(6, 5, b""),
        _lcp(9, 7, bytes.fromhex("01020304")),
        _lcp(10, 7, bytes.fromhex("0102030405060708")),
        _lcp(11, 9, bytes.fromhex("00000005")),
        _lcp(7, 10, bytes.fromhex("99010004")),
        # IPCP: options (address, DNS/NBNS servers, VJ compression), Nak, terminate,
        # code reject; LCP's protocol reject with the rejected IPCP packet inside
        _pppoe(0x8864, 0, 0x1234, b"\x80\x21" + _cp(1, 1, bytes.fromhex(
            "03060a000001 81060a000002 83060a000003 0206002d0f01 82060a000004 84060a000005"))),
        _pppoe(0x8864, 0, 0x1234, b"\x80\x21" + _cp(3, 1, bytes.fromhex("030600000000"))),
        _pppoe(0x8864, 0, 0x1234, b"\x80\x21" + _cp(5, 2, b"")),
        _pppoe(0x8864, 0, 0x1234, b"\x80\x21" + _cp(7, 2, b"\x99\x00\x00\x04")),
        _lcp(8, 3, b"\x80\x21" + _cp(1, 1, bytes.fromhex("03060a000001"))),
        # PAP and CHAP: requests, challenges, responses, acks / naks, success / failure
        *(_pppoe(0x8864, 0, 0x1234, b"\xc0\x23" + p) for p in (
            _cp(1, 1, b"\x04user\x06secret"), _cp(2, 1, b"\x07Welcome"), _cp(3, 2, b"\x00"))),
        *(_pppoe(0x8864, 0, 0x1234, b"\xc2\x23" + p) for p in (
            _cp(1, 1, b"\x10" + bytes(range(16)) + b"server"),
            _cp(2, 1, b"\x10" + bytes(range(16, 32)) + b"user"), _cp(3, 1, b"Welcome"),
            _cp(4, 1, b""))),
        # PPP over PPPoE: IPv6, IPv4, an unknown protocol; a session cut short
        _pppoe(0x8864, 0, 0x1234, b"\x00\x57" + INNER6),
        _pppoe(0x8864, 0, 0x1234, b"\x00\x21" + INNER),
        _pppoe(0x8864, 0, 0x1234, b"\x12\x34abc"),
        _pppoe(0x8864, 0, 0x1234, b"\x00"),
        # PPTP's enhanced GRE carrying PPP (address and control bytes) and IPv4
        bytes(Ether(src=A, dst=B) / IP(src="1.1.1.1", dst="2.2.2.2", proto=47) / Raw(
            struct.pack(">HHHHII", 0x3081, 0x880B, 4 + len(INNER), 77, 106, 140)
            + b"\xff\x03\x00\x21" + INNER)),
        # L2TP: SCCRQ with AVPs, SCCRP, ICRQ, StopCCN, CDN, a ZLB; data messages with PPP
        _l2tp_control(0, 0, 0, sccrq),
        _l2tp_control(5, 0, 1, _avp(0, b"\x00\x02")),
        _l2tp_control(5, 1, 1, _avp(0, b"\x00\x0a") + _avp(14, b"\x00\x07")),
        _l2tp_control(5, 1, 1, _avp(0, b"\x00\x04")),
        _l2tp_control(5, 1, 1, _avp(0, b"\x00\x0e")),
        _l2tp_control(5, 2, 16, b""),
        _udp(1701, struct.pack(">HHH", 0x0002, 5, 7) + b"\xff\x03\x00\x21" + INNER),
        _udp(1701, struct.pack(">HHHH", 0x0302, 5, 7, 0) + b"\xff\x03\xc0\x21"
             + _cp(10, 3, b"\x00\x00\x00\x09")),
        _udp(1701, struct.pack(">HHHHH", 0x0802, 5, 7, 3, 4) + b"\x00\x57" + INNER6),
    ]


@pytest.fixture(scope="module")
def synthetic_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ppp") / "tunnels_ppp.pcap"
    wrpcap(str(path), [Ether(p) for p in synthetic()])
    return path



def _path(name: str, synthetic_pcap: Path) -> Path:
    return synthetic_pcap if name == "synthetic" else CORPUS / name


@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
@pytest.mark.parametrize(("name", "filt"), [
    (GTP_CAP, ""), (PPP_CAP, PPP_CAP_OTHERS), ("synthetic", "")])
def test_capture(name: str, filt: str, mode: list[str], synthetic_pcap: Path) -> None:
    """The whole capture (the PPP capture: but for one frame of another protocol)."""
    _same(["-r", str(_path(name, synthetic_pcap)), *(["-Y", filt] if filt else []), *mode])


def test_two_pass_links_requests_to_responses(synthetic_pcap: Path) -> None:
    """With -2 the echo request shows the frame of its response too."""
    _same(["-2", "-r", str(synthetic_pcap), "-Y", "gtp", "-V"])


@pytest.mark.parametrize("name", [GTP_CAP, PPP_CAP, "synthetic"])
def test_packet_list_of_every_frame(name: str, synthetic_pcap: Path) -> None:
    _same(["-r", str(_path(name, synthetic_pcap))])


@pytest.mark.parametrize("name", [GTP_CAP, PPP_CAP, "synthetic"])
def test_fields(name: str, synthetic_pcap: Path) -> None:
    assert compare_fields(_path(name, synthetic_pcap), FIELDS) == []


@pytest.mark.parametrize("name", [GTP_CAP, "synthetic"])
def test_io_phs(name: str, synthetic_pcap: Path) -> None:
    """The inner packet's protocols under the tunnel's."""
    _same(["-r", str(_path(name, synthetic_pcap)), "-q", "-z", "io,phs"])


@pytest.mark.parametrize(("name", "z"), [
    (GTP_CAP, "conv,tcp"), (GTP_CAP, "conv,udp"), (GTP_CAP, "conv,ip"), (GTP_CAP, "expert"),
    (PPP_CAP, "conv,ipv6"), (PPP_CAP, "conv,udp"), (PPP_CAP, "conv,tcp")])
def test_inner_conversations(name: str, z: str) -> None:
    """Inner TCP/UDP streams and conversations are counted with the outer ones, as in
    tshark (stream indices, conversation tables)."""
    _same(["-r", str(CORPUS / name), "-q", "-z", z])


@pytest.mark.parametrize(("name", "filt"), [
    (GTP_CAP, "gtp.teid == 0x0470bcaf"), (GTP_CAP, "gtp"), (GTP_CAP, "gtp && tcp"),
    (GTP_CAP, "gtp.message == 0xff && udp.srcport == 31046"), (GTP_CAP, "tcp.stream == 0"),
    (PPP_CAP, "pppoe.session_id == 0x3b1a"), (PPP_CAP, "pppoes"), (PPP_CAP, "lcp"),
    (PPP_CAP, "l2tp.tunnel == 1527"), (PPP_CAP, "ppp.protocol == 0x0057"),
    (PPP_CAP, "l2tp.avp.message_type == 6"), (PPP_CAP, "lcp.magic_number"),
    ("synthetic", "pppoed.tags.ac_name == \"myac\""), ("synthetic", "gtp.seq_number == 0x1234"),
    ("synthetic", "lcp.opt.mru == 1492"), ("synthetic", "l2tp.avp.host_name == \"host1\""),
    ("synthetic", "pppoed"), ("synthetic", "gtp.flags.e"),
    ("synthetic", "ipcp.opt.pri_dns_address == 10.0.0.2"), ("synthetic", "ipcp && lcp"),
    ("synthetic", "pap.peer_id == \"user\""), ("synthetic", "chap.code == 3")])
def test_filters(name: str, filt: str, synthetic_pcap: Path) -> None:
    _same(["-r", str(_path(name, synthetic_pcap)), "-Y", filt, "-T", "fields",
           "-e", "frame.number"])


@pytest.mark.parametrize(("name", "filt"), [
    (GTP_CAP, "tcp.stream == 1"), (GTP_CAP, "udp.stream == 3"), (PPP_CAP, "tcp.stream == 2"),
    (PPP_CAP, "ipv6"), (PPP_CAP, "udp.port == 1701")])
def test_filtered_trees(name: str, filt: str) -> None:
    """A filter on an inner layer's state (stream indices) shows tshark's trees: the
    frames it skips still move the streams the tunnels carry."""
    _same(["-r", str(CORPUS / name), "-Y", filt, "-V"])


def test_cut_short_frames_do_not_fail(tmp_path: Path) -> None:
    """Every synthetic packet cut at every third byte: each frame is listed, no error."""
    cut = [Ether(p[:n]) for p in synthetic() for n in range(14, len(p), 3)]
    path = tmp_path / "cut.pcap"
    wrpcap(str(path), cut)
    rc, out, err = run_analyze(["-r", str(path), "-V"])
    assert rc == 0 and not err
    assert out.count("\nFrame ") + out.startswith("Frame ") == len(cut)
