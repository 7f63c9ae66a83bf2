"""The frames tests/fuzzfast.py feeds the fast path: built Ethernet frames (802.1Q/QinQ
tags, IPv4 with options or fragments, IPv6 with extension headers, UDP/TCP/ICMP/ICMPv6/
ARP, VXLAN, ICMP errors quoting datagrams, odd flags, bad checksums and lengths), IPv4
fragment series, runs of seed captures' frames, each maybe cut at or around a header
boundary or mutated; and the pcap they are written to.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from pathlib import Path

from fuzz_mutate import Capture, mutate_bytes, read_capture

ROOT = Path(__file__).resolve().parent.parent

MACS = [
    b"\x02\x00\x00\x00\x00\x01",
    b"\x02\x00\x00\x00\x00\x02",
    b"\xff" * 6,
    b"\x01\x00\x5e\x00\x00\x01",
]
IPS = [
    bytes([10, 0, 0, 1]),
    bytes([10, 0, 0, 2]),
    bytes([192, 168, 1, 1]),
    bytes([172, 16, 0, 9]),
    bytes([10, 9, 8, 7]),
]
IP6S = [
    bytes.fromhex("20010db8" + "0" * 23 + "1"),
    bytes.fromhex("20010db8" + "0" * 23 + "2"),
    bytes.fromhex("fe80" + "0" * 27 + "1"),
    bytes.fromhex("ff02" + "0" * 27 + "1"),
]
UDP_PORTS = [53, 67, 68, 69, 123, 137, 2425, 4789, 6081, 5353, 161, 1024, 33000, 0, 65535]
TCP_PORTS = [80, 443, 22, 2425, 179, 445, 1, 1024, 40000, 0]


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _payload(rng: random.Random, kind: str) -> bytes:
    r = rng.random()
    if kind == "udp" and r < 0.25:  # TFTP
        return (
            struct.pack(">H", rng.choice((1, 2, 3, 4, 5, 6, 9)))
            + b"f.txt\0octet\0"[: rng.randrange(0, 13)]
        )
    if r < 0.4:  # IPMSG's text form
        return b"1:%d:user:host:%d:hi\0" % (rng.randrange(1000), rng.choice((0x20, 1, 0x21, 3)))
    if r < 0.5:
        return b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    return bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 3, 4, 8, 20, 64))))


def _udp(rng: random.Random) -> bytes:
    body = _payload(rng, "udp")
    sp, dp = rng.choice(UDP_PORTS), rng.choice(UDP_PORTS)
    if rng.random() < 0.08:  # VXLAN: an inner frame
        body, dp = b"\x08\0\0\0\0\0\1\0" + build_frame(rng), 4789
    ln = 8 + len(body)
    if rng.random() < 0.2:
        ln = rng.choice((0, 7, 8, ln - 1, ln + 1, ln + 40, 0xFFFF))
    return struct.pack(">HHHH", sp, dp, ln, rng.choice((0, 0x1234, 0xFFFF))) + body


def _tcp(rng: random.Random) -> bytes:
    opts = b""
    if rng.random() < 0.3:
        opts = rng.choice(
            (
                b"\x02\x04\x05\xb4",
                b"\x01\x01\x04\x02",
                b"\x08\x0a" + bytes(8),
                b"\x03\x03\x07\x00",
                b"\x05\x0a" + bytes(8),
                b"\x1e\x04\x00\x00",
                b"\x02\x08",
                b"\x00",
            )
        )
        opts += b"\0" * (-len(opts) % 4)
    doff = 5 + len(opts) // 4
    if rng.random() < 0.15:
        doff = rng.choice((0, 4, 6, 15))
    flags = rng.choice(
        (
            0x002,
            0x012,
            0x010,
            0x018,
            0x011,
            0x004,
            0x014,
            0x0C2,
            0x152,
            0x1FF,
            0xE02,
            rng.randrange(0x1000),
        )
    )
    hdr = struct.pack(
        ">HHIIHHHH",
        rng.choice(TCP_PORTS),
        rng.choice(TCP_PORTS),
        rng.choice((0, 1, rng.randrange(1 << 32))),
        rng.randrange(1 << 32),
        doff << 12 | flags,
        rng.choice((0, 512, 65535)),
        rng.choice((0, 0xBEEF)),
        rng.choice((0, 0, 5)),
    )
    return hdr + opts + _payload(rng, "tcp")


def _quoted_ip(rng: random.Random) -> bytes:
    inner = _udp(rng) if rng.random() < 0.7 else _tcp(rng)
    if rng.random() < 0.6:
        inner = inner[:8]
    return _ipv4(rng, 17 if rng.random() < 0.7 else 6, inner, quoted=True)


def _icmp(rng: random.Random) -> bytes:
    t = rng.choice((0, 8, 3, 11, 5, 12, 4, 13, 14, 9, 10, 30, 255))
    code = rng.choice((0, 1, 3, 4, 13))
    body = bytes(4) + (
        _quoted_ip(rng) if t in (3, 11, 5, 12, 4) and rng.random() < 0.8 else _payload(rng, "icmp")
    )
    hdr = struct.pack(">BBH", t, code, 0) + body
    return hdr[:2] + struct.pack(">H", csum(hdr)) + hdr[4:]


def _icmp6(rng: random.Random) -> bytes:
    t = rng.choice((128, 129, 1, 2, 3, 4, 133, 134, 135, 136, 143, 0, 200))
    body = bytes(4)
    if t in (1, 2, 3, 4) and rng.random() < 0.7:
        body += _ipv6(rng, 17, _udp(rng)[:8])
    else:
        body += _payload(rng, "icmp")
    return struct.pack(">BBH", t, rng.choice((0, 0, 1)), 0xAAAA) + body


def _ipv4(rng: random.Random, proto: int, l4: bytes, quoted: bool = False) -> bytes:
    opts = b""
    if rng.random() < 0.1:
        opts = rng.choice(
            (
                b"\x01\x01\x01\x00",
                b"\x94\x04\x00\x00",
                b"\x07\x07\x04" + bytes(4) + b"\0",
                b"\x00" * 4,
                b"\x44\x0c\x05\x00" + bytes(8),
            )
        )
    ihl = 5 + len(opts) // 4
    if rng.random() < 0.05:
        ihl = rng.choice((0, 4, 6, 15))
    ver = 4 if rng.random() < 0.96 else rng.choice((6, 5, 0))
    total = 20 + len(opts) + len(l4)
    if rng.random() < 0.15:
        total = rng.choice((0, 19, 20, total - 1, total + 1, total + 100, 0xFFFF))
        if quoted:  # (a quoted length may end anywhere in the quoted UDP/TCP header)
            total = rng.choice((20, 21, 24, 26, 27, 28, total))
    flags = rng.choice((0, 0x4000, 0x4000, 0x2000, 0x8000, 0x2000 | 1, 5, 0x6000))
    hdr = (
        struct.pack(
            ">BBHHHBBH4s4s",
            ver << 4 | ihl,
            rng.choice((0, 0xB8, 3, 0xFF)),
            total,
            rng.choice((0x100, rng.randrange(65536))),
            flags,
            rng.choice((64, 1, 255, 0, 128)),
            proto,
            0,
            rng.choice(IPS),
            rng.choice(IPS),
        )
        + opts
    )
    c = csum(hdr) if rng.random() < 0.8 else rng.choice((0, 0xFFFF))
    return hdr[:10] + struct.pack(">H", c) + hdr[12:] + l4


def _ext(rng: random.Random, nxt: int, kind: int) -> bytes:
    if kind == 44:  # fragment header
        return struct.pack(
            ">BBHI", nxt, 0, rng.choice((0, 1, 8 << 3 | 1, 8 << 3)), rng.randrange(1 << 32)
        )
    if kind == 43:  # routing (type 0/2/4), one address
        return struct.pack(
            ">BBBB4x", nxt, 2, rng.choice((0, 2, 4)), rng.choice((0, 1))
        ) + rng.choice(IP6S)
    return struct.pack(">BB", nxt, 0) + rng.choice(
        (b"\x01\x04\0\0\0\0", b"\x00" * 6, b"\xc2\x04\0\1\0\0")
    )


def _ipv6(rng: random.Random, nxt: int, l4: bytes) -> bytes:
    for kind in rng.sample((0, 60, 43, 44), rng.choice((0, 0, 0, 1, 1, 2))):
        l4, nxt = _ext(rng, nxt, kind) + l4, kind
    plen = len(l4)
    if rng.random() < 0.1:
        plen = rng.choice((0, plen - 1, plen + 1, plen + 64)) & 0xFFFF
    first = 6 if rng.random() < 0.95 else 4
    return (
        struct.pack(
            ">IHBB16s16s",
            first << 28 | rng.choice((0, 0xB8 << 20)),
            plen,
            nxt,
            rng.choice((64, 255, 1)),
            rng.choice(IP6S),
            rng.choice(IP6S),
        )
        + l4
    )


def _l3(rng: random.Random) -> tuple[int, bytes]:
    r = rng.random()
    if r < 0.08:
        hs, ps = rng.choice(((6, 4), (6, 4), (6, 16), (0, 0), (8, 4)))
        return 0x0806, struct.pack(
            ">HHBBH", 1, rng.choice((0x0800, 0x86DD)), hs, ps, rng.choice((1, 2, 3, 8))
        ) + bytes(2 * hs + 2 * ps)
    if r < 0.11:
        return rng.choice((0x88CC, 0x8863, 0x0842, 0x05DC, 0x0600)), _payload(rng, "x")
    l4s: dict[int, Callable[[random.Random], bytes]] = {17: _udp, 6: _tcp, 1: _icmp, 58: _icmp6}
    if r < 0.75:
        proto = rng.choice((17, 17, 6, 6, 1, 58, 47, 4, 2, 50, 132))
        return 0x0800, _ipv4(rng, proto, l4s.get(proto, lambda g: _payload(g, "x"))(rng))
    nxt = rng.choice((17, 6, 58, 58, 1, 59, 4))
    return 0x86DD, _ipv6(rng, nxt, l4s.get(nxt, lambda g: _payload(g, "x"))(rng))


def build_frame(rng: random.Random) -> bytes:
    """One Ethernet frame, maybe tagged, with a random stack (see module docstring)."""
    etype, body = _l3(rng)
    tags = rng.choice(
        ((), (), (), (0x8100,), (0x8100, 0x8100), (0x88A8, 0x8100), (0x9100, 0x8100), (0x8100,))
    )
    head = rng.choice(MACS) + rng.choice(MACS)
    for tpid in tags:
        head += struct.pack(">H", tpid) + struct.pack(">H", rng.choice((10, 0x200A, 0xE000, 1)))
    frame = head + struct.pack(">H", etype) + body
    if rng.random() < 0.15:
        frame += bytes(rng.randrange(1, 20))  # an Ethernet trailer / padding
    return frame


def boundaries(frame: bytes) -> list[int]:
    """Offsets where a header may end: every 2 bytes up to 80, then a few more."""
    return list(range(12, min(len(frame), 80), 2)) + [len(frame) - 1]


def fragments(rng: random.Random, frame: bytes) -> list[bytes]:
    """An untagged plain IPv4 frame's datagram cut into 2-4 fragments (8-byte units),
    in order, reversed or shuffled, sometimes one repeated or overlapping; [] when
    `frame` is not one."""
    if len(frame) < 14 + 28 or frame[12:14] != b"\x08\x00" or frame[14] != 0x45:
        return []
    head, payload = frame[14:34], frame[34 : 14 + struct.unpack_from(">H", frame, 16)[0]]
    if len(payload) < 16:
        return []
    cuts = sorted(
        rng.sample(range(8, len(payload), 8), min(rng.randrange(1, 4), (len(payload) - 1) // 8))
    )
    edges = [0, *cuts, len(payload)]
    out = []
    for a, z in zip(edges[:-1], edges[1:], strict=True):
        if rng.random() < 0.15 and a >= 8:
            a -= 8  # an overlap
        more = 0x2000 if z < len(payload) else 0
        h = bytearray(head)
        struct.pack_into(">H", h, 2, 20 + z - a)
        struct.pack_into(">H", h, 6, (head[6] << 8 & 0x4000) | more | a // 8)
        struct.pack_into(">H", h, 10, 0)
        struct.pack_into(">H", h, 10, csum(bytes(h)))
        out.append(frame[:14] + bytes(h) + payload[a:z])
    if rng.random() < 0.3:
        out.reverse()
    elif rng.random() < 0.2:
        rng.shuffle(out)
    if rng.random() < 0.15:
        out.insert(rng.randrange(len(out)), rng.choice(out))
    return out


def _damaged(rng: random.Random, f: bytes) -> tuple[bytes, int]:
    """`f` cut at or around a header boundary (its original length mostly kept), or
    mutated, or as it is; with its original length."""
    orig = len(f)
    r = rng.random()
    if r < 0.3 and len(f) > 14:
        f = f[: rng.choice(boundaries(f)) + rng.choice((0, 0, 1, -1))]
        orig = orig if rng.random() < 0.8 else len(f)
    elif r < 0.4:
        f = mutate_bytes(rng, f)
        orig = len(f)
    return f, max(orig, len(f))


def records_for(rng: random.Random, seeds: list[list[bytes]], n: int) -> list[tuple[bytes, int]]:
    """`n` (captured bytes, original length) records: built frames, fragmented
    datagrams and runs of a seed capture's frames (conversations), some damaged."""
    out: list[tuple[bytes, int]] = []
    while len(out) < n:
        r = rng.random()
        if r < 0.1:
            for _ in range(8):  # (most built frames are no plain IPv4 datagram)
                frags = fragments(rng, build_frame(rng))
                out += [(x, len(x)) for x in frags]
                if frags:
                    break
        elif r < 0.3 and seeds:
            cap = rng.choice(seeds)
            at = rng.randrange(len(cap))
            out += [_damaged(rng, f) for f in cap[at : at + rng.randrange(1, 13)]]
        else:
            out.append(_damaged(rng, build_frame(rng)))
    return out[:n]


def write_case(path: Path, recs: list[tuple[bytes, int]]) -> Path:
    cap = Capture(
        1, [(1_700_000_000 + i // 100, i % 100 * 1000, d, o) for i, (d, o) in enumerate(recs)]
    )
    path.write_bytes(cap.to_bytes())
    return path


def seed_frames(limit: int = 30) -> list[list[bytes]]:
    """The first frames of each Ethernet capture among the bundled samples, the made
    cut-header captures and the uncompressed public corpus."""
    paths = [
        *sorted((ROOT / "captures" / "samples").glob("*.pcap")),
        *sorted((ROOT / "tests" / "data" / "made").glob("*.pcap")),
        *sorted((ROOT / "tests" / "data" / "corpus").glob("*.pcap")),
        *sorted((ROOT / "tests" / "data" / "corpus").glob("*.pcapng")),
    ]
    seeds = []
    for p in paths:
        cap = read_capture(p, limit)
        if cap is not None and cap.linktype == 1:
            seeds.append([r[2] for r in cap.records])
    return seeds
