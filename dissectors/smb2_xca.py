"""The MS-XCA decompressors SMB3 compression uses (MS-SMB2 2.2.42): LZNT1, Plain LZ77,
LZ77+Huffman, and Pattern_V1; written from the MS-XCA specification. Every function is
bounded: it stops at `limit` output bytes or the end of the input, and returns None on
input that cannot be decoded (the caller then shows the data undecompressed)."""

from __future__ import annotations


def _copy(out: bytearray, offset: int, length: int) -> bool:
    """An LZ back reference (may overlap its own output)."""
    if offset <= 0 or offset > len(out):
        return False
    start = len(out) - offset
    for i in range(length):
        out.append(out[start + i])
    return True


def lznt1(data: bytes, limit: int) -> bytes | None:
    out = bytearray()
    pos = 0
    while pos + 2 <= len(data) and len(out) < limit:
        hdr = int.from_bytes(data[pos:pos + 2], "little")
        pos += 2
        if hdr == 0:
            break
        size = (hdr & 0x0FFF) + 1
        end = min(pos + size, len(data))
        if not hdr & 0x8000:
            out += data[pos:end]
            pos = end
            continue
        chunk = bytearray()
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    chunk.append(data[pos])
                    pos += 1
                    continue
                if pos + 2 > end:
                    return None
                token = int.from_bytes(data[pos:pos + 2], "little")
                pos += 2
                l_mask, o_shift = 0x0FFF, 12
                i = len(chunk) - 1
                while i >= 0x10:
                    l_mask >>= 1
                    o_shift -= 1
                    i >>= 1
                if not _copy(chunk, (token >> o_shift) + 1, (token & l_mask) + 3):
                    return None
        out += chunk
    return bytes(out[:limit])


def plain_lz77(data: bytes, limit: int) -> bytes | None:
    out = bytearray()
    pos = flags = flag_count = 0
    last_half = -1
    n = len(data)
    while len(out) < limit:
        if flag_count == 0:
            if pos + 4 > n:
                break
            flags = int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
            flag_count = 32
        flag_count -= 1
        if not flags & (1 << flag_count):
            if pos >= n:
                break
            out.append(data[pos])
            pos += 1
            continue
        if pos + 2 > n:
            break
        match = int.from_bytes(data[pos:pos + 2], "little")
        pos += 2
        length, offset = match % 8, match // 8 + 1
        if length == 7:
            if last_half < 0:
                if pos >= n:
                    return None
                length, last_half = data[pos] % 16, pos
                pos += 1
            else:
                length, last_half = data[last_half] // 16, -1
            if length == 15:
                if pos >= n:
                    return None
                length = data[pos]
                pos += 1
                if length == 255:
                    length = int.from_bytes(data[pos:pos + 2], "little")
                    pos += 2
                    if length == 0:
                        length = int.from_bytes(data[pos:pos + 4], "little")
                        pos += 4
                    if length < 22:
                        return None
                    length -= 22
                length += 15
            length += 7
        if not _copy(out, offset, min(length + 3, limit - len(out))):
            return None
    return bytes(out[:limit])


def _huffman_table(lengths: list[int]) -> dict[tuple[int, int], int] | None:
    table: dict[tuple[int, int], int] = {}
    code, prev = 0, 0
    for ln, sym in sorted((ln, s) for s, ln in enumerate(lengths) if ln):
        code <<= ln - prev
        prev = ln
        table[(ln, code)] = sym
        code += 1
    return table or None


def lz77_huffman(data: bytes, limit: int) -> bytes | None:
    out = bytearray()
    pos = 0
    n = len(data)

    def u16(at: int) -> int:
        return int.from_bytes(data[at:at + 2].ljust(2, b"\0"), "little")

    while len(out) < limit and pos + 256 <= n:
        lengths = []
        for b in data[pos:pos + 256]:
            lengths += [b & 0x0F, b >> 4]
        table = _huffman_table(lengths)
        if table is None:
            return None
        pos += 256
        bits = (u16(pos) << 16) | u16(pos + 2)
        pos += 4
        extra = 16
        block_end = min(limit, len(out) + 65536)

        def take(count: int) -> int:
            nonlocal bits, extra, pos
            v = bits >> (32 - count) if count else 0
            bits = (bits << count) & 0xFFFFFFFF
            extra -= count
            if extra < 0:
                bits |= u16(pos) << (-extra)
                extra += 16
                pos += 2
            return v

        while len(out) < block_end:
            sym = -1
            for ln in range(1, 16):
                got = table.get((ln, bits >> (32 - ln)))
                if got is not None:
                    take(ln)
                    sym = got
                    break
            if sym < 0:
                return None
            if sym < 256:
                out.append(sym)
                continue
            if sym == 256 and pos >= n:
                break
            sym -= 256
            length, off_bits = sym % 16, sym // 16
            if length == 15:
                if pos >= n:
                    return None
                length = data[pos]
                pos += 1
                if length == 255:
                    length = u16(pos)
                    pos += 2
                    if length < 15:
                        return None
                    length -= 15
                length += 15
            length += 3
            offset = take(off_bits) + (1 << off_bits)
            if not _copy(out, offset, min(length, limit - len(out))):
                return None
        if pos >= n:
            break
    return bytes(out[:limit])


def pattern_v1(data: bytes, limit: int) -> bytes | None:
    if len(data) < 8:
        return None
    reps = int.from_bytes(data[4:8], "little")
    return bytes([data[0]]) * min(reps, limit)


#: CompressionAlgorithm -> decompressor (0: none, the bytes as they are).
DECOMPRESSORS = {1: lznt1, 2: plain_lz77, 3: lz77_huffman, 4: pattern_v1}
