"""The Exif APP1 segment of a JPEG as tshark 4.0's image-jfif shows it: the TIFF header
(byte order, offset of IFD0) and the chain of Image File Directories, each entry's tag,
type, count and its value(s) (inside the entry when they fit in 4 bytes, else at the
offset it gives, listed after the directory), the Exif, GPS and Interoperability IFDs the
IFD0 pointers lead to. Offsets count from the TIFF header; everything is bounded by the
segment (a directory running past it is malformed, as in tshark).
"""

from __future__ import annotations

from collections.abc import Callable

from dissectors.exif_names import EXIF_TAGS, GPS_TAGS, INTEROP_TAGS, TAGS, TYPES
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, Protocol
from dissectors.tvb import Tvb

_P = "image-jfif."


def declare(jfif: Protocol) -> None:
    """The fields, on image-jfif's protocol object (image_jfif.py owns the protocol)."""
    for name, abbrev, label, ft, base, kw in [
        ("ENDIAN", "endianness", "Endianness", FT.UINT16, Base.HEX, {}),
        ("START", "start_ifd_offset", "Start offset of IFD starting from the TIFF header start",
         FT.UINT32, Base.DEC, {}),
        ("NEXT", "next_ifd_offset", "Offset to next IFD from start of TIFF header", FT.UINT32,
         Base.DEC, {}),
        ("NUM", "ifd.num_fields", "Number of fields in this IFD", FT.UINT16, Base.DEC, {}),
        ("TAG", "ifd.tag", "Tag", FT.UINT16, Base.DEC, {"strings": TAGS}),
        ("TAG_EXIF", "ifd.tag_exif", "Tag", FT.UINT16, Base.DEC, {"strings": EXIF_TAGS}),
        ("TAG_GPS", "ifd.tag_gps", "Tag", FT.UINT16, Base.DEC, {"strings": GPS_TAGS}),
        ("TAG_INTEROP", "ifd.tag_interop", "Tag", FT.UINT16, Base.DEC,
         {"strings": INTEROP_TAGS}),
        ("TYPE", "ifd.type", "Type", FT.UINT16, Base.DEC, {"strings": TYPES}),
        ("COUNT", "ifd.count", "Count", FT.UINT32, Base.DEC, {}),
        ("OFFSET", "ifd.offset", "Value offset from start of TIFF header", FT.UINT32,
         Base.DEC, {}),
        ("V_BYTE", "ifd.value_byte", "Value", FT.UINT8, Base.DEC, {}),
        ("V_ASCII", "ifd.value_ascii", "Value", FT.STRING, Base.NONE, {}),
        ("V_SHORT", "ifd.value_short", "Value", FT.UINT16, Base.DEC, {}),
        ("V_LONG", "ifd.value_long", "Value", FT.UINT32, Base.DEC, {}),
        ("V_RATIONAL", "ifd.value_rational", "Value", FT.NONE, Base.NONE, {}),
        ("V_NUM", "ifd.value_rational.numerator", "Numerator", FT.UINT32, Base.DEC, {}),
        ("V_DEN", "ifd.value_rational.denominator", "Denominator", FT.UINT32, Base.DEC, {}),
        ("V_UNDEF", "ifd.value_undefined", "Value (raw)", FT.BYTES, Base.NONE, {}),
        ("V_SLONG", "ifd.value_slong", "Value", FT.INT32, Base.DEC, {}),
        ("V_SRATIONAL", "ifd.value_srational", "Value", FT.NONE, Base.NONE, {}),
        ("V_SNUM", "ifd.value_srational.numerator", "Numerator", FT.INT32, Base.DEC, {}),
        ("V_SDEN", "ifd.value_srational.denominator", "Denominator", FT.INT32, Base.DEC, {}),
        ("EI_START", "start_ifd_offset.invalid", "Invalid value", FT.NONE, Base.NONE, {}),
        ("EI_NEXT", "next_ifd_offset.invalid", "Invalid value", FT.NONE, Base.NONE, {}),
        ("EI_VALUE", "ifd_value_offset.invalid", "Invalid value", FT.NONE, Base.NONE, {}),
    ]:
        setattr(F, name, jfif.field(_P + abbrev, label, ft, base, **kw))  # type: ignore[arg-type]



class F:
    """image-jfif's Exif fields (declared by `declare`, with image-jfif's protocol)."""

    ENDIAN: Field
    START: Field
    NEXT: Field
    NUM: Field
    TAG_EXIF: Field
    TAG_GPS: Field
    TAG_INTEROP: Field
    TAG: Field
    TYPE: Field
    COUNT: Field
    OFFSET: Field
    V_BYTE: Field
    V_ASCII: Field
    V_SHORT: Field
    V_LONG: Field
    V_RATIONAL: Field
    V_NUM: Field
    V_DEN: Field
    V_UNDEF: Field
    V_SLONG: Field
    V_SRATIONAL: Field
    V_SNUM: Field
    V_SDEN: Field
    EI_START: Field
    EI_NEXT: Field
    EI_VALUE: Field

#: value items of one TIFF: IFD entries may all point at one array (12 bytes each, the
#: array shared), tens of millions of values from a 64 KB segment; past this many the
#: rest are left out with a note of ours (tshark would list them all)
_MAX_VALUES = 1 << 14
_MAX_IFDS = 4096  # (each IFD is at least 6 bytes further on: a segment holds fewer)


def _bytes_unit(n: int) -> str:
    return f"{n} byte{'' if n == 1 else 's'}"


class _Tiff:
    """The TIFF data of one segment: offsets from its header, the segment's end.

    tshark's `-T fields` lists a field's occurrences in tree order, while an IFD pointer
    puts the pointed-to directory in the tree before its own IFD ends: each item gets a
    (slot, sequence) key, a slot per item directly under the segment (an IFD subtree
    and its items share one), so that `finish` can put the index in tree order."""

    def __init__(self, tvb: Tvb, pkt: Packet, seg: Item, base: int, little: bool) -> None:
        self.tvb, self.pkt, self.seg, self.base, self.little = tvb, pkt, seg, base, little
        self.length = tvb.rend - base
        self.seq = 0
        self.slots = 0
        self.values = 0  # value items so far (_MAX_VALUES)
        self.added: list[tuple[tuple[int, int], Item]] = []

    def u16(self, off: int) -> int:
        a = self.base + off
        return self.tvb.u16le(a) if self.little else self.tvb.u16(a)

    def u32(self, off: int) -> int:
        a = self.base + off
        return self.tvb.u32le(a) if self.little else self.tvb.u32(a)

    def s32(self, off: int) -> int:
        v = self.u32(off)
        return v - (1 << 32) if v & 0x80000000 else v

    def new_slot(self) -> int:
        self.slots += 1
        return self.slots

    def add(self, parent: Item | None, f: Field, value: object, off: int, n: int,
            text: str | None = None, slot: int | None = None) -> Item:
        """An item; `slot` None puts it directly under the segment (a slot of its own)."""
        self.tvb.need(self.base + off, n)
        item = self.pkt.add(parent, f, value, self.base + off, n, text, source=self.tvb.source)
        self.seq += 1
        self.added.append(((self.new_slot() if slot is None else slot, self.seq), item))
        return item

    def finish(self) -> None:
        """Each field's occurrences from this segment, in tree order (see the class)."""
        by_field: dict[str, list[tuple[tuple[int, int], Item]]] = {}
        for key, item in self.added:
            if item.field is not None:
                by_field.setdefault(item.field.abbrev, []).append((key, item))
        index = self.pkt.index
        for abbrev, pairs in by_field.items():
            lst = index.get(abbrev)
            m = len(pairs)
            if not lst or len(lst) < m or any(a is not b for a, (_, b) in
                                              zip(lst[-m:], pairs, strict=True)):
                continue  # (items tree-less mode did not make)
            lst[-m:] = [item for _, item in sorted(pairs, key=lambda p: p[0])]


def dissect_tiff(tvb: Tvb, pkt: Packet, seg: Item, base: int) -> None:
    """process_tiff: `tvb` ends where the segment ends, the TIFF header is at `base`."""
    order = tvb.u16(base)
    if order not in (0x4949, 0x4D4D):
        pkt.add(seg, F.ENDIAN, order, base, 2, "Endianness: Incorrect encoding "
                f"0x{order:04x}- skipping the remainder of this application marker",
                source=tvb.source)
        return
    t = _Tiff(tvb, pkt, seg, base, order == 0x4949)
    try:
        _header(t, seg, order)
    finally:
        t.finish()


def _header(t: _Tiff, seg: Item, order: int) -> None:
    pkt = t.pkt
    t.add(seg, F.ENDIAN, order, 0, 2,
          "Endianness: " + ("little endian" if t.little else "big endian"))
    start = t.u32(4)
    item = t.add(seg, F.START, start, 4, 4,
                 "Start offset of IFD starting from the TIFF header start: " + _bytes_unit(start))
    if start < 8:
        pkt.add_expert(item, "warning", "protocol", " (bogus, should be >= 8)", "image-jfif",
                       field=F.EI_START)
        return
    _chain(t, seg, start, F.TAG, "Image File Directory")


def _chain(t: _Tiff, tree: Item, start: int, tag_f: Field, desc: str) -> None:
    """process_tiff_ifd_chain: the IFDs from `start` on, linked by their next offsets."""
    nxt = start
    for index in range(_MAX_IFDS):
        off = nxt
        num = t.u16(off)
        t.tvb.need(t.base + off, num * 12 + 6)
        ifd = t.pkt.add_text(tree, f"{desc} #{index}", t.base + off, num * 12 + 6,
                             source=t.tvb.source)
        slot = t.new_slot()
        t.add(ifd, F.NUM, num, off, 2, slot=slot)
        off += 2
        for _ in range(num):
            _entry(t, tree, ifd, off, tag_f, slot)
            off += 12
        nxt = t.u32(off)
        item = t.add(ifd, F.NEXT, nxt, off, 4, "Offset to next IFD from start of TIFF header: "
                     + _bytes_unit(nxt), slot=slot)
        off += 4
        if nxt == 0:
            return
        if nxt < off:
            t.pkt.add_expert(item, "warning", "protocol", f" (bogus, should be >= {off})",
                             "image-jfif", field=F.EI_NEXT)
            return


_SIZES = {1: (1, "V_BYTE"), 2: (1, "V_ASCII"), 3: (2, "V_SHORT"), 4: (4, "V_LONG"),
          5: (8, "V_RATIONAL"), 7: (1, "V_UNDEF"), 9: (4, "V_SLONG"), 10: (8, "V_SRATIONAL")}
_POINTERS = {0x8769: ("TAG_EXIF", "Exif IFD"), 0x8825: ("TAG_GPS", "GPS IFD"),
             0xA005: ("TAG_INTEROP", "Interoperability IFD")}


def _entry(t: _Tiff, tree: Item, ifd: Item, off: int, tag_f: Field, slot: int) -> None:
    tag, ftype, count = t.u16(off), t.u16(off + 2), t.u32(off + 4)
    names = tag_f.strings if isinstance(tag_f.strings, dict) else {}
    t.add(ifd, tag_f, tag, off, 2, f"Tag: {names.get(tag, 'Unknown')} ({tag})", slot)
    t.add(ifd, F.TYPE, ftype, off + 2, 2, f"Type: {TYPES.get(ftype, 'Unknown')} ({ftype})", slot)
    t.add(ifd, F.COUNT, count, off + 4, 4, slot=slot)
    size, fname = _SIZES.get(ftype, (0, ""))
    value_off = -1
    if size == 0 or 4 // size < count:
        ptr = t.u32(off + 8)
        item = t.add(ifd, F.OFFSET, ptr, off + 8, 4, slot=slot)
        if ptr < t.length:
            value_off = ptr
        else:
            t.pkt.add_expert(item, "warning", "protocol", f"bogus, should be < {t.length}",
                             "image-jfif", field=F.EI_VALUE)
        parent, vslot = tree, None
    else:
        value_off, parent, vslot = off + 8, ifd, slot
    if value_off < 0 or size == 0:
        return
    f: Field = getattr(F, fname)
    if f is F.V_ASCII or f is F.V_UNDEF:
        t.tvb.need(t.base + value_off, count)
        raw = t.tvb.bytes(t.base + value_off, count)
        if f is F.V_ASCII:
            text = "".join(chr(b) if b < 0x80 else "\ufffd" for b in raw.split(b"\0")[0])
            t.add(parent, f, text, value_off, count, slot=vslot)
        else:
            t.add(parent, f, raw, value_off, count, slot=vslot)
        return
    if t.values + count > _MAX_VALUES:
        t.tvb.need(t.base + value_off, size * min(count, t.length))
        t.pkt.add_expert(parent, "note", "undecoded", f"{count} values not listed: more than "
                         f"{_MAX_VALUES} in this TIFF (labshark's bound)", "image-jfif",
                         ours=True)
        return
    t.values += count
    for _ in range(count):
        t.tvb.need(t.base + value_off, size)
        _value(t, parent, f, value_off, tag if count == 1 and tag_f is F.TAG else -1, vslot)
        value_off += size


def _value(t: _Tiff, parent: Item, f: Field, off: int, pointer_tag: int,
           slot: int | None) -> None:
    """One value; a single LONG of IFD0 that points to the Exif, GPS or Interoperability
    IFD (`pointer_tag`) leads there."""
    if f is F.V_RATIONAL or f is F.V_SRATIONAL:
        signed = f is F.V_SRATIONAL
        read: Callable[[int], int] = t.s32 if signed else t.u32
        num, den = read(off), read(off + 4)
        rslot = t.new_slot() if slot is None else slot
        item = t.add(parent, f, None, off, 8, f"Value: {num}/{den}", rslot)
        t.add(item, F.V_SNUM if signed else F.V_NUM, num, off, 4, slot=rslot)
        t.add(item, F.V_SDEN if signed else F.V_DEN, den, off + 4, 4, slot=rslot)
        return
    if f is F.V_BYTE:
        v = t.tvb.u8(t.base + off)
        item = t.add(parent, f, v, off, 1, slot=slot)
    elif f is F.V_SHORT:
        v = t.u16(off)
        item = t.add(parent, f, v, off, 2, slot=slot)
    else:
        v = t.s32(off) if f is F.V_SLONG else t.u32(off)
        item = t.add(parent, f, v, off, 4, slot=slot)
    if f is F.V_LONG and pointer_tag in _POINTERS:
        ext_name, desc = _POINTERS[pointer_tag]
        if v < t.length:
            _chain(t, t.seg, v, getattr(F, ext_name), desc)
        else:
            t.pkt.add_expert(item, "warning", "protocol", f"bogus, should be < {t.length}",
                             "image-jfif", field=F.EI_START)

