"""`-z follow,http` and the `ebcdic` mode byte for byte against tshark 4.0, `follow,tls`
(empty without keys, as tshark) and the clear error for protocols labshark cannot follow."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from diffutil import run_analyze
from scapy.all import IP, TCP, Ether, Raw, wrpcap
from tcpconv import tcp_conversation
from test_follow import _ours, _same, _streams

from analyzer.follow import parse_follow_arg

ROOT = Path(__file__).resolve().parent.parent
HTTP = ROOT / "tests" / "data" / "wireshark" / "http.pcap"
MODES = ["ascii", "ebcdic", "hex", "raw", "yaml"]
E = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}


def _conv(out: list, cport: int, msgs: list[tuple[bool, bytes]]) -> None:
    """A TCP connection to port 80: handshake, the messages in order, both FINs."""
    out += tcp_conversation(msgs, client="10.2.0.1", server="10.2.0.2", cport=cport, eth=E,
                            fin=True)


@pytest.fixture(scope="module")
def http_kinds_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chunked (across segments), gzip, pipelined with a POST body and a 204, data
    that starts no HTTP message, chunked and gzip together."""
    req = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    z = gzip.compress(b"compressed body\n")
    zz = gzip.compress(b"zipped chunks\n")
    pkts: list = []
    _conv(pkts, 30000, [
        (True, req),
        (False, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: text/plain\r\n\r\n5\r\nhello\r\n"),
        (False, b"6\r\n world\r\n0\r\n\r\n")])
    _conv(pkts, 30001, [
        (True, req),
        (False, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
         % len(z) + z)])
    _conv(pkts, 30002, [
        (True, req + b"POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
        (False, b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")])
    _conv(pkts, 30003, [(True, b"hello not http\r\n")])
    _conv(pkts, 30004, [
        (True, req),
        (False, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"
                b"\r\n%x\r\n" % len(zz) + zz + b"\r\n0\r\n\r\n")])
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i * 0.001
    path = tmp_path_factory.mktemp("follow_more") / "http_kinds.pcap"
    wrpcap(str(path), pkts)
    return path


@pytest.fixture(scope="module")
def bytes_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every byte value once each way (ebcdic mode's whole table)."""
    pkts = [Ether(**E) / IP(src="10.3.0.1", dst="10.3.0.2") /
            TCP(sport=1234, dport=4321, seq=1, flags="PA") / Raw(bytes(range(256))),
            Ether(**E) / IP(src="10.3.0.2", dst="10.3.0.1") /
            TCP(sport=4321, dport=1234, seq=1, flags="PA") / Raw(bytes(range(255, -1, -1)))]
    path = tmp_path_factory.mktemp("follow_more") / "bytes.pcap"
    wrpcap(str(path), pkts)
    return path


def _tcp_streams(path: Path) -> list[int]:
    return _streams(path, "tcp")


def _all_streams(path: Path, proto: str, mode: str, extra: int = 1) -> bytes:
    """Every TCP stream (with HTTP or not) and `extra` indexes past the last one."""
    streams = _tcp_streams(path)
    assert streams
    streams += [streams[-1] + k for k in range(1, extra + 1)]
    out = b""
    for i in range(0, len(streams), 80):  # tshark follows many streams in one run
        out += _same(path, [f"follow,{proto},{mode},{s}" for s in streams[i:i + 80]])
    return out


@pytest.mark.tshark
@pytest.mark.parametrize("mode", MODES)
def test_http_every_stream_of_mixed_equals_tshark(mixed_pcap: Path, mode: str) -> None:
    out = _all_streams(mixed_pcap, "http", mode)
    assert b"HTTP/1.1" in out or mode in ("hex", "raw", "yaml", "ebcdic")


@pytest.mark.tshark
@pytest.mark.parametrize("mode", MODES)
def test_http_sample_and_kinds_equal_tshark(http_kinds_pcap: Path, mode: str) -> None:
    _all_streams(HTTP, "http", mode)
    _all_streams(http_kinds_pcap, "http", mode)


def test_http_body_is_dechunked_and_uncompressed(http_kinds_pcap: Path) -> None:
    out = _ours(["-q", "-r", str(http_kinds_pcap), "-z", "follow,http,ascii,0",
                 "-z", "follow,http,ascii,1", "-z", "follow,http,ascii,3"])
    assert b"\t11\nhello world\n" in out  # two chunks as one record, no chunk sizes
    assert b"\t16\ncompressed body\n\n" in out
    assert b"0\n\n16\nhello not http\r\n\n" in out  # no message: empty headers, then data


@pytest.mark.tshark
@pytest.mark.parametrize("z", [
    "follow,http,ascii,10.1.1.1:20000,10.1.0.80:80",
    "follow,http,hex,0,2-3",
    "follow,http,ebcdic,0,2",
    "follow,tcp,ebcdic,10.1.0.80:80,10.1.1.1:20000",
])
def test_peers_and_ranges_equal_tshark(mixed_pcap: Path, z: str) -> None:
    _same(mixed_pcap, [z])


@pytest.mark.tshark
def test_ebcdic_all_byte_values_equal_tshark(bytes_pcap: Path) -> None:
    out = _same(bytes_pcap, ["follow,tcp,ebcdic,0"])
    assert out.count(b"256\n") == 2
    # Not Python's cp037: EBCDIC letters (0x81 'a') come out as dots.
    ours = _ours(["-q", "-r", str(bytes_pcap), "-z", "follow,tcp,ebcdic,0"])
    line = ours.split(b"256\n", 1)[1][:256]
    assert line[0x81:0x82] == b"." and bytes(range(256)).decode("cp037")[0x81] == "a"


@pytest.mark.tshark
def test_ebcdic_every_tcp_stream_equals_tshark(mixed_pcap: Path) -> None:
    _all_streams(mixed_pcap, "tcp", "ebcdic")
    _all_streams(HTTP, "tcp", "ebcdic")


@pytest.mark.tshark
@pytest.mark.parametrize("mode", ["ascii", "raw", "yaml"])
def test_tls_without_keys_is_empty_as_tshark(mixed_pcap: Path, mode: str) -> None:
    out = _same(mixed_pcap, [f"follow,tls,{mode},0", f"follow,tls,{mode},3"])
    assert b"Node 0: :0\n" in out or b"host: \n" in out


@pytest.mark.parametrize("proto", ["http2", "quic", "sip", "dccp"])
def test_unsupported_protocol_is_one_clear_line(mixed_pcap: Path, proto: str) -> None:
    rc, out, err = run_analyze(["-q", "-r", str(mixed_pcap), "-z", f"follow,{proto},ascii,0"])
    assert rc != 0 and out == ""
    assert err.count("\n") <= 1 and "Traceback" not in err
    assert f"{proto} is not supported" in err and "tcp, udp, http" in err


def test_parse_http_and_ebcdic() -> None:
    a = parse_follow_arg("follow,http,ebcdic,7")
    assert (a.proto, a.mode, a.stream) == ("http", "ebcdic", 7)
    assert parse_follow_arg("follow,tls,raw,0").proto == "tls"
