"""`--encoding ENC` (labshark's own): `-z follow,...,ascii` decodes a chat's GBK text.

Without it the ascii output stays tshark's byte for byte (a dot per non-ASCII byte);
with it the layout (headers, chunk lengths in bytes, indentation) is the same and only
the text lines change. Control characters stay dots either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark_full
from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

ETH = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
HELLO = "你好，同学！".encode("gbk")  # 12 bytes, two per character
REPLY = "收到\x1b[31m".encode("gbk")  # an escape sequence a terminal would obey


def _seg(src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: str,
         data: bytes = b"") -> Ether:
    return ETH / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, seq=seq, ack=ack,
                                            flags=flags) / Raw(data)


@pytest.fixture(scope="module")
def chat_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TCP chat whose first message is cut inside a GBK character, then a UDP chat."""
    c, s = "10.0.0.1", "10.0.0.2"
    first, second = HELLO[:5], HELLO[5:]  # byte 5 is the first half of "，"
    pkts = [
        _seg(c, s, 40000, 6000, 100, 0, "S"),
        _seg(s, c, 6000, 40000, 500, 101, "SA"),
        _seg(c, s, 40000, 6000, 101, 501, "A"),
        _seg(c, s, 40000, 6000, 101, 501, "PA", first),
        _seg(c, s, 40000, 6000, 101 + len(first), 501, "PA", second),
        _seg(s, c, 6000, 40000, 501, 101 + len(HELLO), "PA", REPLY),
        ETH / IP(src=c, dst=s) / UDP(sport=5000, dport=5001) / Raw(HELLO + b"\tok"),
        ETH / IP(src=s, dst=c) / UDP(sport=5001, dport=5000) / Raw(REPLY),
    ]
    path = tmp_path_factory.mktemp("enc") / "chat.pcap"
    wrpcap(str(path), pkts)
    return path


def _follow(path: Path, z: str, *extra: str) -> str:
    rc, out, err = run_analyze(["-q", "-r", str(path), "-z", z, *extra])
    assert rc == 0, err
    return out


def _body(text: str) -> list[str]:
    """The chunk lines after the Node lines, up to the closing separator."""
    lines = text.splitlines()
    return lines[lines.index(next(ln for ln in lines if ln.startswith("Node 1:"))) + 1:-1]


@pytest.mark.tshark
@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_plain_ascii_stays_tsharks(chat_pcap: Path, proto: str) -> None:
    args = ["-q", "-r", str(chat_pcap), "-z", f"follow,{proto},ascii,0"]
    theirs = run_tshark_full(args, text=False)
    assert theirs.returncode == 0
    assert _follow(chat_pcap, f"follow,{proto},ascii,0").encode() == theirs.stdout
    assert "你" not in theirs.stdout.decode("utf-8", "replace")


@pytest.mark.tshark
def test_tcp_gbk_decoded_across_segments(chat_pcap: Path) -> None:
    plain = _follow(chat_pcap, "follow,tcp,ascii,0")
    gbk = _follow(chat_pcap, "follow,tcp,ascii,0", "--encoding", "gbk")
    # Same header and chunk lengths (bytes); "，" split between the segments shows once,
    # whole, in the chunk that completes it.
    assert gbk.splitlines()[:5] == plain.splitlines()[:5]
    assert _body(gbk) == ["5", "你好", "7", "，同学！", "\t9", "收到.[31m"]
    assert [ln for ln in _body(gbk) if ln.strip().isdigit()] == \
        [ln for ln in _body(plain) if ln.strip().isdigit()]
    assert "\x1b" not in gbk


def test_udp_gbk_and_control_characters(chat_pcap: Path) -> None:
    gbk = _follow(chat_pcap, "follow,udp,ascii,0", "--encoding", "GBK")
    assert _body(gbk) == ["15", "你好，同学！.ok", "\t9", "收到.[31m"]  # TAB and ESC dotted
    utf8 = _follow(chat_pcap, "follow,udp,ascii,0", "--encoding", "utf-8")
    # GBK read as UTF-8: the wrong characters or dots, never the text (nor a control)
    assert "你好" not in _body(utf8)[1] and _body(utf8)[1].endswith(".ok")
    assert _body(utf8)[1].startswith("...")  # C4, E3 BA: not UTF-8, one dot per byte
    # other modes are not touched by --encoding
    for mode in ("hex", "raw"):
        z = f"follow,udp,{mode},0"
        assert _follow(chat_pcap, z, "--encoding", "gbk") == _follow(chat_pcap, z)


def test_ipmsg_gbk_message(tmp_path: Path) -> None:
    """FeiQ sends GBK (no UTF8OPT): follow,ipmsg with --encoding gbk shows the text the
    peer sent; without it the UTF-8 text shows as dots, as before."""
    head = "1_lbt6_0#128#001122334455#0#0#0#4001#9:{}:alice:pc:32:"
    pkts = [ETH / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2425, dport=2425)
            / Raw(head.format(1700000001).encode() + HELLO + b"\0"),
            ETH / IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=2425, dport=2425)
            / Raw(head.format(1700000002).encode().replace(b"alice", b"bob") + REPLY + b"\0")]
    path = tmp_path / "feiq.pcap"
    wrpcap(str(path), pkts)
    gbk = _follow(path, "follow,ipmsg,ascii,0", "--encoding", "gbk")
    assert _body(gbk) == ["12", "你好，同学！", "\t9", "收到.[31m"]
    plain = _follow(path, "follow,ipmsg,ascii,0")
    assert "你" not in plain and _body(plain)[1] == "." * 18  # UTF-8: 3 bytes a character


def test_unknown_encoding_is_one_line(chat_pcap: Path) -> None:
    for enc in ("no-such-codec", "base64"):
        rc, out, err = run_analyze(["-q", "-r", str(chat_pcap), "-z", "follow,udp,ascii,0",
                                    "--encoding", enc])
        assert (rc, out) == (1, "")
        assert err.startswith("analyze: --encoding: ") and err.count("\n") == 1
