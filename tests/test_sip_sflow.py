"""SIP and sFlow against tshark 4.0: the corpus captures (SIP in PPTP's GRE/PPP, an sFlow v5
expanded flow sample with a sampled Ethernet header) and SIP messages built here (INVITE
with a text body, 180/200 responses, REGISTER, compact header names, over UDP and TCP) and
sFlow datagrams cut short: packet list, -V and -T json (tshark is the check, compared
live)."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import assert_like_tshark as _same
from diffutil import compare_fields
from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
GRE = CORPUS / "ndpi-gre.pcapng"
SFLOW = CORPUS / "tcpdump-sflow_expanded.pcap"
CRLF = "\r\n"
FIELDS = ["sip.Method", "sip.r-uri", "sip.r-uri.user", "sip.r-uri.host", "sip.Status-Code",
          "sip.from.addr", "sip.from.tag", "sip.to.addr", "sip.to.tag", "sip.tag",
          "sip.Call-ID", "sip.CSeq.seq", "sip.CSeq.method", "sip.Via.branch",
          "sip.Via.sent-by.port", "sip.Contact", "sip.contact.uri", "sip.Content-Length",
          "sip.display.info", "frame.protocols", "_ws.col.Info"]
SFLOW_FIELDS = ["sflow_245.version", "sflow_245.agent", "sflow_245.numsamples",
                "sflow_245.sampletype", "sflow.enterprise", "sflow_245.header",
                "sflow_245.dstAS", "sflow_245.nexthop", "tcp.seq", "frame.protocols",
                "_ws.col.Info"]


def _msg(*lines: str, body: str = "") -> bytes:
    return (CRLF.join(lines) + CRLF + CRLF + body).encode()


INVITE = _msg("INVITE sip:bob@biloxi.example.com SIP/2.0",
              "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
              "Max-Forwards: 70", "To: Bob <sip:bob@biloxi.example.com>",
              'From: "Alice" <sip:alice@atlanta.example.com:5070>;tag=1928301774',
              "Call-ID: a84b4c76e66710@pc33.atlanta.example.com", "CSeq: 314159 INVITE",
              "Contact: <sip:alice@pc33.atlanta.example.com>", "Content-Type: text/plain",
              "Content-Length: 12", body="hello\nworld\n")
RINGING = _msg("SIP/2.0 180 Ringing", "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1",
               "To: <sip:bob@b.example.com>;tag=a6c85cf",
               "From: sip:alice@a.example.com;tag=1928", "Call-ID: abc@x",
               "CSeq: 314159 INVITE", "Content-Length: 0")
OK = _msg("SIP/2.0 200 OK", "Via: SIP/2.0/UDP 10.0.0.1:5060;rport=5060;received=10.0.0.9;"
          "branch=z9hG4bK1", "To: <sip:bob@b.example.com>;tag=a6c85cf",
          "From: sip:alice@a.example.com;tag=1928", "Call-ID: abc@x", "CSeq: 314159 INVITE",
          "User-Agent: test", "Content-Length: 0")
REGISTER = _msg("REGISTER sip:registrar.biloxi.example.com SIP/2.0",
                "Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7",
                "Max-Forwards: 70", "To: Bob <sip:bob@biloxi.example.com>",
                "From: Bob <sip:bob@biloxi.example.com>;tag=456248",
                "Call-ID: 843817637684230@998sdasdh09", "CSeq: 1826 REGISTER",
                "Contact: <sip:bob@192.0.2.4>", "Expires: 7200", "Content-Length: 0")
COMPACT = _msg("OPTIONS sip:carol@chicago.example.com SIP/2.0",
               "v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877",
               "t: <sip:carol@chicago.example.com>", "f: Alice <sip:alice@atlanta.example.com>"
               ";tag=1928301774", "i: a84b4c76e66710", "CSeq: 63104 OPTIONS", "l: 0")


def _sip_packets() -> list:
    def udp(payload: bytes):  # noqa: ANN202
        return Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=5060, dport=5060) / \
            Raw(payload)
    tcp = Ether() / IP(src="10.0.0.3", dst="10.0.0.4") / TCP(
        sport=40000, dport=5060, flags="PA", seq=1000, ack=1) / Raw(REGISTER)
    return [udp(INVITE), udp(RINGING), udp(OK), udp(REGISTER), udp(COMPACT), tcp]


@pytest.fixture(scope="module")
def sip_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sip") / "sip.pcap"
    wrpcap(str(path), _sip_packets())
    return path


@pytest.fixture(scope="module")
def sflow_cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus sFlow datagram cut short at a few points (header, sample, records)."""
    from scapy.all import rdpcap
    pkt = rdpcap(str(SFLOW))[0]
    data = bytes(pkt[UDP].payload)
    cuts = [Ether() / IP(src="192.0.2.100", dst="192.0.2.101") / UDP(sport=47873, dport=6343)
            / Raw(data[:n]) for n in (20, 40, 90, 200, 300)]
    path = tmp_path_factory.mktemp("sflow") / "sflow_cut.pcap"
    wrpcap(str(path), cuts)
    return path



MODES = [[], ["-V"], ["-T", "json"]]
MODE_IDS = ["list", "V", "json"]


@pytest.mark.parametrize("capture", [GRE, SFLOW], ids=["gre-sip", "sflow"])
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_corpus(capture: Path, mode: list[str]) -> None:
    _same(["-r", str(capture), *mode])


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_sip_built(sip_built: Path, mode: list[str]) -> None:
    _same(["-r", str(sip_built), *mode])


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_sflow_cut(sflow_cut: Path, mode: list[str]) -> None:
    _same(["-r", str(sflow_cut), *mode])


def test_sip_fields(sip_built: Path) -> None:
    assert compare_fields(sip_built, FIELDS) == []
    assert compare_fields(GRE, FIELDS) == []


def test_sflow_fields() -> None:
    assert compare_fields(SFLOW, SFLOW_FIELDS) == []


@pytest.fixture(scope="module")
def sip_cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """INVITE and 200 OK cut at several points (in the first line, in a header, before the
    empty line) and a message with broken header values."""
    msgs = [m[:n] for m in (INVITE, OK) for n in (5, 30, 60, 100, 150, 250, 330, len(m) - 3)]
    msgs.append(b"SIP/2.0 200 \xff\xfe\r\nFrom: <sip:\r\nTo: x\r\nVia: SIP/2.0\r\n"
                b"CSeq: abc\r\nContent-Length: zz\r\n\r\n")
    path = tmp_path_factory.mktemp("sip") / "sip_cut.pcap"
    wrpcap(str(path), [Ether() / IP(src="10.0.0.1", dst="10.0.0.2") /
                       UDP(sport=5060, dport=5060) / Raw(m) for m in msgs])
    return path


def test_sip_cut_list(sip_cut: Path) -> None:
    """Packet list only: -V still differs in resend detection and odd header values."""
    _same(["-r", str(sip_cut)])
