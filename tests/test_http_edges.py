"""HTTP edge cases against tshark 4.0: bodiless responses (HEAD, 1xx, 204, 304), bodies
that end at the FIN (DESEGMENT_UNTIL_FIN), data on port 80 that is not HTTP, and
binary bytes that never make tshark wait for a line end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from diffutil import (
    compare_fields,
    compare_list,
    format_mismatches,
    run_analyze,
    run_tshark,
    run_tshark_full,
)
from scapy.all import IP, TCP, Ether, Raw, wrpcap

MADE = Path(__file__).resolve().parent / "data" / "made"
PORT_REUSE = MADE / "http_port_reuse.pcap"  # (tests/data/made/make_captures.py)
E = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
GET = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
HEAD = b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"
OK2 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
Msg = tuple  # (from_client, data) or (from_client, data, "F"): FIN with the data
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def _clen(value: bytes) -> bytes:
    """A response with this Content-Length and a body of 2 bytes."""
    return b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nok"


def _conv(out: list, cport: int, msgs: list[Msg], fin: bool = True) -> None:
    """A TCP connection to port 80 with correct seq/ack: handshake, the messages, then
    (if `fin`) the server's FIN (unless a message carried it) and the client's."""
    c, s, ci, si = "10.4.0.1", "10.4.0.2", 1000, 5000
    out.append(Ether(**E) / IP(src=c, dst=s) / TCP(sport=cport, dport=80, seq=ci, flags="S"))
    out.append(Ether(**E) / IP(src=s, dst=c) /
               TCP(sport=80, dport=cport, seq=si, ack=ci + 1, flags="SA"))
    ci, si = ci + 1, si + 1
    srv_fin = False
    for m in msgs:
        from_client, data = m[0], m[1]
        flags = "FPA" if len(m) > 2 else "PA"
        n = len(data) + (1 if len(m) > 2 else 0)
        if from_client:
            p = Ether(**E) / IP(src=c, dst=s) / TCP(sport=cport, dport=80, seq=ci, ack=si,
                                                    flags=flags) / Raw(data)
            ci += n
        else:
            p = Ether(**E) / IP(src=s, dst=c) / TCP(sport=80, dport=cport, seq=si, ack=ci,
                                                    flags=flags) / Raw(data)
            si += n
            srv_fin = srv_fin or len(m) > 2
        out.append(p)
    if fin and not srv_fin:
        out.append(Ether(**E) / IP(src=s, dst=c) /
                   TCP(sport=80, dport=cport, seq=si, ack=ci, flags="FA"))
        si += 1
    if fin:
        out.append(Ether(**E) / IP(src=c, dst=s) /
                   TCP(sport=cport, dport=80, seq=ci, ack=si, flags="FA"))


def _write(path: Path, pkts: list) -> Path:
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i * 0.001
    wrpcap(str(path), pkts)
    return path


def _form(body: bytes) -> bytes:
    """A POST of an urlencoded form."""
    return (b"POST /f HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


CASES: dict[str, list[Msg]] = {
    # 1. No body: HEAD (with and without a Content-Length), 1xx, 204, 304; a length
    # still bounds the bytes after the headers; a pipelined HEAD + GET.
    "head": [(True, HEAD), (False, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                                   b"Content-Type: text/plain\r\n\r\n"), (True, GET), (False, OK2)],
    "head404": [(True, HEAD), (False, b"HTTP/1.1 404 Not Found\r\nContent-Length: 100\r\n\r\n")],
    "head_nolen": [(True, HEAD), (False, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"),
                   (False, b"junk after head\n")],
    "head_pipe": [(True, HEAD + GET), (False, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
                                              + OK2)],
    "head_nolen_pipe": [(True, HEAD + GET), (False, b"HTTP/1.1 200 OK\r\n\r\n" + OK2)],
    "c100": [(True, b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                    b"Expect: 100-continue\r\n\r\n"),
             (False, b"HTTP/1.1 100 Continue\r\n\r\n"), (True, b"abc"), (False, OK2)],
    "c204_304": [(True, GET), (False, b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
                 (True, GET), (False, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"),
                 (True, GET), (False, OK2)],
    "c204_pipe": [(True, GET + GET), (False, b"HTTP/1.1 204 No Content\r\nContent-Length: 10"
                                             b"\r\n\r\n" + OK2)],
    "c304_chunked": [(True, GET), (False, b"HTTP/1.1 304 Not Modified\r\n"
                                          b"Transfer-Encoding: chunked\r\n\r\n"),
                     (True, GET), (False, b"HTTP/1.1 100 Continue\r\n\r\n" + OK2)],
    "cl0": [(True, GET), (False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
            (True, b"POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            (False, b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")],
    # 2. No length, not chunked: the body ends at the FIN (a bare FIN, a FIN with data,
    # one segment with the FIN, headers split first, a NUL in the body).
    "nolen_fin": [(True, GET), (False, b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                                       b"first part\n"), (False, b"second part\n")],
    "nolen_findata": [(True, GET), (False, b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                                           b"\r\nfirst part\n"), (False, b"second part\n", "F")],
    "nolen_one_fin": [(True, GET), (False, b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                                           b"\r\nall in one\n", "F")],
    "nolen_split_hdr": [(True, GET), (False, b"HTTP/1.0 200 OK\r\n"),
                        (False, b"Content-Type: text/plain\r\n\r\nbody1\n"), (False, b"body2\n")],
    "nolen_noct": [(True, GET), (False, b"HTTP/1.0 200 OK\r\n\r\n"), (False, b"body only\n"),
                   (False, b"\x00\x01binary\n")],
    "cl_short_fin": [(True, GET), (False, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                                          b"short", "F")],
    "cl_fin_complete": [(True, GET), (False, b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"),
                        (False, b"cd", "F")],
    # 3. Not HTTP on port 80: first data either way, after a request, after a response only.
    "junk_first": [(True, b"hello not http\r\n"), (False, b"nor is this\r\n")],
    "junk_srv_first": [(False, b"nor is this\r\n"), (True, b"hello not http\r\n")],
    "junk_after": [(True, GET), (False, OK2), (True, b"hello not http\r\n"),
                   (False, b"nor is this\r\n")],
    "resp_only_junk": [(False, OK2), (True, b"hello not http\r\n"),
                       (False, b"\x00\x01\x02\x03abcd")],
    # 4. Eight bytes without a line end: printable ones wait for more, binary ones not.
    "srv8": [(False, b"abcdefgh")],
    "srv8bin": [(False, b"\x00\x01\x02\x03abcd")],
    "srv8bin_after": [(True, GET), (False, b"\x00\x01\x02\x03abcd")],
    "bin_after_seen": [(True, GET), (False, OK2), (True, b"\x00\x01\x02\x03abcd"),
                       (False, b"\x00\x01\x02\x03abcd")],
    "p8_after_seen": [(True, GET), (False, OK2), (True, b"abcdefgh"), (False, b"abcdefgh")],
    "srv8fin": [(False, b"abcdefgh", "F")],
    # A second pass starts from the first pass's last request (conv_data is per file).
    "junk_then_req": [(True, b"hello not http\r\n"), (False, b"\x00\x01bin"), (True, GET),
                      (False, OK2)],
    "head_then_get": [(True, HEAD), (False, b"HTTP/1.1 200 OK\r\n\r\n"), (True, GET), (False, OK2)],
    # 5. Numbers read from text: chunk sizes as (guint32)strtol(line, 16) (thousands of
    # digits, no digits, negative, wrapping to 0, past the data), Content-Length as a
    # whole 64-bit decimal number (thousands of digits, leading zeros, signs, junk).
    "chunk_huge": [(True, GET), (False, CHUNKED + b"1" * 5000 + b"\r\nabc\r\n0\r\n\r\n"),
                   (True, GET), (False, OK2)],
    "chunk_zeros": [(True, GET), (False, CHUNKED + b"0" * 5000 + b"3\r\nabc\r\n0\r\n\r\n")],
    "chunk_odd": [(True, GET), (False, CHUNKED + b"z12\r\nabc\r\n0\r\n\r\n"),
                  (True, GET), (False, CHUNKED + b"100000000\r\nabc\r\n0\r\n\r\n"),
                  (True, GET), (False, CHUNKED + b"3 ext\r\nabc\r\n0\r\n\r\n")],
    "chunk_negative": [(True, GET), (False, CHUNKED + b"-3\r\nabc\r\n0\r\n\r\n")],
    "chunk_overrun_fin": [(True, GET), (False, CHUNKED + b"3\r\nabc\r\nff\r\nxyz\r\n", "F")],
    "chunk_past_2g": [(True, GET), (False, CHUNKED + b"80000001\r\nabc\r\n0\r\n\r\n")],
    "clen_numbers": [(True, GET), (False, _clen(b"9" * 5000)), (True, GET),
                     (False, _clen(b"0" * 5000 + b"2")), (True, GET), (False, _clen(b"1_0")),
                     (True, GET), (False, _clen(b"-1")), (True, GET), (False, _clen(b"+2")),
                     (True, GET), (False, _clen(b"2x")), (True, GET),
                     (False, _clen(b"99999999999999999999"))],
    # 6. Before any request: header-like lines show as HTTP (no column), other lines not;
    # a request still waiting for its headers is not "seen" yet (issue 18).
    "hdr_before_req": [(True, b"X-Early: 1\r\nHost: x\r\n\r\ntail text\n"),
                       (False, b"Server-Hello: yes\r\nplain line\r\n"),
                       (True, b"no colon here\r\n")],
    "hdr_while_req_waits": [(True, b"GET /w HTTP/1.1\r\n"), (True, b"Host: x\r\n"),
                            (False, b"X-Early-Answer: 1\r\n")],
    # A response whose headers meet a non-header line: its body starts there and, with no
    # length up to the blank line, runs to the FIN; a content type with a NUL in it.
    "stray_resp": [(True, GET), (False, b"HTTP/1.1 200 OK\r\nDate: today\r\n"
                                        b"not a header\r\nContent-Type: text/plain\r\n\r\nbody\n")],
    "ctype_nul": [(True, b"POST /n HTTP/1.1\r\nContent-Type: \x00text/plain\r\n"
                         b"Content-Length: 4\r\n\r\nabcd"), (False, OK2)],
    # A request line longer than an expert note's 239 bytes.
    "long_uri": [(True, b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n"), (False, OK2)],
    # A form item's label longer than Wireshark's 240-byte buffer: cut, with no
    # " [truncated]" marker (proto_item_set_text). (tshark cuts inside a UTF-8 character
    # too and prints the broken byte: not compared.)
    "long_form": [(True, _form(b"k=" + b"A" * 300 + b"&u=" + "\u00e9".encode() * 9
                               + b"&p%41=a+b%41%c3%a9")),
                  (False, OK2)],
}
# Connections whose FIN never comes before the capture ends (they go last in the file).
NO_FIN: dict[str, list[Msg]] = {
    "nolen_nofin": [(True, GET), (False, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                                         b"first part\n"), (False, b"second part\n")],
    "cl_never": [(True, GET), (False, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab")],
}
FIELDS = (
    "frame.number", "_ws.col.Protocol", "_ws.col.Info", "frame.protocols",
    "tcp.reassembled_in", "tcp.segment", "tcp.segment.count", "tcp.reassembled.length",
    "tcp.len", "tcp.payload", "tcp.segment_data",
    "http.request", "http.response", "http.request.method", "http.response.code",
    "http.response_in", "http.request_in", "http.time", "http.file_data",
    "http.content_length", "http.content_length_header", "http.response_for.uri",
    "http.request_number", "http.response_number", "http.next_request_in",
    "http.next_response_in", "http.prev_request_in", "http.prev_response_in", "data.data",
)


@pytest.fixture(scope="module")
def edges_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pkts: list = []
    for i, msgs in enumerate(CASES.values()):
        _conv(pkts, 31000 + i, msgs)
    for i, msgs in enumerate(NO_FIN.values()):
        _conv(pkts, 32000 + i, msgs, fin=False)
    return _write(tmp_path_factory.mktemp("http_edges") / "edges.pcap", pkts)


@pytest.fixture(scope="module")
def case_pcaps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One capture per case, for assertions on known frame numbers."""
    d = tmp_path_factory.mktemp("http_edge_cases")
    out = {}
    for name, msgs in {**CASES, **NO_FIN}.items():
        pkts: list = []
        _conv(pkts, 30000, msgs, fin=name not in NO_FIN)
        out[name] = _write(d / f"{name}.pcap", pkts)
    return out


def _rows(path: Path, *fields: str, two_pass: bool = False) -> list[list[str]]:
    args = ["-r", str(path), *(["-2"] if two_pass else []), "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    return [r.split("\t") for r in out.splitlines()]


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [[], ["-2"]], ids=["one-pass", "two-pass"])
def test_packet_list_equals_tshark(edges_pcap: Path, extra: list[str]) -> None:
    ms = compare_list(edges_pcap, extra)
    assert not ms, format_mismatches(ms)


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [[], ["-2"]], ids=["one-pass", "two-pass"])
def test_http_and_tcp_fields_equal_tshark(edges_pcap: Path, extra: list[str]) -> None:
    ms = compare_fields(edges_pcap, FIELDS, extra)
    assert not ms, format_mismatches(ms)


@pytest.mark.tshark
def test_detail_tree_equals_tshark(edges_pcap: Path) -> None:
    args = ["-r", str(edges_pcap), "-V"]
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    theirs = run_tshark(args)
    if ours != theirs:
        a, b = ours.splitlines(), theirs.splitlines()
        pairs = enumerate(zip(a, b, strict=False))
        i = next((k for k, (x, y) in pairs if x != y), min(len(a), len(b)))
        pytest.fail(f"-V differs at line {i + 1}:\n ours:   {a[i:i + 3]}\n tshark: {b[i:i + 3]}")


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["head", "nolen_fin", "junk_first", "srv8bin", "nolen_nofin"])
def test_single_case_fields_equal_tshark(case_pcaps: dict[str, Path], name: str) -> None:
    ms = compare_fields(case_pcaps[name], FIELDS)
    assert not ms, format_mismatches(ms)


def test_head_response_completes_at_its_headers(case_pcaps: dict[str, Path]) -> None:
    rows = _rows(case_pcaps["head"], "frame.protocols", "http.request_in", "http.file_data",
                 "http.response_in")
    assert rows[3][:3] == ["eth:ethertype:ip:tcp:http", "3", ""]  # no body awaited
    assert _rows(case_pcaps["head"], "http.response_in", two_pass=True)[2] == ["4"]
    assert rows[5][:3] == ["eth:ethertype:ip:tcp:http:data", "5", "ok"]


def test_body_to_fin_is_dissected_in_the_fin_frame(case_pcaps: dict[str, Path]) -> None:
    rows = _rows(case_pcaps["nolen_fin"], "_ws.col.Protocol", "_ws.col.Info",
                 "tcp.segment", "http.time", "http.file_data")
    assert rows[3][1] == "HTTP/1.0 200 OK  [TCP segment of a reassembled PDU]"
    assert rows[4][0] == "TCP" and rows[4][1].endswith("Len=12 [TCP segment of a reassembled PDU]")
    assert rows[5] == ["HTTP", "HTTP/1.0 200 OK  (text/plain)", "4,5,6", "0.003000000",
                       "first part\\nsecond part\\n"]
    rc, out, _ = run_analyze(["-r", str(case_pcaps["nolen_fin"]), "-V", "-Y", "frame.number==6"])
    assert rc == 0 and "[Frame: 6 (no data)]" in out and "TCP segment data" not in out


def test_body_without_fin_never_completes(case_pcaps: dict[str, Path]) -> None:
    for two_pass in (False, True):
        rows = _rows(case_pcaps["nolen_nofin"], "frame.protocols", "_ws.col.Info",
                     two_pass=two_pass)
        assert [r[0] for r in rows[3:]] == ["eth:ethertype:ip:tcp"] * 2
        assert rows[4][1].endswith("[TCP segment of a reassembled PDU]")


def test_non_http_first_data_is_plain_tcp(case_pcaps: dict[str, Path]) -> None:
    rows = _rows(case_pcaps["junk_first"], "frame.protocols", "_ws.col.Info")
    assert rows[2] == ["eth:ethertype:ip:tcp", "30000 → 80 [PSH, ACK] Seq=1 Ack=1 Win=8192 Len=16"]
    rows = _rows(case_pcaps["junk_after"], "frame.protocols", "_ws.col.Info")
    assert rows[4] == ["eth:ethertype:ip:tcp:http:data", "Continuation"]


def test_binary_bytes_are_not_held_for_a_line_end(case_pcaps: dict[str, Path]) -> None:
    rows = _rows(case_pcaps["srv8bin"], "_ws.col.Info")
    assert "[TCP segment of a reassembled PDU]" not in rows[2][0]
    rows = _rows(case_pcaps["srv8"], "_ws.col.Info")
    assert rows[2][0].endswith("[TCP segment of a reassembled PDU]")  # printable: it waits


@pytest.mark.tshark
def test_follow_http_every_stream_equals_tshark(edges_pcap: Path) -> None:
    """tshark's follow tap sees data before any request although no HTTP layer shows it,
    and misses a binary continuation although one shows."""
    args = ["-q", "-r", str(edges_pcap)]
    for stream in range(len(CASES) + len(NO_FIN)):
        args += ["-z", f"follow,http,ascii,{stream}"]
    theirs = run_tshark_full(args, text=False)
    assert theirs.returncode == 0
    assert theirs.stdout.count(b"Follow:") == len(CASES) + len(NO_FIN)
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    assert ours.encode() == theirs.stdout


@pytest.mark.tshark
@pytest.mark.parametrize("args", [["-q", "-z", "io,phs"], ["-q", "-z", "expert"],
                                  ["-z", "io,phs", "-z", "expert", "-V"]],
                         ids=["phs", "expert", "verbose"])
def test_statistics_equal_tshark(edges_pcap: Path, args: list[str]) -> None:
    """io,phs walks a reassembly a FIN completed before its layers (tree-less), and the
    expert report sees the notes only a printed tree makes."""
    rc, ours, err = run_analyze(["-r", str(edges_pcap), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(edges_pcap), *args])


def test_made_captures_are_what_their_script_writes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(MADE / "make_captures.py"), str(tmp_path)],
                   check=True, capture_output=True, timeout=60)
    made = sorted(p.name for p in MADE.glob("*.pcap"))
    assert sorted(p.name for p in tmp_path.glob("*.pcap")) == made
    for name in made:
        assert (tmp_path / name).read_bytes() == (MADE / name).read_bytes(), name


@pytest.mark.parametrize("two_pass", [False, True], ids=["one-pass", "two-pass"])
def test_port_reuse_numbers_requests_from_one_again(two_pass: bool) -> None:
    """A SYN reusing the ports starts a new conversation: its request is number 1, with
    no previous request, as tshark says (the first connection had two)."""
    rows = _rows(PORT_REUSE, "tcp.stream", "http.request_number", "http.response_number",
                 "http.prev_request_in", "http.response_for.uri", two_pass=two_pass)
    http = [(i + 1, r) for i, r in enumerate(rows) if r[1] or r[2]]
    assert http == [
        (4, ["0", "1", "", "", ""]), (5, ["0", "", "1", "", "http://x/one"]),
        (6, ["0", "2", "", "4", ""]), (7, ["0", "", "2", "4", "http://x/two"]),
        (14, ["1", "1", "", "", ""]), (15, ["1", "", "1", "", "http://x/three"])]


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [[], ["-2"]], ids=["one-pass", "two-pass"])
def test_port_reuse_equals_tshark(extra: list[str]) -> None:
    ms = compare_fields(PORT_REUSE, FIELDS, extra) + compare_list(PORT_REUSE, extra)
    assert not ms, format_mismatches(ms)
    args = ["-r", str(PORT_REUSE), *extra, "-V"]
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    assert ours == run_tshark(args)


#: Messages the plain list's lean HTTP path (http.py's `lean`: no line or header items)
#: must show as the full path does: pipelined, chunked, header continuation lines, an
#: Authorization header (its token is still read), a message cut by a FIN.
LEAN_CASES: dict[str, list[Msg]] = {
    "pipelined": [(True, GET + GET + GET), (False, OK2 + OK2 + OK2)],
    "chunked": [(True, GET), (False, CHUNKED + b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")],
    "continuation": [(True, b"GET /c HTTP/1.1\r\nHost: x\r\nX-Long: one\r\n two\r\n\r\n"),
                     (False, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Fold: a\r\n\tb\r\n\r\nok")],
    "auth": [(True, b"GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n"),
             (False, OK2)],
    "cut_by_fin": [(True, GET), (False, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab", "F")],
}


@pytest.mark.tshark
@pytest.mark.parametrize("case", sorted(LEAN_CASES))
def test_lean_list_equals_full_path_and_tshark(tmp_path: Path, case: str) -> None:
    """The plain list (lean HTTP path) equals tshark's, and equals the list the full path
    prints (a filter that reads HTTP's fields makes http.py build every item)."""
    pkts: list = []
    _conv(pkts, 33000, LEAN_CASES[case])
    path = _write(tmp_path / f"{case}.pcap", pkts)
    rc, lean, err = run_analyze(["-r", str(path)])
    assert rc == 0, err
    assert lean and lean == run_tshark(["-r", str(path)])
    rc, full, err = run_analyze(["-r", str(path), "-Y", "http || !http"])
    assert rc == 0, err
    assert full == lean
