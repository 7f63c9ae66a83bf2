"""SOCKS 4/4a and 5 (RFC 1928) on TCP port 1080, as tshark 4.0 shows it.

    v4 request:  VN(4) CD PORT(2) DSTIP(4) USERID... 0 [v4a: HOST... 0]
    v4 reply:    VN(0) CD(90..93) PORT(2) IP(4)
    v5 greeting: VER(5) NMETHODS METHODS...         v5 choice: VER METHOD
    v5 request:  VER CMD RSV ATYP DST.ADDR DST.PORT  v5 reply:  VER REP RSV ATYP ADDR PORT

A state machine per TCP connection (Wireshark's socks_hash_entry_t) tells each
handshake message; once connected, the payload goes on through TCP's desegmentation
with the remote port in place of 1080 (its own PDU table, as Wireshark's, whose ports
then name another conversation), under a Socks tree that repeats the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from dissectors.dispatch import TCP_HEUR, TCP_PORT, register_dissector
from dissectors.escape import format_str
from dissectors.offers import register_learner_layer
from dissectors.packet import NULL_ITEM, Item, Packet, tshark_has_tree
from dissectors.ports import dispatch_ports
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tcp import PAYLOAD as TCP_PAYLOAD
from dissectors.tcp_reassembly import desegment_tcp, segment_of
from dissectors.tcp_stream import conversation_for, stream_of
from dissectors.tvb import Tvb

COMMANDS = {1: "Connect", 2: "Bind", 3: "UdpAssociate", 0x80: "Ping", 0x81: "Traceroute"}
RESULTS_V4 = {90: "Granted", 91: "Rejected or Failed",
              92: "Rejected because SOCKS server cannot connect to identd on the client",
              93: "Rejected because the client program and identd report different user-ids"}
RESULTS_V5 = {0: "Succeeded", 1: "General SOCKS server failure",
              2: "Connection not allowed by ruleset", 3: "Network unreachable",
              4: "Host unreachable", 5: "Connection refused", 6: "TTL expired",
              7: "Command not supported", 8: "Address type not supported"}
ADDRESS_TYPES = {1: "IPv4", 3: "Domain Name", 4: "IPv6"}
PORT_SOCKS = 1080

SOCKS = protocol("socks", "Socks Protocol", "Socks")
VERSION = SOCKS.field("socks.version", "Version", FT.UINT8, Base.DEC)
DST = SOCKS.field("socks.dst", "Remote Address", FT.IPv4)
DST6 = SOCKS.field("socks.dstV6", "Remote Address(ipv6)", FT.IPv6)
V4A_NAME = SOCKS.field("socks.v4a_dns_name", "SOCKS v4a Remote Domain Name", FT.STRINGZ)
DSTPORT = SOCKS.field("socks.dstport", "Remote Port", FT.UINT16, Base.DEC)
COMMAND = SOCKS.field("socks.command", "Command", FT.UINT8, Base.DEC, strings=COMMANDS)
RESULTS = SOCKS.field("socks.results", "Results(V4)", FT.UINT8, Base.DEC,
                      strings={**RESULTS_V5, **RESULTS_V4})
METHOD_COUNT = SOCKS.field("socks.auth_method_count", "Authentication Method Count",
                           FT.UINT8, Base.DEC)
METHOD = SOCKS.field("socks.auth_method", "Method", FT.UINT8, Base.DEC)
RESERVED = SOCKS.field("socks.reserved", "Reserved", FT.UINT8, Base.DEC)
PORT = SOCKS.field("socks.port", "Port", FT.UINT16, Base.DEC)
ACCEPTED = SOCKS.field("socks.auth_accepted_method", "Accepted Auth Method", FT.UINT8,
                       Base.DEC)
AUTH_STATUS = SOCKS.field("socks.auth_status", "Status", FT.UINT8, Base.DEC)
REMOTE_HOST_PORT = SOCKS.field("socks.remote_host_port", "Remote Host Port", FT.UINT16,
                               Base.DEC)
SUBNEG_VERSION = SOCKS.field("socks.subnegotiation_version", "Subnegotiation Version",
                             FT.UINT8, Base.DEC)
USERNAME = SOCKS.field("socks.username", "User name", FT.STRING)
PASSWORD = SOCKS.field("socks.password", "Password", FT.STRING)
REMOTE_NAME = SOCKS.field("socks.remote_name", "Remote name", FT.STRING)
ADDRESS_TYPE = SOCKS.field("socks.address_type", "Address Type", FT.UINT8, Base.DEC,
                           strings=ADDRESS_TYPES)

# States of a connection (Wireshark's SockState).
NONE, CONNECTING, V4_USER_WAIT, V4_NAME_WAIT, V5_COMMAND, V5_REPLY, V5_BIND_REPLY, \
    USER_AUTH, USER_AUTH_REPLY, GSSAPI_AUTH, GSSAPI_AUTH_REPLY, DONE = range(12)
# What a frame of the handshake is (Wireshark's *_row): decides its tree.
CONNECT, CMD_REPLY, V4_USER, V4_NAME, COMMAND_ROW, BIND_REPLY, AUTH_METHOD, USER_AUTH_ROW, \
    AUTH_VERSION, GSSAPI_ROW = range(10)


@dataclass
class SocksConn:
    version: int
    state: int = NONE
    command: int = 0
    port: int = 0
    dst: bytes | None = b"\0\0\0\0"


def _no_info(text: str) -> None:
    """(where tshark builds no tree, SOCKS 5 adds nothing to Info)"""


def _auth_method_name(n: int) -> str:
    if n <= 3:
        return ("No authentication", "GSSAPI", "Username/Password", "Chap")[n]
    if n <= 0x7F:
        return "IANA assigned"
    return "private method" if n < 0xFF else "no acceptable method"


class _Tree:
    def __init__(self, pkt: Packet, top: Item, items: bool, src: int) -> None:
        self.pkt, self.top, self.items, self.src = pkt, top, items, src

    def add(self, field: Field, value: object, off: int, length: int,
            text: str | None = None, parent: Item | None = None, *,
            generated: bool = False) -> Item:
        if not self.items:
            return NULL_ITEM
        return self.pkt.add(self.top if parent is None else parent, field, value, off,
                            length, text if self.pkt.tree_on else None,
                            generated=generated, source=self.src)


def _stringz(tvb: Tvb, off: int) -> tuple[str, int]:
    """A NUL-terminated string at `off` and its size with the NUL (to the end if none)."""
    end = tvb.find(b"\0", off, tvb.end)
    stop = tvb.end if end < 0 else end
    raw = tvb.bytes(off, stop - off)
    return raw.decode("ascii", "replace"), stop - off + (1 if end >= 0 else 0)


def _address(tvb: Tvb, t: _Tree, off: int) -> int:
    """ATYP and the address after it; the offset past them."""
    atype = tvb.u8(off)
    t.add(ADDRESS_TYPE, atype, off, 1)
    off += 1
    if atype == 1:
        t.add(DST, tvb.u32(off), off, 4)
        return off + 4
    if atype == 4:
        t.add(DST6, tvb.bytes(off, 16), off, 16)
        return off + 16
    if atype == 3:
        n = tvb.u8(off)
        name = tvb.bytes(off + 1, n).decode("ascii", "replace")
        t.add(REMOTE_NAME, name, off, n + 1)
        return off + 1 + n
    return off


def _v4(tvb: Tvb, t: _Tree, row: int, conn: SocksConn) -> None:
    off = tvb.start
    if row == CONNECT:
        t.add(VERSION, tvb.u8(off), off, 1)
        t.add(COMMAND, tvb.u8(off + 1), off + 1, 1)
        t.add(DSTPORT, tvb.u16(off + 2), off + 2, 2)
        ip = tvb.bytes(off + 4, 4)
        t.add(DST, int.from_bytes(ip, "big"), off + 4, 4)
        off += 8
        if off < tvb.end:
            user, n = _stringz(tvb, off)
            t.add(USERNAME, user, off, n, f"User name: {format_str(user)}")
            off += n
            if ip[:3] == b"\0\0\0" and ip[3] and off < tvb.end:
                name, n = _stringz(tvb, off)
                t.add(V4A_NAME, name, off, n,
                      f"SOCKS v4a Remote Domain Name: {format_str(name)}")
    elif row == CMD_REPLY:
        t.add(VERSION, tvb.u8(off), off, 1)
        t.add(RESULTS, tvb.u8(off + 1), off + 1, 1)
        t.add(DSTPORT, tvb.u16(off + 2), off + 2, 2)
        t.add(DST, tvb.u32(off + 4), off + 4, 4)


def _v5(tvb: Tvb, pkt: Packet, t: _Tree, row: int | None) -> None:
    off = tvb.start
    if row in (USER_AUTH_ROW, AUTH_VERSION):
        # (RFC 1929's messages: the version shown is the connection's)
        t.add(VERSION, 5, off, 0, generated=True)
        t.add(SUBNEG_VERSION, tvb.u8(off), off, 1)
        off += 1
        if row == AUTH_VERSION:
            v = tvb.u8(off)
            t.add(AUTH_STATUS, v, off, 1, f"Status: {v} ({'success' if v == 0 else 'failure'})")
            return
        for field in (USERNAME, PASSWORD):
            n = tvb.u8(off)
            text = tvb.bytes(off + 1, n).decode("ascii", "replace")
            t.add(field, text, off + 1, n, f"{field.name}: {format_str(text)}")
            off += 1 + n
        return
    t.add(VERSION, tvb.u8(off), off, 1)
    off += 1
    if row == CONNECT:
        count = tvb.u8(off)
        tvb.need(off, 1 + count)
        sub = pkt.add_text(t.top, "Client Authentication Methods", off, 1 + count,
                           source=t.src) if t.items else NULL_ITEM
        t.add(METHOD_COUNT, count, off, 1, parent=sub)
        for i in range(count):
            m = tvb.u8(off + 1 + i)
            t.add(METHOD, m, off + 1 + i, 1, f"Method[{i}]: {m} ({_auth_method_name(m)})",
                  parent=sub)
    elif row == AUTH_METHOD:
        m = tvb.u8(off)
        t.add(ACCEPTED, m, off, 1,
              f"Accepted Auth Method: 0x{m:x} ({_auth_method_name(m)})")
    elif row in (COMMAND_ROW, CMD_REPLY, BIND_REPLY):
        v = tvb.u8(off)
        if row == COMMAND_ROW:
            t.add(COMMAND, v, off, 1)
        else:
            t.add(RESULTS, v, off, 1,
                  f"Results(V5): {RESULTS_V5.get(v, 'Unknown')} ({v})")
        t.add(RESERVED, tvb.u8(off + 1), off + 1, 1)
        off = _address(tvb, t, off + 2)
        port = tvb.u16(off)
        if row == BIND_REPLY:
            t.add(REMOTE_HOST_PORT, port, off, 2)
        else:
            t.add(PORT, port, off, 2)


def _advance_v4(tvb: Tvb, pkt: Packet, conn: SocksConn) -> int | None:
    """The v4 state machine: what this frame is, the Info it adds."""
    off = tvb.start
    if conn.state == NONE:
        pkt.append_info(" Connect to server request")
        conn.state = CONNECTING
        conn.command = tvb.u8(off + 1)
        if conn.command == 1:
            conn.port = tvb.u16(off + 2)
        # (as tshark 4.0, which reads the remote address from the start of the request)
        conn.dst = tvb.bytes(off, 4)
        user_at = off + 8
        if user_at >= tvb.end:
            conn.state = V4_USER_WAIT
        return CONNECT
    if conn.state == V4_USER_WAIT:
        pkt.append_info(" Connect Request (User name)")
        conn.state = CONNECTING
        return V4_USER
    if conn.state == V4_NAME_WAIT:
        conn.state = CONNECTING
        return V4_NAME
    if conn.state == CONNECTING:
        pkt.append_info(" Connect Response")
        conn.state = DONE
        return CMD_REPLY
    return None


def _advance_v5(tvb: Tvb, pkt: Packet, conn: SocksConn) -> int | None:
    """The v5 state machine; tshark adds its Info texts only when it builds a tree."""
    off = tvb.start
    st = conn.state
    info = pkt.append_info if tshark_has_tree(pkt) else _no_info
    if st == NONE:
        info(" Connect to server request")
        conn.state = CONNECTING
        return CONNECT
    if st == CONNECTING:
        info(" Connect to server response")
        method = tvb.u8(off + 1)
        conn.state = {0: V5_COMMAND, 2: USER_AUTH, 1: GSSAPI_AUTH}.get(method, DONE)
        return AUTH_METHOD
    if st == V5_COMMAND:
        conn.command = tvb.u8(off + 1)
        info(f" Command Request - {COMMANDS.get(conn.command, 'Unknown')}")
        conn.state = V5_REPLY
        at = off + 3
        atype = tvb.u8(at)
        at += 1
        conn.dst = None
        if atype == 1:
            conn.dst = tvb.bytes(at, 4)
            at += 4
        elif atype == 4:
            at += 16
        elif atype == 3:
            at += tvb.u8(at) + 1
        if conn.command in (1, 3):
            conn.port = tvb.u16(at)
        return COMMAND_ROW
    if st == V5_REPLY:
        info(f" Command Response - {COMMANDS.get(conn.command, 'Unknown')}")
        if conn.command in (1, 0x80, 0x81):
            conn.state = DONE
        elif conn.command == 2:
            conn.state = V5_BIND_REPLY
        return CMD_REPLY
    if st == V5_BIND_REPLY:
        info(" Command Response: Bind remote host info")
        conn.state = DONE
        return BIND_REPLY
    if st == USER_AUTH:
        info(" User authentication request")
        conn.state = USER_AUTH_REPLY
        return USER_AUTH_ROW
    if st == USER_AUTH_REPLY:
        info(" User authentication reply")
        conn.state = V5_COMMAND
        return AUTH_VERSION
    return None


def _hand_on(tvb: Tvb, pkt: Packet, session: Session, conn: SocksConn, top: Item,
             t: _Tree) -> None:
    """The connection's payload: the request's items again, then on through TCP with
    the remote port in place of SOCKS's own."""
    off = tvb.start
    t.add(VERSION, conn.version, off, 0, generated=True)
    t.add(COMMAND, conn.command, off, 0, generated=True)
    if conn.dst is not None:  # (an IPv4 address only)
        t.add(DST, int.from_bytes(conn.dst, "big"), off, 0, generated=True)
    t.add(DSTPORT, conn.port, off, 0, generated=True)
    sport, dport = pkt.srcport, pkt.dstport
    if sport == PORT_SOCKS:
        sport = conn.port
    else:
        dport = conn.port
    if PORT_SOCKS in (sport, dport):
        return  # (a tunnel to SOCKS itself would come back here for ever)
    seg = segment_of(pkt)
    saved = pkt.srcport, pkt.dstport
    pkt.srcport, pkt.dstport = sport, dport
    try:
        if seg is None or seg[1] != off or tvb.source != 0:
            dispatch_ports("tcp", TCP_PORT, TCP_HEUR, tvb, pkt, session, sport, dport)
            return
        _outer, _data_off, seq, nxtseq = seg
        if t.items:
            n = tvb.rend - off
            pkt.add(top, TCP_PAYLOAD, tvb.bytes(off, tvb.end - off), off, tvb.end - off,
                    f"TCP payload ({n} byte{'' if n == 1 else 's'})")
        inner = conversation_for(session, pkt.net_src, sport, pkt.net_dst, dport,
                                 pkt.frame.ts_ns)
        desegment_tcp(tvb, pkt, session, top, inner, off, seq, nxtseq, sport, dport)
    finally:
        pkt.srcport, pkt.dstport = saved


def dissect_socks(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    stream = stream_of(pkt)
    conns = session.state("socks.conns", dict)
    conn = conns.get(stream)
    if conn is None:
        conn = conns[stream] = SocksConn(tvb.u8(off))
    session.current_proto = "socks"
    pkt.proto_col = "Socks"
    pkt.set_info("")
    src = tvb.source
    items = bool(pkt.wants_layer("socks"))
    if conn.version not in (4, 5):
        pkt.append_info("Unknown")  # (tshark 4.0 takes any first byte on its port)
        pkt.add_proto(SOCKS, off, tvb.end - off, source=src)
        return None
    if conn.state == DONE:
        top = pkt.add_proto(SOCKS, off, tvb.end - off, source=src)
        _hand_on(tvb, pkt, session, conn, top, _Tree(pkt, top, items, src))
        return None
    pkt.append_info(f"Version: {conn.version}")
    top = pkt.add_proto(SOCKS, off, tvb.end - off, source=src)
    t = _Tree(pkt, top, items, src)
    row = _advance_v4(tvb, pkt, conn) if conn.version == 4 else _advance_v5(tvb, pkt, conn)
    # (without a tree tshark reads none of these bytes: a short message is malformed
    # only in a tree)
    if tshark_has_tree(pkt):
        if conn.version == 4:
            _v4(tvb, t, row if row is not None else -1, conn)
        else:
            _v5(tvb, pkt, t, row)
    return None


TCP_PORT.register(PORT_SOCKS, dissect_socks, "socks")
register_dissector("socks", dissect_socks)
register_learner_layer("socks", "SOCKS")
