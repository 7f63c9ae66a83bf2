"""The fuzzer's inputs (tests/fuzzcase.py runs them): a capture cut into records, and
its mutations: bytes (interesting values, lengths, cuts, splices), records (order,
duplicates, truncation), batches of one record's mutants, and damaged file headers
(pcap/pcapng) with how many records come before the damage.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0xFE, 0x1B, 0x9B, 0x0D, 0x0A, 0x40, 0x3F, 0x20]
LENGTHS = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x3FFF, 0x7FFF, 0x8000, 0xFFFF, 0xFFFFFFFF,
           0x7FFFFFFF, 0x80000000, 0x10000]


@dataclass
class Capture:
    """A pcap cut into its records: (linktype, snaplen, [(ts_s, ts_us, data, origlen)])."""

    linktype: int
    records: list[tuple[int, int, bytes, int]]
    name: str = ""

    def to_bytes(self) -> bytes:
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, self.linktype)]
        for s, us, data, orig in self.records:
            out.append(struct.pack("<IIII", s, us, len(data), max(orig, len(data))) + data)
        return b"".join(out)


def read_capture(path: Path, limit: int = 80) -> Capture | None:
    """The first `limit` frames of any capture analyze reads (one link type)."""
    from captures.open import open_capture

    recs: list[tuple[int, int, bytes, int]] = []
    linktype = None
    try:
        with open_capture(path) as reader:
            for fr in reader:
                if linktype is None:
                    linktype = fr.linktype
                if fr.linktype != linktype:
                    continue
                s, ns = divmod(fr.ts_ns, 10**9)
                recs.append((s & 0xFFFFFFFF, ns // 1000, bytes(fr.data), fr.origlen))
                if len(recs) >= limit:
                    break
    except Exception:  # noqa: BLE001 - a seed analyze cannot read is no seed
        return None
    return Capture(linktype or 1, recs, path.name) if recs else None


# ---- mutations ---------------------------------------------------------------------

def _payload_offset(rng: random.Random, data: bytes) -> int:
    """An offset, mostly past the Ethernet/IP/TCP headers where the dissectors under
    test read (54 bytes), sometimes anywhere."""
    if len(data) > 60 and rng.random() < 0.8:
        return rng.randrange(42, len(data))
    return rng.randrange(len(data)) if data else 0


def _fix_lengths(data: bytearray) -> None:
    """Ethernet/IPv4: the IP total length and the UDP length follow a record whose size
    changed, so the inserted or deleted bytes are the payload's and not a trailer."""
    if len(data) < 34 or data[12:14] != b"\x08\x00" or data[14] >> 4 != 4:
        return
    ihl = (data[14] & 15) * 4
    struct.pack_into(">H", data, 16, min(len(data) - 14, 0xFFFF))
    if data[23] == 17 and len(data) >= 14 + ihl + 8:
        struct.pack_into(">H", data, 14 + ihl + 4, min(len(data) - 14 - ihl, 0xFFFF))


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """One byte-level mutation of a record's (or a plaintext's) bytes."""
    b = bytearray(data)
    if not b:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
    op = rng.randrange(10)
    off = _payload_offset(rng, b)
    if op == 0:  # bit flips
        for _ in range(rng.randrange(1, 5)):
            o = _payload_offset(rng, b)
            b[o] ^= 1 << rng.randrange(8)
    elif op == 1:
        b[off] = rng.choice(INTERESTING)
    elif op == 2:  # an interesting length, 1, 2 or 4 bytes, either order
        w = rng.choice((1, 2, 2, 4))
        v = rng.choice(LENGTHS) & ((1 << (8 * w)) - 1)
        if rng.random() < 0.3:
            v = (v + rng.choice((-1, 1, 2, -2))) & ((1 << (8 * w)) - 1)
        raw = v.to_bytes(w, rng.choice(("big", "little")))
        b[off:off + w] = raw
    elif op == 3:  # truncate
        del b[off:]
    elif op == 4:  # delete a range
        del b[off:off + rng.randrange(1, 32)]
    elif op == 5:  # insert random / control bytes
        ins = bytes(rng.choice(INTERESTING + [rng.randrange(256)]) for _ in
                    range(rng.randrange(1, 24)))
        b[off:off] = ins
    elif op == 6:  # duplicate a chunk
        n = rng.randrange(1, 64)
        b[off:off] = b[off:off + n]
    elif op == 7:  # random bytes over a range
        n = rng.randrange(1, 16)
        b[off:off + n] = bytes(rng.randrange(256) for _ in range(n))
    elif op == 9:  # a long run of digits where text has a number (int()'s 4300 limit)
        at = next((i for i in range(off, len(b)) if 0x30 <= b[i] <= 0x39), off)
        b[at:at] = b"9" * rng.choice((12, 25, 4400))
    else:  # escape sequences into text
        b[off:off] = rng.choice((b"\x1b[2J", b"\x1b]0;x\x07", b"\r\x1b[1A", b"\x9b31m",
                                 b"\xc2\x9b", b"\xe2\x80\xae", b"\x00"))
    return bytes(b)


def mutate_records(rng: random.Random, cap: Capture) -> Capture:
    """1-3 mutations of the records: their bytes (lengths kept consistent most of the
    time), cut, duplicated, dropped or swapped records."""
    recs = list(cap.records)
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(recs))
        s, us, data, orig = recs[i]
        op = rng.random()
        if op < 0.75:
            new = bytearray(mutate_bytes(rng, data))
            if len(new) != len(data) and rng.random() < 0.8:
                _fix_lengths(new)
            recs[i] = (s, us, bytes(new), len(new) if rng.random() < 0.9 else orig)
        elif op < 0.83:
            recs.insert(i, recs[i])
        elif op < 0.9 and len(recs) > 1:
            del recs[i]
        elif len(recs) > 1:
            j = rng.randrange(len(recs))
            recs[i], recs[j] = recs[j], recs[i]
        else:
            recs[i] = (s, us, data, orig + rng.choice((1, 1000, 70000)))
    return Capture(cap.linktype, recs, cap.name)


def _set_client_port(data: bytearray, port: int) -> None:
    """Ethernet/IPv4 TCP or UDP: the higher (client) port becomes `port`, so that each
    mutant of a batch is a conversation of its own (no reassembly across mutants)."""
    if len(data) < 38 or data[12:14] != b"\x08\x00" or data[23] not in (6, 17):
        return
    at = 14 + (data[14] & 15) * 4
    if len(data) < at + 4:
        return
    sport, dport = struct.unpack_from(">HH", data, at)
    struct.pack_into(">H", data, at if sport >= dport else at + 2, port)


BATCH = 40  # mutants in a batch case


def batch_case(rng: random.Random, cap: Capture, k: int = BATCH) -> Capture:
    """`k` mutants of one record (more than 80 bytes) of `cap`, each on its own client
    port, after the records before it: many cases for one run's overhead."""
    idx = [i for i, r in enumerate(cap.records) if len(r[2]) > 80] or [0]
    i = rng.choice(idx)
    s, us, base, _ = cap.records[i]
    recs = list(cap.records[:i]) if rng.random() < 0.5 else []
    for n in range(k):
        d = base
        for _ in range(rng.randrange(1, 4)):
            d = mutate_bytes(rng, d)
        b = bytearray(d)
        if len(b) != len(base):
            _fix_lengths(b)
        _set_client_port(b, 20000 + n)
        recs.append((s, (us + n) % 1000000, bytes(b), len(b)))
    return Capture(cap.linktype, recs, f"{cap.name}#{i}x{k}")


def _pcapng_blocks(buf: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset, type, length) of each block of a little- or big-endian pcapng."""
    off = 0
    e = "<" if buf[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    while off + 12 <= len(buf):
        btype, blen = struct.unpack_from(e + "II", buf, off)
        yield off, btype, blen
        if blen < 12 or blen % 4:
            return
        off += blen


def mutate_file(rng: random.Random, raw: bytes) -> tuple[bytes, int]:
    """A file-level mutation: the pcap record headers, pcapng block lengths, options and
    interface ids, or the file cut anywhere; and how many packet records lie whole
    before the damage (every one of them must still be printed)."""
    b = bytearray(raw)
    op = rng.randrange(5)
    if op == 0 or len(b) < 40:
        cut = rng.randrange(len(b))
        return bytes(b[:cut]), _records_before(raw, cut)
    if b[:4] == b"\x0a\x0d\x0d\x0a":
        blocks = list(_pcapng_blocks(raw))
        off, btype, blen = rng.choice(blocks)
        e = "<" if raw[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        if op == 1:  # the block length: the front one, and sometimes the back too
            v = rng.choice(LENGTHS + [blen + 4, blen - 4, blen + 1, 12, 16, 28])
            v &= 0xFFFFFFFF
            struct.pack_into(e + "I", b, off + 4, v)
            if rng.random() < 0.5 and off + blen - 4 >= 0 and off + blen <= len(b):
                struct.pack_into(e + "I", b, off + blen - 4, v)
        elif op == 2 and btype == 6 and blen >= 32:  # EPB: interface id, caplen, origlen
            field_off = rng.choice((8, 20, 24))
            struct.pack_into(e + "I", b, off + field_off,
                             rng.choice(LENGTHS + [1, 2, 3, 255]) & 0xFFFFFFFF)
        elif op == 3 and blen > 16:  # an option's code or length, somewhere in the block
            o = off + rng.randrange(8, blen - 4) // 2 * 2
            struct.pack_into(e + "H", b, o, rng.choice(LENGTHS) & 0xFFFF)
        else:
            o = off + rng.randrange(max(1, min(blen, len(b) - off)))
            if o < len(b):
                b[o] = rng.randrange(256)
        return bytes(b), _records_before(raw, off)
    # classic pcap: a record header's caplen/origlen/ts, or the file header
    offs, off = [], 24
    swap = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    while off + 16 <= len(b) and len(offs) < 1000:
        offs.append(off)
        off += 16 + struct.unpack_from(swap + "I", b, off + 8)[0]
    if op == 4 or not offs:
        o = rng.choice((4, 6, 16, 20))
        struct.pack_into(swap + "H", b, o, rng.choice(LENGTHS) & 0xFFFF)
    else:
        o = rng.choice(offs) + rng.choice((0, 4, 8, 12))
        struct.pack_into(swap + "I", b, o, rng.choice(LENGTHS + [1, 70000]) & 0xFFFFFFFF)
        return bytes(b), _records_before(raw, o)
    return bytes(b), 0


def _records_before(raw: bytes, at: int) -> int:
    """The packet records (pcap records; pcapng EPB/SPB/PB blocks) that end before
    byte `at` of the file."""
    n = 0
    if raw[:4] == b"\x0a\x0d\x0d\x0a":
        for off, btype, blen in _pcapng_blocks(raw):
            if off + blen > at:
                break
            n += btype in (2, 3, 6)
        return n
    swap = "<" if raw[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= len(raw):
        end = off + 16 + struct.unpack_from(swap + "I", raw, off + 8)[0]
        if end > at or end > len(raw):
            break
        n, off = n + 1, end
    return n
