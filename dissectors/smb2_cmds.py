"""SMB2 command bodies: Create (and its create contexts), Close, Find (directory
entries), Notify and Break (leases), as tshark 4.0 shows them; GetInfo, SetInfo, Read
and Write are in smb2_info.py. Each body is `fn(pkt, parent, pdu, off, error)` in
BODIES by (command, response)."""

from __future__ import annotations

from collections.abc import Callable

from dissectors.escape import cstr, format_str
from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base
from dissectors.smb2_info import INFO_BODIES
from dissectors.smb2_names import (
    CREATE_ACTIONS,
    DISPOSITIONS,
    FIND_LEVELS,
    IMPERSONATION,
    NOTIFY_ACTIONS,
    OPLOCKS,
)
from dissectors.smb2_proto import (
    ALLOCATION_SIZE,
    EOF_FIELD,
    FID_CLOSE,
    FID_OPEN,
    RESERVED,
    SMB2,
    TIMES,
    Pdu,
    buffer_code,
    error_response,
    fid,
    file_attributes,
    guid_str,
    nt_time,
    olb,
    utf16,
)
from dissectors.smb2_proto import OLB_LENGTH as OLB_L
from dissectors.smb2_proto import OLB_OFFSET as OLB_O
from dissectors.smb2_session import SESSION_BODIES
from dissectors.smb2_status import NT_STATUS
from dissectors.smb_access import (
    ACCESS_BITS,
    ACCESS_MASK,
    COMPLETION_FILTER,
    CREATE_OPTION_BITS,
    CREATE_OPTIONS,
    NOTIFY_BITS,
    SHARE_ACCESS,
    SHARE_BITS,
    flag_word,
)

U8, U16, U32, U64, HEX, DEC = FT.UINT8, FT.UINT16, FT.UINT32, FT.UINT64, Base.HEX, Base.DEC
CREATE_OPLOCK = SMB2.field("smb2.create.oplock", "Oplock", U8, HEX, strings=OPLOCKS)
IMPERSONATION_LEVEL = SMB2.field("smb2.impersonation.level", "Impersonation level", U32, DEC,
                                 strings=IMPERSONATION)
CREATE_FLAGS = SMB2.field("smb2.create_flags", "Create Flags", U64, HEX)
CREATE_DISPOSITION = SMB2.field("smb2.create.disposition", "Disposition", U32, DEC,
                                strings=DISPOSITIONS)
FILENAME = SMB2.field("smb2.filename", "Filename", FT.STRING)
CREATE_EXTRAINFO = SMB2.field("smb2.create.extrainfo", "ExtraInfo", FT.NONE)
CREATE_REP_FLAGS = SMB2.field("smb2.create.rep_flags", "Response Flags", U8, HEX)
REP_FLAGS_REPARSE = SMB2.field("smb2.create.rep_flags.reparse_point", "ReparsePoint",
                               FT.BOOLEAN, bitmask=0x1)
CREATE_ACTION = SMB2.field("smb2.create.action", "Create Action", U32, DEC,
                           strings=CREATE_ACTIONS)
CREATE_CHAIN_OFFSET = SMB2.field("smb2.create.chain_offset", "Chain Offset", U32, HEX)
TAG = SMB2.field("smb2.tag", "Tag", FT.STRING)
CREATE_CHAIN_DATA = SMB2.field("smb2.create.chain_data", "Data", FT.NONE)
MXAC_STATUS = SMB2.field("smb2.mxac_status", "Query Status", U32, HEX, strings=NT_STATUS)
CLOSE_FLAGS = SMB2.field("smb2.close.flags", "Close Flags", U16, HEX)
CLOSE_PQ_ATTRIB = SMB2.field("smb2.close.pq_attrib", "PostQuery Attrib", FT.BOOLEAN,
                             bitmask=0x1)
FIND_INFOLEVEL = SMB2.field("smb2.find.infolevel", "Info Level", U32, DEC, strings=FIND_LEVELS)
FIND_FLAGS = SMB2.field("smb2.find.flags", "Find Flags", U8, HEX)
FIND_FLAG_BITS = (
    SMB2.field("smb2.find.restart_scans", "Restart Scans", FT.BOOLEAN, bitmask=0x1),
    SMB2.field("smb2.find.single_entry", "Single Entry", FT.BOOLEAN, bitmask=0x2),
    SMB2.field("smb2.find.index_specified", "Index Specified", FT.BOOLEAN, bitmask=0x4),
    SMB2.field("smb2.find.reopen", "Reopen", FT.BOOLEAN, bitmask=0x10),
)
FILE_INDEX = SMB2.field("smb2.file_index", "File Index", U32, HEX)
OUTPUT_BUFFER_LEN = SMB2.field("smb2.output_buffer_len", "Output Buffer Length", U32, DEC)
FIND_PATTERN = SMB2.field("smb2.find.pattern", "Search Pattern", FT.STRING)
FIND_INFO_BLOB = SMB2.field("smb2.find.info_blob", "Info", FT.BYTES)
FIND_ID_BOTH = SMB2.field("smb2.find.id_both_directory_info", "FileIdBothDirectoryInfo",
                          FT.NONE)
NEXT_OFFSET = SMB2.field("smb2.next_offset", "Next Offset", U32, DEC)
FILENAME_LEN = SMB2.field("smb2.filename.len", "Filename Length", U32, DEC)
EA_SIZE = SMB2.field("smb2.ea_size", "EA Size", U32, DEC)
SHORT_NAME_LEN = SMB2.field("smb2.short_name_len", "Short Name Length", U8, DEC)
SHORTNAME = SMB2.field("smb2.shortname", "Short Name", FT.STRING)
FILE_ID = SMB2.field("smb2.file_id", "File Id", U64, HEX)
NOTIFY_FLAGS = SMB2.field("smb2.notify.flags", "Notify Flags", U16, HEX)
NOTIFY_WATCH_TREE = SMB2.field("smb2.notify.watch_tree", "Watch Tree", FT.BOOLEAN,
                               bitmask=0x1)
NOTIFY_OUT = SMB2.field("smb2.notify.out", "Out Data", FT.NONE)
NOTIFY_INFO = SMB2.field("smb2.notify.info", "Notify Info", FT.NONE)
NOTIFY_NEXT_OFFSET = SMB2.field("smb2.notify.next_offset", "Next Offset", U32, HEX)
NOTIFY_ACTION = SMB2.field("smb2.notify.action", "Action", U32, HEX, strings=NOTIFY_ACTIONS)
LEASE_KEY = SMB2.field("smb2.lease.lease_key", "Lease Key", FT.GUID)
LEASE_STATE = SMB2.field("smb2.lease.lease_state", "Lease State", U32, HEX)
LEASE_STATE_BITS = (
    SMB2.field("smb2.lease.lease_state.read_caching", "Read Caching", FT.BOOLEAN, bitmask=0x1),
    SMB2.field("smb2.lease.lease_state.handle_caching", "Handle Caching", FT.BOOLEAN,
               bitmask=0x2),
    SMB2.field("smb2.lease.lease_state.write_caching", "Write Caching", FT.BOOLEAN,
               bitmask=0x4),
)
LEASE_FLAGS = SMB2.field("smb2.lease.lease_flags", "Lease Flags", U32, HEX)
LEASE_FLAG_BITS = (
    SMB2.field("smb2.lease.lease_state.break_ack_required", "Break Ack Required", FT.BOOLEAN,
               bitmask=0x1),
    SMB2.field("smb2.lease.lease_state.break_in_progress", "Break In Progress", FT.BOOLEAN,
               bitmask=0x2),
    SMB2.field("smb2.lease.lease_state.parent_lease_key_set", "Parent Lease Key Set",
               FT.BOOLEAN, bitmask=0x4),
)
LEASE_DURATION = SMB2.field("smb2.lease.lease_duration", "Lease Duration", U64, HEX)
PARENT_LEASE_KEY = SMB2.field("smb2.lease.parent_lease_key", "Parent Lease Key", FT.GUID)
LEASE_EPOCH = SMB2.field("smb2.lease.lease_oplock", "Lease Epoch", U16, HEX)
LEASE_RESERVED = SMB2.field("smb2.lease.lease_reserved", "Lease Reserved", U16, HEX)
LEASE_BREAK_REASON = SMB2.field("smb2.lease.lease_break_reason", "Lease Break Reason", U32, HEX)
ACCESS_MASK_HINT = SMB2.field("smb2.lease.access_mask_hint", "Access Mask Hint", U32, HEX)
SHARE_MASK_HINT = SMB2.field("smb2.lease.share_mask_hint", "Share Mask Hint", U32, HEX)

#: Break's StructureSize -> which break it is (Wireshark's names).
BREAK_KINDS = {0x18: "Oplock Break", 0x24: "Lease Break", 0x2C: "Lease Break"}


def break_name(structure_size: int, response: bool, unsolicited: bool) -> str | None:
    """`Lease Break Notification`, `Oplock Break Acknowledgment`, ... or None."""
    kind = BREAK_KINDS.get(structure_size)
    if kind is None:
        return None
    if not response:
        return f"{kind} Acknowledgment"
    return f"{kind} {'Notification' if unsolicited or structure_size == 0x2C else 'Response'}"

#: Create context tags (MS-SMB2 2.2.13.2) by the names Wireshark shows.
CONTEXT_NAMES = {
    "ExtA": "SMB2_CREATE_EA_BUFFER", "SecD": "SMB2_CREATE_SD_BUFFER",
    "DHnQ": "SMB2_CREATE_DURABLE_HANDLE_REQUEST", "DHnC": "SMB2_CREATE_DURABLE_HANDLE_RECONNECT",
    "AlSi": "SMB2_CREATE_ALLOCATION_SIZE", "MxAc": "SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST",
    "TWrp": "SMB2_CREATE_TIMEWARP_TOKEN", "QFid": "SMB2_CREATE_QUERY_ON_DISK_ID",
    "RqLs": "SMB2_CREATE_REQUEST_LEASE", "DH2Q": "SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2",
    "DH2C": "SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2",
}
Body = Callable[[Packet, Item, Pdu, int, bool], None]


def _bits(pkt: Packet, parent: Item, header: object, bits: tuple, value: int, off: int,
          width: int, src: int, label: str | None = None) -> None:
    text = bitmask_header(f"{label or header.name}: 0x{value:0{2 * width}x}",  # type: ignore[attr-defined]
                          value, bits)
    item = pkt.add(parent, header, value, off, width, text, source=src)  # type: ignore[arg-type]
    tree = pkt.tree_on
    for f in bits:
        pkt.add(item, f, bool(value & f.bitmask), off, width,
                bit_label(f, value, 8 * width) if tree else None, source=src)


def _name_blob(pkt: Packet, parent: Item, pdu: Pdu, f: object, olb_at: int, base: int,
               empty_ok: bool = True) -> str:
    """A UTF-16 string named by a 16-bit offset / 16-bit length pair at `olb_at` (from
    the header at `base`), shown as `Name: text` with the blob's offset and length."""
    tvb, src = pdu.tvb, pdu.src
    o, n = tvb.u16le(olb_at), tvb.u16le(olb_at + 2)
    text = utf16(tvb, base + o, n) if n else ""
    item = pkt.add(parent, f, text, base + o, n, source=src)  # type: ignore[arg-type]
    pkt.add(item, OLB_O, o, olb_at, 2, f"Blob Offset: 0x{o:08x}", source=src)
    pkt.add(item, OLB_L, n, olb_at + 2, 2, source=src)
    return text


def _access_mask(pkt: Packet, parent: Item, pdu: Pdu, off: int) -> None:
    flag_word(pkt, parent, ACCESS_MASK, ACCESS_BITS, pdu.tvb.u32le(off), off, 4, pdu.src)


def _lease(pkt: Packet, parent: Item, pdu: Pdu, off: int, n: int) -> None:
    tvb, src = pdu.tvb, pdu.src
    name = "LEASE_V2" if n >= 52 else "LEASE_V1"
    sub = pkt.add_text(parent, name, off, n, source=src)
    pkt.add(sub, LEASE_KEY, guid_str(tvb.bytes(off, 16)), off, 16, source=src)
    _bits(pkt, sub, LEASE_STATE, LEASE_STATE_BITS, tvb.u32le(off + 16), off + 16, 4, src)
    _bits(pkt, sub, LEASE_FLAGS, LEASE_FLAG_BITS, tvb.u32le(off + 20), off + 20, 4, src)
    pkt.add(sub, LEASE_DURATION, tvb.u64le(off + 24), off + 24, 8, source=src)
    if n >= 52:
        pkt.add(sub, PARENT_LEASE_KEY, guid_str(tvb.bytes(off + 32, 16)), off + 32, 16,
                source=src)
        pkt.add(sub, LEASE_EPOCH, tvb.u16le(off + 48), off + 48, 2, source=src)
        pkt.add(sub, LEASE_RESERVED, tvb.u16le(off + 50), off + 50, 2, source=src)


def _contexts(pkt: Packet, parent: Item, pdu: Pdu, off: int, n: int) -> None:
    """The create contexts chain ("ExtraInfo"), each a "Chain Element"."""
    tvb, src = pdu.tvb, pdu.src
    if n == 0:
        pkt.add(parent, CREATE_EXTRAINFO, None, off, 0, "ExtraInfo: NO DATA", source=src)
        return
    extra = pkt.add(parent, CREATE_EXTRAINFO, None, off, n, "ExtraInfo", source=src)
    names: list[str] = []
    end = off + n
    for _ in range(64):
        nxt = tvb.u32le(off)
        no, nl = tvb.u16le(off + 4), tvb.u16le(off + 6)
        do, dl = tvb.u16le(off + 10), tvb.u32le(off + 12)
        tag = bytes(tvb.bytes(off + no, nl)).decode("ascii", "replace")
        cname = CONTEXT_NAMES.get(tag, "Unknown")
        names.append(cname)
        size = nxt if nxt else end - off
        # (the tag is the peer's bytes: a C string in tshark's label, escaped here)
        el = pkt.add_text(extra, f'Chain Element: {cname} "{format_str(cstr(tag))}"', off,
                          size, source=src)
        pkt.add(el, CREATE_CHAIN_OFFSET, nxt, off, 4, source=src)
        ti = pkt.add(el, TAG, tag, off + no, nl, source=src)
        pkt.add(ti, OLB_O, no, off + 4, 2, f"Blob Offset: 0x{no:08x}", source=src)
        pkt.add(ti, OLB_L, nl, off + 6, 2, source=src)
        pkt.add(el, OLB_O, do, off + 10, 2, f"Blob Offset: 0x{do:08x}", source=src)
        pkt.add(el, OLB_L, dl, off + 12, 4, source=src)
        if dl == 0:
            pkt.add(el, CREATE_CHAIN_DATA, None, off + do, 0, "Data: NO DATA", source=src)
        else:
            dat = off + do
            tvb.need(dat, dl)
            if tag == "MxAc" and pdu.response:
                d = pkt.add(el, CREATE_CHAIN_DATA, None, dat, dl, "Data: MxAc INFO", source=src)
                sub = pkt.add_text(d, "MxAc INFO", dat, dl, source=src)
                pkt.add(sub, MXAC_STATUS, tvb.u32le(dat), dat, 4, source=src)
                _access_mask(pkt, sub, pdu, dat + 4)
            elif tag == "RqLs":
                name = "LEASE_V2" if dl >= 52 else "LEASE_V1"
                d = pkt.add(el, CREATE_CHAIN_DATA, None, dat, dl, f"Data: {name}", source=src)
                _lease(pkt, d, pdu, dat, dl)
            else:
                pkt.add(el, CREATE_CHAIN_DATA, None, dat, dl, "Data", source=src)
        if not nxt or off + nxt >= end:
            break
        off += nxt
    extra.text = "ExtraInfo " + " ".join(names) if pkt.tree_on else extra.text


def create_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    pkt.add(parent, CREATE_OPLOCK, tvb.u8(off + 3), off + 3, 1, source=src)
    pkt.add(parent, IMPERSONATION_LEVEL, tvb.u32le(off + 4), off + 4, 4, source=src)
    pkt.add(parent, CREATE_FLAGS, tvb.u64le(off + 8), off + 8, 8, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 16, 8), off + 16, 8, source=src)
    _access_mask(pkt, parent, pdu, off + 24)
    file_attributes(pkt, parent, tvb, off + 28, src)
    _bits(pkt, parent, SHARE_ACCESS, SHARE_BITS, tvb.u32le(off + 32), off + 32, 4, src)
    pkt.add(parent, CREATE_DISPOSITION, tvb.u32le(off + 36), off + 36, 4, source=src)
    flag_word(pkt, parent, CREATE_OPTIONS, CREATE_OPTION_BITS, tvb.u32le(off + 40), off + 40,
              4, src)
    name = _name_blob(pkt, parent, pdu, FILENAME, off + 44, pdu.start)
    pkt.append_info(f" File: {name}")
    if pdu.request is not None:
        pdu.request.extra["name"] = name
    co, cl = olb(pkt, parent, tvb, off + 48, src)
    _contexts(pkt, parent, pdu, pdu.start + co, cl)


def create_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    if error:
        error_response(pkt, parent, pdu, off)
        return
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    pkt.add(parent, CREATE_OPLOCK, tvb.u8(off + 2), off + 2, 1, source=src)
    rf = tvb.u8(off + 3)
    ri = pkt.add(parent, CREATE_REP_FLAGS, rf, off + 3, 1, source=src)
    pkt.add(ri, REP_FLAGS_REPARSE, bool(rf & 1), off + 3, 1, bit_label(REP_FLAGS_REPARSE, rf, 8),
            source=src)
    pkt.add(parent, CREATE_ACTION, tvb.u32le(off + 4), off + 4, 4, source=src)
    for i, f in enumerate(TIMES):
        nt_time(pkt, parent, f, tvb, off + 8 + 8 * i, src)
    pkt.add(parent, ALLOCATION_SIZE, tvb.u64le(off + 40), off + 40, 8, source=src)
    pkt.add(parent, EOF_FIELD, tvb.u64le(off + 48), off + 48, 8, source=src)
    file_attributes(pkt, parent, tvb, off + 56, src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 60, 4), off + 60, 4, source=src)
    name = pdu.request.extra.get("name") if pdu.request is not None else None
    fid(pkt, parent, pdu, off + 64, FID_OPEN, name if isinstance(name, str) else None)
    co, cl = olb(pkt, parent, tvb, off + 80, src)
    _contexts(pkt, parent, pdu, pdu.start + co, cl)


def close_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    _bits(pkt, parent, CLOSE_FLAGS, (CLOSE_PQ_ATTRIB,), tvb.u16le(off + 2), off + 2, 2, src)
    fid(pkt, parent, pdu, off + 8, FID_CLOSE)


def close_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    if error:
        error_response(pkt, parent, pdu, off)
        return
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    _bits(pkt, parent, CLOSE_FLAGS, (CLOSE_PQ_ATTRIB,), tvb.u16le(off + 2), off + 2, 2, src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 4, 4), off + 4, 4, source=src)
    for i, f in enumerate(TIMES):
        nt_time(pkt, parent, f, tvb, off + 8 + 8 * i, src)
    pkt.add(parent, ALLOCATION_SIZE, tvb.u64le(off + 40), off + 40, 8, source=src)
    pkt.add(parent, EOF_FIELD, tvb.u64le(off + 48), off + 48, 8, source=src)
    file_attributes(pkt, parent, tvb, off + 56, src)


def find_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    level = tvb.u8(off + 2)
    pkt.add(parent, FIND_INFOLEVEL, level, off + 2, 1, source=src)
    _bits(pkt, parent, FIND_FLAGS, FIND_FLAG_BITS, tvb.u8(off + 3), off + 3, 1, src)
    pkt.add(parent, FILE_INDEX, tvb.u32le(off + 4), off + 4, 4, source=src)
    fid(pkt, parent, pdu, off + 8)
    pkt.add(parent, OUTPUT_BUFFER_LEN, tvb.u32le(off + 28), off + 28, 4, source=src)
    pattern = _name_blob(pkt, parent, pdu, FIND_PATTERN, off + 24, pdu.start)
    lname = FIND_LEVELS.get(level, f"Class 0x{level:02x}")
    pkt.append_info(f" {lname} Pattern: {pattern}")
    if pdu.request is not None:
        pdu.request.extra.update(level=level, pattern=pattern)


def _id_both_entries(pkt: Packet, parent: Item, pdu: Pdu, off: int, end: int) -> None:
    tvb, src = pdu.tvb, pdu.src
    for _ in range(4096):
        if end - off < 104:
            break
        nxt = tvb.u32le(off)
        nlen = tvb.u32le(off + 60)
        name = utf16(tvb, off + 104, nlen)
        size = nxt if nxt else 104 + nlen
        e = pkt.add(parent, FIND_ID_BOTH, None, off, size, f"FileIdBothDirectoryInfo: {name}",
                    source=src)
        pkt.add(e, NEXT_OFFSET, nxt, off, 4, source=src)
        pkt.add(e, FILE_INDEX, tvb.u32le(off + 4), off + 4, 4, source=src)
        for i, f in enumerate(TIMES):
            nt_time(pkt, e, f, tvb, off + 8 + 8 * i, src)
        pkt.add(e, EOF_FIELD, tvb.u64le(off + 40), off + 40, 8, source=src)
        pkt.add(e, ALLOCATION_SIZE, tvb.u64le(off + 48), off + 48, 8, source=src)
        file_attributes(pkt, e, tvb, off + 56, src)
        pkt.add(e, FILENAME_LEN, nlen, off + 60, 4, source=src)
        pkt.add(e, EA_SIZE, tvb.u32le(off + 64), off + 64, 4, source=src)
        slen = tvb.u8(off + 68)
        pkt.add(e, SHORT_NAME_LEN, slen, off + 68, 1, source=src)
        pkt.add(e, RESERVED, tvb.bytes(off + 69, 1), off + 69, 1, source=src)
        if slen:
            pkt.add(e, SHORTNAME, utf16(tvb, off + 70, min(slen, 24)), off + 70, 24, source=src)
        pkt.add(e, RESERVED, tvb.bytes(off + 94, 2), off + 94, 2, source=src)
        pkt.add(e, FILE_ID, tvb.u64le(off + 96), off + 96, 8, source=src)
        pkt.add(e, FILENAME, name, off + 104, nlen, source=src)
        if not nxt:
            break
        off += nxt


def find_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    req = pdu.request.extra if pdu.request is not None else {}
    level = req.get("level")
    if isinstance(level, int):
        pkt.add(parent, FIND_INFOLEVEL, level, off, 0, generated=True, source=src)
        if pdu.session.pass_no == 1:  # (Wireshark frees the pattern once shown)
            lname = FIND_LEVELS.get(level, f"Class 0x{level:02x}")
            pkt.append_info(f" {lname} Pattern: {req.get('pattern', '')}")
    if error:
        error_response(pkt, parent, pdu, off)
        return
    buffer_code(pkt, parent, tvb, off, src)
    o, n = olb(pkt, parent, tvb, off + 2, src, width=2)
    at = pdu.start + o
    if n == 0:
        return
    tvb.need(at, n)
    blob = pkt.add(parent, FIND_INFO_BLOB, tvb.bytes(at, n), at, n, source=src)
    if level == 37:
        _id_both_entries(pkt, blob, pdu, at, at + n)


def notify_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    _bits(pkt, parent, NOTIFY_FLAGS, (NOTIFY_WATCH_TREE,), tvb.u16le(off + 2), off + 2, 2, src)
    pkt.add(parent, OUTPUT_BUFFER_LEN, tvb.u32le(off + 4), off + 4, 4, source=src)
    fid(pkt, parent, pdu, off + 8)
    _bits(pkt, parent, COMPLETION_FILTER, NOTIFY_BITS, tvb.u32le(off + 24), off + 24, 4, src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 28, 4), off + 28, 4, source=src)


def notify_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    if error:
        error_response(pkt, parent, pdu, off)
        return
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    o, n = olb(pkt, parent, tvb, off + 2, src, width=2)
    at = pdu.start + o
    if n == 0:
        return
    out = pkt.add(parent, NOTIFY_OUT, None, at, n, source=src)
    end = at + n
    for _ in range(4096):
        nxt = tvb.u32le(at)
        nlen = tvb.u32le(at + 8)
        size = nxt if nxt else min(end - at, 12 + nlen)
        info = pkt.add(out, NOTIFY_INFO, None, at, size, source=src)
        pkt.add(info, NOTIFY_NEXT_OFFSET, nxt, at, 4, source=src)
        pkt.add(info, NOTIFY_ACTION, tvb.u32le(at + 4), at + 4, 4, source=src)
        pkt.add(info, FILENAME_LEN, nlen, at + 8, 4, source=src)
        pkt.add(info, FILENAME, utf16(tvb, at + 12, nlen), at + 12, nlen, source=src)
        if not nxt or at + nxt >= end:
            break
        at += nxt


def oplock_break(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    """An oplock break notification, acknowledgment or response (StructureSize 24)."""
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    pkt.add(parent, CREATE_OPLOCK, tvb.u8(off + 2), off + 2, 1, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 3, 1), off + 3, 1, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 4, 4), off + 4, 4, source=src)
    fid(pkt, parent, pdu, off + 8)


def break_body(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    if error:
        error_response(pkt, parent, pdu, off)
        return
    tvb, src = pdu.tvb, pdu.src
    bc = tvb.u16le(off)
    if bc != 0x18:
        buffer_code(pkt, parent, tvb, off, src)
    if bc == 0x2C:  # lease break notification
        pkt.add(parent, LEASE_EPOCH, tvb.u16le(off + 2), off + 2, 2, source=src)
        _bits(pkt, parent, LEASE_FLAGS, LEASE_FLAG_BITS, tvb.u32le(off + 4), off + 4, 4, src)
        pkt.add(parent, LEASE_KEY, guid_str(tvb.bytes(off + 8, 16)), off + 8, 16, source=src)
        _bits(pkt, parent, LEASE_STATE, LEASE_STATE_BITS, tvb.u32le(off + 24), off + 24, 4, src,
              "Current Lease State")
        _bits(pkt, parent, LEASE_STATE, LEASE_STATE_BITS, tvb.u32le(off + 28), off + 28, 4, src,
              "New Lease State")
        for i, f in enumerate((LEASE_BREAK_REASON, ACCESS_MASK_HINT, SHARE_MASK_HINT)):
            pkt.add(parent, f, tvb.u32le(off + 32 + 4 * i), off + 32 + 4 * i, 4, source=src)
    elif bc == 0x18:
        oplock_break(pkt, parent, pdu, off, error)
    elif bc == 0x24:  # lease break acknowledgment / response
        pkt.add(parent, RESERVED, tvb.bytes(off + 2, 2), off + 2, 2, source=src)
        _bits(pkt, parent, LEASE_FLAGS, LEASE_FLAG_BITS, tvb.u32le(off + 4), off + 4, 4, src)
        pkt.add(parent, LEASE_KEY, guid_str(tvb.bytes(off + 8, 16)), off + 8, 16, source=src)
        _bits(pkt, parent, LEASE_STATE, LEASE_STATE_BITS, tvb.u32le(off + 24), off + 24, 4, src)
        pkt.add(parent, LEASE_DURATION, tvb.u64le(off + 28), off + 28, 8, source=src)


BODIES: dict[tuple[int, bool], Body] = {
    (5, False): create_request, (5, True): create_response,
    (6, False): close_request, (6, True): close_response,
    (14, False): find_request, (14, True): find_response,
    (15, False): notify_request, (15, True): notify_response,
    (18, False): break_body, (18, True): break_body,
    **INFO_BODIES, **SESSION_BODIES,
}
