"""QUIC (RFC 9000) long headers on UDP port 443, as tshark 4.0 shows them.

    +-+-+-+-+-+-+-+-+
    |1|1|T T|X X X X|  Version (32)  DCID Len (8) DCID (0..160)  SCID Len (8) SCID
    +-+-+-+-+-+-+-+-+  [Initial: Token Length (i), Token]  Length (i)  protected rest
A datagram may hold several (coalesced) packets, each with its own tree. Initial
packets are decrypted as tshark does, with the keys derived from the Destination
Connection ID of the connection's first Initial (quic_keys.py), and their frames
dissected (quic_frames.py, the ClientHello/ServerHello by TLS's handshake dissector).
Other long packets need the TLS secrets: their packet number and payload are shown as
"Remaining Payload" with tshark's "Secrets are not available" note. Short headers are
left to data (their DCID length is known only from the connection's handshake).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.quic_frames import crypto_stream, dissect_frames
from dissectors.quic_keys import Unprotected, initial_keys, unprotect
from dissectors.quic_proto import QUIC, version_name
from dissectors.registry import FT, Base
from dissectors.session import Session
from dissectors.tvb import Tvb

PACKET_TYPES = {0: "Initial", 1: "0-RTT", 2: "Handshake", 3: "Retry"}
CONNECTION_NUMBER = QUIC.field("quic.connection.number", "Connection Number", FT.UINT32,
                               Base.DEC)
PACKET_LENGTH = QUIC.field("quic.packet_length", "Packet Length", FT.UINT32, Base.DEC)
HEADER_FORM = QUIC.field("quic.header_form", "Header Form", FT.UINT8, Base.DEC, bitmask=0x80,
                         strings={0: "Short Header", 1: "Long Header"})
FIXED_BIT = QUIC.field("quic.fixed_bit", "Fixed Bit", FT.BOOLEAN, bitmask=0x40)
PACKET_TYPE = QUIC.field("quic.long.packet_type", "Packet Type", FT.UINT8, Base.DEC,
                         bitmask=0x30, strings=PACKET_TYPES)
PACKET_TYPE_V2 = QUIC.field("quic.long.packet_type_v2", "Packet Type", FT.UINT8, Base.DEC,
                            bitmask=0x30, strings={0: "Retry", 1: "Initial", 2: "0-RTT",
                                                   3: "Handshake"})
#: QUIC v2 (RFC 9369) numbers the long packet types differently: v2 type -> v1 type.
V2_TYPES = {0: 3, 1: 0, 2: 1, 3: 2}
V2 = frozenset({0x6B3343CF, 0x709A50C4})
RESERVED = QUIC.field("quic.long.reserved", "Reserved", FT.UINT8, Base.DEC, bitmask=0x0C)
PN_LENGTH = QUIC.field("quic.packet_number_length", "Packet Number Length", FT.UINT8, Base.DEC,
                       bitmask=0x03, strings={0: "1 bytes", 1: "2 bytes", 2: "3 bytes",
                                              3: "4 bytes"})
PACKET_NUMBER = QUIC.field("quic.packet_number", "Packet Number", FT.UINT64, Base.DEC)
PAYLOAD = QUIC.field("quic.payload", "Payload", FT.BYTES)
VERSION = QUIC.field("quic.version", "Version", FT.UINT32, Base.HEX)
DCIL = QUIC.field("quic.dcil", "Destination Connection ID Length", FT.UINT8, Base.DEC)
DCID = QUIC.field("quic.dcid", "Destination Connection ID", FT.BYTES)
SCIL = QUIC.field("quic.scil", "Source Connection ID Length", FT.UINT8, Base.DEC)
SCID = QUIC.field("quic.scid", "Source Connection ID", FT.BYTES)
TOKEN_LENGTH = QUIC.field("quic.token_length", "Token Length", FT.UINT64, Base.DEC)
TOKEN = QUIC.field("quic.token", "Token", FT.BYTES)
LENGTH = QUIC.field("quic.length", "Length", FT.UINT64, Base.DEC)
REMAINING = QUIC.field("quic.remaining_payload", "Remaining Payload", FT.BYTES)
DECRYPTION_FAILED = QUIC.field("quic.decryption_failed", "Failed to decrypt handshake",
                               FT.NONE)
CONNECTION_UNKNOWN = QUIC.field(
    "quic.connection.unknown",
    "Unknown QUIC connection. Missing Initial Packet or migrated connection?", FT.NONE)
RETRY_TOKEN = QUIC.field("quic.retry_token", "Retry Token", FT.BYTES)
RETRY_TAG = QUIC.field("quic.retry_integrity_tag", "Retry Integrity Tag", FT.BYTES)
BAD_RETRY = QUIC.field("quic.bad_retry", "Retry Integrity Tag verification failure", FT.NONE)
_NO_PN = "Failed to decrypt packet number"
_NO_SECRETS = "Failed to create decryption context: Secrets are not available"


def _varint(tvb: Tvb, off: int) -> tuple[int, int]:
    """A QUIC variable-length integer at `off`: (value, its size)."""
    first = tvb.u8(off)
    size = 1 << (first >> 6)
    tvb.need(off, size)
    return int.from_bytes(tvb.bytes(off, size), "big") & ((1 << (8 * size - 2)) - 1), size


@dataclass(slots=True)
class QuicConn:
    """What Wireshark's quic_info_data keeps that labshark needs: the connection's
    number, its client (the sender of the first Initial) and that Initial's DCID (the
    Initial keys' input), and the largest packet number seen per direction."""

    number: int
    client: bytes = b""
    client_dcid: bytes | None = None
    largest: list[int] = field(default_factory=lambda: [-1, -1])


class _Connections:
    """Connections, one per UDP address/port pair (both directions), made by an
    Initial packet (as Wireshark's, which finds later packets by their connection IDs)."""

    def __init__(self) -> None:
        self.conns: dict[bytes, QuicConn] = {}

    def lookup(self, pkt: Packet, initial: bool) -> QuicConn | None:
        a = pkt.net_src + pkt.srcport.to_bytes(2, "big")
        b = pkt.net_dst + pkt.dstport.to_bytes(2, "big")
        key = a + b if a <= b else b + a
        conn = self.conns.get(key)
        if conn is None and initial:
            conn = self.conns[key] = QuicConn(len(self.conns), client=a)
        return conn


def _long_packet(tvb: Tvb, pkt: Packet, session: Session, off: int, conn: QuicConn | None,
                 first_in: bool, items: bool) -> int:
    """One long-header packet at `off`: its tree (the first of a datagram with the
    connection's information) and Info; returns its end."""
    src = tvb.source
    first = tvb.u8(off)
    version = tvb.u32(off + 1)
    ptype = (first >> 4) & 3
    if version in V2:
        ptype = V2_TYPES[ptype]
    dcil = tvb.u8(off + 5)
    dcid = tvb.bytes(off + 6, dcil)
    at = off + 6 + dcil
    scil = tvb.u8(at)
    scid = tvb.bytes(at + 1, scil)
    at += 1 + scil
    token_len = token_size = 0
    if ptype == 0:
        token_len, token_size = _varint(tvb, at)
        tvb.need(at + token_size, token_len)
    length_at = at + token_size + token_len
    length, length_size = _varint(tvb, length_at) if ptype != 3 else (0, 0)
    rest = length_at + length_size
    end = min(rest + length, tvb.end) if ptype != 3 else tvb.end
    info = PACKET_TYPES[ptype]
    if dcil:
        info += f", DCID={dcid.hex()}"
    if scil:
        info += f", SCID={scid.hex()}"
    pkt.set_info(info)  # (each coalesced packet sets the column anew)
    top = pkt.add_proto(QUIC, off, end - off, source=src, in_stack=first_in)
    if first_in:
        ci = pkt.add_text(top, "QUIC Connection information", off, 0, source=src) \
            if items else top
        if conn is not None:
            pkt.add(ci, CONNECTION_NUMBER, conn.number, off, 0, generated=True, source=src)
        else:
            pkt.add_expert(ci, "note", "protocol", CONNECTION_UNKNOWN.name, "quic",
                           field=CONNECTION_UNKNOWN)
    plain = None
    if ptype == 0 and conn is not None:
        if conn.client_dcid is None:
            conn.client_dcid = dcid
        from_server = pkt.net_src + pkt.srcport.to_bytes(2, "big") != conn.client
        keys = initial_keys(version, conn.client_dcid, from_server)
        plain = unprotect(tvb.buf, off, rest, end, keys, conn.largest[from_server]) \
            if keys is not None else None
    if items:
        pkt.add(top, PACKET_LENGTH, end - off, off, 0, generated=True, source=src)
        pkt.add(top, HEADER_FORM, 1, off, 1, source=src)
        if ptype != 3:
            pkt.add(top, FIXED_BIT, bool(first & 0x40), off, 1, source=src)
        pkt.add(top, PACKET_TYPE_V2 if version in V2 else PACKET_TYPE, (first >> 4) & 3, off,
                1, source=src)
        if plain is not None:
            pkt.add(top, RESERVED, (plain.first >> 2) & 3, off, 1, source=src)
            pkt.add(top, PN_LENGTH, plain.first & 3, off, 1, source=src)
        pkt.add(top, VERSION, version, off + 1, 4,
                f"Version: {version_name(version)} (0x{version:08x})", source=src)
        pkt.add(top, DCIL, dcil, off + 5, 1, source=src)
        if dcil:
            pkt.add(top, DCID, dcid, off + 6, dcil, source=src)
        pkt.add(top, SCIL, scil, off + 6 + dcil, 1, source=src)
        if scil:
            pkt.add(top, SCID, scid, off + 7 + dcil, scil, source=src)
        if ptype == 0:
            pkt.add(top, TOKEN_LENGTH, token_len, at, token_size, source=src)
            if token_len:
                pkt.add(top, TOKEN, tvb.bytes(at + token_size, token_len),
                        at + token_size, token_len, source=src)
        if ptype != 3:
            pkt.add(top, LENGTH, length, length_at, length_size, source=src)
    if ptype == 3:
        tag_at = max(at, end - 16)
        if items:
            pkt.add(top, RETRY_TOKEN, tvb.bytes(at, tag_at - at), at, tag_at - at, source=src)
        tag = pkt.add(top, RETRY_TAG, tvb.bytes(tag_at, end - tag_at), tag_at, end - tag_at,
                      source=src)
        pkt.add_expert(tag, "warning", "protocol",
                       "Cannot verify Retry Packet due to unknown ODCID", "quic",
                       field=BAD_RETRY)
        return end
    if plain is not None:
        _initial_payload(tvb, pkt, session, top, conn, plain, rest, end, from_server)
        return end
    pkt.add_expert(top, "warning", "decryption", _NO_SECRETS if conn is not None else _NO_PN,
                   "quic", field=DECRYPTION_FAILED)
    if items and end > rest:
        pkt.add(top, REMAINING, tvb.bytes(rest, end - rest), rest, end - rest, source=src)
    return end


def _initial_payload(tvb: Tvb, pkt: Packet, session: Session, top: Item, conn: QuicConn,
                     plain: Unprotected, rest: int, end: int, from_server: bool) -> None:
    """The packet number, the protected payload and, decrypted, its frames."""
    src = tvb.source
    if plain.plain is None and session.pass_no == 2:
        # (tshark's second pass finds the first pass's failure, not a packet number)
        pkt.add_expert(top, "warning", "decryption",
                       f"Failed to create decryption context: {plain.error}", "quic",
                       field=DECRYPTION_FAILED)
        pkt.add(top, REMAINING, tvb.bytes(rest, end - rest), rest, end - rest, source=src)
        return
    conn.largest[from_server] = max(conn.largest[from_server], plain.pn)
    pkt.add(top, PACKET_NUMBER, plain.pn, rest, plain.pn_len, source=src)
    at = rest + plain.pn_len
    payload = pkt.add(top, PAYLOAD, tvb.bytes(at, end - at), at, end - at, source=src)
    pkt.append_info(f", PKN: {plain.pn}")
    if plain.plain is None:
        pkt.add_expert(payload, "warning", "decryption", f"Decryption failed: {plain.error}",
                       "quic", field=DECRYPTION_FAILED)
        return
    dsrc = pkt.add_source(f"Decrypted QUIC ({len(plain.plain)} bytes)", plain.plain)
    stream = crypto_stream(session, (conn.number, from_server))
    dissect_frames(Tvb(plain.plain, source=dsrc), pkt, top, stream, from_server)


def dissect_quic(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    if tvb.end - off < 7 or not tvb.u8(off) & 0x80:
        return False  # (a short header: its DCID length is not known here)
    session.current_proto = "quic"
    pkt.proto_col = "QUIC"
    version = tvb.u32(off + 1)
    ptype = (tvb.u8(off) >> 4) & 3
    initial = (V2_TYPES[ptype] if version in V2 else ptype) == 0
    conn = session.state("quic.connections", _Connections).lookup(pkt, initial)
    items = bool(pkt.wants_layer("quic"))
    count = 0
    while off < tvb.end and tvb.end - off >= 7 and tvb.u8(off) & 0x80 and count < 16:
        end = _long_packet(tvb, pkt, session, off, conn, count == 0, items)
        count += 1
        if end <= off:
            break
        off = end
    return None


UDP_PORT.register(443, dissect_quic, "quic")
register_dissector("quic", dissect_quic)
register_learner_layer("quic", "QUIC")
