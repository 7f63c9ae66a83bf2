"""DCE/RPC connection-oriented PDUs (C706 chapter 12) as tshark 4.0 shows them: the
common header, Bind / Alter_context and their acks and nak, Request, Response, Fault;
per conversation (and SMB pipe FID) the context ids a Bind named, so a Request names
its interface and a Response its request. No interface's stub is decoded: it is shown
as "Stub data", fragments reassembled (dcerpc_stub.py). Over TCP port 135 (the endpoint
mapper) PDUs are framed by their frag length; smb_pipe.py calls `dissect_pdus` for
named pipes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from dissectors import bounded
from dissectors.dcerpc_names import (
    ACK_REASONS,
    ACK_RESULTS,
    AUTH_LEVELS,
    AUTH_TYPES,
    BYTE_ORDERS,
    CHARACTERS,
    FLOATS,
    PKT_TYPES,
    REJECT_REASONS,
)
from dissectors.dispatch import BY_NAME, TCP_HEUR, TCP_PORT, call_under, register_dissector
from dissectors.escape import format_text
from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.ntlmssp import add_verifier
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.ports import Conversations
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tcp_reassembly import tcp_dissect_pdus
from dissectors.tvb import Tvb

DCERPC = protocol("dcerpc", "Distributed Computing Environment / Remote Procedure Call "
                  "(DCE/RPC)", "DCERPC")
_f = DCERPC.field
VER = _f("dcerpc.ver", "Version", FT.UINT8, Base.DEC)
VER_MINOR = _f("dcerpc.ver_minor", "Version (minor)", FT.UINT8, Base.DEC)
PKT_TYPE = _f("dcerpc.pkt_type", "Packet type", FT.UINT8, Base.DEC, strings=PKT_TYPES)
FLAGS = _f("dcerpc.cn_flags", "Packet Flags", FT.UINT8, Base.HEX)
FLAG_BITS = tuple(_f(f"dcerpc.cn_flags.{a}", name, FT.BOOLEAN, bitmask=mask,
                     strings=("Set", "Not set")) for a, name, mask in (
    ("object", "Object", 0x80), ("maybe", "Maybe", 0x40), ("dne", "Did Not Execute", 0x20),
    ("mpx", "Multiplex", 0x10), ("reserved", "Reserved", 0x08),
    ("cancel_pending", "Cancel Pending", 0x04), ("last_frag", "Last Frag", 0x02),
    ("first_frag", "First Frag", 0x01)))
DREP = _f("dcerpc.drep", "Data Representation", FT.BYTES)
DREP_ORDER = _f("dcerpc.drep.byteorder", "Byte order", FT.UINT8, Base.DEC, strings=BYTE_ORDERS)
DREP_CHAR = _f("dcerpc.drep.character", "Character", FT.UINT8, Base.DEC, strings=CHARACTERS)
DREP_FP = _f("dcerpc.drep.fp", "Floating-point", FT.UINT8, Base.DEC, strings=FLOATS)
FRAG_LEN = _f("dcerpc.cn_frag_len", "Frag Length", FT.UINT16, Base.DEC)
AUTH_LEN = _f("dcerpc.cn_auth_len", "Auth Length", FT.UINT16, Base.DEC)
CALL_ID = _f("dcerpc.cn_call_id", "Call ID", FT.UINT32, Base.DEC)
MAX_XMIT = _f("dcerpc.cn_max_xmit", "Max Xmit Frag", FT.UINT16, Base.DEC)
MAX_RECV = _f("dcerpc.cn_max_recv", "Max Recv Frag", FT.UINT16, Base.DEC)
ASSOC_GROUP = _f("dcerpc.cn_assoc_group", "Assoc Group", FT.UINT32, Base.HEX)
NUM_CTX_ITEMS = _f("dcerpc.cn_num_ctx_items", "Num Ctx Items", FT.UINT8, Base.DEC)
CTX_ITEM = _f("dcerpc.cn_ctx_item", "Ctx Item", FT.NONE)
CTX_ID = _f("dcerpc.cn_ctx_id", "Context ID", FT.UINT16, Base.DEC)
NUM_TRANS = _f("dcerpc.cn_num_trans_items", "Num Trans Items", FT.UINT8, Base.DEC)
ABSTRACT = _f("dcerpc.cn_bind_abstract_syntax", "Abstract Syntax", FT.NONE)
IF_UUID = _f("dcerpc.cn_bind_to_uuid", "Interface UUID", FT.GUID)
IF_VER = _f("dcerpc.cn_bind_if_ver", "Interface Ver", FT.UINT16, Base.DEC)
IF_VER_MINOR = _f("dcerpc.cn_bind_if_ver_minor", "Interface Ver Minor", FT.UINT16, Base.DEC)
TRANS = _f("dcerpc.cn_bind_trans", "Transfer Syntax", FT.NONE)
TRANS_ID = _f("dcerpc.cn_bind_trans_id", "ID", FT.GUID)
TRANS_VER = _f("dcerpc.cn_bind_trans_ver", "ver", FT.UINT32, Base.DEC)
BTFN = _f("dcerpc.cn_bind_trans_btfn", "Bind Time Features", FT.UINT16, Base.HEX)
BTFN_BITS = (_f("dcerpc.cn_bind_trans_btfn.01", "Security Context Multiplexing Supported",
                FT.BOOLEAN, bitmask=0x1),
             _f("dcerpc.cn_bind_trans_btfn.02", "Keep Connection On Orphan Supported",
                FT.BOOLEAN, bitmask=0x2))
SEC_ADDR_LEN = _f("dcerpc.cn_sec_addr_len", "Scndry Addr len", FT.UINT16, Base.DEC)
SEC_ADDR = _f("dcerpc.cn_sec_addr", "Scndry Addr", FT.STRINGZ)
NUM_RESULTS = _f("dcerpc.cn_num_results", "Num results", FT.UINT8, Base.DEC)
ACK_RESULT = _f("dcerpc.cn_ack_result", "Ack result", FT.UINT16, Base.DEC, strings=ACK_RESULTS)
ACK_REASON = _f("dcerpc.cn_ack_reason", "Ack reason", FT.UINT16, Base.DEC, strings=ACK_REASONS)
ACK_TRANS_ID = _f("dcerpc.cn_ack_trans_id", "Transfer Syntax", FT.GUID)
ACK_TRANS_VER = _f("dcerpc.cn_ack_trans_ver", "Syntax ver", FT.UINT32, Base.DEC)
REJECT_REASON = _f("dcerpc.cn_reject_reason", "Reject reason", FT.UINT16, Base.DEC,
                   strings=REJECT_REASONS)
NUM_PROTOCOLS = _f("dcerpc.cn_num_protocols", "Number of protocols", FT.UINT8, Base.DEC)
PROTO_MAJOR = _f("dcerpc.cn_protocol_ver_major", "Protocol major version", FT.UINT8, Base.DEC)
PROTO_MINOR = _f("dcerpc.cn_protocol_ver_minor", "Protocol minor version", FT.UINT8, Base.DEC)
AUTH_INFO = _f("dcerpc.auth_info", "Auth Info", FT.NONE)
AUTH_TYPE = _f("dcerpc.auth_type", "Auth type", FT.UINT8, Base.DEC, strings=AUTH_TYPES)
AUTH_LEVEL = _f("dcerpc.auth_level", "Auth level", FT.UINT8, Base.DEC, strings=AUTH_LEVELS)
AUTH_PAD_LEN = _f("dcerpc.auth_pad_len", "Auth pad len", FT.UINT8, Base.DEC)
AUTH_RSRVD = _f("dcerpc.auth_rsrvd", "Auth Rsrvd", FT.UINT8, Base.DEC)
AUTH_CTX_ID = _f("dcerpc.auth_ctx_id", "Auth Context ID", FT.UINT32, Base.DEC)
AUTH_NTLMSSP = 10
NOT_ACKED = _f("dcerpc.bind_not_acknowledged", "Bind not acknowledged", FT.NONE)

PDU_REQ, PDU_RESP, PDU_FAULT = 0, 2, 3
PDU_BIND, PDU_BIND_ACK, PDU_BIND_NAK, PDU_ALTER, PDU_ALTER_RESP = 11, 12, 13, 14, 15
PDU_AUTH3 = 16
HEADER_LEN = 16
FRAGMENT_TYPES = ("Mid", "1st", "Last", "Single")
#: Transfer syntaxes by name (Wireshark's registered GUID names that a bind shows).
SYNTAX_NAMES = {
    "8a885d04-1ceb-11c9-9fe8-08002b104860": "32bit NDR",
    "71710533-beba-4937-8319-b5dbef9ccc36": "64bit NDR",
    "00000000-0000-0000-0000-000000000000": "PNIO (Implicit Ar)",
}
BTFN_PREFIX = "6cb71c2c-9812-4540-"


@dataclass(slots=True)
class Header:
    """The common header of one PDU (what the bodies need from it)."""

    start: int
    ptype: int
    flags: int
    little: bool  # the data representation's integer byte order
    frag_len: int
    auth_len: int
    call_id: int
    salt: int | None  # the SMB pipe's FID (Wireshark's transport salt); None over TCP
    top: Item
    tree: Item  # the PDU's items (the null item when nobody reads them)
    summary: list[str]  # the layer's label, appended to by the bodies
    trailer: int | None = None  # where the auth trailer (sec_trailer) starts
    auth_type: int = 0
    auth_level: int = 0
    auth_pad: int = 0


@dataclass(slots=True)
class Binding:
    """A context id's interface (from a Bind or Alter_context)."""

    uuid: str
    ver: int


@dataclass(slots=True)
class Call:
    """A call seen in its Request: what the Response and the fragments need."""

    uuid: str
    ver: int
    opnum: int
    req_frame: int
    req_ts: int
    rep_frame: int = 0


@dataclass(slots=True)
class DcerpcState:
    """Per capture: context bindings and calls by (conversation, id, salt), and the stub
    fragments being collected by (addresses, first frame)."""

    binds: dict[tuple, Binding]
    calls: dict[tuple, Call]
    frags: dict[tuple, list[tuple[int, bytes]]]


MAX_PENDING = 4096  # bindings/calls kept per capture before the oldest are dropped


def state_of(session: Session) -> DcerpcState:
    return session.state("dcerpc.state", lambda: DcerpcState({}, {}, {}))


def conv_key(pkt: Packet) -> tuple:
    a, b = (pkt.net_src, pkt.srcport), (pkt.net_dst, pkt.dstport)
    return (a, b) if a <= b else (b, a)


def remember(table: dict, key: tuple, value: object) -> None:
    """Insert, dropping the oldest entries past MAX_PENDING (bounded memory)."""
    bounded.remember(table, key, value, MAX_PENDING)


def u16(tvb: Tvb, off: int, little: bool) -> int:
    return tvb.u16le(off) if little else tvb.u16(off)


def u32(tvb: Tvb, off: int, little: bool) -> int:
    return tvb.u32le(off) if little else tvb.u32(off)


def guid(tvb: Tvb, off: int, little: bool) -> str:
    raw = tvb.bytes(off, 16)
    return str(uuid.UUID(bytes_le=raw) if little else uuid.UUID(bytes=raw))


def syntax_name(u: str) -> str:
    if u.startswith(BTFN_PREFIX):
        return "Bind Time Feature Negotiation"
    return SYNTAX_NAMES.get(u, u)


def is_dcerpc(tvb: Tvb, off: int) -> bool:
    """A whole common header of version 5.0/5.1 with a known packet type, a valid data
    representation and a frag length that holds the header (Wireshark's is_dcerpc)."""
    if tvb.end - off < HEADER_LEN:
        return False
    b = tvb.buf
    return (b[off] == 5 and b[off + 1] in (0, 1) and b[off + 2] <= 20
            and not b[off + 4] & 0xEE and b[off + 5] <= 3
            and u16(tvb, off + 8, bool(b[off + 4] & 0x10)) >= HEADER_LEN)


def _pdu_len(tvb: Tvb, pkt: Packet, off: int) -> int:
    """The frag length (a zero one is as bogus as any below the header's 16)."""
    return u16(tvb, off + 8, bool(tvb.u8(off + 4) & 0x10)) or 1


def dissect_dcerpc_tcp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """TCP port 135: PDUs framed by their frag length (tcp_dissect_pdus)."""
    if not is_dcerpc(tvb, tvb.start):
        return False
    session.current_proto = "dcerpc"
    tcp_dissect_pdus(tvb, pkt, session, HEADER_LEN, _pdu_len,
                     lambda t, p, s: dissect_pdu(t, p, s, None))
    return None


def heur_dcerpc_tcp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """DCE/RPC on any TCP port (calls to the ports the endpoint mapper hands out): the
    connection then goes to DCE/RPC first (Wireshark's conversation_set_dissector)."""
    if not is_dcerpc(tvb, tvb.start):
        return False
    session.state("tcp.conversations", Conversations).bind(
        pkt.net_src, pkt.srcport, pkt.net_dst, pkt.dstport, "dcerpc")
    return dissect_dcerpc_tcp(tvb, pkt, session)


def dissect_pdus(tvb: Tvb, pkt: Packet, session: Session, salt: int | None) -> bool:
    """The PDUs of an SMB pipe transaction's data; False when it holds none."""
    off = tvb.start
    if not is_dcerpc(tvb, off):
        return False
    while off < tvb.rend and tvb.end - off >= HEADER_LEN:
        n = _pdu_len(tvb, pkt, off)
        dissect_pdu(tvb.sub(off, min(n, tvb.rend - off)), pkt, session, salt)
        if n < HEADER_LEN:
            break
        off += n
    return True


def add_bits(pkt: Packet, parent: Item, header: Field, bits: tuple[Field, ...], value: int,
          off: int, width: int, src: int, names: bool) -> None:
    label = f"{header.name}: 0x{value:0{2 * width}x}"
    item = pkt.add(parent, header, value, off, width,
                   bitmask_header(label, value, bits) if names else label, source=src)
    for f in bits:
        pkt.add(item, f, bool(value & f.bitmask), off, width, bit_label(f, value, 8 * width),
                source=src)


def dissect_pdu(tvb: Tvb, pkt: Packet, session: Session, salt: int | None) -> None:
    """One PDU (Wireshark's dissect_dcerpc_cn): the header, then its body."""
    session.current_proto = "dcerpc"
    pkt.proto_col = "DCERPC"
    s, src = tvb.start, tvb.source
    tvb.need(s, HEADER_LEN)
    ptype, flags = tvb.u8(s + 2), tvb.u8(s + 3)
    drep = tvb.bytes(s + 4, 4)
    little = bool(drep[0] & 0x10)
    frag_len, auth_len = u16(tvb, s + 8, little), u16(tvb, s + 10, little)
    call_id = u32(tvb, s + 12, little)
    name = PKT_TYPES.get(ptype, f"Unknown ({ptype})")
    frag = FRAGMENT_TYPES[flags & 3]
    pkt.set_info(f"{name}: call_id: {call_id}, Fragment: {frag}")
    summary = [f"{DCERPC.name} {name}, Fragment: {frag}, FragLen: {frag_len}, Call: {call_id}"]
    again = bool(pkt.protocols) and pkt.protocols[-1] == "dcerpc"  # (a later PDU)
    top = pkt.add_proto(DCERPC, s, tvb.rend - s, summary[0], source=src, in_stack=not again)
    items = pkt.wants_layer("dcerpc")
    tree = top
    h = Header(s, ptype, flags, little, frag_len, auth_len, call_id, salt, top, tree, summary)
    try:
        if items:
            pkt.add(tree, VER, tvb.u8(s), s, 1, source=src)
            pkt.add(tree, VER_MINOR, tvb.u8(s + 1), s + 1, 1, source=src)
        type_item = pkt.add(tree, PKT_TYPE, ptype, s + 2, 1, source=src)
        if items:
            add_bits(pkt, tree, FLAGS, FLAG_BITS, flags, s + 3, 1, src, False)
            text = (f"Data Representation: {drep.hex()} (Order: {BYTE_ORDERS.get(drep[0] >> 4, '')}"
                    f", Char: {CHARACTERS.get(drep[0] & 15, '')}, Float: "
                    f"{FLOATS.get(drep[1], '')})") if pkt.tree_on else None
            di = pkt.add(tree, DREP, drep, s + 4, 4, text, source=src)
            pkt.add(di, DREP_ORDER, drep[0] >> 4, s + 4, 1, source=src)
            pkt.add(di, DREP_CHAR, drep[0] & 15, s + 4, 1, source=src)
            pkt.add(di, DREP_FP, drep[1], s + 5, 1, source=src)
            pkt.add(tree, FRAG_LEN, frag_len, s + 8, 2, source=src)
            pkt.add(tree, AUTH_LEN, auth_len, s + 10, 2, source=src)
            pkt.add(tree, CALL_ID, call_id, s + 12, 4, source=src)
        if ptype == PDU_BIND_NAK:
            pkt.add_expert(type_item, "warning", "sequence", "Bind not acknowledged", "dcerpc",
                           field=NOT_ACKED)
        _trailer(tvb, h)
        body = BODIES.get(ptype)
        if body is not None:
            body(tvb, pkt, session, h)
        if h.trailer is not None:
            dissect_auth(tvb, pkt, session, h)
    finally:
        if pkt.tree_on:
            top.text = "".join(summary)


def _trailer(tvb: Tvb, h: Header) -> None:
    """The auth trailer's place and fields, when the PDU says it has one and holds it."""
    if not h.auth_len:
        return
    at = h.start + h.frag_len - h.auth_len - 8
    if at < h.start + HEADER_LEN or at + 8 > tvb.end:
        return
    h.trailer = at
    h.auth_type, h.auth_level, h.auth_pad = tvb.u8(at), tvb.u8(at + 1), tvb.u8(at + 2)


def dissect_auth(tvb: Tvb, pkt: Packet, session: Session, h: Header) -> None:
    """The auth trailer and its verifier (Wireshark's dissect_dcerpc_cn_auth): an
    NTLMSSP token in a bind, alter context or AUTH3, else NTLMSSP's verifier."""
    at, src = h.trailer, tvb.source
    assert at is not None
    tname = AUTH_TYPES.get(h.auth_type, f"Unknown ({h.auth_type})")
    lname = AUTH_LEVELS.get(h.auth_level, f"Unknown ({h.auth_level})")
    ctx = u32(tvb, at + 4, h.little)
    end = min(tvb.rend, at + 8 + h.auth_len)
    if h.ptype not in (PDU_BIND, PDU_BIND_ACK, PDU_ALTER, PDU_ALTER_RESP, PDU_AUTH3):
        # (tshark's verifier adds an empty Auth Info item first: JSON shows it)
        pkt.add(h.tree, AUTH_INFO, None, at, 0, hidden=True, source=src)
    ai = pkt.add(h.tree, AUTH_INFO, None, at, end - at,
                 f"Auth Info: {tname}, {lname}, AuthContextId({ctx})", source=src)
    pkt.add(ai, AUTH_TYPE, h.auth_type, at, 1, source=src)
    pkt.add(ai, AUTH_LEVEL, h.auth_level, at + 1, 1, source=src)
    pkt.add(ai, AUTH_PAD_LEN, h.auth_pad, at + 2, 1, source=src)
    pkt.add(ai, AUTH_RSRVD, tvb.u8(at + 3), at + 3, 1, source=src)
    pkt.add(ai, AUTH_CTX_ID, ctx, at + 4, 4, source=src)
    if h.auth_type != AUTH_NTLMSSP:
        return
    token = tvb.sub(at + 8, end - (at + 8))
    if h.ptype in (PDU_BIND, PDU_BIND_ACK, PDU_ALTER, PDU_ALTER_RESP, PDU_AUTH3):
        if tvb.end - (at + 8) >= 12:
            stack = len(pkt.protocols)  # (an auth token: not a layer of frame.protocols)
            try:
                call_under(ai, BY_NAME["ntlmssp"], token, pkt, session)
            finally:
                del pkt.protocols[stack:]
            session.current_proto = "dcerpc"
    else:
        add_verifier(token, pkt, ai)


def dissect_bind(tvb: Tvb, pkt: Packet, session: Session, h: Header) -> None:
    """Bind / Alter_context: the presentation contexts offered, remembered by id."""
    src, le, t = tvb.source, h.little, h.tree
    off = h.start + HEADER_LEN
    _xmit_recv(tvb, pkt, h, off)
    n = tvb.u8(off + 8)
    pkt.add(t, NUM_CTX_ITEMS, n, off + 8, 1, source=src)
    off += 12
    pkt.append_info(f", {n} context items:")
    state, conv = state_of(session), conv_key(pkt)
    for i in range(n):
        start = off
        ctx_id, ntrans = u16(tvb, off, le), tvb.u8(off + 2)
        ci = pkt.add(t, CTX_ITEM, None, off, 0, source=src)
        pkt.add(ci, CTX_ID, ctx_id, off, 2, source=src)
        pkt.add(ci, NUM_TRANS, ntrans, off + 2, 1, source=src)
        off += 4
        if_uuid = guid(tvb, off, le)
        ver, minor = u16(tvb, off + 16, le), u16(tvb, off + 18, le)
        ai = pkt.add(ci, ABSTRACT, None, off, 20, f"Abstract Syntax: {if_uuid} V{ver}.{minor}",
                     source=src)
        pkt.add(ai, IF_UUID, if_uuid, off, 16, source=src)
        pkt.add(ai, IF_VER, ver, off + 16, 2, source=src)
        pkt.add(ai, IF_VER_MINOR, minor, off + 18, 2, source=src)
        off += 20
        remember(state.binds, (conv, ctx_id, h.salt), Binding(if_uuid, ver))
        names = []
        for j in range(ntrans):
            tid = guid(tvb, off, le)
            tname = syntax_name(tid)
            tver = u32(tvb, off + 16, le)
            names.append(tname)
            ti = pkt.add(ci, TRANS, None, off, 20, f"Transfer Syntax[{j + 1}]: {tname} V{tver}",
                         source=src)
            pkt.add(ti, TRANS_ID, tid, off, 16, f"Transfer Syntax: {tname} UUID:{tid}"
                    if tname != tid else f"Transfer Syntax: {tid}", source=src)
            if tid.startswith(BTFN_PREFIX):
                add_bits(pkt, ti, BTFN, BTFN_BITS, tvb.u16le(off + 8), off + 8, 2, src, True)
            pkt.add(ti, TRANS_VER, tver, off + 16, 4, source=src)
            off += 20
        if pkt.tree_on:
            ci.text = ", ".join([f"Ctx Item[{i + 1}]: Context ID:{ctx_id}", if_uuid, *names])
            ci.length = off - start
        last = f" ({SYNTAX_NAMES.get(tid, tid)})" if ntrans else ""  # (Info: no BTFN name)
        pkt.append_info(f"{',' if i else ''} {if_uuid} V{ver}.{minor}{last}")


def _xmit_recv(tvb: Tvb, pkt: Packet, h: Header, off: int) -> None:
    src, le = tvb.source, h.little
    pkt.add(h.tree, MAX_XMIT, u16(tvb, off, le), off, 2, source=src)
    pkt.add(h.tree, MAX_RECV, u16(tvb, off + 2, le), off + 2, 2, source=src)
    pkt.add(h.tree, ASSOC_GROUP, u32(tvb, off + 4, le), off + 4, 4, source=src)


def dissect_bind_ack(tvb: Tvb, pkt: Packet, session: Session, h: Header) -> None:
    """Bind_ack / Alter_context_resp: the secondary address and each context's result."""
    src, le, t = tvb.source, h.little, h.tree
    off = h.start + HEADER_LEN
    _xmit_recv(tvb, pkt, h, off)
    xmit, recv = u16(tvb, off, le), u16(tvb, off + 2, le)
    off += 8
    alen = u16(tvb, off, le)
    pkt.add(t, SEC_ADDR_LEN, alen, off, 2, source=src)
    off += 2
    if alen:
        raw = tvb.bytes(off, alen).split(b"\0", 1)[0]
        pkt.add(t, SEC_ADDR, raw.decode("ascii", "replace"), off, alen,
                f"Scndry Addr: {format_text(raw)}" if pkt.tree_on else None, source=src)
        off += alen
    off += (4 - (off - h.start) % 4) % 4
    n = tvb.u8(off)
    pkt.add(t, NUM_RESULTS, n, off, 1, source=src)
    off += 4
    pkt.append_info(f", max_xmit: {xmit} max_recv: {recv}, {n} results:")
    for i in range(n):
        result, reason = u16(tvb, off, le), u16(tvb, off + 2, le)
        rname = ACK_RESULTS.get(result, f"Unknown ({result})")
        tid = guid(tvb, off + 4, le)
        tname = syntax_name(tid)
        ci = pkt.add_text(t, f"Ctx Item[{i + 1}]: {rname}, {tname}", off, 24, source=src)
        pkt.add(ci, ACK_RESULT, result, off, 2, source=src)
        if result == 3:
            add_bits(pkt, ci, BTFN, BTFN_BITS, reason, off + 2, 2, src, True)
        elif result != 0:
            pkt.add(ci, ACK_REASON, reason, off + 2, 2, source=src)
        pkt.add(ci, ACK_TRANS_ID, tid, off + 4, 16, f"Transfer Syntax: {tname}", source=src)
        pkt.add(ci, ACK_TRANS_VER, u32(tvb, off + 20, le), off + 20, 4, source=src)
        pkt.append_info(f"{',' if i else ''} {rname}")
        off += 24


def dissect_bind_nak(tvb: Tvb, pkt: Packet, session: Session, h: Header) -> None:
    src, off = tvb.source, h.start + HEADER_LEN
    reason = u16(tvb, off, h.little)
    pkt.add(h.tree, REJECT_REASON, reason, off, 2, source=src)
    pkt.append_info(f" reason: {REJECT_REASONS.get(reason, f'Unknown ({reason})')}")
    if reason == 4:
        n = tvb.u8(off + 2)
        pkt.add(h.tree, NUM_PROTOCOLS, n, off + 2, 1, source=src)
        off += 3
        for _ in range(n):
            pkt.add(h.tree, PROTO_MAJOR, tvb.u8(off), off, 1, source=src)
            pkt.add(h.tree, PROTO_MINOR, tvb.u8(off + 1), off + 1, 1, source=src)
            off += 2


#: The bodies by packet type: body(tvb, pkt, session, header); dcerpc_stub.py adds
#: Request, Response and Fault.
BODIES: dict[int, Callable[[Tvb, Packet, Session, Header], None]] = {
    PDU_BIND: dissect_bind, PDU_ALTER: dissect_bind, PDU_BIND_ACK: dissect_bind_ack,
    PDU_ALTER_RESP: dissect_bind_ack, PDU_BIND_NAK: dissect_bind_nak}

TCP_PORT.register(135, dissect_dcerpc_tcp, "dcerpc")
TCP_HEUR.register("dcerpc", heur_dcerpc_tcp)
register_dissector("dcerpc", dissect_dcerpc_tcp)
register_learner_layer("dcerpc", "DCE/RPC")
