"""The HTTP statistics trees (`-z http,tree`, `http_req,tree`, `http_srv,tree`,
`http_seq,tree`) against tshark 4.0, byte for byte, on what packet-http.c's tap sees
beside ordinary requests and responses: SSDP over UDP (M-SEARCH is "SEARCH" there,
NOTIFY a request), text that starts no message before any request (no HTTP shown, yet
one "Other HTTP" message), header-like lines before a request, a text continuation
after a request (Other), binary data (never tapped), a response without a request, a
request without Host, 100 and 101 answers (101 is "OK" in the load distribution),
RFC 2774's M-GET and M-HEAD (dissected as requests, counted without the "M-");
and on the repository captures where these cases first showed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark
from tcpconv import tcp_conversation

pytestmark = pytest.mark.tshark

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
KINDS = ["http,tree", "http_req,tree", "http_srv,tree", "http_seq,tree"]

# (capture, kind): the cases above as the corpus has them.
CORPUS_ROWS = [(c, k) for c in ("ndpi-soap.pcap",  # text on port 80 before a request
                                 "ndpi-ssdp-m-search-ua.pcap",  # M-SEARCH over UDP
                                 "tcpdump-eapon1.pcap",
                                 "wireshark-tcp-badsegments.pcap")  # header-like lines
               for k in KINDS] + [
    ("ndpi-false_positives.pcapng", "http_srv,tree"),  # 101 Switching Protocols
    ("wireshark-communityid.pcap.gz", "http_req,tree"),  # a request without Host
    ("wireshark-communityid.pcap.gz", "http_srv,tree"),
]

E = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}


def _tcp(out: list, cport: int, msgs: list[tuple[bool, bytes]]) -> None:
    """A connection to port 80 (handshake, then each (from_client, data) in order)."""
    out += tcp_conversation(msgs, client="10.5.0.1", server="10.5.0.2", cport=cport, eth=E)


def _udp(out: list, src: str, dst: str, data: bytes) -> None:
    from scapy.all import IP, UDP, Ether, Raw

    out.append(Ether(**E) / IP(src=src, dst=dst) / UDP(sport=50000, dport=1900) / Raw(data))


def _mandatory() -> list:
    """RFC 2774's M- methods: requests for tshark (the tap's method without "M-"); an
    answer to M-HEAD has no body."""
    pkts: list = []
    _tcp(pkts, 42008, [(True, b"M-GET /m HTTP/1.1\r\nHost: m.test\r\n\r\n"),
                       (False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")])
    _tcp(pkts, 42009, [(True, b"M-HEAD /h HTTP/1.1\r\nHost: m.test\r\n\r\n"),
                       (False, b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")])
    return pkts


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scapy.all import wrpcap

    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    pkts: list = []
    _udp(pkts, "10.5.0.9", "239.255.255.250",
         b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n'
         b"MX: 1\r\nST: ssdp:all\r\n\r\n")
    _udp(pkts, "10.5.0.8", "239.255.255.250",
         b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\n"
         b"NTS: ssdp:alive\r\n\r\n")
    # Text before any request: tshark shows no HTTP, its tap counts Other HTTP.
    _tcp(pkts, 42001, [(True, b"<?xml version=\"1.0\"?>\r\n<a>text</a>\r\n"),
                       (False, b"<b>more text</b>\r\n")])
    # Header-like lines before any request, then a request.
    _tcp(pkts, 42002, [(True, b"X-Note: 1\r\nX-Other: 2\r\n\r\n"),
                       (True, b"GET /h HTTP/1.1\r\nHost: h.test\r\n\r\n"), (False, ok)])
    # A text continuation and a binary one after a request.
    _tcp(pkts, 42003, [(True, b"GET /c HTTP/1.1\r\nHost: c.test\r\n\r\n"), (False, ok),
                       (False, b"plain text after the body\r\n"),
                       (False, b"\x00\x01\x02binary after the body")])
    # A response with no request before it, then 100 and 101 answers.
    _tcp(pkts, 42004, [(False, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")])
    _tcp(pkts, 42005, [(True, b"POST /p HTTP/1.1\r\nHost: p.test\r\nExpect: 100-continue\r\n"
                              b"Content-Length: 2\r\n\r\n"),
                       (False, b"HTTP/1.1 100 Continue\r\n\r\n"), (True, b"hi"), (False, ok)])
    _tcp(pkts, 42006, [(True, b"GET /ws HTTP/1.1\r\nHost: w.test\r\nUpgrade: websocket\r\n"
                              b"Connection: Upgrade\r\n\r\n"),
                       (False, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               b"Connection: Upgrade\r\n\r\n")])
    # A request without Host (HTTP/1.0).
    _tcp(pkts, 42007, [(True, b"GET /nohost HTTP/1.0\r\n\r\n"), (False, ok)])
    pkts += _mandatory()
    t = 1_700_000_000.0
    for p in pkts:
        t += 0.0625
        p.time = t
    path = tmp_path_factory.mktemp("httptrees") / "trees.pcap"
    wrpcap(str(path), pkts)
    return path


def _same(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out == run_tshark(args)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_built_capture(built: Path, kind: str) -> None:
    out = _same(["-q", "-z", kind, "-r", str(built)])
    if kind == "http,tree":  # not vacuous: each case is in it
        for name in ("SEARCH ", "NOTIFY ", "HEAD ", "101 Switching", "100 Continue",
                     "404 Not Found"):
            assert name in out, name
        assert "M-SEARCH" not in out and "M-GET" not in out
        # frames 5, 6 (text), 9 (header-like lines), 16 (text continuation); not 17
        other = next(ln for ln in out.splitlines() if ln.startswith(" Other HTTP"))
        assert other.split()[3] == "4"
    elif kind == "http_srv,tree":
        assert " OK " in out and " KO " in out


def test_mandatory_methods_dissected_as_tshark(tmp_path: Path) -> None:
    from scapy.all import wrpcap

    pkts = _mandatory()
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i / 8
    path = tmp_path / "m.pcap"
    wrpcap(str(path), pkts)
    out = _same(["-V", "-r", str(path)])
    assert "Request Method: M-GET" in out and "Request Method: M-HEAD" in out


@pytest.mark.parametrize(("name", "kind"), CORPUS_ROWS)
def test_corpus_equal_tshark(name: str, kind: str) -> None:
    _same(["-q", "-z", kind, "-r", str(CORPUS / name)])
