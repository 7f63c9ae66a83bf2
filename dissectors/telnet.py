"""Telnet (RFC 854, 855) on TCP port 23, as tshark 4.0 shows it.

The payload is data lines and IAC commands: WILL/WON'T/DO/DON'T an option (RFC 855's
negotiation), SB option ... IAC SE (suboption), and the one-byte commands (Interrupt
Process, Go Ahead, ...). Every segment is "Telnet Data ..." in the Info column. Only
the suboptions tshark decodes plainly are decoded (terminal type and X display
location strings, window size, remote flow control); any other shows its bytes.
"""

from __future__ import annotations

from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.escape import format_str
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

TELNET = protocol("telnet", "Telnet", "TELNET")
TELNET_PORT = 23
IAC, SB, SE = 255, 250, 240

COMMANDS = {
    236: "End of File", 237: "Suspend Current Process", 238: "Abort Process",
    239: "End of Record", 240: "Suboption End", 241: "No Operation", 242: "Data Mark",
    243: "Break", 244: "Interrupt Process", 245: "Abort Output", 246: "Are You There?",
    247: "Escape Character", 248: "Erase Line", 249: "Go Ahead", 250: "Suboption",
    251: "Will", 252: "Won't", 253: "Do", 254: "Don't",
}
OPTIONS = (
    "Binary Transmission", "Echo", "Reconnection", "Suppress Go Ahead",
    "Approx Message Size Negotiation", "Status", "Timing Mark",
    "Remote Controlled Trans and Echo", "Output Line Width", "Output Page Size",
    "Output Carriage-Return Disposition", "Output Horizontal Tab Stops",
    "Output Horizontal Tab Disposition", "Output Formfeed Disposition",
    "Output Vertical Tabstops", "Output Vertical Tab Disposition",
    "Output Linefeed Disposition", "Extended ASCII", "Logout", "Byte Macro",
    "Data Entry Terminal", "SUPDUP", "SUPDUP Output", "Send Location", "Terminal Type",
    "End of Record", "TACACS User Identification", "Output Marking",
    "Terminal Location Number", "Telnet 3270 Regime", "X.3 PAD",
    "Negotiate About Window Size", "Terminal Speed", "Remote Flow Control", "Linemode",
    "X Display Location", "Environment Option", "Authentication Option",
    "Encryption Option", "New Environment Option", "TN3270E", "XAUTH", "CHARSET",
    "Remote Serial Port", "COM Port Control",
)
RFC_COMMANDS = {0: "OFF", 1: "ON", 2: "RESTART-ANY", 3: "RESTART-XON"}
_STRING_OPTIONS = frozenset((24, 35))  # IS / SEND and a string value
_NAWS, _RFC = 31, 33
_FIXED = {_NAWS: 4, _RFC: 1}  # options whose suboption has a fixed length

CMD = TELNET.field("telnet.cmd", "Command", FT.UINT8, Base.DEC, strings=COMMANDS)
SUBCMD = TELNET.field("telnet.subcmd", "Subcommand", FT.UINT8, Base.DEC)
DATA = TELNET.field("telnet.data", "Data", FT.STRING)
OPTION_DATA = TELNET.field("telnet.option_data", "Option data", FT.BYTES)
STRING_VALUE = TELNET.field("telnet.string_subopt.value", "Value", FT.STRING)
NAWS_WIDTH = TELNET.field("telnet.naws_subopt.width", "Width", FT.UINT16, Base.DEC)
NAWS_HEIGHT = TELNET.field("telnet.naws_subopt.height", "Height", FT.UINT16, Base.DEC)
LENGTH_INVALID = TELNET.field("telnet.suboption_length.invalid", "Bogus suboption data",
                              FT.NONE)
RFC_CMD = TELNET.field("telnet.rfc_subopt.cmd", "Command", FT.UINT8, Base.DEC,
                       strings=RFC_COMMANDS)


def _option_name(code: int) -> str:
    return OPTIONS[code] if code < len(OPTIONS) else "<unknown option>"


def _ascii(raw: bytes | memoryview) -> str:
    """An ENC_ASCII string: it ends at a NUL, bytes above 0x7f are U+FFFD."""
    return bytes(raw).split(b"\0", 1)[0].decode("ascii", "replace")


def _data_lines(pkt: Packet, tree: Item, tvb: Tvb, off: int, end: int) -> None:
    """Data up to the next IAC, a line at a time (telnet_add_text): a line ends at LF,
    CR LF or CR NUL; a CR alone does not end it, and CRs after a CR are taken along."""
    b = tvb.buf
    while off < end:
        i = off
        nxt = end
        while i < end:
            c = b[i]
            if c == 0x0A:
                nxt = i + 1
                break
            if c == 0x0D:
                if i + 1 < end and b[i + 1] == 0x0A:
                    nxt = i + 2
                    break
                if i + 1 >= end:
                    nxt = end
                    break
                j, last_cr = i + 1, True
                while j < end:
                    c = b[j]
                    j += 1
                    if c == 0x0A or (c == 0 and last_cr):
                        break
                    last_cr = c == 0x0D
                nxt = j
                break
            i += 1
        value = _ascii(b[off:nxt])
        pkt.add(tree, DATA, value, off, nxt - off, "Data: " + format_str(value),
                source=tvb.source)
        off = nxt


def _suboption(pkt: Packet, tree: Item, tvb: Tvb, start: int, end: int) -> int:
    """IAC SB option ... up to the next single IAC; returns where that IAC is."""
    b = tvb.buf
    opt = tvb.u8(start + 2)
    name = _option_name(opt)
    off = start + 3
    stop = end
    i = off
    while i < end:
        if b[i] == IAC:
            if i + 1 < end and b[i + 1] == IAC:
                i += 2
                continue
            stop = i
            break
        i += 1
    src = tvb.source
    top = pkt.add_text(tree, f"Suboption {name}", start, stop - start, source=src)
    pkt.add(top, CMD, SB, start + 1, 1, source=src)
    sub = pkt.add(top, SUBCMD, opt, start + 2, 1, f"Subcommand: {name}", source=src)
    n = stop - off
    if n <= 0:
        return stop
    want = _FIXED.get(opt)
    if want is not None and n != want:
        pkt.add_expert(sub, "warning", "protocol",
                       f"Suboption parameter length is {n}, should be {want}", "telnet",
                       field=LENGTH_INVALID)
        return stop
    if opt in _STRING_OPTIONS and b[off] in (0, 1):
        verb = "Here's my" if b[off] == 0 else "Send your"
        pkt.add(sub, SUBCMD, b[off], off, 1, f"{verb} {name}", source=src)
        if n > 1 and b[off] == 0:
            value = _ascii(b[off + 1:stop])
            pkt.add(sub, STRING_VALUE, value, off + 1, n - 1, "Value: " + format_str(value),
                    source=src)
    elif opt == _NAWS and n == 4:
        pkt.add(sub, NAWS_WIDTH, tvb.u16(off), off, 2, source=src)
        pkt.add(sub, NAWS_HEIGHT, tvb.u16(off + 2), off + 2, 2, source=src)
    elif opt == _RFC and n == 1:
        pkt.add(sub, RFC_CMD, b[off], off, 1, None if b[off] in RFC_COMMANDS else
                f"Command: Unknown ({b[off]})", source=src)
    else:
        pkt.add(sub, OPTION_DATA, bytes(b[off:stop]), off, n, source=src)
    return stop


def _command(pkt: Packet, tree: Item, tvb: Tvb, at: int, end: int) -> int:
    """The command after the IAC at `at`; returns where the next item starts."""
    code = tvb.u8(at + 1)
    src = tvb.source
    if code == SB:
        return _suboption(pkt, tree, tvb, at, end)
    if 251 <= code <= 254:
        opt = tvb.u8(at + 2)
        name = _option_name(opt)
        item = pkt.add_text(tree, f"{COMMANDS[code]} {name}", at, 3, source=src)
        pkt.add(item, CMD, code, at + 1, 1, source=src)
        pkt.add(item, SUBCMD, opt, at + 2, 1, f"Subcommand: {name}", source=src)
        return at + 3
    item = pkt.add_text(tree, COMMANDS.get(code, "<unknown option>"), at, 2, source=src)
    pkt.add(item, CMD, code, at + 1, 1,
            None if code in COMMANDS else f"Command: Unknown ({code})", source=src)
    return at + 2


def dissect_telnet(tvb: Tvb, pkt: Packet, session: Session) -> int:
    """Data lines and commands, in order."""
    session.current_proto = "telnet"
    pkt.proto_col = "TELNET"
    pkt.set_info("Telnet Data ...")
    off, end = tvb.start, tvb.end
    tree = pkt.add_proto(TELNET, off, tvb.rend - off, "Telnet", source=tvb.source)
    b = tvb.buf
    raw = bytes(b[:end])
    while off < end:
        at = raw.find(b"\xff", off)
        # An IAC IAC is a data byte 255; the byte after an IAC is read before the data
        # before it is shown (an IAC ending the segment: malformed, no data).
        while at >= 0 and tvb.u8(at + 1) == IAC:
            at = raw.find(b"\xff", at + 2)
        if at < 0:
            _data_lines(pkt, tree, tvb, off, end)
            break
        if at > off:
            _data_lines(pkt, tree, tvb, off, at)
        off = _command(pkt, tree, tvb, at, end)
    return end - tvb.start


TCP_PORT.register(TELNET_PORT, dissect_telnet, "telnet")
register_dissector("telnet", dissect_telnet)
