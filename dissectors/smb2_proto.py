"""The SMB2 protocol object, the fields every SMB2 command shares (structure size,
offset/length blobs, file ids, times, file attributes, the error response) and the
per-connection state (requests by message id, file ids by handle), as tshark 4.0
shows them. smb2.py dissects the header and chains; smb2_cmds*.py the bodies."""

from __future__ import annotations

from dataclasses import dataclass, field

from dissectors.bounded import remember
from dissectors.dcerpc import DCERPC
from dissectors.netbios_names import bit_label
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.smb_access import flag_word
from dissectors.tcp_stream import stream_of
from dissectors.tvb import Tvb

SMB2 = protocol("smb2", "SMB2 (Server Message Block Protocol version 2)", "SMB2")
OPEN_FRAME = DCERPC.field("dcerpc.nt.open_frame", "Frame handle opened", FT.FRAMENUM)
CLOSE_FRAME = DCERPC.field("dcerpc.nt.close_frame", "Frame handle closed", FT.FRAMENUM)

PROTOCOL_ID = SMB2.field("smb2.protocol_id", "ProtocolId", FT.UINT32, Base.HEX)
BUFFER_CODE = SMB2.field("smb2.buffer_code", "StructureSize", FT.UINT16, Base.HEX)
BUFFER_CODE_LENGTH = SMB2.field("smb2.buffer_code.length", "Fixed Part Length", FT.UINT16,
                                Base.DEC, bitmask=0xfffe)
BUFFER_CODE_DYNAMIC = SMB2.field("smb2.buffer_code.dynamic", "Dynamic Part", FT.BOOLEAN,
                                 bitmask=0x1)
OLB_OFFSET = SMB2.field("smb2.olb.offset", "Blob Offset", FT.UINT32, Base.HEX)
OLB_LENGTH = SMB2.field("smb2.olb.length", "Blob Length", FT.UINT32, Base.DEC)
FID = SMB2.field("smb2.fid", "File Id", FT.GUID)
ERROR_CONTEXT_COUNT = SMB2.field("smb2.error.context_count", "Error Context Count", FT.UINT8,
                                 Base.DEC)
ERROR_RESERVED = SMB2.field("smb2.error.reserved", "Reserved", FT.UINT8, Base.HEX)
ERROR_BYTE_COUNT = SMB2.field("smb2.error.byte_count", "Byte Count", FT.UINT32, Base.DEC)
ERROR_DATA = SMB2.field("smb2.error.data", "Error Data", FT.BYTES)
ERROR_DATA.missing = True
RESERVED = SMB2.field("smb2.reserved", "Reserved", FT.BYTES)
CREATE_TIME = SMB2.field("smb2.create.time", "Create", FT.ABSOLUTE_TIME, Base.UTC)
LAST_ACCESS_TIME = SMB2.field("smb2.last_access.time", "Last Access", FT.ABSOLUTE_TIME, Base.UTC)
LAST_WRITE_TIME = SMB2.field("smb2.last_write.time", "Last Write", FT.ABSOLUTE_TIME, Base.UTC)
LAST_CHANGE_TIME = SMB2.field("smb2.last_change.time", "Last Change", FT.ABSOLUTE_TIME, Base.UTC)
TIMES = (CREATE_TIME, LAST_ACCESS_TIME, LAST_WRITE_TIME, LAST_CHANGE_TIME)
ALLOCATION_SIZE = SMB2.field("smb2.allocation_size", "Allocation Size", FT.UINT64, Base.DEC)
EOF_FIELD = SMB2.field("smb2.eof", "End Of File", FT.UINT64, Base.DEC)
FILE_ATTRIBUTE = SMB2.field("smb2.file_attribute", "File Attributes", FT.UINT32, Base.HEX)
FILE_ATTRIBUTE_BITS = tuple(
    SMB2.field(f"smb2.file_attribute.{a}", name, FT.BOOLEAN, bitmask=mask, strings=(yes, no))
    for a, name, mask, yes, no in (
        ("read_only", "Read Only", 0x1, "Yes", "No"),
        ("hidden", "Hidden", 0x2, "Yes", "No"),
        ("system", "System", 0x4, "Yes", "No"),
        ("directory", "Directory", 0x10, "Yes", "No"),
        ("archive", "Requires archived", 0x20, "Yes", "No"),
        ("normal", "Normal", 0x80, "Yes", "No"),
        ("temporary", "Temporary", 0x100, "Yes", "No"),
        ("sparse", "Sparse", 0x200, "Yes", "No"),
        ("reparse", "Reparse Point", 0x400, "Has an associated REPARSE POINT",
         "Does NOT have an associated reparse point"),
        ("compressed", "Compressed", 0x800, "COMPRESSED", "Uncompressed"),
        ("offline", "Offline", 0x1000, "OFFLINE", "Online"),
        ("not_content_indexed", "Not Content Indexed", 0x2000,
         "Is not indexed by the content indexing service",
         "Is indexed by the content indexing service"),
        ("encrypted", "Encrypted", 0x4000, "Yes", "No"),
        ("integrity_stream", "Integrity Stream", 0x8000, "Has Integrity Support",
         "Does NOT have Integrity Support"),
        ("no_scrub_data", "No Scrub Data", 0x20000, "Is excluded from the data integrity scan",
         "Is not excluded from the data integrity scan"),
    ))

#: 100 ns intervals between 1601-01-01 and 1970-01-01 (Windows FILETIME's epoch).
_FILETIME_EPOCH = 116444736000000000


@dataclass(slots=True)
class Request:
    """What a request left for its response (Wireshark's smb2_saved_info_t)."""

    frame: int
    ts_ns: int
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Handle:
    """One life of a file id (Wireshark's policy-handle entry): the frames it spans
    (`last` 0 while open), that opened and closed it, the name it was opened by."""

    first: int
    last: int = 0
    open_frame: int = 0
    close_frame: int = 0
    name: str | None = None


class Smb2Conn:
    """Per-TCP-connection SMB2 state: open requests by message id, and the lives of
    each file id (kept for -2's second pass, which sees a handle closed later)."""

    def __init__(self, handles: dict[bytes, list[Handle]], auth_frames: dict[int, int],
                 matched: dict[int, Request], trees: dict[int, tuple[str, int, int]]) -> None:
        self.requests: dict[int, Request] = {}
        self.matched = matched  # (revisit only) message id -> the request answered
        self.trees = trees  # tree id -> (share path, share type, frame of the connect)
        self.handles = handles
        self.auth_frames = auth_frames  # session id -> its successful session setup's frame
        self.preauth = bytes(64)  # the pre-authentication hash after the negotiate
        self.ss_preauth: bytes | None = None  # ... of the session setup under way

    def handle_at(self, raw: bytes, num: int) -> Handle | None:
        for h in self.handles.get(raw, ()):
            if h.first <= num and (h.last == 0 or num <= h.last):
                return h
        return None

    def new_handle(self, raw: bytes, h: Handle, keep: bool) -> Handle:
        """A new life of `raw`; the earlier ones are kept only for a revisit."""
        lives = self.handles.get(raw)
        if lives is None or not keep:
            remember(self.handles, raw, [h])  # (the newest 64k file ids)
        else:
            lives.append(h)
        return h

    @staticmethod
    def first_of(table: dict, key: int, value: object) -> None:
        """`table.setdefault(key, value)`, the newest 64k keys kept."""
        if key not in table:
            remember(table, key, value)


@dataclass(slots=True)
class Pdu:
    """One SMB2 message being dissected: what the command bodies need of its header."""

    tvb: Tvb
    start: int  # where the header begins
    end: int  # where this message ends (the next chained one begins)
    cmd: int
    response: bool
    status: int
    msg_id: int
    conn: Smb2Conn
    request: Request | None  # this message's request (a response's own, or a request's new)
    session: Session
    src: int = 0


def conn_of(pkt: Packet, session: Session) -> Smb2Conn:
    table = session.state("smb2.conns", dict)
    key = stream_of(pkt)
    c = table.get(key)
    if c is None:
        handles = session.state("pass1:smb2.handles", dict).setdefault(key, {})
        auth = session.state("pass1:smb2.auth", dict).setdefault(key, {})
        matched = session.state("pass1:smb2.matched", dict).setdefault(key, {})
        trees = session.state("pass1:smb2.trees", dict).setdefault(key, {})
        c = table[key] = Smb2Conn(handles, auth, matched, trees)
    return c


def guid_str(b: bytes) -> str:
    """A GUID in its little-endian wire form, as Wireshark prints FT_GUID."""
    return (f"{int.from_bytes(b[0:4], 'little'):08x}-{int.from_bytes(b[4:6], 'little'):04x}-"
            f"{int.from_bytes(b[6:8], 'little'):04x}-{b[8:10].hex()}-{b[10:16].hex()}")


def nt_time(pkt: Packet, parent: Item | None, f: Field, tvb: Tvb, off: int, src: int) -> None:
    """A FILETIME: its UTC time, or Wireshark's `No time specified (0)` for 0."""
    raw = tvb.u64le(off)
    if raw == 0:
        pkt.add(parent, f, 0, off, 8, f"{f.name}: No time specified (0)", source=src)
        return
    pkt.add(parent, f, (raw - _FILETIME_EPOCH) * 100, off, 8, source=src)


def buffer_code(pkt: Packet, parent: Item | None, tvb: Tvb, off: int, src: int) -> int:
    """StructureSize and its two parts; returns the value."""
    bc = tvb.u16le(off)
    item = pkt.add(parent, BUFFER_CODE, bc, off, 2, source=src)
    tree = pkt.tree_on
    pkt.add(item, BUFFER_CODE_LENGTH, bc >> 1, off, 2,
            bit_label(BUFFER_CODE_LENGTH, bc, 16) if tree else None, source=src)
    pkt.add(item, BUFFER_CODE_DYNAMIC, bool(bc & 1), off, 2,
            bit_label(BUFFER_CODE_DYNAMIC, bc, 16) if tree else None, source=src)
    return bc


def olb(pkt: Packet, parent: Item | None, tvb: Tvb, off: int, src: int,
        width: int = 4) -> tuple[int, int]:
    """An offset (16 or 32 bit, `width` 2 or 4) and a 32-bit length of a blob."""
    o = tvb.u16le(off) if width == 2 else tvb.u32le(off)
    n = tvb.u32le(off + width)
    pkt.add(parent, OLB_OFFSET, o, off, width, f"Blob Offset: 0x{o:08x}", source=src)
    pkt.add(parent, OLB_LENGTH, n, off + width, 4, source=src)
    return o, n


def olb16(pkt: Packet, parent: Item | None, tvb: Tvb, off: int, src: int) -> tuple[int, int]:
    """A 16-bit offset and a 16-bit length of a blob."""
    o, n = tvb.u16le(off), tvb.u16le(off + 2)
    pkt.add(parent, OLB_OFFSET, o, off, 2, f"Blob Offset: 0x{o:08x}", source=src)
    pkt.add(parent, OLB_LENGTH, n, off + 2, 2, source=src)
    return o, n


def file_attributes(pkt: Packet, parent: Item | None, tvb: Tvb, off: int, src: int) -> None:
    flag_word(pkt, parent, FILE_ATTRIBUTE, FILE_ATTRIBUTE_BITS, tvb.u32le(off), off, 4, src)


def utf16(tvb: Tvb, off: int, n: int) -> str:
    """A UTF-16LE string of `n` bytes, bounded by the bytes present."""
    tvb.need(off, n)
    return bytes(tvb.buf[off:off + n]).decode("utf-16-le", "replace")


FID_USE, FID_OPEN, FID_CLOSE = 0, 1, 2


def fid(pkt: Packet, parent: Item | None, pdu: Pdu, off: int, mode: int = FID_USE,
        name: str | None = None) -> str | None:
    """The 16-byte file id in its "GUID handle" subtree, tracked as Wireshark's policy
    handles are (opened / closed frames); returns the file's name when known."""
    tvb, src = pdu.tvb, pdu.src
    raw = tvb.bytes(off, 16)
    num = pkt.frame.number
    conn, keep = pdu.conn, pdu.session.revisit
    h = conn.handle_at(raw, num)
    if mode == FID_OPEN:
        if h is None or h.first != num:
            h = conn.new_handle(raw, Handle(num, open_frame=num, name=name), keep)
    elif mode == FID_CLOSE:
        if h is None:
            h = conn.new_handle(raw, Handle(num), keep)
        h.close_frame = h.last = num
    fname = h.name if h is not None else None
    if fname is not None:
        pkt.append_info(f" File: {fname}")
    text = "GUID handle" + (f" File: {fname}" if fname is not None else "")
    sub = pkt.add_text(parent, text, off, 16, source=src)
    pkt.add(sub, FID, guid_str(raw), off, 16, source=src)
    if h is not None:
        if h.open_frame:
            pkt.add(sub, OPEN_FRAME, h.open_frame, off, 16, generated=True, source=src)
        if h.close_frame:
            pkt.add(sub, CLOSE_FRAME, h.close_frame, off, 16, generated=True, source=src)
    return fname


def error_response(pkt: Packet, parent: Item | None, pdu: Pdu, off: int) -> None:
    """The error response body (MS-SMB2 2.2.2): what any command answers with a failure."""
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    pkt.add(parent, ERROR_CONTEXT_COUNT, tvb.u8(off + 2), off + 2, 1, source=src)
    pkt.add(parent, ERROR_RESERVED, tvb.u8(off + 3), off + 3, 1, source=src)
    count = tvb.u32le(off + 4)
    pkt.add(parent, ERROR_BYTE_COUNT, count, off + 4, 4, source=src)
    n = count or 1
    if tvb.end - (off + 8) >= n:
        pkt.add(parent, ERROR_DATA, tvb.bytes(off + 8, n), off + 8, n, source=src)
    else:
        pkt.add(parent, ERROR_DATA, b"", off + 8, 0, "Error Data: <MISSING>", source=src)
