"""SMB2 GetInfo, SetInfo, Read and Write bodies as tshark 4.0 shows them, with the info
classes the captures carry (file-system size, stream list, disposition); other info
levels are shown as their blob. Registered in smb2_cmds.BODIES through INFO_BODIES."""

from __future__ import annotations

from collections.abc import Callable

from dissectors.dispatch import BY_NAME
from dissectors.netbios_names import bit_label
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.smb2_names import CHANNELS, CLASSES, FILE_LEVELS, FS_LEVELS, SEC_LEVELS
from dissectors.smb2_proto import OLB_LENGTH as OLB_L
from dissectors.smb2_proto import OLB_OFFSET as OLB_O
from dissectors.smb2_proto import RESERVED, SMB2, Pdu, buffer_code, error_response, fid, olb, utf16
from dissectors.smb_access import (
    ALLOC_SIZE64,
    BYTES_PER_SECTOR,
    FREE_UNITS64,
    NEXT_ENTRY_OFFSET,
    SECTORS_PER_UNIT,
    STREAM_NAME,
    STREAM_NAME_LEN,
    STREAM_SIZE,
    flag_word,
)

U8, U16, U32, U64, HEX, DEC = FT.UINT8, FT.UINT16, FT.UINT32, FT.UINT64, Base.HEX, Base.DEC
CLASS = SMB2.field("smb2.class", "Class", U8, HEX, strings=CLASSES)
FILE_INFO_LEVEL = SMB2.field("smb2.file_info.infolevel", "InfoLevel", U8, HEX,
                             strings=FILE_LEVELS)
FS_INFO_LEVEL = SMB2.field("smb2.fs_info.infolevel", "InfoLevel", U8, HEX, strings=FS_LEVELS)
SEC_INFO_LEVEL = SMB2.field("smb2.sec_info.infolevel", "InfoLevel", U8, HEX, strings=SEC_LEVELS)
MAX_RESPONSE_SIZE = SMB2.field("smb2.max_response_size", "Max Response Size", U32, DEC)
GETINFO_INPUT_OFFSET = SMB2.field("smb2.getinfo_input_offset", "Getinfo Input Offset", U16, HEX)
GETINFO_INPUT_SIZE = SMB2.field("smb2.getinfo_input_size", "Getinfo Input Size", U32, DEC)
GETSETINFO_ADDITIONAL = SMB2.field("smb2.getsetinfo_additional", "Additional Info", U32, HEX)
GETINFO_FLAGS = SMB2.field("smb2.getinfo_flags", "Flags", U32, HEX)
SETINFO_SIZE = SMB2.field("smb2.setinfo_size", "Setinfo Size", U32, DEC)
SETINFO_OFFSET = SMB2.field("smb2.setinfo_offset", "Setinfo Offset", U16, HEX)
SETINFO_RESERVED = SMB2.field("smb2.setinfo_reserved", "Reserved", U16, DEC)
FILE_DISPOSITION_INFO = SMB2.field("smb2.file_disposition_info", "SMB2_FILE_DISPOSITION_INFO",
                                   FT.NONE)
DELETE_ON_CLOSE = SMB2.field("smb2.disposition.delete_on_close", "Delete on close", FT.BOOLEAN,
                             bitmask=0x1, strings=("DELETE this file when closed",
                                                   "Normal access, do not delete on close"))
FS_SIZE_INFO = SMB2.field("smb2.fs_size_info", "FileFsSizeInformation", FT.NONE)
FILE_STREAM_INFO = SMB2.field("smb2.file_stream_info", "SMB2_FILE_STREAM_INFO", FT.NONE)
READ_PADDING = SMB2.field("smb2.read_padding", "Padding", U8, HEX)
READ_FLAGS = SMB2.field("smb2.read_flags", "Flags", U8, HEX)
READ_FLAG_BITS = (
    SMB2.field("smb2.read_flags.unbuffered", "Unbuffered", FT.BOOLEAN, bitmask=0x1,
               strings=("Client is asking for UNBUFFERED read",
                        "Client is NOT asking for UNBUFFERED read")),
    SMB2.field("smb2.read_flags.compressed", "Compressed", FT.BOOLEAN, bitmask=0x2,
               strings=("Client is asking for COMPRESSED data",
                        "Client is NOT asking for COMPRESSED data")),
)
READ_LENGTH = SMB2.field("smb2.read_length", "Read Length", U32, DEC)
FILE_OFFSET = SMB2.field("smb2.file_offset", "File Offset", U64, DEC)
MIN_COUNT = SMB2.field("smb2.min_count", "Min Count", U32, DEC)
CHANNEL = SMB2.field("smb2.channel", "Channel", U32, HEX, strings=CHANNELS)
REMAINING_BYTES = SMB2.field("smb2.remaining_bytes", "Remaining Bytes", U32, DEC)
CHANNEL_INFO_BLOB = SMB2.field("smb2.channel_info_blob", "Channel Info Blob", FT.NONE)
READ_REMAINING = SMB2.field("smb2.read_remaining", "Read Remaining", U32, DEC)
READ_BLOB = SMB2.field("smb2.read.blob", "Info", FT.BYTES)
DATA_OFFSET = SMB2.field("smb2.data_offset", "Data Offset", U16, HEX)
WRITE_LENGTH = SMB2.field("smb2.write_length", "Write Length", U32, DEC)
WRITE_FLAGS = SMB2.field("smb2.write.flags", "Write Flags", U32, HEX)
WRITE_FLAG_BITS = (
    SMB2.field("smb2.write.flags.write_through", "Write through", FT.BOOLEAN, bitmask=0x1,
               strings=("Client is asking for WRITE_THROUGH",
                        "Client is NOT asking for WRITE_THROUGH")),
    SMB2.field("smb2.write.flags.unbuffered", "Unbuffered", FT.BOOLEAN, bitmask=0x2,
               strings=("Client is asking for UNBUFFERED write",
                        "Client is NOT asking for UNBUFFERED write")),
)
_LEVEL_FIELDS: dict[int, Field] = {1: FILE_INFO_LEVEL, 2: FS_INFO_LEVEL, 3: SEC_INFO_LEVEL}
_LEVEL_NAMES = {1: FILE_LEVELS, 2: FS_LEVELS, 3: SEC_LEVELS}
Body = Callable[[Packet, Item, Pdu, int, bool], None]


def _class_level(pkt: Packet, parent: Item, pdu: Pdu, off: int, cls: int, level: int,
                 generated: bool = False) -> None:
    src = pdu.src
    pkt.add(parent, CLASS, cls, off, 0 if generated else 1, generated=generated, source=src)
    lf = _LEVEL_FIELDS.get(cls)
    if lf is not None:
        pkt.add(parent, lf, level, off + (0 if generated else 1), 0 if generated else 1,
                generated=generated, source=src)


def _info_text(cls: int, level: int) -> str:
    names = _LEVEL_NAMES.get(cls, {})
    return (f" {CLASSES.get(cls, f'Class 0x{cls:02x}')}/"
            f"{names.get(level, f'Unknown (0x{level:02x})')}")


def _data(pkt: Packet, parent: Item, pdu: Pdu, cls: int, level: int, at: int, n: int) -> None:
    """The info a GetInfo response or SetInfo request carries, for the known levels."""
    tvb, src = pdu.tvb, pdu.src
    tvb.need(at, n)
    if cls == 2 and level == 3:
        sub = pkt.add(parent, FS_SIZE_INFO, None, at, n, source=src)
        pkt.add(sub, ALLOC_SIZE64, tvb.u64le(at), at, 8, source=src)
        pkt.add(sub, FREE_UNITS64, tvb.u64le(at + 8), at + 8, 8, source=src)
        pkt.add(sub, SECTORS_PER_UNIT, tvb.u32le(at + 16), at + 16, 4, source=src)
        pkt.add(sub, BYTES_PER_SECTOR, tvb.u32le(at + 20), at + 20, 4, source=src)
    elif cls == 1 and level == 22:
        sub = pkt.add(parent, FILE_STREAM_INFO, None, at, n, source=src)
        end = at + n
        for _ in range(4096):
            nxt = tvb.u32le(at)
            nlen = tvb.u32le(at + 4)
            name = utf16(tvb, at + 24, nlen)
            e = pkt.add_text(sub, f"Stream Info: {name}", at, nxt or 24 + nlen, source=src)
            pkt.add(e, NEXT_ENTRY_OFFSET, nxt, at, 4, source=src)
            pkt.add(e, STREAM_NAME_LEN, nlen, at + 4, 4, source=src)
            pkt.add(e, STREAM_SIZE, tvb.u64le(at + 8), at + 8, 8, source=src)
            pkt.add(e, ALLOC_SIZE64, tvb.u64le(at + 16), at + 16, 8, source=src)
            pkt.add(e, STREAM_NAME, name, at + 24, nlen, source=src)
            if not nxt or at + nxt >= end:
                break
            at += nxt
    elif cls == 1 and level == 13:
        v = tvb.u8(at)
        sub = pkt.add(parent, FILE_DISPOSITION_INFO, None, at, n, source=src)
        pkt.add(sub, DELETE_ON_CLOSE, bool(v & 1), at, 1, bit_label(DELETE_ON_CLOSE, v, 8),
                source=src)


def getinfo_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    cls, level = tvb.u8(off + 2), tvb.u8(off + 3)
    _class_level(pkt, parent, pdu, off + 2, cls, level)
    pkt.add(parent, MAX_RESPONSE_SIZE, tvb.u32le(off + 4), off + 4, 4, source=src)
    pkt.add(parent, GETINFO_INPUT_OFFSET, tvb.u16le(off + 8), off + 8, 2, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 10, 2), off + 10, 2, source=src)
    pkt.add(parent, GETINFO_INPUT_SIZE, tvb.u32le(off + 12), off + 12, 4, source=src)
    pkt.add(parent, GETSETINFO_ADDITIONAL, tvb.u32le(off + 16), off + 16, 4, source=src)
    pkt.add(parent, GETINFO_FLAGS, tvb.u32le(off + 20), off + 20, 4, source=src)
    pkt.append_info(_info_text(cls, level))
    fid(pkt, parent, pdu, off + 24)
    if pdu.request is not None:
        pdu.request.extra.update(cls=cls, level=level)


def _saved(pdu: Pdu) -> tuple[int, int] | None:
    req = pdu.request.extra if pdu.request is not None else {}
    cls, level = req.get("cls"), req.get("level")
    return (cls, level) if isinstance(cls, int) and isinstance(level, int) else None


def getinfo_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    saved = _saved(pdu)
    if saved is not None:
        _class_level(pkt, parent, pdu, off, *saved, generated=True)
    if error:
        error_response(pkt, parent, pdu, off)
        return
    buffer_code(pkt, parent, tvb, off, src)
    o, n = olb(pkt, parent, tvb, off + 2, src, width=2)
    if n == 0:
        if pkt.tree_on:
            parent.text = f"{parent.text}: NO DATA"
        return
    if saved is not None:
        _data(pkt, parent, pdu, *saved, pdu.start + o, n)


def setinfo_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    cls, level = tvb.u8(off + 2), tvb.u8(off + 3)
    _class_level(pkt, parent, pdu, off + 2, cls, level)
    size, o = tvb.u32le(off + 4), tvb.u16le(off + 8)
    pkt.add(parent, SETINFO_SIZE, size, off + 4, 4, source=src)
    pkt.add(parent, SETINFO_OFFSET, o, off + 8, 2, source=src)
    pkt.add(parent, SETINFO_RESERVED, tvb.u16le(off + 10), off + 10, 2, source=src)
    pkt.add(parent, GETSETINFO_ADDITIONAL, tvb.u32le(off + 12), off + 12, 4, source=src)
    pkt.append_info(_info_text(cls, level))
    fid(pkt, parent, pdu, off + 16)
    if pdu.request is not None:
        pdu.request.extra.update(cls=cls, level=level)
    if size:
        _data(pkt, parent, pdu, cls, level, pdu.start + o, size)


def setinfo_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    saved = _saved(pdu)
    if saved is not None:
        _class_level(pkt, parent, pdu, off, *saved, generated=True)
    if error:
        error_response(pkt, parent, pdu, off)
        return
    buffer_code(pkt, parent, pdu.tvb, off, pdu.src)


def read_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    pkt.add(parent, READ_PADDING, tvb.u8(off + 2), off + 2, 1, source=src)
    flag_word(pkt, parent, READ_FLAGS, READ_FLAG_BITS, tvb.u8(off + 3), off + 3, 1, src)
    length, foff = tvb.u32le(off + 4), tvb.u64le(off + 8)
    pkt.add(parent, READ_LENGTH, length, off + 4, 4, source=src)
    pkt.add(parent, FILE_OFFSET, foff, off + 8, 8, source=src)
    fid(pkt, parent, pdu, off + 16)
    pkt.append_info(f" Len:{length} Off:{foff}")
    pkt.add(parent, MIN_COUNT, tvb.u32le(off + 32), off + 32, 4, source=src)
    pkt.add(parent, CHANNEL, tvb.u32le(off + 36), off + 36, 4, source=src)
    pkt.add(parent, REMAINING_BYTES, tvb.u32le(off + 40), off + 40, 4, source=src)
    co, n = tvb.u16le(off + 44), tvb.u16le(off + 46)
    pkt.add(parent, OLB_O, co, off + 44, 2, f"Blob Offset: 0x{co:08x}", source=src)
    pkt.add(parent, OLB_L, n, off + 46, 2, source=src)
    if n == 0:
        pkt.add(parent, CHANNEL_INFO_BLOB, None, off + 48, 0, "Channel Info Blob: NO DATA",
                source=src)


def read_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    if error:
        error_response(pkt, parent, pdu, off)
        return
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    o = tvb.u8(off + 2)
    n = tvb.u32le(off + 4)
    pkt.add(parent, READ_REMAINING, tvb.u32le(off + 8), off + 8, 4, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 12, 4), off + 12, 4, source=src)
    pkt.add(parent, OLB_O, o, off + 2, 1, f"Blob Offset: 0x{o:08x}", source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 3, 1), off + 3, 1, source=src)
    pkt.add(parent, OLB_L, n, off + 4, 4, source=src)
    _payload(pkt, parent, pdu, pdu.start + o, n, READ_BLOB)


def _payload(pkt: Packet, parent: Item | None, pdu: Pdu, at: int, n: int,
             blob: Field | None) -> None:
    """Read or written file data: its blob item, then the data dissector on it."""
    if n == 0:
        return
    tvb = pdu.tvb
    tvb.need(at, n)
    if blob is not None:
        pkt.add(parent, blob, tvb.bytes(at, n), at, n, source=pdu.src)
    BY_NAME["data"](tvb.sub(at, n), pkt, pdu.session)


def write_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    o, length, foff = tvb.u16le(off + 2), tvb.u32le(off + 4), tvb.u64le(off + 8)
    pkt.add(parent, DATA_OFFSET, o, off + 2, 2, source=src)
    pkt.add(parent, WRITE_LENGTH, length, off + 4, 4, source=src)
    pkt.add(parent, FILE_OFFSET, foff, off + 8, 8, source=src)
    pkt.append_info(f" Len:{length} Off:{foff}")
    fid(pkt, parent, pdu, off + 16)
    pkt.add(parent, CHANNEL, tvb.u32le(off + 32), off + 32, 4, source=src)
    pkt.add(parent, REMAINING_BYTES, tvb.u32le(off + 36), off + 36, 4, source=src)
    flag_word(pkt, parent, WRITE_FLAGS, WRITE_FLAG_BITS, tvb.u32le(off + 44), off + 44, 4, src)
    co, cn = tvb.u16le(off + 40), tvb.u16le(off + 42)
    pkt.add(parent, OLB_O, co, off + 40, 2, f"Blob Offset: 0x{co:08x}", source=src)
    pkt.add(parent, OLB_L, cn, off + 42, 2, source=src)
    if cn == 0:
        pkt.add(parent, CHANNEL_INFO_BLOB, None, off + 48, 0, "Channel Info Blob: NO DATA",
                source=src)
    _payload(pkt, parent, pdu, pdu.start + o, length, None)


INFO_BODIES: dict[tuple[int, bool], Body] = {
    (16, False): getinfo_request, (16, True): getinfo_response,
    (17, False): setinfo_request, (17, True): setinfo_response,
    (8, False): read_request, (8, True): read_response,
    (9, False): write_request,
}
