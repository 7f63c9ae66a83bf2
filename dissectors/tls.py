"""TLS and SSL 3.0 over TCP (RFC 5246, RFC 8446), as tshark 4.0 shows it without keys.

    record = content_type(1) version(2) length(2) fragment[length]

Several records in one segment are dissected in a loop; a record that runs past the
segment is reassembled through TCP's desegment interface (`pkt.desegment`, as
dissectors/tcp_reassembly.py describes), so it is dissected whole in the segment that
completes it. Handshake messages are in dissectors/tls_handshake.py. Nothing is
decrypted: application data, alerts and handshake messages after ChangeCipherSpec are
shown as encrypted, and `-z follow,tls` shows an empty stream, as tshark's without keys.
"""

from __future__ import annotations

from dissectors.dispatch import TCP_HEUR, TCP_PORT, register_dissector
from dissectors.offers import FollowSpec, register_follow, register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.ports import Conversations
from dissectors.registry import FT, Base
from dissectors.session import Session
from dissectors.tcp_stream import stream_of
from dissectors.tls_handshake import dissect_handshake
from dissectors.tls_proto import TLS, TLS13, TlsConn, add_info, short_name
from dissectors.tls_tables import ALERT_DESCS, ALERT_LEVELS, CONTENT_TYPES, VERSIONS
from dissectors.tvb import Tvb

RECORD = TLS.field("tls.record", "Record Layer", FT.NONE)
CONTENT_TYPE = TLS.field("tls.record.content_type", "Content Type", FT.UINT8, Base.DEC,
                         strings=CONTENT_TYPES)
OPAQUE_TYPE = TLS.field("tls.record.opaque_type", "Opaque Type", FT.UINT8, Base.DEC,
                        strings=CONTENT_TYPES)
REC_VERSION = TLS.field("tls.record.version", "Version", FT.UINT16, Base.HEX, strings=VERSIONS)
REC_LENGTH = TLS.field("tls.record.length", "Length", FT.UINT16, Base.DEC)
APP_DATA = TLS.field("tls.app_data", "Encrypted Application Data", FT.BYTES)
APP_PROTO = TLS.field("tls.app_data_proto", "Application Data Protocol", FT.STRING)
ALERT = TLS.field("tls.alert_message", "Alert Message", FT.NONE)
ALERT_LEVEL = TLS.field("tls.alert_message.level", "Level", FT.UINT8, Base.DEC,
                        strings=ALERT_LEVELS)
ALERT_DESC = TLS.field("tls.alert_message.desc", "Description", FT.UINT8, Base.DEC,
                       strings=ALERT_DESCS)
CCS = TLS.field("tls.change_cipher_spec", "Change Cipher Spec Message", FT.NONE)
IGNORED = TLS.field("tls.ignored_unknown_record", "Ignored Unknown Record", FT.NONE)
RESUMED = TLS.field("tls.resumed",
                    "This session reuses previously negotiated keys (Session resumption)",
                    FT.NONE)

CCS_TYPE, ALERT_TYPE, HANDSHAKE_TYPE, APP_DATA_TYPE, HEARTBEAT_TYPE = 20, 21, 22, 23, 24
VALID_TYPES = frozenset({20, 21, 22, 23, 24, 25})
#: Versions whose records are read without the SSLv3-look check (dissect_ssl's switch).
PLAIN_VERSIONS = frozenset({0x0300, 0x0301, 0x0302, 0x0303, 0x0101})
#: tls.port: the application protocol a TLS port carries, by long name (the record label).
APP_PORTS = {
    443: "Hypertext Transfer Protocol", 465: "Simple Mail Transfer Protocol",
    8883: "MQ Telemetry Transport Protocol", 995: "Post Office Protocol",
    2221: "EtherNet/IP (Industrial Protocol)", 2443: "Skinny Client Control Protocol",
    5868: "Diameter Protocol", 1300: "Q.931", 5671: "Advanced Message Queuing Protocol",
    993: "Internet Message Access Protocol", 19999: "Distributed Network Protocol 3.0",
    3496: "DoIP (ISO13400) Protocol", 3389: "TPKT - ISO on TCP - RFC1006", 802: "Modbus/TCP",
    11207: "Couchbase Protocol", 27017: "Mongo Wire Protocol",
    636: "Lightweight Directory Access Protocol", 5061: "Session Initiation Protocol",
    5684: "Constrained Application Protocol", 324: "RPKI-Router Protocol",
    853: "Domain Name System",
    **{p: "Intel Omni-Path FE Header - Omni-Path Fabric Executive Header"
       for p in (3249, 3250, 3251, 3252)},
}
#: tcp.port entries of tls (tshark -G decodes).
TLS_TCP_PORTS = (324, 443, 465, 636, 802, 853, 993, 995, 1300, 2221, 2443, 3249, 3250, 3251,
                 3252, 3496, 5061, 5671, 5684, 5868, 8883, 11207, 19999, 27017)
SERVER_PORTS = frozenset(APP_PORTS)

def _conn(pkt: Packet, session: Session) -> tuple[TlsConn, int, int]:
    """The TLS state of this packet's TCP connection, and its ports."""
    sport, dport = pkt.srcport, pkt.dstport  # (as TCP set them)
    stream = stream_of(pkt)
    conns = session.state("tls.conns", dict)
    a, b = (pkt.net_src, sport), (pkt.net_dst, dport)
    key = (stream, min(a, b), max(a, b))
    conn = conns.get(key)
    if conn is None:
        # tshark's second pass (-2) starts with the connection's version known
        finals = session.state("pass1:tls.versions", dict)
        conn = conns[key] = TlsConn(version=finals.get(key) if session.pass_no == 2 else None)
        conn.key = key
    return conn, sport, dport


def _printable(c: int) -> bool:
    return 0x20 <= c < 0x7F


def dissect_tls(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """dissect_ssl: every record of this (possibly reassembled) TCP payload."""
    if tvb.end - tvb.start > 4 and all(_printable(c) for c in tvb.buf[tvb.start: tvb.start + 4]):
        return False  # plain text: not TLS
    session.current_proto = "tls"
    conn, sport, dport = _conn(pkt, session)
    pkt.srcport, pkt.dstport = sport, dport
    from_server = conn.from_server(pkt.net_src, sport, SERVER_PORTS)
    pkt.proto_col = short_name(conn.version, "SSL")
    pkt.clear_info()
    top = pkt.add_proto(TLS, tvb.start, tvb.rend - tvb.start, source=tvb.source)
    off = tvb.start
    can = bool(pkt.can_desegment) and tvb.end >= tvb.rend
    while off < tvb.rend:
        if tvb.rend - off < 5:
            if can:
                pkt.desegment = (off, -1)
                return None
            break
        if conn.version not in PLAIN_VERSIONS and _looks_like_v2(tvb, off):
            off = _ssl2_record(tvb, pkt, top, off, can)
        elif conn.version not in PLAIN_VERSIONS and not _looks_like_v3(tvb, off):
            add_info(pkt, "Continuation Data")
            break
        else:
            off = _record(tvb, pkt, top, off, conn, from_server, can, sport, dport)
        if off < 0:
            return None
    pkt.fence_info()
    if session.two_pass and session.pass_no == 1 and conn.version is not None:
        session.state("pass1:tls.versions", dict)[conn.key] = conn.version
    return None


def _looks_like_v2(tvb: Tvb, off: int) -> bool:
    """ssl_looks_like_sslv2: a two-byte header (high bit set) and an SSL 2.0 / PCT
    handshake type in the third byte."""
    return tvb.u8(off) >= 0x80 and tvb.u8(off + 2) in (0, 1, 2, 3, 4, 5)


def _ssl2_record(tvb: Tvb, pkt: Packet, top: Item, off: int, can: bool) -> int:
    """dissect_ssl2_record, for what tshark shows of a record it cannot read: "Encrypted
    Data" (labshark does not decode SSL 2.0 handshakes); -1 when TCP must bring more."""
    b0 = tvb.u8(off)
    hdr = 2 if b0 & 0x80 else 3
    rlen = ((b0 & 0x7F) << 8 | tvb.u8(off + 1)) if hdr == 2 else ((b0 & 0x3F) << 8 |
                                                                   tvb.u8(off + 1))
    avail = tvb.rend - off
    if can and avail < rlen + hdr:
        pkt.desegment = (off, rlen + hdr - avail)
        return -1
    pkt.proto_col = "SSLv2"
    rec = pkt.add(top, RECORD, None, off, hdr + rlen, "SSLv2 Record Layer: Encrypted Data",
                  source=tvb.source)
    pkt.add(rec, REC_VERSION, 0x0002, off, 0, generated=True, source=tvb.source)
    add_info(pkt, "Encrypted Data")
    return off + hdr + rlen


def _looks_like_v3(tvb: Tvb, off: int) -> bool:
    return tvb.u8(off) in VALID_TYPES and tvb.u16(off + 1) in PLAIN_VERSIONS


def _try_set_version(conn: TlsConn, ctype: int, next_byte: int, version: int) -> None:
    """ssl_try_set_version: only a message whose version is authoritative (not a
    ClientHello) sets the connection's."""
    from dissectors.tls_tables import HANDSHAKE_TYPES

    if ctype == HANDSHAKE_TYPE:
        if next_byte not in HANDSHAKE_TYPES or next_byte == 1:
            return
    elif ctype not in VALID_TYPES:
        return
    if version in PLAIN_VERSIONS or version == TLS13:
        conn.version = version


def _record(tvb: Tvb, pkt: Packet, top: Item, off: int, conn: TlsConn, from_server: bool,
            can: bool, sport: int, dport: int) -> int:
    """dissect_ssl3_record: one record; the offset after it, -1 when TCP must bring more."""
    avail = tvb.rend - off
    src = tvb.source
    if conn.version in (0x0301, 0x0302, 0x0303) and tvb.u8(off) not in VALID_TYPES:
        item = pkt.add(top, IGNORED, None, off, avail, "Ignored Unknown Record", source=src)
        pkt.add_expert(item, "warning", "protocol", "Ignored Unknown Record", "tls",
                       field=IGNORED)
        add_info(pkt, "Ignored Unknown Record")
        return tvb.rend
    ctype, rver, rlen = tvb.u8(off), tvb.u16(off + 1), tvb.u16(off + 3)
    if ctype not in VALID_TYPES:
        add_info(pkt, "Continuation Data")
        return off + 5 + rlen
    if avail < rlen + 5:
        if can:
            pkt.desegment = (off, rlen + 5 - avail)
            return -1
        return off + avail
    rec = pkt.add(top, RECORD, None, off, 5 + rlen, "Record Layer", source=src)
    ctf = OPAQUE_TYPE if conn.version == TLS13 and ctype == APP_DATA_TYPE else CONTENT_TYPE
    pkt.add(rec, ctf, ctype, off, 1, source=src)
    pkt.add(rec, REC_VERSION, rver, off + 1, 2, source=src)
    pkt.add(rec, REC_LENGTH, rlen, off + 3, 2, source=src)
    body = off + 5
    next_byte = tvb.u8(body)
    if conn.version is None:
        _try_set_version(conn, ctype, next_byte, rver)
        pkt.proto_col = short_name(rver, "SSL")
        version: int | None = rver
    else:
        version = conn.version
    if ctype == CCS_TYPE:
        add_info(pkt, "Change Cipher Spec")
        item = pkt.add(rec, CCS, None, body, 1, source=src)
        rec.text = f"{short_name(conn.version, 'SSL')} Record Layer: Change Cipher Spec " \
                   "Protocol: Change Cipher Spec"
        frame = pkt.frame.number
        if conn.version == TLS13:
            pass  # a compatibility dummy: handshake records after it stay in clear
        elif from_server and not conn.server_ccs_frame:
            conn.server_ccs_frame = frame
        elif not from_server and not conn.client_ccs_frame:
            conn.client_ccs_frame = frame
        if conn.resumed:
            pkt.add_expert(item, "note", "sequence",
                           "This session reuses previously negotiated keys (Session resumption)",
                           "tls", field=RESUMED)
        if from_server:
            conn.resumed = False
    elif ctype == ALERT_TYPE:
        _alert(tvb, pkt, rec, body, rlen, conn)
    elif ctype == HANDSHAKE_TYPE:
        dissect_handshake(tvb, pkt, rec, body, body + rlen, conn, from_server, version)
    elif ctype == APP_DATA_TYPE:
        add_info(pkt, "Application Data")
        app = conn.app or APP_PORTS.get(sport) or APP_PORTS.get(dport)
        rec.text = f"{short_name(version, 'SSL')} Record Layer: Application Data Protocol: " \
                   f"{app or 'Application Data'}"
        pkt.add(rec, APP_DATA, tvb.bytes(body, rlen), body, rlen, source=src)
        if app:
            pkt.add(rec, APP_PROTO, app, 0, 0, generated=True, source=src)
    elif ctype == HEARTBEAT_TYPE:
        add_info(pkt, "Encrypted Heartbeat")
    return body + rlen


def _alert(tvb: Tvb, pkt: Packet, rec: Item, off: int, rlen: int, conn: TlsConn) -> None:
    """dissect_ssl3_alert: two bytes in clear, anything else encrypted."""
    vname = short_name(conn.version, "TLS")
    item = pkt.add(rec, ALERT, None, off, rlen, source=tvb.source)
    if rlen != 2:
        add_info(pkt, "Encrypted Alert")
        rec.text = f"{vname} Record Layer: Encrypted Alert"
        item.text = "Alert Message: Encrypted Alert"
        return
    level, desc = tvb.u8(off), tvb.u8(off + 1)
    lname, dname = ALERT_LEVELS.get(level, "Unknown"), ALERT_DESCS.get(desc, "Unknown")
    add_info(pkt, f"Alert (Level: {lname}, Description: {dname})")
    rec.text = f"{vname} Record Layer: Alert (Level: {lname}, Description: {dname})"
    pkt.add(item, ALERT_LEVEL, level, off, 1, source=tvb.source)
    pkt.add(item, ALERT_DESC, desc, off + 1, 1, source=tvb.source)


def heur_tls(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """dissect_ssl_heur: a Handshake or Application Data record header of SSL 3.0 to
    TLS 1.2 with a sane length; the connection is TLS from then on."""
    if tvb.end - tvb.start < 5:
        return False
    b = tvb.buf
    s = tvb.start
    ctype, ver, rlen = b[s], (b[s + 1] << 8) | b[s + 2], (b[s + 3] << 8) | b[s + 4]
    if ctype not in (HANDSHAKE_TYPE, APP_DATA_TYPE) or ver not in PLAIN_VERSIONS or \
            not 0 < rlen < 16384 + 2048:
        return False
    convs = session.state("tcp.conversations", Conversations)
    convs.bind(pkt.net_src, pkt.srcport, pkt.net_dst, pkt.dstport, "tls")
    return dissect_tls(tvb, pkt, session)


for _port in TLS_TCP_PORTS:
    TCP_PORT.register(_port, dissect_tls, "tls")
TCP_HEUR.register("tls", heur_tls)
register_dissector("tls", dissect_tls)
# labshark decrypts no TLS: like tshark without keys, the stream shows no data.
register_follow(FollowSpec("tls", "tcp", None, byte_stream=True))
register_learner_layer("tls", "TLS")
