"""SMB2 transform headers as tshark 4.0 shows them: the compression transform
(0xFC 'SMB', MS-SMB2 2.2.42, unchained and chained) with its payload decompressed
(smb2_xca.py) and dissected as SMB2 under "[Decompressed SMB3 data]"; the encryption
transform (0xFD 'SMB') as "Encrypted SMB3" (no keys: its payload stays opaque)."""

from __future__ import annotations

from collections.abc import Callable

from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base
from dissectors.session import Session
from dissectors.smb2_names import COMP_ALGS, COMP_FLAGS
from dissectors.smb2_proto import PROTOCOL_ID, SMB2
from dissectors.smb2_xca import DECOMPRESSORS
from dissectors.tvb import Tvb

U8, U16, U32, HEX, DEC = FT.UINT8, FT.UINT16, FT.UINT32, Base.HEX, Base.DEC
ORIGINAL_SIZE = SMB2.field("smb2.header.comp_transform.original_size", "OriginalSize", U32, DEC)
COMP_ALG = SMB2.field("smb2.header.comp_transform.comp_alg", "CompressionAlgorithm", U16, HEX,
                      strings=COMP_ALGS)
COMP_FLAGS_F = SMB2.field("smb2.header.comp_transform.flags", "Flags", U16, HEX,
                          strings=COMP_FLAGS)
COMP_OFFSET = SMB2.field("smb2.header.comp_transform.offset", "Offset", U32, HEX)
COMP_LENGTH = SMB2.field("smb2.header.comp_transform.length", "Length", U32, HEX)
COMP_DATA = SMB2.field("smb2.header.comp_transform.data", "CompressedData", FT.BYTES)
ORIG_PAYLOAD_SIZE = SMB2.field("smb2.header.comp_transform.orig_payload_size",
                               "OriginalPayloadSize", U32, DEC)
PATTERN = SMB2.field("smb2.pattern_v1.pattern", "Pattern", U8, HEX)
PATTERN_RESERVED1 = SMB2.field("smb2.pattern_v1.reserved1", "Reserved1", U8, HEX)
PATTERN_RESERVED2 = SMB2.field("smb2.pattern_v1.reserved2", "Reserved2", U16, HEX)
PATTERN_REPETITIONS = SMB2.field("smb2.pattern_v1.repetitions", "Repetitions", U32, DEC)

#: Bound on the bytes one message may decompress to (work per packet stays bounded).
_MAX_OUT = 1 << 20
Inner = Callable[[Tvb, Packet, Session, bool, bool], None]


def _decompress(alg: int, data: bytes, size: int) -> bytes | None:
    if alg == 0:
        return data
    fn = DECOMPRESSORS.get(alg)
    return fn(data, min(size, _MAX_OUT)) if fn is not None else None


def _pattern(pkt: Packet, parent: Item, tvb: Tvb, at: int, src: int) -> None:
    pat, reps = tvb.u8(at), tvb.u32le(at + 4)
    sub = pkt.add_text(parent, f"Pattern 0x{pat:02x} repeated {reps} times", at, 8, source=src)
    pkt.add(sub, PATTERN, pat, at, 1, source=src)
    pkt.add(sub, PATTERN_RESERVED1, tvb.u8(at + 1), at + 1, 1, source=src)
    pkt.add(sub, PATTERN_RESERVED2, tvb.u16le(at + 2), at + 2, 2, source=src)
    pkt.add(sub, PATTERN_REPETITIONS, reps, at + 4, 4, source=src)


def _chained(pkt: Packet, hdr: Item, tvb: Tvb, size: int, src: int) -> bytes | None:
    """The payload headers of a chained compression transform, each decompressed."""
    out = bytearray()
    at = tvb.start + 8
    ok = True
    for _ in range(256):
        if tvb.end - at < 8:
            break
        alg, flags, length = tvb.u16le(at), tvb.u16le(at + 2), tvb.u32le(at + 4)
        sub = pkt.add_text(hdr, "COMPRESSION_PAYLOAD_HEADER", at, 8 + length, source=src)
        pkt.add(sub, COMP_ALG, alg, at, 2, source=src)
        pkt.add(sub, COMP_FLAGS_F, flags, at + 2, 2, source=src)
        pkt.add(sub, COMP_LENGTH, length, at + 4, 4, source=src)
        data_at, data_len = at + 8, length
        want = length
        if alg in (1, 2, 3):
            want = tvb.u32le(at + 8)
            pkt.add(sub, ORIG_PAYLOAD_SIZE, want, at + 8, 4, source=src)
            data_at, data_len = at + 12, length - 4
        elif alg == 4:
            _pattern(pkt, sub, tvb, data_at, src)
            want = tvb.u32le(data_at + 4)
        data_len = max(0, min(data_len, tvb.end - data_at))
        raw = tvb.bytes(data_at, data_len)
        pkt.add(sub, COMP_DATA, raw, data_at, data_len, source=src)
        got = _decompress(alg, raw, min(want, _MAX_OUT - len(out)))
        if got is None:
            ok = False
        else:
            out += got
        at = data_at + data_len
        if len(out) >= size or not flags & 1 and at >= tvb.end:
            break
    return bytes(out) if ok else None


def dissect_transform(tvb: Tvb, pkt: Packet, session: Session, inner: Inner) -> None:
    """One transform message; its decompressed payload goes to `inner` (smb2.py)."""
    s, src = tvb.start, tvb.source
    top = pkt.add_proto(SMB2, s, tvb.end - s, SMB2.name, source=src)
    top.value = None
    if tvb.buf[s] == 0xFD:
        pkt.append_info("Encrypted SMB3")
        return
    pkt.append_info("Decomp. SMB3")
    hdr = pkt.add_text(top, "SMB2 Compression Transform Header", s, tvb.end - s, source=src)
    pkt.add(hdr, PROTOCOL_ID, tvb.u32(s), s, 4, source=src)
    size = tvb.u32le(s + 4)
    pkt.add(hdr, ORIGINAL_SIZE, size, s + 4, 4, source=src)
    flags = tvb.u16le(s + 10) if tvb.end - s >= 12 else 0
    if flags & 1:
        plain = _chained(pkt, hdr, tvb, size, src)
    else:
        alg, offset = tvb.u16le(s + 8), tvb.u32le(s + 12)
        pkt.add(hdr, COMP_ALG, alg, s + 8, 2, source=src)
        pkt.add(hdr, COMP_FLAGS_F, flags, s + 10, 2, source=src)
        pkt.add(hdr, COMP_OFFSET, offset, s + 12, 4, source=src)
        at = s + 16
        head = tvb.bytes(at, min(offset, tvb.end - at))
        rest = bytes(tvb.buf[at + len(head):tvb.end])
        body = _decompress(alg, rest, size)
        plain = head + body if body is not None else None
    if not plain:
        return
    dsrc = pkt.add_source("Decompressed SMB3 data", plain)
    sub = pkt.add_text(hdr, "[Decompressed SMB3 data]", s, tvb.end - s, source=src)
    n_top = len(pkt.tree)
    inner(Tvb(plain, 0, len(plain), source=dsrc), pkt, session, False, True)
    moved = pkt.tree[n_top:]
    if moved:
        del pkt.tree[n_top:]
        if sub.children is None:
            sub.children = []
        sub.children.extend(moved)
