"""DCE/RPC captures for tests/test_dcerpc.py, built from bytes: PDUs over TCP port 135
(bind, alter context, request/response/fault, fragments, truncated headers, odd
syntaxes) and over an SMB named pipe (Trans / TransactNmPipe on TCP 445)."""

from __future__ import annotations

import struct
import uuid
from pathlib import Path

from scapy.all import IP, TCP, Ether, Raw, wrpcap

NDR = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le
NDR64 = uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36").bytes_le
BTFN = uuid.UUID("6cb71c2c-9812-4540-0300-000000000000").bytes_le
ODD = uuid.UUID("abcdef00-0000-0000-0000-000000000001").bytes_le
IF = "11111111-2222-3333-4444-555555555555"
IF2 = "22222222-3333-4444-5555-666666666666"
LE = b"\x10\0\0\0"


def hdr(ptype: int, flags: int, body: bytes, call_id: int, auth: bytes = b"") -> bytes:
    """A PDU: the common header (little-endian) before `body`."""
    n = 16 + len(body) + len(auth)
    return (struct.pack("<BBBB", 5, 0, ptype, flags) + LE
            + struct.pack("<HHI", n, len(auth), call_id) + body + auth)


def bind(call_id: int, ctxs: list[tuple[int, str, int]], ptype: int = 11) -> bytes:
    body = struct.pack("<HHIB3x", 4280, 4280, 0, len(ctxs))
    for ctx, iface, ver in ctxs:
        body += (struct.pack("<HBx", ctx, 1) + uuid.UUID(iface).bytes_le
                 + struct.pack("<HH", ver, 0) + NDR + struct.pack("<I", 2))
    return hdr(ptype, 3, body, call_id)


def bind_ack(call_id: int, n: int, ptype: int = 12, sec: bytes = b"\\PIPE\\epmapper\0",
             result: tuple[int, int] = (0, 0)) -> bytes:
    body = struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H", len(sec)) + sec
    while (len(body) + 16) % 4:
        body += b"\0"
    body += struct.pack("<B3x", n)
    for _ in range(n):
        body += struct.pack("<HH", *result) + NDR + struct.pack("<I", 2)
    return hdr(ptype, 3, body, call_id)


def request(call_id: int, ctx: int, opnum: int, stub: bytes, flags: int = 3,
            alloc: int | None = None) -> bytes:
    body = struct.pack("<IHH", len(stub) if alloc is None else alloc, ctx, opnum) + stub
    return hdr(0, flags, body, call_id)


def response(call_id: int, ctx: int, stub: bytes, flags: int = 3) -> bytes:
    return hdr(2, flags, struct.pack("<IHBx", len(stub), ctx, 0) + stub, call_id)


def fault(call_id: int, ctx: int, status: int) -> bytes:
    return hdr(3, 3, struct.pack("<IHBxI4x", 0, ctx, 0, status), call_id)


class Conn:
    """One TCP connection's segments, each PSH/ACK with the right sequence numbers."""

    def __init__(self, sport: int = 49700, dport: int = 135) -> None:
        self.sport, self.dport = sport, dport
        self.seq = {True: 1000, False: 5000}
        self.pkts: list = []

    def send(self, data: bytes, client: bool) -> None:
        src, dst = ("10.0.0.1", "10.0.0.2") if client else ("10.0.0.2", "10.0.0.1")
        sp, dp = (self.sport, self.dport) if client else (self.dport, self.sport)
        p = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst)
             / TCP(sport=sp, dport=dp, flags="PA", seq=self.seq[client],
                   ack=self.seq[not client]) / Raw(data))
        self.seq[client] += len(data)
        p.time = 1000 + len(self.pkts) * 0.01
        self.pkts.append(p)


def _bind_calls(c: Conn) -> None:
    """Bind two contexts, a call on each (a response, a fault), an alter context, a
    request on the new context, one on a context never bound."""
    c.send(bind(1, [(0, IF, 1), (1, IF2, 2)]), True)
    c.send(bind_ack(1, 2), False)
    c.send(request(2, 0, 3, bytes(range(24))), True)
    c.send(response(2, 0, bytes(range(8, 20))), False)
    c.send(request(3, 1, 7, b"abc\x00" * 3), True)
    c.send(fault(3, 1, 0x1c010002), False)
    c.send(bind(4, [(2, IF, 1)], ptype=14), True)
    c.send(bind_ack(4, 1, ptype=15, sec=b""), False)
    c.send(request(5, 2, 0, b""), True)
    c.send(request(6, 9, 1, b"zz"), True)


def _fragments(c: Conn) -> None:
    """A request in three fragments (1st, Mid, Last) and its response."""
    c.send(bind(1, [(0, IF, 1)]), True)
    c.send(bind_ack(1, 1), False)
    c.send(request(2, 0, 5, bytes(range(40)), flags=1, alloc=80), True)
    c.send(request(2, 0, 5, bytes(range(40, 60)), flags=0, alloc=40), True)
    c.send(request(2, 0, 5, bytes(range(60, 80)), flags=2, alloc=20), True)
    c.send(response(2, 0, bytes(8)), False)


def _truncated(c: Conn) -> None:
    """A header cut to 10 bytes; a PDU one byte short, completed by the next segment,
    whose remaining 15 bytes are no header."""
    c.send(b"\x05\x00\x00\x03\x10\x00\x00\x00\x40\x00", True)
    c.send(request(7, 0, 1, b"ab")[:-1], True)
    c.send(b"\x05\x00\x0b\x03\x10\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00\x00", True)


def _odd(c: Conn) -> None:
    """Two PDUs in a segment, a provider rejection, a bind_nak, a big-endian request,
    a fault and a response to calls never seen, AUTH3, bogus frag lengths."""
    c.send(bind(1, [(0, IF, 1)]) + request(2, 0, 1, b"xy"), True)
    c.send(bind_ack(1, 1, result=(2, 1)), False)
    c.send(hdr(13, 3, struct.pack("<HB", 4, 1) + b"\x05\x00", 1), False)
    c.send(struct.pack(">BBBB", 5, 0, 0, 3) + bytes(4) + struct.pack(">HHI", 26, 0, 9)
           + struct.pack(">IHH", 2, 0, 4) + b"qq", True)
    c.send(fault(77, 0, 5), False)
    c.send(hdr(16, 3, b"\0\0\0\0", 8), True)
    c.send(hdr(18, 3, b"", 8) + b"\x05\x00\x00\x03\x10\x00\x00\x00\x08\x00\x00\x00\x01\x00\x00\x00",
           True)
    c.send(response(99, 0, b"abcd"), False)
    # an object UUID past the frag length, then 16 bytes that are no header
    c.send(request(2, 0, 5, bytes(8), flags=0x83)[:24] + uuid.UUID(IF).bytes_le + bytes(8), True)


def _syntaxes(c: Conn) -> None:
    """Transfer syntaxes: NDR + NDR64, bind time feature negotiation, an unknown one;
    an ack with a rejection, a negotiate ACK and an acceptance."""
    body = struct.pack("<HHIB3x", 4280, 4280, 0, 3)
    iface = uuid.UUID(IF).bytes_le + struct.pack("<HH", 1, 0)
    body += struct.pack("<HBx", 0, 2) + iface + NDR + struct.pack("<I", 2) + NDR64 \
        + struct.pack("<I", 1)
    body += struct.pack("<HBx", 1, 1) + iface + BTFN + struct.pack("<I", 1)
    body += struct.pack("<HBx", 2, 1) + iface + ODD + struct.pack("<I", 1)
    c.send(hdr(11, 3, body, 1), True)
    body = struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H", 0) + b"\0\0" \
        + struct.pack("<B3x", 3)
    body += struct.pack("<HH", 2, 2) + bytes(16) + struct.pack("<I", 0)
    body += struct.pack("<HH", 3, 3) + bytes(16) + struct.pack("<I", 0)
    body += struct.pack("<HH", 0, 0) + NDR64 + struct.pack("<I", 1)
    c.send(hdr(12, 3, body, 1), False)
    c.send(request(2, 2, 1, b"ab"), True)
    c.send(request(3, 1, 1, b"ab"), True)


def smb_trans(pdu: bytes, response: bool, mid: int, fid: int = 0x4001) -> bytes:
    """An NBSS-framed SMB Trans on `\\PIPE\\` (TransactNmPipe) carrying `pdu`."""
    flags = 0x98 if response else 0x18
    h = (b"\xffSMB\x25" + bytes(4) + bytes([flags]) + struct.pack("<H", 0xc807) + bytes(12)
         + struct.pack("<HHHH", 2048, 1234, 100, mid))
    if not response:
        name = "\\PIPE\\\0".encode("utf-16-le")
        start = 32 + 1 + 32 + 2
        pad1 = b"\0" if start % 2 else b""
        after = start + len(pad1) + len(name)
        pad2 = b"\0" * ((4 - after % 4) % 4)
        do = after + len(pad2)
        words = struct.pack("<HHHHBBHIHHHHHBB", 0, len(pdu), 0, 1024, 0, 0, 0, 0, 0, 0, do,
                            len(pdu), do, 2, 0) + struct.pack("<HH", 0x26, fid)
        body = (bytes([16]) + words + struct.pack("<H", len(pad1 + name + pad2) + len(pdu))
                + pad1 + name + pad2 + pdu)
    else:
        start = 32 + 1 + 20 + 2
        pad = b"\0" * ((4 - start % 4) % 4)
        do = start + len(pad)
        words = struct.pack("<HHHHHHHHHBB", 0, len(pdu), 0, 0, do, 0, len(pdu), do, 0, 0, 0)
        body = bytes([10]) + words + struct.pack("<H", len(pad) + len(pdu)) + pad + pdu
    m = h + body
    return struct.pack(">I", len(m)) + m


def _smb(c: Conn) -> None:
    """A bind, a call on the bound FID, a call on another FID (no bind there)."""
    c.send(smb_trans(bind(1, [(0, IF, 1)]), False, 1), True)
    c.send(smb_trans(bind_ack(1, 1, sec=b"\\PIPE\\x\0"), True, 1), False)
    c.send(smb_trans(request(2, 0, 3, bytes(range(12))), False, 2), True)
    c.send(smb_trans(response(2, 0, bytes(range(4))), True, 2), False)
    c.send(smb_trans(request(3, 0, 4, b"q" * 4), False, 3, fid=0x4002), True)
    c.send(smb_trans(response(3, 0, b"r" * 4), True, 3, fid=0x4002), False)


def _authed(ptype: int, body: bytes, call_id: int, level: int, token: bytes) -> bytes:
    """A PDU with an NTLMSSP auth trailer (padded to 4) and `token` as its verifier."""
    pad = (4 - (16 + len(body)) % 4) % 4
    trailer = struct.pack("<BBBBI", 10, level, pad, 0, 79231)
    n = 16 + len(body) + pad + 8 + len(token)
    return (struct.pack("<BBBB", 5, 0, ptype, 3) + LE + struct.pack("<HHI", n, len(token), call_id)
            + body + b"\0" * pad + trailer + token)


def _auth(c: Conn) -> None:
    """NTLMSSP over DCE/RPC: the three tokens in Bind, Bind_ack and AUTH3; calls with an
    integrity verifier, and sealed (an encrypted stub)."""
    from test_ntlmssp_smb1 import _auth as auth3
    from test_ntlmssp_smb1 import _challenge, _negotiate

    c.send(_authed(11, bind(1, [(0, IF, 1)])[16:], 1, 2, _negotiate(True)), True)
    c.send(_authed(12, bind_ack(1, 1)[16:], 1, 2, _challenge()), False)
    c.send(_authed(16, b"\0\0\0\0", 1, 2, auth3(True)), True)
    verf = b"\x01\0\0\0" + bytes(range(12))
    c.send(_authed(0, struct.pack("<IHH", 5, 0, 2) + b"hello", 3, 5, verf), True)
    c.send(_authed(0, struct.pack("<IHH", 5, 0, 2) + b"hello", 4, 6, verf), True)
    c.send(_authed(2, struct.pack("<IHBx", 5, 0, 0) + b"world", 4, 6, verf), False)


def _heuristic(c: Conn) -> None:
    """DCE/RPC on a port of no table (found by the TCP heuristic; the connection keeps
    it, a non-DCE/RPC segment between is data)."""
    c.send(bind(1, [(0, IF, 1)]), True)
    c.send(bind_ack(1, 1), False)
    c.send(b"hello there, not dcerpc at all", True)
    c.send(request(2, 0, 3, b"abcd"), True)


def _not_headers(c: Conn) -> None:
    """On port 135, headers Wireshark's is_dcerpc refuses: a bad data representation
    (character, then floating point), a frag length below 16, packet type 21."""
    for head in (b"\x05\x00\x00\x03\x20\x00\x00\x00\x20\x00", b"\x05\x00\x00\x03\x10\x04\x00\x00\x20\x00",
                 b"\x05\x00\x00\x03\x10\x00\x00\x00\x08\x00", b"\x05\x00\x15\x03\x10\x00\x00\x00\x20\x00"):
        c.send(head + b"\x00\x00\x01\x00\x00\x00" + bytes(16), True)


BUILDERS = {"bind": (_bind_calls, 135), "frag": (_fragments, 135), "trunc": (_truncated, 135),
            "odd": (_odd, 135), "syntax": (_syntaxes, 135), "smb": (_smb, 445),
            "auth": (_auth, 135), "heuristic": (_heuristic, 49667), "refused": (_not_headers, 135)}


def build(name: str, directory: Path) -> Path:
    fn, port = BUILDERS[name]
    c = Conn(dport=port)
    fn(c)
    path = directory / f"dcerpc-{name}.pcap"
    wrpcap(str(path), c.pkts)
    return path
