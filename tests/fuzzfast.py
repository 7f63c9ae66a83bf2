"""Fuzz the fast path's exactness: for a table of filters the fast path takes, the frames
it matches (analyze -Y F -T fields -e frame.number, analyzer/fast_run.py, with its BPF
pre-filter) must be those full dissection matches, on damaged and unusual frames.

Each case is a pcap of built frames (Ethernet, 802.1Q/QinQ tags, IPv4 with options or
fragments, IPv6 with extension headers, UDP/TCP/ICMP/ICMPv6/ARP, odd flags, bad
checksums and lengths, cut at and around every header boundary) mixed with frames of
bundled captures, mutated. Full dissection's answer comes from one dissection of the
case for every filter; a difference is checked again with the whole pipeline without
a plan (LABSHARK_DISSECT_ALL=1) and, if tshark is installed, against tshark, and cut
down to the smallest capture that still shows it.

`python tests/fuzzfast.py --seconds 120 --seed 1 [--save DIR]` runs it (nice it);
tests/test_fuzzfast.py runs a bounded, seeded few cases in the suite.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_mutate import Capture, mutate_bytes, read_capture  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: Filters the fast path takes: fields of filters/fastpath.py FAST_FIELDS, protocols,
#: pairs, 'or'/'and'/'not', ranges, sets and slices of frame bytes.
FILTERS = [
    "ip",
    "ipv6",
    "arp",
    "udp",
    "tcp",
    "icmp",
    "icmpv6",
    "vlan",
    "tftp",
    "ipmsg",
    "eth",
    "udp.port == 53",
    "udp.port == 69",
    "udp.srcport == 67",
    "udp.dstport >= 1024",
    "tcp.port == 80",
    "tcp.srcport == 443",
    "tcp.dstport < 1024",
    "tcp.port in {22, 80, 443}",
    "udp.port in {53, 67..69}",
    "tcp.port != 80",
    "udp.length > 100",
    "udp.length < 8",
    "udp.checksum == 0",
    "tcp.checksum == 0",
    "ip.checksum == 0",
    "tcp.flags.syn == 1",
    "tcp.flags.syn == 0 and tcp.flags.ack == 1",
    "tcp.flags.res != 0",
    "tcp.flags.reset == 1 or tcp.flags.fin == 1",
    "tcp.flags.urg == 1",
    "tcp.flags.push == 1",
    "tcp.flags == 0x002",
    "tcp.flags & 0x0100",
    "tcp.seq_raw == 0",
    "tcp.urgent_pointer > 0",
    "tcp.window_size_value < 1000",
    "ip.addr == 10.0.0.0/8",
    "ip.src == 10.0.0.1",
    "ip.dst == 10.0.0.2",
    "ip.addr == 192.168.1.1",
    "ip.src == 10.0.0.1 or ip.dst == 10.0.0.2",
    "!(ip.addr == 10.0.0.0/8)",
    "ip.proto == 17",
    "ip.proto == 6",
    "ip.ttl < 64",
    "ip.len > 1000",
    "ip.len < 20",
    "ip.flags.df == 1",
    "ip.flags.mf == 1",
    "ip.flags.rb == 1",
    "ip.frag_offset > 0",
    "ip.id == 0x100",
    "ip.dsfield.dscp == 46",
    "ip.dsfield.ecn == 3",
    "ip.flags == 0x2",
    "ipv6.addr == 2001:db8::1",
    "ipv6.src == 2001:db8::1",
    "ipv6.nxt == 17",
    "ipv6.nxt == 0",
    "ipv6.hlim == 255",
    "ipv6.plen > 100",
    "ipv6.plen == 0",
    "eth.addr == ff:ff:ff:ff:ff:ff",
    "eth.type == 0x0806",
    "eth.dst == 02:00:00:00:00:02",
    "eth.src[0] == 0x02",
    "arp.opcode == 2",
    "arp.hw.size != 6",
    "arp.proto.type == 0x0800",
    "icmp.type == 8",
    "icmp.type == 3",
    "icmp.code == 3",
    "icmpv6.type == 128",
    "icmpv6.code > 0",
    "vlan.id == 10",
    "vlan.priority > 0",
    "vlan.etype == 0x0800",
    "frame.len < 60",
    "frame.len >= 1000",
    "frame.cap_len != frame.len",
    "frame.cap_len < 34",
    'frame contains "GET"',
    "frame[12:2] == 08:00",
    'frame matches "(?i)host"',
    "ipmsg.mode == 0x20",
    "ipmsg.command == 1",
    "ipmsg.version == 1",
    "not tcp",
    "udp && !tftp",
    "tftp || ipmsg",
    "udp.port == 53 || ip",
    "tcp.flags.syn == 1 || ip.addr == 10.0.0.0/8",
    "tcp.srcport == 1 || ip.addr == 10.0.0.0/8",
    "udp.port == 53 || ip.src == 10.0.0.1",
    "arp || udp.port == 53",
    "icmp || udp.port == 53",
    "ip.addr == 10.0.0.0/8 and tcp.flags.syn == 1",
    "ip.proto == 17 or tcp.port == 80",
    "udp.port == 53 and not ip.flags.df == 1",
    "tcp.port == 80 || udp.port == 53 || icmp",
    "ipv6 && udp.port == 53",
    "vlan && tcp",
    "ip.src == 10.0.0.1 && ip.dst == 10.0.0.2",
    "tcp.flags.fin == 1 and tcp.flags.syn == 1",
    "ip.proto == 1 || ip.proto == 58",
    "ip.flags.mf == 1 or udp",
    # quantifiers, field against field, arithmetic, sets, slices and bare booleans
    "ip.addr != 10.0.0.1",
    "ip.addr ~= 10.0.0.1",
    "all ip.addr == 10.0.0.0/8",
    "any udp.port == 53",
    "udp.port != 53",
    "tcp.port ~= 80",
    "ip.src == ip.dst",
    "udp.srcport == udp.dstport",
    "udp.srcport > udp.dstport",
    "frame.len == ip.len + 14",
    "ip.len == udp.length + 20",
    "ip.ttl in {1..64}",
    "ip.dst in {10.0.0.0/8, 192.168.0.0/16}",
    "ipv6.addr in {2001:db8::1, fe80::1}",
    "icmp.type in {0, 8}",
    "vlan.id in {1..10}",
    "ip.src[0] == 10",
    "eth.dst[0] & 1",
    "ip.flags.df",
    "tcp.flags.syn",
    "tcp.flags.res",
    "ip.src == 10.0.0.1 && !ip.flags.df",
]

# ---- frames --------------------------------------------------------------------------

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


def _csum(data: bytes) -> int:
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
    return hdr[:2] + struct.pack(">H", _csum(hdr)) + hdr[4:]


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
    c = _csum(hdr) if rng.random() < 0.8 else rng.choice((0, 0xFFFF))
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
        struct.pack_into(">H", h, 10, _csum(bytes(h)))
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


# ---- the answers ---------------------------------------------------------------------


def full_answers(path: Path, filters: list[str]) -> dict[str, list[int]]:
    """Each filter's matching frame numbers by full dissection (one pass for all)."""
    from captures.open import open_capture
    from dissectors import Session, dissect
    from filters import compile_filter

    compiled = [(f, compile_filter(f).match) for f in filters]
    got: dict[str, list[int]] = {f: [] for f in filters}
    session = Session(revisit=False)
    with open_capture(path) as reader:
        for n, fr in enumerate(reader, 1):
            pkt = dissect(fr, session)
            for f, match in compiled:
                if match(pkt):
                    got[f].append(n)
    return got


def analyze_numbers(path: Path, flt: str, fast: bool, split: bool = False) -> list[int] | None:
    """`analyze -r path -Y flt -T fields -e frame.number` in-process: with `fast`, by
    the fast path (None when it does not take the filter; `split`: its walk in two
    processes, split by address pair, as for a large file); else with neither the fast
    path nor a plan."""
    import analyzer.fast_run as fast_run
    from analyzer.app import run

    real, parallel_from = fast_run.run_fast, fast_run._PARALLEL_FROM
    if split:
        fast_run._PARALLEL_FROM = 0
    taken: list[object] = []

    def spy(*a: object, **k: object) -> int | None:
        r = real(*a, **k) if fast else None  # type: ignore[arg-type]
        taken.append(r)
        return r

    fast_run.run_fast = spy  # type: ignore[assignment]
    old = os.environ.get("LABSHARK_DISSECT_ALL")
    if not fast:
        os.environ["LABSHARK_DISSECT_ALL"] = "1"
    try:
        out, err = io.StringIO(), io.StringIO()
        code = run(["-r", str(path), "-Y", flt, "-T", "fields", "-e", "frame.number"], out, err)
    finally:
        fast_run.run_fast = real  # type: ignore[assignment]
        fast_run._PARALLEL_FROM = parallel_from
        if not fast:
            if old is None:
                os.environ.pop("LABSHARK_DISSECT_ALL", None)
            else:
                os.environ["LABSHARK_DISSECT_ALL"] = old
    if code != 0 or (fast and (not taken or taken[0] is None)):
        return None
    return [int(x) for x in out.getvalue().split()]


def tshark_numbers(path: Path, flt: str) -> list[int] | None:
    if shutil.which("tshark") is None:
        return None
    p = subprocess.run(
        ["tshark", "-n", "-r", str(path), "-Y", flt, "-T", "fields", "-e", "frame.number"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return [int(x) for x in p.stdout.split()]


@dataclass
class Finding:
    flt: str
    frames: list[tuple[bytes, int]]  # the smallest capture found (last frame differs)
    fast: list[int]
    full: list[int] | None
    tshark: list[int] | None
    split: bool = False  # (the fast walk in two processes)

    @property
    def full_unlike_tshark(self) -> bool:
        """The fast path answers as tshark and full dissection does not: a fault of
        the dissectors that the fast path (here: its split walk) does not share."""
        return self.tshark is not None and self.fast == self.tshark != self.full

    def describe(self) -> str:
        last = self.frames[-1]
        what = "full dissection unlike tshark" if self.full_unlike_tshark else "fast path"
        return (
            f"{what}: {self.flt!r}{' (split)' if self.split else ''}: {len(self.frames)} frame(s); "
            f"fast {self.fast} full {self.full} tshark {self.tshark}; last frame "
            f"({len(last[0])} of {last[1]} bytes): {last[0].hex()}"
        )


def _differs(tmp: Path, recs: list[tuple[bytes, int]], flt: str, split: bool) -> bool:
    p = write_case(tmp / "min.pcap", recs)
    fast = analyze_numbers(p, flt, True, split)
    return fast is not None and fast != analyze_numbers(p, flt, False)


def minimise(
    tmp: Path, recs: list[tuple[bytes, int]], flt: str, frame: int, split: bool = False
) -> Finding:
    """The shortest run of records ending at `frame` (1-based) that still differs (the
    frame alone, then with more before it); all of them up to `frame` if none does."""
    keep = recs[:frame]
    for start in range(frame - 1, -1, -1):
        if _differs(tmp, keep[start:], flt, split):
            keep = keep[start:]
            break
    p = write_case(tmp / "min.pcap", keep)
    fast = analyze_numbers(p, flt, True, split) or []
    return Finding(flt, keep, fast, analyze_numbers(p, flt, False), tshark_numbers(p, flt), split)


def check_case(
    tmp: Path,
    recs: list[tuple[bytes, int]],
    filters: list[str],
    confirm: bool = True,
    split: bool = False,
) -> list[Finding]:
    """The filters whose fast answer (`split`: from two processes) differs from full
    dissection's on `recs`."""
    path = write_case(tmp / "case.pcap", recs)
    full = full_answers(path, filters)
    found = []
    for flt in filters:
        fast = analyze_numbers(path, flt, True, split)
        if fast is None:
            raise AssertionError(f"the fast path did not take {flt!r}")
        if fast == full[flt]:
            continue
        if confirm and analyze_numbers(path, flt, False) == fast:
            continue  # (the pipeline agrees with the fast path: a one-pass artefact)
        frame = min(set(fast) ^ set(full[flt]))
        found.append(minimise(tmp, recs, flt, frame, split))
    return found


def fuzz(
    tmp: Path,
    *,
    seed: int,
    cases: int | None,
    seconds: float,
    frames: int = 120,
    filters: list[str] | None = None,
    report: Callable[[Finding], None] | None = None,
) -> list[Finding]:
    """Run cases (at most `cases`, at most `seconds`); every finding, the first per
    filter."""
    rng = random.Random(seed)
    seeds = seed_frames()
    todo = list(filters or FILTERS)
    found: list[Finding] = []
    t0, n = time.monotonic(), 0
    while todo and (cases is None or n < cases) and time.monotonic() - t0 < seconds:
        n += 1
        recs = records_for(rng, seeds, frames)
        for f in check_case(tmp, recs, todo, split=n % 2 == 0):
            found.append(f)
            todo.remove(f.flt)
            if report:
                report(f)
    LAST_RUN["cases"] = n
    return found


#: what the last fuzz() ran
LAST_RUN = {"cases": 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--cases", type=int)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--save", type=Path, help="write each finding's capture here")
    args = ap.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as d:

        def report(f: Finding) -> None:
            print(f.describe(), flush=True)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                name = "".join(c if c.isalnum() else "_" for c in f.flt)[:60]
                write_case(args.save / f"{name}.pcap", f.frames)

        found = fuzz(
            Path(d),
            seed=args.seed,
            cases=args.cases,
            seconds=args.seconds,
            frames=args.frames,
            report=report,
        )
    print(f"{len(found)} finding(s) in {LAST_RUN['cases']} case(s)")


if __name__ == "__main__":
    main()
