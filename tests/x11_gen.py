"""X11 sessions written byte by byte (the X Window System Protocol, X11R6 layouts) for the
X11 differential tests: connection setup and its reply, a few core requests, their
replies, events and an error, in either byte order, over TCP port 6000."""

from __future__ import annotations

import struct
from pathlib import Path

from scapy.all import wrpcap
from tcpconv import tcp_conversation

CLIENT, SERVER = "10.6.0.1", "10.6.0.2"


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


class X11Writer:
    """Packs X11 messages in one byte order ('l' little, 'B' big)."""

    def __init__(self, order: str) -> None:
        self.e = "<" if order == "l" else ">"
        self.order = order

    def p(self, fmt: str, *vals: int) -> bytes:
        return struct.pack(self.e + fmt, *vals)

    def setup(self, auth_name: bytes = b"MIT-MAGIC-COOKIE-1", auth_data: bytes = b"\x11" * 16,
              ) -> bytes:
        return (self.order.encode() + b"\0" + self.p("HHHH", 11, 0, len(auth_name),
                                                     len(auth_data)) + b"\0\0" +
                _pad(auth_name) + _pad(auth_data))

    def setup_reply(self, vendor: bytes = b"The X.Org Foundation", screens: int = 1) -> bytes:
        body = self.p("IIII", 12101004, 0x04000000, 0x001FFFFF, 256)
        body += self.p("HH", len(vendor), 65535) + bytes([screens, 1, 0, 0, 32, 32, 8, 255])
        body += b"\0" * 4 + _pad(vendor)
        body += bytes([24, 32, 32, 0, 0, 0, 0, 0])  # one pixmap format
        for _ in range(screens):  # a root window with one depth of one visual
            body += self.p("IIIII", 0x1E6, 0x20, 0xFFFFFF, 0, 0xFA403F)
            body += self.p("HHHHHHI", 1920, 1080, 508, 285, 1, 1, 0x21) + bytes([0, 0, 24, 1])
            body += bytes([24, 0]) + self.p("H", 1) + b"\0" * 4
            body += self.p("IBBHIII", 0x21, 4, 8, 256, 0xFF0000, 0xFF00, 0xFF) + b"\0" * 4
        return bytes([1, 0]) + self.p("HHH", 11, 0, len(body) // 4) + body

    def request(self, opcode: int, data: int, body: bytes) -> bytes:
        body = _pad(body)
        return bytes([opcode, data]) + self.p("H", 1 + len(body) // 4) + body

    def create_window(self, wid: int, parent: int) -> bytes:
        return self.request(1, 24, self.p("IIhhHHHHII", wid, parent, 10, 20, 300, 200, 1, 1,
                                          0, 0x0802) + self.p("II", 0x00FFFFFF, 0x00028001))

    def map_window(self, wid: int) -> bytes:
        return self.request(8, 0, self.p("I", wid))

    def intern_atom(self, name: bytes, only_if_exists: int = 0) -> bytes:
        return self.request(16, only_if_exists, self.p("HH", len(name), 0) + name)

    def query_extension(self, name: bytes) -> bytes:
        return self.request(98, 0, self.p("HH", len(name), 0) + name)

    def get_property(self, wid: int, prop: int, ptype: int) -> bytes:
        return self.request(20, 0, self.p("IIIII", wid, prop, ptype, 0, 1024))

    def no_operation(self) -> bytes:
        return self.request(127, 0, b"")

    def reply(self, data: int, seq: int, body: bytes, extra: bytes = b"") -> bytes:
        extra = _pad(extra)
        return bytes([1, data]) + self.p("HI", seq, len(extra) // 4) + \
            body.ljust(24, b"\0") + extra

    def event(self, code: int, detail: int, seq: int, body: bytes) -> bytes:
        return bytes([code, detail]) + self.p("H", seq) + body.ljust(28, b"\0")

    def error(self, code: int, seq: int, bad: int, minor: int, major: int) -> bytes:
        return bytes([0, code]) + self.p("HIHB", seq, bad, minor, major) + b"\0" * 21


def session(order: str, sport: int) -> list[tuple[bool, bytes]]:
    """(from client?, bytes) of one X11 connection."""
    w = X11Writer(order)
    wid = 0x04000001
    return [
        (True, w.setup()),
        (False, w.setup_reply()),
        (True, w.create_window(wid, 0x000001E6) + w.map_window(wid)),
        (True, w.intern_atom(b"WM_PROTOCOLS") + w.query_extension(b"BIG-REQUESTS")),
        (False, w.reply(0, 3, w.p("I", 0x12C))),
        (False, w.reply(0, 4, bytes([1, 0x85, 0, 0]))),
        (True, w.get_property(wid, 39, 31) + w.no_operation()),
        (False, w.reply(8, 5, w.p("III", 31, 0, 5), b"hello")),
        (False, w.event(12, 0, 5, w.p("IHHHHH", wid, 0, 0, 300, 200, 0))),
        (False, w.event(19, 0, 5, w.p("IIB", 0x1E6, wid, 0)) +
         w.event(12, 0, 5, w.p("IHHHHH", wid, 0, 0, 10, 10, 0))),
        (True, w.intern_atom(b"UTF8_STRING", 1) + w.intern_atom(b"_NET_WM_NAME", 1)),
        (False, w.reply(0, 7, w.p("I", 0x13A)) + w.reply(0, 8, w.p("I", 0x13B))),
        (True, w.map_window(0x0BADBAD)),
        (False, w.error(3, 9, 0x0BADBAD, 0, 8)),
    ]


def split_session(order: str) -> list[tuple[bool, bytes]]:
    """A session whose messages cross TCP segments (tshark reassembles them)."""
    w = X11Writer(order)
    wid = 0x04000002
    setup, reply = w.setup(), w.setup_reply()
    reqs = w.create_window(wid, 0x1E6) + w.intern_atom(b"WM_DELETE_WINDOW")
    return [(True, setup[:10]), (True, setup[10:]), (False, reply[:50]), (False, reply[50:]),
            (True, reqs[:20]), (True, reqs[20:50]), (True, reqs[50:]),
            (False, w.reply(0, 2, w.p("I", 0x140))[:12]),
            (False, w.reply(0, 2, w.p("I", 0x140))[12:] + w.event(12, 0, 2, b"")[:5]),
            (False, w.event(12, 0, 2, b"")[5:]),
            (False, w.event(0x80 | 12, 0, 2, w.p("IHHHHH", wid, 1, 2, 3, 4, 0)))]  # SendEvent


def capture(path: Path, sessions: list[list[tuple[bool, bytes]]] | None = None) -> Path:
    """A pcap of the sessions, each on its own TCP connection with its handshake."""
    if sessions is None:
        sessions = [session("l", 40001), session("B", 40002), split_session("l")]
    pkts = []
    for n, msgs in enumerate(sessions):
        pkts += tcp_conversation(msgs, client=CLIENT, server=SERVER, cport=40001 + n,
                                 sport=6000, cseq=1000, sseq=5000, handshake_ack=True)
    t = 1_700_000_000.0
    for p in pkts:
        t += 0.001
        p.time = t
    wrpcap(str(path), pkts)
    return path


if __name__ == "__main__":
    import sys
    capture(Path(sys.argv[1]))
