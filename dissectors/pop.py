"""POP3 (RFC 1939) on TCP port 110, as tshark 4.0 shows it.

A segment from the client is a request (command, parameter); from the server, a
response (+OK / -ERR, description) or, anything else, a continuation: the message a
RETR or TOP answers, collected ("DATA fragment") until the size the +OK announced is
read, then dissected as IMF. USER then PASS is a credential (`-z credentials`).
"""

from __future__ import annotations

import re

from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.escape import format_str
from dissectors.imf import dissect_imf
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.textlines import DataFragments, line_end, tcp_ports
from dissectors.textnum import strtol
from dissectors.tvb import Tvb

POP = protocol("pop", "Post Office Protocol", "POP")
POP_PORT = 110

RESPONSE = POP.field("pop.response", "Response", FT.STRING)
INDICATOR = POP.field("pop.response.indicator", "Response indicator", FT.STRING)
DESCRIPTION = POP.field("pop.response.description", "Response description", FT.STRING)
RESPONSE_DATA = POP.field("pop.response.data", "Data", FT.STRING)
REQUEST = POP.field("pop.request", "Request", FT.STRING)
COMMAND = POP.field("pop.request.command", "Request command", FT.STRING)
PARAMETER = POP.field("pop.request.parameter", "Request parameter", FT.STRING)
REQUEST_DATA = POP.field("pop.request.data", "Data", FT.STRING)
FRAGMENTS = DataFragments(
    POP.field("pop.data.fragments", "DATA fragments", FT.NONE),
    POP.field("pop.data.fragment", "DATA fragment", FT.FRAMENUM),
    POP.field("pop.data.fragment.count", "DATA fragment count", FT.UINT32, Base.DEC),
    POP.field("pop.data.reassembled.length", "Reassembled DATA length", FT.UINT32, Base.DEC),
    POP.field("pop.data.reassembled.in", "Reassembled DATA in frame", FT.FRAMENUM))
TOT_LEN_INVALID = POP.field("pop.response.tot_len.invalid",
                            "Length must be a string containing an integer", FT.NONE)
_FIRST_NUMBER = re.compile(rb"\S+\s+(\d+)(?:\s+\S|$)")


class PopConv:
    """One connection's state (pop_data_val)."""

    __slots__ = ("msg_request", "read_len", "tot_len", "username", "username_frame", "frags")

    def __init__(self) -> None:
        self.msg_request = False
        self.read_len = self.tot_len = 0
        self.username: str | None = None
        self.username_frame = 0
        self.frags: list[tuple[int, bytes]] = []


def pop_credential(pkt: Packet) -> tuple[str, str, str] | None:
    """(protocol, user name, info) of a PASS this packet carried (tap-credentials)."""
    return pkt.proto_data.get("pop.credential")


def _ascii(raw: bytes | memoryview) -> str:
    return bytes(raw).split(b"\0", 1)[0].decode("ascii", "replace")


def _token(line: bytes) -> tuple[int, int]:
    """get_token_len: (token length, where the next token starts: spaces skipped)."""
    sp = line.find(b" ")
    if sp < 0:
        return len(line), len(line)
    nxt = sp
    while nxt < len(line) and line[nxt] == 0x20:
        nxt += 1
    return sp, nxt


def dissect_pop(tvb: Tvb, pkt: Packet, session: Session) -> int:  # noqa: C901
    session.current_proto = "pop"
    pkt.proto_col = "POP"
    b, off, end, src = tvb.buf, tvb.start, tvb.end, tvb.source
    sport, dport = tcp_ports(pkt)
    is_request = dport == POP_PORT if POP_PORT in (sport, dport) else dport <= sport
    a, z = (pkt.net_src, sport), (pkt.net_dst, dport)
    key = (a, z) if a <= z else (z, a)
    convs = session.state("pop.convs", dict)
    conv = convs.get(key)
    if conv is None:
        conv = convs[key] = PopConv()
    eol, nxt = line_end(b, off, end)
    line = bytes(b[off:eol])
    cont = not is_request and not (line.startswith(b"+OK") or line.startswith(b"-ERR"))
    if cont:
        n = tvb.rend - off
        pkt.set_info(f"S: DATA fragment, {n} byte{'' if n == 1 else 's'}")
    else:
        pkt.set_info(f"{'C' if is_request else 'S'}: {format_str(_ascii(line))}")
    top = pkt.add_proto(POP, off, tvb.rend - off, "Post Office Protocol", source=src)
    if cont:
        conv.read_len += tvb.rend - off
        more = conv.read_len < conv.tot_len
        conv.frags.append((pkt.frame.number, bytes(b[off:end])))
        if not more:
            frags, conv.frags = conv.frags, []
            FRAGMENTS.mark(session, "pop", frags, pkt.frame.number)
            whole = FRAGMENTS.show(pkt, top, frags)
            dissect_imf(whole, pkt)
            conv.read_len = conv.tot_len = 0
        else:
            FRAGMENTS.show_in(pkt, session, "pop", top)
        return end - off
    # (the line is the label; the value is empty, as proto_tree_add_string_format's "")
    ri = pkt.add(top, REQUEST if is_request else RESPONSE, "", off, nxt - off,
                 format_str(_ascii(b[off:nxt])), source=src)
    tokenlen, next_token = _token(line)
    arg_type = None
    if tokenlen:
        pkt.add(ri, COMMAND if is_request else INDICATOR, _ascii(line[:tokenlen]), off,
                tokenlen, source=src)
        upper = line[:4].upper()
        if is_request:
            if upper == b"RETR" or upper[:3] == b"TOP":
                conv.msg_request = True
            if upper == b"USER":
                arg_type = "user"
            elif upper == b"PASS":
                arg_type = "pass"
        elif conv.msg_request:
            if line[:4].upper() == b"+OK " and len(line) > 4:
                conv.read_len = conv.tot_len = 0
                m = _FIRST_NUMBER.match(line)
                if m is None:
                    pkt.add_expert(ri, "error", "malformed", TOT_LEN_INVALID.name, "pop",
                                   field=TOT_LEN_INVALID)
                else:
                    # (strtol: int() refuses more than 4300 digits from a packet)
                    conv.tot_len = strtol(m.group(1).decode("ascii")) & 0xFFFFFFFF
            conv.msg_request = False
    else:
        next_token = 0
    arg = line[next_token:]
    if arg:
        value = _ascii(arg)
        pkt.add(ri, PARAMETER if is_request else DESCRIPTION, value, off + next_token,
                len(arg), source=src)
        if arg_type == "user" and conv.username is None:
            conv.username = value
            conv.username_frame = pkt.frame.number
        elif arg_type == "pass":
            pkt.proto_data["pop.credential"] = (
                "POP3", conv.username or "", f"Username in packet {conv.username_frame}")
    o = nxt
    while o < end:
        _e, n2 = line_end(b, o, end)
        text = _ascii(b[o:n2])
        pkt.add(top, REQUEST_DATA if is_request else RESPONSE_DATA, "", o, n2 - o,
                format_str(text), source=src)
        o = n2
    return end - off


TCP_PORT.register(POP_PORT, dissect_pop, "pop")
register_dissector("pop", dissect_pop)
