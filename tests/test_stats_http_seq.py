"""`-z http_seq,tree` (tshark's HTTP/Request Sequences) against tshark 4.0, byte for
byte: on every repository capture with a Referer or a Location, and on a capture built
here that walks the tree's rules (referer chains, one URI under two referers, each way
a Location resolves: absolute, protocol-relative, `/path`, `?query`, relative name,
empty; a Location long enough for tshark to cut; a base without `://`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
# The corpus captures with http.referer or http.location whose HTTP tshark and labshark
# dissect alike (ndpi-jsonrpc and ndpi-soap are not: their http,tree differs too).
CAPTURES = ["dpkt-http.pcap", "gopacket-test_ethernet.pcap", "ndpi-EAQ.pcap",
            "ndpi-WebattackSQLinj.pcap", "ndpi-bt-http.pcapng", "ndpi-conncheck.pcap",
            "ndpi-http.pcapng", "ndpi-socks.pcap", "ndpi-sql_injection.pcap",
            "ndpi-webdav.pcap", "scapy-http_compressed.pcap"]


def same(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    expected = run_tshark(args)
    assert out == expected
    return out


def _exchanges() -> list[tuple[str, str | None, str | None]]:
    """(request target, Referer, the response's Location) in order, one connection each."""
    long = "/deep/" + "x" * 120
    return [
        ("/a", "http://start.test/", None),
        ("/b", "http://h.test/a", None),              # chain: start -> a -> b
        ("/c", "http://h.test/b", None),
        ("/a", "http://other.test/", None),           # /a again, under another referer
        ("/d", "http://h.test/a", None),              # hangs under the latest /a
        ("/r1", None, "http://elsewhere.test/x?y=1"),
        ("/r2/p?q=1#f", None, "//cdn.test/lib.js"),
        ("/r3/p?q=1", None, "/root?z"),
        ("/r4/dir/p?q=1", None, "?only=query"),
        ("/r5/dir/p", None, "sibling.html"),
        ("/r6", None, ""),
        ("/r7", None, long),                          # cut by tshark's length mix-up
        ("/r1", "http://h.test/r1", "http://elsewhere.test/x?y=1"),
    ]


@pytest.fixture(scope="module")
def seq_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scapy.utils import wrpcap
    from tcpconv import tcp_conversation

    pkts = []
    t = 1_700_000_000.0
    for i, (target, referer, location) in enumerate(_exchanges()):
        port = 41000 + i
        head = f"GET {target} HTTP/1.1\r\nHost: h.test\r\n"
        if referer is not None:
            head += f"Referer: {referer}\r\n"
        req = (head + "\r\n").encode()
        if location is None:
            resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        else:
            resp = (f"HTTP/1.1 302 Found\r\nLocation: {location}\r\n"
                    "Content-Length: 0\r\n\r\n").encode()
        for p in tcp_conversation([(True, req), (False, resp)], client="10.0.0.1",
                                  server="10.0.0.2", cport=port, cseq=101, sseq=501):
            t += 0.125
            p.time = t
            pkts.append(p)
    path = tmp_path_factory.mktemp("httpseq") / "seq.pcap"
    wrpcap(str(path), pkts)
    return path


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["http_seq,tree", "http_seq,tree,tcp.srcport==80",
                               "http_seq,tree,http.request"])
def test_built_capture(seq_pcap: Path, z: str) -> None:
    out = same(["-q", "-z", z, "-r", str(seq_pcap)])
    if z == "http_seq,tree":  # not vacuous: the chains and redirects are in it
        for uri in ("http://h.test/c", "//cdn.test/lib.js", "http://h.test/root?z",
                    "http://h.test/r4/dir/p?only=query", "http://h.test/r5/dir/sibling.html"):
            assert uri in out
        # The Location starts 30 bytes into the response: tshark keeps 30 characters.
        assert "http://h.test/deep/" + "x" * 24 + " " in out


@pytest.mark.tshark
@pytest.mark.parametrize("name", CAPTURES)
def test_corpus_equal_tshark(name: str) -> None:
    same(["-q", "-z", "http_seq,tree", "-r", str(CORPUS / name)])


def test_listed_in_help() -> None:
    _, _, err = run_analyze(["-z", "help"])
    assert "     http_seq,tree\n" in err
