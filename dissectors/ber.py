"""A small, bounded BER (X.690) reader for SNMP: tag-length-value headers, integers, OIDs.

Every read checks its bytes against the end of the enclosing value, so a hostile length
(4 GB, or longer than the packet) or an endless tag stops with a BerError at once; the
nesting a caller follows is bounded by MAX_DEPTH (`walk`). The reader copies nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from dissectors.registry import FT, Base, protocol
from dissectors.tvb import ReportedBoundsError

BER = protocol("ber", "Basic Encoding Rules (ASN.1 X.690)", "BER")
BITSTRING_PADDING = BER.field("ber.bitstring.padding", "Padding", FT.UINT8, Base.DEC)

MAX_DEPTH = 32  # nesting levels `walk` follows
MAX_TAG_BYTES = 4  # a multi-byte tag number longer than this is refused
MAX_LENGTH_BYTES = 4  # long-form length octets (a length up to 4 GB - 1)
MAX_OID_ARCS = 128
MAX_ITEMS = 10_000  # TLVs `walk` visits


class BerError(ValueError):
    """The bytes are not well-formed BER (or exceed a bound)."""


UNIVERSAL, APPLICATION, CONTEXT, PRIVATE = 0, 1, 2, 3


@dataclass(slots=True, frozen=True)
class Tlv:
    """One BER element: where it starts, its identifier, where its contents lie."""

    start: int
    cls: int
    constructed: bool
    tag: int
    off: int  # first content byte
    length: int

    @property
    def end(self) -> int:
        return self.off + self.length

    @property
    def ident(self) -> int:
        """The identifier octet of a low tag number (class, constructed bit, tag)."""
        return (self.cls << 6) | (0x20 if self.constructed else 0) | self.tag


def read_tlv(buf: bytes | memoryview, off: int, end: int) -> Tlv:
    """The element at `off`, which with its contents must lie before `end`."""
    start = off
    if off >= end:
        raise BerError("missing element")
    first = buf[off]
    off += 1
    tag = first & 0x1F
    if tag == 0x1F:
        tag = 0
        for _ in range(MAX_TAG_BYTES):
            if off >= end:
                raise BerError("tag cut short")
            b = buf[off]
            off += 1
            tag = (tag << 7) | (b & 0x7F)
            if not b & 0x80:
                break
        else:
            raise BerError("tag number too long")
    if off >= end:
        raise BerError("length missing")
    n = buf[off]
    off += 1
    if n & 0x80:
        count = n & 0x7F
        if count == 0:
            raise BerError("indefinite length")
        if count > MAX_LENGTH_BYTES or off + count > end:
            raise BerError("length too long")
        n = int.from_bytes(bytes(buf[off:off + count]), "big")
        off += count
    if n > end - off:
        raise BerError(f"length {n} longer than the {end - off} bytes left")
    return Tlv(start, first >> 6, bool(first & 0x20), tag, off, n)


def read_int(buf: bytes | memoryview, t: Tlv, signed: bool = True, max_len: int = 9) -> int:
    if t.length == 0 or t.length > max_len:
        raise BerError(f"integer of {t.length} bytes")
    return int.from_bytes(bytes(buf[t.off:t.end]), "big", signed=signed)


def read_oid(buf: bytes | memoryview, t: Tlv) -> str:
    """Dotted OID text (1.3.6.1...), first two arcs joined as X.690 encodes them."""
    if t.length == 0:
        raise BerError("empty OID")
    arcs: list[int] = []
    v = 0
    nbytes = 0
    for b in buf[t.off:t.end]:
        v = (v << 7) | (b & 0x7F)
        nbytes += 1
        if nbytes > 10:
            raise BerError("OID arc too long")
        if not b & 0x80:
            arcs.append(v)
            v = 0
            nbytes = 0
            if len(arcs) > MAX_OID_ARCS:
                raise BerError("OID too long")
    if nbytes:
        raise BerError("OID cut short")
    first = arcs[0]
    head = [0, first] if first < 40 else ([1, first - 40] if first < 80 else [2, first - 80])
    return ".".join(map(str, head + arcs[1:]))


def resolved_oid(oid: str) -> str:
    """The OID with its first arc named, as Wireshark shows one it has no name for."""
    top, _, rest = oid.partition(".")
    name = {"0": "itu-t", "1": "iso", "2": "joint-iso-itu-t"}.get(top, top)
    return f"{name}.{rest}" if rest else name


def walk(buf: bytes | memoryview, off: int, end: int) -> list[tuple[int, Tlv]]:
    """Every element from `off` to `end`, depth first, with its depth; refuses nesting
    deeper than MAX_DEPTH and more than MAX_ITEMS elements (no recursion)."""
    out: list[tuple[int, Tlv]] = []
    stack: list[tuple[int, int]] = [(off, end)]
    while stack:
        pos, stop = stack.pop()
        if pos >= stop:
            continue
        t = read_tlv(buf, pos, stop)
        depth = len(stack)
        out.append((depth, t))
        if len(out) > MAX_ITEMS:
            raise BerError("too many elements")
        stack.append((t.end, stop))
        if t.constructed:
            if len(stack) > MAX_DEPTH:
                raise BerError("nested too deep")
            stack.append((t.off, t.end))
    return out


class Reader:
    """Reads the elements of one message for a dissector: a BER error is a malformed
    packet (ReportedBoundsError), as an exception in Wireshark's BER helpers is."""

    def __init__(self, buf: bytes | memoryview) -> None:
        self.buf = buf

    def tlv(self, off: int, end: int, ident: int | None = None) -> Tlv:
        try:
            t = read_tlv(self.buf, off, end)
        except BerError as e:
            raise ReportedBoundsError(str(e)) from None
        if ident is not None and t.ident != ident:
            raise ReportedBoundsError(f"unexpected BER identifier 0x{t.ident:02x}")
        return t

    def int(self, t: Tlv, signed: bool = True) -> int:
        try:
            return read_int(self.buf, t, signed)
        except BerError as e:
            raise ReportedBoundsError(str(e)) from None

    def oid(self, t: Tlv) -> str:
        try:
            return read_oid(self.buf, t)
        except BerError as e:
            raise ReportedBoundsError(str(e)) from None

    def raw(self, t: Tlv) -> bytes:
        return bytes(self.buf[t.off:t.end])
