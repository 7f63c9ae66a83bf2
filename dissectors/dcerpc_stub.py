"""DCE/RPC Request, Response and Fault bodies and their stub data, as tshark 4.0 shows
them when no dissector of the interface is present: the call's context id looked up
in the Binds seen ("No bind info ... capture start too late?" when none was), the
Response paired with its Request, and fragmented stubs ("Fragment: 1st/Mid/Last")
reassembled on the last fragment (Wireshark's dissect_dcerpc_cn_stub).
"""

from __future__ import annotations

from dissectors.dcerpc import (
    BODIES,
    CTX_ID,
    DCERPC,
    PDU_FAULT,
    PDU_REQ,
    PDU_RESP,
    Call,
    Header,
    add_bits,
    conv_key,
    guid,
    remember,
    state_of,
    u16,
    u32,
)
from dissectors.dcerpc_names import FAULT_STATUS as FAULT_STATUS_NAMES
from dissectors.packet import Packet
from dissectors.registry import FT, Base
from dissectors.session import Session
from dissectors.tvb import Tvb

_f = DCERPC.field
ALLOC_HINT = _f("dcerpc.cn_alloc_hint", "Alloc hint", FT.UINT32, Base.DEC)
OPNUM = _f("dcerpc.opnum", "Opnum", FT.UINT16, Base.DEC)
OBJ_ID = _f("dcerpc.obj_id", "Object", FT.GUID)
CANCEL_COUNT = _f("dcerpc.cn_cancel_count", "Cancel count", FT.UINT8, Base.DEC)
FAULT_FLAGS = _f("dcerpc.cn_fault_flags", "Fault flags", FT.UINT8, Base.HEX)
FAULT_BITS = (_f("dcerpc.cn_fault_flags.extended_error", "Extended error information present",
                 FT.BOOLEAN, bitmask=0x1),)
STATUS = _f("dcerpc.cn_status", "Status", FT.UINT32, Base.HEX, strings=FAULT_STATUS_NAMES)
STATUS_EXPERT = _f("dcerpc.cn_status.expert", "Fault", FT.NONE)
RESERVED = _f("dcerpc.reserved", "Reserved", FT.BYTES)
REQUEST_IN = _f("dcerpc.request_in", "Request in frame", FT.FRAMENUM)
RESPONSE_IN = _f("dcerpc.response_in", "Response in frame", FT.FRAMENUM)
TIME = _f("dcerpc.time", "Time from request", FT.RELATIVE_TIME)
STUB_DATA = _f("dcerpc.stub_data", "Stub data", FT.BYTES)
ENCRYPTED_STUB = _f("dcerpc.encrypted_stub_data", "Encrypted stub data", FT.BYTES)
AUTH_PADDING = _f("dcerpc.auth_padding", "Auth Padding", FT.BYTES)
FAULT_STUB = _f("dcerpc.fault_stub_data", "Fault stub data", FT.BYTES)
UNKNOWN_IF = _f("dcerpc.unknown_if_id", "Unknown DCERPC interface id", FT.BOOLEAN)
NO_BIND = _f("dcerpc.cn_ctx_id.no_bind", "No bind info for interface Context ID", FT.NONE)
FRAGMENTS = _f("dcerpc.fragments", "Reassembled DCE/RPC Fragments", FT.NONE)
FRAGMENT = _f("dcerpc.fragment", "DCE/RPC Fragment", FT.FRAMENUM)
FRAG_COUNT = _f("dcerpc.fragment.count", "Fragment count", FT.UINT32, Base.DEC)
REASSEMBLED_LEN = _f("dcerpc.reassembled.length", "Reassembled DCE/RPC length", FT.UINT32,
                     Base.DEC)
REASSEMBLED_IN = _f("dcerpc.reassembled_in", "Reassembled PDU in frame", FT.FRAMENUM)
FRAG_REASSEMBLED = _f("dcerpc.fragment_reassembled", "Fragment, reassembled", FT.NONE)
FRAGMENT_TYPES = ("Mid", "1st", "Last", "Single")
MAX_FRAGMENTS = 1024  # fragments kept for one call before the collection is dropped
MAX_STUB = 16 * 1024 * 1024  # bytes kept for one call's stub


def _stub_end(tvb: Tvb, h: Header, off: int) -> int:
    """Where the stub ends: before the auth trailer and its padding (kept with an
    encrypted stub)."""
    if h.trailer is None:
        end = tvb.rend - (h.auth_len + 8 if h.auth_len else 0)
    elif h.auth_level == 6:
        end = h.trailer
    else:
        end = h.trailer - h.auth_pad
    return max(off, end)


def _auth_padding(tvb: Tvb, pkt: Packet, h: Header, off: int) -> None:
    """The padding before the auth trailer (part of an encrypted stub)."""
    if h.trailer is not None and h.auth_level != 6 and h.auth_pad:
        at = max(off, h.trailer - h.auth_pad)
        if h.trailer > at:
            pkt.add(h.tree, AUTH_PADDING, tvb.bytes(at, h.trailer - at), at, h.trailer - at,
                    source=tvb.source)


def _no_bind(tvb: Tvb, pkt: Packet, h: Header, ctx_id: int, off: int) -> None:
    text = f"No bind info for interface Context ID {ctx_id} - capture start too late?"
    item = pkt.add_text(h.tree, text, off, 0, source=tvb.source)
    pkt.add_expert(item, "note", "undecoded", text, "dcerpc", field=NO_BIND)
    _show_stub(tvb, pkt, h.tree, off, _stub_end(tvb, h, off), h)


def _show_stub(tvb: Tvb, pkt: Packet, parent: object, off: int, end: int,
               h: Header | None = None) -> None:
    if end > off:
        tvb.need(off, end - off)
        sealed = h is not None and h.trailer is not None and h.auth_level == 6
        pkt.add(parent, ENCRYPTED_STUB if sealed else STUB_DATA, tvb.bytes(off, end - off), off, end - off,  # type: ignore[arg-type]
                source=tvb.source)


def _handoff(tvb: Tvb, pkt: Packet, h: Header, call: Call, off: int, end: int) -> None:
    """No dissector of the interface: the stub as bytes, the interface in Info."""
    pkt.add(h.tree, UNKNOWN_IF, True, off, 0, hidden=True, source=tvb.source)
    _show_stub(tvb, pkt, h.tree, off, end, h)
    pkt.append_info(f" {call.uuid} V{call.ver}")


def _stub(tvb: Tvb, pkt: Packet, session: Session, h: Header, call: Call, off: int,
          frame: int) -> None:
    """The stub of a call whose interface is bound: whole, or one fragment of it."""
    end = _stub_end(tvb, h, off)
    kind = h.flags & 3
    if kind == 3:
        _handoff(tvb, pkt, h, call, off, end)
        return
    name = FRAGMENT_TYPES[kind]
    tvb.need(off, end - off)
    data = tvb.bytes(off, end - off)
    key = (pkt.net_src, pkt.net_dst, frame)
    frags = state_of(session).frags
    if tvb.end < tvb.rend:  # (cut short by the capture: not collected)
        parts = None
    else:
        parts = frags.get(key)
        if parts is None or kind == 1:
            parts = []
            remember(frags, key, parts)
        if len(parts) >= MAX_FRAGMENTS or sum(len(d) for _, d in parts) > MAX_STUB:
            parts.clear()
        parts.append((pkt.frame.number, data))
    done = None if session.pass_no != 2 else session.state(
        "pass1:dcerpc.reassembled_in", dict).get((key, pkt.frame.number))
    if kind != 2 and done is not None:  # (-2: the frame that completed the stub)
        pkt.add(h.tree, REASSEMBLED_IN, done, off, 0, generated=True, source=tvb.source)
        h.summary.append(f", [Reas: #{done}]")
        pkt.append_info(f" [DCE/RPC {name} fragment, reas: #{done}]")
        pkt.add_note("chat", "reassemble", f"{name} fragment, reassembled in #{done}", "dcerpc")
        return
    if kind != 2 or parts is None:
        pkt.add_note("chat", "reassemble", f"{name} fragment", "dcerpc")
        _show_stub(tvb, pkt, None, off, end, h)
        return
    del frags[key]
    if session.recording:
        marks = session.state("pass1:dcerpc.reassembled_in", dict)
        for n, _d in parts[:-1]:
            marks[(key, n)] = pkt.frame.number
    whole = b"".join(d for _, d in parts)
    src = pkt.add_source(f"Reassembled DCE/RPC ({len(whole)} bytes)", whole)
    pkt.add(h.tree, UNKNOWN_IF, True, 0, 0, hidden=True, source=src)
    if whole:
        pkt.add(h.tree, STUB_DATA, whole, 0, len(whole), source=src)
    pkt.append_info(f" {call.uuid} V{call.ver}")
    label = (f"{len(parts)} Reassembled DCE/RPC Fragments ({len(whole)} bytes): "
             + ", ".join(f"#{n}({len(d)})" for n, d in parts))
    ft = pkt.add(None, FRAGMENTS, None, 0, len(whole), label, generated=True, source=src)
    for i, (n, d) in enumerate(parts):
        pkt.add(ft, FRAGMENT, n, 0, 0, f"Frame: {n}, payload: {i}-{i + len(d) - 1} "
                f"({len(d)} byte{'' if len(d) == 1 else 's'})", generated=True, source=src)
    pkt.add(ft, FRAG_COUNT, len(parts), 0, 0, generated=True, source=src)
    pkt.add(ft, REASSEMBLED_LEN, len(whole), 0, 0, generated=True, source=src)
    pkt.add_expert(ft, "chat", "reassemble", "Last fragment, reassembled", "dcerpc",
                   field=FRAG_REASSEMBLED)


def dissect_request(tvb: Tvb, pkt: Packet, session: Session, h: Header) -> None:
    src, le, t = tvb.source, h.little, h.tree
    off = h.start + 16
    alloc, ctx_id, opnum = u32(tvb, off, le), u16(tvb, off + 4, le), u16(tvb, off + 6, le)
    pkt.add(t, ALLOC_HINT, alloc, off, 4, source=src)
    pkt.add(t, CTX_ID, ctx_id, off + 4, 2, source=src)
    h.summary.append(f", Ctx: {ctx_id}")
    pkt.add(t, OPNUM, opnum, off + 6, 2, source=src)
    pkt.append_info(f", opnum: {opnum}, Ctx: {ctx_id}")
    off += 8
    if h.flags & 0x80:
        obj = guid(tvb, off, le)
        pkt.add(t, OBJ_ID, obj, off, 16, f"Object UUID: {obj}", source=src)
        off += 16
    state, conv = state_of(session), conv_key(pkt)
    bind = state.binds.get((conv, ctx_id, h.salt))
    call = None
    ckey = (conv, h.call_id, h.salt)
    if bind is not None:
        if h.flags & 1:
            call = Call(bind.uuid, bind.ver, opnum, pkt.frame.number, pkt.frame.ts_ns)
            remember(state.calls, ckey, call)
        else:
            call = state.calls.get(ckey)
    if call is None:
        _no_bind(tvb, pkt, h, ctx_id, off)
        _auth_padding(tvb, pkt, h, off)
        return
    if session.pass_no == 2:
        rep = session.state("pass1:dcerpc.response_in", dict).get((ckey, call.req_frame))
        if rep:
            pkt.add(t, RESPONSE_IN, rep, off, 0, generated=True, source=src)
            h.summary.append(f", [Resp: #{rep}]")
    _stub(tvb, pkt, session, h, call, off, call.req_frame)
    _auth_padding(tvb, pkt, h, off)


def _answered(pkt: Packet, session: Session, h: Header) -> tuple[Call | None, tuple]:
    """The call a Response or Fault answers (its Request seen earlier)."""
    ckey = (conv_key(pkt), h.call_id, h.salt)
    call = state_of(session).calls.get(ckey)
    if call is None or call.req_frame >= pkt.frame.number:
        return None, ckey
    if call.rep_frame == 0:
        call.rep_frame = pkt.frame.number
        if session.recording:
            session.state("pass1:dcerpc.response_in", dict).setdefault(
                (ckey, call.req_frame), pkt.frame.number)
    return call, ckey


def _request_items(tvb: Tvb, pkt: Packet, h: Header, call: Call, off: int) -> None:
    src = tvb.source
    pkt.add(h.tree, OPNUM, call.opnum, off, 0, generated=True, source=src)
    pkt.add(h.tree, REQUEST_IN, call.req_frame, off, 0, generated=True, source=src)
    h.summary.append(f", [Req: #{call.req_frame}]")
    pkt.add(h.tree, TIME, pkt.frame.ts_ns - call.req_ts, off, 0, generated=True, source=src)


def dissect_response(tvb: Tvb, pkt: Packet, session: Session, h: Header) -> None:
    src, le, t = tvb.source, h.little, h.tree
    off = h.start + 16
    ctx_id = u16(tvb, off + 4, le)
    pkt.add(t, ALLOC_HINT, u32(tvb, off, le), off, 4, source=src)
    pkt.add(t, CTX_ID, ctx_id, off + 4, 2, source=src)
    h.summary.append(f", Ctx: {ctx_id}")
    pkt.append_info(f", Ctx: {ctx_id}")
    pkt.add(t, CANCEL_COUNT, tvb.u8(off + 6), off + 6, 1, source=src)
    off += 8
    call, _ckey = _answered(pkt, session, h)
    if call is None:
        _no_bind(tvb, pkt, h, ctx_id, off)
        _auth_padding(tvb, pkt, h, off)
        return
    _request_items(tvb, pkt, h, call, off)
    _stub(tvb, pkt, session, h, call, off, call.rep_frame)
    _auth_padding(tvb, pkt, h, off)


def dissect_fault(tvb: Tvb, pkt: Packet, session: Session, h: Header) -> None:
    src, le, t = tvb.source, h.little, h.tree
    off = h.start + 16
    ctx_id = u16(tvb, off + 4, le)
    pkt.add(t, ALLOC_HINT, u32(tvb, off, le), off, 4, source=src)
    pkt.add(t, CTX_ID, ctx_id, off + 4, 2, source=src)
    pkt.add(t, CANCEL_COUNT, tvb.u8(off + 6), off + 6, 1, source=src)
    add_bits(pkt, t, FAULT_FLAGS, FAULT_BITS, tvb.u8(off + 7), off + 7, 1, src, True)
    status = u32(tvb, off + 8, le)
    name = FAULT_STATUS_NAMES.get(status, f"Unknown (0x{status:08x})")
    si = pkt.add(t, STATUS, status, off + 8, 4, None if status in FAULT_STATUS_NAMES else
                 f"Status: Unknown (0x{status:08x})", source=src)
    pkt.add_expert(si, "note", "response_code", f"Fault: {name}", "dcerpc", field=STATUS_EXPERT)
    pkt.add(t, RESERVED, tvb.bytes(off + 12, 4), off + 12, 4, source=src)
    pkt.append_info(f", Ctx: {ctx_id}, status: {name}")
    off += 16
    call, _ckey = _answered(pkt, session, h)
    if call is None:
        return
    _request_items(tvb, pkt, h, call, off)
    end = _stub_end(tvb, h, off)
    if end > off:
        tvb.need(off, end - off)
        pkt.add(t, FAULT_STUB, tvb.bytes(off, end - off), off, end - off, source=src)
    else:
        pkt.add_text(t, "Fault stub data (0 bytes)", off, 0, source=src)


BODIES.update({PDU_REQ: dissect_request, PDU_RESP: dissect_response,
               PDU_FAULT: dissect_fault})
