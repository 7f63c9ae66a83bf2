"""ONC-RPC (RFC 5531) over UDP and over TCP with record marking, as tshark 4.0 shows it.

    call:  XID | 0 | rpcvers=2 | prog | vers | proc | cred (flavor, len, body) | verf | args
    reply: XID | 1 | accepted(0): verf | accept_stat | results   denied(1): reject_stat ...
    TCP:   each record is preceded by a 4-byte marker: last-fragment bit | 31-bit length
A call is taken (UDP/TCP heuristic, or port 111) only for a program declared with
`register_program`; a reply only when its call was seen in the same conversation (by
XID), which tells the reply its program, version and procedure. Programs hand their
bodies to the dissectors they register (NFS: nfs.py). Every XDR length read from the
packet is checked against the bytes present before it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dissectors.bounded import remember
from dissectors.dispatch import (
    BY_NAME,
    TCP_HEUR,
    TCP_PORT,
    UDP_HEUR,
    UDP_PORT,
    call_under,
    register_dissector,
)
from dissectors.escape import format_text
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet, tshark_has_tree
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import BoundsError, Tvb


class Named(dict):  # type: ignore[type-arg]
    """A value-name table whose missing values the tree names "Unknown", as tshark's
    VALS() labels do ("Flavor: Unknown (7)")."""

    def get(self, key: object, default: object = None) -> object:  # type: ignore[override]
        return super().get(key, "Unknown" if default is None else default)


MSG_TYPES = {0: "Call", 1: "Reply"}
REPLY_STATES = Named({0: "accepted", 1: "denied"})
ACCEPT_STATES = Named({0: "RPC executed successfully", 1: "remote hasn't exported program",
                 2: "remote can't support version #", 3: "program can't support procedure",
                 4: "procedure can't decode params",
                 5: "system errors like memory allocation failure"})
REJECT_STATES = Named({0: "RPC_MISMATCH", 1: "AUTH_ERROR"})
AUTH_STATES = Named({1: "bad credential (seal broken)", 2: "client must begin new session",
               3: "bad verifier (seal broken)", 4: "verifier expired or replayed",
               5: "rejected for security reasons", 13: "GSS credential problem",
               14: "GSS context problem"})
FLAVORS = Named({0: "AUTH_NULL", 1: "AUTH_UNIX", 2: "AUTH_SHORT", 3: "AUTH_DES",
           5: "AUTH_RSA/Gluster", 6: "RPCSEC_GSS", 300001: "AUTH_GSSAPI",
           390003: "RPCSEC_GSS_KRB5", 390004: "RPCSEC_GSS_KRB5I", 390005: "RPCSEC_GSS_KRB5P",
           390006: "RPCSEC_GSS_LIPKEY", 390007: "RPCSEC_GSS_LIPKEY_I",
           390008: "RPCSEC_GSS_LIPKEY_P", 390009: "RPCSEC_GSS_SPKM3",
           390010: "RPCSEC_GSS_SPKM3I", 390011: "RPCSEC_GSS_SPKM3P", 390039: "AUTH_GLUSTERFS"})

RPC = protocol("rpc", "Remote Procedure Call", "RPC")
LASTFRAG = RPC.field("rpc.lastfrag", "Last Fragment", FT.BOOLEAN, bitmask=0x80000000,
                     strings=("Yes", "No"))
FRAGLEN = RPC.field("rpc.fraglen", "Fragment Length", FT.UINT32, Base.DEC, bitmask=0x7FFFFFFF)
XID = RPC.field("rpc.xid", "XID", FT.UINT32, Base.HEX_DEC, blurb="Transaction identifier")
MSGTYP = RPC.field("rpc.msgtyp", "Message Type", FT.UINT32, Base.DEC,
                   strings=Named(MSG_TYPES))
VERSION = RPC.field("rpc.version", "RPC Version", FT.UINT32, Base.DEC)
#: Program names, filled by register_program (tshark names the programs it knows).
PROGRAM_NAMES: dict[int, str] = Named()
PROGRAM = RPC.field("rpc.program", "Program", FT.UINT32, Base.DEC, strings=PROGRAM_NAMES)
PROGVERS = RPC.field("rpc.programversion", "Program Version", FT.UINT32, Base.DEC)
PROCEDURE = RPC.field("rpc.procedure", "Procedure", FT.UINT32, Base.DEC)
REPLYSTAT = RPC.field("rpc.replystat", "Reply State", FT.UINT32, Base.DEC, strings=REPLY_STATES)
STATE_ACCEPT = RPC.field("rpc.state_accept", "Accept State", FT.UINT32, Base.DEC,
                         strings=ACCEPT_STATES)
STATE_REJECT = RPC.field("rpc.state_reject", "Reject State", FT.UINT32, Base.DEC,
                         strings=REJECT_STATES)
STATE_AUTH = RPC.field("rpc.state_auth", "Auth State", FT.UINT32, Base.DEC, strings=AUTH_STATES)
VERSION_MIN = RPC.field("rpc.version.min", "RPC Version (Minimum)", FT.UINT32, Base.DEC)
VERSION_MAX = RPC.field("rpc.version.max", "RPC Version (Maximum)", FT.UINT32, Base.DEC)
PROGVERS_MIN = RPC.field("rpc.programversion.min", "Program Version (Minimum)", FT.UINT32,
                         Base.DEC)
PROGVERS_MAX = RPC.field("rpc.programversion.max", "Program Version (Maximum)", FT.UINT32,
                         Base.DEC)
FLAVOR = RPC.field("rpc.auth.flavor", "Flavor", FT.UINT32, Base.DEC, strings=FLAVORS)
AUTH_LENGTH = RPC.field("rpc.auth.length", "Length", FT.UINT32, Base.DEC)
STAMP = RPC.field("rpc.auth.stamp", "Stamp", FT.UINT32, Base.HEX)
UID = RPC.field("rpc.auth.uid", "UID", FT.UINT32, Base.DEC)
GID = RPC.field("rpc.auth.gid", "GID", FT.UINT32, Base.DEC)
MACHINENAME = RPC.field("rpc.auth.machinename", "Machine Name", FT.STRING)
OPAQUE_LENGTH = RPC.field("rpc.opaque_length", "length", FT.UINT32, Base.DEC)
FILL_BYTES = RPC.field("rpc.fill_bytes", "fill bytes", FT.BYTES)
OPAQUE_DATA = RPC.field("rpc.opaque_data", "opaque data", FT.BYTES)
REQFRAME = RPC.field("rpc.reqframe", "Request Frame", FT.FRAMENUM)
REPFRAME = RPC.field("rpc.repframe", "Reply Frame", FT.FRAMENUM)
CONTINUATION = RPC.field("rpc.continuation_data", "Continuation data", FT.BYTES)
TIME = RPC.field("rpc.time", "Time from request", FT.RELATIVE_TIME,
                 blurb="Time between Request and Reply for ONC-RPC calls")

_CALL, _REPLY = 0, 1
_MAX_RECORD = 0x7FFFFFFF

Body = Callable[[Tvb, int, Packet, Session, Item, "CallInfo"], int]


@dataclass
class Program:
    """What tshark knows of an RPC program: its names and, per version, its procedure
    names and body dissectors (dissect(tvb, offset, pkt, session, tree, call))."""

    number: int
    name: str  # the rpc.program value name ("NFS")
    proto: str  # the protocol that shows the body ("nfs")
    procedures: dict[int, dict[int, str]]  # version -> procedure -> name
    call: dict[int, Body] = field(default_factory=dict)  # version -> call body
    reply: dict[int, Body] = field(default_factory=dict)


#: RPC programs by number (the program dispatch table).
PROGRAMS: dict[int, Program] = {}


def register_program(prog: Program) -> None:
    PROGRAMS[prog.number] = prog
    PROGRAM_NAMES[prog.number] = prog.name


@dataclass
class CallInfo:
    """A call as its reply needs it (Wireshark's rpc_call_info_value)."""

    xid: int
    prog: int
    vers: int
    proc: int
    req_frame: int
    req_ts: int
    rep_frame: int = 0
    is_call: bool = True  # set False while a reply is dissected (bodies ask)
    data: int = 0  # what the program keeps from the call for its reply (ACCESS's mask)


class RpcCalls:
    """Calls by (conversation, XID), the newest `bounded.PENDING_MAX` (a flood of XIDs
    never answered stays bounded); the first pass's links for `-2`."""

    def __init__(self) -> None:
        self.calls: dict[bytes, CallInfo] = {}


def proc_name(prog: int, vers: int, proc: int) -> str:
    p = PROGRAMS.get(prog)
    names = p.procedures.get(vers, {}) if p is not None else {}
    return names.get(proc, f"proc-{proc}")


def _conv_key(pkt: Packet, kind: str, xid: int) -> bytes:
    x = bytes(pkt.net_src) + (pkt.srcport & 0xFFFF).to_bytes(2, "big")
    y = bytes(pkt.net_dst) + (pkt.dstport & 0xFFFF).to_bytes(2, "big")
    pair = x + y if x <= y else y + x
    return b"%s:%d:%s" % (kind.encode(), xid, pair)


# ---- XDR items shared with the programs (every length bounded by the bytes present) ----

def u32(tvb: Tvb, off: int) -> int:
    tvb.need(off, 4)
    b = tvb.buf
    return (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]


def u64(tvb: Tvb, off: int) -> int:
    return (u32(tvb, off) << 32) | u32(tvb, off + 4)


def add_u32(pkt: Packet, tree: Item, f: object, tvb: Tvb, off: int) -> int:
    pkt.add(tree, f, u32(tvb, off), off, 4, source=tvb.source)  # type: ignore[arg-type]
    return off + 4


def add_u64(pkt: Packet, tree: Item, f: object, tvb: Tvb, off: int) -> int:
    pkt.add(tree, f, u64(tvb, off), off, 8, source=tvb.source)  # type: ignore[arg-type]
    return off + 8


def add_string(pkt: Packet, tree: Item, f: object, tvb: Tvb, off: int) -> tuple[int, str]:
    """An XDR string as tshark's dissect_rpc_string: "Name: text" with its length,
    contents and fill bytes underneath. Returns the next offset and the escaped text."""
    n = u32(tvb, off)
    full = (n + 3) & ~3
    tvb.need(off + 4, min(n, _MAX_RECORD))  # (a length past the data: malformed)
    raw = bytes(tvb.buf[off + 4: off + 4 + n])
    text = format_text(raw) if n else "<EMPTY>"
    value = raw.decode("ascii", "replace")  # (ENC_ASCII: U+FFFD per byte above 0x7f)
    src = tvb.source
    sub = pkt.add_text(tree, f"{f.name}: {text}", off, 4 + full, source=src)  # type: ignore[attr-defined]
    pkt.add(sub, OPAQUE_LENGTH, n, off, 4, source=src)
    pkt.add(sub, f, value, off + 4, n, f"contents: {text}" if pkt.tree_on else None,  # type: ignore[arg-type]
            source=src)
    if full > n:
        fill_end = min(off + 4 + full, tvb.end)
        pkt.add(sub, FILL_BYTES, bytes(tvb.buf[off + 4 + n: fill_end]), off + 4 + n, full - n,
                "fill bytes: opaque data", source=src)
    tvb.need(off + 4, full)
    return off + 4 + full, text


# ---- credentials ----

def _auth(tvb: Tvb, off: int, pkt: Packet, tree: Item, title: str, cred: bool) -> int:
    flavor = u32(tvb, off)
    length = u32(tvb, off + 4)
    if tshark_has_tree(pkt):  # (tshark's item over the body checks its bounds; no tree,
        tvb.need(off + 8, min(length, _MAX_RECORD))  # no check)
    src = tvb.source
    sub = pkt.add_text(tree, title, off, 8 + ((length + 3) & ~3), source=src)
    pkt.add(sub, FLAVOR, flavor, off, 4, source=src)
    pkt.add(sub, AUTH_LENGTH, length, off + 4, 4, source=src)
    body = off + 8
    if cred and flavor == 1 and length >= 8:
        o = add_u32(pkt, sub, STAMP, tvb, body)
        o, _ = add_string(pkt, sub, MACHINENAME, tvb, o)
        o = add_u32(pkt, sub, UID, tvb, o)
        o = add_u32(pkt, sub, GID, tvb, o)
        count = u32(tvb, o)
        tvb.need(o + 4, min(count, _MAX_RECORD // 4) * 4)
        gids = [u32(tvb, o + 4 + 4 * i) for i in range(count)]
        gsub = pkt.add_text(sub, f"Auxiliary GIDs ({count}) [{', '.join(map(str, gids))}]",
                            o, 4 + 4 * count, source=src) if pkt.tree_on else sub
        for i, g in enumerate(gids):
            pkt.add(gsub, GID, g, o + 4 + 4 * i, 4, source=src)
    elif length:
        pkt.add(sub, OPAQUE_DATA, bytes(tvb.buf[body: body + length]), body, length, source=src)
    return body + ((length + 3) & ~3)


# ---- messages ----

def _looks_like_call(tvb: Tvb, off: int) -> bool:
    if tvb.end - off < 24:
        return False
    return u32(tvb, off + 8) == 2 and u32(tvb, off + 12) in PROGRAMS


def _find_call(pkt: Packet, session: Session, kind: str, xid: int) -> CallInfo | None:
    return session.state("pass1:rpc.calls", RpcCalls).calls.get(_conv_key(pkt, kind, xid))


def accepts(tvb: Tvb, off: int, pkt: Packet, session: Session, kind: str) -> bool:
    """Would tshark's heuristic take this message? (a known program's call, or the reply
    to a call seen in this conversation)"""
    if tvb.end - off < 8:
        return False
    mtype = u32(tvb, off + 4)
    if mtype == _CALL:
        return _looks_like_call(tvb, off)
    if mtype == _REPLY:
        call = _find_call(pkt, session, kind, u32(tvb, off))
        return call is not None and call.req_frame < pkt.frame.number
    return False


def dissect_message(tvb: Tvb, off: int, pkt: Packet, session: Session, kind: str,
                    top: Item | None = None) -> None:
    """One RPC message at `off` (tvb bounded to it)."""
    session.current_proto = "rpc"
    src = tvb.source
    xid, mtype = u32(tvb, off), u32(tvb, off + 4)
    tree = top if top is not None else pkt.add_proto(RPC, off, tvb.end - off, source=src)
    tree.text = f"Remote Procedure Call, Type:{MSG_TYPES.get(mtype, 'Unknown')} XID:0x{xid:08x}"
    pkt.proto_col = "RPC"
    pkt.add(tree, XID, xid, off, 4, source=src)
    pkt.add(tree, MSGTYP, mtype, off + 4, 4, source=src)
    calls = session.state("pass1:rpc.calls", RpcCalls).calls
    key = _conv_key(pkt, kind, xid)
    if mtype == _CALL:
        _call(tvb, off, pkt, session, tree, calls, key, xid)
    else:
        _reply(tvb, off, pkt, session, tree, calls.get(key))


def _call(tvb: Tvb, off: int, pkt: Packet, session: Session, tree: Item,
          calls: dict[bytes, CallInfo], key: bytes, xid: int) -> None:
    src = tvb.source
    rpcvers, prog, vers, proc = (u32(tvb, off + o) for o in (8, 12, 16, 20))
    pkt.add(tree, VERSION, rpcvers, off + 8, 4, source=src)
    pkt.add(tree, PROGRAM, prog, off + 12, 4, source=src)
    pkt.add(tree, PROGVERS, vers, off + 16, 4, source=src)
    name = proc_name(prog, vers, proc)
    pkt.add(tree, PROCEDURE, proc, off + 20, 4, f"Procedure: {name} ({proc})"
            if pkt.tree_on else None, source=src)
    program = PROGRAMS.get(prog)
    if program is not None:
        pkt.proto_col = program.name
    call = calls.get(key)
    num = pkt.frame.number
    if call is None or (call.req_frame != num and call.rep_frame and num > call.rep_frame):
        call = remember(calls, key, CallInfo(xid, prog, vers, proc, num, pkt.frame.ts_ns))
    reply_in = f" (Reply In {call.rep_frame})" if call.rep_frame and session.pass_no > 1 else ""
    pkt.set_info(f"V{vers} {name} Call{reply_in}")
    if reply_in:
        pkt.add(tree, REQFRAME, call.rep_frame, 0, 0, "The reply to this request is in frame "
                f"{call.rep_frame}", generated=True)
    o = _auth(tvb, off + 24, pkt, tree, "Credentials", True)
    o = _auth(tvb, o, pkt, tree, "Verifier", False)
    tree.length = o - off
    call.is_call = True
    _body(program, program.call if program else {}, vers, tvb, o, pkt, session, call)


def _reply(tvb: Tvb, off: int, pkt: Packet, session: Session, tree: Item,
           call: CallInfo | None) -> None:
    src = tvb.source
    num = pkt.frame.number
    program = None
    if call is not None:
        program = PROGRAMS.get(call.prog)
        pkt.add(tree, PROGRAM, call.prog, 0, 0, generated=True)
        pkt.add(tree, PROGVERS, call.vers, 0, 0, generated=True)
        name = proc_name(call.prog, call.vers, call.proc)
        pkt.add(tree, PROCEDURE, call.proc, 0, 0, f"Procedure: {name} ({call.proc})"
                if pkt.tree_on else None, generated=True)
        if program is not None:
            pkt.proto_col = program.name
        if not call.rep_frame:
            call.rep_frame = num
        pkt.set_info(f"V{call.vers} {name} Reply (Call In {call.req_frame})")
    else:
        pkt.set_info("Reply")
    stat = u32(tvb, off + 8)
    pkt.add(tree, REPLYSTAT, stat, off + 8, 4, source=src)
    if call is not None:
        pkt.add(tree, REPFRAME, call.req_frame, 0, 0,
                f"This is a reply to a request in frame {call.req_frame}", generated=True)
        pkt.add(tree, TIME, pkt.frame.ts_ns - call.req_ts, 0, 0, generated=True)
    o = off + 12
    if stat == 0:
        o = _auth(tvb, o, pkt, tree, "Verifier", False)
        accept = u32(tvb, o)
        pkt.add(tree, STATE_ACCEPT, accept, o, 4, source=src)
        o += 4
        if accept == 2:  # PROG_MISMATCH
            o = add_u32(pkt, tree, PROGVERS_MIN, tvb, o)
            o = add_u32(pkt, tree, PROGVERS_MAX, tvb, o)
        tree.length = o - off
        if accept == 0 and call is not None:
            call.is_call = False
            _body(program, program.reply if program else {}, call.vers, tvb, o, pkt,
                  session, call)
        return
    if stat != 1:  # (neither accepted nor denied: the rest is data)
        tree.length = o - off
        if o < tvb.end:
            call_under(tree, BY_NAME["data"], tvb.sub(o), pkt, session)
        return
    reject = u32(tvb, o)
    pkt.add(tree, STATE_REJECT, reject, o, 4, source=src)
    o += 4
    if reject == 0:
        o = add_u32(pkt, tree, VERSION_MIN, tvb, o)
        o = add_u32(pkt, tree, VERSION_MAX, tvb, o)
    elif reject == 1:
        o = add_u32(pkt, tree, STATE_AUTH, tvb, o)
    tree.length = o - off


def _body(program: Program | None, bodies: dict[int, Body], vers: int, tvb: Tvb, off: int,
          pkt: Packet, session: Session, call: CallInfo) -> None:
    fn = bodies.get(vers)
    if program is None or fn is None:
        if off < tvb.end:
            BY_NAME["data"](tvb.sub(off), pkt, session)
        return
    fn(tvb, off, pkt, session, None, call)  # type: ignore[arg-type]


# ---- transports ----

def dissect_rpc_udp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    if not accepts(tvb, tvb.start, pkt, session, "udp"):
        return False
    dissect_message(tvb, tvb.start, pkt, session, "udp")
    return None


def dissect_rpc_udp_port(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """UDP port 111's RPC: what is not a message the heuristic takes is shown as tshark
    does, as the continuation of a message."""
    if accepts(tvb, tvb.start, pkt, session, "udp"):
        dissect_message(tvb, tvb.start, pkt, session, "udp")
        return
    session.current_proto = "rpc"
    pkt.proto_col = "RPC"
    pkt.set_info("Continuation")
    off = tvb.start
    top = pkt.add_proto(RPC, off, tvb.end - off, "Remote Procedure Call", source=tvb.source)
    pkt.add(top, CONTINUATION, bytes(tvb.buf[off: tvb.end]), off, tvb.end - off,
            source=tvb.source)


def _record_ok(tvb: Tvb, off: int, pkt: Packet, session: Session) -> bool:
    if tvb.end - off < 12:
        return False
    marker = u32(tvb, off)
    if not marker & 0x80000000 or (marker & _MAX_RECORD) < 8:
        return False  # (only single-fragment records are decoded)
    return accepts(tvb, off + 4, pkt, session, "tcp")


def dissect_rpc_tcp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """Records over TCP: each marker's length bounds one message; a record that runs
    past the segment asks TCP for the rest (pkt.desegment)."""
    off = tvb.start
    if not _record_ok(tvb, off, pkt, session):
        return False
    can = bool(pkt.can_desegment)
    while off < tvb.end:
        if tvb.end - off < 4:
            if can:
                pkt.desegment = (off, -1)
                return None
            raise BoundsError()
        if off != tvb.start and not _record_ok(tvb, off, pkt, session):
            BY_NAME["data"](tvb.sub(off), pkt, session)
            return None
        marker = u32(tvb, off)
        length = marker & _MAX_RECORD
        if can and tvb.end - off < 4 + length:
            pkt.desegment = (off, 4 + length - (tvb.end - off))
            return None
        session.current_proto = "rpc"
        end = off + 4 + length
        sub = Tvb(tvb.buf, off, min(tvb.end, end), end, tvb.source)
        top = pkt.add_proto(RPC, off, 4 + length, source=tvb.source)
        fh = pkt.add_text(top, f"Fragment header: {'Last fragment' if marker >> 31 else ''}"
                          f", {length} bytes", off, 4, source=tvb.source)
        pkt.add(fh, LASTFRAG, bool(marker >> 31), off, 4, source=tvb.source)
        pkt.add(fh, FRAGLEN, length, off, 4, source=tvb.source)
        dissect_message(sub, off + 4, pkt, session, "tcp", top)
        top.length = 4 + length
        off = end
    return None


def _heur_udp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    return dissect_rpc_udp(tvb, pkt, session)


def _heur_tcp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    return dissect_rpc_tcp(tvb, pkt, session)


UDP_PORT.register(111, dissect_rpc_udp_port, "rpc")
TCP_PORT.register(111, dissect_rpc_tcp, "rpc")
UDP_HEUR.register("rpc", _heur_udp)
TCP_HEUR.register("rpc", _heur_tcp)
register_dissector("rpc", dissect_rpc_udp)
register_learner_layer("rpc", "ONC-RPC")
