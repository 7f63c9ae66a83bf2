"""SMB (v1) Trans2 requests and responses as tshark 4.0 shows them: the counts and
offsets, the subcommand, and the parameter/data blocks (QUERY_FS_INFO's level of
interest; others as unknown data). Registered in smb.COMMANDS.
"""

from __future__ import annotations

from dissectors.registry import FT, Base
from dissectors.smb import (
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
    Ctx,
)
from dissectors.smb_cmds import flag_word
from dissectors.time_text import msecs_str
from dissectors.tvb import UnreassembledError

_f = SMB.field
SUBCMDS = {0: "OPEN2", 1: "FIND_FIRST2", 2: "FIND_NEXT2", 3: "QUERY_FS_INFO",
           4: "SET_FS_INFO", 5: "QUERY_PATH_INFO", 6: "SET_PATH_INFO", 7: "QUERY_FILE_INFO",
           8: "SET_FILE_INFO", 9: "FSCTL", 10: "IOCTL2", 11: "FIND_NOTIFY_FIRST",
           12: "FIND_NOTIFY_NEXT", 13: "CREATE_DIRECTORY", 14: "SESSION_SETUP",
           16: "GET_DFS_REFERRAL", 17: "REPORT_DFS_INCONSISTENCY"}
SUBCMD = _f("smb.trans2.cmd", "Subcommand", FT.UINT16, Base.HEX, strings=SUBCMDS)
QFSI_LEVELS = {1: "Info Allocation", 2: "Info Volume", 257: "Query FS Label Info",
               258: "Query FS Volume Info", 259: "Query FS Size Info",
               260: "Query FS Device Info", 261: "Query FS Attribute Info",
               512: "Unix Query FS Info", 514: "Unix Query POSIX whoami",
               769: "Mac Query FS Info", 1001: "Query FS Label Info",
               1002: "Query FS Volume Info", 1003: "Query FS Size Info",
               1004: "Query FS Device Info", 1005: "Query FS Attribute Info",
               1006: "Query FS Quota Info", 1007: "Query Full FS Size Info",
               1008: "Object ID Information"}
QFSI_LOI = _f("smb.qfsi_loi", "Level of Interest", FT.UINT16, Base.HEX, strings=QFSI_LEVELS)
PD = _f("smb.pd", "Parameter Displacement", FT.UINT16, Base.DEC)
DATA_DISP = _f("smb.data_disp", "Data Displacement", FT.UINT16, Base.DEC)
PADDING = _f("smb.padding", "Padding", FT.BYTES)
UNKNOWN_DATA = _f("smb.unknown_data", "Unknown Data", FT.BYTES)


def timeout_label(v: int) -> str:
    if v == 0:
        return "Timeout: Return immediately (0)"
    if v == 0xFFFFFFFF:
        return "Timeout: Wait indefinitely (-1)"
    return f"Timeout: {msecs_str(v)}"


def _pad(c: Ctx, at: int, to: int) -> int:
    """Padding from `at` up to the block at `to` (offsets from the header)."""
    if to > at:
        c.add(c.tree, PADDING, c.tvb.bytes(at, to - at), at, to - at)
        return to
    return at


def trans2(c: Ctx) -> None:
    t, p = c.tvb, c.p
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
        sub = t.u16le(p + 28) if sc else None
        if sub is not None:
            c.add(c.tree, SUBCMD, sub, p + 28, 2, None if sub in SUBCMDS else
                  f"Subcommand: Unknown (0x{sub:04x})")
            if c.own is not None:
                c.own.extra["trans2"] = sub
        at = p + 28 + 2 * sc
        bcc = t.u16le(at)
        c.add(c.tree, BCC, bcc, at, 2)
        name = SUBCMDS.get(sub, "Unknown") if sub is not None else "Unknown"
        c.pkt.append_info(f", {name}")
        d = at + 2
        if pc:
            d = _pad(c, d, c.s + po)
            blk = c.pkt.add_text(c.tree, f"{name} Parameters", d, pc, source=t.source)
            if sub == 3 and pc >= 2:
                loi = t.u16le(d)
                c.add(blk, QFSI_LOI, loi, d, 2)
                c.pkt.append_info(f", {QFSI_LEVELS.get(loi, f'Unknown (0x{loi:04x})')}")
            else:
                c.add(blk, UNKNOWN_DATA, t.bytes(d, pc), d, pc)
            d += pc
        if dc:
            d = _pad(c, d, c.s + do)
            blk = c.pkt.add_text(c.tree, f"{name} Data", d, dc, source=t.source)
            c.add(blk, UNKNOWN_DATA, t.bytes(d, dc), d, dc)
        return
    sub = c.req.extra.get("trans2") if c.req is not None else None
    if sub is None:
        c.add(c.tree, SUBCMD, 0xFFFF, p - 1, 0,
              "Subcommand: <UNKNOWN> since request packet wasn't seen")
        # (packet-smb.c puts it before the word count)
        if c.pkt.tree_on and c.tree.children:
            c.tree.children.insert(0, c.tree.children.pop())
        c.pkt.append_info("<unknown>")
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
    at = p + 20 + 2 * sc  # (after the setup words, whatever the word count says)
    bcc = t.u16le(at)
    c.add(c.tree, BCC, bcc, at, 2)
    tpc, tdc = t.u16le(p), t.u16le(p + 2)
    if (tdc != dc or tpc != pc) and (pd + pc > tpc or dd + dc > tdc):
        # A fragment past its transaction's total: smb_trans_defragment's bounds error,
        # with the packet marked fragmented.
        raise UnreassembledError()
    d = at + 2
    if pc:
        d = _pad(c, d, c.s + po)
        t.need(d, pc)
        c.pkt.add_text(c.tree, "Unknown Transaction2 Parameters", d, pc, source=t.source)
        d += pc
    if dc:
        d = _pad(c, d, c.s + do)
        t.need(d, dc)
        c.pkt.add_text(c.tree, "Unknown Transaction2 Data", d, dc, source=t.source)

COMMANDS[0x32] = trans2
