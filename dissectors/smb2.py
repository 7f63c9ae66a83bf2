"""SMB2/SMB3 (MS-SMB2) over NBSS on TCP 445, as tshark 4.0 shows it: the 64-byte header
(sync or async), chained (compound) messages, requests matched to responses by message
id, the Info column ("Create Request File: x;Close Request", ", Error: STATUS_...") and
the command bodies of smb2_cmds.py / smb2_info.py. A transform header (encrypted or
compressed message) is shown as far as its header; its payload is not decrypted or
decompressed. Registered as a NetBIOS heuristic beside SMB (nbdgm.NETBIOS_HEUR)."""

from __future__ import annotations

from dissectors.bounded import remember
from dissectors.nbdgm import NETBIOS_HEUR
from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.packet import Packet
from dissectors.registry import FT, Base
from dissectors.session import Session
from dissectors.smb2_cmds import BODIES, break_name
from dissectors.smb2_names import COMMANDS
from dissectors.smb2_proto import (
    PROTOCOL_ID,
    RESERVED,
    SMB2,
    Pdu,
    Request,
    Smb2Conn,
    conn_of,
    error_response,
)
from dissectors.smb2_session import SHARE_TYPE, TREE, unknown_body
from dissectors.smb2_status import NT_STATUS
from dissectors.smb2_transform import dissect_transform
from dissectors.tvb import Tvb

HEADER_LEN = SMB2.field("smb2.header_len", "Header Length", FT.UINT16, Base.DEC)
CREDIT_CHARGE = SMB2.field("smb2.credit.charge", "Credit Charge", FT.UINT16, Base.DEC)
CHANNEL_SEQUENCE = SMB2.field("smb2.channel_sequence", "Channel Sequence", FT.UINT16, Base.DEC)
NT_STATUS_F = SMB2.field("smb2.nt_status", "NT Status", FT.UINT32, Base.HEX, strings=NT_STATUS)
#: tshark names the commands it does not know up to 255 "unknown-0xNN".
CMD_NAMES = {**{i: f"unknown-0x{i:02X}" for i in range(256)}, **COMMANDS}
CMD = SMB2.field("smb2.cmd", "Command", FT.UINT16, Base.DEC, strings=CMD_NAMES)
CREDITS_REQUESTED = SMB2.field("smb2.credits.requested", "Credits requested", FT.UINT16,
                               Base.DEC)
CREDITS_GRANTED = SMB2.field("smb2.credits.granted", "Credits granted", FT.UINT16, Base.DEC)
FLAGS = SMB2.field("smb2.flags", "Flags", FT.UINT32, Base.HEX)
FLAG_BITS = tuple(
    SMB2.field(f"smb2.flags.{a}", name, FT.BOOLEAN, bitmask=mask, strings=(yes, no))
    for a, name, mask, yes, no in (
        ("response", "Response", 0x1, "This is a RESPONSE", "This is a REQUEST"),
        ("async", "Async command", 0x2, "This is an ASYNC command", "This is a SYNC command"),
        ("chained", "Chained", 0x4, "This pdu is a CHAINED command",
         "This pdu is NOT a chained command"),
        ("signature", "Signing", 0x8, "This pdu is SIGNED", "This pdu is NOT signed"),
        ("priority_mask", "Priority", 0x70, "This pdu contains a PRIORITY",
         "This pdu does NOT contain a PRIORITY"),
        ("dfs", "DFS operation", 0x10000000, "This is a DFS OPERATION",
         "This is a normal operation"),
        ("replay", "Replay operation", 0x20000000, "This is a REPLAY OPERATION",
         "This is NOT a replay operation"),
    ))
CHAIN_OFFSET = SMB2.field("smb2.chain_offset", "Chain Offset", FT.UINT32, Base.HEX)
MSG_ID = SMB2.field("smb2.msg_id", "Message ID", FT.UINT64, Base.DEC)
PID = SMB2.field("smb2.pid", "Process Id", FT.UINT32, Base.HEX)
TID = SMB2.field("smb2.tid", "Tree Id", FT.UINT32, Base.HEX)
AID = SMB2.field("smb2.aid", "Async Id", FT.UINT64, Base.HEX)
SESID = SMB2.field("smb2.sesid", "Session Id", FT.UINT64, Base.HEX)
TCON_FRAME = SMB2.field("smb2.tcon_frame", "Connected in Frame", FT.UINT32, Base.DEC)
AUTH_FRAME = SMB2.field("smb2.auth_frame", "Authenticated in Frame", FT.UINT32, Base.DEC)
SIGNATURE = SMB2.field("smb2.signature", "Signature", FT.BYTES)
RESPONSE_TO = SMB2.field("smb2.response_to", "Response to", FT.FRAMENUM)
RESPONSE_IN = SMB2.field("smb2.response_in", "Response in", FT.FRAMENUM)
TIME = SMB2.field("smb2.time", "Time from request", FT.RELATIVE_TIME)
_UNSOLICITED = 0xFFFFFFFFFFFFFFFF
_PENDING = 0x103
#: Errors that still carry the command's own body (Wireshark's exceptions to the error
#: response): more processing for a session setup, buffer overflow for read/ioctl/getinfo.
_NOT_ERRORS = {(1, 0xC0000016), (8, 0x80000005), (11, 0x80000005), (16, 0x80000005)}


def status_name(status: int) -> str:
    return NT_STATUS.get(status, f"Unknown (0x{status:08x})")


def heur_smb2(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """An SMB2 message (0xFE 'SMB'), or a transform header (0xFD / 0xFC 'SMB')."""
    s = tvb.start
    if tvb.end - s < 4 or bytes(tvb.buf[s + 1:s + 4]) != b"SMB" or tvb.buf[s] not in (
            0xFE, 0xFD, 0xFC):
        return False
    session.current_proto = "smb2"
    pkt.proto_col = "SMB2"
    pkt.clear_info()
    dissect_smb2(tvb, pkt, session, True)
    return None


def dissect_smb2(tvb: Tvb, pkt: Packet, session: Session, first: bool,
                 chained: bool = False) -> None:
    """The messages of one NBSS payload (or of a decompressed transform, `chained`: its
    first message's Info follows a ";"): a transform, or a chain of SMB2 messages."""
    off = tvb.start
    if tvb.buf[off] != 0xFE:
        dissect_transform(tvb, pkt, session, dissect_smb2)
        return
    conn = conn_of(pkt, session)
    for _ in range(512):  # bounded: each chain offset moves forward
        if tvb.end - off < 4 or bytes(tvb.buf[off:off + 4]) != b"\xfeSMB":
            break
        nxt = _one(tvb, pkt, session, conn, off, first, chained)
        session.current_proto = "smb2"
        first, chained = False, True
        if not nxt:
            break
        off += nxt
        if off >= tvb.end:
            break


def _one(tvb: Tvb, pkt: Packet, session: Session, conn: Smb2Conn, s: int, first: bool,
         chained: bool) -> int:
    """One SMB2 message at `s`; returns its chain offset (0: the last)."""
    src = tvb.source
    flags = tvb.u32le(s + 16)
    response = bool(flags & 1)
    is_async = bool(flags & 2)
    cmd = tvb.u16le(s + 12)
    status = tvb.u32le(s + 8) if response else 0
    next_off = tvb.u32le(s + 20)
    end = s + next_off if next_off else tvb.end
    top = pkt.add_proto(SMB2, s, (next_off if next_off else tvb.end - s), SMB2.name,
                        source=src, in_stack=first)
    top.value = None
    hdr = pkt.add_text(top, "SMB2 Header", s, 64, source=src)
    pkt.add(hdr, PROTOCOL_ID, tvb.u32(s), s, 4, source=src)
    pkt.add(hdr, HEADER_LEN, tvb.u16le(s + 4), s + 4, 2, source=src)
    pkt.add(hdr, CREDIT_CHARGE, tvb.u16le(s + 6), s + 6, 2, source=src)
    if response:
        pkt.add(hdr, NT_STATUS_F, status, s + 8, 4, source=src)
    else:
        pkt.add(hdr, CHANNEL_SEQUENCE, tvb.u16le(s + 8), s + 8, 2, source=src)
        pkt.add(hdr, RESERVED, tvb.bytes(s + 10, 2), s + 10, 2, source=src)
    pkt.add(hdr, CMD, cmd, s + 12, 2, source=src)
    pkt.add(hdr, CREDITS_GRANTED if response else CREDITS_REQUESTED, tvb.u16le(s + 14),
            s + 14, 2, source=src)
    fi = pkt.add(hdr, FLAGS, flags, s + 16, 4,
                 bitmask_header(f"Flags: 0x{flags:08x}", flags, FLAG_BITS[:4]), source=src)
    tree = pkt.tree_on
    for f in FLAG_BITS:
        pkt.add(fi, f, bool(flags & f.bitmask), s + 16, 4,
                bit_label(f, flags, 32) if tree else None, source=src)
    pkt.add(hdr, CHAIN_OFFSET, next_off, s + 20, 4, source=src)
    msg_id = tvb.u64le(s + 24)
    pkt.add(hdr, MSG_ID, msg_id, s + 24, 8, "Message ID: unsolicited response "
            f"({msg_id})" if msg_id == _UNSOLICITED else None, source=src)
    if is_async:
        pkt.add(hdr, AID, tvb.u64le(s + 32), s + 32, 8, source=src)
    else:
        pkt.add(hdr, PID, tvb.u32le(s + 32), s + 32, 4, source=src)
        tid = tvb.u32le(s + 36)
        ti = pkt.add(hdr, TID, tid, s + 36, 4, source=src)
        tree = conn.trees.get(tid)
        if tree is not None and (tree[2] < pkt.frame.number or session.pass_no == 2):
            path, share_type, frame = tree
            if pkt.tree_on:
                ti.text = f"Tree Id: 0x{tid:08x}  {path}"
            pkt.add(ti, TREE, path, s + 36, 4, generated=True, source=src)
            pkt.add(ti, SHARE_TYPE, share_type, s + 36, 4, generated=True, source=src)
            pkt.add(ti, TCON_FRAME, frame, s + 36, 4, f"Connected in Frame: {frame}",
                    generated=True, source=src)
    sesid = tvb.u64le(s + 40)
    si = pkt.add(hdr, SESID, sesid, s + 40, 8, source=src)
    auth = conn.auth_frames.get(sesid)
    if auth is not None and (auth < pkt.frame.number or session.pass_no == 2):
        pkt.add(si, AUTH_FRAME, auth, s + 40, 8, f"Authenticated in Frame: {auth}",
                generated=True, source=src)
    pkt.add(hdr, SIGNATURE, tvb.bytes(s + 48, 16), s + 48, 16, source=src)
    num, ts = pkt.frame.number, pkt.frame.ts_ns
    request: Request | None
    answers = session.state("pass1:smb2.answers", dict)
    if response:
        request = None
        if msg_id != _UNSOLICITED:
            request = (conn.requests.get(msg_id) if session.pass_no == 1 else
                       conn.matched.get(msg_id))
        if request is not None and request.frame < num:
            pkt.add(hdr, RESPONSE_TO, request.frame, s, 0, generated=True, source=src)
            pkt.add(hdr, TIME, ts - request.ts_ns, s, 0, generated=True, source=src)
            if status != _PENDING and session.pass_no == 1:
                del conn.requests[msg_id]  # (an interim answer leaves the request open)
                if session.recording:
                    answers[(request.frame, msg_id)] = num
                    conn.matched[msg_id] = request
        else:
            request = None
    else:
        request = remember(conn.requests, msg_id, Request(num, ts))
        answered = answers.get((num, msg_id))
        if answered is not None:
            pkt.add(hdr, RESPONSE_IN, answered, s, 0, generated=True, source=src)
    pdu = Pdu(tvb, s, end, cmd, response, status, msg_id, conn, request, session, src)
    body = s + 64
    name = CMD_NAMES.get(cmd, f"Unknown ({cmd})")
    brk = break_name(tvb.u16le(body), response, msg_id == _UNSOLICITED) if (
        cmd == 18 and tvb.end - body >= 2) else None
    label = brk or f"{name} {'Response' if response else 'Request'}"
    if chained:
        pkt.append_info(";")
    pkt.append_info(label)
    if response and status != 0:
        pkt.append_info(f", Error: {status_name(status)}")
    error = response and status != 0 and (cmd, status) not in _NOT_ERRORS
    item_label = f"{label} (0x{cmd:02x})"
    sub = pkt.add_text(top, item_label, body, end - body, source=src)
    fn = BODIES.get((cmd, response)) if cmd in COMMANDS else unknown_body
    if fn is not None:
        fn(pkt, sub, pdu, body, error)
    elif error:
        error_response(pkt, sub, pdu, body)
    return next_off


NETBIOS_HEUR.register("smb2", heur_smb2)
