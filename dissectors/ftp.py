"""FTP (RFC 959, 2428) and FTP-DATA, as tshark 4.0 shows them in a single pass.

Each TCP segment on port 21 is one unit (FTP does not reassemble): its first line is the
request (command SP argument) or the response (3-digit code, SP or '-', text); further
lines are shown as text. PORT/EPRT requests and 227/229 replies set up the data
connection as Wireshark's conversation_new with a wildcard second port: the first TCP
connection that matches binds the wildcard (ports.Conversations.find for TCP), and its
payload is FTP-DATA, labelled with the setup method and the command it answers. USER
then PASS is a credential (`-z credentials`).
"""

from __future__ import annotations

from dissectors.bounded import remember
from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.escape import format_text
from dissectors.ftp_parse import Cwd, cwd_join, parse_eprt, parse_epsv, parse_port_pasv, pwd
from dissectors.packet import Packet
from dissectors.ports import Conversations
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tcp_stream import conversation_of
from dissectors.textlines import add_line, add_text_lines, line_end, tcp_ports, utf8
from dissectors.tvb import Tvb

FTP = protocol("ftp", "File Transfer Protocol (FTP)", "FTP")
FTP_DATA = protocol("ftp-data", "FTP Data", "FTP-DATA")
FTP_PORT, FTP_DATA_PORT = 21, 20

RESPONSES = {
    110: "Restart marker reply", 120: "Service ready in nnn minutes",
    125: "Data connection already open; transfer starting",
    150: "File status okay; about to open data connection", 200: "Command okay",
    202: "Command not implemented, superfluous at this site",
    211: "System status, or system help reply", 212: "Directory status", 213: "File status",
    214: "Help message", 215: "NAME system type", 220: "Service ready for new user",
    221: "Service closing control connection",
    225: "Data connection open; no transfer in progress", 226: "Closing data connection",
    227: "Entering Passive Mode", 229: "Entering Extended Passive Mode",
    230: "User logged in, proceed",
    232: "User logged in, authorized by security data exchange",
    234: "Security data exchange complete",
    235: "Security data exchange completed successfully",
    250: "Requested file action okay, completed", 257: "PATHNAME created",
    331: "User name okay, need password", 332: "Need account for login",
    334: "Requested security mechanism is ok",
    335: "Security data is acceptable, more is required",
    336: "Username okay, need password. Challenge is ...",
    350: "Requested file action pending further information",
    421: "Service not available, closing control connection",
    425: "Can't open data connection", 426: "Connection closed; transfer aborted",
    431: "Need some unavailable resource to process security",
    450: "Requested file action not taken",
    451: "Requested action aborted: local error in processing",
    452: "Requested action not taken. Insufficient storage space in system",
    500: "Syntax error, command unrecognized",
    501: "Syntax error in parameters or arguments", 502: "Command not implemented",
    503: "Bad sequence of commands", 504: "Command not implemented for that parameter",
    522: "Network protocol not supported", 530: "Not logged in",
    532: "Need account for storing files",
    533: "Command protection level denied for policy reasons",
    534: "Request denied for policy reasons",
    535: "Failed security check (hash, sequence, etc)",
    536: "Requested PROT level not supported by mechanism",
    537: "Command protection level not supported by security mechanism",
    550: "Requested action not taken: File unavailable",
    551: "Requested action aborted: page type unknown",
    552: "Requested file action aborted: Exceeded storage allocation",
    553: "Requested action not taken: File name not allowed",
    631: "Integrity protected reply", 632: "Confidentiality and integrity protected reply",
    633: "Confidentiality protected reply",
}

CWD = FTP.field("ftp.current-working-directory", "Current working directory", FT.STRING)
RESPONSE = FTP.field("ftp.response", "Response", FT.BOOLEAN)
REQUEST = FTP.field("ftp.request", "Request", FT.BOOLEAN)
REQ_COMMAND = FTP.field("ftp.request.command", "Request command", FT.STRING)
REQ_ARG = FTP.field("ftp.request.arg", "Request arg", FT.STRING)
RESP_CODE = FTP.field("ftp.response.code", "Response code", FT.UINT32, Base.DEC,
                      strings=RESPONSES)
RESP_ARG = FTP.field("ftp.response.arg", "Response arg", FT.STRING)
PASV_IP = FTP.field("ftp.passive.ip", "Passive IP address", FT.IPv4)
PASV_PORT = FTP.field("ftp.passive.port", "Passive port", FT.UINT16, Base.DEC)
PASV_NAT = FTP.field("ftp.passive.nat", "Passive IP NAT", FT.BOOLEAN)
ACTIVE_IP = FTP.field("ftp.active.cip", "Active IP address", FT.IPv4)
ACTIVE_PORT = FTP.field("ftp.active.port", "Active port", FT.UINT16, Base.DEC)
ACTIVE_NAT = FTP.field("ftp.active.nat", "Active IP NAT", FT.BOOLEAN)
EPRT_AF = FTP.field("ftp.eprt.af", "Extended active address family", FT.UINT8, Base.DEC,
                    strings={1: "IPv4", 2: "IPv6"})
EPRT_IP = FTP.field("ftp.eprt.ip", "Extended active IP address", FT.IPv4)
EPRT_IPV6 = FTP.field("ftp.eprt.ipv6", "Extended active IPv6 address", FT.IPv6)
EPRT_PORT = FTP.field("ftp.eprt.port", "Extended active port", FT.UINT16, Base.DEC)
EPSV_IP = FTP.field("ftp.epsv.ip", "Extended passive IPv4 address", FT.IPv4)
EPSV_IPV6 = FTP.field("ftp.epsv.ipv6", "Extended passive IPv6 address", FT.IPv6)
EPSV_PORT = FTP.field("ftp.epsv.port", "Extended passive port", FT.UINT16, Base.DEC)
EPRT_INVALID = FTP.field("ftp.eprt.args_invalid",
                         "EPRT arguments must have the form: |<family>|<addr>|<port>|", FT.NONE)
EPSV_INVALID = FTP.field("ftp.epsv.args_invalid",
                         "EPSV arguments must have the form (|||<port>|)", FT.NONE)
CODE_INVALID = FTP.field("ftp.response.code.invalid", "Invalid response code", FT.NONE)
PWD_INVALID = FTP.field("ftp.response.pwd.invalid", "Invalid PWD response", FT.NONE)


RESP_FIRST = FTP.field("ftp.command-response.first-frame-num", "Command response first frame",
                       FT.FRAMENUM)
RESP_LAST = FTP.field("ftp.command-response.last-frame-num", "Command response last frame",
                      FT.FRAMENUM)
RESP_DURATION = FTP.field("ftp.command-response.duration", "Response duration", FT.UINT32,
                          Base.DEC, unit="ms")
RESP_BITRATE = FTP.field("ftp.command-response.bitrate", "Response bitrate", FT.UINT32,
                         Base.DEC, unit="Kbps")
RESP_FRAMES = FTP.field("ftp.command-response.frames", "Command response frames", FT.UINT32,
                        Base.DEC)
RESP_BYTES = FTP.field("ftp.command-response.bytes", "Command response bytes", FT.UINT32,
                       Base.DEC)
SETUP_FRAME = FTP.field("ftp.setup-frame", "Setup frame", FT.FRAMENUM)
COMMAND_FRAME = FTP.field("ftp.command-frame", "Command frame", FT.FRAMENUM)
COMMAND = FTP.field("ftp.command", "Command", FT.STRING)


def _data_field(abbrev: str, name: str, ftype: FT) -> Field:
    """An ftp-data.* field: Wireshark registers them under the ftp protocol."""
    f = FTP_DATA.field(abbrev, name, ftype)
    f.protocol = FTP
    return f


DATA_SETUP_FRAME = _data_field("ftp-data.setup-frame", "Setup frame", FT.FRAMENUM)
DATA_SETUP_METHOD = _data_field("ftp-data.setup-method", "Setup method", FT.STRING)
DATA_COMMAND = _data_field("ftp-data.command", "Command", FT.STRING)
DATA_COMMAND_FRAME = _data_field("ftp-data.command-frame", "Command frame", FT.FRAMENUM)
DATA_CWD = _data_field("ftp-data.current-working-directory", "Current working directory",
                       FT.STRING)

#: Commands whose answer comes over the data connection (cmd_resp_is_data).
_DATA_COMMANDS = ("RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD")


class DataConv:
    """What an FTP-DATA connection shows: how it was set up, the command it answers."""

    __slots__ = ("setup_method", "conv_frame", "command", "command_frame", "cwd",
                 "setup_frame", "frames", "bytes", "first", "first_ts", "last", "last_ts")

    def __init__(self, method: str, frame: int, cwd: Cwd) -> None:
        self.setup_method = method
        self.conv_frame = frame  # the conversation's setup frame
        self.command: str | None = None
        self.command_frame = 0
        self.cwd = cwd
        # What the first pass saw of the data connection (shown by -2's second pass).
        self.setup_frame = self.frames = self.bytes = self.first = self.last = 0
        self.first_ts = self.last_ts = 0


class FtpConv:
    """One control connection's state (ftp_conversation_t), first pass."""

    __slots__ = ("last_command", "cwd", "data", "data_frame", "username", "username_frame")

    def __init__(self) -> None:
        self.last_command: str | None = None
        self.cwd = Cwd()
        self.data: DataConv | None = None
        self.data_frame = 0  # where `data` was set up
        self.username: str | None = None
        self.username_frame = 0


class FtpState:
    """Per capture: control connections by address/port pair, data connections by the
    key of the Wireshark conversation that set them up."""

    def __init__(self) -> None:
        self.convs: dict[tuple, FtpConv] = {}
        # (addr, port, addr): set up, not yet used (the newest `bounded.PENDING_MAX`)
        self.wild: dict[tuple, DataConv] = {}
        self.exact: dict[tuple, DataConv] = {}  # (addr, port, addr, port), both ways

    def data_conv(self, src: bytes, sp: int, dst: bytes, dp: int) -> DataConv | None:
        """The data connection's setup, binding a wildcard as Conversations.find does."""
        got = self.exact.get((src, sp, dst, dp))
        if got is not None:
            return got
        for key, other in (((src, sp, dst), dp), ((dst, dp, src), sp)):
            got = self.wild.pop(key, None)
            if got is not None:
                self.exact[(*key, other)] = got
                self.exact[(key[2], other, key[0], key[1])] = got
                return got
        return None


def _pair(pkt: Packet, sport: int, dport: int) -> tuple:
    a, b = (pkt.net_src, sport), (pkt.net_dst, dport)
    return (a, b) if a <= b else (b, a)


def ftp_credential(pkt: Packet) -> tuple[str, str, str] | None:
    """(protocol, user name, info) of a PASS this packet carried (tap-credentials)."""
    return pkt.proto_data.get("ftp.credential")


def _cmd_is_data(cmd: str | None) -> bool:
    return cmd is not None and cmd.startswith(_DATA_COMMANDS)


def _is_abbrev(token: bytes, word: bytes) -> bool:
    """tvb_strneql(tvb, 0, word, tokenlen) == 0: the token is a prefix of the word."""
    return 0 < len(token) <= len(word) and word.startswith(token)


def _new_data_conv(session: Session, conv: FtpConv, frame: int, a: bytes, pa: int,
                   b: bytes, pb: int | None, method: str) -> None:
    """create_and_link_data_conversation: (a, pa) with b on any port gets FTP-DATA."""
    session.state("tcp.conversations", Conversations).bind(a, pa, b, None, "ftp-data")
    data = DataConv(method, frame, conv.cwd)
    remember(session.state("ftp.state", FtpState).wild, (a, pa, b), data)
    conv.data = data
    conv.data_frame = frame


# -- the dissectors -------------------------------------------------------------------------

def dissect_ftp(tvb: Tvb, pkt: Packet, session: Session) -> int:  # noqa: C901
    """One segment of the control connection: a request or a response."""
    session.current_proto = "ftp"
    b, off, end = tvb.buf, tvb.start, tvb.end
    sport, dport = tcp_ports(pkt)
    is_request = dport == FTP_PORT if FTP_PORT in (sport, dport) else dport <= sport
    pkt.proto_col = "FTP"
    state = session.state("ftp.state", FtpState)
    key = _pair(pkt, sport, dport)
    conv = state.convs.get(key)
    if conv is None:
        conv = state.convs[key] = FtpConv()
    cwd_text = conv.cwd.text
    eol, nxt = line_end(b, off, end)
    line = bytes(b[off:eol])
    linelen = eol - off
    pkt.set_info(f"{'Request' if is_request else 'Response'}: {format_text(line)}")
    top = pkt.add_proto(FTP, off, tvb.rend - off, "File Transfer Protocol (FTP)",
                        source=tvb.source)
    src = tvb.source
    pkt.add(top, REQUEST, is_request, off, 0, hidden=True, source=src)
    pkt.add(top, RESPONSE, not is_request, off, 0, hidden=True, source=src)
    rr = add_line(pkt, top, tvb, off, nxt)
    is_port = is_eprt = is_pasv = is_epsv = False
    tokenlen = 0
    if is_request:
        sp = line.find(b" ")
        token = line if sp < 0 else line[:sp]
        tokenlen = len(token)
        if tokenlen:
            pkt.add(rr, REQ_COMMAND, utf8(token), off, tokenlen, source=src)
            if _is_abbrev(token, b"PORT"):
                is_port = True
            elif _is_abbrev(token, b"EPRT"):
                is_eprt = True
            elif _is_abbrev(token, b"USER"):
                if conv.username is None and linelen - tokenlen > 1:
                    conv.username = utf8(line[tokenlen + 1:])
                    conv.username_frame = pkt.frame.number
            elif _is_abbrev(token, b"PASS") and conv.username is not None:
                pkt.proto_data["ftp.credential"] = (
                    "FTP", conv.username, f"Username in packet: {conv.username_frame}")
        conv.last_command = utf8(line)
        data = conv.data
        if data is not None and (data.command is None or (
                not _cmd_is_data(data.command) and _cmd_is_data(conv.last_command))):
            data.command = conv.last_command
            data.command_frame = pkt.frame.number
            if session.two_pass and session.pass_no == 1:  # (ftp_command_to_data_hash)
                by_frame = session.state("pass1:ftp.by_frame", dict)
                by_frame[pkt.frame.number] = by_frame[conv.data_frame] = data
        next_token = linelen if sp < 0 else sp + 1
    elif linelen >= 3 and line[:3].isdigit():
        code = int(line[:3])
        code_item = pkt.add(rr, RESP_CODE, code, off, 3, None if code in RESPONSES else
                            f"Response code: Unknown ({code})", source=src)
        is_pasv, is_epsv = code == 227, code == 229
        last = conv.last_command
        if code == 250 and last is not None:
            if last.startswith("CWD "):
                new = last[4:]
                conv.cwd = Cwd(new) if new.startswith("/") else cwd_join(conv.cwd, new)
                cwd_text = conv.cwd.text
            elif last.startswith("CDUP"):
                conv.cwd = cwd_join(conv.cwd, "..")
                cwd_text = conv.cwd.text
        if code == 257 and linelen >= 4:
            got = pwd(line[4:])
            if got is None:
                if session.pass_no == 1:  # (the second pass does not look again)
                    pkt.add_expert(code_item, "error", "malformed", "Invalid PWD response",
                                   "ftp", field=PWD_INVALID)
            else:
                conv.cwd = Cwd(got)
                cwd_text = got
        next_token = min(4, linelen)
    else:
        next_token = 0
    arg = line[next_token:]
    aoff = off + next_token
    if arg:
        pkt.add(rr, REQ_ARG if is_request else RESP_ARG, utf8(arg), aoff, len(arg), source=src)
    if is_port:
        got = parse_port_pasv(arg)
        if got is not None:
            ip, port, at, ip_len, port_len = got
            ipb = ip.to_bytes(4, "big")
            pkt.add(rr, ACTIVE_IP, ip, off + at + tokenlen + 1, ip_len, source=src)
            pkt.add(rr, ACTIVE_PORT, port, off + at + 1 + tokenlen + 1 + ip_len, port_len,
                    source=src)
            if ipb != pkt.net_src:
                pkt.add(rr, ACTIVE_NAT, True, off, 0, source=src)
            _new_data_conv(session, conv, pkt.frame.number, pkt.net_dst, FTP_DATA_PORT, ipb,
                           port, "PORT")
    if is_pasv and arg:
        got = parse_port_pasv(arg)
        if got is not None:
            ip, port, at, ip_len, port_len = got
            ipb = ip.to_bytes(4, "big")
            pkt.add(rr, PASV_IP, ip, off + at + 4, ip_len, source=src)
            pkt.add(rr, PASV_PORT, port, off + at + 4 + 1 + ip_len, port_len, source=src)
            if ipb != pkt.net_src:
                pkt.add(rr, PASV_NAT, True, off, 0, source=src)
            _new_data_conv(session, conv, pkt.frame.number, ipb, port, pkt.net_dst, None,
                           "PASV")
    if is_eprt:
        got = parse_eprt(arg)
        if got is not None:
            af, addr, port, addr_len, port_len = got
            at = off + tokenlen + 2
            pkt.add(rr, EPRT_AF, af, at, 1, source=src)
            at += 2
            if af == 1:
                pkt.add(rr, EPRT_IP, int.from_bytes(addr, "big"), at, addr_len, source=src)
            else:
                pkt.add(rr, EPRT_IPV6, addr, at, addr_len, source=src)
            pkt.add(rr, EPRT_PORT, port, at + addr_len + 1, port_len, source=src)
            _new_data_conv(session, conv, pkt.frame.number, pkt.net_src, port, addr, None,
                           "EPRT")
        else:
            bad = pkt.add_text(rr, EPRT_INVALID.name, aoff - 1, len(arg), source=src)
            pkt.add_expert(bad, "warning", "malformed", EPRT_INVALID.name, "ftp",
                           field=EPRT_INVALID)
    if is_epsv and arg:
        got = parse_epsv(arg)
        if got is not None:
            port, at, port_len = got
            src_addr = pkt.net_src
            if len(src_addr) == 4:
                pkt.add(rr, EPSV_IP, int.from_bytes(src_addr, "big"), off, 0, generated=True,
                        source=src)
            else:
                pkt.add(rr, EPSV_IPV6, src_addr, off, 0, generated=True, source=src)
            pkt.add(rr, EPSV_PORT, port, off + at + 4, port_len, source=src)
            _new_data_conv(session, conv, pkt.frame.number, src_addr, port, pkt.net_dst, None,
                           "EPASV")
        else:
            bad = pkt.add_text(rr, EPSV_INVALID.name, aoff - 1, len(arg), source=src)
            pkt.add_expert(bad, "warning", "malformed", EPSV_INVALID.name, "ftp",
                           field=EPSV_INVALID)
    o = nxt
    while o < end:
        _eol, n2 = line_end(b, o, end)
        add_line(pkt, top, tvb, o, n2)
        o = n2
    cwds = session.state("pass1:ftp.cwd", dict)  # (the second pass shows the first's)
    if session.pass_no == 1:
        if session.two_pass:
            cwds[pkt.frame.number] = cwd_text
    else:
        cwd_text = cwds.get(pkt.frame.number, cwd_text)
    pkt.add(None, CWD, cwd_text, off, 0, generated=True, source=src)
    if session.pass_no == 2:
        _second_pass(pkt, session.state("pass1:ftp.by_frame", dict).get(pkt.frame.number), src)
    return end - off


def _second_pass(pkt: Packet, data: DataConv | None, src: int) -> None:
    """What the first pass learnt of the data connection a command set up."""
    if data is None:
        return
    num = pkt.frame.number
    if num == data.command_frame:
        for f, v in ((RESP_FRAMES, data.frames), (RESP_BYTES, data.bytes),
                     (RESP_FIRST, data.first), (RESP_LAST, data.last)):
            pkt.add(None, f, v, 0, 0, generated=True, source=src)
        if data.frames > 1:
            secs, ns = divmod(data.last_ts, 1_000_000_000)
            secs0, ns0 = divmod(data.first_ts, 1_000_000_000)
            gap = (secs - secs0) * 1000 + int((ns - ns0 + 500000) / 1000000)
            pkt.add(None, RESP_DURATION, gap & 0xFFFFFFFF, 0, 0, generated=True, source=src)
            rate = int(data.bytes * 8.0 / (gap / 1000.0) / 1000) if gap > 0 else 0
            pkt.add(None, RESP_BITRATE, rate & 0xFFFFFFFF, 0, 0, generated=True, source=src)
        pkt.add(None, SETUP_FRAME, data.setup_frame, 0, 0, generated=True, source=src)
    if num == data.setup_frame:
        pkt.add(None, COMMAND, data.command or "", 0, 0, generated=True, source=src)
        pkt.add(None, COMMAND_FRAME, data.command_frame, 0, 0, generated=True, source=src)


def _is_text(head: bytes) -> bool:
    """The first 20 bytes printable ASCII or line ends: shown as lines of text."""
    return all(0x20 <= c < 0x7F or c in (0x0A, 0x0D) for c in head[:20])


def dissect_ftp_data(tvb: Tvb, pkt: Packet, session: Session) -> int:
    """A data connection's payload: its size, its setup, lines when it looks like text."""
    session.current_proto = "ftp-data"
    off, end = tvb.start, tvb.end
    n = end - off
    pkt.proto_col = "FTP-DATA"
    pkt.set_info(f"FTP Data: {tvb.rend - off} bytes")
    src = tvb.source
    pkt.add_proto(FTP_DATA, off, tvb.rend - off, f"FTP Data ({n} bytes data)", source=src)
    state = session.state("ftp.state", FtpState)
    sport, dport = tcp_ports(pkt)
    data = state.data_conv(pkt.net_src, sport, pkt.net_dst, dport)
    if data is not None:
        setup = data.conv_frame
        if session.pass_no == 1:
            ts = pkt.frame.ts_ns
            if not data.first:
                data.first, data.first_ts = pkt.frame.number, ts
            if pkt.frame.number > data.last:
                data.last, data.last_ts = pkt.frame.number, ts
            data.frames += 1
            data.bytes += tvb.rend - off
            data.setup_frame = setup
    else:
        tcp = conversation_of(session, pkt.net_src, sport, pkt.net_dst, dport)
        setup = tcp.first_frame if tcp is not None else pkt.frame.number
    pkt.add(None, DATA_SETUP_FRAME, setup, off, 0, generated=True, source=src)
    if data is not None:
        pkt.add(None, DATA_SETUP_METHOD, data.setup_method, off, 0, generated=True, source=src)
        pkt.append_info(f" ({data.setup_method})")
        if data.command is not None:
            pkt.add(None, DATA_COMMAND, data.command, off, 0, generated=True, source=src)
            pkt.append_info(f" ({format_text(data.command)})")
            pkt.add(None, DATA_COMMAND_FRAME, data.command_frame, off, 0, source=src)
        pkt.add(None, DATA_CWD, data.cwd.text, off, 0, generated=True, source=src)
    if _is_text(bytes(tvb.buf[off:min(end, off + 20)])):
        add_text_lines(pkt, tvb, off, end)
    return n




TCP_PORT.register(FTP_DATA_PORT, dissect_ftp_data, "ftp-data")
TCP_PORT.register(FTP_PORT, dissect_ftp, "ftp")
register_dissector("ftp", dissect_ftp)
register_dissector("ftp-data", dissect_ftp_data)
