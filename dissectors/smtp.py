"""SMTP (RFC 5321) on TCP ports 25 and 587, as tshark 4.0 shows it in one pass.

Client segments are commands (command, parameter) until DATA; then message data
("DATA fragment", its lines as text) collected until the line "." that ends it (the
EOM), where the message is reassembled and dissected as IMF. Server segments are
replies: the first line's code, every line's parameter ("|"-joined in the Info column).
AUTH LOGIN's user name and password and AUTH PLAIN's credentials are shown base64, as
tshark's default (the password is a `-z credentials` row). Not done: BDAT chunks, NTLM,
STARTTLS's switch to TLS, and reassembly of a reply split over segments.
"""

from __future__ import annotations

from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.escape import format_str
from dissectors.imf import dissect_imf
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.textlines import DataFragments, add_text_lines, line_end, tcp_ports, wait_for_line
from dissectors.tvb import Tvb

SMTP = protocol("smtp", "Simple Mail Transfer Protocol", "SMTP")
SMTP_PORTS = (25, 587)

RESPONSE_CODES = {
    211: "System status, or system help reply", 214: "Help message",
    220: "<domain> Service ready", 221: "<domain> Service closing transmission channel",
    235: "Authentication successful", 250: "Requested mail action okay, completed",
    251: "User not local; will forward to <forward-path>",
    252: "Cannot VRFY user, but will accept message and attempt delivery",
    334: "AUTH input", 354: "Start mail input; end with <CRLF>.<CRLF>",
    421: "<domain> Service not available, closing transmission channel",
    432: "A password transition is needed",
    450: "Requested mail action not taken: mailbox unavailable",
    451: "Requested action aborted: local error in processing",
    452: "Requested action not taken: insufficient system storage",
    454: "Temporary authentication failed", 500: "Syntax error, command unrecognized",
    501: "Syntax error in parameters or arguments", 502: "Command not implemented",
    503: "Bad sequence of commands", 504: "Command parameter not implemented",
    530: "Authentication required", 534: "Authentication mechanism is too weak",
    535: "Authentication credentials invalid",
    538: "Encryption required for requested authentication mechanism",
    550: "Requested action not taken: mailbox unavailable",
    551: "User not local; please try <forward-path>",
    552: "Requested mail action aborted: exceeded storage allocation",
    553: "Requested action not taken: mailbox name not allowed",
    554: "Transaction failed",
}
#: What counts as a command line (line_is_smtp_command).
COMMANDS = frozenset((
    "STARTTLS", "AUTH", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY",
    "EXPN", "HELP", "NOOP", "QUIT", "SEND", "SOML", "SAML", "TURN", "ATRN", "ETRN",
    "X-EXPS", "XEXCH50", "X-LINK2STATE", "X-ANONYMOUSTLS",
))

REQ = SMTP.field("smtp.req", "Request", FT.BOOLEAN)
RSP = SMTP.field("smtp.rsp", "Response", FT.BOOLEAN)
COMMAND_LINE = SMTP.field("smtp.command_line", "Command Line", FT.STRING)
REQ_COMMAND = SMTP.field("smtp.req.command", "Command", FT.STRING)
REQ_PARAMETER = SMTP.field("smtp.req.parameter", "Request parameter", FT.STRING)
RESPONSE = SMTP.field("smtp.response", "Response", FT.STRING)
RESPONSE_CODE = SMTP.field("smtp.response.code", "Response code", FT.UINT32, Base.DEC,
                           strings=RESPONSE_CODES)
RSP_PARAMETER = SMTP.field("smtp.rsp.parameter", "Response parameter", FT.STRING)
EOM = SMTP.field("smtp.eom", "EOM", FT.NONE)
USERNAME = SMTP.field("smtp.auth.username", "Username", FT.STRING)
PASSWORD = SMTP.field("smtp.auth.password", "Password", FT.STRING)
USER_PASS = SMTP.field("smtp.auth.username_password", "Username/Password", FT.STRING)
BASE64 = SMTP.field("smtp.base64_decode",
                    "base64 decode failed or is not enabled (check SMTP preferences)", FT.NONE)
FRAGMENTS = DataFragments(
    SMTP.field("smtp.data.fragments", "DATA fragments", FT.NONE),
    SMTP.field("smtp.data.fragment", "DATA fragment", FT.FRAMENUM),
    SMTP.field("smtp.data.fragment.count", "DATA fragment count", FT.UINT32, Base.DEC),
    SMTP.field("smtp.data.reassembled.length", "Reassembled DATA length", FT.UINT32,
               Base.DEC),
    SMTP.field("smtp.data.reassembled.in", "Reassembled DATA in frame", FT.FRAMENUM))

CMD, MESSAGE, END = "cmd", "message", "eom"


# AUTH LOGIN / AUTH PLAIN states (smtp_auth_state_t), as far as labshark follows them.
(NONE, START, USERNAME_REQ, USERNAME_RSP, PASSWORD_REQ, PASSWORD_RSP, PLAIN_START_REQ,
 PLAIN_CRED_REQ, PLAIN_REQ, PLAIN_RSP, SUCCESS, FAILED) = range(12)


class SmtpConv:
    """One connection's state (smtp_session_state), first pass."""

    __slots__ = ("reading_data", "crlf_seen", "data_seen", "frags", "auth", "username",
                 "username_frame", "password_frame", "username_cmd_frame",
                 "user_pass_cmd_frame", "user_pass_frame")

    def __init__(self) -> None:
        self.reading_data = False
        self.crlf_seen = False
        self.data_seen = False
        self.frags: list[tuple[int, bytes]] = []
        self.auth = NONE
        self.username: str | None = None
        self.username_frame = self.password_frame = self.username_cmd_frame = 0
        self.user_pass_cmd_frame = self.user_pass_frame = 0


def smtp_credential(pkt: Packet) -> tuple[str, str, str] | None:
    """(protocol, user name, info) of an AUTH LOGIN password this packet carried."""
    return pkt.proto_data.get("smtp.credential")


def _ascii(raw: bytes | memoryview) -> str:
    return bytes(raw).split(b"\0", 1)[0].decode("ascii", "replace")


def _classify(conv: SmtpConv, b: bytes, off: int, end: int,  # noqa: C901
              num: int) -> tuple[str, int]:
    """What a client segment is (command, message data, end of message) and, for the
    end, where its "." line starts; moves the connection's state as tshark does."""
    kind = CMD
    lo = off
    while lo < end:
        _eol, nxt = line_end(b, lo, end)
        if conv.reading_data:
            eom = (conv.crlf_seen and b.startswith(b".\r\n", lo)) or \
                b.startswith(b"\r\n.\r\n", lo)
            conv.crlf_seen = b.endswith(b"\r\n")
            if eom:
                conv.reading_data = False
                return END, lo
            kind = MESSAGE
        else:
            sp = b.find(b" ", lo, _eol)
            word = _ascii(b[lo:_eol if sp < 0 else sp]).upper()
            head = b[lo:lo + 10].upper()
            if word in COMMANDS:
                kind = CMD
                if word == "DATA":
                    conv.reading_data = True
                    conv.data_seen = True
                elif head == b"AUTH LOGIN":
                    if _eol - lo <= 11:
                        conv.auth = START
                    else:
                        conv.auth, conv.username_cmd_frame = USERNAME_RSP, num
                elif head == b"AUTH PLAIN":
                    if _eol - lo <= 11:
                        conv.auth = PLAIN_START_REQ
                    else:
                        conv.auth, conv.user_pass_cmd_frame = PLAIN_CRED_REQ, num
            elif conv.auth == USERNAME_REQ:
                conv.auth, conv.username_frame = USERNAME_RSP, num
            elif conv.auth == PASSWORD_REQ:
                conv.auth, conv.password_frame = PASSWORD_RSP, num
            elif conv.auth == PLAIN_REQ:
                conv.auth, conv.user_pass_frame = PLAIN_RSP, num
            else:
                kind = MESSAGE if conv.data_seen else CMD
        lo = nxt
    return kind, lo


def dissect_smtp(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "smtp"
    b, off, end, src = bytes(tvb.buf[:tvb.end]), tvb.start, tvb.end, tvb.source
    sport, dport = tcp_ports(pkt)
    is_request = dport in SMTP_PORTS if (sport in SMTP_PORTS) != (dport in SMTP_PORTS) \
        else dport <= sport
    a, z = (pkt.net_src, sport), (pkt.net_dst, dport)
    key = (a, z) if a <= z else (z, a)
    convs = session.state("smtp.convs", dict)
    conv = convs.get(key)
    if conv is None:
        conv = convs[key] = SmtpConv()
    if wait_for_line(tvb, pkt):
        return end - off
    pkt.proto_col = "SMTP"
    pkt.clear_info()
    top = pkt.add_proto(SMTP, off, tvb.rend - off, "Simple Mail Transfer Protocol", source=src)
    if not is_request:
        _reply(pkt, top, conv, tvb, b, off, end)
        return end - off
    kind, eom_at = _classify(conv, b, off, end, pkt.frame.number)
    if kind == MESSAGE:
        n = end - off
        pkt.set_info(f"C: DATA fragment, {n} byte{'' if n == 1 else 's'}")
        conv.frags.append((pkt.frame.number, b[off:end]))
        add_text_lines(pkt, tvb, off, end, top)
        FRAGMENTS.show_in(pkt, session, "smtp", top)
        return end - off
    if kind == END:
        pkt.set_info("C: .")
        eol, _n = line_end(b, eom_at, end)
        pkt.add(top, EOM, None, eom_at, eol - eom_at, "C: .", source=src)
        if eom_at > off:
            conv.frags.append((pkt.frame.number, b[off:eom_at]))
        frags, conv.frags = conv.frags, []
        FRAGMENTS.mark(session, "smtp", frags, pkt.frame.number)
        if frags:
            dissect_imf(FRAGMENTS.show(pkt, top, frags, always=True), pkt)
        return end - off
    lo = off
    while lo < end:
        eol, nxt = line_end(b, lo, end)
        pkt.info += "C: " if lo == off else " | "
        pkt.add(top, REQ, True, off, 0, hidden=True, source=src)
        _command(pkt, top, conv, b, lo, eol, nxt, src)
        lo = nxt
    return end - off


def _command(pkt: Packet, top: Item, conv: SmtpConv, b: bytes, lo: int, eol: int,  # noqa: C901
             nxt: int, src: int) -> None:
    """One client line: a command (4 characters, then its parameter), or the user name,
    password or PLAIN credentials an AUTH exchange expects (shown base64 as tshark's
    default, which does not decode them)."""
    num = pkt.frame.number
    line = _ascii(b[lo:eol])
    n = eol - lo
    if conv.username_frame == num:
        if conv.username is None:
            conv.username = line
        pkt.add(top, USERNAME, line, lo, n, source=src)
        pkt.info += "User: " + format_str(line)
        return
    if conv.password_frame == num:
        pkt.add(top, PASSWORD, line, lo, n, source=src)
        pkt.info += "Pass: " + format_str(line)
        # After `AUTH LOGIN <user>` tshark 4.0 has no user name (C's NULL, printed
        # "(null)") and names packet 0: its -z credentials row, byte for byte.
        pkt.proto_data["smtp.credential"] = (
            "SMTP", "(null)" if conv.username is None else conv.username,
            f"Username in packet {conv.username_frame}")
        return
    if conv.user_pass_frame == num:
        _plain(pkt, top, line, lo, n, src)
        return
    ci = pkt.add(top, COMMAND_LINE, _ascii(b[lo:nxt]), lo, nxt - lo, source=src)
    cmdlen = min(4, n)
    pkt.add(ci, REQ_COMMAND, line[:cmdlen], lo, cmdlen, source=src)
    if n > 5:
        pkt.add(ci, REQ_PARAMETER, line[5:], lo + 5, n - 5, source=src)
    if n > 5 and conv.username_cmd_frame == num:
        if n >= 11:
            pkt.add(ci, USERNAME, line[11:], lo + 11, n - 11, source=src)
            pkt.info += format_str(line[:11]) + "User: " + format_str(line[11:])
    elif n > 5 and conv.user_pass_cmd_frame == num:
        pkt.info += format_str(line[:11])
        _plain(pkt, ci, line[11:], lo + 11, n - 11, src)
    else:
        pkt.info += format_str(line)


def _plain(pkt: Packet, parent: Item, text: str, at: int, n: int, src: int) -> None:
    """AUTH PLAIN's credentials, left base64 (tshark's default: not decoded)."""
    item = pkt.add(parent, USER_PASS, text, at, max(n, 0), source=src)
    pkt.info += format_str(text)
    pkt.add_expert(item, "warning", "protocol", BASE64.name, "smtp", field=BASE64)


def _reply(pkt: Packet, top: Item, conv: SmtpConv, tvb: Tvb, b: bytes, off: int,
           end: int) -> None:
    """Server replies: an item per reply (a multi-line one's parameters all under it);
    lines that do not start with a 3-digit code are left out, as tshark does."""
    src = tvb.source
    pkt.add(top, RSP, True, off, 0, hidden=True, source=src)
    pkt.info = "S: "
    lo = off
    ri = None
    first, cont = True, False
    while lo < end:
        eol, nxt = line_end(b, lo, end)
        line = _ascii(b[lo:eol])
        if len(line) >= 3 and line[:3].isdigit():
            if not cont:
                pkt.info += ("" if first else " | ") + format_str(line)
                ri = pkt.add(top, RESPONSE, _ascii(b[lo:nxt]), lo, nxt - lo, source=src)
                code = int(line[:3])
                pkt.add(ri, RESPONSE_CODE, code, lo, 3, None if code in RESPONSE_CODES else
                        f"Response code: Unknown ({code})", source=src)
            else:
                pkt.info += " | " + format_str(line[4:])
            first = False
            if eol - lo >= 4 and ri is not None:  # "334 ": an empty parameter, as tshark
                pkt.add(ri, RSP_PARAMETER, line[4:], lo + 4, eol - lo - 4, source=src)
            cont = len(line) >= 4 and line[3] == "-"
            _auth_reply(conv, int(line[:3]))
        lo = nxt


def _auth_reply(conv: SmtpConv, code: int) -> None:
    """A reply moves the AUTH exchange on: 334 asks for the next credential, 235 ends."""
    if code == 334:
        conv.auth = {START: USERNAME_REQ, USERNAME_RSP: PASSWORD_REQ,
                     PLAIN_START_REQ: PLAIN_REQ, PLAIN_REQ: PLAIN_RSP}.get(conv.auth, conv.auth)
    elif conv.auth in (PASSWORD_RSP, PLAIN_RSP, PLAIN_CRED_REQ):
        conv.auth = SUCCESS if code == 235 else FAILED


for _port in SMTP_PORTS:
    TCP_PORT.register(_port, dissect_smtp, "smtp")
register_dissector("smtp", dissect_smtp)
