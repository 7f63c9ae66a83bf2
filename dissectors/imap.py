"""IMAP (RFC 3501) on TCP port 143, as tshark 4.0 shows it.

Every line of a segment is an item; an untagged one ("* ...") is shown as it is, a
tagged one is parsed: tag, command (after UID, if any) and its folder or LOGIN user
name and password for a request; status and the word after it for a response, with the
request of the same tag it answers and the time since. LOGIN is a credential
(`-z credentials`). Literals ({n} strings, FETCH bodies) are not followed.
"""

from __future__ import annotations

from dissectors.bounded import remember
from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.escape import format_str
from dissectors.packet import Item, Packet
from dissectors.registry import FT, protocol
from dissectors.session import Session
from dissectors.textlines import line_end, tcp_ports
from dissectors.tvb import ReportedBoundsError, Tvb

IMAP = protocol("imap", "Internet Message Access Protocol", "IMAP")
IMAP_PORT = 143

ISREQUEST = IMAP.field("imap.isrequest", "Request", FT.BOOLEAN)
LINE = IMAP.field("imap.line", "Line", FT.STRINGZ)
REQUEST = IMAP.field("imap.request", "Request", FT.STRINGZ)
REQUEST_TAG = IMAP.field("imap.request_tag", "Request Tag", FT.STRINGZ)
RESPONSE = IMAP.field("imap.response", "Response", FT.STRINGZ)
RESPONSE_TAG = IMAP.field("imap.response_tag", "Response Tag", FT.STRINGZ)
REQUEST_COMMAND = IMAP.field("imap.request.command", "Request Command", FT.STRINGZ)
RESPONSE_COMMAND = IMAP.field("imap.response.command", "Response Command", FT.STRINGZ)
RESPONSE_STATUS = IMAP.field("imap.response.status", "Response Status", FT.STRINGZ)
TAG = IMAP.field("imap.tag", "Tag", FT.STRINGZ)
COMMAND = IMAP.field("imap.command", "Command", FT.STRINGZ)
FOLDER = IMAP.field("imap.request.folder", "Request Folder", FT.STRINGZ)
UID = IMAP.field("imap.request.command.uid", "Request isUID", FT.BOOLEAN)
USERNAME = IMAP.field("imap.request.username", "Request Username", FT.STRINGZ)
PASSWORD = IMAP.field("imap.request.password", "Request Password", FT.STRINGZ)
RESPONSE_IN = IMAP.field("imap.response_in", "Response In", FT.FRAMENUM)
RESPONSE_TO = IMAP.field("imap.response_to", "Request In", FT.FRAMENUM)
TIME = IMAP.field("imap.time", "Response Time", FT.RELATIVE_TIME)

#: Commands whose first argument is a folder (COPY: its second).
_FOLDER_COMMANDS = ("select", "examine", "create", "delete", "rename", "subscribe",
                    "unsubscribe", "status", "append", "search")


def imap_credential(pkt: Packet) -> tuple[str, str, str] | None:
    """(protocol, user name, info) of a LOGIN this packet carried (tap-credentials)."""
    return pkt.proto_data.get("imap.credential")


def _ascii(raw: bytes | memoryview) -> str:
    return bytes(raw).split(b"\0", 1)[0].decode("ascii", "replace")


def _token(b: bytes, off: int, end: int) -> tuple[int, int]:
    """tvb_get_token_len: (length up to a space or the end, start of the next token:
    one space skipped)."""
    sp = b.find(b" ", off, end)
    if sp < 0:
        return end - off, end
    return sp - off, sp + 1


def _is_command(token: str, word: str) -> bool:
    """strncmp(word, token, len(token)) == 0 on the lower-cased token."""
    return bool(token) and word.startswith(token) if len(token) <= len(word) else False


class _Requests:
    """The latest request per (connection, lower-case tag): its frame number and time."""

    def __init__(self) -> None:
        self.by_tag: dict[tuple, tuple[int, int]] = {}  # the latest; newest 64k tags


def dissect_imap(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "imap"
    pkt.proto_col = "IMAP"
    src = tvb.source
    start, end = tvb.start, tvb.end
    b = bytes(tvb.buf[:end])
    sport, dport = tcp_ports(pkt)
    is_request = dport == IMAP_PORT if IMAP_PORT in (sport, dport) else dport <= sport
    a, z = (pkt.net_src, sport), (pkt.net_dst, dport)
    conn = (a, z) if a <= z else (z, a)
    top = pkt.add_proto(IMAP, start, tvb.rend - start, "Internet Message Access Protocol",
                        source=src)
    pkt.add(top, ISREQUEST, is_request, start, 0, hidden=True, source=src)
    who = "Request" if is_request else "Response"
    off = start
    first = True
    linelen = 0
    while off < end:
        eol, nxt = line_end(b, off, end)
        linelen = eol - off
        line_item = pkt.add(top, LINE, _ascii(b[off:nxt]), off, nxt - off, source=src)
        if b[off] != 0x2A:  # not "*": a tagged line
            if first:
                pkt.set_info(f"{who}: {format_str(_ascii(b[off:eol]))}")
                first = False
            _tagged(pkt, session, line_item, b, off, eol, is_request, conn)
        off = nxt
    if first:  # only untagged lines: tshark shows the last one's length from the start
        pkt.set_info(f"{who}: {format_str(_ascii(b[start:start + linelen]))}")
    return end - start


def _tagged(pkt: Packet, session: Session, rr: Item, b: bytes, off: int, eol: int,  # noqa: C901
            is_request: bool, conn: tuple) -> None:
    """The parts of a tagged line (request or response)."""
    if eol > off:
        pkt.add(rr, REQUEST if is_request else RESPONSE, _ascii(b[off:eol]), off, eol - off)
    n, nxt = _token(b, off, eol)
    tag = None
    if n:
        tag = _ascii(b[off:off + n])
        pkt.add(rr, REQUEST_TAG if is_request else RESPONSE_TAG, tag, off, n)
        pkt.add(rr, TAG, tag, off, n, hidden=True)
        off = nxt
    n, nxt = _token(b, off, eol)
    if n:
        word = _ascii(b[off:off + n])
        command = ""
        args = nxt
        if is_request and _is_command(word.lower(), "uid"):
            pkt.add(rr, UID, True, off, n)
            un, unxt = _token(b, nxt, eol)
            if un:
                pkt.add(rr, REQUEST_COMMAND, _ascii(b[nxt:nxt + un]), nxt, un)
                pkt.add(rr, COMMAND, word, off, n, hidden=True)
                command = _ascii(b[nxt:nxt + un]).lower()
                args = unxt
        elif is_request:
            pkt.add(rr, REQUEST_COMMAND, word, off, n)
            pkt.add(rr, COMMAND, word, off, n, hidden=True)
            command = word.lower()
        else:
            pkt.add(rr, RESPONSE_STATUS, word, off, n)
        if command:
            fn, fnxt = _token(b, args, eol)
            if any(_is_command(command, w) for w in _FOLDER_COMMANDS):
                if fn:
                    pkt.add(rr, FOLDER, _ascii(b[args:args + fn]), args, fn)
            elif _is_command(command, "copy") and eol > args:
                gn, _g = _token(b, fnxt, eol)
                if gn:
                    pkt.add(rr, FOLDER, _ascii(b[fnxt:fnxt + gn]), fnxt, gn)
            elif _is_command(command, "login"):
                user = _ascii(b[args:args + fn])
                pkt.add(rr, USERNAME, user, args, fn)
                pn, _p = _token(b, fnxt, eol)
                if pn < 2 or fnxt >= eol:
                    raise_bounds()
                pkt.add(rr, PASSWORD, _ascii(b[fnxt + 1:fnxt + pn - 1]), fnxt + 1, pn - 2)
                pkt.proto_data["imap.credential"] = ("IMAP", user, "")
        if not is_request:
            cn, _c = _token(b, nxt, eol)
            if cn:
                pkt.add(rr, RESPONSE_COMMAND, _ascii(b[nxt:nxt + cn]), nxt, cn)
                pkt.add(rr, COMMAND, _ascii(b[nxt:nxt + cn]), nxt, cn, hidden=True)
    if tag is not None:
        _match(pkt, session, rr, (conn, tag.lower()), is_request)


def raise_bounds() -> None:
    """A LOGIN without a password: tshark reads past the line (an exception)."""
    raise ReportedBoundsError()


def _match(pkt: Packet, session: Session, rr: Item, key: tuple, is_request: bool) -> None:
    """imap_match_request in one pass: a response shows the latest request of its tag."""
    reqs = session.state("imap.requests", _Requests).by_tag
    answered = session.state("pass1:imap.response_in", dict)  # request -> last response
    num, ts = pkt.frame.number, pkt.frame.ts_ns
    if is_request:
        remember(reqs, key, (num, ts))
        rep = answered.get(num) if session.pass_no == 2 else None
        if rep:
            pkt.add(rr, RESPONSE_IN, rep, 0, 0, generated=True)
        return
    got = reqs.get(key)
    if got:
        req, req_ts = got
        if session.pass_no == 1 and session.two_pass:
            answered[req] = num
        pkt.add(rr, RESPONSE_TO, req, 0, 0, generated=True)
        pkt.add(rr, TIME, ts - req_ts, 0, 0, generated=True)


TCP_PORT.register(IMAP_PORT, dissect_imap, "imap")
register_dissector("imap", dissect_imap)
