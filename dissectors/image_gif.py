"""Compuserve GIF (GIF87a, GIF89a) as tshark 4.0's image-gif dissector shows an HTTP body
of type image/gif: the logical screen, the global colour map, each extension and image
with its data sub-blocks, the trailer; Info gets " (GIF89a)". A body shorter than 20
bytes or without the signature is refused (HTTP then shows it as media)."""

from __future__ import annotations

from dissectors.dispatch import MEDIA_TYPE, register_dissector
from dissectors.packet import Item, Packet
from dissectors.registry import FT, REGISTRY, Base, Field, protocol
from dissectors.session import Session
from dissectors.time_text import plural
from dissectors.tvb import Tvb

GIF = protocol("image-gif", "Compuserve GIF", "GIF image")
U8, U16, DEC = FT.UINT8, FT.UINT16, Base.DEC
_TF = {0: "False", 1: "True"}
P = "image-gif."
VERSION = GIF.field(P + "version", "Version", FT.STRING)
WIDTH = GIF.field(P + "screen.width", "Screen width", U16, DEC)
HEIGHT = GIF.field(P + "screen.height", "Screen height", U16, DEC)
G_PRESENT = GIF.field(P + "global.color_map.present", "Global color map is present", U8, DEC,
                      bitmask=0x80, strings=_TF)
G_BPP_COLOR = GIF.field(P + "global.color_bpp", "Bits per color minus 1", U8, DEC, bitmask=0x70)
G_ORDERED = GIF.field(P + "global.color_map.ordered", "Global color map is ordered", U8, DEC,
                      bitmask=0x08, strings=_TF)
G_BPP = GIF.field(P + "global.bpp", "Image bits per pixel minus 1", U8, DEC, bitmask=0x07)
BACKGROUND = GIF.field(P + "image_background_index", "Background color index", U8, DEC)
ASPECT = GIF.field(P + "global.pixel_aspect_ratio", "Global pixel aspect ratio", U8, DEC)
G_MAP = GIF.field(P + "global.color_map", "Global color map", FT.BYTES)
LEFT = GIF.field(P + "image.left", "Image left position", U16, DEC)
TOP = GIF.field(P + "image.top", "Image top position", U16, DEC)
I_WIDTH = GIF.field(P + "image.width", "Image width", U16, DEC)
I_HEIGHT = GIF.field(P + "image.height", "Image height", U16, DEC)
L_PRESENT = GIF.field(P + "local.color_map.present", "Local color map is present", U8, DEC,
                      bitmask=0x80, strings=_TF)
L_BPP_COLOR = GIF.field(P + "local.color_bpp", "Bits per color minus 1", U8, DEC, bitmask=0x70)
L_ORDERED = GIF.field(P + "local.color_map.ordered", "Local color map is ordered", U8, DEC,
                      bitmask=0x08, strings=_TF)
L_BPP = GIF.field(P + "local.bpp", "Image bits per pixel minus 1", U8, DEC, bitmask=0x07)
L_MAP = GIF.field(P + "local.color_map", "Local color map", FT.BYTES)
EXTENSION = GIF.field(P + "extension", "Extension", FT.NONE)
EXT_LABEL = GIF.field(P + "extension.label", "Extension label", U8, Base.HEX)
IMAGE = GIF.field(P + "image", "Image", FT.NONE)
CODE_SIZE = GIF.field(P + "image.code_size", "LZW minimum code size", U8, DEC)
END = GIF.field(P + "end", "Trailer (End of the GIF stream)", FT.NONE)
DATA_BLOCK = GIF.field(P + "data_block", "Data block", FT.UINT_BYTES)
# (Wireshark names this expert field outside the protocol's prefix)
UNKNOWN_BLOCK = Field("gif.data_block_type.unknown", "Unknown GIF data block type", FT.NONE,
                      protocol=GIF)
REGISTRY.add_field(UNKNOWN_BLOCK)
GIF.fields.append(UNKNOWN_BLOCK)
EXTENSIONS = {0x01: "Plain Text", 0xF9: "Graphics Control", 0xFE: "Comment",
              0xFF: "Application"}


def dissect_gif(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    start, end = tvb.start, tvb.rend
    if end - start < 20:
        return False
    version = bytes(tvb.bytes(start, 6))
    if version not in (b"GIF87a", b"GIF89a"):
        return False
    session.current_proto = "image-gif"
    v89 = version == b"GIF89a"
    vtext = version.decode()
    pkt.append_info(f" ({vtext})")
    src = tvb.source
    top = pkt.add_proto(GIF, start, end - start, f"Compuserve GIF, Version: {vtext}",
                        source=src)
    pkt.add(top, VERSION, vtext, start, 6, source=src)
    pkt.add(top, WIDTH, tvb.u16le(start + 6), start + 6, 2, source=src)
    pkt.add(top, HEIGHT, tvb.u16le(start + 8), start + 8, 2, source=src)
    flags = tvb.u8(start + 10)
    color, bpp = (flags >> 4) & 7, (flags & 7) + 1
    text = "Global settings:" + (" (Global color table present)" if flags & 0x80 else "") + \
        f" ({plural(color, 'bit')} per color) ({plural(bpp, 'bit')} per pixel)"
    _settings(pkt, top, text, start + 10, flags, v89, (G_PRESENT, G_BPP_COLOR, G_ORDERED, G_BPP),
              src)
    pkt.add(top, BACKGROUND, tvb.u8(start + 11), start + 11, 1, source=src)
    aspect = tvb.u8(start + 12)
    if aspect:
        pkt.add(top, ASPECT, aspect, start + 12, 1, f"{aspect}, yields an aspect ratio of "
                f"(15 + {aspect}) / 64 = {(15 + aspect) / 64:.2f}", source=src)
    off = start + 13
    if flags & 0x80:
        n = 3 * (1 << bpp)
        pkt.add(top, G_MAP, tvb.bytes(off, n), off, n, source=src)
        off += n
    count = 0
    while off < end and count < 65536:
        count += 1
        kind = tvb.u8(off)
        if kind == 0x3B:
            pkt.add(top, END, None, off, 1, source=src)
            off += 1
            break
        if kind == 0x21:
            off = _extension(tvb, pkt, top, off)
        elif kind == 0x2C:
            off = _image(tvb, pkt, top, off, v89)
        else:
            item = pkt.add_text(top, UNKNOWN_BLOCK.name, off, 1, src)
            pkt.add_expert(item, "warning", "protocol", UNKNOWN_BLOCK.name, "image-gif",
                           field=UNKNOWN_BLOCK)
            off += 1
    return None


def _settings(pkt: Packet, top: Item, text: str, off: int, flags: int, v89: bool,
              fields: tuple, src: int) -> None:
    sub = pkt.add_text(top, text, off, 1, src)
    present, color, ordered, bpp = fields
    pkt.add(sub, present, flags >> 7, off, 1, source=src)
    pkt.add(sub, color, (flags >> 4) & 7, off, 1, source=src)
    if v89:
        pkt.add(sub, ordered, (flags >> 3) & 1, off, 1, source=src)
    pkt.add(sub, bpp, flags & 7, off, 1, source=src)


def _blocks(tvb: Tvb, pkt: Packet, parent: Item, off: int) -> int:
    """Data sub-blocks up to the empty one that ends them; returns the offset after it."""
    src = tvb.source
    while True:
        n = tvb.u8(off)
        tvb.need(off + 1, n)
        data = tvb.bytes(off + 1, n)
        pkt.add(parent, DATA_BLOCK, data, off, 1 + n,
                f"Data block: {data.hex() or '<none>'} (length = {n})", source=src)
        off += 1 + n
        if n == 0:
            return off


def _extension(tvb: Tvb, pkt: Packet, top: Item, off: int) -> int:
    src = tvb.source
    ext = pkt.add(top, EXTENSION, None, off, 2, source=src)
    label = tvb.u8(off + 1)
    name = EXTENSIONS.get(label)
    ext.text = f"Extension: {name}" if name else \
        f"Extension: <Warning: Unknown extension 0x{label:02x}>"
    pkt.add(ext, EXT_LABEL, label, off + 1, 1,
            f"Extension label: {name or 'Unknown'} (0x{label:02x})", source=src)
    after = _blocks(tvb, pkt, ext, off + 2)
    ext.length = after - off
    return after


def _image(tvb: Tvb, pkt: Packet, top: Item, off: int, v89: bool) -> int:
    src = tvb.source
    img = pkt.add(top, IMAGE, None, off, 10, source=src)
    for i, f in enumerate((LEFT, TOP, I_WIDTH, I_HEIGHT)):
        pkt.add(img, f, tvb.u16le(off + 1 + 2 * i), off + 1 + 2 * i, 2, source=src)
    flags = tvb.u8(off + 9)
    color, bpp = ((flags >> 4) & 7) + 1, (flags & 7) + 1
    text = "Local settings:" + (" (Local color table present)" if flags & 0x80 else "") + \
        f" ({plural(color, 'bit')} per color) ({plural(bpp, 'bit')} per pixel)"
    # (tshark 4.0 files the local bits per pixel under the global field: L_BPP is unused)
    _settings(pkt, img, text, off + 9, flags, v89, (L_PRESENT, L_BPP_COLOR, L_ORDERED, G_BPP),
              src)
    at = off + 10
    if flags & 0x80:
        n = 3 * (1 << bpp)
        pkt.add(img, L_MAP, tvb.bytes(at, n), at, n, source=src)
        at += n
    pkt.add(img, CODE_SIZE, tvb.u8(at), at, 1, source=src)
    after = _blocks(tvb, pkt, img, at + 1)
    img.length = after - off
    return after


MEDIA_TYPE.register("image/gif", dissect_gif, "image-gif")
register_dissector("image-gif", dissect_gif)
