"""SMB2 session-level command bodies as tshark 4.0 shows them: Negotiate, Session Setup
(its security blob handed to the GSS-API dissector when one is registered, else shown
as bytes), Logoff, Tree Connect / Disconnect, Echo, Flush, Cancel, the Write response;
and the pre-authentication hash (SHA-512 over the negotiate and session setup
messages, MS-SMB2 3.2.5.2) Wireshark shows on them. In smb2_cmds.BODIES."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from dissectors.dispatch import BY_NAME
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base
from dissectors.smb2_info import CHANNEL, FILE_OFFSET
from dissectors.smb2_names import DIALECTS, SHARE_TYPES
from dissectors.smb2_proto import (
    RESERVED,
    SMB2,
    Pdu,
    buffer_code,
    error_response,
    fid,
    guid_str,
    nt_time,
    olb16,
    utf16,
)
from dissectors.smb_access import ACCESS_BITS, ACCESS_MASK, flag_word

U8, U16, U32, U64, HEX, DEC, BOOL = (FT.UINT8, FT.UINT16, FT.UINT32, FT.UINT64, Base.HEX,
                                     Base.DEC, FT.BOOLEAN)
PREAUTH_HASH = SMB2.field("smb2.preauth_hash", "Preauth Hash", FT.BYTES)
DIALECT_COUNT = SMB2.field("smb2.dialect_count", "Dialect count", U16, DEC)
DIALECT = SMB2.field("smb2.dialect", "Dialect", U16, HEX, strings=DIALECTS)
SEC_MODE = SMB2.field("smb2.sec_mode", "Security mode", U8, HEX)
SEC_MODE_BITS = (SMB2.field("smb2.sec_mode.sign_enabled", "Signing enabled", BOOL, bitmask=0x1),
                 SMB2.field("smb2.sec_mode.sign_required", "Signing required", BOOL,
                            bitmask=0x2))
CAPABILITIES = SMB2.field("smb2.capabilities", "Capabilities", U32, HEX)
CAPABILITY_BITS = tuple(
    SMB2.field(f"smb2.capabilities.{a}", name, BOOL, bitmask=mask,
               strings=(f"This host supports {text}", f"This host does NOT support {text}"))
    for a, name, mask, text in (
        ("dfs", "DFS", 0x1, "DFS"), ("leasing", "LEASING", 0x2, "LEASING"),
        ("large_mtu", "LARGE MTU", 0x4, "LARGE_MTU"),
        ("multi_channel", "MULTI CHANNEL", 0x8, "MULTI CHANNEL"),
        ("persistent_handles", "PERSISTENT HANDLES", 0x10, "PERSISTENT HANDLES"),
        ("directory_leasing", "DIRECTORY LEASING", 0x20, "DIRECTORY LEASING"),
        ("encryption", "ENCRYPTION", 0x40, "ENCRYPTION")))
CLIENT_GUID = SMB2.field("smb2.client_guid", "Client Guid", FT.GUID)
SERVER_GUID = SMB2.field("smb2.server_guid", "Server Guid", FT.GUID)
NEG_CONTEXT_OFFSET = SMB2.field("smb2.negotiate_context.offset", "NegotiateContextOffset", U32,
                                HEX)
NEG_CONTEXT_COUNT = SMB2.field("smb2.negotiate_context.count", "NegotiateContextCount", U16, DEC)
MAX_TRANS_SIZE = SMB2.field("smb2.max_trans_size", "Max Transaction Size", U32, DEC)
MAX_READ_SIZE = SMB2.field("smb2.max_read_size", "Max Read Size", U32, DEC)
MAX_WRITE_SIZE = SMB2.field("smb2.max_write_size", "Max Write Size", U32, DEC)
CURRENT_TIME = SMB2.field("smb2.current_time", "Current Time", FT.ABSOLUTE_TIME, Base.UTC)
BOOT_TIME = SMB2.field("smb2.boot_time", "Boot Time", FT.ABSOLUTE_TIME, Base.UTC)
SECURITY_BLOB = SMB2.field("smb2.security_blob", "Security Blob", FT.BYTES)
SECURITY_BLOB.missing = True
SES_REQ_FLAGS = SMB2.field("smb2.ses_req_flags", "Flags", U8, DEC)
SES_BINDING = SMB2.field("smb2.ses_req_flags.session_binding", "Session Binding Request", BOOL,
                         bitmask=0x1)
PREVIOUS_SESID = SMB2.field("smb2.previous_sesid", "Previous Session Id", U64, HEX)
SESSION_FLAGS = SMB2.field("smb2.session_flags", "Session Flags", U16, HEX)
SESSION_FLAG_BITS = (SMB2.field("smb2.ses_flags.guest", "Guest", BOOL, bitmask=0x1),
                     SMB2.field("smb2.ses_flags.null", "Null", BOOL, bitmask=0x2),
                     SMB2.field("smb2.ses_flags.encrypt", "Encrypt", BOOL, bitmask=0x4))
TC_FLAGS = SMB2.field("smb2.tc.flags", "Flags", U16, HEX)
TC_FLAG_BITS = tuple(SMB2.field(f"smb2.tc.{a}", name, BOOL, bitmask=mask,
                                strings=("Set", "Not set"))
                     for a, name, mask in (("cluster_reconnect", "Cluster Reconnect", 0x1),
                                           ("redirect_to_owner", "Redirect To Owner", 0x2),
                                           ("extension_present", "Extension Present", 0x4)))
TC_RESERVED = SMB2.field("smb2.tc.reserved", "Reserved", U16, HEX, bitmask=0xfff8)
TREE = SMB2.field("smb2.tree", "Tree", FT.STRING)
SHARE_TYPE = SMB2.field("smb2.share_type", "Share Type", U8, HEX, strings=SHARE_TYPES)
SHARE_FLAGS = SMB2.field("smb2.share_flags", "Share flags", U32, HEX)
SHARE_FLAG_BITS = tuple(SMB2.field(f"smb2.share_flags.{a}", name, BOOL, bitmask=mask)
                        for a, name, mask in (
                            ("dfs", "DFS", 0x1), ("dfs_root", "DFS root", 0x2),
                            ("restrict_exclusive_opens", "Restrict exclusive opens", 0x100),
                            ("force_shared_delete", "Force shared delete", 0x200),
                            ("allow_namespace_caching", "Allow namespace caching", 0x400),
                            ("access_based_dir_enum", "Access based directory enum", 0x800),
                            ("force_levelii_oplock", "Force level II oplock", 0x1000),
                            ("enable_hash_v1", "Enable hash V1", 0x2000),
                            ("enable_hash_v2", "Enable hash V2", 0x4000),
                            ("encrypt_data", "Encrypted data required", 0x8000),
                            ("identity_remoting", "Identity Remoting", 0x40000),
                            ("compress_data", "Compressed IO", 0x100000)))
SHARE_CACHING = SMB2.field("smb2.share.caching", "Caching policy", U32, HEX,
                           strings={0: "Manual caching", 0x10: "Auto caching",
                                    0x20: "VDO caching", 0x30: "No caching"})
SHARE_CAPS = SMB2.field("smb2.share_caps", "Share Capabilities", U32, HEX)
SHARE_CAP_BITS = tuple(SMB2.field(f"smb2.share_caps.{a}", name, BOOL, bitmask=mask)
                       for a, name, mask in (
                           ("dfs", "DFS", 0x8),
                           ("continuous_availability", "CONTINUOUS AVAILABILITY", 0x10),
                           ("scaleout", "SCALEOUT", 0x20), ("cluster", "CLUSTER", 0x40),
                           ("assymetric", "ASSYMETRIC", 0x80),
                           ("redirect_to_owner", "REDIRECT_TO_OWNER", 0x100)))
UNKNOWN = SMB2.field("smb2.unknown", "Unknown", FT.BYTES)
WRITE_COUNT = SMB2.field("smb2.write.count", "Write Count", U32, DEC)
WRITE_REMAINING = SMB2.field("smb2.write.remaining", "Write Remaining", U32, DEC)
CHANNEL_INFO_OFFSET = SMB2.field("smb2.channel_info_offset", "Channel Info Offset", U16, DEC)
CHANNEL_INFO_LENGTH = SMB2.field("smb2.channel_info_length", "Channel Info Length", U16, DEC)
LOCK_COUNT = SMB2.field("smb2.lock_count", "Lock Count", U16, DEC)
LOCK_INFO = SMB2.field("smb2.lock_info", "Lock Info", FT.NONE)
LOCK_LENGTH = SMB2.field("smb2.lock_length", "Length", U64, DEC)
LOCK_FLAGS = SMB2.field("smb2.lock_flags", "Flags", U32, HEX)
LOCK_FLAG_BITS = tuple(SMB2.field(f"smb2.lock_flags.{a}", name, BOOL, bitmask=mask)
                       for a, name, mask in (("shared", "Shared", 0x1),
                                             ("exclusive", "Exclusive", 0x2),
                                             ("unlock", "Unlock", 0x4),
                                             ("fail_immediately", "Fail Immediately", 0x10)))
Body = Callable[[Packet, Item, Pdu, int, bool], None]
_MORE_PROCESSING = 0xC0000016


def _preauth(pkt: Packet, parent: Item, pdu: Pdu, base: bytes | None,
             show: bool = True) -> bytes | None:
    """SHA-512(previous hash + this message), shown first in the body. The first pass
    keeps each frame's value for -2's second pass, which shows it (and on a successful
    session setup response, which the first pass does not hash, the session's last)."""
    kept = pdu.session.state("pass1:smb2.preauth", dict)
    key = (pkt.frame.number, pdu.start)
    if pdu.session.pass_no == 2:
        h = kept.get(key)
        if h is not None:
            pkt.add(parent, PREAUTH_HASH, h, pdu.start, 0, generated=True, source=pdu.src)
        return h
    if base is None:
        return None
    h = hashlib.sha512(base + bytes(pdu.tvb.buf[pdu.start:pdu.end])).digest() if show else base
    if pdu.session.recording:
        kept[key] = h
    if show:
        pkt.add(parent, PREAUTH_HASH, h, pdu.start, 0, generated=True, source=pdu.src)
    return h


def security_blob(pkt: Packet, parent: Item, pdu: Pdu, off: int, n: int) -> None:
    """The GSS-API token, dissected by the registered "gssapi" dissector when there is
    one (its layers nest under the blob item, as in Wireshark's tree)."""
    tvb, src = pdu.tvb, pdu.src
    if n == 0:
        pkt.add(parent, SECURITY_BLOB, b"", off, 0, "Security Blob: <MISSING>: NO DATA",
                source=src)
        return
    tvb.need(off, n)
    item = pkt.add(parent, SECURITY_BLOB, tvb.bytes(off, n), off, n, source=src)
    fn = BY_NAME.get("gssapi")
    if fn is None:
        return
    n_top = len(pkt.tree)
    fn(tvb.sub(off, n), pkt, pdu.session)
    pdu.session.current_proto = "smb2"
    moved = pkt.tree[n_top:]
    if moved:
        del pkt.tree[n_top:]
        if item.children is None:
            item.children = []
        item.children.extend(moved)


def _caps(pkt: Packet, parent: Item, pdu: Pdu, off: int) -> None:
    _named_bits(pkt, parent, CAPABILITIES, CAPABILITY_BITS, pdu.tvb.u32le(off), off, 4, pdu.src)


def _named_bits(pkt: Packet, parent: Item, header: object, bits: tuple, value: int, off: int,
                width: int, src: int) -> None:
    flag_word(pkt, parent, header, bits, value, off, width, src, names=True)  # type: ignore[arg-type]


def negotiate_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    pdu.conn.preauth = _preauth(pkt, parent, pdu, bytes(64)) or bytes(64)
    buffer_code(pkt, parent, tvb, off, src)
    count = tvb.u16le(off + 2)
    pkt.add(parent, DIALECT_COUNT, count, off + 2, 2, source=src)
    _named_bits(pkt, parent, SEC_MODE, SEC_MODE_BITS, tvb.u16le(off + 4) & 0xFF, off + 4, 1, src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 6, 2), off + 6, 2, source=src)
    _caps(pkt, parent, pdu, off + 8)
    pkt.add(parent, CLIENT_GUID, guid_str(tvb.bytes(off + 12, 16)), off + 12, 16, source=src)
    pkt.add(parent, NEG_CONTEXT_OFFSET, tvb.u32le(off + 28), off + 28, 4, source=src)
    pkt.add(parent, NEG_CONTEXT_COUNT, tvb.u16le(off + 32), off + 32, 2, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 34, 2), off + 34, 2, source=src)
    for i in range(min(count, 64)):
        at = off + 36 + 2 * i
        pkt.add(parent, DIALECT, tvb.u16le(at), at, 2, source=src)


def negotiate_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    pdu.conn.preauth = _preauth(pkt, parent, pdu, pdu.conn.preauth) or pdu.conn.preauth
    buffer_code(pkt, parent, tvb, off, src)
    _named_bits(pkt, parent, SEC_MODE, SEC_MODE_BITS, tvb.u8(off + 2), off + 2, 1, src)
    pkt.add(parent, DIALECT, tvb.u16le(off + 4), off + 4, 2, source=src)
    pkt.add(parent, NEG_CONTEXT_COUNT, tvb.u16le(off + 6), off + 6, 2, source=src)
    pkt.add(parent, SERVER_GUID, guid_str(tvb.bytes(off + 8, 16)), off + 8, 16, source=src)
    _caps(pkt, parent, pdu, off + 24)
    for i, f in enumerate((MAX_TRANS_SIZE, MAX_READ_SIZE, MAX_WRITE_SIZE)):
        pkt.add(parent, f, tvb.u32le(off + 28 + 4 * i), off + 28 + 4 * i, 4, source=src)
    nt_time(pkt, parent, CURRENT_TIME, tvb, off + 40, src)
    nt_time(pkt, parent, BOOT_TIME, tvb, off + 48, src)
    o, n = olb16(pkt, parent, tvb, off + 56, src)
    security_blob(pkt, parent, pdu, pdu.start + o, n)
    pkt.add(parent, NEG_CONTEXT_OFFSET, tvb.u32le(off + 60), off + 60, 4, source=src)


def session_setup_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    pdu.conn.ss_preauth = _preauth(pkt, parent, pdu, pdu.conn.ss_preauth or pdu.conn.preauth)
    buffer_code(pkt, parent, tvb, off, src)
    flags = tvb.u8(off + 2)
    fi = pkt.add(parent, SES_REQ_FLAGS, flags, off + 2, 1, source=src)
    flag_bits_only(pkt, fi, (SES_BINDING,), flags, off + 2, 1, src)
    _named_bits(pkt, parent, SEC_MODE, SEC_MODE_BITS, tvb.u8(off + 3), off + 3, 1, src)
    _caps(pkt, parent, pdu, off + 4)
    pkt.add(parent, CHANNEL, tvb.u32le(off + 8), off + 8, 4, source=src)
    pkt.add(parent, PREVIOUS_SESID, tvb.u64le(off + 16), off + 16, 8, source=src)
    o, n = olb16(pkt, parent, tvb, off + 12, src)
    security_blob(pkt, parent, pdu, pdu.start + o, n)


def session_setup_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    if pdu.status == _MORE_PROCESSING:
        pdu.conn.ss_preauth = _preauth(pkt, parent, pdu, pdu.conn.ss_preauth)
    elif pdu.status == 0:
        _preauth(pkt, parent, pdu, pdu.conn.ss_preauth, show=False)
        pdu.conn.ss_preauth = None
        pdu.conn.first_of(pdu.conn.auth_frames, tvb.u64le(pdu.start + 40), pkt.frame.number)
    if error:
        error_response(pkt, parent, pdu, off)
        return
    buffer_code(pkt, parent, tvb, off, src)
    _named_bits(pkt, parent, SESSION_FLAGS, SESSION_FLAG_BITS, tvb.u16le(off + 2), off + 2, 2,
                src)
    o, n = olb16(pkt, parent, tvb, off + 4, src)
    security_blob(pkt, parent, pdu, pdu.start + o, n)


def flag_bits_only(pkt: Packet, item: Item, bits: tuple, value: int, off: int, width: int,
                   src: int) -> None:
    from dissectors.netbios_names import bit_label
    tree = pkt.tree_on
    for f in bits:
        pkt.add(item, f, bool(value & f.bitmask), off, width,
                bit_label(f, value, 8 * width) if tree else None, source=src)


def tree_connect_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    flags = tvb.u16le(off + 2)
    fi = pkt.add(parent, TC_FLAGS, flags, off + 2, 2, source=src)
    flag_bits_only(pkt, fi, TC_FLAG_BITS, flags, off + 2, 2, src)
    from dissectors.netbios_names import bit_label
    pkt.add(fi, TC_RESERVED, flags >> 3, off + 2, 2,
            bit_label(TC_RESERVED, flags, 16) if pkt.tree_on else None, source=src)
    o, n = tvb.u16le(off + 4), tvb.u16le(off + 6)
    path = utf16(tvb, pdu.start + o, n) if n else ""
    item = pkt.add(parent, TREE, path, pdu.start + o, n, source=src)
    olb16(pkt, item, tvb, off + 4, src)
    pkt.append_info(f" Tree: {path}")
    if pdu.request is not None:
        pdu.request.extra["tree"] = path


def tree_connect_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    share_type = tvb.u8(off + 2)
    path = pdu.request.extra.get("tree") if pdu.request is not None else None
    if isinstance(path, str):
        pdu.conn.first_of(pdu.conn.trees, tvb.u32le(pdu.start + 36),
                          (path, share_type, pkt.frame.number))
    pkt.add(parent, SHARE_TYPE, share_type, off + 2, 1, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 3, 1), off + 3, 1, source=src)
    flags = tvb.u32le(off + 4)
    fi = pkt.add(parent, SHARE_FLAGS, flags, off + 4, 4, None, source=src)
    _named_label(pkt, fi, SHARE_FLAGS, SHARE_FLAG_BITS, flags, 4)
    flag_bits_only(pkt, fi, SHARE_FLAG_BITS, flags, off + 4, 4, src)
    caching = flags & 0x30
    pkt.add(fi, SHARE_CACHING, caching, off + 4, 4, f"Caching policy: "
            f"{SHARE_CACHING.value_name(caching)} ({caching:08x})", source=src)
    _named_bits(pkt, parent, SHARE_CAPS, SHARE_CAP_BITS, tvb.u32le(off + 8), off + 8, 4, src)
    flag_word(pkt, parent, ACCESS_MASK, ACCESS_BITS, tvb.u32le(off + 12), off + 12, 4, src)


def _named_label(pkt: Packet, item: Item, header: object, bits: tuple, value: int,
                 width: int) -> None:
    if pkt.tree_on:
        from dissectors.netbios_names import bitmask_header
        item.text = bitmask_header(f"{header.name}: 0x{value:0{2 * width}x}", value, bits)  # type: ignore[attr-defined]


def _reserved2(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    buffer_code(pkt, parent, pdu.tvb, off, pdu.src)
    pkt.add(parent, RESERVED, pdu.tvb.bytes(off + 2, 2), off + 2, 2, source=pdu.src)


def _unknown2(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    buffer_code(pkt, parent, pdu.tvb, off, pdu.src)
    pkt.add(parent, UNKNOWN, pdu.tvb.bytes(off + 2, 2), off + 2, 2, source=pdu.src)


def _code_only(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    buffer_code(pkt, parent, pdu.tvb, off, pdu.src)


def flush_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    buffer_code(pkt, parent, pdu.tvb, off, pdu.src)
    pkt.add(parent, UNKNOWN, pdu.tvb.bytes(off + 2, 6), off + 2, 6, source=pdu.src)
    fid(pkt, parent, pdu, off + 8)


def write_response(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 2, 2), off + 2, 2, source=src)
    pkt.add(parent, WRITE_COUNT, tvb.u32le(off + 4), off + 4, 4, source=src)
    pkt.add(parent, WRITE_REMAINING, tvb.u32le(off + 8), off + 8, 4, source=src)
    pkt.add(parent, CHANNEL_INFO_OFFSET, tvb.u16le(off + 12), off + 12, 2, source=src)
    pkt.add(parent, CHANNEL_INFO_LENGTH, tvb.u16le(off + 14), off + 14, 2, source=src)


def lock_request(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    """Lock: the lock elements (Wireshark shows each one's offset after its subtree)."""
    tvb, src = pdu.tvb, pdu.src
    buffer_code(pkt, parent, tvb, off, src)
    count = tvb.u16le(off + 2)
    pkt.add(parent, LOCK_COUNT, count, off + 2, 2, source=src)
    pkt.add(parent, RESERVED, tvb.bytes(off + 4, 4), off + 4, 4, source=src)
    fid(pkt, parent, pdu, off + 8)
    at = off + 24
    for _ in range(min(count, 4096)):
        sub = pkt.add(parent, LOCK_INFO, None, at, 24, source=src)
        pkt.add(sub, LOCK_LENGTH, tvb.u64le(at + 8), at + 8, 8, source=src)
        _named_bits(pkt, sub, LOCK_FLAGS, LOCK_FLAG_BITS, tvb.u32le(at + 16), at + 16, 4, src)
        pkt.add(sub, RESERVED, tvb.bytes(at + 20, 4), at + 20, 4, source=src)
        pkt.add(parent, FILE_OFFSET, tvb.u64le(at), at, 8, source=src)
        at += 24


def unknown_body(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
    """A command Wireshark does not know: its bytes (even for an error response)."""
    n = max(0, pdu.end - off)
    pdu.tvb.need(off, n)
    pkt.add(parent, UNKNOWN, pdu.tvb.bytes(off, n), off, n, source=pdu.src)


def _or_error(fn: Body) -> Body:
    """The body, or the error response body for a failure."""
    def body(pkt: Packet, parent: Item, pdu: Pdu, off: int, error: bool) -> None:
        if error:
            error_response(pkt, parent, pdu, off)
        else:
            fn(pkt, parent, pdu, off, error)
    return body


_PLAIN: dict[tuple[int, bool], Body] = {
    (0, False): negotiate_request, (0, True): negotiate_response,
    (1, False): session_setup_request, (1, True): session_setup_response,
    (2, False): _code_only, (2, True): _reserved2,
    (3, False): tree_connect_request, (3, True): tree_connect_response,
    (4, False): _reserved2, (4, True): _reserved2,
    (7, False): flush_request, (7, True): _unknown2,
    (9, True): write_response,
    (12, False): _unknown2, (13, False): _unknown2, (13, True): _unknown2,
    (10, False): lock_request, (10, True): _unknown2,
}
SESSION_BODIES: dict[tuple[int, bool], Body] = {
    k: (fn if k == (1, True) else _or_error(fn)) for k, fn in _PLAIN.items()}
