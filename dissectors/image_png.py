"""Portable Network Graphics as tshark 4.0's png dissector shows an HTTP body of type
image/png: the signature, then one subtree per chunk (length, type and its three flag
bits, the chunk's fields for IHDR, tEXt, tIME, pHYs, bKGD, gAMA, sRGB, else "Data"), its
CRC; Info gets " (PNG)". A body shorter than 20 bytes or without the signature is
refused (HTTP then shows it as media)."""

from __future__ import annotations

from dissectors.dispatch import MEDIA_TYPE, register_dissector
from dissectors.escape import format_text
from dissectors.format import masked_label
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

PNG = protocol("png", "Portable Network Graphics", "PNG")
U8, U16, U32, DEC, HEX = FT.UINT8, FT.UINT16, FT.UINT32, Base.DEC, Base.HEX
SIGNATURE_BYTES = b"\x89PNG\r\n\x1a\n"
SIGNATURE = PNG.field("png.signature", "PNG Signature", FT.BYTES)
DATA = PNG.field("png.chunk.data", "Data", FT.NONE)
CTYPE = PNG.field("png.chunk.type", "Chunk", FT.STRING)
CLEN = PNG.field("png.chunk.len", "Len", U32, DEC)
CRC = PNG.field("png.chunk.crc", "CRC", U32, HEX)
ANCILLARY = PNG.field("png.chunk.flag.ancillary", "Ancillary", FT.BOOLEAN, bitmask=0x20000000,
                      strings=("This is an ANCILLARY chunk", "This is a CRITICAL chunk"))
PRIVATE = PNG.field("png.chunk.flag.private", "Private", FT.BOOLEAN, bitmask=0x00200000,
                    strings=("This is a PRIVATE chunk", "This is a PUBLIC chunk"))
STC = PNG.field("png.chunk.flag.stc", "Safe To Copy", FT.BOOLEAN, bitmask=0x00000020,
                strings=("This chunk is SAFE TO COPY", "This chunk is NOT safe to copy"))
COLOUR_TYPES = {0: "Greyscale", 2: "Truecolour", 3: "Indexed-colour", 4: "Greyscale with alpha",
                6: "Truecolour with alpha"}
IHDR = (PNG.field("png.ihdr.width", "Width", U32, DEC), PNG.field("png.ihdr.height", "Height",
                                                                  U32, DEC),
        PNG.field("png.ihdr.bitdepth", "Bit Depth", U8, DEC),
        PNG.field("png.ihdr.colour_type", "Colour Type", U8, DEC, strings=COLOUR_TYPES),
        PNG.field("png.ihdr.compression_method", "Compression Method", U8, DEC,
                  strings={0: "Deflate"}),
        PNG.field("png.ihdr.filter_method", "Filter Method", U8, DEC, strings={0: "Adaptive"}),
        PNG.field("png.ihdr.interlace_method", "Interlace Method", U8, DEC,
                  strings={0: "No interlace", 1: "Adam7"}))
SRGB = PNG.field("png.srgb.intent", "Intent", U8, DEC,
                 strings={0: "Perceptual", 1: "Relative colorimetric", 2: "Saturation",
                          3: "Absolute colorimetric"})
KEYWORD = PNG.field("png.text.keyword", "Keyword", FT.STRING)
STRING = PNG.field("png.text.string", "String", FT.STRING)
TIME = (PNG.field("png.time.year", "Year", U16, DEC), PNG.field("png.time.month", "Month", U8, DEC),
        PNG.field("png.time.day", "Day", U8, DEC), PNG.field("png.time.hour", "Hour", U8, DEC),
        PNG.field("png.time.minute", "Minute", U8, DEC),
        PNG.field("png.time.second", "Second", U8, DEC))
PHYS = (PNG.field("png.phys.horiz", "Horizontal pixels per unit", U32, DEC),
        PNG.field("png.phys.vert", "Vertical pixels per unit", U32, DEC),
        PNG.field("png.phys.unit", "Unit", U8, DEC,
                  strings={0: "Unit is unknown", 1: "Unit is METRE"}))
BKGD_INDEX = PNG.field("png.bkgd.palette_index", "Palette Index", U8, DEC)
BKGD_GREY = PNG.field("png.bkgd.greyscale", "Greyscale", U16, HEX)
BKGD_RGB = (PNG.field("png.bkgd.red", "Red", U16, HEX), PNG.field("png.bkgd.green", "Green", U16,
                                                                   HEX),
            PNG.field("png.bkgd.blue", "Blue", U16, HEX))
GAMMA = PNG.field("png.gama.gamma", "Gamma", FT.FLOAT)
#: chunk type -> its label.
CHUNKS = {"IHDR": "Image Header", "tEXt": "Textual data", "pHYs": "Physical pixel dimensions",
          "gAMA": "Image gamma", "tIME": "Image last-modification time",
          "bKGD": "Background colour", "IDAT": "Image data chunk", "IEND": "Image Trailer",
          "PLTE": "Palette", "sRGB": "Standard RGB colour space", "cHRM": "Primary chromaticities",
          "iCCP": "Embedded ICC profile", "zTXt": "Compressed textual data",
          "iTXt": "International textual data", "sBIT": "Significant bits",
          "tRNS": "Transparency", "hIST": "Image histogram", "sPLT": "Suggested palette"}


def dissect_png(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    start, end = tvb.start, tvb.rend
    if end - start < 20 or bytes(tvb.bytes(start, 8)) != SIGNATURE_BYTES:
        return False
    session.current_proto = "png"
    src = tvb.source
    pkt.append_info(" (PNG)")
    top = pkt.add_proto(PNG, start, end - start, source=src)
    pkt.add(top, SIGNATURE, tvb.bytes(start, 8), start, 8, source=src)
    off = start + 8
    colour = -1
    while off < end:
        n = tvb.u32(off)
        ctype_raw = tvb.bytes(off + 4, 4)
        ctype = ctype_raw.decode("latin-1")
        name = CHUNKS.get(ctype, "Unknown")
        tvb.need(off, 12 + n)  # (a chunk cut short shows no subtree, as tshark's)
        item = pkt.add_text(top, format_text(f"{name} ({ctype})".encode("latin-1")), off,
                            12 + n, src)
        pkt.add(item, CLEN, n, off, 4, source=src)
        pkt.add(item, CTYPE, ctype, off + 4, 4, source=src)
        bits = tvb.u32(off + 4)
        for flag in (ANCILLARY, PRIVATE, STC):
            v = bool(bits & flag.bitmask)
            pkt.add(item, flag, v, off + 4, 4,
                    masked_label(flag, v, 32) if pkt.tree_on else None, source=src)
        at = off + 8
        tvb.need(at, n)
        if ctype == "IHDR" and n >= 13:
            colour = tvb.u8(at + 9)
            for i, f in enumerate(IHDR):
                w = 4 if i < 2 else 1
                o = at if i < 2 else at + 8 + (i - 2)
                pkt.add(item, f, int.from_bytes(tvb.bytes(o + (4 if i == 1 else 0), w), "big"),
                        o + (4 if i == 1 else 0), w, source=src)
        elif ctype == "tEXt":
            _text(tvb, pkt, item, at, n)
        elif ctype == "tIME" and n >= 7:
            pkt.add(item, TIME[0], tvb.u16(at), at, 2, source=src)
            for i, f in enumerate(TIME[1:]):
                pkt.add(item, f, tvb.u8(at + 2 + i), at + 2 + i, 1, source=src)
        elif ctype == "pHYs" and n >= 9:
            pkt.add(item, PHYS[0], tvb.u32(at), at, 4, source=src)
            pkt.add(item, PHYS[1], tvb.u32(at + 4), at + 4, 4, source=src)
            pkt.add(item, PHYS[2], tvb.u8(at + 8), at + 8, 1, source=src)
        elif ctype == "bKGD":
            _bkgd(tvb, pkt, item, at, colour)
        elif ctype == "gAMA" and n >= 4:
            v = tvb.u32(at) / 100000
            pkt.add(item, GAMMA, v, at, 4, f"Gamma: {v:g}", source=src)
        elif ctype == "sRGB" and n >= 1:
            pkt.add(item, SRGB, tvb.u8(at), at, 1, source=src)
        elif n:
            pkt.add(item, DATA, None, at, n, source=src)
        pkt.add(item, CRC, tvb.u32(at + n), at + n, 4, source=src)
        off = at + n + 4
    return None


def _text(tvb: Tvb, pkt: Packet, item: Item, at: int, n: int) -> None:
    raw = tvb.bytes(at, n)
    key, sep, value = raw.partition(b"\0")
    src = tvb.source
    pkt.add(item, KEYWORD, key.decode("latin-1"), at, len(key), source=src)
    if sep:
        pkt.add(item, STRING, value.decode("latin-1"), at + len(key) + 1, len(value),
                source=src)


def _bkgd(tvb: Tvb, pkt: Packet, item: Item, at: int, colour: int) -> None:
    src = tvb.source
    if colour == 3:
        pkt.add(item, BKGD_INDEX, tvb.u8(at), at, 1, source=src)
    elif colour in (0, 4):
        pkt.add(item, BKGD_GREY, tvb.u16(at), at, 2, source=src)
    elif colour in (2, 6):
        for i, f in enumerate(BKGD_RGB):
            pkt.add(item, f, tvb.u16(at + 2 * i), at + 2 * i, 2, source=src)


MEDIA_TYPE.register("image/png", dissect_png, "png")
register_dissector("png", dissect_png)
