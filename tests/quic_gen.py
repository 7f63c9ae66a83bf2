"""QUIC Initial packets built and protected here (RFC 9001 section 5, with the
`cryptography` package) for the differential tests: tshark 4.0 decrypts them with the
keys every observer can derive, so labshark must show what tshark shows.

The TLS handshake messages inside the CRYPTO frames are written by hand (RFC 8446
layouts) with a quic_transport_parameters extension (RFC 9000 section 18).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from scapy.all import IP, UDP, Ether, wrpcap

SALTS = {
    1: "38762cf7f55934b34d179ae6a4c80cadccbb7f0a",
    0xFF00001D: "afbfec289993d24c9e9786f19c6111e04390a899",
    0x6B3343CF: "0dede3def700a6db819381be6e269dcbf9bd2ed9",
    0x709A50C4: "a707c203a59b47184a1d62ca570406ea7ae3e5d3",
}
V2 = (0x6B3343CF, 0x709A50C4)
CLIENT, SERVER = "10.2.2.1", "10.2.2.2"
T0 = 1_700_000_000


def varint(v: int) -> bytes:
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack(">H", 0x4000 | v)
    if v < 0x40000000:
        return struct.pack(">I", 0x80000000 | v)
    return struct.pack(">Q", 0xC000000000000000 | v)


def _expand_label(secret: bytes, label: str, length: int) -> bytes:
    full = b"tls13 " + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + b"\0"
    return HKDFExpand(hashes.SHA256(), length, info).derive(secret)


def keys(version: int, dcid: bytes, server: bool) -> tuple[bytes, bytes, bytes]:
    """(key, iv, hp) of one side's Initial secrets."""
    initial = hmac.new(bytes.fromhex(SALTS[version]), dcid, hashlib.sha256).digest()
    secret = _expand_label(initial, "server in" if server else "client in", 32)
    pre = "quicv2 " if version in V2 else "quic "
    return (_expand_label(secret, pre + "key", 16), _expand_label(secret, pre + "iv", 12),
            _expand_label(secret, pre + "hp", 16))


def initial_packet(version: int, dcid: bytes, scid: bytes, frames: bytes, pn: int,
                   key_dcid: bytes, server: bool = False, pn_len: int = 2, token: bytes = b"",
                   pad_to: int = 0, corrupt: bool = False) -> bytes:
    """One protected Initial packet (padded with PADDING frames to `pad_to` bytes)."""
    key, iv, hp = keys(version, key_dcid, server)
    ptype = 1 if version in V2 else 0
    head = bytes([0xC0 | ptype << 4 | (pn_len - 1)]) + struct.pack(">I", version)
    head += bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid + varint(len(token)) + token
    if pad_to:
        over = len(head) + 2 + pn_len + len(frames) + 16
        frames += b"\0" * max(0, pad_to - over)
    frames += b"\0" * max(0, 4 - pn_len - len(frames))  # room for the sample
    length = pn_len + len(frames) + 16
    head += struct.pack(">H", 0x4000 | length) + (pn & ((1 << 8 * pn_len) - 1)).to_bytes(
        pn_len, "big")
    nonce = (int.from_bytes(iv, "big") ^ pn).to_bytes(12, "big")
    sealed = AESGCM(key).encrypt(nonce, frames, head)
    if corrupt:
        sealed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    pn_at = len(head) - pn_len
    sample = sealed[4 - pn_len: 20 - pn_len]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    out = bytearray(head + sealed)
    out[0] ^= mask[0] & 0x0F
    for i in range(pn_len):
        out[pn_at + i] ^= mask[1 + i]
    return bytes(out)


def crypto(offset: int, data: bytes) -> bytes:
    return b"\x06" + varint(offset) + varint(len(data)) + data


def _ext(etype: int, body: bytes) -> bytes:
    return struct.pack(">HH", etype, len(body)) + body


def transport_params(params: list[tuple[int, bytes]]) -> bytes:
    return b"".join(varint(t) + varint(len(v)) + v for t, v in params)


#: A spread of transport parameters (ids tshark 4.0 names, an unknown one, GREASE).
PARAMS = [(0x01, varint(30000)), (0x03, varint(1472)), (0x04, varint(15728640)),
          (0x05, varint(6291456)), (0x06, varint(6291456)), (0x07, varint(6291456)),
          (0x08, varint(100)), (0x09, varint(103)), (0x0A, varint(3)), (0x0B, varint(25)),
          (0x0C, b""), (0x0E, varint(4)), (0x0F, bytes.fromhex("c0ffee01")),
          (0x20, varint(65536)), (0x4752, b"\0\0\0\1"), (0x3129, b"labshark-test"),
          (0x1B73CAE92344B45C, b"\xb0\x0a"), (0xFF73DB, b"\0\0\0\1"), (0x2AB2, b""),
          (0x3127, varint(50000))]


def client_hello(sni: str = "quic.lab.example", params: list | None = None) -> bytes:
    exts = _ext(0, struct.pack(">HBH", len(sni) + 3, 0, len(sni)) + sni.encode())
    exts += _ext(10, struct.pack(">H", 4) + b"\x00\x1d\x00\x17")
    exts += _ext(13, struct.pack(">H", 4) + b"\x04\x03\x08\x04")
    exts += _ext(16, struct.pack(">HB", 3, 2) + b"h3")
    exts += _ext(43, b"\x02\x03\x04")
    exts += _ext(45, b"\x01\x01")
    exts += _ext(51, struct.pack(">HHH", 36, 29, 32) + bytes(range(32)))
    exts += _ext(57, transport_params(PARAMS if params is None else params))
    body = b"\x03\x03" + bytes(range(100, 132)) + b"\x00" + struct.pack(">H", 4) + \
        b"\x13\x01\x13\x02" + b"\x01\x00" + struct.pack(">H", len(exts)) + exts
    return b"\x01" + len(body).to_bytes(3, "big") + body


def server_hello() -> bytes:
    exts = _ext(51, struct.pack(">HH", 29, 32) + bytes(range(32, 64)))
    exts += _ext(43, b"\x03\x04")
    body = b"\x03\x03" + bytes(range(1, 33)) + b"\x00" + b"\x13\x01" + b"\x00" + \
        struct.pack(">H", len(exts)) + exts
    return b"\x02" + len(body).to_bytes(3, "big") + body


def ack(largest: int, delay: int, first: int, ranges: list[tuple[int, int]] = (),
        ecn: tuple[int, int, int] | None = None) -> bytes:
    out = bytes([3 if ecn else 2]) + varint(largest) + varint(delay) + varint(len(ranges))
    out += varint(first) + b"".join(varint(g) + varint(r) for g, r in ranges)
    if ecn:
        out += b"".join(varint(c) for c in ecn)
    return out


def connection_close(code: int, ftype: int, reason: bytes, app: bool = False) -> bytes:
    out = bytes([0x1D if app else 0x1C]) + varint(code)
    if not app:
        out += varint(ftype)
    return out + varint(len(reason)) + reason


def write(path: Path, datagrams: list[tuple[bool, bytes]], sport: int = 50000,
          dport: int = 443) -> Path:
    """Datagrams (from client, UDP payload) of one conversation as an Ethernet pcap."""
    pkts = []
    for i, (from_client, data) in enumerate(datagrams):
        src, dst = (CLIENT, SERVER) if from_client else (SERVER, CLIENT)
        sp, dp = (sport, dport) if from_client else (dport, sport)
        p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst) / \
            UDP(sport=sp, dport=dp) / data
        p.time = T0 + i * 0.01
        pkts.append(p)
    wrpcap(str(path), pkts)
    return path


DCID = bytes.fromhex("8394c8f03e515708")
SCID = bytes.fromhex("f067a5502a4262b5")


def handshake_capture(path: Path, version: int = 1) -> Path:
    """A client Initial (ClientHello split over two CRYPTO frames, out of order, PING),
    then the server's Initial (ACK, ServerHello) coalesced with bytes of a Handshake
    packet it cannot read, and a client Initial with ACK ranges and ECN counts."""
    ch = client_hello()
    cut = 200
    frames = b"\x01" + crypto(cut, ch[cut:]) + b"\x00\x00\x01" + crypto(0, ch[:cut])
    c1 = initial_packet(version, DCID, b"", frames, 0, DCID, pad_to=1200)
    s_frames = ack(0, 0, 0) + crypto(0, server_hello())
    s1 = initial_packet(version, b"", SCID, s_frames, 0, DCID, server=True, pn_len=1)
    hs_type = 3 if version in (0x6B3343CF, 0x709A50C4) else 2
    hs = bytes([0xC0 | hs_type << 4 | 1]) + struct.pack(">I", version) + b"\x00" + \
        bytes([len(SCID)]) + SCID + varint(40) + bytes(range(40))
    c2 = initial_packet(version, SCID, b"", ack(5, 10, 1, [(0, 1)], (1, 0, 2)), 1, DCID,
                        pn_len=1, pad_to=1200)
    return write(path, [(True, c1), (False, s1 + hs), (True, c2)])


def edge_capture(path: Path) -> Path:
    """Hostile and odd Initials: a bad tag, a CRYPTO frame past the packet, an unknown
    frame type, CONNECTION_CLOSE of both kinds, a ClientHello over two packets, a
    draft-29 connection, a tiny packet, a server Initial with no client Initial."""
    ch = client_hello("two.example")
    d2, d3, d4 = b"\x11" * 8, b"\x22" * 12, b"\x33" * 4
    dgs = [
        (True, initial_packet(1, d2, b"\x01", crypto(0, ch[:150]) + b"\x01", 0, d2, pad_to=1200)),
        (True, initial_packet(1, d2, b"\x01", crypto(150, ch[150:]), 1, d2, pad_to=1200)),
        (False, initial_packet(1, b"\x01", b"\x02", connection_close(0x10A, 6, b"bad hello"), 0,
                               d2, server=True)),
        (True, initial_packet(1, d2, b"\x01", b"\x01", 2, d2, pad_to=1200, corrupt=True)),
        (True, initial_packet(1, d2, b"\x01", b"\x06\x00\x40\xff\x01\x02", 3, d2)),
        (True, initial_packet(1, d2, b"\x01", b"\x01\x21\x05", 4, d2)),
        (True, initial_packet(1, d2, b"\x01", connection_close(7, 0, b"", app=True) + b"\x1e",
                              5, d2)),
    ]
    p = write(path, dgs)
    # a second and third conversation in the same file: draft-29, then an orphan server
    more = [(True, initial_packet(0xFF00001D, d3, b"", b"\x01" + crypto(0, ch), 0, d3,
                                  pad_to=1200))]
    orphan = [(False, initial_packet(1, b"", d4, ack(0, 0, 0), 0, d4, server=True))]
    a = write(path.with_name(path.stem + "_d29.pcap"), more, sport=50001)
    b = write(path.with_name(path.stem + "_orphan.pcap"), orphan, sport=50002)
    from scapy.all import rdpcap

    allp = list(rdpcap(str(p))) + list(rdpcap(str(a))) + list(rdpcap(str(b)))
    for i, pk in enumerate(allp):
        pk.time = T0 + i * 0.01
    wrpcap(str(path), allp)
    return path


def chaos_capture(path: Path) -> Path:
    """A ClientHello cut into four CRYPTO frames spread over two Initials out of order
    (as Chrome's): a handshake fragment, a piece kept for a gap, then the gap filled
    from both packets' pieces in the second."""
    ch = client_hello("chaos.example", PARAMS * 3)
    n = len(ch)
    a, b, c = n // 4, n // 2, 3 * n // 4
    d = bytes.fromhex("0102030405060708")
    p1 = initial_packet(1, d, b"", crypto(0, ch[:a]) + b"\x01" + crypto(b, ch[b:c]) +
                        b"\x00\x00", 0, d, pad_to=1200)
    p2 = initial_packet(1, d, b"", crypto(c, ch[c:]) + b"\x01" + crypto(a, ch[a:b]), 1, d,
                        pad_to=1200)
    return write(path, [(True, p1), (True, p2)])
