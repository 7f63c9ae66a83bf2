"""SMB (v1) Trans requests and responses on a named pipe (`\\PIPE\\`) as tshark 4.0
shows them: the Trans counts and offsets, the transaction name, then the "SMB Pipe
Protocol" layer (function and FID from the setup words; a response takes both from
its request) whose TransactNmPipe data is DCE/RPC (dcerpc.py, the FID as the
transport salt of its bindings). Other pipe functions are refused (left as data).
Registered in smb.COMMANDS / smb.ACCEPTS.
"""

from __future__ import annotations

from dissectors.dcerpc import dissect_pdus
from dissectors.dcerpc_names import PIPE_FUNCTIONS
from dissectors.dispatch import BY_NAME
from dissectors.escape import format_str
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.smb import (
    ACCEPTS,
    BCC,
    COMMANDS,
    DATA_OFFSET,
    DC,
    MDC,
    MPC,
    MSC,
    PC,
    PO,
    RESERVED,
    SC,
    SMB,
    TDC,
    TIMEOUT,
    TPC,
    TRANS_FLAG_BITS,
    TRANS_FLAGS,
    TRANS_NAME,
    Ctx,
    SmbState,
    conv_key,
)
from dissectors.smb_cmds import flag_word
from dissectors.smb_trans2 import DATA_DISP, PADDING, PD, timeout_label
from dissectors.tvb import Tvb

SMB_PIPE = protocol("smb_pipe", "SMB Pipe Protocol", "SMB Pipe")
FUNCTION = SMB_PIPE.field("smb_pipe.function", "Function", FT.UINT16, Base.HEX,
                          strings=PIPE_FUNCTIONS)
FID = SMB.field("smb.fid", "FID", FT.UINT16, Base.HEX)
TRANSACT_NM_PIPE = 0x26
PIPE_NAME = "\\PIPE\\"


def _name(tvb: Tvb, s: int, at: int, end: int, unicode: bool) -> tuple[str, int, int]:
    """The transaction name at `at` (after the alignment byte of a Unicode name):
    (text, start, length with its terminator); bounded by `end`."""
    if unicode:
        if (at - s) % 2:
            at += 1
        n = at
        while n + 1 < end and (tvb.buf[n] or tvb.buf[n + 1]):
            n += 2
        raw = tvb.bytes(at, min(n, end) - at)
        return raw.decode("utf-16-le", "replace"), at, min(n + 2, end) - at
    nul = tvb.find(b"\0", at, end)
    stop = end if nul < 0 else nul
    raw = tvb.bytes(at, stop - at)
    return raw.decode("ascii", "replace"), at, min(stop + 1, end) - at


def accepts(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    """A TransactNmPipe request on `\\PIPE\\`, or the response to one."""
    s = tvb.start
    b = tvb.buf
    if b[s + 9] & 0x80:
        state: SmbState | None = session.state("smb.state", lambda: SmbState({}, {}))
        key = (conv_key(pkt), tvb.u16le(s + 30), tvb.u16le(s + 26))
        req = state.requests.get(key) if state else None
        return req is not None and req.cmd == 0x25 and "pipe" in req.extra
    p = s + 33
    if b[s + 32] != 16 or tvb.end < p + 34 or b[p + 26] != 2 \
            or tvb.u16le(p + 28) != TRANSACT_NM_PIPE:
        return False
    end = min(tvb.end, p + 34 + tvb.u16le(p + 32))
    name = _name(tvb, s, p + 34, end, bool(tvb.u16le(s + 10) & 0x8000))[0]
    return name.upper() == PIPE_NAME


def trans(c: Ctx) -> None:
    """A Trans request or response of a named pipe; its data goes to DCE/RPC."""
    t, p, s = c.tvb, c.p, c.s
    if not c.response:
        for i, f in enumerate((TPC, TDC, MPC, MDC)):
            c.add(c.tree, f, t.u16le(p + 2 * i), p + 2 * i, 2)
        c.add(c.tree, MSC, t.u8(p + 8), p + 8, 1)
        c.add(c.tree, RESERVED, t.bytes(p + 9, 1), p + 9, 1)
        flag_word(c, c.tree, TRANS_FLAGS, TRANS_FLAG_BITS, p + 10, 2)
        timeout = t.u32le(p + 12)
        c.add(c.tree, TIMEOUT, timeout, p + 12, 4, timeout_label(timeout))
        c.add(c.tree, RESERVED, t.bytes(p + 16, 2), p + 16, 2)
        pc, po, dc, do = (t.u16le(p + 18 + 2 * i) for i in range(4))
        for i, (f, v) in enumerate(((PC, pc), (PO, po), (DC, dc), (DATA_OFFSET, do))):
            c.add(c.tree, f, v, p + 18 + 2 * i, 2)
        sc = t.u8(p + 26)
        c.add(c.tree, SC, sc, p + 26, 1)
        c.add(c.tree, RESERVED, t.bytes(p + 27, 1), p + 27, 1)
        func, fid = t.u16le(p + 28), t.u16le(p + 30)
        at = p + 28 + 2 * sc
        bcc = t.u16le(at)
        c.add(c.tree, BCC, bcc, at, 2)
        name, n_at, n_len = _name(t, s, at + 2, min(t.end, at + 2 + bcc), c.unicode)
        c.add(c.tree, TRANS_NAME, name, n_at, n_len,
              f"Transaction Name: {format_str(name)}" if c.pkt.tree_on else None)
        d = n_at + n_len
        if c.own is not None:
            c.own.extra["pipe"] = (func, fid)
        setup, generated = p + 28, False
    else:
        for i, f in enumerate((TPC, TDC)):
            c.add(c.tree, f, t.u16le(p + 2 * i), p + 2 * i, 2)
        c.add(c.tree, RESERVED, t.bytes(p + 4, 2), p + 4, 2)
        pc, po, pd, dc, do, dd = (t.u16le(p + 6 + 2 * i) for i in range(6))
        for i, (f, v) in enumerate(((PC, pc), (PO, po), (PD, pd), (DC, dc), (DATA_OFFSET, do),
                                    (DATA_DISP, dd))):
            c.add(c.tree, f, v, p + 6 + 2 * i, 2)
        sc = t.u8(p + 18)
        c.add(c.tree, SC, sc, p + 18, 1)
        c.add(c.tree, RESERVED, t.bytes(p + 19, 1), p + 19, 1)
        at = p + 20 + 2 * sc
        c.add(c.tree, BCC, t.u16le(at), at, 2)
        d = at + 2
        func, fid = c.req.extra["pipe"] if c.req is not None else (TRANSACT_NM_PIPE, 0)
        setup, generated = s, True
    if dc and s + do > d:
        c.add(c.tree, PADDING, t.bytes(d, s + do - d), d, s + do - d)
    if c.pkt.tree_on:
        c.tree.length = max(d, s + do) - (s + 32) if dc else d - (s + 32)
    pkt, src = c.pkt, t.source
    top = pkt.add_proto(SMB_PIPE, setup, 0 if generated else 4, SMB_PIPE.name, source=src,
                        in_stack=False)
    top.value = None
    pkt.add(top, FUNCTION, func, setup, 0 if generated else 2, source=src)
    pkt.add(top, FID, fid, setup + (0 if generated else 2), 0 if generated else 2,
            generated=generated, source=src)
    if dc:
        data = t.sub(s + do, min(dc, t.rend - (s + do)))
        if not dissect_pdus(data, pkt, c.session, fid):
            BY_NAME["data"](data, pkt, c.session)


COMMANDS[0x25] = trans
ACCEPTS[0x25] = accepts
