"""SMB (v1) as far as the browser datagrams need it, as tshark 4.0 shows it: the SMB
header and a Trans request whose transaction name is a mailslot (`\\MAILSLOT\\BROWSE`),
whose setup words and data go to the mailslot and browser dissectors (browser.py).
Any other SMB message is refused (left as data), so SMB is not claimed decoded there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dissectors.bounded import remember
from dissectors.browser import dissect_mailslot
from dissectors.escape import format_str
from dissectors.nbdgm import NETBIOS_HEUR
from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.time_text import msecs_str
from dissectors.tvb import Tvb

SMB = protocol("smb", "SMB (Server Message Block Protocol)", "SMB")
SERVER_COMPONENT = SMB.field("smb.server_component", "Server Component", FT.UINT32, Base.HEX)
CMD_NAMES = {0x25: "Trans", 0x32: "Trans2", 0x72: "Negotiate Protocol",
             0x73: "Session Setup AndX", 0x75: "Tree Connect AndX", 0xff: "No further commands"}
CMD = SMB.field("smb.cmd", "SMB Command", FT.UINT8, Base.HEX, strings=CMD_NAMES)
ERROR_CLASS = SMB.field("smb.error_class", "Error Class", FT.UINT8, Base.HEX,
                        strings={0: "Success"})
RESERVED = SMB.field("smb.reserved", "Reserved", FT.BYTES)
ERROR_CODE = SMB.field("smb.error_code", "Error Code", FT.UINT16, Base.HEX)
FLAGS = SMB.field("smb.flags", "Flags", FT.UINT8, Base.HEX)
FLAGS2 = SMB.field("smb.flags2", "Flags2", FT.UINT16, Base.HEX)


def _bits(prefix: str, rows: tuple[tuple[str, str, int, str, str], ...]) -> tuple[Field, ...]:
    return tuple(SMB.field(f"{prefix}.{abbrev}", name, FT.BOOLEAN, bitmask=mask,
                           strings=(yes, no)) for abbrev, name, mask, yes, no in rows)


FLAG_BITS = _bits("smb.flags", (
    ("response", "Request/Response", 0x80, "Message is a response to the client/redirector",
     "Message is a request to the server"),
    ("notify", "Notify", 0x40, "Notify client on all modifications",
     "Notify client only on open"),
    ("oplock", "Oplocks", 0x20, "OpLock requested/granted", "OpLock not requested/granted"),
    ("canon", "Canonicalized Pathnames", 0x10, "Pathnames are canonicalized",
     "Pathnames are not canonicalized"),
    ("caseless", "Case Sensitivity", 0x08, "Path names are caseless",
     "Path names are case sensitive"),
    ("receive_buffer", "Receive Buffer Posted", 0x02, "Receive buffer has been posted",
     "Receive buffer has not been posted"),
    ("lock", "Lock and Read", 0x01, "Lock&Read, Write&Unlock are supported",
     "Lock&Read, Write&Unlock are not supported"),
))
FLAG2_BITS = _bits("smb.flags2", (
    ("string", "Unicode Strings", 0x8000, "Strings are Unicode", "Strings are ASCII"),
    ("nt_error", "Error Code Type", 0x4000, "Error codes are NT error codes",
     "Error codes are DOS error codes"),
    ("roe", "Execute-only Reads", 0x2000, "Permit reads if execute-only",
     "Don't permit reads if execute-only"),
    ("dfs", "Dfs", 0x1000, "Resolve pathnames with Dfs", "Don't resolve pathnames with Dfs"),
    ("esn", "Extended Security Negotiation", 0x0800,
     "Extended security negotiation is supported",
     "Extended security negotiation is not supported"),
    ("reparse_path", "Reparse Path", 0x0400, "The request uses a @GMT reparse path",
     "The request does not use a @GMT reparse path"),
    ("long_names_used", "Long Names Used", 0x0040,
     "Path names in request are long file names",
     "Path names in request are not long file names"),
    ("sec_sig_required", "Security Signatures Required", 0x0010,
     "Security signatures are required", "Security signatures are not required"),
    ("compressed", "Compressed", 0x0008, "Compression is requested",
     "Compression is not requested"),
    ("sec_sig", "Security Signatures", 0x0004, "Security signatures are supported",
     "Security signatures are not supported"),
    ("ea", "Extended Attributes", 0x0002, "Extended attributes are supported",
     "Extended attributes are not supported"),
    ("long_names_allowed", "Long Names Allowed", 0x0001,
     "Long file names are allowed in the response",
     "Long file names are not allowed in the response"),
))
PID_HIGH = SMB.field("smb.pid.high", "Process ID High", FT.UINT16, Base.DEC)
SIGNATURE = SMB.field("smb.signature", "Signature", FT.BYTES)
TID = SMB.field("smb.tid", "Tree ID", FT.UINT16, Base.DEC)
PID = SMB.field("smb.pid", "Process ID", FT.UINT16, Base.DEC)
UID = SMB.field("smb.uid", "User ID", FT.UINT16, Base.DEC)
MID = SMB.field("smb.mid", "Multiplex ID", FT.UINT16, Base.DEC)
WCT = SMB.field("smb.wct", "Word Count (WCT)", FT.UINT8, Base.DEC)
TPC = SMB.field("smb.tpc", "Total Parameter Count", FT.UINT32, Base.DEC)
TDC = SMB.field("smb.tdc", "Total Data Count", FT.UINT32, Base.DEC)
MPC = SMB.field("smb.mpc", "Max Parameter Count", FT.UINT32, Base.DEC)
MDC = SMB.field("smb.mdc", "Max Data Count", FT.UINT32, Base.DEC)
MSC = SMB.field("smb.msc", "Max Setup Count", FT.UINT8, Base.DEC)
TRANS_FLAGS = SMB.field("smb.transaction.flags", "Flags", FT.UINT16, Base.HEX)
TRANS_FLAG_BITS = _bits("smb.transaction.flags", (
    ("owt", "One Way Transaction", 0x0002, "One way transaction", "Two way transaction"),
    ("dtid", "Disconnect TID", 0x0001, "Disconnect TID", "Do NOT disconnect TID"),
))
TIMEOUT = SMB.field("smb.timeout", "Timeout", FT.UINT32, Base.DEC)
PC = SMB.field("smb.pc", "Parameter Count", FT.UINT16, Base.DEC)
PO = SMB.field("smb.po", "Parameter Offset", FT.UINT16, Base.DEC)
DC = SMB.field("smb.dc", "Data Count", FT.UINT16, Base.DEC)
DATA_OFFSET = SMB.field("smb.data_offset", "Data Offset", FT.UINT16, Base.DEC)
SC = SMB.field("smb.sc", "Setup Count", FT.UINT8, Base.DEC)
BCC = SMB.field("smb.bcc", "Byte Count (BCC)", FT.UINT16, Base.DEC)
TRANS_NAME = SMB.field("smb.trans_name", "Transaction Name", FT.STRING)


def _flag_word(pkt: Packet, parent: object, header: Field, bits: tuple[Field, ...],
               value: int, off: int, width: int, src: int) -> None:
    text = bitmask_header(f"{header.name}: 0x{value:0{2 * width}x}", value, bits)
    item = pkt.add(parent, header, value, off, width, text, source=src)
    for f in bits:
        pkt.add(item, f, bool(value & f.bitmask), off, width, bit_label(f, value, 8 * width),
                source=src)


def heur_smb_mailslot(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """A Trans request to a mailslot (the browser's datagrams); anything else: False."""
    s = tvb.start
    if tvb.end - s < 36 or bytes(tvb.buf[s:s + 4]) != b"\xffSMB" or tvb.buf[s + 4] != 0x25 \
            or tvb.buf[s + 9] & 0x80 or tvb.buf[s + 32] != 17:
        return False
    p = s + 33
    sc = tvb.buf[p + 26] if tvb.end > p + 26 else 0
    name_at = p + 28 + 2 * sc + 2
    nul = tvb.find(b"\0", name_at)
    if sc != 3 or nul < 0 or not bytes(tvb.buf[name_at:nul]).upper().startswith(b"\\MAILSLOT\\"):
        return False
    session.current_proto = "smb"
    pkt.proto_col = "SMB"
    src = tvb.source
    top = pkt.add_proto(SMB, s, tvb.end - s, SMB.name, source=src)
    top.value = None
    hdr = pkt.add_text(top, "SMB Header", s, 32, source=src)
    pkt.add(hdr, SERVER_COMPONENT, tvb.u32le(s), s, 4, "Server Component: SMB", source=src)
    pkt.add(hdr, CMD, 0x25, s + 4, 1, source=src)
    pkt.add(hdr, ERROR_CLASS, tvb.u8(s + 5), s + 5, 1, source=src)
    pkt.add(hdr, RESERVED, tvb.bytes(s + 6, 1), s + 6, 1, source=src)
    code = tvb.u16le(s + 7)
    pkt.add(hdr, ERROR_CODE, code, s + 7, 2, "Error Code: No Error" if code == 0 else None,
            source=src)
    _flag_word(pkt, hdr, FLAGS, FLAG_BITS, tvb.u8(s + 9), s + 9, 1, src)
    _flag_word(pkt, hdr, FLAGS2, FLAG2_BITS, tvb.u16le(s + 10), s + 10, 2, src)
    pkt.add(hdr, PID_HIGH, tvb.u16le(s + 12), s + 12, 2, source=src)
    pkt.add(hdr, SIGNATURE, tvb.bytes(s + 14, 8), s + 14, 8, source=src)
    pkt.add(hdr, RESERVED, tvb.bytes(s + 22, 2), s + 22, 2, source=src)
    for i, f in enumerate((TID, PID, UID, MID)):
        pkt.add(hdr, f, tvb.u16le(s + 24 + 2 * i), s + 24 + 2 * i, 2, source=src)
    pkt.set_info("Trans Request")
    req = pkt.add_text(top, "Trans Request (0x25)", s + 32, tvb.end - s - 32, source=src)
    pkt.add(req, WCT, 17, s + 32, 1, source=src)
    for i, f in enumerate((TPC, TDC, MPC, MDC)):
        pkt.add(req, f, tvb.u16le(p + 2 * i), p + 2 * i, 2, source=src)
    pkt.add(req, MSC, tvb.u8(p + 8), p + 8, 1, source=src)
    pkt.add(req, RESERVED, tvb.bytes(p + 9, 1), p + 9, 1, source=src)
    _flag_word(pkt, req, TRANS_FLAGS, TRANS_FLAG_BITS, tvb.u16le(p + 10), p + 10, 2, src)
    timeout = tvb.u32le(p + 12)
    pkt.add(req, TIMEOUT, timeout, p + 12, 4, f"Timeout: {msecs_str(timeout)}", source=src)
    pkt.add(req, RESERVED, tvb.bytes(p + 16, 2), p + 16, 2, source=src)
    pc, po, dc, do = (tvb.u16le(p + 18 + 2 * i) for i in range(4))
    for i, (f, v) in enumerate(((PC, pc), (PO, po), (DC, dc), (DATA_OFFSET, do))):
        pkt.add(req, f, v, p + 18 + 2 * i, 2, source=src)
    pkt.add(req, SC, sc, p + 26, 1, source=src)
    pkt.add(req, RESERVED, tvb.bytes(p + 27, 1), p + 27, 1, source=src)
    setup = p + 28
    bcc = tvb.u16le(setup + 6)
    pkt.add(req, BCC, bcc, setup + 6, 2, source=src)
    name = bytes(tvb.buf[name_at:nul]).decode("ascii", "replace")
    pkt.add(req, TRANS_NAME, name, name_at, nul + 1 - name_at, source=src)
    req.length = nul + 1 - (s + 32)
    data = tvb.sub(s + do, dc) if dc else None
    dissect_mailslot(tvb, pkt, session, setup, bcc, name, name_at, nul + 1 - name_at, data)
    return None


NT_STATUS_NAMES = {
    0x00000000: "STATUS_SUCCESS", 0x00000103: "STATUS_PENDING",
    0x80000005: "STATUS_BUFFER_OVERFLOW", 0x80000006: "STATUS_NO_MORE_FILES",
    0xc0000001: "STATUS_UNSUCCESSFUL", 0xc0000002: "STATUS_NOT_IMPLEMENTED",
    0xc000000d: "STATUS_INVALID_PARAMETER", 0xc000000f: "STATUS_NO_SUCH_FILE",
    0xc0000010: "STATUS_INVALID_DEVICE_REQUEST", 0xc0000011: "STATUS_END_OF_FILE",
    0xc0000016: "STATUS_MORE_PROCESSING_REQUIRED", 0xc0000022: "STATUS_ACCESS_DENIED",
    0xc0000034: "STATUS_OBJECT_NAME_NOT_FOUND", 0xc0000035: "STATUS_OBJECT_NAME_COLLISION",
    0xc000003a: "STATUS_OBJECT_PATH_NOT_FOUND", 0xc0000043: "STATUS_SHARING_VIOLATION",
    0xc000006d: "STATUS_LOGON_FAILURE", 0xc00000bb: "STATUS_NOT_SUPPORTED",
    0xc00000cc: "STATUS_BAD_NETWORK_NAME", 0xc0000120: "STATUS_CANCELLED",
}
NT_STATUS = SMB.field("smb.nt_status", "NT Status", FT.UINT32, Base.HEX,
                      strings=NT_STATUS_NAMES)
RESPONSE_TO = SMB.field("smb.response_to", "Response to", FT.FRAMENUM)
RESPONSE_IN = SMB.field("smb.response_in", "Response in", FT.FRAMENUM)
TIME = SMB.field("smb.time", "Time from request", FT.RELATIVE_TIME)
MAPPED_IN = SMB.field("smb.fid.mapped_in", "Mapped in", FT.FRAMENUM)
PATH = SMB.field("smb.path", "Path", FT.STRING)


@dataclass(slots=True)
class Request:
    """What a request left for its response (Wireshark's smb_saved_info_t)."""

    frame: int
    ts_ns: int
    cmd: int
    extra: dict[str, object]


@dataclass(slots=True)
class SmbState:
    """Per capture: open requests by (connection, MID, PID), mapped trees by TID."""

    requests: dict[tuple, Request]
    trees: dict[tuple, tuple[str, int]]


@dataclass(slots=True)
class Ctx:
    """One SMB message for a command's body: where things are and what it answers."""

    tvb: Tvb
    pkt: Packet
    session: Session
    s: int  # the SMB header's start (offsets in the message count from it)
    p: int  # the first parameter word
    wct: int
    cmd: int
    response: bool
    unicode: bool
    tree: Item  # the command's subtree
    req: Request | None  # the request a response answers
    state: SmbState
    conv: tuple
    tid: int
    own: Request | None  # the record a request leaves for its response

    def add(self, parent: Item, f: Field, v: object, off: int, n: int,
            text: str | None = None) -> Item:
        return self.pkt.add(parent, f, v, off, n, text, source=self.tvb.source)


#: The commands decoded, by number: body(ctx) -> bytes used from ctx.s (smb_cmds.py).
COMMANDS: dict[int, Callable[[Ctx], None]] = {}
#: Commands decoded only in some forms: accepts(tvb, pkt, session) says whether this
#: message is one (Trans on a named pipe: smb_pipe.py; on a mailslot: heur_smb_mailslot).
ACCEPTS: dict[int, Callable[[Tvb, Packet, Session], bool]] = {}


def conv_key(pkt: Packet) -> tuple:
    a, b = (pkt.net_src, pkt.srcport), (pkt.net_dst, pkt.dstport)
    return (a, b) if a <= b else (b, a)


def heur_smb(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """An SMB message whose command is decoded (mailslots: heur_smb_mailslot); any
    other is refused, so that SMB is not claimed decoded where it is not."""
    s = tvb.start
    if tvb.end - s < 33 or bytes(tvb.buf[s:s + 4]) != b"\xffSMB":
        return False
    cmd = tvb.buf[s + 4]
    if cmd == 0x25:
        mailslot = heur_smb_mailslot(tvb, pkt, session)
        if mailslot is not False:
            return mailslot
    body = COMMANDS.get(cmd)
    accepts = ACCEPTS.get(cmd)
    if body is None or (accepts is not None and not accepts(tvb, pkt, session)):
        return False
    session.current_proto = "smb"
    pkt.proto_col = "SMB"
    src = tvb.source
    state = session.state("smb.state", lambda: SmbState({}, {}))
    conv = conv_key(pkt)
    flags, flags2 = tvb.u8(s + 9), tvb.u16le(s + 10)
    response = bool(flags & 0x80)
    tid, pid, uid, mid = (tvb.u16le(s + 24 + 2 * i) for i in range(4))
    key = (conv, mid, pid)
    req = own = None
    if response:
        req = state.requests.get(key)
        if req is not None and req.cmd != cmd:
            req = None
        if req is not None and session.recording:
            # what a second pass (-2) shows on the request: "[Response in: N]"
            session.state("pass1:smb.response_in", dict).setdefault(
                (conv, req.frame), pkt.frame.number)
    else:
        own = remember(state.requests, key, Request(pkt.frame.number, pkt.frame.ts_ns, cmd, {}))
    top = pkt.add_proto(SMB, s, tvb.end - s, SMB.name, source=src)
    top.value = None
    hdr = pkt.add_text(top, "SMB Header", s, 32, source=src)
    pkt.add(hdr, SERVER_COMPONENT, tvb.u32le(s), s, 4, "Server Component: SMB", source=src)
    answer = None if response or session.pass_no == 1 else session.state(
        "pass1:smb.response_in", dict).get((conv, pkt.frame.number))
    if answer is not None:
        pkt.add(hdr, RESPONSE_IN, answer, s, 0, generated=True, source=src)
    if req is not None:
        pkt.add(hdr, RESPONSE_TO, req.frame, s, 0, generated=True, source=src)
        pkt.add(hdr, TIME, pkt.frame.ts_ns - req.ts_ns, s, 0, generated=True, source=src)
    pkt.add(hdr, CMD, cmd, s + 4, 1, source=src)
    status = 0
    if flags2 & 0x4000:
        status = tvb.u32le(s + 5)
        pkt.add(hdr, NT_STATUS, status, s + 5, 4, None if status in NT_STATUS_NAMES else
                f"NT Status: Unknown (0x{status:08x})", source=src)
    else:
        pkt.add(hdr, ERROR_CLASS, tvb.u8(s + 5), s + 5, 1, source=src)
        pkt.add(hdr, RESERVED, tvb.bytes(s + 6, 1), s + 6, 1, source=src)
        code = tvb.u16le(s + 7)
        pkt.add(hdr, ERROR_CODE, code, s + 7, 2, "Error Code: No Error" if code == 0 else None,
                source=src)
    _flag_word(pkt, hdr, FLAGS, FLAG_BITS, flags, s + 9, 1, src)
    _flag_word(pkt, hdr, FLAGS2, FLAG2_BITS, flags2, s + 10, 2, src)
    pkt.add(hdr, PID_HIGH, tvb.u16le(s + 12), s + 12, 2, source=src)
    pkt.add(hdr, SIGNATURE, tvb.bytes(s + 14, 8), s + 14, 8, source=src)
    pkt.add(hdr, RESERVED, tvb.bytes(s + 22, 2), s + 22, 2, source=src)
    tid_item = pkt.add(hdr, TID, tid, s + 24, 2, source=src)
    for i, f in enumerate((PID, UID, MID)):
        pkt.add(hdr, f, (pid, uid, mid)[i], s + 26 + 2 * i, 2, source=src)
    name = f"{CMD_NAMES[cmd]} {'Response' if response else 'Request'}"
    pkt.set_info(name)
    wct = tvb.u8(s + 32)
    tree = pkt.add_text(top, f"{name} (0x{cmd:02x})", s + 32, tvb.end - s - 32, source=src)
    pkt.add(tree, WCT, wct, s + 32, 1, source=src)
    ctx = Ctx(tvb, pkt, session, s, s + 33, wct, cmd, response, bool(flags2 & 0x8000), tree,
              req, state, conv, tid, own)
    try:
        body(ctx)
    finally:
        mapped = state.trees.get((conv, tid))
        if mapped is not None:
            path, frame = mapped
            if pkt.tree_on:
                tid_item.text = f"Tree ID: {tid}  ({format_str(path)})"
            pkt.add(tid_item, PATH, path, s + 24, 0, generated=True, source=src)
            pkt.add(tid_item, MAPPED_IN, frame, s + 24, 0, generated=True, source=src)
        if response and status:
            pkt.append_info(f", Error: {NT_STATUS_NAMES.get(status, f'Unknown (0x{status:08x})')}")
    return None


NETBIOS_HEUR.register("smb", heur_smb)
