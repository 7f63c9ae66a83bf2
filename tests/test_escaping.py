"""Packet text with every awkward byte prints exactly as tshark prints it, and never raw.

The captures carry bytes 0x00-0x1f, 0x7f, 0x80-0xff, invalid and valid multi-byte
UTF-8 and ANSI escape sequences in HTTP request lines (one with a bare CR inside),
headers and bodies, DNS names, TFTP file names, modes and error messages, DHCP host
names, IPMSG user names and messages, and pcapng frame comments.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from diffutil import run_analyze_subprocess, run_tshark_full, tshark_available
from scapy.all import DNS, IP, TCP, UDP, Ether, Raw, wrpcap, wrpcapng

from dissectors.escape import fields_text, format_str, format_text

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark is the oracle")

CTRL = bytes(range(0x01, 0x20)) + b"\x7f"
HIGH = bytes(range(0x80, 0x100))
UTF8 = "é中😀\u200b\u202e\u00a0\u2028\ue000\U000e0001".encode()
ANSI = b"\x1b[2J\x1b[31mRED\x1b[0m"
# Overlong NUL and 'A', a surrogate, past U+10FFFF, an old 5-byte form, FE, FF, cut short.
BAD = b"\xc0\x80\xc1\x81\xed\xa0\x80\xf4\x90\x80\x80\xf8\x88\x80\x80\x80\xfe\xff\xe4\xb8"
LINE_SAFE = CTRL.replace(b"\r", b"").replace(b"\n", b"")  # inside one header line

A, B = "10.0.0.1", "10.0.0.2"
T0 = 1_700_000_000


def _tcp(sport: int, data: bytes) -> Ether:
    return Ether() / IP(src=A, dst=B) / TCP(sport=sport, dport=80, flags="PA", seq=1000,
                                            ack=1) / Raw(data)


def _udp(src: str, dst: str, sport: int, dport: int, data: bytes) -> Ether:
    return Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(data)


def _dns_name(*labels: bytes) -> bytes:
    return b"".join(bytes([len(x)]) + x for x in labels) + b"\0"


HTTP_REQUESTS = (
    b"GET /a\x01b\x1b[2Jc HTTP/1.1\r\nHost: h\x7fost\r\nUser-Agent: " + LINE_SAFE
    + b"\r\nX-High: " + HIGH + b"\r\n\r\n",
    b"GET /bare\rCR HTTP/1.1\r\nHost: x\r\n\r\n",  # a bare CR ends the request line
    b"GET /u HTTP/1.1\r\nHost: \xc3\xa9\r\nX-U: " + UTF8 + b"\r\nX-A: " + ANSI + b"\r\nX-B: "
    + BAD + b"\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: y\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
    % (len(CTRL + HIGH + ANSI)) + CTRL + HIGH + ANSI,
    b"GET /" + UTF8 + ANSI + BAD + b" HTTP/1.1\r\nHost: z\r\nBAD LINE\r\nX: y\r\n\r\n",
    b'GET /q"u\\o HTTP/1.1\r\nHost: a"b\\c\x0bd\x07e\x00f\r\nX-Nul: a\x00b  \r\n\r\n',
    b"POST /m HTTP/1.1\r\nHost: m\r\nContent-Type: Application/X;   a=B ; c=d  \r\n"
    b"Content-Length: 3\r\n\r\nabc",  # the media label shows the parameters
)
# Header text tshark 4.0 itself prints raw in Info and in the Media type label.
RAW_IN_TSHARK = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/\x1b[31mplain; c=\x01\r\n" \
    b"Content-Length: 3\r\n\r\nabc"


def _packets() -> list[Ether]:
    pkts = [_tcp(40000 + i, r) for i, r in enumerate(HTTP_REQUESTS)]
    query = bytes(DNS(id=0x1234, rd=1, qdcount=1))[:12] + _dns_name(
        CTRL, HIGH[:63], HIGH[63:126], HIGH[126:], UTF8, ANSI, b"a.b\\c") + b"\x00\x01\x00\x01"
    pkts.append(_udp(A, B, 5354, 53, query))
    txt = b"t\x01\x1b[2J\r\n\x7f" + HIGH[:10] + UTF8 + ANSI
    answer = (b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00"
              + _dns_name(b"x", b"example") + b"\x00\x10\x00\x01"  # TXT x.example
              + b"\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x3c"
              + (len(txt) + 1).to_bytes(2, "big") + bytes([len(txt)]) + txt)
    pkts.append(_udp(B, A, 53, 5355, answer))
    pkts.append(Ether() / IP(src=B, dst=A) / TCP(sport=80, dport=40010, flags="PA", seq=1,
                                                  ack=1000) / Raw(
        b"HTTP/1.1 200 O\x1bK\x80\r\nServer: \x1b]0;pwn\x07" + UTF8 + b"\r\n"
        b"Content-Type: text/html\r\nContent-Length: 9\r\n\r\n<b>\x01\x1b[5m</b>"[:-3]))
    pkts.append(_udp(A, B, 50001, 69, b"\x00\x01f\x01\x1b[2J\r\n\t\x7f" + HIGH[:10] + UTF8
                     + b"\\x\0oct\x1bet\0"))
    pkts.append(_udp(B, A, 69, 50001, b"\x00\x05\x00\x01err\x01\x1b[2J\r\n\x7f" + UTF8 + BAD
                     + b"\0"))
    hostname = b"h\x01\x1b[2J\r\n\t\x7f" + HIGH[:8] + UTF8 + BAD
    bootp = (b"\x01\x01\x06\x00\x00\x00\x12\x34" + b"\0" * 20 + b"\x00\x11\x22\x33\x44\x55"
             + b"\0" * 202 + b"\x63\x82\x53\x63\x35\x01\x01\x0c" + bytes([len(hostname)])
             + hostname + b"\xff")
    pkts.append(_udp("0.0.0.0", "255.255.255.255", 68, 67, bootp))
    pkts.append(_udp(A, B, 7777, 7778, CTRL + HIGH + ANSI))
    return pkts


def _ipmsg_packets() -> list[Ether]:
    return [
        _udp(A, B, 2425, 2425, b"1:100:us\x1b[2Jer\x01:ho\rst:288:m\x1b[31msg\x07\r\nline2"
             b"\x7f\xff\xfe" + UTF8 + b"\0"),
        _udp(A, B, 2425, 2425, b"1:101:us\x1b]0;t\x07er:host:" + str(0x20 | 0x800000).encode()
             + b":m\x1b[31msg\x07" + UTF8 + BAD + b"\0"),
    ]


def _stamp(pkts: list[Ether]) -> list[Ether]:
    for i, p in enumerate(pkts):
        p.time = T0 + i / 1000
    return pkts


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("escaping")
    out = {"main": d / "main.pcap", "ipmsg": d / "ipmsg.pcap", "comments": d / "c.pcapng",
           "media": d / "media.pcap"}
    wrpcap(str(out["media"]), _stamp([_tcp(42000, RAW_IN_TSHARK)]))
    wrpcap(str(out["main"]), _stamp(_packets()))
    wrpcap(str(out["ipmsg"]), _stamp(_ipmsg_packets()))
    commented = _stamp([_udp(A, B, 7777, 7778, b"a"), _udp(A, B, 7777, 7778, b"b")])
    commented[0].comments = [b"ok \xc3\xa9 comment"]
    commented[1].comments = [b"c\x01\x1b[2J\r\n\t\x7f" + UTF8]  # valid UTF-8, controls
    wrpcapng(str(out["comments"]), commented)
    return out


def _ours(*args: str) -> bytes:
    cp = run_analyze_subprocess(list(args))
    assert cp.returncode == 0, cp.stderr.decode(errors="replace")
    return cp.stdout


def _theirs(*args: str) -> bytes:
    cp = run_tshark_full(list(args), text=False)
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def _same(*args: str) -> None:
    ours, theirs = _ours(*args), _theirs(*args)
    if ours != theirs:  # show the first differing lines, escaped
        for a, b in zip(ours.split(b"\n"), theirs.split(b"\n"), strict=False):
            assert a == b
    assert ours == theirs


# -- the rules themselves (the expected texts are what tshark 4.0.17 printed) ------------

def test_format_text_escapes_as_wireshark() -> None:
    assert format_text(CTRL) == ("\\001\\002\\003\\004\\005\\006\\a\\b\\t\\n\\v\\f\\r\\016\\017"
                                 "\\020\\021\\022\\023\\024\\025\\026\\027\\030\\031\\032\\033"
                                 "\\034\\035\\036\\037\\177")
    assert format_text(UTF8) == "é中😀\\u200B\\u202E\u00a0\u2028\ue000\\U000E0001"
    assert format_text(BAD) == "\\u0000A" + "\ufffd" * 6
    assert format_text(b"\x80\xbf\xc3") == "\ufffd" * 3
    assert format_text(b"C:\\dir") == "C:\\dir"  # tshark 4.0 leaves a backslash
    assert format_str("a\x00b\u200bc") == "a\\000b\\u200Bc"
    once = format_text(CTRL + HIGH + UTF8 + ANSI + BAD)
    assert format_str(once) == once  # escaping twice changes nothing


def test_fields_text_escapes_only_bs_tab_nl_ff_cr() -> None:
    assert fields_text("a\bb\tc\nd\fe\rf") == "a\\bb\\tc\\nd\\fe\\rf"
    assert fields_text("\x01\x07\x0b\x1b[2J\x7f\"\\") == "\x01\x07\x0b\x1b[2J\x7f\"\\"
    assert fields_text("cut\x00here") == "cut"  # a C string ends at its NUL


# -- byte-equal with tshark in every output --------------------------------------------------

FIELDS = ("dns.qry.name", "dns.qry.name.len", "dns.count.labels", "tftp.source_file",
          "tftp.destination_file", "tftp.type", "tftp.error.message", "dhcp.option.hostname",
          "http.request.uri", "http.user_agent", "http.host", "http.request.line",
          "http.file_data", "http.request.full_uri", "_ws.col.Info", "data.data")


@pytest.mark.parametrize("args", [(), ("-V",), ("-T", "json"), ("-T", "ek"), ("-x",)],
                         ids=["list", "V", "json", "ek", "hex"])
def test_outputs_equal_tshark(caps: dict[str, Path], args: tuple[str, ...]) -> None:
    _same("-r", str(caps["main"]), *args)


def test_fields_equal_tshark(caps: dict[str, Path]) -> None:
    _same("-r", str(caps["main"]), "-T", "fields", *(a for f in FIELDS for a in ("-e", f)))
    _same("-r", str(caps["main"]), "-T", "fields", "-E", "quote=d", "-e", "http.host",
          "-e", "_ws.col.Info")
    _same("-r", str(caps["main"]), "-T", "json", "-e", "http.host", "-e", "http.request.line",
          "-e", "_ws.col.Info")


@pytest.mark.parametrize("mode", ["ascii", "ebcdic", "hex", "raw", "yaml"])
def test_follow_equals_tshark(caps: dict[str, Path], mode: str) -> None:
    for spec in (f"tcp,{mode},0", f"tcp,{mode},3", f"udp,{mode},2"):
        _same("-r", str(caps["main"]), "-q", "-z", f"follow,{spec}")


def test_comments_equal_tshark(caps: dict[str, Path]) -> None:
    c = str(caps["comments"])
    _same("-r", c, "-T", "fields", "-e", "frame.comment", "-e", "_ws.expert.message")
    _same("-r", c, "-T", "json")
    _same("-r", c, "-Y", "frame.number == 1", "-V")  # printable: tshark's tree exactly
    _same("-r", c, "-q", "-z", "expert,comment,frame.number == 1")
    # tshark prints a comment's controls raw in -V; we escape them (format_text).
    v = _ours("-r", c, "-Y", "frame.number == 2", "-V").decode()
    assert v.startswith("Packet comments\n    c\\001\\033[2J\\r\\n\\t\\177é中😀\\u200B")


def test_http_bare_cr_and_non_header_line_as_tshark(caps: dict[str, Path]) -> None:
    rows = _ours("-r", str(caps["main"]), "-T", "fields", "-e", "_ws.col.Info",
                 "-e", "http.request.uri").decode().split("\n")
    assert rows[1] == "GET /bare Continuation\t/bare"
    assert rows[4].endswith("HTTP/1.1 Continuation\t/" + "\ufffd" * 27 + ANSI.decode()
                            + "\ufffd" * 20)


# -- nothing raw reaches a terminal -----------------------------------------------------------

_RAW = re.compile(rb"[\x00-\x08\x0b-\x1f]")  # controls other than tab and newline


@pytest.mark.parametrize("args", [
    (), ("-V",), ("-x",), ("-T", "json"), ("-T", "ek"), ("-P", "--explain-addresses"),
    ("-T", "fields", "-e", "_ws.col.Info"), ("-q", "-z", "expert"),
    ("-q", "-z", "follow,udp,hex,0"), ("-q", "-z", "follow,tcp,ascii,2"),
    ("--color", "always"), ("-q", "-z", "expert", "--color", "always"),
], ids=lambda a: " ".join(a) or "list")
@pytest.mark.parametrize("cap", ["main", "ipmsg", "comments", "media"])
def test_no_raw_control_bytes(caps: dict[str, Path], cap: str, args: tuple[str, ...]) -> None:
    out = _ours("-r", str(caps[cap]), *args)
    if "--color" in args:  # rich's own colour sequences are the only ESC there
        out = re.sub(rb"\x1b\[[0-9;]*m", b"", out)
    if "follow,tcp,ascii,2" in " ".join(args):
        out = out.replace(b"\r\n", b"\n")  # HTTP's own line ends, as tshark prints them
    assert not _RAW.search(out), _RAW.search(out)
    if args[:2] not in (("-T", "json"), ("-T", "ek")):
        assert b"\x7f" not in out  # JSON keeps DEL raw, as tshark's json_dumper


def test_ipmsg_text_escaped_as_format_text(caps: dict[str, Path]) -> None:
    rows = _ours("-r", str(caps["ipmsg"]), "-T", "fields", "-e", "_ws.col.Info",
                 "-e", "ipmsg.user", "-e", "ipmsg.msg").decode().split("\n")
    info, user, msg = rows[0].split("\t")
    assert user == "us\x1b[2Jer\x01"  # -T fields: tshark's rule, controls kept
    assert msg == "m\x1b[31msg\x07\\r\\nline2\x7f" + (b"\xff\xfe" + UTF8).decode(
        "gbk", errors="replace")
    assert info == ("SENDMSG (sendcheck) from us\\033[2Jer\\001@ho\\rst: "
                    + format_str(msg.replace("\\r\\n", "\r\n")))
    tree = _ours("-r", str(caps["ipmsg"]), "-V").decode()
    assert "    Sender name: us\\033]0;t\\aer\n" in tree
    assert "    Message: m\\033[31msg\\aé中😀\\u200B\\u202E" in tree


def test_long_info_cut_at_4095_bytes_as_tshark(tmp_path: Path) -> None:
    pcap = tmp_path / "long.pcap"
    uris = (b"/" + b"a" * 5000, b"/" + b"\x01" * 1500, b"/" + "é".encode() * 2100)
    wrpcap(str(pcap), _stamp([_tcp(41000 + i, b"GET " + u + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                              for i, u in enumerate(uris)]))
    _same("-r", str(pcap))
    _same("-r", str(pcap), "-T", "fields", "-e", "_ws.col.Info")
    info = _ours("-r", str(pcap), "-T", "fields", "-e", "_ws.col.Info").split(b"\n")
    assert [len(x) for x in info[:3]] == [4095] * 3
    assert info[1].endswith(b"\\001\\0")  # cut inside an escape, as tshark cuts it


def _pcapng_block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def _pcapng_opt(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def test_interface_name_escaped_in_labels(tmp_path: Path) -> None:
    """pcapng if_name / if_description: -T fields as tshark; labels escaped (tshark: raw)."""
    frame = bytes(_udp(A, B, 7777, 7778, b"hi"))
    idb = struct.pack("<HHI", 1, 0, 65535) + _pcapng_opt(2, b"et\x1b[2Jh\x01\xc3\xa9") \
        + _pcapng_opt(3, b"de\x1b]0;x\x07sc") + _pcapng_opt(0, b"")
    epb = struct.pack("<IIIII", 0, 0, 0, len(frame), len(frame)) + frame
    pcap = tmp_path / "ifname.pcapng"
    pcap.write_bytes(_pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
                     + _pcapng_block(1, idb) + _pcapng_block(6, epb))
    _same("-r", str(pcap), "-T", "fields", "-e", "frame.interface_name",
          "-e", "frame.interface_description")
    tree = _ours("-r", str(pcap), "-V").decode().split("\n")
    assert tree[0].endswith(" on interface et\\033[2Jh\\001é, id 0")
    assert tree[2:5] == ["    Interface id: 0 (et\\033[2Jh\\001é)",
                         "        Interface name: et\\033[2Jh\\001é",
                         "        Interface description: de\\033]0;x\\asc"]


def test_golden_diff_shows_packet_text_escaped(caps: dict[str, Path], tmp_path: Path) -> None:
    """-T fields keeps controls (as tshark); a --golden diff of it must not print them."""
    want = tmp_path / "want.txt"
    want.write_text("nothing\tlike it\n", encoding="utf-8")
    cp = run_analyze_subprocess(["-r", str(caps["main"]), "--golden", str(want), "-T",
                                 "fields", "-e", "frame.number", "-e", "http.user_agent"])
    assert cp.returncode == 1
    # (\\b \\t \\f were escaped by -T fields already; a backslash stays as it is)
    assert b"+1\t\\001\\002\\003\\004\\005\\006\\a\\b\\t\\v\\f\\016" in cp.stdout
    assert not _RAW.search(cp.stdout)


def test_media_type_escaped_where_tshark_prints_it_raw(caps: dict[str, Path]) -> None:
    line = _ours("-r", str(caps["media"])).decode()
    assert line.endswith("POST / HTTP/1.1  (text/\\033[31mplain)\n")
    tree = _ours("-r", str(caps["media"]), "-V").decode()
    assert "    Media type: text/\\033[31mplain; c=\\001 (3 bytes)\n" in tree


def test_cross_check_report_escapes_values(caps: dict[str, Path]) -> None:
    cp = run_analyze_subprocess(["--cross-check", str(caps["ipmsg"])])  # (pyshark: test extra)
    assert cp.returncode == 0, cp.stderr.decode(errors="replace")
    assert b"labshark=SENDMSG (sendcheck) from us\\033[2Jer\\001@ho\\rst" in cp.stdout
    assert not _RAW.search(cp.stdout)


@pytest.mark.parametrize("snaplen", [70, 90, 110, 130])
def test_http_lines_cut_by_snaplen_show_as_tshark(tmp_path: Path, snaplen: int) -> None:
    """A cut line's label has no terminator, a CR before the cut is kept in the label
    only, and a cut empty line shows what was captured of it (`\\r`)."""
    from test_app_protocols import build_http, cut_snaplen

    _same("-r", str(cut_snaplen(build_http(tmp_path), snaplen)), "-V")
