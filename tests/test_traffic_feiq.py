"""IPMSG/FeiQ peers on loopback (unicast --peer setup, different ports)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from traffic import feiq

LO = "127.0.0.1"


def test_packet_roundtrip_and_feiq_version() -> None:
    v = feiq.feiq_version("00:0c:29:ab:cd:ef")
    assert v == "1_lbt6_0#128#000C29ABCDEF#0#0#0#4001#9"
    raw = feiq.encode_packet(v, 42, "user", "host", feiq.SENDMSG | feiq.SENDCHECKOPT,
                             "你好:world\0", "gbk")
    assert raw.startswith(b"1_lbt6_0#128#000C29ABCDEF#0#0#0#4001#9:42:user:host:288:")
    p = feiq.decode_packet(raw)
    assert (p.packet_no, p.user, p.host, p.mode, p.is_feiq) == (42, "user", "host", feiq.SENDMSG, True)
    assert p.text() == "你好:world"  # colons inside Additional survive
    with pytest.raises(ValueError):
        feiq.decode_packet(b"not ipmsg")
    assert feiq.decode_packet(b"1:7:u:h:0x20:x").command == 0x20


def test_file_entry_format() -> None:
    e = feiq.FileEntry(0, "a:b.txt", 0x1234, 0x5F000000, 1)
    assert e.encode() == "0:a::b.txt:1234:5f000000:1:"
    back = feiq.FileEntry.parse_list(e.encode() + "\a")
    assert (back[0].name, back[0].size, back[0].mtime, back[0].attr) == ("a:b.txt", 0x1234, 0x5F000000, 1)


@pytest.fixture
def pair():
    a = feiq.FeiqPeer(user="alice", host="hostA", nickname="Alice", group="lab", port=0,
                      broadcast=None).start()
    b = feiq.FeiqPeer(user="bob", host="hostB", nickname="鲍勃", group="lab", port=0,
                      broadcast=None, peers=[(LO, a.port)], feiq=False).start()
    a.static_peers = [(LO, b.port)]
    yield a, b
    a.close()
    b.close()


def test_entry_answer_message_and_exit(pair) -> None:
    a, b = pair
    b.entry()
    assert a.wait_for(lambda: (LO, b.port) in a.peers, 3)   # BR_ENTRY seen
    assert b.wait_for(lambda: (LO, a.port) in b.peers, 3)   # ANSENTRY came back
    assert a.peers[(LO, b.port)].nickname == "鲍勃"
    assert a.peers[(LO, b.port)].version == "1"
    assert b.peers[(LO, a.port)].version.startswith("1_lbt6_0#128#")
    assert b.peers[(LO, a.port)].group == "lab"

    pno, acked = a.send_message((LO, b.port), "你好，世界 (GBK)", retries=2, timeout=1)
    assert acked
    assert b.wait_for(lambda: len(b.messages) == 1, 2)
    m = b.messages[0]
    assert (m.text, m.packet_no, m.user) == ("你好，世界 (GBK)", pno, "alice")
    assert m.command & feiq.SENDCHECKOPT and not m.command & feiq.UTF8OPT

    b.exit()
    assert a.wait_for(lambda: (LO, b.port) not in a.peers, 2)
    assert a.counts.get("BR_EXIT") == 1


def test_utf8_message(pair) -> None:
    a, b = pair
    a.utf8 = True
    _pno, acked = a.send_message((LO, b.port), "emoji ✓ and 中文")
    assert acked
    assert b.wait_for(lambda: len(b.messages) == 1, 2)
    assert b.messages[0].text == "emoji ✓ and 中文"
    assert b.messages[0].command & feiq.UTF8OPT


def test_gbk_on_the_wire(pair) -> None:
    """A raw listener sees GBK bytes and the SENDCHECKOPT flag; without an answer, a retry."""
    a, _b = pair
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    raw.bind((LO, 0))
    raw.settimeout(3)
    try:
        pno, acked = a.send_message(raw.getsockname(), "中文", retries=1, timeout=0.3)
        first = raw.recvfrom(4096)[0]
        retry = raw.recvfrom(4096)[0]
    finally:
        raw.close()
    assert not acked
    p = feiq.decode_packet(first)
    assert p.extra == "中文".encode("gbk") + b"\0"
    assert p.command == feiq.SENDMSG | feiq.SENDCHECKOPT
    r = feiq.decode_packet(retry)
    assert r.packet_no == pno and r.command & feiq.RETRYOPT


def test_recvmsg_answer_is_packet_number(pair) -> None:
    _a, b = pair
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    raw.bind((LO, 0))
    raw.settimeout(3)
    try:
        raw.sendto(feiq.encode_packet("1", 777, "x", "y", feiq.SENDMSG | feiq.SENDCHECKOPT, "hi\0"),
                   (LO, b.port))
        ans = feiq.decode_packet(raw.recvfrom(4096)[0])
        raw.sendto(b"\xff garbage", (LO, b.port))  # ignored, peer keeps working
        raw.sendto(feiq.encode_packet("1", 778, "x", "y", feiq.BR_ENTRY, "nick\0grp\0"), (LO, b.port))
        ans2 = feiq.decode_packet(raw.recvfrom(4096)[0])
    finally:
        raw.close()
    assert ans.mode == feiq.RECVMSG and ans.text() == "777"
    assert ans2.mode == feiq.ANSENTRY and ans2.text() == "鲍勃"


def test_file_attachment_over_tcp(pair, tmp_path: Path) -> None:
    a, b = pair
    f = tmp_path / "report.bin"
    body = os.urandom(300_000)
    f.write_bytes(body)
    pno, acked = a.send_message((LO, b.port), "see attachment", files=[str(f)])
    assert acked
    assert b.wait_for(lambda: len(b.messages) == 1, 2)
    m = b.messages[0]
    assert m.command & feiq.FILEATTACHOPT
    assert [(e.name, e.size) for e in m.files] == [("report.bin", len(body))]
    n = b.get_file((LO, a.port), m.packet_no, m.files[0], str(tmp_path / "got"))
    assert n == len(body) and (tmp_path / "got").read_bytes() == body
    # (the sender counts after its last sendall: the receiver may have the bytes first)
    assert a.wait_for(lambda: a.files_served == 1, 2)


def test_cli_send_to_listener(tmp_path: Path) -> None:
    peer = feiq.FeiqPeer(user="lst", port=0, broadcast=None).start()
    try:
        r = subprocess.run([sys.executable, "-m", "traffic", "feiq", "send", f"{LO}:{peer.port}",
                            "你好", "--port", "0", "--no-broadcast"], capture_output=True, text=True,
                           timeout=30)
        assert peer.wait_for(lambda: len(peer.messages) == 1, 2)
    finally:
        peer.close()
    assert r.returncode == 0, r.stderr
    assert "RECVMSG received" in r.stdout
    assert peer.messages[0].text == "你好"
    r = subprocess.run([sys.executable, "-m", "traffic", "feiq", "send", f"{LO}:{peer.port}",
                        "lost", "--port", "0", "--no-broadcast", "--retries", "1",
                        "--ack-timeout", "0.2"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "no RECVMSG" in r.stderr and "Traceback" not in r.stderr


def test_cli_send_next_to_a_listener_names_the_fix() -> None:
    """A listener holds 127.0.0.1:PORT; `feiq send` there says how to run beside it."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind((LO, 0))
    port = holder.getsockname()[1]
    try:
        r = subprocess.run([sys.executable, "-m", "traffic", "feiq", "send", f"{LO}:{port}", "hi",
                            "--port", str(port), "--no-broadcast"], capture_output=True,
                           text=True, timeout=30)
    finally:
        holder.close()
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "already in use" in lines[0] and "--bind 127.77.0.1" in lines[0]


def test_many_messages_bounded_memory_and_resends_still_deduplicated() -> None:
    """30,000 messages: the newest KEEP_MESSAGES are kept, all are counted, a resend is not."""
    p = feiq.FeiqPeer(port=0, broadcast=None, serve_files=False)
    try:
        for i in range(30_000):
            p.handle(feiq.encode_packet("1", i, "u", "h", feiq.SENDMSG, f"m{i}\0"), (LO, 5000))
        p.handle(feiq.encode_packet("1", 29_999, "u", "h", feiq.SENDMSG | feiq.RETRYOPT,
                                    "m29999\0"), (LO, 5000))
        p.handle(feiq.encode_packet("1", 29_999, "u", "h", feiq.SENDMSG, "other\0"), (LO, 5001))
    finally:
        p.close()
    assert p.message_count == 30_001  # the same number from another sender is a new message
    assert len(p.messages) == feiq.KEEP_MESSAGES
    assert [m.text for m in list(p.messages)[-2:]] == ["m29999", "other"]


def test_cli_listen_escapes_peer_text() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.77.0.5", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "traffic", "feiq", "listen", "--bind",
                             "127.77.0.5", "--port", str(port), "--no-broadcast", "--count", "1",
                             "--timeout", "15"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pkt = feiq.encode_packet("1", 7, "ev\x1b[8mil", "h\r", feiq.SENDMSG,
                             "a\x1b]0;pwned\x07b\r中文\0".encode("gbk"))
    try:
        end = time.monotonic() + 10  # resend (same packet number) until the listener is up
        while proc.poll() is None and time.monotonic() < end:
            tx.sendto(pkt, ("127.77.0.5", port))
            time.sleep(0.3)
        out, err = proc.communicate(timeout=15)
    finally:
        tx.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, err
    text = out.decode()
    assert "ev\\033[8mil: a\\033]0;pwned\\ab\\r中文" in text
    assert b"\x1b" not in out and b"\r" not in out and b"\x07" not in out
    assert "feiq listen: 1 message, 0 peers" in text


def test_sent_messages_leave_no_ack_events_behind(pair) -> None:
    a, b = pair
    for i in range(5):
        assert a.send_message((LO, b.port), f"m{i}", timeout=2)[1]
    a.send_message((LO, b.port), "unchecked", sendcheck=False)
    assert a.acks == {}
